# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TORCH_VERSION ?= 2.13.0

.PHONY: demo test install clean

$(BIN)/museumvqa: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# torch first, pinned to the CPU wheel, so the loose `torch>=2.4` below keeps it
	$(BIN)/python -c "import torch" 2>/dev/null || $(BIN)/python -m pip install --quiet torch==$(TORCH_VERSION)
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(BIN)/museumvqa

install: $(BIN)/museumvqa

demo: install
	$(BIN)/museumvqa demo --out runs/demo

test: install
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) runs
