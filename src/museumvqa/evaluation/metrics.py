"""The metrics, registered by name, each reported as a percentage with its count and a bootstrap interval.

Our definitions (the paper gives no formulas). Prediction and gold answer are normalised
(`normalize.py`) and split into content tokens P and G; per answer, over multisets:
    p = |P ∩ G| / |P|    (token precision; an empty prediction says nothing right: p = 0)
    r = |P ∩ G| / |G|    (token recall; an empty prediction: r = 0)
    exact = (P == G)     (the normalised strings are equal)
With several gold aliases each of p, r and exact takes its best alias on its own. A gold alias
that normalises to nothing (e.g. "The") is compared on raw lower-cased tokens instead, on both sides.

Answer metrics are means over answers of a per-answer value:
    complete_precision = share with p = 1, partial_precision = mean p,
    complete_recall = share with r = 1, partial_recall = mean r, exact_match = share exact.
Those are strict matching. Lenient matching (`lenient.py`: accents and case folded, dates within the
gold's span, a person's surname) has its own metrics, labelled "(lenient)": lenient_exact_match,
lenient_complete_precision, lenient_partial_precision; each per-answer lenient score is at least the
strict one.
Corpus metrics come from per-answer sufficient statistics that add up over answers (sacrebleu's own),
on the normalised strings, all with sacrebleu's defaults (exponential smoothing) otherwise:
    bleu1           "BLEU-1": unigrams (effective order changes nothing at order 1);
    bleu2_standard  "BLEU-2": standard corpus BLEU-2, sacrebleu's default (no effective order): on a
                    corpus of one-word answers there are no bigrams and it is 0 even for a perfect system;
    bleu2           "BLEU-2 (effective order)": sacrebleu's effective order, which drops an n-gram order
                    the corpus has none of (the figure this key always held; not comparable to BLEU-2
                    reported elsewhere).

Intervals: percentile bootstrap, 95%, resampling answers with replacement; every metric of a group
uses the same resamples, drawn from a generator seeded afresh per group, so a group's interval does
not depend on which other groups were scored.

Optional per-answer metrics computed outside this module (semantic match needs a sentence model)
come in as `extra` per-answer values and get the same resamples. Answer consistency (MultiAngle) is a
per-question figure: a question asked on several views is consistent when every view got the same
normalised answer; its interval resamples questions.

A new metric is one declaration, `register_metric(Metric(name, label, ...))` or, for a per-answer value,
`@answer_metric(name, label)` over `AnswerScores`: scoring, the score tables and the report iterate
`METRICS`, in registration order.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from sacrebleu.metrics import BLEU

from museumvqa.errors import UserError
from museumvqa.evaluation.lenient import folded_tokens, lenient_match
from museumvqa.evaluation.normalize import content_tokens, normalize_answer, raw_tokens


@dataclass(frozen=True)
class Figure:
    """One reported number (a percentage), the answers it is over and its 95% interval."""

    value: float
    n: int
    low: float
    high: float


@dataclass(frozen=True)
class AnswerScore:
    """One answer's token precision and recall (0..1) and whether it matched exactly."""

    precision: float
    recall: float
    exact: bool


@dataclass(frozen=True)
class AnswerScores:
    """Per-answer scores of a set of answers, as arrays (what answer metrics are computed over); the
    lenient matching's scores of the same answers ride along for the lenient metrics."""

    precision: np.ndarray
    recall: np.ndarray
    exact: np.ndarray
    lenient: AnswerScores | None = None

    @classmethod
    def of(cls, scores: Sequence[AnswerScore], lenient: Sequence[AnswerScore] | None = None) -> AnswerScores:
        return cls(
            precision=np.array([s.precision for s in scores], dtype=float),
            recall=np.array([s.recall for s in scores], dtype=float),
            exact=np.array([s.exact for s in scores], dtype=bool),
            lenient=cls.of(lenient) if lenient is not None else None,
        )

    @property
    def lenient_scores(self) -> AnswerScores:
        """The lenient scores (a lenient metric of scores made without them is a programming error)."""
        if self.lenient is None:
            raise ValueError("these answer scores were made without lenient matching (use score_answers)")
        return self.lenient


def _overlap(pred: list[str], gold: list[str]) -> AnswerScore:
    common = sum((Counter(pred) & Counter(gold)).values())
    return AnswerScore(
        precision=common / len(pred) if pred else 0.0,
        recall=common / len(gold),
        exact=pred == gold,
    )


def score_answer(prediction: str, aliases: Sequence[str], lang: str = "en") -> AnswerScore:
    """Token precision, recall and exact match of one prediction, each the best over the aliases."""
    if not aliases:
        raise ValueError("a question needs at least one gold answer")
    pred = content_tokens(prediction, lang)
    per_alias = []
    for alias in aliases:
        gold = content_tokens(alias, lang)
        if gold:
            per_alias.append(_overlap(pred, gold))
        elif raw_tokens(alias):
            per_alias.append(_overlap(raw_tokens(prediction), raw_tokens(alias)))
        else:
            raise ValueError(f"gold answer {alias!r} is blank")
    return AnswerScore(
        precision=max(s.precision for s in per_alias),
        recall=max(s.recall for s in per_alias),
        exact=any(s.exact for s in per_alias),
    )


def score_answer_lenient(
    prediction: str,
    aliases: Sequence[str],
    lang: str = "en",
    category: str | None = None,
    strict: AnswerScore | None = None,
) -> AnswerScore:
    """Lenient token precision, recall and exact match (`lenient.py`), each the best over the aliases and
    never below the strict score (`strict`, when the caller has it); `category` enables the surname rule
    for person names."""
    if any(lenient_match(prediction, alias, lang, category) for alias in aliases):
        return AnswerScore(1.0, 1.0, True)
    strict = strict or score_answer(prediction, aliases, lang)
    pred = list(folded_tokens(prediction, lang))
    per_alias = [strict] + [_overlap(pred, list(gold)) for gold in (folded_tokens(a, lang) for a in aliases) if gold]
    return AnswerScore(
        precision=max(s.precision for s in per_alias),
        recall=max(s.recall for s in per_alias),
        exact=any(s.exact for s in per_alias),
    )


def score_answers(
    predictions: Sequence[str],
    answers: Sequence[Sequence[str]],
    languages: Sequence[str],
    categories: Sequence[str] | None = None,
) -> AnswerScores:
    """Strict and lenient per-answer scores of a set of answers (what every answer metric reads)."""
    cats: Sequence[str | None] = categories if categories is not None else [None] * len(predictions)
    rows = list(zip(predictions, answers, languages, cats))
    strict = [score_answer(p, a, lang) for p, a, lang, _ in rows]
    lenient = [score_answer_lenient(p, a, lang, c, s) for (p, a, lang, c), s in zip(rows, strict)]
    return AnswerScores.of(strict, lenient=lenient)


@dataclass(frozen=True)
class CorpusMetric:
    """A corpus-level metric built from per-answer statistics that add up over answers, so a
    bootstrap resample costs a sum, not a rescoring."""

    statistics: Callable[[list[str], list[list[str]]], np.ndarray]  # (hyps, refs) -> (n, k)
    from_totals: Callable[[np.ndarray], float]  # summed (k,) -> percentage


def reference_streams(refs: Sequence[Sequence[str]]) -> list[list[str]]:
    """sacrebleu wants equally many references per question, as streams: pad each question's aliases
    by repeating its first one (a duplicate reference changes no BLEU count)."""
    width = max(len(r) for r in refs)
    padded = [list(r) + [r[0]] * (width - len(r)) for r in refs]
    return [list(stream) for stream in zip(*padded)]


def bleu(order: int, effective_order: bool = True) -> BLEU:
    """A sacrebleu BLEU we report: corpus level, n-grams up to `order`, sacrebleu's defaults otherwise;
    `effective_order` drops an n-gram order the corpus has none of (see the module docstring)."""
    return BLEU(max_ngram_order=order, effective_order=effective_order)


@functools.cache
def _bleu_statistics(order: int) -> Callable[[list[str], list[list[str]]], np.ndarray]:
    """The per-sentence statistics that sacrebleu's corpus_score and its own bootstrap sum (one function
    per order: effective order does not change them, so both BLEU-2 variants share one extraction)."""
    extractor = bleu(order)

    def statistics(hyps: list[str], refs: list[list[str]]) -> np.ndarray:
        stats = extractor._extract_corpus_statistics(hyps, reference_streams(refs))
        return np.array(stats, dtype=np.int64).reshape(len(hyps), 2 + 2 * order)

    return statistics


def _bleu_metric(order: int, effective_order: bool = True) -> CorpusMetric:
    metric = bleu(order, effective_order)

    def from_totals(totals: np.ndarray) -> float:
        return float(metric._compute_score_from_stats(totals.tolist()).score)

    return CorpusMetric(_bleu_statistics(order), from_totals)


AnswerMetric = Callable[[AnswerScores], np.ndarray]  # -> one value in [0, 1] per answer
# (normalised predictions of each question, one per view; its language) -> one value in [0, 1] per question
ViewMetric = Callable[[Sequence[Sequence[str]], Sequence[str]], np.ndarray]


@dataclass(frozen=True)
class Metric:
    """A reported metric (a percentage), declared once with its table label and direction.

    It is computed one way: `per_answer`, `corpus` (per-answer statistics summed), or `per_question`
    over the questions asked on several views; with none of them its per-answer values are supplied by
    the scorer (`compute_figures(extra=...)`: semantic match needs a sentence model)."""

    name: str
    label: str
    higher_is_better: bool = True
    per_answer: AnswerMetric | None = None
    corpus: CorpusMetric | None = None
    per_question: ViewMetric | None = None


METRICS: dict[str, Metric] = {}


def register_metric(metric: Metric) -> Metric:
    """Declare a metric; scoring, the tables and the report pick it up from here."""
    if metric.name in METRICS:
        raise ValueError(f"metric {metric.name!r} is already registered")
    if sum(f is not None for f in (metric.per_answer, metric.corpus, metric.per_question)) > 1:
        raise ValueError(f"metric {metric.name!r}: give at most one of per_answer, corpus, per_question")
    METRICS[metric.name] = metric
    return metric


def answer_metric(name: str, label: str, higher_is_better: bool = True) -> Callable[[AnswerMetric], AnswerMetric]:
    """Register a per-answer metric: it maps the scores to one value in [0, 1] per answer."""

    def register(fn: AnswerMetric) -> AnswerMetric:
        register_metric(Metric(name, label, higher_is_better, per_answer=fn))
        return fn

    return register


def get_metric(name: str) -> Metric:
    """The registered metric; an unknown name is a one-line UserError listing the known ones."""
    if name not in METRICS:
        raise UserError(f"unknown metric {name!r} (known: {', '.join(METRICS)})")
    return METRICS[name]


@answer_metric("complete_precision", "complete precision")
def _complete_precision(s: AnswerScores) -> np.ndarray:
    return s.precision == 1.0


@answer_metric("partial_precision", "partial precision")
def _partial_precision(s: AnswerScores) -> np.ndarray:
    return s.precision


@answer_metric("complete_recall", "complete recall")
def _complete_recall(s: AnswerScores) -> np.ndarray:
    return s.recall == 1.0


@answer_metric("partial_recall", "partial recall")
def _partial_recall(s: AnswerScores) -> np.ndarray:
    return s.recall


@answer_metric("exact_match", "exact match")
def _exact_match(s: AnswerScores) -> np.ndarray:
    return s.exact


@answer_metric("lenient_exact_match", "exact match (lenient)")
def _lenient_exact_match(s: AnswerScores) -> np.ndarray:
    return s.lenient_scores.exact


@answer_metric("lenient_complete_precision", "complete precision (lenient)")
def _lenient_complete_precision(s: AnswerScores) -> np.ndarray:
    return s.lenient_scores.precision == 1.0


@answer_metric("lenient_partial_precision", "partial precision (lenient)")
def _lenient_partial_precision(s: AnswerScores) -> np.ndarray:
    return s.lenient_scores.precision


def _consistent(view_predictions: Sequence[Sequence[str]], languages: Sequence[str]) -> np.ndarray:
    """1 where every view of the question got the same normalised answer."""
    return np.array(
        [len({normalize_answer(p, lang) for p in preds}) == 1 for preds, lang in zip(view_predictions, languages)],
        dtype=float,
    )


register_metric(Metric("bleu1", "BLEU-1", corpus=_bleu_metric(1)))
register_metric(Metric("bleu2_standard", "BLEU-2", corpus=_bleu_metric(2, effective_order=False)))
register_metric(Metric("bleu2", "BLEU-2 (effective order)", corpus=_bleu_metric(2)))
register_metric(Metric("semantic_match", "semantic match"))
register_metric(Metric("consistency", "consistency across views", per_question=_consistent))


def metric_names() -> list[str]:
    """The metrics every scored set gets (per-answer, then corpus), in report order."""
    return [m.name for m in METRICS.values() if m.per_answer] + [m.name for m in METRICS.values() if m.corpus]


def resample_counts(n: int, resamples: int, seed: int, budget: int = 1 << 22) -> Iterator[np.ndarray]:
    """Bootstrap resamples of n items as count matrices (resamples, n): how often each item was drawn.

    Yielded in chunks of at most `budget` cells so memory stays flat for large n; the draws depend only
    on (n, resamples, seed)."""
    rng = np.random.default_rng(seed)
    chunk = max(1, budget // n)
    for start in range(0, resamples, chunk):
        size = min(chunk, resamples - start)
        draws = rng.integers(0, n, size=(size, n)) + (np.arange(size) * n)[:, None]
        yield np.bincount(draws.ravel(), minlength=size * n).reshape(size, n)


def _interval(samples: np.ndarray) -> tuple[float, float]:
    low, high = np.percentile(samples, [2.5, 97.5])
    return float(low), float(high)


def answer_columns(scores: AnswerScores) -> dict[str, np.ndarray]:
    """Every registered per-answer metric's values (0..1, one per answer), in registration order."""
    return {m.name: m.per_answer(scores).astype(float) for m in METRICS.values() if m.per_answer}


def corpus_statistics(
    predictions: Sequence[str], answers: Sequence[Sequence[str]], languages: Sequence[str]
) -> dict[str, np.ndarray]:
    """Every registered corpus metric's per-answer statistics (n, k), on the normalised strings; metrics
    that share their statistics (BLEU-2 with and without effective order) share one extraction."""
    hyps = [normalize_answer(p, lang) for p, lang in zip(predictions, languages)]
    refs = [[normalize_answer(a, lang) for a in alias] for alias, lang in zip(answers, languages)]
    extracted: dict[int, np.ndarray] = {}
    out = {}
    for metric in METRICS.values():
        if metric.corpus:
            key = id(metric.corpus.statistics)
            if key not in extracted:
                extracted[key] = metric.corpus.statistics(hyps, refs)
            out[metric.name] = extracted[key]
    return out


def compute_figures(
    predictions: Sequence[str],
    answers: Sequence[Sequence[str]],
    languages: Sequence[str],
    bootstrap: int = 1000,
    seed: int = 0,
    extra: dict[str, np.ndarray] | None = None,
    categories: Sequence[str] | None = None,
) -> dict[str, Figure]:
    """Every per-answer and corpus metric (and each supplied `extra` metric's per-answer values in
    [0, 1]) with its bootstrap interval. `categories` (one per answer) lets lenient matching apply its
    person-name rule."""
    n = len(predictions)
    if n == 0 or not (len(answers) == len(languages) == n) or (categories is not None and len(categories) != n):
        raise ValueError("need equally many predictions, answer lists and languages (and categories), at least one")
    answer = answer_columns(score_answers(predictions, answers, languages, categories))
    extra = extra or {}
    names = [*answer, *(get_metric(name).name for name in extra)]
    columns = [*answer.values(), *(np.asarray(values, dtype=float) for values in extra.values())]
    if any(len(c) != n for c in columns):
        raise ValueError("every extra metric needs one value per answer")
    return figures_of(
        names, np.stack(columns, axis=1), corpus_statistics(predictions, answers, languages), bootstrap, seed
    )


def figures_of(
    names: Sequence[str], per_answer: np.ndarray, corpus_stats: dict[str, np.ndarray], bootstrap: int, seed: int
) -> dict[str, Figure]:
    """`compute_figures` from per-answer values (answers x `names`) and corpus statistics already computed:
    a scorer that streams its answers keeps these arrays, not the answers."""
    if bootstrap < 1:
        raise ValueError("bootstrap needs at least one resample")
    n = len(per_answer)
    corpus = {m.name: m.corpus for m in METRICS.values() if m.corpus}

    answer_samples: list[np.ndarray] = []
    corpus_samples: dict[str, list[float]] = {name: [] for name in corpus}
    for counts in resample_counts(n, bootstrap, seed):
        answer_samples.append(100.0 * (counts @ per_answer) / n)
        for name, c in corpus.items():
            corpus_samples[name].extend(c.from_totals(t) for t in counts @ corpus_stats[name])
    answer_resampled = np.concatenate(answer_samples)

    figures: dict[str, Figure] = {}
    for j, (name, value) in enumerate(zip(names, 100.0 * per_answer.mean(axis=0))):
        figures[name] = Figure(float(value), n, *_interval(answer_resampled[:, j]))
    for name, c in corpus.items():
        value = c.from_totals(corpus_stats[name].sum(axis=0))
        figures[name] = Figure(value, n, *_interval(np.array(corpus_samples[name])))
    return figures


def view_figures(
    view_predictions: Sequence[Sequence[str]], languages: Sequence[str], bootstrap: int = 1000, seed: int = 0
) -> dict[str, Figure]:
    """Every per-question metric over the questions asked on two or more views (resampling questions)."""
    if not view_predictions:
        raise ValueError("no questions asked on several views")
    figures = {}
    for metric in METRICS.values():
        if metric.per_question:
            values = np.asarray(metric.per_question(view_predictions, languages), dtype=float)
            n = len(values)
            resampled = [100.0 * (counts @ values) / n for counts in resample_counts(n, bootstrap, seed)]
            figures[metric.name] = Figure(float(100.0 * values.mean()), n, *_interval(np.concatenate(resampled)))
    return figures
