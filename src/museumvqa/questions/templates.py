"""Question templates as reviewable data files (`templates/<lang>.yaml`)."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml

from museumvqa.errors import UserError

_TEMPLATE_DIR = resources.files("museumvqa.questions") / "templates"


@dataclass(frozen=True)
class Template:
    id: str
    category: str
    visual: bool
    text: str
    language: str


def available_languages() -> list[str]:
    return sorted(p.name.removesuffix(".yaml") for p in _TEMPLATE_DIR.iterdir() if p.name.endswith(".yaml"))


def load_templates(language: str, path: str | Path | None = None) -> list[Template]:
    """Templates of one language, from the shipped file or a curator's own YAML file."""
    source = Path(path) if path else _TEMPLATE_DIR / f"{language}.yaml"
    if not source.is_file():
        raise UserError(
            f"no question templates for language {language!r}; available: {', '.join(available_languages())}"
        )
    try:
        doc = yaml.safe_load(source.read_text(encoding="utf-8"))
        templates = [Template(language=doc["language"], **t) for t in doc["templates"]]
    except (yaml.YAMLError, KeyError, TypeError) as e:
        raise UserError(f"{source}: invalid template file ({e})") from None
    ids = [t.id for t in templates]
    if len(ids) != len(set(ids)):
        raise UserError(f"{source}: duplicate template ids")
    return templates
