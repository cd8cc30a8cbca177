"""LIDO XML (1.0 and 1.1, namespace http://www.lido-schema.org): one file or a folder, streamed with iterparse.

A file may hold a `lidoWrap` with many `lido` records or a single `lido` root. Records are
detached from the tree as soon as they are read, so memory does not grow with the file. Every
text keeps its `xml:lang` (inherited from the nearest ancestor that sets it).
"""

from __future__ import annotations

import functools
import itertools
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

from museumvqa.catalog.adapters.base import DELETED_AT_SOURCE, Adapter, RawRecord, RecordRejected
from museumvqa.catalog.attribution import display_attribution, is_culture, is_maker_role, is_organisation, is_unknown
from museumvqa.catalog.readers.textio import head_text
from museumvqa.catalog.schema import Exhibit, ImageRef, Person, clean_text, is_placeholder_id, make_exhibit_id, slug
from museumvqa.catalog.years import leading_year
from museumvqa.errors import UserError

NS = "http://www.lido-schema.org"
_L = f"{{{NS}}}"
_OAI = "{http://www.openarchives.org/OAI/2.0/}"  # harvested pages: LIDO inside OAI-PMH <record><metadata>
_OAI_LISTS = (f"{_OAI}ListRecords", f"{_OAI}GetRecord")
_OAI_HEADER, _OAI_RECORD, _OAI_IDENTIFIER = f"{_OAI}header", f"{_OAI}record", f"{_OAI}identifier"
_NOT_LIDO = "OAI-PMH record without a LIDO record (its metadata is another format, or empty)"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_PRODUCTION = ("production", "creation", "herstellung", "lido00007", "lido00012")
_ACQUISITION = ("acquisition", "förvärv", "erwerb", "acquisition", "lido00001")
_YEAR_IN_TEXT = re.compile(r"\b(1[0-9]{3}|20[0-9]{2})\b")
_WORKSHOP_LABEL = re.compile(r"^(workshop|atelier|werkstatt|verkstad|taller|bottega)\s*:", re.IGNORECASE)


@functools.lru_cache(maxsize=256)
def _tags(path: str) -> tuple[str, ...]:
    """'a/b' -> ('{ns}a', '{ns}b'): the qualified child tags of a path."""
    return tuple(_L + part for part in path.split("/"))


class _Langs:
    """Walks child paths of one record, remembering each reached element's inherited xml:lang.

    ElementTree has no parent links, so the language is carried down while walking; only the
    elements a path reaches are visited (ElementPath's general matcher was half the LIDO time).
    """

    def __init__(self, root: ET.Element) -> None:
        self.of: dict[int, str | None] = {id(root): root.get(_XML_LANG)}

    def find_all(self, parent: ET.Element, path: str) -> list[ET.Element]:
        nodes = [(parent, self.of.get(id(parent)))]
        for tag in _tags(path):
            nodes = [(child, child.get(_XML_LANG, lang)) for node, lang in nodes for child in node if child.tag == tag]
        for node, lang in nodes:
            self.of[id(node)] = lang
        return [node for node, _ in nodes]

    def find(self, parent: ET.Element, path: str) -> ET.Element | None:
        found = self.find_all(parent, path)
        return found[0] if found else None

    def texts(self, parent: ET.Element, path: str) -> list[tuple[str, str | None]]:
        """(text, lang) of each element at `path` under `parent` that has text."""
        out = []
        for element in self.find_all(parent, path):
            text = clean_text("".join(element.itertext()))
            if text is not None:
                out.append((text, self.of.get(id(element))))
        return out

    def first(self, parent: ET.Element, path: str) -> str | None:
        texts = self.texts(parent, path)
        return texts[0][0] if texts else None


class LidoAdapter(Adapter):
    """LIDO records. `museum` names the collection; else the repository name, else the record-id prefix."""

    name = "lido"

    def __init__(self, museum: str | None = None) -> None:
        self.museum = museum

    @classmethod
    def detect(cls, path: Path) -> bool:
        if path.is_dir():  # a folder of LIDO files (or harvested pages), judged by its first files
            return any(cls.detect(file) for file in itertools.islice(path.rglob("*.xml"), 3))
        head = head_text(path, 4096)
        # a harvested page may open with many deleted records' headers before its first LIDO record
        return NS in head or (_OAI[1:-1] in head and NS in head_text(path, 1 << 16))

    def read(self, path: Path) -> Iterator[RawRecord]:
        files = sorted(path.rglob("*.xml")) if path.is_dir() else [path]
        if not files:
            raise UserError(f"{path}: no *.xml files")
        for file in files:
            yield from self._read_file(file)

    def _read_file(self, file: Path) -> Iterator[RawRecord]:
        """The file's records, each with its position in that file (what a reject names).

        In an OAI-PMH response (a harvested page) each `<record>` takes one position: its LIDO record,
        or a reject naming its OAI identifier when the header says it was deleted or it holds no LIDO.
        """
        position, found, root = 0, False, None
        oai_list: ET.Element | None = None  # the ListRecords/GetRecord element of an OAI-PMH response
        oai_id, oai_done = None, False  # the current OAI record's identifier; whether it gave a record yet
        try:
            for event, element in ET.iterparse(file, events=("start", "end")):
                tag = element.tag
                if event == "start":
                    if root is None:
                        root = element
                    elif tag in _OAI_LISTS:
                        oai_list = element
                    continue
                if tag == f"{_L}lido":
                    found = oai_done = True
                    record_id = clean_text(element.findtext(f"{_L}lidoRecID"))
                    yield RawRecord(str(file), position, element, record_id)
                    position += 1
                    if oai_list is None and root is not element:
                        _detach(root, element)
                elif oai_list is None:
                    continue
                elif tag == _OAI_HEADER:
                    oai_id = clean_text(element.findtext(_OAI_IDENTIFIER))
                    if element.get("status") == "deleted":
                        found = oai_done = True
                        yield RawRecord(str(file), position, None, oai_id, DELETED_AT_SOURCE)
                        position += 1
                elif tag == _OAI_RECORD:
                    if not oai_done:
                        yield RawRecord(str(file), position, None, oai_id, _NOT_LIDO)
                        position += 1
                    _detach(oai_list, element)
                    oai_id, oai_done = None, False
        except ET.ParseError as e:
            if root is None:
                raise UserError(f"{file}: not valid XML ({e})") from None
            yield RawRecord(str(file), position, None, None, f"XML breaks here, the rest of the file is lost ({e})")
            return
        except OSError as e:
            raise UserError(f"{file}: cannot read ({e.strerror})") from None
        if not found:
            tag = root.tag if root is not None else "nothing"
            raise UserError(f"{file}: no LIDO records (expected <lido> elements in namespace {NS}, found {tag})")

    def to_exhibit(self, record: RawRecord) -> Exhibit:
        lido: ET.Element = record.data
        langs = _Langs(lido)
        ident = "descriptiveMetadata/objectIdentificationWrap"
        repository = _current_repository(langs, lido, f"{ident}/repositoryWrap/repositorySet")
        work_id = langs.first(repository, "workID") if repository is not None else None
        holder = (
            langs.first(repository, "repositoryName/legalBodyName/appellationValue") if repository is not None else None
        )
        local_id = next(
            (
                i
                for i in (
                    work_id,
                    langs.first(lido, "administrativeMetadata/recordWrap/recordID"),
                    record.record_id,
                )
                if not is_placeholder_id(i)
            ),
            None,
        )
        if local_id is None:
            raise RecordRejected(
                "workID", "record has no usable id (no workID in the current repositorySet, recordID or lidoRecID)"
            )
        rec_id = record.record_id or ""
        holder = holder or langs.first(lido, "administrativeMetadata/recordWrap/recordSource/legalBodyName/appellationValue")
        museum = self.museum or slug(holder)
        museum = museum or slug(rec_id.split("/")[0] if "/" in rec_id else None) or "lido"
        titles = langs.texts(lido, f"{ident}/titleWrap/titleSet/appellationValue")
        if not titles:
            raise RecordRejected("titleWrap", "record has no title (objectIdentificationWrap/titleWrap)")
        ex = Exhibit(
            exhibit_id=make_exhibit_id(museum, local_id),
            museum=museum,
            source_adapter=self.name,
            source_path=f"{record.source_path}#{record.position}",
        )
        for text, lang in titles:
            ex.add("title", text, lang=lang)
        classification = "descriptiveMetadata/objectClassificationWrap"
        self._add(ex, langs, lido, "object_type", f"{classification}/objectWorkTypeWrap/objectWorkType/term")
        for kind in langs.find_all(lido, f"{classification}/classificationWrap/classification"):
            if "europeana" not in (kind.get(f"{_L}type") or "").lower():  # Europeana's media type (IMAGE, TEXT)
                self._add(ex, langs, kind, "classification", "term")
        self._add(ex, langs, lido, "inscription", f"{ident}/inscriptionsWrap/inscriptions/inscriptionTranscription")
        self._add(
            ex, langs, lido, "description", f"{ident}/objectDescriptionWrap/objectDescriptionSet/descriptiveNoteValue"
        )
        self._add_dimensions(ex, langs, lido, f"{ident}/objectMeasurementsWrap/objectMeasurementsSet")
        subjects = "descriptiveMetadata/objectRelationWrap/subjectWrap/subjectSet"
        self._add(ex, langs, lido, "subject", f"{subjects}/subject/subjectConcept/term")
        self._add(ex, langs, lido, "subject", f"{subjects}/subject/subjectActor/actor/nameActorSet/appellationValue")
        for event in langs.find_all(lido, "descriptiveMetadata/eventWrap/eventSet/event"):
            self._add_event(ex, langs, event)
        rights = "administrativeMetadata/rightsWorkWrap/rightsWorkSet"
        self._add(ex, langs, lido, "credit_line", f"{rights}/creditLine")
        ex.rights = langs.first(lido, f"{rights}/rightsType/term") or langs.first(
            lido, f"{rights}/rightsHolder/legalBodyName/appellationValue"
        )
        ex.url = langs.first(lido, "administrativeMetadata/recordWrap/recordInfoSet/recordInfoLink")
        ex.images.extend(_images(langs, lido))
        record_rights = "administrativeMetadata/recordWrap/recordRights/rightsType"
        ex.licence = langs.first(lido, f"{record_rights}/term") or langs.first(lido, f"{record_rights}/conceptID")
        ex.licence = ex.licence or next((i.licence for i in ex.images if i.licence), None)
        return ex

    @staticmethod
    def _add(ex: Exhibit, langs: _Langs, parent: ET.Element, attribute: str, path: str) -> None:
        for text, lang in langs.texts(parent, path):
            ex.add(attribute, text, lang=lang)

    def _add_dimensions(self, ex: Exhibit, langs: _Langs, lido: ET.Element, path: str) -> None:
        for measurements in langs.find_all(lido, path):
            shown = langs.texts(measurements, "displayObjectMeasurements")
            for text, lang in shown:
                ex.add("dimensions", text, lang=lang)
            if shown:
                continue
            parts = []
            for m in langs.find_all(measurements, "objectMeasurements/measurementsSet"):
                kind, value, unit = (
                    langs.first(m, p) for p in ("measurementType", "measurementValue", "measurementUnit")
                )
                if value:
                    parts.append(" ".join(p for p in (f"{kind}:" if kind else None, value, unit) if p))
            ex.add("dimensions", "; ".join(parts) or None, lang=None)

    def _add_event(self, ex: Exhibit, langs: _Langs, event: ET.Element) -> None:
        kinds = " ".join(t.lower() for t, _ in langs.texts(event, "eventType/term"))
        kinds += " ".join(c.text or "" for c in langs.find_all(event, "eventType/conceptID"))
        if any(word in kinds.lower() for word in _ACQUISITION):
            self._add_acquisition(ex, langs, event)
            return
        is_production = not kinds.strip() or any(word in kinds.lower() for word in _PRODUCTION)
        if not is_production:
            return
        for actor_in_role in langs.find_all(event, "eventActor/actorInRole"):
            person = self._person(langs, actor_in_role)
            if person is None:
                continue
            ex.people.append(person)
            if is_maker_role(person.role):  # a commissioner or a funder of the production did not make the work
                ex.add("creator", display_attribution(person.name, person.qualifier), lang=None, role=person.role)
        for text, lang in langs.texts(event, "eventDate/displayDate"):
            ex.add("date", text, lang=lang)
        begin = leading_year(langs.first(event, "eventDate/date/earliestDate"))
        end = leading_year(langs.first(event, "eventDate/date/latestDate"))
        if ex.date_begin is None and (begin is not None or end is not None):
            ex.date_begin, ex.date_end = begin, end
            if "date" not in ex.attributes:
                shown = [_year_text(y) for y in dict.fromkeys((begin, end)) if y is not None]
                ex.add("date", "–".join(shown), lang=None)
        self._add(ex, langs, event, "place", "eventPlace/displayPlace")
        for place in langs.find_all(event, "eventPlace/place"):
            names = [langs.first(place, "namePlaceSet/appellationValue")]
            names += [langs.first(part, "namePlaceSet/appellationValue") for part in langs.find_all(place, "partOfPlace")]
            unique = {n.casefold(): n for n in reversed([n for n in names if n])}  # "Constanța, Constanța": once
            ex.add("place", ", ".join(reversed(unique.values())) or None, lang=None)
        for text, lang in langs.texts(event, "culture/term"):
            workshop = _WORKSHOP_LABEL.match(text)  # "workshop: Philco" names a maker, not a culture
            if workshop is None:
                ex.add("culture", text, lang=lang)
            elif not is_unknown(maker := text[workshop.end() :].strip()) and not is_culture(maker):
                ex.add("creator", maker, lang=None, role="workshop")
        self._add(ex, langs, event, "period", "periodName/term")
        for shown in langs.find_all(event, "eventMaterialsTech/displayMaterialsTech"):
            attribute = "technique" if "technique" in (shown.get(f"{_L}label") or "").lower() else "medium"
            ex.add(attribute, "".join(shown.itertext()), lang=langs.of.get(id(shown)))
        for term in langs.find_all(event, "eventMaterialsTech/materialsTech/termMaterialsTech"):
            kind = (term.get(f"{_L}type") or "").lower()
            attribute = "technique" if "technique" in kind else "medium"
            self._add(ex, langs, term, attribute, "term")

    @staticmethod
    def _add_acquisition(ex: Exhibit, langs: _Langs, event: ET.Element) -> None:
        """The acquisition year from an acquisition event's date (its years, else the first year its text names)."""
        year = leading_year(langs.first(event, "eventDate/date/earliestDate"))
        if year is None:
            shown = " ".join(t for t, _ in langs.texts(event, "eventDate/displayDate"))
            found = _YEAR_IN_TEXT.search(shown)
            year = int(found[0]) if found else None
        if year is not None and "acquisition_year" not in ex.attributes:
            ex.add("acquisition_year", str(year), lang=None)

    @staticmethod
    def _person(langs: _Langs, actor_in_role: ET.Element) -> Person | None:
        actor = langs.find(actor_in_role, "actor")
        if actor is None:
            return None
        names = langs.find_all(actor, "nameActorSet/appellationValue")
        preferred = [n for n in names if (n.get(f"{_L}pref") or "preferred") == "preferred"] or names
        name = clean_text("".join(preferred[0].itertext())) if preferred else None
        if name is None:
            return None
        return Person(
            name=name,
            role=langs.first(actor_in_role, "roleActor/term"),
            person_id=langs.first(actor, "actorID"),
            birth_year=leading_year(langs.first(actor, "vitalDatesActor/earliestDate")),
            death_year=leading_year(langs.first(actor, "vitalDatesActor/latestDate")),
            nationality=langs.first(actor, "nationalityActor/term"),
            kind=_actor_kind(actor.get(f"{_L}type")),
            qualifier=langs.first(actor_in_role, "attributionQualifierActor"),
        )


def _actor_kind(actor_type: str | None) -> str | None:
    """LIDO's actor type ("person", "corporation", "organization", "family", a URI) as person / organisation."""
    if not actor_type:
        return None
    return "organisation" if is_organisation(None, actor_type) else "person"


def _detach(root: ET.Element, element: ET.Element) -> None:
    """Drop a finished record from the wrapper so it lives only as long as its consumer keeps it.

    The parser runs ahead of the events, so the record is usually the first child, not the last.
    """
    for index, child in enumerate(root):
        if child is element:
            del root[index]
            return


def _year_text(year: int) -> str:
    return f"{-year} BCE" if year < 0 else str(year)


def _current_repository(langs: _Langs, lido: ET.Element, path: str) -> ET.Element | None:
    """The repository set that holds the work now: typed `current`, else the first untyped one.

    Sets typed `former` (earlier owners, often holding acquisition text such as "Inköp 1958") never
    name the museum or the id; a record with only those has no current repository.
    """
    sets = langs.find_all(lido, path)
    kinds = [(s.get(f"{_L}type") or "").rsplit("/", 1)[-1].lower() for s in sets]
    for wanted in ("current", ""):
        for repository, kind in zip(sets, kinds):
            if kind == wanted:
                return repository
    return None


def iiif_info_url(link: str) -> str:
    """A IIIF Image API service (base URI or info.json) as its info.json, so shards ask only the size they need."""
    return link.removesuffix("/info.json").rstrip("/") + "/info.json"


def _rank(kind: str, link: str) -> int | None:
    """Which representation of a resource to keep: IIIF image service > master > other > thumbnail.

    None for a IIIF Presentation manifest, which describes images but is not one.
    """
    if "manifest" in kind or link.rstrip("/").endswith(("manifest", "manifest.json")):
        return None
    if "iiif" in kind or link.endswith("/info.json"):
        return 0
    if any(word in kind for word in ("master", "original", "provided", "large")):
        return 1
    if "thumb" in kind or kind.endswith("list"):
        return 3
    return 2


def _view_role(label: str) -> str:
    if any(word in label for word in ("verso", "back", "baksida", "rückseite", "revers")):
        return "verso"
    return "detail" if "detail" in label else "additional"


def _images(langs: _Langs, lido: ET.Element) -> list[ImageRef]:
    images: list[ImageRef] = []
    for resource in langs.find_all(lido, "administrativeMetadata/resourceWrap/resourceSet"):
        links = []
        for representation in langs.find_all(resource, "resourceRepresentation"):
            link = langs.first(representation, "linkResource")
            rank = _rank((representation.get(f"{_L}type") or "").lower(), link) if link else None
            if link and rank is not None:
                links.append((rank, link))
        if not links:
            continue
        rank, link = min(links)
        uri = iiif_info_url(link) if rank == 0 else link
        view = langs.first(resource, "resourceViewDescription") or langs.first(resource, "resourceDescription")
        label = (view or link.rsplit("/", 1)[-1]).lower()
        role = "primary" if not images else _view_role(label)
        licence = langs.first(resource, "rightsResource/rightsType/term") or langs.first(
            resource, "rightsResource/rightsType/conceptID"
        )
        images.append(ImageRef(uri, role, view or ("main view" if role == "primary" else None), licence))
    return images
