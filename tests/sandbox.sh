#!/usr/bin/env bash
# The sandbox command: makes .venv if needed and installs the test requirements (as
# tests/run.sh does), then syncs the demo Toast world from a local fake server with the
# real `fivetran debug` (see tests/sandbox.py). Everything it writes stays in tests/sandbox_run/
# (the warehouse in tests/sandbox_run/files/warehouse.db), never in the project's files/.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${VENV:-.venv}"
python="${PYTHON:-python3}"
if [ ! -x "$venv/bin/python" ]; then
  if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
    echo "The sandbox needs Python 3.10 or later as \`$python\` (set PYTHON=/path/to/python3.x)." >&2
    exit 2
  fi
  "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r tests/requirements-test.txt
exec "$venv/bin/python" -m tests.sandbox "$@"
