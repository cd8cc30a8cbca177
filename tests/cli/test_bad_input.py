"""Every command on every kind of bad input: no traceback, exit 2, a message naming the problem, and no
half-written output. In-process through CliRunner (fast); `test_fail_fast.py` runs the timing-sensitive
cases as subprocesses."""

from __future__ import annotations

import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import typer
from typer.testing import CliRunner

from museumvqa.catalog.schema import EXHIBIT_SCHEMA, Exhibit, ImageRef, exhibit_to_row
from museumvqa.cli import app

KINDS = (
    "missing",
    "truncated",
    "wrong-encoding",
    "wrong-format",
    "empty",
    "wrong-folder",
    "file-as-output",
    "unknown-setting",
    "absurd-number",
    "folder-as-file",
    "unsafe",
)


@dataclass(frozen=True)
class Case:
    """One command line (`D/` is the fixture folder), the kind of mistake, and what the message must say."""

    kind: str
    args: str
    says: str
    outputs: tuple[str, ...] = ()  # paths (under D/) that must not appear

    @property
    def command(self) -> str:
        words = shlex.split(self.args)
        return " ".join(words[:2]) if words[0] in ("catalog", "questions", "experiment") else words[0]


TRAIN = "--train D/train.parquet --shards D/shards"
EXP = "--train D/train.parquet --val D/train.parquet --shards D/shards"
CASES = [
    Case("missing", "ingest D/nope.json --out D/new", "nope.json: no such file", ("new",)),
    Case("wrong-format", "ingest D/records.jsonl --out D/new --format bogus", "known formats", ("new",)),
    Case("empty", "ingest D/emptydir --out D/new", "emptydir"),
    Case("file-as-output", "ingest D/records.jsonl --out D/afile.txt --quiet", "afile.txt"),
    Case("wrong-folder", "catalog stats D/shards", "not an ingested catalogue"),
    Case("folder-as-file", "catalog stats D/afile.txt", "not an ingested catalogue"),
    Case("unsafe", """catalog query D "COPY exhibits TO 'D/leak.csv'" """, "COPY statements are not allowed",
         ("leak.csv",)),  # fmt: skip
    Case("unsafe", 'catalog query D "CREATE TABLE t AS SELECT 1"', "CREATE statements are not allowed"),
    Case("wrong-folder", "questions build --exhibits D/shards --out D/new", "not the exhibits/ folder", ("new",)),
    Case("empty", "questions build --exhibits D/emptydir --out D/new", "no Parquet files found", ("new",)),
    Case("file-as-output", "questions build --exhibits D/exhibits --out D/afile.txt", "afile.txt: is an existing file"),
    Case("truncated", "questions build --exhibits D/truncdir --out D/new", "not a readable Parquet file", ("new",)),
    Case("absurd-number", "questions build --exhibits D/exhibits --out D/new --max-per-category 0", "at least 1",
         ("new/qa.parquet",)),  # fmt: skip
    Case("truncated", "questions stats D/trunc.parquet", "not a readable Parquet file"),
    Case("wrong-format", "questions stats D/csv.parquet", "not a readable Parquet file"),
    Case("empty", "questions stats D/empty.parquet", "not a readable Parquet file"),
    Case("truncated", "export --format llava --qa D/trunc.parquet --shards D/shards --out D/new", "not a readable",
         ("new",)),  # fmt: skip
    Case("wrong-format", "export --format bogus --qa D/qa.parquet --shards D/shards --out D/new", "unknown export format",
         ("new",)),  # fmt: skip
    Case("wrong-folder", "export --format llava --qa D/qa.parquet --shards D/emptydir --out D/new", "no shard index",
         ("new",)),  # fmt: skip
    Case("file-as-output", "export --format llava --qa D/qa.parquet --shards D/shards --out D/afile.txt",
         "afile.txt: is an existing file"),  # fmt: skip
    Case("wrong-folder", "shards --exhibits D/shards --out D/new --quiet", "not an exhibits table", ("new",)),
    Case("file-as-output", "shards --exhibits D/exhibits --out D/afile.txt --quiet", "afile.txt: is an existing file"),
    Case("absurd-number", "shards --exhibits D/exhibits --out D/new --image-size 0", "image size", ("new",)),
    Case("absurd-number", "shards --exhibits D/exhibits --out D/new --min-success-rate 7", "--min-success-rate",
         ("new",)),  # fmt: skip
    Case("truncated", "shards --exhibits D/truncdir --out D/new --quiet", "not a readable Parquet file", ("new",)),
    Case("unsafe", "shards --exhibits D/escaping --out D/new --image-root D/emptydir --quiet",
         "outside the image root 1", ("new/manifest.json",)),  # fmt: skip
    Case("wrong-format", "benchmarks --questions D/csv.parquet --index D/shards/index.parquet --out D/new",
         "not a readable Parquet file", ("new",)),  # fmt: skip
    Case("wrong-folder", "benchmarks --questions D/exhibits/part-0.parquet --index D/shards/index.parquet --out D/new",
         "not a QA table", ("new",)),  # fmt: skip
    Case("file-as-output", "benchmarks --questions D/qa.parquet --index D/shards/index.parquet --out D/afile.txt",
         "afile.txt: is an existing file"),  # fmt: skip
    Case("wrong-folder", "benchmarks --questions D/qa.parquet --index D/other_index.parquet --out D/new",
         "lists no image of the 1 exhibits", ("new/manifest.json",)),  # fmt: skip
    Case("absurd-number", "benchmarks --questions D/qa.parquet --index D/shards/index.parquet --out D/new "
         "--test-fraction 5", "--test-fraction 5", ("new/manifest.json",)),  # fmt: skip
    Case("unknown-setting", f"train {TRAIN} --out D/new --set epocs=2", "unknown key 'epocs'", ("new",)),
    Case("absurd-number", f"train {TRAIN} --out D/new --set batch_size=-4", "batch_size must be at least 1", ("new",)),
    Case("wrong-format", f"train {TRAIN} --out D/new --config D/bad.yaml", "not valid YAML", ("new",)),
    Case("file-as-output", f"train {TRAIN} --out D/afile.txt", "afile.txt: is an existing file"),
    Case("truncated", "train --train D/trunc.parquet --shards D/shards --out D/new", "not a readable Parquet", ("new",)),
    Case("wrong-folder", "evaluate --run D/emptydir --model baseline:majority", "not a run folder"),
    Case("absurd-number", "evaluate --run D --model baseline:majority --bootstrap 0", "--bootstrap"),
    Case("wrong-encoding", "score D/utf16.jsonl", "utf16.jsonl:1: not UTF-8 text"),
    Case("truncated", "score D/trunc.jsonl", "trunc.jsonl:1: not valid JSON"),
    Case("folder-as-file", "score D/emptydir", "is a folder"),
    Case("absurd-number", "score D/trunc.jsonl --bootstrap 0", "--bootstrap"),
    Case("wrong-folder", "report D/emptydir", "not a run folder", ("emptydir/report.md",)),
    Case("missing", "report D/nope", "no such run folder"),
    Case("truncated", "ask D/trunc.jpg Who? --model D/emptydir", "trunc.jpg: corrupt image"),
    Case("folder-as-file", "ask D/emptydir Who? --model D/emptydir", "emptydir"),
    Case("wrong-folder", "serve --model D/emptydir --catalog D/emptydir", "not a run folder"),
    Case("absurd-number", "serve --model D/emptydir --catalog D --port 99999", "--port"),
    Case("wrong-folder", "calibrate D/emptydir", "not a run folder"),
    Case("absurd-number", "calibrate D --views 0", "--views"),
    Case("unknown-setting", "demo --out D/new --set epocs=2", "unknown key 'epocs'", ("new",)),
    Case("file-as-output", "demo --out D/afile.txt --quiet", "afile.txt: is an existing file"),
    Case("wrong-format", "harvest http://127.0.0.1:9/oai --metadata-prefix lido --out D/new --from notadate",
         "expected YYYY-MM-DD", ("new",)),
    Case("file-as-output", "harvest http://127.0.0.1:9/oai --metadata-prefix lido --out D/afile.txt", "is a file"),
    Case("absurd-number", "harvest http://127.0.0.1:9/oai --metadata-prefix lido --out D/new --rate -1",
         "out of range", ("new",)),
    Case("truncated", "compare D/trunc.jsonl D/trunc.jsonl", "trunc.jsonl:1: not valid JSON"),
    Case("folder-as-file", "compare D/emptydir D/trunc.jsonl", "is a folder"),
    Case("missing", "forgetting --before D/nope --after D/nope", "no such model directory"),
    Case("wrong-folder", "forgetting --before D/emptydir --after D/emptydir", "no config.json"),
    Case("file-as-output", "forgetting --before D/nope --after D/nope --run D/afile.txt", "afile.txt: is a file"),
    Case("wrong-format", "forgetting --before D/nope --after D/nope --general bogus", "unknown general VQA set"),
    Case("absurd-number", "forgetting --before D/nope --after D/nope --limit 0", "--limit"),
    Case("wrong-folder", "questions audit D/emptydir", "not a run folder"),
    Case("absurd-number", f"experiment sampling {EXP} --out D/new --steps 0", "--steps", ("new",)),
    Case("unknown-setting", f"experiment sampling {EXP} --out D/new --steps 2 --set epocs=1", "unknown key 'epocs'",
         ("new",)),  # fmt: skip
    Case("wrong-format", f"experiment scaling {EXP} --out D/new --sizes a,b", "--sizes", ("new",)),
    Case("file-as-output", f"experiment scaling {EXP} --out D/afile.txt --sizes 1,2", "afile.txt: is an existing file"),
]


def _exhibits(folder: Path, images: list[str]) -> None:
    folder.mkdir()
    rows = [exhibit_to_row(Exhibit(f"t:{n}", "test", "test", "memory", images=[ImageRef(u)])) for n, u in enumerate(images)]
    pq.write_table(pa.Table.from_pylist(rows, schema=EXHIBIT_SCHEMA), folder / "part-0.parquet")


@pytest.fixture(scope="module")
def bad(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of good and bad inputs; it doubles as a run folder (exhibits/, shards/)."""
    d = tmp_path_factory.mktemp("bad")
    _exhibits(d / "exhibits", ["missing.jpg"])
    _exhibits(d / "escaping", ["../../outside.jpg"])
    good = (d / "exhibits" / "part-0.parquet").read_bytes()
    (d / "trunc.parquet").write_bytes(good[: len(good) // 2])
    (d / "truncdir").mkdir()
    (d / "truncdir" / "part-0.parquet").write_bytes(good[: len(good) // 2])
    (d / "csv.parquet").write_text("a,b\n1,2\n")
    (d / "empty.parquet").write_bytes(b"")
    (d / "emptydir").mkdir()
    (d / "utf16.jsonl").write_bytes('{"question_id": "q1"}\n'.encode("utf-16"))
    (d / "trunc.jsonl").write_text('{"question_id": "q1", "pred')
    (d / "records.jsonl").write_text('{"objectID": 1}\n')
    (d / "afile.txt").write_text("keep me")
    (d / "trunc.jpg").write_bytes(b"\xff\xd8\xff\xe0 cut short")
    (d / "bad.yaml").write_text("epochs: [1, 2\n")
    (d / "shards").mkdir()
    index = {"key": ["k0"], "exhibit_id": ["t:0"], "role": ["primary"], "phash": ["0"], "generated": [False]}
    pq.write_table(pa.table(index), d / "shards" / "index.parquet")
    pq.write_table(pa.table({**index, "exhibit_id": ["elsewhere:9"]}), d / "other_index.parquet")
    qa = {"question_id": ["q0"], "exhibit_id": ["t:0"], "category": ["title"], "language": ["en"],
          "question": ["What is the title?"], "answers": [["A"]], "visual": [False], "knowledge": [False],
          "answer_language": ["en"]}  # fmt: skip
    pq.write_table(pa.table(qa), d / "qa.parquet")
    pq.write_table(pa.table({**qa, "image_key": ["k0"], "split": ["train"]}), d / "train.parquet")
    return d


def _every_command() -> set[str]:
    """Every command the CLI registers, groups' as 'group command': a new command needs its bad-input cases."""
    def name(command: typer.models.CommandInfo) -> str:
        return command.name or command.callback.__name__.replace("_", "-")  # type: ignore[union-attr]

    names = {name(c) for c in app.registered_commands}
    return names | {f"{g.name} {name(c)}" for g in app.registered_groups for c in g.typer_instance.registered_commands}


def test_the_matrix_covers_every_command_and_kind() -> None:
    assert {c.command for c in CASES} == _every_command()
    assert {c.kind for c in CASES} == set(KINDS) and len(KINDS) >= 10


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.command}:{c.kind}")
def test_bad_input_is_one_clear_line_and_leaves_nothing(bad: Path, case: Case) -> None:
    before = {p: p.stat().st_mtime_ns for p in bad.rglob("*")}
    args = [str(bad) if a == "D" else a.replace("D/", f"{bad}/") for a in shlex.split(case.args)]
    try:
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
        assert "Traceback" not in result.output and case.says in result.stderr, result.stderr
        if result.stderr.startswith("error: "):  # a UserError: exactly one line
            assert result.stderr.count("\n") == 1, result.stderr
        for output in case.outputs:
            assert not (bad / output).exists(), output
        leftovers = [p for p in bad.rglob("*") if p.name.endswith((".tmp", ".partial.jsonl"))]
        assert not leftovers, leftovers
        changed = [p for p, mtime in before.items() if p.is_file() and p.stat().st_mtime_ns != mtime]
        assert not changed, changed
        diagnostics = bad / "new"  # a refused shard build keeps its index and rejects (no manifest) to read
        made = [p for p in set(bad.rglob("*")) - set(before) if not p.is_relative_to(diagnostics)]
        assert all(p.is_dir() and not any(p.iterdir()) for p in made), made  # at most an empty folder
    finally:
        shutil.rmtree(bad / "new", ignore_errors=True)
