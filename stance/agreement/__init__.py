"""Agreement between annotators and adjudication of their disagreements.

- `statistics`: each annotator's current labels as a table; Krippendorff's alpha and Cohen's kappa
- `adjudication`: disagreements, the adjudicator's decisions (with the rule that settled each),
  unanimous labels and (by explicit decision) single readers' labels as gold
- `review`: what the adjudicator sees: an item with its context, a batch, the decisions taken
"""

from __future__ import annotations

from .adjudication import (
    DISAGREEMENT_COLUMNS,
    check_rule,
    disagreements,
    promote_single,
    promote_unanimous,
    resolve,
)
from .review import batch, passage_view, review_item
from .statistics import (
    AgreementReport,
    DimensionAgreement,
    PairAgreement,
    agreement,
    label_table,
    show_value,
)

__all__ = [
    "DISAGREEMENT_COLUMNS", "AgreementReport", "DimensionAgreement", "PairAgreement", "agreement", "batch",
    "check_rule", "disagreements", "label_table", "passage_view", "promote_single", "promote_unanimous", "resolve",
    "review_item", "show_value",
]
