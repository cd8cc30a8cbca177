"""What every source adapter provides: raw records with their position, and a mapping to Exhibit."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar, NamedTuple

from museumvqa.catalog.schema import Exhibit


class RawRecord(NamedTuple):
    """One source record as read, before mapping: where it came from and its content.

    A named tuple: ingest makes one per input record, and a tuple costs half a frozen dataclass.

    `error` is set when the reader could not even parse this record (a bad JSON line, a broken
    XML record): ingest rejects it with that reason instead of stopping the whole file.
    """

    source_path: str
    position: int
    data: Any
    record_id: str | None = None
    error: str | None = None


class RecordRejected(Exception):
    """A record that cannot become an exhibit; the field and the reason go to the reject list."""

    def __init__(self, field: str | None, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


# The reject reason of a record an OAI-PMH harvest reported deleted: expected, never a sign of a misread file.
DELETED_AT_SOURCE = 'deleted at the source (OAI-PMH header status="deleted")'

ADAPTERS: dict[str, type[Adapter]] = {}  # every source format by name, filled as adapter classes are defined


class Adapter(ABC):
    """Reads one source format. `read` streams records; `to_exhibit` maps one or raises RecordRejected.

    A subclass that sets `name` registers itself: a new source format is one new module in this package.
    `options` names the command-line options the format takes (True: required), e.g. `{"mapping": True}`.
    """

    name: ClassVar[str]
    options: ClassVar[dict[str, bool]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "name" in cls.__dict__:
            ADAPTERS[cls.name] = cls

    @classmethod
    def from_options(cls, **options: Any) -> Adapter:
        """An instance from the format's own command-line options (already checked against `options`)."""
        return cls(**options)

    @classmethod
    def detect(cls, path: Path) -> bool:
        """Whether `path` (a file or folder) looks like this format; used when --format is absent."""
        return False

    @abstractmethod
    def read(self, path: Path) -> Iterator[RawRecord]:
        """Yield raw records; raise UserError if the file itself cannot be read."""

    @abstractmethod
    def to_exhibit(self, record: RawRecord) -> Exhibit:
        """Map one raw record to an Exhibit, or raise RecordRejected(field, reason)."""
