"""Make reports/validated-speeches/: the validation workflow end to end on real text, with the commands a researcher
types.

A model trained on other text (the seed op-eds, the codebook's written examples and the UN General Debate
passages of corpus/real) scores the 858 passages of 66 US presidential speeches that the corpus's readers
labelled (corpus/real/us_passages.jsonl). Their labels are kept aside: a seeded validation sample is drawn
(`stance validate sample`), its passages get the readers' labels (the "labelling" step; they were made by
reading against codebook 1.2, blind to any model), then `stance validate report` and `stance report` run.
Every command and what it printed go to reports/validated-speeches/workflow.txt. Needs ../shared (the UN text); takes
about 5 CPU-minutes.

    python reports/make_speeches.py [-n 300] [--out reports/validated-speeches] [--model M.skops]
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from pathlib import Path

import pandas as pd
from click.testing import CliRunner

from stance.cli import main as stance
from stance.corpus import load_into
from stance.models import train_project
from stance.real_corpus import DIMENSIONS, RealCorpus, load_real, load_real_into, real_dir
from stance.store import Project

READERS = "readers"


def run(log: list[str], *args: str) -> str:
    """Run one stance command, keep it and its output for the transcript."""
    result = CliRunner().invoke(stance, [str(a) for a in args], catch_exceptions=False)
    shown = " ".join(a if " " not in a else repr(a) for a in map(str, args))
    log += [f"$ stance {shown}", result.output.rstrip(), ""]
    if result.exit_code != 0:
        raise SystemExit(f"stance {shown} failed:\n{result.output}")
    return result.output


def trained_elsewhere(work: Path) -> Path:
    """A model trained on everything real except the speeches (and cross-validated, for its card)."""
    real = load_real()
    if real.skipped:
        raise SystemExit("; ".join(real.skipped))
    un = RealCorpus([d for d in real.documents if d.meta.get("corpus") == "un"],
                    [p for p in real.passages if p.corpus == "un" and p.sample != "topup"],  # the random sample
                    [a for a in real.annotations if a.get("corpus") == "un"])
    project = Project.init(work / "train")
    load_into(project)
    load_real_into(project, corpus=un)
    _model, _evaluation, path = train_project(project, include_examples=True)
    return Path(path)


def speeches_file(work: Path) -> tuple[Path, pd.DataFrame]:
    """The read passages as 66 speeches (their passages in order, one paragraph each), and the readers'
    labels kept aside."""
    folder = real_dir()
    docs = pd.read_json(folder / "us_documents.jsonl", lines=True, dtype={"date": str})
    passages = pd.read_json(folder / "us_passages.jsonl", lines=True).sort_values(["doc_key", "seq"])
    if "sample" in passages:  # the random sample only: the top-up was chosen by a filter (corpus/README.md)
        passages = passages[passages["sample"].ne("topup")]
    path = work / "speeches.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for doc in docs.itertuples():
            part = passages[passages["doc_key"] == doc.doc_key]
            if not part.empty:
                out.write(json.dumps({"id": doc.doc_key, "title": doc.title, "date": str(doc.date)[:10],
                                      "president": doc.president, "text": "\n\n".join(part["text"])}) + "\n")
    return path, passages[["text", *DIMENSIONS]]


def make(n: int, out: Path, model: Path | None = None) -> None:
    work = Path(tempfile.mkdtemp(prefix="speeches-"))
    log: list[str] = []
    model = model or trained_elsewhere(work)
    corpus, readers = speeches_file(work)
    project = work / "speeches"
    run(log, "init", project)
    run(log, "ingest", corpus, "-p", project, "--id-col", "id")
    run(log, "score", "-p", project, "--model", model, "-q")
    before = work / "before"
    run(log, "report", "-p", project, "--by", "president", "--time", "year", "-o", before)
    banner = "has not been checked on this corpus" in (before / "report.html").read_text(encoding="utf-8")
    log += [f"(the report opens with the 'not checked' banner: {banner})", ""]
    sample = work / "to_label.csv"
    run(log, "validate", "sample", "-p", project, "-n", n, "--by", "president", "--seed", "7", "-o", sample)
    drawn = pd.read_csv(sample)
    labelled = drawn[["passage_id", "text"]].merge(readers.drop_duplicates("text"), on="text", how="left")
    labels = work / "labels.jsonl"
    with labels.open("w", encoding="utf-8") as f:
        for row in labelled.to_dict(orient="records"):
            f.write(json.dumps({"passage_id": row["passage_id"], "annotator": READERS,
                                **{d: row[d] for d in DIMENSIONS}}) + "\n")
    log += [f"(labelling: the {len(labelled)} sampled passages get the readers' labels, made by reading "
            "against codebook 1.2 without any model output)", ""]
    run(log, "import-labels", labels, "-p", project, "--format", "jsonl", "--validation")
    run(log, "validate", "report", "-p", project)
    if out.exists():
        shutil.rmtree(out)
    run(log, "report", "-p", project, "--by", "president", "--time", "year", "-o", out,
        "--title", "US presidential speeches 2017-2024: a model from other text, checked with a validation sample")
    for svg in out.glob("charts/*.svg"):  # the HTML and PNGs carry the charts; keep the repository small
        svg.unlink()
    text = "\n".join(log).replace(str(work), "<work>")
    (out / "workflow.txt").write_text(text + "\n", encoding="utf-8")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=300, help="validation sample size")
    parser.add_argument("--out", type=Path, default=Path("reports/validated-speeches"))
    parser.add_argument("--model", type=Path, help="a model already trained by this script (skips training)")
    args = parser.parse_args()
    make(args.n, args.out, args.model)
