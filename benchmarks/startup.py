"""Start-up: scoring one passage from the command line, CPU (user + system) and wall seconds, medians of runs.

    .venv/bin/python benchmarks/startup.py [--runs 5] [--model MODEL.skops] [--before SOURCE_TREE]

Runs `stance score one.txt --model MODEL -o one.csv -q` in a fresh interpreter `--runs` times (a model trained
on the embedded corpus when `--model` is not given). With `--before` (a source tree of another version, e.g.
`git archive COMMIT | tar -x -C /tmp/before`), that version's runs alternate with this one's, so both see the
same load on a shared machine; the other version is put first on PYTHONPATH. Two reference rows run in turn
with them: an empty interpreter, and importing only what unpickling the model's classes needs (pandas and
scikit-learn's svm, linear_model, feature_extraction.text and pipeline modules): the floor of any scoring
path that loads the scikit-learn model.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PASSAGE = "The United States should pull its troops out and talk to Tehran instead.\n"
SCORE = ("from stance.cli import main\n"
         "main(['score', {src!r}, '--model', {model!r}, '-o', {out!r}, '-q'])\n")
FLOOR = "import pandas, sklearn.svm, sklearn.linear_model, sklearn.feature_extraction.text, sklearn.pipeline"


def one_run(code: str, pythonpath: str | None) -> tuple[float, float]:
    """(CPU seconds of the child, wall seconds) of one fresh interpreter running `code`."""
    env = dict(os.environ)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    start = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"the run failed: {child.stderr.read().decode()[-2000:]}")
    return usage.ru_utime + usage.ru_stime, wall


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--model", help="a saved model (default: trained on the embedded corpus)")
    ap.add_argument("--before", help="source tree of the version to compare with")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        model = args.model
        if model is None:
            from stance.corpus import load_into
            from stance.models import save_model, train
            from stance.store import Project

            project = Project.init(folder / "embedded")
            load_into(project)
            model = str(folder / "model.skops")
            save_model(train(project, include_examples=True, drop_rare=True), model)
        src = folder / "one.txt"
        src.write_text(PASSAGE, encoding="utf-8")
        code = SCORE.format(src=str(src), model=str(model), out=str(folder / "one.csv"))
        cases = {"this version": (code, None)} if not args.before else {
            "before": (code, args.before), "after": (code, None)}
        cases |= {"reference: empty interpreter": ("pass", None),
                  "reference: imports the model's classes need": (FLOOR, None)}
        runs: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
        for _ in range(args.runs):
            for name, (source, path) in cases.items():
                runs[name].append(one_run(source, path))
    print("| version | CPU s (median) | wall s (median) | CPU runs | wall runs |\n|---|---:|---:|---|---|")
    for name, values in runs.items():
        cpu, wall = [c for c, _ in values], [w for _, w in values]
        print(f"| {name} | {statistics.median(cpu):.2f} | {statistics.median(wall):.2f} | "
              f"{' / '.join(f'{c:.2f}' for c in cpu)} | {' / '.join(f'{w:.2f}' for w in wall)} |")
    print(f"\nMachine: {platform.platform()}, {os.cpu_count()} CPUs (shared), Python {platform.python_version()}, "
          f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
