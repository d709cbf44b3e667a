# The human entry points. `make run` and `make test` do all the set-up they need on a fresh machine.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: install run test lint migrate check clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

# The demo: SQLite, the embedded broker (a SQLite file), both simulators on (random keys kept in var/simulators.env), demo
# data, and web + worker + beat together. SIMULATORS_ENABLED installs the simulators' apps, whose commands come first.
run: export DJANGO_DEBUG ?= true
run: export SIMULATORS_ENABLED := true
run: export PORT := $(PORT)
run: export PATH := $(CURDIR)/$(BIN):$(PATH)
run: install
	$(BIN)/python manage.py simulator_demo_env --port $(PORT) --write var/simulators.env
	set -a && . ./var/simulators.env && set +a && \
	  $(BIN)/python manage.py migrate --noinput -v0 && \
	  $(BIN)/python manage.py bootstrap_admin --with-role-users --password "$(WMS_ADMIN_PASSWORD)" && \
	  $(BIN)/python manage.py demo_setup && \
	  $(BIN)/python manage.py one_mapping --warehouse TW-TPE-01 --one-warehouse TPE && \
	  echo "" && echo "  WMS admin: http://127.0.0.1:$(PORT)/admin/   (Ctrl-C stops web, worker and beat)" && echo "" && \
	  exec $(BIN)/honcho start -f Procfile.dev

# The linter first (rules in pyproject.toml), then the whole suite. DATABASE_URL=postgres://... runs the same suite on
# PostgreSQL.
test: install
	$(BIN)/ruff check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .

migrate: install
	$(BIN)/python manage.py migrate --noinput

check: install
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) var
