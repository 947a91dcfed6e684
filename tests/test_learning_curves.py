"""Learning curves per head: a project trained with `--learning-curve` under two heads keeps one curve per
head and dimension, and the report's chart and notes show both, on real US presidential speeches labelled
by the corpus readers."""

from __future__ import annotations

import pytest
from test_heads import _encoder_installed

from stance.analysis import learning_curves
from stance.models import train_project
from stance.real_corpus import RealCorpus, load_real, load_real_into
from stance.store import Project


@pytest.fixture(scope="module")
def two_heads(tmp_path_factory):
    """16 real speeches with their gold labels, trained on posture with a learning curve under tfidf,
    then embed, then tfidf again (the newest model of each head is the one that counts)."""
    if not _encoder_installed():
        pytest.skip("the embeddings extra is not installed")
    real = load_real(shared=None)
    docs = [d for d in real.documents if d.meta.get("corpus") == "us"][:16]
    ids = {d.id for d in docs}
    passages = [p for p in real.passages if p.doc_id in ids]
    keep = {p.passage_id for p in passages}
    part = RealCorpus(docs, passages, [a for a in real.annotations if a["passage_id"] in keep])
    project = Project.init(tmp_path_factory.mktemp("curves") / "p")
    load_real_into(project, corpus=part)
    models = {}
    for head in ("tfidf", "embed", "tfidf"):
        _model, evaluation, _path = train_project(project, dimensions=["posture"], n_boot=0, learning_curve=True,
                                                  head=head, drop_rare=True)
        models[head] = evaluation.dimensions["posture"].learning_curve
    return project, models


def test_each_head_keeps_its_own_curve(two_heads):
    project, stored = two_heads
    table = learning_curves(project)
    assert sorted(table["head"].unique()) == ["embed", "tfidf"] and set(table["dimension"]) == {"posture"}
    for head, curve in stored.items():  # the newest model of each head: the second tfidf run
        part = table[table["head"] == head].sort_values("passages")
        assert part["macro_f1"].tolist() == pytest.approx(curve.sort_values("passages")["macro_f1"].tolist())
        assert len(part) >= 3 and part["passages"].is_monotonic_increasing
    assert table["baseline"].notna().all()


def test_the_report_draws_and_notes_one_curve_per_head(two_heads):
    import pandas as pd

    from stance.codebook import load_codebook
    from stance.plots import learning_curve_chart
    from stance.report.context import Context
    from stance.report.learning import learning_curve

    project, _ = two_heads
    table = learning_curves(project)
    fig = learning_curve_chart(table)
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert sorted(legend) == ["embed", "tfidf"]
    ctx = Context(pd.DataFrame(), pd.DataFrame(), load_codebook(), by="author", learning_curves=table)
    (section,) = learning_curve(ctx)
    assert any(n.startswith("posture (embed head): from") for n in section.notes)
    assert any(n.startswith("posture (tfidf head): from") for n in section.notes)
    two_dims = pd.concat([table, table.assign(dimension="voice")])
    legend = [t.get_text() for t in learning_curve_chart(two_dims).axes[0].get_legend().get_texts()]
    assert sorted(legend) == ["posture (embed)", "posture (tfidf)", "voice (embed)", "voice (tfidf)"]
