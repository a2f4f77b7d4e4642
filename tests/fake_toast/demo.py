"""The demo world: the generator's world with options, where sales, labor and cash hang together.

`DemoWorld()` is a `GeneratedWorld` (3 restaurants x 14 business days from 2026-10-05, 30 orders a
day, deterministic by seed) whose days are built whole: first who works when (servers on lunch and
dinner shifts, cooks, a host, a salaried manager), then the orders, each served by a server on the
clock when it opens, then the time entries' tips and sales and the cash drawer's entries and
deposit from those orders' payments. It adds a menu of 33 items in groups and sales categories
(config `menuItems`, `menuGroups`, `salesCategories` match the selections' references) and the
cases an analyst meets: item and check discounts (a combo with triggers), voids of a selection, a
check and an order, a deleted order, refunds (one on a later business day), split checks, guest
counts, a gift-card sale (`deferred`), a house-account payment and a house-account tender, an
excess-food order, gratuity and non-gratuity service charges, tips, an alternate payment type, a
voided card payment paid again, a manager whose employee GUID two restaurants share. Amounts follow
orders.yaml as `_total_check` in generate.py applies it. The sandbox serves it (tests/sandbox.py).
"""

from __future__ import annotations

import copy
import functools
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from tests.fake_toast import builders as b
from tests.fake_toast.generate import (
    UTC,
    GeneratedWorld,
    Record,
    _config_guid,
    _discount_selection,
    _employee_guid,
    _guid,
    _job_guid,
    _ms,
    _OrderKey,
    _OrderMaker,
    _Profile,
    _spread_check_discount,
    _total_check,
    _whole,
)
from tests.fake_toast.world import CONFIG_ENDPOINTS, business_date_of, format_ts

DEMO_START = date(2026, 10, 5)  # inside the sandbox's initialSyncStart (2026-09-01) .. now
DEMO_DAYS = 14
DEMO_RESTAURANTS = 3
DEMO_ORDERS_PER_DAY = 30
DEMO_SEED = 21
_OPEN_MINUTES = (11 * 60, 22 * 60 + 30)  # orders open between 11:00 and 22:30 local time
_DAY_CACHE_SIZE = 64  # whole days kept built: the default world has 42

# Menu groups: (group, sales category or None, items as (name, price)).
MENU: tuple[tuple[str, str | None, tuple[tuple[str, float], ...]], ...] = (
    (
        "Starters",
        "Food",
        (
            ("Crispy Fries", 6.5),
            ("Onion Rings", 7.0),
            ("Wings", 12.0),
            ("Nachos", 11.5),
            ("Soupe à l'oignon", 7.5),  # names in any script, as real menus have them
            ("Burrata", 13.0),
        ),
    ),
    (
        "Mains",
        "Food",
        (
            ("Classic Burger", 15.5),
            ("Fish Tacos", 13.25),
            ("Cobb Salad", 12.75),
            ("Chicken Sandwich", 14.0),
            ("Steak Frites", 26.0),
            ("Salmon Bowl", 19.5),
            ("Veggie Burger", 14.5),
            ("Mac & Cheese", 11.0),
        ),
    ),
    (
        "Pizza",
        "Food",
        (
            ("Margherita Pizza", 16.0),
            ("Pepperoni Pizza", 17.5),
            ("Mushroom Pizza", 17.0),
            ("Hot Honey Pizza", 18.0),
            ("Kids Cheese Pizza", 9.0),
        ),
    ),
    (
        "Desserts",
        "Food",
        (("Brownie", 7.0), ("Cheesecake", 8.5), ("Gelato", 6.0), ("بقلاوة", 6.5)),
    ),
    (
        "Soft Drinks",
        "Non-Alcoholic Beverages",
        (("🍋 Lemonade", 3.75), ("Iced Tea", 3.5), ("Cola", 3.0), ("Espresso", 3.25)),
    ),
    (
        "Beer & Wine",
        "Alcohol",
        (
            ("House Lager", 7.0),
            ("IPA", 8.0),
            ("Red Wine Glass", 11.0),
            ("White Wine Glass", 10.5),
            ("Prosecco", 12.0),
        ),
    ),
    ("Gift Cards", None, (("Gift Card", 50.0),)),
)
SALES_CATEGORIES = ("Food", "Non-Alcoholic Beverages", "Alcohol")
_ITEMS = [  # (item number, group number, sales category number or None, name, price)
    (0, group_number, SALES_CATEGORIES.index(category) + 1 if category else None, name, price)
    for group_number, (_, category, items) in enumerate(MENU, start=1)
    for name, price in items
]
_ITEMS = [(number, *rest) for number, (_, *rest) in enumerate(_ITEMS, start=1)]
GIFT_CARD_ITEM = len(_ITEMS)  # the last item: sold, not eaten (`deferred`)
_SOLD_ITEMS = _ITEMS[:-1]
_MODIFIERS = (("Add Bacon", 2.0), ("Extra Cheese", 1.5), ("No Onions", 0.0), ("Side Salad", 4.0))
_CONFIG_NAMES: dict[str, tuple[str, ...]] = {
    "alternatePaymentTypes": ("Paper Gift Certificate", "Catering Invoice"),
    "diningOptions": ("Dine In", "Take Out", "Delivery"),
    "discounts": ("10% Off Item", "Combo Deal", "Manager Comp"),
    "revenueCenters": ("Dining Room", "Bar"),
    "serviceCharges": ("Gratuity 18%", "Large Party Fee 3%"),
    "voidReasons": ("Customer Changed Mind", "Kitchen Error", "Wrong Order"),
    "noSaleReasons": ("Make Change", "Open Drawer To Count"),
    "payoutReasons": ("Ice Delivery", "Cleaning Supplies"),
    "cashDrawers": ("Front Drawer", "Bar Drawer"),
    "breakTypes": ("Meal Break", "Rest Break"),
    "taxRates": ("State Sales Tax", "City Meals Tax"),
    "menuOptionGroups": ("Add-ons", "Sides"),
    "menus": ("All Day",),
}
_DINING_BEHAVIORS = ("DINE_IN", "TAKE_OUT", "DELIVERY")
_TAXES = (("State Sales Tax", 0.0625), ("City Meals Tax", 0.0075))
_CARD_TYPES = ("VISA", "MASTERCARD", "AMEX", "DISCOVER")

# Staff of each restaurant: (number, first name, last name, job number, start, end local hours).
JOBS = (  # (title, wage frequency, default hourly wage or None for a salary, tipped)
    ("Server", "HOURLY", 7.25, True),
    ("Cook", "HOURLY", 19.0, False),
    ("Host", "HOURLY", 15.0, False),
    ("General Manager", "SALARY", None, False),
)
STAFF = (
    (1, "Ava", "Adler", 1, 10.5, 17.0),  # lunch servers
    (2, "Ben", "Brooks", 1, 10.5, 17.0),
    (3, "Cleo", "Cruz", 1, 16.0, 24.5),  # dinner servers, until 00:30
    (4, "Dev", "Diaz", 1, 16.0, 24.5),
    (5, "Eli", "Ellis", 2, 10.0, 18.0),
    (6, "Fay", "Fong", 2, 16.0, 24.5),
    (7, "Gus", "Gray", 3, 17.0, 22.0),
    (8, "Hana", "Hale", 4, 9.5, 19.5),
)
_MANAGER = 8
# The manager of restaurants 1 and 2 is one person with one GUID at both (Toast's employee GUIDs
# are per restaurant, yet the same person can carry one to several: toast_api.md §6.6), working
# at the first on even days and at the second on odd days.
SHARED_MANAGER = _employee_guid(0, _MANAGER)

# Cases once per restaurant, on day (position + restaurant) of the world.
RARE_CASES = (
    "order_void",
    "check_void",
    "deleted",
    "excess_food",
    "gift_card",
    "house_account_tender",
    "house_account_balance",
    "late_refund",
    "payment_void",
    "party_fee",
)
# Cases every day, each on its own order.
DAILY_CASES = ("split", "gratuity", "combo", "item_void", "other_tender")
_LATE_REFUND_HOURS = 26  # the refund of `late_refund` lands on the next business day


@dataclass
class _Work:
    """One employee's time on the clock on one business day."""

    number: int
    employee: str
    job: str
    clock_in: datetime
    clock_out: datetime


@dataclass
class _Day:
    """Everything of one restaurant and business day, built together."""

    keys: list[_OrderKey]
    orders: list[Record]
    shifts: list[Record] = field(default_factory=list)
    time_entries: list[Record] = field(default_factory=list)
    entries: list[Record] = field(default_factory=list)
    deposits: list[Record] = field(default_factory=list)


class DemoWorld(GeneratedWorld):
    """The generated world with the demo's options: see the module docstring.

    Args:
        restaurants: number of restaurants.
        days: number of business days, starting at `start`.
        orders_per_day: orders per restaurant and business day (at least the daily and rare
            cases: 15).
        start: first business day.
        seed: seed of every random choice.
    """

    def __init__(
        self,
        restaurants: int = DEMO_RESTAURANTS,
        days: int = DEMO_DAYS,
        orders_per_day: int = DEMO_ORDERS_PER_DAY,
        start: date = DEMO_START,
        seed: int = DEMO_SEED,
    ) -> None:
        super().__init__(restaurants, days, orders_per_day, start, seed)
        for profile in self._profiles:
            self.config[profile.guid] = demo_config(profile.index)
            self.labor[profile.guid] = _jobs_and_staff(profile.index)
        for record in self.restaurants:
            record["restaurantName"] = record["restaurantName"].replace("Benchmark", "Demo")
        for info in self.restaurant_info.values():
            info["general"]["name"] = info["general"]["name"].replace("Benchmark", "Demo")
        self._day = functools.lru_cache(maxsize=_DAY_CACHE_SIZE)(self._build_day)

    # ------------------------------------------------------------------ provider overrides

    def _day_keys(self, profile: _Profile, day: date) -> list[_OrderKey]:
        return self._day(profile, day).keys

    def build_order(self, key: _OrderKey) -> Record:
        """The order behind a key, a copy of the day's (callers may change what they get)."""
        profile = self._profiles[key.restaurant]
        return copy.deepcopy(self._day(profile, date.fromordinal(key.day)).orders[key.index])

    def labor_candidates(
        self, restaurant: str, kind: str, start: datetime | None, end: datetime | None
    ) -> list[Record]:
        """Jobs/employees as stored; shifts/time entries of the days around a range."""
        if kind not in ("shifts", "timeEntries"):
            return list(super().labor_candidates(restaurant, kind, start, end))
        profile = self._by_guid.get(restaurant)
        if profile is None:
            return []
        attribute = "shifts" if kind == "shifts" else "time_entries"
        return [
            record
            for day in self.business_days()
            for record in getattr(self._day(profile, day), attribute)
        ]

    def cash_objects(self, restaurant: str, kind: str, business_date: str) -> list[Record]:
        """The drawer's entries or the deposit of one business day."""
        day = datetime.strptime(business_date, "%Y%m%d").replace(tzinfo=UTC).date()
        profile = self._by_guid.get(restaurant)
        if profile is None or not self._in_range(day):
            return []
        return copy.deepcopy(getattr(self._day(profile, day), kind))

    def business_days(self) -> list[date]:
        """The world's business days, in order."""
        return [self.first_day + timedelta(days=n) for n in range(self.days)]

    # ------------------------------------------------------------------ one day, built whole

    def _build_day(self, profile: _Profile, day: date) -> _Day:
        rng = random.Random(f"{self.seed}/demo/{profile.index}/{day.toordinal()}")
        work = _schedule(rng, profile, day, (day - self.first_day).days)
        cases = self._cases(rng, profile, day)
        keys = self._keys(rng, profile, day, cases)
        orders = []
        for key in keys:
            order_rng = random.Random(
                f"{self.seed}/demo-order/{profile.index}/{key.day}/{key.index}"
            )
            orders.append(_DemoOrder(order_rng, profile, key, work, cases.get(key.index)).order())
        built = _Day(keys, orders)
        built.shifts, built.time_entries = _labor_records(rng, profile, day, work, orders)
        built.entries, built.deposits = _cash_records(rng, profile, day, orders, work)
        return built

    def _cases(self, rng: random.Random, profile: _Profile, day: date) -> dict[int, str]:
        """Order index -> the case it plays: the daily ones, and the rare ones due today."""
        offset = (day - self.first_day).days
        due = [
            case
            for position, case in enumerate(RARE_CASES)
            if (position + profile.index) % self.days == offset
        ]
        if "late_refund" in due and offset == self.days - 1:
            due.remove("late_refund")  # its refund would fall after the world's end
        cases = [*DAILY_CASES, *due]
        indexes = rng.sample(range(self.orders_per_day), len(cases))
        return dict(zip(indexes, cases, strict=True))

    def _keys(
        self, rng: random.Random, profile: _Profile, day: date, cases: dict[int, str]
    ) -> list[_OrderKey]:
        zone = ZoneInfo(profile.time_zone)
        midnight = datetime(day.year, day.month, day.day, tzinfo=zone)
        keys = []
        for index in range(self.orders_per_day):
            minute = rng.uniform(*_OPEN_MINUTES)
            opened = (midnight + _ms(minute * 60)).astimezone(UTC)
            closed = opened + _ms(rng.uniform(20 * 60, 90 * 60))
            edit = rng.uniform(1, 300)
            if cases.get(index) == "late_refund":
                edit = _LATE_REFUND_HOURS * 3600.0
            guid = _guid(0x0D, profile.index, day.toordinal(), index)
            keys.append(
                _OrderKey(
                    closed + _ms(edit), guid, day.toordinal(), index, opened, closed, profile.index
                )
            )
        return keys


def _business_date(profile: _Profile, moment: datetime) -> int:
    return business_date_of(moment, profile.time_zone, profile.closeout_hour)


class _DemoOrder(_OrderMaker):
    """One order of the demo world: its server on the clock, its menu, its case."""

    def __init__(
        self,
        rng: random.Random,
        profile: _Profile,
        key: _OrderKey,
        work: list[_Work],
        case: str | None,
    ) -> None:
        super().__init__(rng, profile, key)
        self.case = case
        servers = [
            w.employee
            for w in work
            if w.job == _job_guid(profile.index, 1) and w.clock_in <= key.opened < w.clock_out
        ]
        self.server = rng.choice(servers)

    def ref_server(self) -> Record:
        return b.ref(self.server, "RestaurantUser")

    def order(self) -> Record:
        """The order, its checks and the flags of its case."""
        rng, case = self.rng, self.case
        guests = {"split": 4, "gratuity": 8, "party_fee": 10}.get(case or "", rng.randint(1, 4))
        checks = [self.check(n) for n in range(2 if case in ("split", "check_void") else 1)]
        modified = format_ts(self.key.modified)
        closed = self.closed
        dining = 1 if case in ("split", "gratuity", "party_fee") else rng.choice((1, 1, 1, 2, 3))
        order = b.make_order(
            self.key.guid,
            modified,
            checks=checks,
            openedDate=self.opened,
            createdDate=self.opened,
            closedDate=closed,
            paidDate=closed,
            businessDate=self.business_date,
            displayNumber=str(self.key.index + 1),
            duration=int((self.key.closed - self.key.opened).total_seconds()),
            numberOfGuests=guests,
            diningOption=b.ref(self.cfg("diningOptions", dining), "DiningOption"),
            table=b.ref(self.cfg("tables", rng.randint(1, 3)), "Table") if dining == 1 else None,
            revenueCenter=b.ref(
                self.cfg("revenueCenters", rng.choice((1, 1, 2))), "RevenueCenter"
            ),
            server=self.ref_server(),
            createdDevice={"id": f"pos-{self.profile.index + 1}-01"},
            lastModifiedDevice={"id": f"pos-{self.profile.index + 1}-01"},
        )
        if case == "order_void":
            self.void_all_payments(order)
            order.update(voided=True, voidDate=closed, voidBusinessDate=self.business_date)
        elif case == "deleted":
            order.update(deleted=True, deletedDate=modified)
        elif case == "excess_food":
            order.update(excessFood=True, numberOfGuests=0, server=None, paidDate=None)
        return order

    def check(self, number: int) -> Record:
        """A check: its selections, its case's discount or charge, payments covering it."""
        rng, case = self.rng, self.case
        count = {"gratuity": 6, "party_fee": 7}.get(case or "", rng.randint(1, 4))
        selections = [self.selection() for _ in range(count)]
        if case == "gift_card":
            selections.append(self.gift_card())
        if case == "house_account_balance" and number == 0:
            selections = [self.house_account_balance()]
        if case == "item_void":
            self.void_selection(selections[0])
        check_guid = self.guid(0x0C)
        check = b.make_check(
            check_guid,
            selections=selections,
            opened=self.opened,
            closed=self.closed,
            displayNumber=str(number + 1),
            openedBy=self.ref_server(),
            appliedDiscounts=[self.check_discount(selections)] if case == "combo" else [],
            appliedServiceCharges=self.charges(selections),
        )
        for discount in check["appliedDiscounts"]:
            discount["discount"] = b.ref(self.cfg("discounts", 2), "Discount")
            _spread_check_discount(discount, selections)
        _total_check(check)
        if case == "excess_food":
            check.update(payments=[], paymentStatus="OPEN", closedDate=None, paidDate=None)
            return check
        check["payments"] = self.payments(check_guid, check["totalAmount"], number)
        if case == "late_refund":
            self.refund_later(check)
        if case == "check_void" and number == 1:
            for payment in check["payments"]:
                self.void_payment(payment)
            check.update(voided=True, voidDate=self.closed, voidBusinessDate=self.business_date)
        return check

    def selection(self) -> Record:
        """A menu item with its group, sales category, taxes, maybe modifiers or a discount."""
        rng = self.rng
        number, group, category, name, price = rng.choice(_SOLD_ITEMS)
        modifiers = self.modifiers() if group in (2, 3) and rng.random() < 0.3 else []
        quantity = 2.0 if rng.random() < 0.12 else 1.0
        line = round((price + sum(m["price"] for m in modifiers)) * quantity, 2)
        for modifier in modifiers:
            modifier.update(quantity=quantity, price=round(modifier["price"] * quantity, 2))
            modifier["preDiscountPrice"] = modifier["receiptLinePrice"] = modifier["price"]
        selection = b.make_selection(
            self.guid(0x5E),
            item=self.cfg("menuItems", number),
            name=name,
            price=_whole(line),
            quantity=quantity,
            modifiers=modifiers,
            applied_taxes=self.applied_taxes(line),
            created=self.opened,
            itemGroup=b.config_ref(self.cfg("menuGroups", group), "MenuGroup"),
            salesCategory=b.config_ref(self.cfg("salesCategories", category), "SalesCategory"),
            receiptLinePrice=_whole(price),  # one unit, without modifiers (orders.yaml)
            preDiscountPrice=_whole(line),
        )
        if rng.random() < 0.05 and not self.case:
            discount = self.selection_discount(selection)
            discount.update(name="10% Off Item", nonTaxDiscountAmount=discount["discountAmount"])
            selection["appliedDiscounts"] = [discount]
            _discount_selection(selection, discount["discountAmount"])
        return selection

    def modifiers(self) -> list[Record]:
        """One priced or free modifier (a menu item of the Add-ons option group)."""
        position = self.rng.randrange(len(_MODIFIERS))
        name, price = _MODIFIERS[position]
        return [
            b.make_modifier(
                self.guid(0x3D),
                item=self.cfg("menuItems", len(_ITEMS) + 1 + position),
                name=name,
                option_group=self.cfg("menuOptionGroups", 1),
                price=price,
                created=self.opened,
            )
        ]

    def gift_card(self) -> Record:
        """A gift card sold: deferred revenue, untaxed (orders.yaml `deferred`)."""
        _, group, _, name, price = _ITEMS[GIFT_CARD_ITEM - 1]
        return b.make_selection(
            self.guid(0x5E),
            item=self.cfg("menuItems", GIFT_CARD_ITEM),
            name=name,
            price=price,
            applied_taxes=[],
            created=self.opened,
            itemGroup=b.config_ref(self.cfg("menuGroups", group), "MenuGroup"),
            salesCategory=None,
            deferred=True,
        )

    def house_account_balance(self) -> Record:
        """A guest paying their house account's balance: not a sale (orders.yaml
        `selectionType` HOUSE_ACCOUNT_PAY_BALANCE), no menu item, untaxed."""
        selection = b.make_selection(
            self.guid(0x5E),
            name="House Account Payment",
            price=120.0,
            applied_taxes=[],
            created=self.opened,
            salesCategory=None,
            selectionType="HOUSE_ACCOUNT_PAY_BALANCE",
        )
        selection["item"] = None
        return selection

    def void_selection(self, selection: Record) -> None:
        selection.update(voided=True, voidDate=self.closed, voidBusinessDate=self.business_date)
        selection["voidReason"] = b.ref(self.cfg("voidReasons", 1), "VoidReason")

    def charges(self, selections: list[Record]) -> list[Record]:
        """An 18% gratuity for the large party; a 3% non-gratuity fee for the larger one."""
        if self.case == "gratuity" or (self.case == "party_fee"):
            gratuity = self.service_charge(selections)
            gratuity.update(name="Gratuity 18%", serviceChargeCategory="SERVICE_CHARGE")
            if self.case == "gratuity":
                return [gratuity]
            fee = self.service_charge(selections)
            base = sum(s["price"] for s in selections)
            amount = round(base * 0.03, 2)
            fee.update(
                name="Large Party Fee 3%",
                gratuity=False,
                chargeAmount=amount,
                serviceCharge=b.ref(self.cfg("serviceCharges", 2), "ServiceCharge"),
            )
            fee["appliedTaxes"][0]["taxAmount"] = round(amount * 0.0625, 2)
            return [fee]
        return []

    def payments(self, check_guid: str, total: float, number: int) -> list[Record]:
        """Payments covering the check total, by the case's tender."""
        case, rng = self.case, self.rng
        tender = "CASH" if rng.random() < 0.3 else "CREDIT"
        if case in ("split", "check_void"):
            tender = ("CREDIT", "CASH")[number]
        elif case in ("order_void", "deleted", "late_refund", "payment_void", "gift_card"):
            tender = "CREDIT"
        elif case == "other_tender":
            tender = "OTHER"
        elif case == "house_account_tender":
            tender = "HOUSE_ACCOUNT"
        payments = [self.payment(check_guid, total, tender)]
        if case == "payment_void":  # the card was voided, then another card paid
            self.void_payment(payments[0])
            payments.append(self.payment(check_guid, total, "CREDIT"))
        return payments

    def payment(self, check_guid: str, amount: float, tender: str) -> Record:
        """One captured payment; card payments carry a tip, cash ones none (declared later)."""
        rate = self.rng.choice((0.15, 0.18, 0.2, 0.22)) if tender == "CREDIT" else 0.0
        if self.case == "gratuity":
            rate = 0.0
        extra: Record = {}
        if tender != "CREDIT":
            extra.update(cardType=None, cardEntryMode=None, last4Digits=None)
        else:
            extra["cardType"] = self.rng.choice(_CARD_TYPES)
        if tender == "CASH":
            extra["cashDrawer"] = b.ref(self.cfg("cashDrawers", 1), "CashDrawer")
            extra["amountTendered"] = float(-(-amount // 10) * 10)  # the next $10 bill
        if tender == "OTHER":
            extra["otherPayment"] = b.ref(
                self.cfg("alternatePaymentTypes", 1), "AlternatePaymentType"
            )
        if tender == "HOUSE_ACCOUNT":
            extra["houseAccount"] = b.ref(_guid(0x4A, self.profile.index, 0, 1), "HouseAccount")
        payment = b.make_payment(
            self.guid(0x9A),
            order_guid=self.key.guid,
            check_guid=check_guid,
            amount=amount,
            paid=self.closed,
            tip=_whole(round(amount * rate, 2)),
            paidBusinessDate=self.business_date,
            server=self.ref_server(),
            type=tender,
            **extra,
        )
        payment["amount"] = _whole(payment["amount"])
        return payment

    def void_payment(self, payment: Record) -> None:
        manager = _manager_guid(self.profile.index)
        payment["paymentStatus"] = "VOIDED"
        payment["voidInfo"] = b.make_void_info(
            user=self.server,
            approver=manager,
            reason=self.cfg("voidReasons", 3),
            voided=self.closed,
            voidBusinessDate=self.business_date,
        )

    def void_all_payments(self, order: Record) -> None:
        for check in order["checks"]:
            for payment in check["payments"]:
                self.void_payment(payment)

    def refund_later(self, check: Record) -> None:
        """Refund the first item (its price and tax; the tip stays) on the next business day:
        the selection's `refundDetails` and the payment's `refund` name one refund transaction,
        and the payment's refund is their sum (orders.yaml RefundDetails)."""
        selection, payment = check["selections"][0], check["payments"][0]
        transaction = b.ref(self.guid(0x4E), "RefundTransaction")
        del transaction["externalId"]
        selection["refundDetails"] = {
            "refundAmount": selection["price"],
            "taxRefundAmount": selection["tax"],
            "refundTransaction": transaction,
        }
        payment["refundStatus"] = "PARTIAL"
        payment["refund"] = b.make_refund(
            transaction["guid"],
            amount=round(selection["price"] + selection["tax"], 2),
            tip=0.0,
            refunded=format_ts(self.key.modified),
            refundBusinessDate=_business_date(self.profile, self.key.modified),
        )


def _manager_guid(restaurant: int) -> str:
    return SHARED_MANAGER if restaurant in (0, 1) else _employee_guid(restaurant, _MANAGER)


def _staff_guid(restaurant: int, number: int) -> str:
    return _manager_guid(restaurant) if number == _MANAGER else _employee_guid(restaurant, number)


def _local(profile: _Profile, day: date, hours: float) -> datetime:
    """The UTC instant `hours` after local midnight of `day` (24.5 is 00:30 the next day)."""
    midnight = datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(profile.time_zone))
    return (midnight + timedelta(hours=hours)).astimezone(UTC)


def _schedule(rng: random.Random, profile: _Profile, day: date, offset: int) -> list[_Work]:
    """Who is on the clock today: every cook; one server of a pair may be off (never both); the
    host five days in seven; the shared manager at the first restaurant on even days and at the
    second on odd days."""
    off = {
        rng.choice((1, 2)) if rng.random() < 0.2 else 0,
        rng.choice((3, 4)) if rng.random() < 0.2 else 0,
    }
    if rng.random() < 2 / 7:
        off.add(7)
    if profile.index in (0, 1) and offset % 2 != profile.index:
        off.add(_MANAGER)
    work = []
    for number, _, _, job, start, end in STAFF:
        if number in off:
            continue
        clock_in = _local(profile, day, start) - _ms(rng.uniform(0, 600))
        clock_out = _local(profile, day, end) + _ms(rng.uniform(0, 900))
        employee = _staff_guid(profile.index, number)
        work.append(_Work(number, employee, _job_guid(profile.index, job), clock_in, clock_out))
    return work


def _live_payments(orders: list[Record]) -> list[Record]:
    """Payments that moved money: of orders and checks neither deleted nor voided, not voided."""
    return [
        payment
        for order in orders
        if not order["deleted"] and not order["voided"]
        for check in order["checks"]
        if not check["voided"]
        for payment in check["payments"]
        if payment["paymentStatus"] != "VOIDED"
    ]


def _labor_records(
    rng: random.Random, profile: _Profile, day: date, work: list[_Work], orders: list[Record]
) -> tuple[list[Record], list[Record]]:
    """The scheduled shifts and the time entries worked, with each server's tips and sales from
    the payments they took (labor.yaml TimeEntry) and the cash tips they declared."""
    ordinal, shifts, entries = day.toordinal(), [], []
    payments = _live_payments(orders)
    gratuities: dict[str, float] = {}
    for order in orders:
        if order["deleted"] or order["voided"] or order["server"] is None:
            continue
        for check in order["checks"]:
            for charge in check["appliedServiceCharges"]:
                if charge["gratuity"] and not check["voided"]:
                    server = order["server"]["guid"]
                    gratuities[server] = gratuities.get(server, 0.0) + charge["chargeAmount"]
    for w in work:
        start, end = STAFF[w.number - 1][4:6]
        shift_guid = _guid(0xA3, profile.index, ordinal, w.number)
        shifts.append(
            b.make_shift(
                shift_guid,
                format_ts(_local(profile, day, start)),
                format_ts(_local(profile, day, end)),
                employee=w.employee,
                job=w.job,
            )
        )
        taken = [p for p in payments if p["server"] and p["server"]["guid"] == w.employee]
        entries.append(_time_entry(rng, profile, day, w, shift_guid, taken, gratuities))
    if (day.toordinal() - profile.index) % 7 == 3:  # a cook's entry entered twice, then deleted
        cook = next(w for w in work if w.number == 5)
        twin = _time_entry(rng, profile, day, cook, None, [], {})
        twin["guid"] = _guid(0xA4, profile.index, ordinal, 99)
        for number, twin_break in enumerate(twin["breaks"], start=1):  # guids are unique
            twin_break["guid"] = _guid(0xA5, profile.index, ordinal, 99, number)
        twin.update(deleted=True, deletedDate=twin["modifiedDate"])
        entries.append(twin)
    return shifts, entries


def _time_entry(
    rng: random.Random,
    profile: _Profile,
    day: date,
    w: _Work,
    shift_guid: str | None,
    taken: list[Record],
    gratuities: dict[str, float],
) -> Record:
    """One time entry: an unpaid meal break past six hours, a paid rest break for cooks;
    regular hours up to eight, after unpaid breaks, the rest overtime."""
    ordinal = day.toordinal()
    hours = (w.clock_out - w.clock_in).total_seconds() / 3600
    breaks = []
    if hours > 6:
        meal = w.clock_in + timedelta(hours=4)
        breaks.append(
            b.make_break(
                _guid(0xA5, profile.index, ordinal, w.number, 1),
                format_ts(meal),
                30,
                break_type=_config_guid(_position("breakTypes"), profile.index, 1),
            )
        )
    if STAFF[w.number - 1][3] == 2:
        rest = w.clock_in + timedelta(hours=2)
        breaks.append(
            b.make_break(
                _guid(0xA5, profile.index, ordinal, w.number, 2),
                format_ts(rest),
                10,
                break_type=_config_guid(_position("breakTypes"), profile.index, 2),
                paid=True,
            )
        )
    worked = hours - 0.5 * (hours > 6)
    cash = [p for p in taken if p["type"] == "CASH"]
    other = [p for p in taken if p["type"] != "CASH"]
    server = STAFF[w.number - 1][3] == 1
    return b.make_time_entry(
        _guid(0xA4, profile.index, ordinal, w.number),
        format_ts(w.clock_in),
        format_ts(w.clock_out),
        employee=w.employee,
        job=w.job,
        breaks=breaks,
        businessDate=day.strftime("%Y%m%d"),
        shiftReference=b.ref(shift_guid, "Shift") if shift_guid else None,
        modifiedDate=format_ts(w.clock_out + timedelta(minutes=1)),
        regularHours=round(min(worked, 8.0), 2),
        overtimeHours=round(max(worked - 8.0, 0.0), 2),
        hourlyWage=JOBS[STAFF[w.number - 1][3] - 1][2],
        declaredCashTips=float(rng.randint(5, 40)) if server and cash else 0.0,
        nonCashTips=round(sum(p["tipAmount"] for p in other), 2),
        nonCashGratuityServiceCharges=round(gratuities.get(w.employee, 0.0), 2),
        cashSales=round(sum(p["amount"] for p in cash), 2),
        nonCashSales=round(sum(p["amount"] for p in other), 2),
    )


def _cash_records(
    rng: random.Random, profile: _Profile, day: date, orders: list[Record], work: list[_Work]
) -> tuple[list[Record], list[Record]]:
    """The front drawer's day: a no-sale, a pay-out every other day, then all its cash collected
    (the day's live cash payments less pay-outs; five dollars short on one day in seven) and
    deposited."""
    ordinal = day.toordinal()
    business_date = int(day.strftime("%Y%m%d"))
    drawer = b.ref(_config_guid(_position("cashDrawers"), profile.index, 1), "CashDrawer")
    cash_sales = round(
        sum(
            p["amount"]
            for p in _live_payments(orders)
            if p["type"] == "CASH" and p["paidBusinessDate"] == business_date
        ),
        2,
    )
    closing = _local(profile, day, 23.75)
    closer = next(w for w in work if w.number in (3, 4) and w.clock_out > closing)
    person = b.ref(closer.employee, "RestaurantUser")  # a dinner server closes the drawer
    common = {"cashDrawer": drawer, "employee1": person, "creatorOrShiftReviewSubject": person}
    entries = [
        b.make_cash_entry(
            _guid(0xCA, profile.index, ordinal, 1),
            format_ts(_local(profile, day, 12 + rng.random())),
            0.0,
            entry_type="NO_SALE",
            noSaleReason=b.ref(
                _config_guid(_position("noSaleReasons"), profile.index, 1), "NoSaleReason"
            ),
            **common,
        )
    ]
    pay_out = 0.0
    if ordinal % 2 == 0:
        pay_out = float(rng.choice((18, 25, 32)))
        entries.append(
            b.make_cash_entry(
                _guid(0xCA, profile.index, ordinal, 2),
                format_ts(_local(profile, day, 15 + rng.random())),
                -pay_out,
                entry_type="PAY_OUT",
                reason="ice delivery",
                payoutReason=b.ref(
                    _config_guid(_position("payoutReasons"), profile.index, 1), "PayoutReason"
                ),
                **common,
            )
        )
    short = 5.0 if (ordinal + profile.index) % 7 == 0 else 0.0
    collected = round(cash_sales - pay_out - short, 2)
    entries.append(
        b.make_cash_entry(
            _guid(0xCA, profile.index, ordinal, 3),
            format_ts(closing),
            -collected,
            entry_type="CASH_COLLECTED",
            reason="End of day drop",
            **common,
        )
    )
    deposit = b.make_deposit(
        _guid(0xCB, profile.index, ordinal, 1),
        format_ts(closing + timedelta(minutes=10)),
        collected,
        employee=person,
        creator=person,
    )
    return entries, [deposit]


def _position(endpoint: str) -> int:
    """The config endpoint's number in GUIDs (as generate.py numbers them)."""
    return list(CONFIG_ENDPOINTS).index(endpoint) + 1


_LAST_MODIFIED = "2026-09-01T12:00:00.000+0000"


def demo_config(restaurant: int) -> dict[str, list[Record]]:
    """Config objects of one restaurant: the menu's items, groups and sales categories, and
    named discounts, charges, tenders, reasons and drawers; three generic objects elsewhere."""
    names: dict[str, tuple[str, ...]] = {
        **_CONFIG_NAMES,
        "menuItems": (*(item[3] for item in _ITEMS), *(name for name, _ in _MODIFIERS)),
        "menuGroups": tuple(group for group, _, _ in MENU),
        "salesCategories": SALES_CATEGORIES,
    }
    config: dict[str, list[Record]] = {}
    for position, (endpoint, entity) in enumerate(CONFIG_ENDPOINTS.items(), start=1):
        labels = names.get(endpoint) or tuple(f"{entity} {n}" for n in range(1, 4))
        config[endpoint] = [
            b.make_config(
                endpoint,
                _config_guid(position, restaurant, number),
                label,
                _lastModified=_LAST_MODIFIED,
                **_config_fields(endpoint, number),
            )
            for number, label in enumerate(labels, start=1)
        ]
    return config


def _config_fields(endpoint: str, number: int) -> Record:
    """The fields that give a config object its meaning (config.yaml)."""
    if endpoint == "diningOptions":
        return {"behavior": _DINING_BEHAVIORS[number - 1], "curbside": False}
    if endpoint == "serviceCharges":
        percent = (18.0, 3.0)[number - 1]
        return {
            "gratuity": number == 1,
            "percent": percent,
            "amountType": "PERCENT",
            "taxable": True,
        }
    if endpoint == "discounts":
        return {"type": ("PERCENT", "FIXED", "PERCENT")[number - 1], "active": True}
    if endpoint == "taxRates":
        return {"rate": _TAXES[number - 1][1] * 100, "type": "PERCENT"}
    if endpoint == "breakTypes":
        return {"paid": number == 2, "duration": (30, 10)[number - 1], "active": True}
    return {}


def _jobs_and_staff(restaurant: int) -> dict[str, list[Record]]:
    """The restaurant's jobs (one salaried) and its eight employees, one job each."""
    jobs = [
        b.make_job(
            _job_guid(restaurant, n),
            title,
            wageFrequency=frequency,
            defaultWage=wage,
            tipped=tipped,
        )
        for n, (title, frequency, wage, tipped) in enumerate(JOBS, start=1)
    ]
    employees = [
        b.make_employee(
            _staff_guid(restaurant, number), first, last, jobs=[_job_guid(restaurant, job)]
        )
        for number, first, last, job, _, _ in STAFF
    ]
    return {"jobs": jobs, "employees": employees, "shifts": [], "timeEntries": []}
