"""The Met Open Access CSV (`MetObjects.csv`): one row per object, several artists joined with '|'."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from museumvqa.catalog.adapters.base import Adapter, RawRecord, RecordRejected
from museumvqa.catalog.attribution import display_attribution
from museumvqa.catalog.readers.csv_rows import iter_csv_rows
from museumvqa.catalog.readers.textio import head_text
from museumvqa.catalog.schema import Exhibit, Person, clean_text, make_exhibit_id
from museumvqa.catalog.years import life_years, parse_year
from museumvqa.errors import UserError

REQUIRED_COLUMNS = ("Object ID", "Object Name", "Title")
_PLACE_COLUMNS = ("City", "State", "County", "Country", "Region", "Subregion")


def _split(value: str | None) -> list[str | None]:
    """Met's '|'-joined multi-artist columns as a list (blank parts kept as None so columns line up)."""
    if value is None or clean_text(value) is None:
        return []
    return [clean_text(part) for part in value.split("|")]


def _at(values: list[str | None], n: int) -> str | None:
    return values[n] if n < len(values) else None


class MetCsvAdapter(Adapter):
    """Met Open Access rows; each '|'-separated artist becomes a linked person."""

    name = "met-csv"

    @classmethod
    def detect(cls, path: Path) -> bool:
        if not path.is_file():
            return False
        first_line = head_text(path).splitlines()[0] if head_text(path).strip() else ""
        return all(column in first_line for column in REQUIRED_COLUMNS)

    def read(self, path: Path) -> Iterator[RawRecord]:
        header_checked = False
        for position, header, row, error in iter_csv_rows(path):
            if not header_checked:
                missing = [c for c in REQUIRED_COLUMNS if c not in header]
                if missing:
                    raise UserError(f"{path}: not a Met Open Access CSV (missing columns: {', '.join(missing)})")
                header_checked = True
            record_id = clean_text(row.get("Object Number")) or clean_text(row.get("Object ID")) if row else None
            yield RawRecord(str(path), position, row, record_id, error)

    def to_exhibit(self, record: RawRecord) -> Exhibit:
        r: dict[str, str] = record.data
        accession = clean_text(r.get("Object Number"))
        object_id = clean_text(r.get("Object ID"))
        if accession is None and object_id is None:
            raise RecordRejected("Object Number", "row has neither Object Number nor Object ID")
        public = clean_text(r.get("Is Public Domain")) in ("True", "true", "1")
        url = clean_text(r.get("Link Resource"))
        ex = Exhibit(
            exhibit_id=make_exhibit_id("met", accession or f"objectID-{object_id}"),
            museum="met",
            source_adapter=self.name,
            source_path=f"{record.source_path}#{record.position}",
            licence="CC0-1.0" if public else None,
            rights=clean_text(r.get("Rights and Reproduction")),
            url=url,
        )
        ex.add("title", r.get("Title"))
        ex.add("object_type", r.get("Object Name"))
        ex.add("classification", r.get("Classification"))
        ex.add("culture", r.get("Culture"))
        for column in ("Period", "Dynasty", "Reign"):
            ex.add("period", r.get(column))
        for column in _PLACE_COLUMNS:
            ex.add("place", r.get(column))
        ex.set_date(r.get("Object Date"), parse_year(r.get("Object Begin Date")), parse_year(r.get("Object End Date")))
        ex.add("medium", r.get("Medium"))
        ex.add("dimensions", r.get("Dimensions"))
        ex.add("credit_line", r.get("Credit Line"))
        ex.add("department", r.get("Department"))
        ex.add("acquisition_year", parse_year(r.get("AccessionYear")))
        for tag in _split(r.get("Tags")):
            ex.add("subject", tag)
        self._add_people(ex, r)
        return ex

    def _add_people(self, ex: Exhibit, r: dict[str, str]) -> None:
        names = _split(r.get("Artist Display Name"))
        roles, ids = _split(r.get("Artist Role")), _split(r.get("Constituent ID"))
        nationalities = _split(r.get("Artist Nationality"))
        begins, ends = _split(r.get("Artist Begin Date")), _split(r.get("Artist End Date"))
        prefixes, bios = _split(r.get("Artist Prefix")), _split(r.get("Artist Display Bio"))
        for n, name in enumerate(names):
            if name is None:
                continue
            ex.add("creator", display_attribution(name, _at(prefixes, n)), role=_at(roles, n))
            born, died = life_years(_at(bios, n), parse_year(_at(begins, n)), parse_year(_at(ends, n)))
            ex.people.append(
                Person(
                    name=name,
                    role=_at(roles, n),
                    person_id=_at(ids, n),
                    birth_year=born,
                    death_year=died,
                    nationality=_at(nationalities, n),
                    qualifier=_at(prefixes, n),
                )
            )
