"""The head seam: the default tfidf head predicts exactly as before, and heads are chosen by name.

`fixtures/tfidf_predictions_main.json` holds what the code before the head seam predicted (labels,
probabilities and `--terms`) for every passage of the embedded corpus, from a model trained on that
corpus with its written examples; the seam must reproduce it to the last bit.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest

from stance.corpus import load_into
from stance.errors import ModelError
from stance.models import StanceModel, explain, load_model, save_model, top_terms, train
from stance.models.heads import HEADS, head_class
from stance.score.plan import score_frame
from stance.store import Project

FIXTURE = Path(__file__).parent / "fixtures" / "tfidf_predictions_main.json"


@pytest.fixture(scope="module")
def seed_project(tmp_path_factory) -> Project:
    project = Project.init(tmp_path_factory.mktemp("heads") / "p")
    load_into(project)
    return project


@pytest.fixture(scope="module")
def tfidf_model(seed_project):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return train(seed_project, include_examples=True, drop_rare=True, min_per_class=3)


def test_tfidf_head_predicts_exactly_as_before_the_seam(seed_project, tfidf_model):
    expected = json.loads(FIXTURE.read_text(encoding="utf-8"))
    assert type(tfidf_model.head_).__name__ == "TfidfHead"
    assert tfidf_model.dimensions_ == expected["dimensions"]
    frame = seed_project.gold_frame(include_examples=True)[["passage_id", "doc_id", "text"]]
    scored = score_frame(tfidf_model, frame, terms=3, codebook=seed_project.codebook)
    assert len(scored) == expected["passages"]
    # Only role is compared: after the fixture was made, seed and example passages were re-read under
    # codebook 1.2 and their gold changed (corpus/relabels/): topic by T4 and T6, posture, intervention and
    # voice by P12, P13, I8, I10 and V6, so those classifiers now train on other labels. No relabel changed
    # a role, so the role classifier trains on the same labels and the same texts as then.
    compared = [c for c in expected["columns"] if c.split(":")[0] in ("passage_id", "role")]
    assert len(compared) == 10
    for column in compared:
        assert scored[column].tolist() == expected["columns"][column], column


def test_saved_tfidf_model_predicts_the_same_and_names_its_head(tfidf_model, seed_project, tmp_path):
    card = save_model(tfidf_model, tmp_path / "m.skops")
    assert card["head"] == "tfidf" and card["encoder"] is None
    assert "- Head: tfidf" in (tmp_path / "m.card.md").read_text(encoding="utf-8")
    loaded = load_model(tmp_path / "m.skops")
    texts = seed_project.gold_frame()["text"].tolist()[:50]
    for dim in tfidf_model.dimensions_:
        np.testing.assert_array_equal(loaded.predict_proba(texts, dim), tfidf_model.predict_proba(texts, dim))
    assert explain(loaded, texts[0])[0]["terms"].equals(explain(tfidf_model, texts[0])[0]["terms"])
    assert top_terms(loaded, "posture").equals(top_terms(tfidf_model, "posture"))


def test_every_registered_head_is_a_class_with_the_protocol():
    for name in HEADS:
        cls = head_class(name)
        assert cls.name == name
        for method in ("fit", "features", "predict_proba", "classes", "explain", "describe"):
            assert callable(getattr(cls, method)), (name, method)
        assert cls.TRUSTED_TYPES


def test_an_unknown_head_is_refused_in_one_line(seed_project):
    with pytest.raises(ModelError, match="unknown head 'bert'; valid: tfidf"):
        train(seed_project, include_examples=True, drop_rare=True, min_per_class=3, head_type="bert")


def test_an_unfitted_model_says_so():
    with pytest.raises(ModelError, match="not trained yet"):
        StanceModel().predict(["a passage"])


# -- the sentence-encoder heads (need the `embeddings` extra, which the `test` extra installs) ---------

def _encoder_installed() -> bool:
    try:
        from stance.models.encoder import embeddings_model_path

        embeddings_model_path()
        import sentence_transformers  # noqa: F401
    except (ModelError, ImportError):
        return False
    return True


needs_encoder = pytest.mark.skipif(not _encoder_installed(), reason="the embeddings extra is not installed")
# small settings: a test checks behaviour, not accuracy (1 epoch, 32 contrastive pairs)
SETFIT_TINY = {"pairs": 32, "epochs": 1, "batch_size": 16, "progress": False}


@pytest.fixture(scope="module")
def encoder_models(seed_project):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {
            "embed": train(seed_project, dimensions=["posture", "topic"], include_examples=True, drop_rare=True,
                           min_per_class=3, head_type="embed"),
            "setfit": train(seed_project, dimensions=["posture"], include_examples=True, drop_rare=True,
                            min_per_class=3, head_type="setfit", head_params=SETFIT_TINY),
        }


@needs_encoder
@pytest.mark.parametrize("head", ["embed", "setfit"])
def test_encoder_head_trains_predicts_saves_and_loads(head, encoder_models, seed_project, tmp_path):
    model = encoder_models[head]
    frame = seed_project.gold_frame(include_examples=True)
    texts = frame["text"].tolist()
    predicted = model.predict(texts)
    truth = frame["posture"]
    known = truth.notna().to_numpy()
    # trained on these passages: far better than always the most common value
    accuracy = (predicted["posture"][known] == truth[known]).mean()
    assert accuracy > truth[known].value_counts(normalize=True).iloc[0] + 0.1
    card = save_model(model, tmp_path / "m.skops")
    assert card["head"] == head and "all-MiniLM-L6-v2" in card["encoder"]
    assert f"- Head: {head} on the encoder all-MiniLM-L6-v2" in (tmp_path / "m.card.md").read_text(encoding="utf-8")
    loaded = load_model(tmp_path / "m.skops")
    for dim in model.dimensions_:
        np.testing.assert_allclose(loaded.predict_proba(texts, dim), model.predict_proba(texts, dim), atol=1e-4)
    why = explain(loaded, texts[0], "posture")[0]
    assert len(why["terms"]) and all(word in texts[0] for word in why["terms"]["feature"])  # words left out
    with pytest.raises(ModelError, match="no per-term weights"):
        top_terms(loaded, "posture")


@needs_encoder
@pytest.mark.parametrize("head", ["tfidf", "embed", "setfit"])
def test_a_tampered_model_file_is_refused(head, encoder_models, tfidf_model, tmp_path):
    model = tfidf_model if head == "tfidf" else encoder_models[head]
    path = tmp_path / "m.skops"
    save_model(model, path)
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(ModelError, match="modified after it was saved"):
        load_model(path)


@needs_encoder
def test_a_fine_tuned_encoder_that_does_not_match_its_checksum_is_refused(encoder_models, tmp_path):
    model = encoder_models["setfit"]
    path = tmp_path / "m.skops"
    save_model(model, path)
    (tmp_path / "m.card.json").unlink()  # no card to compare the file with: the encoder's own hash still bites
    loaded = load_model(path)
    blob = bytearray(loaded.head_.onnx_["posture"])  # the default: the fine-tuned encoder exported to ONNX int8
    blob[-1] ^= 0x01
    loaded.head_.onnx_["posture"] = bytes(blob)
    loaded.head_.__dict__.pop("_encoders", None)
    with pytest.raises(ModelError, match="does not match its recorded SHA-256"):
        loaded.predict(["The United States should withdraw its troops."])


@needs_encoder
def test_an_embed_head_scores_the_same_through_the_scoring_engine(encoder_models, seed_project):
    model = encoder_models["embed"]
    frame = seed_project.gold_frame()[["passage_id", "doc_id", "text"]]
    scored = score_frame(model, frame, terms=2, codebook=seed_project.codebook)
    direct = model.predict(frame["text"].tolist())
    assert scored["posture"].tolist() == direct["posture"].tolist()
    assert scored["posture:terms"].str.len().gt(0).mean() > 0.9
