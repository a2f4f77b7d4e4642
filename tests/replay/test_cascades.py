"""An object Toast flags deleted takes every row under it along, inside a live parent too
(issue 20): a deleted check in a live order deletes its selections, their modifiers, taxes and
discounts, its discounts, service charges, payment links and payments (a payment a live check
also links stays live); a deleted employee deletes its job references and wage overrides.

Two syncs of the recorded world through the SDK's runner; between them Toast deletes one check
of each of four live orders (`World.delete_check`). Every row of those orders is checked.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

import connector
from tests.conftest import FIXED_NOW, Project, Warehouse, make_configuration, toast_server
from tests.fake_toast import (
    COMBO_DISCOUNT_ORDER,
    DEEP_MODIFIER_ORDER,
    DELETED_EMPLOYEE_R1,
    NULL_GUID_TAX_ORDER,
    R1,
    SPLIT_CHECK_ORDER,
    World,
)
from tests.replay.test_deletes import rows_under

_SELECTIONS = "SELECT id FROM tester.orders_check_selection WHERE orders_check_id = {c}"
_SELECTION_DISCOUNTS = (
    "SELECT id FROM tester.orders_check_selection_applied_discount "
    f"WHERE orders_check_selection_id IN ({_SELECTIONS})"
)
_CHECK_DISCOUNTS = (
    "SELECT id FROM tester.orders_check_applied_discount WHERE orders_check_id = {c}"
)
# The rows under one check, as `WHERE` clauses ({c}: the check's id), keyed as `rows_under`.
UNDER_CHECK = {
    "orders_check": ("id", "id = {c}"),
    "orders_check_selection": ("id", "orders_check_id = {c}"),
    "orders_check_selection_modifier": ("id", f"orders_check_selection_id IN ({_SELECTIONS})"),
    "orders_check_selection_applied_tax": ("id", f"orders_check_selection_id IN ({_SELECTIONS})"),
    "orders_check_selection_applied_discount": (
        "id",
        f"orders_check_selection_id IN ({_SELECTIONS})",
    ),
    "orders_check_selection_applied_discount_trigger": (
        "id",
        f"orders_check_selection_applied_discount_id IN ({_SELECTION_DISCOUNTS})",
    ),
    "orders_check_applied_discount": ("id", "orders_check_id = {c}"),
    "orders_check_applied_discount_trigger": (
        "id",
        f"orders_check_applied_discount_id IN ({_CHECK_DISCOUNTS})",
    ),
    "orders_check_applied_discount_combo_item": (
        "id",
        f"orders_check_applied_discount_id IN ({_CHECK_DISCOUNTS})",
    ),
    "orders_check_applied_service_charge": ("id", "orders_check_id = {c}"),
    "orders_check_payment": ("orders_check_id || '/' || payment_id", "orders_check_id = {c}"),
    "payment": (
        "id",
        "id IN (SELECT payment_id FROM tester.orders_check_payment WHERE orders_check_id = {c})",
    ),
}
ORDERS = (SPLIT_CHECK_ORDER, DEEP_MODIFIER_ORDER, COMBO_DISCOUNT_ORDER, NULL_GUID_TAX_ORDER)
WAGE_OVERRIDE = {"wage": 19.0, "jobReference": None}


def rows_of_check(warehouse: Warehouse, check: str) -> dict[str, set[str]]:
    found = {}
    for table, (key, where) in UNDER_CHECK.items():
        sql = f'SELECT {key} FROM tester."{table}" WHERE {where}'
        found[table] = {k for (k,) in warehouse.query(sql.replace("{c}", f"'{check}'"))}
    return {table: keys for table, keys in found.items() if keys}


class Synced:
    def __init__(self, first: Warehouse, second: Warehouse, world: World, shared: str) -> None:
        self.first, self.second, self.world, self.shared = first, second, world, shared


@pytest.fixture(scope="module")
def synced(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synced]:
    world = World.load()
    deleted_employee = next(
        e for e in world.labor[R1]["employees"] if e["guid"] == DELETED_EMPLOYEE_R1
    )
    deleted_employee["wageOverrides"] = [WAGE_OVERRIDE]
    project = Project(tmp_path_factory.mktemp("cascades") / "project")
    with toast_server(world=world) as server, pytest.MonkeyPatch.context() as patch:
        patch.setattr(connector, "SLEEP", lambda seconds: None)
        patch.setattr(connector, "NOW", lambda: FIXED_NOW)
        first = project.sync(make_configuration(server, restaurantGuids=R1)).warehouse
        moment = FIXED_NOW + timedelta(hours=1)
        for order in ORDERS:
            world.delete_check(world.find_order(order)["checks"][0]["guid"], moment)
        # The split order's live check also links the deleted check's payment (one payment
        # across two checks): that payment stays live, only the deleted check's link goes.
        split = world.find_order(SPLIT_CHECK_ORDER)["checks"]
        shared = split[0]["payments"][0]
        split[1]["payments"].append(shared)
        patch.setattr(connector, "NOW", lambda: FIXED_NOW + timedelta(days=1))
        second = project.sync(make_configuration(server, restaurantGuids=R1)).warehouse
    yield Synced(first, second, world, shared["guid"])


@pytest.mark.parametrize("order", ORDERS)
def test_a_deleted_check_in_a_live_order_takes_every_row_under_it(synced, order: str) -> None:
    check = synced.world.find_order(order)["checks"][0]["guid"]
    under_check = rows_of_check(synced.second, check)
    everything = rows_under(synced.second, order)
    deleted = {
        (table, key) for table, rows in everything.items() for key, gone in rows.items() if gone
    }
    shared = {("payment", synced.shared)} if order == SPLIT_CHECK_ORDER else set()
    expected = {(table, key) for table, keys in under_check.items() for key in keys} - shared
    assert deleted == expected
    assert everything["orders"] == {order: False}
    if shared:
        assert everything["payment"][synced.shared] is False


def test_the_deleted_checks_cover_every_kind_of_check_row(synced) -> None:
    covered = {
        table
        for order in ORDERS
        for table in rows_of_check(
            synced.second, synced.world.find_order(order)["checks"][0]["guid"]
        )
    }
    assert covered == set(UNDER_CHECK)


def test_a_deleted_employee_takes_its_job_references_and_wage_overrides(synced) -> None:
    rows = {
        table: synced.first.query(
            f"SELECT employee_id, _fivetran_deleted FROM tester.{table} WHERE restaurant_id = ?",
            R1,
        )
        for table in ("employee_job_reference", "employee_wage_override")
    }
    assert (DELETED_EMPLOYEE_R1, True) in rows["employee_wage_override"]
    for table, found in rows.items():
        assert {(e, gone) for e, gone in found if gone} == {(DELETED_EMPLOYEE_R1, True)}, table
        assert all(gone == (e == DELETED_EMPLOYEE_R1) for e, gone in found), table
