"""The paper's published figures (MUSEUM-65, ICCV version), in one place: the report's text and its
comparison plot both read them, and both mark them as the paper's, never ours."""

from __future__ import annotations

MODELS = ("GPT-4o", "LLaVA zero-shot", "LLaVA fine-tuned (20M)", "BLIP zero-shot", "BLIP fine-tuned")
# Accuracy per model (in MODELS order), for the paper's title and origin questions.
ACCURACY = {"title": (22.03, 10.13, 57.00, 3.00, 52.00), "origin": (33.33, 23.42, 70.00, 5.00, 61.00)}
# Our categories that ask the paper's questions: title, and origin (culture / place).
OUR_CATEGORIES = {"title": ("title",), "origin": ("culture", "place")}
HEADLINE = ("headline (LLaVA-20M)", "80% partial precision, 64% complete precision")
SMALL_N = 30  # ours over fewer answers are marked as too few to set beside the paper (and hatched in every plot)


def paper_lines() -> list[str]:
    """The figures as report list items."""
    lines = [
        f"- {question} accuracy: " + ", ".join(f"{model} {value:.2f}" for model, value in zip(MODELS, values))
        for question, values in ACCURACY.items()
    ]
    caveat = (
        "- n and intervals: the paper gives these without n or intervals, on its own data, models and accuracy; ours carry n and a "
        f"95% interval, and the comparison plot marks ours over fewer than {SMALL_N} questions as too few to set beside them."
    )
    return [*lines, f"- {HEADLINE[0]}: {HEADLINE[1]}", caveat]
