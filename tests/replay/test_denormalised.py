"""Every table under `orders` carries the order's `restaurant_id` and `business_date`, so sales
questions filter without joining up three levels, and the order's version (`modified_date`, as
`order_modified_date`), so a child the order no longer has is found in SQL; a break carries its
time entry's as `time_entry_modified_date`. A row's keys stay what they were."""

from __future__ import annotations

import pytest

import connector
from tests.conftest import Project, SyncResult, make_configuration, toast_server, virtual_time
from tests.fake_toast import World

# (table, its parent's id column, parent table): each row's parent is one level up.
UP = [
    ("orders_check", "orders_id", "orders"),
    ("orders_pricing_feature", "orders_id", "orders"),
    ("orders_check_selection", "orders_check_id", "orders_check"),
    ("orders_check_selection_modifier", "orders_check_selection_id", "orders_check_selection"),
    ("orders_check_selection_applied_tax", "orders_check_selection_id", "orders_check_selection"),
    (
        "orders_check_selection_applied_discount",
        "orders_check_selection_id",
        "orders_check_selection",
    ),
    (
        "orders_check_selection_applied_discount_trigger",
        "orders_check_selection_applied_discount_id",
        "orders_check_selection_applied_discount",
    ),
    ("orders_check_applied_discount", "orders_check_id", "orders_check"),
    (
        "orders_check_applied_discount_trigger",
        "orders_check_applied_discount_id",
        "orders_check_applied_discount",
    ),
    (
        "orders_check_applied_discount_combo_item",
        "orders_check_applied_discount_id",
        "orders_check_applied_discount",
    ),
    ("orders_check_applied_service_charge", "orders_check_id", "orders_check"),
    ("orders_check_payment", "orders_check_id", "orders_check"),
    ("payment", "check_guid", "orders_check"),
]


@pytest.fixture(scope="module")
def synced(tmp_path_factory: pytest.TempPathFactory) -> SyncResult:
    with toast_server(world=World.load()) as server, virtual_time():
        return Project(tmp_path_factory.mktemp("denormalised") / "p").sync(
            make_configuration(server)
        )


def test_every_table_under_orders_carries_the_orders_restaurant_and_business_date(
    synced: SyncResult,
) -> None:
    warehouse = synced.warehouse
    assert {table for table, _, _ in UP} | {"break"} == set(connector._CARRIED_COLUMNS)
    for table, parent_id, parent in UP:
        columns = warehouse.columns(table)
        assert (columns["restaurant_id"], columns["business_date"]) == ("VARCHAR", "INTEGER")
        rows = warehouse.query(
            f"SELECT c.restaurant_id, c.business_date, p.restaurant_id, p.business_date "
            f'FROM tester."{table}" c JOIN tester."{parent}" p ON p.id = c.{parent_id}'
        )
        assert rows, table
        assert all(row[:2] == row[2:] and None not in row for row in rows), table
        unjoined = warehouse.query(
            f'SELECT count(*) FROM tester."{table}" WHERE restaurant_id IS NULL '
            "OR business_date IS NULL"
        )
        assert unjoined == [(0,)], table
    orders = warehouse.query(
        "SELECT count(*) FROM tester.orders WHERE restaurant_id IS NULL OR business_date IS NULL"
    )
    assert orders == [(0,)]


def test_every_row_under_an_order_or_a_time_entry_carries_its_version(
    synced: SyncResult,
) -> None:
    """Each row's version is its parent's (the order's `modified_date` one level up, the
    parent's `order_modified_date` further down): a timestamp, never null, on every row of a
    complete sync, where nothing is stale."""
    warehouse = synced.warehouse
    ups = [(*up, "order_modified_date") for up in UP]
    ups.append(("break", "time_entry_id", "time_entry", "time_entry_modified_date"))
    for table, parent_id, parent, version in ups:
        assert warehouse.columns(table)[version] == "TIMESTAMP WITH TIME ZONE", table
        of_parent = "modified_date" if parent in ("orders", "time_entry") else version
        rows = warehouse.query(
            f'SELECT c.{version}, p.{of_parent} FROM tester."{table}" c '
            f'JOIN tester."{parent}" p ON p.id = c.{parent_id}'
        )
        assert rows, table
        assert all(row[0] == row[1] and row[0] is not None for row in rows), table
        assert warehouse.query(f'SELECT count(*) FROM tester."{table}"') == [(len(rows),)], table


def test_carried_columns_are_no_part_of_any_key() -> None:
    """A discount trigger (keyed by its content and parents) keeps the id it had before."""
    trigger = connector.CHECK.children[1].table.children[0].table
    assert trigger.name == "orders_check_applied_discount_trigger"
    context = {"ordersCheckAppliedDiscountId": "d-1"}
    record = {"selection": {"guid": "s-1"}, "quantity": 1}
    plain = connector.build_row(trigger, record, context, 0)
    rows = list(
        connector.explode(
            trigger, record, context, carried={"restaurantId": "r-1", "businessDate": 20261101}
        )
    )
    assert rows[0][1]["id"] == plain["id"]
    assert (rows[0][1]["restaurantId"], rows[0][1]["businessDate"]) == ("r-1", 20261101)
