"""Run one sync in this process, as `fivetran debug` would: `python -m tests.resilience.sync_child
<project dir> <configuration.json>`. Used by the kill test, which SIGKILLs it at random points."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tests.conftest import Project

if __name__ == "__main__":
    project_dir, configuration_file = sys.argv[1], sys.argv[2]
    configuration = json.loads(Path(configuration_file).read_text())
    Project(Path(project_dir)).sync(configuration)
