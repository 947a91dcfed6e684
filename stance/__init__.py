"""policy-stance: annotate, classify and compare stance in foreign-policy writing."""

from __future__ import annotations

from .codebook import Codebook, load_codebook
from .errors import CodebookError, InputError, LabelError, ModelError, StanceError, StoreError
from .ingest import TableOptions, ingest
from .store import Project

__version__ = "0.1.0"

__all__ = [
    "Codebook",
    "CodebookError",
    "InputError",
    "LabelError",
    "ModelError",
    "Project",
    "StanceError",
    "StoreError",
    "TableOptions",
    "__version__",
    "ingest",
    "load_codebook",
]
