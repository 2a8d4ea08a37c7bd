# Two commands for a fresh Debian/Ubuntu machine with Python 3.11+:
#   make build   set up .venv and build dist/ (deck .apkg, .tsv, and the .ankiaddon)
#   make test    set up .venv with the test tools and run the whole suite (real Anki under Xvfb)
#   make test-compat  the reviewer suite in a real Anki of each supported line (24.11 ... 26.9.3)
#   make preview set up .venv and MathJax, then `build.py preview`: a live page of every card on 127.0.0.1
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check --quiet
MATHJAX := node_modules/.installed

.PHONY: build check test test-compat bench fuzz preview clean

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
	$(MAKE) --no-print-directory $(MATHJAX)
	$(PY) -m pytest

preview: $(VENV)/.build-deps $(MATHJAX)
	$(PY) build.py preview

# MathJax 3.2.2 (the version Anki bundles) for the preview: package.json, pinned in package-lock.json.
$(MATHJAX): package.json package-lock.json
	@command -v npm >/dev/null || { echo "the preview's MathJax comes from npm: sudo apt-get install npm"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# One virtual environment per older Anki line (.venv-compat/<version>, pinned in requirements-compat/),
# made once; then tests/reviewer in each and in .venv (26.9.3) against one build (scripts/test-compat.sh).
test-compat: $(VENV)/.test-deps
	bash scripts/system-deps.sh
	bash scripts/test-compat.sh

bench: $(VENV)/.test-deps
	bash scripts/system-deps.sh
	$(MAKE) --no-print-directory $(MATHJAX)
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
	rm -rf $(VENV) .venv-compat dist .pytest_cache node_modules
