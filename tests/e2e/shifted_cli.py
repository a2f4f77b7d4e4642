"""The `fivetran` command with the connector's clock set back by a fixed amount:

    python tests/e2e/shifted_cli.py SHIFT_SECONDS debug PROJECT_DIR

Everything is the real CLI (`fivetran_connector_sdk_cli.fivetran_shim.main`, what the `fivetran`
script runs): its arguments, the pipreqs check, loading connector.py from the project, the
runner, DuckDB, state and crash reports. Once the CLI has loaded the project's connector.py, its
`NOW` (the sync's clock; `connector._utc_now`) runs SHIFT_SECONDS behind the wall clock. The e2e
tests pass the time from the recorded world's end (tests/conftest.py FIXED_NOW) to the session's
start, so a sync ends where the world does whatever the date: without it, every month after the
recording added a 30-day window to each run. Only the clock is changed; time still moves.

Run as a script (not `-m tests...`): the CLI runs in the project directory, and nothing of the
tests is imported here, so the connector is the project's copy alone.
"""

from __future__ import annotations

import sys
from datetime import datetime, timedelta
from typing import Any

from fivetran_connector_sdk_cli import cli_commands
from fivetran_connector_sdk_cli.fivetran_shim import main as fivetran

PROJECT_MODULE = "connector_connector_code"  # the name the CLI loads connector.py under


def shift_the_connectors_clock(shift: timedelta) -> None:
    """Make the CLI's loading of connector.py set the loaded module's NOW `shift` back."""
    find = cli_commands.find_connector_object

    def find_and_shift(project_path: str) -> Any:
        connector_object = find(project_path)
        module = sys.modules.get(PROJECT_MODULE)
        if module is not None:
            wall_clock = module.NOW

            def shifted() -> datetime:
                return wall_clock() - shift

            module.NOW = shifted
        return connector_object

    cli_commands.find_connector_object = find_and_shift


if __name__ == "__main__":
    shift_the_connectors_clock(timedelta(seconds=float(sys.argv[1])))
    sys.argv = ["fivetran", *sys.argv[2:]]
    sys.exit(fivetran())
