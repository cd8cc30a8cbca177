"""Option types shared by several commands, and the one way a command turns its options into settings."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from museumvqa.config import field_default, field_help, load_config

T = TypeVar("T")

Overrides = Annotated[
    list[str] | None, typer.Option("--set", help="Override a setting: --set key=value, nested.key=value (repeatable).")
]
ConfigFile = Annotated[Path | None, typer.Option("--config", help="YAML settings file; unknown keys are an error.")]
Quiet = Annotated[bool, typer.Option("--quiet", help="No progress bars.")]


def option(cls: type, name: str, *flags: str, help: str | None = None, **extra: Any) -> Any:
    """A typer option for setting `name` of `cls`: not given is None, so the settings' own value stays.

    Its help is the field's (`help` only for settings classes outside `museumvqa.settings`), with the default."""
    default = field_default(cls, name)
    if isinstance(default, (list, tuple)):
        default = ",".join(default)
    shown = f" [default: {default}]" if default not in (None, False, "") else ""
    return typer.Option(*flags, help=(help or field_help(cls, name)) + shown, show_default=False, **extra)


def load_settings(cls: type[T], config: Path | None, overrides: Sequence[str] | None, **options: Any) -> T:
    """Defaults < --config file < the command's own options (None = not given) < --set."""
    return load_config(cls, config, overrides or [], options)


def split(text: str | None) -> list[str] | None:
    """'a, b,c' -> ['a', 'b', 'c']; None when not given (or empty)."""
    return [part.strip() for part in text.split(",") if part.strip()] if text else None
