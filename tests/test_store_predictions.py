"""Stored predictions: a label and an array of probabilities per passage, model and dimension, read back
as columns; a project whose predictions an earlier version stored as JSON is converted when opened, and
the report, the annotation queue, its suggestions and the search give the same figures after as before."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_score import scoring_env

from stance import store
from stance.annotate.queue import confidences, suggestions
from stance.corpus import load_into
from stance.errors import StoreError
from stance.report import build_report
from stance.score import project_predictions, score_project
from stance.store import Project
from stance.store.search import Condition, matching_passages

# The predictions table as schema versions 1-3 made it (MIGRATIONS[0]).
JSON_TABLE = """CREATE TABLE predictions (
    passage_id TEXT NOT NULL REFERENCES passages(id) ON DELETE CASCADE,
    model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
    dimension TEXT NOT NULL,
    label_json TEXT NOT NULL,
    probs_json TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (passage_id, model_id, dimension)
)"""


@pytest.fixture(scope="module")
def scored(tmp_path_factory) -> Project:
    """The embedded corpus scored by the session's model (every dimension), in the current format."""
    env = scoring_env(tmp_path_factory.mktemp("scoring"))
    project = Project.init(tmp_path_factory.mktemp("stored") / "p")
    load_into(project)
    score_project(project, model=env.path)
    return project


def as_version_3(project: Project, to: Path) -> Path:
    """A copy of `project` whose database is at schema version 3, its predictions written as the
    versions before the typed table wrote them: json.dumps of the label (a list for a multi-valued
    dimension) and of {class: probability}."""
    project.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copytree(project.path, to)
    multi = {d.name: d.multi for d in project.codebook.dimensions}
    conn = sqlite3.connect(to / store.DB_NAME, isolation_level=None)
    classes: dict[tuple[int, str], list[str]] = {}
    for model_id, dim, value in conn.execute("SELECT model_id, dimension, value FROM prediction_classes"
                                             " ORDER BY position"):
        classes.setdefault((model_id, dim), []).append(value)
    rows = conn.execute("SELECT passage_id, model_id, dimension, label, probs, created_at FROM predictions").fetchall()
    conn.execute("BEGIN")
    conn.execute("DROP TABLE predictions")
    conn.execute("DROP TABLE prediction_classes")
    conn.execute(JSON_TABLE)
    for pid, model_id, dim, label, blob, stamp in rows:
        value = [x for x in label.split(";") if x] if multi[dim] else label
        probs = dict(zip(classes[model_id, dim], map(float, np.frombuffer(blob, "<f8")), strict=True))
        conn.execute("INSERT INTO predictions VALUES (?,?,?,?,?,?)",
                     (pid, model_id, dim, json.dumps(value, ensure_ascii=False), json.dumps(probs), stamp))
    conn.execute("PRAGMA user_version = 3")
    conn.execute("COMMIT")
    conn.close()
    return to


def test_a_project_stored_as_json_gives_the_same_figures_after_conversion(scored, tmp_path):
    old = as_version_3(scored, tmp_path / "old")
    assert sqlite3.connect(old / store.DB_NAME).execute("PRAGMA user_version").fetchone()[0] == 3
    converted = Project.open(old)  # opening migrates it
    assert converted.conn.execute("PRAGMA user_version").fetchone()[0] == store.SCHEMA_VERSION

    before = project_predictions(scored, include_examples=True, with_text=True)
    after = project_predictions(converted, include_examples=True, with_text=True)
    assert len(before) == len(scored.passages_frame(include_examples=True))
    pd.testing.assert_frame_equal(after, before, check_exact=True)
    assert confidences(converted, converted.codebook) == confidences(scored, scored.codebook)
    pid = before.loc[before["topic"].str.contains(";", na=False), "passage_id"].iloc[0]  # a multi-valued label
    assert suggestions(converted, pid) == suggestions(scored, pid)
    topic = before.loc[before["passage_id"] == pid, "topic"].iloc[0].split(";")[1]
    for op in ("=", "!="):
        condition = Condition("prediction", "topic", op, topic, store.prediction_models(scored.conn)["topic"])
        found = matching_passages(converted.conn, [condition])
        assert found == matching_passages(scored.conn, [condition]) and (pid in found) == (op == "=")

    for project, out in ((scored, tmp_path / "rep-before"), (converted, tmp_path / "rep-after")):
        build_report(project, out, by="outlet", n_boot=40)
    tables = sorted(p.name for p in (tmp_path / "rep-before" / "tables").glob("*.csv"))
    assert "shares_posture.csv" in tables
    for name in tables:
        assert (tmp_path / "rep-after" / "tables" / name).read_bytes() == \
            (tmp_path / "rep-before" / "tables" / name).read_bytes(), name


def test_the_latest_prediction_wins_and_a_class_one_model_lacks_is_missing(scored, tmp_path):
    shutil.copytree(scored.path, tmp_path / "p")
    project = Project.open(tmp_path / "p")
    ids = project.passages_frame()["passage_id"].tolist()[:3]
    old = project.add_model("posture", tmp_path / "old.skops", project.codebook.version)
    new = project.add_model("posture", tmp_path / "new.skops", project.codebook.version)
    with project.transaction() as conn:
        store.replace_predictions(conn, old, "posture", ["restraint", "escalation"], ids, ["restraint"] * 3,
                                  [[0.9, 0.1]] * 3, "2030-01-01T00:00:00")
        store.replace_predictions(conn, new, "posture", ["escalation", "neutral", "restraint"], ids[:1],
                                  ["neutral"], [[0.2, 0.7, 0.1]], "2030-01-02T00:00:00")
    got = project_predictions(project).set_index("passage_id")
    assert got.loc[ids[0], "posture"] == "neutral" and got.loc[ids[0], "posture:neutral"] == 0.7
    assert got.loc[ids[1], "posture"] == "restraint" and got.loc[ids[1], "posture:restraint"] == 0.9
    assert np.isnan(got.loc[ids[1], "posture:neutral"])  # the old model has no 'neutral'
    assert got.loc[ids[2:], "intervention"].tolist() == project_predictions(scored).set_index(
        "passage_id").loc[ids[2:], "intervention"].tolist()  # other dimensions keep their predictions
    with project.transaction() as conn, pytest.raises(StoreError, match="over the classes restraint, escalation"):
        store.replace_predictions(conn, old, "posture", ["escalation", "restraint"], ids[:1], ["restraint"],
                                  [[0.5, 0.5]], "2030-01-03T00:00:00")
