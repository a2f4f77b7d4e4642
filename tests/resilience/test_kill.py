"""A sync SIGKILLed right after a checkpoint, mid-sync, and started again ends with the same
warehouse as an uninterrupted one: the state names only windows whose rows were all written
(nothing is missing), rows written twice land once, and the restarted sync resumes from the
state instead of starting over.

The sync runs in a child process (tests/resilience/sync_child.py) on the test's fixed clock,
checkpointing after every finished window, over a generated world of several windows per
restaurant. The test kills it as soon as the state file changes (the runner replaces it
atomically after writing the rows it covers), so every kill lands after a real checkpoint and
before the sync's end: deterministic, not at random moments.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import connector
from tests.conftest import (
    FIXED_NOW,
    OFFLINE_ENV,
    ROOT,
    Project,
    make_configuration,
    toast_server,
    virtual_time,
)
from tests.fake_toast.generate import SETTLED_DAYS, GeneratedWorld

RESTAURANTS = 2
DAYS = 57  # with the settled days: two 30-day windows, then one of 12 hours up to FIXED_NOW
ORDERS_PER_DAY = 1
LATENCY_SECONDS = 0.002
KILLS = 2
# A killed run checkpoints after every finished window (a checkpoint costs about a second: the
# SDK flushes every table); the last run as shipped (at most every 10 s).
KILLED_CHECKPOINT_SECONDS = 0.0
END = connector.format_timestamp(FIXED_NOW)  # every cursor of a finished sync
TIMEOUT_SECONDS = 120


def _state_text(state_file: Path) -> str:
    return state_file.read_text() if state_file.exists() else ""


def _kill_after_next_checkpoint(child: subprocess.Popen[bytes], state_file: Path) -> bool:
    """SIGKILL the child as soon as it writes a new state; False if it ended before."""
    before = _state_text(state_file)
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while child.poll() is None:
        if _state_text(state_file) != before:
            child.kill()
            child.wait()
            return True
        assert time.monotonic() < deadline, "the child wrote no checkpoint"
        time.sleep(0.005)
    return False


def _unfinished(state: dict[str, Any], restaurants: list[str]) -> list[str]:
    """The restaurants with a stream whose cursor is short of the sync's end, or missing."""
    ended = dict.fromkeys(connector.WINDOW_STREAMS, END)
    cursors = {guid: kept.get("cursors") for guid, kept in state.get("restaurants", {}).items()}
    return [guid for guid in restaurants if cursors.get(guid) != ended]


def test_given_kills_after_checkpoints_when_restarted_then_it_resumes_to_the_clean_warehouse(
    tmp_path: Path,
) -> None:
    start = FIXED_NOW.date() - timedelta(days=DAYS + SETTLED_DAYS)
    world = GeneratedWorld(RESTAURANTS, DAYS, ORDERS_PER_DAY, start=start)
    restaurants = world.restaurant_guids
    with toast_server(world, latency_seconds=LATENCY_SECONDS) as server:
        configuration = make_configuration(
            server, initialSyncStart=f"{start.isoformat()}T00:00:00.000Z"
        )
        with virtual_time():
            clean = Project(tmp_path / "clean").sync(configuration)
        clean_requests = len(server.requests)

        config_file = tmp_path / "configuration.json"
        config_file.write_text(json.dumps(configuration))
        killed = Project(tmp_path / "killed")

        def command(checkpoint_seconds: float) -> list[str]:
            child = ["-m", "tests.resilience.sync_child", str(killed.path), str(config_file)]
            return [sys.executable, *child, FIXED_NOW.isoformat(), str(checkpoint_seconds)]

        environment = {**os.environ, **OFFLINE_ENV}
        states_left = []
        for run in range(KILLS):
            log = tmp_path / f"killed-run{run}.log"
            with log.open("wb") as output:
                child = subprocess.Popen(
                    command(KILLED_CHECKPOINT_SECONDS),
                    cwd=ROOT,
                    env=environment,
                    stdout=output,
                    stderr=subprocess.STDOUT,
                )
                killed_in_time = _kill_after_next_checkpoint(child, killed.state_file)
            assert killed_in_time, (
                f"the sync ended (exit {child.returncode}) before it was killed: "
                + log.read_text(errors="replace")[-2000:]
            )
            states_left.append(killed.state())

        sent_before = len(server.requests)
        finished = subprocess.run(
            command(connector._CHECKPOINT_INTERVAL_SECONDS),
            cwd=ROOT,
            env=environment,
            check=False,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_SECONDS,
        )
        assert finished.returncode == 0, finished.stdout[-2000:] + finished.stderr[-2000:]
        resumed_requests = len(server.requests) - sent_before

    # Killed mid-sync: a state that names some windows, not all (a cursor short of the end, or
    # a restaurant without cursors), so the restart had something to resume.
    mid_sync = [
        state
        for state in states_left
        if any(kept.get("cursors") for kept in state.get("restaurants", {}).values())
        and _unfinished(state, restaurants)
    ]
    assert mid_sync, states_left
    assert clean.warehouse.count("orders") == RESTAURANTS * DAYS * ORDERS_PER_DAY
    assert killed.warehouse.snapshot() == clean.warehouse.snapshot()
    assert _unfinished(killed.state(), restaurants) == []  # every window, up to FIXED_NOW
    assert resumed_requests < clean_requests, (resumed_requests, clean_requests)
