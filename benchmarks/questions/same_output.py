"""Does this checkout's `generate_questions` write what another checkout's does? (A speed-up must not change output.)

Ingests the Met sample and the Tate sample once, generates with both checkouts under several option sets
(the other checkout in a child process with its `src` first on the path) and compares the QA tables,
the manifests and the Parquet bytes.

    .venv/bin/python benchmarks/questions/same_output.py --base-src /tmp/base/src
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pyarrow.parquet as pq

LANGUAGES = ["en", "fr", "de", "es", "it", "nl", "sv"]
OPTIONS: dict[str, dict] = {
    "7 languages, seed 0": {"languages": LANGUAGES, "seed": 0},
    "7 languages, seed 3, 3 per category": {"languages": LANGUAGES, "seed": 3, "max_per_category": 3},
    "en, seed 1, no record languages": {"languages": ["en"], "seed": 1, "record_languages": False},
    "fr sv, 8 categories, 2 per category": {
        "languages": ["fr", "sv"],
        "seed": 2,
        "max_per_category": 2,
        "categories": ["title", "medium", "material", "object_type", "birth_place", "century", "creator_role"]
        + ["nationality"],
    },
}


def generate_all(inputs: dict[str, Path], out: Path) -> None:
    from museumvqa.questions.generate import generate_questions

    for name, exhibits in inputs.items():
        for n, options in enumerate(OPTIONS.values()):
            generate_questions(exhibits, out / name / str(n), progress=False, **options)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-src", type=Path, required=True, help="`src` of the checkout to compare with")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        generate_all(json.loads(args.child[0]), Path(args.child[1]))
        return
    sys.path.insert(0, str(Path(__file__).parent))
    from bench_generate import prepare

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        inputs = {name: str(path) for name, (path, _) in prepare(root, 1).items() if name != "met x1"}
        inputs["met"] = str(root / "met" / "exhibits")
        generate_all({k: Path(v) for k, v in inputs.items()}, root / "ours")
        env = {**os.environ, "PYTHONPATH": str(args.base_src)}
        command = [sys.executable, __file__, "--base-src", str(args.base_src), "--child", json.dumps(inputs)]
        subprocess.run([*command, str(root / "base")], env=env, check=True)
        same = True
        for name in inputs:
            for n, label in enumerate(OPTIONS):
                ours, base = root / "ours" / name / str(n), root / "base" / name / str(n)
                table, other = pq.read_table(ours / "qa.parquet"), pq.read_table(base / "qa.parquet")
                tables = table.equals(other) and table.schema.equals(other.schema)
                manifests = (ours / "manifest.json").read_text() == (base / "manifest.json").read_text()
                data = (ours / "qa.parquet").read_bytes() == (base / "qa.parquet").read_bytes()
                print(f"{name}, {label}: {table.num_rows:,} pairs; table {tables}, manifest {manifests}, bytes {data}")
                same &= tables and manifests
        print("same output" if same else "OUTPUT DIFFERS")
        sys.exit(0 if same else 1)


if __name__ == "__main__":
    main()
