"""Encoder heads that scale: embeddings kept on disk per encoder and passage, and the ONNX backends.

The ONNX encoder must embed real passages as sentence-transformers does (fp32: the same vectors; int8:
close enough that the embed head keeps its predictions), a second training or scoring must not run the
encoder again, and a model file whose ONNX encoder was changed is refused.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import SHARED
from test_heads import SETFIT_TINY, needs_encoder

from stance.cli import main
from stance.corpus import load_into
from stance.errors import ModelError
from stance.models import load_model, save_model, train
from stance.models.encoder import Encoder
from stance.passages import split_passages
from stance.score.plan import make_plan, pooled
from stance.score.project import score_project
from stance.store import Project
from stance.store.embeddings import EmbeddingStore, project_cache_folder

pytestmark = needs_encoder
UN = SHARED / "corpora" / "un-general-debate" / "speeches.jsonl"


@pytest.fixture(scope="module")
def seed_project(tmp_path_factory) -> Project:
    project = Project.init(tmp_path_factory.mktemp("backends") / "p")
    load_into(project)
    return project


@pytest.fixture(scope="module")
def real_passages() -> list[str]:
    """120 real UN General Debate passages (long: most fill the 128 tokens read) and the seed's short ones."""
    if not UN.exists():
        pytest.skip(f"UN statements not found at {UN} (set STANCE_SHARED)")
    out: list[str] = []
    with UN.open(encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            out.extend(p.text for p in split_passages(row["id"], row["text"]) if not p.is_boilerplate)
            if len(out) >= 120:
                break
    return out[:120]


@pytest.fixture(scope="module")
def torch_embeddings(real_passages, seed_project) -> tuple[list[str], np.ndarray]:
    texts = real_passages + seed_project.gold_frame()["text"].tolist()[:80] + ["  Withdraw the troops.  ", "Yes."]
    return texts, Encoder(max_length=128).encode(texts)


def test_onnx_fp32_embeds_exactly_as_sentence_transformers(torch_embeddings):
    texts, reference = torch_embeddings
    onnx = Encoder(max_length=128, backend="onnx-fp32").encode(texts)
    cosine = (onnx * reference).sum(axis=1)
    assert cosine.min() > 0.9999  # same tokens, pooling and normalisation: only float rounding differs
    np.testing.assert_allclose(np.linalg.norm(onnx, axis=1), 1.0, atol=1e-5)


def test_onnx_int8_embeddings_stay_close_to_pytorch(torch_embeddings):
    texts, reference = torch_embeddings
    cosine = (Encoder(max_length=128, backend="onnx-int8").encode(texts) * reference).sum(axis=1)
    # measured: median 0.994, lowest 0.97; per-tensor int8 (the quantiser's default) gives a median of 0.95
    assert np.median(cosine) > 0.99 and cosine.min() > 0.95


def test_the_embed_head_keeps_its_predictions_on_int8(seed_project):
    """A classifier fitted on PyTorch embeddings predicts nearly the same labels from int8 ones."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = train(seed_project, dimensions=["posture"], drop_rare=True, min_per_class=3, head_type="embed",
                      head_params={"backend": "torch"})
    texts = seed_project.gold_frame()["text"].tolist()
    reference = model.predict(texts)["posture"]
    model.head_.encoder_ = Encoder(backend="onnx-int8")
    quantised = model.predict(texts)["posture"]
    assert (reference == quantised).mean() >= 0.95


def test_a_second_training_and_scoring_encode_no_passage(seed_project, tmp_path, monkeypatch):
    project = Project.init(tmp_path / "p")
    load_into(project)
    runs: list[int] = []
    original = Encoder._embed
    monkeypatch.setattr(Encoder, "_embed", lambda self, texts: runs.append(len(texts)) or original(self, texts))
    args = ["train", "-p", str(project.path), "--head", "embed", "--dimension", "posture", "--include-examples",
            "--drop-rare", "--no-evaluate"]
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 0, first.output
    assert sum(runs) > 300 and "read from the cache" in first.output
    runs.clear()
    second = CliRunner().invoke(main, args)
    assert second.exit_code == 0, second.output
    assert runs == [] and "sentence embeddings: 0 passages encoded" in second.output
    score_project(project)
    assert runs == []  # scoring reads the same cache
    stored = project_cache_folder(project.path)
    assert [p.suffix for p in stored.glob("*.sqlite")] == [".sqlite"]
    for p in stored.iterdir():  # safe to delete: the next run encodes again
        p.unlink()
    score_project(project)
    assert sum(runs) > 300


def test_the_store_is_bounded_and_survives_a_damaged_file(tmp_path):
    store = EmbeddingStore(tmp_path, "encoder-a", dimension=3, max_rows=4)
    store.put({bytes([i]): np.full(3, i, dtype=np.float32) for i in range(6)})
    assert len(store) == 4 and set(store.get([bytes([i]) for i in range(6)])) == {bytes([i]) for i in range(2, 6)}
    store.close()
    with sqlite3.connect(store.path) as conn:  # a row of the wrong size is not served
        conn.execute("UPDATE vectors SET vec = x'00' WHERE key = x'05'")
    assert set(EmbeddingStore(tmp_path, "encoder-a", 3).get([b"\x04", b"\x05"])) == {b"\x04"}
    other = EmbeddingStore(tmp_path, "encoder-a", 3)
    other.path.write_bytes(b"not a database at all" * 100)
    assert other.get([b"\x04"]) == {}  # started afresh
    other.put({b"\x07": np.ones(3, dtype=np.float32)})
    assert len(other) == 1


def test_a_torch_encoder_keeps_its_store_once_its_weights_are_loaded(tmp_path):
    """The torch backend's embeddings are kept too, also when the store is set after the first encoding
    (training encodes, then scoring sets the scoring cache): a re-score encodes nothing."""
    first = Encoder(backend="torch")
    first.encode(["Withdraw the troops."])  # loads the shipped weights
    first.use_store(tmp_path).encode(["Arm Ukraine now.", "Yes."])
    again = Encoder(backend="torch")
    again.encode(["Withdraw the troops."])
    again.use_store(tmp_path).encode(["Arm Ukraine now.", "Yes."])
    assert first.store is not None and again.encoded == 1 and again.from_store == 2


@pytest.fixture(scope="module")
def int8_model(seed_project):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return train(seed_project, dimensions=["posture"], drop_rare=True, min_per_class=3, head_type="embed")


def test_a_changed_onnx_encoder_is_refused(int8_model, tmp_path):
    assert int8_model.head_.backend == "onnx-int8"  # the default
    path = tmp_path / "m.skops"
    card = save_model(int8_model, path)
    assert "ONNX int8" in card["encoder"]
    (tmp_path / "m.card.json").unlink()  # no card to compare the file with: the encoder's own hash still bites
    loaded = load_model(path)
    blob = bytearray(loaded.head_.onnx_)
    blob[len(blob) // 2] ^= 0x01
    loaded.head_.onnx_ = bytes(blob)
    loaded.head_.encoder_ = None
    with pytest.raises(ModelError, match="ONNX encoder in this model file does not match its recorded SHA-256"):
        loaded.predict(["The United States should withdraw its troops."])


def test_scoring_in_two_processes_gives_the_same_labels(int8_model, seed_project):
    """--jobs 2 runs the encoder in two worker processes of one thread each."""
    texts = seed_project.gold_frame()["text"].tolist()
    frames = [pd.DataFrame({"text": texts[i:i + 20]}) for i in range(0, len(texts), 20)]
    one = [cols for _, cols in pooled(make_plan(int8_model), frames, 0, 1)]
    two = [cols for _, cols in pooled(make_plan(int8_model), frames, 0, 2)]
    for a, b in zip(one, two, strict=True):
        assert a["posture"].tolist() == b["posture"].tolist()
        np.testing.assert_allclose(a["posture:restraint"], b["posture:restraint"], atol=1e-5)


def test_an_unreachable_cache_folder_costs_only_the_cache(tmp_path, caplog):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder", encoding="utf-8")
    encoder = Encoder(backend="onnx-int8").use_store(blocked / "cache")
    assert encoder.encode(["Withdraw the troops.", "Yes."]).shape == (2, 384)
    assert encoder.store is None and "not kept on disk" in caplog.text


SCORE_WITHOUT_TORCH = """
import json, sys
from stance.models import load_model
labels = load_model(sys.argv[1]).predict(json.loads(sys.stdin.read()))["posture"].tolist()
print(json.dumps({"labels": labels, "torch": "torch" in sys.modules}))
"""


def test_a_setfit_model_scores_without_torch_and_keeps_its_labels(seed_project, tmp_path):
    """The setfit head's fine-tuned encoder is exported to ONNX int8: a saved model scores in a process that
    never imports torch, with the labels of the same fine-tuning scored by PyTorch."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        before = train(seed_project, dimensions=["posture"], include_examples=True, drop_rare=True, min_per_class=3,
                       head_type="setfit", head_params=SETFIT_TINY | {"backend": "torch"})
        exported = train(seed_project, dimensions=["posture"], include_examples=True, drop_rare=True,
                         min_per_class=3, head_type="setfit", head_params=SETFIT_TINY)
    head = exported.head_
    assert head.backend == "onnx-int8" and head.weights_ == {} and set(head.onnx_) == {"posture"}
    agreement = head.fine_tuning_["posture"]["onnx_agreement"]
    assert agreement["passages"] == 200 and agreement["median"] > 0.99 and agreement["lowest"] > 0.95
    card = save_model(exported, tmp_path / "m.skops")
    assert "backend onnx-int8" in card["encoder"]
    assert any("cosine to its own PyTorch ones on 200 passages" in w for w in card["warnings"])
    texts = seed_project.gold_frame(include_examples=True)["text"].tolist()  # the 384 passages it was tuned on
    run = subprocess.run([sys.executable, "-c", SCORE_WITHOUT_TORCH, str(tmp_path / "m.skops")],
                         input=json.dumps(texts), capture_output=True, text=True, check=True)
    scored = json.loads(run.stdout.splitlines()[-1])
    assert scored["torch"] is False
    same = (np.asarray(scored["labels"]) == before.predict(texts)["posture"].to_numpy()).mean()
    assert same >= 0.95, same  # measured: 0.969 (372 of 384); the embed head's int8 kept 0.95 out of fold
