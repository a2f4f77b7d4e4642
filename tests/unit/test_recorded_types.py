"""Every value in the recorded world lands in a column whose type cannot drift.

Undeclared columns get the SDK's inferred type: a float becomes a 32-bit FLOAT, a Toast
timestamp (`+0000`) text, and digit-only text (a phone number, a check's display number) a
BIGINT that drops leading zeros and later changes type. So the registry must declare them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import connector as c
from tests.fake_toast import World

TOAST_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:?\d{2}|Z)$")


def recorded_rows() -> Iterator[tuple[c.Table, dict[str, Any]]]:
    world = World.load()
    for guid in world.restaurant_info:
        partner = next(p for p in world.restaurants if p["restaurantGuid"] == guid)
        yield c.RESTAURANT, c.build_restaurant_row(guid, partner, world.restaurant_info[guid])
    config_tables = {
        e.path.rsplit("/", 1)[-1]: e.table for e in c.ONCE_PER_SYNC if e.walk == "config"
    }
    labor = {
        "jobs": c.JOB,
        "employees": c.EMPLOYEE,
        "shifts": c.SHIFT,
        "timeEntries": c.TIME_ENTRY,
    }
    context = {"restaurantId": "r"}
    for endpoints in world.config.values():
        for endpoint, objects in endpoints.items():
            for record in objects:
                clean = {k: v for k, v in record.items() if not k.startswith("_")}
                yield from c.explode(config_tables[endpoint], clean, context)
    for kinds in world.labor.values():
        for kind, records in kinds.items():
            for record in records:
                yield from c.explode(labor[kind], record, context)
    for kinds in world.cash.values():
        for kind, days in kinds.items():
            table = c.CASH_ENTRY if kind == "entries" else c.CASH_DEPOSIT
            for records in days.values():
                for record in records:
                    yield from c.explode(table, record, context)
    for orders in world.orders.values():
        for order in orders:
            yield from c.explode(c.ORDERS, order, context)
    for tip in world.tip_withholding.values():
        yield from c.explode(c.TIP_WITHHOLDING, tip, context)
    for guid, document in world.menus.items():
        yield from c.explode_published_menus(document, guid)


def test_every_float_timestamp_and_digit_text_is_declared() -> None:
    undeclared: set[str] = set()
    for table, row in recorded_rows():
        for column, value in row.items():
            declared = table.columns.get(column)
            if (
                isinstance(value, str)
                and TOAST_TIMESTAMP.match(value)
                and declared != "UTC_DATETIME"
            ):
                undeclared.add(f"{table.name}.{column} (timestamp)")
            elif isinstance(value, str) and value.isdigit() and declared not in ("STRING", "INT"):
                undeclared.add(f"{table.name}.{column} (digit text)")
            elif isinstance(value, float) and declared != "DOUBLE":
                undeclared.add(f"{table.name}.{column} (float)")
    assert sorted(undeclared) == []


def test_the_recorded_world_exercises_every_table() -> None:
    seen = {table.name for table, _ in recorded_rows()}
    assert seen == {table.name for table in c.ALL_TABLES}
