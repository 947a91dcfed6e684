"""Check a reader's label file against its batch before `stance import-labels` (form only, never values).

`stance import-labels` checks every value, but it takes a line with a dimension left out or misspelled
("postur") as a partial label. This check refuses such a file: every passage of the batch has exactly
one line, every line has the five dimensions of codebook 1.2 under their right names (plus `note`),
every value is valid, and topic `none` stands alone (rule T4). It decides no label.

    python corpus/scripts/check_labels.py /work/labelling/batches/batch_001.jsonl \
        /work/labelling/labels/<reader-name>/batch_001.jsonl
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from stance.codebook import load_codebook
from stance.errors import LabelError

ALLOWED_EXTRA = {"passage_id", "note"}


def problems(batch: Path, labels: Path) -> list[str]:
    """Every problem of the label file, as 'file: line N: ...' messages (empty when it is ready)."""
    codebook = load_codebook()
    dims = set(codebook.dimension_names)
    wanted = [json.loads(line)["passage_id"] for line in batch.read_text(encoding="utf-8").splitlines() if line.strip()]
    out: list[str] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(labels.read_text(encoding="utf-8").split("\n"), start=1):
        if not line.strip():
            continue
        where = f"{labels}: line {number}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            out.append(f"{where}: not JSON ({exc.msg})")
            continue
        if not isinstance(row, dict):
            out.append(f"{where}: not a JSON object")
            continue
        pid = row.get("passage_id")
        if pid not in wanted:
            out.append(f"{where}: passage_id {pid!r} is not in {batch.name}")
        elif pid in seen:
            out.append(f"{where}: passage {pid} already labelled on line {seen[pid]}")
        else:
            seen[pid] = number
        unknown = set(row) - dims - ALLOWED_EXTRA
        missing = dims - set(row)
        if unknown:
            out.append(f"{where}: unknown fields {sorted(unknown)}; fields are: passage_id, "
                       f"{', '.join(codebook.dimension_names)}, note")
        if missing:
            out.append(f"{where}: missing {sorted(missing)}")
        for dim in dims & set(row):
            try:
                value = codebook.validate_label(dim, row[dim])
            except LabelError as exc:
                out.append(f"{where}: {exc}")
                continue
            if codebook.dimension(dim).multi and "none" in value and len(value) > 1:
                out.append(f"{where}: {dim} 'none' cannot be combined with other values (rule T4)")
    out += [f"{labels}: no line for passage {pid}" for pid in wanted if pid not in seen]
    return out


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    if len(args) != 2:
        print(__doc__)
        return 2
    found = problems(Path(args[0]), Path(args[1]))
    for p in found:
        print(p)
    if found:
        print(f"{args[1]}: {len(found)} problems")
    else:
        # Readers asked for the count: 'ready' alone did not say that every passage of the batch was there.
        lines = [json.loads(line) for line in Path(args[1]).read_text(encoding="utf-8").splitlines() if line.strip()]
        notes = sum(1 for row in lines if str(row.get("note") or "").strip())
        print(f"{args[1]}: ready to import: {len(lines)} passages, every one of the batch, {notes} with a note")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
