"""The three answering modes behind `/api/ask`, and the same modes as evaluation answerers.

- model: the fine-tuned model alone, from the pixels and the question.
- retrieval: recognise the exhibit among the catalogue's images, detect the question's category from
  its text, answer from that exhibit's record (nothing when the record has no value).
- grounded: knowledge questions (not visible in the photograph) answered from the matched record,
  visual ones, unrecognised ones and those the record cannot answer by the model; a model whose family
  reads context (LLaVA) also reads the matched record's text in its prompt (BLIP has no prompt to put it in).
Every answer says who answered and which record fields it came from, so a visitor can check it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from PIL import Image

from museumvqa.catalog.schema import Exhibit
from museumvqa.models.family import FamilyAnswerer
from museumvqa.models.registry import family
from museumvqa.questions.answers import gold
from museumvqa.questions.categories import CATEGORIES
from museumvqa.questions.glossary import Glossary, load_glossary
from museumvqa.questions.templates import load_language
from museumvqa.serving.catalogue import Catalogue, Match
from museumvqa.serving.categories import Detected, detect_category
from museumvqa.serving.records import record_context, record_fields_for_context

Mode = Literal["model", "retrieval", "grounded"]
MODES: tuple[Mode, ...] = ("model", "retrieval", "grounded")
DEFAULT_MODE: Mode = "grounded"


@dataclass
class Reply:
    answer: str | None
    mode: Mode
    answered_by: Literal["model", "record", "nobody"]
    language: str
    match: Match
    detected: Detected | None
    fields: dict[str, list[str]] = field(default_factory=dict)
    why: str = ""


def record_fields(exhibit: Exhibit, needs: Sequence[str]) -> dict[str, list[str]]:
    """The record's values of the fields a category reads (`creator.role` -> the creators' roles)."""
    out: dict[str, list[str]] = {}
    for name in needs:
        attribute, _, part = name.partition(".")
        if attribute in ("date_begin", "date_end"):
            value = getattr(exhibit, attribute)
            values = [] if value is None else [str(value)]
        elif part == "role":
            values = [v.role for v in exhibit.attributes.get(attribute, []) if v.role]
        else:
            values = exhibit.values(attribute)
        if values:
            out[name] = values
    return out


def record_answer(exhibit: Exhibit, category: str, language: str, glossary: Glossary) -> str | None:
    """What the record says for `category`, written for a question in `language` (None: nothing)."""
    facts = CATEGORIES[category].facts(exhibit, glossary)
    if facts is None:
        return None
    answers = gold(facts, load_language(language), glossary).answers
    return answers[0] if answers else None


class Responder:
    """Answers one visitor question in any mode; holds the model, the catalogue and the glossary."""

    def __init__(self, model: FamilyAnswerer, catalogue: Catalogue, glossary: Glossary | None = None) -> None:
        self.model = model
        self.reads_records = family(model.family).reads_context
        self.catalogue = catalogue
        self.glossary = glossary or load_glossary()

    def respond(
        self,
        image: Image.Image,
        question: str,
        language: str | None = None,
        mode: Mode = DEFAULT_MODE,
        exclude_key: str | None = None,
    ) -> Reply:
        match = self.catalogue.identify(image, exclude_key)
        exhibit = self.catalogue.exhibits[match.exhibit_id]
        detected = detect_category(question, language)
        lang = language or (detected.language if detected else "en")
        reply = Reply(None, mode, "nobody", lang, match, detected)
        if mode != "model" and detected is not None:
            if mode == "retrieval" or not detected.visual:
                reply.answer = record_answer(exhibit, detected.category, lang, self.glossary)
                if reply.answer is not None:
                    reply.answered_by = "record"
                    reply.fields = record_fields(exhibit, detected.needs)
                    reply.why = (
                        f"a {detected.category} question, answered from the record of the closest catalogue image"
                    )
                    return reply
        if mode == "retrieval":
            reply.why = (
                "the question matches no known category"
                if detected is None
                else f"the matched record has no {detected.category}"
            )
            return reply
        if mode == "grounded" and self.reads_records:
            reply.fields = record_fields_for_context(exhibit)
            reply.answer = self.model.answer([image], [question], [record_context(reply.fields)])[0]
            reply.why = _model_reason(mode, detected) + ", reading the matched record in its prompt"
        else:
            reply.answer = self.model.answer([image], [question])[0]
            reply.why = _model_reason(mode, detected)
        reply.answered_by = "model"
        return reply


def _model_reason(mode: Mode, detected: Detected | None) -> str:
    if mode == "model":
        return "model-only mode: the model answered from the photograph"
    if detected is None:
        return "the question matches no known category, so the model answered from the photograph"
    if detected.visual:
        return f"a {detected.category} question is visible in the photograph, so the model answered"
    return f"the matched record has no {detected.category}, so the model answered from the photograph"


class ModeAnswerer:
    """One mode as an evaluation answerer: the live code path, with the asked image left out of the
    catalogue search (a test photo must not find itself) and the category detected from the text."""

    def __init__(self, responder: Responder, mode: Mode) -> None:
        self.responder = responder
        self.mode = mode
        self.name = f"serve:{mode}"
        self.generation: dict[str, Any] = {
            "method": f"museumvqa serve, {mode} mode",
            **({} if mode == "retrieval" else {"max_new_tokens": responder.model.max_new_tokens, "num_beams": 1}),
        }

    def prompt(self, row: dict[str, Any]) -> str:
        """The question as the model sees it when it answers; a grounded LLaVA's record is named, not spelled out."""
        if not self.responder.reads_records or self.mode == "retrieval":
            return row["question"]
        context = "{record of the closest catalogue image}" if self.mode == "grounded" else None
        return self.responder.model.prompt(row["question"], context)

    def answer_rows(self, rows: Sequence[dict[str, Any]], images: Sequence[Image.Image]) -> list[str]:
        replies = [
            self.responder.respond(image, row["question"], row["language"], self.mode, exclude_key=row["image_key"])
            for row, image in zip(rows, images)
        ]
        return [reply.answer or "" for reply in replies]
