from pathlib import Path

import pytest

from museumvqa.catalog.schema import Exhibit
from museumvqa.errors import UserError
from museumvqa.questions.glossary import LANGUAGES, load_glossary, parse_glossary
from museumvqa.questions.stats import glossary_coverage


def test_every_entry_has_all_seven_languages_and_object_types_a_gender() -> None:
    glossary = load_glossary()
    assert len(glossary.terms) > 100
    for term in glossary.terms:
        assert set(term.forms) == set(LANGUAGES), term.english
        if term.section == "object_types":
            assert set(term.genders) == set(LANGUAGES) - {"en"}, term.english


@pytest.mark.parametrize("sample", ["met_exhibits", "tate_exhibits"])
def test_glossary_covers_90_percent_of_vocabulary_occurrences(sample: str, request: pytest.FixtureRequest) -> None:
    exhibits: list[Exhibit] = request.getfixturevalue(sample)
    coverage = glossary_coverage(exhibits, load_glossary())
    assert coverage.occurrences > len(exhibits)  # object types plus several medium terms each
    for lang in LANGUAGES[1:]:
        assert coverage.share(lang) >= 0.90, (lang, coverage.missing.most_common(10))


def test_glossary_mistakes_name_the_file_and_entry(tmp_path: Path) -> None:
    path = tmp_path / "glossary.yaml"
    path.write_text("materials:\n  paper: {fr: papier, xx: paperr}\n")
    with pytest.raises(UserError, match=r"glossary.yaml: materials/paper: unknown languages \['xx'\]"):
        parse_glossary(path)
    path.write_text("materials:\n  paper: {fr: papier}\n  card: {aliases: [paper], fr: carton}\n")
    with pytest.raises(UserError, match="'paper' is listed twice"):
        parse_glossary(path)
    path.write_text("object_types:\n  bowl: {fr: bol|x}\n")
    with pytest.raises(UserError, match="unknown gender 'x'"):
        parse_glossary(path)
