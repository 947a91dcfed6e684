"""The plain scoring form of a tfidf-head model: vocabularies, idf and linear heads as JSON and .npy
members of the model file (`plain/...`), read and scored with numpy alone.

Hand-written because importing scikit-learn alone (about 2 CPU-s here, with the scipy.stats and pandas it
pulls in) is over the start-up budget of scoring one passage from the command line (issue 17). It must
equal scikit-learn's scoring, step by step: the same n-grams (`_word_ngrams`, `_char_wb_ngrams`), the same
float32 TF-IDF arithmetic in the same order, the LinearSVC scores laid out as `head._scores` lays them out
and summed in scipy's order, the calibration (Platt / softmax) and `LinearHead`'s decision rule.
tests/test_plain.py compares labels and probabilities with the full model (real corpora, Unicode text).
Written by `plain_members` when a model is saved (a tfidf head without target features, with settings it
reproduces); read by `load_plain` after the file's checksums; nothing is unpickled (allow_pickle=False).
"""

from __future__ import annotations

import io
import json
import math
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .integrity import check_card_digest, check_seal

PREFIX, FORM = "plain/", "plain/form.json"
FORMAT, VERSION = "policy-stance-plain", 1
ROWS_PER_CHUNK = 128  # passages whose decision scores are computed at once (bounds the gathered weights)
CACHE_WORDS = 300_000  # distinct words whose char_wb n-gram ids are kept, as in fast_tfidf


# -- writing (at save time, from the fitted scikit-learn objects) --------------------------------------

def plain_members(model) -> dict[str, bytes] | None:
    """The plain form's zip members {name: bytes} for a fitted `StanceModel`, or None when it has none
    (another head, target features, embeddings, or vectoriser settings this module does not reproduce)."""
    head = model.__dict__.get("head_")
    if getattr(head, "name", None) != "tfidf" or getattr(head, "target_features_", None) is not None:
        return None
    parts = getattr(head.vectorizer_, "transformer_list", None)
    if not parts or getattr(head.vectorizer_, "transformer_weights", None):
        return None
    arrays: dict[str, np.ndarray] = {}
    blocks, vocabularies, offset = [], {}, 0
    for i, (name, part) in enumerate(parts):
        block = _block_settings(part)
        if block is None:
            return None
        vocab = part.vocabulary_
        terms = sorted(vocab, key=vocab.__getitem__)
        if [vocab[t] for t in terms] != list(range(len(terms))):
            return None
        blocks.append({**block, "name": str(name), "offset": offset, "n_features": len(terms)})
        vocabularies[f"{PREFIX}vocabulary-{i}.json"] = json.dumps(terms).encode("ascii")
        arrays[f"idf-{i}"] = np.asarray(part.idf_)
        offset += len(terms)
    heads = {}
    for d in head.dimensions_:
        lh = head.classifiers_[d]
        estimators = []
        for j, est in enumerate(lh.estimators_):
            entry = _estimator(est, f"{d}-{j}", offset, arrays)
            if entry is None:
                return None
            estimators.append(entry)
        heads[d] = {"multilabel": bool(lh.multilabel_), "decision": lh.decision,
                    "classes": [str(c) for c in (model.classes_[d] if lh.multilabel_ else lh.classes_)],
                    "estimators": estimators}
        arrays[f"prior-{d}"] = np.asarray(lh.prior_, dtype=np.float64)
    form = {"format": FORMAT, "version": VERSION, "n_features": offset, "blocks": blocks,
            "dimensions": list(head.dimensions_), "multi": {d: bool(head.multi_[d]) for d in head.dimensions_},
            "heads": heads, "training": _training(model)}
    members = {FORM: json.dumps(form).encode("ascii"), **vocabularies}
    for key, array in arrays.items():
        buffer = io.BytesIO()
        np.save(buffer, array, allow_pickle=False)
        members[f"{PREFIX}{key}.npy"] = buffer.getvalue()
    return members


def _block_settings(part) -> dict | None:
    """A TF-IDF vectoriser's settings, when they are ones `PlainModel` reproduces exactly."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    p = part.get_params() if isinstance(part, TfidfVectorizer) else None
    if (p is None or p["analyzer"] not in ("word", "char_wb") or p["input"] != "content"
            or p["preprocessor"] is not None or p["tokenizer"] is not None or p["strip_accents"]
            or p["stop_words"] is not None or not p["use_idf"] or p["norm"] not in ("l2", None)
            or np.dtype(p["dtype"]) not in (np.float32, np.float64)):
        return None
    if p["analyzer"] == "word" and re.compile(p["token_pattern"]).groups > 1:
        return None
    return {"analyzer": p["analyzer"], "ngram_range": list(p["ngram_range"]), "lowercase": bool(p["lowercase"]),
            "token_pattern": p["token_pattern"], "binary": bool(p["binary"]), "sublinear_tf": bool(p["sublinear_tf"]),
            "norm": p["norm"], "dtype": np.dtype(p["dtype"]).name}


def _estimator(est, key: str, n_features: int, arrays: dict) -> dict | None:
    """One `_BinaryOrMulti`: its constant, or its decision scores as rows of weights (the layout of
    `head._scores`) and its calibrator."""
    if est.constant_ is not None:
        return {"constant": float(est.constant_)}
    classes = list(est.classes_)
    svm, cal = est.svm_, est.calibrator_
    if list(cal.classes_) != list(est.classes_) or svm.coef_.shape[1] != n_features:
        return None
    coef, intercept = np.asarray(svm.coef_, dtype=np.float64), np.asarray(svm.intercept_, dtype=np.float64)
    if len(svm.classes_) == 2:  # one decision column d; a multi-class layout wants (-d, d)
        coef, intercept = (coef, intercept) if len(classes) == 2 else (np.vstack([-coef, coef]),
                                                                      np.concatenate([-intercept, intercept]))
    n_scores = 1 if len(classes) == 2 else len(classes)
    weights = np.zeros((n_scores, n_features))
    bias = np.full(n_scores, -5.0)  # a class this svm never saw scores -5 (head._scores)
    if len(classes) == 2 and len(svm.classes_) != 2:
        bias[0] = -5.0 if svm.classes_[0] == est.classes_[0] else 5.0
    elif len(classes) == 2:
        weights[0], bias[0] = coef[0], intercept[0]
    else:
        for j, c in enumerate(svm.classes_):
            row = int(np.searchsorted(est.classes_, c))
            weights[row], bias[row] = coef[j], intercept[j]
    arrays[f"weights-{key}"], arrays[f"bias-{key}"] = weights, bias
    arrays[f"cal-coef-{key}"] = np.asarray(cal.coef_, dtype=np.float64)
    arrays[f"cal-intercept-{key}"] = np.asarray(cal.intercept_, dtype=np.float64)
    return {"key": key, "n_classes": len(classes)}


def _training(model) -> dict:
    """What the transfer checks read besides the scores: training class counts, and the stop words left
    out of word coverage (scikit-learn's English list, kept here so that reading it needs no scikit-learn)."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    counts = {d: {str(k): int(v) for k, v in (info.get("class_counts") or {}).items()}
              for d, info in (getattr(model, "training_", {}) or {}).items()}
    return {"class_counts": counts, "stop_words": sorted(ENGLISH_STOP_WORDS)}


# -- reading and scoring (numpy only) -------------------------------------------------------------------

def load_plain(path: str | Path) -> PlainModel | None:
    """The plain form of the model file `path` after `load_model`'s checks of its bytes (a modified file raises
    `ModelError`); None without a plain form or without a checksum: loading the full model says why."""
    try:
        has_card = check_card_digest(path)
        sealed = check_seal(path)
        if not (sealed or has_card):
            return None
        with zipfile.ZipFile(path) as archive:
            return read_plain(archive) if FORM in archive.namelist() else None
    except (zipfile.BadZipFile, EOFError, OSError, KeyError, ValueError):
        return None


def read_plain(archive: zipfile.ZipFile) -> PlainModel:
    """The plain form of an open model file; check the file's checksums before calling this."""
    form = json.loads(archive.read(FORM))
    if form.get("format") != FORMAT or form.get("version") != VERSION:
        raise ValueError(f"not a plain form this version reads: {form.get('format')} {form.get('version')}")

    def array(key: str) -> np.ndarray:
        return np.load(io.BytesIO(archive.read(f"{PREFIX}{key}.npy")), allow_pickle=False)

    blocks = [_Block(b, json.loads(archive.read(f"{PREFIX}vocabulary-{i}.json")), array(f"idf-{i}"))
              for i, b in enumerate(form["blocks"])]
    heads = {d: _Head(h, array(f"prior-{d}"), [_Estimator(e, array) for e in h["estimators"]])
             for d, h in form["heads"].items()}
    return PlainModel(form["dimensions"], form["multi"], blocks, heads, form["n_features"], form.get("training", {}))


class _Estimator:
    """One calibrated linear classifier (or a constant rate); its weights are columns of the model's matrix."""

    def __init__(self, entry: dict, array) -> None:
        self.constant: float | None = entry.get("constant")
        self.first = 0  # its first column in PlainModel's stacked weights
        if self.constant is None:
            key = entry["key"]
            self.n_classes = int(entry["n_classes"])
            self.weights, self.bias = array(f"weights-{key}"), array(f"bias-{key}")
            self.cal_coef, self.cal_intercept = array(f"cal-coef-{key}"), array(f"cal-intercept-{key}")

    def proba(self, scores: np.ndarray, n: int) -> np.ndarray:
        """Calibrated probabilities, one column per class (LogisticRegression.predict_proba)."""
        if self.constant is not None:
            p = np.full(n, self.constant)
            return np.column_stack([1 - p, p])
        s = np.ascontiguousarray(scores[:, self.first:self.first + len(self.bias)])  # as head._scores gives it
        decision = s @ self.cal_coef.T + self.cal_intercept
        if self.n_classes <= 2:  # Platt scaling: the logistic of the one decision column, as scipy's expit
            p = np.asarray([_expit(x) for x in decision.reshape(-1).tolist()], dtype=np.float64)
            return np.stack([1 - p, p], axis=1)
        decision = decision - decision.max(axis=1, keepdims=True)  # softmax, as scikit-learn computes it
        e = np.exp(decision)
        return e / e.sum(axis=1, keepdims=True)


def _expit(x: float) -> float:
    """scipy.special.expit with the C library's exp, as scipy's (numpy's own exp can differ in the last bit)."""
    return 0.0 if -x > 709.0 else 1.0 / (1.0 + math.exp(-x))


@dataclass
class _Head:
    """One dimension's classifier: `LinearHead.predict_proba` and `predict_from_proba`."""

    spec: dict
    prior: np.ndarray
    estimators: list[_Estimator]

    def proba(self, scores: np.ndarray, n: int) -> np.ndarray:
        if self.spec["multilabel"]:
            return np.column_stack([e.proba(scores, n)[:, 1] for e in self.estimators])
        return self.estimators[0].proba(scores, n)

    def chosen(self, proba: np.ndarray) -> np.ndarray:
        """Single-valued: the index of the chosen class per row; multi-valued: a 0/1 matrix."""
        if self.spec["multilabel"]:
            return (proba >= 0.5).astype(int)
        if self.spec["decision"] == "balanced":
            return np.argmax(proba / np.maximum(self.prior, 1e-12), axis=1)
        if self.spec["decision"] == "probability":
            return np.argmax(proba, axis=1)
        raise ValueError(f"decision must be 'balanced' or 'probability', got {self.spec['decision']!r}")


class _Block:
    """One TF-IDF vectoriser (word or char_wb), as `CountVectorizer` + `TfidfTransformer` compute it."""

    def __init__(self, spec: dict, terms: list[str], idf: np.ndarray) -> None:
        self.spec, self.idf = spec, idf
        self.vocabulary = {t: i for i, t in enumerate(terms)}
        self.min_n, self.max_n = spec["ngram_range"]
        self.dtype = np.dtype(spec["dtype"])
        self.tokenize = re.compile(spec["token_pattern"]).findall
        self._words: dict[str, np.ndarray] = {}

    def prepare(self, text: str) -> str:
        return text.lower() if self.spec["lowercase"] else text

    def counts(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(row, column) of every n-gram occurrence in `texts` that is in the vocabulary."""
        if self.spec["analyzer"] != "char_wb":
            get = self.vocabulary.get
            rows, cols = [], []
            for i, text in enumerate(texts):
                ids = [get(g) for g in word_ngrams(self.tokenize(self.prepare(text)), self.min_n, self.max_n)]
                ids = [j for j in ids if j is not None]
                cols.extend(ids)
                rows.extend([i] * len(ids))
            return np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)
        # char_wb n-grams are made word by word: count each (text, word) pair once, then spread the count
        # over the word's n-gram ids, computed once per distinct word (as stance.models.fast_tfidf does)
        local: dict[str, int] = {}
        setdefault = local.setdefault
        occurrences: list[int] = []
        lengths: list[int] = []
        for text in texts:
            words = self.prepare(text).split()  # the words _char_wb_ngrams makes after squeezing white space
            occurrences.extend([setdefault(w, len(local)) for w in words])
            lengths.append(len(words))
        ids = [self._char_ids(w) for w in local]
        sizes = np.fromiter(map(len, ids), dtype=np.int64, count=len(ids))
        flat = np.concatenate(ids) if ids else np.zeros(0, np.int64)
        starts = np.cumsum(sizes) - sizes
        doc_of = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
        base = max(len(local), 1)
        pairs, reps = np.unique(doc_of * base + np.asarray(occurrences, dtype=np.int64), return_counts=True)
        pair_doc, pair_word = np.divmod(pairs, base)
        span = sizes[pair_word]
        gather = np.repeat(starts[pair_word] - (np.cumsum(span) - span), span) + np.arange(int(span.sum()))
        return np.repeat(pair_doc, span), np.repeat(reps, span), flat[gather]

    def _char_ids(self, word: str) -> np.ndarray:
        ids = self._words.get(word)
        if ids is None:
            if len(self._words) >= CACHE_WORDS:
                self._words.clear()
            get = self.vocabulary.get
            grams = [get(g) for g in char_wb_word_ngrams(word, self.min_n, self.max_n)]
            ids = self._words[word] = np.asarray([i for i in grams if i is not None], dtype=np.int64)
        return ids

    def transform(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(indptr, indices, data) of the TF-IDF rows of `texts`: the CSR matrix scikit-learn gives."""
        n_features = len(self.idf)
        found = self.counts(texts)
        rows, cols = found[0], found[-1]
        weights = found[1] if len(found) == 3 else None
        keys, inverse = np.unique(rows * n_features + cols, return_inverse=True)  # sorted by row, then column
        counts = np.bincount(inverse.ravel(), weights=weights, minlength=len(keys))
        row_of, indices = np.divmod(keys, n_features)
        indptr = np.zeros(len(texts) + 1, dtype=np.int64)
        np.cumsum(np.bincount(row_of, minlength=len(texts)), out=indptr[1:])
        data = counts.astype(self.dtype)
        if self.spec["binary"]:
            data.fill(1)
        if self.spec["sublinear_tf"]:
            np.log(data, data)
            data += 1.0
        data *= self.idf[indices]
        if self.spec["norm"] == "l2":
            data = _l2_rows(data, indptr)
        return indptr, indices, data


def _l2_rows(data: np.ndarray, indptr: np.ndarray) -> np.ndarray:
    """Each row divided by its L2 norm, summed in order in double precision from squares in the data's
    own precision, as scikit-learn's `inplace_csr_row_normalize_l2` does (so the result is identical)."""
    squares = (data * data).astype(np.float64)
    out = data.astype(np.float64)
    for lo, hi in zip(indptr[:-1].tolist(), indptr[1:].tolist(), strict=True):
        if hi > lo:
            total = float(np.cumsum(squares[lo:hi])[-1])  # cumsum adds in sequence, as the C loop does
            if total != 0.0:
                out[lo:hi] /= np.sqrt(total)
    return out.astype(data.dtype)


def word_ngrams(tokens: list[str], min_n: int, max_n: int) -> list[str]:
    """scikit-learn's `_word_ngrams` (without stop words): the tokens' n-grams joined with spaces."""
    out = list(tokens) if min_n == 1 else []
    for n in range(max(min_n, 2), min(max_n + 1, len(tokens) + 1)):
        out.extend(" ".join(tokens[i:i + n]) for i in range(len(tokens) - n + 1))
    return out


def char_wb_word_ngrams(word: str, min_n: int, max_n: int) -> list[str]:
    """scikit-learn's `_char_wb_ngrams` for one word: padded with a space each side; a word shorter than n
    gives itself once."""
    w = " " + word + " "
    out = []
    for n in range(min_n, max_n + 1):
        offset = 0
        out.append(w[offset:offset + n])
        while offset + n < len(w):
            offset += 1
            out.append(w[offset:offset + n])
        if offset == 0:
            break
    return out


class PlainModel:
    """A tfidf-head model in plain form: `predict(texts)` gives each dimension's probabilities and labels
    as `StanceModel.predict_proba_from_features` and `LinearHead.predict_from_proba` give them."""

    def __init__(self, dimensions: list[str], multi: dict[str, bool], blocks: list[_Block], heads: dict[str, _Head],
                 n_features: int, training: dict[str, Any]) -> None:
        self.dimensions_, self.multi_, self.blocks, self.heads = list(dimensions), dict(multi), blocks, heads
        self.classes_ = {d: list(h.spec["classes"]) for d, h in heads.items()}
        self.training = training
        columns, first = [], 0
        for h in heads.values():
            for e in h.estimators:
                if e.constant is None:
                    e.first = first
                    first += len(e.bias)
                    columns.append((e.weights, e.bias))
        self.weights = (np.vstack([w for w, _ in columns]).T.copy() if columns else np.zeros((n_features, 0)))
        self.bias = np.concatenate([b for _, b in columns]) if columns else np.zeros(0)

    def features(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(indptr, indices, data): the blocks side by side, as scikit-learn's FeatureUnion stacks them."""
        parts = [b.transform(texts) for b in self.blocks]
        rows = np.concatenate([np.repeat(np.arange(len(texts)), np.diff(ip)) for ip, _, _ in parts])
        order = np.argsort(rows, kind="stable")  # each row: the first block's features, then the next's
        dtype = np.result_type(*(b.dtype for b in self.blocks))
        indices = np.concatenate([ix + b.spec["offset"] for b, (_, ix, _) in zip(self.blocks, parts, strict=True)])
        data = np.concatenate([dx.astype(dtype) for _, _, dx in parts])
        indptr = np.zeros(len(texts) + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=len(texts)), out=indptr[1:])
        return indptr, indices[order].astype(np.int64), data[order]

    def scores(self, texts: list[str]) -> np.ndarray:
        """Every estimator's decision scores side by side: X @ W.T + b, each row's products added in the order
        of its features from 0.0, as scipy's sparse product adds them (np.bincount adds in order)."""
        indptr, indices, data = self.features(texts)
        out = np.zeros((len(texts), self.weights.shape[1]))
        for start in range(0, len(texts), ROWS_PER_CHUNK):
            stop = min(start + ROWS_PER_CHUNK, len(texts))
            lo, hi = indptr[start], indptr[stop]
            contributions = data[lo:hi, None].astype(np.float64) * self.weights[indices[lo:hi]]
            rows = np.repeat(np.arange(stop - start), np.diff(indptr[start:stop + 1]))
            for j in range(out.shape[1]):
                out[start:stop, j] = np.bincount(rows, weights=contributions[:, j], minlength=stop - start)
        return out + self.bias

    def predict(self, texts: list[str]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """{dimension: (probabilities in `classes_` order, chosen)}; chosen is a class index per row for a
        single-valued dimension, a 0/1 matrix for a multi-valued one."""
        scores = self.scores(texts)
        out = {}
        for d in self.dimensions_:
            proba = self.heads[d].proba(scores, len(texts))
            out[d] = (proba, self.heads[d].chosen(proba))
        return out
