"""The data the fake Toast server serves: a recorded world loaded from JSON, plus time helpers.

The server reads the world only through the provider methods of `World` (`config_objects`,
`labor_candidates`, `cash_objects`, `orders_between`, `orders_on_business_date`), so a generated
world (see `generate.py`) can override them and produce data lazily.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

UTC = timezone.utc  # datetime.UTC needs Python 3.11; the project supports 3.10

RECORDINGS_DIR = Path(__file__).parent / "recordings"

SANDBOX_CLIENT_ID = "sandbox-client-id"
SANDBOX_CLIENT_SECRET = "sandbox-client-secret"  # a fake credential for the local fake

# The 23 paged config endpoints and the entityType of their objects (config.yaml definitions).
CONFIG_ENDPOINTS: dict[str, str] = {
    "alternatePaymentTypes": "AlternatePaymentType",
    "diningOptions": "DiningOption",
    "discounts": "Discount",
    "menus": "Menu",
    "menuGroups": "MenuGroup",
    "menuItems": "MenuItem",
    "restaurantServices": "RestaurantService",
    "revenueCenters": "RevenueCenter",
    "salesCategories": "SalesCategory",
    "serviceAreas": "ServiceArea",
    "tables": "Table",
    "taxRates": "TaxRate",
    "serviceCharges": "ServiceCharge",
    "voidReasons": "VoidReason",
    "noSaleReasons": "NoSaleReason",
    "payoutReasons": "PayoutReason",
    "cashDrawers": "CashDrawer",
    "breakTypes": "BreakType",
    "priceGroups": "PriceGroup",
    "menuOptionGroups": "MenuOptionGroup",
    "preModifiers": "PreModifier",
    "preModifierGroups": "PreModifierGroup",
    "printers": "Printer",
}
LABOR_KINDS = ("jobs", "employees", "shifts", "timeEntries")
CASH_KINDS = ("entries", "deposits")

# Config objects without "_lastModified" count as last modified at this instant.
DEFAULT_LAST_MODIFIED = "2015-01-01T00:00:00.000+0000"

# --- Named GUIDs of the recorded world (see recordings/README.md for the full map) ---
MANAGEMENT_GROUP = "10000000-0000-4000-8000-000000000001"
R1 = "11111111-0000-4000-8000-000000000001"  # America/New_York, closeoutHour 4
R2 = "11111111-0000-4000-8000-000000000002"  # America/Los_Angeles, closeoutHour 3
R3 = "11111111-0000-4000-8000-000000000003"  # America/Chicago, small
RESTAURANTS = (R1, R2, R3)

SHARED_MENU = "c0000004-0000-4000-8000-000000000001"  # same menu GUID at R1 and R2
SHARED_MENU_ITEM = "c0000006-0000-4000-8000-000000000001"  # same menu item GUID at R1 and R2
SHARED_EMPLOYEE = "a2000000-0000-4000-8000-000000000001"  # same employee GUID at R1 and R2
DELETED_JOB_R1 = "a1000000-0001-4000-8000-000000000003"
DELETED_EMPLOYEE_R1 = "a2000000-0001-4000-8000-000000000004"
STRADDLE_SHIFT = "a3000000-0001-4000-8000-000000000005"  # 2026-09-30T22:00Z .. 2026-10-01T06:00Z
DELETED_SHIFT_R1 = "a3000000-0001-4000-8000-000000000007"
DELETED_TIME_ENTRY_R1 = "a4000000-0001-4000-8000-000000000006"
MISSED_BREAK_TIME_ENTRY_R1 = "a4000000-0001-4000-8000-000000000004"
STRADDLE_CASH_DATE_R2 = "20260930"  # R2 entries of this business date are dated after 10-01 UTC

DEEP_MODIFIER_ORDER = "0d000001-0001-4000-8000-000000000000"
SPLIT_CHECK_ORDER = "0d000002-0001-4000-8000-000000000000"
NULL_GUID_TAX_ORDER = "0d000003-0001-4000-8000-000000000000"
COMBO_DISCOUNT_ORDER = "0d000004-0001-4000-8000-000000000000"
EDGE_ORDER = "0d000005-0001-4000-8000-000000000000"  # modifiedDate 2026-10-01T00:00:00.000+0000
DELETED_ORDER = "0d000006-0001-4000-8000-000000000000"
VOIDED_ORDER = "0d000007-0001-4000-8000-000000000000"
REFUND_ORDER = "0d000008-0001-4000-8000-000000000000"
VOIDED_PAYMENT_ORDER = "0d000009-0001-4000-8000-000000000000"
DELIVERY_ORDER = "0d000010-0001-4000-8000-000000000000"

_TIMESTAMP = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})$"
)


def parse_ts(value: str) -> datetime:
    """Parse a Toast ISO-8601 timestamp into an aware UTC datetime.

    Accepts `Z`, `+0000`, `+00:00` (and other offsets), with or without a fraction of a second.

    Raises:
        ValueError: if the text is not such a timestamp.
    """
    match = _TIMESTAMP.match(value)
    if match is None:
        raise ValueError(f"not an ISO-8601 timestamp with a UTC offset: {value!r}")
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    micros = int((fraction or "0")[:6].ljust(6, "0"))
    moment = datetime(
        int(year), int(month), int(day), int(hour), int(minute), int(second), micros, tzinfo=UTC
    )
    if offset != "Z":
        sign = -1 if offset[0] == "-" else 1
        digits = offset[1:].replace(":", "")
        moment -= sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return moment


def format_ts(moment: datetime) -> str:
    """Format a datetime the way Toast responses do: `2026-09-14T18:09:11.763+0000` (UTC)."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def business_date_of(moment: datetime, time_zone: str, closeout_hour: int) -> int:
    """Return the restaurant business date (yyyymmdd int) of an instant.

    Local times before `closeout_hour` belong to the previous business day.
    """
    local = moment.astimezone(ZoneInfo(time_zone)) - timedelta(hours=closeout_hour)
    return int(local.strftime("%Y%m%d"))


def parse_business_date(value: str) -> date:
    """Parse a `yyyymmdd` business date.

    Raises:
        ValueError: if the text is not 8 digits forming a real date.
    """
    if not re.fullmatch(r"\d{8}", value):
        raise ValueError(f"businessDate must be 8 digits yyyymmdd: {value!r}")
    return datetime.strptime(value, "%Y%m%d").replace(tzinfo=UTC).date()


def order_sort_key(order: dict[str, Any]) -> tuple[datetime, str]:
    """Sort key ordersBulk uses: (modifiedDate, guid)."""
    return parse_ts(order["modifiedDate"]), order["guid"]


def _read_json(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


def _read_dir(directory: Path, names: Iterable[str]) -> dict[str, Any]:
    """Read `<directory>/<name>.json` for each name present; missing files give []."""
    return {
        name: _read_json(directory / f"{name}.json")
        if (directory / f"{name}.json").exists()
        else []
        for name in names
    }


@dataclass
class World:
    """Everything the fake server knows. Tests mutate it freely (`World.load` copies).

    Attributes:
        restaurants: /partners/v1/restaurants records (PartnerAccessExternalRep).
        restaurant_info: restaurant guid -> RestaurantInfo.
        config: restaurant guid -> config endpoint name -> objects (may carry "_lastModified").
        labor: restaurant guid -> "jobs" | "employees" | "shifts" | "timeEntries" -> objects.
        cash: restaurant guid -> "entries" | "deposits" -> "yyyymmdd" -> objects.
        orders: restaurant guid -> Order objects.
        menus: restaurant guid -> its published menu document (menus API v2, toast_api.md
            §6.5); its `lastUpdated` is what `/menus/v2/metadata` answers.
        tip_withholding: restaurant guid -> its TipWithholding object (config.yaml).
        cash_unused: restaurants that do not use cash management: its endpoints answer 404.
        disconnected: restaurants hidden from the partners list and answered 403 everywhere.
        refused: restaurants the partners list shows but that answer 403 to every request: a
            location connected to the integration but not activated yet, or whose access was
            withdrawn (toast_api.md §5, 403).
    """

    restaurants: list[dict[str, Any]]
    restaurant_info: dict[str, dict[str, Any]]
    config: dict[str, dict[str, list[dict[str, Any]]]]
    labor: dict[str, dict[str, list[dict[str, Any]]]]
    cash: dict[str, dict[str, dict[str, list[dict[str, Any]]]]]
    orders: dict[str, list[dict[str, Any]]]
    disconnected: set[str] = field(default_factory=set)
    refused: set[str] = field(default_factory=set)
    menus: dict[str, dict[str, Any]] = field(default_factory=dict)
    tip_withholding: dict[str, dict[str, Any]] = field(default_factory=dict)
    cash_unused: set[str] = field(default_factory=set)

    @classmethod
    def load(cls, path: Path = RECORDINGS_DIR) -> World:
        """Read the recorded world from JSON files; every call returns fresh objects."""
        restaurants = _read_json(path / "partners_restaurants.json")
        guids = [record["restaurantGuid"] for record in restaurants]
        return cls(
            restaurants=restaurants,
            restaurant_info={g: _read_json(path / "restaurants" / f"{g}.json") for g in guids},
            config={g: _read_dir(path / "config" / g, CONFIG_ENDPOINTS) for g in guids},
            labor={g: _read_dir(path / "labor" / g, LABOR_KINDS) for g in guids},
            cash={g: _read_cash(path / "cash" / g) for g in guids},
            orders={g: _read_orders(path / "orders" / f"{g}.json") for g in guids},
            menus=_read_each(path / "menus", "{guid}.json", guids),
            tip_withholding=_read_each(path / "config", "{guid}/tipWithholding.json", guids),
        )

    # --- provider methods: the server reads the world only through these ---

    def knows_restaurant(self, restaurant: str) -> bool:
        """True if the restaurant exists in this world (connected or not)."""
        return restaurant in self.restaurant_info

    def is_connected(self, restaurant: str) -> bool:
        """True if the restaurant exists and is not disconnected."""
        return (
            self.knows_restaurant(restaurant)
            and restaurant not in self.disconnected
            and restaurant not in self.refused
        )

    def config_objects(self, restaurant: str, endpoint: str) -> list[dict[str, Any]]:
        """All config objects of one endpoint at one restaurant, in a stable order."""
        return self.config.get(restaurant, {}).get(endpoint, [])

    def labor_candidates(
        self, restaurant: str, kind: str, start: datetime | None, end: datetime | None
    ) -> Iterable[dict[str, Any]]:
        """Labor objects that might match a query around [start, end); the server filters exactly.

        The recorded world simply returns every object of the kind.
        """
        del start, end  # small world: no pre-filtering
        return self.labor.get(restaurant, {}).get(kind, [])

    def menus_document(self, restaurant: str) -> dict[str, Any] | None:
        """The restaurant's published menu document, or None when it has none."""
        return self.menus.get(restaurant)

    def tip_withholding_of(self, restaurant: str) -> dict[str, Any] | None:
        """The restaurant's tip withholding configuration, or None."""
        return self.tip_withholding.get(restaurant)

    def cash_objects(self, restaurant: str, kind: str, business_date: str) -> list[dict[str, Any]]:
        """Cash entries or deposits of one business date (`yyyymmdd`)."""
        return self.cash.get(restaurant, {}).get(kind, {}).get(business_date, [])

    def orders_between(
        self, restaurant: str, start: datetime, end: datetime
    ) -> Sequence[dict[str, Any]]:
        """Orders with start <= modifiedDate < end, sorted by (modifiedDate, guid)."""
        selected = [
            order
            for order in self.orders.get(restaurant, [])
            if start <= parse_ts(order["modifiedDate"]) < end
        ]
        return sorted(selected, key=order_sort_key)

    def orders_on_business_date(
        self, restaurant: str, business_date: int
    ) -> Sequence[dict[str, Any]]:
        """Orders whose `businessDate` equals the given yyyymmdd, sorted like ordersBulk."""
        selected = [
            o for o in self.orders.get(restaurant, []) if o["businessDate"] == business_date
        ]
        return sorted(selected, key=order_sort_key)

    # --- mutation helpers for tests ---

    def serve_example_shapes(self) -> None:
        """Serve what Toast's own examples show where they differ from the spec (toast_api.md
        §14, Toast developer guide "Employees" chapter): a time entry's `shiftReference` as its
        shift's bare guid (a string, not an object), and employees that are not deleted with
        `deletedDate` 1970-01-01, a sentinel (only `deleted` says an employee is deleted)."""
        for labor in self.labor.values():
            shifts: dict[str, str] = {}
            for shift in labor.get("shifts", []):
                shifts.setdefault(shift["employeeReference"]["guid"], shift["guid"])
            for entry in labor.get("timeEntries", []):
                shift = shifts.get(entry["employeeReference"]["guid"])
                if shift and not entry.get("shiftReference"):
                    entry["shiftReference"] = shift
            for employee in labor.get("employees", []):
                if not employee.get("deleted"):
                    employee["deletedDate"] = "1970-01-01T00:00:00.000+0000"

    def find_order(self, guid: str) -> dict[str, Any]:
        """Return the order with this GUID at whichever restaurant holds it.

        Raises:
            KeyError: if no restaurant has it.
        """
        for orders in self.orders.values():
            for order in orders:
                if order["guid"] == guid:
                    return order
        raise KeyError(f"no order {guid} in the world")

    def touch_order(self, guid: str, modified: str) -> dict[str, Any]:
        """Set an order's modifiedDate (as an edit in Toast would) and return the order."""
        parse_ts(modified)
        order = self.find_order(guid)
        order["modifiedDate"] = modified
        return order

    def move_check(self, check_guid: str, to_order: str, modified: datetime) -> dict[str, Any]:
        """Move a check into another order, as Toast does when checks are combined or moved
        (toast_api.md §6.8, §13): the check keeps its guid (and its selections and payments
        theirs); the old order comes back `deleted`, without it. The new order is modified
        first, so a sync that reads both in one window emits it first. Returns the check."""
        source = next(
            order
            for orders in self.orders.values()
            for order in orders
            if any(c["guid"] == check_guid for c in order.get("checks") or [])
        )
        check = next(c for c in source["checks"] if c["guid"] == check_guid)
        source["checks"] = [c for c in source["checks"] if c["guid"] != check_guid]
        target = self.find_order(to_order)
        target.setdefault("checks", []).append(check)
        for payment in check.get("payments") or []:
            payment["orderGuid"] = to_order
        target["modifiedDate"] = format_ts(modified)
        source["modifiedDate"] = format_ts(modified + timedelta(milliseconds=1))
        source["deleted"] = True
        source["deletedDate"] = source["modifiedDate"]
        return check

    def delete_check(self, check_guid: str, modified: datetime) -> dict[str, Any]:
        """Delete one check of an order that stays live: Toast flags the check `deleted` (as
        it flags an order, toast_api.md §6.8 "Check.deleted similar") and sends its
        selections and payments as they were, unflagged (they have no deleted flag of their
        own). The order is modified. Returns the check."""
        for orders in self.orders.values():
            for order in orders:
                for check in order.get("checks") or []:
                    if check["guid"] == check_guid:
                        order["modifiedDate"] = check["modifiedDate"] = format_ts(modified)
                        check.update(deleted=True, deletedDate=format_ts(modified))
                        return check
        raise KeyError(f"no check {check_guid} in the world")

    def add_orders(self, restaurant: str, orders: Iterable[dict[str, Any]]) -> None:
        """Append orders (e.g. from `builders.bulk_orders`) to a restaurant."""
        self.orders.setdefault(restaurant, []).extend(orders)

    def remove_config(self, restaurant: str, endpoint: str, guid: str) -> dict[str, Any]:
        """Remove one config object (Toast has no delete flag: it just vanishes) and return it.

        Raises:
            KeyError: if the object is not there.
        """
        objects = self.config[restaurant][endpoint]
        for index, config_object in enumerate(objects):
            if config_object["guid"] == guid:
                return objects.pop(index)
        raise KeyError(f"no {endpoint} object {guid} at restaurant {restaurant}")

    def disconnect(self, restaurant: str) -> None:
        """Hide a restaurant from the partners list and answer 403 for it."""
        self.disconnected.add(restaurant)

    def connect(self, restaurant: str) -> None:
        """Undo `disconnect`."""
        self.disconnected.discard(restaurant)


def _read_cash(directory: Path) -> dict[str, dict[str, list[dict[str, Any]]]]:
    return {
        kind: _read_json(directory / f"{kind}.json")
        if (directory / f"{kind}.json").exists()
        else {}
        for kind in CASH_KINDS
    }


def _read_orders(path: Path) -> list[dict[str, Any]]:
    """`<guid>.json`, then any `<guid>.<part>.json` beside it (orders written by a script, such
    as tests/fake_toast/shapes.py)."""
    orders = _read_json(path) if path.exists() else []
    for part in sorted(path.parent.glob(f"{path.stem}.*.json")):
        orders.extend(_read_json(part))
    return orders


def _read_each(directory: Path, pattern: str, guids: Iterable[str]) -> dict[str, Any]:
    """`directory/pattern` for each restaurant guid that has such a file."""
    paths = {guid: directory / pattern.format(guid=guid) for guid in guids}
    return {guid: _read_json(path) for guid, path in paths.items() if path.exists()}
