import math

import numpy as np
import pytest
from sacrebleu.metrics import BLEU

from museumvqa.evaluation.metrics import (
    METRICS,
    AnswerScore,
    AnswerScores,
    Figure,
    answer_metric,
    compute_figures,
    metric_names,
    reference_streams,
    resample_counts,
    score_answer,
)


def test_exact_answer_scores_one() -> None:
    assert score_answer("Oil on canvas.", ["oil on canvas"]) == AnswerScore(1.0, 1.0, True)


def test_partial_overlap() -> None:
    # P = oil on wood, G = oil on canvas: |P∩G| = 2 -> p = 2/3, r = 2/3
    assert score_answer("oil on wood", ["oil on canvas"]) == AnswerScore(2 / 3, 2 / 3, False)


def test_multisets_count_repeats() -> None:
    # P = [oil, oil], G = [oil]: |P∩G| = min(2, 1) = 1 -> p = 1/2, r = 1/1
    assert score_answer("oil oil", ["oil"]) == AnswerScore(0.5, 1.0, False)
    # P = [oil], G = [oil, oil]: |P∩G| = 1 -> p = 1/1, r = 1/2
    assert score_answer("oil", ["oil oil"]) == AnswerScore(1.0, 0.5, False)


def test_each_figure_takes_its_best_alias_on_its_own() -> None:
    # P = rembrandt van rijn (3 tokens)
    # alias 1 G = [rembrandt]: |P∩G| = 1 -> p = 1/3, r = 1/1
    # alias 2 G = [rembrandt, harmensz, van, rijn]: |P∩G| = 3 -> p = 3/3, r = 3/4
    # best p = 1 (alias 2), best r = 1 (alias 1), no alias equal
    score = score_answer("Rembrandt van Rijn", ["Rembrandt", "Rembrandt Harmensz. van Rijn"])
    assert score == AnswerScore(1.0, 1.0, False)
    assert score_answer("Rembrandt", ["Rembrandt van Rijn", "rembrandt"]).exact


def test_number_words_match_digits() -> None:
    assert score_answer("two", ["2"]) == AnswerScore(1.0, 1.0, True)
    assert score_answer("2 figures", ["Two figures"]).exact


def test_articles_are_dropped_in_the_answer_language() -> None:
    assert score_answer("la Joconde", ["Joconde"], lang="fr").exact
    assert score_answer("l'huile", ["huile"], lang="fr").exact
    assert score_answer("der Garten", ["Garten"], lang="de").exact
    # in English "la" is a word: P = [la, joconde], G = [joconde] -> p = 1/2, r = 1
    assert score_answer("la Joconde", ["Joconde"], lang="en") == AnswerScore(0.5, 1.0, False)


def test_empty_prediction_says_nothing_right() -> None:
    assert score_answer("", ["oil"]) == AnswerScore(0.0, 0.0, False)
    assert score_answer("The.", ["oil"]) == AnswerScore(0.0, 0.0, False)  # normalises to nothing


def test_gold_that_normalises_to_nothing_is_compared_raw() -> None:
    # gold "The" has no content tokens: raw tokens [the] vs [the] -> p = r = 1
    assert score_answer("the", ["The"]) == AnswerScore(1.0, 1.0, True)
    assert score_answer("a", ["The"]) == AnswerScore(0.0, 0.0, False)


def test_blank_or_missing_gold_is_an_error() -> None:
    with pytest.raises(ValueError):
        score_answer("oil", [])
    with pytest.raises(ValueError):
        score_answer("oil", ["  "])


# Four answers (all English):
#   1. "oil on canvas" vs "Oil on canvas": p = 1,   r = 1,   exact
#   2. "oil on wood"   vs "oil on canvas": p = 2/3, r = 2/3
#   3. "oil"           vs "oil on canvas": p = 1,   r = 1/3
#   4. ""              vs "tempera":       p = 0,   r = 0
PREDS = ["oil on canvas", "oil on wood", "oil", ""]
GOLDS = [["Oil on canvas"], ["oil on canvas"], ["oil on canvas"], ["tempera"]]
LANGS = ["en"] * 4


def test_aggregates_by_hand() -> None:
    figures = compute_figures(PREDS, GOLDS, LANGS, bootstrap=200)
    assert list(figures) == metric_names()
    assert figures["complete_precision"].value == pytest.approx(100 * (1 + 0 + 1 + 0) / 4)  # 50
    assert figures["partial_precision"].value == pytest.approx(100 * (1 + 2 / 3 + 1 + 0) / 4)  # 66.67
    assert figures["complete_recall"].value == pytest.approx(100 * (1 + 0 + 0 + 0) / 4)  # 25
    assert figures["partial_recall"].value == pytest.approx(100 * (1 + 2 / 3 + 1 / 3 + 0) / 4)  # 50
    assert figures["exact_match"].value == pytest.approx(100 * 1 / 4)  # 25
    assert all(f.n == 4 for f in figures.values())


def test_bleu_by_hand() -> None:
    figures = compute_figures(PREDS, GOLDS, LANGS, bootstrap=10)
    # unigrams: matched 3 + 2 + 1 + 0 = 6 of 3 + 3 + 1 + 0 = 7 predicted
    # lengths: hypotheses 7, closest references 3 + 3 + 3 + 1 = 10 -> BP = exp(1 - 10/7)
    brevity = math.exp(1 - 10 / 7)
    assert figures["bleu1"].value == pytest.approx(100 * (6 / 7) * brevity)
    # bigrams: matched 2 (oil on, on canvas) + 1 (oil on) = 3 of 2 + 2 = 4
    assert figures["bleu2"].value == pytest.approx(100 * math.sqrt((6 / 7) * (3 / 4)) * brevity)


def test_bleu_equals_sacrebleu_called_directly() -> None:
    preds = ["Oil on canvas", "the two sisters", "Rembrandt", "bronze", "a vase with flowers"]
    golds = [
        ["oil on canvas"],
        ["Two Sisters", "The Sisters"],
        ["Rembrandt van Rijn", "Rembrandt", "R. H. van Rijn"],
        ["marble"],
        ["vase of flowers"],
    ]
    figures = compute_figures(preds, golds, ["en"] * 5, bootstrap=10)
    hyps = ["oil on canvas", "2 sisters", "rembrandt", "bronze", "vase with flowers"]
    streams = [  # three reference streams, short alias lists padded with their first alias
        ["oil on canvas", "2 sisters", "rembrandt van rijn", "marble", "vase of flowers"],
        ["oil on canvas", "sisters", "rembrandt", "marble", "vase of flowers"],
        ["oil on canvas", "2 sisters", "r h van rijn", "marble", "vase of flowers"],
    ]
    for order in (1, 2):
        direct = BLEU(max_ngram_order=order, effective_order=True).corpus_score(hyps, streams).score
        assert figures[f"bleu{order}"].value == pytest.approx(direct)
    standard = BLEU(max_ngram_order=2).corpus_score(hyps, streams).score  # sacrebleu's defaults
    assert figures["bleu2_standard"].value == pytest.approx(standard)


def test_reference_streams_pad_with_the_first_alias() -> None:
    assert reference_streams([["a"], ["b", "c"]]) == [["a", "b"], ["a", "c"]]


def test_bleu2_of_one_word_answers_uses_effective_order() -> None:
    # no bigrams anywhere: BLEU-2 falls back to unigrams; 1 of 2 right, lengths equal -> 50
    figures = compute_figures(["oil", "gold"], [["oil"], ["wood"]], ["en", "en"], bootstrap=10)
    assert figures["bleu1"].value == pytest.approx(50.0)
    assert figures["bleu2"].value == pytest.approx(50.0)
    # standard BLEU-2 (no effective order): no bigram anywhere, so 0, even for a perfect system
    assert figures["bleu2_standard"].value == 0.0
    assert compute_figures(["oil"], [["oil"]], ["en"], bootstrap=2)["bleu2_standard"].value == 0.0


def test_bleu_labels_say_which_bleu() -> None:
    assert METRICS["bleu2_standard"].label == "BLEU-2"
    assert METRICS["bleu2"].label == "BLEU-2 (effective order)"


def _many() -> tuple[list[str], list[list[str]], list[str]]:
    rng = np.random.default_rng(7)
    words = "oil canvas wood panel tempera gold paper ink".split()
    preds = [" ".join(rng.choice(words, 2)) for _ in range(300)]
    golds = [[" ".join(rng.choice(words, 2))] for _ in range(300)]
    return preds, golds, ["en"] * 300


def test_bootstrap_interval_contains_the_value_and_is_deterministic() -> None:
    preds, golds, langs = _many()
    first = compute_figures(preds, golds, langs, bootstrap=300, seed=0)
    again = compute_figures(preds, golds, langs, bootstrap=300, seed=0)
    other = compute_figures(preds, golds, langs, bootstrap=300, seed=1)
    assert first == again
    assert first != other
    for name, fig in first.items():
        assert fig.low <= fig.value <= fig.high, name
        assert fig.low < fig.high, name
        assert fig.n == 300


def test_bootstrap_of_a_constant_collapses() -> None:
    figures = compute_figures(["oil"] * 5, [["oil"]] * 5, ["en"] * 5, bootstrap=50)
    assert figures["complete_precision"] == Figure(100.0, 5, 100.0, 100.0)
    bleu1 = figures["bleu1"]
    assert (bleu1.value, bleu1.low, bleu1.high) == pytest.approx((100.0, 100.0, 100.0))


def test_resample_counts_are_draws_with_replacement_independent_of_chunking() -> None:
    whole = np.concatenate(list(resample_counts(40, 90, seed=3)))
    chunked = np.concatenate(list(resample_counts(40, 90, seed=3, budget=40 * 7)))
    assert whole.shape == (90, 40)
    assert (whole.sum(axis=1) == 40).all()
    assert (whole == chunked).all()


def test_a_new_answer_metric_is_a_declaration() -> None:
    @answer_metric("half_precision", "half precision")
    def half_precision(s: AnswerScores) -> np.ndarray:
        return s.precision >= 0.5

    try:
        figures = compute_figures(PREDS, GOLDS, LANGS, bootstrap=10)
        assert "half_precision" in metric_names()
        # p = 1, 2/3, 1, 0 -> 3 of 4 at least one half
        assert figures["half_precision"].value == pytest.approx(75.0)
        with pytest.raises(ValueError):
            answer_metric("half_precision", "half precision")(half_precision)
    finally:
        del METRICS["half_precision"]


def test_bad_arguments() -> None:
    with pytest.raises(ValueError):
        compute_figures([], [], [])
    with pytest.raises(ValueError):
        compute_figures(["oil"], [["oil"]], ["en"], bootstrap=0)
