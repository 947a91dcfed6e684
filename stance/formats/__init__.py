"""Import and export labels: Label Studio JSON, doccano JSONL, our own JSONL and CSV, and Parquet (export).

Every format follows one contract. An export keeps label names (never internal ids), the passage
id and text, the annotator, the codebook version, the time and the note, so that the file
re-imports without loss. An import matches passages by id (else by exact text), checks every
value against the codebook, names the file and line of the first problem, and writes everything
in one transaction: a bad file imports nothing. The contract tests check each format's reader and
writer as a pair.

- `records`: `LabelRecord`, `ImportResult` and the format names
- `readers`: a parser per format (`READERS`), `read_labels`
- `writers`: `export_records`, a writer per format (`WRITERS`), `export_labels`, `labelstudio_config`
- `importing`: matching records to passages and `import_labels`
"""

from __future__ import annotations

from .importing import import_labels
from .readers import READERS, read_labels
from .records import EXPORT_FORMATS, IMPORT_FORMATS, ImportResult, LabelRecord
from .writers import WRITERS, export_labels, export_records, labelstudio_config

__all__ = [
    "EXPORT_FORMATS", "IMPORT_FORMATS", "READERS", "WRITERS", "ImportResult", "LabelRecord", "export_labels",
    "export_records", "import_labels", "labelstudio_config", "read_labels",
]
