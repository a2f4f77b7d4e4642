"""The value oracle's own tests: the rows it derives from the recorded world (checked against
values read off the recordings by hand), and that it catches one wrong value in a synced
warehouse: each test alters a copy of a synced DuckDB file and expects exactly that difference.
"""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.conftest import (
    FIXED_NOW,
    Project,
    Warehouse,
    make_configuration,
    toast_server,
    virtual_time,
)
from tests.fake_toast import (
    COMBO_DISCOUNT_ORDER,
    DEEP_MODIFIER_ORDER,
    DELETED_ORDER,
    EDGE_ORDER,
    NULL_GUID_TAX_ORDER,
    R1,
    R2,
    R3,
    SPLIT_CHECK_ORDER,
    STRADDLE_CASH_DATE_R2,
    STRADDLE_SHIFT,
    VOIDED_ORDER,
    World,
)
from tests.replay import oracle
from tests.replay.oracle import Difference, Instant, Json

START = datetime(2026, 9, 1, tzinfo=timezone.utc)
OCTOBER = datetime(2026, 10, 1, tzinfo=timezone.utc)
UTC = timezone.utc


def rows_of(expected: oracle.Expected, table: str, **where: Any) -> list[oracle.Row]:
    return [
        row
        for row in expected.rows.get(table, [])
        if all(row.values.get(column) == value for column, value in where.items())
    ]


# ------------------------------------------------------------------ rows derived from the JSON


def test_nested_fields_flatten_to_fivetran_names_with_guid_as_id() -> None:
    record = {
        "guid": "g",
        "server": {"guid": "s", "entityType": "RestaurantUser", "externalId": None},
        "deliveryInfo": {"latitude": 42.35, "address1": "88 Seaport Blvd"},
        "employee1": {"guid": "e"},
        "last4Digits": "0042",
        "paidDate": "2026-10-01T04:30:00.125+0000",
        "paidBusinessDate": 20260930,
        "businessDate": "20260930",
        "voided": False,
        "amount": 24.62,
        "comboItems": [{"guid": "m", "externalId": None}],
        "checks": [{"guid": "c"}],
    }
    assert oracle.flatten(record, skip=("checks",)) == {
        "id": "g",
        "server_id": "s",
        "server_entity_type": "RestaurantUser",
        "server_external_id": None,
        "delivery_info_latitude": 42.35,
        "delivery_info_address_1": "88 Seaport Blvd",
        "employee_1_id": "e",
        "last_4_digits": "0042",
        "paid_date": Instant(datetime(2026, 10, 1, 4, 30, 0, 125000, tzinfo=UTC)),
        "paid_business_date": 20260930,
        "business_date": 20260930,  # Toast's text business date (time entries) is an integer
        "voided": False,
        "amount": 24.62,
        "combo_items": Json([{"guid": "m", "externalId": None}]),
    }
    assert oracle.snake_case("ordersCheckSelectionAppliedDiscountId") == (
        "orders_check_selection_applied_discount_id"
    )


def test_modifiers_of_modifiers_keep_their_parents() -> None:
    expected = oracle.expected_warehouse(World.load(), START, FIXED_NOW)
    selection = "5e000001-0001-4000-8000-000000000001"  # of DEEP_MODIFIER_ORDER
    chain = {
        row.values["id"]: (row.values["parent_modifier_id"], row.values["display_name"])
        for row in rows_of(
            expected, "orders_check_selection_modifier", orders_check_selection_id=selection
        )
    }
    assert chain == {
        "3d000001-0001-4000-8000-000000000003": (None, "Grilled Chicken"),
        "3d000001-0001-4000-8000-000000000002": (
            "3d000001-0001-4000-8000-000000000003",
            "Teriyaki Glaze",
        ),
        "3d000001-0001-4000-8000-000000000001": (
            "3d000001-0001-4000-8000-000000000002",
            "Extra Hot",
        ),
    }
    order = rows_of(expected, "orders", id=DEEP_MODIFIER_ORDER)[0].values
    assert order["server_id"] == "a2000000-0001-4000-8000-000000000001"
    assert order["business_date"] == 20260905
    assert order["modified_date"] == Instant(datetime(2026, 9, 5, 17, 31, 45, 902000, tzinfo=UTC))
    features = rows_of(expected, "orders_pricing_feature", orders_id=DEEP_MODIFIER_ORDER)
    assert sorted(row.values["pricing_feature"] for row in features) == ["TAXESV2", "TAXESV3"]


def test_objects_without_a_guid_are_keyed_by_parent_and_content() -> None:
    expected = oracle.expected_warehouse(World.load(), START, FIXED_NOW)
    selection = "5e000003-0001-4000-8000-000000000001"  # of NULL_GUID_TAX_ORDER
    taxes = rows_of(
        expected, "orders_check_selection_applied_tax", orders_check_selection_id=selection
    )
    assert [(t.synthetic, t.values["name"], t.values["tax_amount"]) for t in taxes] == [
        (True, "MA Sales Tax", 1.44),
        (True, "Boston Local Meals Tax", 0.17),
    ]
    assert taxes[0].key == (("orders_check_selection_id", selection),)
    discount = "d1000004-0001-4000-8000-000000000001"  # of COMBO_DISCOUNT_ORDER
    combo = rows_of(
        expected,
        "orders_check_applied_discount_combo_item",
        orders_check_applied_discount_id=discount,
    )
    assert [row.values["guid"] for row in combo] == [  # the menu item's guid, not the row's id
        "c0000006-0000-4000-8000-000000000001",
        "c0000006-0001-4000-8000-000000000002",
    ]
    assert all("id" not in row.values for row in combo)
    overrides = rows_of(
        expected, "employee_wage_override", employee_id="a2000000-0000-4000-8000-000000000001"
    )
    assert sorted((r.values["restaurant_id"], r.values["wage"]) for r in overrides) == [
        (R1, 17.0),
        (R1, 20.5),
        (R2, 19.0),
    ]
    assert NULL_GUID_TAX_ORDER and COMBO_DISCOUNT_ORDER  # the orders these rows belong to


def test_the_range_selects_by_modified_date_and_cash_by_business_date() -> None:
    world = World.load()
    no_schedule = timedelta(0)  # shifts only up to each sync's now, not the schedule ahead
    september = oracle.expected_warehouse(world, START, OCTOBER, schedule_horizon=no_schedule)
    october = oracle.expected_warehouse(world, OCTOBER, FIXED_NOW, schedule_horizon=no_schedule)
    assert rows_of(september, "orders", id=EDGE_ORDER) == []  # modified at 10-01T00:00Z exactly
    assert len(rows_of(october, "orders", id=EDGE_ORDER)) == 1
    worked_in_september = "a4000000-0001-4000-8000-000000000003"  # modified 10-02
    assert rows_of(september, "time_entry", id=worked_in_september) == []
    entry = rows_of(october, "time_entry", id=worked_in_september)[0].values
    assert (entry["business_date"], entry["overtime_hours"]) == (20260918, 0.64)
    whole = oracle.expected_warehouse(world, START, FIXED_NOW)
    never_out = "a3000000-0001-4000-8000-000000000009"
    assert rows_of(whole, "shift", id=never_out) == []
    # A shift belongs to the range it clocks out in: in 09-30T22:00Z, out 10-01T06:00Z.
    assert rows_of(september, "shift", id=STRADDLE_SHIFT) == []
    assert len(rows_of(october, "shift", id=STRADDLE_SHIFT)) == 1
    # Cash: every recorded business date lies in the range (R2's straddles UTC midnight), and
    # each row carries the date it was asked for.
    for restaurant in (R1, R2):
        dates = oracle.cash_business_dates(world, restaurant, START, FIXED_NOW)
        for kind in ("entries", "deposits"):
            assert set(world.cash[restaurant][kind]) <= set(dates)
    straddling = rows_of(whole, "cash_entry", business_date=int(STRADDLE_CASH_DATE_R2))
    assert len(straddling) == len(world.cash[R2]["entries"][STRADDLE_CASH_DATE_R2]) > 0
    assert {row.values["restaurant_id"] for row in straddling} == {R2}


def test_restaurant_rows_merge_the_partners_record_and_the_restaurant_info() -> None:
    world = World.load()
    listed = oracle.expected_warehouse(world, START, FIXED_NOW)
    row = rows_of(listed, "restaurant", id=R1)[0].values
    expected_part = {
        "name": "Harborview Kitchen",
        "time_zone": "America/New_York",
        "closeout_hour": 4,
        "management_group_guid": "10000000-0000-4000-8000-000000000001",
        "archived": False,
        "zip_code": "02210",  # all digits, a leading zero: text
        "created_date": 1739203200000,  # the partners API's epoch milliseconds
        "iso_created_date": Instant(datetime(2025, 2, 10, 16, tzinfo=UTC)),
        "urls_website": "https://hvk-01.example.com",
        "prep_times_delivery_prep_time": 35,
    }
    assert {column: row.get(column) for column in expected_part} == expected_part
    assert row["schedules"].value["weekSchedule"]["monday"] == "4000000001"
    configured = oracle.expected_warehouse(world, START, FIXED_NOW, restaurants=[R2])
    assert [r.values["id"] for r in configured.rows["restaurant"]] == [R2]
    assert "created_date" not in configured.rows["restaurant"][0].values  # partners-only


def test_objects_gone_from_a_later_world_end_deleted_unless_their_restaurant_is_not_synced() -> (
    None
):
    world = World.load()
    earlier = oracle.expected_warehouse(world, START, FIXED_NOW)
    menu_item = world.config[R1]["menuItems"][0]
    world.remove_config(R1, "menuItems", menu_item["guid"])
    order = world.touch_order(DEEP_MODIFIER_ORDER, "2026-11-20T11:59:59.000+0000")
    removed = order["checks"][0]["selections"].pop(0)
    world.disconnect(R3)

    later = oracle.expected_warehouse(world, START, FIXED_NOW, earlier=earlier)

    item = rows_of(later, "menu_item", id=menu_item["guid"], restaurant_id=R1)[0]
    assert item.deleted
    assert item.values["name"] == menu_item["name"]  # soft delete keeps the last values
    selection = rows_of(later, "orders_check_selection", id=removed["guid"])[0]
    assert selection.deleted
    modifiers = rows_of(
        later, "orders_check_selection_modifier", orders_check_selection_id=removed["guid"]
    )
    assert len(modifiers) == 3 and all(m.deleted for m in modifiers)
    r3_orders = [row for row in later.rows["orders"] if row.restaurant == R3]
    assert r3_orders and not any(row.deleted for row in r3_orders)  # kept as they were
    assert rows_of(later, "orders", id=DEEP_MODIFIER_ORDER)[0].values["modified_date"] == Instant(
        datetime(2026, 11, 20, 11, 59, 59, tzinfo=UTC)
    )


def test_the_switches_for_the_delete_and_denormalising_semantics() -> None:
    world = World.load()
    today = oracle.expected_warehouse(
        world, START, FIXED_NOW, deleted_order_children=False, denormalised_order_children=False
    )
    planned = oracle.expected_warehouse(
        world, START, FIXED_NOW, deleted_order_children=True, denormalised_order_children=True
    )
    order = world.find_order(DELETED_ORDER)
    check = order["checks"][0]["guid"]
    selection = order["checks"][0]["selections"][0]["guid"]
    assert rows_of(today, "orders", id=DELETED_ORDER)[0].deleted
    assert rows_of(today, "orders_check", id=check)[0].deleted  # flagged in the recording too
    assert not rows_of(today, "orders_check_selection", id=selection)[0].deleted
    assert not rows_of(today, "orders_pricing_feature", orders_id=DELETED_ORDER)[0].deleted
    assert rows_of(planned, "orders_check_selection", id=selection)[0].deleted
    under_order = [
        row
        for table in oracle.ORDER_CHILD_TABLES
        for row in planned.rows.get(table, [])
        if row.values.get("orders_id") == DELETED_ORDER
        or row.values.get("orders_check_id") == check
        or row.values.get("orders_check_selection_id") == selection
    ]
    tables = {row.table for row in under_order}
    assert tables == {
        "orders_check",
        "orders_check_selection",
        "orders_check_selection_applied_tax",
        "orders_pricing_feature",
    }
    assert all(row.deleted for row in under_order)
    assert {(r.values["restaurant_id"], r.values["business_date"]) for r in under_order} == {
        (R1, order["businessDate"])
    }
    assert "business_date" not in rows_of(today, "orders_check", id=check)[0].values
    assert not rows_of(planned, "orders", id=VOIDED_ORDER)[0].deleted  # voided is not deleted


@pytest.mark.parametrize(
    ("expected", "actual", "same"),
    [
        pytest.param(24.62, 24.62 * (1 + 1e-10), True, id="float-within-1e-9"),
        pytest.param(24.62, 24.6200008392334, False, id="32-bit-float"),
        pytest.param(20, 20.0, True, id="int-as-double"),
        pytest.param("000123", 123, False, id="digit-text-as-number"),
        pytest.param("4242", "4242", True, id="digit-text"),
        pytest.param(True, 1, False, id="flag-as-number"),
        pytest.param(None, "", False, id="null-as-empty-text"),
        pytest.param(
            Instant(datetime(2026, 10, 1, tzinfo=UTC)),
            datetime(2026, 10, 1, 2, tzinfo=timezone(timedelta(hours=2))),
            True,
            id="same-instant-other-offset",
        ),
        pytest.param(
            Instant(datetime(2026, 10, 1, tzinfo=UTC)),
            datetime(2026, 10, 1),  # naive: must not pass
            False,
            id="naive-timestamp",
        ),
        pytest.param(
            Instant(datetime(2026, 10, 1, tzinfo=UTC)),
            "2026-10-01T00:00:00.000+0000",
            False,
            id="timestamp-as-text",
        ),
        pytest.param(Json([{"a": True}]), Json([{"a": 1}]), False, id="json-flag-as-number"),
        pytest.param(Json([{"a": 1.5}]), "[{'a': 1.5}]", False, id="python-repr-for-json"),
    ],
)
def test_values_compare_by_kind(expected: Any, actual: Any, same: bool) -> None:
    assert oracle.same_value(expected, actual) is same


# ------------------------------------------------------------------ one wrong value in a sync


@pytest.fixture(scope="module")
def synced(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, oracle.Expected, World]:
    """One sync of the recorded world: its warehouse file and what the oracle expects of it."""
    world = World.load()
    with toast_server(world=world) as server, virtual_time():
        project = Project(tmp_path_factory.mktemp("oracle") / "project")
        project.sync(make_configuration(server))
    return project.warehouse.path, oracle.expected_warehouse(world, START, FIXED_NOW), world


def altered(synced: tuple[Path, oracle.Expected, World], tmp_path: Path, *sql: str) -> Warehouse:
    """A copy of the synced warehouse with `sql` applied (the shared file stays as it is)."""
    copy = tmp_path / "warehouse.db"
    shutil.copy(synced[0], copy)
    with duckdb.connect(str(copy)) as db:
        for statement in sql:
            db.execute(statement)
    return Warehouse(copy)


def test_the_synced_warehouse_itself_has_no_difference(synced) -> None:
    path, expected, _ = synced
    assert oracle.compare(expected, Warehouse(path)) == []


def test_an_amount_off_by_one_millionth_is_reported(synced, tmp_path: Path) -> None:
    payment = "9a000001-0001-4000-8000-000000000001"
    warehouse = altered(
        synced,
        tmp_path,
        f"UPDATE tester.payment SET amount = amount * (1 + 1e-6) WHERE id = '{payment}'",
    )
    differences = oracle.compare(synced[1], warehouse)
    assert differences == [
        Difference("payment", (("id", payment),), "amount", 24.62, pytest.approx(24.62002462))
    ]
    assert str(differences[0]) == (
        f"payment [id={payment}] amount: expected 24.62, actual 24.62002462"
    )


def test_digit_text_that_landed_as_a_number_is_reported(synced, tmp_path: Path) -> None:
    warehouse = altered(
        synced, tmp_path, "ALTER TABLE tester.restaurant ALTER zip_code TYPE BIGINT"
    )
    differences = oracle.compare(synced[1], warehouse)
    assert [(d.table, d.key, d.column, d.expected, d.actual) for d in differences] == [
        ("restaurant", (("id", R1),), "zip_code", "02210", 2210),
        ("restaurant", (("id", R2),), "zip_code", "90026", 90026),
        ("restaurant", (("id", R3),), "zip_code", "60607", 60607),
    ]


def test_a_child_under_a_sibling_parent_is_reported(synced, tmp_path: Path) -> None:
    order = synced[2].find_order(SPLIT_CHECK_ORDER)
    first, second = order["checks"]
    selection = first["selections"][0]["guid"]
    warehouse = altered(
        synced,
        tmp_path,
        f"UPDATE tester.orders_check_selection SET orders_check_id = '{second['guid']}' "
        f"WHERE id = '{selection}'",
    )
    assert oracle.compare(synced[1], warehouse) == [
        Difference(
            "orders_check_selection",
            (("id", selection),),
            "orders_check_id",
            first["guid"],
            second["guid"],
        )
    ]


def test_a_timestamp_one_second_off_is_reported(synced, tmp_path: Path) -> None:
    warehouse = altered(
        synced,
        tmp_path,
        "UPDATE tester.orders SET modified_date = modified_date + INTERVAL 1 SECOND "
        f"WHERE id = '{EDGE_ORDER}'",
    )
    differences = oracle.compare(synced[1], warehouse)
    assert [(d.table, d.key, d.column, d.expected) for d in differences] == [
        ("orders", (("id", EDGE_ORDER),), "modified_date", Instant(OCTOBER))
    ]
    assert differences[0].actual == OCTOBER + timedelta(seconds=1)


@pytest.mark.parametrize(
    ("table", "guid", "column"),
    [
        pytest.param("orders", VOIDED_ORDER, "voided", id="voided"),
        pytest.param("orders", DELETED_ORDER, "_fivetran_deleted", id="soft-deleted"),
    ],
)
def test_a_flipped_flag_is_reported(
    synced, tmp_path: Path, table: str, guid: str, column: str
) -> None:
    warehouse = altered(
        synced,
        tmp_path,
        f'UPDATE tester.{table} SET "{column}" = NOT "{column}" WHERE id = \'{guid}\'',
    )
    assert oracle.compare(synced[1], warehouse) == [
        Difference(table, (("id", guid),), column, True, False)
    ]


def test_a_wrong_value_in_a_row_without_a_guid_is_reported(synced, tmp_path: Path) -> None:
    discount = "d1000004-0001-4000-8000-000000000001"  # two triggers of quantity 1.0
    warehouse = altered(
        synced,
        tmp_path,
        "UPDATE tester.orders_check_applied_discount_trigger SET quantity = 2.0 WHERE id = "
        "(SELECT min(id) FROM tester.orders_check_applied_discount_trigger "
        f"WHERE orders_check_applied_discount_id = '{discount}')",
    )
    differences = oracle.compare(synced[1], warehouse)
    assert [(d.table, d.key[0], d.column, d.expected, d.actual) for d in differences] == [
        (
            "orders_check_applied_discount_trigger",
            ("orders_check_applied_discount_id", discount),
            "quantity",
            1.0,
            2.0,
        )
    ]


def test_a_missing_row_and_a_column_that_should_not_be_there_are_reported(
    synced, tmp_path: Path
) -> None:
    warehouse = altered(
        synced,
        tmp_path,
        "DELETE FROM tester.orders_pricing_feature WHERE orders_id = "
        f"'{DEEP_MODIFIER_ORDER}' AND pricing_feature = 'TAXESV3'",
        "ALTER TABLE tester.orders ADD COLUMN server_guid VARCHAR",
        "UPDATE tester.orders SET server_guid = server_id",  # a mis-flattened copy, with values
    )
    differences = oracle.compare(synced[1], warehouse)
    assert differences == [
        Difference("orders", (), "server_guid", "absent", "a VARCHAR column"),
        Difference(
            "orders_pricing_feature",
            (("orders_id", DEEP_MODIFIER_ORDER), ("pricing_feature", "TAXESV3")),
            oracle.ROW,
            "present",
            "missing",
        ),
    ]
    assert oracle.report(differences).splitlines()[1:] == [
        "orders [*] server_guid: expected absent, actual 'a VARCHAR column'",
        f"orders_pricing_feature [orders_id={DEEP_MODIFIER_ORDER}, pricing_feature=TAXESV3] "
        "(row): expected present, actual missing",
    ]


def test_a_32_bit_float_column_is_reported(synced, tmp_path: Path) -> None:
    warehouse = altered(
        synced, tmp_path, "ALTER TABLE tester.orders_check ALTER tax_amount TYPE FLOAT"
    )
    differences = oracle.compare(synced[1], warehouse)
    assert differences[0] == Difference(
        "orders_check", (), "tax_amount", "DOUBLE (64-bit)", "FLOAT (32-bit)"
    )
    assert len(differences) > 1  # and the amounts a 32-bit float cannot hold
    assert {(d.table, d.column) for d in differences} == {("orders_check", "tax_amount")}


# ------------------------------------------------------------------ foreign keys per restaurant


def test_a_reference_to_another_restaurants_employee_dangles(synced, tmp_path: Path) -> None:
    at_r1 = "a2000000-0001-4000-8000-000000000002"  # works at R1 only
    at_r2 = "a2000000-0002-4000-8000-000000000002"  # works at R2 only
    warehouse = altered(
        synced,
        tmp_path,
        f"UPDATE tester.employee_job_reference SET employee_id = '{at_r2}' "
        f"WHERE employee_id = '{at_r1}' AND restaurant_id = '{R1}'",
    )
    assert oracle.dangling_foreign_keys(warehouse) == [
        "employee_job_reference.employee_id -> employee.id (same restaurant_id): 1"
    ]
