# One command sets up and serves the site, one sets up and runs every test.
# The virtual environment (.venv) is created on first use and refreshed when the pins change.
# torch comes first, from scripts/install-torch.sh: the CPU build on Linux (PyPI's Linux wheel is
# the multi-GB CUDA build), so `make serve`, `make test` and CI install the same one.
# --no-compile: pip would byte-compile every installed module (torch's thousands) up front, half
# of a fresh install's time; Python compiles what is imported, once, on first use instead.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
READY := $(VENV)/.installed
export NO_MKDOCS_2_WARNING := 1

.PHONY: serve compute test build offline dist lint format bench budgets lighthouse clean pdf

# jieba's sources hold invalid escape sequences: compiled at their first import (--no-compile),
# they raise DeprecationWarnings, which mkdocs prints as INFO lines with tracebacks. The last
# step compiles them once, quietly (-W ignore for this command only): every later import prints
# nothing, and every other warning stays visible (tests/test_console.py).
$(READY): requirements-dev.txt pyproject.toml scripts/install-torch.sh
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	sh scripts/install-torch.sh $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-compile -r requirements-dev.txt -e .
	$(BIN)/python -W ignore -c "import compileall, importlib.util as u; compileall.compile_dir(u.find_spec('jieba').submodule_search_locations[0], quiet=1)"
	touch $@

# ONLY=en: the English pages without the API reference, the writer's fast loop (a page edit is
# served in about 4 s instead of 12 s; BUDGETS.md). static-i18n always builds the default language.
serve: $(READY)  ## http://127.0.0.1:8000/dlnotes/ (the path of site_url) at once; figures and notebooks land as they are computed
	$(if $(filter en,$(ONLY)),DLNOTES_ZH=false DLNOTES_API=false) $(BIN)/python scripts/compute.py serve

compute: $(READY)  ## the experiments' figures and the executed notebooks (scripts/compute.py), what mkdocs build renders
	$(BIN)/python scripts/compute.py

test: $(READY)  ## lint (ruff, mypy --strict on src/dlnotes; actionlint and zizmor on .github), then every test (snippets in both languages, parity, package, build, browser)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/actionlint
	$(BIN)/zizmor --offline --min-severity medium --quiet .github
	$(MAKE) --no-print-directory dist
	$(BIN)/python -m pytest -n auto --dist loadgroup --durations=15

build: compute
	$(BIN)/mkdocs build --strict

# From the site make build wrote: each language's print page (hooks/print_book.py) printed by
# Debian's Chromium (scripts/pdf.py); the Pages workflow deploys both PDFs with the site.
pdf: $(READY)  ## dist-site/dlnotes.<lang>.pdf: every question, one PDF per language, printed from the built site (make build first)
	$(BIN)/python scripts/pdf.py --site site --out dist-site

offline: $(READY)  ## the compute step, then the whole site, both languages, as a zip that works from file:// (dist-site/dlnotes-offline.zip; scripts/offline.py)
	$(BIN)/python scripts/offline.py dist-site

dist: $(READY)  ## the sdist and the wheel in dist/, as a release builds them, checked by twine and check-wheel-contents
	rm -rf dist
	$(BIN)/python -m build --no-isolation --sdist --wheel --outdir dist . >/dev/null
	$(BIN)/twine check --strict dist/*
	$(BIN)/check-wheel-contents dist/*.whl

lint: $(READY)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	$(BIN)/actionlint
	$(BIN)/zizmor --offline --min-severity medium --quiet .github

bench: $(READY)  ## time every dlnotes operation against torch into benchmarks/results.json (ONLY=batch-norm: one question's cases, merged)
	$(BIN)/python -m benchmarks $(if $(ONLY),--only $(ONLY))

budgets: $(READY)  ## cold and warm build, serve's first response, test suite: each against its limit; then Lighthouse
	$(BIN)/python scripts/budgets.py; status=$$?; $(BIN)/python scripts/lighthouse.py || status=1; exit $$status

lighthouse: $(READY)  ## Lighthouse 12.2.3 (npx), mobile, median of 3, on the home, question and one API page per language, served with gzip
	$(BIN)/python scripts/lighthouse.py $(if $(SITE),--site $(SITE))

clean:
	rm -rf site dist-site .cache test-artifacts dist build docs/assets/figures docs/notebooks/*.ipynb
