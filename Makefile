# Aliases for the scripts README.md shows first: `make sandbox` is `bash tests/sandbox.sh`,
# `make test` is `bash tests/run.sh` (pytest arguments: make test ARGS="-m 'not e2e'").
VENV ?= .venv
PYTHON ?= python3
ARGS ?=
export VENV PYTHON

.PHONY: sandbox test bench erd lint

sandbox:
	bash tests/sandbox.sh

test:
	bash tests/run.sh $(ARGS)

bench: $(VENV)/.installed
	$(VENV)/bin/python tests/benchmark.py $(ARGS)

erd: $(VENV)/.installed
	$(VENV)/bin/python tests/erd.py

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check --config .ci/ruff.toml .
	$(VENV)/bin/ruff format --check --config .ci/ruff.toml .

# The environment tests/run.sh and tests/sandbox.sh make, for the targets that use it directly;
# installed again when a requirements file changes.
$(VENV)/.installed: tests/requirements-test.txt requirements.txt
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r tests/requirements-test.txt
	touch $@
