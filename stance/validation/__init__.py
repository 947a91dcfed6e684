"""Validation on the corpus being measured: a random sample of its passages labelled by people, the
model's figures on that sample, prediction-powered shares and index points whose intervals stay valid
however good or bad the model is, and transfer checks that say how far the corpus is from the
model's training data (docs/validation.md).

    from stance.validation import draw_sample, target_figures, ppi_shares, ppi_index, transfer_checks
"""

from .estimates import MIN_LABELS, UNIDENTIFIED, Estimate, ppi_index, ppi_mean, ppi_shares, unvalidated_groups
from .figures import TargetFigures, multi_target_figures, target_figures
from .sample import design_weights, draw_sample, eligible
from .transfer import TransferChecks, transfer_checks, word_coverage

__all__ = [
    "MIN_LABELS",
    "UNIDENTIFIED",
    "Estimate",
    "TargetFigures",
    "TransferChecks",
    "design_weights",
    "draw_sample",
    "eligible",
    "multi_target_figures",
    "ppi_index",
    "ppi_mean",
    "ppi_shares",
    "target_figures",
    "transfer_checks",
    "unvalidated_groups",
    "word_coverage",
]
