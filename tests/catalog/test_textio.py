"""The streaming JSON reader: lists across chunk boundaries, wrappers, JSON Lines with a broken line."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from museumvqa.catalog.readers.textio import iter_json
from museumvqa.errors import UserError

RECORDS = [{"id": n, "text": "é" * (n * 20_000), "n": 10**n} for n in range(8)]  # some span the 64 KiB chunks


@pytest.mark.parametrize(
    "text",
    [
        json.dumps(RECORDS),
        json.dumps(RECORDS, indent=2),
        json.dumps({"objects": RECORDS}),
        json.dumps({"total": 8, "objects": RECORDS}, indent=4),
        json.dumps({"objects": RECORDS, "total": 8}),  # other key order: read whole
        "\n".join(json.dumps(r) for r in RECORDS) + "\n",
    ],
)
def test_every_layout_yields_the_same_records(tmp_path: Path, text: str) -> None:
    path = tmp_path / "x.json"
    path.write_text(text, encoding="utf-8")
    assert [(pos, rec) for pos, rec, _ in iter_json(path)] == list(enumerate(RECORDS))


def test_broken_json_line_is_an_error_record_not_a_stop(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text('{"a": 1}\n{"a": \n\n{"a": 3}')
    rows = list(iter_json(path))
    assert [(p, r) for p, r, _ in rows] == [(0, {"a": 1}), (1, None), (2, {"a": 3})]
    assert "not valid JSON" in rows[1][2]


def test_unclosed_list_is_a_one_line_error(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text(json.dumps(RECORDS[:2])[:-1])
    with pytest.raises(UserError, match="truncated"):
        list(iter_json(path))


def test_data_after_the_list_is_not_silently_dropped(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text("[1, 2]\n[3]\n")
    with pytest.raises(UserError, match="more data after the list"):
        list(iter_json(path))


# Values that make the orjson fast paths fall back: NaN/Infinity, integers past 64 bits, a lone surrogate
# escape, and text that holds the record boundary the list reader cuts at.
# Integers past 64 bits orjson reads as floats (2**64 + 1 and -2**63 - 1 are not floats exactly).
ODD = [
    "NaN",
    "Infinity",
    "-Infinity",
    str(2**70),
    str(2**64 + 1),
    str(-(2**63) - 1),
    '"12345678901234567890"',
    '"\\ud800"',
    '"}, {\\"objectID\\": 1"',
    '"a}, {\\"objectID\\":"',
]
LEAF = st.one_of(
    st.text(max_size=20),
    st.sampled_from(["}, {", '"objectID"', "\\", "]", "é"]),
    st.integers() | st.sampled_from([2**64 + 1, -(2**63) - 1, 10**30]),
    st.floats(allow_nan=False),
    st.booleans(),
    st.none(),
)
RECORD = st.dictionaries(
    st.sampled_from(["objectID", "title", "tags", "n"]),
    st.recursive(
        LEAF, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_size=4,
)


def _read(tmp: Path, text: str) -> list:
    path = tmp / "x.json"
    path.write_text(text, encoding="utf-8")
    return [record for _, record, _ in iter_json(path)]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(RECORD, max_size=6),
    st.sampled_from([None, 1]),
    st.sampled_from([(", ", ": "), (",", ":"), ("\n,", " : ")]),
)
def test_streamed_list_reads_like_json_loads(records: list[dict], indent: int | None, separators: tuple) -> None:
    """The learnt-boundary orjson path and the stdlib path agree with json.loads on any list."""
    text = json.dumps(records, indent=indent, separators=separators, ensure_ascii=False)
    with tempfile.TemporaryDirectory() as tmp:
        assert _read(Path(tmp), text) == json.loads(text)
        assert _read(Path(tmp), f'{{"objects": {text}}}') == json.loads(text)


@pytest.mark.parametrize("odd", ODD)
def test_values_orjson_refuses_read_like_the_stdlib(tmp_path: Path, odd: str) -> None:
    records = [f'{{"objectID": {n}, "x": {odd if n == 2 else 0}}}' for n in range(5)]
    as_list = "[" + ", ".join(records) + "]"
    assert _read(tmp_path, as_list) == json.loads(as_list)
    assert _read(tmp_path, "\n".join(records)) == [json.loads(r) for r in records]


def test_boundary_text_inside_a_record_is_not_a_cut(tmp_path: Path) -> None:
    records = [{"objectID": 1, "t": 'x"}, {"objectID": 2'}, {"objectID": 2, "t": "}, {"}, {"objectID": 3}] * 3
    text = json.dumps(records)
    assert _read(tmp_path, text) == records
    truncated = text[: text.index('"t": "}, {"')]
    with pytest.raises(UserError, match="not valid JSON"):
        _read(tmp_path, truncated)


def test_mixed_separators_read_like_json_loads(tmp_path: Path) -> None:
    """Boundaries that keep changing: every cut misses, the stdlib reads them, the fast path gives up."""
    records = [json.dumps({"objectID": n, "t": "x" * n}) for n in range(40)]
    text = "[" + "".join(r + (",\n " if n % 3 else ", ") for n, r in enumerate(records[:-1])) + records[-1] + "]"
    assert _read(tmp_path, text) == json.loads(text)


def _lines_as_text(text: str) -> list[tuple[int, object, str | None]]:
    """JSON Lines by definition: text lines, blank when `str.strip` empties them, each one json.loads or an error."""
    rows = []
    for line in (line for line in text.split("\n") if line.strip()):
        try:
            rows.append((len(rows), json.loads(line), None))
        except json.JSONDecodeError as e:
            rows.append((len(rows), None, f"not valid JSON ({e.msg} at column {e.colno})"))
    return rows


LINE = st.one_of(
    RECORD.map(lambda r: json.dumps(r, ensure_ascii=False)),
    st.sampled_from(["", " ", "\r", "\t\x1c", "\x1f", "\xa0", "\u2028", "\u3000 ", "\x85", '{"a": ', "[1,", "NaN"]),
    st.sampled_from(ODD).map(lambda odd: f'{{"x": {odd}}}'),
    st.text(max_size=8),
)


@settings(max_examples=80, deadline=None)
@given(st.lists(LINE, max_size=8), st.booleans(), st.sampled_from(["\n", "\r\n"]))
def test_json_lines_read_like_their_text(lines: list[str], bom: bool, newline: str) -> None:
    """The bytes reader finds the same lines, blank lines, records and errors as the text definition."""
    text = newline.join(['{"first": 1}', *lines])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.jsonl"
        path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
        assert list(iter_json(path)) == _lines_as_text(text)


def test_json_line_that_is_not_utf8_names_its_byte(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_bytes(b'{"a": 1}\n' * 20_000 + b'{"a": "\xff"}\n')
    with pytest.raises(UserError, match="not UTF-8 at byte 180007"):
        list(iter_json(path))


def _big_list(odd_at: int | None, odd: str = "NaN", n: int = 300) -> str:
    """Records of multi-byte text (chunk edges fall inside characters), one optionally with a value orjson refuses."""
    records = [
        f'{{"objectID": {i}, "t": {json.dumps("é€𝄞" * (i % 97), ensure_ascii=False)}, '
        f'"c": [{{"objectID": 0}}, {{"x": {odd if i == odd_at else i}}}]}}'
        for i in range(n)
    ]
    return "[\n" + "\n,".join(records) + "\n]\n"


@pytest.mark.parametrize("odd_at", [None, 0, 1, 2, 150, 299])
def test_long_list_with_a_refused_value_anywhere_reads_like_json_loads(tmp_path: Path, odd_at: int | None) -> None:
    """The batch reader hands the rest to the stdlib reader mid-file, mid-character, and numbering goes on."""
    text = _big_list(odd_at)
    path = tmp_path / "x.json"
    path.write_text(text, encoding="utf-8")
    rows = list(iter_json(path))
    assert [record for _, record, _ in rows] == json.loads(text)
    assert [position for position, _, _ in rows] == list(range(300))


def test_batches_parse_many_records_per_call(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import orjson

    calls = []
    real = orjson.loads
    monkeypatch.setattr(orjson, "loads", lambda data: calls.append(1) or real(data))
    path = tmp_path / "x.json"
    path.write_text(_big_list(None), encoding="utf-8")
    assert len(list(iter_json(path))) == 300
    assert len(calls) < 30  # ~100 KB in 64 KiB chunks: a handful of batches, not 300 parses


@pytest.mark.parametrize("wrap", [False, True])
def test_list_after_a_bom_and_in_a_wrapper(tmp_path: Path, wrap: bool) -> None:
    text = _big_list(None, n=50)
    if wrap:
        text = f'{{"total": 50, "objects": {text}}}'
    path = tmp_path / "x.json"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert [record for _, record, _ in iter_json(path)] == json.loads(_big_list(None, n=50))


@pytest.mark.parametrize("where", [0.1, 0.6, 0.999])
def test_list_with_bytes_that_are_not_utf8_is_a_one_line_error(tmp_path: Path, where: float) -> None:
    data = _big_list(None).encode("utf-8")
    cut = data.index(b'"t"', int(len(data) * where))
    path = tmp_path / "x.json"
    path.write_bytes(data[:cut] + b'"bad": "\xff", ' + data[cut:])
    with pytest.raises(UserError, match="not UTF-8"):
        list(iter_json(path))


@pytest.mark.parametrize("where", [0.3, 0.9])
def test_truncated_long_list_is_a_one_line_error(tmp_path: Path, where: float) -> None:
    data = _big_list(None).encode("utf-8")
    path = tmp_path / "x.json"
    path.write_bytes(data[: int(len(data) * where)].decode("utf-8", "ignore").encode("utf-8"))
    with pytest.raises(UserError, match="not valid JSON"):
        list(iter_json(path))
