"""Deletes across syncs, asserted on the warehouse: a check moved to another order, an order Toast
deletes and un-deletes, a removal 60 days after the first sync (within a configured 90-day
reach of the ledger), and one beyond the ledger's reach, found by the order-version filter.

Between syncs the recorded world changes as Toast would, and the sync's clock moves
(`connector.NOW`). ordersBulk serves orders by (modifiedDate, guid) (`World.orders_between`), so
modifiedDate decides which of two edited orders the connector emits first.
"""

from __future__ import annotations

import shutil
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

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
from tests.fake_toast import (
    COMBO_DISCOUNT_ORDER,
    DEEP_MODIFIER_ORDER,
    DELETED_ORDER,
    NULL_GUID_TAX_ORDER,
    R1,
    SPLIT_CHECK_ORDER,
    FakeToast,
    World,
)
from tests.fake_toast.builders import bulk_orders
from tests.fake_toast.world import format_ts

NEW_ORDER = "0d000011-0001-4000-8000-000000000000"  # R1, one check, modified 2026-11-12
MOVED_CHECK = "0c000002-0001-4000-8000-000000000002"  # the second check of SPLIT_CHECK_ORDER

# The order children of one order, as `WHERE` clauses on the warehouse's foreign keys ({o}: the
# order's id), and the column that tells rows of a table apart.
_CHECKS = "SELECT id FROM tester.orders_check WHERE orders_id = {o}"
_SELECTIONS = f"SELECT id FROM tester.orders_check_selection WHERE orders_check_id IN ({_CHECKS})"
_SELECTION_DISCOUNTS = (
    "SELECT id FROM tester.orders_check_selection_applied_discount "
    f"WHERE orders_check_selection_id IN ({_SELECTIONS})"
)
_CHECK_DISCOUNTS = (
    f"SELECT id FROM tester.orders_check_applied_discount WHERE orders_check_id IN ({_CHECKS})"
)
UNDER_ORDER = {
    "orders": ("id", "id = {o}"),
    "orders_check": ("id", "orders_id = {o}"),
    "orders_check_selection": ("id", f"orders_check_id IN ({_CHECKS})"),
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
    "orders_check_applied_discount": ("id", f"orders_check_id IN ({_CHECKS})"),
    "orders_check_applied_discount_trigger": (
        "id",
        f"orders_check_applied_discount_id IN ({_CHECK_DISCOUNTS})",
    ),
    "orders_check_applied_discount_combo_item": (
        "id",
        f"orders_check_applied_discount_id IN ({_CHECK_DISCOUNTS})",
    ),
    "orders_check_applied_service_charge": ("id", f"orders_check_id IN ({_CHECKS})"),
    "orders_check_payment": ("orders_check_id || '/' || payment_id", "orders_id = {o}"),
    "payment": (
        "id",
        "id IN (SELECT payment_id FROM tester.orders_check_payment WHERE orders_id = {o})",
    ),
    "orders_pricing_feature": ("pricing_feature", "orders_id = {o}"),
}


def rows_under(warehouse: Warehouse, order: str) -> dict[str, dict[str, bool]]:
    """Every row of an order in the warehouse, per table: key -> _fivetran_deleted."""
    found = {}
    for table, (key, where) in UNDER_ORDER.items():
        sql = f'SELECT {key}, _fivetran_deleted FROM tester."{table}" WHERE {where}'
        found[table] = dict(warehouse.query(sql.replace("{o}", f"'{order}'")))
    return {table: rows for table, rows in found.items() if rows}


def order_rows(order: dict[str, Any]) -> Counter:
    """Rows one order must produce, per table (a plain walk of the JSON)."""

    def items(record: dict[str, Any], key: str) -> list[Any]:
        return record.get(key) or []

    def modifiers(selection: dict[str, Any]) -> int:
        return sum(1 + modifiers(m) for m in items(selection, "modifiers"))

    def discounts(rows: Counter, prefix: str, applied: list[dict[str, Any]]) -> None:
        for discount in applied:
            rows[prefix] += 1
            rows[f"{prefix}_trigger"] += len(items(discount, "triggers"))
            if prefix == "orders_check_applied_discount":
                rows[f"{prefix}_combo_item"] += len(items(discount, "comboItems"))

    rows: Counter = Counter(orders=1)
    rows["orders_pricing_feature"] += len(set(items(order, "pricingFeatures")))
    for check in items(order, "checks"):
        rows["orders_check"] += 1
        for selection in items(check, "selections"):
            rows["orders_check_selection"] += 1
            rows["orders_check_selection_modifier"] += modifiers(selection)
            rows["orders_check_selection_applied_tax"] += len(items(selection, "appliedTaxes"))
            discounts(
                rows,
                "orders_check_selection_applied_discount",
                items(selection, "appliedDiscounts"),
            )
        discounts(rows, "orders_check_applied_discount", items(check, "appliedDiscounts"))
        rows["orders_check_applied_service_charge"] += len(items(check, "appliedServiceCharges"))
        rows["payment"] += len(items(check, "payments"))
        rows["orders_check_payment"] += len(items(check, "payments"))
    return rows


def assert_rows(warehouse: Warehouse, world: World, order: str, *, deleted: bool) -> None:
    """The warehouse holds every row of the order as the world has it, each `deleted` or live."""
    rows = rows_under(warehouse, order)
    counts = {table: len(keys) for table, keys in rows.items()}
    expected = order_rows(world.find_order(order))
    assert counts == {table: count for table, count in expected.items() if count}, order
    wrong = {table: k for table, keys in rows.items() for k, d in keys.items() if d != deleted}
    assert wrong == {}, f"rows of {order} that should be {'deleted' if deleted else 'live'}"


def at(moment: datetime) -> str:
    return format_ts(moment)


def sync_at(
    project: Project,
    server: FakeToast,
    now: datetime,
    monkeypatch: pytest.MonkeyPatch,
    ledger_days: str = "",
) -> Warehouse:
    monkeypatch.setattr(connector, "NOW", lambda: now)
    configuration = make_configuration(server, deleteLedgerDays=ledger_days)
    return project.sync(configuration).warehouse


class FirstSyncs:
    """The first sync of the recorded world at FIXED_NOW, made once per `deleteLedgerDays` and
    copied into each test's project: every test here starts from it, and it is the expensive
    sync (80 days of windows; the ones after it read a day or a week). The copy resumes against
    the test's own server, whose first data request refuses the copied cached token (401), so
    the client logs in again, as after any token Toast stopped accepting."""

    def __init__(self, root: Path) -> None:
        self._root = root
        self._projects: dict[str, Project] = {}

    def copy_to(self, project: Project, ledger_days: str = "") -> Warehouse:
        if ledger_days not in self._projects:
            first = Project(self._root / f"ledger-{ledger_days or 'default'}")
            with (
                toast_server(world=World.load()) as server,
                virtual_time(),
                pytest.MonkeyPatch.context() as patch,
            ):
                patch.setattr(connector, "NOW", lambda: FIXED_NOW)
                first.sync(make_configuration(server, deleteLedgerDays=ledger_days))
            self._projects[ledger_days] = first
        shutil.copytree(self._projects[ledger_days].path, project.path, dirs_exist_ok=True)
        return project.warehouse


@pytest.fixture(scope="module")
def first_syncs(tmp_path_factory: pytest.TempPathFactory) -> FirstSyncs:
    return FirstSyncs(tmp_path_factory.mktemp("first-syncs"))


def move_check(world: World, new_modified: datetime, old_modified: datetime | None) -> None:
    """Toast moves a check to another order: the old order comes back deleted, without it; the
    new one has it, with its selections and payments (toast_api.md §6.8, §13). `old_modified`
    None: the old order's change is not visible yet (its modifiedDate stays)."""
    old, new = world.find_order(SPLIT_CHECK_ORDER), world.find_order(NEW_ORDER)
    check = next(c for c in old["checks"] if c["guid"] == MOVED_CHECK)
    old["checks"].remove(check)
    for payment in check["payments"]:
        payment["orderGuid"] = NEW_ORDER
    new["checks"].append(check)
    world.touch_order(NEW_ORDER, at(new_modified))
    if old_modified is not None:
        delete_order(world, SPLIT_CHECK_ORDER, old_modified)


def delete_order(world: World, guid: str, moment: datetime) -> None:
    world.touch_order(guid, at(moment)).update(deleted=True, deletedDate=at(moment))


@pytest.mark.parametrize(
    "arrival",
    [
        pytest.param("new-first", id="new-order-emitted-first"),
        pytest.param("old-first", id="old-order-emitted-first"),
        pytest.param("old-next-sync", id="old-order-in-the-next-sync"),
    ],
)
def test_given_a_check_moved_to_another_order_then_it_stays_live_and_the_old_order_is_deleted(
    arrival: str,
    first_syncs: FirstSyncs,
    project: Project,
    world: World,
    no_wait: list[float],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    day = timedelta(days=1)
    early, late = FIXED_NOW + timedelta(hours=1), FIXED_NOW + timedelta(hours=2)
    with toast_server(world=world) as server:
        first_syncs.copy_to(project)
        if arrival == "new-first":
            move_check(world, new_modified=early, old_modified=late)
        elif arrival == "old-first":
            move_check(world, new_modified=late, old_modified=early)
        else:
            move_check(world, new_modified=early, old_modified=None)
            sync_at(project, server, FIXED_NOW + day, monkeypatch)
            delete_order(world, SPLIT_CHECK_ORDER, FIXED_NOW + day + timedelta(hours=1))
        warehouse = sync_at(project, server, FIXED_NOW + 2 * day, monkeypatch)

    assert_rows(warehouse, world, NEW_ORDER, deleted=False)  # the moved check's rows included
    moved = warehouse.row("orders_check", MOVED_CHECK)
    assert (moved["orders_id"], moved["_fivetran_deleted"]) == (NEW_ORDER, False)
    payment_link = warehouse.query(
        "SELECT payment_id, orders_id, _fivetran_deleted FROM tester.orders_check_payment "
        "WHERE orders_check_id = ?",
        MOVED_CHECK,
    )
    assert payment_link == [("9a000002-0001-4000-8000-000000000003", NEW_ORDER, False)]
    assert_rows(warehouse, world, SPLIT_CHECK_ORDER, deleted=True)  # its other check and all


ORDERS_TO_DELETE = (DEEP_MODIFIER_ORDER, NULL_GUID_TAX_ORDER, COMBO_DISCOUNT_ORDER)


def test_given_an_order_toast_deletes_then_every_row_under_it_is_deleted_until_it_comes_back(
    project: Project,
    first_syncs: FirstSyncs,
    world: World,
    no_wait: list[float],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with toast_server(world=world) as server:
        first = first_syncs.copy_to(project)
        assert_rows(first, world, DELETED_ORDER, deleted=True)  # recorded deleted
        for guid in ORDERS_TO_DELETE:
            assert_rows(first, world, guid, deleted=False)
            order = world.touch_order(guid, at(FIXED_NOW + timedelta(hours=1)))
            order.update(deleted=True, deletedDate=order["modifiedDate"])
        deleted = sync_at(project, server, FIXED_NOW + timedelta(days=1), monkeypatch)
        for guid in ORDERS_TO_DELETE:
            assert_rows(deleted, world, guid, deleted=True)
        covered = {table for guid in ORDERS_TO_DELETE for table in rows_under(deleted, guid)}
        assert covered == set(UNDER_ORDER)  # every kind of order row was deleted
        for guid in ORDERS_TO_DELETE:
            order = world.touch_order(guid, at(FIXED_NOW + timedelta(days=1, hours=1)))
            order.update(deleted=False, deletedDate=None)
        restored = sync_at(project, server, FIXED_NOW + timedelta(days=2), monkeypatch)
    for guid in ORDERS_TO_DELETE:
        assert_rows(restored, world, guid, deleted=False)
    assert_rows(restored, world, DELETED_ORDER, deleted=True)


@pytest.mark.slow  # a second full sync for this one check: `bash tests/run.sh -m slow`
def test_given_1100_newer_orders_when_an_order_loses_a_selection_60_days_later_then_it_is_deleted(
    project: Project,
    first_syncs: FirstSyncs,
    world: World,
    no_wait: list[float],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The ledger's reach: the 1,000 most recently modified orders were all it kept once; with
    `deleteLedgerDays` 90 it keeps every order modified within the last 90 days."""
    later = FIXED_NOW + timedelta(days=60)
    with toast_server(world=world) as server:
        first_syncs.copy_to(project, "90")
        world.add_orders(R1, bulk_orders(1100, FIXED_NOW + timedelta(days=5)))
        sync_at(project, server, FIXED_NOW + timedelta(days=10), monkeypatch, "90")
        order = world.touch_order(NEW_ORDER, at(later - timedelta(hours=1)))
        removed = order["checks"][0]["selections"].pop(0)
        warehouse = sync_at(project, server, later, monkeypatch, "90")

    kept = order["checks"][0]["selections"][0]
    assert removed["modifiers"] and not kept.get("modifiers")
    rows = rows_under(warehouse, NEW_ORDER)
    assert rows["orders_check_selection"] == {removed["guid"]: True, kept["guid"]: False}
    assert rows["orders_check_selection_modifier"] == {
        m["guid"]: True for m in removed["modifiers"]
    }
    taxes = warehouse.query(
        "SELECT orders_check_selection_id, _fivetran_deleted, count(*) "
        "FROM tester.orders_check_selection_applied_tax "
        "WHERE orders_check_selection_id IN (?, ?) GROUP BY 1, 2 ORDER BY 2",
        removed["guid"],
        kept["guid"],
    )
    assert taxes == [(kept["guid"], False, 2), (removed["guid"], True, 2)]


# README, Data handling: a current child row has the order's version.
CURRENT_SELECTIONS = """
SELECT s.id FROM tester.orders_check_selection s
JOIN tester.orders_check c ON c.id = s.orders_check_id
JOIN tester.orders o ON o.id = c.orders_id
WHERE NOT s._fivetran_deleted AND s.order_modified_date = o.modified_date AND o.id = ?
"""


def test_given_a_selection_removed_beyond_the_ledgers_reach_then_the_version_filter_drops_it(
    project: Project,
    first_syncs: FirstSyncs,
    world: World,
    no_wait: list[float],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The default reach (3 days) has forgotten an order last modified 8 days ago: a selection
    then taken off stays live, with the order's old version, and the documented filter leaves
    it out while keeping the selection the order still has."""
    later = FIXED_NOW + timedelta(days=8)
    with toast_server(world=world) as server:
        first = first_syncs.copy_to(project)
        version = first.row("orders", NEW_ORDER)["modified_date"]
        order = world.touch_order(NEW_ORDER, at(later - timedelta(hours=1)))
        removed = order["checks"][0]["selections"].pop(0)
        warehouse = sync_at(project, server, later, monkeypatch)

    kept = order["checks"][0]["selections"][0]
    assert rows_under(warehouse, NEW_ORDER)["orders_check_selection"] == {
        removed["guid"]: False,  # beyond the reach: no delete
        kept["guid"]: False,
    }
    assert warehouse.row("orders_check_selection", removed["guid"])["order_modified_date"] == (
        version
    )
    assert warehouse.row("orders", NEW_ORDER)["modified_date"] == later - timedelta(hours=1)
    assert warehouse.query(CURRENT_SELECTIONS, NEW_ORDER) == [(kept["guid"],)]


def test_given_a_restaurant_missing_from_one_discovery_then_its_removals_are_still_deleted(
    project: Project,
    first_syncs: FirstSyncs,
    world: World,
    no_wait: list[float],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """R1 is missing from the partners list for one sync (a short disconnection): it keeps its
    ledger, so a selection taken off one of its orders meanwhile is deleted when it is back."""
    day = timedelta(days=1)
    with toast_server(world=world) as server:
        first_syncs.copy_to(project, "90")
        world.disconnect(R1)
        order = world.touch_order(NEW_ORDER, at(FIXED_NOW + timedelta(hours=1)))
        removed = order["checks"][0]["selections"].pop(0)
        gap = sync_at(project, server, FIXED_NOW + day, monkeypatch, "90")
        assert rows_under(gap, NEW_ORDER)["orders_check_selection"][removed["guid"]] is False
        world.connect(R1)
        warehouse = sync_at(project, server, FIXED_NOW + 2 * day, monkeypatch, "90")

    kept = order["checks"][0]["selections"][0]
    assert rows_under(warehouse, NEW_ORDER)["orders_check_selection"] == {
        removed["guid"]: True,
        kept["guid"]: False,
    }
