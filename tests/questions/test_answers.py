from museumvqa.catalog.schema import Exhibit, Person
from museumvqa.questions.answers import creator_facts, gold, medium_terms, name_aliases
from museumvqa.questions.categories import CATEGORIES
from museumvqa.questions.glossary import load_glossary
from museumvqa.questions.templates import load_language

GLOSSARY = load_glossary()


def answers(ex: Exhibit, category: str, lang: str = "en") -> tuple[list[str], str, bool] | None:
    facts = CATEGORIES[category].facts(ex, GLOSSARY)
    if facts is None:
        return None
    g = gold(facts, load_language(lang), GLOSSARY)
    return None if g is None else (g.answers, g.language, g.derived)


def exhibit(**attributes: str | list[str]) -> Exhibit:
    ex = Exhibit("t:1", "t", "test", "-")
    for name, values in attributes.items():
        for v in [values] if isinstance(values, str) else values:
            ex.add(name, v)
    return ex


def test_aliases_and_anonymous_creators() -> None:
    # a fuller form of the name is an alias; a bracketed part that shares no word with it is not on its own
    assert name_aliases("El Greco (Domenikos Theotokopoulos)") == ["El Greco (Domenikos Theotokopoulos)", "El Greco"]
    assert name_aliases("Le Roy (Charles Basile)") == ["Le Roy (Charles Basile)", "Le Roy"]  # given names alone
    assert name_aliases("Gautier-Prin (partea mecanică)") == ["Gautier-Prin"]  # a note, not part of the name
    assert creator_facts(exhibit(creator="Unidentified artist"), GLOSSARY) is None
    assert answers(exhibit(creator="Rembrandt (Rembrandt van Rijn)"), "creator", "fr") == (
        ["Rembrandt (Rembrandt van Rijn)", "Rembrandt", "Rembrandt van Rijn"],
        "*",  # names read the same in every language
        False,
    )


def test_no_value_no_question_and_placeholder_values_skipped() -> None:
    ex = exhibit(title="Sunflowers", date="date not known", inscription="date inscribed")
    assert answers(ex, "title") == (["Sunflowers"], "en", False)
    for category in ("date", "inscription", "creator", "material", "century", "birth_place"):
        assert answers(ex, category) is None, category


def test_medium_gives_materials_and_a_composed_translation() -> None:
    assert medium_terms("Graphite and watercolour on paper. Verso: graphite on paper") == [
        ["graphite", "watercolour"],
        ["paper"],
        ["graphite"],
        ["paper"],
    ]
    ex = exhibit(medium="Oil on canvas")
    assert answers(ex, "material") == (["oil paint", "canvas"], "en", True)
    assert answers(ex, "material", "de") == (["Ölfarbe", "Öl", "Leinwand"], "de", True)
    assert answers(ex, "medium") == (["Oil on canvas"], "en", False)
    assert answers(ex, "medium", "fr") == (["Peinture à l'huile sur toile"], "fr", True)
    assert answers(exhibit(medium="Graphite and watercolour on paper"), "medium", "sv") == (
        ["Grafit och akvarell på papper"],
        "sv",
        True,
    )
    # One unknown term: no derived materials, and no Italian question with an English answer.
    odd = exhibit(medium="Oil and unobtainium on canvas")
    assert answers(odd, "material") is None
    assert answers(odd, "medium", "it") is None
    assert answers(odd, "medium") == (["Oil and unobtainium on canvas"], "en", False)


def test_technique_from_the_medium() -> None:
    ex = exhibit(medium="Photograph, gelatin silver print on paper")
    assert answers(ex, "technique") == (["photograph", "gelatin silver print"], "en", True)
    assert answers(ex, "material", "es") == (["papel"], "es", True)


def test_century_from_a_year_range_in_each_language() -> None:
    ex = exhibit(date="ca. 1665")
    ex.date_begin, ex.date_end = 1660, 1670
    expected = {
        "en": "17th century",
        "fr": "XVIIe siècle",
        "de": "17. Jahrhundert",
        "es": "siglo XVII",
        "it": "XVII secolo",
        "nl": "17e eeuw",
        "sv": "1600-talet",
    }
    for lang, text in expected.items():
        found = answers(ex, "century", lang)
        assert found is not None and found[0][0] == text and found[1] == lang and found[2]
    ex.date_begin, ex.date_end = 1690, 1710  # spans two centuries: no century question
    assert answers(ex, "century") is None
    ex.date_begin = ex.date_end = 1900
    assert answers(ex, "century") == (["19th century"], "en", True)
    assert answers(ex, "date") == (["ca. 1665", "1900"], "en", True)


def test_vocabulary_translation_or_source_language() -> None:
    ex = exhibit(object_type="Hanging scroll")
    assert answers(ex, "object_type") == (["Hanging scroll"], "en", False)  # the record's own spelling
    assert answers(ex, "object_type", "nl") == (["hangrol"], "nl", False)
    rare = exhibit(object_type="Birth tray")
    assert answers(rare, "object_type", "fr") is None  # not in the glossary: asked in English only
    assert answers(rare, "object_type") == (["Birth tray"], "en", False)


def test_titles_in_the_record_languages_come_first() -> None:
    ex = Exhibit("t:1", "t", "test", "-")
    ex.add("title", "Still Life")
    ex.add("title", "Nature morte", lang="fr")
    ex.add("title", "Ohne Titel", lang="und")
    assert answers(ex, "title", "fr") == (["Nature morte"], "fr", False)
    assert answers(ex, "title") == (["Still Life"], "en", False)
    assert answers(ex, "title", "de") is None  # no German title, and an untagged one is not German


def test_person_facts_and_dimensions() -> None:
    ex = exhibit(title="Sunflowers", creator="Vincent van Gogh", dimensions="support: 318 x 394 mm")
    ex.people.append(Person("Vincent van Gogh", birth_year=1853, birth_place="Zundert, Nederland", nationality="Dutch"))
    assert answers(ex, "birth_year", "sv") == (["1853"], "*", False)
    assert answers(ex, "birth_place") == (["Zundert, Nederland", "Zundert"], "en", True)
    assert answers(ex, "nationality", "fr") == (["néerlandais", "néerlandaise", "hollandais"], "fr", False)
    assert answers(ex, "death_year") is None
    assert answers(ex, "dimensions", "de") == (["318 x 394 mm"], "*", True)
    assert answers(ex, "dimensions") == (["318 x 394 mm", "support: 318 x 394 mm"], "en", True)
