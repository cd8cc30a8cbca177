import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from museumvqa.catalog.adapters.met_api import MetApiAdapter
from museumvqa.catalog.ingest import ALLOW_REJECTS, ingest
from museumvqa.catalog.schema import EXHIBIT_SCHEMA, exhibit_from_row, exhibit_to_row
from museumvqa.errors import UserError
from museumvqa.io import read_parquet_dir


def _exhibits(run: Path) -> dict:
    return {r["exhibit_id"]: exhibit_from_row(r) for r in read_parquet_dir(run / "exhibits").to_pylist()}


def test_sample_ingests_every_painting(ingested_sample: Path, met_records: list[dict]) -> None:
    exhibits = _exhibits(ingested_sample)
    assert len(exhibits) == len(met_records) == 174
    assert read_parquet_dir(ingested_sample / "rejects").num_rows == 0
    manifest = json.loads((ingested_sample / "catalog_manifest.json").read_text())
    assert manifest["records"] == 174 and manifest["exhibits"] == 174 and len(manifest["inputs"][0]["sha256"]) == 64
    assert pq.read_schema(ingested_sample / "exhibits" / "part-00000.parquet").equals(EXHIBIT_SCHEMA)


def test_sample_record_maps_to_schema(ingested_sample: Path, met_records: list[dict], sample_dir: Path) -> None:
    source = next(o for o in met_records if o["objectID"] == 36029)
    ex = _exhibits(ingested_sample)[f"met:{source['accessionNumber']}"]
    assert ex.museum == "met" and ex.licence == "CC0-1.0"
    assert ex.values("title") == ["Water-moon Avalokiteshvara"]
    assert ex.values("culture") == ["Korea"]
    assert ex.values("object_type") == ["Hanging scroll"]
    assert ex.values("department") == ["Asian Art"]
    assert (ex.date_begin, ex.date_end) == (1300, 1349)
    assert ex.values("acquisition_year") == ["1914"]
    assert "Buddhism" in ex.values("subject")
    assert ex.images[0].role == "primary" and ex.images[0].uri == str((sample_dir / "36029.jpg").resolve())
    assert [i.view for i in ex.images[1:]] == [f"additional view {n}" for n in range(1, 5)]
    assert ex.people[0].person_id == "37502"
    # unknown is absent, never the empty string
    assert "inscription" not in ex.attributes and ex.rights is None


def test_artist_becomes_linked_person(ingested_sample: Path, met_records: list[dict]) -> None:
    source = next(o for o in met_records if o["artistDisplayName"] == "Vincent van Gogh")
    ex = _exhibits(ingested_sample)[f"met:{source['accessionNumber']}"]
    person = next(p for p in ex.people if p.name == "Vincent van Gogh")
    assert (person.birth_year, person.death_year, person.nationality) == (1853, 1890, "Dutch")
    assert ex.attributes["creator"][0].role == "Artist"


def test_row_round_trip(ingested_sample: Path) -> None:
    for ex in list(_exhibits(ingested_sample).values())[:20]:
        assert exhibit_from_row(exhibit_to_row(ex)) == ex


def test_bad_records_are_rejected_with_reasons(tmp_path: Path, met_records: list[dict]) -> None:
    good = met_records[0]
    no_id = {k: v for k, v in met_records[1].items() if k not in ("accessionNumber", "objectID")}
    records = [good, no_id, "not an object", dict(good)]  # the last duplicates the first
    path = tmp_path / "objects.json"
    path.write_text(json.dumps({"objects": records}))
    stats = ingest([path], tmp_path / "run", MetApiAdapter(), progress=False, guard=ALLOW_REJECTS)
    assert (stats.records, stats.exhibits, stats.rejects) == (4, 1, 3)
    rejects = read_parquet_dir(tmp_path / "run" / "rejects").to_pylist()
    assert [r["position"] for r in rejects] == [1, 2, 3]
    assert "neither accessionNumber nor objectID" in rejects[0]["reason"]
    assert "not an object" in rejects[1]["reason"]
    assert rejects[2]["field"] == "exhibit_id" and "duplicate" in rejects[2]["reason"]


def test_json_lines_and_plain_list_read_alike(tmp_path: Path, met_records: list[dict]) -> None:
    (tmp_path / "a.jsonl").write_text("\n".join(json.dumps(o) for o in met_records[:5]) + "\n")
    (tmp_path / "b.json").write_text(json.dumps(met_records[:5]))
    a = ingest([tmp_path / "a.jsonl"], tmp_path / "ra", MetApiAdapter(), progress=False, guard=ALLOW_REJECTS)
    b = ingest([tmp_path / "b.json"], tmp_path / "rb", MetApiAdapter(), progress=False, guard=ALLOW_REJECTS)
    assert a.exhibits == b.exhibits == 5


@pytest.mark.parametrize(
    "content, message",
    [(b"", "empty file"), (b'{"objects": [1, 2', "not valid JSON"), (b"\xff\xfe\x00garbage", "cannot read")],
)
def test_unreadable_input_is_a_one_line_error(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "objects.json"
    path.write_bytes(content)
    with pytest.raises(UserError, match=message) as error:
        ingest([path], tmp_path / "run", MetApiAdapter(), progress=False, guard=ALLOW_REJECTS)
    assert "\n" not in str(error.value) and str(path) in str(error.value)


def test_missing_input_file(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no such file"):
        ingest([tmp_path / "nope.json"], tmp_path / "run", MetApiAdapter(), progress=False, guard=ALLOW_REJECTS)
