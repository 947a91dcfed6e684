"""Agreement against numbers worked out by hand, undefined cases, and adjudication into gold."""

import json

import pytest
from click.testing import CliRunner
from nltk.metrics.agreement import AnnotationTask
from nltk.metrics.distance import binary_distance, masi_distance

from stance.agreement import agreement, disagreements, promote_single, promote_unanimous, resolve
from stance.cli import main
from stance.errors import InputError, LabelError
from stance.ingest import make_document


def passages(project, n, name="doc"):
    """A document of `n` paragraphs in the project; returns the passage ids in order."""
    text = "\n\n".join(f"Paragraph {i} of {name} about troops and talks." for i in range(n))
    doc = make_document(text, f"{name}.txt", {"outlet": "Test Review", "title": name})
    project.add_documents([doc])
    return [p.id for p in doc.passages]


def label(project, annotator, ids, dimension, values):
    """Add `dimension` to the annotator's current labels of each passage (a new row supersedes the last)."""
    current = project.current_annotations(annotator).set_index("passage_id")["labels"].to_dict()
    for pid, value in zip(ids, values, strict=True):
        if value is not None:
            project.add_annotation(pid, annotator, {**current.get(pid, {}), dimension: value})


# Two annotators x 10 passages, posture (r = restraint, e = escalation, n = neutral):
#   item   1 2 3 4 5 6 7 8 9 10
#   alice  r r r e e e n n r e
#   bob    r r e e e e n r r e
ALICE = "r r r e e e n n r e".split()
BOB = "r r e e e e n r r e".split()
NAMES = {"r": "restraint", "e": "escalation", "n": "neutral"}


def test_nominal_alpha_and_kappa_by_hand(project):
    ids = passages(project, 10)
    label(project, "alice", ids, "posture", [NAMES[v] for v in ALICE])
    label(project, "bob", ids, "posture", [NAMES[v] for v in BOB])
    report = agreement(project, ["posture"])
    d = report["posture"]
    # Cohen's kappa: observed agreement Po = 8/10 (items 3 and 8 differ).
    # Marginals: alice r4 e4 n2, bob r4 e5 n1 -> Pe = (4*4 + 4*5 + 2*1) / 100 = 0.38.
    # kappa = (0.8 - 0.38) / (1 - 0.38) = 0.42 / 0.62 = 0.677419...
    pair = d.pairs[0]
    assert (pair.annotator_a, pair.annotator_b, pair.n_shared) == ("alice", "bob", 10)
    assert pair.agreement == pytest.approx(0.8)
    assert pair.kappa == pytest.approx(0.42 / 0.62)
    # Krippendorff's alpha (nominal): n = 20 pairable values; totals r 8, e 9, n 3.
    # Do = 4 off-diagonal coincidences / 20 = 0.2 (each disagreeing unit adds 2 with m_u - 1 = 1).
    # De = (20^2 - (8^2 + 9^2 + 3^2)) / (20 * 19) = 246 / 380.
    # alpha = 1 - Do / De = 1 - 0.2 * 380 / 246 = 170 / 246 = 0.691057...
    assert d.alpha == pytest.approx(170 / 246)
    assert pair.alpha == pytest.approx(170 / 246)
    assert (d.n_overlap, d.distance, d.observed_agreement) == (10, "nominal", pytest.approx(0.8))
    low, high = d.alpha_ci
    assert low < d.alpha < high and "only 10 passages" in d.warning
    # NLTK's independent implementation agrees.
    task = AnnotationTask([(c, str(i), v) for c, seq in (("alice", ALICE), ("bob", BOB))
                           for i, v in enumerate(seq)], distance=binary_distance)
    assert d.alpha == pytest.approx(task.alpha())
    # Confusion table: rows alice, columns bob, in codebook order.
    table = pair.confusion
    assert list(table.index) == ["restraint", "escalation", "neutral"]
    assert table.loc["restraint", "escalation"] == 1 and table.loc["neutral", "restraint"] == 1
    assert table.to_numpy().trace() == 8
    frame = report.to_frame()
    assert frame.loc[0, "alpha"] == pytest.approx(0.691057, abs=1e-6) and frame.loc[0, "overlap"] == 10
    assert report.pairs_frame().loc[0, "kappa"] == pytest.approx(0.677419, abs=1e-6)


def test_multi_valued_alpha_with_masi_by_hand(project):
    ids = passages(project, 3)
    a, b, c = "russia-ukraine", "israel-gaza", "iran"
    label(project, "alice", ids, "topic", [[a], [a, b], [b]])
    label(project, "bob", ids, "topic", [[a], [a], [c]])
    # MASI distance = 1 - Jaccard * M (M = 1 equal, 2/3 subset, 1/3 overlap, 0 disjoint):
    #   {a}-{a} 0;  {a,b}-{a} 1 - 1/2 * 2/3 = 2/3;  {b}-{c} 1.
    # Do = (1/6) * (2 * 2/3 + 2 * 1) = 5/9  (6 pairable values, ordered pairs within units).
    # De over all 6 values {a},{a},{a,b},{a},{b},{c}: unordered pair distances sum to
    #   3 * 2/3 ({a}-{a,b}) + 3 ({a}-{b}) + 3 ({a}-{c}) + 2/3 ({a,b}-{b}) + 1 ({a,b}-{c}) + 1 ({b}-{c}) = 32/3,
    #   so De = 2 * 32/3 / (6 * 5) = 32/45.
    # alpha = 1 - (5/9) / (32/45) = 1 - 225/288 = 63/288 = 0.21875.
    d = agreement(project, ["topic"])["topic"]
    assert d.distance == "MASI" and d.alpha == pytest.approx(63 / 288)
    task = AnnotationTask([("alice", "1", frozenset([a])), ("bob", "1", frozenset([a])),
                           ("alice", "2", frozenset([a, b])), ("bob", "2", frozenset([a])),
                           ("alice", "3", frozenset([b])), ("bob", "3", frozenset([c]))], distance=masi_distance)
    assert d.alpha == pytest.approx(task.alpha())
    # kappa for sets is on the exact set: Po = 1/3; alice {a} 1, {a,b} 1, {b} 1; bob {a} 2, {c} 1;
    # Pe = (1*2) / 9 = 2/9; kappa = (1/3 - 2/9) / (1 - 2/9) = (1/9) / (7/9) = 1/7.
    assert d.pairs[0].kappa == pytest.approx(1 / 7)


def test_missing_data_matches_krippendorffs_published_example(project):
    # The three-coder, fifteen-unit example (values 1..4, gaps) from Krippendorff's "Computing
    # Krippendorff's Alpha-Reliability", as in the krippendorff package: nominal alpha 0.691358.
    nan = None
    data = [[nan, nan, nan, nan, nan, 3, 4, 1, 2, 1, 1, 3, 3, nan, 3],
            [1, nan, 2, 1, 3, 3, 4, 3, nan, nan, nan, nan, nan, nan, nan],
            [nan, nan, 2, 1, 3, 4, 4, nan, 2, 1, 1, 3, 3, nan, 4]]
    roles = project.codebook.dimension("role").value_names
    ids = passages(project, 15)
    for coder, row in zip("ABC", data, strict=True):
        label(project, coder, ids, "role", [roles[v - 1] if v else None for v in row])
    d = agreement(project, ["role"])["role"]
    assert d.alpha == pytest.approx(0.691358, abs=1e-6)
    assert d.n_overlap == 12 and len(d.pairs) == 3


def test_undefined_cases_say_why(project):
    ids = passages(project, 4)
    empty = agreement(project)
    assert empty["posture"].alpha is None and empty["posture"].alpha_reason == "no labels on this dimension yet"
    label(project, "alice", ids, "posture", ["neutral"] * 4)
    d = agreement(project, ["posture"])["posture"]
    assert d.alpha is None and d.alpha_reason.startswith("only 1 annotator (alice)") and d.pairs == []
    label(project, "bob", ids[:1], "posture", ["neutral"])
    d = agreement(project, ["posture"])["posture"]
    assert d.alpha is None and "no variation" in d.alpha_reason
    assert d.pairs[0].kappa is None and "kappa needs at least two" in d.pairs[0].kappa_reason
    label(project, "bob", ids[1:], "posture", ["neutral"] * 3)
    pair = agreement(project, ["posture"])["posture"].pairs[0]
    assert pair.kappa is None and "no variation" in pair.kappa_reason and pair.agreement == 1.0
    assert agreement(project).to_frame()["note"].str.len().gt(0).all()


def test_latest_label_counts_and_retracted_is_left_out(project):
    ids = passages(project, 2)
    label(project, "alice", ids, "posture", ["restraint", "neutral"])
    label(project, "bob", ids, "posture", ["escalation", "neutral"])
    project.add_annotation(ids[0], "bob", {"posture": "restraint"})  # bob changes his mind
    assert agreement(project, ["posture"])["posture"].observed_agreement == 1.0
    project.add_annotation(ids[1], "alice", {}, status="retracted")
    assert agreement(project, ["posture"])["posture"].n_overlap == 1


def test_disagreements_and_resolve(project):
    ids = passages(project, 3)
    label(project, "alice", ids, "posture", ["restraint", "neutral", "escalation"])
    label(project, "bob", ids, "posture", ["escalation", "neutral", None])
    label(project, "alice", ids, "topic", [["iran"], ["iran"], ["iran"]])
    project.add_annotation(ids[0], "bob", {"posture": "escalation", "topic": ["iran", "other"]})
    frame = disagreements(project)
    assert list(zip(frame.passage_id, frame.dimension, strict=True)) == [(ids[0], "posture"), (ids[0], "topic")]
    row = frame.iloc[0]
    assert row.choices == {"alice": "restraint", "bob": "escalation"} and row["values"] == ["escalation", "restraint"]
    assert frame.iloc[1].choices == {"alice": ["iran"], "bob": ["iran", "other"]}
    assert row.text.startswith("Paragraph 0") and row.n_annotators == 2 and row.gold is None
    with pytest.raises(LabelError, match="unknown value 'hawk' for dimension 'posture'; valid: restraint, "):
        resolve(project, ids[0], "posture", "hawk", "lead")
    with pytest.raises(InputError, match="unknown passage 'nope'"):
        resolve(project, "nope", "posture", "restraint", "lead")
    gold_id = resolve(project, ids[0], "posture", "restraint", "lead", note="P2: warns of a wider war")
    gold = project.conn.execute("SELECT * FROM gold_labels WHERE id = ?", (gold_id,)).fetchone()
    assert (gold["method"], gold["decided_by"], json.loads(gold["value_json"]), gold["note"]) == (
        "adjudicated", "lead", "restraint", "P2: warns of a wider war")
    resolve(project, ids[0], "topic", "iran;other", "lead")
    assert disagreements(project).empty
    assert project.gold_frame().set_index("passage_id").loc[ids[0], "topic"] == ["iran", "other"]


def test_promote_unanimous_is_idempotent_and_respects_adjudication(project):
    ids = passages(project, 4)
    label(project, "alice", ids, "posture", ["restraint", "neutral", "escalation", "neutral"])
    label(project, "bob", ids, "posture", ["restraint", "neutral", "neutral", None])
    assert promote_unanimous(project) == 2  # passages 0 and 1; 2 disagrees, 3 has one annotator
    assert promote_unanimous(project) == 0
    gold = project.conn.execute("SELECT passage_id, method, decided_by, value_json FROM gold_labels").fetchall()
    assert {tuple(g) for g in gold} == {(ids[0], "unanimous", "alice,bob", '"restraint"'),
                                        (ids[1], "unanimous", "alice,bob", '"neutral"')}
    label(project, "carol", ids[:1], "posture", ["escalation"])
    assert promote_unanimous(project) == 0  # no longer unanimous; the old gold stays
    assert promote_unanimous(project, min_annotators=3) == 0
    resolve(project, ids[1], "posture", "restraint", "lead")
    project.add_annotation(ids[1], "alice", {"posture": "neutral"})
    assert promote_unanimous(project) == 0  # adjudicated gold is never overridden
    project.add_annotation(ids[0], "alice", {"posture": "escalation"})
    project.add_annotation(ids[0], "bob", {"posture": "escalation"})
    assert promote_unanimous(project) == 1  # stale unanimous gold replaced
    assert project.gold_frame().set_index("passage_id").loc[ids[0], "posture"] == "escalation"


def test_promote_single_takes_only_passages_its_reader_alone_labelled(project):
    ids = passages(project, 4)
    label(project, "alice", ids, "posture", ["restraint", "neutral", "escalation", None])
    label(project, "bob", ids, "posture", ["neutral", None, None, "restraint"])
    resolve(project, ids[0], "posture", "restraint", "lead")
    project.add_gold(ids[2], "posture", "neutral", method="imported", decided_by="carol")
    assert promote_single(project, "alice") == 1  # passage 1; 0 has two readers, 2 has gold, 3 is bob's
    assert promote_single(project, "alice") == 0
    rows = project.conn.execute("SELECT passage_id, method, decided_by, value_json FROM gold_labels"
                                " WHERE method = 'single'").fetchall()
    assert [tuple(r) for r in rows] == [(ids[1], "single", "alice", '"neutral"')]
    result = CliRunner().invoke(main, ["agree", "--project", str(project.path), "--bootstrap", "0",
                                       "--promote-single", "bob", "--promote-single", "alice"])
    assert result.exit_code == 0, result.output
    assert "Promoted 1 labels of bob (the only reader of their passages) to gold." in result.output
    assert "Promoted 0 labels of alice" in result.output
    result = CliRunner().invoke(main, ["agree", "--project", str(project.path), "--promote-single", "dave"])
    assert result.exit_code == 1 and "no labels by 'dave'" in result.output


def test_agree_command(project):
    ids = passages(project, 10)
    label(project, "alice", ids, "posture", [NAMES[v] for v in ALICE])
    label(project, "bob", ids, "posture", [NAMES[v] for v in BOB])
    runner = CliRunner()
    result = runner.invoke(main, ["agree", "--project", str(project.path), "-d", "posture", "--bootstrap", "0"])
    assert result.exit_code == 0, result.output
    assert "0.691" in result.output and "kappa 0.677" in result.output
    assert "Disagreements not yet adjudicated: 2" in result.output and "alice=restraint; bob=escalation" in result.output
    result = runner.invoke(main, ["agree", "--project", str(project.path), "--format", "markdown",
                                  "--promote-unanimous", "--bootstrap", "0"])
    assert result.exit_code == 0 and "| posture | nominal | 2 | 10 | 0.691 |" in result.output
    assert "Promoted 8 unanimous labels to gold." in result.output
    result = runner.invoke(main, ["agree", "--project", str(project.path), "--format", "csv", "--bootstrap", "0"])
    assert result.exit_code == 0 and "# pairs of annotators" in result.output
    result = runner.invoke(main, ["agree", "--project", str(project.path), "-a", "alice", "-a", "carol"])
    assert result.exit_code == 1 and "Error: no labels by 'carol'; annotators with labels: alice, bob" in result.output
    result = runner.invoke(main, ["agree", "--project", str(project.path), "-d", "hawk"])
    assert result.exit_code == 1
    assert result.output.strip() == "Error: unknown dimension 'hawk'; valid: posture, intervention, role, voice, topic"


def test_every_pair_is_reported_even_without_shared_passages(project):
    ids = passages(project, 4)
    label(project, "alice", ids[:2], "posture", ["restraint", "neutral"])
    label(project, "bob", ids[:2], "posture", ["restraint", "escalation"])
    label(project, "carol", ids[2:], "posture", ["neutral", "neutral"])
    pairs = agreement(project, ["posture"], bootstrap=0).pairs_frame()
    assert list(zip(pairs.annotator_a, pairs.annotator_b, pairs.shared, strict=True)) == [
        ("alice", "bob", 2), ("alice", "carol", 0), ("bob", "carol", 0)]
    assert pairs.note[1] == "0 shared passages: kappa needs at least two"
