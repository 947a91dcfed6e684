"""The embedded corpus checked against the codebook (issue 3)."""

import functools
import json
from collections import Counter
from pathlib import Path

import pytest

from stance.codebook import default_codebook_path, load_codebook
from stance.corpus import EXAMPLES_OUTLET, corpus_dir, load_corpus, load_into

MIN_EXAMPLES_PER_VALUE = 25
CHECKED_DIMENSIONS = ("posture", "intervention", "role", "voice")


def rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def examples() -> list[dict]:
    return [r for part in sorted((corpus_dir() / "examples").glob("*.jsonl")) for r in rows(part)]


@functools.cache
def packaged_codebook(version: str):
    """Each packaged codebook version is parsed once: parsing per label row took minutes in CI."""
    return load_codebook(default_codebook_path(version))


def test_every_label_is_a_valid_value_of_its_codebook_version(examples):
    for row in rows(corpus_dir() / "gold.jsonl") + examples:
        cb = packaged_codebook(row["codebook_version"])  # a CodebookError if not packaged
        for dim in cb.dimension_names:
            assert dim in row, f"{row.get('id') or row['doc_key']} has no {dim}"
            cb.validate_label(dim, row[dim])
        assert row["annotator"] and row["date"], "every label records its annotator and date"


def test_every_seed_passage_has_gold_labels_on_every_dimension(project):
    corpus = load_corpus()
    seed = [d for d in corpus.documents if not d.is_example]
    assert len(seed) == 4
    load_into(project)
    gold = project.gold_frame()
    seed_passages = {p.id for d in seed for p in d.passages}
    assert set(gold.passage_id) == seed_passages
    for dim in project.codebook.dimension_names:
        assert gold[dim].notna().all(), dim
    boilerplate = gold[gold.is_boilerplate]
    assert len(boilerplate) == 8 and set(boilerplate.role) == {"other"}
    assert set(boilerplate.posture) == {"not_applicable"} and set(boilerplate.intervention) == {"not_applicable"}


def test_seed_documents_have_the_required_metadata():
    for row in rows(corpus_dir() / "documents.jsonl"):
        assert row["outlet"] == "Responsible Statecraft"
        assert row["title"] and row["title_supplied"] is True
        assert row["date"][:4] in {"2023", "2024"} and row["date_inferred"] is True and row["date_note"]
        assert row["source_file"].startswith("seed/")
    authors = [r["author"] for r in rows(corpus_dir() / "documents.jsonl")]
    assert authors == ["Adam Weinstein", None, None, None]


def test_examples_meet_the_minimum_per_value(examples):
    cb = load_codebook()
    assert len(examples) >= 300
    for dim in CHECKED_DIMENSIONS:
        counts = Counter(r[dim] for r in examples)
        for value in cb.dimension(dim).value_names:
            assert counts[value] >= MIN_EXAMPLES_PER_VALUE, f"{dim}={value}: only {counts[value]} examples"


def test_no_example_is_marked_as_real_text(examples, project):
    assert all(r["written_for_codebook"] is True for r in examples)
    assert all("not real-world text" in r["source"] for r in examples)
    assert len({r["id"] for r in examples}) == len(examples)
    assert len({r["text"] for r in examples}) == len(examples)
    load_into(project)
    passages = project.passages_frame()
    written = passages[passages.outlet == EXAMPLES_OUTLET]
    assert len(written) == len(examples) and written.is_example.all()
    assert not passages[passages.outlet != EXAMPLES_OUTLET].is_example.any()


def test_examples_are_not_separable_by_a_handful_of_stock_words(examples):
    # A crude guard against lazy writing: no single opening word predicts a posture value for most of
    # its passages when it opens many of them.
    openings = Counter((r["text"].split()[0].lower(), r["posture"]) for r in examples)
    by_word = Counter(r["text"].split()[0].lower() for r in examples)
    for (word, _value), n in openings.items():
        if by_word[word] >= 10:
            assert n / by_word[word] < 0.8, f"passages opening with {word!r} are almost all one posture"


def test_loading_twice_adds_nothing(project):
    load_into(project)
    before = project.status()
    docs, gold = load_into(project)
    assert (docs, gold) == (0, 0) and project.status() == before


def test_data_card_counts_match_the_command(tmp_path):
    from click.testing import CliRunner
    from conftest import SHARED

    from stance.cli import main
    from stance.demo import run_demo
    from stance.real_corpus import UN_RELATIVE

    if not (SHARED / UN_RELATIVE).exists():  # the table counts the UN passages of the real corpus
        pytest.skip(f"shared corpora not found at {SHARED} (set STANCE_SHARED)")
    project = tmp_path / "demo"
    run_demo(project, stages=("load",))  # the demo's first stage; later stages do not change labels
    result = CliRunner().invoke(main, ["status", "--project", str(project), "--by-label", "--format", "markdown"])
    produced = [line for line in result.output.splitlines() if line.startswith("|")]
    card = (corpus_dir() / "README.md").read_text(encoding="utf-8")
    in_card = card.split("<!-- counts:start -->")[1].split("<!-- counts:end -->")[0].strip().splitlines()
    assert in_card == produced, "regenerate the table in corpus/README.md with the command it names"


def test_t4_relabels_become_current_gold_and_keep_the_history(tmp_path):
    """The boilerplate relabelled under codebook 1.2 (T4) by reading: current gold is the relabel, the 1.1
    label stays in the history, every boilerplate passage of the corpus was re-read, loading twice adds nothing."""
    from stance.corpus import read_jsonl, relabel_files
    from stance.store import Project, gold_history

    [file] = [f for f in relabel_files() if f.stem == "2026-12-02-t4-boilerplate"]
    relabels = {r["passage_id"]: r for r in read_jsonl(file)}
    corpus = load_corpus()
    boilerplate = {g.passage_id for g in corpus.gold if g.labels["role"] == "other"}
    assert set(relabels) == boilerplate and len(boilerplate) == 44
    assert {r["annotator"] for r in relabels.values()} == {"relabeller-d"}
    project = Project.init(tmp_path / "p")
    load_into(project)
    before = project.conn.execute("SELECT COUNT(*) FROM gold_labels").fetchone()[0]
    changed = 0
    for pid, r in relabels.items():
        history = gold_history(project.conn, pid, "topic")
        assert history[-1]["value"] == r["topic"]
        if history[0]["value"] != r["topic"]:
            changed += 1
            assert (history[0]["codebook_version"], history[0]["method"]) == ("1.1", "corpus")
            assert (history[-1]["codebook_version"], history[-1]["method"], history[-1]["decided_by"]) == (
                "1.2", "imported", "relabeller-d")
            assert r["topic"] == ["none"] and "relabel under 1.2" in history[-1]["note"]
        for dim in ("posture", "intervention", "role", "voice"):  # T4 changes only the topic
            assert gold_history(project.conn, pid, dim)[-1]["value"] == r[dim]
    assert changed == 39
    load_into(project)
    assert project.conn.execute("SELECT COUNT(*) FROM gold_labels").fetchone()[0] == before


def test_agreement_counts_only_independent_readings_not_the_relabels(tmp_path):
    """The relabellers re-read 44 and 23 passages knowing their 1.1 labels: not second readers. `stance agree` on
    the embedded corpus counts only the real passages both readers read, says what it left out, and the
    relabels stay in the history (who, when, codebook version)."""
    from click.testing import CliRunner

    from stance.agreement import agreement, disagreements
    from stance.cli import main
    from stance.real_corpus import load_real_into
    from stance.store import Project

    project = Project.init(tmp_path / "p")
    load_into(project)
    real, _ = load_real_into(project)
    readers: dict[str, set[str]] = {}
    for a in real.annotations:
        readers.setdefault(a["passage_id"], set()).add(a["annotator"])
    double_read = sum(len(who) >= 2 for who in readers.values())

    report = agreement(project, bootstrap=0)
    assert not {"relabeller-d", "relabeller-e"} & set(report.annotators)
    assert report.relabels == {"relabeller-d": 44, "relabeller-e": 23}
    assert {d.n_overlap for d in report.dimensions.values()} == {double_read}
    assert not any("relabeller" in c for c in disagreements(project)["choices"])
    kept = project.conn.execute(
        "SELECT COUNT(DISTINCT passage_id), MIN(codebook_version), MIN(created_at), MIN(source) FROM annotations"
        " WHERE annotator = 'relabeller-d'").fetchone()
    assert tuple(kept) == (44, "1.2", "2026-12-02T08:00:00+00:00", "relabel")

    result = CliRunner().invoke(main, ["agree", "--project", str(project.path), "--bootstrap", "0"])
    assert result.exit_code == 0, result.output
    assert "relabeller-d" not in result.output.splitlines()[0]
    assert "Left out: relabels (44 by relabeller-d, 23 by relabeller-e)" in result.output


RELABELS_12 = "2026-12-02-codebook-1.2"


def test_codebook_12_relabels_cover_every_other_passage_and_become_current_gold(tmp_path):
    """The 340 passages the T4 relabel did not re-read (the seed's other paragraphs and the written
    examples) were each read against codebook 1.2: the read list names every one of them once, the
    relabel file holds exactly those whose label changed, each line is valid under 1.2 and changes at
    least one value; loaded, the relabel is the current gold and the 1.1 label stays in the history."""
    import csv

    from stance.corpus import read_jsonl, relabel_files
    from stance.store import Project, gold_history

    folder = corpus_dir() / "relabels"
    [file] = [f for f in relabel_files() if f.stem == RELABELS_12]
    relabels = {r["passage_id"]: r for r in read_jsonl(file)}
    with (folder / f"{RELABELS_12}-read.tsv").open(encoding="utf-8", newline="") as fh:
        read = list(csv.DictReader(fh, delimiter="\t"))
    corpus = load_corpus()
    t4 = {r["passage_id"] for f in relabel_files() if f.stem != RELABELS_12 for r in read_jsonl(f)}
    others = {g.passage_id: g for g in corpus.gold if g.passage_id not in t4}
    assert len(others) == 340 and len(read) == 340
    assert sorted(r["passage_id"] for r in read) == sorted(others)
    changed = {r["passage_id"] for r in read if r["result"] != "unchanged"}
    assert changed == set(relabels) and len(relabels) == 23
    cb = packaged_codebook("1.2")
    per_dimension = Counter()
    for pid, r in relabels.items():
        assert (r["annotator"], r["codebook_version"]) == ("relabeller-e", "1.2")
        assert r["note"].startswith("relabel under 1.2 (") and r["created_at"].startswith("2026-12-02T")
        for dim in cb.dimension_names:
            cb.validate_label(dim, r[dim])
        moved = [d for d in cb.dimension_names if r[d] != others[pid].labels[d]]
        assert moved, f"{pid}: the relabel changes nothing"
        per_dimension.update(moved)
    # the data card's paragraph gives these counts
    assert per_dimension == {"posture": 4, "intervention": 13, "voice": 1, "topic": 7}
    card = (corpus_dir() / "README.md").read_text(encoding="utf-8")
    assert "23 changed" in card and "posture 4, intervention 13, voice 1, topic 7, role 0" in card

    project = Project.init(tmp_path / "p")
    load_into(project)
    same = lambda a, b: sorted(a) == sorted(b) if isinstance(a, list) else a == b  # noqa: E731 (topic is a set)
    for pid, r in relabels.items():
        for dim in cb.dimension_names:
            history = gold_history(project.conn, pid, dim)
            assert history[0]["codebook_version"] == "1.1" and same(history[-1]["value"], r[dim])
            if not same(history[0]["value"], r[dim]):
                assert (history[-1]["codebook_version"], history[-1]["method"], history[-1]["decided_by"]) == (
                    "1.2", "imported", "relabeller-e")
            else:  # an unchanged value keeps its 1.1 gold as current
                assert len(history) == 1, (pid, dim)
