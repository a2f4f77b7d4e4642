"""A deleted order that still lists a check a live order has: the check is the live order's.

Toast moves a check to another order when checks are combined or moved, and the old order comes
back deleted (toast_api.md §6.8, §13); nothing promises that the deleted order's copy no longer
lists the check. Its delete must take only what it alone owns (connector.Ledger: a deleted
parent does not take a key from a live one), never the check, its selections or its payment.
"""

from __future__ import annotations

import copy
from datetime import timedelta

from tests.conftest import FIXED_NOW, Project, make_configuration, toast_server
from tests.fake_toast import SPLIT_CHECK_ORDER, World

NEW_ORDER = "0d000011-0001-4000-8000-000000000000"  # R1, one check, modified 2026-11-12
MOVED_CHECK = "0c000002-0001-4000-8000-000000000002"  # the second check of SPLIT_CHECK_ORDER
ITS_PAYMENT = "9a000002-0001-4000-8000-000000000003"
OTHER_CHECK = "0c000002-0001-4000-8000-000000000001"  # stays with the deleted order
# A sync of the last ten days only: both orders are modified then, and the rest of the recorded
# world (cash and labor per business day) proves nothing here.
SYNC_START = "2026-11-10T00:00:00.000Z"


def test_given_a_deleted_order_still_listing_a_check_a_live_order_emitted_first_then_it_stays(
    project: Project, world: World, no_wait: list[float], tmp_path
) -> None:
    # Both orders in the sync's last window; the live one is modified first, so it is emitted
    # first (ordersBulk serves by modifiedDate), then the deleted one, which still lists it.
    check = world.move_check(MOVED_CHECK, NEW_ORDER, FIXED_NOW - timedelta(days=2))
    old = world.find_order(SPLIT_CHECK_ORDER)
    stale = copy.deepcopy(check)
    for payment in stale["payments"]:
        payment["orderGuid"] = SPLIT_CHECK_ORDER
    with toast_server(world=world) as server:  # the same world, the deleted order without it
        configuration = make_configuration(server, initialSyncStart=SYNC_START)
        expected = Project(tmp_path / "expected").sync(configuration).warehouse
        moved_rows = {table: _rows_of_check(expected, table) for table in MOVED_ROWS}
    old["checks"].append(stale)
    with toast_server(world=world) as server:
        configuration = make_configuration(server, initialSyncStart=SYNC_START)
        warehouse = project.sync(configuration).warehouse

    live = warehouse.query(
        "SELECT id, _fivetran_deleted FROM tester.orders_check WHERE id IN (?, ?) ORDER BY id",
        OTHER_CHECK,
        MOVED_CHECK,
    )
    assert live == [(OTHER_CHECK, True), (MOVED_CHECK, False)]
    selections = warehouse.query(
        "SELECT DISTINCT _fivetran_deleted FROM tester.orders_check_selection "
        "WHERE orders_check_id = ?",
        MOVED_CHECK,
    )
    assert selections == [(False,)]
    assert warehouse.row("payment", ITS_PAYMENT)["_fivetran_deleted"] is False
    links = warehouse.query(
        "SELECT payment_id, _fivetran_deleted FROM tester.orders_check_payment "
        "WHERE orders_check_id = ?",
        MOVED_CHECK,
    )
    assert links == [(ITS_PAYMENT, False)]
    assert warehouse.row("orders", SPLIT_CHECK_ORDER)["_fivetran_deleted"] is True
    assert warehouse.row("orders", NEW_ORDER)["_fivetran_deleted"] is False
    # Every value of the moved check's rows is the live order's (its orders_id, its
    # order_modified_date, the payment's order_guid), as if the deleted order did not list it.
    assert {table: _rows_of_check(warehouse, table) for table in MOVED_ROWS} == moved_rows
    assert {row["orders_id"] for row in moved_rows["orders_check"]} == {NEW_ORDER}


# The tables of the moved check's rows, and the column that ties each row to the check.
MOVED_ROWS = {
    "orders_check": "id",
    "orders_check_selection": "orders_check_id",
    "orders_check_payment": "orders_check_id",
    "payment": "check_guid",
}


def _rows_of_check(warehouse, table: str) -> list[dict]:
    """Every column but Fivetran's sync time of the rows of MOVED_CHECK in `table`."""
    columns = [c for c in warehouse.columns(table) if c != "_fivetran_synced"]
    found = warehouse.query(
        f"SELECT {', '.join(columns)} FROM tester.{table} WHERE {MOVED_ROWS[table]} = ? "
        "ORDER BY 1",
        MOVED_CHECK,
    )
    return [dict(zip(columns, row, strict=True)) for row in found]
