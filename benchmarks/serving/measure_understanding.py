"""Measure how `serve` reads free-form questions: category and language accuracy per language on the
visitor paraphrases of tests/serving/fixtures/paraphrases.jsonl (never the templates).

    python benchmarks/serving/measure_understanding.py [--split dev|test|all] [--method semantic|lexical]
        [--sweep]    # accuracy at each threshold (calibrate on dev, then measure test once)

A question is right when its detected category is one the fixture accepts, or when both say "not a
catalogue question" (category null); the language is right when the detector alone names it.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from museumvqa.serving import categories as c
from museumvqa.serving.language import detect_language

FIXTURE = Path(__file__).resolve().parents[2] / "tests" / "serving" / "fixtures" / "paraphrases.jsonl"


def load(split: str) -> list[dict]:
    rows = [json.loads(line) for line in FIXTURE.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in rows if split == "all" or r["split"] == split]


def measure(rows: list[dict], method: str, threshold: float | None = None) -> dict[str, dict[str, float]]:
    """Per language (and "all"): n, category accuracy, language accuracy, and the misses."""
    found = c.detector(method)
    if threshold is not None:
        found.threshold = threshold
    out: dict[str, dict] = defaultdict(lambda: {"n": 0, "category": 0, "language": 0, "misses": []})
    for row in rows:
        reading = c.read_question(row["question"], method=method)
        got = reading.detected.category if reading.detected else None
        right = got in row["accept"] if row["accept"] else got is None
        language = detect_language(row["question"]).language
        for key in (row["language"], "all"):
            cell = out[key]
            cell["n"] += 1
            cell["category"] += right
            cell["language"] += language == row["language"]
        if not right or language != row["language"]:
            out[row["language"]]["misses"].append((row["question"], row["category"], got, language))
    return dict(out)


def table(result: dict[str, dict]) -> str:
    lines = ["| language | n | category accuracy | language accuracy |", "|---|---:|---:|---:|"]
    for lang, cell in result.items():
        n = cell["n"]
        lines.append(f"| {lang} | {n} | {cell['category'] / n:.1%} | {cell['language'] / n:.1%} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="test", choices=("dev", "test", "all"))
    parser.add_argument("--method", default=c.SEMANTIC, choices=(c.SEMANTIC, c.LEXICAL))
    parser.add_argument("--sweep", action="store_true")
    parser.add_argument("--misses", action="store_true")
    args = parser.parse_args()
    rows = load(args.split)
    started = time.perf_counter()
    c.detector(args.method)
    print(f"detector ready in {time.perf_counter() - started:.1f} s ({len(c.detector(args.method).prototypes)} prototypes)")
    if args.sweep:
        for threshold in np.arange(0.0, 0.8, 0.05):
            result = measure(rows, args.method, float(threshold))["all"]
            print(f"threshold {threshold:.2f}: category {result['category'] / result['n']:.1%}")
        return
    started = time.perf_counter()
    result = measure(rows, args.method)
    print(f"{len(rows)} questions in {time.perf_counter() - started:.1f} s; method {args.method}, split {args.split}")
    print(table(result))
    if args.misses:
        for lang, cell in result.items():
            for miss in cell["misses"] if lang != "all" else ():
                print(lang, miss)


if __name__ == "__main__":
    main()
