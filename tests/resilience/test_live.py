"""A live Toast: data that changes while the connector syncs, refusals that pass, a location that
refuses everything for a while, one restaurant that keeps failing. Each test runs several syncs
on a virtual clock (a "now" that stands still during a sync and moves between syncs, shared by
the connector and the fake server) and asserts that nothing is lost: the final warehouse equals
a clean sync of the final world, the state says what is still owed, and the requests show how.
"""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import Project, make_configuration
from tests.fake_toast import R1, R2, R3, Fault, World
from tests.fake_toast.builders import bulk_orders
from tests.fake_toast.world import format_ts
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


def test_given_orders_edited_while_a_window_is_read_then_no_order_is_lost(
    tmp_path, clock: Clock
) -> None:
    """Orders are read in slices of less than a page, each one request: orders edited between
    the slices (one already read, one not yet) leave no gap, and no range is paged."""
    world = busy(World.load())
    configuration_overrides = {"restaurantGuids": R3, "initialSyncStart": BUSY_START}
    project = Project(tmp_path / "live")

    def edit(order: dict) -> None:
        order["modifiedDate"] = format_ts(clock.now)
        order["checks"][0]["selections"][0]["quantity"] += 1

    with serve(world, clock) as server:
        for nth, order in ((3, world.orders[R3][-200]), (5, world.orders[R3][-10])):
            server.after_request(
                lambda request, _, nth=nth: (
                    request.path == ORDERS_PATH and len(server.requests_to(ORDERS_PATH)) == nth
                ),
                lambda order=order: edit(order),
            )
        project.sync(make_configuration(server, **configuration_overrides))
        first = [r.params for r in server.requests if r.path == ORDERS_PATH]
        clock.advance(hours=1)
        second = project.sync(make_configuration(server, **configuration_overrides))

    assert_equal_to_a_clean_sync(
        second.warehouse, world, clock, Project(tmp_path / "clean"), **configuration_overrides
    )
    assert second.warehouse.count("orders") == 250
    assert len(first) > 5 and {p["page"] for p in first} == {"1"}


def test_given_a_live_toast_over_several_syncs_then_the_warehouse_ends_equal_to_toast(
    tmp_path, clock: Clock
) -> None:
    """Everything at once, over four syncs six hours apart: orders edited while pages are read,
    new orders arriving, a check moved into another order, single requests refused or failing
    once, a location that refuses everything for one sync, a selection removed."""
    world = busy(World.load(), orders=230)
    world.disconnect(R1)  # R2 and R3 carry every part of the story
    project = Project(tmp_path / "live")
    with serve(world, clock) as server:
        configuration = make_configuration(server)
        # Sync 1: R2 is not activated yet; R3's pages drift; its time entries and a page fail
        # once.
        world.refused.add(R2)
        server.edit_while_paging(2)
        server.script("GET", ORDERS_BULK, Fault(status=503, restaurant=R3))
        server.script("GET", r"^/labor/v1/timeEntries$", Fault(status=403, restaurant=R3))
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


def test_given_the_check_after_offset_paging_refused_then_the_range_is_owed(
    tmp_path, clock: Clock
) -> None:
    """120 orders modified within 30 s cannot be sliced under a page: that range is paged by
    offset and then checked. A refused check leaves it owed (issue 20, item 1): its pages are
    not known to be complete. The next sync reads it again and owes nothing."""
    world = World.load()
    world.add_orders(R3, bulk_orders(120, "2026-11-01T00:00:00.000+0000", step_seconds=0.25))
    overrides = {"restaurantGuids": R3, "initialSyncStart": BUSY_START}
    project = Project(tmp_path / "live")
    check = Fault(status=400, restaurant=R3, params={"startDate": "2026-11-20T11:55:00.000+0000"})
    with serve(world, clock) as server:
        server.script("GET", ORDERS_BULK, check)
        project.sync(make_configuration(server, **overrides))
        assert server.unconsumed() == []
        owed = debts(project, R3)
        clock.advance(hours=1)
        second = project.sync(make_configuration(server, **overrides))
    assert [(d["endpoint"], d["end"]) for d in owed] == [
        (ORDERS_PATH, "2026-11-20T12:00:00.000+0000")
    ]
    assert owed[0]["start"] <= "2026-11-01T00:00:00.000+0000"
    assert debts(project, R3) == []
    assert_equal_to_a_clean_sync(
        second.warehouse, world, clock, Project(tmp_path / "clean"), **overrides
    )
