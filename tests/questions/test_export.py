import json
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from PIL import Image

from museumvqa.errors import UserError
from museumvqa.images.shards import build_shards
from museumvqa.questions.export import IMAGE_TOKEN, export_dataset
from museumvqa.questions.generate import generate_questions
from museumvqa.settings import ShardsConfig

# LLaMA-Factory data/README.md: the keys a dataset_info.json entry may have, and the sharegpt tags.
LLAMA_FACTORY_ENTRY_KEYS = {
    "hf_hub_url", "ms_hub_url", "script_url", "file_name", "formatting", "ranking", "subset", "split",
    "folder", "num_samples", "columns", "tags",
}  # fmt: skip
LLAMA_FACTORY_SHAREGPT_COLUMNS = {"messages", "system", "tools", "images", "videos", "audios", "chosen", "rejected"}
LLAMA_FACTORY_TAGS = {"role_tag", "content_tag", "user_tag", "assistant_tag", "observation_tag", "function_tag", "system_tag"}  # fmt: skip


@pytest.fixture(scope="module")
def run(ingested_sample: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Met sample's questions (title and object type, en + fr) and 32-pixel image shards."""
    root = tmp_path_factory.mktemp("export_run")
    generate_questions(
        ingested_sample / "exhibits", root / "questions", ["en", "fr"], ["title", "object_type"], progress=False
    )
    build_shards(ingested_sample / "exhibits", root / "shards", ShardsConfig(image_size=32), progress=False)
    return root


@pytest.fixture(scope="module")
def qa_rows(run: Path) -> list[dict]:
    return pq.read_table(run / "questions" / "qa.parquet").to_pylist()


def _check_image(out: Path, relative: str) -> None:
    path = out / relative
    assert not Path(relative).is_absolute() and path.is_file(), relative
    with Image.open(path) as image:
        assert image.size[0] > 0


def test_llava_one_question_per_record(run: Path, qa_rows: list[dict], tmp_path: Path) -> None:
    summary = export_dataset(run / "questions" / "qa.parquet", run / "shards", tmp_path, "llava")
    records = json.loads((tmp_path / "museumvqa.json").read_text())
    assert len(records) == summary.records == summary.questions == len(qa_rows)
    assert summary.images == 174 and summary.skipped_no_image == 0
    by_id = {r["question_id"]: r for r in qa_rows}
    for record in records:
        assert set(record) == {"id", "image", "conversations"}
        human, gpt = record["conversations"]
        row = by_id[record["id"]]
        assert human == {"from": "human", "value": f"{IMAGE_TOKEN}\n{row['question']}"}
        assert gpt == {"from": "gpt", "value": row["answers"][0]}
    for image in {r["image"] for r in records}:
        _check_image(tmp_path, image)


def test_llava_all_questions_of_an_image_as_one_conversation(run: Path, qa_rows: list[dict], tmp_path: Path) -> None:
    export_dataset(run / "questions" / "qa.parquet", run / "shards", tmp_path, "llava", per_image=True)
    records = json.loads((tmp_path / "museumvqa.json").read_text())
    assert len(records) == 174
    assert sum(len(r["conversations"]) for r in records) == 2 * len(qa_rows)
    for record in records:
        turns = record["conversations"]
        assert [t["from"] for t in turns] == ["human", "gpt"] * (len(turns) // 2)
        assert sum(t["value"].count(IMAGE_TOKEN) for t in turns) == 1 and turns[0]["value"].startswith(IMAGE_TOKEN)
        _check_image(tmp_path, record["image"])


def test_sharegpt_matches_llama_factory_schema(run: Path, tmp_path: Path) -> None:
    export_dataset(run / "questions" / "qa.parquet", run / "shards", tmp_path, "sharegpt", per_image=True, name="mv")
    info = json.loads((tmp_path / "dataset_info.json").read_text())
    entry = info["mv"]
    assert set(entry) <= LLAMA_FACTORY_ENTRY_KEYS and entry["formatting"] == "sharegpt"
    assert set(entry["columns"]) <= LLAMA_FACTORY_SHAREGPT_COLUMNS and set(entry["tags"]) <= LLAMA_FACTORY_TAGS
    records = json.loads((tmp_path / entry["file_name"]).read_text())
    messages, images, tags = entry["columns"]["messages"], entry["columns"]["images"], entry["tags"]
    for record in records:
        turns = record[messages]
        roles = [t[tags["role_tag"]] for t in turns]
        assert roles == [tags["user_tag"], tags["assistant_tag"]] * (len(turns) // 2)  # user odd, assistant even
        tokens = sum(t[tags["content_tag"]].count(IMAGE_TOKEN) for t in turns)
        assert tokens == len(record[images]) == 1  # LLaMA-Factory rejects a token/image count mismatch
        for image in record[images]:
            _check_image(tmp_path, image)  # relative to dataset_dir, LLaMA-Factory's default media_dir


def test_hf_folder_loads_with_datasets(run: Path, qa_rows: list[dict], tmp_path: Path) -> None:
    datasets = pytest.importorskip("datasets")
    out = tmp_path / "hf"
    export_dataset(run / "questions" / "qa.parquet", run / "shards", out, "hf")
    ds = datasets.load_dataset(str(out), split="train", cache_dir=str(tmp_path / "cache"))
    assert ds.num_rows == len(qa_rows)
    assert {"image", "question_id", "question", "answers", "category", "language", "visual"} <= set(ds.column_names)
    first = ds[0]
    row = next(r for r in qa_rows if r["question_id"] == first["question_id"])
    assert first["answers"] == row["answers"] and first["question"] == row["question"]
    assert isinstance(first["image"], Image.Image) and first["image"].size[0] > 0


def test_export_mistakes_are_user_errors(run: Path, tmp_path: Path) -> None:
    qa = run / "questions" / "qa.parquet"
    with pytest.raises(UserError, match="unknown export format 'coco'"):
        export_dataset(qa, run / "shards", tmp_path, "coco")  # type: ignore[arg-type]
    with pytest.raises(UserError, match="no shard index here"):
        export_dataset(qa, tmp_path, tmp_path, "llava")
    bad = tmp_path / "bad.parquet"
    pq.write_table(pa.table({"question": ["?"]}), bad)
    with pytest.raises(UserError, match="not a QA table"):
        export_dataset(bad, run / "shards", tmp_path, "llava")


def museumvqa(*args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-c", "from museumvqa.cli import main; main()", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=300)


@pytest.mark.slow
def test_cli_build_stats_export_and_merge(ingested_sample: Path, run: Path, tmp_path: Path) -> None:
    out = tmp_path / "q"
    built = museumvqa(
        "questions", "build", "--exhibits", str(ingested_sample / "exhibits"), "--out", str(out),
        "--languages", "en,sv", "--categories", "title,century", "--quiet",
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    # English titles are not asked in Swedish; centuries (166 dates within one) are, in both.
    assert built.stdout.startswith(f"{174 + 166 * 2} QA pairs"), built.stdout
    stats = museumvqa("questions", "stats", str(out / "qa.parquet"), "--json")
    assert stats.returncode == 0, stats.stderr
    counts = json.loads(stats.stdout)
    assert counts["category"]["title"] == 174 and counts["language"]["sv"] == 166 and counts["language"]["en"] == 340
    assert counts["kind"] == {"catalogue": sum(counts["category"].values())}  # titles and centuries
    exported = museumvqa(
        "export", "--format", "llava", "--qa", str(out / "qa.parquet"), "--shards", str(run / "shards"),
        "--out", str(tmp_path / "llava"),
    )  # fmt: skip
    assert exported.returncode == 0 and "174 images" in exported.stdout, exported.stderr
    # Without museumvqa.training.merge this says so; with it, the missing adapter folder is the error.
    merged = museumvqa("export", "--merge", str(tmp_path / "adapter"), "--out", str(tmp_path / "merged"))
    assert merged.returncode == 2 and len(merged.stderr.strip().splitlines()) == 1
    assert merged.stderr.startswith("error: ") and "Traceback" not in merged.stderr
