"""Source adapters, registered by name. Each turns one source format into Exhibit records."""

from __future__ import annotations

from pathlib import Path

from museumvqa.catalog.adapters.base import Adapter, RawRecord, RecordRejected
from museumvqa.catalog.adapters.lido import LidoAdapter
from museumvqa.catalog.adapters.mapping import MappingAdapter
from museumvqa.catalog.adapters.met_api import MetApiAdapter
from museumvqa.catalog.adapters.met_csv import MetCsvAdapter
from museumvqa.catalog.adapters.tate import TateAdapter
from museumvqa.errors import UserError

ADAPTERS: dict[str, type[Adapter]] = {
    cls.name: cls for cls in (MetApiAdapter, MetCsvAdapter, TateAdapter, LidoAdapter, MappingAdapter)
}


def _known() -> str:
    return ", ".join(ADAPTERS)


def get_adapter(name: str) -> type[Adapter]:
    try:
        return ADAPTERS[name]
    except KeyError:
        raise UserError(f"unknown format {name!r}; known formats: {_known()}") from None


def detect_format(path: Path) -> str:
    """The name of the one adapter that recognises `path`, or a UserError listing the known formats."""
    if not path.exists():
        raise UserError(f"{path}: no such file")
    try:
        matches = [name for name, cls in ADAPTERS.items() if cls.detect(path)]
    except OSError as e:
        raise UserError(f"{path}: cannot read ({e.strerror})") from None
    if len(matches) != 1:
        found = f"it looks like several ({', '.join(matches)})" if matches else "it matches none"
        raise UserError(f"{path}: cannot detect the catalogue format ({found}); pass --format, one of: {_known()}")
    return matches[0]


def make_adapter(name: str, image_dir: Path | None = None, mapping: Path | None = None) -> Adapter:
    """An adapter instance from CLI-style options (`--image-dir` for met-api, `--mapping` for mapping)."""
    cls = get_adapter(name)
    if cls is MappingAdapter:
        if mapping is None:
            raise UserError("format 'mapping' needs --mapping FILE.yaml")
        return MappingAdapter.from_yaml(mapping)
    if mapping is not None:
        raise UserError(f"--mapping only applies to format 'mapping', not {name!r}")
    if image_dir is not None:
        if cls is not MetApiAdapter:
            raise UserError(f"--image-dir only applies to format 'met-api', not {name!r}")
        return MetApiAdapter(image_dir)
    return cls()


def detect_adapter(path: Path) -> Adapter:
    return make_adapter(detect_format(path))


__all__ = [
    "ADAPTERS",
    "Adapter",
    "RawRecord",
    "RecordRejected",
    "detect_adapter",
    "detect_format",
    "get_adapter",
    "make_adapter",
]
