"""Cross-validation that counts n-grams once: every fold's TF-IDF vectoriser derived from shared counts.

Fitting the default vectoriser is mostly counting the word and char_wb n-grams of its texts, and
cross-validation fitted one per outer fold, per dimension, per learning-curve point, then counted the
test texts again. `SharedCounts` counts every n-gram of every text of a run once (scikit-learn's own
`CountVectorizer`, unpruned), and gives each fit what fitting on its texts would give:

- the vocabulary: the n-grams found in at least `min_df` (and at most `max_df`) of the fit's distinct
  texts, in the same (sorted) column order;
- the idf: scikit-learn's `TfidfTransformer` fitted on those texts' counts of those columns;
- every matrix: the counts of those columns, weighted by that transformer, as the cached vectoriser's
  `transform` does.

So the vectoriser, its features and everything fitted on them are identical to the last bit to fitting
each fold's own vectoriser (tests/test_fold_features.py); deriving a fold is a column selection. Settings
outside this (a `max_features` limit, a non-integer `min_df`, sentence embeddings in the union) are
fitted as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral
from weakref import WeakKeyDictionary

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer
from sklearn.pipeline import FeatureUnion

from .fast_tfidf import CachedTfidfVectorizer

# parameters that decide which n-grams a text has (the rest prune the vocabulary or weight the counts)
_PRUNING = ("min_df", "max_df", "max_features", "vocabulary")
_WEIGHTING = ("norm", "use_idf", "smooth_idf", "sublinear_tf", "binary")


class SharedCounts:
    """The unpruned n-gram counts of a set of texts, per counting setting, computed on first use.

    `fit_transform(vectorizer, texts)` fits an unfitted `make_vectorizer()` union as `vectorizer.fit(texts)`
    would and returns its matrix of `texts`; `transform(vectorizer, texts)` is `vectorizer.transform(texts)`
    for a union it fitted. Texts it has not counted yet are added (and everything is counted again).
    """

    def __init__(self, texts: Sequence[str] = ()):
        self._texts: list[str] = []
        self._row: dict[str, int] = {}
        self._counts: dict[tuple, tuple[sp.csr_matrix, np.ndarray]] = {}  # setting -> (counts, terms)
        self._columns: WeakKeyDictionary = WeakKeyDictionary()  # fitted part -> its columns of the counts
        self.add(texts)

    def add(self, texts: Sequence[str]) -> None:
        """Count `texts` too (the counts made so far are dropped and made again over all the texts)."""
        new = [t for t in dict.fromkeys(texts) if t not in self._row]
        if new:
            self._row.update((t, len(self._texts) + i) for i, t in enumerate(new))
            self._texts.extend(new)
            self._counts.clear()
            self._columns = WeakKeyDictionary()  # columns of the old counts: those unions transform by themselves

    @staticmethod
    def supports(vectorizer) -> bool:
        """True for a union of cached TF-IDF vectorisers with an integer `min_df` and no `max_features`."""
        parts = getattr(vectorizer, "transformer_list", None)
        return bool(parts) and vectorizer.transformer_weights is None and all(
            type(part) is CachedTfidfVectorizer and part.max_features is None and part.vocabulary is None
            and isinstance(part.min_df, Integral) and isinstance(part.max_df, (Integral, float))
            for _, part in parts)

    def fit_transform(self, vectorizer: FeatureUnion, texts: Sequence[str]):
        """Fit `vectorizer` on `texts` from the counts; its (CSR) matrix of `texts`."""
        texts = list(texts)
        self.add(texts)
        rows = self._rows(texts)
        blocks = []
        for _, part in vectorizer.transformer_list:
            counts, terms = self._setting(part)
            fit_counts = counts[rows]
            df = np.bincount(fit_counts.indices, minlength=counts.shape[1])
            n = len(rows)
            high = part.max_df if isinstance(part.max_df, Integral) else part.max_df * n
            columns = np.flatnonzero((df >= max(part.min_df, 1)) & (df <= high))
            if not len(columns) or high < part.min_df:  # scikit-learn's own fit raises its error
                part.fit(texts)
                blocks.append(part.transform(texts))
                continue
            part._validate_vocabulary()
            part.build_analyzer()  # as fitting does (it records which stop words it checked)
            part.vocabulary_ = dict(zip(terms[columns].tolist(), range(len(columns)), strict=True))
            part._tfidf = TfidfTransformer(norm=part.norm, use_idf=part.use_idf, smooth_idf=part.smooth_idf,
                                           sublinear_tf=part.sublinear_tf)
            matrix = _select(fit_counts, columns, part.binary)
            part._tfidf.fit(matrix)
            self._columns[part] = columns
            blocks.append(part._tfidf.transform(matrix, copy=False))
        return sp.hstack(blocks).tocsr()  # as FeatureUnion.transform stacks its parts

    def transform(self, vectorizer: FeatureUnion, texts: Sequence[str]):
        """`vectorizer.transform(texts)` for a union fitted by `fit_transform`, from the counts."""
        texts = list(texts)
        parts = [part for _, part in vectorizer.transformer_list]
        if not all(t in self._row for t in texts) or not all(p in self._columns for p in parts):
            return vectorizer.transform(texts)
        rows = self._rows(texts)
        blocks = [part._tfidf.transform(_select(self._setting(part)[0][rows], self._columns[part], part.binary),
                                        copy=False) for part in parts]
        return sp.hstack(blocks).tocsr()

    def _rows(self, texts: list[str]) -> np.ndarray:
        return np.fromiter(map(self._row.__getitem__, texts), dtype=np.int64, count=len(texts))

    def _setting(self, part) -> tuple[sp.csr_matrix, np.ndarray]:
        params = {k: v for k, v in part.get_params().items() if k not in _PRUNING + _WEIGHTING}
        key = tuple(sorted((k, repr(v)) for k, v in params.items()))
        if key not in self._counts:
            counter = CountVectorizer(**params, min_df=1, max_df=1.0)
            counts = sp.csr_matrix(counter.fit_transform(self._texts))
            counts.sort_indices()
            self._counts[key] = (counts, counter.get_feature_names_out().astype(object))
        return self._counts[key]


def _select(counts: sp.csr_matrix, columns: np.ndarray, binary: bool) -> sp.csr_matrix:
    """The counts of `columns`, indices sorted, as the cached vectoriser's count matrix is."""
    out = counts[:, columns]
    out.sort_indices()
    if binary:
        out.data.fill(1)
    return out
