"""The matched record as a page a visitor can read (`/record/{id}`), in the visitor's language.

The JSON (`/api/exhibits/{id}`) stays for programs. Every value comes from a catalogue and is escaped;
a link to the museum's own page is kept only when it is an http(s) address; values in another language
than the page carry their `lang`, so a browser reads and hyphenates them right.
"""

from __future__ import annotations

from html import escape
from urllib.parse import quote, urlsplit

from museumvqa.catalog.schema import ATTRIBUTES, Exhibit, Person
from museumvqa.questions.answers import language_of
from museumvqa.serving.catalogue import Catalogue
from museumvqa.serving.labels import field_label, page_words

_PERSON_FACTS = ("birth_year", "death_year", "birth_place", "death_place", "nationality")
_STYLE = """
  * { box-sizing: border-box; }
  body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 1rem auto; padding: 0 1rem; color: #222;
         line-height: 1.4; overflow-wrap: anywhere; }
  nav { margin-bottom: .8rem; }
  .images { display: flex; flex-wrap: wrap; gap: .6rem; margin: .8rem 0; }
  .images img { max-width: 100%; max-height: 22rem; height: auto; }
  dl.record { display: grid; grid-template-columns: minmax(8rem, 14rem) minmax(0, 1fr); gap: .3rem 1rem; }
  dl.record dt { font-weight: 600; } dl.record dd { margin: 0; }
  ul.people { padding-left: 1.2rem; } ul.people li { margin-bottom: .4rem; }
  .links a { margin-right: 1rem; }
  @media (max-width: 32rem) { dl.record { grid-template-columns: minmax(0, 1fr); } dl.record dd { margin-bottom: .4rem; } }
"""


def _text(value: object) -> str:
    return escape(str(value), quote=True)


def _safe_url(url: str | None) -> str | None:
    """The museum's page address, only when it is http(s) (never `javascript:` or a local file)."""
    if not url:
        return None
    return url if urlsplit(url).scheme in ("http", "https") else None


def _values(exhibit: Exhibit, attribute: str, language: str) -> str:
    items = []
    for value in exhibit.attributes.get(attribute, []):
        tag = language_of(value.lang)
        lang = f' lang="{_text(tag)}"' if tag not in ("und", language) else ""
        role = f" ({_text(value.role)})" if value.role else ""
        items.append(f"<span{lang}>{_text(value.value)}</span>{role}")
    return "<br>".join(items)


def _person(person: Person, language: str) -> str:
    facts = [
        f"{_text(field_label('people.' + fact, language))}: {_text(getattr(person, fact))}"
        for fact in _PERSON_FACTS
        if getattr(person, fact) is not None
    ]
    role = f" ({_text(person.role)})" if person.role else ""
    qualifier = f"{_text(person.qualifier)} " if person.qualifier else ""
    return f"<li><strong>{qualifier}{_text(person.name)}</strong>{role}{'; ' if facts else ''}{'; '.join(facts)}</li>"


def record_page(exhibit: Exhibit, catalogue: Catalogue, language: str) -> str:
    """The whole HTML page of one record, field names and links in `language`."""
    words = page_words(language)["ui"]
    title = (exhibit.values("title") or [exhibit.exhibit_id])[0]
    rows = [(field_label("identifier", language), _text(exhibit.exhibit_id))]
    rows.append((field_label("museum", language), _text(exhibit.museum)))
    for attribute in ATTRIBUTES:
        if exhibit.attributes.get(attribute):
            rows.append((field_label(attribute, language), _values(exhibit, attribute, language)))
    if exhibit.date_begin is not None:
        rows.append((field_label("date_begin", language), _text(exhibit.date_begin)))
    if exhibit.date_end is not None:
        rows.append((field_label("date_end", language), _text(exhibit.date_end)))
    for name in ("licence", "rights"):
        if getattr(exhibit, name):
            rows.append((field_label(name, language), _text(getattr(exhibit, name))))
    record = "\n".join(f"  <dt>{_text(label)}</dt><dd>{value}</dd>" for label, value in rows)
    keys = [key for key, owner in zip(catalogue.keys, catalogue.owners) if owner == exhibit.exhibit_id]
    images = "".join(f'<img src="/api/images/{quote(key, safe="")}" alt="{_text(title)}">' for key in keys)
    people = "".join(_person(p, language) for p in exhibit.people)
    people_block = (
        f'<h2>{_text(field_label("people", language))}</h2>\n<ul class="people">{people}</ul>' if people else ""
    )
    source = _safe_url(exhibit.url)
    links = [f'<a href="/api/exhibits/{quote(exhibit.exhibit_id, safe="")}">{_text(words["raw_record"])}</a>']
    if source:
        links.insert(0, f'<a href="{_text(source)}" rel="noopener noreferrer">{_text(words["museum_page"])}</a>')
    return f"""<!doctype html>
<html lang="{_text(language)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_text(title)} · {_text(words["record_heading"])}</title>
<style>{_STYLE}</style>
</head>
<body>
<nav><a href="/?lang={quote(language)}">← {_text(words["back"])}</a></nav>
<p>{_text(words["record_heading"])}</p>
<h1>{_text(title)}</h1>
<div class="images">{images}</div>
<dl class="record">
{record}
</dl>
{people_block}
<p class="links">{" ".join(links)}</p>
</body>
</html>
"""
