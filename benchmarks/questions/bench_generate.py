"""Pairs per second per core of question generation, Parquet write included, against baselines in the same run.

Inputs (each ingested with the catalog library first):
- `met x N`: the real 174-painting Met sample replicated (fresh exhibit ids) to `--copies` times its size.
  Every value repeats N times, which flatters anything cached per distinct value;
- `tate`: the 3,000 real Tate records of ../shared/data/tate, not replicated: titles, dimensions and
  inscriptions are distinct, vocabularies repeat as they do in a real catalogue. The figure to read.
Contenders, alternating within each round, timed in CPU seconds of the process that runs them
(`time.process_time`; other work sharing the machine mostly drops out) and in wall seconds:
- plain: `str.format` of 7 fixed English templates over the record's raw values, columns collected in
  lists and written to Parquet in batches (the ceiling the issue quotes);
- `generate_questions` of this checkout, seven languages and English only;
- with `--base-src`, `generate_questions` of another checkout (e.g. a `git worktree` of main), run in a
  child process with that `src` first on the path, after one untimed warm-up run as here.

    .venv/bin/python benchmarks/questions/bench_generate.py --copies 20 --rounds 3 --base-src /tmp/base/src
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from museumvqa.catalog.schema import EXHIBIT_SCHEMA

LANGUAGES = ("en", "fr", "de", "es", "it", "nl", "sv")
TATE = Path(__file__).resolve().parents[3] / "shared" / "data" / "tate"
BASELINE_TEMPLATES = {
    "title": "What is the title of this {object}?",
    "creator": "Who made this {object}?",
    "date": "When was this {object} made?",
    "medium": "What is this {object} made of?",
    "department": "Which department holds this {object}?",
    "credit_line": "What is the credit line of this {object}?",
    "dimensions": "What are the dimensions of this {object}?",
}
BASELINE_SCHEMA = pa.schema(
    [("question_id", pa.string()), ("exhibit_id", pa.string()), ("category", pa.string()),
     ("question", pa.string()), ("answers", pa.list_(pa.string()))]
)  # fmt: skip


def replicate(exhibits_dir: Path, copies: int, out: Path) -> int:
    table = pq.read_table(exhibits_dir).cast(EXHIBIT_SCHEMA)
    ids = table["exhibit_id"].to_pylist()
    out.mkdir(parents=True)
    with pq.ParquetWriter(out / "part-00000.parquet", EXHIBIT_SCHEMA) as writer:
        for n in range(copies):
            column = pa.array([f"{i}~{n}" for i in ids], pa.string())
            writer.write_table(table.set_column(0, "exhibit_id", column))
    return table.num_rows * copies


def baseline(exhibits_dir: Path, out: Path) -> int:
    """Plain templating: one English question per category with a value, raw value as the answer."""
    columns: dict[str, list] = {name: [] for name in BASELINE_SCHEMA.names}
    pairs = 0
    with pq.ParquetWriter(out, BASELINE_SCHEMA) as writer:
        for file in sorted(exhibits_dir.glob("*.parquet")):
            for batch in pq.ParquetFile(file).iter_batches(2048, columns=["exhibit_id", "attributes"]):
                for row in batch.to_pylist():
                    attributes = row["attributes"]
                    kinds = attributes["object_type"]
                    obj = kinds[0]["value"].lower() if kinds else "object"
                    for category, template in BASELINE_TEMPLATES.items():
                        values = attributes[category]
                        if not values:
                            continue
                        columns["question_id"].append(f"{row['exhibit_id']}#{category}")
                        columns["exhibit_id"].append(row["exhibit_id"])
                        columns["category"].append(category)
                        columns["question"].append(template.format(object=obj))
                        columns["answers"].append([v["value"] for v in values])
                    if len(columns["question_id"]) >= 65536:
                        pairs += len(columns["question_id"])
                        writer.write_table(pa.table(columns, schema=BASELINE_SCHEMA))
                        columns = {name: [] for name in BASELINE_SCHEMA.names}
        pairs += len(columns["question_id"])
        writer.write_table(pa.table(columns, schema=BASELINE_SCHEMA))
    return pairs


def timed(run: Callable[[], int]) -> tuple[int, float, float]:
    """(pairs, CPU seconds of this process, wall seconds) of one run."""
    cpu, wall = time.process_time(), time.perf_counter()
    pairs = run()
    return pairs, time.process_time() - cpu, time.perf_counter() - wall


def generate(exhibits: Path, out: Path, languages: tuple[str, ...]) -> int:
    from museumvqa.questions.generate import generate_questions

    return sum(generate_questions(exhibits, out, languages, progress=False).values())


def in_checkout(src: Path, exhibits: Path, out: Path, languages: tuple[str, ...]) -> tuple[int, float, float]:
    """`timed(generate)` in a child process that imports museumvqa from another checkout's `src`."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    command = [sys.executable, __file__, "--child", str(exhibits), str(out), ",".join(languages)]
    result = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    return tuple(json.loads(result.stdout.splitlines()[-1]))  # type: ignore[return-value]


def child(exhibits: Path, out: Path, languages: tuple[str, ...]) -> None:
    generate(exhibits, out, languages)  # warm-up, as the parent's first round warms its caches
    print(json.dumps(timed(lambda: generate(exhibits, out, languages))))


def prepare(root: Path, copies: int) -> dict[str, tuple[Path, int]]:
    from museumvqa.catalog.adapters.met_api import MetApiAdapter
    from museumvqa.catalog.adapters.tate import TateAdapter
    from museumvqa.catalog.ingest import ingest
    from museumvqa.sample import met_sample_dir

    sample = met_sample_dir()
    ingest([sample / "objects.json"], root / "met", MetApiAdapter(sample), progress=False)
    inputs = {f"met x{copies}": (root / "big", replicate(root / "met" / "exhibits", copies, root / "big"))}
    if (TATE / "artworks.jsonl").is_file():
        ingest([TATE / "artworks.jsonl"], root / "tate", TateAdapter(TATE / "artists.jsonl"), progress=False)
        inputs["tate"] = (
            root / "tate" / "exhibits",
            pq.read_metadata(root / "tate" / "exhibits" / "part-00000.parquet").num_rows,
        )
    else:
        print(f"{TATE} not here: Met input only")
    return inputs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--base-src", type=Path, help="`src` of another checkout to compare with (child process)")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(Path(args.child[0]), Path(args.child[1]), tuple(args.child[2].split(",")))
        return
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        inputs = prepare(root, args.copies)
        for name, (exhibits, count) in inputs.items():
            generate(exhibits, root / "warm", LANGUAGES)  # warm this process's caches, as the child does
            runs = {contender: [] for contender in contenders(exhibits, root, args.base_src)}
            for _ in range(args.rounds):
                for contender, run in contenders(exhibits, root, args.base_src).items():
                    runs[contender].append(run())
            report(name, count, args.rounds, runs)


def contenders(exhibits: Path, root: Path, base_src: Path | None) -> dict[str, Callable[[], tuple[int, float, float]]]:
    """Each contender as a call returning (pairs, CPU seconds, wall seconds)."""
    found: dict[str, Callable[[], tuple[int, float, float]]] = {
        "plain str.format, 7 en templates": lambda: timed(lambda: baseline(exhibits, root / "plain.parquet")),
        "generate_questions, 7 languages": lambda: timed(lambda: generate(exhibits, root / "qa", LANGUAGES)),
        "generate_questions, en": lambda: timed(lambda: generate(exhibits, root / "qa", ("en",))),
    }
    if base_src:
        found["base checkout, 7 languages"] = lambda: in_checkout(base_src, exhibits, root / "qa", LANGUAGES)
        found["base checkout, en"] = lambda: in_checkout(base_src, exhibits, root / "qa", ("en",))
    return found


def report(name: str, exhibits: int, rounds: int, runs: dict[str, list[tuple[int, float, float]]]) -> None:
    print(
        f"\n{name}: {exhibits} exhibits, {rounds} alternating rounds; rates per CPU-second (per core) and per wall second"
    )
    print("| contender | pairs | median pairs/s/core | best pairs/s/core | median pairs/s wall | vs plain | vs base |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    median = {c: statistics.median(n / cpu for n, cpu, _ in r) for c, r in runs.items()}
    plain = median["plain str.format, 7 en templates"]
    for contender, r in runs.items():
        base_name = "base checkout, en" if contender.endswith(", en") else "base checkout, 7 languages"
        base = f"{median[contender] / median[base_name]:.2f}" if base_name in median and "generate" in contender else ""
        wall = statistics.median(n / w for n, _, w in r)
        best = max(n / cpu for n, cpu, _ in r)
        print(
            f"| {contender} | {r[0][0]:,} | {median[contender]:,.0f} | {best:,.0f} | {wall:,.0f} | "
            f"{median[contender] / plain:.2f} | {base} |"
        )


if __name__ == "__main__":
    main()
