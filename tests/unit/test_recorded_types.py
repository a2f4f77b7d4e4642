"""Every value Toast sends in the recorded (and the generated) world has a declared column that
takes it as it is.

The values are checked raw, as Toast sends them and before `normalise_value` (which sends an
undeclared float as text, so a check after it could not see undeclared columns): a column that
is not declared would get the SDK's inferred type (digit-only text a BIGINT, a float a 32-bit
FLOAT), and a value its declared type does not take would make op.upsert raise (sdk_notes §1).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from fivetran_connector_sdk_cli.type_coercion import parse_utc_datetime

import connector as c
from tests.fake_toast import World
from tests.fake_toast.generate import GeneratedWorld

Row = tuple[c.Table, dict[str, Any]]
LABOR = {"jobs": c.JOB, "employees": c.EMPLOYEE, "shifts": c.SHIFT, "timeEntries": c.TIME_ENTRY}
CASH = {"entries": c.CASH_ENTRY, "deposits": c.CASH_DEPOSIT}
EVER = (datetime(2015, 12, 1, tzinfo=timezone.utc), datetime(2100, 1, 1, tzinfo=timezone.utc))
INT_RANGE = range(-(2**31), 2**31)
LONG_RANGE = range(-(2**63), 2**63)
# Declared INT for a yyyymmdd text Toast sends (labor.yaml: string); the SDK reads the number.
TEXT_BUSINESS_DATES = {("time_entry", "businessDate")}


def raw_rows(table: c.Table, record: Mapping[str, Any]) -> Iterator[Row]:
    """The columns `explode` makes of an object and its children, with Toast's values as they
    arrive; without the parents' ids and made keys, which are the connector's."""
    if table.key in ("link", "scalar"):  # a parent's id and the element's guid or the element
        return
    kept = {k: v for k, v in record.items() if k not in table.whole}
    row = c.flatten(kept, skip=table.not_flattened, unprefixed=table.unprefixed)
    row.update({name: record[name] for name in table.whole if name in record})
    if table.key == "hash" and "id" in row:
        row["guid"] = row.pop("id")  # the made key is `id`; Toast's guid keeps its name
    yield table, row
    for child in table.children:
        for item in record.get(child.source) or ():
            yield from raw_rows(child.table or table, item)


def restaurant_row(world: World, guid: str) -> dict[str, Any]:
    """The partners record and restaurant info of one restaurant, as `build_restaurant_row`
    joins them (restaurantGuid -> id, restaurantName -> name)."""
    partner = next(p for p in world.restaurants if p["restaurantGuid"] == guid)
    skip = ("restaurantGuid", "restaurantName")
    row = c.flatten({k: v for k, v in partner.items() if k not in skip})
    row["name"] = partner["restaurantName"]
    row.update(next(raw_rows(c.RESTAURANT, world.restaurant_info[guid]))[1])
    return row


def world_rows(world: World, cash_dates: Iterable[str]) -> Iterator[Row]:
    """Every object the fake serves for the world's restaurants, read as the server reads it."""
    for guid in world.restaurant_info:
        yield c.RESTAURANT, restaurant_row(world, guid)
        for endpoint, table in c.CONFIG_TABLES.items():
            for record in world.config_objects(guid, endpoint):
                yield from raw_rows(table, {k: v for k, v in record.items() if k[0] != "_"})
        for kind, table in LABOR.items():
            for record in world.labor_candidates(guid, kind, None, None):
                yield from raw_rows(table, record)
        for kind, table in CASH.items():
            for day in cash_dates:
                for record in world.cash_objects(guid, kind, day):
                    # the connector adds the business date it asked for (`CashReader.read_day`)
                    yield from raw_rows(table, {**record, "businessDate": int(day)})
        for order in world.orders_between(guid, *EVER)[:]:
            yield from raw_rows(c.ORDERS, order)
        if guid in world.tip_withholding:
            yield from raw_rows(c.TIP_WITHHOLDING, world.tip_withholding[guid])
        if guid in world.menus:  # rows the connector makes of the document, less its keys
            for table, row in c.explode_published_menus(world.menus[guid], guid):
                made = {*table.primary_key, *table.foreign_keys}
                yield table, {k: v for k, v in row.items() if k not in made}


def recorded() -> Iterator[Row]:
    world = World.load()
    days = {day for kinds in world.cash.values() for dates in kinds.values() for day in dates}
    return world_rows(world, sorted(days))


def generated() -> Iterator[Row]:
    world = GeneratedWorld(restaurants=2, days=3, orders_per_day=20)
    days = [(world.first_day + timedelta(days=n)).strftime("%Y%m%d") for n in range(3)]
    return world_rows(world, days)


def takes(kind: str, value: Any, column: tuple[str, str]) -> bool:
    """Whether a declared column of `kind` takes `value` without loss or error."""
    if kind == c._STRING:
        return isinstance(value, str)  # a number or a dict would become text of its repr
    if kind == c._BOOL:
        return isinstance(value, bool)  # "true" would make op.upsert raise
    if isinstance(value, bool):
        return False
    if kind == c._DOUBLE:
        return isinstance(value, (int, float))
    if kind in (c._INT, c._LONG):
        if column in TEXT_BUSINESS_DATES and isinstance(value, str) and value.isdigit():
            value = int(value)
        return isinstance(value, int) and value in (INT_RANGE if kind == c._INT else LONG_RANGE)
    if kind == c._TS:
        try:
            parse_utc_datetime(value)  # what op.upsert does with a declared timestamp's text
        except (TypeError, ValueError):
            return False
        return True
    return kind == c._JSON and isinstance(value, (list, dict))


# Fields no spec lists, which the recorded world sends as Toast sends fields it added before its
# specs show them (tests/fake_toast/shapes.py): they land with inferred types, undeclared.
NOT_IN_ANY_SPEC = {
    ("orders", "channelName"),
    ("orders", "kitchenTicketStation"),
    ("orders", "kitchenTicketCourse"),
}


@pytest.mark.parametrize("rows", [recorded, generated], ids=["recorded", "generated"])
def test_every_value_toast_sends_has_a_declared_column_that_takes_it(rows) -> None:
    problems: set[str] = set()
    for table, row in rows():
        for name, value in row.items():
            kind = table.columns.get(name)
            if value is None or (table.name, name) in NOT_IN_ANY_SPEC:
                continue
            if kind is None:
                problems.add(f"{table.name}.{name} undeclared ({value!r})")
            elif not takes(kind, value, (table.name, name)):
                problems.add(f"{table.name}.{name} {kind} does not take {value!r}")
    assert sorted(problems) == []


def test_the_recorded_world_exercises_every_table() -> None:
    seen = {table.name for table, _ in recorded()}
    orders = [order for orders in World.load().orders.values() for order in orders]
    seen |= {table.name for order in orders for table, _ in c.explode(c.ORDERS, order, {})}
    assert seen == {table.name for table in c.ALL_TABLES}
