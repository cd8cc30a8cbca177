"""Linked Art JSON-LD: `HumanMadeObject` documents (Getty, Yale LUX, NGA, ... and the spec's examples).

Input: one document, a list of documents, JSON Lines, or a folder of `*.json` / `*.jsonld` files.
Documents that are not objects (Person, Group, Place, VisualItem, DigitalObject, ...) are not
records: they are read first and kept by id, so an object that references a person only by `id`
gets that person's own document's name, birth and death (timespans and places) and nationality,
and a referenced VisualItem its image. The linked documents are held while objects stream (memory
grows with people and images, not objects), as the Tate adapter holds its artists.

Controlled terms keep their vocabulary ids: the id (an AAT or other URI) of a material, technique,
type, classification or culture is that value's `uri` (`role` is only a creator's role); a maker's
id is its `Person.person_id`.

Values a record tags with a `language` keep it; untagged text is in `lang` (default "en": the
publishers so far catalogue in English).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from museumvqa.catalog.adapters.base import Adapter, RawRecord, RecordRejected
from museumvqa.catalog.adapters.lido import iiif_info_url
from museumvqa.catalog.attribution import FORMER, MAKER, display_attribution, is_unknown, qualifier_kind
from museumvqa.catalog.linked_art_vocab import (
    ACCESSION,
    CLASSIFICATION,
    CREDIT_LINE,
    CULTURE,
    DESCRIPTION,
    DIMENSIONS,
    IDENTIFICATION,
    INSCRIPTION,
    MATERIALS,
    NATIONALITY,
    OBJECT_TYPES,
    OBSOLETE,
    PLACE_CREATED,
    PREFERRED,
    RIGHTS,
    TYPE_OF_WORK,
    WEB_PAGE,
    aat_id,
    label,
    languages,
    nodes,
    term,
    text,
    timespan_text,
    timespan_years,
    type_ids,
)
from museumvqa.catalog.readers.textio import head_text, iter_json
from museumvqa.catalog.schema import Exhibit, ImageRef, Person, clean_text, is_placeholder_id, make_exhibit_id, slug
from museumvqa.errors import UserError

_SUFFIXES = (".json", ".jsonld", ".jsonl", ".ndjson")
_MARKERS = ('"HumanMadeObject"', '"ManMadeObject"', "linked.art/ns/", "linked-art.json")
_IIIF_IMAGE = re.compile(r"^(?P<base>https?://.+?/iiif/(?:image/|\d/)?[^/]+)/(?:full|\d+,\d+,\d+,\d+)/")
_QUALIFIER_NOTE = re.compile(r"\s*\((?:attribution qualifier|qualifier)\)$", re.IGNORECASE)
_CURATORIAL = re.compile(r"\s*\(curatorial department\)$", re.IGNORECASE)
# Getty's "Dutch, 1853 - 1890" (a producer's nationality and dates statement).
_NATIONALITY_DATES = re.compile(r"^(?P<nationality>[^,\d]+?),\s*(?P<born>\d{3,4})\s*[-–]\s*(?P<died>\d{3,4})$")
_LABEL_LIFE = re.compile(r"^(?P<name>.+?)\s*\((?P<nationality>[^,()\d]+),\s*(?P<born>\d{3,4})\s*[-–]\s*(?P<died>\d{3,4})\)$")
_CC = {
    "publicdomain/zero/1.0": "CC0-1.0",
    "publicdomain/mark/1.0": "PDM-1.0",
    "licenses/by/4.0": "CC-BY-4.0",
    "licenses/by-sa/4.0": "CC-BY-SA-4.0",
}


class LinkedArtAdapter(Adapter):
    """Linked Art objects; `museum` names the collection (else the current owner's name), `lang` untagged text."""

    name = "linked-art"

    def __init__(self, museum: str | None = None, lang: str = "en") -> None:
        self.museum = museum
        self.lang = lang
        self.linked: dict[str, dict[str, Any]] = {}

    @classmethod
    def detect(cls, path: Path) -> bool:
        files = _files(path)[:20] if path.is_dir() else [path]
        return any(_looks_like_linked_art(file) for file in files)

    def read(self, path: Path) -> Iterator[RawRecord]:
        files = _files(path) if path.is_dir() else [path]
        if not files:
            raise UserError(f"{path}: no Linked Art documents (*.json, *.jsonld)")
        self.linked = {}
        objects = 0
        for file in files:  # first pass: people, places and images by id, for objects that reference them
            for _, doc, _error in _documents(file):
                if isinstance(doc, dict) and not _is_object(doc) and isinstance(doc.get("id"), str):
                    self.linked[doc["id"]] = doc
        for file in files:
            position = 0
            for _, doc, error in _documents(file):
                if error is None and isinstance(doc, dict) and not _is_object(doc):
                    continue  # a linked document, not a record
                objects += 1
                record_id = clean_text(doc.get("id")) if isinstance(doc, dict) else None
                yield RawRecord(str(file), position, doc, record_id, error)
                position += 1
        if not objects:
            raise UserError(f"{path}: no Linked Art objects (documents of type HumanMadeObject)")

    def to_exhibit(self, record: RawRecord) -> Exhibit:
        o = record.data
        if not isinstance(o, dict):
            raise RecordRejected(None, f"record is a JSON {type(o).__name__}, not an object")
        accession = _accession(o)
        if accession is None:
            raise RecordRejected("identified_by", "record has no accession number (Identifier aat:300312355) and no id")
        owner = next(nodes(o, "current_owner"), {})
        museum = self.museum or slug((label(owner) or "").split(",")[0]) or "linked-art"
        ex = Exhibit(
            exhibit_id=make_exhibit_id(museum, accession),
            museum=museum,
            source_adapter=self.name,
            source_path=f"{record.source_path}#{record.position}",
            url=_web_page(o) or clean_text(o.get("id")),
            licence=_licence(o),
        )
        self._add_titles(ex, o)
        self._add_statements(ex, o)
        self._add_types(ex, o)
        for material in nodes(o, "made_of"):
            _add_term(ex, "medium", term(self._resolve(material)), self.lang, clean_text(material.get("id")))
        for keeper in nodes(o, "current_keeper"):
            ex.add("department", _CURATORIAL.sub("", label(keeper) or ""), lang=self.lang)
        for group in nodes(o, "member_of"):
            name = label(group)
            if name and "exhibit" not in name.lower():  # exhibition checklists are not departments
                ex.add("department", name, lang=self.lang)
        for carried in nodes(o, "carries"):
            if type_ids(carried) & set(INSCRIPTION):
                ex.add("inscription", text(carried), lang=languages(carried, self.lang))
        ex.add("acquisition_year", _acquisition_year(o, owner), lang=None)
        for production in nodes(o, "produced_by"):
            self._add_production(ex, production)
        ex.images.extend(self._images(o))
        return ex

    def _resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        """The linked document for a reference, merged over it (the reference's own keys fill gaps)."""
        doc = self.linked.get(node.get("id")) if isinstance(node.get("id"), str) else None
        return {**node, **doc} if doc else node

    def _add_titles(self, ex: Exhibit, o: dict[str, Any]) -> None:
        """Names, the preferred first, each in its tagged language; else the record's label."""
        names = [n for n in nodes(o, "identified_by") if n.get("type") in ("Name", "Appellation", "Title")]
        names.sort(key=lambda n: PREFERRED not in type_ids(n))
        for name in names:
            ex.add("title", text(name), lang=languages(name, self.lang))
        if "title" not in ex.attributes:
            ex.add("title", label(o), lang=self.lang)

    def _add_statements(self, ex: Exhibit, o: dict[str, Any]) -> None:
        """`referred_to_by` statements, by the AAT type of each; HTML and Markdown twins of a text counted once."""
        rights = []
        for statement in nodes(o, "referred_to_by"):
            types, value = type_ids(statement), text(statement)
            lang = languages(statement, self.lang)
            if MATERIALS in types:
                ex.add("medium", value, lang=lang)
            elif types & set(DIMENSIONS):
                ex.add("dimensions", value, lang=lang)
            elif types & set(CREDIT_LINE):
                ex.add("credit_line", value, lang=lang)
            elif DESCRIPTION in types:
                ex.add("description", value, lang=lang)
            elif CULTURE in types:
                ex.add("culture", value, lang=lang)
            elif PLACE_CREATED in types:
                ex.add("place", value, lang=lang)
            elif TYPE_OF_WORK in types:
                ex.add("object_type", value, lang=lang)
            elif types & set(INSCRIPTION):
                ex.add("inscription", value, lang=lang)
            elif types & set(RIGHTS) and value:
                rights.append(value)
        ex.rights = "; ".join(dict.fromkeys(rights)) or None

    def _add_types(self, ex: Exhibit, o: dict[str, Any]) -> None:
        """`classified_as` by meta-type: work type, classification, culture; an unmarked AAT type is an object type."""
        for kind in nodes(o, "classified_as"):
            meta, uri = type_ids(kind), clean_text(kind.get("id"))
            value = term(self._resolve(kind))
            if TYPE_OF_WORK in meta:
                _add_term(ex, "object_type", value, self.lang, uri)
            elif CLASSIFICATION in meta:
                _add_term(ex, "classification", value, self.lang, uri)
            elif CULTURE in meta:
                _add_term(ex, "culture", value, self.lang, uri)
            elif aat_id(uri) and aat_id(uri) != "300133025" and not meta:  # "works of art" says nothing
                _add_term(ex, "object_type", value, self.lang, uri)

    def _add_production(self, ex: Exhibit, production: dict[str, Any]) -> None:
        """Date, place, technique and makers of a Production and of its parts (one part per maker)."""
        begin, end = timespan_years(production)
        shown = timespan_text(production)
        if shown is None and begin is not None:
            shown = str(begin) if begin == end or end is None else f"{begin}–{end}"
        if "date" not in ex.attributes:
            ex.set_date(shown, begin, end)
        for place in nodes(production, "took_place_at"):
            ex.add("place", label(self._resolve(place)), lang=self.lang)
        for technique in nodes(production, "technique"):
            ex.add("technique", term(technique), lang=self.lang, uri=clean_text(technique.get("id")))
        for part in [production, *nodes(production, "part")]:
            role = next((label(t) for t in nodes(part, "classified_as")), None) if part is not production else None
            qualifier = _qualifier(part)
            actors = list(nodes(part, "carried_out_by"))
            for actor in actors:
                statements = _producer_statements(part, actor, len(actors) == 1)
                self._add_maker(ex, actor, role or _role_statement(statements), qualifier, statements)
        makers = {p.person_id or p.name for p in ex.people}
        for assignment in nodes(production, "assigned_by"):  # previous attributions: people, never makers
            if OBSOLETE in type_ids(assignment):
                for assigned in nodes(assignment, "assigned"):
                    former = _qualifier(assigned) or "Formerly attributed to"
                    for actor in nodes(assigned, "carried_out_by"):
                        person = self._person(actor, None, former)
                        # Getty lists the current maker among the earlier attributions too: not a former one then
                        if person is not None and (person.person_id or person.name) not in makers:
                            ex.people.append(person)

    def _add_maker(
        self, ex: Exhibit, actor: dict[str, Any], role: str | None, qualifier: str | None, statements: list[dict[str, Any]]
    ) -> None:
        person = self._person(actor, role, qualifier, statements)
        name = person.name if person else label(actor)
        if name is None:
            return
        if qualifier_kind(qualifier) != FORMER:
            uri = person.person_id if person else clean_text(actor.get("id"))
            ex.add("creator", display_attribution(name, qualifier), lang=None, role=role, uri=uri)
        if person is not None:
            ex.people.append(person)

    def _person(
        self, actor: dict[str, Any], role: str | None, qualifier: str | None, statements: list[dict[str, Any]] = ()
    ) -> Person | None:
        """The actor with what its own document (or the statements beside the reference) says about it."""
        node = self._resolve(actor)
        names = sorted((n for n in nodes(node, "identified_by") if n.get("type") in ("Name", "Appellation")),
                       key=lambda n: PREFERRED not in type_ids(n))
        name = next((found for n in names if (found := text(n))), None) or label(node)
        if name is None or is_unknown(name):
            return None
        born, died = next(nodes(node, "born"), {}), next(nodes(node, "died"), {})
        nationality = next((term(t) for t in nodes(node, "classified_as") if NATIONALITY in type_ids(t)), None)
        birth_year, death_year = timespan_years(born)[0], timespan_years(died)[1] or timespan_years(died)[0]
        labelled = _LABEL_LIFE.match(name)  # "Agostino Carracci (Italian, 1557 - 1602)"
        if labelled:
            name = labelled["name"]
        for found in [labelled, *(_NATIONALITY_DATES.match(text(s) or "") for s in statements)]:
            if found:  # Getty's "Dutch, 1853 - 1890" beside the reference
                nationality = nationality or clean_text(found["nationality"])
                birth_year, death_year = birth_year or int(found["born"]), death_year or int(found["died"])
        kind = {"Person": "person", "Group": "organisation"}.get(str(node.get("type")))
        return Person(
            name=name,
            role=role,
            person_id=clean_text(actor.get("id")),
            birth_year=birth_year,
            death_year=death_year,
            birth_place=next((label(self._resolve(p)) for p in nodes(born, "took_place_at")), None),
            death_place=next((label(self._resolve(p)) for p in nodes(died, "took_place_at")), None),
            nationality=nationality,
            kind=kind,
            qualifier=qualifier,
        )

    def _images(self, o: dict[str, Any]) -> list[ImageRef]:
        """`representation` images, then the VisualItems the object `shows` that are given as documents."""
        images: list[ImageRef] = []
        seen: set[str] = set()
        for key in ("representation", "shows"):
            for visual in nodes(o, key):
                if key == "shows" and visual.get("id") not in self.linked:
                    continue
                item = self._resolve(visual)
                for uri in _access_points(item, self.linked):
                    if uri in seen:
                        continue
                    seen.add(uri)
                    view = label(item)
                    role = "primary" if not images else ("verso" if "verso" in (view or "").lower() else "additional")
                    images.append(ImageRef(uri, role, view, _licence(item)))
        return images


def _files(path: Path) -> list[Path]:
    return sorted(p for p in path.rglob("*") if p.is_file() and p.name.endswith(_SUFFIXES))


def _looks_like_linked_art(path: Path) -> bool:
    head = head_text(path, 4096) if path.is_file() else ""
    return any(marker in head for marker in _MARKERS) and '"type"' in head


def _documents(path: Path) -> Iterator[tuple[int, Any, str | None]]:
    """(position, document, error) of a file: one document, a list of them, or JSON Lines."""
    return iter_json(path)


def _is_object(doc: dict[str, Any]) -> bool:
    return doc.get("type") in OBJECT_TYPES or doc.get("@type") in OBJECT_TYPES


def _accession(o: dict[str, Any]) -> str | None:
    """The accession number, else any identification number, else the last segment of the record's id."""
    identifiers = [i for i in nodes(o, "identified_by") if i.get("type") == "Identifier"]
    for wanted in (ACCESSION, IDENTIFICATION):
        for identifier in identifiers:
            if wanted in type_ids(identifier) and not is_placeholder_id(text(identifier)):
                return text(identifier)
    record_id = clean_text(o.get("id"))
    tail = record_id.rstrip("/").rsplit("/", 1)[-1] if record_id else None
    return None if is_placeholder_id(tail) else tail


def _qualifier(node: dict[str, Any]) -> str | None:
    """An attribution qualifier written as a type of a production part or its assignment ('Attributed To')."""
    candidates = [label(t) for t in nodes(node, "classified_as")]
    candidates += [label(t) for a in nodes(node, "assigned_by") for t in nodes(a, "classified_as")]
    for found in candidates:
        cleaned = clean_text(_QUALIFIER_NOTE.sub("", found or ""))
        if cleaned and qualifier_kind(cleaned) != MAKER:
            return cleaned
    return None


def _producer_statements(part: dict[str, Any], actor: dict[str, Any], only: bool) -> list[dict[str, Any]]:
    """Statements about one producer: its own, and the production's that share their id path (Getty's
    `.../production/<producer>/producer-nationality-and-dates`), all of them when it is the only producer."""
    own = list(nodes(actor, "referred_to_by"))
    paths = {s["id"].rsplit("/", 1)[0] for s in own if isinstance(s.get("id"), str)}
    beside = [
        s for s in nodes(part, "referred_to_by")
        if only or (isinstance(s.get("id"), str) and s["id"].rsplit("/", 1)[0] in paths)
    ]
    return own + beside


def _role_statement(statements: list[dict[str, Any]]) -> str | None:
    """A producer's role from a role statement's vocabulary match ('Artists (Visual Artists)' -> 'Artist')."""
    for statement in statements:
        for match in nodes(statement, "close_match"):
            found = term(match)
            if found:  # AAT labels are plural ("Artists", "Potters")
                return found[:-3] + "y" if found.endswith("ies") else found[:-1] if found.endswith("s") else found
    return None


def _add_term(ex: Exhibit, attribute: str, value: str | None, lang: str | None, uri: str | None) -> None:
    """A vocabulary term with its id in `uri`; the same text already given by a statement just gains the id."""
    values = ex.attributes.get(attribute, [])
    for n, known in enumerate(values):
        if value and known.value.casefold() == value.casefold() and known.uri is None:
            values[n] = known._replace(uri=uri)
            return
    ex.add(attribute, value, lang=lang, uri=uri)


def _acquisition_year(o: dict[str, Any], owner: dict[str, Any]) -> int | None:
    """The year the current owner acquired the object (its acquisition's timespan)."""
    for acquisition in [*nodes(owner, "acquired_title_through"), *nodes(o, "changed_ownership_through")]:
        begin, end = timespan_years(acquisition)
        if begin is not None or end is not None:
            return begin if begin is not None else end
    return None


def _web_page(o: dict[str, Any]) -> str | None:
    for page in nodes(o, "subject_of"):
        if WEB_PAGE in type_ids(page) or any(WEB_PAGE in type_ids(d) for d in nodes(page, "digitally_carried_by")):
            uri = clean_text(page.get("id")) or next((clean_text(d.get("id")) for d in nodes(page, "digitally_carried_by")), None)
            if uri:
                return uri
    return None


def _licence(node: dict[str, Any]) -> str | None:
    """A Creative Commons licence or mark among a node's `subject_to` rights."""
    for right in nodes(node, "subject_to"):
        for kind in [right, *nodes(right, "classified_as")]:
            uri = str(kind.get("id") or "")
            for path, name in _CC.items():
                if path in uri:
                    return name
    return None


def _access_points(item: dict[str, Any], linked: dict[str, dict[str, Any]]) -> list[str]:
    """Image URIs of a VisualItem: its DigitalObjects' access points, else its own id if that is an image."""
    uris = []
    for digital in nodes(item, "digitally_shown_by"):
        digital = {**digital, **linked.get(digital.get("id"), {})} if isinstance(digital.get("id"), str) else digital
        for point in nodes(digital, "access_point"):
            if isinstance(point.get("id"), str):
                uris.append(point["id"])
    own = item.get("id") if isinstance(item.get("id"), str) else ""
    if not uris and (_IIIF_IMAGE.match(own) or own.lower().endswith((".jpg", ".jpeg", ".png", ".tif", ".tiff"))):
        uris.append(own)
    return [_sized(uri) for uri in uris]


def _sized(uri: str) -> str:
    """A IIIF Image API request ('.../full/full/0/default.jpg') as its service's info.json, sized by shards."""
    found = _IIIF_IMAGE.match(uri)
    return iiif_info_url(found["base"]) if found else uri

