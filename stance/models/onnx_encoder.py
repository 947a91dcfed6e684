"""The shipped encoder exported to ONNX and run by onnxruntime, optionally with int8 weights.

`export_onnx` traces the encoder's transformer once (torch.onnx) and, for `onnx-int8`, quantises its
matrix products' weights to int8 per output channel (onnxruntime's dynamic quantisation; per channel
keeps the embeddings at a cosine of about 0.99 to PyTorch's, per tensor only about 0.95). The result is
bytes that a head stores in its model file with their SHA-256, checked before they are read (an ONNX
file holds a graph and tensors, no code). `OnnxEncoder` then embeds exactly as sentence-transformers
does for all-MiniLM-L6-v2: the same tokenizer (the package's tokenizer.json, whitespace stripped,
truncated to the tokens read), mean pooling over the attention mask, L2 normalisation. Scoring with
it never imports torch.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
import warnings
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..errors import ModelError

BACKENDS = ("torch", "onnx-fp32", "onnx-int8")
OPSET = 17
ONNX_HINT = ("the ONNX encoder backend needs onnxruntime and onnx (the embeddings extra: pip install "
             "'policy-stance[embeddings]'); or train with the torch backend")
INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def check_backend(backend: str) -> str:
    if backend not in BACKENDS:
        raise ModelError(f"unknown encoder backend {backend!r}; valid: {', '.join(BACKENDS)}")
    return backend


@lru_cache(maxsize=4)
def export_onnx(backend: str, load_sentence_model: Callable) -> bytes:
    """The transformer of the SentenceTransformer that `load_sentence_model()` gives, as ONNX bytes
    (`onnx-fp32` or `onnx-int8`); made once per process."""
    return export_transformer(load_sentence_model()[0].auto_model, backend)


def export_transformer(transformer, backend: str) -> bytes:
    """A Hugging Face transformer (a SentenceTransformer's `[0].auto_model`, shipped or fine-tuned) as ONNX
    bytes for `backend` (`onnx-fp32`, or `onnx-int8`: MatMul weights int8 per channel)."""
    try:
        import onnx  # noqa: F401  (the exporter and the quantiser need it)
        from onnxruntime.quantization import QuantType, quant_pre_process, quantize_dynamic
    except ImportError:
        raise ModelError(ONNX_HINT) from None
    import torch

    transformer = transformer.eval()

    class LastHiddenState(torch.nn.Module):
        def __init__(self, model):
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.model(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

    ids = torch.tensor([[101, 7592, 102, 0], [101, 7592, 2088, 102]])
    example = (ids, (ids != 0).long(), torch.zeros_like(ids))  # one padded row: the mask is traced as data
    axes = {name: {0: "batch", 1: "tokens"} for name in (*INPUTS, "last_hidden_state")}
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tracer's notes on Python conditions it fixes for this graph
        fp32, ready = Path(tmp) / "fp32.onnx", Path(tmp) / "ready.onnx"
        buffer = io.BytesIO()
        with torch.inference_mode():
            torch.onnx.export(LastHiddenState(transformer), example, buffer, input_names=list(INPUTS),
                              output_names=["last_hidden_state"], dynamic_axes=axes, opset_version=OPSET,
                              dynamo=False)
        if backend == "onnx-fp32":
            return buffer.getvalue()
        fp32.write_bytes(buffer.getvalue())
        quant_pre_process(fp32, ready, skip_symbolic_shape=True)  # shape inference and clean-up, as advised
        int8 = Path(tmp) / "int8.onnx"
        quantize_dynamic(ready, int8, weight_type=QuantType.QInt8, per_channel=True, op_types_to_quantize=["MatMul"])
        return int8.read_bytes()


def sha256(blob: bytes) -> str:
    return hashlib.sha256(blob).hexdigest()


class OnnxEncoder:
    """Embeddings from ONNX bytes, as sentence-transformers makes them (see the module docstring), with
    the tokenizer and settings of the sentence-transformers model folder `folder`.

    `one_at_a_time` runs each passage alone: int8 dynamic quantisation scales each matrix product's
    input by its range over the whole batch, so in a batch a passage's embedding would depend on its
    batch-mates (measured: cosine down to 0.97 between the same passage alone and in a batch of 32), and
    a cached embedding or a prediction on the order of the input. Alone is also faster here (no padding).

    `threads` caps onnxruntime's threads (default: OMP_NUM_THREADS when set, as Dask workers set it,
    else onnxruntime's own choice, one per core)."""

    def __init__(self, blob: bytes, folder: Path, max_length: int | None = None, threads: int | None = None,
                 one_at_a_time: bool = False):
        self.one_at_a_time = one_at_a_time
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError:
            raise ModelError(ONNX_HINT) from None
        self.max_length = max_length or json.loads((folder / "sentence_bert_config.json").read_text())["max_seq_length"]
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(self.max_length)
        self.tokenizer.no_padding()
        options = ort.SessionOptions()
        threads = threads or int(os.environ.get("OMP_NUM_THREADS", "0") or 0)
        if threads:
            options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")  # no CPU burnt waiting
        self.session = ort.InferenceSession(blob, options, providers=["CPUExecutionProvider"])
        self.inputs = {i.name for i in self.session.get_inputs()}

    def encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        """L2-normalised float32 embeddings, one row per text; batches of similar length, padded per batch."""
        if self.one_at_a_time:
            batch_size = 1
        out: np.ndarray | None = None
        encoded = self.tokenizer.encode_batch([t.strip() for t in texts])
        order = np.argsort([-len(e.ids) for e in encoded], kind="stable")
        for start in range(0, len(texts), batch_size):
            rows = order[start:start + batch_size]
            width = max(len(encoded[i].ids) for i in rows)
            feed = {name: np.zeros((len(rows), width), dtype=np.int64) for name in INPUTS}
            for r, i in enumerate(rows):
                e = encoded[i]
                feed["input_ids"][r, :len(e.ids)] = e.ids
                feed["attention_mask"][r, :len(e.ids)] = e.attention_mask
                feed["token_type_ids"][r, :len(e.ids)] = e.type_ids
            hidden = self.session.run(None, {k: v for k, v in feed.items() if k in self.inputs})[0]
            mask = feed["attention_mask"][..., None].astype(np.float32)
            pooled = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
            if out is None:
                out = np.zeros((len(texts), pooled.shape[1]), dtype=np.float32)
            out[rows] = pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
        return out if out is not None else np.zeros((0, 0), dtype=np.float32)
