"""Charts on real data (the committed US presidential speech passages, with their readers' gold labels
and the speeches' real dates): time is drawn as time, the trend chart's labels fit, and a codebook value
has one colour in every chart whichever other values appear."""

from __future__ import annotations

from itertools import pairwise

import matplotlib
import numpy as np
import pandas as pd
import pytest
from conftest import REPO
from matplotlib import dates as mdates
from matplotlib.lines import Line2D

from stance import plots
from stance.analysis import composition, default_index, distinctive_terms, index_table, prevalence_table
from stance.codebook import load_codebook

CB = load_codebook()
REAL = REPO / "corpus" / "real"


@pytest.fixture(scope="module")
def speeches() -> pd.DataFrame:
    """The 858 read passages of the 66 speeches, one row per passage: gold labels, date, president."""
    docs = pd.read_json(REAL / "us_documents.jsonl", lines=True)[["doc_key", "date", "president"]]
    passages = pd.read_json(REAL / "us_passages.jsonl", lines=True)
    passages = passages[passages["sample"].ne("topup")]  # the random sample (the top-up was filtered)
    frame = passages.merge(docs, on="doc_key").rename(columns={"doc_key": "doc_id"})
    frame["date"] = frame["date"].astype(str)
    return frame


def trend(frame: pd.DataFrame, time: str, by: str | None = "president") -> pd.DataFrame:
    return index_table(frame, default_index(CB), by=by, time=time, n_boot=50)


def series_lines(a) -> list[Line2D]:
    """The lines that join a panel's points (not the zero line, not the interval marks)."""
    return [ln for ln in a.get_lines() if len(ln.get_xdata()) > 1 and np.min(ln.get_xdata()) > 1000
            and ln.get_linestyle() == "-"]


def test_trend_points_sit_on_real_time_and_lines_stop_at_missing_periods(speeches):
    table = trend(speeches, "quarter")
    fig = plots.index_trend_chart(table)
    trump = table[table["president"] == "Donald Trump"].sort_values("period")
    quarters = [pd.Period(p) for p in trump["period"]]
    assert any((b - a).n > 1 for a, b in pairwise(quarters))  # the real data has gaps
    panel = next(a for a in fig.axes if a.get_title(loc="left").startswith("Donald Trump"))
    assert isinstance(panel.xaxis.get_major_formatter(), mdates.ConciseDateFormatter)
    xs = sorted({float(x) for ln in panel.get_lines() if ln.get_marker() == "o" for x in ln.get_xdata()})
    middles = [mdates.date2num(q.start_time + (q.end_time - q.start_time) / 2) for q in quarters]
    assert np.allclose(xs, middles)  # every point at the middle of its quarter, spaced as time is
    first, second = xs[0], xs[1]  # 2017Q1 and the next quarter with passages: their real distance apart
    assert second - first == pytest.approx(middles[1] - middles[0])
    joined = series_lines(panel)
    assert joined, "adjacent quarters are joined"
    for line in joined:  # no line spans a missing quarter: consecutive points at most one quarter apart
        assert np.diff(line.get_xdata()).max() < 93
    assert sum(len(ln.get_xdata()) for ln in joined) < len(quarters)  # the isolated quarters stand alone


@pytest.mark.parametrize("time,by", [("year", "president"), ("quarter", "president"), ("month", "president"),
                                     ("quarter", None), ("year", "doc_id"), ("year", "source")])
def test_trend_labels_fit_inside_the_figure_and_clear_title_and_footnote(speeches, time, by):
    frame = speeches if by != "doc_id" else speeches[speeches["doc_id"].isin(speeches["doc_id"].unique()[:7])]
    # a long group name, as a folder's outlet metadata gives: the panel title wraps, it is not cut off
    term = np.where(frame["date"] < "2022", " (first years)", " (later years)")
    frame = frame.assign(source="US presidential speeches (Miller Center), " + frame["president"] + term)
    fig = plots.index_trend_chart(trend(frame, time, by), poles=("restraint", "escalation"))
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    page = fig.bbox
    texts = [t for t in fig.findobj(matplotlib.text.Text) if t.get_visible() and t.get_text()]
    title = next(t for t in texts if t.get_text() == "Restraint index over time")
    footnote = next(t for t in texts if t.get_text().startswith("Each point is one"))
    labels = [a.yaxis.label for a in fig.axes if a.yaxis.label.get_text()]
    assert labels and all(lab.get_text() == "restraint index" for lab in labels)
    for text in [title, footnote, *labels]:
        box = text.get_window_extent(renderer)
        assert page.x0 <= box.x0 and box.x1 <= page.x1 and page.y0 <= box.y0 and box.y1 <= page.y1, text
    drawn = fig.get_tightbbox(renderer)  # everything drawn (panel titles, ticks), in inches: nothing cut off
    width, height = fig.get_size_inches()
    assert drawn.x0 >= -0.01 and drawn.y0 >= -0.01 and drawn.x1 <= width + 0.01 and drawn.y1 <= height + 0.01
    for lab in labels:
        box = lab.get_window_extent(renderer)
        assert not box.overlaps(title.get_window_extent(renderer))
        assert not box.overlaps(footnote.get_window_extent(renderer))


def test_trend_footnote_names_the_intervals_it_draws(speeches):
    table = trend(speeches, "year")
    plain = plots.index_trend_chart(table).texts[-1].get_text()
    assert "bootstrap over documents" in plain.replace("\n", " ")
    validated = plots.index_trend_chart(table, note="Lines: 95% prediction-powered intervals.")
    text = " ".join(t.get_text() for t in validated.texts).replace("\n", " ")
    assert "prediction-powered" in text and "bootstrap" not in text


def _legend_colours(fig) -> dict[str, str]:
    legend = fig.legends[0]
    return {t.get_text().split(": ")[-1]: matplotlib.colors.to_hex(h.get_color())
            for t, h in zip(legend.get_texts(), legend.legend_handles, strict=True)}


def _panel_colours(fig) -> dict[str, str]:
    return {a.get_title(): matplotlib.colors.to_hex(ln.get_color()) for a in fig.axes if a.get_title()
            for ln in a.get_lines()[:1]}


def test_a_value_keeps_its_colour_whichever_values_appear(speeches):
    voice = CB.dimension("voice").value_names
    assert "reported" not in set(speeches["voice"])  # the speeches' passages have no reported voice
    expected = {v: matplotlib.colors.to_hex(c) for v, c in plots.value_colours(voice, voice).items()}
    both = composition(speeches, "role", by="president", split="voice", codebook=CB, n_boot=20)
    colours = _legend_colours(plots.composition_chart(both, split="voice", split_order=voice))
    assert colours == {"author": expected["author"], "none": expected["none"]}
    only_none = speeches[speeches["voice"] == "none"]
    alone = composition(only_none, "role", by="president", split="voice", codebook=CB, n_boot=20)
    assert _legend_colours(plots.composition_chart(alone, split="voice", split_order=voice)) == {
        "none": expected["none"]}  # not shifted to the first colour when `author` is absent
    # without the codebook order given, the packaged codebook's order gives the same colours
    assert _legend_colours(plots.composition_chart(alone, split="voice")) == {"none": expected["none"]}
    shares = prevalence_table(speeches, "voice", by="president", codebook=CB, n_boot=20)
    panels = _panel_colours(plots.prevalence_chart(shares, value_order=voice))
    assert panels["author"] == expected["author"] and panels["none"] == expected["none"]
    assert len(set(expected.values())) == len(voice)  # distinct colours within a dimension


def test_no_chart_draws_outside_its_figure(speeches):
    """Group labels, panel titles, legends and notes of every chart of group figures fit the page."""
    frame = speeches.assign(outlet="US presidential speeches (Miller Center), " + speeches["president"])
    spec = default_index(CB)
    charts = [
        plots.prevalence_chart(prevalence_table(frame, "posture", by="outlet", codebook=CB, n_boot=20)),
        plots.index_chart(index_table(frame, spec, by="outlet", n_boot=20), poles=(spec.positive, spec.negative)),
        plots.composition_chart(composition(frame, "role", by="outlet", split="voice", codebook=CB, n_boot=20),
                                split="voice"),
        plots.terms_chart(distinctive_terms(frame, "president", "Donald Trump", "Joe Biden", min_count=5)),
    ]
    # a corrected share too uncertain to be a finding has no point, and its flag is no group of its own
    shares = prevalence_table(frame, "voice", by="outlet", codebook=CB, n_boot=20).assign(identifiable=True)
    shares.loc[0, ["share", "identifiable"]] = [np.nan, False]
    fig = plots.prevalence_chart(shares)
    labels = [t.get_text() for a in fig.axes for t in a.get_yticklabels()]
    assert labels and not any("True" in x or "False" in x for x in labels)
    assert "A line without a point: not identifiable" in fig.texts[-1].get_text().replace("\n", " ")
    charts.append(fig)
    for fig in charts:
        fig.canvas.draw()
        drawn = fig.get_tightbbox(fig.canvas.get_renderer())
        width, height = fig.get_size_inches()
        assert drawn.x0 >= -0.01 and drawn.y0 >= -0.01 and drawn.x1 <= width + 0.01 and drawn.y1 <= height + 0.01
