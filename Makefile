# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck unit bench screenshots email-checks compat clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "feedwright needs Python 3.11 or newer; set PYTHON=python3.x")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

demo: $(STAMP)
	$(BIN)/feedwright build examples/site --output out

test: lint typecheck unit

lint: $(STAMP)
	$(BIN)/ruff check src tests bench compat
	$(BIN)/ruff format --check src tests bench compat

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest -q

# Times builds of 1,000 and 10,000 generated posts (and Hugo's, when installed), then sends
# to 1,000 and 10,000 subscribers through a local SMTP sink.
# BENCH_ARGS="--sizes 100000" for more (see bench/bench.py); SEND_BENCH_ARGS="--large" for a
# list of 100,000 (see bench/bench_send.py).
bench: $(STAMP)
	$(BIN)/python bench/bench.py $(BENCH_ARGS)
	$(BIN)/python bench/bench_send.py $(SEND_BENCH_ARGS)

# The digest in headless Chromium (600 and 375 px, light and dark) into screenshots/;
# needs chromium-headless-shell (or chromium) and, for Japanese, fonts-noto-cjk.
screenshots: $(STAMP)
	$(BIN)/python bench/screenshots.py

# The screenshots' HTML checked as email: html-validate (an email profile) and caniemail's
# data for Gmail, Apple Mail, Outlook and Yahoo (see bench/email_checks.cjs). Needs npm.
EMAIL_TOOLS := .email-tools
email-checks: screenshots
	npm install --silent --no-audit --no-fund --prefix $(EMAIL_TOOLS) html-validate@10 @jsx-email/doiuse-email@1
	node bench/email_checks.cjs $(EMAIL_TOOLS) screenshots/*.html

# Builds real sites with their own engine and with feedwright and compares the feeds; needs
# jekyll, hugo and the sites checked out first: see compat/README.md. Not part of `make test`.
compat: $(STAMP)
	$(BIN)/python compat/compat.py $(COMPAT_ARGS)

clean:
	rm -rf $(VENV) out build dist screenshots $(EMAIL_TOOLS)
