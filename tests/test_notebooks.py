"""The three notebooks run top to bottom with nbclient (papermill-style parameters injected after the
cell tagged `parameters`) and write the files they promise."""

from __future__ import annotations

from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def run_notebook(name: str, params: dict, cwd: Path):
    """Execute notebooks/<name>.ipynb with `params` injected as papermill does; returns the notebook."""
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    tagged = [i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, f"{name}: exactly one cell must be tagged 'parameters'"
    cell = nbformat.v4.new_code_cell("\n".join(f"{k} = {v!r}" for k, v in params.items()))
    cell.metadata["tags"] = ["injected-parameters"]
    nb.cells.insert(tagged[0] + 1, cell)
    nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(cwd)}}).execute()
    return nb


def _outputs(nb) -> str:
    return "\n".join(str(o.get("text", "")) + str(o.get("data", {}).get("text/plain", ""))
                     for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))


def test_notebooks_are_thin():
    for path in NOTEBOOKS.glob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
        assert "\ndef " not in code and not code.startswith("def "), f"{path.name}: logic belongs in stance/"
        assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), f"{path.name}: clear outputs"


def test_annotation_quality_notebook_on_the_embedded_corpus(tmp_path):
    out = tmp_path / "01"
    run_notebook("01_annotation_quality", {"project": None, "out_dir": str(out)}, tmp_path)
    counts = (out / "label_counts.csv").read_text()
    assert "posture" in counts and "real" in counts
    assert (out / "agreement.png").exists() and (out / "agreement.svg").exists()
    assert (out / "agreement.csv").exists()
    # The embedded corpus's double-read real passages give agreement figures per dimension (the relabels
    # of corpus/relabels/ are not independent readings and are left out).
    agreement = (out / "agreement.csv").read_text()
    assert "Krippendorff's alpha" in agreement and "posture" in agreement


@pytest.mark.slow
def test_train_then_report_notebooks(tmp_path):
    project = tmp_path / "proj"
    out2, out3 = tmp_path / "02", tmp_path / "03"
    run_notebook("02_train_and_evaluate", {
        "project": str(project), "dimensions": ["posture"], "n_boot": 100,
        "learning_curve": False, "out_dir": str(out2)}, tmp_path)
    assert "posture" in (out2 / "metrics.csv").read_text()
    assert (out2 / "model_quality.png").exists() and (out2 / "confusion_posture.png").exists()
    assert list((project / "models").glob("*.skops"))

    nb = run_notebook("03_comparative_report", {
        "project": str(project), "by": "author", "time": "year", "n_boot": 100, "min_passages": 10,
        "correct": False, "out_dir": str(out3)}, tmp_path)
    assert (out3 / "report.html").exists()
    for name in ("index", "index_trend", "shares_posture", "terms_posture"):
        assert (out3 / "charts" / f"{name}.png").exists() and (out3 / "tables" / f"{name}.csv").exists()
    assert "report.html" in _outputs(nb)


def test_notebooks_write_into_the_project_not_beside_themselves(tmp_path):
    """Without out_dir, a notebook writes into the project's reports/ folder, never a reports/ folder in the
    working directory (run from notebooks/, that was an untracked notebooks/reports/)."""
    cwd = tmp_path / "notebooks"
    cwd.mkdir()
    project = tmp_path / "proj"
    run_notebook("01_annotation_quality", {"project": str(project)}, cwd)
    assert list(cwd.iterdir()) == []
    assert (project / "reports" / "01_annotation_quality" / "label_counts.csv").exists()
    for path in NOTEBOOKS.glob("*.ipynb"):
        assert '"reports/notebooks' not in path.read_text(encoding="utf-8"), path.name
