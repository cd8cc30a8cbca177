"""Serving a LLaVA model folder: in grounded mode the model reads the matched record in its prompt; the API,
`ask` and the evaluation answerer of each mode work the same as with BLIP."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from museumvqa.images.process import load_image
from museumvqa.models.llava import LlavaAnswerer
from museumvqa.serving.answering import ModeAnswerer, Responder, record_answer
from museumvqa.serving.app import create_app
from museumvqa.serving.ask import ask
from museumvqa.serving.records import record_context, record_fields_for_context

QUESTION = "Who made this painting?"


def _photo(responder: Responder) -> tuple[str, Path]:
    """The first catalogue exhibit whose record names its maker, and its photograph's path."""
    exhibits = responder.catalogue.exhibits
    exhibit_id = next(
        i for i in responder.catalogue.owners if record_answer(exhibits[i], "creator", "en", responder.glossary)
    )
    return exhibit_id, Path(responder.catalogue.exhibits[exhibit_id].primary_image().uri)


def test_record_context_is_a_compact_line_of_the_card_fields(llava_responder: Responder) -> None:
    exhibit_id, _ = _photo(llava_responder)
    exhibit = llava_responder.catalogue.exhibits[exhibit_id]
    fields = record_fields_for_context(exhibit)
    assert fields["title"] == exhibit.values("title", "en")
    assert list(fields) == [
        n for n in ("title", "creator", "date", "medium", "culture", "department", "object_type") if n in fields
    ]
    context = record_context(fields)
    assert context.startswith(f"Title: {fields['title'][0]}; ")
    assert f"Date: {exhibit.values('date')[0]}" in context
    assert (
        record_context({"object_type": ["Painting"], "creator": ["A", "B"]}) == "Object type: Painting; Creator: A, B"
    )


def test_grounded_llava_reads_the_matched_record_when_the_model_answers(llava_responder: Responder) -> None:
    exhibit_id, path = _photo(llava_responder)
    photo = load_image(path)
    model = llava_responder.model
    assert isinstance(model, LlavaAnswerer)
    knowledge = llava_responder.respond(photo, QUESTION, mode="grounded")
    assert knowledge.match.exhibit_id == exhibit_id and knowledge.answered_by == "record"
    visual_question = "What is this painting made of?"
    visual = llava_responder.respond(photo, visual_question, mode="grounded")
    assert visual.answered_by == "model" and visual.why.endswith("reading the matched record in its prompt")
    assert visual.fields == record_fields_for_context(llava_responder.catalogue.exhibits[exhibit_id])
    assert visual.answer == model.answer([photo], [visual_question], [record_context(visual.fields)])[0]
    assert visual.answer != model.answer([photo], [visual_question])[0]  # the record changed what the model said


def test_llava_model_and_retrieval_modes_ignore_or_use_only_the_record(llava_responder: Responder) -> None:
    _, path = _photo(llava_responder)
    photo = load_image(path)
    alone = llava_responder.respond(photo, QUESTION, mode="model")
    assert alone.answered_by == "model" and alone.fields == {}
    assert alone.answer == llava_responder.model.answer([photo], [QUESTION])[0]
    retrieved = llava_responder.respond(photo, QUESTION, mode="retrieval")
    assert retrieved.answered_by == "record" and "creator" in retrieved.fields


def test_mode_answerers_record_the_llava_prompt(llava_responder: Responder) -> None:
    row = {"question": "When was it painted?"}
    assert ModeAnswerer(llava_responder, "model").prompt(row) == "USER: <image>\nWhen was it painted? ASSISTANT:"
    assert ModeAnswerer(llava_responder, "grounded").prompt(row) == (
        "USER: <image>\nCatalogue record: {record of the closest catalogue image}\nWhen was it painted? ASSISTANT:"
    )
    assert ModeAnswerer(llava_responder, "retrieval").prompt(row) == "When was it painted?"
    assert ModeAnswerer(llava_responder, "grounded").generation["max_new_tokens"] == 32


def test_api_serves_a_llava_model(llava_responder: Responder, serve_run: Path) -> None:
    client = TestClient(create_app(llava_responder))
    assert client.get("/api/health").json()["model"] == str(serve_run / "llava")
    exhibit_id, path = _photo(llava_responder)
    response = client.post(
        "/api/ask",
        files={"image": ("photo.jpg", path.read_bytes(), "image/jpeg")},
        data={"question": "What is this painting made of?", "mode": "grounded"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["answered_by"] == "model" and body["exhibit"]["id"] == exhibit_id
    assert "reading the matched record" in body["why"]
    assert body["fields"]["title"] == llava_responder.catalogue.exhibits[exhibit_id].values("title", "en")


def test_ask_with_a_llava_folder(llava_responder: Responder, serve_run: Path) -> None:
    _, path = _photo(llava_responder)
    expected = llava_responder.model.answer([load_image(path)], ["When was it painted?"])[0]
    assert ask(path, "When was it painted?", serve_run / "llava") == expected
