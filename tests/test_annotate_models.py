"""With a real trained and scored model: the uncertain order and the suggestions come from it."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient
from test_annotate_helpers import full_labels, tokens

from stance.annotate import QueueOptions, create_app
from stance.annotate.queue import build_queue, confidences, prediction_models
from stance.store import Project

models_project = pytest.importorskip("stance.models.project", reason="the models package is not there")
score_project = pytest.importorskip("stance.score.project", reason="project scoring is not there")
pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning")]


def test_uncertain_order_and_suggestions_from_a_real_model(tmp_path):
    from stance.corpus import load_into

    proj = Project.init(tmp_path / "demo")
    load_into(proj)
    models_project.train_project(proj, dimensions=["posture"], cross_validate=False)
    score_project.score_project(proj)
    models = prediction_models(proj)
    assert list(models) == ["posture"]
    # a newer model without predictions does not hide the scored one
    proj.add_model("posture", proj.path / "models" / "unscored.skops", proj.codebook.version)
    assert prediction_models(proj) == models
    conf = confidences(proj, proj.codebook)
    queue = build_queue(proj, "alice", QueueOptions(order="uncertain")).passage_ids
    assert queue[0] == min(queue, key=lambda pid: conf[pid]) and not build_queue(
        proj, "alice", QueueOptions(order="uncertain")).note
    assert [conf[p] for p in queue] == sorted(conf[p] for p in queue)
    tok = tokens(proj, ["alice"])["alice"]
    c = TestClient(create_app(proj.path, ["alice"], opts=QueueOptions(order="uncertain")),
                   headers={"Authorization": f"Bearer {tok}"})
    task = c.get("/api/task").json()
    sugg = task["suggestion"]["posture"]
    assert task["passage"]["id"] == queue[0] and sugg["model_id"] == models["posture"]
    assert sugg["value"] in proj.codebook.dimension("posture").value_names and 0 < sugg["score"] <= 1
    labels = dict(full_labels(proj), posture=sugg["value"])
    assert c.post("/api/annotations", json={"passage_id": queue[0], "labels": labels}).status_code == 200
    row = proj.conn.execute("SELECT changed_suggestion FROM annotations WHERE annotator = 'alice'").fetchone()
    assert row[0] == 0
