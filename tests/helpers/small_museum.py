"""A small real museum for task and evaluation tests: Met sample paintings (primary view plus a crop
saved as an additional view), a second museum whose one exhibit re-photographs a Met painting (a
near-duplicate leak), a QA table with English, French and knowledge questions, and real shards."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
from PIL import Image

from museumvqa.catalog.schema import EXHIBIT_SCHEMA, Exhibit, ImageRef, exhibit_to_row
from museumvqa.images.shards import build_shards
from museumvqa.io import write_parquet
from museumvqa.sample import met_sample_dir
from museumvqa.settings import ShardsConfig

MET_EXHIBITS = 8
CULTURES = ["France", "China", "Japan", "Italian", "Netherlandish", "American", "", "Egypt"]


def _views(src: Path, folder: Path, name: str) -> list[ImageRef]:
    image = Image.open(src).convert("RGB")
    w, h = image.size
    crop = folder / f"{name}-crop.jpg"
    image.crop((w // 8, h // 8, w - w // 8, h - h // 8)).save(crop)
    return [ImageRef(str(src), "primary"), ImageRef(str(crop), "additional", view="detail")]


def _qa(exhibit_id: str, title: str, department: str) -> list[dict]:
    """Questions of each kind: visual, catalogue, knowledge (the maker unnamed), a person named (not
    knowledge), a French one with a neutral gold and one whose gold is English (not MultiLanguage)."""
    rows = [  # category, language, template, visual, knowledge, answer language, question, answers
        ("title", "en", "title-1", False, False, "en", "What is the title of this painting?", [title]),
        ("medium", "en", "medium-1", True, False, "en", "What is this painting made of?", ["Oil on canvas"]),
        ("department", "en", "department-1", False, False, "en", "Which department holds this painting?", [department]),
        ("birth_year", "en", "birth_year-maker-1", False, True, "*", "When was the maker of this painting born?", ["1606"]),
        ("death_year", "en", "death_year-1", False, False, "*", "When did Rembrandt die?", ["1669"]),
        ("title", "fr", "title-1", False, False, "*", "Quel est le titre de ce tableau ?", [title]),
        ("medium", "fr", "medium-1", True, False, "en", "En quoi est fait ce tableau ?", ["Oil on canvas"]),
    ]
    return [
        {
            "question_id": f"{exhibit_id}|{category}-{language}",
            "exhibit_id": exhibit_id,
            "category": category,
            "language": language,
            "template_id": template,
            "question": question,
            "answers": answers,
            "visual": visual,
            "knowledge": knowledge,
            "answer_language": answer_language,
        }
        for category, language, template, visual, knowledge, answer_language, question, answers in rows
    ]


def build_small_museum(folder: Path) -> dict[str, Path]:
    """Write exhibits/, qa.parquet and shards/ under `folder`; returns their paths."""
    sample = met_sample_dir()
    records = json.loads((sample / "objects.json").read_text())["objects"][: MET_EXHIBITS + 1]
    views = folder / "views"
    views.mkdir(parents=True)
    exhibits, qa = [], []
    for record, culture in zip(records[:MET_EXHIBITS], CULTURES):
        exhibit = Exhibit(f"met:{record['accessionNumber']}", "met", "met_api", "objects.json")
        exhibit.images = _views(sample / f"{record['objectID']}.jpg", views, str(record["objectID"]))
        exhibit.add("culture", culture)
        exhibits.append(exhibit)
        qa += _qa(exhibit.exhibit_id, record["title"], record["department"])
    # museum "other": one painting of its own, one photograph of the first Met painting (slightly smaller)
    own = Exhibit("other:1", "other", "test", "test")
    own.images = [ImageRef(str(sample / f"{records[-1]['objectID']}.jpg"), "primary")]
    copy = Exhibit("other:2", "other", "test", "test")
    first = Image.open(sample / f"{records[0]['objectID']}.jpg").convert("RGB")
    first.resize((first.width * 9 // 10, first.height * 9 // 10)).save(views / "copy.jpg")
    copy.images = [ImageRef(str(views / "copy.jpg"), "primary")]
    for exhibit in (own, copy):
        exhibits.append(exhibit)
        qa += _qa(exhibit.exhibit_id, f"Painting {exhibit.exhibit_id}", "Paintings")
    write_parquet(
        pa.Table.from_pylist([exhibit_to_row(e) for e in exhibits], EXHIBIT_SCHEMA),
        folder / "exhibits" / "part-00000.parquet",
    )
    write_parquet(pa.Table.from_pylist(qa), folder / "qa.parquet")
    build_shards(
        folder / "exhibits",
        folder / "shards",
        ShardsConfig(image_size=64, roles=("primary", "additional")),
        progress=False,
    )
    return {"exhibits": folder / "exhibits", "qa": folder / "qa.parquet", "index": folder / "shards" / "index.parquet"}
