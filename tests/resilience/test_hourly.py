"""Cheap hourly syncs (issue 19, item 4): what a location costs when nothing changed, when the
configuration's changes and full listings are read, and the cash days re-read."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from tests.conftest import Project, Warehouse, make_configuration
from tests.fake_toast import R1, World
from tests.resilience.live import Clock, serve

RECENT_START = "2026-11-15T00:00:00.000Z"  # a few days of R1: cheap
BUDGET_PER_LOCATION = 25  # issue 19: a no-change sync an hour after the last one


def menu_item(warehouse: Warehouse, guid: str) -> tuple:
    return warehouse.query(
        "SELECT name, _fivetran_deleted FROM tester.menu_item WHERE id = ? AND restaurant_id = ?",
        guid,
        R1,
    )[0]


def test_hourly_syncs_read_configuration_changes_every_few_hours_and_listings_daily(
    tmp_path: Path, clock: Clock
) -> None:
    world = World.load()
    project = Project(tmp_path / "project")
    items = world.config[R1]["menuItems"]
    renamed, removed = items[1], items[2]
    cash_day = "20261119"  # R1 (New York, closeout 4): closed 2026-11-20T09:00Z, 3 h before
    late_entry = {
        **world.cash[R1]["entries"]["20261106"][0],
        "guid": "ca000001-0001-4000-8000-0000000000ff",
    }
    late_entry.update(amount=12.5, date="2026-11-20T08:59:00.000+0000")
    with serve(world, clock) as server:
        configuration = make_configuration(
            server, restaurantGuids=R1, initialSyncStart=RECENT_START
        )
        project.sync(configuration)
        # After the first sync: a late cash entry of a day that had closed when it was read, a
        # renamed menu item (Toast reports it as modified) and a removed one (Toast just stops
        # listing it: no deleted flag, toast_api.md §6.4).
        world.cash[R1]["entries"].setdefault(cash_day, []).append(late_entry)
        renamed["name"] = "Renamed at 13:00"
        renamed["_lastModified"] = "2026-11-20T12:30:00.000+0000"
        world.remove_config(R1, "menuItems", removed["guid"])

        clock.advance(hours=1)
        del server.requests[:]
        hourly = project.sync(configuration)
        hourly_requests = Counter(r.path for r in server.requests if r.restaurant == R1)
        hourly_cash = hourly.warehouse.query(
            "SELECT amount, business_date FROM tester.cash_entry WHERE id = ?",
            late_entry["guid"],
        )
        hourly_renamed = menu_item(hourly.warehouse, renamed["guid"])

        clock.advance(hours=5)
        del server.requests[:]
        changes = project.sync(configuration)
        changes_params = [r.params for r in server.requests if r.path == "/config/v2/menuItems"]
        changed = [menu_item(changes.warehouse, item["guid"]) for item in (renamed, removed)]

        clock.advance(hours=18)
        del server.requests[:]
        daily = project.sync(configuration)
        daily_params = [r.params for r in server.requests if r.path == "/config/v2/menuItems"]

    # An hour later: at most 25 requests, no configuration; the late cash entry landed.
    assert sum(hourly_requests.values()) <= BUDGET_PER_LOCATION, hourly_requests
    assert [path for path in hourly_requests if path.startswith("/config/")] == []
    assert hourly_requests["/labor/v1/employees"] == hourly_requests["/menus/v2/metadata"] == 1
    assert hourly_cash == [(12.5, 20261119)]
    assert hourly_renamed[0] != "Renamed at 13:00"
    # Six hours after the first sync: changes since it, no full listing (the removal waits).
    assert [p.get("lastModified") for p in changes_params] == ["2026-11-20T11:55:00.000+0000"]
    assert changed == [("Renamed at 13:00", False), (removed["name"], False)]
    # A day after the first sync: changes, then the full listing, which deletes the removed item.
    assert [p.get("lastModified") for p in daily_params if "pageToken" not in p] == [
        "2026-11-20T17:55:00.000+0000",
        None,
    ]
    assert menu_item(daily.warehouse, removed["guid"]) == (removed["name"], True)
    assert menu_item(daily.warehouse, renamed["guid"]) == ("Renamed at 13:00", False)
    assert daily.state["restaurants"][R1]["configListed"] == "2026-11-21T12:00:00.000+0000"
