"""The table registry, schema(), configuration validation, and the HTTP policy functions."""

from __future__ import annotations

import itertools
import time
from datetime import datetime, timezone

import pytest
from cryptography.fernet import Fernet

import connector as c

CONTRACT_TABLES = {
    "restaurant",
    "alternate_payment_types",
    "dining_option",
    "discounts",
    "menu",
    "menu_group",
    "menu_item",
    "restaurant_service",
    "revenue_center",
    "sale_category",
    "service_area",
    "tables",
    "tax_rate",
    "service_charge",
    "void_reason",
    "no_sale_reason",
    "payout_reason",
    "cash_drawer",
    "break_type",
    "price_group",
    "menu_option_group",
    "pre_modifier",
    "pre_modifier_group",
    "printer",
    "job",
    "employee",
    "employee_job_reference",
    "employee_wage_override",
    "shift",
    "time_entry",
    "break",
    "cash_entry",
    "cash_deposit",
    "orders",
    "orders_check",
    "orders_check_selection",
    "orders_check_selection_modifier",
    "orders_check_selection_applied_tax",
    "orders_check_selection_applied_discount",
    "orders_check_selection_applied_discount_trigger",
    "orders_check_applied_discount",
    "orders_check_applied_discount_trigger",
    "orders_check_applied_discount_combo_item",
    "orders_check_applied_service_charge",
    "orders_check_payment",
    "payment",
    "orders_pricing_feature",
    "tip_withholding",
    "published_menu",
    "published_menu_group",
    "published_menu_item",
    "published_menu_item_placement",
    "published_menu_item_price",
    "published_menu_item_modifier_group",
    "published_modifier_group",
    "published_modifier_option",
    "published_modifier_option_modifier_group",
}


GOOD = {
    "clientId": "id",
    "clientSecret": "very-secret-value",
    "userAccessType": "TOAST_MACHINE_CLIENT",
    "domain": "ws-api.toasttab.com",
    "initialSyncStart": "2024-01-01T00:00:00.000Z",
    "key": Fernet.generate_key().decode(),
}


def test_schema_declares_every_contract_table_exactly_once() -> None:
    names = [entry["table"] for entry in c.schema(GOOD)]
    assert len(names) == len(set(names))
    assert set(names) == CONTRACT_TABLES


def test_every_primary_key_is_unique_on_its_own_or_includes_the_parent() -> None:
    for table in c.ALL_TABLES:
        key = set(table.primary_key)
        assert key, table.name
        own_id = "id" in key and table.key in ("guid", "guid_or_hash", "hash")
        assert own_id or key & set(table.foreign_keys), table.name


def test_per_restaurant_objects_are_keyed_by_restaurant_too() -> None:
    per_restaurant = [*c.CONFIG_TABLES.values(), c.JOB, c.EMPLOYEE]
    assert all("restaurantId" in table.primary_key for table in per_restaurant)


def test_schema_rejects_a_bad_configuration_naming_the_key() -> None:
    with pytest.raises(c.ConfigurationError, match="'key'"):
        c.schema({**GOOD, "key": "short"})


NOW = datetime(2026, 11, 23, tzinfo=timezone.utc)


def test_a_good_configuration_is_parsed() -> None:
    settings = c.validate_configuration(GOOD, NOW)
    assert settings.base_url == "https://ws-api.toasttab.com"
    assert settings.initial_sync_start == datetime(2024, 1, 1, tzinfo=timezone.utc)
    assert settings.restaurant_guids == ()
    assert settings.max_workers == c._MAX_WORKERS  # an upper bound: one worker per restaurant
    assert "very-secret-value" not in repr(settings)


def test_an_explicit_scheme_and_port_are_honoured() -> None:
    settings = c.validate_configuration({**GOOD, "domain": "http://127.0.0.1:8123"}, NOW)
    assert settings.base_url == "http://127.0.0.1:8123"


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        pytest.param({"clientId": ""}, "clientId", id="missing-client"),
        pytest.param({"clientSecret": None}, "clientSecret", id="missing-secret"),
        pytest.param({"userAccessType": "HUMAN"}, "userAccessType", id="access-type"),
        pytest.param({"domain": "ws-api.toasttab.com/orders"}, "domain", id="domain-path"),
        pytest.param({"initialSyncStart": "last tuesday"}, "initialSyncStart", id="not-iso"),
        pytest.param(
            {"initialSyncStart": "2027-01-01T00:00:00Z"}, "initialSyncStart", id="future"
        ),
        pytest.param({"key": "not-a-fernet-key"}, "key", id="bad-key"),
        pytest.param({"restaurantGuids": "abc, 123"}, "restaurantGuids", id="bad-guids"),
        pytest.param({"maxWorkers": "0"}, "maxWorkers", id="workers"),
        pytest.param(
            {"ordersBulkSpacingSeconds": "-1"}, "ordersBulkSpacingSeconds", id="spacing<0"
        ),
        pytest.param(
            {"ordersBulkSpacingSeconds": "61"}, "ordersBulkSpacingSeconds", id="spacing>60"
        ),
        pytest.param(
            {"ordersBulkSpacingSeconds": "7 s"}, "ordersBulkSpacingSeconds", id="spacing"
        ),
        pytest.param({"ordersBulkSpacingSeconds": "nan"}, "ordersBulkSpacingSeconds", id="nan"),
        pytest.param({"managementGroupGuid": "x"}, "managementGroupGuid", id="group-guid"),
        pytest.param(
            {"managementGroupGuid": "10000000-0000-4000-8000-000000000001"},
            "managementGroupGuid",
            id="group-without-member",
        ),
    ],
)
def test_a_bad_configuration_names_the_key(changes: dict, named: str) -> None:
    with pytest.raises(c.ConfigurationError, match=f"'{named}'") as raised:
        c.validate_configuration({**GOOD, **changes}, NOW)
    assert "very-secret-value" not in str(raised.value)


@pytest.mark.parametrize(
    ("spacing", "limit"),
    [
        ("", c._ORDERS_BULK_LIMIT),
        ("0", c._ORDERS_BULK_LIMIT),
        ("0.2", c._ORDERS_BULK_LIMIT),  # 5 per second already spaces calls 0.2 s apart
        ("7.5", c.RateLimit("ordersBulk", 1, 7.5)),
        ("60", c.RateLimit("ordersBulk", 1, 60.0)),
    ],
)
def test_orders_bulk_spacing_slows_orders_bulk_and_never_speeds_it_up(
    spacing: str, limit: c.RateLimit
) -> None:
    settings = c.validate_configuration({**GOOD, "ordersBulkSpacingSeconds": spacing}, NOW)
    assert settings.orders_bulk_limit == limit


def test_restaurant_guids_are_parsed_and_deduplicated() -> None:
    guid = "11111111-0000-4000-8000-000000000001"
    settings = c.validate_configuration(
        {**GOOD, "restaurantGuids": f"{guid}, {guid.upper()}"}, NOW
    )
    assert settings.restaurant_guids == (guid,)


def test_secret_never_shows_itself() -> None:
    secret = c.Secret("hunter2")
    assert "hunter2" not in repr(secret)
    assert "hunter2" not in str(secret)
    assert "hunter2" not in f"{secret}"
    assert secret.reveal() == "hunter2"


@pytest.mark.parametrize(
    ("status", "headers", "attempt", "kind"),
    [
        pytest.param(200, {}, 1, "ok", id="ok"),
        pytest.param(401, {}, 1, "reauth", id="unauthorized"),
        pytest.param(409, {}, 1, "restart", id="conflict"),
        pytest.param(429, {"Retry-After": "3"}, 1, "retry", id="rate-limited"),
        pytest.param(429, {}, c._MAX_RATE_LIMITED_ATTEMPTS, "halt", id="rate-limited-forever"),
        pytest.param(500, {}, 1, "retry", id="server-error"),
        pytest.param(None, {}, 2, "retry", id="no-response"),
        pytest.param(503, {}, c._MAX_TRANSIENT_ATTEMPTS, "halt", id="outage"),
        pytest.param(403, {}, 1, "skip", id="forbidden"),
        pytest.param(400, {}, 1, "skip", id="bad-request"),
        pytest.param(418, {}, 1, "halt", id="unexpected"),
    ],
)
def test_classify_response(status: int | None, headers: dict, attempt: int, kind: str) -> None:
    assert c.classify_response(status, headers, attempt, 1_000.0).kind == kind


def test_rate_limited_waits_follow_retry_after_or_the_reset_header() -> None:
    assert c.classify_response(429, {"Retry-After": "7"}, 1, 1_000.0).wait_seconds == 7
    reset = {"X-Toast-RateLimit-Reset": "1012"}
    assert c.classify_response(429, reset, 1, 1_000.0).wait_seconds == 12


def test_backoff_grows_exponentially_with_jitter_and_a_cap() -> None:
    for attempt, ceiling in [(1, 1), (2, 2), (3, 4), (4, 8), (10, c._BACKOFF_CAP_SECONDS)]:
        wait = c.backoff_seconds(attempt)
        assert ceiling / 2 <= wait <= ceiling


class FakeClock:
    """A clock that only moves when the limiter sleeps."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def sends(limiter: c.RateLimiter, clock: FakeClock, n: int, location: str, limit=None) -> list:
    times = []
    for _ in range(n):
        limiter.acquire(location, limit)
        times.append(clock.now)
    return times


def max_in_window(times: list[float], window: float) -> int:
    return max(sum(1 for t in times if start <= t < start + window) for start in times)


def test_limiter_keeps_a_location_under_twenty_per_second() -> None:
    clock = FakeClock()
    limiter = c.RateLimiter(clock, clock.sleep)
    times = sends(limiter, clock, 100, "r-1")
    assert max_in_window(times, 1.0) <= 20
    assert times[-1] < 5.5  # and does not wait much longer than it must


def test_limiter_keeps_orders_bulk_under_five_per_second_and_locations_apart() -> None:
    clock = FakeClock()
    limiter = c.RateLimiter(clock, clock.sleep)
    orders = sends(limiter, clock, 20, "r-1", c._ORDERS_BULK_LIMIT)
    assert max_in_window(orders, 1.0) <= 5
    before = clock.now
    limiter.acquire("r-2")
    assert clock.now == before  # another location has its own budget


def test_limiter_keeps_a_configured_orders_bulk_spacing() -> None:
    clock = FakeClock()
    limiter = c.RateLimiter(clock, clock.sleep)
    settings = c.validate_configuration({**GOOD, "ordersBulkSpacingSeconds": "7.5"}, NOW)
    orders = sends(limiter, clock, 5, "r-1", settings.orders_bulk_limit)
    gaps = [later - earlier for earlier, later in itertools.pairwise(orders)]
    assert min(gaps) >= 7.5
    assert max(gaps) < 7.5 + 2 * c._RATE_WINDOW_MARGIN_SECONDS  # no longer than it must
    before = clock.now
    limiter.acquire("r-1")  # other endpoints of the location are not held back
    assert clock.now - before < 1.0


def test_an_orders_bulk_spacing_equal_to_the_menus_limit_is_a_budget_of_its_own() -> None:
    # ordersBulkSpacingSeconds=1 makes ordersBulk's limit 1 per second, the menus' numbers:
    # keyed by numbers, the two shared one budget and each held the other back a second.
    clock = FakeClock()
    limiter = c.RateLimiter(clock, clock.sleep)
    settings = c.validate_configuration({**GOOD, "ordersBulkSpacingSeconds": "1"}, NOW)
    limiter.acquire("r-1", settings.orders_bulk_limit)
    limiter.acquire("r-1", c._MENUS_LIMIT)
    assert clock.now < 0.1  # only the location's even spacing
    limiter.acquire("r-1", settings.orders_bulk_limit)
    assert clock.now >= 1.0  # while ordersBulk keeps its own second


def test_limiter_spaces_requests_evenly_instead_of_bursting() -> None:
    clock = FakeClock()
    limiter = c.RateLimiter(clock, clock.sleep)
    times = sends(limiter, clock, 40, "r-1")
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert min(gaps) >= 1.0 / 20


def test_limiter_pause_holds_a_location() -> None:
    clock = FakeClock()
    limiter = c.RateLimiter(clock, clock.sleep)
    limiter.pause("r-1", 3.0)
    limiter.acquire("r-2")
    assert clock.now == 0.0
    limiter.acquire("r-1")
    assert clock.now == 3.0


def test_limiter_admits_a_late_thread_only_within_the_limit() -> None:
    clock = FakeClock()
    limiter = c.RateLimiter(clock, clock.sleep)
    sends(limiter, clock, 20, "r-1")
    clock.now += 0.5  # a thread wakes late: the window still holds 20 sends
    limiter.acquire("r-1")
    assert clock.now >= 1.0


def test_an_exhausted_slice_in_toasts_headers_pauses_the_location_until_its_reset() -> None:
    clock = FakeClock()
    settings = c.validate_configuration(GOOD, NOW)
    client = c.ToastClient(settings, c.TokenCache(settings.fernet, None), clock.sleep, clock)
    reset = {
        "X-Toast-RateLimit-Remaining": "0",
        "X-Toast-RateLimit-Reset": str(int(time.time()) + 5),
    }
    client._slow_down("r-1", reset)
    client.limiter.acquire("r-2")
    assert clock.now == 0.0
    client.limiter.acquire("r-1")
    assert 3.5 <= clock.now <= 5.5
    client._slow_down("r-1", {"X-Toast-RateLimit-Remaining": "7"})
    before = clock.now
    client.limiter.acquire("r-1")
    spacing = (1 + c._RATE_WINDOW_MARGIN_SECONDS) / 20
    assert clock.now - before <= spacing + 1e-9  # only the even spacing, no pause
    client.close()
