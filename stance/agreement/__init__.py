"""Agreement between annotators and adjudication of their disagreements.

- `statistics`: each annotator's current labels as a table; Krippendorff's alpha and Cohen's kappa
- `adjudication`: disagreements, the adjudicator's decisions, unanimous labels and (by explicit
  decision) single readers' labels as gold
"""

from __future__ import annotations

from .adjudication import (
    DISAGREEMENT_COLUMNS,
    disagreements,
    promote_single,
    promote_unanimous,
    resolve,
    review_item,
)
from .statistics import (
    AgreementReport,
    DimensionAgreement,
    PairAgreement,
    agreement,
    label_table,
    show_value,
)

__all__ = [
    "DISAGREEMENT_COLUMNS", "AgreementReport", "DimensionAgreement", "PairAgreement", "agreement", "disagreements",
    "label_table", "promote_single", "promote_unanimous", "resolve", "review_item", "show_value",
]
