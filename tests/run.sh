#!/usr/bin/env bash
# The test command: makes .venv if needed, installs the test requirements, lints, runs pytest.
# Extra arguments go to pytest (e.g. `bash tests/run.sh -k orders`).
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${VENV:-.venv}"
if [ ! -x "$venv/bin/python" ]; then
  "${PYTHON:-python3}" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r tests/requirements-test.txt
"$venv/bin/ruff" check --config .ci/ruff.toml .
"$venv/bin/ruff" format --check --config .ci/ruff.toml .
"$venv/bin/python" -m pytest "$@"
