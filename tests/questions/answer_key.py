"""The reviewed answer key: real records of several museums, their generated QA pairs, and a person's verdicts.

`build_corpus(work)` ingests ~50 real records per museum (tests/fixtures/real, the built-in Met sample,
the Tate sample in ../shared) one museum per run and generates questions in en, fr and sv (plus each
record's own languages). `review_sample(pairs)` picks the pairs a reviewer reads: per museum the pairs
with the smallest hash of their question id, so a later build keeps the same sample where the
pairs still exist. `python tests/questions/answer_key.py OUT` writes the review sheet.
"""

from __future__ import annotations

import json
import sys
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq

from museumvqa.catalog.adapters import Adapter
from museumvqa.catalog.adapters.lido import LidoAdapter
from museumvqa.catalog.adapters.mapping import MappingAdapter
from museumvqa.catalog.adapters.met_api import MetApiAdapter
from museumvqa.catalog.adapters.tate import TateAdapter
from museumvqa.catalog.ingest import ALLOW_REJECTS, ingest
from museumvqa.questions.generate import generate_questions
from museumvqa.sample import met_sample_dir

TESTS = Path(__file__).resolve().parents[1]
REAL = TESTS / "fixtures" / "real"
KEY = TESTS / "fixtures" / "answer_key" / "key.jsonl"
TATE = TESTS.parents[1] / "shared" / "data" / "tate"
LANGUAGES = ("en", "fr", "sv")
PER_MUSEUM = 60  # pairs reviewed per museum
RECORDS = 50  # records per museum where a source has more


@dataclass(frozen=True)
class Museum:
    name: str
    inputs: tuple[Path, ...]
    adapter: Adapter


def museums(work: Path) -> Iterator[Museum]:
    """The corpus, one entry per museum; the Met and Tate subsets are written into `work` first."""
    met = json.loads((met_sample_dir() / "objects.json").read_text(encoding="utf-8"))["objects"]
    (work / "met.json").write_text(json.dumps(met[:: max(1, len(met) // RECORDS)][:RECORDS]), encoding="utf-8")
    yield Museum("met", (work / "met.json", *sorted((REAL / "met-api").glob("*.json"))), MetApiAdapter())
    if (TATE / "artworks.jsonl").is_file():
        lines = (TATE / "artworks.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
        (work / "tate.jsonl").write_text("".join(lines[:: len(lines) // RECORDS][:RECORDS]), encoding="utf-8")
        yield Museum("tate", (work / "tate.jsonl",), TateAdapter(TATE / "artists.jsonl"))
    for folder in sorted(p for p in REAL.iterdir() if p.is_dir() and p.name not in ("met-api",)):
        mapping = folder / "mapping.yaml"
        if mapping.is_file():
            data = folder / "objects" if (folder / "objects").is_dir() else next(
                p for p in sorted(folder.iterdir()) if p.suffix in (".csv", ".json", ".jsonl")
            )
            yield Museum(folder.name, (data,), MappingAdapter.from_yaml(mapping))
        elif any(folder.glob("*.xml")):  # LIDO; folders of other formats (Linked Art, EDAN, ...) are not in the key
            yield Museum(folder.name, (folder,), LidoAdapter())


def build_corpus(work: Path) -> dict[str, Path]:
    """Each museum's run folder (exhibits + questions/qa.parquet), built under `work`."""
    runs = {}
    for museum in museums(work):
        run = work / "runs" / museum.name
        ingest(list(museum.inputs), run, museum.adapter, progress=False, mode="replace", guard=ALLOW_REJECTS)
        generate_questions(run / "exhibits", run / "questions", languages=LANGUAGES, progress=False)
        runs[museum.name] = run
    return runs


def pairs_of(run: Path) -> list[dict]:
    return pq.read_table(run / "questions" / "qa.parquet").to_pylist()


def review_sample(pairs: list[dict], size: int = PER_MUSEUM) -> list[dict]:
    """The `size` pairs with the smallest crc32 of their question id: stable across builds."""
    return sorted(pairs, key=lambda p: zlib.crc32(p["question_id"].encode()))[:size]


def record_facts(run: Path) -> dict[str, dict]:
    """Per exhibit, what a reviewer reads the pair against: its attributes, dates and people."""
    facts = {}
    for row in pq.read_table(run / "exhibits").to_pylist():
        attributes = {k: [(v["value"], v["lang"], v["role"]) for v in vs] for k, vs in row["attributes"].items() if vs}
        people = [{k: v for k, v in p.items() if v is not None} for p in row["people"]]
        facts[row["exhibit_id"]] = {
            "attributes": attributes,
            "date_begin": row["date_begin"],
            "date_end": row["date_end"],
            "people": people,
            "source": row["source_path"],
        }
    return facts


def write_review_sheet(work: Path, out: Path) -> int:
    """One JSON line per sampled pair with its record beside it, for a reviewer to add `verdict` and `why`."""
    lines = []
    for name, run in build_corpus(work).items():
        facts = record_facts(run)
        for pair in review_sample(pairs_of(run)):
            lines.append(json.dumps({"museum": name, **pair, "record": facts[pair["exhibit_id"]]}, ensure_ascii=False))
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines)


if __name__ == "__main__":
    target = Path(sys.argv[1])
    target.mkdir(parents=True, exist_ok=True)
    print(write_review_sheet(target, target / "review_sheet.jsonl"), "pairs to review")
