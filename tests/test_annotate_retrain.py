"""The uncertain queue learns from the annotator's work: the real app over HTTP on a real SQLite project of
US presidential speeches, labelled with the labels their readers gave them. Every N labels (or on request)
a model is retrained in a background thread; requests are served in the old order meanwhile, one
retraining runs at a time, and the new order arrives without restarting the app."""

from __future__ import annotations

import importlib
import threading

import pytest
from starlette.testclient import TestClient
from test_heads import _encoder_installed

from stance.annotate import QueueOptions, create_app
from stance.real_corpus import load_real
from stance.store import Project

training = importlib.import_module("stance.models.train")  # the module (stance.models.train is also a function)
LOOPBACK = "http://127.0.0.1:8765"


@pytest.fixture(scope="module")
def speeches():
    """Twelve real speeches and the passages of theirs that two readers labelled (with those labels)."""
    real = load_real(shared=None)
    docs = [d for d in real.documents if d.meta.get("corpus") == "us"][:12]
    ids = {d.id for d in docs}
    labelled = [p for p in real.passages if p.doc_id in ids and p.labels]
    assert len(labelled) >= 40
    return docs, labelled


def serve(tmp_path, speeches, every: int, order: str = "uncertain"):
    docs, _ = speeches
    project = Project.init(tmp_path / "p")
    project.add_documents(docs)
    app = create_app(project.path, ["reader"], QueueOptions(order=order), auth=False, retrain_every=every)
    return TestClient(app, base_url=LOOPBACK), app.state.annotation


def label(client, passage) -> None:
    r = client.post("/api/annotations", json={"passage_id": passage.passage_id, "labels": passage.labels})
    assert r.status_code == 200, r.text


def test_the_queue_is_reordered_by_a_model_retrained_every_n_labels(tmp_path, speeches):
    client, state = serve(tmp_path, speeches, every=30)
    first = client.get("/api/task").json()
    assert "no model predictions" in first["order_note"]  # document order until a model exists
    assert first["refresh"]["refreshed_at"] is None and first["refresh"]["every"] == 30
    before = list(state.queue("reader").passage_ids)
    for passage in speeches[1][:30]:  # the 30th label starts a retraining
        label(client, passage)
    assert state.retrainer.wait(timeout=600)
    task = client.get("/api/task").json()
    assert task["refresh"]["refreshed_at"] and task["refresh"]["labels"] == 30
    assert "retrained on 30 labelled passages" in task["order_note"]
    after = state.queue("reader").passage_ids
    assert sorted(after) == sorted(before) and after != before
    conf = state._conf
    assert [conf[p] for p in after] == sorted(conf[p] for p in after)  # least confident first
    done = {p.passage_id for p in speeches[1][:30]}
    assert task["passage"]["id"] == next(p for p in after if p not in done)
    assert task["progress"]["done"] == 30  # nothing lost in the swap


def test_retraining_never_blocks_requests_and_runs_one_at_a_time(tmp_path, speeches, monkeypatch):
    release = threading.Event()
    real_train = training.train

    def held(*args, **kwargs):
        assert release.wait(timeout=600)
        return real_train(*args, **kwargs)

    monkeypatch.setattr(training, "train", held)
    client, state = serve(tmp_path, speeches, every=0)  # only on request
    for passage in speeches[1][:25]:
        label(client, passage)
    assert client.get("/api/task").json()["refresh"]["runs"] == 0  # every=0: no retraining by count
    before = list(state.queue("reader").passage_ids)

    r = client.post("/api/retrain", json={})
    assert r.status_code == 202 and r.json()["started"]
    while_training = client.get("/api/task").json()  # served while the model trains
    assert while_training["refresh"]["running"] and state.queue("reader").passage_ids == before
    again = client.post("/api/retrain", json={})
    assert again.status_code == 200 and not again.json()["started"]  # one retraining at a time
    label(client, speeches[1][25])  # labels are still saved
    release.set()
    assert state.retrainer.wait(timeout=600)
    task = client.get("/api/task").json()
    assert not task["refresh"]["running"] and task["refresh"]["runs"] == 1
    assert task["refresh"]["labels"] >= 25 and state.queue("reader").passage_ids != before


def test_too_few_labels_keep_the_order_and_say_why(tmp_path, speeches):
    client, state = serve(tmp_path, speeches, every=0)
    for passage in speeches[1][:3]:
        label(client, passage)
    before = list(state.queue("reader").passage_ids)
    assert client.post("/api/retrain", json={}).status_code == 202
    assert state.retrainer.wait(timeout=600)
    refresh = client.get("/api/task").json()["refresh"]
    assert refresh["refreshed_at"] is None and "not refreshed: 3 passages labelled" in refresh["message"]
    assert state.queue("reader").passage_ids == before


def test_only_an_uncertain_queue_follows_a_model(tmp_path, speeches):
    client, state = serve(tmp_path, speeches, every=30, order="sequential")
    assert state.retrainer is None and client.get("/api/task").json()["refresh"] is None
    r = client.post("/api/retrain", json={})
    assert r.status_code == 409 and "--order uncertain" in r.json()["error"]


def test_the_queue_model_has_the_head_of_the_projects_newest_model(tmp_path, speeches):
    if not _encoder_installed():
        pytest.skip("the embeddings extra is not installed")
    from stance.annotate.retrain import working_labels
    from stance.models import save_model

    client, state = serve(tmp_path, speeches, every=0)
    for passage in speeches[1][:30]:
        label(client, passage)
    project = Project.open(tmp_path / "p")
    assert client.post("/api/retrain", json={}).status_code == 202  # no model in the project yet: tfidf
    assert state.retrainer.wait(timeout=600)
    assert client.get("/api/task").json()["refresh"]["head"] == "tfidf"

    model = training.train(working_labels(project), dimensions=["posture"], codebook=project.codebook,
                           drop_rare=True, min_per_class=3, head_type="embed")  # as `stance train --head embed`
    card = save_model(model, tmp_path / "p" / "models" / "posture-embed.skops")
    project.add_model("posture", tmp_path / "p" / "models" / "posture-embed.skops", project.codebook.version,
                      card=card)
    project.close()
    assert client.post("/api/retrain", json={}).status_code == 202
    assert state.retrainer.wait(timeout=900)
    task = client.get("/api/task").json()
    assert task["refresh"]["head"] == "embed" and "embed head" in task["order_note"]
    pool = state.pool()
    assert set(state._conf) == set(pool)
    # the encoder is kept for the next retraining, with every candidate passage's text already embedded
    project = Project.open(tmp_path / "p")
    texts = project.passages_frame(include_examples=True).set_index("passage_id")["text"]
    project.close()
    assert len(state.retrainer._encoder._cache) >= len({texts[p] for p in pool}) > 100


def test_annotate_head_option_chooses_the_queue_models_head(tmp_path, speeches, monkeypatch):
    from click.testing import CliRunner

    import stance.cli.annotate as cli_annotate
    from stance.cli import main

    serve(tmp_path, speeches, every=0)
    served = []
    monkeypatch.setattr(cli_annotate, "serve", lambda app, **kw: served.append(app))
    monkeypatch.setattr(cli_annotate, "bind_socket", lambda host, port: None)
    run = lambda *args: CliRunner().invoke(main, ["annotate", "-p", str(tmp_path / "p"), "-a", "reader",  # noqa: E731
                                                  "--order", "uncertain", *args])
    r = run("--head", "setfit")
    assert r.exit_code == 0, r.output
    assert served[-1].state.annotation.retrainer.head == "setfit"
    assert run().exit_code == 0 and served[-1].state.annotation.retrainer.head is None  # the project's head
    r = run("--head", "bert")
    assert r.exit_code == 2 and "'bert' is not one of 'tfidf', 'embed', 'setfit'" in r.output


def test_a_retraining_reads_embeddings_from_the_projects_cache(tmp_path, speeches):
    """The embed head's retrainings keep their embeddings in the project's cache on disk: a second app on
    the same project (the annotator came back the next day) encodes no passage the first one encoded."""
    if not _encoder_installed():
        pytest.skip("the embeddings extra is not installed")
    docs, labelled = speeches
    project = Project.init(tmp_path / "p")
    project.add_documents(docs)
    project.close()
    refreshes = []
    for _ in range(2):
        app = create_app(tmp_path / "p", ["reader"], QueueOptions(order="uncertain"), auth=False, retrain_every=0,
                         retrain_head="embed")
        client, state = TestClient(app, base_url=LOOPBACK), app.state.annotation
        for passage in labelled[:30]:
            label(client, passage)
        assert client.post("/api/retrain", json={}).status_code == 202
        assert state.retrainer.wait(timeout=900)
        refreshes.append(client.get("/api/task").json()["refresh"])
    first, second = refreshes
    assert first["head"] == second["head"] == "embed" and first["refreshed_at"] and second["refreshed_at"]
    assert first["encoded"] > 100 and first["from_cache"] == 0  # every candidate passage, once
    assert second["encoded"] == 0 and second["from_cache"] == first["encoded"]
