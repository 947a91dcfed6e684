"""A wheel built from the repository carries the codebook and the embedded corpus, and `stance demo`
finds them after a plain (non-editable) install."""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    pytest.importorskip("hatchling", reason="hatchling (in the 'test' extra) builds the wheel")
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(out), str(REPO)], check=True, capture_output=True)
    return next(out.glob("policy_stance-*.whl"))


def test_wheel_carries_corpus_codebook_and_entry_point(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    corpus_files = sorted(p.relative_to(REPO / "corpus").as_posix() for p in (REPO / "corpus").rglob("*.jsonl"))
    assert corpus_files, "corpus/ has no data files"
    for rel in corpus_files:
        assert f"stance/_corpus/{rel}" in names
    assert "stance/data/codebook.yaml" in names and "stance/py.typed" in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "stance = stance.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_demo_runs_from_the_installed_wheel(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
                   check=True, capture_output=True)
    script = ("import stance.corpus as c, stance.demo as d; print(c.corpus_dir());"
              f"p = d.run_demo({str(tmp_path / 'demo')!r}, stages=('load',));"
              "print(p.status().documents)")
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True,
                            env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    where, documents = result.stdout.split()
    assert where.startswith(str(target)) and where.endswith("_corpus")
    assert int(documents) > 4
