"""policy-stance: annotate, classify and compare stance in foreign-policy writing."""

from __future__ import annotations

from .errors import CodebookError, InputError, LabelError, ModelError, StanceError, StoreError
from .lazy import lazy_exports

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

# imported on first use: `import stance` (and the command line) stays light (see stance/lazy.py)
lazy_exports(__name__, {"Codebook": ".codebook", "load_codebook": ".codebook", "TableOptions": ".ingest",
                        "ingest": ".ingest", "Project": ".store"})
