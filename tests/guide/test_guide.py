"""Every SQL block of analytics/ANALYST_GUIDE.md, run on a warehouse synced from the recorded
world and compared with values computed here from Toast's JSON (the same data the sandbox serves).

The expectations read the world's JSON directly, with Toast's definitions of each amount
(orders.yaml, labor.yaml); they never run SQL. A guide block without an expectation fails.
Every block also runs on generated worlds, whose JSON is what they served over the synced range
(`served_world`): the demo world's first days here, the generator's world in test_models.py.
The queries are also run on a copy of the warehouse in which the children of deleted orders are
marked deleted, as connector versions with issue 15's deleted-order propagation leave it, and on
a copy holding a check, its selections and its payment as an older version of their live order
wrote them (removed by Toast beyond the delete ledger's reach): the guide's filters must give the
same answers on every form.
"""

from __future__ import annotations

import re
import shutil
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import pytest

from tests.conftest import (
    FIXED_NOW,
    INITIAL_SYNC_START,
    Project,
    make_configuration,
    toast_server,
    virtual_time,
)
from tests.fake_toast import World
from tests.fake_toast import builders as b
from tests.fake_toast.demo import DemoWorld
from tests.fake_toast.generate import GeneratedWorld
from tests.fake_toast.world import CASH_KINDS, CONFIG_ENDPOINTS, LABOR_KINDS, format_ts, parse_ts
from tests.guide.model_oracle import Served

GUIDE = Path(__file__).parents[2] / "analytics" / "ANALYST_GUIDE.md"
Row = tuple[Any, ...]
Record = dict[str, Any]

# Payment statuses that moved no money (orders.yaml Payment.paymentStatus).
NO_MONEY_STATUSES = {"VOIDED", "DENIED", "CANCELLED", "ERROR", "ERROR_NETWORK", "PROCESSING_VOID"}
OVERTIME_FACTOR = 1.5  # the guide's stated assumption


def guide_queries() -> dict[str, str]:
    """Name -> SQL of every ```sql block of the guide; each must open with `-- query: name`."""
    queries: dict[str, str] = {}
    for block in re.findall(r"```sql\n(.*?)```", GUIDE.read_text(), re.DOTALL):
        match = re.match(r"-- query: (\w+)\n", block)
        assert match, f"a guide SQL block has no '-- query: name' first line:\n{block[:200]}"
        assert match.group(1) not in queries, f"two guide blocks are named {match.group(1)}"
        queries[match.group(1)] = block
    return queries


# ---------------------------------------------------------------------------------------------
# The world as Toast defines it (independent of the connector and of SQL)
# ---------------------------------------------------------------------------------------------


def live_checks(world: World) -> Iterator[tuple[str, Record, Record]]:
    """(restaurant, order, check) of every order and check neither deleted nor voided."""
    for restaurant, orders in world.orders.items():
        for order in orders:
            if order.get("deleted") or order.get("voided") or order.get("excessFood"):
                continue
            for check in order["checks"]:
                if not check.get("deleted") and not check.get("voided"):
                    yield restaurant, order, check


def is_sale(selection: Record) -> bool:
    """A live selection that counts as a sale (not a gift card or a house-account payment)."""
    return not (
        selection.get("voided")
        or selection.get("deferred")
        or selection.get("selectionType") == "HOUSE_ACCOUNT_PAY_BALANCE"
    )


def applied(discounts: list[Record]) -> float:
    return sum(
        d["nonTaxDiscountAmount"]
        for d in discounts
        if d.get("processingState") not in ("VOID", "PENDING_VOID")
    )


def non_gratuity_charges(check: Record) -> list[Record]:
    return [c for c in check["appliedServiceCharges"] if not c.get("gratuity")]


def expected_net_sales(world: World) -> list[Row]:
    totals: dict[tuple[str, int], list[float]] = defaultdict(lambda: [0.0, 0.0])
    for restaurant, order, check in live_checks(world):
        day = totals[restaurant, order["businessDate"]]
        for selection in filter(is_sale, check["selections"]):
            day[0] += selection["preDiscountPrice"] - applied(selection["appliedDiscounts"])
        day[0] -= applied(check["appliedDiscounts"])
        for charge in non_gratuity_charges(check):
            if charge.get("serviceChargeCategory") != "FUNDRAISING_CAMPAIGN":
                day[1] += charge["chargeAmount"]
    return sorted(
        (*key, items, charges, items + charges) for key, (items, charges) in totals.items()
    )


def config_name(world: World, restaurant: str, endpoint: str, guid: str | None) -> str | None:
    names = {o["guid"]: o.get("name") for o in world.config[restaurant].get(endpoint, [])}
    return names.get(guid) if guid else None


def expected_item_mix(world: World) -> list[Row]:
    items: dict[tuple[str, str, str], list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for restaurant, _, check in live_checks(world):
        for selection in filter(is_sale, check["selections"]):
            group = config_name(
                world, restaurant, "menuGroups", (selection.get("itemGroup") or {}).get("guid")
            )
            item = config_name(world, restaurant, "menuItems", selection["item"]["guid"])
            key = (restaurant, group or "(no menu group)", item or selection["displayName"])
            totals = items[key]
            totals[0] += selection["quantity"]
            totals[1] += selection["preDiscountPrice"]
            totals[2] += selection["price"]
    rows = [(*key, *values) for key, values in items.items()]
    return sorted(rows, key=lambda row: (row[0], -round(row[5], 2), row[2]))


def expected_sales_by_local_hour(world: World) -> list[Row]:
    hours: dict[tuple[str, int, int], list[float]] = defaultdict(lambda: [0, 0.0])
    for restaurant, order, check in live_checks(world):
        zone = ZoneInfo(world.restaurant_info[restaurant]["general"]["timeZone"])
        hour = parse_ts(order["openedDate"]).astimezone(zone).hour
        totals = hours[restaurant, order["businessDate"], hour]
        totals[0] += 1
        totals[1] += check["amount"]
    return sorted((*key, *values) for key, values in hours.items())


def reported_time_entries(world: World) -> Iterator[tuple[str, Record]]:
    for restaurant, labor in world.labor.items():
        excluded = {j["guid"] for j in labor["jobs"] if j.get("excludeFromReporting")}
        for entry in labor["timeEntries"]:
            job = (entry.get("jobReference") or {}).get("guid")
            if not entry.get("deleted") and job not in excluded:
                yield restaurant, entry


def cost(entries: list[Record]) -> float | None:
    """Wage x (regular + 1.5 x overtime hours) of the entries with a wage; None if none has one:
    a salaried job's entries carry no `hourlyWage` (labor.yaml: null if the job is SALARY), and
    the guide leaves their cost out, never a silent zero (ANALYST_GUIDE.md section 0)."""
    costs = [
        entry["hourlyWage"] * (entry["regularHours"] + OVERTIME_FACTOR * entry["overtimeHours"])
        for entry in entries
        if entry.get("hourlyWage") is not None
    ]
    return sum(costs) if costs else None


def expected_labor_by_business_date(world: World) -> list[Row]:
    days: dict[tuple[str, int], list[Record]] = defaultdict(list)
    for restaurant, entry in reported_time_entries(world):
        days[restaurant, int(entry["businessDate"])].append(entry)
    rows = []
    for key, entries in days.items():
        regular = sum(entry["regularHours"] for entry in entries)
        overtime = sum(entry["overtimeHours"] for entry in entries)
        rows.append((*key, regular, overtime, regular + overtime, cost(entries)))
    return sorted(rows)


def expected_labor_by_employee_and_job(world: World) -> list[Row]:
    people: dict[tuple[str, str, str], list[Record]] = defaultdict(list)
    for restaurant, entry in reported_time_entries(world):
        labor = world.labor[restaurant]
        employee = next(
            e for e in labor["employees"] if e["guid"] == entry["employeeReference"]["guid"]
        )
        job = next(j for j in labor["jobs"] if j["guid"] == entry["jobReference"]["guid"])
        name = f"{employee.get('chosenName') or employee['firstName']} {employee['lastName']}"
        people[restaurant, name, job["title"]].append(entry)
    return sorted(
        (*key, sum(e["regularHours"] + e["overtimeHours"] for e in entries), cost(entries))
        for key, entries in people.items()
    )


def live_payments(world: World) -> Iterator[tuple[str, Record]]:
    """Payments that moved money, on checks and orders not deleted (voided ones still paid)."""
    for restaurant, orders in world.orders.items():
        for order in orders:
            if order.get("deleted"):
                continue
            for check in order["checks"]:
                if check.get("deleted"):
                    continue
                for payment in check["payments"]:
                    if not payment.get("voidInfo") and (
                        payment.get("paymentStatus") not in NO_MONEY_STATUSES
                    ):
                        yield restaurant, payment


def expected_payments_by_type(world: World) -> list[Row]:
    days: dict[tuple[str, int, str], list[float]] = defaultdict(lambda: [0, 0.0, 0.0, 0.0, 0.0])
    for restaurant, payment in live_payments(world):
        paid = days[restaurant, payment["paidBusinessDate"], payment["type"]]
        paid[0] += 1
        paid[1] += payment["amount"]
        paid[2] += payment.get("tipAmount") or 0.0
        refund = payment.get("refund")
        if refund:
            refunded = days[restaurant, refund["refundBusinessDate"], payment["type"]]
            refunded[3] += refund.get("refundAmount") or 0.0
            refunded[4] += refund.get("tipRefundAmount") or 0.0
    return sorted(
        (*key, count, amount, tips, refunds, tip_refunds, amount + tips - refunds - tip_refunds)
        for key, (count, amount, tips, refunds, tip_refunds) in days.items()
    )


def expected_cash_drawer_reconciliation(world: World) -> list[Row]:
    # cash_in, cash_sales, pay_outs, tip_outs, other, collected per (restaurant, date, drawer)
    drawers: dict[tuple[str, int, str], list[float]] = defaultdict(lambda: [0.0] * 6)
    column = {"CASH_IN": 0, "PAY_OUT": 2, "UNDO_PAY_OUT": 2, "TIP_OUT": 3}
    for restaurant, cash in world.cash.items():
        for business_date, entries in cash["entries"].items():
            for entry in entries:
                if entry["type"].startswith("CLOSE_OUT"):
                    continue
                totals = drawers[restaurant, int(business_date), entry["cashDrawer"]["guid"]]
                if entry["type"] == "CASH_COLLECTED":
                    totals[5] -= entry["amount"]
                else:
                    totals[column.get(entry["type"], 4)] += entry["amount"]
    for restaurant, payment in live_payments(world):
        if payment["type"] == "CASH":  # the amount, less its refund; tips stay with the server
            drawer = payment["cashDrawer"]["guid"]
            drawers[restaurant, payment["paidBusinessDate"], drawer][1] += payment["amount"]
            refund = payment.get("refund") or {}
            if refund.get("refundBusinessDate"):
                key = (restaurant, refund["refundBusinessDate"], drawer)
                drawers[key][1] -= refund.get("refundAmount") or 0.0
    return sorted((*key, *values, sum(values[:5]) - values[5]) for key, values in drawers.items())


def expected_cash_deposit_reconciliation(world: World) -> list[Row]:
    days: dict[tuple[str, int], list[float]] = defaultdict(lambda: [0.0, 0.0])
    for restaurant, cash in world.cash.items():
        for business_date, entries in cash["entries"].items():
            for entry in entries:
                if entry["type"] == "CASH_COLLECTED":
                    days[restaurant, int(business_date)][0] -= entry["amount"]
        for business_date, deposits in cash["deposits"].items():
            for deposit in deposits:
                sign = -1 if deposit.get("undoes") else 1
                days[restaurant, int(business_date)][1] += sign * deposit["amount"]
    return sorted((*key, got, banked, got - banked) for key, (got, banked) in days.items())


EXPECTED: dict[str, Callable[[World], list[Row]]] = {
    "net_sales_from_selections": expected_net_sales,
    "net_sales_from_checks": expected_net_sales,
    "item_mix": expected_item_mix,
    "sales_by_local_hour": expected_sales_by_local_hour,
    "labor_by_business_date": expected_labor_by_business_date,
    "labor_by_employee_and_job": expected_labor_by_employee_and_job,
    "payments_by_type": expected_payments_by_type,
    "cash_drawer_reconciliation": expected_cash_drawer_reconciliation,
    "cash_deposit_reconciliation": expected_cash_deposit_reconciliation,
}


# ---------------------------------------------------------------------------------------------
# Warehouses
# ---------------------------------------------------------------------------------------------

# (child table, its parent id column, parent table): the order's descendants the connector marks
# deleted with their order once deletes propagate (issue 15 item 1), parent before child.
DESCENDANTS = [
    ("orders_check", "orders_id", "orders"),
    ("orders_pricing_feature", "orders_id", "orders"),
    ("orders_check_selection", "orders_check_id", "orders_check"),
    ("orders_check_selection_modifier", "orders_check_selection_id", "orders_check_selection"),
    ("orders_check_selection_applied_tax", "orders_check_selection_id", "orders_check_selection"),
    (
        "orders_check_selection_applied_discount",
        "orders_check_selection_id",
        "orders_check_selection",
    ),
    ("orders_check_applied_discount", "orders_check_id", "orders_check"),
    ("orders_check_applied_service_charge", "orders_check_id", "orders_check"),
    ("orders_check_payment", "orders_check_id", "orders_check"),
]


# A cash payment of the recorded world (R3's, $5.00 tip) refunded in part two days after it was
# paid: the refund leaves its drawer on its own business date (cash_drawer_reconciliation).
REFUNDED_CASH = "9a000002-0003-4000-8000-000000000001"


def guide_world() -> World:
    """The recorded world, with REFUNDED_CASH refunded ($4.25 and the $5.00 tip)."""
    world = World.load()
    for orders in world.orders.values():
        for order in orders:
            for check in order["checks"]:
                for payment in check["payments"]:
                    if payment["guid"] == REFUNDED_CASH:
                        refunded = parse_ts(payment["paidDate"]) + timedelta(days=2)
                        payment["refundStatus"] = "PARTIAL"
                        payment["refund"] = b.make_refund(
                            "4e000002-0003-4000-8000-000000000001",
                            amount=4.25,
                            tip=5.0,
                            refunded=format_ts(refunded),
                        )
                        return world
    raise AssertionError(f"no payment {REFUNDED_CASH} in the recorded world")


@pytest.fixture(scope="module")
def world() -> World:
    return guide_world()


@pytest.fixture(scope="module")
def warehouses(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The synced warehouse as it is today, and a copy with deletes propagated to children."""
    root = tmp_path_factory.mktemp("guide")
    with toast_server(world=guide_world()) as server, virtual_time():
        synced = Project(root / "project").sync(make_configuration(server))
    propagated = root / "propagated.db"
    shutil.copy(synced.warehouse.path, propagated)
    with duckdb.connect(str(propagated)) as db:
        for table, parent_id, parent in DESCENDANTS:
            db.execute(
                f"UPDATE tester.{table} SET _fivetran_deleted = true WHERE {parent_id} IN "
                f"(SELECT id FROM tester.{parent} WHERE _fivetran_deleted)"
            )
        db.execute(  # payments that no live check links any more
            "UPDATE tester.payment SET _fivetran_deleted = true WHERE id NOT IN "
            "(SELECT payment_id FROM tester.orders_check_payment WHERE NOT _fivetran_deleted)"
        )
        changed = db.execute(
            "SELECT count(*) FROM tester.orders_check_selection WHERE _fivetran_deleted"
        ).fetchone()
    assert changed and changed[0] > 0, "the recorded world has a deleted order with selections"
    stale = root / "stale.db"
    shutil.copy(synced.warehouse.path, stale)
    with duckdb.connect(str(stale)) as db:
        add_stale_children(db)
    return {"today": synced.warehouse.path, "deletes propagated": propagated, "stale": stale}


# Children of a live order as an older version of it wrote them: Toast removed them from the
# order more than deleteLedgerDays after its last edit, so the connector left them live
# (README, Data handling). Copies of a live check and of one of its selections and payment links,
# with new ids and the order's modified_date of 100 days before.
STALE = "order_modified_date - INTERVAL 100 DAY AS order_modified_date"
STALE_CHILDREN = [
    f"""INSERT INTO tester.orders_check SELECT * REPLACE ('stale-' || id AS id, {STALE})
    FROM tester.orders_check WHERE id = $check""",
    f"""INSERT INTO tester.orders_check_selection SELECT * REPLACE ('stale-' || id AS id, {STALE})
    FROM tester.orders_check_selection WHERE orders_check_id = $check AND NOT voided""",
    f"""INSERT INTO tester.orders_check_payment SELECT * REPLACE (
        'stale-' || orders_check_id AS orders_check_id, {STALE})
    FROM tester.orders_check_payment WHERE orders_check_id = $check""",
]
# A live, paid check of a live order, with selections: the children copied.
LIVE_CHECK = """
SELECT c.id FROM tester.orders_check AS c JOIN tester.orders AS o ON o.id = c.orders_id
WHERE NOT c._fivetran_deleted AND NOT o._fivetran_deleted AND NOT coalesce(c.voided, false)
  AND NOT coalesce(o.voided, false) AND NOT coalesce(o.excess_food, false)
  AND c.id IN (SELECT orders_check_id FROM tester.orders_check_selection)
  AND c.id IN (SELECT orders_check_id FROM tester.orders_check_payment)
ORDER BY c.id LIMIT 1
"""


def add_stale_children(db: duckdb.DuckDBPyConnection) -> None:
    row = db.execute(LIVE_CHECK).fetchone()
    assert row, "the recorded world has a live, paid check with selections"
    for statement in STALE_CHILDREN:
        db.execute(statement, {"check": row[0]})
    # the stale link's payment: a second payment row of its own (the check's copy pays it)
    db.execute(
        """INSERT INTO tester.payment SELECT * REPLACE ('stale-' || id AS id)
        FROM tester.payment WHERE id IN (SELECT payment_id FROM tester.orders_check_payment
        WHERE orders_check_id = 'stale-' || $check)""",
        {"check": row[0]},
    )
    db.execute(
        "UPDATE tester.orders_check_payment SET payment_id = 'stale-' || payment_id "
        "WHERE orders_check_id = 'stale-' || $check",
        {"check": row[0]},
    )


def run(path: Path, sql: str) -> list[Row]:
    with duckdb.connect(str(path), read_only=True) as db:
        return db.execute(sql).fetchall()


# The guide rounds amounts to the cent: its value is within half a cent of the JSON's, and a sum
# that ends in exactly half a cent (470.475) rounds either way as float sums differ in their last
# bits (SQL's sum 470.4750000000001 rounds up; Python's 470.47499999999997 is 0.005 + 3e-14 away).
HALF_CENT = 0.005 + 1e-9


def assert_rows(actual: list[Row], expected: list[Row], name: str) -> None:
    """Same rows in the same order; amounts to the cent (the guide rounds to 2 decimals)."""
    assert len(actual) == len(expected), (name, actual, expected)
    for got, want in zip(actual, expected, strict=True):
        same = len(got) == len(want) and all(
            a == pytest.approx(w, abs=HALF_CENT) if isinstance(w, float) else a == w
            for a, w in zip(got, want, strict=True)
        )
        assert same, f"{name}: warehouse {got} != JSON {want}"


# ---------------------------------------------------------------------------------------------
# Tests
# ---------------------------------------------------------------------------------------------


def test_every_guide_query_has_an_expectation() -> None:
    queries = guide_queries()
    assert set(queries) == set(EXPECTED), (
        f"guide blocks without an expectation: {sorted(set(queries) - set(EXPECTED))}; "
        f"expectations without a guide block: {sorted(set(EXPECTED) - set(queries))}"
    )


@pytest.mark.parametrize("form", ["today", "deletes propagated", "stale"])
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_guide_query_returns_what_the_json_says(
    name: str, form: str, warehouses: dict[str, Path], world: World
) -> None:
    sql = guide_queries().get(name)
    assert sql is not None, f"the guide has no block named {name}"
    expected = EXPECTED[name](world)
    assert expected, f"{name}: the recorded world gives this question no rows"
    assert_rows(run(warehouses[form], sql), expected, name)


def test_the_two_net_sales_computations_agree_on_every_restaurant_and_business_date(
    warehouses: dict[str, Path],
) -> None:
    queries = guide_queries()
    for path in warehouses.values():
        from_selections = run(path, queries["net_sales_from_selections"])
        from_checks = run(path, queries["net_sales_from_checks"])
        assert from_selections == from_checks
        assert len(from_selections) >= 10


# ---------------------------------------------------------------------------------------------
# The recorded world keeps Toast's arithmetic (tests/fake_toast/recordings/README.md)
# ---------------------------------------------------------------------------------------------


def cents(value: float) -> int:
    return round(value * 100)


def modifier_total(selection: Record) -> float:
    return sum(m["price"] + modifier_total(m) for m in selection.get("modifiers") or [])


def check_problems(check: Record) -> Iterator[str]:
    live = [s for s in check["selections"] if not s.get("voided")]
    for s in check["selections"]:
        gross = s["receiptLinePrice"] * s["quantity"] + modifier_total(s)
        if cents(gross) != cents(s["preDiscountPrice"]):
            yield f"selection {s['guid']}: preDiscountPrice != unit price x quantity + modifiers"
        if cents(sum(t["taxAmount"] for t in s["appliedTaxes"])) != cents(s["tax"]):
            yield f"selection {s['guid']}: tax != its applied taxes"
        for d in s["appliedDiscounts"]:
            if d["nonTaxDiscountAmount"] > d["discountAmount"]:
                yield f"discount {d['guid']}: nonTaxDiscountAmount > discountAmount"
    charges = check["appliedServiceCharges"]
    gratuity = sum(c["chargeAmount"] for c in charges if c.get("gratuity"))
    prices = sum(s["price"] for s in live)
    discounts = sum(applied(s["appliedDiscounts"]) for s in live) + applied(
        check["appliedDiscounts"]
    )
    if cents(sum(s["preDiscountPrice"] for s in live) - discounts) != cents(prices):
        yield "selection prices != pre-discount prices less item and check discounts"
    if cents(prices + sum(c["chargeAmount"] for c in non_gratuity_charges(check))) != cents(
        check["amount"]
    ):
        yield "amount != live prices + non-gratuity service charges"
    taxes = sum(s["tax"] for s in live) + sum(
        t["taxAmount"] for c in charges for t in c.get("appliedTaxes") or []
    )
    if cents(taxes) != cents(check["taxAmount"]):
        yield "taxAmount != selection and service charge taxes"
    if cents(check["amount"] + gratuity + check["taxAmount"]) != cents(check["totalAmount"]):
        yield "totalAmount != amount + gratuity + taxAmount"
    paid = [p for p in check["payments"] if not p.get("voidInfo")]
    settled = cents(sum(p["amount"] for p in paid)) == cents(check["totalAmount"])
    # (a check whose payment was voided may not have been paid again: the generated world)
    if check["paymentStatus"] == "CLOSED" and paid == check["payments"] and not settled:
        yield "payments (tips excluded) != totalAmount"
    for p in paid:
        refund = p.get("refund")
        if refund:
            refunded = [
                s["refundDetails"]
                for s in check["selections"]
                if (s.get("refundDetails") or {}).get("refundTransaction")
                == refund["refundTransaction"]
            ]
            total = sum(r["refundAmount"] + r["taxRefundAmount"] for r in refunded)
            # no refunded item: a custom amount refund, which names no item (Toast allows it)
            if refunded and cents(total) != cents(refund["refundAmount"]):
                yield f"payment {p['guid']}: refund != refunded items and their tax"


def test_recorded_orders_keep_toasts_amount_definitions(world: World) -> None:
    problems = [
        f"{order['guid']} check {check['guid']}: {problem}"
        for orders in world.orders.values()
        for order in orders
        for check in order["checks"]
        for problem in check_problems(check)
    ]
    assert problems == []


def test_generated_orders_keep_toasts_amount_definitions() -> None:
    world = GeneratedWorld(restaurants=2, days=10, orders_per_day=60)
    start = datetime.combine(world.first_day, time(), tzinfo=timezone.utc)
    checks = [
        check
        for record in world.restaurants
        for order in world.orders_between(record["restaurantGuid"], start, start + timedelta(15))
        for check in order["checks"]
    ]
    assert len(checks) > 1000
    problems = [f"check {c['guid']}: {problem}" for c in checks for problem in check_problems(c)]
    assert problems == []


def test_recorded_labor_and_cash_keep_their_arithmetic(world: World) -> None:
    problems = []
    for restaurant, labor in world.labor.items():
        for entry in labor["timeEntries"]:
            if not entry.get("outDate"):
                continue
            worked = parse_ts(entry["outDate"]) - parse_ts(entry["inDate"])
            for pause in entry.get("breaks") or []:
                if not pause["paid"] and not pause["missed"]:
                    worked -= parse_ts(pause["outDate"]) - parse_ts(pause["inDate"])
            hours = entry["regularHours"] + entry["overtimeHours"]
            if abs(hours - worked.total_seconds() / 3600) > 0.01:
                problems.append(f"{restaurant} time entry {entry['guid']}: hours != worked")
    for restaurant, cash in world.cash.items():
        for business_date, entries in cash["entries"].items():
            if cents(sum(e["amount"] for e in entries)) != 0:
                problems.append(f"{restaurant} cash {business_date}: the drop leaves cash behind")
            collected = -sum(e["amount"] for e in entries if e["type"] == "CASH_COLLECTED")
            deposits = cash["deposits"].get(business_date, [])
            deposited = sum(d["amount"] for d in deposits if not d.get("undoes"))
            if cents(collected) != cents(deposited):
                problems.append(f"{restaurant} cash {business_date}: deposit != drop")
    assert problems == []


# ---------------------------------------------------------------------------------------------
# The guide's queries on generated worlds: the sandbox's demo data (tests/fake_toast/demo.py) here,
# the generator's world in test_models.py (which syncs one already)
# ---------------------------------------------------------------------------------------------


def served_world(served: Served) -> World:
    """What a world served a sync over [served.start, served.end), held whole as the recorded
    world holds its JSON, for the expectations above. A generated world builds its orders, time
    entries and cash only when the fake server asks (`orders_between`, `labor_candidates`,
    `cash_objects`: the methods the server answers with), so they are asked for here over the
    synced range, as Toast selects them for the connector's requests: orders and time entries
    modified in it (ordersBulk and timeEntries by modified date, archived entries included),
    jobs and employees whole, the cash entries and deposits of each of its business dates."""
    restaurants = served.restaurants()
    orders: dict[str, list[Record]] = {restaurant: [] for restaurant in restaurants}
    for restaurant, order in served.orders():
        orders[restaurant].append(order)
    labor = {r: {kind: served.labor(r, kind) for kind in LABOR_KINDS} for r in restaurants}
    for kinds in labor.values():
        kinds["timeEntries"] = [
            entry
            for entry in kinds["timeEntries"]
            if served.start <= parse_ts(entry["modifiedDate"]) < served.end
        ]
    cash: dict[str, dict[str, dict[str, list[Record]]]] = {}
    for restaurant in restaurants:
        cash[restaurant] = {kind: defaultdict(list) for kind in CASH_KINDS}
        for kind in CASH_KINDS:
            for business_date, record in served.cash(restaurant, kind):
                cash[restaurant][kind][str(business_date)].append(record)
    world = served.world
    return World(
        restaurants=world.restaurants,
        restaurant_info=world.restaurant_info,
        config={r: {e: world.config_objects(r, e) for e in CONFIG_ENDPOINTS} for r in restaurants},
        labor=labor,
        cash=cash,
        orders=orders,
    )


def synced_range(world: World) -> Served:
    """The world over the range a sync of make_configuration reads: initialSyncStart to now."""
    return Served(world, parse_ts(INITIAL_SYNC_START), FIXED_NOW)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, World]:
    """The demo world's first five days (15 orders a day) synced, and what it served."""
    world = DemoWorld(days=5, orders_per_day=15)
    with toast_server(world=world) as server, virtual_time():
        synced = Project(tmp_path_factory.mktemp("demo")).sync(make_configuration(server))
    return synced.warehouse.path, served_world(synced_range(world))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_guide_query_returns_what_the_json_says_on_the_sandbox_data(
    name: str, demo: tuple[Path, World]
) -> None:
    """The sandbox's data has what the recorded world lacks, such as excess-food orders: sales
    by local hour counted them until this test ran it there. The item mix is checked there too
    (it once mislabelled the sandbox's items), and labor and cash, whose days hang together with
    the orders there (a drawer's cash payments, pay-outs, a short drop, a deleted time entry)."""
    path, world = demo
    expected = EXPECTED[name](world)
    assert expected, f"{name}: the demo world gives this question no rows"
    assert_rows(run(path, guide_queries()[name]), expected, name)
