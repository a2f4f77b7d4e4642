"""Values land in the warehouse as Toast sent them: digit-only text stays text, money sent as
12 and as 12.5 lands in one DOUBLE column, timestamps are the instants Toast sent, and a field
Toast adds later (in no spec) still lands, with the type the SDK infers (sdk_notes §1).

Two syncs of the recorded world, with a few values set here, through the SDK's runner into
DuckDB. Note: the SDK 3.0.0 runner already infers text with leading zeros ("000123") as text
(core/cells.py `_text_type`); digit-only text without them ("6175550042") it infers as BIGINT,
which only the declaration prevents.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import pytest

from tests.conftest import Project, Warehouse, make_configuration, toast_server, virtual_time
from tests.fake_toast import DELIVERY_ORDER, R1, R2, SPLIT_CHECK_ORDER, World

UTC = timezone.utc

# Fields no spec documents, added to one recorded order as Toast might add them tomorrow.
NEW_FIELDS: dict[str, Any] = {
    "loyaltyTier": "Gold",
    "tipShareRate": 0.123456789012,  # an undeclared float: sent as text, lands as DOUBLE
    "pickedUpDate": "2026-11-05T00:20:31.250+0000",  # an undeclared Toast timestamp
}


@dataclass
class Synced:
    """What two syncs left: the warehouse, the delivery minimum's column type after the first
    (every restaurant's minimum 12), and the two payments whose tips are 12 and 12.5."""

    warehouse: Warehouse
    minimum_type_after_first: str
    payments: list[str]


@pytest.fixture(scope="module")
def synced_twice(tmp_path_factory: pytest.TempPathFactory) -> Synced:
    world = World.load()
    world.find_order(DELIVERY_ORDER).update(
        NEW_FIELDS,
        paidDate="2026-11-04T19:05:40.211-0500",  # 2026-11-05T00:05:40.211Z
    )
    for info in world.restaurant_info.values():
        info["delivery"]["minimum"] = 12
    payments = world.find_order(SPLIT_CHECK_ORDER)["checks"][0]["payments"]
    payments[0]["tipAmount"], payments[1]["tipAmount"] = 12, 12.5
    with toast_server(world=world) as server, virtual_time():
        project = Project(tmp_path_factory.mktemp("types") / "project")
        first = project.sync(make_configuration(server)).warehouse
        minimum_type = first.columns("restaurant")["delivery_minimum"]
        world.restaurant_info[R2]["delivery"]["minimum"] = 12.5  # every sync reads it again
        warehouse = project.sync(make_configuration(server)).warehouse
    return Synced(warehouse, minimum_type, [payment["guid"] for payment in payments])


@pytest.fixture
def synced(synced_twice: Synced) -> Warehouse:
    return synced_twice.warehouse


@pytest.mark.parametrize(
    ("table", "column", "expected"),
    [
        pytest.param("orders", "external_id", "000123", id="order-external-id"),
        pytest.param("orders", "last_modified_device_id", "0012", id="device-id"),
        pytest.param(
            "orders_check",
            "applied_loyalty_info_masked_loyalty_identifier",
            "0042",
            id="masked-loyalty-identifier",
        ),
        pytest.param(
            "orders_check",
            "applied_loyalty_info_loyalty_identifier",
            "6175550042",
            id="loyalty-identifier",
        ),
    ],
)
def test_given_digit_only_text_when_synced_then_the_same_text(
    synced: Warehouse, table: str, column: str, expected: str
) -> None:
    key = "id" if table == "orders" else "orders_id"
    values = synced.query(f"SELECT {column} FROM tester.{table} WHERE {key} = ?", DELIVERY_ORDER)
    assert (synced.columns(table)[column], values) == ("VARCHAR", [(expected,)])


def test_given_money_as_12_and_later_as_12_5_then_one_double_column_holds_both(
    synced_twice: Synced,
) -> None:
    """An integer amount makes no BIGINT column that a later decimal would change."""
    warehouse = synced_twice.warehouse
    cells = [
        ("restaurant", R1, "delivery_minimum"),
        ("restaurant", R2, "delivery_minimum"),
        *(("payment", guid, "tip_amount") for guid in synced_twice.payments),
    ]
    landed = [(warehouse.columns(t)[c], warehouse.row(t, key)[c]) for t, key, c in cells]
    assert synced_twice.minimum_type_after_first == "DOUBLE"
    assert landed == [("DOUBLE", 12.0), ("DOUBLE", 12.5), ("DOUBLE", 12.0), ("DOUBLE", 12.5)]


def test_given_fields_toast_adds_later_when_synced_then_they_land_with_inferred_types(
    synced: Warehouse,
) -> None:
    order = synced.row("orders", DELIVERY_ORDER)
    columns = synced.columns("orders")
    landed = {name: (columns[name], order[name]) for name in ("loyalty_tier", "tip_share_rate")}
    assert landed == {
        "loyalty_tier": ("VARCHAR", "Gold"),
        "tip_share_rate": ("DOUBLE", 0.123456789012),  # not a 32-bit FLOAT
    }
    assert columns["picked_up_date"] == "TIMESTAMP WITH TIME ZONE"
    assert order["picked_up_date"] == datetime(2026, 11, 5, 0, 20, 31, 250000, tzinfo=UTC)


@pytest.mark.parametrize(
    ("table", "key", "column", "expected"),
    [
        pytest.param(
            "orders",
            DELIVERY_ORDER,
            "modified_date",
            datetime(2026, 11, 5, 0, 5, 47, 310000, tzinfo=UTC),
            id="toast-offset",
        ),
        pytest.param(
            "orders",
            DELIVERY_ORDER,
            "paid_date",
            datetime(2026, 11, 5, 0, 5, 40, 211000, tzinfo=UTC),
            id="non-utc-offset",
        ),
        pytest.param(
            "restaurant",
            R1,
            "iso_created_date",
            datetime(2025, 2, 10, 16, 0, tzinfo=UTC),
            id="partners-iso-date",
        ),
    ],
)
def test_given_declared_timestamps_when_synced_then_the_instants_toast_sent(
    synced: Warehouse, table: str, key: str, column: str, expected: datetime
) -> None:
    assert synced.columns(table)[column] == "TIMESTAMP WITH TIME ZONE"
    assert synced.row(table, key)[column] == expected
