"""Concurrent fetching, seen from the fake server: restaurants side by side, cash business days
side by side within a restaurant, one keep-alive connection per thread, Toast's limits kept."""

from __future__ import annotations

import contextlib
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import connector
from tests.conftest import FIXED_NOW, Project, make_configuration, toast_server
from tests.fake_toast import FakeToast
from tests.fake_toast import server as server_module
from tests.fake_toast.generate import SETTLED_DAYS, GeneratedWorld
from tests.fake_toast.server import RecordedRequest
from tests.replay import oracle

# The syncs (six generated restaurants, then two with one worker: about 30 s) are measurements
# of the slow tier (`bash tests/run.sh -m slow`); the hand-off's own tests below need no sync
# and run in the default run.
SLOW = pytest.mark.slow

# Above the limiter's spacing of a location's requests (1/20 s), so that a restaurant's side
# requests can overlap at the server.
LATENCY = 0.15
RESTAURANTS = 6  # more threads sending at once than requests' default pool of 10 connections
DAYS = 40  # long enough for requests' default pool to churn connections
ORDERS_PER_DAY = 3
CASH = ("/cashmgmt/v1/entries", "/cashmgmt/v1/deposits")


def _sync(
    tmp_path: Path, workers: int, restaurants: int, days: int = DAYS
) -> tuple[FakeToast, Project]:
    """Sync a generated world of `days` days (cash every day) with `workers` workers."""
    start = FIXED_NOW.date() - timedelta(days=days + SETTLED_DAYS)  # all before the sync's now
    world = GeneratedWorld(restaurants, days, ORDERS_PER_DAY, start=start)
    project = Project(tmp_path / f"workers-{workers}")
    with toast_server(world, latency_seconds=LATENCY, enforce_rate_limits=True) as server:
        configuration = make_configuration(
            server, initialSyncStart=f"{start.isoformat()}T00:00:00.000Z", maxWorkers=str(workers)
        )
        project.sync(configuration)
    return server, project


def everything(server: FakeToast) -> oracle.Expected:
    """Every row a sync of the generated world of `server` must leave (it starts on its first
    business day, as `_sync`'s initialSyncStart does)."""
    first = server.world.first_day
    start = datetime(first.year, first.month, first.day, tzinfo=timezone.utc)
    return oracle.expected_warehouse(server.world, start, FIXED_NOW)


def _most_at_once(requests: list[RecordedRequest], counted) -> int:
    """The most requests the server was serving at one moment (arrival + its latency), among
    those `counted(request, other)` keeps for a request."""
    return max(
        sum(
            1
            for other in requests
            if counted(request, other) and other.time <= request.time < other.time + LATENCY
        )
        for request in requests
    )


@pytest.fixture(scope="module")
def parallel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FakeToast, Project]]:
    with pytest.MonkeyPatch.context() as patch:
        # The server closes a connection idle for 30 s; on a slow machine a pooled one can be,
        # and its reopening is no churn.
        patch.setattr(server_module._Handler, "timeout", 600)
        yield _sync(tmp_path_factory.mktemp("concurrency"), RESTAURANTS, RESTAURANTS)


@SLOW
def test_restaurants_are_fetched_side_by_side(parallel) -> None:
    server, _ = parallel
    restaurant_requests = [r for r in server.requests if r.restaurant]
    busy_locations = max(
        len({o.restaurant for o in restaurant_requests if o.time <= r.time < o.time + LATENCY})
        for r in restaurant_requests
    )
    assert busy_locations == RESTAURANTS


@SLOW
def test_cash_business_days_of_one_restaurant_are_fetched_side_by_side(parallel) -> None:
    server, _ = parallel
    cash = [r for r in server.requests if r.path in CASH]
    per_restaurant = _most_at_once(cash, lambda r, other: r.restaurant == other.restaurant)
    assert 2 <= per_restaurant <= connector._SIDE_REQUESTS_PER_RESTAURANT


@SLOW
def test_configuration_endpoints_of_one_restaurant_are_listed_side_by_side(parallel) -> None:
    server, project = parallel
    listings = [r for r in server.requests if r.path.startswith(("/config/", "/labor/v1/jobs"))]
    per_restaurant = _most_at_once(
        listings, lambda r, other: r.restaurant == other.restaurant and r.path != other.path
    )
    assert 1 <= per_restaurant < connector._SIDE_REQUESTS_PER_RESTAURANT
    paged = [r for r in listings if r.path == "/config/v2/menuItems"]
    assert len(paged) > RESTAURANTS  # menu items come in several pages per restaurant
    differences = oracle.compare(everything(server), project.warehouse)
    configuration = [str(d) for d in differences if d.table in ("menu_item", "discounts")]
    assert configuration == []  # every page of every listing, value for value


@SLOW
def test_concurrent_fetching_keeps_toasts_limits_and_fetches_each_day_once(parallel) -> None:
    server, project = parallel
    # Real time: the client admits at most 20 requests of a location in any 1.1 s (limit plus
    # connector._RATE_WINDOW_MARGIN_SECONDS); the server's limiter (1 s) holds unless the machine
    # delays one request 0.1 s more than a later one on its way: that is the tolerance.
    assert server.rate_limited_count == 0
    assert server.stats()["internal_errors"] == 0
    cash = [
        (r.restaurant, r.path, r.params["businessDate"]) for r in server.requests if r.path in CASH
    ]
    assert len(cash) == len(set(cash))
    expected = {
        kind: sum(
            len(server.world.cash_objects(restaurant, kind, day))
            for restaurant, path, day in cash
            if path.endswith(kind)
        )
        for kind in ("entries", "deposits")
    }
    assert expected["entries"] == 2 * RESTAURANTS * DAYS  # every day of the world was asked for
    oracle.assert_warehouse_matches(project.warehouse, everything(server))


@SLOW
def test_no_request_is_sent_twice_and_lists_come_once_per_sync(parallel) -> None:
    server, _ = parallel
    sent = Counter(
        (r.method, r.restaurant, r.path, tuple(sorted(r.params.items()))) for r in server.requests
    )
    assert [request for request, times in sent.items() if times > 1] == []
    for path in ("/labor/v1/jobs", "/labor/v1/employees", "/config/v2/menuItems"):
        first_pages = Counter(
            r.restaurant for r in server.requests if r.path == path and "pageToken" not in r.params
        )
        assert first_pages == dict.fromkeys(server.world.restaurant_guids, 1), path
    bulk = [r for r in server.requests if r.path == "/orders/v2/ordersBulk"]
    assert bulk and {r.params["pageSize"] for r in bulk} == {"100"}


@SLOW
def test_every_thread_keeps_one_connection_alive(parallel) -> None:
    server, _ = parallel
    threads = connector.connections_needed(RESTAURANTS)
    assert len(server.requests) > 10 * threads  # enough requests to show churn if any
    assert server.connections_opened <= threads


@SLOW
def test_one_worker_fetches_one_restaurant_at_a_time(tmp_path: Path) -> None:
    server, project = _sync(tmp_path, workers=1, restaurants=2, days=8)
    restaurant_requests = [r for r in server.requests if r.restaurant]
    other_restaurants = _most_at_once(
        restaurant_requests, lambda r, other: r.restaurant != other.restaurant
    )
    assert other_restaurants == 0
    oracle.assert_warehouse_matches(project.warehouse, everything(server))


# ------------------------------------------------------------------ the hand-off to the emitter


def _batch(rows: int) -> connector.Batch:
    return connector.Batch("r", [(connector.CASH_ENTRY, {"id": str(n)}) for n in range(rows)])


def test_the_hand_off_holds_many_small_batches_but_bounds_the_rows() -> None:
    hand_off = connector._HandOff(max_rows=100)
    for _ in range(100):
        hand_off.put(_batch(1))  # would block with a bound in batches
    blocked = threading.Thread(target=hand_off.put, args=(_batch(1),), daemon=True)
    blocked.start()
    blocked.join(0.5)
    assert blocked.is_alive()  # full: waits for the emitter
    hand_off.get()
    blocked.join(2)
    assert not blocked.is_alive()
    assert [len(hand_off.get().rows) for _ in range(100)] == [1] * 100


def test_a_batch_larger_than_the_bound_waits_for_an_empty_hand_off_then_goes_through() -> None:
    hand_off = connector._HandOff(max_rows=10)
    hand_off.put(_batch(3))
    big = threading.Thread(target=hand_off.put, args=(_batch(50),), daemon=True)
    big.start()
    big.join(0.5)
    assert big.is_alive()
    assert len(hand_off.get().rows) == 3
    big.join(2)
    assert len(hand_off.get().rows) == 50


def test_a_large_batch_is_not_starved_by_workers_that_keep_the_hand_off_busy() -> None:
    """A restaurant's big configuration listing must get through while other restaurants keep
    putting small batches (it waits for an empty hand-off; later batches wait behind it)."""
    hand_off = connector._HandOff(max_rows=10)
    stop = threading.Event()

    def small_batches() -> None:
        with contextlib.suppress(connector.SyncCancelled):
            while not stop.is_set():
                hand_off.put(_batch(1))

    def emitter() -> None:
        while not stop.is_set():
            hand_off.get()
            time.sleep(0.001)

    threads = [threading.Thread(target=small_batches, daemon=True) for _ in range(4)]
    threads.append(threading.Thread(target=emitter, daemon=True))
    for thread in threads:
        thread.start()
    time.sleep(0.2)  # the hand-off is busy
    big = threading.Thread(target=hand_off.put, args=(_batch(50),), daemon=True)
    big.start()
    big.join(5)
    stop.set()
    hand_off.cancelled.set()
    assert not big.is_alive()


def test_a_worker_waiting_on_a_full_hand_off_stops_when_the_sync_fails() -> None:
    hand_off = connector._HandOff(max_rows=1)
    hand_off.put(_batch(1))
    outcome: list[BaseException] = []

    def put() -> None:
        try:
            hand_off.put(_batch(1))
        except connector.SyncCancelled as cancelled:
            outcome.append(cancelled)

    waiting = threading.Thread(target=put, daemon=True)
    waiting.start()
    hand_off.cancelled.set()
    waiting.join(2)
    assert len(outcome) == 1
