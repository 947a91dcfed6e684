"""Honest evaluation: cross-validation grouped by document, beside a majority-class baseline.

No document has passages on both sides of a split (or, with `group_column`, no value of that metadata
column, e.g. outlet or author, so the figures are on outlets or authors the model has not seen). When
nearly every group holds a single passage, grouped CV is close to splitting passages at random, and the
result says so. The vectoriser and every head are refitted on
each training fold. Written codebook examples may join every training fold (`include_examples`) but
never a test fold, so every figure is measured on real passages only. Intervals come from a
bootstrap over documents (see `stance.models.metrics`). The n-grams of every text are counted once per
run and each fit's vectoriser is derived from those counts (`stance.models.fold_features`): the same
vectoriser as fitting it on the fold, at a fraction of the cost.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np
import pandas as pd
from sklearn.metrics import f1_score
from sklearn.model_selection import GroupKFold, StratifiedGroupKFold

from ..codebook import Codebook, Dimension
from ..errors import ModelError
from .data import MIN_PER_CLASS, class_counts, describe_small, gold_data, label_array, small_class_problems
from .evaluation import SCALAR_METRICS, DimensionEvaluation, EvaluationResult
from .fold_features import SharedCounts
from .metrics import multi_label_figures, single_label_figures
from .model import StanceModel
from .targets import target_values

log = logging.getLogger(__name__)

SMALL_DATA_PASSAGES = 300
SMALL_DATA_DOCUMENTS = 20
LEARNING_CURVE_FRACTIONS = (0.2, 0.4, 0.6, 0.8, 1.0)
ONE_PASSAGE_GROUPS = 0.8  # share of groups holding one passage from which grouped CV is called near-random
MISSING_GROUP = "(missing)"


def evaluate(
    source,
    dimensions: list[str] | None = None,
    features: str = "tfidf",
    include_examples: bool = False,
    codebook: Codebook | None = None,
    n_splits: int = 5,
    n_boot: int = 1000,
    learning_curve: bool = False,
    min_per_class: int = MIN_PER_CLASS,
    target_column: str | None = None,
    random_state: int = 0,
    progress: Callable[[str], None] | None = None,
    group_column: str | None = None,
    **model_params,
) -> EvaluationResult:
    """Cross-validate the default model on every dimension, grouped by document (or by the metadata
    column `group_column`: no value of it on both sides of a split).

    Values with fewer than `min_per_class` real labelled passages are left out of the model and
    named in the result's warnings; a dimension without two usable values gets no figures at all,
    only a warning saying how many more labels it needs.
    """
    say = progress or (lambda msg: log.info(msg))
    data = gold_data(source, codebook, include_examples=include_examples)
    if "encoder" not in model_params:  # the folds share one encoder, so each passage is embedded once
        options = model_params.get("head_params") or {}
        model_params = {**model_params, "encoder": shared_encoder(model_params.get("head_type", "tfidf"), features,
                                                                  options.get("max_length"), options.get("backend"))}
    if model_params.get("head_type", "tfidf") == "tfidf" and "counts" not in model_params:
        # every fit of this run (folds, dimensions, learning curve) derives its vectoriser from one count
        model_params = {**model_params, "counts": SharedCounts(data.frame["text"].tolist())}
    result = EvaluationResult({}, settings={
        "head": model_params.get("head_type", "tfidf"), "features": features, "include_examples": include_examples, "n_splits": n_splits,
        "n_boot": n_boot, "interval": "95% percentile bootstrap over documents",
        "split": f"StratifiedGroupKFold by {group_column or 'doc_id'} (GroupKFold for multi-valued dimensions)",
        "grouped_by": group_column or "document",
        "codebook_version": data.codebook.version, "random_state": random_state,
    })
    for dim in data.dimensions(dimensions):
        say(f"evaluating {dim.name}")
        result.dimensions[dim.name] = _evaluate_dimension(
            data, dim, features, include_examples, n_splits, n_boot, learning_curve, min_per_class,
            target_column, random_state, say, model_params, group_column)
    return result


def _evaluate_dimension(data, dim: Dimension, features, include_examples, n_splits, n_boot,
                        learning_curve, min_per_class, target_column, random_state, say, model_params,
                        group_column=None):
    real = data.labelled(dim, include_examples=False)
    examples = data.labelled(dim, include_examples=True)
    examples = examples[examples["is_example"]] if include_examples else examples.iloc[0:0]
    counts = class_counts(real, dim)
    ev = DimensionEvaluation(dim.name, [], dim.multi, passages=len(real),
                             documents=real["doc_id"].nunique(), examples_in_training=len(examples))
    fatal, small = small_class_problems(counts, dim, min_per_class, what="real labelled passages")
    if fatal:
        ev.warnings.extend(f + "; no figures computed" for f in fatal)
        return ev
    if small:
        ev.warnings.append(f"dimension {dim.name!r}: left out of the evaluation for lack of real labelled "
                           f"passages: {describe_small(counts, small, min_per_class)}")
    absent = [v for v, c in counts.items() if c == 0]
    if absent:
        ev.warnings.append(f"dimension {dim.name!r}: no real labelled passage for {', '.join(absent)}; "
                           "these values are not evaluated")
    keep = [v for v, c in counts.items() if c >= min_per_class]
    real = _restrict(real, dim, keep)
    examples = _restrict(examples, dim, keep)
    n_docs = real["doc_id"].nunique()
    ev.passages, ev.documents = len(real), n_docs
    groups, ev.grouped_by, notes = cv_groups(real, group_column)
    ev.groups = n_groups = len(set(groups))
    ev.warnings += [f"dimension {dim.name!r}: {n}" for n in notes]
    if n_groups < 2:
        ev.warnings.append(f"dimension {dim.name!r}: all real passages come from one {ev.grouped_by}; grouped "
                           "cross-validation needs at least two")
        return ev
    if len(real) < SMALL_DATA_PASSAGES or n_docs < SMALL_DATA_DOCUMENTS:
        ev.warnings.append(f"small data: {len(real)} real passages from {n_docs} documents; the intervals "
                           "are wide and the figures move with every new label")
    k = min(n_splits, n_groups)
    ev.n_splits = k
    y, classes = label_array(real, dim)
    if dim.multi:
        classes = keep
        y = y[:, [dim.value_names.index(c) for c in keep]]
    ev.classes = classes
    splitter = (GroupKFold(n_splits=k, shuffle=True, random_state=random_state) if dim.multi
                else StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=random_state))
    splits = list(splitter.split(np.zeros(len(real)), y if not dim.multi else None, groups))

    n, K = len(real), len(classes)
    proba = np.zeros((n, K))
    pred = np.zeros((n, K), dtype=int) if dim.multi else np.empty(n, dtype=object)
    base_proba = np.zeros((n, K))
    fold_of = np.zeros(n, dtype=int)
    chosen_C = []
    for f, (tr, te) in enumerate(splits):
        say(f"  {dim.name}: fold {f + 1}/{k}")
        train_rows = pd.concat([real.iloc[tr], examples])
        model = _fit(train_rows, dim, features, target_column, classes, random_state, model_params)
        X = model.transform(real["text"].iloc[te].tolist(), _targets(real.iloc[te], target_column))
        p_fold = model.predict_proba_from_features(X, dim.name)
        proba[te] = _align(p_fold, model.classes_[dim.name], classes, dim.multi)
        if dim.multi:
            pred[te] = (proba[te] >= 0.5).astype(int)
        else:
            pred[te] = model.labels_from_proba(p_fold, dim.name)
        chosen_C.append(model.heads_[dim.name].C_)
        fold_of[te] = f
        ev.folds.append((sorted(set(groups[tr])), sorted(set(groups[te]))))

    # The baseline is the best constant predictor: always the most common value of all these labels, with
    # their shares as probabilities (for a single-valued dimension, the constant that scores best on
    # accuracy, macro-F1 and Brier). Each training fold's own majority could score below a constant, since
    # folds differ in their mix, and so set too low a bar.
    base_proba[:] = y.mean(axis=0) if dim.multi else np.array([np.mean(y == c) for c in classes])
    docs = real["doc_id"].to_numpy()  # intervals: a bootstrap over documents, however the folds are grouped
    if dim.multi:
        figs = multi_label_figures(y, pred, proba, classes, docs, n_boot, random_state)
        base = multi_label_figures(y, (base_proba >= 0.5).astype(int), base_proba, classes, docs,
                                   n_boot, random_state)
    else:
        figs = single_label_figures(y, pred, proba, classes, docs, n_boot, random_state)
        base_pred = np.asarray(classes, dtype=object)[base_proba.argmax(axis=1)]
        base = single_label_figures(y, base_pred, base_proba, classes, docs, n_boot, random_state)
    ev.metrics = {m: figs[m] for m in SCALAR_METRICS if m in figs}
    ev.baseline = {m: base[m] for m in SCALAR_METRICS if m in base}
    if ev.metrics["brier"]["value"] >= ev.baseline["brier"]["value"]:
        ev.warnings.append(f"dimension {dim.name!r}: the model's probabilities are no better than the baseline's "
                           f"(Brier {ev.metrics['brier']['value']:.3f} against {ev.baseline['brier']['value']:.3f} "
                           "for the value shares of all the labels); do not read them as confidence")
    ev.per_class, ev.confusion, ev.reliability = figs["per_class"], figs["confusion"], figs["reliability"]
    ev.predictions = _predictions_frame(real, dim, y, pred, proba, classes, fold_of)
    if learning_curve:
        ev.learning_curve = _learning_curve(real, examples, dim, y, classes, splits, chosen_C, features,
                                            target_column, random_state, model_params, say)
    return ev


def cv_groups(rows: pd.DataFrame, group_column: str | None = None) -> tuple[np.ndarray, str, list[str]]:
    """The cross-validation group of each passage (its document, or its value of the metadata column
    `group_column`), the grouping's name, and warnings: when nearly every group holds one passage
    (grouped CV is then close to splitting passages at random: it says how the model does on new
    passages, not on new documents), and when `group_column` puts passages of one document into
    several groups (they can then sit on both sides of a split)."""
    if group_column is None:
        groups, what = rows["doc_id"].astype(str).to_numpy(dtype=object), "document"
    elif group_column not in rows.columns:
        meta = [c for c in rows.columns if c not in ("passage_id", "text", "is_example", "is_boilerplate")]
        raise ModelError(f"no column {group_column!r} to group the cross-validation by; columns of the labelled "
                         f"passages: {', '.join(map(str, meta))}")
    else:
        groups = rows[group_column].astype("string").fillna(MISSING_GROUP).to_numpy(dtype=object)
        what = group_column
    notes = []
    sizes = pd.Series(groups).value_counts()
    single = int((sizes == 1).sum())
    if len(sizes) >= 2 and single >= ONE_PASSAGE_GROUPS * len(sizes):
        hint = ("; to hold out whole outlets, authors or speeches, group by a metadata column with --group-col"
                if group_column is None else "")
        groups_named = "documents" if group_column is None else f"values of {group_column}"
        notes.append(f"{single} of the {len(sizes)} {groups_named} hold a single labelled passage, so cross-"
                     f"validation grouped by {what} is close to splitting passages at random: the figures say how "
                     f"the model does on new passages like these, not on a new {what}{hint}")
    if group_column is not None:
        spread = pd.Series(groups).groupby(rows["doc_id"].astype(str).to_numpy()).nunique()
        if (spread > 1).any():
            notes.append(f"{int((spread > 1).sum())} documents have passages under more than one {group_column} "
                         "value, so passages of one document can sit on both sides of a split (the figures then "
                         "flatter the model)")
    return groups, what, notes


def _fit(rows, dim, features, target_column, classes, random_state, model_params) -> StanceModel:
    params = dict(model_params)
    encoder, counts = params.pop("encoder", None), params.pop("counts", None)
    model = StanceModel(features=features, random_state=random_state, **params)
    Y = pd.DataFrame({dim.name: rows[dim.name].tolist()})
    return model.fit(rows["text"].tolist(), Y, groups=rows["doc_id"].to_numpy(),
                     targets=_targets(rows, target_column), classes={dim.name: classes}, encoder=encoder,
                     counts=counts)


def shared_encoder(head_type: str, features: str = "tfidf", max_length: int | None = None,
                   backend: str | None = None):
    """One encoder for all the fits of a run when the head reads frozen embeddings, else None."""
    if head_type == "embed" or features == "tfidf+embeddings":
        from .encoder import Encoder
        from .heads.embed import DEFAULT_BACKEND

        if head_type != "embed":
            return Encoder()
        return Encoder(max_length=max_length, backend=backend or DEFAULT_BACKEND)
    return None


def _targets(rows, target_column):
    return None if target_column is None else target_values(rows, target_column, "the gold labels")


def _align(p: np.ndarray, fold_classes: list[str], classes: list[str], multi: bool) -> np.ndarray:
    """Probabilities in the global class order; a value the fold never saw gets probability 0."""
    out = np.zeros((p.shape[0], len(classes)))
    for j, c in enumerate(fold_classes):
        out[:, classes.index(c)] = p[:, j]
    return out


def _restrict(rows: pd.DataFrame, dim: Dimension, keep: list[str]) -> pd.DataFrame:
    if dim.multi:
        vals = rows[dim.name].map(lambda v: [x for x in (v.split(";") if isinstance(v, str) else v)
                                             if x in keep])
        rows = rows.assign(**{dim.name: vals})
        return rows[vals.map(len) > 0]
    return rows[rows[dim.name].isin(keep)]


def _predictions_frame(real, dim, y, pred, proba, classes, fold_of) -> pd.DataFrame:
    out = pd.DataFrame({"passage_id": real["passage_id"].to_numpy(), "doc_id": real["doc_id"].to_numpy(),
                        "fold": fold_of})
    if dim.multi:
        out["true"] = [[classes[j] for j in np.flatnonzero(r)] for r in y]
        out["predicted"] = [[classes[j] for j in np.flatnonzero(r)] for r in pred]
    else:
        out["true"], out["predicted"] = list(y), list(pred)
    for j, c in enumerate(classes):
        out[f"p_{c}"] = proba[:, j]
    return out


def _learning_curve(real, examples, dim, y, classes, splits, chosen_C, features, target_column,
                    random_state, model_params, say) -> pd.DataFrame:
    """Macro-F1 on each outer test fold after training on growing shares of its training documents
    (C fixed to the value the full fold chose, to keep this affordable)."""
    rng = np.random.default_rng(random_state)
    params = {k: v for k, v in model_params.items() if k != "C"}
    rows = []
    for f, (tr, te) in enumerate(splits):
        docs = np.unique(real["doc_id"].iloc[tr])
        rng.shuffle(docs)
        C = chosen_C[f] if not isinstance(chosen_C[f], list) else float(np.median(chosen_C[f]))
        taken = set()
        for frac in LEARNING_CURVE_FRACTIONS:
            n_docs = max(2, round(frac * len(docs)))
            if n_docs in taken:  # few documents: several fractions round to the same subset
                continue
            taken.add(n_docs)
            take = set(docs[:n_docs])
            sub = real.iloc[tr][real["doc_id"].iloc[tr].isin(take)]
            if not _trainable(sub, dim):
                continue
            say(f"  {dim.name}: learning curve fold {f + 1}, {len(sub)} passages")
            try:
                model = _fit(pd.concat([sub, examples]), dim, features, target_column, classes,
                             random_state, {**params, "C": C})
            except (ValueError, ModelError):
                continue
            X = model.transform(real["text"].iloc[te].tolist(), _targets(real.iloc[te], target_column))
            p_raw = model.predict_proba_from_features(X, dim.name)
            if dim.multi:
                p = _align(p_raw, model.classes_[dim.name], classes, dim.multi)
                score = f1_score(y[te], (p >= 0.5).astype(int), average="macro", zero_division=0)
            else:
                score = f1_score(list(y[te]), model.labels_from_proba(p_raw, dim.name), average="macro",
                                 zero_division=0)
            rows.append({"fraction": frac, "fold": f, "passages": len(sub), "macro_f1": score})
    raw = pd.DataFrame(rows, columns=["fraction", "fold", "passages", "macro_f1"])
    if raw.empty:
        return raw
    return (raw.groupby("fraction")
            .agg(passages=("passages", "mean"), macro_f1=("macro_f1", "mean"),
                 macro_f1_sd=("macro_f1", "std"), folds=("fold", "count"))
            .reset_index())


def _trainable(rows: pd.DataFrame, dim: Dimension) -> bool:
    if dim.multi:
        return len(rows) >= 2
    return rows[dim.name].nunique() >= 2


def evaluate_holdout(model: StanceModel, frame: pd.DataFrame, dimension: str, target_column: str | None = None,
                     n_boot: int = 1000, average_classes: list[str] | None = None,
                     random_state: int = 0) -> dict:
    """Figures of a trained model on a held-out labelled set (e.g. a data set's official test split),
    with document-bootstrap intervals; `frame` needs text, doc_id and the dimension's column.

    Returns the figures of `stance.models.metrics.single_label_figures` (single-valued dimensions)."""
    if model.multi_.get(dimension):
        raise ModelError("evaluate_holdout handles single-valued dimensions; use evaluate() for multi-valued ones")
    X = model.transform(frame["text"].tolist(), _targets(frame, target_column))
    proba = model.predict_proba_from_features(X, dimension)
    pred = model.predict_from_features(X, dimension)
    classes = list(model.classes_[dimension])
    truth = [str(v) for v in frame[dimension]]
    extra = sorted(set(truth) - set(classes))
    if extra:
        classes = classes + extra
        proba = np.hstack([proba, np.zeros((len(frame), len(extra)))])
    return single_label_figures(truth, pred, proba, classes, frame["doc_id"].to_numpy(), n_boot,
                                random_state, average_classes=average_classes)
