# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
POSTGRES_URL ?= postgresql://postgres@127.0.0.1:5432/test

.PHONY: run test install chromium pango lint lighthouse bench

$(BIN)/jointplan: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

install: $(BIN)/jointplan

## Install, migrate the SQLite database in data/, load the demo, print the sign-ins, serve.
## Development, with the development mailbox turned on (no SMTP needed; only a workspace
## admin on this machine can open it), one worker, on 127.0.0.1 only.
run: install pango
	$(BIN)/jointplan migrate
	JP_DEV_MAILBOX=1 $(BIN)/jointplan demo
	JP_DEV_MAILBOX=1 $(BIN)/jointplan serve --workers 1

## Debian's Chromium for the browser tests (Playwright cannot download its own here).
chromium:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium; fi; }

## Debian's Pango (with a font) for WeasyPrint, which draws the plan's PDF (app/pdf).
pango:
	@ldconfig -p | grep -q 'libpangoft2-1.0.so.0' && fc-list | grep -q . || { \
	  pkgs="libpango-1.0-0 libpangoft2-1.0-0 fontconfig fonts-dejavu-core"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq $$pkgs; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq $$pkgs; fi; }

lint: install
	$(BIN)/ruff check app tests alembic
	$(BIN)/ruff format --check app tests alembic
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

## Lint, type-check, check the import contracts (pyproject.toml), then the whole suite on
## SQLite and, when reachable, on PostgreSQL.
## Each run prints its 15 slowest tests and its wall time, so a change can see the trend.
## Tests run in parallel, one worker more than the cores (TEST_WORKERS=0: in this process): the
## browser tests and the served-app tests spend much of their time waiting for Chromium and
## for servers, so a third worker keeps two cores busy (SQLite run: 612 s with two, 527 with
## three). The browser tests all go to one worker (their xdist group), so Chromium starts once.
TEST_WORKERS ?= $(shell echo $$(( $$(nproc) + 1 )))
# Bytecode is written even where the environment turns it off: each worker would otherwise
# compile and rewrite every test module again (collection 18 s instead of 9).
unexport PYTHONDONTWRITEBYTECODE
PYTEST := $(BIN)/pytest --durations=15 -n $(TEST_WORKERS) --dist loadgroup

test: install chromium pango lint
	@start=$$(date +%s); JP_TEST_DATABASE=sqlite $(PYTEST); status=$$?; \
	  echo "SQLite run: wall time $$(( $$(date +%s) - start )) s"; exit $$status
	@if $(BIN)/python -m tests.postgres_available "$(POSTGRES_URL)"; then \
	  start=$$(date +%s); \
	  JP_TEST_DATABASE=postgresql JP_TEST_POSTGRES_URL="$(POSTGRES_URL)" $(PYTEST); status=$$?; \
	  echo "PostgreSQL run: wall time $$(( $$(date +%s) - start )) s"; exit $$status; \
	elif [ -n "$$JP_REQUIRE_POSTGRES" ]; then \
	  echo "PostgreSQL is required here but not reachable at $(POSTGRES_URL)"; exit 1; \
	else echo "PostgreSQL not reachable at $(POSTGRES_URL): the suite ran on SQLite only."; fi

## Lighthouse on the demo's plan page, phone and laptop (not part of `make test`): installs the
## pinned Lighthouse with npm into .lighthouse/ once, then prints the scores and what lost points.
LIGHTHOUSE := .lighthouse/node_modules/.bin/lighthouse
$(LIGHTHOUSE):
	npm install --prefix .lighthouse --no-audit --no-fund --save-exact lighthouse@12.2.3

lighthouse: install chromium $(LIGHTHOUSE)
	PYTHONPATH=. $(BIN)/python tests/benchmarks/lighthouse.py

## The plan page's benchmark (not part of `make test`): builds the demo with the standard large
## plan on SQLite and, when it answers at $(POSTGRES_URL), PostgreSQL (jp_bench_* databases,
## dropped after), measures the app against the bare floor and prints the table
## (tests/benchmarks/bench.py; BENCH_ARGS=--quick for a smoke run, --steps writes for one step). Installs Debian's wrk with apt
## if missing.
BENCH_ARGS ?=
bench: install
	@command -v wrk >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq wrk; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq wrk; fi; } || \
	  echo "wrk could not be installed: the benchmark uses its Python load generator."
	PYTHONPATH=. $(BIN)/python tests/benchmarks/bench.py --postgres-url "$(POSTGRES_URL)" $(BENCH_ARGS)
