"""Shared fixtures: a fresh project, the seed file, the repository root."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from stance.store import Project

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("STANCE_SHARED", REPO.parent / "shared"))
SEED_FILE = SHARED / "seed" / "000_7aad2de8e4d28ce5.txt"


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """An empty project in a temporary folder."""
    return Project.init(tmp_path / "proj")


@pytest.fixture
def seed_file() -> Path:
    if not SEED_FILE.exists():
        pytest.skip(f"seed file not found at {SEED_FILE} (set STANCE_SHARED)")
    return SEED_FILE


def counts(project: Project) -> tuple[int, ...]:
    """Row counts of every table: what an atomic import must leave unchanged when it fails."""
    c = project.conn
    return tuple(c.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                 for t in ("documents", "passages", "annotations", "gold_labels", "models", "predictions"))
