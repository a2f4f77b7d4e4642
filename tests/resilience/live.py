"""What the live-Toast tests share: a virtual clock for the connector and the fake, busy
worlds, and the comparison with a clean sync of the final world."""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import datetime, timedelta

import duckdb

from tests.conftest import (
    Project,
    Warehouse,
    columns_by_table,
    make_configuration,
    toast_server,
)
from tests.fake_toast import R3, FakeToast, World
from tests.fake_toast.builders import bulk_orders

ORDERS_BULK = r"^/orders/v2/ordersBulk$"
ORDERS_PATH = "/orders/v2/ordersBulk"
BUSY_START = "2026-10-27T00:00:00.000Z"  # one window up to FIXED_NOW


class Clock:
    """The virtual now of the connector (`connector.NOW`) and of the fake server."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def serve(world: World, clock: Clock) -> AbstractContextManager[FakeToast]:
    """The fake Toast on the virtual clock; the test fails if the fake itself raised."""
    return toast_server(world=world, clock=clock)


def busy(world: World, orders: int = 250) -> World:
    """R3 with `orders` more orders modified from 2026-11-01 on, a minute apart: three pages."""
    world.add_orders(R3, bulk_orders(orders, "2026-11-01T00:00:00.000+0000", step_seconds=60))
    return world


def rows(warehouse: Warehouse, deleted: bool = False) -> dict[str, set[tuple]]:
    """Every table's live (or soft-deleted) rows, all columns but the Fivetran ones. One
    connection for all tables: a connection per query cost a live test's comparison ~10 s."""
    found: dict[str, set[tuple]] = {}
    with duckdb.connect(str(warehouse.path), read_only=True) as db:
        columns_of = columns_by_table(db)
        for table in sorted(columns_of):
            if "_fivetran_deleted" not in columns_of[table]:  # declared, never written
                found[table] = set()
                continue
            columns = [c for c in sorted(columns_of[table]) if not c.startswith("_fivetran")]
            selected = ", ".join(f'CAST("{c}" AS VARCHAR)' for c in columns)
            where = "_fivetran_deleted" if deleted else "NOT _fivetran_deleted"
            found[table] = set(
                db.execute(f'SELECT {selected} FROM tester."{table}" WHERE {where}').fetchall()
            )
    return found


def clean_sync(world: World, clock: Clock, project: Project, **overrides: str) -> Warehouse:
    """A first sync of `world` as it is now, undisturbed: what the live syncs must have left."""
    with serve(world, clock) as server:
        return project.sync(make_configuration(server, **overrides)).warehouse


def assert_equal_to_a_clean_sync(
    warehouse: Warehouse, world: World, clock: Clock, project: Project, **overrides: str
) -> None:
    """The live syncs left what a first sync of the final world leaves: the same live rows, and
    at least its soft-deleted ones (objects Toast flags deleted; the live syncs also hold rows
    of objects that vanished from Toast since, soft-deleted)."""
    clean = clean_sync(world, clock, project, **overrides)
    assert rows(warehouse) == rows(clean)
    gone, clean_gone = rows(warehouse, deleted=True), rows(clean, deleted=True)
    for table, deleted in clean_gone.items():
        assert deleted <= gone[table], table


def debts(project: Project, restaurant: str) -> list[dict]:
    return project.state()["restaurants"][restaurant].get("debts", [])
