"""Toast's real shapes, not only the spec's: one sync of the recorded world through the SDK's
runner, served the way Toast's own examples show it (`World.serve_example_shapes`, toast_api.md
§14) and with enum values no spec lists yet (Toast's enums are open since 2026-07-20: a new value
comes without notice, toast_api.md §14).

- A time entry's `shiftReference` sent as a bare guid lands in `shift_reference_id`, as the
  object's `guid` would; no undeclared `shift_reference` column appears.
- Employees with `deletedDate` 1970-01-01 and `deleted` false are live; the date lands as sent.
- An unknown enum value lands as the text Toast sent, on orders, payments, labor and
  configuration, and the sync succeeds.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest

from tests.conftest import Project, Warehouse, make_configuration, toast_server, virtual_time
from tests.fake_toast import DELIVERY_ORDER, R1, SPLIT_CHECK_ORDER, World

UTC = timezone.utc
SENTINEL = datetime(1970, 1, 1, tzinfo=UTC)

# (table, how to find the row, column, the new value): one enum of each kind of table.
NEW_ENUM_VALUES = [
    ("orders", DELIVERY_ORDER, "delivery_info_delivery_state", "DRONE_DISPATCHED"),
    ("orders_check_selection", "first", "unit_of_measure", "FURLONG"),
    ("payment", "first", "card_type", "PLUTO_CARD"),
    ("job", "first", "wage_frequency", "PIECEWORK"),
    ("service_charge", "first", "service_charge_calculation", "AFTER_ROUNDING"),
    ("orders_pricing_feature", DELIVERY_ORDER, "pricing_feature", "TAXESV9"),
]


def _serve_new_enum_values(world: World) -> dict[str, str]:
    """Put one value no spec lists in each enum of NEW_ENUM_VALUES; the guids they went to."""
    order = world.find_order(DELIVERY_ORDER)
    order["deliveryInfo"]["deliveryState"] = "DRONE_DISPATCHED"
    order.setdefault("pricingFeatures", []).append("TAXESV9")
    split = world.find_order(SPLIT_CHECK_ORDER)
    selection = split["checks"][0]["selections"][0]
    selection["unitOfMeasure"] = "FURLONG"
    payment = split["checks"][0]["payments"][0]
    payment["cardType"] = "PLUTO_CARD"
    job = world.labor[R1]["jobs"][0]
    job["wageFrequency"] = "PIECEWORK"
    charge = world.config[R1]["serviceCharges"][0]
    charge["serviceChargeCalculation"] = "AFTER_ROUNDING"
    return {
        "orders_check_selection": selection["guid"],
        "payment": payment["guid"],
        "job": job["guid"],
        "service_charge": charge["guid"],
    }


@pytest.fixture(scope="module")
def synced(tmp_path_factory: pytest.TempPathFactory) -> tuple[Warehouse, World, dict[str, str]]:
    world = World.load()
    world.serve_example_shapes()
    guids = _serve_new_enum_values(world)
    with toast_server(world=world) as server, virtual_time():
        project = Project(tmp_path_factory.mktemp("shapes") / "project")
        warehouse = project.sync(make_configuration(server)).warehouse
    return warehouse, world, guids


def _time_entries(world: World) -> list[tuple[str, Any]]:
    return [
        (entry["guid"], entry.get("shiftReference"))
        for labor in world.labor.values()
        for entry in labor.get("timeEntries", [])
    ]


def test_a_shift_reference_sent_as_a_bare_guid_lands_in_shift_reference_id(synced) -> None:
    warehouse, world, _ = synced
    sent = _time_entries(world)
    shapes = {type(shift) for _, shift in sent}
    assert {str, dict} <= shapes  # both shapes are served: the bare guid and the object
    landed = dict(warehouse.query("SELECT id, shift_reference_id FROM tester.time_entry"))
    assert landed == {e: s["guid"] if isinstance(s, dict) else s for e, s in sent}
    assert "shift_reference" not in warehouse.columns("time_entry")


def test_an_employee_with_the_1970_deleted_date_is_live_with_the_date_as_sent(synced) -> None:
    warehouse, world, _ = synced
    expected = {
        (employee["guid"], restaurant): (employee["deleted"], employee["deleted"])
        for restaurant, labor in world.labor.items()
        for employee in labor.get("employees", [])
    }
    rows = warehouse.query(
        "SELECT id, restaurant_id, deleted, deleted_date, _fivetran_deleted FROM tester.employee"
    )
    assert {(i, r): (d, gone) for i, r, d, _, gone in rows} == expected
    assert any(not deleted for _, _, deleted, _, _ in rows)
    assert {date for _, _, deleted, date, _ in rows if not deleted} == {SENTINEL}


@pytest.mark.parametrize(("table", "key", "column", "value"), NEW_ENUM_VALUES)
def test_an_enum_value_no_spec_lists_lands_as_the_text_toast_sent(
    synced, table: str, key: str, column: str, value: str
) -> None:
    warehouse, _, guids = synced
    assert warehouse.columns(table)[column] == "VARCHAR"
    if table == "orders_pricing_feature":
        where, key = "orders_id = ?", DELIVERY_ORDER
    else:
        where, key = "id = ?", guids.get(table, key)
    landed = warehouse.query(f"SELECT {column} FROM tester.{table} WHERE {where}", key)
    assert value in [row[0] for row in landed]
