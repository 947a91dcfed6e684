"""Classifiers: train, evaluate honestly, explain, save safely.

    from stance.models import train, evaluate, explain, save_model, load_model
    model = train(project)                      # or a gold DataFrame
    result = evaluate(project)                  # grouped CV, intervals, baseline, learning curve
    print(result.summary())

See docs/models.md.
"""

from __future__ import annotations

from .card import registered_card
from .data import MIN_PER_CLASS, gold_data
from .evaluate import evaluate, evaluate_holdout
from .evaluation import DimensionEvaluation, EvaluationResult
from .explain import explain, top_terms
from .features import EmbeddingFeatures, TargetFeatures, make_vectorizer
from .head import LinearHead
from .model import StanceModel
from .persist import TRUSTED_TYPES, CodebookVersionWarning, load_model, save_model
from .project import evaluate_project, list_models, load_latest, train_project
from .train import train

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
