"""Open-set recognition in `serve` and `ask`, on the real Met sample: the serving catalogue indexes 20
paintings (96-px shards); noise, a blank page, a 1x1 red PNG and sample paintings left out of it are "not
in this collection" (no record answer), while a cropped and turned photo of a catalogued painting is
still recognised. Through `serve` on loopback (conftest's `server`) and through `ask_museum`."""

from __future__ import annotations

import io
from pathlib import Path

import httpx
import numpy as np
import pytest
from PIL import Image

from museumvqa.errors import UserError
from museumvqa.images.fingerprint import MIN_PAIRS
from museumvqa.images.process import encode_jpeg, load_image, resize
from museumvqa.serving.answering import Responder, record_answer
from museumvqa.serving.ask import ask_museum
from museumvqa.serving.catalogue import CALIBRATED, Catalogue
from museumvqa.serving.labels import message
from museumvqa.serving.open_set import MARGIN, Scored, calibrate, choose_threshold
from museumvqa.settings import ServeConfig

QUESTION = "Who made this painting?"
NON_PHOTOS = {
    "noise": Image.fromarray(np.random.default_rng(0).integers(0, 256, (480, 640, 3), dtype=np.uint8)),
    "blank": Image.new("RGB", (640, 480), (255, 255, 255)),
    "solid red 1x1": Image.new("RGB", (1, 1), (255, 0, 0)),
}


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _cropped_and_turned(path: str) -> Image.Image:
    """A visitor's photo: the middle 75% of the painting, turned 8 degrees, the corners a grey wall."""
    image = load_image(path)
    w, h = image.size
    crop = image.crop((round(w * 0.1), round(h * 0.15), round(w * 0.85), round(h * 0.9)))
    return crop.rotate(8, Image.Resampling.BICUBIC, expand=True, fillcolor=(128, 128, 128))


def _ask(server: str, data: bytes, kind: str = "image/png", mode: str = "retrieval") -> dict:
    response = httpx.post(
        f"{server}/api/ask", files={"image": ("photo", data, kind)}, data={"question": QUESTION, "mode": mode}, timeout=60
    )
    assert response.status_code == 200, response.text
    return response.json()


def _named_makers(responder: Responder) -> list[str]:
    """Catalogued paintings whose record names the maker, in catalogue order."""
    exhibits = responder.catalogue.exhibits
    return [i for i in responder.catalogue.owners if record_answer(exhibits[i], "creator", "en", responder.glossary)]


@pytest.mark.parametrize("name", list(NON_PHOTOS))
def test_pictures_of_nothing_are_not_in_the_collection(server: str, name: str) -> None:
    body = _ask(server, _png(NON_PHOTOS[name]))
    assert (body["recognised"], body["exhibit"], body["answer"], body["answered_by"]) == (False, None, None, "nobody")
    assert (body["reason"], body["why"]) == ("not_in_collection", message("not_in_collection", "en"))


def test_paintings_left_out_of_the_catalogue_are_not_in_it(
    server: str, responder: Responder, met_records: list[dict], sample_dir: Path
) -> None:
    held = {Path(exhibit.primary_image().uri).name for exhibit in responder.catalogue.exhibits.values()}
    left_out = [r for r in met_records if f"{r['objectID']}.jpg" not in held]
    assert len(left_out) == len(met_records) - 20
    for record in left_out[::16]:  # 10 of the 154, across the sample
        body = _ask(server, (sample_dir / f"{record['objectID']}.jpg").read_bytes(), "image/jpeg")
        assert (body["recognised"], body["answered_by"]) == (False, "nobody"), record["objectID"]


def test_a_cropped_and_turned_photo_finds_its_exhibit(server: str, responder: Responder) -> None:
    exhibits = responder.catalogue.exhibits
    for exhibit_id in _named_makers(responder)[:5]:
        photo = _cropped_and_turned(exhibits[exhibit_id].primary_image().uri)
        body = _ask(server, encode_jpeg(photo, 85), "image/jpeg")
        assert body["recognised"] and body["exhibit"]["id"] == exhibit_id
        assert body["exhibit"]["inliers"] >= 2 * responder.catalogue.min_inliers  # well clear of the threshold
        assert (body["answered_by"], body["answer"]) == (
            "record", record_answer(exhibits[exhibit_id], "creator", "en", responder.glossary)
        )  # fmt: skip


def test_the_model_still_answers_an_unrecognised_photo_and_says_so(server: str, responder: Responder) -> None:
    body = _ask(server, _png(NON_PHOTOS["noise"]), mode="grounded")
    assert (body["recognised"], body["answered_by"], body["fields"]) == (False, "model", {})
    assert body["answer"] == responder.model.answer([NON_PHOTOS["noise"]], [QUESTION])[0]
    assert (body["reason"], body["why"]) == ("not_in_collection_model", message("not_in_collection_model", "en"))
    assert httpx.get(f"{server}/api/health").json()["min_inliers"] == CALIBRATED.min_inliers


def test_ask_museum_recognises_only_the_collection(serve_run: Path, responder: Responder, tmp_path: Path) -> None:
    red = tmp_path / "red.png"
    red.write_bytes(_png(NON_PHOTOS["solid red 1x1"]))
    reply = ask_museum(red, QUESTION, serve_run / "model", serve_run, mode="retrieval")
    assert (reply.match, reply.answer, reply.reason) == (None, None, "not_in_collection")
    exhibit_id = _named_makers(responder)[0]
    photo = tmp_path / "visit.jpg"
    photo.write_bytes(encode_jpeg(_cropped_and_turned(responder.catalogue.exhibits[exhibit_id].primary_image().uri)))
    reply = ask_museum(photo, QUESTION, serve_run / "model", serve_run, mode="retrieval")
    assert reply.match is not None and reply.match.exhibit_id == exhibit_id and reply.answered_by == "record"
    strict = ask_museum(photo, QUESTION, serve_run / "model", serve_run, mode="retrieval", min_inliers=10_000)
    assert (strict.match, strict.answered_by) == (None, "nobody")  # the setting overrides the calibrated threshold


def test_the_threshold_setting_is_checked(serve_run: Path) -> None:
    with pytest.raises(UserError, match="--min-inliers"):
        ServeConfig(min_inliers=0)
    assert ServeConfig().min_inliers is None and Catalogue.load(serve_run).min_inliers == CALIBRATED.min_inliers


def test_calibration_on_real_paintings_separates_them(met_records: list[dict], sample_dir: Path) -> None:
    originals = {str(r["objectID"]): load_image(sample_dir / f"{r['objectID']}.jpg") for r in met_records[:10]}
    stored = {key: (key, resize(image, 96)) for key, image in originals.items()}
    result = calibrate(stored, originals, views=1)
    negatives = [s for s in result.scored if not s.positive]
    kinds = {s.kind for s in negatives}
    assert {"painting not in the index", "noise", "blank", "1x1 pixel", "gradient"} <= kinds
    assert result.threshold.min_inliers >= MARGIN * max(s.inliers for s in negatives)
    assert result.threshold.precision == 1.0 and result.threshold.recall >= 0.8


def test_threshold_is_the_precise_one_with_a_margin_over_the_negatives() -> None:
    negatives = [Scored("painting", False, n, False) for n in (0, 3, 10)]
    positives = [Scored("photo", True, n, True) for n in (9, 40, 80, 120)]
    assert choose_threshold([*negatives, *positives]).min_inliers == 15  # 1.5 x the strongest negative
    wrong = Scored("photo", True, 30, False)  # a photo matched to the wrong painting, strongly
    chosen = choose_threshold([*negatives, *positives, wrong])
    assert (chosen.min_inliers, chosen.precision, chosen.recall) == (31, 1.0, 0.6)
    assert choose_threshold(positives).min_inliers == MIN_PAIRS  # nothing to refuse: the fit's own floor


def test_ask_command_takes_the_threshold(serve_run: Path, responder: Responder, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from museumvqa.cli import app

    exhibit_id = _named_makers(responder)[0]
    photo = tmp_path / "visit.jpg"
    photo.write_bytes(encode_jpeg(_cropped_and_turned(responder.catalogue.exhibits[exhibit_id].primary_image().uri)))
    base = ["ask", str(photo), QUESTION, "--model", str(serve_run / "model"), "--catalog", str(serve_run)]
    found = CliRunner().invoke(app, [*base, "--mode", "retrieval"])
    assert found.exit_code == 0, found.output
    library = ask_museum(photo, QUESTION, serve_run / "model", serve_run, mode="retrieval")
    assert library.answered_by == "record" and found.stdout.strip() == library.answer
    strict = CliRunner().invoke(app, [*base, "--mode", "retrieval", "--min-inliers", "10000"])
    assert strict.exit_code == 0 and strict.stdout.strip() != found.stdout.strip()
    assert CliRunner().invoke(app, [*base, "--min-inliers", "0"]).exit_code != 0
