"""Large synthetic collections in each source format, built from real records (streamed to disk).

Met API / Met CSV rows come from the 174 real Met sample records, Tate rows from the real Tate
sample, LIDO from the hand-written LIDO fixture, generic JSONL from the mapping test's shape; each
copy gets a fresh accession number. Usage: python benchmarks/catalog/generate.py FORMAT N OUT_DIR
"""

from __future__ import annotations

import csv
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path

from museumvqa.sample import met_sample_dir

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "catalog" / "fixtures"
TATE = ROOT.parent / "shared" / "data" / "tate"
FORMATS = ("met-api", "met-csv", "tate", "lido", "mapping")
MAPPING = """museum: bench
format: jsonl
id: accession_number
fields:
  title: title
  creator: creator[].full_name
  date: creation_date
  date_begin: creation_date_earliest
  medium: medium
  object_type: classification
  images: images[].image_url
people:
  each: creator[]
  name: full_name
  nationality: nationality
  birth_place: birth_place
"""


def _met_records() -> list[dict]:
    return json.loads((met_sample_dir() / "objects.json").read_text())["objects"]


def _met(n: int) -> Iterator[dict]:
    base = _met_records()
    for i in range(n):
        record = dict(base[i % len(base)])
        record["accessionNumber"], record["objectID"] = f"B.{i}", 10_000_000 + i
        yield record


def _csv_row(o: dict, header: list[str]) -> list[str]:
    people = o.get("constituents") or []
    values = {
        "Object Number": o["accessionNumber"],
        "Is Public Domain": str(o["isPublicDomain"]),
        "Object ID": o["objectID"],
        "Department": o["department"],
        "AccessionYear": o["accessionYear"],
        "Object Name": o["objectName"],
        "Title": o["title"],
        "Culture": o["culture"],
        "Period": o["period"],
        "Constituent ID": "|".join(str(c["constituentID"]) for c in people),
        "Artist Role": "|".join(c["role"] for c in people),
        "Artist Display Name": "|".join(c["name"] for c in people),
        "Artist Nationality": o["artistNationality"],
        "Artist Begin Date": o["artistBeginDate"],
        "Artist End Date": o["artistEndDate"],
        "Object Date": o["objectDate"],
        "Object Begin Date": o["objectBeginDate"],
        "Object End Date": o["objectEndDate"],
        "Medium": o["medium"],
        "Dimensions": o["dimensions"],
        "Credit Line": o["creditLine"],
        "Classification": o["classification"],
        "Link Resource": o["objectURL"],
        "Tags": "|".join(t["term"] for t in o.get("tags") or []),
    }
    return [str(values.get(column, "")) for column in header]


def _lido_records(n: int) -> Iterator[str]:
    text = (FIXTURES / "lido_1_0_wrap.xml").read_text(encoding="utf-8")
    record = text[text.index("<lido:lido>") : text.index("</lido:lido>") + len("</lido:lido>")]
    for i in range(n):
        yield re.sub("GK 214", f"GK {i}", record.replace("lido-obj-0001", f"lido-obj-{i}"))


def _tate(n: int) -> Iterator[dict]:
    if not (TATE / "artworks.jsonl").is_file():
        raise SystemExit(f"Tate sample not found at {TATE}")
    base = [json.loads(line) for line in (TATE / "artworks.jsonl").read_text().splitlines()]
    for i in range(n):
        record = dict(base[i % len(base)])
        record["acno"] = f"B{i:08d}"
        yield record


def _generic(n: int) -> Iterator[dict]:
    for i in range(n):
        artist = i % 500
        yield {
            "accession_number": f"G.{i}",
            "title": f"Study no. {i}",
            "creator": [{"full_name": f"Artist {artist}", "nationality": "Dutch", "birth_place": f"Town {artist}"}],
            "creation_date": f"c. {1600 + i % 300}",
            "creation_date_earliest": 1600 + i % 300,
            "medium": "Oil on canvas",
            "classification": "painting",
            "images": [{"image_url": f"https://img.example.org/{i}.jpg"}],
        }


def generate(fmt: str, n: int, out_dir: Path) -> Path:
    """Write `n` records of `fmt` under `out_dir`; returns the input path ingest should read."""
    out_dir.mkdir(parents=True, exist_ok=True)
    if fmt == "met-api":
        path = out_dir / "objects.json"
        with path.open("w", encoding="utf-8") as f:
            f.write("[\n")
            for i, record in enumerate(_met(n)):
                f.write(("," if i else "") + json.dumps(record, ensure_ascii=False) + "\n")
            f.write("]\n")
    elif fmt == "met-csv":
        path = out_dir / "MetObjects.csv"
        with (FIXTURES / "met_objects.csv").open(newline="", encoding="utf-8") as f:
            header = next(csv.reader(f))
        with path.open("w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(header)
            writer.writerows(_csv_row(o, header) for o in _met(n))
    elif fmt == "tate":
        path = out_dir / "artworks.jsonl"
        (out_dir / "artists.jsonl").write_bytes((TATE / "artists.jsonl").read_bytes())
        with path.open("w", encoding="utf-8") as f:
            f.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in _tate(n))
    elif fmt == "lido":
        path = out_dir / "lido.xml"
        with path.open("w", encoding="utf-8") as f:
            f.write('<?xml version="1.0" encoding="UTF-8"?>\n<lido:lidoWrap xmlns:lido="http://www.lido-schema.org">\n')
            f.writelines(_lido_records(n))
            f.write("\n</lido:lidoWrap>\n")
    elif fmt == "mapping":
        path = out_dir / "records.jsonl"
        (out_dir / "mapping.yaml").write_text(MAPPING)
        with path.open("w", encoding="utf-8") as f:
            f.writelines(json.dumps(r) + "\n" for r in _generic(n))
    else:
        raise SystemExit(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
    return path


if __name__ == "__main__":
    print(generate(sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])))
