"""Paragraphs of the UN General Debate statements: what the splitter makes of hard-wrapped PDF text.

    .venv/bin/python benchmarks/paragraphs.py [--shared ../shared]

Prints, for the 787 statements of ../shared/corpora/un-general-debate: how many are hard-wrapped,
passages per statement, the median passage length per year (the report warns when it varies more
than 2.5-fold), how well the line test finds paragraph breaks on the 2013-2014 statements whose
single blank lines mark paragraphs (the blank lines hidden from it), and the time to split them all
(median of 3 runs), with the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from collections import defaultdict
from itertools import pairwise
from pathlib import Path

from stance import passages as P

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared", type=Path, default=Path(os.environ.get("STANCE_SHARED", REPO.parent / "shared")))
    args = parser.parse_args()
    rows = [json.loads(line) for line in
            (args.shared / "corpora" / "un-general-debate" / "speeches.jsonl").open(encoding="utf-8")]
    texts = [(r["id"], r["year"], r["text"].replace("\r", "\n")) for r in rows]  # as ingest reads them

    times = []
    for _ in range(3):
        start = time.perf_counter()
        split = {doc_id: P.split_passages(doc_id, text) for doc_id, _, text in texts}
        times.append(time.perf_counter() - start)
    wrapped = [doc_id for doc_id, _, text in texts if P.is_hard_wrapped(text)]
    wrapped_years = [year for doc_id, year, _ in texts if doc_id in set(wrapped)]
    per_doc = [len(split[doc_id]) for doc_id, _, _ in texts]
    by_year: dict[int, list[int]] = defaultdict(list)
    for doc_id, year, _ in texts:
        by_year[year] += [len(p.text) for p in split[doc_id] if not p.is_boilerplate]
    medians = {year: statistics.median(v) for year, v in sorted(by_year.items())}

    tp = fp = fn = 0  # the line test alone, against single blank lines where those mark paragraphs
    for doc_id, year, text in texts:
        if year not in (2013, 2014) or doc_id not in wrapped:
            continue
        lines = P._content_lines(text)
        truth = {i for i, ((_, a_end, _), (b_start, _, _)) in enumerate(pairwise(lines))
                 if P._is_single_blank_line(text[a_end:b_start])}
        if len(truth) < 8:
            continue
        width = P._wrap_width([len(line) for _, _, line in lines])
        for i, ((_, a_end, a), (b_start, _, b)) in enumerate(pairwise(lines)):
            found = P._is_paragraph_break(text, a, a_end, b, b_start, width, blank_breaks=False)
            tp += found and i in truth
            fp += found and i not in truth
            fn += (not found) and i in truth

    print(f"statements: {len(texts)}; hard-wrapped: {len(wrapped)} "
          f"({min(wrapped_years)}-{max(wrapped_years)})")
    print(f"passages: {sum(per_doc):,}; per statement median {statistics.median(per_doc):.0f} "
          f"(min {min(per_doc)}, max {max(per_doc)})")
    low, high = min(medians, key=medians.get), max(medians, key=medians.get)
    print(f"median passage length per year: {medians[low]:.0f} characters ({low}) to {medians[high]:.0f} ({high}), "
          f"ratio {medians[high] / medians[low]:.1f}")
    print("  " + ", ".join(f"{y}: {m:.0f}" for y, m in medians.items()))
    print(f"paragraph breaks found by the line test on 2013-2014 statements with blank-line paragraphs: "
          f"recall {tp / (tp + fn):.3f}, precision {tp / (tp + fp):.3f} ({tp + fn} breaks)")
    print(f"split all {len(texts)} statements: median {statistics.median(times):.2f} s of 3 runs")
    print(f"machine: {platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
