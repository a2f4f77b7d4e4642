"""The check after offset paging (connector.OrdersReader._offset_paged): a range under the slice
floor that holds a full page is paged by offset, and then the orders modified since paging began
are asked, to find any served order that moved while the pages were read (moving shifts the
later orders one place up, so the first order of the next page is never served).

Issue 20, item 3: the check must not itself be paged by offset, or an edit between its pages
hides the one order that proves drift. Item 5: an order counts as moved only if it was served
with another modifiedDate, so a range paged in the check's clock margin is not read twice.

Each test reads one window through the connector's OrdersReader against the fake Toast on a
fixed clock, and asserts on the requests the fake saw and the orders handed to the emitter.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fivetran_connector_sdk import Logging

import connector as c
from tests.conftest import FIXED_NOW, toast_client
from tests.fake_toast import R3, World
from tests.fake_toast.builders import bulk_orders, make_order
from tests.fake_toast.server import FakeToast, Request
from tests.fake_toast.world import format_ts
from tests.resilience.live import ORDERS_PATH, Clock, serve

CHECK_START = format_ts(FIXED_NOW - timedelta(minutes=c._PAGING_CLOCK_MARGIN_MINUTES))


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    Logging.LOG_LEVEL = Logging.Level.INFO  # `fivetran debug` sets it; these tests call no runner
    fixed = Clock(FIXED_NOW)
    monkeypatch.setattr(c, "NOW", fixed)
    return fixed


def _read_window(server: FakeToast, hours: float) -> tuple[list[c.Debt], dict[str, str]]:
    """R3's orders modified in the last `hours`, read by the connector's OrdersReader: the
    debts, and guid -> modifiedDate of the last version of every order handed over."""
    client = toast_client(server)
    handed: dict[str, str] = {}

    def put(batch: Any) -> None:
        if isinstance(batch, c.Batch) and batch.parent is not None:
            _, guid, modified = batch.parent
            handed[guid] = modified

    restaurant = c.Restaurant(R3, ZoneInfo("America/New_York"), 4)
    asking = c.Asking(client, restaurant, put, FIXED_NOW)
    window = c.Window(FIXED_NOW - timedelta(hours=hours), FIXED_NOW)
    try:
        return c.OrdersReader(asking).read(c.PER_WINDOW[0], window), handed
    finally:
        client.close()


def _pages_of(server: FakeToast, start: str, end: str | None = None) -> list[str]:
    """The pages asked of the range from `start` (to `end`, if given)."""
    return [
        r.params.get("page", "1")
        for r in server.requests_to(ORDERS_PATH)
        if r.params.get("startDate") == start and end in (None, r.params.get("endDate"))
    ]


def test_an_edit_between_the_checks_requests_does_not_hide_the_order_that_moved(
    clock: Clock,
) -> None:
    """A burst of 120 orders an hour ago is paged by offset. Before its page 2, order X of
    page 1 is edited: X leaves the range and Z, the first order of page 2, slides onto page 1
    and is not served. 100 other orders changed in the check's five minutes, stamped before X,
    so X is the 101st the check finds; after the check's first request one of those is edited
    again. Paged by offset, the check's page 2 would start one order late and skip X, so the
    drift went unseen and Z was lost. Asked in slices of less than a page, it finds X, and the
    pages from page 1 are read again: every order is handed over, in its last version."""
    world = World.load()
    burst = bulk_orders(120, FIXED_NOW - timedelta(hours=1), step_seconds=0.25, prefix="0b")
    busy = [
        make_order(f"0c000000-0000-4000-8000-{n:012d}", format_ts(moment))
        for n, moment in enumerate(
            FIXED_NOW - timedelta(minutes=4, seconds=-n) for n in range(100)
        )
    ]
    world.add_orders(R3, [*burst, *busy])
    x, z = burst[10]["guid"], burst[100]["guid"]
    moves: list[str] = []

    def move(guid: str, moment: str) -> None:
        order = next(o for o in world.orders[R3] if o["guid"] == guid)
        order["modifiedDate"] = moment
        moves.append(guid)

    def before(request: Request) -> None:
        if request.params.get("page") == "2" and not moves:  # between the burst's pages
            move(x, format_ts(FIXED_NOW - timedelta(seconds=30)))

    def after(request: Request, _: Any) -> None:
        if request.params.get("startDate") == CHECK_START and len(moves) == 1:
            move(busy[0]["guid"], format_ts(FIXED_NOW - timedelta(seconds=10)))

    with serve(world, clock) as server:
        server.live(before, after)
        owed, handed = _read_window(server, hours=2)
        check = _pages_of(server, CHECK_START)

    assert moves == [x, busy[0]["guid"]]  # both edits happened, in that order
    assert owed == []
    assert z in handed
    assert {o["guid"] for o in burst} <= set(handed)
    expected = {o["guid"]: o["modifiedDate"] for o in world.orders[R3] if o["guid"] in handed}
    assert handed == expected  # every order in its last version
    assert check and set(check) == {"1"}  # the check is never paged by offset


def test_a_range_paged_in_the_checks_margin_is_not_read_again_when_nothing_moved(
    clock: Clock,
) -> None:
    """120 orders within 30 s straddle the start of the check's five-minute margin: the check
    finds the 60 of them modified in the margin, served by the paging with the same
    modifiedDate. Nothing moved, so the range is paged once (pages 1 and 2), not read again
    from page 1 in a second pass, and nothing is owed."""
    world = World.load()
    start = FIXED_NOW - timedelta(minutes=c._PAGING_CLOCK_MARGIN_MINUTES, seconds=15)
    burst = bulk_orders(120, start, step_seconds=0.25, prefix="0b")
    world.add_orders(R3, burst)
    with serve(world, clock) as server:
        owed, handed = _read_window(server, hours=2)
        second = [r for r in server.requests_to(ORDERS_PATH) if r.params.get("page") == "2"]
        paged = second[0].params if second else {"startDate": "", "endDate": ""}
        pages = _pages_of(server, paged["startDate"], paged["endDate"])
    assert owed == []
    assert {o["guid"] for o in burst} <= set(handed)
    # the slice that found a full page asked page 1, then the offset paging pages 1 and 2, once
    assert pages == ["1", "1", "2"]
