import sqlite3

import pytest

from stance.errors import LabelError, StoreError
from stance.ingest import ingest
from stance.store import SCHEMA_VERSION, Project


def test_init_creates_database_and_codebook_copy(tmp_path):
    project = Project.init(tmp_path / "p")
    assert (tmp_path / "p" / "stance.db").exists() and (tmp_path / "p" / "codebook.yaml").exists()
    conn = sqlite3.connect(tmp_path / "p" / "stance.db")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert project.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    with pytest.raises(StoreError, match="already a project"):
        Project.init(tmp_path / "p")
    with pytest.raises(StoreError, match=r"not a project .* stance init"):
        Project.open(tmp_path / "nothing")


def test_newer_schema_is_refused(tmp_path):
    Project.init(tmp_path / "p")
    conn = sqlite3.connect(tmp_path / "p" / "stance.db")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    with pytest.raises(StoreError, match="newer than this toolkit"):
        Project.open(tmp_path / "p")


def test_project_codebook_edits_are_used(tmp_path):
    project = Project.init(tmp_path / "p")
    text = project.codebook_path.read_text(encoding="utf-8").replace(f'version: "{project.codebook.version}"', 'version: "2.0-local"')
    project.codebook_path.write_text(text, encoding="utf-8")
    assert Project.open(tmp_path / "p").codebook.version == "2.0-local"


def test_annotations_are_appended_never_overwritten(project, tmp_path):
    (tmp_path / "a.txt").write_text("Bring the troops home.\n\nStrike the depots.", encoding="utf-8")
    ingest(project, [tmp_path / "a.txt"])
    pid = project.passages_frame().passage_id.iloc[0]
    project.add_annotation(pid, "alice", {"posture": "escalation"})
    project.add_annotation(pid, "alice", {"posture": "restraint", "topic": "iraq-syria;other"})
    project.add_annotation(pid, "bob", {"posture": "restraint"})
    history = project.conn.execute("SELECT labels_json, codebook_version FROM annotations WHERE annotator='alice'"
                                   " ORDER BY id").fetchall()
    assert len(history) == 2 and history[0][1] == project.codebook.version == "1.2"
    current = project.current_annotations("alice")
    assert current.labels.tolist() == [{"posture": "restraint", "topic": ["iraq-syria", "other"]}]
    assert project.status().annotations_by_annotator == {"alice": 1, "bob": 1}
    with pytest.raises(LabelError, match="unknown value 'dove'"):
        project.add_annotation(pid, "alice", {"posture": "dove"})
    assert len(project.conn.execute("SELECT * FROM annotations").fetchall()) == 3


def test_gold_frame_and_label_counts(project, tmp_path):
    (tmp_path / "a.txt").write_text("One.\n\nTwo.", encoding="utf-8")
    ingest(project, [tmp_path / "a.txt"])
    p1, p2 = project.passages_frame().passage_id
    project.add_gold(p1, "posture", "escalation", method="adjudicated", decided_by="lead")
    project.add_gold(p1, "posture", "restraint", method="adjudicated", decided_by="lead")
    project.add_gold(p2, "topic", ["iran"], method="unanimous", decided_by="alice,bob")
    gold = project.gold_frame()
    assert gold.set_index("passage_id").loc[p1, "posture"] == "restraint"
    assert gold.set_index("passage_id").loc[p2, "topic"] == ["iran"]
    assert gold.set_index("passage_id").loc[p2, "posture"] is None
    table = project.label_counts().set_index(["dimension", "value"])
    assert table.loc[("posture", "restraint"), "real"] == 1 and table.loc[("posture", "escalation"), "total"] == 0


def test_every_reader_of_current_labels_agrees(project, tmp_path):
    # "an annotator's current label is their newest row" is written once (store.labels); the frame, the
    # one-passage lookup, the agreement table, the status counts and the app's incremental statuses
    # (applying rows in id order) must all give the same answer after labels, skips and retractions
    from stance import store
    from stance.agreement import label_table

    (tmp_path / "a.txt").write_text("One.\n\nTwo.\n\nThree.", encoding="utf-8")
    ingest(project, [tmp_path / "a.txt"])
    p1, p2, p3 = project.passages_frame().passage_id
    project.add_annotation(p1, "alice", {"posture": "escalation"})
    project.add_annotation(p1, "alice", {"posture": "restraint"})  # a change of mind
    project.add_annotation(p2, "alice", {"posture": "neutral"})
    project.add_annotation(p2, "alice", {}, status="retracted")
    project.add_annotation(p3, "alice", {}, status="skipped")
    project.add_annotation(p1, "bob", {"posture": "escalation"})
    current = project.current_annotations()
    assert sorted(zip(current.annotator, current.passage_id, strict=True)) == [("alice", p1), ("bob", p1)]
    assert current.set_index("annotator").loc["alice", "labels"] == {"posture": "restraint"}
    assert store.current_row(project.conn, "alice", p2)["status"] == "retracted"
    assert label_table(project, ["posture"])["posture"] == {p1: {"alice": "restraint", "bob": "escalation"}}
    assert project.status().annotations_by_annotator == {"alice": 1, "bob": 1}
    statuses = {}
    for _id, pid, status in store.annotator_rows_since(project.conn, "alice"):
        statuses[pid] = status
    assert statuses == {p1: "labelled", p2: "retracted", p3: "skipped"}
    last = store.annotator_rows_since(project.conn, "alice")[-1][0]
    assert store.annotator_rows_since(project.conn, "alice", last) == []
    project.add_annotation(p2, "alice", {"posture": "neutral"})
    assert [r[1:] for r in store.annotator_rows_since(project.conn, "alice", last)] == [(p2, "labelled")]


def test_a_failed_write_leaves_nothing(project, tmp_path):
    (tmp_path / "a.txt").write_text("One.", encoding="utf-8")
    ingest(project, [tmp_path / "a.txt"])
    pid = project.passages_frame().passage_id[0]
    with pytest.raises(StoreError), project.transaction() as conn:
        project.add_annotation(pid, "alice", {"posture": "restraint"}, conn=conn)
        project.add_gold(pid, "posture", "restraint", method="adjudicated", decided_by="lead", conn=conn)
        raise StoreError("disk gone")
    assert project.current_annotations().empty and project.gold_frame().empty
    assert not project.conn.in_transaction
