"""The three answering modes behind `/api/ask`, and the same modes as evaluation answerers.

- model: the fine-tuned model alone, from the pixels and the question.
A photo that shows nothing of this collection (`Catalogue.identify` finds no image with enough agreeing
keypoint matches) gets no record answer in any mode: retrieval answers nothing, the others let the model
answer from the pixels alone, and every reply says the photo was not recognised.
- retrieval: recognise the exhibit among the catalogue's images, read the question's language and
  category (`categories.read_question`), answer from that exhibit's record (`record_answers`: in the
  asker's language; nothing when the record has no value).
- grounded: knowledge questions (not visible in the photograph) answered from the matched record,
  visual ones, unrecognised ones and those the record cannot answer by the model; a model whose family
  reads context (LLaVA) also reads the matched record's text in its prompt (BLIP has no prompt to put it in).
Every answer says who answered, why (in the asker's language) and which record fields it came from, so
a visitor can check it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from PIL import Image

from museumvqa.catalog.schema import Exhibit
from museumvqa.models.family import FamilyAnswerer
from museumvqa.models.registry import family
from museumvqa.questions.glossary import Glossary, load_glossary
from museumvqa.serving.catalogue import Catalogue, Match
from museumvqa.serving.categories import Detected, Reading, read_question
from museumvqa.serving.labels import category_label, language_name, message
from museumvqa.serving.record_answers import answer_from_record, record_answer
from museumvqa.serving.records import record_context, record_fields_for_context

__all__ = ["DEFAULT_MODE", "MODES", "Mode", "ModeAnswerer", "Reply", "Responder", "record_answer", "record_fields"]

Mode = Literal["model", "retrieval", "grounded"]
MODES: tuple[Mode, ...] = ("model", "retrieval", "grounded")
DEFAULT_MODE: Mode = "grounded"


@dataclass
class Reply:
    answer: str | None
    mode: Mode
    answered_by: Literal["model", "record", "nobody"]
    language: str  # the asker's language: the answer, `why` and the labels are written in it
    match: Match | None  # None: the photo matches no exhibit of this collection
    detected: Detected | None
    fields: dict[str, list[str]] = field(default_factory=dict)
    why: str = ""  # in the asker's language
    reason: str = ""  # why, as a key of `labels.yaml`'s messages (for programs)
    reading: Reading | None = None
    answer_language: str | None = None  # the answer's own language when the record has it in no other


def record_fields(exhibit: Exhibit, needs: Sequence[str]) -> dict[str, list[str]]:
    """The record's values of the fields a category reads (`creator.role` -> the creators' roles,
    `people.birth_year` -> the linked people's years)."""
    out: dict[str, list[str]] = {}
    for name in needs:
        attribute, _, part = name.partition(".")
        if attribute in ("date_begin", "date_end"):
            value = getattr(exhibit, attribute)
            values = [] if value is None else [str(value)]
        elif attribute == "people":
            values = [f"{p.name}: {getattr(p, part)}" for p in exhibit.people if getattr(p, part, None) is not None]
        elif part == "role":
            values = [v.role for v in exhibit.attributes.get(attribute, []) if v.role]
        else:
            values = exhibit.values(attribute)
        if values:
            out[name] = values
    return out


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
        return self.reply_to(self.catalogue.identify(image, exclude_key), image, question, language, mode)

    def reply_to(
        self, match: Match | None, image: Image.Image, question: str, language: str | None, mode: Mode
    ) -> Reply:
        """The reply once the photo is identified (`match`; None: not in this collection)."""
        reading = read_question(question, language)
        lang, detected = reading.language, reading.detected
        reply = Reply(None, mode, "nobody", lang, match, detected, reading=reading)
        if match is None:
            return _noted(self._unrecognised(reply, image, question))
        exhibit = self.catalogue.exhibits[match.exhibit_id]
        category = category_label(detected.category, lang) if detected else ""
        if mode != "model" and detected is not None and (mode == "retrieval" or not detected.visual):
            found = answer_from_record(exhibit, detected.category, lang, self.glossary)
            if found is not None:
                reply.answer, reply.answered_by, reply.reason = found.text, "record", found.reason
                reply.fields = record_fields(exhibit, detected.needs)
                reply.answer_language = found.language if found.language not in (lang, "*") else None
                named = language_name(found.language, lang)
                reply.why = message(found.reason, lang, category=category, language=named, value=found.catalogued or "")
                return _noted(reply)
        if mode == "retrieval":
            reply.reason = "not_catalogue" if detected is None else "record_empty"
            reply.why = message(reply.reason, lang, category=category)
            return _noted(reply)
        if mode == "model":
            reply.reason = "model_only"
        elif detected is None:
            reply.reason = "not_catalogue_model"
        else:
            reply.reason = "visual" if detected.visual else "record_empty_model"
        reply.why = message(reply.reason, lang, category=category)
        if mode == "grounded" and self.reads_records:
            reply.fields = record_fields_for_context(exhibit)
            reply.answer = self.model.answer([image], [question], [record_context(reply.fields)])[0]
            reply.why = reply.why.rstrip(".") + message("reads_record", lang)
        else:
            reply.answer = self.model.answer([image], [question])[0]
        reply.answered_by = "model"
        return _noted(reply)

    def _unrecognised(self, reply: Reply, image: Image.Image, question: str) -> Reply:
        """No record to answer from: retrieval answers nothing, the other modes the model from the photo alone."""
        if reply.mode == "retrieval":
            reply.reason = "not_in_collection"
        else:
            reply.reason = "not_in_collection_model"
            reply.answer, reply.answered_by = self.model.answer([image], [question])[0], "model"
        reply.why = message(reply.reason, reply.language)
        return reply


def _noted(reply: Reply) -> Reply:
    """Add the note that the question was read without the sentence model, when it was."""
    if reply.reading is not None and reply.reading.fallback:
        reply.why = f"{reply.why} {message('word_matching', reply.language)}"
    return reply


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
        matches: dict[str, Match | None] = {}  # one keypoint search per photo, not per question about it
        for row, image in zip(rows, images):
            if row["image_key"] not in matches:
                matches[row["image_key"]] = self.responder.catalogue.identify(image, row["image_key"])
        replies = [
            self.responder.reply_to(matches[row["image_key"]], image, row["question"], row["language"], self.mode)
            for row, image in zip(rows, images)
        ]
        return [reply.answer or "" for reply in replies]
