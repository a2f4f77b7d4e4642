"""Endpoints a location does not use answer 404 (tip withholding, cash management): a fact about
the location, remembered in state and asked again daily, never a debt or an ERROR; when the
endpoint answers again, what it was not asked for meanwhile is owed and read (helpers:
tests/resilience/live.py)."""

from __future__ import annotations

import pytest

from tests.conftest import Project, make_configuration
from tests.fake_toast import R1, Fault, World
from tests.resilience.live import Clock, assert_equal_to_a_clean_sync, debts, serve

TIPS = "/config/v2/tipWithholding"
ENTRIES = "/cashmgmt/v1/entries"
DEPOSITS = "/cashmgmt/v1/deposits"
ORDERS = "/orders/v2/ordersBulk"
SIDE_REQUESTS = 3  # connector._SIDE_REQUESTS_PER_RESTAURANT: cash days in flight at once
# A month of R1's history: two of its recorded cash days (2026-10-22, 2026-11-06) at a month's
# cost of per-day cash requests.
START = "2026-10-20T00:00:00.000Z"


def _asked(server, path: str) -> int:
    return len([r for r in server.requests if r.path == path])


def test_given_endpoints_a_location_does_not_use_then_they_are_asked_daily_and_never_owed(
    tmp_path, clock: Clock, capfd: pytest.CaptureFixture[str]
) -> None:
    world = World.load()
    del world.tip_withholding[R1]
    world.cash_unused.add(R1)
    project = Project(tmp_path / "live")
    asked, owed = [], []
    with serve(world, clock) as server:
        for hours in (0, 1, 23):  # syncs at 0 h, 1 h and 24 h
            if hours == 23:
                absent = project.state()["restaurants"][R1]["absent"]
                world.cash_unused.discard(R1)  # the location starts using cash management
            clock.advance(hours=hours)
            server.requests.clear()
            project.sync(make_configuration(server, restaurantGuids=R1, initialSyncStart=START))
            asked.append([_asked(server, path) for path in (TIPS, ENTRIES, DEPOSITS)])
            owed.append(debts(project, R1))
        log = capfd.readouterr().out
        clock.advance(hours=1)
        last = project.sync(make_configuration(server, restaurantGuids=R1, initialSyncStart=START))

    tips, entries, deposits = zip(*asked, strict=True)
    assert tips == (1, 0, 1)  # asked at the first sync, then once a day
    for cash in (entries, deposits):  # the first days in flight at once, then none that day
        assert 1 <= cash[0] <= SIDE_REQUESTS and cash[1] == 0 and cash[2] >= 1
    assert owed[:2] == [[], []]  # a 404 owes nothing
    assert {path: absence["asked"] for path, absence in absent.items()} == dict.fromkeys(
        (DEPOSITS, ENTRIES, TIPS), "2026-11-20T12:00:00.000+0000"
    )
    assert "until" not in absent[TIPS]  # not windowed: nothing to owe when it answers
    assert absent[TIPS]["since"] == "2026-11-20T12:00:00.000+0000"
    assert absent[ENTRIES]["since"] < "2026-10-21"  # reaches back to the first day not read
    said = [line for line in log.splitlines() if "answered HTTP 404" in line]
    assert len(said) == 3 and all("INFO" in line for line in said)  # once per endpoint
    assert "ERROR" not in log
    # Cash answering again owes the days it was not asked for, read at the next sync.
    # (the range of every day not read: the first sync's and the next one's, to its now)
    assert {(d["endpoint"], d["start"], d["end"]) for d in owed[2]} == {
        (path, absent[path]["since"], absent[path]["until"]) for path in (ENTRIES, DEPOSITS)
    }
    assert absent[ENTRIES]["until"] > "2026-11-21"
    assert debts(project, R1) == []
    assert set(last.state["restaurants"][R1]["absent"]) == {TIPS}
    assert_equal_to_a_clean_sync(
        last.warehouse,
        world,
        clock,
        Project(tmp_path / "clean"),
        restaurantGuids=R1,
        initialSyncStart=START,
    )


def test_given_ordersbulk_answers_404_once_then_it_is_owed_and_read_at_the_next_sync(
    tmp_path, clock: Clock
) -> None:
    """Every location has orders: a 404 on ordersBulk is a refusal like any other (owed, asked
    again at the next sync an hour later), not a location that does not use orders (which
    would be asked again only a day later)."""
    world = World.load()
    project = Project(tmp_path / "live")
    settings = {"restaurantGuids": R1, "initialSyncStart": START}
    with serve(world, clock) as server:
        server.script("GET", r"^/orders/v2/ordersBulk$", Fault(status=404, restaurant=R1))
        project.sync(make_configuration(server, **settings))
        first = project.state()["restaurants"][R1]
        clock.advance(hours=1)
        server.requests.clear()
        last = project.sync(make_configuration(server, **settings))
        asked = _asked(server, ORDERS)
    assert [d["endpoint"] for d in first.get("debts", [])] == [ORDERS]
    assert ORDERS not in first.get("absent", {})
    assert asked >= 1  # asked again an hour later, not a day
    assert debts(project, R1) == []
    assert ORDERS not in last.state["restaurants"][R1].get("absent", {})
    assert_equal_to_a_clean_sync(
        last.warehouse, world, clock, Project(tmp_path / "clean"), **settings
    )


def test_given_cash_back_from_404_and_then_failing_then_its_absence_outlives_the_other_streams(
    tmp_path, clock: Clock
) -> None:
    """Cash answers again a day after its 404s, but one deposits day fails for good, so the
    restaurant stops before its window's cash part is handed over. Orders and labor of that
    window hand theirs over meanwhile: they must not drop cash's absence (whose range cash
    owes only with its own part), or the month of cash it covers is never read."""
    world = World.load()
    world.cash_unused.add(R1)
    project = Project(tmp_path / "live")
    overrides = {"restaurantGuids": R1, "initialSyncStart": START}
    failing = Fault(status=500, restaurant=R1, params={"businessDate": "20261121"})
    with serve(world, clock) as server:
        project.sync(make_configuration(server, **overrides))
        clock.advance(hours=1)
        project.sync(make_configuration(server, **overrides))
        absent = project.state()["restaurants"][R1]["absent"]
        clock.advance(hours=23)
        world.cash_unused.discard(R1)  # the location starts using cash management
        server.script("GET", f"^{DEPOSITS}$", *[failing] * 6)  # the client's 6 attempts
        # The window's orders answer late, so cash (asked first, on the side pool) has answered
        # again before the orders part is handed over.
        server.script("GET", f"^{ORDERS}$", Fault(delay_seconds=0.5, restaurant=R1))
        with pytest.raises(Exception, match=DEPOSITS):
            project.sync(make_configuration(server, **overrides))
        stopped = project.state()["restaurants"][R1]
        clock.advance(hours=1)
        project.sync(make_configuration(server, **overrides))  # cash answers: the range owed
        owed = debts(project, R1)
        clock.advance(hours=1)
        last = project.sync(make_configuration(server, **overrides))  # and read

    assert set(absent) == {ENTRIES, DEPOSITS}
    assert {(d["endpoint"], d["start"], d["end"]) for d in owed} == {
        (path, absent[path]["since"], absent[path]["until"]) for path in (ENTRIES, DEPOSITS)
    }
    assert stopped["absent"] == absent  # kept whole: cash's part never came
    assert (
        stopped["cursors"]["orders"] == stopped["cursors"]["labor"] != stopped["cursors"]["cash"]
    )
    assert debts(project, R1) == []
    assert_equal_to_a_clean_sync(
        last.warehouse, world, clock, Project(tmp_path / "clean"), **overrides
    )
