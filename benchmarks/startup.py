"""Start-up: scoring one passage from the command line, CPU (user + system) and wall seconds, medians of runs.

    .venv/bin/python benchmarks/startup.py [--runs 5] [--model MODEL.skops] [--before SOURCE_TREE] [--many]

Runs `stance score one.txt --model MODEL -o one.csv -q` in a fresh interpreter `--runs` times (a model trained
on the embedded corpus when `--model` is not given). A model saved by this version carries its plain scoring
form, so this runs the light path (stance/score/light.py); "this version, full path" runs the same command
with a copy of the model file without the plain form (as an earlier version saved it). With `--before` (a
source tree of another version, e.g. `git archive COMMIT | tar -x -C /tmp/before`), that version's runs
alternate with this one's, so all see the same load on a shared machine; the other version is put first on
PYTHONPATH and reads the same model file. Two reference rows run in turn with them: an empty interpreter,
and importing only what unpickling the model's classes needs (pandas and scikit-learn's svm, linear_model,
feature_extraction.text and pipeline modules): the floor of any scoring path that loads the scikit-learn model.

With `--many`, also the whole command on a text file of LIGHT_MAX_BYTES (the largest input the light path
takes; passages of the embedded corpus repeated), light path against full path, CPU seconds and passages per
CPU-second: the light path must be no slower there.
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
import zipfile
from pathlib import Path

PASSAGE = "The United States should pull its troops out and talk to Tehran instead.\n"
SCORE = ("from stance.cli import main\n"
         "main(['score', {src!r}, '--model', {model!r}, '-o', {out!r}, '-q'])\n")
FLOOR = "import pandas, sklearn.svm, sklearn.linear_model, sklearn.feature_extraction.text, sklearn.pipeline"


def one_run(code: str, pythonpath: str | None) -> tuple[float, float]:
    """(CPU seconds of the child, wall seconds) of one fresh interpreter running `code`, started outside any
    source tree (`python -c` puts its working folder first on sys.path, before PYTHONPATH)."""
    env = dict(os.environ)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    start = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, cwd=tempfile.gettempdir())
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"the run failed: {child.stderr.read().decode()[-2000:]}")
    return usage.ru_utime + usage.ru_stime, wall


def without_plain(model: Path, folder: Path) -> Path:
    """A copy of `model` without its plain form, with its card, as an earlier version saved it."""
    import json

    from stance.models.integrity import card_paths, file_sha256

    old = folder / "old-format.skops"
    with zipfile.ZipFile(model) as src, zipfile.ZipFile(old, "w") as dst:
        for info in src.infolist():
            if not info.filename.startswith("plain/"):
                dst.writestr(info, src.read(info))
    card = json.loads(card_paths(model)[0].read_text(encoding="utf-8"))
    card["sha256"] = file_sha256(old)
    card_paths(old)[0].write_text(json.dumps(card), encoding="utf-8")
    return old


def many_passages(path: Path) -> int:
    """A text file of at most LIGHT_MAX_BYTES: the embedded corpus's passages, repeated; its passage count."""
    from stance.corpus import load_corpus
    from stance.score.light import LIGHT_MAX_BYTES

    texts = [p.text for d in load_corpus().documents for p in d.passages if len(p.text) > 40]
    out, size, n = [], 0, 0
    while True:
        text = texts[n % len(texts)] + f" ({n})"  # each passage distinct, as in a real corpus
        if size + len(text.encode("utf-8")) + 2 > LIGHT_MAX_BYTES:
            break
        out.append(text)
        size += len(text.encode("utf-8")) + 2
        n += 1
    path.write_text("\n\n".join(out) + "\n", encoding="utf-8")
    return n


def table(runs: dict[str, list[tuple[float, float]]]) -> None:
    print("| version | CPU s (median) | wall s (median) | CPU runs | wall runs |\n|---|---:|---:|---|---|")
    for name, values in runs.items():
        cpu, wall = [c for c, _ in values], [w for _, w in values]
        print(f"| {name} | {statistics.median(cpu):.2f} | {statistics.median(wall):.2f} | "
              f"{' / '.join(f'{c:.2f}' for c in cpu)} | {' / '.join(f'{w:.2f}' for w in wall)} |")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--model", help="a saved model (default: trained on the embedded corpus)")
    ap.add_argument("--before", help="source tree of the version to compare with")
    ap.add_argument("--many", action="store_true", help="also the light and full paths on a 1 MB input")
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
        old = str(without_plain(Path(model), folder))
        src = folder / "one.txt"
        src.write_text(PASSAGE, encoding="utf-8")
        out = str(folder / "one.csv")
        code = SCORE.format(src=str(src), model=str(model), out=out)
        cases = {"this version (light path)": (code, None),
                 "this version, full path (model without its plain form)": (SCORE.format(src=str(src), model=old,
                                                                                         out=out), None)}
        if args.before:
            cases = {f"before ({Path(args.before).name})": (code, args.before)} | cases
        cases |= {"reference: empty interpreter": ("pass", None),
                  "reference: imports the model's classes need": (FLOOR, None)}
        runs: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
        for _ in range(args.runs):
            for name, (source, path) in cases.items():
                runs[name].append(one_run(source, path))
        print("One passage: `stance score one.txt --model M -o one.csv -q`\n")
        table(runs)
        if args.many:
            big = folder / "many.txt"
            n = many_passages(big)
            out = str(folder / "many.csv")
            many = {"light path": SCORE.format(src=str(big), model=str(model), out=out),
                    "full path": SCORE.format(src=str(big), model=old, out=out)}
            runs = {name: [] for name in many}
            for _ in range(args.runs):
                for name, source in many.items():
                    runs[name].append(one_run(source, None))
            print(f"\nMany passages: the same command on {big.stat().st_size:,} bytes, {n:,} passages\n")
            table(runs)
            for name, values in runs.items():
                print(f"- {name}: {n / statistics.median(c for c, _ in values):,.0f} passages per CPU-second")
    print(f"\nMachine: {platform.platform()}, {os.cpu_count()} CPUs (shared), Python {platform.python_version()}, "
          f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
