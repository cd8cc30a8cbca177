"""The package's import structure: every module imports on its own, no modules import each other in a
circle, and finding the model families loads no torch (settings are checked before torch loads)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from import_graph import cycles, import_graph, module_names

SRC = Path(__file__).resolve().parents[2] / "src"


def fresh_python(code: str) -> dict:
    """Run `code` in a new interpreter; it prints one JSON object last."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_package_has_no_import_cycles_even_through_imports_inside_functions():
    assert cycles(import_graph(SRC, "museumvqa")) == []


def test_every_module_imports_in_a_fresh_interpreter():
    names = sorted(module_names(SRC, "museumvqa"))
    code = f"""
import importlib, json
failed = {{}}
for name in {names!r}:
    try:
        importlib.import_module(name)
    except Exception as e:
        failed[name] = repr(e)
print(json.dumps(failed))
"""
    assert fresh_python(code) == {}


def test_finding_the_families_imports_no_torch_or_transformers():
    code = """
import json, sys
from museumvqa.models.registry import families
names = list(families())
print(json.dumps({"names": names, "heavy": sorted({"torch", "transformers", "tokenizers"} & set(sys.modules))}))
"""
    assert fresh_python(code) == {"names": ["blip", "llava"], "heavy": []}
