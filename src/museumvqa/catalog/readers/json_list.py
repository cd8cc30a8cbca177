"""Streaming the elements of a large JSON list (the Met API export): bounded memory, records as json.loads reads them.

Two readers, the second taking over wherever the first cannot go on:
1. `_cut_batches` reads bytes. It learns the text between two records (`}, {"objectID":`) and hands
   orjson everything up to the last such boundary in the buffer as one list, ~20 records a call,
   never decoding to text (decoding, re-encoding for orjson and a Python step per record were
   half the reading time).
2. `_iter_array` reads text with the stdlib's `raw_decode` (its own learnt boundary cuts single
   records for orjson). It takes the rest of the file when a batch is refused (NaN, integers past
   64 bits: see `fastjson`, broken or non-UTF-8 text), at the last record, and for layouts without a boundary.

Why a cut orjson accepts is exact: a batch starts at a record's first byte and ends just after a
`}`. If that `}` were inside a string, the string would never close; if it closed something inside
a record, the record's own bracket and the added `[` would both be open, and one closing `]`
cannot close both. Either way the batch is not JSON, so an accepted batch is whole records, split
where the stdlib would split them.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Generator
from pathlib import Path
from typing import IO, Any, BinaryIO

import orjson

from museumvqa.catalog.readers.fastjson import parse_exact
from museumvqa.errors import UserError

Rows = Generator[tuple[int, Any, str | None], None, Any]

_CHUNK = 1 << 16
_DECODER = json.JSONDecoder()
# How far ahead either reader may buffer to find the end of one record before leaving it to the stdlib.
_LOOKAHEAD = 1 << 20
# Failed learning tries or cuts after which a list is left to the stdlib (no quadratic rescans).
_MAX_MISSES = 8
# `}` + separator + the opening of an object up to its first key's colon (`{"objectID":`).
_BOUNDARY = re.compile(rb'\}([ \t\r\n]*,[ \t\r\n]*)(\{[ \t\r\n]*"[^"\\]*"[ \t\r\n]*:)')
_OBJECT_START = re.compile(r'\{[ \t\r\n]*"[^"\\]*"[ \t\r\n]*:')
_SEPARATOR = re.compile(r"[ \t\r\n]*,[ \t\r\n]*")
_WHITESPACE = b" \t\r\n"


def iter_list(path: Path, offset: int) -> Rows:
    """(position, record, error) for the elements of the list whose `[` ends `offset` bytes after the BOM (if any).

    Returns the text after the closing `]` and up to one more chunk, for the caller to check.
    """
    with path.open("rb") as f:
        bom = len(codecs.BOM_UTF8) if f.read(len(codecs.BOM_UTF8)) == codecs.BOM_UTF8 else 0
        f.seek(bom + offset)
        position, rest, eof = yield from _cut_batches(f)
        decoder = codecs.getincrementaldecoder("utf-8")()
        text = _Utf8Text(f, decoder)
        after = yield from _iter_array(path, text, decoder.decode(rest, final=eof), 0, position)
        return after + text.read(_CHUNK)


class _Utf8Text:
    """A binary file read on as UTF-8 text by a decoder that may hold the first bytes of a character."""

    def __init__(self, f: BinaryIO, decoder: codecs.IncrementalDecoder) -> None:
        self.f, self.decoder = f, decoder

    def read(self, size: int) -> str:
        while True:
            data = self.f.read(size)
            text = self.decoder.decode(data, final=not data)
            if text or not data:
                return text


def _cut_batches(f: BinaryIO) -> Generator[tuple[int, Any, None], None, tuple[int, bytes, bool]]:
    """Yield records while batches cut at the learnt boundary parse; return (next position, unread bytes, eof)."""
    buf = f.read(_CHUNK)
    eof = not buf
    pos = _skip_whitespace(buf, 0)
    position = 0
    boundary = None
    misses = 0
    while boundary is None:  # learn it from the first record: the first boundary match that orjson accepts
        if pos >= len(buf) or buf[pos] != ord("{") or misses >= _MAX_MISSES:
            return position, buf[pos:], eof
        for match in _BOUNDARY.finditer(buf, pos):
            try:
                record = parse_exact(buf[pos : match.start() + 1])
            except orjson.JSONDecodeError:
                misses += 1
                if misses >= _MAX_MISSES:
                    break
                continue
            yield position, record, None
            position += 1
            boundary, pos = match.group(), match.start(2)
            break
        else:
            if eof or len(buf) - pos >= _LOOKAHEAD:
                return position, buf[pos:], eof
            chunk = f.read(_CHUNK)
            buf, pos, eof = buf[pos:] + chunk, 0, not chunk
    record_start = boundary.index(b"{")  # where the next record begins in a boundary
    while True:
        cut = buf.rfind(boundary, pos)
        if cut < 0:
            if eof or len(buf) - pos >= _LOOKAHEAD:
                return position, buf[pos:], eof
            chunk = f.read(_CHUNK)
            buf, pos, eof = buf[pos:] + chunk, 0, not chunk
            continue
        try:
            records = parse_exact(b"[" + buf[pos : cut + 1] + b"]")
        except orjson.JSONDecodeError:
            return position, buf[pos:], eof
        for record in records:
            yield position, record, None
            position += 1
        pos = cut + record_start
        if not eof:
            chunk = f.read(_CHUNK)
            buf, pos, eof = buf[pos:] + chunk, 0, not chunk


def _skip_whitespace(buf: bytes, pos: int) -> int:
    while pos < len(buf) and buf[pos] in _WHITESPACE:
        pos += 1
    return pos


def _iter_array(path: Path, f: IO[str] | _Utf8Text, buf: str, pos: int, position: int = 0) -> Rows:
    """Stream the elements of a list from `pos` (after `[` or a record), numbering from `position`.

    Returns the text read after the closing ]. Fast path: the boundary text between two records is
    learnt after each stdlib record, the next record is cut at the next such boundary and parsed by
    orjson (exact when accepted, as above); anything else goes to the stdlib's raw_decode, until a
    cut has failed _MAX_MISSES times.
    """
    eof = False
    boundary = prefix = None  # e.g. '}, {"objectID":' and '{"objectID":'
    misses = 0
    while True:
        while True:  # skip separators, refilling as needed
            while pos < len(buf) and buf[pos] in " \t\r\n,":
                pos += 1
            if pos < len(buf) or eof:
                break
            buf, pos = f.read(_CHUNK), 0
            eof = not buf
        if pos >= len(buf):
            raise UserError(f"{path}: not valid JSON (truncated: the list is never closed)")
        if buf[pos] == "]":
            return buf[pos + 1 :]
        item = end = None
        if boundary is not None and buf.startswith(prefix, pos):
            cut = buf.find(boundary, pos)
            if cut < 0 and not eof and len(buf) - pos < _LOOKAHEAD:
                chunk = f.read(_CHUNK)
                buf, pos, eof = buf[pos:] + chunk, 0, not chunk
                continue
            if cut >= 0:
                try:
                    item, end = parse_exact(buf[pos : cut + 1].encode("utf-8", "surrogatepass")), cut + 1
                except orjson.JSONDecodeError:
                    pass
            if end is None:
                boundary = None
                misses += 1
        if end is None:
            try:
                item, end = _DECODER.raw_decode(buf, pos)
            except json.JSONDecodeError as e:
                chunk = "" if eof else f.read(_CHUNK)
                if not chunk:
                    raise UserError(f"{path}: not valid JSON (record {position}: {e.msg})") from None
                buf, pos = buf[pos:] + chunk, 0
                continue
            if end == len(buf) and not eof:  # a number may continue in the next chunk
                chunk = f.read(_CHUNK)
                if chunk:
                    buf, pos = buf[pos:] + chunk, 0
                    continue
                eof = True
            if (
                misses < _MAX_MISSES
                and buf[end - 1] == "}"
                and (gap := _SEPARATOR.match(buf, end))
                and (key := _OBJECT_START.match(buf, gap.end()))
            ):
                prefix = key.group()
                boundary = "}" + gap.group() + prefix
        yield position, item, None
        position += 1
        pos = end
        if pos > _CHUNK:
            buf, pos = buf[pos:], 0
