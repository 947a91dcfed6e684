"""`stance demo`: the embedded corpus through every stage of the pipeline, into a fresh project."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterable
from pathlib import Path

from .corpus import load_into
from .store import DB_NAME, Project

STAGES = ("load", "train", "score", "report")


def run_demo(project_path: str | Path, reports_dir: str | Path = "reports/demo",
             echo: Callable[[str], None] = lambda _msg: None,
             stages: Iterable[str] = STAGES) -> Project:
    """Create a fresh project from the embedded corpus and run `stages` in order, reporting through `echo`."""
    stages = tuple(stages)
    path = Path(project_path)
    if (path / DB_NAME).exists():
        shutil.rmtree(path)
    project = Project.init(path)
    if "load" in stages:
        _load(project, echo)
    if "train" in stages:
        _train(project, echo)
    return project


def _load(project: Project, echo: Callable[[str], None]) -> None:
    _docs, gold = load_into(project)
    s = project.status()
    echo(f"Loaded the embedded corpus into {project.path}/: {s.documents - s.example_documents} seed documents "
         f"and {s.example_documents} written codebook examples; {s.passages} passages, {gold} with gold labels.")
    echo("Gold labels per dimension: " + ", ".join(f"{d} {n}" for d, n in s.gold_by_dimension.items()))


def _train(project: Project, echo: Callable[[str], None]) -> None:
    from .models import train_project

    echo("Training one classifier per dimension on the gold labels (written examples included for "
         "training only) and cross-validating by document ...")
    _model, evaluation, path = train_project(project, include_examples=True)
    echo(f"Saved the model and its card: {path}")
    if evaluation is not None:
        echo("Cross-validated on the real seed passages only (the written examples never count):")
        echo(evaluation.summary())
    echo("These figures come from 4 documents of one outlet: the intervals are wide, several values are "
         "too rare in real text to evaluate, and they say little about other corpora. Label more real "
         "passages (stance annotate) before trusting them.")
