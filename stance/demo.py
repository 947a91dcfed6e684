"""`stance demo`: the embedded corpus through every stage of the pipeline, into a fresh project.

The demo replaces its folder on every run, so it marks the folders it makes (`DEMO_MARKER`) and refuses
any other folder that holds something. Model files of an earlier run are kept: another project may
have been scored with one (`stance score --model`), and its report reads that model's card.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterable
from pathlib import Path

from .corpus import load_into
from .errors import InputError
from .real_corpus import load_real_into
from .store import Project

STAGES = ("load", "validate", "train", "score", "report")
DEMO_MARKER = ".stance-demo"
MODELS = "models"
VALIDATION_SIZE = 300  # US speech passages in the demo's validation sample (of the 858 the readers read)


def run_demo(project_path: str | Path, reports_dir: str | Path = "reports/demo",
             echo: Callable[[str], None] = lambda _msg: None,
             stages: Iterable[str] = STAGES) -> Project:
    """Create a fresh project from the embedded corpus and run `stages` in order, reporting through `echo`."""
    stages = tuple(stages)
    path = Path(project_path)
    kept = clear_demo_folder(path)
    project = Project.init(path)
    (path / DEMO_MARKER).write_text("Made by `stance demo`, which replaces this folder when run again "
                                    "(model files in models/ are kept).\n", encoding="utf-8")
    if kept:
        echo(f"Kept {len(kept)} model file{'s' if len(kept) != 1 else ''} of earlier demo runs in {path / MODELS}/ "
             "(a project scored with one still finds it); this run's model is written beside them.")
    if "load" in stages:
        _load(project, echo)
    if "validate" in stages:
        _validate(project, echo)
    if "train" in stages:
        _train(project, echo)
    if "score" in stages:
        _score(project, echo)
    if "report" in stages:
        _report(project, reports_dir, echo)
    return project


def clear_demo_folder(path: Path) -> list[Path]:
    """Empty a folder made by an earlier demo, keeping its model files; return the model files kept.

    A folder that does not exist or is empty is fine. Any other folder without the demo's marker
    raises an `InputError` and is left untouched: it may be someone's project.
    """
    if path.exists() and not path.is_dir():
        raise InputError(f"{path} is a file, not a folder: choose another folder with --project")
    if not path.exists() or not any(path.iterdir()):
        return []
    if not (path / DEMO_MARKER).is_file():
        raise InputError(
            f"{path}/ is not empty and was not made by `stance demo` (it has no {DEMO_MARKER} file), so the "
            f"demo will not replace it: choose a new folder (stance demo --project NEW) or move {path}/ away")
    for child in path.iterdir():
        if child.name == MODELS and child.is_dir():
            continue
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()
    models = path / MODELS
    return sorted(f for f in models.glob("*.skops")) if models.is_dir() else []


def _load(project: Project, echo: Callable[[str], None]) -> None:
    _docs, gold = load_into(project)
    real, real_gold = load_real_into(project)
    s = project.status()
    us = sum(p.corpus == "us" for p in real.passages)
    echo(f"Loaded the embedded corpus into {project.path}/: {s.documents - s.example_documents} real documents "
         f"and {s.example_documents} written codebook examples; {s.passages} passages, {gold + real_gold} with "
         f"gold labels. Real corpus: {us} US speech and {len(real.passages) - us} UN statement passages read "
         f"against codebook 1.2 ({len(real.annotations)} reader labels, {real_gold} with gold).")
    for reason in real.skipped:
        echo(reason)
    echo("Gold labels per dimension: " + ", ".join(f"{d} {n}" for d, n in s.gold_by_dimension.items()))


def _validate(project: Project, echo: Callable[[str], None]) -> None:
    from .real_corpus import draw_speech_validation

    sample = draw_speech_validation(project, n=VALIDATION_SIZE, seed=7)
    per = ", ".join(f"{k} {v}" for k, v in sample["stratum"].value_counts().sort_index().items())
    echo(f"Drew a validation sample of {len(sample)} US speech passages at random by president ({per}; seed 7), "
         "before training, so the model never trains on them. Their labels are the readers' gold labels "
         "(people reading the codebook, corpus/README.md), kept with who decided them and how.")


def _train(project: Project, echo: Callable[[str], None]) -> None:
    from .corpus_genres import genre_section, summary_lines
    from .models import train_project
    from .models.card import add_card_section

    echo("Training one classifier per dimension on the gold labels (written examples included for "
         "training only) and cross-validating by document ...")
    _model, evaluation, path = train_project(project, include_examples=True)
    echo(f"Saved the model and its card: {path}")
    if evaluation is not None:
        echo("Cross-validated by document on the real passages only (speeches, UN statements and the seed; "
             "the written examples never count):")
        echo(evaluation.summary())
    echo("Figures per genre, and across genres (a model trained on one genre, tested on another) ...")
    markdown, data, figures = genre_section(project, evaluation)
    add_card_section(path, "Genres: figures per genre and across genres", markdown, data)
    echo("\n".join(summary_lines(figures)))
    echo("Across genres the model is weaker than within them, and often below always answering the genre's "
         "most common value on accuracy (the model balances values, the constant does not). Check a model on "
         "your own corpus before trusting it (stance validate sample). The full tables are in the model card.")


def _score(project: Project, echo: Callable[[str], None]) -> None:
    from .score import document_level, project_predictions, score_project

    result = score_project(project)
    echo(f"Scored all {result['passages']} passages on {len(result['dimensions'])} dimensions and stored the "
         "predictions in the project.")
    passages = project_predictions(project)
    docs = document_level(passages, project.codebook)
    titles = dict(zip(passages["doc_id"], passages["title"], strict=True))
    echo("Restraint index per document (mean P(restraint) - mean P(escalation) over argumentative "
         "passages; in-sample, since the model was trained on these passages):")
    name = project.codebook.index.name  # restraint_index: the default codebook defines it
    for row in docs.to_dict(orient="records"):
        value = "  n/a" if row[f"{name}_n"] == 0 else f"{row[name]:+.2f}"
        echo(f"  {value} (n={row[f'{name}_n']})  {titles.get(row['doc_id'], row['doc_id'])}")
    echo("  (n/a: the model finds no argumentative passage in that document: it reads as news reporting)")


def _report(project: Project, reports_dir: str | Path, echo: Callable[[str], None]) -> None:
    from .report import build_report

    echo(f"Writing the comparative report to {reports_dir}/ (shares corrected for classifier error use the "
         "cross-validated errors stored with the model) ...")
    result = build_report(project, reports_dir, by="outlet", time="month",
                          title="Demo report: the embedded corpus (op-eds, UN General Debate, US speeches)")
    echo(f"Wrote {result.html} with {len(result.charts) // 2} charts (PNG and SVG) and {len(result.tables)} "
         "tables (CSV); its first section says whether the model was checked on this corpus.")
    _validation_summary(Path(reports_dir), echo)


def _validation_summary(reports_dir: Path, echo: Callable[[str], None]) -> None:
    """What the validation sample found: the model's own posture shares against the validated ones."""
    import pandas as pd

    path = reports_dir / "tables" / "validated_shares_posture.csv"
    if not path.exists():
        return
    table = pd.read_csv(path)
    for group, rows in table[table["validated"].astype(bool)].groupby("outlet", sort=False):
        found = "; ".join(f"{r['value']} {r['naive']:.2f} -> " + (f"{r['share']:.2f} ({r['low']:.2f}-{r['high']:.2f})"
                          if r["identifiable"] else "not identifiable") for r in rows.to_dict(orient="records"))
        echo(f"What the validation sample found ({group}, {rows['labels'].iloc[0]} labels): posture share by the "
             f"model alone -> prediction-powered (95% interval): {found}. Groups without 30 labels stay unvalidated.")
    echo("To do the same on your corpus: stance validate sample -p P -n 300 --by GROUP, label it blind with "
         "stance annotate -p P --queue validation, then stance validate report -p P and stance report -p P.")
