"""policy-stance: annotate, classify and compare stance in foreign-policy writing."""

from __future__ import annotations

from .codebook import Codebook, load_codebook
from .errors import CodebookError, InputError, LabelError, ModelError, StanceError, StoreError

__version__ = "0.1.0"

__all__ = [
    "Codebook",
    "CodebookError",
    "InputError",
    "LabelError",
    "ModelError",
    "StanceError",
    "StoreError",
    "__version__",
    "load_codebook",
]
