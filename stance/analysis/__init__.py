"""Group comparisons on scored passages: shares with document-bootstrap intervals, shares corrected
for classifier error (ACC, PACC), a bipolar (restraint) index per group and over time, composition
by a second dimension, distinctive terms, and annotation and model quality tables.

    from stance.analysis import prevalence_table, index_table, default_index, distinctive_terms
    shares = prevalence_table(scores, "posture", by="outlet", codebook=project.codebook)
    trend = index_table(scores, default_index(project.codebook), by="outlet", time="year")

Every function takes the passage-level scores frame (see `stance.analysis.frame`) and returns a
tidy DataFrame with passage and document counts beside every figure.
"""

from ..bootstrap import LEVEL
from .correction import ClassifierErrors, adjust, clip_to_simplex
from .frame import dimension_values, label_matrix, period, prob_matrix
from .quality import ModelFile, annotation_quality, classifier_errors, learning_curves, model_quality
from .shares import (
                         ESTIMATORS,
                         MIN_PASSAGES,
                         IndexSpec,
                         composition,
                         default_index,
                         index_table,
                         prevalence,
                         prevalence_table,
                         undated,
)
from .terms import distinctive_terms, log_odds

__all__ = [
    "ESTIMATORS",
    "LEVEL",
    "MIN_PASSAGES",
    "ClassifierErrors",
    "IndexSpec",
    "ModelFile",
    "adjust",
    "annotation_quality",
    "classifier_errors",
    "clip_to_simplex",
    "composition",
    "default_index",
    "dimension_values",
    "distinctive_terms",
    "index_table",
    "label_matrix",
    "learning_curves",
    "log_odds",
    "model_quality",
    "period",
    "prevalence",
    "prevalence_table",
    "prob_matrix",
    "undated",
]
