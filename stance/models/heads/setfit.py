"""The `setfit` head: for each dimension, the shipped encoder fine-tuned contrastively on that dimension's
labels (SetFit, Tunstall et al. 2022), then the calibrated linear classifier on its embeddings.

Fine-tuning uses the `setfit` package's own contrastive trainer (`Trainer.train_embeddings`: pairs of
passages with the same or different values, cosine-similarity loss), on the CPU, with a seed, a pair
budget, an optional time budget (training stops at the first step past it, and the card says so) and
progress bars. SetFit's logistic-regression head is not used: the classifier is the one every head
shares (see `stance.models.heads.embed` for why). Multi-valued dimensions keep the frozen encoder
(contrastive pairs need one value per passage), and the card says so.

Scored without torch: by default (`backend="onnx-int8"`) each fine-tuned encoder is exported to ONNX with
int8 weights by the same code as the embed head's (`stance.models.onnx_encoder`), the classifier is fitted
on those embeddings (so the card's figures describe the model that scores), and the export's agreement
with its own PyTorch embeddings is measured on up to `AGREEMENT_PASSAGES` of the dimension's passages and
said in a note. `backend="torch"` keeps the fine-tuned PyTorch weights instead, as files saved before the
ONNX export did.

Saved safely: each fine-tuned encoder is written as bytes inside the model file (ONNX: a graph and tensors;
or the safetensors format: tensors only; no code either way), with its SHA-256 checked before it is read;
the rest is skops as usual.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import tempfile
import time
import warnings
from typing import ClassVar

import numpy as np

from ...errors import ModelError
from ..data import has_label
from ..encoder import (
    BATCH_SIZE,
    EMBEDDINGS_PACKAGE,
    ENCODER_NAME,
    Encoder,
    encoder_version,
    load_sentence_model,
    offline,
)
from ..onnx_encoder import check_backend, export_transformer, sha256
from .embed import embedding_classifier
from .encoded import EncodedTexts, encoder_texts, occlusion_terms
from .linear import LINEAR_TYPES, LinearHeads

BASE = "base"
DEFAULT_PAIRS = 2000  # contrastive pairs per dimension (SetFit's paper: 20 per labelled passage)
DEFAULT_BACKEND = "onnx-int8"
AGREEMENT_PASSAGES = 200  # passages on which an ONNX export's embeddings are compared with PyTorch's


class SetFitHead(LinearHeads):
    """One fine-tuned encoder per single-valued dimension; see the module docstring."""

    name: ClassVar[str] = "setfit"
    OPTIONS: ClassVar[tuple[str, ...]] = ("batch_size", "epochs", "pairs", "time_budget", "max_length", "progress",
                                          "backend")
    TRUSTED_TYPES: ClassVar[tuple[str, ...]] = ("stance.models.heads.setfit.SetFitHead", *LINEAR_TYPES)

    def __init__(self, classifier: dict, random_state: int = 0, batch_size: int = 16, epochs: int = 1,
                 pairs: int = DEFAULT_PAIRS, time_budget: float | None = None, max_length: int = 128,
                 progress: bool = True, backend: str = DEFAULT_BACKEND):
        super().__init__(embedding_classifier(classifier), random_state)
        self.batch_size = batch_size
        self.epochs = epochs
        self.pairs = pairs
        self.time_budget = time_budget
        self.max_length = max_length
        self.progress = progress
        self.backend = check_backend(backend)

    def fit(self, texts, Y, groups, targets=None, classes=None, encoder=None) -> SetFitHead:
        self.targeted_ = targets is not None
        self.encoder_version_ = encoder_version()
        seen = encoder_texts(texts, targets, self.targeted_)
        self.weights_: dict[str, bytes] = {}  # safetensors of the fine-tuned encoders (torch backend)
        self.weights_sha256_: dict[str, str] = {}
        self.onnx_: dict[str, bytes] = {}  # their ONNX exports (ONNX backends; BASE: the frozen encoder's)
        self.onnx_sha256_: dict[str, str] = {}
        self.notes_: list[str] = []
        self.fine_tuning_: dict[str, dict] = {}
        self._encoders: dict[str, Encoder] = {}
        single = [d for d in Y.columns if not _multi(Y[d])]
        budget = None if self.time_budget is None else self.time_budget / max(1, len(single))
        for dim in Y.columns:
            if dim not in single:
                self.notes_.append(f"dimension {dim!r} has several values per passage: the setfit head uses the "
                                   "frozen encoder for it (contrastive pairs need one value per passage)")
                continue
            mask = np.asarray([has_label(v) for v in Y[dim]])
            labels = [str(v) for v in Y[dim][mask]]
            body, info = fine_tune([seen[i] for i in np.flatnonzero(mask)], labels, self, budget)
            self.fine_tuning_[dim] = info
            if info["stopped_by_time_budget"]:
                self.notes_.append(f"dimension {dim!r}: fine-tuning stopped by the time budget after "
                                   f"{info['steps']} of {info['planned_steps']} steps")
            if self.backend == "torch":
                self._encoders[dim] = Encoder(BATCH_SIZE, model=body, max_length=self.max_length)
                self.weights_[dim] = _safetensors(body)
                self.weights_sha256_[dim] = hashlib.sha256(self.weights_[dim]).hexdigest()
                continue
            cpu = time.process_time()
            self.onnx_[dim] = export_transformer(body[0].auto_model, self.backend)
            self.onnx_sha256_[dim] = sha256(self.onnx_[dim])
            info["onnx_agreement"] = _agreement(body, self.encoder_for(dim), seen, mask, self.random_state)
            info["onnx_export_cpu_seconds"] = round(time.process_time() - cpu, 1)  # with the agreement check
            self.notes_.append(f"dimension {dim!r}: the fine-tuned encoder scores as {self.backend}; its embeddings' "
                               f"cosine to its own PyTorch ones on {info['onnx_agreement']['passages']} passages: "
                               f"median {info['onnx_agreement']['median']:.4f}, lowest "
                               f"{info['onnx_agreement']['lowest']:.4f}")
        if self.backend != "torch" and len(single) < len(Y.columns):  # the frozen encoder, also without torch
            self.onnx_[BASE] = Encoder(BATCH_SIZE, backend=self.backend).onnx_bytes
            self.onnx_sha256_[BASE] = sha256(self.onnx_[BASE])
        self.fit_classifiers(lambda dim: self.encoder_for(dim).encode(seen), Y, groups, classes)
        self.n_features_ = self.encoder_for(self.dimensions_[0]).dimension
        return self

    def encoder_for(self, dimension: str) -> Encoder:
        """The dimension's fine-tuned encoder (the frozen one where it has none), loaded once."""
        encoders = self.__dict__.setdefault("_encoders", {})
        onnx = getattr(self, "onnx_", {})  # files saved before the ONNX export have none
        key = dimension if dimension in self.weights_ or dimension in onnx else BASE
        if key not in encoders:
            if key in onnx:
                encoder = Encoder(BATCH_SIZE, max_length=self.max_length if key != BASE else None,
                                  backend=self.backend, onnx=self._onnx(key))
            elif key != BASE:
                encoder = Encoder(BATCH_SIZE, weights=self._weights(key), max_length=self.max_length,
                                  weights_sha256=self.weights_sha256_[key])
            else:
                encoder = Encoder(BATCH_SIZE)
            encoders[key] = encoder.use_store(getattr(self, "_cache_folder", None))
            encoder.threads = getattr(self, "_threads", None)
        return encoders[key]

    def use_encoder(self, cache_folder=None, threads: int | None = None) -> None:
        """Keep embeddings in `cache_folder` (an `EmbeddingStore` folder) and use at most `threads` threads."""
        self._cache_folder, self._threads = cache_folder, threads
        for encoder in self.__dict__.get("_encoders", {}).values():
            encoder.threads = threads
            encoder.use_store(cache_folder)

    def _onnx(self, key: str) -> bytes:
        blob = self.onnx_[key]
        if sha256(blob) != self.onnx_sha256_.get(key):
            raise ModelError(f"the ONNX encoder of {key!r} in this model file does not match its recorded SHA-256; "
                             "refusing to use it")
        return blob

    def _weights(self, dimension: str) -> dict:
        blob = self.weights_[dimension]
        if hashlib.sha256(blob).hexdigest() != self.weights_sha256_.get(dimension):
            raise ModelError(f"the fine-tuned encoder of {dimension!r} in this model file does not match its "
                             "recorded SHA-256; refusing to use it")
        from safetensors.torch import load

        return load(blob)

    def after_load(self) -> None:
        for dim in self.weights_:  # refuse a modified encoder when the file is loaded, not at first use
            if hashlib.sha256(self.weights_[dim]).hexdigest() != self.weights_sha256_.get(dim):
                raise ModelError(f"the fine-tuned encoder of {dim!r} in this model file does not match its "
                                 "recorded SHA-256; refusing to load it")
        for key in getattr(self, "onnx_", {}):
            self._onnx(key)

    def features(self, texts, targets=None) -> EncodedTexts:
        return EncodedTexts(encoder_texts(texts, targets, self.targeted_),
                            lambda key, t: self.encoder_for(key).encode(t))

    def matrix(self, features, dimension: str):
        return features.matrix(dimension) if isinstance(features, EncodedTexts) else features

    def explain(self, features, dimension: str, values: list[list[str]], n: int) -> list[list[dict]]:
        """Per row, the words whose removal lowers each value's probability most (occlusion)."""
        classes = self.classes_[dimension]

        def proba(texts: list[str]) -> np.ndarray:
            return self.classifier(dimension).predict_proba(self.encoder_for(dimension).encode(texts))

        return [occlusion_terms(text, vals, n, classes, proba)
                for text, vals in zip(features.texts, values, strict=True)]

    def describe(self) -> dict:
        onnx = getattr(self, "onnx_sha256_", {})
        tuned = ", ".join([*self.weights_, *(k for k in onnx if k != BASE)]) or "none"
        backend = getattr(self, "backend", "torch")
        return {"head": self.name,
                "encoder": f"{ENCODER_NAME} ({EMBEDDINGS_PACKAGE} {self.encoder_version_}), fine-tuned per "
                           f"dimension ({tuned}); backend {backend}",
                "encoder_backend": backend,
                "features": "sentence embeddings", "n_features": int(self.n_features_),
                "feature_fingerprint": hashlib.sha256("".join(sorted([*self.weights_sha256_.values(),
                                                                      *onnx.values()])).encode()).hexdigest()[:16],
                "fine_tuning": self.fine_tuning_,
                "model": f"{ENCODER_NAME} fine-tuned contrastively on each dimension's labels (SetFit: "
                         f"{self.pairs} pairs, {self.epochs} epoch(s), seed {self.random_state}); per dimension a "
                         "LinearSVC (balanced class weights, C by grouped inner CV) with probabilities "
                         "calibrated on out-of-fold scores"}

    def __getstate__(self):
        state = dict(self.__dict__)
        for name in ("_encoders", "_cache_folder", "_threads"):  # rebuilt from the stored bytes; this run's settings
            state.pop(name, None)
        return state


def _agreement(body, exported: Encoder, texts: list[str], mask: np.ndarray, seed: int) -> dict:
    """Cosines between the fine-tuned encoder's PyTorch embeddings and its export's, on up to
    `AGREEMENT_PASSAGES` of the passages it was tuned on (drawn with `seed`)."""
    rows = np.flatnonzero(mask)
    rows = np.sort(np.random.default_rng(seed).permutation(rows)[:AGREEMENT_PASSAGES])
    sample = [texts[i] for i in rows]
    cosine = (Encoder(BATCH_SIZE, model=body, max_length=exported.max_length).encode(sample)
              * exported.encode(sample)).sum(axis=1)
    return {"passages": len(sample), "median": round(float(np.median(cosine)), 4),
            "lowest": round(float(cosine.min()), 4)}


def _multi(col) -> bool:
    return any(isinstance(v, (list, tuple, np.ndarray)) for v in col if has_label(v))


def _safetensors(body) -> bytes:
    from safetensors.torch import save

    return save({k: v.detach().contiguous().cpu() for k, v in body.state_dict().items()})


@contextlib.contextmanager
def quiet_training(progress: bool):
    """Without progress, setfit's own "***** Running training *****" lines are not printed; torch's warning
    that a CPU has no pinned memory (meaningless here) never is. Both settings are restored afterwards."""
    from setfit import logging as setfit_logging

    level = setfit_logging.get_verbosity()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*'pin_memory' argument is set as true", category=UserWarning)
        if not progress:
            setfit_logging.set_verbosity_warning()
        try:
            yield
        finally:
            setfit_logging.set_verbosity(level)


def fine_tune(texts: list[str], labels: list[str], head: SetFitHead, budget: float | None):
    """A fresh copy of the encoder fine-tuned on (text, label) pairs; returns it and what the run did."""
    with offline():
        from setfit import SetFitModel, Trainer, TrainingArguments
        from sklearn.linear_model import LogisticRegression
        from transformers import TrainerCallback

        class Deadline(TrainerCallback):
            """Stops training at the first step past the time budget."""

            def __init__(self, seconds: float | None):
                self.end = None if seconds is None else time.monotonic() + seconds
                self.stopped = False

            def on_step_end(self, args, state, control, **kwargs):
                if self.end is not None and time.monotonic() > self.end:
                    control.should_training_stop = self.stopped = True

        values = sorted(set(labels))
        y = [values.index(v) for v in labels]
        body = load_sentence_model()
        body.max_seq_length = head.max_length
        model = SetFitModel(model_body=body, model_head=LogisticRegression())  # SetFit's head is unused
        steps = max(1, math.ceil(head.pairs * head.epochs / head.batch_size))
        deadline = Deadline(budget)
        started, cpu = time.monotonic(), time.process_time()
        with tempfile.TemporaryDirectory() as out:
            args = TrainingArguments(
                output_dir=out, batch_size=head.batch_size, num_epochs=head.epochs, max_steps=steps,
                num_iterations=max(1, math.ceil(head.pairs / (2 * len(texts)))), seed=head.random_state,
                show_progress_bar=head.progress, report_to="none", save_strategy="no", logging_strategy="no",
                max_length=head.max_length)
            trainer = Trainer(model=model, args=args, callbacks=[deadline])
            with quiet_training(head.progress):
                if not head.progress:  # the training loop's own bar
                    from transformers.trainer_callback import ProgressCallback

                    trainer.st_trainer.remove_callback(ProgressCallback)
                trainer.train_embeddings(texts, y, args=args)
            done = int(trainer.st_trainer.state.global_step)
        body.eval()
        return body, {"passages": len(texts), "planned_steps": steps, "steps": done,
                      "batch_size": head.batch_size, "stopped_by_time_budget": deadline.stopped,
                      "wall_seconds": round(time.monotonic() - started, 1),
                      "cpu_seconds": round(time.process_time() - cpu, 1)}
