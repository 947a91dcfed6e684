"""corpus/scripts/check_labels.py: a reader's label file is refused when a dimension is missing or misspelled."""

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "corpus" / "scripts" / "check_labels.py"
FULL = {"posture": "neutral", "intervention": "not_applicable", "role": "claim", "voice": "author", "topic": ["other"]}


def run(tmp_path: Path, label_rows: list[dict]) -> subprocess.CompletedProcess:
    batch, labels = tmp_path / "batch_001.jsonl", tmp_path / "labels.jsonl"
    batch.write_text("".join(json.dumps({"passage_id": p, "text": "t"}) + "\n" for p in ("pa", "pb")))
    labels.write_text("".join(json.dumps(r) + "\n" for r in label_rows))
    return subprocess.run([sys.executable, str(SCRIPT), str(batch), str(labels)], capture_output=True, text=True)


def test_a_complete_file_is_ready(tmp_path):
    done = run(tmp_path, [dict(FULL, passage_id="pa", note=""), dict(FULL, passage_id="pb", note="R6: answers the critics")])
    assert done.returncode == 0
    assert "ready to import: 2 passages, every one of the batch, 1 with a note" in done.stdout


def test_missing_misspelled_and_combined_values_are_named(tmp_path):
    rows = [dict({k: v for k, v in FULL.items() if k != "posture"}, passage_id="pa", postur="neutral"),
            dict(FULL, passage_id="pa", topic=["none", "iran"])]
    done = run(tmp_path, rows)
    assert done.returncode == 1
    assert "line 1: unknown fields ['postur']" in done.stdout and "line 1: missing ['posture']" in done.stdout
    assert "line 2: passage pa already labelled on line 1" in done.stdout
    assert "line 2: topic 'none' cannot be combined" in done.stdout
    assert "no line for passage pb" in done.stdout
