# SFNS: `make run` (embedded demo) and `make test` do all the set-up on a fresh machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: install run test lint bench faults clean chromium

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[emulators,test]'
	touch $@

install: $(VENV)/.installed

# The demo's data is kept between runs; `make run RESET=1` starts it over.
run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py run_embedded $(if $(RESET),--reset)

# Debian's Chromium for the browser tests (tests/browser/): Playwright cannot download its own
# here. Installing needs root, as in CI; without it the browser tests skip, saying so.
chromium:
	@command -v chromium >/dev/null || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || \
		echo "Chromium is not installed (apt-get needs root): the browser tests will skip"

test: install chromium
	$(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

bench: install
	$(PY) -m benchmarks.pipeline
	$(PY) -m benchmarks.webhook
	$(PY) -m benchmarks.financials
	$(PY) -m benchmarks.report --update-readme
	$(PY) -m benchmarks.netsuite_burst
	$(PY) -m benchmarks.backfill

# The fault table: the README's table is rewritten even when a fault lost something, then the
# exit status says so.
faults: install
	$(PY) -m benchmarks.faults; status=$$?; $(PY) -m benchmarks.report --update-readme && exit $$status

clean:
	rm -rf $(VENV) db.sqlite3 .emulators .sfns
