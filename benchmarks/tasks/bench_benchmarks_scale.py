"""Peak memory and time per QA row of `build_benchmarks` at 10k / 100k / 1M exhibits, old vs new code.

Inputs: the project's synthetic catalogue (benchmarks/catalog/generate.py, `met-api` records) of
`--base` exhibits is ingested and asked questions (English, as in issue 15's measurement); the exhibits
and QA tables are then replicated with fresh ids (`ID~copy`) to each size, copy after copy, so the QA
table is not in question_id order. The image index is synthetic (no pixels, so the leak check is off:
it is issue 15's item 2): every exhibit a main view, every 3rd a second real photograph, every 5th a
generated view, every 50th no image at all.

Each build runs in a child process with the `src` under test first on the path; its peak RSS is the
child's `ru_maxrss`. The old code is watched and killed above `--old-max-rss-mb` (it holds every QA row
as a dict). With `--compare`, the two builds' files must be equal table for table.

    .venv/bin/python benchmarks/tasks/bench_benchmarks_scale.py --sizes 10000 100000 1000000 \
        --old-src /tmp/benchmarks_base/src
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks" / "catalog"))

CHILD = """
import json, resource, sys, time
from museumvqa.tasks.build import build_benchmarks
qa, index, exhibits, out, options = sys.argv[1:6]
start, cpu = time.perf_counter(), time.process_time()
manifest = build_benchmarks(qa, index, out, exhibits=exhibits, leak_min_matches=None, **json.loads(options))
print(json.dumps({"wall_s": time.perf_counter() - start, "cpu_s": time.process_time() - cpu,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "counts": manifest["counts"]}))
"""


def base_inputs(work: Path, exhibits: int, languages: tuple[str, ...] = ("en",)) -> tuple[Path, Path]:
    """Ingest `exhibits` synthetic Met records and ask them questions; returns (exhibits dir, qa.parquet)."""
    from generate import generate

    from museumvqa.catalog.adapters import make_adapter
    from museumvqa.catalog.ingest import ingest
    from museumvqa.questions.generate import generate_questions

    qa = work / "questions" / "qa.parquet"
    if not qa.is_file():
        records = generate("met-api", exhibits, work / "records")
        ingest([records], work / "catalog", make_adapter("met-api"), progress=False)
        generate_questions(work / "catalog" / "exhibits", work / "questions", languages=languages, progress=False)
    return work / "catalog" / "exhibits", qa


def _copy_ids(ids: pa.ChunkedArray, copy: int) -> pa.ChunkedArray:
    return pc.binary_join_element_wise(ids, pa.scalar(f"~{copy}"), "")


def scaled_inputs(exhibits_dir: Path, qa_path: Path, copies: int, out: Path) -> tuple[Path, Path, Path]:
    """The base exhibits and QA pairs `copies` times with fresh ids, and a synthetic image index;
    returns (exhibits dir, qa.parquet, index.parquet)."""
    qa_out, index_out, ex_out = out / "qa.parquet", out / "index.parquet", out / "exhibits"
    if index_out.is_file():
        return ex_out, qa_out, index_out
    ex_out.mkdir(parents=True, exist_ok=True)
    exhibits = pq.read_table(exhibits_dir)
    qa = pq.read_table(qa_path)
    suffix = pa.array([q[len(e) :] for q, e in zip(qa["question_id"].to_pylist(), qa["exhibit_id"].to_pylist())])
    base_ids = exhibits["exhibit_id"]
    with (
        pq.ParquetWriter(ex_out / "part-00000.parquet", exhibits.schema) as ex_writer,
        pq.ParquetWriter(qa_out, qa.schema) as qa_writer,
        pq.ParquetWriter(index_out, _index_schema()) as index_writer,
    ):
        for copy in range(copies):
            ids = _copy_ids(base_ids, copy)
            ex_writer.write_table(exhibits.set_column(0, "exhibit_id", ids))
            qa_ids = _copy_ids(qa["exhibit_id"], copy)
            table = qa.set_column(qa.schema.get_field_index("exhibit_id"), "exhibit_id", qa_ids)
            table = table.set_column(0, "question_id", pc.binary_join_element_wise(qa_ids, suffix, ""))
            qa_writer.write_table(table)
            index_writer.write_table(_index(ids.to_pylist()))
    return ex_out, qa_out, index_out


def _index_schema() -> pa.Schema:
    return pa.schema([("key", pa.string()), ("exhibit_id", pa.string()), ("role", pa.string()),
                      ("generated", pa.bool_())])  # fmt: skip


def _index(ids: list[str]) -> pa.Table:
    keys, exhibit, role, generated = [], [], [], []
    for i, e in enumerate(ids):
        if i % 50 == 49:
            continue  # no image: its questions go to no_image.parquet
        views = [("primary", False)] + [("additional", False)] * (i % 3 == 0) + [("additional", True)] * (i % 5 == 0)
        for v, (r, g) in enumerate(views):
            keys.append(f"{e.replace(':', '-')}_{v:02d}")
            exhibit.append(e)
            role.append(r)
            generated.append(g)
    return pa.table([keys, exhibit, role, generated], schema=_index_schema())


def measure(src: Path, inputs: tuple[Path, Path, Path], out: Path, options: dict, max_rss_mb: float | None) -> dict:
    """Run one build in a child with `src` on the path; its times and peak RSS, or how it was killed."""
    exhibits, qa, index = inputs
    env = {**os.environ, "PYTHONPATH": str(src)}
    command = [sys.executable, "-c", CHILD, str(qa), str(index), str(exhibits), str(out), json.dumps(options)]
    child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak, start = 0.0, time.perf_counter()
    while child.poll() is None:
        rss = _rss_mb(child.pid)
        peak = max(peak, rss)
        if max_rss_mb is not None and rss > max_rss_mb:
            child.kill()
            child.wait()
            return {"killed_at_mb": rss, "after_s": time.perf_counter() - start}
        time.sleep(0.2)
    stdout, stderr = child.communicate()
    if child.returncode:
        return {"failed": stderr.strip().splitlines()[-6:]}
    return json.loads(stdout.strip().splitlines()[-1])


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def same_files(a: Path, b: Path) -> bool:
    """Every Parquet table (schema and rows, in order) and the manifest equal in two build folders."""
    names = sorted(p.name for p in a.glob("*.parquet"))
    if names != sorted(p.name for p in b.glob("*.parquet")):
        return False
    tables = all(pq.read_table(a / n).equals(pq.read_table(b / n), check_metadata=True) for n in names)
    return tables and json.loads((a / "manifest.json").read_text()) == json.loads((b / "manifest.json").read_text())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--base", type=int, default=10_000, help="exhibits generated; larger sizes are copies")
    parser.add_argument("--new-src", type=Path, default=ROOT / "src")
    parser.add_argument("--old-src", type=Path, help="a checkout's src before the change (e.g. a git worktree)")
    parser.add_argument("--old-max-rss-mb", type=float, default=8000)
    parser.add_argument("--skip-old-above", type=int, default=10**9, help="exhibits above which old is not run")
    parser.add_argument("--options", default="{}", help="JSON keyword options for build_benchmarks (new code)")
    parser.add_argument("--compare", action="store_true", help="check old and new files are equal")
    parser.add_argument("--work", type=Path, default=Path("/tmp/museumvqa-bench-benchmarks"))
    args = parser.parse_args()
    exhibits_dir, qa = base_inputs(args.work / f"base-{args.base}", args.base)
    base_rows = pq.ParquetFile(qa).metadata.num_rows
    for size in args.sizes:
        copies = max(1, size // args.base)
        inputs = scaled_inputs(exhibits_dir, qa, copies, args.work / f"x{copies}")
        rows = base_rows * copies
        contenders = [("new", args.new_src, json.loads(args.options), None)]
        if args.old_src and size <= args.skip_old_above:
            contenders.append(("old", args.old_src, {}, args.old_max_rss_mb))
        for name, src, options, limit in contenders:
            result = measure(src, inputs, args.work / f"out-{name}-{copies}", options, limit)
            if "wall_s" in result:
                result["us_per_row_cpu"] = result["cpu_s"] * 1e6 / rows
                result["us_per_row_wall"] = result["wall_s"] * 1e6 / rows
            print(json.dumps({"exhibits": args.base * copies, "qa_rows": rows, "code": name, **result}), flush=True)
        if args.compare and len(contenders) == 2:
            same = same_files(args.work / f"out-new-{copies}", args.work / f"out-old-{copies}")
            print(json.dumps({"exhibits": args.base * copies, "identical_outputs": same}), flush=True)


if __name__ == "__main__":
    main()
