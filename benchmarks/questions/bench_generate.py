"""Pairs per second per core of question generation, Parquet write included, against a plain baseline.

The input is the real 174-painting Met sample, ingested and replicated (with fresh exhibit ids) to
`--copies` times its size. Both contenders run in this one process, alternating, timed in CPU
seconds of the process (`time.process_time`), so other work sharing the machine mostly drops out:
- baseline: plain `str.format` of fixed English templates over the record's raw attribute values,
  columns collected in lists and written to Parquet in batches (the figure the issue quotes);
- generator: `generate_questions` with all seven languages (normalisation, aliases, derived answers,
  glossary translation, gendered noun phrases, record languages).

    .venv/bin/python benchmarks/questions/bench_generate.py --copies 20 --rounds 3
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from museumvqa.catalog.adapters.met_api import MetApiAdapter
from museumvqa.catalog.ingest import ingest
from museumvqa.catalog.schema import EXHIBIT_SCHEMA
from museumvqa.questions.generate import generate_questions
from museumvqa.questions.glossary import LANGUAGES
from museumvqa.sample import met_sample_dir

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
        batches = pq.ParquetFile(exhibits_dir / "part-00000.parquet").iter_batches(
            2048, columns=["exhibit_id", "attributes"]
        )
        for batch in batches:
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        sample = met_sample_dir()
        ingest([sample / "objects.json"], root / "run", MetApiAdapter(sample), progress=False)
        exhibits = replicate(root / "run" / "exhibits", args.copies, root / "big")
        generate_questions(root / "big", root / "warm", LANGUAGES, categories=["title"], progress=False)  # warm caches
        rates: dict[str, list[float]] = {"baseline": [], "generator (7 languages)": [], "generator (en)": []}
        pairs: dict[str, int] = {}
        for _ in range(args.rounds):
            for name in rates:
                start = time.process_time()  # CPU seconds of this one process: per core, whatever else runs
                if name == "baseline":
                    n = baseline(root / "big", root / "baseline.parquet")
                else:
                    langs = LANGUAGES if "7" in name else ("en",)
                    n = sum(generate_questions(root / "big", root / "qa", langs, progress=False).values())
                rates[name].append(n / (time.process_time() - start))
                pairs[name] = n
        print(f"{exhibits} exhibits, {args.rounds} alternating rounds, one process, rates per CPU-second")
        print("| contender | pairs | median pairs/s/core | best pairs/s/core | ratio to baseline (median) |")
        print("|---|---:|---:|---:|---:|")
        base = statistics.median(rates["baseline"])
        for name, values in rates.items():
            median = statistics.median(values)
            print(f"| {name} | {pairs[name]} | {median:,.0f} | {max(values):,.0f} | {median / base:.2f} |")


if __name__ == "__main__":
    main()
