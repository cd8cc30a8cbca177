"""Every registered model family keeps the same contract: it builds a tiny model offline, collates and
trains through the real training run, saves safetensors that the registry reloads as the same family,
and answers greedily with answers that do not depend on the batch.

A toy family declared and registered here, in the test alone (BLIP's pieces under another name and
model type), passes the same tests: a new family needs one new module and no edit elsewhere.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch
from tiny_training import TINY, train_tiny, two_examples
from transformers import BlipConfig, BlipForQuestionAnswering, BlipProcessor

from museumvqa.errors import UserError
from museumvqa.models import registry
from museumvqa.models.blip import BLIP, BlipAnswerer, new_tiny_blip
from museumvqa.models.family import FamilySpec
from museumvqa.models.registry import families, family, load_answerer, load_pretrained, model_family, register_family
from museumvqa.training.config import FREEZABLE, LoraSettings, TrainConfig
from museumvqa.training.lora import apply_lora
from museumvqa.training.model_setup import build_model
from museumvqa.training.run import SUMMARY_NAME, TrainResult


class ToyConfig(BlipConfig):
    model_type = "toy_blip"


class ToyModel(BlipForQuestionAnswering):
    config_class = ToyConfig


class ToyAnswerer(BlipAnswerer):
    family = "toy"


def new_tiny_toy(image_size: int, seed: int, hidden: int, layers: int, heads: int) -> tuple[ToyModel, BlipProcessor]:
    blip, processor = new_tiny_blip(image_size, seed, hidden, layers, heads)
    c = blip.config
    config = ToyConfig(
        text_config=c.text_config.to_dict(),
        vision_config=c.vision_config.to_dict(),
        projection_dim=c.projection_dim,
        image_text_hidden_size=c.image_text_hidden_size,
    )
    torch.manual_seed(seed)
    return ToyModel(config), processor


def load_toy(model: str | Path) -> tuple[ToyModel, BlipProcessor]:
    return load_pretrained(model, ToyModel, BlipProcessor, "toy")


TOY = dataclasses.replace(
    BLIP, name="toy", label="Toy", model_types=("toy_blip",), load=load_toy, new_tiny=new_tiny_toy, answerer=ToyAnswerer
)
NAMES = [*families(), TOY.name]


@pytest.fixture(scope="module", autouse=True)
def toy_registered() -> Iterator[None]:
    """The toy family is known while this module's tests run, and forgotten after them."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(registry, "_SPECS", dict(families()))
        register_family(TOY)
        yield


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> dict[str, TrainResult]:
    """Each family's tiny model trained by `museumvqa train`'s code until its two examples get their own answers."""
    return {name: train_tiny(name, tmp_path_factory.mktemp(name) / "model") for name in NAMES}


def test_an_unknown_family_is_a_one_line_user_error_naming_the_known_ones():
    with pytest.raises(UserError, match=r"^unknown model family 'gpt' \(known: blip, llava, toy\)$"):
        family("gpt")


def test_a_taken_name_or_model_type_cannot_be_registered_again():
    with pytest.raises(ValueError, match="already registered"):
        register_family(dataclasses.replace(TOY, model_types=("other",)))
    with pytest.raises(ValueError, match="'blip' already belongs"):
        register_family(dataclasses.replace(TOY, name="toy2", model_types=("blip",)))


@pytest.mark.parametrize("name", NAMES)
def test_spec_is_consistent_with_its_tiny_model(name):
    spec = family(name)
    assert isinstance(spec, FamilySpec) and spec.name == name and spec.answerer.family == name
    assert set(spec.parts) <= set(FREEZABLE)
    model, _ = spec.new_tiny(TINY.image_size, 0, TINY.hidden, TINY.layers, TINY.heads)
    names = [n for n, _ in model.named_parameters()]
    assert all(any(n.startswith(spec.parts[part]) for n in names) for part in spec.parts)
    assert model.config.model_type in spec.model_types
    adapted = apply_lora(model, LoraSettings(enabled=True, r=2), name)  # every default target matches a layer
    scope = re.compile(spec.lora_scope)
    lora = [n for n, p in adapted.named_parameters() if p.requires_grad and "lora_" in n]
    assert lora and all(scope.search(n) for n in lora)
    assert all(any(m in n for n, _ in adapted.named_parameters()) for m in spec.fully_trained)


@pytest.mark.parametrize("name", NAMES)
def test_each_freezable_part_stops_learning_alone(name):
    for part in family(name).parts:
        model, _ = build_model(TrainConfig(family=name, tiny=TINY, freeze=[part]))
        frozen = [n for n, p in model.named_parameters() if not p.requires_grad]
        assert frozen and all(n.startswith(family(name).parts[part]) for n in frozen)


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_training_run_collates_learns_and_saves_safetensors(name, trained):
    result = trained[name]
    assert result.steps == 60 and result.epoch_losses[-1] < result.epoch_losses[0] / 10
    assert result.preflight["label_share"] > 0
    assert (result.out_dir / "model.safetensors").is_file()
    assert json.loads((result.out_dir / SUMMARY_NAME).read_text())["family"] == name
    assert result.eval_history[-1]["exact_match"] == 100.0  # validation answered through the family's answerer


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_saved_model_reloads_as_its_family_with_the_same_answers(name, trained):
    examples, images = two_examples()
    out = trained[name].out_dir
    assert model_family(out) == name
    reloaded = load_answerer(out, batch_size=4)
    assert type(reloaded) is family(name).answerer
    pictures, questions = [images[e.image_key] for e in examples], [e.question for e in examples]
    model, processor = family(name).load(out)
    assert reloaded.answer(pictures, questions) == family(name).answerer(model, processor).answer(pictures, questions)


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_greedy_answers_depend_on_the_input_but_not_on_the_batch(name, trained):
    examples, images = two_examples()
    answerer = load_answerer(trained[name].out_dir, batch_size=1)
    pictures, questions = [images[e.image_key] for e in examples], [e.question for e in examples]
    one = answerer.answer(pictures, questions)
    assert one == [e.answer for e in examples]  # different answers, so the comparisons below can fail
    answerer.batch_size = 2
    assert answerer.answer(pictures, questions) == one
    assert answerer.answer(pictures[::-1], questions[::-1]) == one[::-1]
    assert answerer.answer(pictures[1:], questions[1:]) == one[1:]
    assert answerer.prompt(questions[0]).count(questions[0]) == 1
