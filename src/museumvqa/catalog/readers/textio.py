"""Streaming readers shared by the JSON and CSV adapters: bounded memory, one-line errors."""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import orjson

from museumvqa.catalog.readers.fastjson import parse_exact
from museumvqa.catalog.readers.json_list import iter_list
from museumvqa.errors import UserError

_CHUNK = 1 << 16
_BOM = codecs.BOM_UTF8
_STR_SPACE_CONTROLS = b"\x1c\x1d\x1e\x1f"  # ASCII bytes that str.strip removes but bytes.strip keeps
# {"objects": [ or the Met API's {"total": N, "objects": [ : streamed like a plain list.
_WRAPPER = re.compile(r'\s*\{\s*(?:"total"\s*:\s*\d+\s*,\s*)?"objects"\s*:\s*\[')


def head_text(path: Path, size: int = 8192) -> str:
    """The first bytes of a file as text (BOM removed, undecodable bytes replaced): for format sniffing."""
    with path.open("rb") as f:
        raw = f.read(size)
    return raw.decode("utf-8-sig", errors="replace")


def sniff_encoding(path: Path) -> str:
    """utf-8-sig when the start of the file is UTF-8, else cp1252 / latin-1 (old museum exports)."""
    with path.open("rb") as f:
        raw = f.read(1 << 16)
    try:
        codecs.getincrementaldecoder("utf-8")().decode(raw, final=False)
        return "utf-8-sig"
    except UnicodeDecodeError:
        try:
            raw.decode("cp1252")
            return "cp1252"
        except UnicodeDecodeError:
            return "latin-1"


def open_text(path: Path, encoding: str = "utf-8-sig") -> IO[str]:
    try:
        return path.open(encoding=encoding, newline="")
    except OSError as e:
        raise UserError(f"{path}: cannot read ({e.strerror})") from None


def iter_json(path: Path) -> Iterator[tuple[int, Any, str | None]]:
    """(position, record, error) for a JSON list, an {"objects": [...]} wrapper, one object, or JSON Lines.

    Lists (also inside an {"objects": [...]} wrapper that opens the file) stream element by element;
    JSON Lines line by line, a broken line becoming an error record rather than stopping the file.
    Anything else (a wrapper with other keys first, one object) is read whole.
    """
    try:
        with open_text(path) as f:
            yield from _iter_json_stream(path, f)
    except UnicodeDecodeError as e:
        raise UserError(f"{path}: cannot read (not UTF-8 at byte {e.start})") from None


def _iter_json_stream(path: Path, f: IO[str]) -> Iterator[tuple[int, Any, str | None]]:
    buf = f.read(_CHUNK)
    start = buf.lstrip()
    if not start:
        raise UserError(f"{path}: empty file")
    if start[0] == "[":
        after = yield from iter_list(path, len(buf[: buf.index("[") + 1].encode("utf-8")))
        if after.strip():
            raise UserError(f"{path}: not valid JSON (more data after the list's closing ])")
        return
    wrapper = _WRAPPER.match(buf)
    if wrapper:
        yield from iter_list(path, len(buf[: wrapper.end()].encode("utf-8")))
        return
    if start[0] != "{":
        raise UserError(f"{path}: not valid JSON (starts with {start[0]!r})")
    first_line, newline, _ = buf.partition("\n")
    try:
        first = json.loads(first_line)
    except json.JSONDecodeError:
        first = None
    if isinstance(first, dict) and newline:
        yield from _iter_lines(path)
        return
    rest = buf + f.read()
    try:
        data = loads(rest)
    except json.JSONDecodeError as e:
        raise UserError(f"{path}: not valid JSON (line {e.lineno}: {e.msg})") from None
    if isinstance(data, dict) and isinstance(data.get("objects"), list):
        yield from ((n, item, None) for n, item in enumerate(data["objects"]))
    else:
        yield 0, data, None


def _iter_lines(path: Path) -> Iterator[tuple[int, Any, str | None]]:
    """(position, record, error) per JSON line, read as bytes; blank lines are those `str.strip` finds blank.

    orjson parses the UTF-8 bytes directly (decoding each line to text for orjson to encode it back
    was ~15% of a Tate record); only a line orjson refuses is decoded, for the stdlib to judge.
    """
    offset = 0
    position = 0
    with path.open("rb") as f:
        for line in f:
            start = offset
            offset += len(line)
            if start == 0 and line.startswith(_BOM):
                line = line[len(_BOM) :]
                start = len(_BOM)
            if _is_blank(line):
                continue
            try:
                yield position, parse_exact(line), None
            except orjson.JSONDecodeError:
                try:
                    text = line.decode("utf-8").removesuffix("\n")
                except UnicodeDecodeError as e:
                    raise UserError(f"{path}: cannot read (not UTF-8 at byte {start + e.start})") from None
                yield _parse_line(text, position)
            position += 1


def _is_blank(line: bytes) -> bool:
    """Whether the line is whitespace only, as `str.strip` sees it (Unicode spaces, \\x1c-\\x1f included)."""
    rest = line.lstrip()
    if not rest:
        return True
    if rest[0] < 0x80 and rest[0] not in _STR_SPACE_CONTROLS:
        return False
    return not line.decode("utf-8", "replace").strip()


def loads(text: str) -> Any:
    """json.loads, by orjson (3x faster) where it reads the text exactly as the stdlib does, else by the stdlib.

    The stdlib decides everything orjson refuses or would read differently (NaN, integers past 64
    bits, lone surrogate escapes, broken text), so results and error messages are the stdlib's.
    """
    try:
        return parse_exact(text.encode("utf-8", "surrogatepass"))
    except orjson.JSONDecodeError:
        return json.loads(text)


def _parse_line(line: str, position: int) -> tuple[int, Any, str | None]:
    """A line orjson refused, read by the stdlib (NaN, big integers) or named as an error."""
    try:
        return position, json.loads(line), None
    except json.JSONDecodeError as e:
        return position, None, f"not valid JSON ({e.msg} at column {e.colno})"
