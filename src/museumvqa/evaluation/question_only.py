"""The question-only baseline, VQA's classic "Q-only" control: trained on the training QA pairs, it answers
from the question text alone and never sees an image. Whatever it gets right, the question gave away: a
person named in the question ("When did Carpaccio die?") whose facts occur in training, or an object noun
("this handscroll") that tells the medium or the department.

The model is a nearest-question vote. Within the question's (category, language), training questions are
TF-IDF vectors of their lowercased word unigrams and bigrams; each casts a vote for its first gold answer,
weighted exp((cosine - best cosine) / TEMPERATURE), so near-identical questions decide and a question
sharing nothing with training falls back to that pair's majority answer. Answers are therefore always ones
seen in training for that (category, language); a pair training never saw gets the majority baseline's
answer (the category's majority across languages).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
from PIL import Image

from museumvqa.evaluation.majority import Majority, majority_answers

# How sharply the vote favours the nearest questions: a question 0.1 less similar than the best weighs e^-2.
TEMPERATURE = 0.05
_WORD = re.compile(r"\w+")


def question_terms(question: str) -> Counter[str]:
    """Lowercased word unigrams and bigrams with their counts."""
    words = _WORD.findall(question.lower())
    return Counter(words + [f"{a} {b}" for a, b in zip(words, words[1:])])


@dataclass(frozen=True)
class QuestionIndex:
    """The training questions of one (category, language): unit TF-IDF vectors stored term by term
    (the rows holding term t are rows[offsets[t]:offsets[t + 1]]), and each question's answer."""

    terms: dict[str, int]
    idf: np.ndarray
    offsets: np.ndarray
    rows: np.ndarray
    weights: np.ndarray
    answer_of: np.ndarray  # answer number per training question
    answers: list[str]  # answer texts, most frequent first (ties by text): the vote's tie-break order

    @classmethod
    def build(cls, questions: Sequence[str], answers: Sequence[str]) -> QuestionIndex:
        counts = Counter(answers)
        texts = sorted(counts, key=lambda a: (-counts[a], a))
        number = {text: i for i, text in enumerate(texts)}
        terms: dict[str, int] = {}
        term_ids, row_ids, tfs = [], [], []
        for row, question in enumerate(questions):
            for term, tf in question_terms(question).items():
                term_ids.append(terms.setdefault(term, len(terms)))
                row_ids.append(row)
                tfs.append(tf)
        term_of, row_of = np.asarray(term_ids, dtype=np.int64), np.asarray(row_ids, dtype=np.int64)
        idf = _idf(np.bincount(term_of, minlength=len(terms)), len(questions))
        weights = np.asarray(tfs, dtype=np.float64) * idf[term_of]
        norms = np.sqrt(np.bincount(row_of, weights=weights**2, minlength=len(questions)))
        weights /= np.where(norms > 0, norms, 1.0)[row_of]  # a question of no words stays a zero vector
        order = np.argsort(term_of, kind="stable")
        offsets = np.concatenate([[0], np.cumsum(np.bincount(term_of, minlength=len(terms)))])
        answer_of = np.asarray([number[a] for a in answers], dtype=np.int64)
        return cls(terms, idf, offsets, row_of[order], weights[order], answer_of, texts)

    def cosines(self, question: str) -> np.ndarray:
        """Cosine of the question with every training question. A term training never saw counts at the
        highest idf in the question's length, so an unfamiliar question is near none and the vote flattens
        towards the majority."""
        found: list[tuple[int, float]] = []
        squared = 0.0
        unseen_idf = _idf(np.zeros(1), len(self.answer_of))[0]
        for term, tf in question_terms(question).items():
            term_id = self.terms.get(term)
            weight = tf * (self.idf[term_id] if term_id is not None else unseen_idf)
            squared += weight**2
            if term_id is not None:
                found.append((term_id, weight))
        cosines = np.zeros(len(self.answer_of))
        if not found:
            return cosines
        rows = np.concatenate([self.rows[self.offsets[t] : self.offsets[t + 1]] for t, _ in found])
        weights = np.concatenate([self.weights[self.offsets[t] : self.offsets[t + 1]] * w for t, w in found])
        return np.bincount(rows, weights=weights, minlength=len(cosines)) / np.sqrt(squared)

    def answer(self, question: str) -> str:
        """The answer with the largest similarity-weighted vote; ties go to the more frequent, then the
        smaller text (the answers' order)."""
        cosines = self.cosines(question)
        votes = np.bincount(
            self.answer_of, weights=np.exp((cosines - cosines.max()) / TEMPERATURE), minlength=len(self.answers)
        )
        return self.answers[int(np.flatnonzero(votes >= votes.max() * (1 - 1e-9))[0])]


def _idf(document_frequency: np.ndarray, documents: int) -> np.ndarray:
    """Smoothed inverse document frequency: a term in every question weighs 1, a rarer one more."""
    return np.log((1 + documents) / (1 + document_frequency)) + 1


class QuestionOnlyBaseline:
    """Answers from the question text alone (see the module docstring); reads no pixels."""

    name = "baseline:question-only"
    reads_pixels = False

    def __init__(self, train_table: str | Path) -> None:
        table = pq.read_table(train_table, columns=["category", "language", "question", "answers"]).to_pylist()
        groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for row in table:
            groups.setdefault((row["category"], row["language"]), []).append(row)
        self.indexes = {
            pair: QuestionIndex.build([r["question"] for r in rows], [r["answers"][0] for r in rows])
            for pair, rows in groups.items()
        }
        self.majority: Majority = majority_answers(train_table)
        self.known: dict[tuple[str, str, str], str] = {}  # templated questions repeat: answer each text once
        self.generation: dict[str, Any] = {
            "method": "nearest training questions of the (category, language) vote, no image",
            "features": "TF-IDF of lowercased word unigrams and bigrams",
            "vote_weight": f"exp((cosine - best cosine) / {TEMPERATURE})",
            **self.majority.coverage(),
        }

    def prompt(self, row: dict[str, Any]) -> str:
        return row["question"]

    def answer(self, category: str, language: str, question: str) -> str:
        key = (category, language, question)
        if key not in self.known:
            index = self.indexes.get((category, language))
            self.known[key] = index.answer(question) if index else self.majority.answer(category, language)
        return self.known[key]

    def answer_rows(self, rows: Sequence[dict[str, Any]], images: Sequence[Image.Image]) -> list[str]:
        return [self.answer(row["category"], row["language"], row["question"]) for row in rows]
