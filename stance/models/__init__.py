"""Classifiers: train, evaluate honestly, explain, save safely.

    from stance.models import train, evaluate, explain, save_model, load_model
    model = train(project)                      # or a gold DataFrame
    result = evaluate(project)                  # grouped CV, intervals, baseline, learning curve
    print(result.summary())

See docs/models.md.
"""

from __future__ import annotations

from ..lazy import lazy_exports

__all__ = [
    "MIN_PER_CLASS",
    "TRUSTED_TYPES",
    "CodebookVersionWarning",
    "DimensionEvaluation",
    "EmbeddingFeatures",
    "EvaluationResult",
    "LinearHead",
    "StanceModel",
    "TargetFeatures",
    "evaluate",
    "evaluate_holdout",
    "evaluate_project",
    "explain",
    "gold_data",
    "list_models",
    "load_latest",
    "load_model",
    "make_vectorizer",
    "registered_card",
    "save_model",
    "top_terms",
    "train",
    "train_project",
]

# imported on first use: the plain scoring form and the file checks import no scikit-learn (stance/lazy.py)
lazy_exports(__name__, {
    "registered_card": ".card",
    "MIN_PER_CLASS": ".data",
    "gold_data": ".data",
    "evaluate": ".evaluate",
    "evaluate_holdout": ".evaluate",
    "DimensionEvaluation": ".evaluation",
    "EvaluationResult": ".evaluation",
    "explain": ".explain",
    "top_terms": ".explain",
    "EmbeddingFeatures": ".features",
    "TargetFeatures": ".features",
    "make_vectorizer": ".features",
    "LinearHead": ".head",
    "StanceModel": ".model",
    "TRUSTED_TYPES": ".persist",
    "CodebookVersionWarning": ".persist",
    "load_model": ".persist",
    "save_model": ".persist",
    "evaluate_project": ".project",
    "list_models": ".project",
    "load_latest": ".project",
    "train_project": ".project",
    "train": ".train",
})
