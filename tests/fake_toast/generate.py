"""A generated, deterministic Toast world for benchmarks: millions of orders, produced lazily.

Orders of one (restaurant, business day) come from `random.Random(f"{seed}/...")`, so the same
seed always yields the same world. Only small sort keys are computed for a requested range; full
orders are built when the server slices a page, so a 365-day world with 150 orders a day per
restaurant keeps the fake's memory small. Config and jobs/employees are built eagerly (small);
shifts, time entries and cash are built per day on request.
"""

from __future__ import annotations

import hashlib
import random
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any, overload
from zoneinfo import ZoneInfo

from tests.fake_toast import builders as b
from tests.fake_toast.world import CONFIG_ENDPOINTS, MANAGEMENT_GROUP, World, format_ts

UTC = timezone.utc  # datetime.UTC needs Python 3.11; the project supports 3.10

Record = dict[str, Any]

_ZONES = (
    ("America/New_York", 4),
    ("America/Chicago", 4),
    ("America/Denver", 3),
    ("America/Los_Angeles", 3),
)
_OPEN_HOUR = 11  # first order of a business day, local time
_SERVICE_SECONDS = 14.5 * 3600  # orders open until 01:30 local, before any closeout hour
_LATE_EDIT_DAYS = 2  # at most this many days between closing and a late edit
# Everything of a business day (orders closed after midnight, late edits, clock-outs) is modified
# less than this many days after the world's end, the UTC midnight after its last business day
# (measured: at most 2 days 1.5 h). A world that ends this long before the sync's now (its day:
# `connector.NOW`, which tests pin to FIXED_NOW) holds nothing modified later than now, so syncs
# run at different times of the day see the same data.
SETTLED_DAYS = 3
_CACHE_SIZE = 32  # windows being paged at once: about one per restaurant
_MENU = (
    ("Classic Burger", 15.5),
    ("Fish Tacos", 13.25),
    ("Cobb Salad", 12.75),
    ("Margherita Pizza", 16.0),
    ("Chicken Sandwich", 14.0),
    ("Soupe à l'oignon", 7.5),  # names in any script, as real menus have them
    ("بطاطا مقلية", 5.5),
    ("🍋 Lemonade", 3.75),
)
_MODIFIERS = (("Add Bacon", 2.0), ("Extra Sauce", 0.5), ("Spicy", 0.0), ("Gluten-Free Bun", 1.5))
_ENDPOINT_POSITIONS = {endpoint: n for n, endpoint in enumerate(CONFIG_ENDPOINTS, start=1)}
_FIRST_NAMES = ("Ava", "Ben", "Cleo", "Dev", "Eli", "Fay", "Gus", "Hana")
_LAST_NAMES = ("Adler", "Brooks", "Cruz", "Diaz", "Ellis", "Fong", "Gray", "Hale")


def _whole(amount: float) -> float | int:
    """A whole amount as Toast sends it in many objects: an integer (12, beside 12.5)."""
    return int(amount) if float(amount).is_integer() else amount


def _device(restaurant: int, order: int) -> dict[str, str]:
    """A POS device: a hex id, all digits now and then (`00000123`)."""
    return {"id": f"{restaurant:02x}{order % 4096:06x}"}


def generated_restaurant_guid(index: int) -> str:
    """GUID of the index-th generated restaurant (0-based)."""
    return f"11111111-1000-4000-8000-{index + 1:012d}"


def _guid(kind: int, restaurant: int, day: int, order: int, child: int = 0) -> str:
    """The version-4 UUID of a generated object: the same for the same arguments, and as random
    as Toast's (patterned GUIDs would pack the connector's delete ledger, and so the state, about
    4x smaller than Toast's do)."""
    digest = hashlib.blake2b(
        f"{kind}/{restaurant}/{day}/{order}/{child}".encode(), digest_size=16
    ).hexdigest()
    variant = "89ab"[int(digest[16], 16) & 3]
    return f"{digest[:8]}-{digest[8:12]}-4{digest[13:16]}-{variant}{digest[17:20]}-{digest[20:]}"


def _config_guid(endpoint_index: int, restaurant: int, number: int) -> str:
    return f"c{endpoint_index:07d}-{0x1000 + restaurant:04x}-4000-8000-{number:012d}"


def _ms(seconds: float) -> timedelta:
    """A timedelta rounded to whole milliseconds (Toast timestamps carry milliseconds)."""
    return timedelta(milliseconds=int(seconds * 1000))


@dataclass(frozen=True, order=True)
class _OrderKey:
    """What sorting and filtering need, without building the order."""

    modified: datetime
    guid: str
    day: int
    index: int
    opened: datetime
    closed: datetime
    restaurant: int  # the restaurant's index


@dataclass(frozen=True)
class _Profile:
    index: int
    guid: str
    time_zone: str
    closeout_hour: int


class GeneratedWorld(World):
    """A `World` whose orders, shifts, time entries and cash are generated on demand.

    Args:
        restaurants: number of restaurants.
        days: number of business days, starting at `start`.
        orders_per_day: orders per restaurant and business day.
        start: first business day.
        seed: seed of every random choice.
    """

    def __init__(
        self,
        restaurants: int = 8,
        days: int = 365,
        orders_per_day: int = 150,
        start: date = date(2025, 11, 1),
        seed: int = 0,
    ) -> None:
        self.seed = seed
        self.days = days
        self.orders_per_day = orders_per_day
        self.first_day = start
        self._profiles = [
            _Profile(i, generated_restaurant_guid(i), *_ZONES[i % len(_ZONES)])
            for i in range(restaurants)
        ]
        self._by_guid = {profile.guid: profile for profile in self._profiles}
        self._cache: OrderedDict[tuple[str, str, str], _LazyOrders] = OrderedDict()
        self._cache_lock = threading.Lock()
        super().__init__(
            restaurants=[self._partner_record(p) for p in self._profiles],
            restaurant_info={p.guid: self._restaurant_info(p) for p in self._profiles},
            config={p.guid: _config(p.index) for p in self._profiles},
            labor={p.guid: _jobs_and_employees(p.index) for p in self._profiles},
            cash={},
            orders={},
        )

    # ------------------------------------------------------------------ provider overrides

    def orders_between(
        self, restaurant: str, start: datetime, end: datetime
    ) -> Sequence[dict[str, Any]]:
        """Orders with start <= modifiedDate < end, sorted; built lazily when sliced."""
        key = (restaurant, start.isoformat(), end.isoformat())
        with self._cache_lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        lazy = _LazyOrders(self, sorted(self._keys_between(restaurant, start, end)))
        with self._cache_lock:
            self._cache[key] = lazy
            while len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        return lazy

    def orders_on_business_date(
        self, restaurant: str, business_date: int
    ) -> Sequence[dict[str, Any]]:
        """All orders opened on that business date, sorted by (modifiedDate, guid)."""
        day = datetime.strptime(str(business_date), "%Y%m%d").replace(tzinfo=UTC).date()
        profile = self._by_guid.get(restaurant)
        if profile is None or not self._in_range(day):
            return []
        return _LazyOrders(self, sorted(self._day_keys(profile, day)))

    def labor_candidates(
        self, restaurant: str, kind: str, start: datetime | None, end: datetime | None
    ) -> Iterable[dict[str, Any]]:
        """Jobs/employees as stored; shifts/time entries generated for the days around a range."""
        if kind not in ("shifts", "timeEntries"):
            return super().labor_candidates(restaurant, kind, start, end)
        profile = self._by_guid.get(restaurant)
        if profile is None:
            return []
        first = start.date() - timedelta(days=2) if start else self.first_day
        last = end.date() + timedelta(days=1) if end else self.first_day + timedelta(self.days)
        return [
            record
            for day in _days(max(first, self.first_day), last)
            if self._in_range(day)
            for record in _labor_day(self.seed, profile, day)[kind]
        ]

    def cash_objects(self, restaurant: str, kind: str, business_date: str) -> list[dict[str, Any]]:
        """Two cash entries and one deposit per business day of the world."""
        day = datetime.strptime(business_date, "%Y%m%d").replace(tzinfo=UTC).date()
        profile = self._by_guid.get(restaurant)
        if profile is None or not self._in_range(day):
            return []
        return _cash_day(self.seed, profile, day)[kind]

    # ------------------------------------------------------------------ counts for benchmarks

    def order_count(self, restaurant: str, start: datetime, end: datetime) -> int:
        """Number of orders with start <= modifiedDate < end (any range length)."""
        return sum(1 for _ in self._keys_between(restaurant, start, end))

    def expected_counts(
        self, start: datetime | None = None, end: datetime | None = None
    ) -> dict[str, int]:
        """Orders per restaurant GUID, all of them or those modified in [start, end)."""
        if start is None or end is None:
            return {p.guid: self.days * self.orders_per_day for p in self._profiles}
        return {p.guid: self.order_count(p.guid, start, end) for p in self._profiles}

    @property
    def restaurant_guids(self) -> list[str]:
        """GUIDs of the generated restaurants, in order."""
        return [profile.guid for profile in self._profiles]

    # ------------------------------------------------------------------ internals

    def _in_range(self, day: date) -> bool:
        return self.first_day <= day < self.first_day + timedelta(days=self.days)

    def _keys_between(
        self, restaurant: str, start: datetime, end: datetime
    ) -> Iterator[_OrderKey]:
        profile = self._by_guid.get(restaurant)
        if profile is None:
            return
        first = start.date() - timedelta(days=_LATE_EDIT_DAYS + 1)
        for day in _days(max(first, self.first_day), end.date() + timedelta(days=1)):
            if not self._in_range(day):
                continue
            yield from (k for k in self._day_keys(profile, day) if start <= k.modified < end)

    def _day_keys(self, profile: _Profile, day: date) -> list[_OrderKey]:
        """Sort keys of one business day's orders, from one Random per day."""
        rng = random.Random(f"{self.seed}/orders/{profile.index}/{day.toordinal()}")
        opening = datetime(
            day.year, day.month, day.day, _OPEN_HOUR, tzinfo=ZoneInfo(profile.time_zone)
        )
        opening = opening.astimezone(UTC)
        keys = []
        for index in range(self.orders_per_day):
            opened = opening + _ms(rng.uniform(0, _SERVICE_SECONDS))
            closed = opened + _ms(rng.uniform(15 * 60, 100 * 60))
            edit = rng.uniform(1, 300) + (rng.uniform(2, 40) * 3600 if rng.random() < 0.04 else 0)
            guid = _guid(0x0D, profile.index, day.toordinal(), index)
            keys.append(
                _OrderKey(
                    closed + _ms(edit), guid, day.toordinal(), index, opened, closed, profile.index
                )
            )
        return keys

    def build_order(self, key: _OrderKey) -> Record:
        """The full order behind a key (deterministic)."""
        profile = self._profiles[key.restaurant]
        rng = random.Random(f"{self.seed}/order/{profile.index}/{key.day}/{key.index}")
        return _OrderMaker(rng, profile, key).order()

    def _partner_record(self, profile: _Profile) -> Record:
        created_ms = 1735689600000 + profile.index * 86_400_000
        created = datetime.fromtimestamp(created_ms / 1000, UTC)
        return {
            "restaurantGuid": profile.guid,
            "managementGroupGuid": MANAGEMENT_GROUP,
            "restaurantName": f"Benchmark Bistro {profile.index + 1}",
            "locationName": f"Location {profile.index + 1}",
            "createdByEmailAddress": f"owner{profile.index + 1}@bench.example",
            "externalGroupRef": None,
            "externalRestaurantRef": f"BB-{profile.index + 1:03d}",
            "modifiedDate": created_ms,
            "createdDate": created_ms,
            "isoModifiedDate": created.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "isoCreatedDate": created.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "deleted": False,
        }

    def _restaurant_info(self, profile: _Profile) -> Record:
        return {
            "guid": profile.guid,
            "general": {
                "name": f"Benchmark Bistro {profile.index + 1}",
                "locationName": f"Location {profile.index + 1}",
                "locationCode": f"BB-{profile.index + 1:03d}",
                "description": None,
                "timeZone": profile.time_zone,
                "closeoutHour": profile.closeout_hour,
                "managementGroupGuid": MANAGEMENT_GROUP,
                "currencyCode": "USD",
                "firstBusinessDate": int(self.first_day.strftime("%Y%m%d")),
                "archived": False,
            },
            "location": {"address1": f"{100 + profile.index} Main St", "city": "Springfield"},
        }


def _days(first: date, last: date) -> Iterator[date]:
    """Days first..last inclusive."""
    for offset in range((last - first).days + 1):
        yield first + timedelta(days=offset)


class _LazyOrders(Sequence[Record]):
    """A sorted sequence of orders that builds them only when indexed or sliced."""

    def __init__(self, world: GeneratedWorld, keys: list[_OrderKey]) -> None:
        self._world = world
        self._keys = keys

    def __len__(self) -> int:
        return len(self._keys)

    @overload
    def __getitem__(self, index: int) -> Record: ...

    @overload
    def __getitem__(self, index: slice) -> list[Record]: ...

    def __getitem__(self, index: int | slice) -> Record | list[Record]:
        if isinstance(index, slice):
            return [self._world.build_order(key) for key in self._keys[index]]
        return self._world.build_order(self._keys[index])


class _OrderMaker:
    """Builds one generated order with every kind of nested child, from its own Random."""

    def __init__(self, rng: random.Random, profile: _Profile, key: _OrderKey) -> None:
        self.rng = rng
        self.profile = profile
        self.key = key
        self.children = 0
        self.opened = format_ts(key.opened)
        self.closed = format_ts(key.closed)
        self.business_date = int(date.fromordinal(key.day).strftime("%Y%m%d"))

    def guid(self, kind: int) -> str:
        """A fresh child GUID of this order."""
        self.children += 1
        return _guid(kind, self.profile.index, self.key.day, self.key.index, self.children)

    def cfg(self, endpoint: str, number: int) -> str:
        """GUID of this restaurant's number-th object of a config endpoint."""
        return _config_guid(_ENDPOINT_POSITIONS[endpoint], self.profile.index, number)

    def order(self) -> Record:
        """The order with its checks; rarely voided or deleted."""
        rng = self.rng
        checks = [self.check(number) for number in range(1 if rng.random() < 0.85 else 2)]
        voided = rng.random() < 0.01
        deleted = not voided and rng.random() < 0.005
        modified = format_ts(self.key.modified)
        business_date = self.business_date
        return b.make_order(
            self.key.guid,
            modified,
            checks=checks,
            openedDate=self.opened,
            createdDate=self.opened,
            closedDate=self.closed,
            paidDate=self.closed,
            businessDate=business_date,
            displayNumber=str(self.key.index + 1),
            duration=int((self.key.closed - self.key.opened).total_seconds()),
            numberOfGuests=rng.randint(1, 6),
            pricingFeatures=["TAXESV2", "TAXESV3"] if rng.random() < 0.2 else ["TAXESV2"],
            diningOption=b.ref(self.cfg("diningOptions", rng.randint(1, 3)), "DiningOption"),
            table=b.ref(self.cfg("tables", rng.randint(1, 3)), "Table"),
            revenueCenter=b.ref(self.cfg("revenueCenters", 1), "RevenueCenter"),
            server=b.ref(_employee_guid(self.profile.index, rng.randint(1, 6)), "RestaurantUser"),
            createdDevice=_device(self.profile.index, self.key.index),
            lastModifiedDevice=_device(self.profile.index, self.key.index + 1),
            voided=voided,
            voidDate=modified if voided else None,
            voidBusinessDate=business_date if voided else None,
            deleted=deleted,
            deletedDate=modified if deleted else None,
            **self.real_shapes(),
        )

    def real_shapes(self) -> Record:
        """Now and then what real orders carry beyond the spec: an empty object where the spec
        shows one, and fields no spec lists (tests/fake_toast/shapes.py)."""
        shapes: Record = {}
        if self.key.index % 5 == 0:
            shapes["curbsidePickupInfo"] = {}
        if self.key.index % 7 == 0:
            shapes["kitchenTicket"] = {"station": "Grill", "course": "Main"}
            shapes["channelName"] = "Online ordering"
        return shapes

    def check(self, number: int) -> Record:
        """A check with 1-4 selections, sometimes a discount and a gratuity, and payments."""
        rng = self.rng
        selections = [self.selection() for _ in range(rng.randint(1, 4))]
        check_guid = self.guid(0x0C)
        discounts = [self.check_discount(selections)] if rng.random() < 0.08 else []
        charges = [self.service_charge(selections)] if rng.random() < 0.1 else []
        check = b.make_check(
            check_guid,
            selections=selections,
            opened=self.opened,
            closed=self.closed,
            displayNumber=str(number + 1),
            appliedDiscounts=discounts,
            appliedServiceCharges=charges,
        )
        for discount in discounts:
            _spread_check_discount(discount, selections)
        _total_check(check)
        check["payments"] = self.payments(check_guid, check["totalAmount"])
        return check

    def selection(self) -> Record:
        """A selection with two applied taxes (sometimes guid-less) and maybe modifiers."""
        rng = self.rng
        number = rng.randint(1, len(_MENU))
        name, price = _MENU[number - 1]
        depth = 3 if rng.random() < 0.1 else (1 if rng.random() < 0.4 else 0)
        modifiers = self.modifier_chain(depth)
        total = round(price + _chain_price(modifiers), 2)
        quantity = 2.0 if rng.random() < 0.15 else 1.0
        amount = round(total * quantity, 2)
        taxes = self.applied_taxes(amount)
        selection = b.make_selection(
            self.guid(0x5E),
            item=self.cfg("menuItems", number),
            name=name,
            price=_whole(amount),
            quantity=quantity,
            modifiers=modifiers,
            applied_taxes=taxes,
            created=self.opened,
            receiptLinePrice=_whole(price),  # one unit, without modifiers (orders.yaml)
            preDiscountPrice=_whole(amount),
        )
        if quantity != 1.0:
            _scale_modifiers(selection["modifiers"], quantity)
        if rng.random() < 0.02:
            selection.update(
                voided=True, voidDate=self.closed, voidBusinessDate=self.business_date
            )
            selection["voidReason"] = b.ref(self.cfg("voidReasons", 1), "VoidReason")
        if rng.random() < 0.05:
            discount = self.selection_discount(selection)
            discount["nonTaxDiscountAmount"] = discount["discountAmount"]  # not tax-inclusive
            selection["appliedDiscounts"] = [discount]
            _discount_selection(selection, discount["discountAmount"])
        return selection

    def applied_taxes(self, amount: float) -> list[Record]:
        """State and city taxes on an amount; one time in ten both without a guid."""
        null_guid = self.rng.random() < 0.1
        return [
            b.make_applied_tax(
                None if null_guid else self.guid(0x7A),
                name=tax_name,
                rate=rate,
                amount=round(amount * rate, 2),
                tax_rate=self.cfg("taxRates", position),
            )
            for position, (tax_name, rate) in enumerate(
                (("State Sales Tax", 0.0625), ("City Meals Tax", 0.0075)), start=1
            )
        ]

    def modifier_chain(self, depth: int) -> list[Record]:
        """A list with one modifier nested `depth` levels deep (empty for depth 0)."""
        nested: list[Record] = []
        for level in range(depth):
            name, price = _MODIFIERS[(level + self.rng.randint(0, 3)) % len(_MODIFIERS)]
            modifier = b.make_modifier(
                self.guid(0x3D),
                item=self.cfg("menuItems", len(_MENU) + 1 + _MODIFIERS.index((name, price))),
                name=name,
                option_group=self.cfg("menuOptionGroups", 1 + level % 2),
                price=price,
                modifiers=nested,
                created=self.opened,
            )
            nested = [modifier]
        return nested

    def selection_discount(self, selection: Record) -> Record:
        """A 10% item discount with two triggers."""
        amount = round(selection["price"] * 0.1, 2)
        return b.make_applied_discount(
            self.guid(0xD1),
            discount=self.cfg("discounts", 1),
            amount=amount,
            triggers=[b.make_trigger(selection["guid"]), b.make_trigger(selection["guid"], 2.0)],
        )

    def check_discount(self, selections: list[Record]) -> Record:
        """A combo discount with triggers and combo items from the first selections."""
        triggers = [b.make_trigger(s["guid"]) for s in selections[:2]]
        combo_items = [b.ref(s["item"]["guid"], "MenuItem") for s in selections[:2]]
        return b.make_applied_discount(
            self.guid(0xD1),
            discount=self.cfg("discounts", 2),
            name="Combo Deal",
            amount=2.0,
            discountType="FIXED",
            discountPercent=None,
            triggers=triggers,
            comboItems=combo_items,
        )

    def service_charge(self, selections: list[Record]) -> Record:
        """An 18% gratuity with its own applied tax."""
        amount = round(sum(s["price"] for s in selections) * 0.18, 2)
        tax = b.make_applied_tax(self.guid(0x7A), amount=round(amount * 0.0625, 2))
        tax["taxRate"] = b.ref(self.cfg("taxRates", 1), "TaxRate")
        return b.make_service_charge(
            self.guid(0x5C),
            service_charge=self.cfg("serviceCharges", 1),
            amount=amount,
            applied_taxes=[tax],
        )

    def payments(self, check_guid: str, total: float) -> list[Record]:
        """One payment, or a split of two, covering the check total."""
        rng = self.rng
        shares = (
            [total]
            if rng.random() < 0.8
            else [round(total / 2, 2), round(total - round(total / 2, 2), 2)]
        )
        payments = []
        for number, share in enumerate(shares):
            # A split check is paid two ways: a card, then cash or a gift card.
            tender = ("CREDIT", "CASH" if self.key.index % 2 else "GIFTCARD")[number]
            payment = b.make_payment(
                self.guid(0x9A),
                order_guid=self.key.guid,
                check_guid=check_guid,
                amount=share,
                paid=self.closed,
                tip=_whole(round(share * rng.choice((0.0, 0.15, 0.18, 0.2)), 2)),
                paidBusinessDate=self.business_date,
                server=None,
                type=tender,
                **({} if tender == "CREDIT" else {"cardType": None, "cardEntryMode": None}),
                **(
                    {"cashDrawer": b.ref(self.cfg("cashDrawers", 1), "CashDrawer")}
                    if tender == "CASH"
                    else {}
                ),
            )
            payment["amount"] = _whole(payment["amount"])
            self.maybe_refund_or_void(payment)
            payments.append(payment)
        return payments

    def maybe_refund_or_void(self, payment: Record) -> None:
        """Rarely refund part of a payment or void it."""
        draw = self.rng.random()
        if draw < 0.02:
            payment["refundStatus"] = "PARTIAL"
            payment["refund"] = b.make_refund(
                self.guid(0x4E),
                amount=round(payment["amount"] / 2, 2),
                tip=0.0,
                refunded=format_ts(self.key.modified),
            )
        elif draw < 0.03:
            employee = _employee_guid(self.profile.index, 1)
            payment["paymentStatus"] = "VOIDED"
            payment["voidInfo"] = b.make_void_info(
                user=employee,
                approver=_employee_guid(self.profile.index, 2),
                reason=self.cfg("voidReasons", 1),
                voided=format_ts(self.key.modified),
            )


def _scale_modifiers(modifiers: list[Record], quantity: float) -> None:
    """Modifiers of an item ordered `quantity` times are ordered as often: their `price` is the
    line's, so the item's `preDiscountPrice` = `receiptLinePrice` x quantity + modifier prices."""
    for modifier in modifiers:
        modifier["quantity"] = quantity
        for field in ("price", "preDiscountPrice"):
            modifier[field] = round(modifier[field] * quantity, 2)
        _scale_modifiers(modifier["modifiers"], quantity)


def _discount_selection(selection: Record, amount: float) -> None:
    """Take a discount off a selection's net `price` (orders.yaml: `price` is after item and
    check discounts; `preDiscountPrice` stays) and recompute its taxes on the new price."""
    selection["price"] = round(selection["price"] - amount, 2)
    for tax in selection["appliedTaxes"]:
        tax["taxAmount"] = round(selection["price"] * tax["rate"], 2)
    selection["tax"] = round(sum(tax["taxAmount"] for tax in selection["appliedTaxes"]), 2)


def _spread_check_discount(discount: Record, selections: list[Record]) -> None:
    """Spread a check-level discount over the live selections it was triggered by (else every
    live selection), pro rata to their prices: Toast's selection `price` includes the share."""
    triggered = {trigger["selection"]["guid"] for trigger in discount["triggers"]}
    live = [s for s in selections if not s.get("voided")]
    targets = [s for s in live if s["guid"] in triggered] or live
    base = sum(s["price"] for s in targets)
    amount = min(discount["discountAmount"], base)
    discount["discountAmount"] = discount["nonTaxDiscountAmount"] = amount
    left = amount
    for number, selection in enumerate(targets, start=1):
        share = left if number == len(targets) else round(amount * selection["price"] / base, 2)
        left = round(left - share, 2)
        _discount_selection(selection, share)


def _total_check(check: Record) -> None:
    """A check's amounts as orders.yaml defines them: `amount` = live selections' prices and
    non-gratuity service charges; `taxAmount` = their taxes and the charges' taxes;
    `totalAmount` adds the gratuity (what the payments cover, tips excluded)."""
    live = [s for s in check["selections"] if not s.get("voided")]
    charges = check["appliedServiceCharges"]
    gratuity = sum(c["chargeAmount"] for c in charges if c.get("gratuity"))
    other_charges = sum(c["chargeAmount"] for c in charges if not c.get("gratuity"))
    charge_tax = sum(t["taxAmount"] for c in charges for t in c.get("appliedTaxes") or [])
    check["amount"] = round(sum(s["price"] for s in live) + other_charges, 2)
    check["taxAmount"] = round(sum(s["tax"] for s in live) + charge_tax, 2)
    check["totalAmount"] = round(check["amount"] + gratuity + check["taxAmount"], 2)


def _chain_price(modifiers: list[Record]) -> float:
    return sum(m["price"] + _chain_price(m["modifiers"]) for m in modifiers)


def _config(restaurant: int) -> dict[str, list[Record]]:
    """Three objects per config endpoint; menu items = the menu plus the modifiers."""
    config: dict[str, list[Record]] = {}
    for position, endpoint in enumerate(CONFIG_ENDPOINTS, start=1):
        names = [name for name, _ in (*_MENU, *_MODIFIERS)] if endpoint == "menuItems" else None
        names = names or [f"{CONFIG_ENDPOINTS[endpoint]} {n}" for n in range(1, 4)]
        config[endpoint] = [
            b.make_config(
                endpoint,
                _config_guid(position, restaurant, number),
                name,
                _lastModified=f"2025-0{1 + number % 9}-1{number % 10}T12:00:00.000+0000",
            )
            for number, name in enumerate(names, start=1)
        ]
    return config


def _job_guid(restaurant: int, number: int) -> str:
    return f"a1000000-{0x1000 + restaurant:04x}-4000-8000-{number:012d}"


def _employee_guid(restaurant: int, number: int) -> str:
    return f"a2000000-{0x1000 + restaurant:04x}-4000-8000-{number:012d}"


def _jobs_and_employees(restaurant: int) -> dict[str, list[Record]]:
    jobs = [
        b.make_job(_job_guid(restaurant, n), title)
        for n, title in enumerate(("Server", "Cook", "Host"), start=1)
    ]
    employees = [
        b.make_employee(
            _employee_guid(restaurant, n),
            _FIRST_NAMES[(n + restaurant) % len(_FIRST_NAMES)],
            _LAST_NAMES[n % len(_LAST_NAMES)],
            jobs=[_job_guid(restaurant, 1 + n % 3), _job_guid(restaurant, 1 + (n + 1) % 3)],
            wage_overrides=[(_job_guid(restaurant, 1 + n % 3), 16.0 + n)] if n % 2 else [],
        )
        for n in range(1, 7)
    ]
    return {"jobs": jobs, "employees": employees, "shifts": [], "timeEntries": []}


def _labor_day(seed: int, profile: _Profile, day: date) -> dict[str, list[Record]]:
    """Shifts and time entries of one business day: most employees work one shift."""
    rng = random.Random(f"{seed}/labor/{profile.index}/{day.toordinal()}")
    shifts, entries = [], []
    for number in range(1, 7):
        if rng.random() > 0.7:
            continue
        shift, entry = _work_shift(rng, profile, day, number)
        shifts.append(shift)
        entries.append(entry)
    return {"shifts": shifts, "timeEntries": entries}


def _work_shift(
    rng: random.Random, profile: _Profile, day: date, number: int
) -> tuple[Record, Record]:
    """One employee's scheduled shift of the day and the time entry actually worked."""
    zone = ZoneInfo(profile.time_zone)
    begin = datetime(day.year, day.month, day.day, 10 if number % 2 else 16, tzinfo=zone)
    begin = begin.astimezone(UTC)
    employee = _employee_guid(profile.index, number)
    job = _job_guid(profile.index, 1 + number % 3)
    shift_guid = _guid(0xA3, profile.index, day.toordinal(), number)
    shift_end = format_ts(begin + timedelta(hours=8))
    shift = b.make_shift(shift_guid, format_ts(begin), shift_end, employee=employee, job=job)
    clock_in = begin - _ms(rng.uniform(0, 600))
    clock_out = begin + timedelta(hours=8) + _ms(rng.uniform(0, 900))
    breaks = [
        b.make_break(
            _guid(0xA5, profile.index, day.toordinal(), number, n),
            format_ts(begin + timedelta(hours=3 + 2 * n)),
            30,
            break_type=_config_guid(18, profile.index, 1),
        )
        for n in range(rng.randint(0, 2))
    ]
    entry = b.make_time_entry(
        _guid(0xA4, profile.index, day.toordinal(), number),
        format_ts(clock_in),
        format_ts(clock_out),
        employee=employee,
        job=job,
        breaks=breaks,
        businessDate=day.strftime("%Y%m%d"),
        shiftReference=b.ref(shift_guid, "Shift"),
        deleted=rng.random() < 0.01,
        modifiedDate=format_ts(clock_out + timedelta(minutes=1)),
    )
    return shift, entry


def _cash_day(seed: int, profile: _Profile, day: date) -> dict[str, list[Record]]:
    """Two cash entries (opening float, end-of-day drop) and one deposit."""
    rng = random.Random(f"{seed}/cash/{profile.index}/{day.toordinal()}")
    zone = ZoneInfo(profile.time_zone)
    opening = datetime(day.year, day.month, day.day, 10, 45, tzinfo=zone).astimezone(UTC)
    closing = opening + timedelta(hours=14, minutes=30)
    drop = round(rng.uniform(300, 1200), 2)
    ordinal = day.toordinal()
    entries = [
        b.make_cash_entry(_guid(0xCA, profile.index, ordinal, 1), format_ts(opening), 200.0),
        b.make_cash_entry(
            _guid(0xCA, profile.index, ordinal, 2),
            format_ts(closing),
            -drop,
            entry_type="CASH_COLLECTED",
            reason="End of day drop",
        ),
    ]
    deposit = b.make_deposit(
        _guid(0xCB, profile.index, ordinal, 1), format_ts(closing + timedelta(minutes=5)), drop
    )
    return {"entries": entries, "deposits": [deposit]}
