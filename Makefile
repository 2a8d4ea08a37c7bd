# Two commands for a fresh Debian/Ubuntu machine with Python 3.11+:
#   make build   set up .venv and build dist/ (deck .apkg, .tsv, and the .ankiaddon)
#   make test    set up .venv with the test tools and run the whole suite (real Anki under Xvfb)
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check --quiet

.PHONY: build check test bench fuzz clean

# Bytecode for the build's own modules, as an installed tool has it from pip: Python would not write it
# itself where PYTHONDONTWRITEBYTECODE is set (about 25 ms of every build.py run). Only changed files.
BYTECODE := $(PY) -m compileall -q build.py builder addon

build: $(VENV)/.build-deps
	$(BYTECODE)
	$(PY) build.py

check: $(VENV)/.build-deps
	$(PY) build.py check

test: $(VENV)/.test-deps
	bash scripts/system-deps.sh
	$(PY) -m pytest

bench: $(VENV)/.test-deps
	bash scripts/system-deps.sh
	$(BYTECODE)
	$(PY) bench/run.py
	$(PY) bench/addon_latency.py

# 100,000 generated expressions, blocks and answers through the core (figures: bench/results/fuzz_language.md),
# then 100,000 through the core and engine.js side by side (bench/results/fuzz_parity.md)
fuzz: $(VENV)/.test-deps
	bash scripts/system-deps.sh
	$(PY) bench/fuzz_language.py --examples 100000
	$(PY) bench/fuzz_parity.py --examples 100000

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.build-deps: requirements.txt constraints.txt | $(VENV)/bin/python
	$(PIP) install -r requirements.txt -c constraints.txt
	touch $@

$(VENV)/.test-deps: requirements-test.txt requirements.txt constraints.txt | $(VENV)/bin/python
	$(PIP) install -r requirements-test.txt -c constraints.txt
	touch $@ $(VENV)/.build-deps

clean:
	rm -rf $(VENV) dist .pytest_cache
