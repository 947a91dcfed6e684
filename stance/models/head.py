"""One linear head per dimension: LinearSVC with balanced class weights, C chosen by an inner
grouped cross-validation, probabilities calibrated on out-of-fold decision scores.

Works on feature matrices (the shared vectoriser's output), so every dimension's head can read the
same matrix. Single-valued dimensions take a 1-d label array; multi-valued ones an indicator matrix.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import GroupKFold, KFold, StratifiedGroupKFold, StratifiedKFold
from sklearn.svm import LinearSVC

DEFAULT_CS = (0.03, 0.1, 0.3, 1.0)


class LinearHead(BaseEstimator, ClassifierMixin):
    """A calibrated linear classifier on precomputed features.

    Parameters
    ----------
    C : float or "auto"
        Regularisation of the LinearSVC; "auto" picks the best of `Cs` by macro-F1 in an inner
        cross-validation grouped by document (pass `groups` to `fit`).
    Cs : candidate values of C for "auto".
    cv : number of inner folds (for choosing C and for calibration).
    class_weight : passed to LinearSVC ("balanced" by default).
    decision : "balanced" labels each passage with the value that has the highest calibrated
        probability divided by that value's share of the training labels (the decision that maximises
        balanced accuracy; good for rare values); "probability" takes the most probable value.
        Multi-valued dimensions always select each value whose probability is at least 0.5.
    random_state : seed of the inner splits.

    Probabilities are calibrated to the training distribution (a multinomial logistic regression on
    out-of-fold decision scores, Platt scaling for two classes), so their mean estimates prevalence.
    """

    def __init__(self, C="auto", Cs=DEFAULT_CS, cv: int = 3, class_weight="balanced",
                 decision: str = "balanced", random_state: int = 0):
        self.C = C
        self.Cs = Cs
        self.cv = cv
        self.class_weight = class_weight
        self.decision = decision
        self.random_state = random_state

    # -- fitting -------------------------------------------------------------------------------
    def fit(self, X, y, groups=None):
        y = np.asarray(y)
        n = X.shape[0]
        groups = np.arange(n) if groups is None else np.asarray(groups)
        self.multilabel_ = y.ndim == 2
        if self.multilabel_:
            self.classes_ = np.arange(y.shape[1])
            self.estimators_ = [
                _BinaryOrMulti(self._params()).fit(X, y[:, j], groups) for j in range(y.shape[1])
            ]
            self.C_ = [e.C_ for e in self.estimators_]
            self.prior_ = y.mean(axis=0)
        else:
            self.classes_ = np.unique(y)
            if len(self.classes_) < 2:
                raise ValueError(f"need at least two classes to fit, got {list(self.classes_)}")
            est = _BinaryOrMulti(self._params()).fit(X, y, groups)
            self.estimators_ = [est]
            self.C_ = est.C_
            self.prior_ = np.array([np.mean(y == c) for c in self.classes_])
        self.n_features_in_ = X.shape[1]
        return self

    def _params(self) -> dict:
        return dict(C=self.C, Cs=tuple(self.Cs), cv=self.cv, class_weight=self.class_weight,
                    random_state=self.random_state)

    # -- prediction ----------------------------------------------------------------------------
    def predict_proba(self, X):
        if self.multilabel_:
            return np.column_stack([e.predict_proba(X)[:, 1] for e in self.estimators_])
        return self.estimators_[0].predict_proba(X)

    def predict(self, X):
        return self.predict_from_proba(self.predict_proba(X))

    def predict_from_proba(self, proba: np.ndarray) -> np.ndarray:
        """Labels from probabilities by this head's decision rule (see the class docstring)."""
        if self.multilabel_:
            return (proba >= 0.5).astype(int)
        if self.decision == "balanced":
            idx = np.argmax(proba / np.maximum(self.prior_, 1e-12), axis=1)
        elif self.decision == "probability":
            idx = np.argmax(proba, axis=1)
        else:
            raise ValueError(f"decision must be 'balanced' or 'probability', got {self.decision!r}")
        return self.classes_[idx]

    def decision_function(self, X):
        if self.multilabel_:
            return np.column_stack([e.svm_.decision_function(X) for e in self.estimators_])
        return self.estimators_[0].svm_.decision_function(X)

    @property
    def coef_(self) -> np.ndarray:
        """One row of weights per class (per value for multi-valued dimensions)."""
        if self.multilabel_:
            return np.vstack([e.svm_.coef_[0] for e in self.estimators_])
        coef = self.estimators_[0].svm_.coef_
        return np.vstack([-coef[0], coef[0]]) if len(self.classes_) == 2 else coef


class _BinaryOrMulti:
    """The work of one single-label head (a private helper; LinearHead is the estimator)."""

    def __init__(self, params: dict):
        self.params = params

    def fit(self, X, y, groups):
        p = self.params
        self.classes_ = np.unique(y)
        if len(self.classes_) < 2:
            # a multi-label column with a single value: predict its constant rate
            self.C_ = None
            self.svm_ = None
            self.constant_ = float(self.classes_[0])
            return self
        self.constant_ = None
        splits = _inner_splits(y, groups, p["cv"], p["random_state"])
        # the inner folds choose C (by macro-F1) and give the out-of-fold scores that calibrate the
        # probabilities: the fits at the chosen C serve both
        Cs = list(p["Cs"]) if p["C"] == "auto" else [float(p["C"])]
        best = None
        for C in Cs:
            oof, covered, f1 = _oof_scores(X, y, splits, C, p["class_weight"], self.classes_)
            if best is None or f1 > best[3]:
                best = (float(C), oof, covered, f1)
        self.C_, oof, covered, _ = best
        self.svm_ = _svm(self.C_, p["class_weight"]).fit(X, y)
        if not covered.all():  # too little data for inner folds: calibrate in-sample
            oof[~covered] = _scores(self.svm_, X[~covered], self.classes_)
        self.calibrator_ = LogisticRegression(C=100.0, max_iter=1000).fit(oof, y)
        return self

    def predict_proba(self, X):
        if self.constant_ is not None:
            p = np.full(X.shape[0], self.constant_)
            return np.column_stack([1 - p, p])
        proba = self.calibrator_.predict_proba(_scores(self.svm_, X, self.classes_))
        # the calibrator saw every class (it is fitted on all rows), so columns follow classes_
        return proba


def _svm(C: float, class_weight) -> LinearSVC:
    # a fixed random_state: liblinear shuffles, and the same data should give the same model
    return LinearSVC(C=C, class_weight=class_weight, dual="auto", max_iter=5000, random_state=0)


def _n_scores(classes) -> int:
    return 1 if len(classes) == 2 else len(classes)


def _scores(svm: LinearSVC, X, classes) -> np.ndarray:
    """Decision scores with one column per class (one column for two classes), whatever subset of
    classes this svm saw in training; classes it never saw get a very low score."""
    d = svm.decision_function(X)
    if len(classes) == 2:
        if len(svm.classes_) == 2:
            return d.reshape(-1, 1)
        return np.full((X.shape[0], 1), -5.0 if svm.classes_[0] == classes[0] else 5.0)
    out = np.full((X.shape[0], len(classes)), -5.0)
    d = d.reshape(X.shape[0], -1)
    if len(svm.classes_) == 2:
        d = np.column_stack([-d[:, 0], d[:, 0]])
    for j, c in enumerate(svm.classes_):
        out[:, int(np.searchsorted(classes, c))] = d[:, j]
    return out


def _oof_scores(X, y, splits, C, class_weight, classes) -> tuple[np.ndarray, np.ndarray, float]:
    """Out-of-fold decision scores at this C, which rows they cover, and their mean macro-F1."""
    oof = np.zeros((X.shape[0], _n_scores(classes)), dtype=np.float64)
    covered = np.zeros(X.shape[0], dtype=bool)
    f1s = []
    for tr, te in splits:
        if len(np.unique(y[tr])) < 2:
            continue
        svm = _svm(C, class_weight).fit(X[tr], y[tr])
        oof[te] = _scores(svm, X[te], classes)
        covered[te] = True
        pred = (classes[(oof[te, 0] > 0).astype(int)] if len(classes) == 2
                else classes[np.argmax(oof[te], axis=1)])
        f1s.append(f1_score(y[te], pred, labels=classes, average="macro", zero_division=0))
    return oof, covered, float(np.mean(f1s)) if f1s else 0.0


def _inner_splits(y, groups, cv: int, random_state: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Grouped, stratified where possible, folds; degrade gracefully on very small data."""
    n_groups = len(np.unique(groups))
    k = min(cv, n_groups)
    if k < 2:
        return []
    _, counts = np.unique(y, return_counts=True)
    if counts.min() >= k:
        splitter = StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=random_state)
    else:
        splitter = GroupKFold(n_splits=k, shuffle=True, random_state=random_state)
    splits = list(splitter.split(np.zeros(len(y)), y, groups))
    if all(len(np.unique(y[tr])) >= 2 for tr, _ in splits):
        return splits
    # grouping leaves a fold with one class: fall back to ungrouped folds for the inner loop only
    splitter = (StratifiedKFold(n_splits=k, shuffle=True, random_state=random_state)
                if counts.min() >= k else KFold(n_splits=k, shuffle=True, random_state=random_state))
    return list(splitter.split(np.zeros(len(y)), y))
