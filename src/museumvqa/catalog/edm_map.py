"""One EDM record (edm_model) as an Exhibit: which EDM property feeds which attribute, and why.

Descriptive values come from the ProvidedCHO and the provider's proxies (what the museum said);
Europeana's own proxy adds only its enrichments, i.e. links to contextual entities (places,
concepts, timespans, agents) whose labels it resolves, plus a date when the provider gave none.
Entity labels are kept in the question languages and the record's own languages, not in all of
the dozens Europeana ships (a place such as Spain has ~150).

Where an object was made: EDM has no property for it. `dcterms:spatial` is, by EDM's mapping
guidelines, what the object represents or depicts in space, and `dc:coverage` its spatial or temporal
topic: a photograph of Castelldans (Austrian National Library), the country of a map. Those are
subjects ("What does this work show?"), never the place a "Where was this made?" question answers.
Only a provider known to write its production places in `dcterms:spatial` (`_SPATIAL_IS_MAKING_PLACE`)
fills `place`; `edm:currentLocation` (where the object is kept) feeds neither.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from museumvqa.catalog.adapters.base import RecordRejected
from museumvqa.catalog.attribution import is_unknown
from museumvqa.catalog.edm_model import EdmRecord, Lit, Node
from museumvqa.catalog.schema import Exhibit, ImageRef, Person, clean_text, is_placeholder_id, make_exhibit_id, slug

LABEL_LANGS = frozenset({"en", "fr", "de", "es", "it", "nl", "sv"})  # languages questions are templated in
_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")
_EUROPEANA_ITEM = re.compile(r"^(?:https?://data\.europeana\.eu/item|/item)?(/[^/\s]+/[^/\s]+)$")
# The Albertina's creatordated: "Cento 1591 - 1666 Bologna", "Italien, 1757 - nach 1790".
_DATED = re.compile(
    r"^(?P<born_at>[^\d,]*?)(?P<comma>,)?\s*(?P<born_q>ca\.?|um|vor|nach|c\.)?\s*(?P<born>\d{3,4})?\s*[-–]\s*"
    r"(?P<died_q>ca\.?|um|vor|nach|c\.)?\s*(?P<died>\d{3,4})?\s*(?P<died_at>\D*)$",
    re.IGNORECASE,
)
_INSCRIPTION_PROPS = ("inscriptions", "inscription", "signed")  # a provider's own elements (Albertina)
# Data providers (as slugs) whose dcterms:spatial is where the object was made. The Albertina writes one
# production place per maker, beside that maker's date in dcterms:temporal: "Italien, Rom; Österreich
# (Monarchie), Graz" with "1782; 1780" on a print of the Persian Sibyl engraved in Rome and in Graz.
_SPATIAL_IS_MAKING_PLACE = frozenset({"albertina-wien-osterreich"})
_DATE_PROPS = ("dcterms:created", "dc:date", "dcterms:issued")
_Text = tuple[str, "str | None", "str | None"]  # text, language, vocabulary URI
_Date = tuple[str, "str | None", "int | None", "int | None"]  # text, language, begin year, end year


class _View:
    """The record's resources by role, and its values with languages and entity labels resolved."""

    def __init__(self, record: EdmRecord, lang: str | None) -> None:
        self.record = record
        self.lang = lang  # the language of untagged literals, when the caller knows it
        proxies = record.of_kind("Proxy")
        self.describing = record.of_kind("ProvidedCHO") + [p for p in proxies if not p.flag("edm:europeanaProxy")]
        self.enriching = [p for p in proxies if p.flag("edm:europeanaProxy")]
        self.aggregations = record.of_kind("Aggregation")
        self.europeana = record.of_kind("EuropeanaAggregation")
        own = {(v.lang or "").split("-")[0] for n in self.describing for vs in n.props.values() for v in vs} - {""}
        self.langs = LABEL_LANGS | own
        self.own_lang = next(iter(own)) if len(own) == 1 else None  # the one language the provider tags texts in

    def lits(self, prop: str, nodes: list[Node]) -> list[Lit]:
        return [v for node in nodes for v in node.get(prop)]

    def texts(self, prop: str, enriched: bool = True) -> list[_Text]:
        """The provider's values of `prop` (its links resolved to labels), then Europeana's resolved links."""
        out = []
        for lit in self.lits(prop, self.describing):
            if lit.text is not None:
                out.append((lit.text, lit.lang or self.lang, lit.ref))  # a labelled link: the text, with its id
            else:
                out.extend(self.labels(self.record.entity(lit.ref)))
        if enriched:
            out.extend(self.enrichments(prop))
        return out

    def enrichments(self, prop: str) -> list[_Text]:
        """The labels of the entities Europeana's proxy links `prop` to."""
        return [label for lit in self.lits(prop, self.enriching) for label in self.labels(self.record.entity(lit.ref))]

    def labels(self, entity: Node | None) -> list[_Text]:
        """An entity's preferred labels (with its URI): the first per language, in the wanted languages (else all)."""
        if entity is None:
            return []
        found = entity.get("skos:prefLabel") or entity.get("foaf:name")
        by_lang: dict[str | None, str] = {}
        for lit in found:
            if lit.text is not None:
                by_lang.setdefault(lit.lang, lit.text)
        wanted = {lang: text for lang, text in by_lang.items() if lang is None or lang.split("-")[0] in self.langs}
        return [(text, lang, entity.about) for lang, text in (wanted or by_lang).items()]

    def name(self, entity: Node) -> str | None:
        """An entity's one display name: untagged, else English, else the record's languages, else any."""
        labels = {lang: text for text, lang, _ in self.labels(entity)}
        return next((labels[k] for k in (None, "en") if k in labels), None) or next(iter(labels.values()), None)

    def refs(self, prop: str, nodes: list[Node]) -> list[str]:
        return list(dict.fromkeys(v.ref for v in self.lits(prop, nodes) if v.ref))


def to_exhibit(record: EdmRecord, source_path: str, adapter: str, museum: str | None, lang: str | None) -> Exhibit:
    """Map one EDM record, or raise RecordRejected naming the missing part."""
    view = _View(record, lang)
    if not (view.describing or view.aggregations):
        raise RecordRejected(None, "no edm:ProvidedCHO, ore:Proxy or ore:Aggregation in this record")
    local_id = _local_id(view)
    if local_id is None:
        raise RecordRejected(
            "rdf:about", "record has no usable id (no ProvidedCHO rdf:about, aggregatedCHO or proxyFor)"
        )
    titles = view.texts("dc:title", enriched=False)
    descriptions = view.texts("dc:description", enriched=False)
    if not titles and not descriptions:
        raise RecordRejected("dc:title", "record has neither dc:title nor dc:description")
    provider = _museum(view)
    museum = museum or provider or "europeana"
    ex = Exhibit(make_exhibit_id(museum, local_id), museum, adapter, source_path)
    for attribute, values in (("title", titles), ("description", descriptions)):
        for text, value_lang, uri in values:
            _add(ex, attribute, text, value_lang, uri)
    _add_makers(ex, view)
    _add_dates(ex, view)
    for attribute, prop in (
        ("medium", "dcterms:medium"),
        ("object_type", "dc:type"),
        ("classification", "edm:hasType"),
        ("subject", "dc:subject"),
        ("dimensions", "dcterms:extent"),
    ):
        for text, value_lang, uri in view.texts(prop):
            if attribute != "object_type" or "/" not in text:  # dc:type also holds MIME types ("image/jpeg")
                _add(ex, attribute, text, value_lang, uri)
    for text, value_lang, uri in view.texts("dcterms:spatial"):
        if provider not in _SPATIAL_IS_MAKING_PLACE:
            _add(ex, "subject", text, value_lang, uri)
            continue
        for part in text.split(";"):  # one place per maker: each is a right answer
            if (place := clean_text(part)) is not None:  # untagged, it is in the provider's language ("Italien")
                _add(ex, "place", place, value_lang or view.own_lang, uri)
    for text, value_lang, uri in view.enrichments("dc:coverage"):  # not the providers' own: often "unspecified"
        _add(ex, "subject", text, value_lang, uri)
    for lit in view.lits("dcterms:isPartOf", view.describing):
        if lit.text is not None:  # a collection's name; a link names a parent record, not a department
            ex.add("department", lit.text, lang=lit.lang or lang)
    for prop in _INSCRIPTION_PROPS:
        for text, value_lang, _ in view.texts(prop, enriched=False):
            ex.add("inscription", text, lang=value_lang)
    ex.rights = next((v.text for v in view.lits("dc:rights", view.describing) if v.text), None)
    ex.licence = next(iter(view.refs("edm:rights", view.aggregations) or view.refs("edm:rights", view.europeana)), None)
    ex.url = next(
        iter(view.refs("edm:isShownAt", view.aggregations) or view.refs("edm:landingPage", view.europeana)), None
    )
    ex.images.extend(_images(view, ex.licence))
    return ex


def _add(ex: Exhibit, attribute: str, text: str, lang: str | None, uri: str | None) -> None:
    """A value once per text and language: a provider's literal and Europeana's label of it are one answer."""
    known = ex.attributes.get(attribute, [])
    if any(v.value == text and v.lang == lang for v in known):
        return
    ex.add(attribute, text, lang=lang, uri=uri if uri and "://" in uri else None)


def _local_id(view: _View) -> str | None:
    """The Europeana id ("/2048128/618580") where the record has one; else the provider's URI or identifier.

    A local-only URI ('#tms_146241', a file: path left by a converter) identifies nothing outside
    its file: the provider's first dc:identifier then names the object.
    """
    candidates = [n.about for n in view.record.of_kind("ProvidedCHO")]
    candidates += view.refs("edm:aggregatedCHO", view.aggregations + view.europeana)
    candidates += view.refs("ore:proxyFor", view.describing + view.enriching)
    candidates += [view.record.header_id]
    uri = next((c for c in candidates if c and not is_placeholder_id(c)), None)
    if uri is None:
        return None
    europeana = _EUROPEANA_ITEM.match(uri)
    if europeana:
        return europeana[1]
    if "://" in uri and not uri.startswith("file:"):
        return uri
    identifiers = [v.text for v in view.lits("dc:identifier", view.describing) if v.text and "://" not in v.text]
    return identifiers[0] if identifiers else uri.rstrip("/").rsplit("/", 1)[-1].lstrip("#") or None


def _museum(view: _View) -> str | None:
    """The data provider (the museum) as a slug; its organisation entity's name when it is a link."""
    for prop in ("edm:dataProvider", "edm:provider"):
        for lit in view.lits(prop, view.aggregations):
            entity = view.record.entity(lit.ref)
            name = lit.text or (view.name(entity) if entity is not None else None)
            if slug(name):
                return slug(name)
    return None


def _add_makers(ex: Exhibit, view: _View) -> None:
    """dc:creator: a literal name (with the Albertina's life dates), or a link to an edm:Agent."""
    for lit in view.lits("dc:creator", view.describing):
        entity = view.record.entity(lit.ref)
        if lit.text is not None:
            _add_maker(ex, lit.text, _literal_person(lit))
        elif entity is not None and (name := view.name(entity)) is not None:
            _add_maker(ex, name, _agent_person(view, entity, name))
    for lit in view.lits("dc:creator", view.enriching):  # Europeana's link of a creator to its agent entity
        entity = view.record.entity(lit.ref)
        if entity is not None and (name := view.name(entity)) is not None:
            _add_maker(ex, name, _agent_person(view, entity, name))


def _add_maker(ex: Exhibit, name: str, person: Person) -> None:
    _add(ex, "creator", name, None, person.person_id)
    if not is_unknown(name) and all(p.name != name for p in ex.people):
        ex.people.append(person)


def _literal_person(lit: Lit) -> Person:
    extra = lit.extra or {}
    born, died, born_at, died_at = _dated(extra.get("creatordated"))
    return Person(
        name=lit.text or "",
        person_id=lit.ref or clean_text(extra.get("permalinkgnd")),
        birth_year=born,
        death_year=died,
        birth_place=born_at,
        death_place=died_at,
    )


def _dated(text: str | None) -> tuple[int | None, int | None, str | None, str | None]:
    """'Cento 1591 - 1666 Bologna' -> (1591, 1666, 'Cento', 'Bologna'); a year with 'ca.', 'nach' is not exact.

    'Italien, 1727 - 1803' names a country of activity, not a birth place: the place is kept only in
    the 'Place YEAR - YEAR Place' form.
    """
    match = _DATED.match(clean_text(text) or "")
    if match is None:
        return None, None, None, None
    born = int(match["born"]) if match["born"] and not match["born_q"] else None
    died = int(match["died"]) if match["died"] and not match["died_q"] else None
    born_at = clean_text(match["born_at"]) if not match["comma"] and match["born"] else None
    died_at = clean_text(match["died_at"]) if not match["comma"] and match["died"] else None
    return born, died, born_at, died_at


def _agent_person(view: _View, agent: Node, name: str) -> Person:
    """An edm:Agent (or foaf:Organization) as a person record: rdaGr2 life dates and places."""
    organisation = agent.kind == "Organization" or bool(
        agent.get("rdaGr2:dateOfEstablishment") or agent.get("rdaGr2:dateOfTermination")
    )
    person = agent.get("rdaGr2:dateOfBirth") or agent.get("rdaGr2:dateOfDeath") or agent.get("rdaGr2:gender")
    return Person(
        name=name,
        person_id=agent.about,
        birth_year=None if organisation else _first_year(agent, ("rdaGr2:dateOfBirth", "edm:begin")),
        death_year=None if organisation else _first_year(agent, ("rdaGr2:dateOfDeath", "edm:end")),
        birth_place=None if organisation else _place(view, agent.get("rdaGr2:placeOfBirth")),
        death_place=None if organisation else _place(view, agent.get("rdaGr2:placeOfDeath")),
        kind="organisation" if organisation else "person" if person else None,
    )


def _first_year(node: Node, props: tuple[str, ...]) -> int | None:
    for prop in props:
        for lit in node.get(prop):
            years = _years(lit.text or "")
            if years:
                return years[0]
    return None


def _place(view: _View, lits: list[Lit]) -> str | None:
    for lit in lits:
        entity = view.record.entity(lit.ref)
        name = lit.text or (view.name(entity) if entity is not None else None)
        if name:
            return name
    return None


def _years(text: str) -> list[int]:
    return [int(y) for y in _YEAR.findall(text)]


def _add_dates(ex: Exhibit, view: _View) -> None:
    """The date the provider wrote (created, date, issued; else a temporal value with a year) with its years.

    Albertina-style feeds write the creation date in dcterms:temporal ("um 1797"); a temporal value
    without a year ("18. Jahrhundert") is a period. Only when the provider gives no date does
    Europeana's enrichment (a linked timespan, its computed year) stand in.
    """
    chosen = _provider_date(view) or _enriched_date(view)
    if chosen is not None:
        text, lang, begin, end = chosen
        ex.add("date", text, lang=lang)
        ex.date_begin, ex.date_end = begin, end
    for lit in view.lits("dcterms:temporal", view.describing):
        if lit.text is not None and not _years(lit.text):
            ex.add("period", lit.text, lang=lit.lang or view.lang)
        elif lit.text is None:
            for text, lang, uri in view.labels(view.record.entity(lit.ref)):
                _add(ex, "period", text, lang, uri)
    for text, lang, uri in view.enrichments("dcterms:temporal"):
        _add(ex, "period", text, lang, uri)


def _text_date(text: str, lang: str | None) -> _Date:
    years = _years(text)
    return text, lang, min(years, default=None), max(years, default=None)


def _provider_date(view: _View) -> _Date | None:
    for prop in _DATE_PROPS:
        for lit in view.lits(prop, view.describing):
            if lit.text is not None:
                return _text_date(lit.text, lit.lang or view.lang)
            span = view.record.entity(lit.ref)
            if span is not None and (found := _span_date(view, span)) is not None:
                return found
    for lit in view.lits("dcterms:temporal", view.describing):
        if lit.text is not None and _years(lit.text):
            return _text_date(lit.text, lit.lang or view.lang)
    return None


def _enriched_date(view: _View) -> _Date | None:
    for prop in _DATE_PROPS:
        for lit in view.lits(prop, view.enriching):
            span = view.record.entity(lit.ref)
            if span is not None and (found := _span_date(view, span)) is not None:
                return found
    for lit in view.lits("edm:year", view.enriching + view.describing):  # Europeana's computed year
        if lit.text is not None and _years(lit.text):
            return _text_date(lit.text, None)
    return None


def _span_date(view: _View, span: Node) -> _Date | None:
    """A timespan as a date: its name, and its begin and end years."""
    begin = _first_year(span, ("edm:begin",))
    end = _first_year(span, ("edm:end",))
    name = view.name(span)
    if name is None:
        return None
    return name, None, begin, end if end is not None else begin


def _images(view: _View, licence: str | None) -> Iterator[ImageRef]:
    """isShownBy is the primary image, hasView the others; edm:object (a thumbnail) only when neither exists."""
    shown = view.refs("edm:isShownBy", view.aggregations)
    views = view.refs("edm:hasView", view.aggregations)
    uris = list(dict.fromkeys(shown + views)) or view.refs("edm:object", view.aggregations)
    n = 0
    for uri in uris:
        resource = view.record.entity(uri)
        mime = next((v.text for v in resource.get("ebucore:hasMimeType")), None) if resource else None
        if mime and not mime.startswith("image/"):
            continue  # a video, a PDF, a web page
        own = next(iter(view.refs("edm:rights", [resource])), None) if resource else None
        role = "primary" if n == 0 else "additional"
        yield ImageRef(uri, role, "main view" if n == 0 else f"additional view {n}", own or licence)
        n += 1
