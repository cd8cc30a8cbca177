"""CSV rows with their position, the header and a reason for each malformed row, in the file's own encoding."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from museumvqa.catalog.readers.textio import open_text, sniff_encoding
from museumvqa.errors import UserError

_FIELD_LIMIT = 1 << 28  # museum CSVs carry whole provenance texts in one field


def iter_csv_rows(path: Path) -> Iterator[tuple[int, list[str], dict[str, str] | None, str | None]]:
    """(position, header, row, error) for each data row; a row with the wrong number of fields is an error."""
    csv.field_size_limit(_FIELD_LIMIT)
    encoding = sniff_encoding(path)
    try:
        with open_text(path, encoding) as f:
            reader = csv.reader(f)
            header = [h.strip() for h in next(reader, [])]
            if not any(header):
                raise UserError(f"{path}: empty file (no CSV header)")
            for position, fields in enumerate(reader):
                if not "".join(fields).strip():  # a blank row
                    continue
                if len(fields) != len(header):
                    yield position, header, None, f"row has {len(fields)} fields, the header has {len(header)}"
                    continue
                yield position, header, dict(zip(header, fields, strict=True)), None
    except csv.Error as e:
        raise UserError(f"{path}: not valid CSV (line {reader.line_num}: {e})") from None
    except UnicodeDecodeError as e:
        raise UserError(f"{path}: cannot read (not {encoding} at byte {e.start})") from None
