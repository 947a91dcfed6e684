"""Scoring a project's own passages into its `predictions` table, reading them back in the passage-level
shape, and aggregating passage scores per document (shares and the restraint index, docs/scoring.md).

Import these from `stance.score`; this module holds the half of scoring that knows about the project
store and the codebook.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from .codebook import Codebook
from .errors import CodebookError, InputError
from .ingest import STANDARD_META
from .store import Project, latest_predictions, now, replace_predictions

# The restraint index: mean P(plus) - P(minus) of `dimension` over a document's argumentative passages,
# i.e. passages that are not boilerplate and whose predicted `role_dimension` is not non-argumentative.
RESTRAINT = {
    "dimension": "posture", "plus": "restraint", "minus": "escalation",
    "role_dimension": "role", "non_argumentative": ("background", "other"),
}


def _restraint_spec(codebook: Codebook, spec: dict | None = None) -> dict:
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
    spec = _restraint_spec(codebook, index)
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


# -- the project's own passages ------------------------------------------------------------------------

def score_project(project: Project | str | Path, model: str | Path | None = None, batch_size: int = 2000,
                  jobs: int = 1, progress: Callable[[int], None] | None = None) -> dict:
    """Score every passage of the project and store the predictions (one transaction).

    Uses the project's latest model for each dimension, or the model file `model` (registered in the
    project if it is not yet). Re-scoring with the same model replaces its earlier predictions; those of
    other models are kept as history. Returns {"passages", "dimensions", "model_ids"}.
    """
    from .score import _pooled, load_plan

    if isinstance(project, (str, Path)):
        project = Project.open(project)
    plan = load_plan(project, model, register=True)
    passages = project.passages_frame(include_examples=True)
    frames = (passages.iloc[i:i + batch_size] for i in range(0, len(passages), batch_size))
    stamp = now()
    rows = []
    layout = {d: (plan.classes(d), plan.model(d).multi_[d]) for d in plan.dimensions}
    for frame, preds in _pooled(plan, frames, 0, jobs):
        for d, (classes, multi) in layout.items():
            probs = np.column_stack([preds[f"{d}:{v}"] for v in classes])
            for pid, label, p in zip(frame["passage_id"], preds[d], probs, strict=True):
                value = [x for x in label.split(";") if x] if multi else label
                rows.append((pid, plan.model_ids[d], d, json.dumps(value, ensure_ascii=False),
                             json.dumps(dict(zip(classes, map(float, p), strict=True))), stamp))
        if progress:
            progress(len(frame))
    with project.transaction() as conn:
        replace_predictions(conn, rows)
    return {"passages": len(passages), "dimensions": plan.dimensions, "model_ids": dict(plan.model_ids)}


def project_predictions(project: Project | str | Path, include_examples: bool = False,
                        with_text: bool = False) -> pd.DataFrame:
    """The project's stored predictions in the passage-level shape of `score_frame`, joined with passage
    and document metadata: the latest prediction of each passage and dimension (newest run, then newest
    model). Passages never scored are left out; written codebook examples only with `include_examples`."""
    if isinstance(project, (str, Path)):
        project = Project.open(project)
    latest = latest_predictions(project.conn)
    passages = project.passages_frame(include_examples=include_examples)
    codebook = project.codebook
    by_dim: dict[str, dict[str, tuple]] = {}
    for pid, dim, label, probs in latest:
        by_dim.setdefault(dim, {})[pid] = (json.loads(label), json.loads(probs))
    scored = set().union(*(set(v) for v in by_dim.values())) if by_dim else set()
    passages = passages[passages["passage_id"].isin(scored)].reset_index(drop=True)
    extras = [json.loads(m) if m else {} for m in passages["meta_json"]]
    out = passages[["doc_id", "passage_id", *STANDARD_META]].copy()
    for key in dict.fromkeys(k for e in extras for k in e):
        if key not in out.columns:
            out[key] = [None if e.get(key) is None else str(e[key]) for e in extras]
    out["source"] = passages["source"]
    out["is_example"] = passages["is_example"]
    out["is_boilerplate"] = passages["is_boilerplate"]
    if with_text:
        out["text"] = passages["text"]
    order = [d for d in codebook.dimension_names if d in by_dim] + [d for d in by_dim if d not in codebook.dimension_names]
    cols: dict[str, list] = {}
    for d in order:
        got = [by_dim[d].get(pid) for pid in out["passage_id"]]
        cols[d] = [None if g is None else (";".join(g[0]) if isinstance(g[0], list) else g[0]) for g in got]
        seen = dict.fromkeys(v for g in got if g for v in g[1])
        known = codebook.dimension(d).value_names if d in codebook.dimension_names else []
        for v in [*[v for v in known if v in seen], *[v for v in seen if v not in known]]:
            cols[f"{d}:{v}"] = [np.nan if g is None else float(g[1].get(v, np.nan)) for g in got]
    return pd.concat([out, pd.DataFrame(cols, index=out.index)], axis=1)
