# Two commands: `make run` (the app with its demo) and `make test` (the suite). Both set everything up.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app:create_app
# Processes honcho starts; the embedded Redis only when REDIS_URL is not given.
PROCESSES := web worker cron webhooks sandbox $(if $(REDIS_URL),,redis)

.PHONY: run test install install-dev browser lint seed clean prod-check

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime-installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements-dev.txt requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.runtime-installed $@

install: $(VENV)/.runtime-installed
install-dev: $(VENV)/.dev-installed

seed: install
	$(FLASK) db upgrade
	$(FLASK) demo seed

run: seed
	@echo
	@echo "  techOMS Sales Channels:  http://127.0.0.1:5000"
	@$(BIN)/python -c "import sandbox.demo as d; print(f'  Bright Sites simulator:  shop domain {d.DEMO_SHOP_DOMAIN}  token {d.DEMO_TOKEN}')"
	@echo
	$(BIN)/honcho start -f Procfile $(PROCESSES)

# Headless Chromium for the browser tests: Debian's package where apt is available (as root), else Playwright's.
browser: install-dev
	@if command -v chromium >/dev/null || [ -n "$$PLAYWRIGHT_CHROMIUM" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  (apt-get update -qq && apt-get install -y -qq chromium) >/dev/null; \
	else $(BIN)/playwright install chromium; fi

test: install-dev browser
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The production stack (gunicorn ×4, RQ workers ×4, cron) on DATABASE_URL / REDIS_URL, and a smoke journey.
# Give it a database of its own, e.g. on the CI machine:
#   psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE techoms_prod_check"
#   make prod-check DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/techoms_prod_check \
#                   REDIS_URL=redis://127.0.0.1:6379/5
prod-check: install-dev
	DATABASE_URL="$(DATABASE_URL)" REDIS_URL="$(REDIS_URL)" $(BIN)/python -m bench.prod_check

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) instance .pytest_cache
