"""What a correct sync of a world must leave, value for value, and a comparison with a warehouse.

`expected_warehouse` walks the world's JSON (what the fake Toast served) and derives every row
every table must hold, with every scalar value: keys, parent keys, `restaurant_id`, amounts,
dates, flags, flattened nested fields and JSON lists, and whether the row ends soft-deleted.
`compare` (or `assert_warehouse_matches`) then reads the DuckDB warehouse and reports every
difference: a missing or extra row, a wrong value, a column the oracle does not know.

Independent of the connector on purpose: table names, grains and foreign keys are written from
/work/shared/toast/destination_contract.md, and the row shapes from the JSON shapes Toast sends
(toast_api.md §6, the OpenAPI specs), so a mistake in the connector's registry, flattening or
keys cannot hide itself. The rules the contract and the Fivetran naming give:
- nested objects flatten into camelCase-prefixed columns, `guid` becomes `id` at every level
  (`server.guid` -> `serverId`), then Fivetran naming makes them snake_case (`ordersCheckId` ->
  `orders_check_id`, `last4Digits` -> `last_4_digits`);
- lists that are not child tables are JSON; child tables carry their parents' ids;
- business dates (`businessDate`, `*BusinessDate`) are yyyymmdd integers everywhere (README,
  "Data handling"), also where Toast sends them as text (time entries);
- objects without a guid get a synthetic id from the connector: the oracle cannot know it, so
  such rows are matched by their parent key and content, never by id.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import duckdb

from tests.fake_toast import CONFIG_ENDPOINTS, World
from tests.fake_toast.world import business_date_of, parse_business_date

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

# Objects that exist once per restaurant (contract: "the same GUID can appear at several
# restaurants"): their rows are keyed (id, restaurant_id), and a foreign key to one of them
# resolves only together with the child's `restaurant_id`.
PER_RESTAURANT_TABLES = frozenset({*CONFIG_TABLES.values(), "job", "employee"})

# One row per what (the contract's grain): the columns that identify a row. Tables not named
# here are keyed by `id` alone.
NATURAL_KEYS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(PER_RESTAURANT_TABLES, ("id", "restaurant_id")),
    "employee_job_reference": ("id", "employee_id", "restaurant_id"),
    "orders_check_payment": ("orders_check_id", "payment_id"),
    "orders_pricing_feature": ("orders_id", "pricing_feature"),
    "tip_withholding": ("restaurant_id",),
}

# Rows whose object has no usable guid get a synthetic `id` from the connector; they are matched
# by these parent columns and their content. Always so for these tables (contract: triggers and
# wage overrides have no guid; a combo item's guid is its menu item's, not unique per discount).
ALWAYS_SYNTHETIC = frozenset(
    {
        "employee_wage_override",
        "orders_check_selection_applied_discount_trigger",
        "orders_check_applied_discount_trigger",
        "orders_check_applied_discount_combo_item",
    }
)
# ... and for these when the object's guid is null (contract: applied taxes; modifiers and
# breaks are treated alike).
SYNTHETIC_WITHOUT_GUID = frozenset(
    {"orders_check_selection_modifier", "orders_check_selection_applied_tax", "break"}
)
PARENT_COLUMNS: dict[str, tuple[str, ...]] = {
    "employee_wage_override": ("employee_id", "restaurant_id"),
    "orders_check_selection_applied_discount_trigger": (
        "orders_check_selection_applied_discount_id",
    ),
    "orders_check_applied_discount_trigger": ("orders_check_applied_discount_id",),
    "orders_check_applied_discount_combo_item": ("orders_check_applied_discount_id",),
    "orders_check_selection_modifier": ("orders_check_selection_id", "parent_modifier_id"),
    "orders_check_selection_applied_tax": ("orders_check_selection_id",),
    "break": ("time_entry_id",),
}

# Every table an order's children land in (all but `orders`): the tables the denormalising
# switch of `expected_warehouse` gives `restaurant_id`, `business_date` and the order's version
# `order_modified_date` (the order's `modifiedDate` when the row was written).
ORDER_CHILD_TABLES = frozenset(
    {
        "orders_check",
        "orders_check_selection",
        "orders_check_selection_modifier",
        "orders_check_selection_applied_tax",
        "orders_check_selection_applied_discount",
        "orders_check_selection_applied_discount_trigger",
        "orders_check_applied_discount",
        "orders_check_applied_discount_trigger",
        "orders_check_applied_discount_combo_item",
        "orders_check_applied_service_charge",
        "orders_check_payment",
        "payment",
        "orders_pricing_feature",
    }
)

# The published menu's tables (menus v2) are derived from one nested document per restaurant,
# resolved by reference ids; tests/replay/test_menus.py checks their rows value for value from
# the recorded document, so this oracle leaves them out rather than derive them a second time.
CHECKED_ELSEWHERE = frozenset(
    table for fk in FOREIGN_KEYS for table in (fk[0], fk[2]) if table.startswith("published_")
)

CONTRACT_TABLES = (
    frozenset(
        {table for fk in FOREIGN_KEYS for table in (fk[0], fk[2])}
        | set(CONFIG_TABLES.values())
        | {"tip_withholding"}
    )
    - CHECKED_ELSEWHERE
)

# Columns the warehouse may hold although no object of the world compared fills them: the
# connector declares them in schema() for a field of Toast's spec, so they exist and stay NULL
# (the comparison checks that every value in them is NULL). Besides these, the oracle knows every
# column of the JSON shapes of the recorded world (`recorded_columns`); any other column in the
# warehouse is a difference.
_CONFIG_EXTERNAL_ID = (
    "Toast's externalId, sent on some configuration objects (toast_api.md §6.4), declared on "
    "every configuration table; no recorded object has one"
)
_SELECTION_FIELDS = (
    "a Selection field (orders.yaml) declared for selections and modifiers alike; no recorded "
    "one of these has it"
)
ALLOWED_EXTRA_COLUMNS: dict[str, dict[str, str]] = {
    **{table: {"external_id": _CONFIG_EXTERNAL_ID} for table in CONFIG_TABLES.values()},
    "cash_drawer": {
        "external_id": _CONFIG_EXTERNAL_ID,
        "name": "declared on every configuration table (names can be all digits); no recorded "
        "cash drawer has a name",
    },
    "orders_check_selection": {"option_group_multi_location_id": _SELECTION_FIELDS},
    "orders_check_selection_modifier": dict.fromkeys(
        (
            "item_group_multi_location_id",
            "refund_details_refund_amount",
            "refund_details_tax_refund_amount",
        ),
        _SELECTION_FIELDS,
    ),
}

_META_COLUMNS = ("_fivetran_deleted", "_fivetran_synced")
_RELATIVE_TOLERANCE = 1e-9  # a 32-bit float is off by about 1e-8: it must fail
_TIMESTAMP = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})$"
)
_YYYYMMDD = re.compile(r"^\d{8}$")
_NAME_BOUNDARY = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=\d)(?=\D)|(?<=[^\d_])(?=\d)")


# ---------------------------------------------------------------------------------------------
# Expected values: what a JSON value must be in the warehouse
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Instant:
    """A timestamp: equal to a warehouse value that is the same instant (any offset)."""

    moment: datetime

    def __repr__(self) -> str:
        return self.moment.isoformat()


@dataclass(frozen=True)
class Json:
    """A JSON value (list or object kept whole): equal to the same parsed JSON."""

    value: Any

    def __repr__(self) -> str:
        return f"JSON {json.dumps(self.value, sort_keys=True)[:80]}"


def parse_instant(text: str) -> datetime | None:
    """An aware UTC datetime of an ISO-8601 timestamp with an offset (`Z`, `+0000`, `+00:00`;
    `T` or, as the partners API may send, a space: toast_api.md §2), or None for any other
    text. (The fake's `parse_ts` takes only `T` and raises for other text.)"""
    match = _TIMESTAMP.match(text)
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    moment = datetime(
        int(year),
        int(month),
        int(day),
        int(hour),
        int(minute),
        int(second),
        int((fraction or "0")[:6].ljust(6, "0")),
        tzinfo=timezone.utc,
    )
    if offset != "Z":
        digits = offset[1:].replace(":", "")
        delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        moment -= delta if offset[0] == "+" else -delta
    return moment


def snake_case(name: str) -> str:
    """Fivetran naming (sdk_notes §1): `_` before a capital that follows a lower-case letter and
    at every switch between digits and other characters, then lower case."""
    return re.sub("_+", "_", _NAME_BOUNDARY.sub("_", name)).lower()


def _expected_value(camel_name: str, value: Any) -> Any:
    """The value a JSON scalar (or list) must have in the warehouse."""
    if isinstance(value, (list, dict)):
        return Json(json.loads(json.dumps(value)))  # a copy: tests mutate the world later
    if isinstance(value, str):
        is_business_date = camel_name == "businessDate" or camel_name.endswith("BusinessDate")
        if is_business_date and _YYYYMMDD.match(value):
            return int(value)  # yyyymmdd integers everywhere (README, "Data handling")
        moment = parse_instant(value)
        return Instant(moment) if moment is not None else value
    return value


def _camel(prefix: str, key: str) -> str:
    key = "id" if key == "guid" else key
    return prefix + key[:1].upper() + key[1:] if prefix else key


def flatten(
    record: Mapping[str, Any],
    skip: Iterable[str] = (),
    unprefixed: Iterable[str] = (),
    whole: Iterable[str] = (),
) -> dict[str, Any]:
    """Columns (snake_case) -> expected values of one object: nested objects flattened with
    their name as prefix (`unprefixed` ones without), `guid` -> `id`, lists and `whole` objects
    as JSON, `skip` (child lists) left out. A null keeps its column, with the value None."""
    row: dict[str, Any] = {}
    skipped, flat, kept = frozenset(skip), frozenset(unprefixed), frozenset(whole)

    def walk(obj: Mapping[str, Any], prefix: str, top: bool) -> None:
        for key, value in obj.items():
            if top and key in skipped:
                continue
            if isinstance(value, dict) and not (top and key in kept):
                walk(value, prefix if top and key in flat else _camel(prefix, key), False)
                continue
            name = _camel(prefix, key)
            row[snake_case(name)] = _expected_value(name, value)

    walk(record, "", True)
    return row


# ---------------------------------------------------------------------------------------------
# Expected rows
# ---------------------------------------------------------------------------------------------


@dataclass
class Row:
    """One row a table must hold.

    Attributes:
        table: destination table.
        values: column -> expected value (None: NULL or no such column).
        restaurant: the restaurant it belongs to (rows of a restaurant no longer synced stay).
        deleted: whether it must end with `_fivetran_deleted = true`.
    """

    table: str
    values: dict[str, Any]
    restaurant: str
    deleted: bool = False

    @property
    def synthetic(self) -> bool:
        """True if the connector makes up this row's id (matched by parent and content)."""
        return self.table in ALWAYS_SYNTHETIC or (
            self.table in SYNTHETIC_WITHOUT_GUID and self.values.get("id") is None
        )

    @property
    def key(self) -> tuple[tuple[str, Any], ...]:
        """The columns that identify the row: its natural key, or for a synthetic one its
        parent columns."""
        if self.synthetic:
            return tuple((c, self.values.get(c)) for c in PARENT_COLUMNS[self.table])
        return tuple((c, self.values.get(c)) for c in NATURAL_KEYS.get(self.table, ("id",)))

    def identity(self) -> tuple[Any, ...]:
        """What makes this row the same row in another world: its key, or for a synthetic row
        its key and content."""
        if not self.synthetic:
            return (self.table, self.key)
        content = sorted((c, _canonical(v)) for c, v in self.values.items() if c != "id")
        return (self.table, self.key, tuple(content))


def _canonical(value: Any) -> Any:
    """A hashable, complete form of an expected value (for identities)."""
    if isinstance(value, Json):
        return ("json", json.dumps(value.value, sort_keys=True))
    if isinstance(value, Instant):
        return ("instant", value.moment.isoformat())
    return (type(value).__name__, value)


@dataclass
class Expected:
    """Every row every contract table must hold after a sync."""

    rows: dict[str, list[Row]] = field(default_factory=lambda: defaultdict(list))

    def add(self, row: Row) -> None:
        self.rows[row.table].append(row)

    def columns(self, table: str) -> set[str]:
        """Every column the oracle knows for `table` (also those only ever null)."""
        return {column for row in self.rows.get(table, ()) for column in row.values}

    def count(self, table: str, deleted: bool | None = None) -> int:
        """Rows of `table` (only soft-deleted ones, or only live ones)."""
        return sum(
            1 for row in self.rows.get(table, ()) if deleted is None or row.deleted == deleted
        )

    def all_rows(self) -> Iterator[Row]:
        for rows in self.rows.values():
            yield from rows


@dataclass(frozen=True)
class _Walk:
    """What walking one restaurant needs: where rows go and the switches."""

    expected: Expected
    restaurant: str
    deleted_order_children: bool
    denormalised_order_children: bool


def expected_warehouse(
    world: World,
    start: datetime,
    now: datetime,
    *,
    restaurants: Iterable[str] | None = None,
    earlier: Expected | None = None,
    deleted_order_children: bool = True,
    denormalised_order_children: bool = True,
    schedule_horizon: timedelta = timedelta(days=14),
) -> Expected:
    """Every row that complete syncs from `start` to `now` of `world` must leave.

    Scope (as Toast selects): orders and time entries with `start <= modifiedDate < now`;
    shifts with `start <= outDate < now` (none without an outDate); cash of every business
    date from `start` to `now` in the restaurant's time zone and closeout hour; configuration,
    jobs and employees as listed.

    Args:
        restaurants: the configured `restaurantGuids` (restaurant rows then come from the
            restaurant info alone); None: the partners API's list of connected restaurants.
        earlier: what an earlier world left (the oracle of the previous sync). Its rows that
            are gone from this world must end soft-deleted with their last values (Toast sends
            no delete flag for configuration that vanishes nor for children removed from an
            order); rows of restaurants not synced now stay as they were.
        deleted_order_children: every row under an order Toast flags deleted ends deleted too
            (the connector does: Emitter; off: only the objects Toast flags).
        denormalised_order_children: every table in ORDER_CHILD_TABLES carries the order's
            `restaurant_id`, `business_date` and `modifiedDate` (as `order_modified_date`), and
            every break its time entry's `modifiedDate` (as `time_entry_modified_date`): the
            connector does, `Table.carries`.
    """
    expected = Expected()
    synced = _synced_restaurants(world, restaurants)
    refused = {guid for guid, _ in synced if not world.is_connected(guid)}
    for guid, partner in synced:
        if guid in refused:  # every request answered 403: nothing of it lands, nothing changes
            continue
        walk = _Walk(expected, guid, deleted_order_children, denormalised_order_children)
        _restaurant(walk, partner, world.restaurant_info.get(guid))
        _configuration(walk, world)
        _labor(walk, world, start, now, schedule_horizon)
        _tip_withholding(walk, world)
        _cash(walk, world, start, now)
        for order in world.orders_between(guid, start, now):
            if start <= _instant(order["modifiedDate"]) < now:
                _OrderRows(walk, order).rows()
    if earlier is not None:
        _carry_over(expected, earlier, {guid for guid, _ in synced} - refused)
    return expected


def _synced_restaurants(
    world: World, configured: Iterable[str] | None
) -> list[tuple[str, dict[str, Any] | None]]:
    if configured is not None:
        return [(guid, None) for guid in configured]
    return [
        (partner["restaurantGuid"], partner)
        for partner in world.restaurants
        if partner["restaurantGuid"] not in world.disconnected
    ]


def _instant(text: str) -> datetime:
    moment = parse_instant(text)
    if moment is None:
        raise ValueError(f"not a timestamp: {text!r}")
    return moment


def _put(walk: _Walk, table: str, values: dict[str, Any], deleted: bool = False) -> None:
    walk.expected.add(Row(table, values, walk.restaurant, deleted))


def _restaurant(
    walk: _Walk, partner: Mapping[str, Any] | None, info: Mapping[str, Any] | None
) -> None:
    """The partners record (restaurantGuid is the id, restaurantName the name) and the
    restaurant info (`general` and `location` without prefix, the `schedules` map kept whole:
    flattened it would make a column per schedule id). Where both have a value, the info's."""
    values: dict[str, Any] = {}
    if partner is not None:
        values.update(flatten(partner, skip=("restaurantGuid", "restaurantName")))
        values["name"] = partner.get("restaurantName")
    if info is not None:
        flat = flatten(info, unprefixed=("general", "location"), whole=("schedules",))
        values.update({k: v for k, v in flat.items() if v is not None or k not in values})
    values["id"] = walk.restaurant
    _put(walk, "restaurant", values, deleted=bool(partner and partner.get("deleted") is True))


def _configuration(walk: _Walk, world: World) -> None:
    for endpoint, table in CONFIG_TABLES.items():
        for obj in world.config_objects(walk.restaurant, endpoint):
            public = {k: v for k, v in obj.items() if not k.startswith("_")}  # as served
            _put(walk, table, {**flatten(public), "restaurant_id": walk.restaurant})


def _tip_withholding(walk: _Walk, world: World) -> None:
    """One row per restaurant, its guid in `id` (/config/v2/tipWithholding, config.yaml)."""
    tip = getattr(world, "tip_withholding", {}).get(walk.restaurant)
    if tip:
        _put(walk, "tip_withholding", {**flatten(tip), "restaurant_id": walk.restaurant})


def _labor(walk: _Walk, world: World, start: datetime, now: datetime, horizon: timedelta) -> None:
    """Jobs, employees, time entries, and shifts clocking out in [start, now + horizon): shifts
    are the schedule, read ahead."""
    guid = walk.restaurant
    at_restaurant = {"restaurant_id": guid}
    for job in world.labor_candidates(guid, "jobs", None, None):
        _put(walk, "job", {**flatten(job), **at_restaurant}, _flagged(job))
    for employee in world.labor_candidates(guid, "employees", None, None):
        values = flatten(employee, skip=("jobReferences", "wageOverrides"))
        _put(walk, "employee", {**values, **at_restaurant}, _flagged(employee))
        parents = {"employee_id": employee["guid"], **at_restaurant}
        gone = walk.deleted_order_children and _flagged(employee)  # its rows go with it
        for reference in employee.get("jobReferences") or ():
            _put(walk, "employee_job_reference", {**flatten(reference), **parents}, gone)
        for override in employee.get("wageOverrides") or ():
            _put(walk, "employee_wage_override", {**flatten(override), **parents}, gone)
    for shift in world.labor_candidates(guid, "shifts", start, now + horizon):
        # Toast never returns a shift without a clock-out; a shift belongs to the range it
        # clocks out in (one that straddles `start` too).
        out = shift.get("outDate")
        if out and start <= _instant(out) < now + horizon:
            _put(walk, "shift", {**flatten(shift), **at_restaurant}, _flagged(shift))
    for entry in world.labor_candidates(guid, "timeEntries", start, now):
        if not start <= _instant(entry["modifiedDate"]) < now:
            continue
        values = flatten(entry, skip=("breaks",))
        _put(walk, "time_entry", {**values, **at_restaurant}, _flagged(entry))
        # includeMissedBreaks=true: all of them; a deleted time entry's breaks end deleted with
        # it, as an order's children do (the same switch).
        gone = walk.deleted_order_children and _flagged(entry)
        version = (
            {"time_entry_modified_date": _expected_value("modifiedDate", entry["modifiedDate"])}
            if walk.denormalised_order_children
            else {}
        )
        for pause in entry.get("breaks") or ():
            values = {**flatten(pause), "time_entry_id": entry["guid"], **version}
            _put(walk, "break", values, gone)


def _flagged(obj: Mapping[str, Any]) -> bool:
    return obj.get("deleted") is True


def cash_business_dates(
    world: World, restaurant: str, start: datetime, now: datetime
) -> list[str]:
    """Business dates (yyyymmdd) from `start` to just before `now` at the restaurant (its time
    zone and closeout hour, as the fake's `business_date_of` reckons them)."""
    general = (world.restaurant_info.get(restaurant) or {}).get("general") or {}
    zone, closeout = general.get("timeZone") or "UTC", int(general.get("closeoutHour") or 0)
    first, last = (
        parse_business_date(str(business_date_of(moment, zone, closeout)))
        for moment in (start, now - timedelta(microseconds=1))
    )
    return [(first + timedelta(days=n)).strftime("%Y%m%d") for n in range((last - first).days + 1)]


def _cash(walk: _Walk, world: World, start: datetime, now: datetime) -> None:
    for day in cash_business_dates(world, walk.restaurant, start, now):
        for kind, table in (("entries", "cash_entry"), ("deposits", "cash_deposit")):
            for obj in world.cash_objects(walk.restaurant, kind, day):
                # Toast's cash objects carry no business date: the row gets the one asked for.
                values = {**flatten(obj), "business_date": int(day)}
                _put(walk, table, {**values, "restaurant_id": walk.restaurant})


class _OrderRows:
    """The rows of one order and of everything nested in it."""

    def __init__(self, walk: _Walk, order: Mapping[str, Any]) -> None:
        self.walk = walk
        self.order = order
        self.deleted = _flagged(order)
        # The planned semantics, behind their switches (see `expected_warehouse`).
        self.cascade = walk.deleted_order_children and self.deleted
        self.denormalised = (
            {
                "restaurant_id": walk.restaurant,
                "business_date": order.get("businessDate"),
                "order_modified_date": _expected_value("modifiedDate", order["modifiedDate"]),
            }
            if walk.denormalised_order_children
            else {}
        )

    def put(self, table: str, values: dict[str, Any], deleted: bool = False) -> None:
        extra = self.denormalised if table in ORDER_CHILD_TABLES else {}
        _put(self.walk, table, {**values, **extra}, deleted or self.cascade)

    def rows(self) -> None:
        order = self.order
        values = flatten(order, skip=("checks", "pricingFeatures"))
        _put(self.walk, "orders", {**values, "restaurant_id": self.walk.restaurant}, self.deleted)
        for feature in dict.fromkeys(order.get("pricingFeatures") or ()):
            self.put(
                "orders_pricing_feature", {"orders_id": order["guid"], "pricing_feature": feature}
            )
        for check in order.get("checks") or ():
            self.check(check)

    def check(self, check: Mapping[str, Any]) -> None:
        lists = ("selections", "appliedDiscounts", "appliedServiceCharges", "payments")
        values = flatten(check, skip=lists)
        self.put("orders_check", {**values, "orders_id": self.order["guid"]}, _flagged(check))
        on_check = {"orders_check_id": check["guid"]}
        for selection in check.get("selections") or ():
            self.selection(check["guid"], selection)
        for discount in check.get("appliedDiscounts") or ():
            values = flatten(discount, skip=("triggers", "comboItems"))
            self.put("orders_check_applied_discount", {**values, **on_check})
            parent = {"orders_check_applied_discount_id": discount["guid"]}
            for trigger in discount.get("triggers") or ():
                self.put("orders_check_applied_discount_trigger", {**_hashed(trigger), **parent})
            for item in discount.get("comboItems") or ():
                self.put("orders_check_applied_discount_combo_item", {**_hashed(item), **parent})
        for charge in check.get("appliedServiceCharges") or ():
            self.put("orders_check_applied_service_charge", {**flatten(charge), **on_check})
        for payment in check.get("payments") or ():
            self.put("payment", {**flatten(payment), "restaurant_id": self.walk.restaurant})
            link = {"payment_id": payment["guid"], "orders_id": self.order["guid"]}
            self.put("orders_check_payment", {**on_check, **link})

    def selection(self, check_guid: str, selection: Mapping[str, Any]) -> None:
        values = flatten(selection, skip=("modifiers", "appliedTaxes", "appliedDiscounts"))
        self.put("orders_check_selection", {**values, "orders_check_id": check_guid})
        on_selection = {"orders_check_selection_id": selection["guid"]}
        self.modifiers(selection["guid"], None, selection.get("modifiers") or ())
        for tax in selection.get("appliedTaxes") or ():
            self.put("orders_check_selection_applied_tax", {**flatten(tax), **on_selection})
        for discount in selection.get("appliedDiscounts") or ():
            values = flatten(discount, skip=("triggers",))  # its comboItems stay JSON
            self.put("orders_check_selection_applied_discount", {**values, **on_selection})
            parent = {"orders_check_selection_applied_discount_id": discount["guid"]}
            for trigger in discount.get("triggers") or ():
                table = "orders_check_selection_applied_discount_trigger"
                self.put(table, {**_hashed(trigger), **parent})

    def modifiers(self, selection_guid: str, parent: str | None, modifiers: Iterable) -> None:
        """Modifiers at any depth, all in one table: `parent_modifier_id` is the enclosing
        modifier's id (null at the top). A modifier keeps its own taxes and discounts as JSON."""
        for modifier in modifiers:
            values = flatten(modifier, skip=("modifiers",))
            parents = {"orders_check_selection_id": selection_guid, "parent_modifier_id": parent}
            self.put("orders_check_selection_modifier", {**values, **parents})
            nested = modifier.get("modifiers") or ()
            if nested and not modifier.get("guid"):
                raise ValueError("a modifier without a guid has modifiers: no parent id to give")
            self.modifiers(selection_guid, modifier.get("guid"), nested)


def _hashed(obj: Mapping[str, Any]) -> dict[str, Any]:
    """A row of an always-synthetic table: `id` is the connector's; the object's own guid (a
    combo item's is its menu item's) stays in `guid`."""
    values = flatten({k: v for k, v in obj.items() if k != "guid"})
    if "guid" in obj:
        values["guid"] = obj["guid"]
    return values


def _carry_over(expected: Expected, earlier: Expected, synced: set[str]) -> None:
    """Rows the earlier world had and this one has not: deleted, or kept as they were if their
    restaurant is not synced now."""
    present = {row.identity() for row in expected.all_rows()}
    for row in earlier.all_rows():
        if row.identity() in present:
            continue
        gone = row.restaurant in synced
        expected.add(Row(row.table, dict(row.values), row.restaurant, row.deleted or gone))


# ---------------------------------------------------------------------------------------------
# Comparison with a warehouse
# ---------------------------------------------------------------------------------------------

ROW = "(row)"  # a Difference about a whole row: expected "present"/"absent"
TABLE = "(table)"  # ... about a whole table


@dataclass(frozen=True)
class Difference:
    """One way the warehouse differs from the source.

    `key` names the row ((column, value) pairs; empty for a table or a column as a whole);
    `column` is a column name, ROW or TABLE.
    """

    table: str
    key: tuple[tuple[str, Any], ...]
    column: str
    expected: Any
    actual: Any

    def __str__(self) -> str:
        where = ", ".join(f"{column}={value}" for column, value in self.key) or "*"
        return (
            f"{self.table} [{where}] {self.column}: expected {_show(self.expected)}, "
            f"actual {_show(self.actual)}"
        )


def _show(value: Any) -> str:
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).isoformat()
    if isinstance(value, str) and value in ("present", "absent", "missing"):
        return value
    return repr(value)


def compare(
    expected: Expected,
    warehouse: Any,
    allowed_extra_columns: Mapping[str, Mapping[str, str]] = ALLOWED_EXTRA_COLUMNS,
) -> list[Difference]:
    """Every difference between the rows `expected` and the tables of `warehouse` (a
    tests.conftest.Warehouse): tables, columns, rows, values and `_fivetran_deleted`."""
    with _Reader(warehouse.path) as reader:
        return _compare(expected, reader, allowed_extra_columns)


class _Reader:
    """One read-only connection to a warehouse for a whole comparison (opening one per query
    costs about 20 ms)."""

    def __init__(self, path: Any) -> None:
        self._db = duckdb.connect(str(path), read_only=True)

    def __enter__(self) -> _Reader:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._db.close()

    def query(self, sql: str) -> list[tuple]:
        return self._db.execute(sql).fetchall()

    def tables(self) -> set[str]:
        sql = "SELECT table_name FROM information_schema.tables WHERE table_schema = 'tester'"
        return {name for (name,) in self.query(sql)}

    def columns(self, table: str) -> dict[str, str]:
        """Column name -> DuckDB type, in the table's order."""
        return dict(
            self._db.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = 'tester' AND table_name = ? ORDER BY ordinal_position",
                [table],
            ).fetchall()
        )


def _compare(
    expected: Expected, warehouse: _Reader, allowed_extra_columns: Mapping[str, Mapping[str, str]]
) -> list[Difference]:
    differences: list[Difference] = []
    present = warehouse.tables()
    for table in sorted(present - CONTRACT_TABLES - CHECKED_ELSEWHERE):
        differences.append(Difference(table, (), TABLE, "absent", "present"))
    for table in sorted(CONTRACT_TABLES):
        rows = expected.rows.get(table, [])
        if table not in present:
            if rows:
                differences.append(Difference(table, (), TABLE, f"{len(rows)} rows", "absent"))
            continue
        known = recorded_columns().get(table, frozenset()) | set(
            allowed_extra_columns.get(table, {})
        )
        differences.extend(_TableComparison(table, rows, warehouse, known).differences())
    return differences


# Toast has no data before this (toast_api.md §6.8: startDate must be after 2015-12-01); the
# recorded world's shapes are read from everything up to the end of the second bound.
_TOAST_FIRST_DAY = datetime(2015, 12, 1, tzinfo=timezone.utc)
_SHAPES_UNTIL = datetime(2030, 1, 1, tzinfo=timezone.utc)


@functools.cache
def recorded_columns() -> dict[str, frozenset[str]]:
    """Every column the JSON shapes of the recorded world give each table (nulls included):
    columns a warehouse of another world (a generated one) may hold, all NULL there."""
    recorded = expected_warehouse(World.load(), _TOAST_FIRST_DAY, _SHAPES_UNTIL)
    return {table: frozenset(recorded.columns(table)) for table in recorded.rows}


def report(differences: list[Difference], limit: int = 20) -> str:
    """The first `limit` differences, one a line, after a count per table."""
    per_table: dict[str, int] = defaultdict(int)
    for difference in differences:
        per_table[difference.table] += 1
    counts = ", ".join(f"{table} {n}" for table, n in sorted(per_table.items()))
    lines = [str(difference) for difference in differences[:limit]]
    more = len(differences) - limit
    tail = [f"... and {more} more"] if more > 0 else []
    head = f"{len(differences)} differences between the warehouse and the source ({counts}):"
    return "\n".join([head, *lines, *tail])


def assert_warehouse_matches(
    warehouse: Any,
    expected: Expected,
    limit: int = 20,
    allowed_extra_columns: Mapping[str, Mapping[str, str]] = ALLOWED_EXTRA_COLUMNS,
) -> None:
    """Raise AssertionError listing the first `limit` differences, if there is any."""
    differences = compare(expected, warehouse, allowed_extra_columns)
    if differences:
        raise AssertionError(report(differences, limit))


def _filled(warehouse: _Reader, table: str, column: str) -> bool:
    """Whether any row of `table` holds a value in `column`."""
    return warehouse.query(f'SELECT count("{column}") FROM tester."{table}"')[0][0] > 0


class _TableComparison:
    """One table: its columns, then rows matched by natural key, then synthetic rows matched
    by parent key and content."""

    def __init__(self, table: str, rows: list[Row], warehouse: _Reader, known: set[str]) -> None:
        self.table = table
        self.rows = rows
        self.types = warehouse.columns(table)
        known = {column for row in rows for column in row.values} | known
        if table in ALWAYS_SYNTHETIC or table in SYNTHETIC_WITHOUT_GUID:
            known.add("id")
        data = [c for c in self.types if c not in _META_COLUMNS]
        # A column no compared object fills is a difference only when it holds a value: the
        # connector declares every field of Toast's spec (tests/unit/test_spec_types.py), so a
        # column of a field this world never sends exists and stays NULL.
        self.unknown = [c for c in data if c not in known and _filled(warehouse, table, c)]
        self.compared = [c for c in data if c in known]
        self.actual = self._read(warehouse)

    def _read(self, warehouse: _Reader) -> list[dict[str, Any]]:
        if "_fivetran_deleted" not in self.types:  # declared, never written: created empty
            return []
        names = [*self.compared, "_fivetran_deleted"]
        selected = ", ".join(f'"{name}"' for name in names)
        rows = warehouse.query(f'SELECT {selected} FROM tester."{self.table}"')
        json_columns = {c for c, kind in self.types.items() if kind == "JSON"}
        return [
            {
                name: _parsed_json(value) if name in json_columns else value
                for name, value in zip(names, row, strict=True)
            }
            for row in rows
        ]

    def differences(self) -> list[Difference]:
        found = [
            Difference(self.table, (), column, "absent", f"a {self.types[column]} column")
            for column in self.unknown
        ]
        found += [
            Difference(self.table, (), column, "DOUBLE (64-bit)", f"{kind} (32-bit)")
            for column, kind in self.types.items()
            if kind in ("FLOAT", "REAL")
        ]
        by_key: dict[tuple[Any, ...], list[dict[str, Any]]] = defaultdict(list)
        columns = NATURAL_KEYS.get(self.table, ("id",))
        for actual in self.actual:
            by_key[tuple(actual.get(c) for c in columns)].append(actual)
        synthetic = []
        for row in self.rows:
            if row.synthetic:
                synthetic.append(row)
                continue
            matches = by_key.get(tuple(value for _, value in row.key))
            if not matches:
                found.append(Difference(self.table, row.key, ROW, "present", "missing"))
                continue
            found += self._values(row, matches.pop(0))
        left = [actual for matches in by_key.values() for actual in matches]
        found += self._synthetic(synthetic, left)
        return found

    def _synthetic(self, rows: list[Row], candidates: list[dict[str, Any]]) -> list[Difference]:
        """Rows without a guid: for each parent, pair every expected row with an actual row
        equal to it; the rest with the closest one left (reporting how it differs)."""
        parents = PARENT_COLUMNS.get(self.table, ())
        groups: dict[tuple[Any, ...], list[dict[str, Any]]] = defaultdict(list)
        for actual in candidates:
            groups[tuple(actual.get(c) for c in parents)].append(actual)
        found: list[Difference] = []
        unpaired: list[Row] = []
        for row in rows:
            group = groups[tuple(value for _, value in row.key)]
            exact = next((a for a in group if not self._values(row, a)), None)
            if exact is None:
                unpaired.append(row)
            else:
                group.remove(exact)
        for row in unpaired:
            group = groups[tuple(value for _, value in row.key)]
            if not group:
                found.append(Difference(self.table, row.key, ROW, "present", "missing"))
                continue
            closest = min(group, key=lambda actual, row=row: len(self._values(row, actual)))
            group.remove(closest)
            found += self._values(row, closest)
        for group in groups.values():
            for actual in group:
                key = tuple((c, actual.get(c)) for c in (*parents, "id"))
                found.append(Difference(self.table, key, ROW, "absent", "present"))
        return found

    def _values(self, row: Row, actual: dict[str, Any]) -> list[Difference]:
        key = row.key + ((("id", actual.get("id")),) if row.synthetic else ())
        found = []
        for column in sorted({*row.values, *self.compared}):
            if column in self.unknown:
                continue  # reported once for the table
            value = actual.get(column)
            if row.synthetic and column == "id":
                if not (isinstance(value, str) and value):
                    found.append(Difference(self.table, key, column, "a synthetic id", value))
                continue
            if not same_value(row.values.get(column), value):
                found.append(Difference(self.table, key, column, row.values.get(column), value))
        if actual.get("_fivetran_deleted") is not row.deleted:
            deleted = actual.get("_fivetran_deleted")
            found.append(Difference(self.table, key, "_fivetran_deleted", row.deleted, deleted))
        return found


def _parsed_json(text: Any) -> Any:
    if text is None:
        return None
    try:
        return Json(json.loads(text))
    except (TypeError, ValueError):
        return text  # not JSON: it differs from any expected JSON


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _close(expected: float, actual: float) -> bool:
    return math.isclose(expected, actual, rel_tol=_RELATIVE_TOLERANCE, abs_tol=0.0)


def same_value(expected: Any, actual: Any) -> bool:
    """Whether a warehouse value is the expected one: numbers within 1e-9 relative, timestamps
    as instants (aware), text as text (a digit string that landed as a number differs), JSON
    as parsed JSON, booleans as booleans, NULL as NULL."""
    if expected is None or isinstance(expected, (bool, str)):
        return type(actual) is type(expected) and actual == expected
    if _is_number(expected):
        return _is_number(actual) and _close(expected, actual)
    if isinstance(expected, Instant):
        aware = isinstance(actual, datetime) and actual.tzinfo is not None
        return aware and actual == expected.moment
    if isinstance(expected, Json):
        return isinstance(actual, Json) and _same_json(expected.value, actual.value)
    raise TypeError(f"no rule to compare an expected {type(expected).__name__}")


def _same_json(expected: Any, actual: Any) -> bool:
    if isinstance(expected, dict):
        return (
            isinstance(actual, dict)
            and expected.keys() == actual.keys()
            and all(_same_json(expected[k], actual[k]) for k in expected)
        )
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(expected) == len(actual)
            and all(_same_json(e, a) for e, a in zip(expected, actual, strict=True))
        )
    if _is_number(expected):
        return _is_number(actual) and _close(expected, actual)
    return type(actual) is type(expected) and actual == expected


# ---------------------------------------------------------------------------------------------
# Foreign keys
# ---------------------------------------------------------------------------------------------


def dangling_foreign_keys(warehouse: Any) -> list[str]:
    """The contract's foreign keys that point at no parent row in `warehouse` (a Warehouse).
    A parent that exists once per restaurant (PER_RESTAURANT_TABLES) must be the one of the
    child's own `restaurant_id`."""
    with _Reader(warehouse.path) as reader:
        return _dangling(reader)


def _dangling(warehouse: _Reader) -> list[str]:
    dangling = []
    for child, column, parent, parent_column in FOREIGN_KEYS:
        link = f"p.{parent_column} = c.{column}"
        name = f"{child}.{column} -> {parent}.{parent_column}"
        if parent in PER_RESTAURANT_TABLES:
            if "restaurant_id" not in warehouse.columns(child):
                dangling.append(f"{name}: {child} has no restaurant_id")
                continue
            link += " AND p.restaurant_id = c.restaurant_id"
            name += " (same restaurant_id)"
        count = warehouse.query(
            f'SELECT count(*) FROM tester."{child}" c WHERE c.{column} IS NOT NULL AND NOT EXISTS '
            f'(SELECT 1 FROM tester."{parent}" p WHERE {link})'
        )[0][0]
        if count:
            dangling.append(f"{name}: {count}")
    return dangling
