"""State of busy locations under the delete ledger's reach: prints the packed ledger's bytes per
location for reaches of 3, 7 and 14 days (and a history of 30 and 90 days), and one
checkpoint's own cost (packing every ledger again and serialising the state) at 100 locations.

`python -m tests.bench.ledger_state` (about 15 s on one core). `build_busy_restaurant` is also a
cheap way to give any benchmark the state of N busy locations: build one per location into a
`connector.Ledger`, or build three and copy their packed documents under N names (random GUIDs
pack to the same size within 0.1 %), then put `ledger.to_state()` under state["ledger"].
Results: tests/bench/RESULTS.md, "State per location".
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import connector as c

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
BUSY_ORDERS_PER_DAY = 150


def random_guids(count: int) -> Iterator[str]:
    """Version-4 UUIDs as Toast's: random (a pattern would compress, and understate the size)."""
    digits = os.urandom(16 * count).hex()
    for at in range(0, 32 * count, 32):
        h = digits[at : at + 32]
        yield f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"


def order_keys(guid: str, new: Iterator[str]) -> set[c.Key]:
    """A check, its payment and their link, a pricing feature, three selections, a modifier
    and two applied taxes: ten child keys."""
    check, payment = next(new), next(new)
    return {
        ("orders_check", (check,)),
        ("payment", (payment,)),
        ("orders_check_payment", (check, payment)),
        ("orders_pricing_feature", (guid, "TAXESV2")),
        *(("orders_check_selection", (next(new),)) for _ in range(3)),
        ("orders_check_selection_modifier", (next(new),)),
        *(("orders_check_selection_applied_tax", (next(new),)) for _ in range(2)),
    }


def build_busy_restaurant(
    ledger: c.Ledger, restaurant: str, days: int, now: datetime = NOW
) -> list[tuple[str, datetime, set[c.Key]]]:
    """150 orders a day modified over the last `days` days, each with ten child keys; returns
    every order as (guid, modifiedDate, child keys), newest first."""
    new = random_guids(days * BUSY_ORDERS_PER_DAY * 9)
    orders = []
    for day in range(days):
        for number in range(BUSY_ORDERS_PER_DAY):
            guid = next(new)
            keys = order_keys(guid, new)
            modified = now - timedelta(days=day, minutes=5 * number)
            parent = ("orders", guid, c.format_timestamp(modified))
            ledger.remember(restaurant, parent, keys, live=True)
            orders.append((guid, modified, keys))
    return orders


def packed_bytes(reach_days: int, history_days: int) -> int:
    ledger = c.Ledger({})
    ledger.begin(NOW, reach_days)
    build_busy_restaurant(ledger, "r", history_days)
    return len(ledger.to_state()["r"])


def checkpoint_seconds(reach_days: int, locations: int = 100) -> tuple[float, float]:
    """One checkpoint's own cost at `locations` busy locations, in an hourly sync: every ledger
    read from state, an hour's orders (7) remembered at each, then every ledger packed again and
    the whole state serialised. Returns (seconds, seconds of a first sync's checkpoint, where
    every record is new)."""
    ledger = c.Ledger({})
    ledger.begin(NOW - timedelta(hours=1), reach_days)
    for n in range(locations):
        build_busy_restaurant(ledger, f"r{n}", reach_days, NOW - timedelta(hours=1))
    began = time.perf_counter()
    packed = ledger.to_state()
    json.dumps({"version": c._STATE_VERSION, "ledger": packed})
    first = time.perf_counter() - began
    hourly = c.Ledger(packed)
    hourly.begin(NOW, reach_days)
    new = random_guids(locations * 7 * 9)
    for n in range(locations):
        for minute in range(7):
            guid = next(new)
            parent = ("orders", guid, c.format_timestamp(NOW - timedelta(minutes=minute)))
            hourly.remember(f"r{n}", parent, order_keys(guid, new), live=True)
    began = time.perf_counter()
    text = json.dumps({"version": c._STATE_VERSION, "ledger": hourly.to_state()})
    seconds = time.perf_counter() - began
    print(f"  100 locations, reach {reach_days} d: state {len(text) / 1e6:.2f} MB")
    return seconds, first


def main() -> None:
    print("packed ledger per busy location (150 orders a day, 10 child keys each):")
    for reach in (3, 7, 14):
        sizes = [packed_bytes(reach, history) for history in (30, 90)]
        print(f"  reach {reach:2d} d: history 30 d {sizes[0]:,} B, history 90 d {sizes[1]:,} B")
    for reach in (3, 7):
        hourly, first = checkpoint_seconds(reach)
        print(
            f"  checkpoint: hourly sync {hourly:.3f} s, first sync (all records new) {first:.3f} s"
        )


if __name__ == "__main__":
    main()
