"""The visitor's words (`serving/data/labels.yaml`): every language has every key with the same placeholders,
every record field and category has a name, and no raw key reaches a label."""

from __future__ import annotations

import string

from museumvqa.catalog.schema import ATTRIBUTES
from museumvqa.questions.categories import CATEGORIES
from museumvqa.questions.templates import available_languages
from museumvqa.serving import labels
from museumvqa.serving.records import CARD_FIELDS


def _placeholders(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_every_language_has_every_key_and_placeholder() -> None:
    table = labels._table()
    assert set(table) == set(available_languages())
    english = table["en"]
    for lang, words in table.items():
        assert set(words) == set(english), lang
        for section in ("fields", "categories", "languages", "ui", "messages"):
            assert set(words[section]) == set(english[section]), (lang, section)
            for key, text in words[section].items():
                assert text.strip() and _placeholders(text) == _placeholders(english[section][key]), (lang, key)


def test_fields_and_categories_are_named_in_words() -> None:
    for lang in available_languages():
        for name in (*ATTRIBUTES, *CARD_FIELDS, "creator.role", "people.birth_year"):
            label = labels.field_label(name, lang)
            assert "_" not in label and label == labels._table()[lang]["fields"][name]
        for name in CATEGORIES:
            assert "_" not in labels.category_label(name, lang)
    assert labels.field_label("object_type", "sv") == "Föremålstyp"
    assert labels.field_label("creator", "sv") == "Upphovsperson"
    assert labels.field_label("some_new_field", "fr") == "Some new field"  # never a raw key


def test_messages_and_unknown_makers() -> None:
    assert labels.unknown_maker("sv") == "Okänd konstnär"
    assert labels.unknown_maker("fr") == "Artiste inconnu"
    text = labels.message("record_other_language", "de", category="Titel", language=labels.language_name("en", "de"))
    assert "Englisch" in text and "{" not in text
