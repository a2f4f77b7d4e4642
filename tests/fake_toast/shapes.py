"""An order shaped like real Toast data, not only like the spec, for the recorded world.

Real orders carry what the spec's examples do not (issue 14, toast_api.md §6.8 and captured
sandbox orders): money as an integer in one object and a decimal in another (`12`, `12.5`),
digit-only text with leading zeros, hex device ids (some all digits), nulls and empty objects
or lists where the spec shows objects, fields no spec lists, names in any script (accents,
emoji, right-to-left text), hundreds of selections with modifiers three deep, and a check paid
several ways with tips.

`python -m tests.fake_toast.shapes` writes the order to RECORDING (checked in); a unit test
checks that the file is this module's output, so the two cannot drift apart.
"""

from __future__ import annotations

import json
from typing import Any

from tests.fake_toast import builders as b
from tests.fake_toast.world import R2, RECORDINGS_DIR

REAL_SHAPES_ORDER = "0d00aa11-0002-4000-8000-0000000aa011"
REAL_SHAPES_CHECK = "0c00aa11-0002-4000-8000-0000000aa011"
RECORDING = RECORDINGS_DIR / "orders" / f"{R2}.shapes.json"
SELECTIONS = 240
MODIFIED = "2026-10-17T04:12:33.508+0000"  # R2 (Los Angeles): business date 2026-10-16
OPENED = "2026-10-17T02:30:05.000+0000"

_ITEMS = (  # (display name, price): some whole prices, sent as integers
    ("Crème brûlée", 9),
    ("🍔 Smash Burger", 14.5),
    ("شاورما دجاج", 12),
    ("Jalapeño poppers 🌶️", 8.75),
    ("Łosoś z grilla", 21),
    ("Phở bò", 13.25),
)
# R2's configuration (recordings/config/<R2>/) and staff.
_MENU_ITEMS = (
    "c0000006-0000-4000-8000-000000000001",
    "c0000006-0002-4000-8000-000000000002",
    "c0000006-0002-4000-8000-000000000003",
)
_MODIFIER_OPTION_GROUP = "c0000020-0002-4000-8000-000000000001"
_MODIFIER_ITEM = "c0000006-0002-4000-8000-000000000004"
_SALES_CATEGORY = "c0000009-0002-4000-8000-000000000001"
_TAX_RATE = "c0000012-0002-4000-8000-000000000001"
_GIFT_CERTIFICATE = "c0000001-0002-4000-8000-000000000001"
_SERVER = "a2000000-0002-4000-8000-000000000001"
_CASH_DRAWER = "c0000017-0002-4000-8000-000000000001"


def _guid(prefix: str, number: int) -> str:
    return f"{prefix}00aa11-{number:04x}-4000-8000-0000000aa011"  # no recorded guid is alike


def _money(value: float) -> float | int:
    """Whole amounts as Toast sends them in many objects: integers."""
    return int(value) if float(value).is_integer() else round(value, 2)


def _modifiers(number: int) -> list[dict[str, Any]]:
    """Every tenth selection: a modifier with a modifier with a modifier; else one or none."""
    depth = 3 if number % 10 == 0 else number % 2
    nested: list[dict[str, Any]] = []
    for level in reversed(range(depth)):
        modifier = b.make_modifier(
            _guid("3d", number * 4 + level),
            item=_MODIFIER_ITEM,
            name=("Extra queso 🧀", "Sin cebolla", "Ohne Zwiebeln")[level],
            option_group=_MODIFIER_OPTION_GROUP,
            price=_money(1 if level == 0 else 0.5),
            modifiers=nested,
            created=OPENED,
        )
        nested = [modifier]
    return nested


def _selection(number: int) -> dict[str, Any]:
    name, price = _ITEMS[number % len(_ITEMS)]
    modifiers = _modifiers(number)
    chain = _chain_price(modifiers)
    total = _money(price + chain)
    tax = b.make_applied_tax(
        _guid("7a", number),
        name="Los Angeles Sales Tax",
        rate=0.0725,
        amount=round(total * 0.0725, 2),
        tax_rate=_TAX_RATE,
    )
    return b.make_selection(
        _guid("5e", number),
        item=_MENU_ITEMS[number % len(_MENU_ITEMS)],
        name=name,
        price=total,
        modifiers=modifiers,
        applied_taxes=[tax],
        created=OPENED,
        preDiscountPrice=total,
        receiptLinePrice=_money(price),  # one unit, without modifiers (orders.yaml)
        seatNumber=number % 8 + 1,
        externalId=f"{number:06d}",  # digit-only, leading zeros
        salesCategory=b.config_ref(_SALES_CATEGORY, "SalesCategory"),
        diningOption=None,
        refundDetails=None,
    )


def _chain_price(modifiers: list[dict[str, Any]]) -> float:
    return sum(m["price"] + _chain_price(m["modifiers"]) for m in modifiers)


def _payments(total: float) -> list[dict[str, Any]]:
    """Cash, a credit card with a tip, a gift card with a tip, and another tender for the
    rest: amounts and tips as integers where they are whole."""
    first, second, third = 400, 1250.5, 600
    shares = [
        (
            "CASH",
            first,
            0,
            {
                "cardType": None,
                "cardEntryMode": None,
                "last4Digits": None,
                "cashDrawer": b.ref(_CASH_DRAWER, "CashDrawer"),
            },
        ),
        ("CREDIT", second, 25, {"cardType": "AMEX", "last4Digits": "0005"}),
        ("GIFTCARD", third, 7.5, {"cardType": None, "last4Digits": "0317"}),
        ("OTHER", round(total - first - second - third, 2), 0, {"cardType": None}),
    ]
    payments = []
    for number, (kind, amount, tip, fields) in enumerate(shares):
        payment = b.make_payment(
            _guid("9a", number),
            order_guid=REAL_SHAPES_ORDER,
            check_guid=REAL_SHAPES_CHECK,
            amount=amount,
            tip=_money(tip),
            paid=MODIFIED,
            paidBusinessDate=20261016,
            type=kind,
            server=b.ref(_SERVER, "RestaurantUser"),
            createdDevice={"id": "0a1b2c3d4e5f"},
            lastModifiedDevice={"id": "00123456"},
            **fields,
        )
        payment["amount"] = _money(payment["amount"])
        if kind == "OTHER":
            payment["otherPayment"] = b.ref(_GIFT_CERTIFICATE, "AlternatePaymentType")
        payments.append(payment)
    return payments


def real_shapes_order() -> dict[str, Any]:
    """The order: one check of SELECTIONS selections paid four ways."""
    selections = [_selection(number) for number in range(SELECTIONS)]
    check = b.make_check(
        REAL_SHAPES_CHECK,
        selections=selections,
        opened=OPENED,
        closed=MODIFIED,
        displayNumber="0042",  # digit-only text with a leading zero
        tabName="Zoë & Łukasz — table près de la fenêtre",
        createdDevice={"id": "0a1b2c3d4e5f"},  # hex
        lastModifiedDevice={"id": "00123456"},  # hex that happens to be all digits
        customer=None,
        appliedLoyaltyInfo=None,
        openedBy=b.ref(_SERVER, "RestaurantUser"),
    )
    check["payments"] = _payments(check["totalAmount"])
    check["amount"] = _money(check["amount"])
    return b.make_order(
        REAL_SHAPES_ORDER,
        MODIFIED,
        checks=[check],
        openedDate=OPENED,
        createdDate=OPENED,
        businessDate=20261016,
        displayNumber="007",
        numberOfGuests=12,
        diningOption=None,
        table=None,
        server=b.ref(_SERVER, "RestaurantUser"),
        deliveryInfo=None,
        curbsidePickupInfo={},  # an empty object where the spec shows one
        pricingFeatures=[],  # an empty list
        createdDevice={"id": "7f3e9a00"},
        lastModifiedDevice={"id": "7f3e9a00"},
        # Fields no spec lists: Toast adds fields before its specs show them.
        kitchenTicket={"station": "Grill ♨", "course": "Main"},
        channelName="Sitio web — pedidos",
    )


def main() -> None:
    """Write the recording."""
    text = json.dumps([real_shapes_order()], indent=1, ensure_ascii=False) + "\n"
    RECORDING.write_text(text, encoding="utf-8")
    print(f"wrote {RECORDING} ({SELECTIONS} selections)")


if __name__ == "__main__":
    main()
