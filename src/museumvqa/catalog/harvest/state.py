"""A harvest folder: numbered page files and the state that lets a killed harvest resume without duplicates.

Each ListRecords page is written (atomically) as `page-NNNNNN.xml`, then `harvest_state.json` is
rewritten with the page count and the token of the next page. A kill between the two leaves one page
the state does not count: the resumed harvest asks for that page again and writes it under the same
name, so no record is ever stored twice. A folder belongs to one request (URL, prefix, set, dates).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from museumvqa import __version__
from museumvqa.catalog.harvest.protocol import list_records_params
from museumvqa.errors import UserError
from museumvqa.io import write_json

STATE_FILE = "harvest_state.json"
_PAGE = re.compile(r"^page-(\d{6,})\.xml$")
_OWN_TEMP = re.compile(r"^\.(page-\d+\.xml|harvest_state\.json)\..*\.tmp$")  # io.atomic_path's leftovers


def page_name(number: int) -> str:
    """The file of page `number` (1-based); zero-padded so file-name order is harvest order."""
    return f"page-{number:06d}.xml"


@dataclass(frozen=True)
class HarvestRequest:
    """What a folder holds: a resumed harvest must ask the same, or it would mix two lists."""

    url: str
    metadata_prefix: str
    set_spec: str | None = None
    from_date: str | None = None
    until_date: str | None = None

    def params(self) -> dict[str, str]:
        return list_records_params(self.metadata_prefix, self.set_spec, self.from_date, self.until_date)

    def describe(self) -> str:
        parts = [self.url, f"prefix {self.metadata_prefix}"]
        parts += [
            f"{name} {value}"
            for name, value in (("set", self.set_spec), ("from", self.from_date), ("until", self.until_date))
            if value
        ]
        return ", ".join(parts)


@dataclass
class HarvestState:
    """Progress of one harvest: pages written, records counted and where the list goes on."""

    request: HarvestRequest
    token: str | None = None  # the next page's resumption token; None before the first page and at the end
    pages: int = 0
    records: int = 0
    deleted: int = 0
    complete: bool = False
    complete_list_size: int | None = None
    response_date: str | None = None  # the first page's: what a later `--from` may start at
    seconds: float = 0.0  # harvesting time over every run
    started: str = field(default_factory=lambda: _now())
    updated: str | None = None
    version: str = __version__

    def save(self, folder: Path) -> None:
        self.updated = _now()
        write_json(asdict(self), folder / STATE_FILE)

    @classmethod
    def load(cls, folder: Path) -> HarvestState:
        path = folder / STATE_FILE
        try:
            data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
            data["request"] = HarvestRequest(**data["request"])
            return cls(**data)
        except (OSError, ValueError, TypeError, KeyError) as e:
            raise UserError(f"{path}: not a readable harvest state ({e}); pass --restart to harvest again") from None


def open_folder(out: Path, request: HarvestRequest, restart: bool) -> HarvestState:
    """The state to continue from: the folder's own for the same request, else a new one.

    A folder of another request is refused (its pages would mix with ours) unless `restart`, which
    removes that harvest's pages and state, or it has no pages yet; a folder with files that are not a
    harvest's is refused always.
    """
    if out.exists() and not out.is_dir():
        raise UserError(f"--out {out}: is a file, not a folder; give a folder for the harvested pages")
    out.mkdir(parents=True, exist_ok=True)
    if not (out / STATE_FILE).exists():
        others = sorted(p.name for p in out.iterdir() if not _OWN_TEMP.match(p.name))
        if others:
            raise UserError(
                f"--out {out}: holds files that are not a harvest's ({', '.join(others[:3])}); give an empty or new folder"
            )
        return _fresh(out, request)
    if restart:
        return _fresh(out, request)
    state = HarvestState.load(out)
    if state.request != request and state.pages == 0:
        return _fresh(out, request)  # nothing kept yet (e.g. a mistyped prefix): the folder is free
    if state.request != request:
        raise UserError(
            f"--out {out}: holds another harvest ({state.request.describe()}); give another folder, "
            "or --restart to replace it"
        )
    _clean(out, keep_pages=state.pages)
    return state


def _fresh(out: Path, request: HarvestRequest) -> HarvestState:
    """A new harvest's state, saved at once: from now on every page file in the folder is accounted for."""
    _clean(out, keep_pages=0)
    state = HarvestState(request)
    state.save(out)
    return state


def _clean(out: Path, keep_pages: int) -> None:
    """Remove temp files and the pages after `keep_pages` (written by a run killed before its state was saved)."""
    for path in out.iterdir():
        found = _PAGE.match(path.name)
        if _OWN_TEMP.match(path.name) or (found and int(found[1]) > keep_pages):
            path.unlink()


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
