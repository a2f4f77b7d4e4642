"""Debts (work Toast refused, kept in state) and the ordersBulk pager's stopping rules."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from fivetran_connector_sdk import Logging

import connector as c
from tests.conftest import toast_client, toast_server
from tests.fake_toast import R3, FakeToast, Fault, World
from tests.fake_toast.builders import bulk_orders

T0 = datetime(2026, 11, 1, tzinfo=timezone.utc)
ORDERS = "/orders/v2/ordersBulk"


def debt(start_days: float, end_days: float, **fields) -> c.Debt:
    return c.Debt(
        fields.pop("endpoint", ORDERS),
        fields.pop("first_failure", T0),
        fields.pop("last_error", "HTTP 403"),
        start=T0 + timedelta(days=start_days),
        end=T0 + timedelta(days=end_days),
        **fields,
    )


def test_a_debt_survives_state_as_it_was() -> None:
    windowed = debt(0, 30, attempts=2)
    config = c.Debt("/config/v2/menus", T0, "HTTP 401", since=T0 - timedelta(hours=6))
    listing = c.Debt("/labor/v1/jobs", T0, "HTTP 403")
    for original in (windowed, config, listing):
        assert c.Debt.from_state(original.to_state()) == original
    assert windowed.to_state() == {
        "endpoint": ORDERS,
        "firstFailure": "2026-11-01T00:00:00.000+0000",
        "attempts": 2,
        "lastError": "HTTP 403",
        "start": "2026-11-01T00:00:00.000+0000",
        "end": "2026-12-01T00:00:00.000+0000",
    }


def test_touching_ranges_of_one_age_merge_and_others_stay_apart() -> None:
    """Parts first refused on the same day become one, with the younger age (the later failure,
    the fewer attempts); another endpoint, a gap or another day keeps them apart."""
    later = T0 + timedelta(hours=5)
    merged = c.merge_debts(
        [
            debt(10, 20, first_failure=later, attempts=1, last_error="new"),
            debt(0, 10, attempts=3),
            debt(25, 26),
            debt(0, 10, endpoint="/labor/v1/shifts"),
        ]
    )
    assert [(d.endpoint, d.start, d.end, d.first_failure, d.attempts) for d in merged] == [
        ("/labor/v1/shifts", T0, T0 + timedelta(days=10), T0, 1),
        (ORDERS, T0, T0 + timedelta(days=20), later, 1),
        (ORDERS, T0 + timedelta(days=25), T0 + timedelta(days=26), T0, 1),
    ]
    assert merged[1].last_error == "new"


def test_a_range_refused_days_later_keeps_its_own_age_and_is_not_given_up_with_the_older() -> None:
    """Issue 20, item 6: a range first refused on day 6, touching and overlapping one first
    refused on day 0, is not given up on day 7 with it; only the older part is."""
    day6 = T0 + timedelta(days=6)
    merged = c.merge_debts(
        [debt(0, 10, attempts=5), debt(8, 20, first_failure=day6, attempts=1, last_error="new")]
    )
    assert [(d.start, d.end, d.first_failure, d.attempts) for d in merged] == [
        (T0, T0 + timedelta(days=8), T0, 5),
        (T0 + timedelta(days=8), T0 + timedelta(days=20), day6, 1),  # the overlap is younger
    ]
    day7 = T0 + timedelta(days=7)
    assert [d.given_up(day7) for d in merged] == [True, False]


def test_what_a_retried_debt_still_owes_outside_its_range_keeps_its_own_age() -> None:
    """A debt of days 0-10, first refused on day 0, is asked again on day 6. Its endpoint had
    been absent (404) from day -2 to day 12 and answers again, so that whole range is owed anew
    (Asking._back), as is a part refused today. Only the piece inside the debt's range is a
    failure of the debt (its age, one more attempt); the rest is new work, first owed today,
    and is not given up with the old debt."""
    old = debt(0, 10, attempts=3)
    day6 = T0 + timedelta(days=6)
    back = debt(-2, 12, first_failure=day6, last_error="absent (404) meanwhile")
    refused = debt(4, 5, first_failure=day6, last_error="HTTP 403 again")
    owed = c.merge_debts([*old.owed_after_retry(back), *old.owed_after_retry(refused)])
    assert [(d.start, d.end, d.first_failure, d.attempts) for d in owed] == [
        (T0 - timedelta(days=2), T0, day6, 1),
        (T0, T0 + timedelta(days=10), T0, 4),
        (T0 + timedelta(days=10), T0 + timedelta(days=12), day6, 1),
    ]
    assert [d.last_error for d in owed] == ["absent (404) meanwhile"] * 3
    # a day later, only the debt's own range has failed long and often enough to be given up
    assert [d.given_up(T0 + timedelta(days=7)) for d in owed] == [False, True, False]


def test_an_endpoint_refused_at_every_hourly_sync_owes_one_part_per_day() -> None:
    """State stays bounded: a week of hourly refusals (each sync's new range touching the last)
    is one part per day of first failure, not one per sync."""
    hourly = [
        debt(hour / 24, (hour + 1) / 24, first_failure=T0 + timedelta(hours=hour))
        for hour in range(7 * 24)
    ]
    merged = c.merge_debts(hourly)
    assert [(d.start, d.end) for d in merged] == [
        (T0 + timedelta(days=day), T0 + timedelta(days=day + 1)) for day in range(7)
    ]
    assert [d.first_failure for d in merged] == [
        T0 + timedelta(days=day, hours=23) for day in range(7)
    ]


def test_an_unwindowed_endpoint_owes_once_since_the_earliest_change() -> None:
    earlier, later = T0 - timedelta(days=2), T0 - timedelta(days=1)
    merged = c.merge_debts(
        [
            c.Debt("/config/v2/menus", T0, "a", attempts=2, since=later),
            c.Debt("/config/v2/menus", T0 + timedelta(days=1), "b", since=earlier),
        ]
    )
    assert [(d.since, d.first_failure, d.attempts) for d in merged] == [(earlier, T0, 2)]
    whole = c.merge_debts(
        [c.Debt("/config/v2/menus", T0, "a", since=later), c.Debt("/config/v2/menus", T0, "b")]
    )
    assert [d.since for d in whole] == [None]  # a whole listing covers any changes


@pytest.mark.parametrize(
    ("attempts", "days", "given_up"),
    [(3, 7, True), (2, 30, False), (10, 6.9, False), (3, 8, True)],
)
def test_a_debt_is_given_up_after_enough_syncs_and_enough_days(
    attempts: int, days: float, given_up: bool
) -> None:
    owed = debt(0, 1, attempts=attempts)
    assert owed.given_up(T0 + timedelta(days=days)) is given_up


def test_a_business_day_is_the_range_from_its_closeout_hour_to_the_next_across_dst() -> None:
    los_angeles = ZoneInfo("America/Los_Angeles")
    assert c.business_day_range("20260930", los_angeles, 3) == (
        datetime(2026, 9, 30, 10, tzinfo=timezone.utc),
        datetime(2026, 10, 1, 10, tzinfo=timezone.utc),
    )
    # Daylight saving time ends at 02:00 on 2026-11-01 in Los Angeles: the business day of
    # 2026-10-31, which runs to 03:00 that morning, lasts 25 hours.
    start, end = c.business_day_range("20261031", los_angeles, 3)
    assert end - start == timedelta(hours=25)
    window = c.Window(start, end)
    assert c.business_dates(window, los_angeles, 3, 0) == ["20261031"]


@pytest.fixture(autouse=True)
def _logging() -> None:
    Logging.LOG_LEVEL = Logging.Level.INFO  # `fivetran debug` sets it; these tests call no runner


def _pages(server: FakeToast) -> list[tuple[int, int]]:
    client = toast_client(server)
    params = {"startDate": "2026-10-27T00:00:00.000+0000", "endDate": "2026-11-20T00:00:00.000Z"}
    endpoint = c.PER_WINDOW[0]
    try:
        return [
            (number, len(page))
            for number, page in c.iter_numbered_pages(client, endpoint, R3, params)
        ]
    finally:
        client.close()


def test_the_pager_stops_where_toasts_link_header_has_no_next_page() -> None:
    world = World.load()
    world.add_orders(R3, bulk_orders(200, "2026-11-01T00:00:00.000+0000"))
    with toast_server(world=world) as server:
        pages = _pages(server)
        asked = [r.params["page"] for r in server.requests_to(ORDERS)]
    assert pages == [(1, 100), (2, 100)]
    assert asked == ["1", "2"]  # a full last page: no request for an empty third


def _first_pages(world: World, count: int) -> list[list[dict]]:
    in_range = [o for o in world.orders[R3] if o["modifiedDate"] >= "2026-10-27"]
    ordered = sorted(in_range, key=lambda o: (o["modifiedDate"], o["guid"]))
    return [ordered[n * 100 : (n + 1) * 100] for n in range(count)]


def _next_link(server: FakeToast) -> dict[str, str | None]:
    return {"Link": f'<{server.base_url}{ORDERS}?page=9>; rel="next"'}


def test_the_pager_refuses_a_page_that_repeats_the_one_before() -> None:
    world = World.load()
    world.add_orders(R3, bulk_orders(250, "2026-11-01T00:00:00.000+0000"))
    first_page = _first_pages(world, 1)[0]
    with toast_server(world=world) as server:
        repeat = Fault(status=200, body=first_page, params={"page": "2"}, headers={"Link": None})
        server.script("GET", ORDERS, repeat)
        with pytest.raises(c.PagingDrift, match="repeats"):
            _pages(server)
        asked = [r.params["page"] for r in server.requests_to(ORDERS)]
    assert asked == ["1", "2"]


def test_the_pager_refuses_a_cycle_of_pages() -> None:
    """Pages A, B, A, B, ... each announcing a next one (issue 20, item 4): not an endless
    listing, and not a listing that ends as if complete."""
    world = World.load()
    world.add_orders(R3, bulk_orders(250, "2026-11-01T00:00:00.000+0000"))
    page_a, page_b = _first_pages(world, 2)
    with toast_server(world=world) as server:
        cycle = [
            Fault(status=200, body=body, params={"page": str(n)}, headers=_next_link(server))
            for n, body in zip(range(3, 9), [page_a, page_b] * 3, strict=True)
        ]
        server.script("GET", ORDERS, *cycle)
        with pytest.raises(c.PagingDrift, match="repeats"):
            _pages(server)
        asked = [r.params["page"] for r in server.requests_to(ORDERS)]
    assert asked == ["1", "2", "3"]


def test_the_pager_refuses_an_announced_page_that_comes_back_empty() -> None:
    """Page 1 says there is a page 2; page 2 is empty: an order left the range meanwhile
    (issue 20, item 2), so what page 1 held is not known to be all."""
    world = World.load()
    world.add_orders(R3, bulk_orders(101, "2026-11-01T00:00:00.000+0000"))
    with toast_server(world=world) as server:
        server.script("GET", ORDERS, Fault(status=200, body=[], params={"page": "2"}))
        with pytest.raises(c.PagingDrift, match="empty"):
            _pages(server)


def test_the_pager_stops_after_a_bounded_number_of_pages(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(c, "_MAX_OFFSET_PAGES", 2)
    world = World.load()
    world.add_orders(R3, bulk_orders(250, "2026-11-01T00:00:00.000+0000"))
    with toast_server(world=world) as server:
        with pytest.raises(c.PagingDrift, match="more than 2 pages"):
            _pages(server)
        asked = [r.params["page"] for r in server.requests_to(ORDERS)]
    assert asked == ["1", "2"]
