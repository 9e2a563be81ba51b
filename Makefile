# Minka — the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test lint format messages bench bench-participation bench-polls bench-budgets bench-budget-ballot clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Minka needs Python 3.11 or newer"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/minka db upgrade
	$(BIN)/minka demo load
	$(BIN)/minka serve --host $(HOST) --port $(PORT)

test: $(STAMP)
	$(BIN)/pytest -n auto

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Re-extract interface strings and merge them into the es/qu/en catalogues.
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k N_ --ignore-dirs '.*' --no-location --sort-output \
		--omit-header -o app/locale/messages.pot .
	$(BIN)/pybabel update -i app/locale/messages.pot -d app/locale \
		--ignore-obsolete --no-fuzzy-matching --width 100

bench: $(STAMP)
	$(BIN)/python -m bench

# Several minutes: generated instances of 10,000 and 100,000 proposals under a load tool (npm).
bench-participation: $(STAMP)
	npm ci --prefix bench --no-audit --no-fund
	$(BIN)/python -m bench participation

# Several minutes on PostgreSQL (MINKA_BENCH_POSTGRES_URL): 200,000 votes cast, 1,000,000 counted.
bench-polls: $(STAMP)
	$(BIN)/python -m bench polls

# The budget tally against pabutools on every Pabulib file; the reference has its own venv.
bench-budgets: $(STAMP)
	test -x bench/.pabutools-venv/bin/python || (python3.11 -m venv bench/.pabutools-venv && \
		bench/.pabutools-venv/bin/pip install --quiet pabutools==1.2.3)
	$(BIN)/python -m bench budget-tally

# About a minute and a half: a budget in balloting, its ballot page and adds under a load tool (npm).
bench-budget-ballot: $(STAMP)
	npm ci --prefix bench --no-audit --no-fund
	$(BIN)/python -m bench budget-ballot

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
