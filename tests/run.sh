#!/usr/bin/env bash
# The test command: makes .venv if needed, installs the test requirements, lints, runs pytest.
# Extra arguments go to pytest (e.g. `bash tests/run.sh -k orders`; `-m slow` for the slow
# measurements, which the default run leaves out: tests/conftest.py).
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${VENV:-.venv}"
if [ ! -x "$venv/bin/python" ]; then
  "${PYTHON:-python3}" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r tests/requirements-test.txt
"$venv/bin/ruff" check --config .ci/ruff.toml .
"$venv/bin/ruff" format --check --config .ci/ruff.toml .
# Test files run on four processes (`-n 4 --dist loadfile`: a file's tests, and the syncs its
# module fixtures share, stay on one), so the whole run fits in five minutes on two cores. They
# are dispatched in tests/conftest.py's order, the heavy files first (`--no-loadscope-reorder`:
# xdist's own order, most tests first, left the long live syncs for the end).
# The 15 slowest tests are listed before pytest's closing line, which is the last line printed.
# pytest's exit code is this script's (and CI's): a failure is 1, an empty selection 5 (failing
# too: a run that tests nothing must not pass).
"$venv/bin/python" -m pytest -n 4 --dist loadfile --no-loadscope-reorder --durations=15 "$@"
