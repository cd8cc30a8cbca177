"""The Metropolitan Museum of Art Collection API JSON (a list, an {"objects": [...]} wrapper, or JSON Lines)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from museumvqa.catalog.adapters.base import Adapter, RawRecord, RecordRejected
from museumvqa.catalog.attribution import display_attribution
from museumvqa.catalog.readers.textio import head_text, iter_json
from museumvqa.catalog.schema import Exhibit, ImageRef, Person, clean_text, make_exhibit_id
from museumvqa.catalog.years import life_years, parse_year


class MetApiAdapter(Adapter):
    """Met API records. `image_dir` maps `<objectID>.jpg` files (e.g. the built-in sample) to the primary image."""

    name = "met-api"
    options = {"image_dir": False}

    def __init__(self, image_dir: str | Path | None = None) -> None:
        self.image_dir = Path(image_dir) if image_dir else None

    @classmethod
    def detect(cls, path: Path) -> bool:
        head = head_text(path) if path.is_file() else ""
        return '"objectID"' in head and ('"accessionNumber"' in head or '"primaryImage"' in head)

    def read(self, path: Path) -> Iterator[RawRecord]:
        for position, data, error in iter_json(path):
            record_id = None
            if isinstance(data, dict):
                record_id = clean_text(data.get("accessionNumber")) or clean_text(data.get("objectID"))
            yield RawRecord(str(path), position, data, record_id, error)

    def to_exhibit(self, record: RawRecord) -> Exhibit:
        o = record.data
        if not isinstance(o, dict):
            raise RecordRejected(None, f"record is a JSON {type(o).__name__}, not an object")
        accession = clean_text(o.get("accessionNumber"))
        object_id = clean_text(o.get("objectID"))
        if accession is None and object_id is None:
            raise RecordRejected("accessionNumber", "record has neither accessionNumber nor objectID")
        ex = Exhibit(
            exhibit_id=make_exhibit_id("met", accession or f"objectID-{object_id}"),
            museum="met",
            source_adapter=self.name,
            source_path=f"{record.source_path}#{record.position}",
            licence="CC0-1.0" if o.get("isPublicDomain") is True else None,
            rights=clean_text(o.get("rightsAndReproduction")),
            url=clean_text(o.get("objectURL")),
        )
        ex.images.extend(self._images(o, object_id))
        ex.add("title", o.get("title"))
        artist = clean_text(o.get("artistDisplayName"))
        if artist is not None:
            ex.add("creator", display_attribution(artist, clean_text(o.get("artistPrefix"))), role=o.get("artistRole"))
        ex.set_date(o.get("objectDate"), parse_year(o.get("objectBeginDate")), parse_year(o.get("objectEndDate")))
        ex.add("medium", o.get("medium"))
        ex.add("object_type", o.get("objectName"))
        ex.add("classification", o.get("classification"))
        ex.add("culture", o.get("culture"))
        for key in ("city", "state", "county", "country", "region", "subregion"):
            ex.add("place", o.get(key))
        ex.add("period", o.get("period"))
        ex.add("period", o.get("dynasty"))
        ex.add("period", o.get("reign"))
        for tag in o.get("tags") or []:
            if isinstance(tag, dict):
                ex.add("subject", tag.get("term"))
        ex.add("department", o.get("department"))
        ex.add("dimensions", o.get("dimensions"))
        ex.add("credit_line", o.get("creditLine"))
        ex.add("acquisition_year", parse_year(o.get("accessionYear")))
        ex.people.extend(self._people(o))
        return ex

    def _images(self, o: dict[str, Any], object_id: str | None) -> list[ImageRef]:
        licence = "CC0-1.0" if o.get("isPublicDomain") is True else None
        images = []
        local = self.image_dir / f"{object_id}.jpg" if self.image_dir and object_id else None
        primary = str(local.resolve()) if local is not None and local.is_file() else clean_text(o.get("primaryImage"))
        if primary:
            images.append(ImageRef(primary, "primary", "main view", licence))
        for n, url in enumerate(o.get("additionalImages") or [], 1):
            uri = clean_text(url)
            if uri:
                images.append(ImageRef(uri, "additional", f"additional view {n}", licence))
        return images

    def _people(self, o: dict[str, Any]) -> list[Person]:
        main = clean_text(o.get("artistDisplayName"))
        born, died = life_years(
            clean_text(o.get("artistDisplayBio")), parse_year(o.get("artistBeginDate")), parse_year(o.get("artistEndDate"))
        )
        people: list[Person] = []
        for c in o.get("constituents") or []:
            name = clean_text(c.get("name")) if isinstance(c, dict) else None
            if name is None:
                continue
            is_main = name == main
            people.append(
                Person(
                    name=name,
                    role=clean_text(c.get("role")),
                    person_id=clean_text(c.get("constituentID")),
                    birth_year=born if is_main else None,
                    death_year=died if is_main else None,
                    nationality=clean_text(o.get("artistNationality")) if is_main else None,
                    qualifier=clean_text(o.get("artistPrefix")) if is_main else None,
                )
            )
        if main and not any(p.name == main for p in people):
            people.append(
                Person(
                    name=main,
                    role=clean_text(o.get("artistRole")),
                    birth_year=born,
                    death_year=died,
                    nationality=clean_text(o.get("artistNationality")),
                    qualifier=clean_text(o.get("artistPrefix")),
                )
            )
        return people
