"""The recorded and generated worlds carry the shapes real Toast data has beyond the spec (the
full-sync tests then check, with the value oracle, that each lands exactly as sent)."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

from tests.fake_toast import World
from tests.fake_toast.generate import GeneratedWorld
from tests.fake_toast.shapes import RECORDING, real_shapes_order


def test_the_recorded_order_is_what_the_script_writes() -> None:
    assert json.loads(RECORDING.read_text(encoding="utf-8")) == [real_shapes_order()]


def _selections(items: Iterable[dict[str, Any]], depth: int = 1) -> Iterator[tuple[int, dict]]:
    for item in items:
        yield depth, item
        yield from _selections(item.get("modifiers") or [], depth + 1)


def _shapes(orders: list[dict[str, Any]]) -> dict[str, Any]:
    checks = [check for order in orders for check in order["checks"]]
    selections = [(d, s) for check in checks for d, s in _selections(check["selections"])]
    payments = [payment for check in checks for payment in check["payments"]]
    names = [s["displayName"] for _, s in selections]
    devices = [
        device["id"]
        for thing in (*orders, *checks, *payments)
        for device in (thing.get("createdDevice"), thing.get("lastModifiedDevice"))
        if device
    ]
    return {
        "most selections on a check": max(len(check["selections"]) for check in checks),
        "deepest modifier": max(depth for depth, _ in selections) - 1,
        "integer and decimal prices": {type(s["price"]) for _, s in selections} >= {int, float},
        "integer and decimal tips": {type(p["tipAmount"]) for p in payments} >= {int, float},
        "most payment types on a check": max(
            len({p["type"] for p in c["payments"]}) for c in checks
        ),
        "tips on a check paid several ways": any(
            len(c["payments"]) > 1 and any(p["tipAmount"] for p in c["payments"]) for c in checks
        ),
        "accents": any(unicodedata.normalize("NFD", n) != n for n in names),
        "emoji": any(any(ord(ch) > 0xFFFF for ch in n) for n in names),
        "right to left": any(unicodedata.bidirectional(ch) == "AL" for n in names for ch in n),
        "hex device ids": any(
            set(d) <= set("0123456789abcdef") and not d.isdigit() for d in devices
        ),
        "all-digit device ids": any(d.isdigit() and d.startswith("0") for d in devices),
        "empty objects": any(order.get("curbsidePickupInfo") == {} for order in orders),
        "fields no spec lists": any("kitchenTicket" in order for order in orders),
    }


def test_the_recorded_world_has_real_toasts_shapes() -> None:
    orders = [order for orders in World.load().orders.values() for order in orders]
    shapes = _shapes(orders)
    assert shapes["most selections on a check"] >= 200
    assert shapes["deepest modifier"] >= 3
    assert shapes["most payment types on a check"] >= 4
    assert all(shapes.values()), shapes
    check_texts = [c.get("displayNumber") for o in orders for c in o["checks"]]
    assert any(text and text.isdigit() and text.startswith("0") for text in check_texts)
    assert any(order.get("pricingFeatures") == [] for order in orders)  # an empty list


def test_the_generated_world_has_real_toasts_shapes() -> None:
    world = GeneratedWorld(restaurants=1, days=3, orders_per_day=40)
    guid = world.restaurant_guids[0]
    start = datetime(2025, 10, 1, tzinfo=timezone.utc)  # the world's first day is 2025-11-01
    shapes = _shapes(list(world.orders_between(guid, start, start + timedelta(days=60))))
    assert shapes["deepest modifier"] >= 3
    assert shapes["most payment types on a check"] >= 2
    expected = set(shapes) - {"emoji", "most selections on a check"}
    assert all(shapes[name] for name in expected), shapes
