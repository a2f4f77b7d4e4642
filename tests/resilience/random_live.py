"""Randomized live syncs: a seed makes a world and a live schedule over the live fake Toast.

A schedule (`Schedule.of(seed)`) is a world of 1 to 3 restaurants whose orders are spread so
that some windows need several slices and some minutes hold a full page (offset paging and its
check), a first sync from hours to ~70 days back, then disturbed syncs: between any two requests
the fake serves, at random, an order is edited, created or deleted (after an ordersBulk request
of its restaurant: a slice, an offset page or the check), a shift of the schedule is moved,
removed or added (after a shifts request of its restaurant), and any one request of the streams
(orders, time entries, shifts and their lookups, cash, configuration, menus) is refused once
(400, 403, 404, 500, 503). Quiet syncs follow until nothing is owed. The schedule is then judged
against a clean first sync of the final world (`Outcome`).

Every random choice during a sync is drawn from a generator seeded by the seed, the sync, and the
request's restaurant, path (and cash business date) and `ordinal` (its rank among those requests,
FakeToast.live): a restaurant's ordersBulk requests are asked one after another by its worker, so
the world's changes and the refusals replay the same however the connector's threads interleave.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

import connector
from tests.conftest import FIXED_NOW, Project, make_configuration
from tests.fake_toast import R1, R2, R3, Fault, World
from tests.fake_toast.builders import make_order
from tests.fake_toast.server import Request, Response
from tests.fake_toast.world import format_ts, parse_ts
from tests.resilience.live import ORDERS_PATH, Clock, rows, serve

SHIFTS_PATH = "/labor/v1/shifts"

REPLAY = (
    "TOAST_SEED={seed} .venv/bin/python -m pytest tests/resilience/test_random_live.py "
    "-k replay -n 0"
)
# The generated orders' GUIDs differ after their first two characters: an order's check,
# selection and payment take its GUID with those replaced (builders.make_order).
NUMBERS = {R1: 1, R2: 2, R3: 3}
# Paths a refusal may hit: the streams, not the login, the partners list or restaurant info.
REFUSABLE = ("/orders/", "/labor/", "/cashmgmt/", "/config/", "/menus/")
REFUSALS = (400, 403, 404, 500, 503)
# Per served request: the chance of a refusal; per ordersBulk request: of an edit, a new order, a
# deleted order (each drawn on its own). High enough that most schedules see several of each.
REFUSE_CHANCE = 0.04
EDIT_CHANCE, NEW_CHANCE, DELETE_CHANCE = 0.25, 0.15, 0.08
# Per shifts request: the chance that a shift is moved, removed or added. Toast has no modified
# filter or deleted flag for shifts, so the connector finds these changes only in the ranges it
# re-reads: the schedule to its horizon and the days before its labor cursor (README, Known
# limits). Changes stay inside them, a day from either edge, and after initialSyncStart.
SHIFT_CHANCE = 0.3
SHIFT_REACH = (
    timedelta(days=connector._SHIFT_REREAD_DAYS - 1),
    timedelta(days=connector._DEFAULT_SCHEDULE_HORIZON_DAYS - 1),
)
# A change is stamped Toast's now less up to this many seconds: Toast's clock runs a little
# behind ours (toast_api.md §13; the connector's resume overlap and check margin are 5 minutes).
STAMP_BEHIND_SECONDS = 120.0
MAX_QUIET_SYNCS = 10
# A sync asks at most twice what a clean first sync of the final world asks (a debt reads again
# at most what a window read), plus this many per disturbance (a refused 5xx is retried up to 6
# times; an edit during offset paging costs at most a pass of a 2-page range and its check).
REQUESTS_PER_DISTURBANCE = 10


@dataclass
class Schedule:
    """What a seed makes: the world's extra orders, the syncs, the configuration."""

    seed: int
    restaurants: list[str]
    start: datetime
    orders: dict[str, list[dict[str, Any]]]
    disturbed_syncs: int
    hours_between: list[int]

    @classmethod
    def of(cls, seed: int) -> Schedule:
        rng = random.Random(f"schedule/{seed}")
        restaurants = sorted(rng.sample([R1, R2, R3], rng.randint(1, 3)))
        if rng.random() < 0.5:
            start = FIXED_NOW - timedelta(hours=rng.randint(3, 36))
        else:
            start = FIXED_NOW - timedelta(days=rng.randint(2, 70))
        orders = {r: _orders(rng, partial(order_guid, r, 0), start) for r in restaurants}
        disturbed = rng.randint(1, 2)
        return cls(
            seed, restaurants, start, orders, disturbed, [rng.choice((1, 1, 6)) for _ in range(2)]
        )

    def world(self) -> World:
        world = World.load()
        for restaurant, orders in self.orders.items():
            world.add_orders(restaurant, copy.deepcopy(orders))
        return world

    def configuration(self) -> dict[str, str]:
        return {
            "restaurantGuids": ",".join(self.restaurants),
            "initialSyncStart": format_ts(self.start),
        }

    def describe(self) -> str:
        counts = {r[-1]: len(o) for r, o in self.orders.items()}
        return (
            f"seed {self.seed}: restaurants {counts} (generated orders), "
            f"start {format_ts(self.start)}, {self.disturbed_syncs} disturbed sync(s)"
        )


def shift_guid(restaurant: str, sync: int, index: int) -> str:
    """The GUID of a shift added in sync `sync`."""
    return f"5f000000-{NUMBERS[restaurant]}{sync:03d}-4000-8000-{index:012d}"


def order_guid(restaurant: str, sync: int, index: int) -> str:
    """A generated order's GUID: `sync` 0 for the world's, n + 1 for those created in sync n."""
    return f"b0000000-{NUMBERS[restaurant]}{sync:03d}-4000-8000-{index:012d}"


def _orders(
    rng: random.Random, guid: Callable[[int], str], start: datetime
) -> list[dict[str, Any]]:
    """Orders spread over [start, now) (several slices where the range is busy) and, often, a
    burst of a full page within 20 s (a range under the slice floor: offset paging)."""
    span = (FIXED_NOW - start).total_seconds() - 120
    moments = [
        start + timedelta(seconds=rng.uniform(0, span)) for _ in range(rng.randint(20, 160))
    ]
    if rng.random() < 0.6:
        burst = start + timedelta(seconds=rng.uniform(0, span - 20))
        moments += [burst + timedelta(seconds=i * 0.18) for i in range(rng.randint(100, 112))]
    return [
        make_order(guid(index), format_ts(moment)) for index, moment in enumerate(sorted(moments))
    ]


@dataclass
class LiveSync:
    """One disturbed sync's choices, drawn per request (see the module)."""

    schedule: Schedule
    number: int
    world: World
    clock: Clock
    events: list[str] = field(default_factory=list)

    def _rng(self, request: Request, moment: str) -> random.Random:
        key = (request.restaurant, request.path, request.params.get("businessDate", ""))
        return random.Random(
            f"{self.schedule.seed}/{self.number}/{key}/{request.ordinal}/{moment}"
        )

    def before(self, request: Request) -> Fault | None:
        """A refusal of this request, or None."""
        if request.restaurant not in self.schedule.restaurants:
            return None
        if not request.path.startswith(REFUSABLE):
            return None
        rng = self._rng(request, "before")
        if rng.random() >= REFUSE_CHANCE:
            return None
        status = rng.choice(REFUSALS)
        self.events.append(f"{status} {request.path} #{request.ordinal} {request.params}")
        return Fault(status=status)

    def after(self, request: Request, response: Response) -> None:
        """Orders edited, created or deleted after an ordersBulk request of their restaurant; a
        shift moved, removed or added after a shifts request of its restaurant."""
        del response
        restaurant = request.restaurant
        if restaurant not in self.schedule.restaurants:
            return
        if request.path == SHIFTS_PATH:
            self._change_shift(request)
        if request.path != ORDERS_PATH:
            return
        rng = self._rng(request, "after")
        orders = self.world.orders[restaurant]
        if rng.random() < EDIT_CHANCE:
            self._replace(rng, orders, "edit", request, deleted=False)
        if rng.random() < NEW_CHANCE:
            guid = order_guid(restaurant, self.number + 1, len(orders))
            orders.append(make_order(guid, self._stamp(rng)))
            self.events.append(f"new {guid} after #{request.ordinal}")
        if rng.random() < DELETE_CHANCE:
            self._replace(rng, orders, "delete", request, deleted=True)

    def _replace(
        self,
        rng: random.Random,
        orders: list[dict[str, Any]],
        kind: str,
        request: Request,
        deleted: bool,
    ) -> None:
        """A new version of a random order (a copy: answers already built keep the old one)."""
        index = rng.randrange(len(orders))
        order = copy.deepcopy(orders[index])
        order["modifiedDate"] = self._stamp(rng)
        if deleted:
            order.update(deleted=True, deletedDate=order["modifiedDate"])
        for check in order.get("checks") or []:
            for selection in check.get("selections") or []:
                selection["quantity"] = (selection.get("quantity") or 0) + 1
                break
            break
        orders[index] = order
        self.events.append(f"{kind} {order['guid']} after #{request.ordinal}")

    def _change_shift(self, request: Request) -> None:
        """Move, remove or add one shift of the schedule, inside SHIFT_REACH (a copy: answers
        already built keep the old version)."""
        rng = self._rng(request, "after")
        if rng.random() >= SHIFT_CHANCE:
            return
        earliest = max(self.clock.now - SHIFT_REACH[0], self.schedule.start + timedelta(days=1))
        latest = self.clock.now + SHIFT_REACH[1]
        shifts = self.world.labor[request.restaurant]["shifts"]
        within = [
            index
            for index, shift in enumerate(shifts)
            if shift.get("outDate")
            and not shift.get("deleted")
            and earliest <= parse_ts(shift["inDate"]) <= latest
        ]
        if earliest >= latest or not shifts:
            return
        kind = rng.choice(("move", "remove", "add")) if within else "add"
        index = rng.choice(within) if within else 0
        if kind == "remove":
            self.events.append(f"remove shift {shifts.pop(index)['guid']} #{request.ordinal}")
            return
        shift = copy.deepcopy(shifts[index])
        moment = earliest + timedelta(seconds=rng.uniform(0, (latest - earliest).total_seconds()))
        shift.update(
            inDate=format_ts(moment),
            outDate=format_ts(moment + timedelta(hours=rng.randint(3, 9))),
            modifiedDate=self._stamp(rng),
            deleted=False,
        )
        if kind == "move":
            shifts[index] = shift
        else:
            shift["guid"] = shift_guid(request.restaurant, self.number, len(shifts))
            shifts.append(shift)
        self.events.append(f"{kind} shift {shift['guid']} to {shift['inDate']} #{request.ordinal}")

    def _stamp(self, rng: random.Random) -> str:
        behind = timedelta(milliseconds=rng.randint(1, int(STAMP_BEHIND_SECONDS * 1000)))
        return format_ts(self.clock.now - behind)


@dataclass
class Outcome:
    """What a schedule left, and what a clean sync of its final world leaves."""

    live: dict[str, set[tuple]]
    live_deleted: dict[str, set[tuple]]
    clean: dict[str, set[tuple]]
    clean_deleted: dict[str, set[tuple]]
    requests_per_sync: list[int]
    disturbances_per_sync: list[int]
    clean_requests: int
    state: dict[str, Any]
    events: list[str]

    def request_bound(self, sync: int) -> int:
        return (
            2 * self.clean_requests + REQUESTS_PER_DISTURBANCE * self.disturbances_per_sync[sync]
        )


def owes(state: dict[str, Any]) -> bool:
    """Whether any restaurant still owes work: debts, or an endpoint remembered absent (asked
    again only a day later)."""
    return any(
        entry.get("debts") or entry.get("absent")
        for entry in state.get("restaurants", {}).values()
    )


def run(schedule: Schedule, clock: Clock, project: Project, clean_project: Project) -> Outcome:
    """The disturbed syncs, the quiet ones until nothing is owed, and a clean sync."""
    world = schedule.world()
    configuration = schedule.configuration()
    counts: list[int] = []
    disturbances: list[int] = []
    events: list[str] = []
    with serve(world, clock) as server:
        settings = make_configuration(server, **configuration)
        for number in range(schedule.disturbed_syncs):
            live = LiveSync(schedule, number, world, clock)
            server.live(live.before, live.after)
            asked = len(server.requests)
            project.sync(settings)
            server.live()
            counts.append(len(server.requests) - asked)
            disturbances.append(len(live.events))
            events += [f"sync {number}: {event}" for event in live.events]
            clock.advance(hours=schedule.hours_between[number])
        for quiet in range(MAX_QUIET_SYNCS):
            asked = len(server.requests)
            project.sync(settings)
            counts.append(len(server.requests) - asked)
            disturbances.append(0)
            if not owes(project.state()):
                break
            clock.advance(hours=1 if quiet == 0 else 24)
    with serve(world, clock) as server:
        clean = clean_project.sync(make_configuration(server, **configuration)).warehouse
        clean_requests = len(server.requests)
    return Outcome(
        rows(project.warehouse),
        rows(project.warehouse, deleted=True),
        rows(clean),
        rows(clean, deleted=True),
        counts,
        disturbances,
        clean_requests,
        project.state(),
        events,
    )
