"""A live Toast, the group's side: a location that refuses everything for a while, one restaurant
that keeps failing while the others finish, work refused for a week, configuration created
between two requests (helpers: tests/resilience/live.py)."""

from __future__ import annotations

import pytest

import connector
from tests.conftest import Project, make_configuration
from tests.fake_toast import R1, R2, R3, Fault, World
from tests.fake_toast.server import NEXT_PAGE_HEADER, Request, Response
from tests.resilience.live import (
    BUSY_START,
    ORDERS_BULK,
    ORDERS_PATH,
    Clock,
    Warehouse,
    assert_equal_to_a_clean_sync,
    clean_sync,
    debts,
    serve,
)

# Ten days of history: what the refusal tests need, at an eighth of the recorded world's cost.
RECENT = "2026-11-10T00:00:00.000Z"


def test_given_a_location_that_refuses_everything_then_its_cursor_and_row_stay_until_access(
    tmp_path, clock: Clock, capfd: pytest.CaptureFixture[str]
) -> None:
    world = World.load()
    world.disconnect(R2)  # not part of this test: R1 syncs beside the refusing R3
    project = Project(tmp_path / "live")
    with serve(world, clock) as server:
        world.refused.add(R3)
        first = project.sync(make_configuration(server, initialSyncStart=RECENT))
        refused_log = [line for line in capfd.readouterr().out.splitlines() if R3 in line]
        assert set(first.state["restaurants"][R3]) == {"lastListed"}  # listed: no cursor
        assert R3 not in first.warehouse.ids("restaurant")
        assert first.warehouse.query(
            "SELECT count(*) FROM tester.orders WHERE restaurant_id = ?", R3
        ) == [(0,)]

        world.refused.discard(R3)  # access granted
        clock.advance(hours=6)
        second = project.sync(make_configuration(server, initialSyncStart=RECENT))
        restaurant_row = second.warehouse.row("restaurant", R3)
        cursors = second.state["restaurants"][R3]["cursors"]

        world.refused.add(R3)  # and withdrawn again
        clock.advance(hours=6)
        third = project.sync(make_configuration(server, initialSyncStart=RECENT))

    assert len([line for line in refused_log if "refused" in line]) == 1  # once per sync
    assert third.state["restaurants"][R3]["cursors"] == cursors
    kept = third.warehouse.row("restaurant", R3)
    assert {k: v for k, v in kept.items() if k != "_fivetran_synced"} == {
        k: v for k, v in restaurant_row.items() if k != "_fivetran_synced"
    }
    assert kept["time_zone"] == "America/Chicago"
    world.refused.discard(R3)
    assert_equal_to_a_clean_sync(
        second.warehouse, world, clock, Project(tmp_path / "clean"), initialSyncStart=RECENT
    )


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

    every_sync = {"configChangesHours": "0", "configListingHours": "0"}  # syncs 3 h apart
    with serve(world, clock) as server:
        project.sync(make_configuration(server, restaurantGuids=R1, **every_sync))
        clock.advance(hours=3)
        server.after_request(full_listing_done, lambda: world.config[R1]["tables"].append(created))
        second = project.sync(make_configuration(server, restaurantGuids=R1, **every_sync))
        deleted = second.warehouse.query(
            "SELECT count(*) FROM tester.tables WHERE id = ? AND _fivetran_deleted",
            created["guid"],
        )
        clock.advance(hours=3)
        third = project.sync(make_configuration(server, restaurantGuids=R1, **every_sync))

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
    cursors = {guid: s.get("cursors") for guid, s in state["restaurants"].items()}
    ended = dict.fromkeys(("orders", "labor", "cash"), "2026-11-20T12:00:00.000+0000")
    assert cursors[R2] == cursors[R3] == ended
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

    # The second sync's own window, refused a day after the first, keeps its own age.
    assert [(d["start"], d["attempts"]) for d in after_two] == [
        ("2026-10-27T00:00:00.000+0000", 2),
        ("2026-11-20T11:55:00.000+0000", 1),
    ]
    gave_up = [line for line in log.splitlines() if "giving up" in line]
    assert len(gave_up) == 1
    assert ORDERS_PATH in gave_up[0] and "2026-10-27T00:00:00.000+0000" in gave_up[0]
    assert R3 in gave_up[0]
    # Only the part refused 8 days ago is given up: the one first refused 7 days ago stays
    # (2 attempts), and what this sync was refused is a new part from the last window's end.
    assert [(d["start"], d["end"], d["attempts"]) for d in debts(project, R3)] == [
        ("2026-11-20T11:55:00.000+0000", "2026-11-21T11:55:00.000+0000", 2),
        ("2026-11-21T11:55:00.000+0000", "2026-11-28T12:00:00.000+0000", 1),
    ]
