"""Seeded live schedules over the fake Toast (issue 20, "Randomized live syncs").

A schedule is a world (1 to 3 of the recorded restaurants, with clusters of orders: some spread
so a window needs several slices, some bursts of over a page within a minute, which only offset
paging and its drift check can read) and an initialSyncStart from hours to ~70 days back; then
disturbed syncs, during which the fake edits, adds and deletes orders and refuses single
requests, each keyed on a request count per restaurant and endpoint (never on time or thread
timing), so a seed replays identically; then quiet syncs until nothing is owed.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from tests.conftest import FIXED_NOW
from tests.fake_toast import R1, R2, R3, FakeToast, Fault, World
from tests.fake_toast.builders import bulk_orders, make_order
from tests.fake_toast.world import format_ts

ORDERS_PATH = "/orders/v2/ordersBulk"
TIME_ENTRIES_PATH = "/labor/v1/timeEntries"
# World edits happen right after a request of the restaurant's own worker thread, whose
# requests are serial (orders, then labor, window by window: connector.sync_restaurant):
# counting them per restaurant gives the same moments at every run. Cash days and the
# configuration run on a side pool, concurrently: they are refused by business date or by
# their endpoint's first request instead, which is as deterministic.
EDIT_AFTER = (ORDERS_PATH, TIME_ENTRIES_PATH)
SERIAL_REFUSABLE = (ORDERS_PATH, TIME_ENTRIES_PATH, "/labor/v1/shifts")
ONCE_REFUSABLE = (
    "/config/v2/menuItems",
    "/config/v2/diningOptions",
    "/labor/v1/employees",
    "/labor/v1/jobs",
    "/menus/v2/metadata",
)
CASH_PATHS = ("/cashmgmt/v1/entries", "/cashmgmt/v1/deposits")
REFUSALS = (400, 403, 404, 500, 503)  # 5xx are retried by the client; 4xx become debts
MAX_QUIET_SYNCS = 10


@dataclass
class Event:
    """After the `nth` request of `path` for `restaurant` in its sync: `action` ("edit",
    "new", "delete", or "refuse" the next request of `refused_path` with `status`)."""

    restaurant: str
    path: str
    nth: int
    action: str
    status: int = 0
    refused_path: str = ""
    params: dict[str, str] = field(default_factory=dict)
    pick: float = 0.0  # which order an edit or delete takes (drawn with the schedule)
    ident: int = 0  # numbers a new order's guid


@dataclass
class Schedule:
    seed: int
    restaurants: list[str]
    start: datetime
    clusters: list[tuple[str, int, datetime, float]]  # restaurant, orders, first, step seconds
    syncs: list[list[Event]]  # the disturbed syncs' events

    def describe(self) -> str:
        days = (FIXED_NOW - self.start).total_seconds() / 86400
        events = [f"{e.action}@{e.path.rsplit('/', 1)[-1]}#{e.nth}" for s in self.syncs for e in s]
        return (
            f"seed {self.seed}: {len(self.restaurants)} restaurant(s), {days:.1f} days, "
            f"clusters {[(n, step) for _, n, _, step in self.clusters]}, events {events}"
        )


def schedule(seed: int) -> Schedule:
    """The schedule of `seed` (a pure function of it)."""
    rng = random.Random(seed)
    restaurants = rng.sample([R1, R2, R3], rng.choice((1, 1, 2, 3)))
    kind = rng.random()
    if kind < 0.5:
        back = timedelta(hours=rng.uniform(3, 48))
    elif kind < 0.85:
        back = timedelta(days=rng.uniform(2, 12))
    else:
        back = timedelta(days=rng.uniform(30, 70))
    start = FIXED_NOW - back
    clusters = []
    for restaurant in restaurants:
        for _ in range(rng.randint(1, 3)):
            first = start + back * rng.uniform(0.0, 0.95)
            if rng.random() < 0.35:  # a burst: over a page within a minute (offset paged)
                clusters.append((restaurant, rng.randint(100, 130), first, rng.uniform(0.1, 0.5)))
            else:  # spread: several slices
                clusters.append((restaurant, rng.randint(20, 180), first, rng.uniform(5, 600)))
    syncs = [_events(rng, restaurants) for _ in range(rng.randint(1, 2))]
    for ident, event in enumerate((e for events in syncs for e in events), 1):
        event.ident = ident
    return Schedule(seed, restaurants, start, clusters, syncs)


def _events(rng: random.Random, restaurants: list[str]) -> list[Event]:
    events = []
    for _ in range(rng.randint(1, 6)):
        restaurant = rng.choice(restaurants)
        action = rng.choice(("edit", "edit", "new", "delete", "refuse", "refuse"))
        if action != "refuse":
            path = rng.choice(EDIT_AFTER)
            nth = rng.randint(1, 12 if path == ORDERS_PATH else 3)
            events.append(Event(restaurant, path, nth, action, pick=rng.random()))
            continue
        status = rng.choice(REFUSALS)
        where = rng.random()
        if where < 0.6:
            path = rng.choice(SERIAL_REFUSABLE)
            nth = rng.randint(1, 12 if path == ORDERS_PATH else 3)
            events.append(Event(restaurant, path, nth, action, status, path))
        elif where < 0.8:
            path = rng.choice(ONCE_REFUSABLE)
            events.append(Event(restaurant, path, 1, action, status, path))
        else:  # one cash business day, picked later among the synced ones
            path = rng.choice(CASH_PATHS)
            events.append(Event(restaurant, path, 1, action, status, path, {"day": "?"}))
    return events


def build_world(plan: Schedule) -> World:
    world = World.load()
    for guid in {R1, R2, R3} - set(plan.restaurants):
        world.disconnect(guid)
    for number, (restaurant, count, first, step) in enumerate(plan.clusters):
        orders = bulk_orders(count, first, step)
        world.add_orders(restaurant, _renumbered(orders, f"{number + 1:04x}"))
    return world


def _renumbered(orders: list[dict], segment: str) -> list[dict]:
    """The orders with every guid's second group (0000 in bulk_orders' and make_order's
    guids, of orders and their children alike) set to `segment`: clusters never share a
    guid."""
    return json.loads(json.dumps(orders).replace("-0000-4000-", f"-{segment}-4000-"))


class Disturber:
    """Plays one sync's events on the fake: counts requests per (restaurant, path) and acts
    right after the counted one (the fake's `on_each_request`)."""

    def __init__(self, server: FakeToast, world: World, now: datetime, seed: int) -> None:
        self.server, self.world, self.now = server, world, now
        self.rng = random.Random(seed)
        self.counts: Counter[tuple[str, str]] = Counter()
        self.events: list[Event] = []
        server.on_each_request(self._after)

    def begin(self, events: list[Event], now: datetime, cash_days: list[str]) -> None:
        self.now, self.counts, self.events = now, Counter(), list(events)
        for event in self.events:
            if event.action != "refuse":
                continue
            fault = Fault(status=event.status, restaurant=event.restaurant)
            if event.params.get("day") and cash_days:
                fault.params = {"businessDate": self.rng.choice(cash_days)}
                self.server.script("GET", f"^{event.refused_path}$", fault)
            elif event.nth == 1:
                self.server.script("GET", f"^{event.refused_path}$", fault)

    def end(self) -> None:
        self.events = []
        self.server.clear_scripts()

    def _after(self, request, response) -> None:  # noqa: ANN001 (the fake's types)
        key = (request.restaurant or "", request.path)
        self.counts[key] += 1
        nth = self.counts[key]
        for event in self.events:
            if (event.restaurant, event.path) != key:
                continue
            if event.action == "refuse" and event.nth == nth + 1 and not event.params:
                fault = Fault(status=event.status, restaurant=event.restaurant)
                self.server.script("GET", f"^{event.refused_path}$", fault)
            elif event.action != "refuse" and event.nth == nth:
                self._change(event)

    def _change(self, event: Event) -> None:
        orders = self.world.orders[event.restaurant]
        stamp = format_ts(self.now)
        if event.action == "new":
            guid = f"ee{event.ident:06d}-0000-4000-8000-000000000000"
            order = make_order(guid, stamp, displayNumber=str(event.ident))
            orders.extend(_renumbered([order], "ffff"))
            return
        order = orders[int(event.pick * len(orders))]
        order["modifiedDate"] = stamp
        if event.action == "delete":
            order["deleted"], order["deletedDate"] = True, stamp
            return
        for check in order.get("checks") or []:
            for selection in check.get("selections") or []:
                selection["quantity"] = (selection.get("quantity") or 0) + 1
                return
