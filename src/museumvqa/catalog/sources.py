"""Which inputs a run reads and how: `PATH`, `PATH:FORMAT` or `PATH:MAPPING.yaml`, so catalogues combine.

One museum may come through a mapping while another is LIDO or Met JSON; each input says its own
format (or is detected), and the global `--format`/`--mapping` apply only to inputs that say none.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from museumvqa.catalog.adapters import ADAPTERS, make_adapter
from museumvqa.catalog.ingest import Source
from museumvqa.errors import UserError

_MAPPING_SUFFIXES = (".yaml", ".yml")


def parse_source(
    spec: str,
    format: str | None = None,
    mapping: Path | None = None,
    image_dir: Path | None = None,
    museum: str | None = None,
) -> Source:
    """'nga.csv:nga.yaml' -> Source(nga.csv, its mapping adapter); a bare path takes the global options."""
    path, own_format, own_mapping = _split(spec)
    if own_format or own_mapping:
        format, mapping, image_dir = own_format, own_mapping, image_dir if own_format == "met-api" else None
    elif mapping is not None and format is None:
        format = "mapping"
    elif image_dir is not None and format is None:
        format = "met-api"
    if mapping is not None and mapping.is_dir():
        raise UserError(f"--mapping {mapping}: is a folder; give the mapping YAML file (it applies to {path})")
    adapter = make_adapter(format, image_dir=image_dir, mapping=mapping) if format else None
    return Source(path, adapter, museum)


def parse_sources(specs: Iterable[str], **options: object) -> list[Source]:
    return [parse_source(spec, **options) for spec in specs]  # type: ignore[arg-type]


def _split(spec: str) -> tuple[Path, str | None, Path | None]:
    """The path and what follows its last ':' when that is a known format or a YAML mapping file."""
    head, sep, tail = spec.rpartition(":")
    if sep and head:
        if tail in ADAPTERS:
            return Path(head), tail, None
        if tail.lower().endswith(_MAPPING_SUFFIXES):
            return Path(head), "mapping", Path(tail)
    return Path(spec), None, None
