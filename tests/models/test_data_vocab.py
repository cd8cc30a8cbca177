"""A tiny model's vocabulary cut to what its training texts use (`tiny.vocabulary: data`): the texts
tokenize exactly as with BERT's whole vocabulary, other words still split into kept pieces, and a model
built on it saves and loads with that vocabulary."""

from __future__ import annotations

from pathlib import Path

from transformers import BertTokenizerFast

from museumvqa.models.blip import BlipAnswerer, build_tokenizer, new_tiny_blip
from museumvqa.models.wordpiece import bert_vocab, data_vocab

TEXTS = [
    "Who made this hanging scroll?",
    "Water-Moon Avalokiteshvara",
    "Qui a peint ce tableau ?",
    "Oil on canvas",
    "1694–95",
]


def test_texts_tokenize_as_with_bert_and_the_vocabulary_is_much_smaller() -> None:
    vocab = data_vocab(TEXTS)
    bert = BertTokenizerFast(vocab=bert_vocab(), do_lower_case=True)
    small = build_tokenizer(vocab)
    assert len(vocab) < len(bert_vocab()) // 10
    assert vocab["[PAD]"] == 0 and small.bos_token_id == len(vocab)
    for text in TEXTS:
        assert small.tokenize(text) == bert.tokenize(text)
        assert small.decode(small(text)["input_ids"], skip_special_tokens=True) == bert.decode(
            bert(text)["input_ids"], skip_special_tokens=True
        )
    unseen = small.tokenize("Zebra")  # not in the texts: split into kept single characters, never [UNK]
    assert "[UNK]" not in unseen and "".join(t.removeprefix("##") for t in unseen) == "zebra"


def test_a_tiny_blip_on_a_data_vocabulary_saves_and_answers(tmp_path: Path) -> None:
    from PIL import Image

    vocab = data_vocab(TEXTS)
    model, processor = new_tiny_blip(image_size=32, hidden=32, layers=1, heads=2, vocabulary=vocab)
    assert model.config.text_config.vocab_size == len(vocab) + 1  # [DEC] after the kept tokens
    assert model.config.text_config.pad_token_id == 0
    assert model.config.text_config.sep_token_id == vocab["[SEP]"]
    model.save_pretrained(tmp_path, safe_serialization=True)
    processor.save_pretrained(tmp_path)
    answerer = BlipAnswerer.load(tmp_path, batch_size=2, max_new_tokens=3)
    assert len(answerer.processor.tokenizer) == len(vocab) + 1
    answers = answerer.answer([Image.new("RGB", (32, 32), "red")] * 2, ["Who made this?", "Oil on canvas"])
    assert len(answers) == 2 and all(isinstance(a, str) for a in answers)
