"""The real gold corpus (issue 13): its passages match their sources exactly, its labels are valid for
their codebook version, and the UN text is never shipped."""

from __future__ import annotations

import csv
import functools
import json
import sys
from collections import Counter
from pathlib import Path

import pytest
from conftest import REPO, SHARED

from stance.codebook import default_codebook_path, load_codebook
from stance.corpus import read_jsonl
from stance.errors import InputError
from stance.real_corpus import DIMENSIONS, UN_RELATIVE, load_real, load_real_into, real_dir, sha256

UN_SOURCE = SHARED / UN_RELATIVE
US_SOURCE = SHARED / "corpora" / "us-presidential-speeches-2017-2024"
needs_shared = pytest.mark.skipif(not UN_SOURCE.exists(), reason=f"shared corpora not found at {SHARED} "
                                  "(set STANCE_SHARED)")


@pytest.fixture(scope="module")
def real():
    if not UN_SOURCE.exists():
        pytest.skip(f"shared corpora not found at {SHARED} (set STANCE_SHARED)")
    return load_real(shared=SHARED)


def test_us_passages_are_their_documents_text_at_their_offsets():
    folder = real_dir()
    docs = {r["doc_key"]: r["text"] for r in read_jsonl(folder / "us_documents.jsonl")}
    rows = read_jsonl(folder / "us_passages.jsonl")
    assert len(rows) >= 800 and len({r["doc_key"] for r in rows}) >= 50
    for row in rows:
        text = docs[row["doc_key"]][row["start"]:row["end"]]
        assert text == row["text"] and sha256(text) == row["sha256"], row["passage_id"]
    corpus = load_real(shared=Path("/nonexistent"))  # the US part needs nothing outside the package
    assert len(corpus.passages) == len(rows)
    assert {p.passage_id for p in corpus.passages} == {r["passage_id"] for r in rows}


@needs_shared
def test_us_documents_are_the_speeches_of_the_shared_corpus():
    csv.field_size_limit(sys.maxsize)
    source = {}
    for name in ("Trump_speeches.csv", "Biden_speeches.csv"):
        with (US_SOURCE / name).open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                source[(row["Date"], row["Title"])] = row
    for doc in read_jsonl(real_dir() / "us_documents.jsonl"):
        original = source[(doc["date"], doc["title"])]
        # ingest turns "\r\n" into "\n"; nothing else differs
        assert doc["text"] == original["Transcript"].replace("\r\n", "\n").replace("\r", "\n"), doc["doc_key"]
        assert doc["president"] == original["President"]


def test_un_part_ships_no_text():
    folder = real_dir()
    for name in ("un_standoff.jsonl", "un_statements.jsonl"):
        for row in read_jsonl(folder / name):
            assert "text" not in row, row
            # the only long strings are the readers' and adjudicator's notes (gold fields)
            assert all(len(str(v)) < 200 for k, v in row.items() if k not in ("rule", "gold")), row
    annotations = read_jsonl(folder / "annotations.jsonl")
    assert all("text" not in a for a in annotations)


def test_un_passages_resolve_against_the_shared_corpus(real):
    un = [p for p in real.passages if p.corpus == "un"]
    assert len(un) >= 600
    assert len({p.doc_key.split("_")[0] for p in un}) >= 20
    assert len({p.doc_key.split("_")[1] for p in un}) >= 15
    raw = {}
    for line in UN_SOURCE.open(encoding="utf-8"):
        record = json.loads(line)
        raw[record["id"]] = record["text"]
    for row in read_jsonl(real_dir() / "un_standoff.jsonl"):
        text = raw[row["statement_id"]][row["start"]:row["end"]].replace("\r", "\n")
        assert sha256(text) == row["sha256"], row["passage_id"]


@needs_shared
def test_a_changed_shared_copy_is_an_error_naming_the_statement(tmp_path):
    corpus = tmp_path / "corpus"
    (corpus / "real").mkdir(parents=True)
    for path in real_dir().glob("*.jsonl"):
        (corpus / "real" / path.name).write_bytes(path.read_bytes())
    standoff = read_jsonl(real_dir() / "un_standoff.jsonl")
    first = standoff[0]
    shared = tmp_path / "shared"
    (shared / UN_RELATIVE).parent.mkdir(parents=True)
    with UN_SOURCE.open(encoding="utf-8") as src, (shared / UN_RELATIVE).open("w", encoding="utf-8") as out:
        for line in src:
            record = json.loads(line)
            if record["id"] == first["statement_id"]:
                at = first["start"] + 5
                record["text"] = record["text"][:at] + "X" + record["text"][at + 1:]
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    with pytest.raises(InputError, match=f"{first['statement_id']} at \\[{first['start']}:{first['end']}\\]"):
        load_real(corpus, shared)


def test_without_the_shared_corpus_the_un_part_is_left_out_with_a_reason(tmp_path):
    corpus = load_real(shared=tmp_path)
    assert {p.corpus for p in corpus.passages} == {"us"}
    assert len(corpus.skipped) == 1 and str(tmp_path / UN_RELATIVE) in corpus.skipped[0]
    assert {a["corpus"] for a in corpus.annotations} == {"us"}


@functools.cache
def packaged_codebook(version: str):
    """Each packaged codebook version is parsed once (50 ms each; per row it took minutes in CI)."""
    return load_codebook(default_codebook_path(version))


def test_every_reader_label_is_valid_for_its_codebook_version():
    rows = read_jsonl(real_dir() / "annotations.jsonl")
    for row in rows:
        version = row["codebook_version"]
        cb = packaged_codebook(version)
        for dim in DIMENSIONS:
            cb.validate_label(dim, row[dim])  # a LabelError if not
        if "none" in row["topic"]:
            assert row["topic"] == ["none"], f"{row['passage_id']}: topic none combined (T4)"
        assert row["annotator"] and row["created_at"]
    assert {r["codebook_version"] for r in rows} == {"1.2"}


def test_every_passage_read_once_and_a_third_read_twice():
    rows = read_jsonl(real_dir() / "annotations.jsonl")
    readers = Counter(r["passage_id"] for r in rows)
    sampled = {r["passage_id"] for name in ("us_passages.jsonl", "un_standoff.jsonl")
               for r in read_jsonl(real_dir() / name)}
    assert set(readers) == sampled and len(sampled) >= 1500
    assert max(readers.values()) == 2
    assert sum(n == 2 for n in readers.values()) >= 0.3 * len(sampled)
    assert len({(r["passage_id"], r["annotator"]) for r in rows}) == len(rows), "one current label per reader"


def test_loading_into_a_project_keeps_ids_and_labels(project, real):
    load_real_into(project, corpus=real)
    passages = project.passages_frame()
    assert set(p.passage_id for p in real.passages) <= set(passages.passage_id)
    labels = project.current_annotations()
    assert len(labels) == len(real.annotations)
    before = project.status()
    load_real_into(project, corpus=real)
    assert project.status() == before, "loading twice adds nothing"


def _gold_rows() -> list[dict]:
    return read_jsonl(real_dir() / "us_passages.jsonl") + read_jsonl(real_dir() / "un_standoff.jsonl")


def test_every_passage_has_gold_valid_for_its_codebook_version_and_says_how_it_was_reached():
    readers: dict[str, dict[str, dict]] = {}
    for a in read_jsonl(real_dir() / "annotations.jsonl"):
        readers.setdefault(a["passage_id"], {})[a["annotator"]] = a
    for row in _gold_rows():
        pid = row["passage_id"]
        cb = packaged_codebook(row["codebook_version"])
        labels = {d: cb.validate_label(d, row[d]) for d in DIMENSIONS}
        read = readers[pid]
        for dim in DIMENSIONS:
            how = row["gold"][dim]
            choices = {who: cb.validate_label(dim, a[dim]) for who, a in read.items()}
            if how["method"] == "single":  # one reader, accepted by an explicit decision
                assert list(choices) == [how["decided_by"]] and choices[how["decided_by"]] == labels[dim], pid
            elif how["method"] == "unanimous":  # both readers chose the gold value
                assert len(choices) == 2 and all(v == labels[dim] for v in choices.values()), pid
            else:  # the readers differed and an adjudicator chose, citing the rule
                assert how["method"] == "adjudicated" and len(set(map(str, choices.values()))) == 2, pid
                assert how["decided_by"] not in choices and how["note"].strip(), pid
        methods = {row["gold"][d]["method"] for d in DIMENSIONS}
        assert row["gold_method"] == ("adjudicated" if "adjudicated" in methods else methods.pop())


def test_data_card_counts_match_the_command():
    sys.path.insert(0, str(REPO / "corpus" / "scripts"))
    try:
        from real_card import card
    finally:
        sys.path.pop(0)
    produced = card()
    in_card = (REPO / "corpus" / "README.md").read_text(encoding="utf-8")
    for block in produced.split("\n\n"):
        assert block in in_card, f"regenerate corpus/README.md with python corpus/scripts/real_card.py:\n{block}"


@pytest.mark.parametrize(("readers", "marker"), [(("reader-a", "reader-b"), "agreement"),
                                                (("reader-c", "reader-d"), "agreement-topup")])
def test_data_card_agreement_is_what_stance_agree_says_of_the_stored_labels(tmp_path, real, readers, marker):
    from click.testing import CliRunner

    from stance.cli import main
    from stance.store import Project

    project = Project.init(tmp_path / "p")
    load_real_into(project, corpus=real)
    result = CliRunner().invoke(main, ["agree", "--project", str(project.path), "-a", readers[0], "-a", readers[1],
                                       "--format", "markdown"])
    assert result.exit_code == 0, result.output
    produced = [line for line in result.output.split("\n\n")[1].splitlines() if line.startswith("|")]
    card = (REPO / "corpus" / "README.md").read_text(encoding="utf-8")
    in_card = card.split(f"<!-- {marker}:start -->")[1].split(f"<!-- {marker}:end -->")[0].strip().splitlines()
    assert in_card == produced, "regenerate the agreement table in corpus/README.md with the command it names"
    alphas = {line.split(" | ")[0].strip("| "): float(line.split(" | ")[4]) for line in produced[2:]}
    assert all(alphas[d] >= 0.7 for d in ("posture", "intervention", "voice")), alphas


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_gold_export_carries_the_rule_that_settled_each_adjudicated_dimension(tmp_path, fmt):
    """`stance export --gold` on a project (a SQLite file) holding the real US passages: every adjudicated
    dimension's rule comes out beside its method, and the file imports back."""
    import pandas as pd
    from click.testing import CliRunner

    from stance.cli import main
    from stance.store import Project

    project = Project.init(tmp_path / "p")
    load_real_into(project, shared=Path("/nonexistent"))  # the US part: no shared corpus needed
    out = tmp_path / f"gold.{fmt}"
    result = CliRunner().invoke(main, ["export", "--project", str(project.path), "--gold", "--format", fmt,
                                       "-o", str(out)])
    assert result.exit_code == 0, result.output
    exported = (read_jsonl(out) if fmt == "jsonl" else
                pd.read_csv(out, keep_default_na=False, dtype=str).to_dict("records"))
    rule_of = {r["passage_id"]: r["rule"] for r in exported}
    rows = read_jsonl(real_dir() / "us_passages.jsonl")
    expected = {r["passage_id"]: "; ".join(f"{d}: {r['gold'][d]['rule']}" for d in DIMENSIONS
                                           if r["gold"][d].get("rule")) for r in rows if "gold" in r}
    assert sum(bool(v) for v in expected.values()) >= 40  # the adjudicated US passages
    assert {pid: rule_of[pid] for pid in expected} == expected
    adjudicated = next(r for r in exported if r["rule"])
    assert "adjudicated" in adjudicated["method"] and adjudicated["rule"].split(": ")[0] in DIMENSIONS
    result = CliRunner().invoke(main, ["import-labels", str(out), "--project", str(project.path), "--format", fmt,
                                       "--annotator", "gold-copy"])
    assert result.exit_code == 0 and f"Imported {len(exported)} annotations" in result.output, result.output
