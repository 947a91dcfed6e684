"""The project's SQLite database: documents, passages, annotations, gold labels, models, predictions.

Every SQL statement of the toolkit lives in this package (tests/test_architecture.py checks it);
the rest of the toolkit calls the functions named below, each taking a connection, or `Project`.

One file per project (``<project>/stance.db``), WAL mode, foreign keys on, a schema version in
``PRAGMA user_version`` with forward migrations. Annotations and gold labels are append-only:
a new row supersedes an old one, so the history of every label is kept.

- `schema`: the migrations, connection settings, transactions and savepoints
- `project`: `Project`, a project folder (database, codebook, model files)
- `documents`: documents and passages
- `labels`: annotators' labels ("current" is defined there, once)
- `gold`: gold labels ("current gold" is defined there, once)
- `predictions`: the model registry and model predictions
- `annotators`: annotators and their token hashes
- `validation`: validation samples (random passages to check a model on the project's own corpus;
  imported as `stance.store.validation`)

A new table: append a step to `schema.MIGRATIONS`, put its statements in a new module here, and
re-export that module's functions below.
"""

from __future__ import annotations

from .annotators import annotator_by_token_hash, annotator_token_hash, set_token_hash
from .documents import (
    known_passages,
    passage_context,
    passage_details,
    passage_exists,
    passage_units,
    passages_by_text,
    with_custom_meta,
)
from .gold import adjudicated_keys, current_gold, current_gold_value, gold_history, gold_passages
from .labels import (
    RELABEL,
    annotator_rows_since,
    annotators_with_labels,
    current_label_rows,
    current_notes,
    current_row,
    first_labellers,
    has_annotation_at,
    last_unretracted,
    passage_labels,
    relabels_per_annotator,
)
from .predictions import (
    PredictionColumns,
    latest_predictions,
    model_classes,
    model_probabilities,
    prediction,
    prediction_models,
    replace_predictions,
)
from .project import CODEBOOK_NAME, DB_NAME, Project, Status
from .schema import (
    MIGRATIONS,
    SCHEMA_VERSION,
    connect,
    migrate,
    now,
    page_cache,
    savepoint,
    set_durable,
    transaction,
)

__all__ = [
    "CODEBOOK_NAME", "DB_NAME", "MIGRATIONS", "RELABEL", "SCHEMA_VERSION", "PredictionColumns", "Project", "Status",
    "adjudicated_keys", "annotator_by_token_hash", "annotator_rows_since", "annotator_token_hash",
    "annotators_with_labels", "connect", "current_gold", "current_gold_value", "current_label_rows",
    "current_notes", "current_row", "first_labellers", "gold_history", "gold_passages", "has_annotation_at",
    "known_passages", "last_unretracted", "latest_predictions", "migrate", "model_classes", "model_probabilities",
    "now", "page_cache",
    "passage_context", "passage_details", "passage_exists", "passage_labels", "passage_units", "passages_by_text",
    "prediction", "prediction_models", "relabels_per_annotator", "replace_predictions",
    "savepoint", "set_durable", "set_token_hash", "transaction", "with_custom_meta",
]
