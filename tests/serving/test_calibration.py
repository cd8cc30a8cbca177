"""`museumvqa calibrate`: the recognition threshold measured on a museum's own catalogue, saved beside it
and used by `serve` and `ask`; a catalogue whose exhibits share one photograph cannot be calibrated, and
says which exhibits are confused."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from museumvqa.catalog.adapters.met_api import MetApiAdapter
from museumvqa.catalog.ingest import ingest
from museumvqa.cli import app
from museumvqa.errors import UserError
from museumvqa.images.shards import build_shards
from museumvqa.serving.calibration import calibrate_catalogue
from museumvqa.serving.catalogue import CALIBRATED, Catalogue
from museumvqa.settings import ShardsConfig

pytestmark = pytest.mark.slow


def _catalogue_copy(serve_run: Path, to: Path) -> Path:
    for part in ("exhibits", "shards"):
        shutil.copytree(serve_run / part, to / part)
    return to


def test_calibrate_saves_the_catalogues_threshold_and_serve_uses_it(serve_run: Path, tmp_path: Path) -> None:
    run = _catalogue_copy(serve_run, tmp_path / "museum")
    assert Catalogue.load(run).min_inliers == CALIBRATED.min_inliers  # nothing saved yet: the sample's
    result = CliRunner().invoke(app, ["calibrate", str(run), "--views", "1"])
    assert result.exit_code == 0, result.output
    saved = json.loads((run / "open_set.json").read_text())
    assert saved["min_inliers"] >= 8 and saved["precision"] >= 0.99 and saved["recall"] > 0.5
    assert "20 images of 20 exhibits" in saved["measured_on"]
    assert f"min_inliers {saved['min_inliers']}:" in result.output and "open_set.json" in result.output
    assert Catalogue.load(run).min_inliers == saved["min_inliers"]
    assert Catalogue.load(run, min_inliers=500).min_inliers == 500  # an explicit setting still wins
    (run / "open_set.json").write_text('{"min_inliers": "many"}')
    with pytest.raises(UserError, match=r"open_set.json: not a saved recognition threshold .*calibrate"):
        Catalogue.load(run)


def test_exhibits_sharing_one_photograph_cannot_be_calibrated(
    tmp_path: Path, sample_dir: Path, met_records: list[dict]
) -> None:
    """Four records photographed identically (one picture for all: a series shot on one table): a held-out
    one is 'recognised' as its twin as strongly as any photo of the twin, so no threshold is precise."""
    records = met_records[:4]
    images = tmp_path / "images"
    images.mkdir()
    for record in records:
        shutil.copy(sample_dir / f"{records[0]['objectID']}.jpg", images / f"{record['objectID']}.jpg")
    (tmp_path / "objects.json").write_text(json.dumps({"total": 4, "objects": records}))
    run = tmp_path / "run"
    ingest([tmp_path / "objects.json"], run, MetApiAdapter(images), progress=False)
    build_shards(run / "exhibits", run / "shards", ShardsConfig(image_size=96), progress=False)
    ids = {f"met:{r['accessionNumber']}" for r in records}
    with pytest.raises(UserError, match=r"no threshold recognises visitor photos .* -> .*matches") as error:
        calibrate_catalogue(run, views=1, progress=False)
    named = str(error.value).split("the strongest ")[1]
    assert sum(i in named for i in ids) >= 2, named
    assert not (run / "open_set.json").exists()
