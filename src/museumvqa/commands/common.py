"""Option types shared by several commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

Overrides = Annotated[
    list[str] | None, typer.Option("--set", help="Override a config key: --set key=value (repeatable).")
]
ConfigFile = Annotated[Path | None, typer.Option("--config", help="YAML config file; unknown keys are an error.")]
Quiet = Annotated[bool, typer.Option("--quiet", help="No progress bars.")]
