"""Document-level scores: one row per document from passage scores (shares of each value and the
restraint index; docs/scoring.md)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..codebook import Codebook
from ..errors import CodebookError, InputError

# The restraint index: mean P(plus) - P(minus) of `dimension` over a document's argumentative passages,
# i.e. passages that are not boilerplate and whose predicted `role_dimension` is not non-argumentative.
RESTRAINT = {
    "dimension": "posture", "plus": "restraint", "minus": "escalation",
    "role_dimension": "role", "non_argumentative": ("background", "other"),
}


def restraint_spec(codebook: Codebook, spec: dict | None = None) -> dict:
    """Check that the codebook has the values the restraint index is built from; list what is missing."""
    spec = dict(RESTRAINT if spec is None else spec)
    problems = []
    dims = {d.name: d for d in codebook.dimensions}
    wanted = {spec["dimension"]: [spec["plus"], spec["minus"]],
              spec["role_dimension"]: list(spec["non_argumentative"])}
    for dim, values in wanted.items():
        if dim not in dims:
            problems.append(f"no dimension {dim!r} (the restraint index needs it; dimensions are: "
                            f"{', '.join(dims)})")
            continue
        missing = [v for v in values if v not in dims[dim].value_names]
        if missing:
            problems.append(f"dimension {dim!r} has no value {', '.join(map(repr, missing))} (the restraint "
                            f"index needs it; values are: {', '.join(dims[dim].value_names)})")
    if problems:
        hint = "pass index={...} to document_level to name your codebook's equivalents"
        raise CodebookError([*problems, hint], source=codebook.source or codebook.name)
    return spec


def document_level(passage_frame: pd.DataFrame, codebook: Codebook, index: dict | None = None) -> pd.DataFrame:
    """One row per document from passage-level scores (in document order).

    Columns: `doc_id`, the document metadata, `n_passages`, `n_boilerplate`, for every scored codebook
    dimension D and value v `D:share:v` (the share of the document's non-boilerplate passages whose
    predicted label is, or for multi-valued dimensions includes, v), `restraint_index` (mean of
    P(restraint) - P(escalation) over argumentative passages: not boilerplate, predicted role not
    background or other) and `restraint_index_n` (how many passages that mean is over; the index is
    empty when it is 0).
    """
    spec = restraint_spec(codebook, index)
    f = passage_frame
    for col in ("doc_id", "is_boilerplate"):
        if col not in f.columns:
            raise InputError(f"the passage frame has no column {col!r}; columns are: {', '.join(map(str, f.columns))}")
    plus, minus = f"{spec['dimension']}:{spec['plus']}", f"{spec['dimension']}:{spec['minus']}"
    if plus not in f.columns or minus not in f.columns:
        raise InputError(f"the passage frame has no probability columns {plus!r} and {minus!r}: score it with "
                         f"a model that has a {spec['dimension']!r} head")
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
    role = spec["role_dimension"]
    argumentative = content.copy()
    if role in f.columns:
        argumentative &= ~f[role].isin(list(spec["non_argumentative"])).to_numpy()
    diff = f[plus].to_numpy(np.float64) - f[minus].to_numpy(np.float64)
    work["_ri_sum"] = np.where(argumentative, diff, 0.0)
    work["restraint_index_n"] = argumentative.astype(np.int64)

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
    out["restraint_index"] = sums["_ri_sum"] / sums["restraint_index_n"].replace(0, np.nan)
    out["restraint_index_n"] = sums["restraint_index_n"]
    out.index.name = "doc_id"
    return out.reset_index()

