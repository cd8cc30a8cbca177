"""QA table + image shards -> files the ecosystem's trainers read.

- `llava`: LLaVA conversation JSON (`{"id", "image", "conversations": [human "<image>\\n...", gpt ...]}`);
- `sharegpt`: LLaMA-Factory's multimodal sharegpt JSON plus its `dataset_info.json` entry;
- `hf`: an image folder (`images/` + `metadata.jsonl`) that `datasets.load_dataset(folder)` reads.

Images come out of the shards once each, as `images/<key>.jpg`, and every record points at its image
by a path relative to the output folder (LLaVA's `image_folder`, LLaMA-Factory's `dataset_dir`).
Rows are grouped per image (`per_image=True`: all questions of an image as one multi-turn conversation)
or one question per record. An exhibit without an image in the shards is counted and left out.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pyarrow.compute as pc
import pyarrow.parquet as pq

from museumvqa.errors import UserError
from museumvqa.images.reader import iter_samples
from museumvqa.images.shards import INDEX_NAME
from museumvqa.inputs import input_file, output_folder, parquet_schema, require_columns
from museumvqa.io import atomic_path, write_json

Format = Literal["llava", "sharegpt", "hf"]
FORMATS: tuple[str, ...] = ("llava", "sharegpt", "hf")
IMAGE_TOKEN = "<image>"
_QA_COLUMNS = ("question_id", "exhibit_id", "question", "answers")
_EXTRA_COLUMNS = ("category", "language", "visual", "knowledge", "answer_language")


@dataclass(frozen=True)
class ExportSummary:
    format: str
    records: int
    questions: int
    images: int
    skipped_no_image: int
    files: tuple[str, ...]


def primary_images(shards_dir: Path) -> dict[str, str]:
    """exhibit_id -> shard key of its primary image (else its first image), from the shard index."""
    path = shards_dir / INDEX_NAME
    if not path.is_file():
        raise UserError(f"{path}: no shard index here (run `museumvqa shards` first)")
    require_columns(path, ("key", "exhibit_id", "role"), "a shard index (shards/index.parquet)")
    index = pq.read_table(path, columns=["key", "exhibit_id", "role"]).to_pylist()
    keys: dict[str, str] = {}
    for row in sorted(index, key=lambda r: r["role"] != "primary"):
        keys.setdefault(row["exhibit_id"], row["key"])
    return keys


def _read_qa(qa_path: Path) -> list[dict[str, Any]]:
    input_file(qa_path, "--qa", "a QA Parquet file (questions/qa.parquet or a split)")
    schema = parquet_schema(qa_path, "a QA Parquet file (questions/qa.parquet or a split)")
    missing = [c for c in _QA_COLUMNS if c not in schema.names]
    if missing:
        raise UserError(f"{qa_path}: not a QA table (missing columns {', '.join(missing)})")
    table = pq.read_table(qa_path, columns=[c for c in (*_QA_COLUMNS, *_EXTRA_COLUMNS) if c in schema.names])
    empty = pc.sum(pc.equal(pc.list_value_length(table["answers"]), 0)).as_py() or 0
    if empty:
        raise UserError(f"{qa_path}: {empty} questions have no answer")
    return table.to_pylist()


def _export_images(shards_dir: Path, keys: set[str], out_dir: Path) -> None:
    folder = out_dir / "images"
    folder.mkdir(parents=True, exist_ok=True)
    written = set()
    for sample in iter_samples(shards_dir, keys):
        with atomic_path(folder / f"{sample.key}.jpg") as tmp:
            sample.image.convert("RGB").save(tmp, format="JPEG", quality=95)
        written.add(sample.key)
    if written != keys:
        raise UserError(f"{shards_dir}: the index lists images its shards do not hold: {sorted(keys - written)[:3]}")


def _groups(rows: list[dict[str, Any]], per_image: bool) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """(record id, its questions): one question each, or every question of an exhibit's image together."""
    if not per_image:
        for row in rows:
            yield row["question_id"], [row]
        return
    by_exhibit: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_exhibit.setdefault(row["exhibit_id"], []).append(row)
    yield from by_exhibit.items()


def _turns(questions: list[dict[str, Any]], user: str, assistant: str, role: str, content: str) -> list[dict]:
    turns = []
    for n, q in enumerate(questions):
        prompt = f"{IMAGE_TOKEN}\n{q['question']}" if n == 0 else q["question"]
        turns += [{role: user, content: prompt}, {role: assistant, content: q["answers"][0]}]
    return turns


def export_dataset(
    qa_path: str | Path,
    shards_dir: str | Path,
    out_dir: str | Path,
    format: Format,
    per_image: bool = False,
    name: str = "museumvqa",
) -> ExportSummary:
    """Write the QA pairs of `qa_path` with their images in `format`; returns what was written."""
    if format not in FORMATS:
        raise UserError(f"unknown export format {format!r}; known: {', '.join(FORMATS)}")
    qa_path, shards_dir, out = Path(qa_path), Path(shards_dir), output_folder(Path(out_dir))
    rows = _read_qa(qa_path)
    images = primary_images(shards_dir)
    kept = [r for r in rows if r["exhibit_id"] in images]
    if not kept:
        raise UserError(
            f"export: none of the {len(rows)} questions in {qa_path} has an image in {shards_dir}; "
            "give the shards folder of the same run"
        )
    keys = {images[r["exhibit_id"]] for r in kept}
    _export_images(shards_dir, keys, out)
    records: list[dict[str, Any]] = []
    for record_id, questions in _groups(kept, per_image):
        image = f"images/{images[questions[0]['exhibit_id']]}.jpg"
        if format == "llava":
            turns = _turns(questions, "human", "gpt", "from", "value")
            records.append({"id": record_id, "image": image, "conversations": turns})
        elif format == "sharegpt":
            turns = _turns(questions, "human", "gpt", "from", "value")
            records.append({"conversations": turns, "images": [image]})
        else:
            for q in questions:
                extra = {c: q[c] for c in _EXTRA_COLUMNS if c in q}
                records.append(
                    {"file_name": image, "question_id": q["question_id"], "exhibit_id": q["exhibit_id"]}
                    | {"question": q["question"], "answers": q["answers"]}
                    | extra
                )
    files = _write(records, out, format, name)
    return ExportSummary(format, len(records), len(kept), len(keys), len(rows) - len(kept), files)


def _write(records: list[dict[str, Any]], out: Path, format: str, name: str) -> tuple[str, ...]:
    if format == "hf":
        with atomic_path(out / "metadata.jsonl") as tmp, tmp.open("w", encoding="utf-8") as f:
            for record in records:
                f.write(json.dumps(record, ensure_ascii=False) + "\n")
        return ("metadata.jsonl", "images/")
    data = f"{name}.json"
    with atomic_path(out / data) as tmp:
        tmp.write_text(json.dumps(records, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    if format == "llava":
        return (data, "images/")
    write_json({name: sharegpt_dataset_info(data)}, out / "dataset_info.json")
    return (data, "dataset_info.json", "images/")


def sharegpt_dataset_info(file_name: str) -> dict[str, Any]:
    """LLaMA-Factory's `dataset_info.json` entry for a multimodal sharegpt file (its documented keys)."""
    return {
        "file_name": file_name,
        "formatting": "sharegpt",
        "columns": {"messages": "conversations", "images": "images"},
        "tags": {"role_tag": "from", "content_tag": "value", "user_tag": "human", "assistant_tag": "gpt"},
    }
