"""Pure transformations: flattening, child extraction, keys, windows, business dates (the
delete ledger: test_ledger.py)."""

from __future__ import annotations

import itertools
import json
from collections import Counter
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from fivetran_connector_sdk_cli.type_coercion import encode_row_data  # the SDK's cell encoding
from fivetran_connector_sdk_core.model import DataType
from fivetran_connector_sdk_core.renaming import redshift_safe  # the SDK's Fivetran naming

import connector as c

UTC = timezone.utc


def ts(text: str) -> datetime:
    return c.parse_timestamp(text)


def an_order() -> dict:
    """One order with two levels of nesting below every child list the registry knows."""
    return {
        "guid": "o-1",
        "entityType": "Order",
        "modifiedDate": "2026-09-02T10:00:00.000+0000",
        "businessDate": 20260901,
        "pricingFeatures": ["TAXESV2", "TAXESV3"],
        "server": {"guid": "emp-1", "entityType": "RestaurantUser", "externalId": None},
        "createdDevice": {"id": "device-7"},
        "checks": [
            {
                "guid": "c-1",
                "amount": 12.5,
                "payments": [
                    {
                        "guid": "p-1",
                        "amount": 12.5,
                        "refund": {"refundAmount": 1.0, "refundTransaction": {"guid": "t-1"}},
                        "voidInfo": None,
                    }
                ],
                "appliedDiscounts": [
                    {
                        "guid": "d-1",
                        "triggers": [
                            {"selection": {"guid": "s-1"}, "quantity": 1},
                            {"selection": {"guid": "s-1"}, "quantity": 1},
                        ],
                        "comboItems": [{"guid": "mi-1", "entityType": "MenuItem"}],
                    }
                ],
                "appliedServiceCharges": [
                    {"guid": "sc-1", "chargeAmount": 2.0, "appliedTaxes": [{"guid": "t-9"}]}
                ],
                "selections": [
                    {
                        "guid": "s-1",
                        "price": 3.25,
                        "appliedTaxes": [
                            {"guid": None, "name": "State", "taxAmount": 0.1},
                            {"guid": None, "name": "City", "taxAmount": 0.2},
                            {"guid": "tax-3", "name": "County", "taxAmount": 0.3},
                        ],
                        "appliedDiscounts": [{"guid": "sd-1", "triggers": [{"quantity": 2}]}],
                        "modifiers": [
                            {
                                "guid": "m-1",
                                "modifiers": [{"guid": "m-2", "modifiers": [{"guid": "m-3"}]}],
                            },
                            {"guid": "m-4", "modifiers": []},
                        ],
                    }
                ],
            }
        ],
    }


def explode_order(order: dict | None = None) -> list[tuple[str, dict]]:
    rows = c.explode(c.ORDERS, order or an_order(), {"restaurantId": "r-1"})
    return [(table.name, row) for table, row in rows]


def test_flatten_prefixes_nested_objects_and_turns_guid_into_id() -> None:
    row = c.flatten({"guid": "g", "server": {"guid": "e", "entityType": "X"}, "tags": [1]})
    assert row == {"id": "g", "serverId": "e", "serverEntityType": "X", "tags": [1]}


def test_destination_names_are_the_names_fivetran_naming_gives() -> None:
    declared = {
        column
        for table in c.ALL_TABLES
        for column in (*table.columns, *table.primary_key, *table.foreign_keys)
    }
    exploded = {column for _, row in explode_order() for column in row}
    edge_cases = {"last4Digits", "line1", "x2Y", "HTTPCode", "_private", "1st", "a__b", "ABc"}
    for name in declared | exploded | edge_cases:
        mine = c.destination_name(name)
        assert mine == redshift_safe(name), name
        assert redshift_safe(mine) == mine, name  # Fivetran naming leaves it as it is
    assert c.destination_name("ordersCheckId") == "orders_check_id"
    assert c.destination_name("last4Digits") == "last_4_digits"
    assert c.destination_name("naïve") == "naïve"  # not plain ASCII: left to the SDK


def test_flatten_leaves_out_child_lists_and_unprefixes_named_objects() -> None:
    record = {"guid": "r", "general": {"name": "Grill", "timeZone": "UTC"}, "checks": []}
    row = c.flatten(record, skip=["checks"], unprefixed=["general"])
    assert row == {"id": "r", "name": "Grill", "timeZone": "UTC"}


def test_given_an_order_when_exploded_then_every_child_lands_in_its_table() -> None:
    counts = Counter(table for table, _ in explode_order())
    assert counts == {
        "orders": 1,
        "orders_check": 1,
        "orders_check_selection": 1,
        "orders_check_selection_modifier": 4,
        "orders_check_selection_applied_tax": 3,
        "orders_check_selection_applied_discount": 1,
        "orders_check_selection_applied_discount_trigger": 1,
        "orders_check_applied_discount": 1,
        "orders_check_applied_discount_trigger": 2,
        "orders_check_applied_discount_combo_item": 1,
        "orders_check_applied_service_charge": 1,
        "payment": 1,
        "orders_check_payment": 1,
        "orders_pricing_feature": 2,
    }


def test_nested_modifiers_point_at_their_selection_and_their_parent_modifier() -> None:
    modifiers = {
        row["id"]: (row["ordersCheckSelectionId"], row.get("parentModifierId"))
        for table, row in explode_order()
        if table == "orders_check_selection_modifier"
    }
    assert modifiers == {
        "m-1": ("s-1", None),
        "m-2": ("s-1", "m-1"),
        "m-3": ("s-1", "m-2"),
        "m-4": ("s-1", None),
    }


def test_foreign_keys_follow_the_json_nesting() -> None:
    rows = dict(explode_order())  # the last row of each table is enough here
    assert rows["orders"]["restaurantId"] == "r-1"
    assert rows["orders_check"]["ordersId"] == "o-1"
    assert rows["orders_check_selection"]["ordersCheckId"] == "c-1"
    assert rows["payment"]["restaurantId"] == "r-1"
    assert rows["orders_check_payment"] == {
        "ordersCheckId": "c-1",
        "ordersId": "o-1",
        "paymentId": "p-1",
        "restaurantId": "r-1",  # carried down from the order (Table.carries)
        "businessDate": 20260901,
        "orderModifiedDate": datetime(2026, 9, 2, 10, tzinfo=timezone.utc),  # its version
    }
    assert rows["orders_check_applied_discount_trigger"]["ordersCheckAppliedDiscountId"] == "d-1"
    assert rows["orders_check_applied_discount_combo_item"]["guid"] == "mi-1"


def test_a_carried_column_takes_its_own_name_and_an_own_field_of_that_name_wins() -> None:
    """The order's `modifiedDate` reaches every row below it as `orderModifiedDate` (a check's
    own `modifiedDate` stays the check's), a time entry's reaches its breaks."""
    order = an_order()
    order["checks"][0]["modifiedDate"] = "2026-09-01T12:00:00.000+0000"
    version = datetime(2026, 9, 2, 10, tzinfo=timezone.utc)
    rows = explode_order(order)
    assert {table for table, row in rows if row.get("orderModifiedDate") == version} == (
        {table for table, _ in rows} - {"orders"}
    )
    check = dict(rows)["orders_check"]
    assert check["modifiedDate"] == datetime(2026, 9, 1, 12, tzinfo=timezone.utc)
    assert "orderModifiedDate" not in dict(rows)["orders"]
    entry = {"guid": "t-1", "modifiedDate": "2026-09-03T08:00:00.000+0000", "breaks": [{}]}
    (_, entry_row), (table, pause) = c.explode(c.TIME_ENTRY, entry, {"restaurantId": "r-1"})
    assert (table.name, pause["timeEntryModifiedDate"]) == ("break", entry_row["modifiedDate"])
    assert "timeEntryModifiedDate" not in entry_row


def test_null_guid_taxes_get_distinct_deterministic_keys() -> None:
    def tax_ids() -> list[str]:
        return [r["id"] for t, r in explode_order() if t == "orders_check_selection_applied_tax"]

    first, second = tax_ids(), tax_ids()
    assert first == second
    assert len(set(first)) == 3
    assert "tax-3" in first


def test_identical_siblings_without_guid_stay_two_rows() -> None:
    triggers = [r for t, r in explode_order() if t == "orders_check_applied_discount_trigger"]
    assert len({row["id"] for row in triggers}) == 2


def test_synthetic_keys_depend_on_the_parent() -> None:
    a = c.synthetic_key("t", {"p": "1"}, {"x": 1}, 0)
    assert a == c.synthetic_key("t", {"p": "1"}, {"x": 1}, 0)
    assert a != c.synthetic_key("t", {"p": "2"}, {"x": 1}, 0)
    assert a != c.synthetic_key("t", {"p": "1"}, {"x": 1}, 1)


def test_payment_refund_and_nested_references_are_flattened_lists_stay_lists() -> None:
    rows = dict(explode_order())
    assert rows["payment"]["refundRefundAmount"] == 1.0
    assert rows["payment"]["refundRefundTransactionId"] == "t-1"
    assert rows["orders"]["serverId"] == "emp-1"
    assert rows["orders"]["createdDeviceId"] == "device-7"
    assert rows["orders_check_applied_service_charge"]["appliedTaxes"] == [{"guid": "t-9"}]
    assert "checks" not in rows["orders"]


def test_exploding_does_not_change_the_input() -> None:
    order = an_order()
    before = json.dumps(order, sort_keys=True)
    explode_order(order)
    assert json.dumps(order, sort_keys=True) == before


def test_undeclared_floats_and_toast_timestamps_are_made_lossless() -> None:
    row = c.normalise_values(
        {"amount": 1.5, "declared": 2.5, "when": "2026-09-01T10:00:00.000+0000", "n": 3},
        {"declared": "DOUBLE"},
    )
    assert row == {
        "amount": "1.5",
        "declared": 2.5,
        "when": "2026-09-01T10:00:00.000+00:00",
        "n": 3,
    }


@pytest.mark.parametrize(
    "text",
    [
        "2026-09-01T10:00:00.000+0000",
        "2026-09-01T10:00:00.123-0500",
        "2026-09-01T10:00:00+0000",
        "2026-09-01T10:00:00.000Z",
    ],
)
def test_declared_timestamps_go_to_the_sdk_as_datetimes_it_encodes_like_the_text(
    text: str,
) -> None:
    row = c.normalise_values(
        {"modifiedDate": text, "bad": "not a date"}, {**c._AUDITED, "bad": c._TS}
    )
    assert row["modifiedDate"] == c.parse_timestamp(text)
    assert row["modifiedDate"].tzinfo is not None
    assert row["bad"] == "not a date"  # left for the SDK to reject, as before
    types = {"modifiedDate": DataType.UTC_DATETIME}
    sent = encode_row_data(types, {"modifiedDate": row["modifiedDate"]})
    assert sent == encode_row_data(types, {"modifiedDate": text})


def test_restaurant_row_merges_partner_record_and_info() -> None:
    partner = {
        "restaurantGuid": "r-1",
        "restaurantName": "Partner Name",
        "managementGroupGuid": "g-1",
        "deleted": False,
        "createdDate": 1690000000000,
    }
    info = {
        "guid": "r-1",
        "general": {"name": "Harbor Grill", "timeZone": "America/New_York", "closeoutHour": 4},
        "location": {"city": "Boston", "latitude": 42.1},
    }
    row = c.build_restaurant_row("r-1", partner, info)
    assert row["id"] == "r-1"
    assert row["name"] == "Harbor Grill"
    assert row["timeZone"] == "America/New_York"
    assert row["closeoutHour"] == 4
    assert row["city"] == "Boston"
    assert row["managementGroupGuid"] == "g-1"
    assert c.build_restaurant_row("r-1", partner, None)["name"] == "Partner Name"


def test_windows_are_contiguous_and_at_most_thirty_days() -> None:
    windows = c.plan_windows(ts("2026-01-01T00:00:00Z"), ts("2026-03-15T12:00:00Z"))
    assert [w.end - w.start for w in windows] == [
        timedelta(days=30),
        timedelta(days=30),
        timedelta(days=13, hours=12),
    ]
    assert all(a.end == b.start for a, b in itertools.pairwise(windows))
    assert [w.first for w in windows] == [True, False, False]
    assert c.plan_windows(ts("2026-01-01T00:00:00Z"), ts("2026-01-01T00:00:00Z")) == []


def test_overlapping_ranges_hold_every_shift_shorter_than_the_overlap() -> None:
    start, end = ts("2026-09-01T00:00:00Z"), ts("2026-10-01T00:00:00Z")
    ranges = c.overlapping_ranges(start, end, timedelta(hours=24), timedelta(days=30))
    assert all(stop - begin <= timedelta(days=30) for begin, stop in ranges)
    assert ranges[0][0] == start - timedelta(hours=24)
    assert ranges[-1][1] == end
    shift_in, shift_out = ts("2026-09-29T22:00:00Z"), ts("2026-09-30T06:00:00Z")
    assert any(begin <= shift_in and shift_out < stop for begin, stop in ranges)


def test_consecutive_windows_shift_ranges_catch_a_shift_across_the_edge() -> None:
    first = c.overlapping_ranges(
        ts("2026-09-01T00:00:00Z"), ts("2026-10-01T00:00:00Z"), timedelta(hours=24), timedelta(30)
    )
    second = c.overlapping_ranges(
        ts("2026-10-01T00:00:00Z"), ts("2026-10-31T00:00:00Z"), timedelta(hours=24), timedelta(30)
    )
    shift_in, shift_out = ts("2026-09-30T22:00:00Z"), ts("2026-10-01T06:00:00Z")
    assert any(begin <= shift_in and shift_out < stop for begin, stop in first + second)


@pytest.mark.parametrize(
    ("moment", "zone", "closeout", "expected"),
    [
        pytest.param("2026-10-01T03:00:00Z", "America/New_York", 4, "2026-09-30", id="ny-before"),
        pytest.param("2026-10-01T09:00:00Z", "America/New_York", 4, "2026-10-01", id="ny-after"),
        pytest.param("2026-10-01T09:59:00Z", "America/Los_Angeles", 3, "2026-09-30", id="la"),
        pytest.param(
            "2026-10-01T10:00:00Z", "America/Los_Angeles", 3, "2026-10-01", id="la-close"
        ),
        pytest.param("2026-11-01T06:30:00Z", "America/New_York", 4, "2026-10-31", id="dst-end"),
    ],
)
def test_business_date_uses_the_restaurant_time_zone_and_closeout(
    moment: str, zone: str, closeout: int, expected: str
) -> None:
    assert c.business_date(ts(moment), ZoneInfo(zone), closeout).isoformat() == expected


def test_business_dates_of_a_window_include_the_days_across_its_edges() -> None:
    window = c.Window(ts("2026-09-01T00:00:00Z"), ts("2026-10-01T00:00:00Z"))
    dates = c.business_dates(window, ZoneInfo("America/Los_Angeles"), 3, reread_days=0)
    assert dates[0] == "20260831"
    assert dates[-1] == "20260930"
    assert len(dates) == 31
    reread = c.business_dates(window, ZoneInfo("America/Los_Angeles"), 3, reread_days=3)
    assert reread[:4] == ["20260828", "20260829", "20260830", "20260831"]


def test_timestamps_round_trip_in_toast_format() -> None:
    moment = datetime(2026, 9, 1, 12, 30, 5, 123000, tzinfo=UTC)
    assert c.format_timestamp(moment) == "2026-09-01T12:30:05.123+0000"
    assert c.parse_timestamp("2026-09-01T12:30:05.123+0000") == moment
    assert c.parse_timestamp("2026-09-01T12:30:05.123Z") == moment
    assert c.parse_timestamp("2026-09-01T12:30:05.123") == moment
