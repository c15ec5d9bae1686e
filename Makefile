# memqa — two commands on a fresh machine: `make run` and `make test`.
VENV   ?= .venv
HOST   ?= 127.0.0.1
PORT   ?= 8000
PY     := $(VENV)/bin/python
MEMQA  := $(VENV)/bin/memqa
export HF_HUB_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: install index run test test-fast lint eval bench clean-index

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	# The CPU build of torch first, or pip pulls a multi-GB CUDA build.
	$(VENV)/bin/pip install -q torch==2.13.0
	$(VENV)/bin/pip install -q -e '.[dev]'
	touch $@

index/manifest.json: $(wildcard corpus/*.txt corpus/*.pdf corpus/*.json) | $(VENV)/.installed
	$(MEMQA) build

index: index/manifest.json

run: install index     # make run PORT=8080 HOST=0.0.0.0
	$(MEMQA) serve --host $(HOST) --port $(PORT)

test: install
	$(PY) -m pytest

test-fast: install
	$(PY) -m pytest -m "not slow and not browser"

lint: install
	$(VENV)/bin/ruff check src api tests eval

eval: install index
	$(MEMQA) eval

bench: install index
	$(PY) eval/bench_query.py
	$(PY) eval/bench_http.py

clean-index:
	rm -rf index/*
