"""Run one sync in this process, as `fivetran debug` would, for the kill test (which SIGKILLs it):

    python -m tests.resilience.sync_child PROJECT_DIR CONFIGURATION_JSON NOW CHECKPOINT_SECONDS

The sync resumes from PROJECT_DIR/files/state.json, as `fivetran debug` does. The test's
configuration of this process, not of the behaviour under test:
- NOW (ISO 8601) is the sync's clock (`connector.NOW`): the test's FIXED_NOW;
- CHECKPOINT_SECONDS replaces `connector._CHECKPOINT_INTERVAL_SECONDS` (10 s), so that a short
  sync checkpoints after each finished window and a kill can land between real checkpoints;
- the client's waits run in virtual time (tests/conftest.py `virtual_time`), as in every
  in-process sync of the tests: the fake server's latency sets the pace.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path

# Through tests.conftest, which makes the SDK offline before importing it (and connector).
from tests.conftest import Project, connector, virtual_time


def main(project_dir: str, configuration_file: str, now: str, checkpoint_seconds: str) -> None:
    configuration = json.loads(Path(configuration_file).read_text())
    fixed_now = datetime.fromisoformat(now)
    connector.NOW = lambda: fixed_now
    connector._CHECKPOINT_INTERVAL_SECONDS = float(checkpoint_seconds)
    with virtual_time():
        Project(Path(project_dir)).sync(configuration)


if __name__ == "__main__":
    main(*sys.argv[1:])
