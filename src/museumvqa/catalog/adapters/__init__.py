"""Source adapters, registered by name as their modules load. Each turns one source format into Exhibit records."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path
from typing import Any

from museumvqa.catalog.adapters.base import ADAPTERS, Adapter, RawRecord, RecordRejected
from museumvqa.errors import UserError

for _module in pkgutil.iter_modules(__path__):  # each module defines (and so registers) its adapters
    importlib.import_module(f"{__name__}.{_module.name}")


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


def make_adapter(name: str, **options: Any) -> Adapter:
    """An adapter from CLI-style options (`mapping=` for mapping, `image_dir=` for met-api); None means not given."""
    cls = get_adapter(name)
    given = {key: value for key, value in options.items() if value is not None}
    for key in given:
        if key not in cls.options:
            takes = sorted(n for n, c in ADAPTERS.items() if key in c.options)
            flag = "--" + key.replace("_", "-")
            raise UserError(f"{flag} only applies to format {' / '.join(map(repr, takes))}, not {name!r}")
    for key, required in cls.options.items():
        if required and key not in given:
            raise UserError(f"format {name!r} needs --{key.replace('_', '-')}")
    return cls.from_options(**given)


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
