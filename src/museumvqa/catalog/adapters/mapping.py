"""Any CSV / JSON / JSON Lines catalogue, described by a YAML mapping from schema fields to source paths.

Paths: `a.b` walks nested keys, `x[].y` walks every element of list `x`. A schema field may carry a
language (`title@fr: titre`). An unknown schema field is an error when the mapping loads; a path
that matched nothing in the whole input is an error at the end of the file, never an empty column.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from museumvqa.catalog.adapters.base import Adapter, RawRecord, RecordRejected
from museumvqa.catalog.attribution import MAKER, display_attribution, is_maker_role, is_organisation, qualifier_kind
from museumvqa.catalog.readers.csv_rows import iter_csv_rows
from museumvqa.catalog.readers.textio import iter_json
from museumvqa.catalog.schema import ATTRIBUTES, Exhibit, ImageRef, Person, clean_text, make_exhibit_id
from museumvqa.catalog.years import leading_year
from museumvqa.errors import UserError

FORMATS = ("csv", "json", "jsonl")
YEAR_FIELDS = ("date_begin", "date_end")
SCALAR_FIELDS = ("licence", "rights", "url")
SCHEMA_FIELDS = (*ATTRIBUTES, *YEAR_FIELDS, *SCALAR_FIELDS, "images")
PERSON_FIELDS = Person._fields


@functools.lru_cache(maxsize=1024)
def _steps(path: str) -> tuple[tuple[str, bool], ...]:
    """`a.b[].c` -> (("a", False), ("b", True), ("c", False)): parsed once, not for every record."""
    return tuple((token[:-2], True) if token.endswith("[]") else (token, False) for token in path.split("."))


def extract(record: Any, path: str) -> list[Any]:
    """Every value at `path` in `record` (flattened, None dropped); a key containing dots is tried whole first."""
    if isinstance(record, dict) and path in record:
        values = [record[path]]
    else:
        values = [record]
        for key, over_list in _steps(path):
            found = []
            for value in values:
                item = value.get(key) if isinstance(value, dict) else None
                if over_list and isinstance(item, list):
                    found.extend(item)
                elif item is not None:
                    found.append(item)
            values = found
    flat: list[Any] = []
    for value in values:
        flat.extend(value if isinstance(value, list) else [value])
    return [v for v in flat if v is not None]


@dataclass
class Mapping:
    """A parsed mapping file."""

    museum: str
    id: str
    fields: dict[str, str]
    format: str | None = None
    lang: str = "en"
    people: dict[str, str] = field(default_factory=dict)
    makers: tuple[str, ...] = ()  # people roles that made the work (lower case; "any": every maker role)
    source: str = "mapping"

    @classmethod
    def load(cls, path: Path) -> Mapping:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
            raise UserError(f"{path}: cannot read mapping ({str(e).splitlines()[0]})") from None
        if not isinstance(data, dict):
            raise UserError(f"{path}: a mapping must be a YAML object with museum, id and fields")
        unknown = sorted(set(data) - {"museum", "id", "fields", "format", "lang", "people"})
        if unknown:
            raise UserError(f"{path}: unknown mapping keys {', '.join(unknown)}")
        for key in ("museum", "id", "fields"):
            if not data.get(key):
                raise UserError(f"{path}: mapping needs '{key}'")
        fields, people = data["fields"], data.get("people") or {}
        if not isinstance(fields, dict) or not isinstance(people, dict):
            raise UserError(f"{path}: 'fields' and 'people' must map names to source paths")
        bad = sorted(k for k in fields if str(k).split("@")[0] not in SCHEMA_FIELDS)
        if bad:
            raise UserError(f"{path}: unknown schema fields {', '.join(bad)}; known: {', '.join(SCHEMA_FIELDS)}")
        makers = people.pop("makers", None)
        bad = sorted(k for k in people if k != "each" and k not in PERSON_FIELDS)
        if bad:
            raise UserError(
                f"{path}: unknown people keys {', '.join(map(str, bad))}; known: each, makers, {', '.join(PERSON_FIELDS)}"
            )
        missing = [k for k in ("each", "name") if k not in people]
        if people and missing:
            raise UserError(f"{path}: people needs {' and '.join(repr(k) for k in missing)} (where the list is, its name)")
        if makers is not None and not (makers == "any" or isinstance(makers, list)):
            raise UserError(f"{path}: people.makers must be a list of roles (e.g. [Designer, Artist]) or 'any'")
        if data.get("format") not in (None, *FORMATS):
            raise UserError(f"{path}: format must be one of {', '.join(FORMATS)}")
        return cls(
            museum=str(data["museum"]),
            id=str(data["id"]),
            fields={str(k): str(v) for k, v in fields.items()},
            format=data.get("format"),
            lang=str(data.get("lang") or "en"),
            people={str(k): str(v) for k, v in people.items()},
            makers=("any",) if makers == "any" else tuple(str(m).lower() for m in makers or ()),
            source=str(path),
        )


class MappingAdapter(Adapter):
    """Generic records through a Mapping; the match counts of every path are checked over each input."""

    name = "mapping"
    options = {"mapping": True}

    def __init__(self, mapping: Mapping) -> None:
        self.mapping = mapping
        self._matched: dict[str, int] = {}  # per mapping path: records where it found a value
        self._objects: dict[str, int] = {}  # ... where it found only objects (a path that stops too early)

    @classmethod
    def from_yaml(cls, path: str | Path) -> MappingAdapter:
        return cls(Mapping.load(Path(path)))

    @classmethod
    def from_options(cls, mapping: str | Path) -> MappingAdapter:  # type: ignore[override]
        return cls.from_yaml(mapping)

    def read(self, path: Path) -> Iterator[RawRecord]:
        """The records of a file, or of every csv/json/jsonl file in a folder (one object per file is common).

        A path that matched no record of the whole input, or only objects where text was expected, is an error.
        """
        files = self._files(path)
        self._matched = {name: 0 for name in self._paths()}
        self._objects = {name: 0 for name in self._paths()}
        records = 0
        for file in files:
            fmt = self.mapping.format or file.suffix.lstrip(".").lower()
            if fmt not in FORMATS:
                raise UserError(f"{file}: cannot tell csv/json/jsonl from the name; set 'format' in the mapping")
            if fmt == "csv":
                rows = ((pos, row, err) for pos, _header, row, err in iter_csv_rows(file))
            else:
                rows = iter_json(file)
            for position, data, error in rows:
                records += 1
                ids = extract(data, self.mapping.id) if isinstance(data, dict) else []
                yield RawRecord(str(file), position, data, clean_text(ids[0]) if ids else None, error)
        never = [name for name, count in self._matched.items() if count == 0]
        if records and self.mapping.id in never:  # then no record got as far as its fields: name the id alone
            raise UserError(
                f"{path}: the id path {self.mapping.id!r} matched none of the {records} records"
                f"{self._format_hint(files)}; fix 'id' (or 'format') in {self.mapping.source}"
            )
        if records and never:
            only_objects = [name for name in never if self._objects[name]]
            if only_objects:
                raise UserError(
                    f"{path}: mapping paths found objects, not text, in every record: {', '.join(only_objects)}; "
                    f"map a key inside them (e.g. type.name) in {self.mapping.source}"
                )
            raise UserError(f"{path}: mapping paths matched no record: {', '.join(never)} (see {self.mapping.source})")

    def _format_hint(self, files: list[Path]) -> str:
        """Why every record may have missed: the mapping's `format` differs from what the file names say."""
        named = sorted({f.suffix.lstrip(".").lower() for f in files} & set(FORMATS) - {self.mapping.format})
        if not self.mapping.format or not named:
            return ""
        return f" (read as {self.mapping.format}, as the mapping's 'format' says, but the files are .{', .'.join(named)})"

    def _files(self, path: Path) -> list[Path]:
        if not path.is_dir():
            return [path]
        suffixes = (self.mapping.format,) if self.mapping.format else FORMATS
        files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lstrip(".").lower() in suffixes)
        if not files:
            raise UserError(f"{path}: no {'/'.join(suffixes)} files in this folder for mapping {self.mapping.source}")
        return files

    def _paths(self) -> dict[str, str]:
        paths = {self.mapping.id: self.mapping.id, **{f"{k}: {v}": v for k, v in self.mapping.fields.items()}}
        paths.update({f"people.{k}: {v}": v for k, v in self.mapping.people.items()})
        return paths

    def _get(self, label: str, data: Any, path: str) -> list[Any]:
        values = extract(data, path)
        if values and label in self._matched:
            texts = [v for v in values if not isinstance(v, dict)]
            self._matched[label] += 1 if texts or label.startswith("people.each") else 0
            self._objects[label] += 0 if texts else 1
        return values

    def to_exhibit(self, record: RawRecord) -> Exhibit:
        m, data = self.mapping, record.data
        if not isinstance(data, dict):
            raise RecordRejected(None, f"record is a JSON {type(data).__name__}, not an object")
        ids = [clean_text(v) for v in self._get(m.id, data, m.id)]
        if not ids or ids[0] is None:
            raise RecordRejected(m.id, f"record has no id ({m.id})")
        ex = Exhibit(make_exhibit_id(m.museum, ids[0]), m.museum, self.name, f"{record.source_path}#{record.position}")
        for key, path in m.fields.items():
            schema_field, _, lang = key.partition("@")
            values = self._get(f"{key}: {path}", data, path)
            if schema_field in ATTRIBUTES:
                for value in values:
                    ex.add(schema_field, value if not isinstance(value, dict) else None, lang=lang or m.lang)
            elif schema_field in YEAR_FIELDS and values:
                setattr(ex, schema_field, leading_year(str(values[0])))
            elif schema_field in SCALAR_FIELDS and values:
                setattr(ex, schema_field, clean_text(values[0]))
            elif schema_field == "images":
                uris = [u for u in (clean_text(v) for v in values if not isinstance(v, dict)) if u]
                ex.images.extend(ImageRef(u, "primary" if n == 0 else "additional") for n, u in enumerate(uris))
        if m.people:
            self._get(f"people.each: {m.people['each']}", data, m.people["each"])
            for item in extract(data, m.people["each"]):
                person = self._person(item)
                if person is not None:
                    ex.people.append(person)
                    if self._made_it(person):
                        ex.add("creator", display_attribution(person.name, person.qualifier), lang=None, role=person.role)
            _qualify_creators(ex)
        return ex

    def _made_it(self, person: Person) -> bool:
        """Whether a linked person is a maker the mapping names as creator (`people.makers`)."""
        makers = self.mapping.makers
        if not makers or not is_maker_role(person.role):
            return False
        return makers == ("any",) or (person.role or "").lower() in makers

    def _person(self, item: Any) -> Person | None:
        got: dict[str, Any] = {}
        for key, path in self.mapping.people.items():
            if key == "each":
                continue
            values = self._get(f"people.{key}: {path}", item, path)
            got[key] = clean_text(values[0]) if values and not isinstance(values[0], dict) else None
        if got.get("name") is None:
            return None
        for key in ("birth_year", "death_year"):
            got[key] = leading_year(got.get(key))
        if got.get("qualifier") == got.get("role") and qualifier_kind(got.get("qualifier")) == MAKER:
            got["qualifier"] = None  # one source field for both: "Designer" is a role, "Workshop of" a qualifier
        if got.get("kind") is not None:  # the source's own party type, e.g. "Organization", "Individual"
            got["kind"] = "organisation" if is_organisation(None, got["kind"]) else "person"
        return Person(**{k: got.get(k) for k in PERSON_FIELDS})


def _qualify_creators(ex: Exhibit) -> None:
    """A creator value naming a person whose record has a qualifier reads as the catalogue states it ("Attributed to X")."""
    qualified = {p.name: p.qualifier for p in ex.people if p.qualifier}
    creators = ex.attributes.get("creator")
    if not qualified or not creators:
        return
    ex.attributes["creator"] = [
        v._replace(value=display_attribution(v.value, qualified[v.value])) if v.value in qualified else v
        for v in creators
    ]
