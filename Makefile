# openbwv — the two commands: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BWV_DATA_DIR ?= $(CURDIR)/var/data
export BWV_DATA_DIR
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-fast lint format typecheck bench venv clean browser speech

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "Installing openbwv and its dependencies into $(VENV) (first run: about a minute)…"
	@$(BIN)/python -m pip install --quiet --upgrade pip
	@$(BIN)/python -m pip install --quiet --progress-bar off -e '.[dev]'
	@echo "Installed."
	@touch $(STAMP)

venv: $(STAMP)

## Start the platform on the embedded default (SQLite, local disk, local worker) with a demo force.
## `make run PORT=8080` (and HOST=…) serves elsewhere.
run: $(STAMP)
	$(BIN)/bwv db upgrade
	$(BIN)/bwv demo --if-empty
	$(BIN)/bwv serve --host $(HOST) --port $(PORT) --quiet

# The suite runs in parallel processes (pytest-xdist), one test file per process at a time: most
# of a test's time is waiting on a server, a worker or a browser, so two processes fit two cores.
# `make test PYTEST_WORKERS=0` runs it in one process.
PYTEST_WORKERS ?= auto
PARALLEL := -n $(PYTEST_WORKERS) --maxprocesses 4 --dist loadfile

## Lint, type-check and run the whole suite (embedded; scaled too when BWV_TEST_* point at services).
test: $(STAMP) lint typecheck browser speech
	$(BIN)/python -m pytest $(PARALLEL) $(PYTEST_ARGS)

## The inner loop: lint, types and every test but the browser ones, embedded deployment only.
test-fast: $(STAMP) lint typecheck speech
	env -u BWV_TEST_DATABASE_URL -u BWV_TEST_BROKER_URL -u BWV_TEST_S3_URL -u BWV_TEST_AMQP_URL \
		$(BIN)/python -m pytest $(PARALLEL) -m "not browser" $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

## The browser tests drive Debian's Chromium; install it when missing (never a downloaded browser).
browser:
	@test -x /usr/bin/chromium || scripts/install-chromium.sh

## The transcription tests speak with Debian's espeak-ng; install it when missing.
speech:
	@command -v espeak-ng >/dev/null 2>&1 || scripts/install-speech.sh

bench: $(STAMP) speech
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache
