# Two commands set everything up on a fresh Debian machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: run run-headless test lint sysdeps bench package clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test,package]'
	@touch $@

run: $(STAMP)
	$(VENV)/bin/presence-agent run

run-headless: $(STAMP)
	$(VENV)/bin/presence-agent run --headless

sysdeps:
	@tests/system-deps.sh

lint: $(STAMP)
	$(VENV)/bin/ruff check agent tests packaging
	$(VENV)/bin/ruff format --check agent tests packaging
	$(VENV)/bin/mypy

test: sysdeps $(STAMP) lint
	tests/session.sh $(PY) -m pytest -q -p no:cacheprovider $(PYTEST_ARGS)

bench: sysdeps $(STAMP)
	tests/session.sh $(PY) tests/benchmarks/run.py

package: sysdeps $(STAMP)
	$(PY) packaging/build_packages.py

clean:
	rm -rf $(VENV) build dist
