"""What each analyst model must hold, computed in Python from the JSON the fake Toast serves.

Written from Toast's definitions (orders.yaml, labor.yaml, Toast's "Calculating net sales" guide;
analytics/ANALYST_GUIDE.md section 1), never from the models' SQL: every function walks the
world's orders, time entries and configuration as Toast sends them. Each returns the model's rows
keyed by the columns that identify a row, so tests compare every column of every row.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tests.fake_toast import World

Record = dict[str, Any]
Rows = dict[tuple[Any, ...], tuple[Any, ...]]

# Payment statuses of attempts that moved no money (orders.yaml Payment.paymentStatus).
FAILED_PAYMENT = {"DENIED", "CANCELLED", "ERROR", "ERROR_NETWORK"}
VOIDED_PAYMENT = {"VOIDED", "PROCESSING_VOID"}
REMOVED_DISCOUNT = {"VOID", "PENDING_VOID"}  # loyalty rewards taken off (orders.yaml)
OVERTIME_MULTIPLIER = 1.5  # toast_parameters' default

# Model columns after the key, in the order the tests select them.
COLUMNS = {
    "toast_order_lines": (
        ("selection_id",),
        (
            "restaurant_id, business_date, order_id, check_id, item_id, item_name, "
            "menu_group_name, sales_category_name, dining_option_behavior, revenue_center_name, "
            "quantity, gross_amount, discount_amount, net_amount, tax_amount, deferred, "
            "in_net_sales"
        ),
    ),
    "toast_daily_sales": (
        ("restaurant_id", "business_date"),
        (
            "orders, checks, guests, gross_sales, discounts, net_sales, service_charges, "
            "gratuity, tax, tips, voided_items, voided_amount"
        ),
    ),
    "toast_payments": (
        ("payment_id",),
        (
            "restaurant_id, paid_business_date, order_id, check_id, tender, tender_name, amount, "
            "tip_amount, refund_amount, refund_tip_amount, refund_business_date, voided"
        ),
    ),
    "toast_tips_by_employee": (
        ("restaurant_id", "business_date", "employee_id"),
        "employee_name, tips, gratuity, declared_cash_tips",
    ),
    "toast_labor": (
        ("time_entry_id",),
        (
            "restaurant_id, business_date, employee_id, employee_name, job_id, job_title, "
            "regular_hours, overtime_hours, paid_break_hours, unpaid_break_hours, hourly_wage, "
            "labor_cost, salaried"
        ),
    ),
    "toast_discounts": (
        ("applied_discount_id",),
        (
            "restaurant_id, business_date, order_id, check_id, selection_id, discount_id, "
            "discount_name, amount"
        ),
    ),
    "toast_labor_vs_sales": (
        ("restaurant_id", "business_date"),
        (
            "net_sales, labor_hours, labor_cost, labor_percent, guests, sales_per_labor_hour, "
            "salaried_hours"
        ),
    ),
    "toast_cash_drawer": (
        ("restaurant_id", "business_date", "row_type", "cash_drawer_id"),
        (
            "cash_drawer_name, entries, cash_in, cash_payments, pay_outs, tip_outs, "
            "other_entries, collected, deposits, over_short"
        ),
    ),
}


def guid(reference: Record | None) -> str | None:
    """The GUID of a Toast reference object, or None."""
    return (reference or {}).get("guid")


def cents(value: float) -> int:
    return round(value * 100)


@dataclass
class Served:
    """The world as the connector read it: orders modified in [start, end), labor, config."""

    world: World
    start: datetime
    end: datetime

    def restaurants(self) -> list[str]:
        return [record["restaurantGuid"] for record in self.world.restaurants]

    def orders(self) -> Iterator[tuple[str, Record]]:
        for restaurant in self.restaurants():
            for order in self.world.orders_between(restaurant, self.start, self.end):
                yield restaurant, order

    def checks(self) -> Iterator[tuple[str, Record, Record, bool]]:
        """(restaurant, order, check, live) of every check neither it nor its order deleted;
        live: neither voided either."""
        for restaurant, order in self.orders():
            if order.get("deleted"):
                continue
            for check in order["checks"]:
                if not check.get("deleted"):
                    live = not order.get("voided") and not check.get("voided")
                    yield restaurant, order, check, live

    def live_checks(self) -> Iterator[tuple[str, Record, Record]]:
        for restaurant, order, check, live in self.checks():
            if live:
                yield restaurant, order, check

    def payments(self) -> Iterator[tuple[str, Record, Record, Record]]:
        """(restaurant, order, check, payment) of payments that were attempts with money."""
        for restaurant, order, check, _ in self.checks():
            for payment in check["payments"]:
                if payment.get("paymentStatus") not in FAILED_PAYMENT:
                    yield restaurant, order, check, payment

    def config(self, restaurant: str, endpoint: str, object_guid: str | None) -> Record:
        """A configuration object of that restaurant by GUID ({} when there is none)."""
        for item in self.world.config_objects(restaurant, endpoint):
            if item["guid"] == object_guid:
                return item
        return {}

    def labor(self, restaurant: str, kind: str) -> list[Record]:
        return list(self.world.labor_candidates(restaurant, kind, None, None))

    def business_dates(self) -> list[str]:
        """Every `yyyymmdd` from the first day to the last the connector read cash for."""
        days = (self.end.date() - self.start.date()).days + 1
        return [(self.start.date() + timedelta(n)).strftime("%Y%m%d") for n in range(days)]

    def cash(self, restaurant: str, kind: str) -> Iterator[tuple[int, Record]]:
        """(business date, record) of the cash `entries` or `deposits` Toast serves."""
        for business_date in self.business_dates():
            for record in self.world.cash_objects(restaurant, kind, business_date):
                yield int(business_date), record

    def employee_name(self, restaurant: str, employee_guid: str | None) -> str | None:
        for employee in self.labor(restaurant, "employees"):
            if employee["guid"] == employee_guid and employee.get("lastName") is not None:
                first = employee.get("chosenName") or employee.get("firstName")
                return None if first is None else f"{first} {employee['lastName']}"
        return None


def is_voided_payment(payment: Record) -> bool:
    return bool(payment.get("voidInfo")) or payment.get("paymentStatus") in VOIDED_PAYMENT


def in_net_sales(order: Record, selection: Record) -> bool:
    """Toast's net sales leave out gift card sales, house-account payments and excess food."""
    return not (
        selection.get("deferred")
        or selection.get("selectionType") == "HOUSE_ACCOUNT_PAY_BALANCE"
        or order.get("excessFood")
    )


def order_lines(served: Served) -> Rows:
    rows: Rows = {}
    for restaurant, order, check in served.live_checks():
        for s in check["selections"]:
            if s.get("voided"):
                continue
            item = served.config(restaurant, "menuItems", guid(s.get("item")))
            dining = guid(s.get("diningOption")) or guid(order.get("diningOption"))
            rows[(s["guid"],)] = (
                restaurant,
                order["businessDate"],
                order["guid"],
                check["guid"],
                guid(s.get("item")),
                s.get("displayName") or item.get("name"),
                served.config(restaurant, "menuGroups", guid(s.get("itemGroup"))).get("name"),
                served.config(restaurant, "salesCategories", guid(s.get("salesCategory"))).get(
                    "name"
                ),
                served.config(restaurant, "diningOptions", dining).get("behavior"),
                served.config(restaurant, "revenueCenters", guid(order.get("revenueCenter"))).get(
                    "name"
                ),
                s["quantity"],
                s["preDiscountPrice"],
                s["preDiscountPrice"] - s["price"],
                s["price"],
                s["tax"],
                bool(s.get("deferred")),
                in_net_sales(order, s),
            )
    return rows


def _check_sales(day: dict[str, float], order: Record, check: Record) -> None:
    """Add one live check's sales figures to its day's totals."""
    excess = bool(order.get("excessFood"))
    day["checks"] += 1
    day["tax"] += check["taxAmount"]
    if not excess:
        day["amount"] += check["amount"]
    for s in check["selections"]:
        if s.get("voided"):
            continue
        if in_net_sales(order, s):
            day["gross_sales"] += s["preDiscountPrice"]
            day["discounts"] += s["preDiscountPrice"] - s["price"]
        elif not excess:
            day["amount"] -= s["price"]  # a gift card or house-account line inside `amount`
    for charge in check["appliedServiceCharges"]:
        if charge.get("gratuity"):
            day["gratuity"] += charge["chargeAmount"]
        elif excess:
            continue
        elif charge.get("serviceChargeCategory") == "FUNDRAISING_CAMPAIGN":
            day["amount"] -= charge["chargeAmount"]  # a donation passed through
        else:
            day["service_charges"] += charge["chargeAmount"]


def daily_sales(served: Served) -> Rows:
    days: dict[tuple[str, int], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    guests: dict[tuple[str, int], dict[str, int]] = defaultdict(dict)
    for restaurant, order, check, live in served.checks():
        key = (restaurant, order["businessDate"])
        voided = [s for s in check["selections"] if s.get("voided") or not live]
        days[key]["voided_items"] += sum(s["quantity"] for s in voided)
        days[key]["voided_amount"] += sum(s["price"] for s in voided)
        if live:
            guests[key][order["guid"]] = order.get("numberOfGuests") or 0
            _check_sales(days[key], order, check)
    for restaurant, order, _, payment in served.payments():
        if not is_voided_payment(payment):
            days[restaurant, order["businessDate"]]["tips"] += payment.get("tipAmount") or 0.0
    return {
        key: (
            len(guests[key]),
            int(day["checks"]),
            sum(guests[key].values()),
            day["gross_sales"],
            day["discounts"],
            day["amount"],
            day["service_charges"],
            day["gratuity"],
            day["tax"],
            day["tips"],
            day["voided_items"],
            day["voided_amount"],
        )
        for key, day in days.items()
        if guests[key]  # a day with live checks
    }


def payments(served: Served) -> Rows:
    rows: Rows = {}
    for restaurant, order, check, payment in served.payments():
        refund = payment.get("refund") or {}
        tender_name = (
            served.config(
                restaurant, "alternatePaymentTypes", guid(payment.get("otherPayment"))
            ).get("name")
            if payment["type"] == "OTHER"
            else payment.get("cardType")
        )
        rows[(payment["guid"],)] = (
            restaurant,
            payment["paidBusinessDate"],
            order["guid"],
            check["guid"],
            payment["type"],
            tender_name,
            payment["amount"],
            payment.get("tipAmount") or 0.0,
            refund.get("refundAmount") or 0.0,
            refund.get("tipRefundAmount") or 0.0,
            refund.get("refundBusinessDate"),
            is_voided_payment(payment),
        )
    return rows


def tips_by_employee(served: Served) -> Rows:
    people: dict[tuple[str, int, str | None], list[float]] = defaultdict(lambda: [0.0] * 3)
    for restaurant, order, _, payment in served.payments():
        if not is_voided_payment(payment):
            key = (restaurant, order["businessDate"], guid(order.get("server")))
            people[key][0] += payment.get("tipAmount") or 0.0
    for restaurant, order, check in served.live_checks():
        for charge in check["appliedServiceCharges"]:
            if charge.get("gratuity"):
                key = (restaurant, order["businessDate"], guid(order.get("server")))
                people[key][1] += charge["chargeAmount"]
    for restaurant in served.restaurants():
        for entry in served.labor(restaurant, "timeEntries"):
            if not entry.get("deleted"):
                key = (restaurant, int(entry["businessDate"]), guid(entry["employeeReference"]))
                people[key][2] += entry.get("declaredCashTips") or 0.0
    return {key: (served.employee_name(key[0], key[2]), *values) for key, values in people.items()}


def _break_hours(entry: Record) -> tuple[float, float]:
    """(paid, unpaid) hours of the breaks taken (missed breaks were not taken)."""
    paid = unpaid = 0.0
    for entry_break in entry.get("breaks") or []:
        if entry_break.get("missed") or not entry_break.get("outDate"):
            continue
        hours = (
            datetime.fromisoformat(entry_break["outDate"].replace("+0000", "+00:00"))
            - datetime.fromisoformat(entry_break["inDate"].replace("+0000", "+00:00"))
        ).total_seconds() / 3600
        if entry_break.get("paid"):
            paid += hours
        else:
            unpaid += hours
    return paid, unpaid


def labor(served: Served) -> Rows:
    rows: Rows = {}
    for restaurant in served.restaurants():
        jobs = {job["guid"]: job for job in served.labor(restaurant, "jobs")}
        for entry in served.labor(restaurant, "timeEntries"):
            if entry.get("deleted"):
                continue
            job = jobs.get(guid(entry.get("jobReference")), {})
            regular, overtime = entry.get("regularHours") or 0.0, entry.get("overtimeHours") or 0.0
            wage = entry.get("hourlyWage")
            cost = None if wage is None else wage * (regular + OVERTIME_MULTIPLIER * overtime)
            rows[(entry["guid"],)] = (
                restaurant,
                int(entry["businessDate"]),
                guid(entry["employeeReference"]),
                served.employee_name(restaurant, guid(entry["employeeReference"])),
                guid(entry.get("jobReference")),
                job.get("title"),
                regular,
                overtime,
                *_break_hours(entry),
                wage,
                cost,
                job.get("wageFrequency") == "SALARY",
            )
    return rows


def discounts(served: Served) -> Rows:
    rows: Rows = {}
    for restaurant, order, check in served.live_checks():
        applied = [(None, d) for d in check["appliedDiscounts"]] + [
            (s["guid"], d)
            for s in check["selections"]
            if not s.get("voided")
            for d in s["appliedDiscounts"]
        ]
        for selection_guid, d in applied:
            if d.get("processingState") in REMOVED_DISCOUNT:
                continue
            name = d.get("name") or served.config(
                restaurant, "discounts", guid(d.get("discount"))
            ).get("name")
            amount = d.get("nonTaxDiscountAmount")
            rows[(d["guid"],)] = (
                restaurant,
                order["businessDate"],
                order["guid"],
                check["guid"],
                selection_guid,
                guid(d.get("discount")),
                name,
                d["discountAmount"] if amount is None else amount,
            )
    return rows


def labor_vs_sales(served: Served) -> Rows:
    """Net sales and guests (as toast_daily_sales) against the hours and cost of the day's time
    entries of jobs not excluded from reporting; salaried hours apart (they cost no wage)."""
    sales = daily_sales(served)
    labor_days: dict[tuple[str, int], list[float]] = defaultdict(lambda: [0.0] * 3)
    for restaurant in served.restaurants():
        jobs = {job["guid"]: job for job in served.labor(restaurant, "jobs")}
        for entry in served.labor(restaurant, "timeEntries"):
            job = jobs.get(guid(entry.get("jobReference")), {})
            if entry.get("deleted") or job.get("excludeFromReporting"):
                continue
            day = labor_days[restaurant, int(entry["businessDate"])]
            regular, overtime = entry.get("regularHours") or 0.0, entry.get("overtimeHours") or 0.0
            day[0] += regular + overtime
            if entry.get("hourlyWage") is not None:
                day[1] += entry["hourlyWage"] * (regular + OVERTIME_MULTIPLIER * overtime)
            if job.get("wageFrequency") == "SALARY":
                day[2] += regular + overtime
    rows: Rows = {}
    for key in set(sales) | set(labor_days):
        net = sales[key][5] if key in sales else 0.0
        hours, cost, salaried = labor_days.get(key, [0.0, 0.0, 0.0])
        rows[key] = (
            net,
            hours,
            cost,
            100 * cost / net if cents(net) else None,
            sales[key][2] if key in sales else 0,
            net / hours if key in sales and hours else None,
            salaried,
        )
    return rows


# Cash entry types that move cash in or out of a drawer, by the column they add to; the others
# (NO_SALE's zero, CASH_OUT, DRIVER_REIMBURSEMENT...) go to other_entries, except the close-out
# counts (CLOSE_OUT_*), which record a count, not a movement (toast_api.md section 6.7).
CASH_COLUMNS = {"CASH_IN": 0, "PAY_OUT": 2, "UNDO_PAY_OUT": 2, "TIP_OUT": 3}


def cash_drawer(served: Served) -> Rows:
    """Per drawer and business date: entries, cash moved by kind (cash payments on the day paid,
    their refunds on the day refunded, tips left out), the drop, and over/short = the drop less
    what the drawer should hold; per restaurant-day, the deposits against the day's drops."""
    drawers: dict[tuple[str, int, str | None], list[float]] = defaultdict(lambda: [0.0] * 8)
    for restaurant in served.restaurants():
        for business_date, entry in served.cash(restaurant, "entries"):
            day = drawers[restaurant, business_date, guid(entry.get("cashDrawer"))]
            day[6] += 1
            if entry["type"] == "CASH_COLLECTED":
                day[5] -= entry["amount"]
                day[7] += 1
            elif not entry["type"].startswith("CLOSE_OUT"):
                day[CASH_COLUMNS.get(entry["type"], 4)] += entry["amount"]
    for restaurant, _, _, payment in served.payments():
        if payment["type"] == "CASH" and not is_voided_payment(payment):
            drawer = guid(payment.get("cashDrawer"))
            day = drawers[restaurant, payment["paidBusinessDate"], drawer]
            day[1] += payment["amount"]  # a cash tip stays with the server (the model says why)
            refund = payment.get("refund") or {}
            if refund.get("refundBusinessDate"):
                day = drawers[restaurant, refund["refundBusinessDate"], drawer]
                day[1] -= refund.get("refundAmount") or 0.0
    rows: Rows = {}
    collected: dict[tuple[str, int], float] = defaultdict(float)
    for (restaurant, business_date, drawer), day in drawers.items():
        name = served.config(restaurant, "cashDrawers", drawer).get("name")
        expected = sum(day[:5])
        over_short = round(day[5] - expected, 2) if day[7] else None
        rows[(restaurant, business_date, "DRAWER", drawer)] = (
            name,
            int(day[6]),
            *day[:6],
            None,
            over_short,
        )
        collected[restaurant, business_date] += day[5]
    deposits: dict[tuple[str, int], list[float]] = defaultdict(lambda: [0, 0.0])
    for restaurant in served.restaurants():
        for business_date, deposit in served.cash(restaurant, "deposits"):
            sign = -1 if deposit.get("undoes") else 1
            deposits[restaurant, business_date][0] += 1
            deposits[restaurant, business_date][1] += sign * deposit["amount"]
    for key in set(deposits) | set(collected):
        count, banked = deposits.get(key, [0, 0.0])
        rows[(*key, "DEPOSIT", None)] = (
            None,
            count,
            *[None] * 6,
            banked,
            round(banked - collected.get(key, 0.0), 2),
        )
    return rows


EXPECTED = {
    "toast_order_lines": order_lines,
    "toast_daily_sales": daily_sales,
    "toast_payments": payments,
    "toast_tips_by_employee": tips_by_employee,
    "toast_labor": labor,
    "toast_discounts": discounts,
    "toast_labor_vs_sales": labor_vs_sales,
    "toast_cash_drawer": cash_drawer,
}


def consistent_days(served: Served) -> set[tuple[str, int]]:
    """Restaurant-days whose every live check's `amount` is its live selections' prices plus its
    non-gratuity service charges (Toast's definition; real checks are not always so)."""
    days: dict[tuple[str, int], bool] = {}
    for restaurant, order, check in served.live_checks():
        parts = sum(s["price"] for s in check["selections"] if not s.get("voided")) + sum(
            c["chargeAmount"] for c in check["appliedServiceCharges"] if not c.get("gratuity")
        )
        key = (restaurant, order["businessDate"])
        days[key] = days.get(key, True) and cents(parts) == cents(check["amount"])
    return {key for key, ok in days.items() if ok}
