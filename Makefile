# The two commands: `make run` and `make test`. Both set up whatever is missing first
# (.venv, bun from the npm registry, Chromium for browser tests) and skip what is already done.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
BUN := .tools/node_modules/.bin/bun

export PATH := $(CURDIR)/.tools/node_modules/.bin:$(PATH)
export REFLEX_USE_SYSTEM_BUN := 1
export REFLEX_DIR := $(CURDIR)/.reflex
export NPM_CONFIG_REGISTRY ?= $(shell npm config get registry 2>/dev/null)
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test lint screenshots setup browser bench clean

run: setup
	$(PY) -m campaign_dashboard up

# Lint first (seconds), then the tests. Browser tests share one started app, so they run in one
# process after the rest (in parallel; `worksteal` lets an idle worker take the other's queued tests,
# so a few minutes-long fault tests near the end do not leave a core idle).
test: setup browser lint
	$(PY) -m pytest -n 2 --dist worksteal -m "not browser" $(PYTEST_ARGS)
	$(PY) -m pytest -m browser $(PYTEST_ARGS)

# The browser tests again, this time saving docs/screenshots/*.png (an ordinary run writes none).
screenshots: setup browser
	SCREENSHOTS=1 $(PY) -m pytest -m browser tests/ui $(PYTEST_ARGS)

# ruff (lint and format), mypy on the package, and the layering contracts (pyproject.toml).
lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

setup: $(STAMP) $(BUN)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e '.[test]'
	touch $(STAMP)

$(BUN):
	npm install --prefix .tools --no-fund --no-audit --loglevel=error bun@1.4.4

# Debian's Chromium drives the browser tests (Playwright's own browser download needs internet).
browser:
	@command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || \
	  { [ "$$(id -u)" = 0 ] && (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	    || echo "Chromium not installed and not root: browser tests will be skipped"; }

clean:
	rm -rf $(VENV) .tools .reflex .web data
