"""Each stream of a restaurant (orders, labor, cash) has its own cursor in state: a sync stopped
inside a window re-reads only the streams it had not finished there, a stream the state has no
cursor for starts at initialSyncStart while the others go on, and a state written with one
`cursor` for all streams resumes each of them from it."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

import connector
from tests.conftest import FIXED_NOW, Project, make_configuration
from tests.fake_toast import R1, R2, Fault, World
from tests.resilience.live import (
    BUSY_START,
    ORDERS_PATH,
    Clock,
    assert_equal_to_a_clean_sync,
    serve,
)

CASH_ENTRIES = "/cashmgmt/v1/entries"
TIME_ENTRIES = "/labor/v1/timeEntries"
ENDLESS_FAULTS = 500  # more 500s than the client tries all of a window's cash days
OVERLAP = timedelta(minutes=connector._RESUME_OVERLAP_MINUTES)
START = connector.parse_timestamp(BUSY_START)


def stamp(moment) -> str:
    return connector.format_timestamp(moment)


def earliest(requests: list, restaurant: str, path: str, parameter: str) -> str:
    """The earliest `parameter` of the requests to `path` for `restaurant` (Toast timestamps of
    one format sort as text)."""
    return min(
        r.params[parameter] for r in requests if r.restaurant == restaurant and r.path == path
    )


def cash_days(requests: list, restaurant: str) -> list[str]:
    """The business dates of `restaurant` that `requests` asked for, in order."""
    return sorted({r.params["businessDate"] for r in requests if r.restaurant == restaurant})


def test_given_a_sync_stopped_in_a_windows_cash_then_orders_and_labor_go_on_from_their_cursors(
    tmp_path, clock: Clock
) -> None:
    world = World.load()
    overrides = {"restaurantGuids": R2, "initialSyncStart": BUSY_START}
    project = Project(tmp_path / "live")
    with serve(world, clock) as server:
        failures = [Fault(status=500, restaurant=R2) for _ in range(ENDLESS_FAULTS)]
        server.script("GET", f"^{CASH_ENTRIES}$", *failures)
        with pytest.raises(Exception, match=CASH_ENTRIES):
            project.sync(make_configuration(server, **overrides))
    stopped = project.state()["restaurants"][R2]
    assert stopped["cursors"] == {"orders": stamp(FIXED_NOW), "labor": stamp(FIXED_NOW)}

    clock.advance(hours=1)
    with serve(world, clock) as server:
        second = project.sync(make_configuration(server, **overrides))
        asked = list(server.requests)

    # Orders and time entries from their cursors; cash, which never finished, from the start.
    assert earliest(asked, R2, ORDERS_PATH, "startDate") == stamp(FIXED_NOW - OVERLAP)
    assert earliest(asked, R2, TIME_ENTRIES, "modifiedStartDate") == stamp(FIXED_NOW - OVERLAP)
    entries = [r for r in asked if r.path == CASH_ENTRIES]
    days = (clock.now.date() - date(2026, 10, 26)).days + 1  # R2's business dates from START
    expected = [(date(2026, 10, 26) + timedelta(days=n)).strftime("%Y%m%d") for n in range(days)]
    assert cash_days(entries, R2) == expected
    ended = stamp(clock.now)
    assert project.state()["restaurants"][R2]["cursors"] == dict.fromkeys(
        ("orders", "labor", "cash"), ended
    )
    assert_equal_to_a_clean_sync(
        second.warehouse, world, clock, Project(tmp_path / "clean"), **overrides
    )


def test_given_a_state_without_a_streams_cursor_or_with_one_cursor_then_each_stream_resumes(
    tmp_path, clock: Clock
) -> None:
    """R1's state has cursors for orders and labor only (cash as a stream new to the connector
    would be); R2's was written with one `cursor` for every stream."""
    synced = FIXED_NOW - timedelta(days=1)
    project = Project(tmp_path / "live")
    project.state_file.parent.mkdir(parents=True)
    project.state_file.write_text(
        json.dumps(
            {
                "restaurants": {
                    R1: {"cursors": dict.fromkeys(("orders", "labor"), stamp(synced))},
                    R2: {"cursor": stamp(synced)},
                }
            }
        )
    )
    overrides = {"restaurantGuids": f"{R1},{R2}", "initialSyncStart": BUSY_START}
    with serve(World.load(), clock) as server:
        project.sync(make_configuration(server, **overrides))
        asked = list(server.requests)

    resumed = stamp(synced - OVERLAP)
    for guid in (R1, R2):
        assert earliest(asked, guid, ORDERS_PATH, "startDate") == resumed, guid
        assert earliest(asked, guid, TIME_ENTRIES, "modifiedStartDate") == resumed, guid
    entries = [r for r in asked if r.path == CASH_ENTRIES]
    assert cash_days(entries, R1)[0] == "20261026"  # from initialSyncStart (New York, 04:00)
    # R2 resumes cash too: from the business date its cursor falls in, less the hours a day
    # takes to settle (Los Angeles, closeout 03:00).
    settled = synced - OVERLAP - timedelta(hours=connector._CASH_SETTLE_HOURS)
    local = settled.astimezone(connector.ZoneInfo("America/Los_Angeles")) - timedelta(hours=3)
    assert cash_days(entries, R2)[0] == local.strftime("%Y%m%d")
    state = project.state()["restaurants"]
    for guid in (R1, R2):
        assert state[guid]["cursors"] == dict.fromkeys(
            ("orders", "labor", "cash"), stamp(FIXED_NOW)
        )
        assert "cursor" not in state[guid]
