"""Property tests: no input file, however broken, crashes ingest; each problem is a reject or a one-line error."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from catalog_helpers import FIXTURES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from museumvqa.catalog.adapters import make_adapter
from museumvqa.catalog.ingest import ingest
from museumvqa.errors import UserError

FUZZ = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TATE_RECORD = {"acno": "T1", "title": "Sea", "contributors": [{"fc": "A", "id": 1, "role": "artist"}]}


def _met_json() -> bytes:
    from museumvqa.sample import met_sample_dir

    objects = json.loads((met_sample_dir() / "objects.json").read_text())["objects"][:3]
    return json.dumps({"objects": objects}, ensure_ascii=False).encode()


SEEDS = {
    "met-api": (".json", _met_json()),
    "met-csv": (".csv", (FIXTURES / "met_objects.csv").read_bytes()),
    "tate": (".jsonl", (json.dumps(TATE_RECORD) + "\n" + json.dumps({**TATE_RECORD, "acno": "T2"}) + "\n").encode()),
    "lido": (".xml", (FIXTURES / "lido_1_0_wrap.xml").read_bytes()),
}


def _survives(fmt: str, content: bytes) -> None:
    """Ingest either accounts for every record or stops with a one-line UserError naming the file."""
    suffix = SEEDS[fmt][0]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"input{suffix}"
        path.write_bytes(content)
        try:
            stats = ingest([path], Path(tmp) / "run", make_adapter(fmt), progress=False)
        except UserError as e:
            assert "\n" not in str(e) and str(path) in str(e)
            return
        assert stats.exhibits + stats.rejects == stats.records


def _mutate(seed: bytes, cut: int, insert: bytes, where: int, encoding: str | None, bom: bool) -> bytes:
    content = seed[: max(1, cut % (len(seed) + 1))] if cut else seed
    where %= len(content) + 1
    content = content[:where] + insert + content[where:]
    if encoding:
        content = content.decode("utf-8", errors="replace").encode(encoding, errors="replace")
    return (b"\xef\xbb\xbf" if bom else b"") + content


mutations = st.tuples(
    st.integers(min_value=0, max_value=100_000),
    st.binary(max_size=40) | st.sampled_from([b"\xff\xfe", b"\x00", b"]]>", b"</lido:lido>", b'"', b"\n,\n", b"}{"]),
    st.integers(min_value=0, max_value=100_000),
    st.sampled_from([None, None, "latin-1", "utf-16"]),
    st.booleans(),
)


@pytest.mark.parametrize("fmt", sorted(SEEDS))
@FUZZ
@given(mutation=mutations)
def test_mutated_files_never_crash(fmt: str, mutation: tuple) -> None:
    _survives(fmt, _mutate(SEEDS[fmt][1], *mutation))


@pytest.mark.parametrize("fmt", sorted(SEEDS))
@FUZZ
@given(content=st.binary(max_size=300))
def test_random_bytes_never_crash(fmt: str, content: bytes) -> None:
    _survives(fmt, content)


@pytest.mark.parametrize("fmt", sorted(SEEDS))
def test_empty_file_is_one_line_error(fmt: str) -> None:
    _survives(fmt, b"")


@pytest.mark.parametrize("fmt", sorted(SEEDS))
@settings(max_examples=5, deadline=None)
@given(size=st.integers(min_value=200_000, max_value=3_000_000))
def test_huge_field_is_kept_or_rejected(fmt: str, size: int) -> None:
    big = "x" * size
    seed = SEEDS[fmt][1].decode("utf-8")
    content = seed.replace("Irises" if fmt == "met-csv" else "Sea" if fmt == "tate" else "Amphora", big, 1)
    if fmt == "met-api":
        content = seed.replace('"title": "', f'"title": "{big}', 1)
    _survives(fmt, content.encode("utf-8"))


@FUZZ
@given(
    records=st.lists(
        st.dictionaries(
            st.sampled_from(
                ["acno", "title", "contributors", "additionalImages", "subjects", "dateRange", "acquisitionYear"]
            ),
            st.recursive(
                st.none() | st.integers() | st.text(max_size=20),
                lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=8), c, max_size=3),
                max_leaves=8,
            ),
        ),
        max_size=5,
    )
)
def test_tate_records_of_any_shape(records: list[dict]) -> None:
    """Well-formed JSON whose fields have the wrong types: rejects, never a crash."""
    _survives("tate", "".join(json.dumps(r) + "\n" for r in records).encode() or b"\n")
