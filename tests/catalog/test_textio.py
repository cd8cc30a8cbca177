"""The streaming JSON reader: lists across chunk boundaries, wrappers, JSON Lines with a broken line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from museumvqa.catalog.adapters.textio import iter_json
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
