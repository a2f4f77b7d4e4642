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
        server.script("GET", ORDERS_BULK, Fault(status=503, restaurant=R3, params={"page": "2"}))
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


def test_given_the_question_what_changed_refused_then_the_window_is_kept_as_read(
    tmp_path, clock: Clock
) -> None:
    """Should Toast refuse the check after paging (its range ends a few minutes ahead), the
    pages already served stand: the window is not owed again for it."""
    world = busy(World.load())
    overrides = {"restaurantGuids": R3, "initialSyncStart": BUSY_START}
    project = Project(tmp_path / "live")
    check = Fault(status=400, restaurant=R3, params={"startDate": "2026-11-20T11:55:00.000+0000"})
    with serve(world, clock) as server:
        server.script("GET", ORDERS_BULK, check)
        result = project.sync(make_configuration(server, **overrides))
    assert debts(project, R3) == []
    assert result.warehouse.count("orders") == 250
