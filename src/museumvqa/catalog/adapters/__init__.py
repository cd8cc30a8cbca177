"""Source adapters, registered by name. Each turns one source format into Exhibit records."""

from __future__ import annotations

from museumvqa.catalog.adapters.base import Adapter, RawRecord, RecordRejected
from museumvqa.catalog.adapters.met_api import MetApiAdapter
from museumvqa.errors import UserError

ADAPTERS: dict[str, type[Adapter]] = {MetApiAdapter.name: MetApiAdapter}


def get_adapter(name: str) -> type[Adapter]:
    try:
        return ADAPTERS[name]
    except KeyError:
        raise UserError(f"unknown format {name!r}; known formats: {', '.join(sorted(ADAPTERS))}") from None


__all__ = ["ADAPTERS", "Adapter", "RawRecord", "RecordRejected", "get_adapter"]
