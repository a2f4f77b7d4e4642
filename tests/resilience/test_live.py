"""A live Toast: data that changes while the connector syncs, refusals that pass, a location that
refuses everything for a while, one restaurant that keeps failing. Each test runs several syncs
on a virtual clock (a "now" that stands still during a sync and moves between syncs, shared by
the connector and the fake server) and asserts that nothing is lost: the final warehouse equals
a clean sync of the final world, the state says what is still owed, and the requests show how.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from datetime import datetime, timedelta

import pytest

import connector
from tests.conftest import (
    FIXED_NOW,
    Project,
    Warehouse,
    make_configuration,
    toast_server,
    virtual_time,
)
from tests.fake_toast import R1, R2, R3, STRADDLE_CASH_DATE_R2, FakeToast, Fault, World
from tests.fake_toast.builders import bulk_orders
from tests.fake_toast.server import NEXT_PAGE_HEADER, Request, Response
from tests.fake_toast.world import format_ts

ORDERS_BULK = r"^/orders/v2/ordersBulk$"
ORDERS_PATH = "/orders/v2/ordersBulk"
BUSY_START = "2026-10-27T00:00:00.000Z"  # one window up to FIXED_NOW


class Clock:
    """The virtual now of the connector (`connector.NOW`) and of the fake server."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    moving = Clock(FIXED_NOW)
    monkeypatch.setattr(connector, "NOW", moving)
    with virtual_time():
        yield moving


def serve(world: World, clock: Clock) -> AbstractContextManager[FakeToast]:
    """The fake Toast on the virtual clock; the test fails if the fake itself raised."""
    return toast_server(world=world, clock=clock)


def busy(world: World, orders: int = 250) -> World:
    """R3 with `orders` more orders modified from 2026-11-01 on, a minute apart: three pages."""
    world.add_orders(R3, bulk_orders(orders, "2026-11-01T00:00:00.000+0000", step_seconds=60))
    return world


def rows(warehouse: Warehouse, deleted: bool = False) -> dict[str, set[tuple]]:
    """Every table's live (or soft-deleted) rows, all columns but the Fivetran ones."""
    found: dict[str, set[tuple]] = {}
    for table in sorted(warehouse.tables()):
        if "_fivetran_deleted" not in warehouse.columns(table):  # declared, never written
            found[table] = set()
            continue
        columns = [c for c in sorted(warehouse.columns(table)) if not c.startswith("_fivetran")]
        selected = ", ".join(f'CAST("{c}" AS VARCHAR)' for c in columns)
        where = "_fivetran_deleted" if deleted else "NOT _fivetran_deleted"
        found[table] = set(
            warehouse.query(f'SELECT {selected} FROM tester."{table}" WHERE {where}')
        )
    return found


def clean_sync(world: World, clock: Clock, project: Project, **overrides: str) -> Warehouse:
    """A first sync of `world` as it is now, undisturbed: what the live syncs must have left."""
    with serve(world, clock) as server:
        return project.sync(make_configuration(server, **overrides)).warehouse


def assert_equal_to_a_clean_sync(
    warehouse: Warehouse, world: World, clock: Clock, project: Project, **overrides: str
) -> None:
    """The live syncs left what a first sync of the final world leaves: the same live rows, and
    at least its soft-deleted ones (objects Toast flags deleted; the live syncs also hold rows
    of objects that vanished from Toast since, soft-deleted)."""
    clean = clean_sync(world, clock, project, **overrides)
    assert rows(warehouse) == rows(clean)
    gone, clean_gone = rows(warehouse, deleted=True), rows(clean, deleted=True)
    for table, deleted in clean_gone.items():
        assert deleted <= gone[table], table


def debts(project: Project, restaurant: str) -> list[dict]:
    return project.state()["restaurants"][restaurant].get("debts", [])


def test_given_orders_edited_while_a_window_is_paged_then_no_order_is_lost(
    tmp_path, clock: Clock
) -> None:
    world = busy(World.load())
    configuration_overrides = {"restaurantGuids": R3, "initialSyncStart": BUSY_START}
    project = Project(tmp_path / "live")
    with serve(world, clock) as server:
        server.edit_while_paging(2)  # before pages 2 and 3: an order of the page before
        project.sync(make_configuration(server, **configuration_overrides))
        assert server.edits_left == 0
        first = [r.params for r in server.requests if r.path == ORDERS_PATH]
        clock.advance(hours=1)
        second = project.sync(make_configuration(server, **configuration_overrides))

    assert_equal_to_a_clean_sync(
        second.warehouse, world, clock, Project(tmp_path / "clean"), **configuration_overrides
    )
    assert second.warehouse.count("orders") == 250
    # Pages 1-3, the question what changed meanwhile, pages 1-3 again, the question again.
    assert [p["page"] for p in first] == ["1", "2", "3", "1", "1", "2", "3", "1"]
    asked = [p for p in first if p["startDate"] != first[0]["startDate"]]
    assert [(p["startDate"], p["endDate"]) for p in asked] == [
        ("2026-11-20T11:55:00.000+0000", "2026-11-20T12:05:00.000+0000")
    ] * 2


def test_given_a_403_on_one_page_then_the_window_is_owed_and_fetched_at_the_next_sync(
    tmp_path, clock: Clock
) -> None:
    world = busy(World.load())
    overrides = {"restaurantGuids": R3, "initialSyncStart": BUSY_START}
    project = Project(tmp_path / "live")
    with serve(world, clock) as server:
        server.script("GET", ORDERS_BULK, Fault(status=403, restaurant=R3, params={"page": "3"}))
        first = project.sync(make_configuration(server, **overrides))
        owed = debts(project, R3)
        assert first.warehouse.count("orders") == 200  # page 3 was refused
        assert project.state()["restaurants"][R3]["cursor"] == "2026-11-20T12:00:00.000+0000"
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
    assert [(p["startDate"], p["page"]) for p in retried][:3] == [
        ("2026-10-27T00:00:00.000+0000", page) for page in ("1", "2", "3")
    ]
    assert debts(project, R3) == []
    assert_equal_to_a_clean_sync(
        second.warehouse, world, clock, Project(tmp_path / "clean"), **overrides
    )


def test_given_a_location_that_refuses_everything_then_its_cursor_and_row_stay_until_access(
    tmp_path, clock: Clock, capfd: pytest.CaptureFixture[str]
) -> None:
    world = World.load()
    project = Project(tmp_path / "live")
    with serve(world, clock) as server:
        world.refused.add(R2)
        first = project.sync(make_configuration(server))
        refused_log = [line for line in capfd.readouterr().out.splitlines() if R2 in line]
        assert R2 not in first.state["restaurants"]
        assert R2 not in first.warehouse.ids("restaurant")
        assert first.warehouse.query(
            "SELECT count(*) FROM tester.orders WHERE restaurant_id = ?", R2
        ) == [(0,)]

        world.refused.discard(R2)  # access granted
        clock.advance(hours=6)
        second = project.sync(make_configuration(server))
        restaurant_row = second.warehouse.row("restaurant", R2)
        cursor = second.state["restaurants"][R2]["cursor"]

        world.refused.add(R2)  # and withdrawn again
        clock.advance(hours=6)
        third = project.sync(make_configuration(server))

    assert len([line for line in refused_log if "refused" in line]) == 1  # once per sync
    assert third.state["restaurants"][R2]["cursor"] == cursor
    kept = third.warehouse.row("restaurant", R2)
    assert {k: v for k, v in kept.items() if k != "_fivetran_synced"} == {
        k: v for k, v in restaurant_row.items() if k != "_fivetran_synced"
    }
    assert kept["time_zone"] == "America/Los_Angeles"
    world.refused.discard(R2)
    assert_equal_to_a_clean_sync(second.warehouse, world, clock, Project(tmp_path / "clean"))


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
    with serve(world, clock) as server:
        project.sync(make_configuration(server, restaurantGuids=R1))
        item["name"] = "Renamed while refused"
        item["_lastModified"] = "2026-11-20T13:00:00.000+0000"
        clock.advance(hours=2)
        server.script("GET", r"^/config/v2/menuItems$", Fault(status=403, restaurant=R1))
        project.sync(make_configuration(server, restaurantGuids=R1))
        owed = debts(project, R1)
        clock.advance(hours=2)
        third = project.sync(make_configuration(server, restaurantGuids=R1))

    assert [(d["endpoint"], d["since"]) for d in owed] == [
        ("/config/v2/menuItems", "2026-11-20T11:55:00.000+0000")
    ]
    row = third.warehouse.query(
        "SELECT name FROM tester.menu_item WHERE id = ? AND restaurant_id = ?", item["guid"], R1
    )
    assert row == [("Renamed while refused",)]
    assert debts(project, R1) == []


def test_given_a_config_object_created_between_the_two_listings_then_it_is_never_deleted(
    tmp_path, clock: Clock
) -> None:
    world = World.load()
    project = Project(tmp_path / "live")
    created = {**world.config[R1]["tables"][0], "guid": "c0000011-0001-4000-8000-0000000000ee"}
    created["_lastModified"] = "2026-11-20T14:00:00.000+0000"

    def full_listing_done(request: Request, response: Response) -> bool:
        return (
            request.path == "/config/v2/tables"
            and "lastModified" not in request.params
            and NEXT_PAGE_HEADER not in response.headers
        )

    with serve(world, clock) as server:
        project.sync(make_configuration(server, restaurantGuids=R1))
        clock.advance(hours=3)
        server.after_request(full_listing_done, lambda: world.config[R1]["tables"].append(created))
        second = project.sync(make_configuration(server, restaurantGuids=R1))
        deleted = second.warehouse.query(
            "SELECT count(*) FROM tester.tables WHERE id = ? AND _fivetran_deleted",
            created["guid"],
        )
        clock.advance(hours=3)
        third = project.sync(make_configuration(server, restaurantGuids=R1))

    assert deleted == [(0,)]  # created in Toast after this sync's full listing: never deleted
    rows = third.warehouse.query(
        "SELECT _fivetran_deleted FROM tester.tables WHERE id = ? AND restaurant_id = ?",
        created["guid"],
        R1,
    )
    assert rows == [(False,)]


def test_given_one_restaurant_that_always_fails_then_the_others_finish_and_the_error_names_it(
    tmp_path, clock: Clock
) -> None:
    world = World.load()
    project = Project(tmp_path / "live")
    with serve(world, clock) as server:
        always = [Fault(status=500, restaurant=R1)] * connector._MAX_TRANSIENT_ATTEMPTS
        server.script("GET", ORDERS_BULK, *always)
        with pytest.raises(Exception) as failure:
            project.sync(make_configuration(server))
        failed = project.warehouse
        state = project.state()

    message = str(failure.value)
    for part in ("1 of 3 restaurant(s) failed", R1, ORDERS_PATH, "500", "2026-09-01T00:00:00"):
        assert part in message, message
    assert R2 not in message and R3 not in message
    cursors = {guid: s.get("cursor") for guid, s in state["restaurants"].items()}
    assert cursors[R2] == cursors[R3] == "2026-11-20T12:00:00.000+0000"
    assert cursors.get(R1) is None
    clean = clean_sync(world, clock, Project(tmp_path / "clean"))
    for table in ("restaurant", "orders", "payment", "time_entry", "shift", "cash_entry", "job"):
        column = "id" if table == "restaurant" else "restaurant_id"
        assert of(failed, table, column, R2, R3) == of(clean, table, column, R2, R3), table


def of(warehouse: Warehouse, table: str, column: str, *restaurants: str) -> list[dict]:
    """The rows of `table` whose `column` names one of `restaurants`, as column -> value
    without nulls (a warehouse that also holds another restaurant's rows may have more
    columns), in a stable order."""
    names = sorted(c for c in warehouse.columns(table) if c != "_fivetran_synced")
    selected = ", ".join(f'"{name}"' for name in names)
    found = warehouse.query(
        f'SELECT {selected} FROM tester."{table}" '
        f"WHERE {column} IN ({', '.join('?' for _ in restaurants)})",
        *restaurants,
    )
    dicts = [{k: v for k, v in zip(names, row, strict=True) if v is not None} for row in found]
    return sorted(dicts, key=lambda row: str(sorted(row.items())))


def test_given_work_refused_for_a_week_then_it_is_given_up_with_an_error_naming_it(
    tmp_path, clock: Clock, capfd: pytest.CaptureFixture[str]
) -> None:
    world = World.load()
    project = Project(tmp_path / "live")
    overrides = {"restaurantGuids": R3, "initialSyncStart": BUSY_START}
    with serve(world, clock) as server:
        server.script("GET", ORDERS_BULK, *[Fault(status=403, restaurant=R3)] * 6)
        project.sync(make_configuration(server, **overrides))
        clock.advance(days=1)
        project.sync(make_configuration(server, **overrides))
        after_two = debts(project, R3)
        capfd.readouterr()
        clock.advance(days=7)
        project.sync(make_configuration(server, **overrides))
        log = capfd.readouterr().out

    assert [(d["start"], d["attempts"]) for d in after_two] == [
        ("2026-10-27T00:00:00.000+0000", 2)
    ]
    gave_up = [line for line in log.splitlines() if "giving up" in line]
    assert len(gave_up) == 1
    assert ORDERS_PATH in gave_up[0] and "2026-10-27T00:00:00.000+0000" in gave_up[0]
    assert R3 in gave_up[0]
    # What this sync was refused is a new debt, starting where the last sync's window ended.
    assert [(d["start"], d["attempts"]) for d in debts(project, R3)] == [
        ("2026-11-21T11:55:00.000+0000", 1)
    ]


def test_given_a_live_toast_over_several_syncs_then_the_warehouse_ends_equal_to_toast(
    tmp_path, clock: Clock
) -> None:
    """Everything at once, over four syncs six hours apart: orders edited while pages are read,
    new orders arriving, a check moved into another order, single requests refused or failing
    once, a location that refuses everything for one sync, a selection removed."""
    world = busy(World.load(), orders=230)
    project = Project(tmp_path / "live")
    with serve(world, clock) as server:
        configuration = make_configuration(server)
        # Sync 1: R2 is not activated yet; R3's pages drift; a cash day and a page fail once.
        world.refused.add(R2)
        server.edit_while_paging(2)
        server.script("GET", ORDERS_BULK, Fault(status=503, restaurant=R3, params={"page": "2"}))
        server.script("GET", r"^/labor/v1/timeEntries$", Fault(status=403, restaurant=R1))
        project.sync(configuration)

        # Sync 2: R2 is granted access; new orders arrive; a check moves into a later order.
        clock.advance(hours=6)
        world.refused.discard(R2)
        world.add_orders(R3, bulk_orders(30, clock.now - timedelta(hours=5), prefix="0c"))
        moved_to = world.orders[R3][-1]["guid"]
        moved = world.orders[R3][-40]
        check = world.move_check(
            moved["checks"][0]["guid"], moved_to, clock.now - timedelta(hours=1)
        )
        server.script("GET", r"^/cashmgmt/v1/deposits$", Fault(status=403, restaurant=R2))
        project.sync(configuration)

        # Sync 3: pages drift again; a selection is removed from an order.
        clock.advance(hours=6)
        server.edit_while_paging(1)
        edited = world.orders[R3][10]
        edited["checks"][0]["selections"].pop()
        edited["modifiedDate"] = format_ts(clock.now - timedelta(minutes=30))
        project.sync(configuration)

        # Sync 4: quiet; what the third sync saw change while it paged lands now.
        clock.advance(hours=6)
        final = project.sync(configuration)
        assert server.unconsumed() == []

    assert all(not restaurant.get("debts") for restaurant in final.state["restaurants"].values())
    assert final.warehouse.row("orders_check", check["guid"])["_fivetran_deleted"] is False
    assert final.warehouse.row("orders_check", check["guid"])["orders_id"] == moved_to
    assert final.warehouse.row("orders", moved["guid"])["_fivetran_deleted"] is True
    assert_equal_to_a_clean_sync(final.warehouse, world, clock, Project(tmp_path / "clean"))
