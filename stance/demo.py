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
    return project


def _load(project: Project, echo: Callable[[str], None]) -> None:
    _docs, gold = load_into(project)
    s = project.status()
    echo(f"Loaded the embedded corpus into {project.path}/: {s.documents - s.example_documents} seed documents "
         f"and {s.example_documents} written codebook examples; {s.passages} passages, {gold} with gold labels.")
    echo("Gold labels per dimension: " + ", ".join(f"{d} {n}" for d, n in s.gold_by_dimension.items()))
