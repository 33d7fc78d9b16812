# Two commands for a newcomer: `make demo` (crawl the bundled demo site into datasets/demo)
# and `make test`. Both create and reuse a virtual environment in .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test test-fast lint format bench bench-smoke contract clean report-shots

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "farmaudit needs Python 3.11+, got " + sys.version.split()[0]'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/farmaudit demo

test: $(STAMP)
	$(BIN)/pytest

# Everything but the end-to-end tests that crawl a site over HTTP (about 20 s).
test-fast: $(STAMP)
	$(BIN)/pytest -m "not e2e"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Benchmarks: each prints farmaudit's figures beside its peer's, from the same run (the
# tables, the machine and the commands are in docs/benchmarks.md). It installs the peers (the
# bench extra) first. `make bench` takes about 6 minutes on the 2-core reference machine;
# the full sizes (an hour or more) are set through these variables, e.g.
# make bench BENCH_CRAWL_ARGS='--pages 100000'.
BENCH_CRAWL_ARGS ?= --pages 3000
BENCH_AUDIT_ARGS ?= --pages 3000,10000
BENCH_EXTRACT_ARGS ?=
BENCH_DEDUP_ARGS ?= --n 200000

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python -m bench.crawl $(BENCH_CRAWL_ARGS)
	$(BIN)/python -m bench.audit $(BENCH_AUDIT_ARGS)
	$(BIN)/python bench/extract.py $(BENCH_EXTRACT_ARGS)
	$(BIN)/python bench/dedup.py $(BENCH_DEDUP_ARGS)

# Tiny versions of the benchmarks (no timing asserted); also part of `make test`.
bench-smoke: $(STAMP)
	$(BIN)/pytest tests/test_bench_smoke.py

# Screenshots of the demo's report.html at 1400 and 800 px (docs/shots/), and its first paint
# in Chromium; runs `farmaudit demo` first when datasets/demo has no report.
report-shots: $(STAMP)
	test -f datasets/demo/audit/report.html || $(BIN)/farmaudit demo
	$(BIN)/python -m bench.report_shots datasets/demo/audit/report.html --out docs/shots

contract: $(STAMP)
	$(BIN)/farmaudit schema --write datasets/README.md

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
