"""ordersBulk requests for one busy location's 30-day window, against the minimum of full pages.

Orders are read in slices of less than a page each (connector.OrdersReader._window), so
a window costs more requests than ceil(orders / 100) full pages would. This prints that cost on
a generated world (150 orders a day, spread over service hours as `GeneratedWorld` makes them),
for a first window (the slice length learnt from nothing) and a second one (learnt from the
first, as a long initial sync goes on). Run from the repository root:

    .venv/bin/python -m tests.bench.orders_slices [--days 30] [--orders-per-day 150]
"""

from __future__ import annotations

import argparse
import math
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from fivetran_connector_sdk import Logging

import connector as c
from tests.conftest import make_configuration, toast_server, virtual_time
from tests.fake_toast.generate import GeneratedWorld

ORDERS = "/orders/v2/ordersBulk"


def measure(days: int, orders_per_day: int, seed: int = 0) -> list[tuple[int, int, int]]:
    """(orders, requests, minimum) of two consecutive `days`-long windows."""
    world = GeneratedWorld(1, 3 * days, orders_per_day, date(2026, 1, 1), seed)
    guid = world.restaurant_guids[0]
    start = datetime(2026, 1, 1, tzinfo=timezone.utc) + timedelta(days=days // 2)
    windows = c.plan_windows(start, start + timedelta(days=2 * days), days)
    Logging.LOG_LEVEL = Logging.Level.WARNING
    results = []
    with toast_server(world=world) as server, ThreadPoolExecutor(1) as pool, virtual_time():
        settings = c.validate_configuration(make_configuration(server))
        client = c.ToastClient(settings, c.TokenCache(settings.fernet, None))
        restaurant = c.Restaurant(guid, ZoneInfo("UTC"), 4)
        sync = c.RestaurantSync(client, restaurant, lambda _: None, pool, windows[-1].end, start)
        try:
            for window in windows:
                before = len(server.requests_to(ORDERS))
                assert sync.fetch(window, c.PER_WINDOW[:1]) == []
                asked = len(server.requests_to(ORDERS)) - before
                orders = world.order_count(guid, window.start, window.end)
                results.append((orders, asked, math.ceil(orders / c._ORDERS_PAGE_SIZE)))
        finally:
            client.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--orders-per-day", type=int, default=150)
    arguments = parser.parse_args()
    for number, (orders, asked, minimum) in enumerate(
        measure(arguments.days, arguments.orders_per_day), 1
    ):
        print(
            f"window {number} ({arguments.days} days, {orders} orders): {asked} ordersBulk "
            f"requests, minimum {minimum} full pages, {asked / minimum:.2f}x"
        )


if __name__ == "__main__":
    main()
