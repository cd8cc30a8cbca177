"""The three answering modes on the real Met sample: category detection, exhibit identification,
record answers and who answered."""

from __future__ import annotations

from pathlib import Path

import pytest

from museumvqa.errors import UserError
from museumvqa.images.process import load_image
from museumvqa.serving.answering import Responder, record_answer
from museumvqa.serving.catalogue import Catalogue
from museumvqa.serving.categories import detect_category
from museumvqa.serving.record_answers import unknown_makers


@pytest.mark.parametrize(
    ("question", "category", "language"),
    [
        ("Who made this painting?", "creator", "en"),
        ("  who   MADE this painting ", "creator", "en"),
        ("Wer hat dieses Gemälde geschaffen?", "creator", "de"),
        ("What is the title of this painting?", "title", "en"),
        ("what is the title?", "title", "en"),
        ("When was it painted?", "date", "en"),
        ("What is this painting made of?", "medium", "en"),
    ],
)
def test_detects_category_in_any_language(question: str, category: str, language: str) -> None:
    detected = detect_category(question)
    assert detected is not None
    assert (detected.category, detected.language) == (category, language)


def test_unrelated_question_has_no_category() -> None:
    assert detect_category("What colour is the sky?") is None


def test_medium_is_visual_creator_is_not() -> None:
    assert detect_category("What is this painting made of?").visual
    assert not detect_category("Who made this painting?").visual


def _first_image(serve_run: Path, responder: Responder) -> tuple[str, object]:
    """The first catalogue exhibit whose record names its maker, and its photograph (from the sample)."""
    exhibits = responder.catalogue.exhibits
    exhibit_id = next(
        i for i in responder.catalogue.owners if record_answer(exhibits[i], "creator", "en", responder.glossary)
    )
    return exhibit_id, load_image(exhibits[exhibit_id].primary_image().uri)


def test_retrieval_identifies_the_photo_and_answers_from_its_record(serve_run: Path, responder: Responder) -> None:
    exhibit_id, photo = _first_image(serve_run, responder)
    exhibit = responder.catalogue.exhibits[exhibit_id]
    reply = responder.respond(photo, "Who made this painting?", mode="retrieval")
    assert reply.match.exhibit_id == exhibit_id
    assert reply.match.similarity > 0.9
    assert reply.answered_by == "record"
    assert reply.answer == record_answer(exhibit, "creator", "en", responder.glossary)
    assert reply.fields["creator"] == exhibit.values("creator")


def test_retrieval_says_nothing_for_unknown_categories(serve_run: Path, responder: Responder) -> None:
    _, photo = _first_image(serve_run, responder)
    reply = responder.respond(photo, "What colour is the sky?", mode="retrieval")
    assert (reply.answer, reply.answered_by) == (None, "nobody")
    assert "no known category" in reply.why


def test_grounded_uses_record_for_knowledge_and_model_for_visual(serve_run: Path, responder: Responder) -> None:
    _, photo = _first_image(serve_run, responder)
    knowledge = responder.respond(photo, "Who made this painting?", mode="grounded")
    visual = responder.respond(photo, "What is this painting made of?", mode="grounded")
    unknown = responder.respond(photo, "What colour is the sky?", mode="grounded")
    assert knowledge.answered_by == "record"
    assert visual.answered_by == "model" and isinstance(visual.answer, str)
    assert visual.answer == responder.model.answer([photo], ["What is this painting made of?"])[0]
    assert unknown.answered_by == "model"


def test_model_mode_never_reads_the_record(serve_run: Path, responder: Responder) -> None:
    _, photo = _first_image(serve_run, responder)
    reply = responder.respond(photo, "Who made this painting?", mode="model")
    assert reply.answered_by == "model" and reply.fields == {}
    assert reply.answer == responder.model.answer([photo], ["Who made this painting?"])[0]


def test_answers_follow_the_question_language(serve_run: Path, responder: Responder) -> None:
    _, photo = _first_image(serve_run, responder)
    reply = responder.respond(photo, "Wer hat dieses Gemälde geschaffen?", mode="retrieval")
    assert reply.language == "de"


def test_excluded_image_is_never_matched(serve_run: Path, responder: Responder) -> None:
    _, photo = _first_image(serve_run, responder)
    key = responder.catalogue.identify(photo).image_key
    assert responder.catalogue.identify(photo, exclude_key=key) is None  # its only image: no other painting passes


def test_catalogue_needs_a_run_folder(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="not a run folder"):
        Catalogue.load(tmp_path)


def _photo_of(responder: Responder, exhibit_id: str):
    return load_image(responder.catalogue.exhibits[exhibit_id].primary_image().uri)


def _unknown_maker(responder: Responder) -> str:
    """A painting whose record names no maker ("Unidentified artist")."""
    return next(i for i in responder.catalogue.owners if unknown_makers(responder.catalogue.exhibits[i]))


@pytest.mark.parametrize(
    ("question", "language", "answer"),
    [
        ("Who painted this?", "en", "Unknown artist"),
        ("Qui a peint ce tableau ?", "fr", "Artiste inconnu"),
        ("Vem har målat tavlan?", "sv", "Okänd konstnär"),
        ("When was the painter born?", "en", "Unknown artist"),
    ],
)
def test_an_unknown_maker_is_answered_as_unknown_never_by_the_model(
    responder: Responder, question: str, language: str, answer: str
) -> None:
    exhibit_id = _unknown_maker(responder)
    creator = responder.catalogue.exhibits[exhibit_id].values("creator")[0]
    for mode in ("grounded", "retrieval"):
        reply = responder.respond(_photo_of(responder, exhibit_id), question, mode=mode)
        assert (reply.answer, reply.answered_by, reply.language) == (answer, "record", language)
        assert reply.reason == "unknown_maker" and creator in reply.why
    assert responder.respond(_photo_of(responder, exhibit_id), question, mode="model").answered_by == "model"


def test_free_form_questions_are_answered_in_the_askers_language(responder: Responder) -> None:
    exhibits = responder.catalogue.exhibits
    painting = next(
        i
        for i in responder.catalogue.owners
        if exhibits[i].values("object_type") == ["Painting"] and record_answer(exhibits[i], "creator", "fr", responder.glossary)
    )
    photo = _photo_of(responder, painting)
    kind = responder.respond(photo, "Qu'est-ce que c'est comme objet ?", mode="retrieval")
    assert (kind.language, kind.answer) == ("fr", "tableau")  # the glossary's word, as question generation writes it
    assert kind.why.startswith("Réponse tirée de la notice") and "type d'objet" in kind.why
    maker = responder.respond(photo, "Qui a peint ce tableau ?", mode="grounded")
    assert maker.answered_by == "record" and maker.answer == record_answer(exhibits[painting], "creator", "fr", responder.glossary)
    swedish = responder.respond(photo, "Vad är det för titel på den?", mode="retrieval")
    assert swedish.answer == exhibits[painting].values("title")[0]  # the record has it in English only: given as is
    assert (swedish.answer_language, swedish.reason) == ("en", "record_other_language") and "engelska" in swedish.why


def test_not_catalogue_questions_go_to_the_model_with_a_reason_in_the_askers_language(responder: Responder) -> None:
    _, photo = _first_image(None, responder)  # type: ignore[arg-type]
    reply = responder.respond(photo, "Welche Farbe hat der Mantel des Mannes?", mode="grounded")
    assert reply.detected is None and reply.answered_by == "model" and reply.language == "de"
    assert reply.reason == "not_catalogue_model" and "keiner bekannten Kategorie" in reply.why


def test_a_reply_says_when_questions_were_read_without_the_sentence_model(
    responder: Responder, monkeypatch: pytest.MonkeyPatch
) -> None:
    from museumvqa.serving import categories

    monkeypatch.setattr(categories, "sentence_model_missing", lambda: "the sentence model is not installed")
    monkeypatch.setattr(categories, "_fallback_reason", [])
    _, photo = _first_image(None, responder)  # type: ignore[arg-type]
    reply = responder.respond(photo, "Vem har målat tavlan?", mode="retrieval")
    assert reply.reading.method == "lexical" and reply.detected.category == "creator"
    assert reply.why.endswith("(Frågor läses här genom gemensamma ord: meningsmodellen är inte installerad.)")


def test_mode_answerer_identifies_each_photo_once_and_answers_as_serve(
    responder: Responder, monkeypatch: pytest.MonkeyPatch
) -> None:
    from museumvqa.serving.answering import ModeAnswerer

    exhibit = next(e for e in responder.catalogue.exhibits.values() if e.primary_image() is not None)
    other = next(e for e in responder.catalogue.exhibits.values() if e is not exhibit and e.primary_image())
    photos = {e.exhibit_id: load_image(e.primary_image().uri) for e in (exhibit, other)}
    questions = ["Who made this painting?", "What is this painting made of?", "What is the title of this work?"]
    rows = [
        {"question": q, "language": "en", "image_key": f"other-key-{e.exhibit_id}", "question_id": q}
        for e in (exhibit, other)
        for q in questions
    ]
    images = [photos[e.exhibit_id] for e in (exhibit, other) for _ in questions]
    expected = [
        responder.respond(image, row["question"], "en", "retrieval", exclude_key=row["image_key"]).answer or ""
        for row, image in zip(rows, images)
    ]
    searches: list[str | None] = []
    identify = responder.catalogue.identify
    monkeypatch.setattr(responder.catalogue, "identify", lambda im, key=None: searches.append(key) or identify(im, key))
    assert ModeAnswerer(responder, "retrieval").answer_rows(rows, images) == expected
    assert sorted(searches) == sorted({row["image_key"] for row in rows})  # two photos, two searches
    assert any(expected)
