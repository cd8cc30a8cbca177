from pathlib import Path

import pyarrow.parquet as pq
import pytest

from museumvqa.catalog.schema import Exhibit
from museumvqa.errors import UserError
from museumvqa.questions.answers import ANSWERS, creator_answers, date_answers, name_aliases
from museumvqa.questions.generate import generate_questions, questions_for_exhibit
from museumvqa.questions.templates import load_templates

SKELETON_CATEGORIES = {"title", "creator", "date", "medium", "culture", "department", "object_type"}


@pytest.fixture(scope="module")
def qa(ingested_sample: Path, tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    out = tmp_path_factory.mktemp("qa")
    generate_questions(ingested_sample / "exhibits", out, seed=0, progress=False)
    return pq.read_table(out / "qa.parquet").to_pylist()


def test_every_category_has_questions_on_the_sample(qa: list[dict]) -> None:
    assert {row["category"] for row in qa} == SKELETON_CATEGORIES
    assert len({row["question_id"] for row in qa}) == len(qa)
    # every painting has a title, a date, a medium and a department in the Met sample
    for category in ("title", "date", "medium", "department"):
        assert sum(row["category"] == category for row in qa) == 174


def test_answers_come_from_the_record(qa: list[dict], met_records: list[dict]) -> None:
    by_accession = {f"met:{o['accessionNumber']}": o for o in met_records}
    for row in qa:
        assert row["answers"] and all(a.strip() == a and a for a in row["answers"])
        record = by_accession[row["exhibit_id"]]
        if row["category"] == "title":
            assert row["answers"] == [" ".join(record["title"].split())]
        if row["category"] == "department":
            assert row["answers"] == [record["department"]]
        if row["category"] == "creator":
            assert not row["answers"][0].lower().startswith("unidentified")
            assert row["answers"][0] == record["artistDisplayName"]


def test_visual_flag_follows_category(qa: list[dict]) -> None:
    assert {r["visual"] for r in qa if r["category"] in ("medium", "object_type")} == {True}
    assert {r["visual"] for r in qa if r["category"] in ("title", "creator", "date")} == {False}


def test_same_seed_same_output_other_seed_other_templates(ingested_sample: Path, tmp_path: Path) -> None:
    for name, seed in (("a", 0), ("b", 0), ("c", 1)):
        generate_questions(ingested_sample / "exhibits", tmp_path / name, seed=seed, progress=False)
    read = lambda name: pq.read_table(tmp_path / name / "qa.parquet")  # noqa: E731
    assert read("a").equals(read("b"))
    assert read("a")["template_id"].to_pylist() != read("c")["template_id"].to_pylist()


def test_no_value_no_question() -> None:
    ex = Exhibit("t:1", "t", "test", "-")
    ex.add("title", "Sunflowers")
    ex.add("creator", "Unidentified artist")
    pairs = list(questions_for_exhibit(ex, load_templates("en"), list(ANSWERS), 1, 0))
    assert [p.category for p in pairs] == ["title"]
    assert pairs[0].question.endswith("?") and "{" not in pairs[0].question


def test_aliases() -> None:
    assert name_aliases("El Greco (Domenikos Theotokopoulos)") == [
        "El Greco (Domenikos Theotokopoulos)",
        "El Greco",
        "Domenikos Theotokopoulos",
    ]
    ex = Exhibit("t:1", "t", "test", "-", date_begin=1889, date_end=1889)
    ex.add("date", "June 1889")
    ex.add("creator", "Vincent van Gogh")
    assert date_answers(ex) == ["June 1889", "1889"]
    assert creator_answers(ex) == ["Vincent van Gogh"]


def test_max_per_category(ingested_sample: Path, tmp_path: Path) -> None:
    counts = generate_questions(
        ingested_sample / "exhibits", tmp_path, categories=["title"], max_per_category=2, progress=False
    )
    assert counts == {"title": 348}


def test_bad_options_are_user_errors(ingested_sample: Path, tmp_path: Path) -> None:
    with pytest.raises(UserError, match="unknown question categories"):
        generate_questions(ingested_sample / "exhibits", tmp_path, categories=["colour"], progress=False)
    with pytest.raises(UserError, match="no question templates for language 'xx'"):
        generate_questions(ingested_sample / "exhibits", tmp_path, languages=["xx"], progress=False)
    with pytest.raises(UserError, match="no exhibit Parquet files"):
        generate_questions(tmp_path / "empty", tmp_path, progress=False)
