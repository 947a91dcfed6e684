"""Every chart draws on real-shaped tables, on empty input and on one group, returns a Figure, saves
as PNG and SVG, and leaves matplotlib's global state alone."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from stance import plots
from stance.analysis import (
    ClassifierErrors,
    composition,
    default_index,
    distinctive_terms,
    index_table,
    prevalence_table,
)
from stance.codebook import load_codebook

CB = load_codebook()
P = CB.dimension("posture").value_names
ROLE = CB.dimension("role").value_names
VOICE = CB.dimension("voice").value_names


def scores(groups=("A", "B", "C"), docs=6, seed=0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for g in groups:
        for d in range(docs):
            for k in range(4):
                v = int(rng.integers(0, len(P)))
                pr = rng.dirichlet(np.ones(len(P))) * 0.5
                pr[v] += 0.5
                row = {"doc_id": f"{g}{d}", "passage_id": f"{g}{d}-{k}", "outlet": g,
                       "date": f"{2021 + d % 3}-05-01", "is_boilerplate": False, "posture": P[v],
                       "role": ROLE[k % len(ROLE)], "voice": VOICE[k % 2],
                       "text": " ".join(rng.choice(["war", "peace", "talks", "troops", "ceasefire"], 6))}
                row.update({f"posture:{p}": pr[j] for j, p in enumerate(P)})
                rows.append(row)
    return pd.DataFrame(rows)


def tables(frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    errors = ClassifierErrors.from_predictions("posture", P * 5, P[1:] + P[:1] + P * 4, P)
    groups = list(dict.fromkeys(frame["outlet"])) if len(frame) else ["A", "B"]
    return {
        "prevalence": prevalence_table(frame, "posture", by="outlet", codebook=CB, errors=errors, n_boot=50),
        "index": index_table(frame, default_index(CB), by="outlet", n_boot=50),
        "index_trend": index_table(frame, default_index(CB), by="outlet", time="year", n_boot=50),
        "composition": composition(frame, "role", by="outlet", split="voice", codebook=CB, n_boot=50),
        "terms": distinctive_terms(frame, "outlet", groups[0], groups[-1] if len(groups) > 1 else "none",
                                   min_count=1),
        "agreement": pd.DataFrame({"dimension": ["posture"], "metric": ["Krippendorff's alpha"], "value": [0.7],
                                   "low": [0.6], "high": [0.8], "passages": [40], "annotators": [2]}),
        "model_quality": pd.DataFrame({"dimension": ["posture"], "metric": ["macro_f1"], "value": [0.6],
                                       "low": [0.5], "high": [0.7], "baseline": [0.2], "passages": [120],
                                       "documents": [4], "measured_on": [""]}),
        "confusion": pd.DataFrame([[3, 1], [2, 5]], index=P[:2], columns=P[:2]),
        "validation": pd.DataFrame({"dimension": ["posture", "posture"], "metric": ["accuracy", "macro_f1"],
                                    "value": [0.39, 0.37], "low": [0.27, 0.18], "high": [0.51, 0.52],
                                    "baseline": [0.68, 0.2], "passages": [60, 60]}),
        "learning_curve": pd.DataFrame({"dimension": "posture", "head": "tfidf", "passages": [60, 150, 300, 600],
                                        "macro_f1": [0.35, 0.45, 0.52, 0.57], "macro_f1_sd": [0.05, 0.04, 0.03, 0.02],
                                        "folds": 5, "baseline": 0.2}),
    }


@pytest.fixture(scope="module")
def many() -> dict[str, pd.DataFrame]:
    return tables(scores())


@pytest.fixture(scope="module")
def single() -> dict[str, pd.DataFrame]:
    return tables(scores(groups=("A",)))


def _texts(fig: Figure) -> str:
    return " ".join(t.get_text() for t in fig.findobj(matplotlib.text.Text))


@pytest.mark.parametrize("name", sorted(plots.CHARTS))
def test_chart_draws_many_groups_one_group_and_empty_input(name, tmp_path, many, single):
    before = dict(matplotlib.rcParams)
    chart = plots.CHARTS[name]
    full = many[name]
    fig = chart(full)
    assert isinstance(fig, Figure)
    paths = plots.save_figure(fig, tmp_path / name)
    assert [p.suffix for p in paths] == [".png", ".svg"] and all(p.stat().st_size > 1000 for p in paths)
    one = chart(single[name])
    assert isinstance(one, Figure)
    plots.save_figure(one, tmp_path / f"{name}-one", formats=("png",))
    empty = chart(full.iloc[0:0])
    assert isinstance(empty, Figure)
    plots.save_figure(empty, tmp_path / f"{name}-empty", formats=("png",))
    assert any(word in _texts(empty).lower() for word in ("no ", "not enough")), _texts(empty)
    assert dict(matplotlib.rcParams) == before  # the house style never leaks into global state


def test_counts_and_intervals_are_on_the_chart(many):
    t = many
    fig = plots.prevalence_chart(t["prevalence"], min_passages=30)
    text = _texts(fig)
    assert "n=24 · 6 docs" in text  # passages and documents on every group's label
    assert "(few)" in text and "Grey: fewer than 30 passages" in text  # small groups greyed, not dropped
    assert "95% interval" in text
    assert "corrected for classifier error" in text and "uncorrected" in text
    fig = plots.index_chart(t["index"], poles=(P[0], P[1]))
    assert f"more {P[0]}" in _texts(fig)


def test_chart_draws_on_the_axes_it_is_given(many, tmp_path):
    """A chart drawn into a caller's figure uses the caller's Axes: one panel is drawn on it, several
    are laid out inside it; the caller's Axes are never removed or replaced."""
    fig = plots.new_figure(8, 12)
    axes = fig.subplots(4, 1)
    t = many
    assert plots.index_chart(t["index"], ax=axes[0]) is fig
    assert axes[0].lines and "A\nn=" in _texts(fig)  # drawn on the given Axes itself
    assert plots.prevalence_chart(t["prevalence"], ax=axes[1]) is fig
    assert plots.index_trend_chart(t["index_trend"], ax=axes[2]) is fig
    assert plots.composition_chart(t["composition"], ax=axes[3], split="voice") is fig
    assert all(a in fig.axes for a in axes)  # still the caller's Axes, in the caller's figure
    assert len(axes[1].child_axes) == len(P)  # one panel per posture value, inside the given Axes
    assert len(axes[2].child_axes) == 3  # one panel per outlet
    assert [a for a in fig.axes if a not in axes] == []  # nothing drawn beside them
    assert plots.save_figure(fig, tmp_path / "composite")[0].stat().st_size > 10_000


def test_many_groups_composition_is_stacked_with_running_total_intervals():
    frame = scores(groups=tuple("ABCDEFGH"), docs=3)
    t = composition(frame, "role", by="outlet", split="voice", codebook=CB, n_boot=50)
    assert {"cum_share", "cum_low", "cum_high"} <= set(t.columns)
    last = t.groupby(["outlet", "voice"])["cum_share"].max()
    assert np.allclose(last, 1.0)  # the running total ends at 100%
    fig = plots.composition_chart(t, split="voice")
    text = _texts(fig)
    assert "running total" in text and "voice: " in text
