"""Score passages with trained models: in memory, streamed from files of any size, on a Dask cluster, or
the project's own passages into the project; and aggregate passage scores per document.

    plan      which model scores which dimension; `predict_columns`, the one prediction step
    files     files and stdin to batches of passages, scored and written (`score_files`, `score_to_file`)
    output    atomic output files
    document  document-level shares and the codebook's index (`document_level`)
    project   the project's own passages to stored predictions and back (`score_project`)
    dask      the same scoring over Dask partitions (`score_dask`; imported on use, Dask is optional)
"""

from __future__ import annotations

from ..lazy import lazy_exports

__all__ = [
    "ScoreSummary", "ScoringPlan", "document_level", "empty_output", "index_spec", "load_plan", "make_plan",
    "predict_columns", "project_predictions", "score_files", "score_frame", "score_project", "score_to_file",
]

# imported on first use (stance/lazy.py)
lazy_exports(__name__, {
    "document_level": ".document",
    "index_spec": ".document",
    "ScoreSummary": ".files",
    "empty_output": ".files",
    "score_files": ".files",
    "score_to_file": ".files",
    "ScoringPlan": ".plan",
    "load_plan": ".plan",
    "make_plan": ".plan",
    "predict_columns": ".plan",
    "score_frame": ".plan",
    "project_predictions": ".project",
    "score_project": ".project",
})
