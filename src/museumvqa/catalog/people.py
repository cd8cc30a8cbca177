"""Linked people across a collection: one row per person per museum, merged over the exhibits naming them."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from museumvqa.catalog.schema import PERSON_STRUCT, Person
from museumvqa.io import write_parquet

# The person fields of the exhibit schema, minus the per-exhibit role, keyed and counted per museum.
PEOPLE_SCHEMA = pa.schema(
    [
        ("person_key", pa.string()),
        ("museum", pa.string()),
        *(f for f in PERSON_STRUCT if f.name != "role"),
        ("exhibit_count", pa.int64()),
    ]
)


def person_key(museum: str, person: Person) -> str:
    """`museum:id` when the source has a person id, else `museum:name|birth year`."""
    if person.person_id:
        return f"{museum}:{person.person_id}"
    return f"{museum}:{person.name}|{person.birth_year or ''}"


class PeopleIndex:
    """Collects distinct people while exhibits stream past (memory grows with people, not exhibits)."""

    def __init__(self) -> None:
        self._people: dict[str, Person] = {}
        self._museum: dict[str, str] = {}
        self._counts: dict[str, int] = {}

    def add(self, museum: str, people: Iterable[Person]) -> None:
        """The people one exhibit of `museum` names."""
        for person in people:
            key = person_key(museum, person)
            known = self._people.get(key)
            if known is None or known != person:
                self._people[key] = person if known is None else _merge(known, person)
            self._museum[key] = museum
            self._counts[key] = self._counts.get(key, 0) + 1

    def load(self, folder: Path) -> None:
        """Start from a run's people table (appending to a run keeps its people and their counts)."""
        for part in sorted(folder.glob("*.parquet")):
            for row in pq.read_table(part).to_pylist():
                key = row.pop("person_key")
                self._museum[key] = row.pop("museum")
                self._counts[key] = row.pop("exhibit_count")
                self._people[key] = Person(**{name: row.get(name) for name in Person._fields})

    def __len__(self) -> int:
        return len(self._people)

    def write(self, folder: Path) -> None:
        rows = []
        for key in sorted(self._people):
            row = self._people[key]._asdict()
            row.pop("role")
            rows.append({**row, "person_key": key, "museum": self._museum[key], "exhibit_count": self._counts[key]})
        write_parquet(pa.Table.from_pylist(rows, schema=PEOPLE_SCHEMA), folder / "part-00000.parquet")


def _merge(known: Person, other: Person) -> Person:
    """Fill fields the first record left unknown from a later one (first value wins on conflict)."""
    missing = {name: getattr(other, name) for name in Person._fields if getattr(known, name) is None}
    return known._replace(**{k: v for k, v in missing.items() if v is not None})
