from pathlib import Path

import pytest

from museumvqa.errors import UserError
from museumvqa.questions.categories import CATEGORIES
from museumvqa.questions.glossary import LANGUAGES as ALL_LANGUAGES
from museumvqa.questions.glossary import load_glossary
from museumvqa.questions.templates import available_languages, load_language, load_templates


def test_seven_languages_each_cover_every_category_with_the_english_ids() -> None:
    assert set(ALL_LANGUAGES) <= set(available_languages())
    english = load_language("en")
    assert len(english.templates) >= 60
    assert len(CATEGORIES) >= 14
    en_meta = {t.id: (t.category, t.visual, t.needs) for t in english.templates}
    for lang in ALL_LANGUAGES:
        spec = load_language(lang)
        assert spec.language == lang
        assert {t.category for t in spec.templates} == set(CATEGORIES), lang
        assert {t.id: (t.category, t.visual, t.needs) for t in spec.templates} == en_meta, lang
        texts = [t.text for t in spec.templates]
        assert len(set(texts)) == len(texts), f"{lang}: two templates ask the same question"


def test_visual_means_visible_in_the_photograph() -> None:
    visual = {t.category for t in load_templates("en") if t.visual}
    assert visual == {"medium", "material", "technique", "object_type", "subject", "inscription"}


@pytest.mark.parametrize("lang", ALL_LANGUAGES)
def test_every_template_renders_for_every_gender_and_the_fallback(lang: str) -> None:
    spec = load_language(lang)
    glossary = load_glossary()
    nouns = [(None, None)] + [
        (t.forms[lang][0], t.genders.get(lang)) for t in glossary.terms if t.section == "object_types"
    ]
    for noun, gender in nouns:
        values = {name: spec.noun_phrase(name, noun, gender) for name in spec.noun_phrases}
        values |= {"person": "Rembrandt van Rijn", "creator": "Rembrandt van Rijn"}
        for t in spec.templates:
            text = t.text.format_map(values)
            assert "{" not in text and "}" not in text and "  " not in text
            assert text[-1] in "?." and text == text.strip()


def test_articles_follow_gender() -> None:
    fr, de, it, nl, sv = (load_language(x) for x in ("fr", "de", "it", "nl", "sv"))
    assert fr.noun_phrase("this_object", "tableau", "m") == "ce tableau"
    assert fr.noun_phrase("this_object", "album", "m") == "cet album"
    assert fr.noun_phrase("this_object", "estampe", "f") == "cette estampe"
    assert fr.noun_phrase("this_object", None, None) == "cette œuvre"
    assert de.noun_phrase("this_object_acc", "Druckstock", "m") == "diesen Druckstock"
    assert de.noun_phrase("this_object_dat", "Skulptur", "f") == "dieser Skulptur"
    assert it.noun_phrase("this_object", "opera su carta", "f") == "quest'opera su carta"
    assert nl.noun_phrase("this_object", "schilderij", "n") == "dit schilderij"
    assert sv.noun_phrase("this_object", "målning", "c") == "denna målning"


def test_curator_file_mistakes_name_the_file(tmp_path: Path) -> None:
    base = (
        'language: xx\nwords: {and: y, "on": z}\ncentury: ["{n}"]\n'
        "noun_phrases:\n  this_object: {any: 'this {noun}', default: 'this work'}\ncategories:\n"
    )
    cases = {
        "unknown category 'colour'": "  colour: {templates: {c-1: 'What colour?'}}\n",
        r"unknown placeholders \['artist'\]": "  title: {templates: {t-1: '{artist}?'}}\n",
        "holds only `templates`": "  title: {visual: false, templates: {t-1: 'Title?'}}\n",
        "invalid template file": "  title: {templates: [t-1]}\n",
    }
    for message, body in cases.items():
        path = tmp_path / "xx.yaml"
        path.write_text(base + body)
        with pytest.raises(UserError, match=message) as info:
            load_templates("xx", path)
        assert str(path) in str(info.value)
