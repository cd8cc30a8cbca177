"""Tate collection JSON: artworks joined to artists, as the public repository lays them out or as JSON Lines.

Accepted inputs: the repository root (`artworks/**/*.json`, `artists/**/*.json`), an `artworks/`
folder, a folder holding `artworks.jsonl` + `artists.jsonl`, or an artworks JSON Lines file with
`artists.jsonl` (or an `artists/` folder) beside it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

from museumvqa.catalog.adapters.base import Adapter, RawRecord, RecordRejected
from museumvqa.catalog.attribution import MAKER, display_attribution, qualifier_kind
from museumvqa.catalog.readers.textio import head_text, iter_json, loads
from museumvqa.catalog.schema import Exhibit, ImageRef, Person, Value, clean_text, make_exhibit_id, new_value
from museumvqa.catalog.years import life_years, parse_year
from museumvqa.errors import UserError

IMAGE_BASE = "http://www.tate.org.uk/art/images/work/"
_NOT_A_DATE = {"date not known", "no date"}


def image_role(caption: str | None) -> str:
    """Schema role of a labelled Tate view: Verso, details/enhanced/composite images, or additional."""
    label = (caption or "").lower()
    if label.startswith("verso"):
        return "verso"
    if any(word in label for word in ("detail", "enhanced", "composite")):
        return "detail"
    return "additional"


def _absolute(url: str) -> str:
    return url if "://" in url else IMAGE_BASE + url.lstrip("/")


def _place(event: Any) -> str | None:
    if not isinstance(event, dict) or not isinstance(event.get("place"), dict):
        return None
    return clean_text(event["place"].get("name"))


def _year(event: Any) -> int | None:
    if not isinstance(event, dict) or not isinstance(event.get("time"), dict):
        return None
    return parse_year(event["time"].get("startYear"))


_CONCEPTS = "emotions, concepts and ideas"  # Tate's subject branch of ideas, not of depicted things


class ArtistFacts(NamedTuple):
    """What a Tate artist record adds to each work's contributor, resolved once per artist."""

    birth_year: int | None  # the artist record's birthYear, when it has that key
    has_birth_year: bool
    death_year: int | None
    birth_place: str | None
    death_place: str | None


def artist_facts(artist: dict[str, Any]) -> ArtistFacts:
    """Tate dates some artists only by century ("19th century": death 1899): no death year then."""
    dates = clean_text(artist.get("date"))
    return ArtistFacts(
        birth_year=parse_year(artist.get("birthYear")),
        has_birth_year="birthYear" in artist,
        death_year=life_years(dates, None, _year(artist.get("death")))[1] if dates else _year(artist.get("death")),
        birth_place=_place(artist.get("birth")),
        death_place=_place(artist.get("death")),
    )


_NO_ARTIST = artist_facts({})


def load_artists(source: Path | None) -> dict[str, ArtistFacts]:
    """Tate artists' facts by id (a few thousand: small enough to hold while artworks stream)."""
    artists: dict[str, ArtistFacts] = {}
    if source is None:
        return artists
    if source.is_dir():
        for path in sorted(source.rglob("*.json")):
            try:
                record = loads(path.read_text(encoding="utf-8-sig"))
            except (OSError, UnicodeDecodeError, json.JSONDecodeError):
                continue  # an unreadable artist only loses its details, never an artwork
            if isinstance(record, dict) and record.get("id") is not None:
                artists[str(record["id"])] = artist_facts(record)
        return artists
    for _, record, _error in iter_json(source):
        if isinstance(record, dict) and record.get("id") is not None:
            artists[str(record["id"])] = artist_facts(record)
    return artists


class TateAdapter(Adapter):
    """Tate artworks; contributors become linked people with birth/death years and places."""

    name = "tate"

    def __init__(self, artists: str | Path | None = None) -> None:
        self.artists_path = Path(artists) if artists else None
        self._artists: dict[str, ArtistFacts] = {}

    @classmethod
    def detect(cls, path: Path) -> bool:
        if path.is_dir():
            return (path / "artworks").is_dir() or (path / "artworks.jsonl").is_file()
        return '"acno"' in head_text(path)

    def read(self, path: Path) -> Iterator[RawRecord]:
        if path.is_dir() and (path / "artworks.jsonl").is_file():
            path = path / "artworks.jsonl"
        self._artists = load_artists(self.artists_path or _artists_beside(path))
        if path.is_dir():
            yield from self._read_folder(path / "artworks" if (path / "artworks").is_dir() else path)
            return
        for position, data, error in iter_json(path):
            record_id = clean_text(data.get("acno")) if isinstance(data, dict) else None
            yield RawRecord(str(path), position, data, record_id, error)

    def _read_folder(self, folder: Path) -> Iterator[RawRecord]:
        files = sorted(folder.rglob("*.json"))
        if not files:
            raise UserError(f"{folder}: no Tate artwork *.json files")
        for file in files:  # one record per file: its position in that file is 0
            rel = str(file.relative_to(folder))
            try:
                data = loads(file.read_text(encoding="utf-8-sig"))
            except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
                yield RawRecord(str(file), 0, None, rel, f"cannot read artwork file ({e})")
                continue
            yield RawRecord(str(file), 0, data, rel)

    def to_exhibit(self, record: RawRecord) -> Exhibit:
        w = record.data
        if not isinstance(w, dict):
            raise RecordRejected(None, f"record is a JSON {type(w).__name__}, not an object")
        acno = clean_text(w.get("acno"))
        if acno is None:
            raise RecordRejected("acno", "record has no accession number (acno)")
        ex = Exhibit(
            exhibit_id=make_exhibit_id("tate", acno),
            museum="tate",
            source_adapter=self.name,
            source_path=clean_text(w.get("_source_path")) or f"{record.source_path}#{record.position}",
            rights=clean_text(w.get("thumbnailCopyright")),
            url=clean_text(w.get("url")),
        )
        ex.add("title", w.get("title"))
        ex.add("title", w.get("foreignTitle"), lang="und")  # original-language title; Tate does not say which
        date = clean_text(w.get("dateText"))
        if date and date.lower() not in _NOT_A_DATE:
            date_range = w.get("dateRange") if isinstance(w.get("dateRange"), dict) else {}
            ex.set_date(date, parse_year(date_range.get("startYear")), parse_year(date_range.get("endYear")))
        ex.add("medium", w.get("medium"))
        ex.add("classification", w.get("classification"))
        ex.add("dimensions", w.get("dimensions"))
        ex.add("inscription", w.get("inscription"))
        ex.add("credit_line", w.get("creditLine"))
        ex.add("acquisition_year", parse_year(w.get("acquisitionYear")))
        for movement in w.get("movements") or []:
            if isinstance(movement, dict):
                ex.add("period", movement.get("name"))
        ex.add_values("subject", _subject_leaves(w.get("subjects")))
        for contributor in w.get("contributors") or []:
            name = clean_text(contributor.get("fc")) if isinstance(contributor, dict) else None
            if name:
                role = clean_text(contributor.get("role"))
                qualifier = role if qualifier_kind(role) != MAKER else None  # Tate's roles "after", "circle of"
                ex.add("creator", display_attribution(name, qualifier), role=role)
                ex.people.append(self._person(contributor, name, role, qualifier))
        ex.images.extend(_images(w))
        return ex

    def _person(self, contributor: dict[str, Any], name: str, role: str | None, qualifier: str | None) -> Person:
        artist = self._artists.get(str(contributor.get("id")), _NO_ARTIST)
        return Person(
            name=name,
            role=role,
            person_id=clean_text(contributor.get("id")),
            birth_year=artist.birth_year if artist.has_birth_year else parse_year(contributor.get("birthYear")),
            death_year=artist.death_year or parse_year(contributor.get("deathYear")),
            birth_place=artist.birth_place,
            death_place=artist.death_place,
            qualifier=qualifier,
        )


def _artists_beside(path: Path) -> Path | None:
    root = path if path.is_dir() else path.parent
    for candidate in (root / "artists.jsonl", root / "artists", root.parent / "artists"):
        if candidate.exists():
            return candidate
    return None


def _subject_leaves(root: Any) -> list[Value]:
    """Leaf terms of Tate's subject tree, each with its category path as role ("people/adults"); the root is skipped.

    The "emotions, concepts and ideas" branch ("mystery", "innocence") names no depicted thing and is left out.

    Names are cleaned as they are read, so the paths joined from them are clean too.
    """
    leaves: list[Value] = []
    if isinstance(root, dict):
        depicted = [c for c in root.get("children") or [] if not (isinstance(c, dict) and c.get("name") == _CONCEPTS)]
        _collect_leaves(depicted, None, leaves)
    return leaves


def _collect_leaves(children: Any, path: str | None, leaves: list[Value]) -> None:
    """Depth-first over one level, appending to one list; `path` joins the names from below the root.

    Leaves are handled in the loop: a call per inner node, none per leaf.
    """
    for child in children:
        if not isinstance(child, dict):
            continue
        name = clean_text(child.get("name"))
        grandchildren = child.get("children")
        if grandchildren:
            _collect_leaves(grandchildren, (name or "") if path is None else f"{path}/{name or ''}", leaves)
        elif name:
            leaves.append(new_value((name, "en", path or None)))


def _images(w: dict[str, Any]) -> list[ImageRef]:
    images = []
    thumb = clean_text(w.get("thumbnailUrl"))
    if thumb:
        images.append(ImageRef(_absolute(thumb), "primary", "main view"))
    for n, extra in enumerate(w.get("additionalImages") or [], 1):
        if not isinstance(extra, dict):
            continue
        sizes = [s for s in (extra.get("sizes") or []) if isinstance(s, dict) and clean_text(s.get("file"))]
        if not sizes:
            continue
        largest = max(sizes, key=lambda s: parse_year(s.get("resolution")) or 0)
        caption = clean_text(largest.get("caption")) or f"Additional view {n}"
        images.append(ImageRef(_absolute(clean_text(largest["file"]) or ""), image_role(caption), caption))
    return images
