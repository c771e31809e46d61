# Two entry points: `make demo` and `make test`. Both create .venv on first use and reinstall only when
# pyproject.toml changes. `make demo` installs what running needs; `make test` adds the development tools, the
# documentation tools and the Dask extra on top, and builds the documentation site strictly (a broken link, a
# missing page or an excerpt file that is not there fails it). `make docs` builds the site into site/;
# `make excerpts` regenerates every command output, file excerpt and figure the README and the site show.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: demo test docs excerpts fuzz lint venv clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	touch $(STAMP)

$(DEV_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,dask,docs]'
	touch $(DEV_STAMP)

demo: $(STAMP)
	$(BIN)/drillsim run

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy simulator

# The site, with the scenario and command references generated from the code first (scripts/mkdocs_hooks.py).
docs: $(DEV_STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet

# Every excerpt, from the bundled scenarios and examples with fixed seeds (a few minutes); review the diff.
excerpts: $(DEV_STAMP)
	$(BIN)/python scripts/excerpts.py

# tmux lets the tests try `drillsim drill` in a real terminal, and Chromium (driven by Playwright) a team drill in a
# real browser: each installed where this user can (root with apt); elsewhere its test is skipped and says what is
# missing.
test: lint docs
	@command -v tmux >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
		{ apt-get install -y -qq tmux >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq tmux; }; }; } || \
		echo "tmux is missing and cannot be installed here: the real-terminal test of drillsim drill is skipped"
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
		{ apt-get install -y -qq chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium; }; }; } || \
		echo "chromium is missing and cannot be installed here: the browser test of drillsim drill --serve is skipped"
	$(BIN)/pytest

# A large random fuzzing campaign (about an hour on two cores); every input's exit status in fuzz.jsonl.
# Then the slow tests `make test` leaves out (marked slow: every module imported first, runs killed at every
# moment).
FUZZ_EXAMPLES ?= 2000
# Inputs per surface of tests/test_fuzz_surfaces.py (histories, journals, answers, results folders, dates and
# zones, command-line options).
FUZZ_SURFACE_EXAMPLES ?= 300
fuzz: $(DEV_STAMP)
	rm -f fuzz.jsonl
	@status=0; \
	DRILLSIM_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) DRILLSIM_FUZZ_LOG=fuzz.jsonl $(BIN)/pytest -m "" tests/test_fuzz.py || status=1; \
	DRILLSIM_FUZZ_EXAMPLES=$(FUZZ_SURFACE_EXAMPLES) DRILLSIM_FUZZ_LOG=fuzz.jsonl $(BIN)/pytest -m "" tests/test_fuzz_surfaces.py || status=1; \
	$(BIN)/pytest -m slow || status=1; \
	if [ -f fuzz.jsonl ]; then $(BIN)/python -c "import collections, json; \
	counts = collections.Counter((r['kind'], r['outcome']) for r in map(json.loads, open('fuzz.jsonl'))); \
	[print(f'{kind:15} exit {outcome:9} {n:6,}') for (kind, outcome), n in sorted(counts.items())]"; fi; \
	if [ $$status -ne 0 ]; then echo "make fuzz: a fuzz or slow test failed (see above)" >&2; fi; \
	exit $$status

clean:
	rm -rf $(VENV) build site *.egg-info .pytest_cache .ruff_cache
