"""Document-level scores: one row per document from passage scores (shares of each value and the
codebook's index, the restraint index by default; docs/scoring.md)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..codebook import Codebook, IndexDefinition
from ..errors import CodebookError, InputError


def index_spec(codebook: Codebook, index: IndexDefinition | None = None) -> IndexDefinition | None:
    """The index the document-level scores carry: `index`, else the codebook's own (`analysis: index:`;
    None when it defines none, and the scores then have no index columns), checked against the codebook:
    a `CodebookError` lists every dimension and value it needs that the codebook lacks."""
    spec = index if index is not None else codebook.index
    if spec is None:
        return None
    problems = []
    dims = {d.name: d for d in codebook.dimensions}
    wanted = {spec.dimension: [spec.positive, spec.negative], **{d: list(v) for d, v in spec.exclude}}
    for dim, values in wanted.items():
        if dim not in dims:
            problems.append(f"no dimension {dim!r} (the {spec.label} needs it; dimensions are: "
                            f"{', '.join(dims)})")
            continue
        missing = [v for v in values if v not in dims[dim].value_names]
        if missing:
            problems.append(f"dimension {dim!r} has no value {', '.join(map(repr, missing))} (the {spec.label} "
                            f"needs it; values are: {', '.join(dims[dim].value_names)})")
    if problems:
        hint = ("name your codebook's equivalents in its 'analysis: index:' section, or pass "
                "index=IndexDefinition(...) to document_level")
        raise CodebookError([*problems, hint], source=codebook.source or codebook.name)
    return spec


def check_document_plan(dimensions: list[str], codebook: Codebook) -> IndexDefinition | None:
    """Before reading any input: the document-level scores of `dimensions` can be read under `codebook`
    (each scored dimension is one of its dimensions, and its index's dimension is scored); an `InputError`
    naming the fix otherwise, such as a model trained under a custom codebook scored with the default one.
    Returns the index the scores carry (`index_spec`)."""
    foreign = [d for d in dimensions if d not in codebook.dimension_names]
    if foreign:
        raise InputError(f"the model scores {', '.join(foreign)}, which codebook {codebook.name!r} "
                         f"{codebook.version} does not have (its dimensions: {', '.join(codebook.dimension_names)}); "
                         "give the codebook the model was trained under: --codebook FILE, or --project")
    spec = index_spec(codebook)
    if spec is not None and spec.dimension not in dimensions:
        raise InputError(f"the codebook's {spec.label} needs a {spec.dimension!r} model, and the models score "
                         f"only {', '.join(dimensions)}; score {spec.dimension!r} too (or use a codebook whose "
                         "'analysis: index:' names a scored dimension)")
    return spec


def document_level(passage_frame: pd.DataFrame, codebook: Codebook, index: IndexDefinition | None = None
                   ) -> pd.DataFrame:
    """One row per document from passage-level scores (in document order).

    Columns: `doc_id`, the document metadata, `n_passages`, `n_boilerplate`, for every scored codebook
    dimension D and value v `D:share:v` (the share of the document's non-boilerplate passages whose
    predicted label is, or for multi-valued dimensions includes, v), and the codebook's index (`index`
    to use another): `<name>` (by default `restraint_index`: the mean of P(restraint) - P(escalation)
    over argumentative passages, not boilerplate and with predicted role not background or other) and
    `<name>_n` (how many passages that mean is over; the index is empty when it is 0). A codebook that
    defines no index gives no index columns.
    """
    spec = index_spec(codebook, index)
    f = passage_frame
    for col in ("doc_id", "is_boilerplate"):
        if col not in f.columns:
            raise InputError(f"the passage frame has no column {col!r}; columns are: {', '.join(map(str, f.columns))}")
    if spec is not None:
        plus, minus = f"{spec.dimension}:{spec.positive}", f"{spec.dimension}:{spec.negative}"
        if plus not in f.columns or minus not in f.columns:
            raise InputError(f"the passage frame has no probability columns {plus!r} and {minus!r}: score it "
                             f"with a model that has a {spec.dimension!r} head")
    dims = [d for d in codebook.dimensions if d.name in f.columns]
    names = {d.name for d in codebook.dimensions}
    scored = {c for c in f.columns if str(c).split(":")[0] in names}
    meta_cols = [c for c in f.columns if c not in {"doc_id", "passage_id", "is_boilerplate", "text"} | scored]

    content = ~f["is_boilerplate"].astype(bool).to_numpy()
    work: dict[str, np.ndarray] = {"n_passages": np.ones(len(f), dtype=np.int64),
                                   "n_boilerplate": (~content).astype(np.int64),
                                   "_content": content.astype(np.int64)}
    for d in dims:
        labels = f[d.name].fillna("").astype(str)
        sets = [set(s.split(";")) for s in labels] if d.multi else None
        for v in d.value_names:
            hit = np.fromiter((v in s for s in sets), bool, len(f)) if d.multi else (labels == v).to_numpy()
            work[f"{d.name}:share:{v}"] = (hit & content).astype(np.float64)
    if spec is not None:
        counted = content.copy()  # the passages the index is averaged over
        for dim, values in spec.exclude:
            if dim in f.columns and codebook.dimension(dim).multi:
                labels, drop = f[dim].fillna("").astype(str), set(values)
                counted &= ~np.fromiter((bool(set(v.split(";")) & drop) for v in labels), bool, len(f))
            elif dim in f.columns:
                counted &= ~f[dim].isin(list(values)).to_numpy()
        diff = f[plus].to_numpy(np.float64) - f[minus].to_numpy(np.float64)
        work["_index_sum"] = np.where(counted, diff, 0.0)
        work["_index_n"] = counted.astype(np.int64)

    sums = pd.DataFrame(work, index=f.index).groupby(f["doc_id"].to_numpy(), sort=False).sum()
    share_cols = [c for c in sums.columns if ":share:" in c]
    denom = sums["_content"].replace(0, np.nan)
    out = pd.DataFrame(index=sums.index)
    if meta_cols:
        out = out.join(f.groupby(f["doc_id"].to_numpy(), sort=False)[meta_cols].first())
    out["n_passages"] = sums["n_passages"]
    out["n_boilerplate"] = sums["n_boilerplate"]
    for c in share_cols:
        out[c] = sums[c] / denom
    if spec is not None:
        out[spec.name] = sums["_index_sum"] / sums["_index_n"].replace(0, np.nan)
        out[f"{spec.name}_n"] = sums["_index_n"]
    out.index.name = "doc_id"
    return out.reset_index()

