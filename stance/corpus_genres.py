"""How the stock model does on each genre of the embedded corpus: speeches, UN statements, the seed op-eds.

Two kinds of figures, both on real passages only (written codebook examples may join training, never a test):

- **per genre within cross-validation**: the out-of-fold predictions of the grouped cross-validation
  (`stance.models.evaluate`) split by the genre of their passage; the model saw other passages of the
  same genre (never of the same document) while training;
- **across genres**: train on some genres, test on a genre never seen in training. This is what a
  researcher with a new kind of text should expect.

Each figure sits beside the majority-class baseline on the same test passages: the training data's most
common value (what the model could have learnt without reading) and the test genre's own most common
value (the best any constant answer does there). Intervals are 95% percentile bootstraps over documents.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .codebook import Codebook, Dimension
from .models.data import _values, has_label
from .models.metrics import multi_label_figures, single_label_figures

# The genre of each source of the embedded corpus, by its outlet (one outlet per genre there).
GENRES = {
    "US presidential speeches (Miller Center)": "speeches",
    "UN General Debate": "UN statements",
    "Responsible Statecraft": "seed op-eds",
}
EXAMPLES_GENRE = "written examples"
HEADLINE = ("macro_f1", "accuracy")  # accuracy is not defined for the multi-valued topic: micro-F1 instead


def genre_of(frame: pd.DataFrame) -> pd.Series:
    """The genre of each row of a gold frame: from its outlet; written examples are their own genre;
    an outlet the embedded corpus does not know is its own genre (its name)."""
    outlet = frame["outlet"].fillna("(no outlet)").astype(str)
    genre = outlet.map(lambda o: GENRES.get(o, o))
    return genre.where(~frame["is_example"].astype(bool), EXAMPLES_GENRE)


@dataclass
class GenreFigure:
    """Figures of one dimension on one test genre: the model and the two constant answers."""

    dimension: str
    trained_on: str
    tested_on: str
    passages: int
    documents: int
    model: dict  # name -> {value, low, high}
    train_majority: dict  # the training data's most common value(s), same figures
    test_majority: dict  # the test genre's own most common value(s), same figures

    def loses(self, metric: str) -> list[str]:
        """Which constant answers score above the model on `metric`'s point estimate."""
        m = self.model[metric]["value"]
        return [name for name, base in (("training majority", self.train_majority),
                                        ("test majority", self.test_majority))
                if base[metric]["value"] > m]


def _constant_figures(dim: Dimension, truth: pd.Series, source: pd.Series, doc_ids, classes: list[str],
                      n_boot: int) -> dict:
    """Figures of always answering `source`'s most common value (shares of `source` as probabilities)."""
    if dim.multi:
        Y, _ = _indicators(truth, classes)
        S, _ = _indicators(source, classes)
        shares = S.mean(axis=0)
        proba = np.tile(shares, (len(truth), 1))
        return multi_label_figures(Y, (proba >= 0.5).astype(int), proba, classes, doc_ids, n_boot)
    counts = source.value_counts()
    shares = np.array([counts.get(c, 0) / counts.sum() for c in classes])
    pred = [classes[int(shares.argmax())]] * len(truth)
    return single_label_figures(truth.astype(str).tolist(), pred, np.tile(shares, (len(truth), 1)), classes,
                                doc_ids, n_boot)


def _indicators(labels: pd.Series, classes: list[str]) -> tuple[np.ndarray, list[str]]:
    Y = np.zeros((len(labels), len(classes)), dtype=int)
    for i, v in enumerate(labels):
        for x in _values(v):
            if x in classes:
                Y[i, classes.index(x)] = 1
    return Y, classes


def _scalar(figs: dict) -> dict:
    keys = ("macro_f1", "accuracy", "micro_f1", "brier")
    return {k: figs[k] for k in keys if k in figs}


def figure_for(dim: Dimension, truth: pd.Series, pred, proba: np.ndarray, model_classes: list[str],
               train_labels: pd.Series, doc_ids, n_boot: int) -> tuple[dict, dict, dict]:
    """(model, training-majority, test-majority) figures for one dimension on one test set. Every value
    seen in the test set, the training labels or the model counts, so a value the model cannot predict
    still costs it."""
    seen = {x for v in list(truth) + list(train_labels) for x in _values(v)} | set(model_classes)
    classes = [v for v in dim.value_names if v in seen]
    full = np.zeros((len(truth), len(classes)))
    for j, c in enumerate(model_classes):
        full[:, classes.index(c)] = proba[:, j]
    if dim.multi:
        Y, _ = _indicators(truth, classes)
        P, _ = _indicators(pd.Series(list(pred)), classes)
        model = multi_label_figures(Y, P, full, classes, doc_ids, n_boot)
    else:
        model = single_label_figures(truth.astype(str).tolist(), [str(p) for p in pred], full, classes,
                                     doc_ids, n_boot)
    return (_scalar(model), _scalar(_constant_figures(dim, truth, train_labels, doc_ids, classes, n_boot)),
            _scalar(_constant_figures(dim, truth, truth, doc_ids, classes, n_boot)))


def cross_genre(frame: pd.DataFrame, codebook: Codebook, train_genres: Iterable[str], test_genres: Iterable[str],
                include_examples: bool = False, n_boot: int = 1000,
                progress: Callable[[str], None] | None = None, **model_params) -> list[GenreFigure]:
    """Train the default model on the passages of `train_genres` (plus the written examples when
    `include_examples`) and measure it on each of `test_genres`, dimension by dimension.

    `frame` is a gold frame with `outlet` and `is_example` (``Project.gold_frame(include_examples=True)``).
    Values with too few training passages are left out of the model (`drop_rare`), so the model cannot
    predict them and is scored as missing them."""
    from .models import train

    train_genres, test_genres = list(train_genres), list(test_genres)
    genre = genre_of(frame)
    keep = genre.isin(train_genres) | (genre.eq(EXAMPLES_GENRE) & include_examples)
    train_rows = frame[keep]
    model = train(train_rows, codebook=codebook, include_examples=include_examples, drop_rare=True,
                  progress=progress, **model_params)
    trained_on = " + ".join(train_genres) + (" + written examples" if include_examples else "")
    out = []
    for test in test_genres:
        rows = frame[genre.eq(test)]
        X = model.transform(rows["text"].tolist())
        for name in model.dimensions_:
            dim = codebook.dimension(name)
            labelled = rows[rows[name].map(has_label)]
            if labelled.empty:
                continue
            at = np.flatnonzero(rows[name].map(has_label).to_numpy())
            proba = model.predict_proba_from_features(X, name)[at]
            pred = model.labels_from_proba(proba, name)
            source = train_rows[name][train_rows[name].map(has_label)]
            if not include_examples:
                source = source[~train_rows.loc[source.index, "is_example"].astype(bool)]
            figs = figure_for(dim, labelled[name].reset_index(drop=True), pred, proba,
                              list(model.classes_[name]), source, labelled["doc_id"].to_numpy(), n_boot)
            out.append(GenreFigure(name, trained_on, test, len(labelled), labelled["doc_id"].nunique(), *figs))
    return out


def cv_by_genre(evaluation, frame: pd.DataFrame, codebook: Codebook, n_boot: int = 1000) -> list[GenreFigure]:
    """Split each dimension's out-of-fold cross-validated predictions by genre: the figures per genre of a
    model trained on all genres (other documents only), beside the same two constant answers."""
    genre = dict(zip(frame["passage_id"], genre_of(frame), strict=True))
    labels = frame.set_index("passage_id")
    out = []
    for name, ev in evaluation.dimensions.items():
        preds = ev.predictions
        if not ev.evaluated or preds is None or preds.empty:
            continue
        dim = codebook.dimension(name)
        g = preds["passage_id"].map(genre)
        present = set(g.dropna())
        for test in [x for x in GENRES.values() if x in present] + sorted(present - set(GENRES.values())):
            sub = preds[g.eq(test)].reset_index(drop=True)
            others = preds[~g.eq(test)]
            truth = labels.loc[sub["passage_id"], name].reset_index(drop=True)
            train_labels = labels.loc[others["passage_id"], name] if len(others) else truth
            proba = sub[[f"p_{c}" for c in ev.classes]].to_numpy(dtype=float)
            figs = figure_for(dim, truth, list(sub["predicted"]), proba, list(ev.classes),
                              pd.concat([train_labels, truth]), sub["doc_id"].to_numpy(), n_boot)
            out.append(GenreFigure(name, "all genres (cross-validation grouped by document)", test, len(sub),
                                   sub["doc_id"].nunique(), *figs))
    return out


def figures_table(figures: list[GenreFigure]) -> pd.DataFrame:
    """One row per (trained on, tested on, dimension): macro-F1 and accuracy (micro-F1 for the multi-valued
    topic) with 95% intervals, each beside the two constant answers (training majority / test majority),
    and where the model's point estimate is below either of them."""
    rows = []
    for f in figures:
        second = "micro_f1" if "micro_f1" in f.model else "accuracy"
        row = {"trained on": f.trained_on, "tested on": f.tested_on, "dimension": f.dimension,
               "passages (documents)": f"{f.passages} ({f.documents})"}
        below = []
        for metric, label in (("macro_f1", "macro-F1"), (second, "accuracy")):
            m = f.model[metric]
            suffix = " (micro-F1)" if metric == "micro_f1" else ""
            row[label] = f"{m['value']:.3f} [{m['low']:.3f}-{m['high']:.3f}]{suffix}"
            row[f"{label}, majority: training / test"] = (f"{f.train_majority[metric]['value']:.3f} / "
                                                         f"{f.test_majority[metric]['value']:.3f}")
            lost = f.loses(metric)
            if lost:
                below.append(f"{'micro-F1' if suffix else label} ({' and '.join(x.split()[0] for x in lost)})")
        row["model below a constant answer on"] = "; ".join(below) or "-"
        rows.append(row)
    return pd.DataFrame(rows)


def markdown_table(table: pd.DataFrame) -> str:
    """A frame as a Markdown table (pandas' own needs the optional tabulate package)."""
    head = [str(c) for c in table.columns]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in table.itertuples(index=False)]
    return "\n".join(lines)


def trained_on(frame: pd.DataFrame) -> dict[str, dict[str, int]]:
    """{genre: {"passages", "documents"}} of a gold frame, written examples last."""
    genre = genre_of(frame)
    out = {}
    for g in [*[x for x in GENRES.values() if x in set(genre)], *sorted(set(genre) - {*GENRES.values()})]:
        rows = frame[genre.eq(g)]
        out[g] = {"passages": len(rows), "documents": int(rows["doc_id"].nunique())}
    return out


STOCK_CROSS_GENRE = ((["speeches"], ["UN statements", "seed op-eds"]),
                     (["UN statements"], ["speeches", "seed op-eds"]))


def genre_section(project, evaluation, n_boot: int = 1000,
                  progress: Callable[[str], None] | None = None) -> tuple[str, dict, list[GenreFigure]]:
    """The model card's section on genres for a model trained on the embedded corpus: what it was trained
    on per genre, its cross-validated figures per genre and the cross-genre figures (a model of the same
    recipe trained on the speeches alone, then on the UN statements alone, each tested on the other genres;
    written examples left out of those trainings). Returns (Markdown, data, every figure)."""
    frame = project.gold_frame(include_examples=True)
    codebook = project.codebook
    counts = trained_on(frame)
    within = cv_by_genre(evaluation, frame, codebook, n_boot) if evaluation is not None else []
    across: list[GenreFigure] = []
    present = set(genre_of(frame))
    for train_genres, test_genres in STOCK_CROSS_GENRE:
        tests = [g for g in test_genres if g in present]
        if set(train_genres) <= present and tests:
            across += cross_genre(frame, codebook, train_genres, tests, n_boot=n_boot, progress=progress)
    lines = ["Trained on: " + ", ".join(f"{g} {c['passages']} passages ({c['documents']} documents)"
                                      + (", training only" if g == EXAMPLES_GENRE else "")
                                      for g, c in counts.items()) + ".",
             "",
             "Each figure is beside two constant answers on the same passages: always the training data's most "
             "common value, and always the tested genre's own most common value. Intervals: 95% percentile "
             "bootstrap over documents. Where the model is below a constant answer the last column says so."]
    if within:
        lines += ["", "**Within each genre** (the cross-validation above, split by the genre of each passage):", "",
                  markdown_table(figures_table(within).drop(columns="trained on"))]
    if across:
        lines += ["", "**Across genres** (trained on one genre, written examples left out; tested on a genre it "
                  "never saw):", "", markdown_table(figures_table(across))]
    data = {"trained_on": counts,
            "within": figures_table(within).to_dict(orient="records"),
            "across": figures_table(across).to_dict(orient="records")}
    return "\n".join(lines), data, within + across


def summary_lines(figures: list[GenreFigure]) -> list[str]:
    """One short line per figure for a terminal: macro-F1 and accuracy beside the test genre's majority."""
    out = []
    for f in figures:
        second = "micro_f1" if "micro_f1" in f.model else "accuracy"
        m, a = f.model["macro_f1"], f.model[second]
        flag = " (below a constant answer)" if f.loses("macro_f1") or f.loses(second) else ""
        out.append(f"  {f.trained_on} -> {f.tested_on}, {f.dimension}: macro-F1 {m['value']:.2f} "
                   f"[{m['low']:.2f}-{m['high']:.2f}] vs {f.test_majority['macro_f1']['value']:.2f}; "
                   f"{'accuracy' if second == 'accuracy' else 'micro-F1'} {a['value']:.2f} vs "
                   f"{f.test_majority[second]['value']:.2f} for the genre's most common value{flag}")
    return out
