"""A live Toast that refuses: a page refused once, one cash business date refused, a
configuration endpoint refused; each becomes a debt and lands at the next sync (helpers:
tests/resilience/live.py)."""

from __future__ import annotations

from tests.conftest import Project, make_configuration
from tests.fake_toast import R1, R2, R3, STRADDLE_CASH_DATE_R2, Fault, World
from tests.resilience.live import (
    BUSY_START,
    ORDERS_BULK,
    ORDERS_PATH,
    Clock,
    assert_equal_to_a_clean_sync,
    busy,
    debts,
    serve,
)


def test_given_a_403_on_one_page_then_the_window_is_owed_and_fetched_at_the_next_sync(
    tmp_path, clock: Clock
) -> None:
    world = busy(World.load())
    overrides = {"restaurantGuids": R3, "initialSyncStart": BUSY_START}
    project = Project(tmp_path / "live")
    with serve(world, clock) as server:
        server.script("GET", ORDERS_BULK, Fault(status=403, restaurant=R3))
        first = project.sync(make_configuration(server, **overrides))
        owed = debts(project, R3)
        assert first.warehouse.count("orders") == 0  # the window's first request was refused
        cursors = project.state()["restaurants"][R3]["cursors"]
        assert cursors == dict.fromkeys(
            ("orders", "labor", "cash"), "2026-11-20T12:00:00.000+0000"
        )
        server.requests.clear()
        clock.advance(hours=1)
        second = project.sync(make_configuration(server, **overrides))
        retried = [r.params for r in server.requests if r.path == ORDERS_PATH]

    assert [{k: v for k, v in d.items() if k != "lastError"} for d in owed] == [
        {
            "endpoint": ORDERS_PATH,
            "firstFailure": "2026-11-20T12:00:00.000+0000",
            "attempts": 1,
            "start": "2026-10-27T00:00:00.000+0000",
            "end": "2026-11-20T12:00:00.000+0000",
        }
    ]
    assert "403" in owed[0]["lastError"]
    assert [(p["startDate"], p["page"]) for p in retried][:1] == [
        ("2026-10-27T00:00:00.000+0000", "1")
    ]
    assert debts(project, R3) == []
    assert_equal_to_a_clean_sync(
        second.warehouse, world, clock, Project(tmp_path / "clean"), **overrides
    )


def test_given_one_refused_cash_day_then_the_other_days_land_and_that_day_is_owed(
    tmp_path, clock: Clock
) -> None:
    world = World.load()
    project = Project(tmp_path / "live")
    refusal = Fault(status=403, restaurant=R2, params={"businessDate": STRADDLE_CASH_DATE_R2})
    with serve(world, clock) as server:
        server.script("GET", r"^/cashmgmt/v1/entries$", refusal)
        first = project.sync(make_configuration(server, restaurantGuids=R2))
        owed = debts(project, R2)
        days = first.warehouse.query(
            "SELECT DISTINCT business_date FROM tester.cash_entry ORDER BY 1"
        )
        clock.advance(hours=1)
        server.requests.clear()
        second = project.sync(make_configuration(server, restaurantGuids=R2))
        asked = [r.params for r in server.requests if r.path == "/cashmgmt/v1/entries"]

    expected_days = sorted(int(day) for day in world.cash[R2]["entries"])
    assert [day for (day,) in days] == [
        day for day in expected_days if day != int(STRADDLE_CASH_DATE_R2)
    ]
    # The owed range is that business day alone: 03:00 Los Angeles (closeout hour) to the next.
    assert [(d["endpoint"], d["start"], d["end"]) for d in owed] == [
        (
            "/cashmgmt/v1/entries",
            "2026-09-30T10:00:00.000+0000",
            "2026-10-01T10:00:00.000+0000",
        )
    ]
    assert {"businessDate": STRADDLE_CASH_DATE_R2} in asked
    assert debts(project, R2) == []
    assert_equal_to_a_clean_sync(
        second.warehouse, world, clock, Project(tmp_path / "clean"), restaurantGuids=R2
    )


def test_given_a_refused_configuration_endpoint_then_its_changes_are_asked_for_later(
    tmp_path, clock: Clock
) -> None:
    world = World.load()
    project = Project(tmp_path / "live")
    item = world.config[R1]["menuItems"][1]
    every_sync = {"configChangesHours": "0"}  # changes read at every sync (2 h apart)
    with serve(world, clock) as server:
        project.sync(make_configuration(server, restaurantGuids=R1, **every_sync))
        item["name"] = "Renamed while refused"
        item["_lastModified"] = "2026-11-20T13:00:00.000+0000"
        clock.advance(hours=2)
        server.script("GET", r"^/config/v2/menuItems$", Fault(status=403, restaurant=R1))
        project.sync(make_configuration(server, restaurantGuids=R1, **every_sync))
        owed = debts(project, R1)
        clock.advance(hours=2)
        third = project.sync(make_configuration(server, restaurantGuids=R1, **every_sync))

    assert [(d["endpoint"], d["since"]) for d in owed] == [
        ("/config/v2/menuItems", "2026-11-20T11:55:00.000+0000")
    ]
    row = third.warehouse.query(
        "SELECT name FROM tester.menu_item WHERE id = ? AND restaurant_id = ?", item["guid"], R1
    )
    assert row == [("Renamed while refused",)]
    assert debts(project, R1) == []
