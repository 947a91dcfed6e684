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

from .document import document_level, index_spec
from .files import ScoreSummary, empty_output, score_files, score_to_file
from .plan import ScoringPlan, load_plan, make_plan, predict_columns, score_frame
from .project import project_predictions, score_project

__all__ = [
    "ScoreSummary", "ScoringPlan", "document_level", "empty_output", "index_spec", "load_plan", "make_plan",
    "predict_columns", "project_predictions", "score_files", "score_frame", "score_project", "score_to_file",
]
