"""Anything that answers questions about images: a model, a baseline, an oracle, or a file of predictions
made elsewhere. Each says what it was asked (`prompt`) and how it generated (`generation`), so a predictions
file records both.

Reference answerers are named by what they may read. A `baseline:` learns from the training split only
(majority, question-only, retrieval): a fair floor for a model. An `oracle:` reads records of the test
exhibits (`oracle:catalogue`): an upper reference of what knowing the catalogue buys, never a baseline.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

from PIL import Image

from museumvqa.errors import UserError
from museumvqa.evaluation.api_answerer import API_PREFIX, ApiAnswerer, ApiSettings, parse_spec
from museumvqa.evaluation.majority import MajorityBaseline
from museumvqa.evaluation.question_only import QuestionOnlyBaseline
from museumvqa.evaluation.retrieval import RetrievalBaseline
from museumvqa.io import iter_jsonl
from museumvqa.models.registry import DEFAULT_MAX_NEW_TOKENS

# The tables that together hold every usable QA pair once: the catalogue's records as questions.
CATALOGUE_TABLES = ("val", "general", "multilanguage")
REFERENCE_PREFIXES = ("baseline:", "oracle:")
# Old names refused with their new one: an oracle must not be read as a baseline in an old command line.
RENAMED = {"baseline:catalogue": "oracle:catalogue"}


class Answerer(Protocol):
    """Answers a batch of task rows (question, category, ...) given their images.

    An answerer that never looks at pixels sets `reads_pixels = False` (see `reads_pixels`); it is then
    given no images (an empty list) and prediction decodes none."""

    name: str
    generation: dict[str, Any]

    def prompt(self, row: dict[str, Any]) -> str: ...

    def answer_rows(self, rows: Sequence[dict[str, Any]], images: Sequence[Image.Image]) -> list[str]: ...


def reads_pixels(answerer: Answerer) -> bool:
    """Whether prediction must decode the images: yes unless the answerer declares `reads_pixels = False`
    (answerers written elsewhere, e.g. serving's, need not know the flag)."""
    return bool(getattr(answerer, "reads_pixels", True))


class ModelAnswerer:
    """A fine-tuned (or pretrained) model of any registered family answering from the image and the question,
    greedily. The prompt records what the family's answerer asks: BLIP the bare question, LLaVA the question
    in its chat template."""

    def __init__(
        self, model: str, batch_size: int = 16, device: str | None = None, max_new_tokens: int = DEFAULT_MAX_NEW_TOKENS
    ) -> None:
        from museumvqa.models.registry import load_answerer

        self.inner = load_answerer(model, batch_size=batch_size, device=device, max_new_tokens=max_new_tokens)
        self.name = str(model)
        self.generation = {"max_new_tokens": self.inner.max_new_tokens, "num_beams": 1, "do_sample": False}

    def prompt(self, row: dict[str, Any]) -> str:
        return self.inner.prompt(row["question"])

    def answer_rows(self, rows: Sequence[dict[str, Any]], images: Sequence[Image.Image]) -> list[str]:
        return self.inner.answer(list(images), [row["question"] for row in rows])


class PredictionsFileAnswerer:
    """Answers read from a JSONL file made by any other system: {question_id, prediction[, image_key]}."""

    reads_pixels = False
    generation: dict[str, Any] = {"method": "external predictions file"}

    def __init__(self, path: str | Path) -> None:
        path = Path(path)
        if not path.is_file():
            raise UserError(f"{path}: no such predictions file")
        self.path = path
        self.answers: dict[tuple[str, str], str] = {}
        models = set()
        for number, row in iter_jsonl(path):
            if not isinstance(row, dict) or not isinstance(row.get("question_id"), str):
                raise UserError(f"{path}:{number}: needs a string 'question_id'")
            if not isinstance(row.get("prediction"), str):
                raise UserError(f"{path}:{number}: needs a string 'prediction'")
            self.answers[(row["question_id"], str(row.get("image_key", "")))] = row["prediction"]
            models.add(row.get("model"))
        self.name = models.pop() if len(models) == 1 and None not in models else f"file:{path.name}"

    def prompt(self, row: dict[str, Any]) -> str:
        return row["question"]

    def answer_rows(self, rows: Sequence[dict[str, Any]], images: Sequence[Image.Image]) -> list[str]:
        answers = []
        for row in rows:
            answer = self.answers.get(
                (row["question_id"], row["image_key"]), self.answers.get((row["question_id"], ""))
            )
            if answer is None:
                raise UserError(f"{self.path}: no prediction for question {row['question_id']!r}")
            answers.append(answer)
        return answers


def _shards(spec: str, shards_dir: Path | None) -> Path:
    if shards_dir is None:
        raise UserError(f"{spec} needs the shards folder")
    return shards_dir


def _catalogue(benchmarks: Path, shards_dir: Path | None) -> Answerer:
    """Retrieval over every catalogued exhibit, test records included: an oracle."""
    records = [t for t in sorted(benchmarks.glob("*.parquet")) if t.stem in CATALOGUE_TABLES]
    shards = _shards("oracle:catalogue", shards_dir)
    return RetrievalBaseline(benchmarks / "train.parquet", shards, records, name="oracle:catalogue")


# Reference answerers by spec name, each built from the benchmarks folder (its train.parquet) and the shards.
REFERENCES: dict[str, Callable[[Path, Path | None], Answerer]] = {
    "baseline:majority": lambda benchmarks, shards: MajorityBaseline(benchmarks / "train.parquet"),
    "baseline:question-only": lambda benchmarks, shards: QuestionOnlyBaseline(benchmarks / "train.parquet"),
    "baseline:retrieval": lambda benchmarks, shards: RetrievalBaseline(
        benchmarks / "train.parquet", _shards("baseline:retrieval", shards)
    ),
    "oracle:catalogue": _catalogue,
}


def make_answerer(
    spec: str,
    benchmarks_dir: str | Path | None = None,
    shards_dir: str | Path | None = None,
    batch_size: int = 16,
    device: str | None = None,
    max_new_tokens: int = DEFAULT_MAX_NEW_TOKENS,
    api: ApiSettings | None = None,
    api_cache: str | Path | None = None,
) -> Answerer:
    """A reference answerer by name (`REFERENCES`: `baseline:majority`, `baseline:question-only`,
    `baseline:retrieval`, `oracle:catalogue`), `file:PREDICTIONS.jsonl`, an API model
    `openai:MODEL@http://host:port/v1` (asked with `api` settings, its answers cached under the folder
    `api_cache` when given), or a model folder / hub id."""
    if spec in RENAMED:
        raise UserError(f"{spec} is now {RENAMED[spec]} (it reads the test records: an oracle, not a baseline)")
    if spec.startswith(REFERENCE_PREFIXES):
        if spec not in REFERENCES:
            raise UserError(f"unknown baseline or oracle {spec!r}; known: {', '.join(REFERENCES)}")
        train = Path(benchmarks_dir) / "train.parquet" if benchmarks_dir is not None else None
        if train is None or not train.is_file():
            raise UserError(f"{spec} needs the training split (run `museumvqa benchmarks` first)")
        return REFERENCES[spec](train.parent, Path(shards_dir) if shards_dir is not None else None)
    if spec.startswith("file:"):
        return PredictionsFileAnswerer(spec.removeprefix("file:"))
    if spec.startswith(API_PREFIX):
        model, base_url = parse_spec(spec)
        cache = Path(api_cache) if api_cache is not None else None
        return ApiAnswerer(model, base_url, max_new_tokens, api, cache)
    return ModelAnswerer(spec, batch_size=batch_size, device=device, max_new_tokens=max_new_tokens)
