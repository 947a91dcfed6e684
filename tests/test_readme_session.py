"""The README's "What a session looks like", run top to bottom as written on a slice of the US presidential
speeches (eight speeches of ../shared/corpora/us-presidential-speeches-2017-2024, their README beside
them): every command exits 0, and the Python lines run.

Only the two web apps are not served: `stance annotate` and `stance adjudicate` run up to the point
where they would serve, and alice's session in the app is stood in for by the labels the corpus's own
readers gave these passages (corpus/real/us_passages.jsonl, read against the codebook; corpus/README.md),
saved as alice's labels the way the app saves them."""

from __future__ import annotations

import csv
import json
import re
import shlex
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REPO, SHARED

from stance.cli import main
from stance.store import Project

SPEECHES = SHARED / "corpora" / "us-presidential-speeches-2017-2024"
SLICE = {  # title: the speeches of the slice, chosen for their foreign-policy passages
    "January 26, 2018: Address at the World Economic Forum",
    "February 5, 2019: State of the Union Address",
    "September 19, 2017: Address to the United Nations General Assembly ",
    "September 24, 2019: Remarks at the United Nations General Assembly",
    "January 19, 2021: Farewell Address",
    "August 16, 2021: Remarks on Situation in Afghanistan",
    "August 26, 2021: Statement on Terror Attacks in Afghanistan",
    "April 28, 2021: Address to Joint Session of Congress",
}
DIMENSIONS = ("posture", "intervention", "role", "voice", "topic")

pytestmark = pytest.mark.slow


def readme_session() -> tuple[list[list[str]], str]:
    """The commands of the README's session (comments dropped) and its Python block."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## What a session looks like"):]
    section = section[:section.index("\n## ", 5)]
    bash = re.search(r"```bash\n(.*?)```", section, re.S).group(1)
    python = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    commands = [shlex.split(line, comments=True) for line in bash.splitlines()]
    return [c for c in commands if c], python


def write_slice(folder: Path) -> None:
    csv.field_size_limit(sys.maxsize)
    folder.mkdir()
    for name in ("Biden_speeches.csv", "Trump_speeches.csv"):
        with (SPEECHES / name).open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            rows = [r for r in reader if r["Title"] in SLICE]
            fields = reader.fieldnames
        with (folder / name).open("w", encoding="utf-8", newline="") as out:
            writer = csv.DictWriter(out, fieldnames=fields)
            writer.writeheader()
            writer.writerows(rows)
    (folder / "README.md").write_text((SPEECHES / "README.md").read_text(encoding="utf-8"), encoding="utf-8")


def alice_labels(project_dir: Path) -> int:
    """Save as alice's labels the corpus readers' labels of the slice's passages (found by their text)."""
    project = Project.open(project_dir)
    passages = project.passages_frame(include_examples=False)
    ids = passages.groupby("text")["passage_id"].agg(list)
    saved = 0
    for line in (REPO / "corpus" / "real" / "us_passages.jsonl").open(encoding="utf-8"):
        row = json.loads(line)
        found = ids.get(row["text"], [])
        if len(found) == 1:
            project.add_annotation(found[0], "alice", {d: row[d] for d in DIMENSIONS})
            saved += 1
    return saved


def test_readme_session_runs_top_to_bottom_on_the_speeches(tmp_path, monkeypatch):
    if not SPEECHES.exists():
        pytest.skip(f"{SPEECHES} not found (set STANCE_SHARED)")
    import stance.cli.annotate as cli_annotate

    commands, python = readme_session()
    monkeypatch.chdir(tmp_path)
    inputs = {a.rstrip("/") for c in commands for a in c if a.endswith("/") and not a.startswith("-")}
    folder = next(a for a in inputs if "speech" in a)
    write_slice(tmp_path / folder)
    served: list[dict] = []
    monkeypatch.setattr(cli_annotate, "serve", lambda app, **kw: served.append(kw))
    monkeypatch.setattr(cli_annotate, "bind_socket", lambda host, port: None)
    project_dir = tmp_path / commands[0][2]
    outputs = {}
    for command in commands:
        assert command[0] == "stance", command
        result = CliRunner().invoke(main, command[1:])
        assert result.exit_code == 0, f"{shlex.join(command)}\n{result.output}"
        assert result.exception is None or isinstance(result.exception, SystemExit)
        outputs[command[1]] = result.output
        if command[1] == "annotate":  # alice's session in the app
            assert alice_labels(project_dir) >= 100
    assert len(served) == 2  # annotate and adjudicate got as far as serving
    assert "left out" in outputs["ingest"] and "README.md" in outputs["ingest"]
    assert "Imported 8 documents" in outputs["ingest"]
    report = next(Path(c[c.index("-o") + 1]) for c in commands if c[1] == "report")
    assert (report / "report.html").exists()

    printed: list[str] = []
    exec(compile(python, "README.md", "exec"), {"print": lambda *a: printed.append(" ".join(map(str, a)))})
    assert printed and printed[0].startswith("Project ") and "documents" in printed[0]
