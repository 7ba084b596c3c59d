# Two commands set everything up on a fresh Debian machine: `make run` and `make test`.
VENV := .venv
ifeq ($(OS),Windows_NT)
PYTHON ?= python
PY := $(VENV)/Scripts/python
else
PYTHON ?= python3
PY := $(VENV)/bin/python
endif
STAMP := $(VENV)/.installed-stamp
DEV_STAMP := $(VENV)/.installed-dev-stamp

.PHONY: run run-headless test test-windows lint sysdeps bench package package-windows clean

# The agent alone: what `make run` needs (no compilers, no system packages).
$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e .
	@touch $@

# Plus the test and packaging tools (python-dbusmock builds dbus-python: needs sysdeps).
$(DEV_STAMP): $(STAMP)
	$(PY) -m pip install -q -e '.[test,package]'
	@touch $@

run: $(STAMP)
	@tests/system-deps.sh --runtime
	$(VENV)/bin/presence-agent run

run-headless: $(STAMP)
	$(VENV)/bin/presence-agent run --headless

sysdeps:
	@tests/system-deps.sh

lint: $(DEV_STAMP)
	$(VENV)/bin/ruff check agent tests packaging
	$(VENV)/bin/ruff format --check agent tests packaging
	$(VENV)/bin/mypy

test: sysdeps $(DEV_STAMP) lint test-windows
	tests/session.sh $(PY) -m pytest -q -p no:cacheprovider $(PYTEST_ARGS)

# The Windows lane: the Windows tests on the Windows CPython under Wine (set-up cached in
# /var/tmp/presence-agent-wine, keyed by the pinned versions; PA_WINE_CACHE moves it), then
# the Windows bundle and MSI, which tests/packaging/test_msi_wine.py installs in the pytest run.
test-windows: sysdeps $(DEV_STAMP)
	$(PY) -m tests.wine.run_lane
	$(PY) packaging/build_windows.py

bench: sysdeps $(DEV_STAMP)
	tests/session.sh $(PY) tests/benchmarks/run.py

# The Debian set-up only where dpkg is (Debian/Ubuntu); on macOS and Windows the build
# needs only the venv (and, for the .pkg, Xcode's command line tools).
package: $(DEV_STAMP)
	@if command -v dpkg-query >/dev/null 2>&1; then tests/system-deps.sh; fi
	$(PY) packaging/build_packages.py

# The Windows bundle (PyInstaller run by the Windows CPython under Wine) and its MSI.
package-windows: sysdeps $(DEV_STAMP)
	$(PY) packaging/build_windows.py
	$(PY) -m pytest -q -p no:cacheprovider -p no:xvfb tests/packaging/test_msi_wine.py

clean:
	rm -rf $(VENV) build dist
