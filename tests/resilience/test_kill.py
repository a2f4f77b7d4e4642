"""A sync killed (SIGKILL) at random moments and started again ends with the same warehouse as
an uninterrupted one: nothing the checkpoints claim is missing, nothing is doubled."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import OFFLINE_ENV, ROOT, Project, make_configuration, virtual_time
from tests.fake_toast import R1, R3, FakeToast, World


def test_given_random_kills_when_restarted_then_the_warehouse_equals_a_clean_run(
    tmp_path: Path,
) -> None:
    rng = random.Random(20261123)
    with FakeToast(world=World.load(), latency_seconds=0.004) as server:
        configuration = make_configuration(
            server, restaurantGuids=f"{R1},{R3}", initialSyncStart="2026-10-10T00:00:00.000Z"
        )
        config_file = tmp_path / "configuration.json"
        config_file.write_text(json.dumps(configuration))
        killed = Project(tmp_path / "killed")
        command = [
            sys.executable,
            "-m",
            "tests.resilience.sync_child",
            str(killed.path),
            str(config_file),
        ]
        environment = {**os.environ, **OFFLINE_ENV}
        kills = 0
        for _ in range(3):
            child = subprocess.Popen(
                command,
                cwd=ROOT,
                env=environment,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            time.sleep(rng.uniform(1.0, 4.0))
            if child.poll() is None:
                child.send_signal(signal.SIGKILL)
                kills += 1
            child.wait()
        finished = subprocess.run(
            command,
            cwd=ROOT,
            env=environment,
            check=False,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert finished.returncode == 0, finished.stdout[-2000:]

        with virtual_time():
            clean = Project(tmp_path / "clean").sync(configuration)

    assert kills >= 1, "the sync finished before any kill: make it slower"
    assert killed.warehouse.snapshot() == clean.warehouse.snapshot()
    assert set(killed.state()["restaurants"]) == {R1, R3}
