"""The demo world (tests/fake_toast/demo.py) hangs together, checked from the JSON it serves:
every check's server was on the clock; the drawer's cash matches the day's cash payments; amounts
add up as orders.yaml defines them; references name config objects; every case an analyst meets
is there."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

import pytest

from tests.fake_toast.demo import DemoWorld
from tests.fake_toast.world import parse_ts

Record = dict[str, Any]
CENT = 0.005


@pytest.fixture(scope="module")
def demo() -> DemoWorld:
    return DemoWorld()


@pytest.fixture(scope="module")
def days(demo: DemoWorld) -> list[tuple[str, date, list[Record]]]:
    """(restaurant, business day, its orders as served) for every restaurant-day."""
    return [
        (restaurant, day, list(demo.orders_on_business_date(restaurant, _yyyymmdd(day))[:]))
        for restaurant in demo.restaurant_guids
        for day in demo.business_days()
    ]


def _yyyymmdd(day: date) -> int:
    return int(day.strftime("%Y%m%d"))


def _live(record: Record) -> bool:
    return not record.get("deleted") and not record.get("voided")


def _live_checks(orders: list[Record]) -> list[Record]:
    return [c for o in orders if _live(o) for c in o["checks"] if _live(c)]


def _live_payments(check: Record) -> list[Record]:
    return [p for p in check["payments"] if p["paymentStatus"] != "VOIDED"]


def test_every_check_was_opened_by_a_server_on_the_clock(demo: DemoWorld, days: list) -> None:
    for restaurant, _, orders in days:
        entries = demo.labor_candidates(restaurant, "timeEntries", None, None)
        servers = {j["guid"] for j in demo.labor[restaurant]["jobs"] if j["title"] == "Server"}
        for order in orders:
            for check in order["checks"] if order["server"] else []:
                opened = parse_ts(check["openedDate"])
                assert check["openedBy"]["guid"] == order["server"]["guid"]
                assert any(
                    e["employeeReference"]["guid"] == order["server"]["guid"]
                    and e["jobReference"]["guid"] in servers
                    and not e["deleted"]
                    and parse_ts(e["inDate"]) <= opened < parse_ts(e["outDate"])
                    for e in entries
                ), (restaurant, order["guid"])


def test_the_drawer_collects_and_deposits_the_days_cash_payments(
    demo: DemoWorld, days: list
) -> None:
    shortages = Counter()
    for restaurant, day, orders in days:
        cash = sum(
            p["amount"]
            for c in _live_checks(orders)
            for p in _live_payments(c)
            if p["type"] == "CASH"
        )
        entries = demo.cash_objects(restaurant, "entries", day.strftime("%Y%m%d"))
        (deposit,) = demo.cash_objects(restaurant, "deposits", day.strftime("%Y%m%d"))
        collected = -sum(e["amount"] for e in entries if e["type"] == "CASH_COLLECTED")
        pay_outs = -sum(e["amount"] for e in entries if e["type"] == "PAY_OUT")
        short = round(cash - pay_outs - collected, 2)
        assert short in (0.0, 5.0), (restaurant, day)
        shortages[restaurant] += short > 0
        assert cash > 0
        assert deposit["amount"] == pytest.approx(collected, abs=CENT)
        drawers = {c["guid"] for c in demo.config[restaurant]["cashDrawers"]}
        assert {e["cashDrawer"]["guid"] for e in entries} <= drawers
    assert set(shortages.values()) == {2}  # one day in seven, per restaurant


def test_check_amounts_add_up_as_orders_yaml_defines_them(days: list) -> None:
    checked = 0
    for _, _, orders in days:
        for order in orders:
            for check in order["checks"]:
                live = [s for s in check["selections"] if not s["voided"]]
                charges = check["appliedServiceCharges"]
                other = sum(c["chargeAmount"] for c in charges if not c["gratuity"])
                gratuity = sum(c["chargeAmount"] for c in charges if c["gratuity"])
                taxes = sum(s["tax"] for s in live) + sum(
                    t["taxAmount"] for c in charges for t in c["appliedTaxes"]
                )
                assert check["amount"] == pytest.approx(sum(s["price"] for s in live) + other)
                assert check["taxAmount"] == pytest.approx(taxes, abs=CENT)
                total = check["amount"] + gratuity + check["taxAmount"]
                assert check["totalAmount"] == pytest.approx(total, abs=CENT)
                for selection in check["selections"]:
                    applied = sum(t["taxAmount"] for t in selection["appliedTaxes"])
                    assert selection["tax"] == pytest.approx(applied, abs=CENT)
                discounts = sum(
                    d["discountAmount"]
                    for d in [*check["appliedDiscounts"]]
                    + [d for s in live for d in s["appliedDiscounts"]]
                )
                taken = sum(s["preDiscountPrice"] - s["price"] for s in live)
                assert taken == pytest.approx(discounts, abs=CENT)
                if order["excessFood"]:
                    assert check["payments"] == []
                    continue
                if order["voided"] or check["voided"]:  # their payments were voided with them
                    assert _live_payments(check) == []
                    continue
                paid = sum(p["amount"] for p in _live_payments(check))
                assert paid == pytest.approx(check["totalAmount"], abs=CENT)
                checked += 1
    assert checked > 1000


def test_references_name_the_restaurants_config_and_employees(demo: DemoWorld, days: list) -> None:
    for restaurant, _, orders in days:
        config = {o["guid"] for objects in demo.config[restaurant].values() for o in objects}
        employees = {e["guid"] for e in demo.labor[restaurant]["employees"]}
        for order in orders:
            refs = [order["diningOption"], order["revenueCenter"], order["table"]]
            for check in order["checks"]:
                for s in check["selections"]:
                    refs += [s["item"], s["itemGroup"], s["salesCategory"], s["voidReason"]]
                    refs += [m["item"] for m in s["modifiers"]]
                for p in check["payments"]:
                    refs += [p["otherPayment"], p["cashDrawer"]]
                    assert p["server"]["guid"] in employees
            assert {r["guid"] for r in refs if r} <= config, order["guid"]


def test_every_case_an_analyst_meets_is_there(demo: DemoWorld, days: list) -> None:
    seen: Counter[str] = Counter()
    for _, _, orders in days:
        for order in orders:
            seen["voided order"] += order["voided"]
            seen["deleted order"] += order["deleted"]
            seen["excess food"] += order["excessFood"]
            seen["split checks"] += len(order["checks"]) > 1
            for check in order["checks"]:
                seen["voided check"] += check["voided"]
                seen["combo"] += any(d["comboItems"] for d in check["appliedDiscounts"])
                for charge in check["appliedServiceCharges"]:
                    seen["gratuity" if charge["gratuity"] else "service charge"] += 1
                for s in check["selections"]:
                    seen["voided selection"] += s["voided"]
                    seen["gift card"] += s["deferred"]
                    seen["house account balance"] += (
                        s["selectionType"] == "HOUSE_ACCOUNT_PAY_BALANCE"
                    )
                    seen["item discount"] += bool(s["appliedDiscounts"])
                for p in check["payments"]:
                    seen[p["type"]] += 1
                    seen["voided payment"] += p["paymentStatus"] == "VOIDED"
                    refund = p["refund"]
                    later = refund and refund["refundBusinessDate"] > p["paidBusinessDate"]
                    seen["refund on a later day"] += bool(later)
    restaurants = len(demo.restaurant_guids)
    for case in ("voided order", "deleted order", "excess food", "gift card"):
        assert seen[case] == restaurants, case
    for case in ("house account balance", "HOUSE_ACCOUNT", "refund on a later day"):
        assert seen[case] == restaurants, case
    for case in ("split checks", "combo", "gratuity", "OTHER", "voided selection"):
        assert seen[case] >= restaurants * len(demo.business_days()), case
    for case in ("voided check", "service charge", "item discount", "CASH", "CREDIT"):
        assert seen[case] >= restaurants, case
    menu = demo.config[demo.restaurant_guids[0]]
    assert len(menu["menuItems"]) >= 30
    assert len(menu["menuGroups"]) >= 5
    assert len(menu["salesCategories"]) >= 3


def test_a_manager_guid_is_shared_by_two_restaurants_and_one_job_is_salaried(
    demo: DemoWorld,
) -> None:
    first, second, third = (
        {e["guid"] for e in demo.labor[r]["employees"]} for r in demo.restaurant_guids
    )
    assert len(first & second) == 1
    assert not first & third
    frequencies = {j["wageFrequency"] for j in demo.labor[demo.restaurant_guids[0]]["jobs"]}
    assert frequencies == {"HOURLY", "SALARY"}
