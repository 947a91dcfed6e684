"""Light start-up: `import stance`, every command's --help and scoring one passage import none of the
heavy modules (torch, Dask, matplotlib, the web server, sentence-transformers), checked in a fresh
interpreter's sys.modules; model files are loaded with skops without its walk over all of scikit-learn.
Scoring a few passages with a model's plain form imports neither scikit-learn, skops nor pandas, and
writes the same file and prints the same checks as the full path (stance/score/light.py)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from test_plain import without_plain
from test_score import documents_frame, scoring_env

HEAVY = ("torch", "dask", "distributed", "matplotlib", "starlette", "uvicorn", "sentence_transformers")
FULL = ("sklearn", "skops", "pandas")  # what the full scoring path imports and the light one does not
PASSAGE = "The United States should pull its troops out and talk to Tehran instead.\n"


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


def run_cli(code: str) -> tuple[set[str], list[str]]:
    """(top-level modules imported, stdout lines without the timing line) of `code` in a fresh interpreter."""
    probe = code + "\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))\n"
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    *lines, modules = run.stdout.strip().splitlines()
    return {m.split(".")[0] for m in json.loads(modules)}, [x for x in lines if not x.startswith("Wrote ")]


@pytest.fixture(scope="module")
def old_model(env, tmp_path_factory):
    """The session's model as a file saved before the plain form (scored by the full path)."""
    return without_plain(env.path, tmp_path_factory.mktemp("old") / "old.skops")


def test_scoring_one_passage_imports_no_heavy_module(env, tmp_path, old_model):
    src, out, full = tmp_path / "one.txt", tmp_path / "one.csv", tmp_path / "full.csv"
    src.write_text(PASSAGE, encoding="utf-8")
    loaded, printed = run_cli(cli("score", str(src), "--model", str(env.path), "-o", str(out), "-q"))
    assert not loaded & {*HEAVY, *FULL}, sorted(loaded & {*HEAVY, *FULL})  # the plain form: numpy only
    assert len(out.read_text(encoding="utf-8").splitlines()) == 2  # header and the one passage
    loaded, printed_full = run_cli(cli("score", str(src), "--model", str(old_model), "-o", str(full), "-q"))
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))
    assert "skops" in loaded and "pytest" not in loaded  # skops without scikit-learn's all_estimators walk
    assert out.read_bytes() == full.read_bytes()
    assert printed == printed_full and any("barely seen" in x for x in printed)


def test_the_light_path_writes_what_the_full_path_writes(env, tmp_path, old_model):
    """Many documents with metadata, texts a spreadsheet would run as formulas, quotes, line breaks and
    boilerplate, with the text kept: the same bytes and the same transfer checks either way."""
    frame = documents_frame(env, 150)
    frame.loc[0, "outlet"], frame.loc[1, "section"] = "=HYPERLINK(1)", 'say "no", twice\nplease'
    frame.loc[2, "text"] = "Subscribe to our newsletter.\n\n-1 point: \"quoted\", and a comma"
    src = tmp_path / "docs.csv"
    frame.to_csv(src, index=False)
    args = [str(src), "--with-text", "--meta", "batch=7", "--batch-size", "40", "-q"]
    light, full = tmp_path / "light.csv", tmp_path / "full.csv"
    loaded, printed = run_cli(cli("score", *args, "--model", str(env.path), "-o", str(light)))
    assert not loaded & set(FULL)
    _, printed_full = run_cli(cli("score", *args, "--model", str(old_model), "-o", str(full)))
    assert light.read_bytes() == full.read_bytes()
    assert printed == printed_full
    text = light.read_text(encoding="utf-8")
    assert "'=HYPERLINK(1)" in text and text.count("\n") > 150


def test_bigger_inputs_and_other_outputs_take_the_full_path(env, tmp_path):
    src = tmp_path / "one.txt"
    src.write_text(PASSAGE, encoding="utf-8")
    small = "import stance.score.light as light\nlight.LIGHT_MAX_BYTES = 10\n"
    loaded, _ = run_cli(small + cli("score", str(src), "--model", str(env.path), "-o", str(tmp_path / "a.csv")))
    assert "sklearn" in loaded
    loaded, _ = run_cli(cli("score", str(src), "--model", str(env.path), "-o", str(tmp_path / "a.jsonl")))
    assert "sklearn" in loaded


def test_every_command_is_found_in_the_module_its_home_names():
    import importlib

    from stance.cli import COMMAND_HOMES, COMMAND_MODULE_NAMES

    homes = {c.name: m for m in COMMAND_MODULE_NAMES for c in importlib.import_module(f"stance.cli.{m}").COMMANDS}
    assert homes == COMMAND_HOMES


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
