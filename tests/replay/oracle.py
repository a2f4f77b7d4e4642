"""What a correct sync of a world must leave, computed from the world's JSON by a plain walk.

Independent of the connector's registry on purpose: the table names and grains below are
written from ../shared/toast/destination_contract.md, so a registry mistake cannot hide itself.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from tests.fake_toast import CONFIG_ENDPOINTS, World

CONFIG_TABLES = {
    "alternatePaymentTypes": "alternate_payment_types",
    "diningOptions": "dining_option",
    "discounts": "discounts",
    "menus": "menu",
    "menuGroups": "menu_group",
    "menuItems": "menu_item",
    "restaurantServices": "restaurant_service",
    "revenueCenters": "revenue_center",
    "salesCategories": "sale_category",
    "serviceAreas": "service_area",
    "tables": "tables",
    "taxRates": "tax_rate",
    "serviceCharges": "service_charge",
    "voidReasons": "void_reason",
    "noSaleReasons": "no_sale_reason",
    "payoutReasons": "payout_reason",
    "cashDrawers": "cash_drawer",
    "breakTypes": "break_type",
    "priceGroups": "price_group",
    "menuOptionGroups": "menu_option_group",
    "preModifiers": "pre_modifier",
    "preModifierGroups": "pre_modifier_group",
    "printers": "printer",
}
assert set(CONFIG_TABLES) == set(CONFIG_ENDPOINTS)

# (child table, foreign key column, parent table, parent column), from the contract.
FOREIGN_KEYS = [
    *((table, "restaurant_id", "restaurant", "id") for table in CONFIG_TABLES.values()),
    ("job", "restaurant_id", "restaurant", "id"),
    ("employee", "restaurant_id", "restaurant", "id"),
    ("employee_job_reference", "employee_id", "employee", "id"),
    ("employee_wage_override", "employee_id", "employee", "id"),
    ("shift", "restaurant_id", "restaurant", "id"),
    ("time_entry", "restaurant_id", "restaurant", "id"),
    ("break", "time_entry_id", "time_entry", "id"),
    ("cash_entry", "restaurant_id", "restaurant", "id"),
    ("cash_deposit", "restaurant_id", "restaurant", "id"),
    ("orders", "restaurant_id", "restaurant", "id"),
    ("orders_check", "orders_id", "orders", "id"),
    ("orders_check_selection", "orders_check_id", "orders_check", "id"),
    (
        "orders_check_selection_modifier",
        "orders_check_selection_id",
        "orders_check_selection",
        "id",
    ),
    (
        "orders_check_selection_modifier",
        "parent_modifier_id",
        "orders_check_selection_modifier",
        "id",
    ),
    (
        "orders_check_selection_applied_tax",
        "orders_check_selection_id",
        "orders_check_selection",
        "id",
    ),
    (
        "orders_check_selection_applied_discount",
        "orders_check_selection_id",
        "orders_check_selection",
        "id",
    ),
    (
        "orders_check_selection_applied_discount_trigger",
        "orders_check_selection_applied_discount_id",
        "orders_check_selection_applied_discount",
        "id",
    ),
    ("orders_check_applied_discount", "orders_check_id", "orders_check", "id"),
    (
        "orders_check_applied_discount_trigger",
        "orders_check_applied_discount_id",
        "orders_check_applied_discount",
        "id",
    ),
    (
        "orders_check_applied_discount_combo_item",
        "orders_check_applied_discount_id",
        "orders_check_applied_discount",
        "id",
    ),
    ("orders_check_applied_service_charge", "orders_check_id", "orders_check", "id"),
    ("orders_check_payment", "orders_check_id", "orders_check", "id"),
    ("orders_check_payment", "payment_id", "payment", "id"),
    ("orders_check_payment", "orders_id", "orders", "id"),
    ("payment", "restaurant_id", "restaurant", "id"),
    ("orders_pricing_feature", "orders_id", "orders", "id"),
    ("tip_withholding", "restaurant_id", "restaurant", "id"),
    # The published menu (menus API v2): every table also has restaurant_id -> restaurant.
    *(
        (f"published_{table}", "restaurant_id", "restaurant", "id")
        for table in (
            "menu",
            "menu_group",
            "menu_item",
            "menu_item_placement",
            "menu_item_price",
            "menu_item_modifier_group",
            "modifier_group",
            "modifier_option",
            "modifier_option_modifier_group",
        )
    ),
    ("published_menu_group", "menu_id", "published_menu", "id"),
    ("published_menu_item_placement", "menu_id", "published_menu", "id"),
    ("published_menu_item_placement", "menu_group_id", "published_menu_group", "id"),
    ("published_menu_item_placement", "menu_item_id", "published_menu_item", "id"),
    ("published_menu_item_price", "menu_group_id", "published_menu_group", "id"),
    ("published_menu_item_price", "menu_item_id", "published_menu_item", "id"),
    ("published_menu_item_modifier_group", "menu_item_id", "published_menu_item", "id"),
    ("published_menu_item_modifier_group", "modifier_group_id", "published_modifier_group", "id"),
    ("published_modifier_option", "modifier_group_id", "published_modifier_group", "id"),
    (
        "published_modifier_option_modifier_group",
        "modifier_option_id",
        "published_modifier_option",
        "id",
    ),
    (
        "published_modifier_option_modifier_group",
        "modifier_group_id",
        "published_modifier_group",
        "id",
    ),
]


def _items(record: dict[str, Any], key: str) -> list[Any]:
    return record.get(key) or []


def _modifiers(selection: dict[str, Any]) -> int:
    return sum(1 + _modifiers(modifier) for modifier in _items(selection, "modifiers"))


def _discounts(rows: Counter, prefix: str, discounts: Iterable[dict[str, Any]]) -> None:
    for discount in discounts:
        rows[prefix] += 1
        rows[f"{prefix}_trigger"] += len(_items(discount, "triggers"))
        if prefix == "orders_check_applied_discount":
            rows[f"{prefix}_combo_item"] += len(_items(discount, "comboItems"))


def order_rows(order: dict[str, Any]) -> Counter:
    """Rows one order must produce, per table."""
    rows: Counter = Counter(orders=1)
    rows["orders_pricing_feature"] += len(set(_items(order, "pricingFeatures")))
    for check in _items(order, "checks"):
        rows["orders_check"] += 1
        for selection in _items(check, "selections"):
            rows["orders_check_selection"] += 1
            rows["orders_check_selection_modifier"] += _modifiers(selection)
            rows["orders_check_selection_applied_tax"] += len(_items(selection, "appliedTaxes"))
            _discounts(
                rows,
                "orders_check_selection_applied_discount",
                _items(selection, "appliedDiscounts"),
            )
        _discounts(rows, "orders_check_applied_discount", _items(check, "appliedDiscounts"))
        rows["orders_check_applied_service_charge"] += len(_items(check, "appliedServiceCharges"))
        rows["payment"] += len(_items(check, "payments"))
        rows["orders_check_payment"] += len(_items(check, "payments"))
    return rows


def _ts(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00").replace("+0000", "+00:00"))


def expected_rows(world: World, start: datetime, now: datetime) -> Counter:
    """Rows per table that one complete sync from `start` to `now` must leave."""
    rows: Counter = Counter()
    for partner in world.restaurants:
        guid = partner["restaurantGuid"]
        if guid in world.disconnected:
            continue
        rows["restaurant"] += 1
        for endpoint, objects in world.config.get(guid, {}).items():
            rows[CONFIG_TABLES[endpoint]] += len(objects)
        labor = world.labor.get(guid, {})
        rows["job"] += len(labor.get("jobs", []))
        for employee in labor.get("employees", []):
            rows["employee"] += 1
            rows["employee_job_reference"] += len(_items(employee, "jobReferences"))
            rows["employee_wage_override"] += len(_items(employee, "wageOverrides"))
        rows["shift"] += sum(1 for shift in labor.get("shifts", []) if shift.get("outDate"))
        for entry in labor.get("timeEntries", []):
            if start <= _ts(entry["modifiedDate"]) < now:
                rows["time_entry"] += 1
                rows["break"] += len(_items(entry, "breaks"))
        cash = world.cash.get(guid, {})
        rows["cash_entry"] += sum(len(v) for v in cash.get("entries", {}).values())
        rows["cash_deposit"] += sum(len(v) for v in cash.get("deposits", {}).values())
        for order in world.orders.get(guid, []):
            if start <= _ts(order["modifiedDate"]) < now:
                rows.update(order_rows(order))
    return rows


def deleted_guids(world: World) -> dict[str, set[str]]:
    """Objects Toast flags `deleted: true`, per table (they must end `_fivetran_deleted`)."""
    flagged: dict[str, set[str]] = {"orders": set(), "orders_check": set(), "job": set()}
    flagged.update({"employee": set(), "shift": set(), "time_entry": set()})
    for guid, orders in world.orders.items():
        if guid in world.disconnected:
            continue
        for order in orders:
            if order.get("deleted"):
                flagged["orders"].add(order["guid"])
            flagged["orders_check"].update(
                check["guid"] for check in _items(order, "checks") if check.get("deleted")
            )
    for guid, labor in world.labor.items():
        if guid in world.disconnected:
            continue
        for kind, table in (("jobs", "job"), ("employees", "employee"), ("shifts", "shift")):
            flagged[table].update(o["guid"] for o in labor.get(kind, []) if o.get("deleted"))
        flagged["time_entry"].update(
            o["guid"] for o in labor.get("timeEntries", []) if o.get("deleted")
        )
    return flagged


def dangling_foreign_keys(warehouse: Any) -> list[str]:
    """The contract's foreign keys that point at no parent row in `warehouse` (a Warehouse)."""
    dangling = []
    for child, column, parent, parent_column in FOREIGN_KEYS:
        count = warehouse.query(
            f'SELECT count(*) FROM tester."{child}" c WHERE c.{column} IS NOT NULL AND NOT EXISTS '
            f'(SELECT 1 FROM tester."{parent}" p WHERE p.{parent_column} = c.{column})'
        )[0][0]
        if count:
            dangling.append(f"{child}.{column} -> {parent}.{parent_column}: {count}")
    return dangling
