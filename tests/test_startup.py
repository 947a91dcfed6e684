"""Light start-up: `import stance`, every command's --help and scoring one passage import none of the
heavy modules (torch, Dask, matplotlib, the web server, sentence-transformers), checked in a fresh
interpreter's sys.modules; model files are loaded with skops without its walk over all of scikit-learn."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from test_score import scoring_env

HEAVY = ("torch", "dask", "distributed", "matplotlib", "starlette", "uvicorn", "sentence_transformers")


def modules_after(code: str) -> set[str]:
    """Top-level names of the modules a fresh interpreter has imported after running `code`."""
    probe = code + "\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))\n"
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    return {m.split(".")[0] for m in json.loads(run.stdout.strip().splitlines()[-1])}


def cli(*args: str) -> str:
    return ("from stance.cli import main\n"
            f"try:\n    main({list(args)!r})\nexcept SystemExit as exit:\n    assert not exit.code, exit.code\n")


@pytest.fixture(scope="session")
def env(tmp_path_factory):
    return scoring_env(tmp_path_factory.mktemp("scoring"))  # trained once per session, shared with test_score


def test_import_stance_imports_no_heavy_module():
    loaded = modules_after("import stance")
    assert "stance" in loaded
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_help_of_every_command_imports_no_heavy_module():
    from stance.cli import main

    code = cli("--help") + "".join(cli(name, "--help") for name in main.commands)
    loaded = modules_after(code)
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_scoring_one_passage_imports_no_heavy_module(env, tmp_path):
    src, out = tmp_path / "one.txt", tmp_path / "one.csv"
    src.write_text("The United States should pull its troops out and talk to Tehran instead.\n", encoding="utf-8")
    loaded = modules_after(cli("score", str(src), "--model", str(env.path), "-o", str(out), "-q"))
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))
    assert "skops" in loaded and "pytest" not in loaded  # skops without scikit-learn's all_estimators walk
    assert len(out.read_text(encoding="utf-8").splitlines()) == 2  # header and the one passage


def test_a_model_file_holding_another_estimator_is_refused(env, tmp_path):
    """skops is imported trusting only the scikit-learn estimators the toolkit's models are made of."""
    path = tmp_path / "forest.skops"
    code = (
        "import copy\n"
        "from sklearn.ensemble import RandomForestClassifier\n"
        "from stance.models import load_model, save_model\n"
        f"model = copy.copy(load_model({str(env.path)!r}))\n"
        "model.extra_ = RandomForestClassifier(n_estimators=1)\n"
        f"save_model(model, {str(path)!r})\n"
    )
    modules_after(code)
    refuse = (f"from stance.errors import ModelError\nfrom stance.models import load_model\n"
              f"try:\n    load_model({str(path)!r})\nexcept ModelError as e:\n    print('REFUSED', e)\n")
    run = subprocess.run([sys.executable, "-c", refuse], capture_output=True, text=True, timeout=600)
    assert "REFUSED" in run.stdout and "RandomForestClassifier" in run.stdout, run.stdout + run.stderr
