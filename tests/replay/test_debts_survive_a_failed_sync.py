"""A sync that fails after asking the windowed debts again, before its once-per-sync part: the
configuration debts (asked only by that part) are still owed in the state it checkpointed.

The state is that of earlier syncs, written as they leave it: every restaurant synced up to an
hour before FIXED_NOW, and R1 owing a configuration endpoint's changes and a range of time
entries. This sync asks the range again (Toast answers), then its configuration listing fails
for good (500s past the client's retries): the restaurant fails, the sync checkpoints and fails.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

import connector
from tests.conftest import FIXED_NOW, Project, make_configuration, toast_server
from tests.fake_toast import R1, Fault, World

DISCOUNTS = "/config/v2/discounts"
TIME_ENTRIES = "/labor/v1/timeEntries"
ENDLESS_FAULTS = 100  # more 500s than the client tries one request


def stamp(days: float) -> str:
    """FIXED_NOW minus `days`, as state holds timestamps."""
    return connector.format_timestamp(FIXED_NOW - timedelta(days=days))


CONFIGURATION_DEBT = {
    "endpoint": DISCOUNTS,
    "firstFailure": stamp(2),
    "attempts": 1,
    "lastError": "403 Forbidden",
    "since": stamp(3),
}
WINDOWED_DEBT = {
    "endpoint": TIME_ENTRIES,
    "firstFailure": stamp(2),
    "attempts": 1,
    "lastError": "403 Forbidden",
    "start": stamp(3),
    "end": stamp(2),
}


def earlier_state(world: World) -> dict:
    synced = {"cursor": stamp(1 / 24), "configSince": stamp(1 / 24)}
    restaurants = {r["restaurantGuid"]: dict(synced) for r in world.restaurants}
    restaurants[R1]["debts"] = [CONFIGURATION_DEBT, WINDOWED_DEBT]
    return {"restaurants": restaurants}


def test_given_a_sync_failing_after_retrying_debts_then_the_configuration_debts_are_kept(
    project: Project, world: World, no_wait: list[float]
) -> None:
    project.state_file.parent.mkdir(parents=True)
    project.state_file.write_text(json.dumps(earlier_state(world)))
    with toast_server(world=world) as server:
        failures = [Fault(status=500, restaurant=R1) for _ in range(ENDLESS_FAULTS)]
        server.script("GET", f"^{DISCOUNTS}$", *failures)
        with pytest.raises(Exception, match=f"{DISCOUNTS} for restaurant {R1} failed"):
            project.sync(make_configuration(server))
        asked = [(r.path, r.status) for r in server.requests if r.restaurant == R1]

    assert (TIME_ENTRIES, 200) in asked  # the windowed debt was asked again, and answered
    assert asked.count((DISCOUNTS, 500)) == connector._MAX_TRANSIENT_ATTEMPTS
    owed = project.state()["restaurants"][R1].get("debts", [])
    assert owed == [CONFIGURATION_DEBT]  # the range was paid; the configuration still owed
