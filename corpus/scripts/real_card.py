"""Print the real corpus' figures for the data card (corpus/README.md): gold label counts per value and
source, the values short of 40 real passages, the passages of each sample (random, top-up), how gold was reached, and the share of passages with
foreign- or security-policy content (topic not `none`). Read from corpus/real/ (no UN text needed);
tests/test_corpus_real.py checks that the card matches this output.

    python corpus/scripts/real_card.py
"""

from __future__ import annotations

from collections import Counter

import pandas as pd

from stance.corpus import read_jsonl
from stance.real_corpus import gold_counts, real_dir

MIN_PER_VALUE = 40  # issue 13: aim for at least 40 real passages of every value of these dimensions
CHECKED = ("posture", "intervention", "role", "voice")


def markdown(frame: pd.DataFrame) -> str:
    cols = list(frame.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines)


def card() -> str:
    counts = gold_counts()
    short = counts[counts["dimension"].isin(CHECKED) & (counts["total"] < MIN_PER_VALUE)]
    parts = {"us speeches": read_jsonl(real_dir() / "us_passages.jsonl"),
             "un statements": read_jsonl(real_dir() / "un_standoff.jsonl")}
    methods = pd.DataFrame([
        {"source": name, "passages": len(rows), **{m: n for m, n in sorted(Counter(
            r.get("gold_method", "no gold yet") for r in rows).items())}}
        for name, rows in parts.items()]).fillna(0)
    for col in methods.columns[2:]:
        methods[col] = methods[col].astype(int)
    foreign = pd.DataFrame([
        {"source": name, "passages": len(rows),
         "foreign or security policy (topic not none)": sum("topic" in r and r["topic"] != ["none"] for r in rows)}
        for name, rows in parts.items()])
    samples = pd.DataFrame([
        {"source": name, "passages": len(rows),
         "random sample": sum(r.get("sample") != "topup" for r in rows),
         "top-up (filtered)": sum(r.get("sample") == "topup" for r in rows)}
        for name, rows in parts.items()])
    shortfall = ", ".join(f"{r.dimension} {r.value} ({r.total})" for r in short.itertuples()) or "none"
    return "\n\n".join([
        "<!-- real-counts:start -->\n" + markdown(counts) + "\n<!-- real-counts:end -->",
        f"Values short of {MIN_PER_VALUE} real passages: {shortfall}.",
        "Passages per sample:\n\n" + markdown(samples),
        "How gold was reached (passages):\n\n" + markdown(methods),
        "Foreign- or security-policy passages:\n\n" + markdown(foreign),
    ])


if __name__ == "__main__":
    print(card())
