"""Ingest speed per source format: records per CPU-second and peak RSS, from repeated real records.

For each catalogue format with real fixtures (Met API sample, Tate, LIDO, Europeana EDM, DPLA,
Smithsonian EDAN, Linked Art, Cooper Hewitt mapping) the real records are repeated to N records in
the format's own shape, every copy's id made unique (the record's own local id, wherever it occurs
in the record's text, gets a `-cK` suffix):

    met-api      one JSON lines file           smithsonian  one JSON lines file
    tate         artworks.jsonl + artists.jsonl  dpla       one JSON lines file
    lido         one lidoWrap XML file          edm          one OAI-PMH ListRecords XML dump
    linked-art   a folder, one JSON file per object (plus the fixtures' linked documents)
    cooper-hewitt  a folder, one JSON file per object, with tests/fixtures/real/cooper-hewitt/mapping.yaml

The one-file-per-object formats get `--folder-records` records (default 10,000) instead of N.
Each source is ingested (`museumvqa.catalog.ingest.ingest`, adapter passed explicitly, ALLOW_REJECTS
since some real records are rejects) in its own child process; the parent reads the child's CPU
(user+sys) and peak RSS from os.wait4, so each row has its own peak. Usage:
    .venv/bin/python benchmarks/ingest/bench_sources.py --records 100000 [--sources lido edm ...]
Results are appended as JSON lines to --results and printed as a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[2]
REAL = ROOT / "tests" / "fixtures" / "real"
TATE = ROOT.parent / "shared" / "data" / "tate"
MAPPING = REAL / "cooper-hewitt" / "mapping.yaml"

# source -> (adapter name, fixture path, format description, one file per object)
SOURCES: dict[str, tuple[str, Path | None, str, bool]] = {
    "met-api": ("met-api", None, "Met API JSON, JSON lines", False),
    "tate": ("tate", TATE, "Tate JSON lines (+ artists.jsonl)", False),
    "lido": ("lido", REAL / "inp-romania", "LIDO XML, one lidoWrap file", False),
    "edm": ("edm", REAL / "europeana-edm", "Europeana EDM RDF/XML, one OAI-PMH dump", False),
    "dpla": ("dpla", REAL / "dpla", "DPLA JSON, JSON lines", False),
    "smithsonian": ("smithsonian", REAL / "smithsonian", "Smithsonian EDAN JSON lines", False),
    "linked-art": ("linked-art", REAL / "linked-art", "Linked Art JSON-LD, one file per object", True),
    "cooper-hewitt": ("mapping", REAL / "cooper-hewitt", "Cooper Hewitt JSON + mapping.yaml, one file per object", True),
}

Unit = tuple[str, list[str]]  # a record's text and the local ids to make unique in it


def _adapter(source: str):
    from museumvqa.catalog.adapters import make_adapter

    name = SOURCES[source][0]
    return make_adapter(name, mapping=MAPPING if name == "mapping" else None)


def _local_ids(adapter, path: Path) -> list[tuple[object, str | None]]:
    """(record data, local id or None for a reject) of every record the adapter reads from `path`, in order."""
    from museumvqa.catalog.adapters import RecordRejected

    found = []
    for record in adapter.read(path):
        try:
            exhibit = adapter.to_exhibit(record)
        except (RecordRejected, TypeError, ValueError, AttributeError, KeyError, IndexError):
            found.append((record.data, None))
            continue
        found.append((record.data, exhibit.exhibit_id.removeprefix(f"{exhibit.museum}:")))
    return found


def _json_units(source: str, path: Path) -> list[Unit]:
    units = []
    for data, local in _local_ids(_adapter(source), path):
        units.append((json.dumps(data, ensure_ascii=False), [json.dumps(local, ensure_ascii=False)[1:-1]] if local else []))
    return units


def _copies(units: list[Unit], n: int) -> Iterator[str]:
    """n record texts: the units repeated, each copy's ids suffixed with its copy number."""
    patterns = [re.compile("|".join(re.escape(i) for i in sorted(set(ids), key=len, reverse=True))) if ids else None for _, ids in units]
    for i in range(n):
        k, j = divmod(i, len(units))
        text, pattern = units[j][0], patterns[j]
        yield pattern.sub(lambda m, k=k: f"{m.group(0)}-c{k}", text) if pattern else text


def _write_lines(lines: Iterator[str], file: Path) -> Path:
    file.parent.mkdir(parents=True, exist_ok=True)
    with file.open("w", encoding="utf-8") as f:
        for line in lines:
            f.write(line)
            f.write("\n")
    return file


def _write_files(texts: Iterator[str], folder: Path) -> None:
    for i, text in enumerate(texts):
        sub = folder / f"{i // 1000:04d}"
        if i % 1000 == 0:
            sub.mkdir(parents=True, exist_ok=True)
        (sub / f"obj-{i:07d}.json").write_text(text, encoding="utf-8")


def build_met(n: int, dest: Path) -> Path:
    from museumvqa.sample import met_sample_records

    return _write_lines(_copies(_json_units("met-api", met_sample_records()), n), dest / "objects.jsonl")


def build_jsonl(source: str) -> Callable[[int, Path], Path]:
    def build(n: int, dest: Path) -> Path:
        return _write_lines(_copies(_json_units(source, SOURCES[source][1]), n), dest / f"{source}.jsonl")

    return build


def build_tate(n: int, dest: Path) -> Path:
    folder = dest / "tate"
    _write_lines(_copies(_json_units("tate", TATE / "artworks.jsonl"), n), folder / "artworks.jsonl")
    shutil.copyfile(TATE / "artists.jsonl", folder / "artists.jsonl")
    return folder


def build_lido(n: int, dest: Path) -> Path:
    file = next(SOURCES["lido"][1].glob("*.xml"))
    text = file.read_text(encoding="utf-8")
    blocks = re.findall(r"<lido:lido[\s>].*?</lido:lido>", text, re.S)
    ids = [local for _, local in _local_ids(_adapter("lido"), file)]
    assert len(blocks) == len(ids), (len(blocks), len(ids))
    head = text[: text.index(blocks[0])]
    units = [(block, [escape(local)] if local else []) for block, local in zip(blocks, ids)]
    out = dest / "lido.xml"
    with out.open("w", encoding="utf-8") as f:
        f.write(head)
        for block in _copies(units, n):
            f.write(block)
            f.write("\n  ")
        f.write("</lido:lidoWrap>\n")
    return out


def build_edm(n: int, dest: Path) -> Path:
    """An OAI-PMH ListRecords dump: each record a header and the real file's rdf:RDF (XML fixtures only)."""
    adapter = _adapter("edm")
    units, namespaces = [], {"oai": "http://www.openarchives.org/OAI/2.0/"}
    for file in sorted(SOURCES["edm"][1].rglob("*.xml")):
        text = file.read_text(encoding="utf-8")
        for prefix, uri in re.findall(r'xmlns:([\w.-]+)="([^"]+)"', text):
            namespaces.setdefault(prefix, uri)
        rdf = re.search(r"<rdf:RDF[\s>].*?</rdf:RDF>", text, re.S).group(0)
        ids = [escape(local) for _, local in _local_ids(adapter, file) if local]
        units.append((f"<record><header><identifier>{escape(file.stem)}-ID</identifier></header><metadata>{rdf}</metadata></record>", [*ids, f"{escape(file.stem)}-ID"]))
    declared = " ".join(f'xmlns:{p}="{u}"' for p, u in namespaces.items() if p != "oai")
    out = dest / "edm-dump.xml"
    with out.open("w", encoding="utf-8") as f:
        f.write(f'<?xml version="1.0" encoding="UTF-8"?>\n<OAI-PMH xmlns="{namespaces["oai"]}" {declared}>\n<ListRecords>\n')
        for record in _copies(units, n):
            f.write(record)
            f.write("\n")
        f.write("</ListRecords>\n</OAI-PMH>\n")
    return out


def build_linked_art(n: int, dest: Path) -> Path:
    folder = dest / "linked-art"
    units = []
    for file in sorted(SOURCES["linked-art"][1].glob("*.json")):
        found = _local_ids(_adapter("linked-art"), file) if _has_object(file) else []
        if not found:  # a linked document (person, place): kept once, as in the real collection
            (folder / "linked").mkdir(parents=True, exist_ok=True)
            shutil.copyfile(file, folder / "linked" / file.name)
            continue
        for data, local in found:
            units.append((json.dumps(data, ensure_ascii=False), [json.dumps(local, ensure_ascii=False)[1:-1]] if local else []))
    _write_files(_copies(units, n), folder / "objects")
    return folder


def _has_object(file: Path) -> bool:
    from museumvqa.errors import UserError

    try:
        return bool(list(_adapter("linked-art").read(file)))
    except UserError:
        return False


def build_cooper_hewitt(n: int, dest: Path) -> Path:
    folder = dest / "cooper-hewitt"
    _write_files(_copies(_json_units("cooper-hewitt", SOURCES["cooper-hewitt"][1]), n), folder / "objects")
    return folder


BUILDERS: dict[str, Callable[[int, Path], Path]] = {
    "met-api": build_met,
    "tate": build_tate,
    "lido": build_lido,
    "edm": build_edm,
    "dpla": build_jsonl("dpla"),
    "smithsonian": build_jsonl("smithsonian"),
    "linked-art": build_linked_art,
    "cooper-hewitt": build_cooper_hewitt,
}


def child(source: str, path: Path, out: Path) -> None:
    """Ingest `path` in this process; print the counts and the ingest's own CPU seconds as JSON."""
    import pandas  # noqa: F401  imported before the clock, like benchmarks/catalog/measure_one.py
    import pyarrow.parquet as pq

    from museumvqa.catalog.ingest import ALLOW_REJECTS, ingest

    adapter = _adapter(source)
    start_wall, start_cpu = time.perf_counter(), time.process_time()
    stats = ingest([path], out, adapter, progress=False, guard=ALLOW_REJECTS)
    cpu, wall = time.process_time() - start_cpu, time.perf_counter() - start_wall
    reasons = pq.read_table(out / "rejects", columns=["reason"]).column("reason").to_pylist()
    print(
        json.dumps(
            {
                "records": stats.records,
                "exhibits": stats.exhibits,
                "rejects": stats.rejects,
                "duplicate_rejects": sum(1 for r in reasons if r and r.startswith("duplicate exhibit_id")),
                "people": stats.people,
                "ingest_cpu_s": cpu,
                "ingest_wall_s": wall,
            }
        )
    )


def measure(source: str, path: Path, out: Path) -> dict:
    cmd = [sys.executable, __file__, "--child", source, str(path), str(out)]
    log = out.parent / f"{source}.stdout"
    with log.open("w") as stdout:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=stdout)
        _, status, usage = os.wait4(proc.pid, 0)  # this child's own rusage (RUSAGE_CHILDREN keeps the max peak)
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{source}: child failed with exit code {proc.returncode}")
    row = json.loads(log.read_text().strip().splitlines()[-1])
    cpu = usage.ru_utime + usage.ru_stime
    row.update(
        source=source,
        format=SOURCES[source][2],
        cpu_s=round(cpu, 2),
        wall_s=round(wall, 2),
        per_cpu_s=round(row["records"] / cpu),
        ingest_per_cpu_s=round(row["records"] / row["ingest_cpu_s"]),
        peak_rss_mb=round(usage.ru_maxrss / 1024, 1),
    )
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=100_000, help="records per source (single-file formats)")
    parser.add_argument("--folder-records", type=int, default=10_000, help="records for one-file-per-object formats")
    parser.add_argument("--sources", nargs="+", default=list(SOURCES), choices=list(SOURCES))
    parser.add_argument("--work", type=Path, default=Path("/tmp/museumvqa-ingest-sources"))
    parser.add_argument("--results", type=Path, default=Path("/tmp/museumvqa-ingest-sources/results.jsonl"))
    parser.add_argument("--keep", action="store_true", help="keep the generated inputs and outputs")
    parser.add_argument("--child", nargs=3, metavar=("SOURCE", "PATH", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]), Path(args.child[2]))
        return
    rows = []
    for source in args.sources:
        fixture = SOURCES[source][1]
        if fixture is not None and not fixture.exists():
            print(f"{source}: {fixture} absent, skipped", file=sys.stderr)
            continue
        n = min(args.records, args.folder_records) if SOURCES[source][3] else args.records
        work = args.work / source
        shutil.rmtree(work, ignore_errors=True)
        (work / "input").mkdir(parents=True)
        start = time.perf_counter()
        path = BUILDERS[source](n, work / "input")
        built = time.perf_counter() - start
        row = measure(source, path, work / "out")
        row.update(build_s=round(built, 1), input_mb=round(_size(path) / 1e6, 1))
        rows.append(row)
        print(json.dumps(row), file=sys.stderr)
        args.results.parent.mkdir(parents=True, exist_ok=True)
        with args.results.open("a") as f:
            f.write(json.dumps(row) + "\n")
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print("| source | format | records | exhibits | rejects | CPU-s | records/CPU-s | peak RSS MB |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        print(
            f"| {r['source']} | {r['format']} | {r['records']:,} | {r['exhibits']:,} | {r['rejects']:,} | "
            f"{r['cpu_s']:.1f} | {r['per_cpu_s']:,} | {r['peak_rss_mb']:.0f} |"
        )


def _size(path: Path) -> int:
    return path.stat().st_size if path.is_file() else sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


if __name__ == "__main__":
    main()
