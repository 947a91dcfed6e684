"""`stance demo` is safe to run anywhere: it never replaces a folder it did not make, and a re-run keeps
the model files of earlier runs, which another project may have been scored with."""

from __future__ import annotations

from click.testing import CliRunner

from stance.cli import main
from stance.demo import DEMO_MARKER, run_demo
from stance.store import DB_NAME, Project


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


def test_demo_refuses_a_folder_it_did_not_make(tmp_path):
    mine = tmp_path / "myproject"
    Project.init(mine).close()  # closed now, not when the garbage collector gets to it (its -wal, -shm files)
    notes = mine / "notes.txt"
    notes.write_text("a week of reading", encoding="utf-8")
    before = sorted(p.name for p in mine.rglob("*"))
    result = invoke("demo", "-p", str(mine), "--reports", str(tmp_path / "r"))
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"Error: {mine}/ is not empty and was not made by `stance demo` (it has no {DEMO_MARKER} file), so the demo "
        f"will not replace it: choose a new folder (stance demo --project NEW) or move {mine}/ away")
    assert sorted(p.name for p in mine.rglob("*")) == before
    assert notes.read_text(encoding="utf-8") == "a week of reading"
    file_in_the_way = tmp_path / "file"
    file_in_the_way.write_text("x", encoding="utf-8")
    result = invoke("demo", "-p", str(file_in_the_way))
    assert result.exit_code == 2 and "is a file" in result.output  # click's own check of --project
    assert file_in_the_way.read_text(encoding="utf-8") == "x"


def test_demo_rerun_replaces_its_own_folder_and_keeps_earlier_model_files(tmp_path):
    folder = tmp_path / "demo-project"
    run_demo(folder, stages=("load",))
    assert (folder / DEMO_MARKER).is_file() and (folder / DB_NAME).is_file()
    # a model file of an earlier run that another project was scored with (`stance score --model`)
    model = folder / "models" / "stance-20260101T000000.skops"
    model.write_bytes(b"model bytes")
    card = model.with_suffix(".card.md")
    card.write_text("card", encoding="utf-8")
    (folder / "scratch.txt").write_text("made by the demo's user", encoding="utf-8")
    said: list[str] = []
    project = run_demo(folder, stages=("load",), echo=said.append)
    assert model.read_bytes() == b"model bytes" and card.read_text(encoding="utf-8") == "card"
    assert not (folder / "scratch.txt").exists()  # the rest of a demo folder is replaced
    assert (folder / DEMO_MARKER).is_file()
    assert said[0] == (f"Kept 1 model file of earlier demo runs in {folder / 'models'}/ (a project scored with one "
                       "still finds it); this run's model is written beside them.")
    assert project.status().documents > 0


def test_demo_runs_in_an_empty_folder(tmp_path):
    folder = tmp_path / "empty"
    folder.mkdir()
    run_demo(folder, stages=("load",))
    assert (folder / DEMO_MARKER).is_file()
