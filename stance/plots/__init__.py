"""Charts: one function per chart, one house style.

Each function takes a table from `stance.analysis` (a DataFrame) and `ax=None`, and returns the
Figure it drew on: a fresh one, or the figure of the Axes it was given, which it draws on (a chart
of several panels lays them out inside that Axes; it never removes or replaces it). Drawing uses
matplotlib's object API (never pyplot, never global rcParams: the style in `style.STYLE` is applied
inside `rc_context`). Every point carries its 95% interval and the passage count behind it; groups
under the minimum passage count are drawn in grey with a note. Empty or one-group input draws a
message on the figure instead of failing.

Colours: the Okabe-Ito palette (Okabe & Ito 2008), distinguishable with the common colour-vision
deficiencies. A hue always means a codebook value, and a value has one colour in every chart and report,
fixed by its place in the codebook (`value_colours`); what is not a value (estimators, metrics, the
index) is drawn in ink and told apart by marker. Time is real time (`timeaxis`). Sizes are set for a report page (about 16 cm wide) at 150 dpi.

`CHARTS` names every chart for the report (`Section.kind`); a new chart is a function in a module
of this package and an entry there.
"""

from .colours import VALUE_PALETTE, value_colours
from .composition import STACK_ABOVE, composition_chart
from .index import index_chart, index_trend_chart
from .learning import learning_curve_chart
from .quality import agreement_chart, confusion_chart, model_quality_chart, validation_chart
from .shares import prevalence_chart
from .style import (
    GREY,
    INK,
    MARKERS,
    OKABE_ITO,
    STYLE,
    WIDTH,
    house_style,
    message_figure,
    new_figure,
    save_figure,
)
from .terms import terms_chart

CHARTS = {
    "prevalence": prevalence_chart,
    "index": index_chart,
    "index_trend": index_trend_chart,
    "composition": composition_chart,
    "terms": terms_chart,
    "agreement": agreement_chart,
    "model_quality": model_quality_chart,
    "confusion": confusion_chart,
    "validation": validation_chart,
    "learning_curve": learning_curve_chart,
}

__all__ = [
    "CHARTS",
    "GREY",
    "INK",
    "MARKERS",
    "OKABE_ITO",
    "STACK_ABOVE",
    "STYLE",
    "VALUE_PALETTE",
    "WIDTH",
    "agreement_chart",
    "composition_chart",
    "confusion_chart",
    "house_style",
    "index_chart",
    "index_trend_chart",
    "learning_curve_chart",
    "message_figure",
    "model_quality_chart",
    "new_figure",
    "prevalence_chart",
    "save_figure",
    "terms_chart",
    "value_colours",
]
