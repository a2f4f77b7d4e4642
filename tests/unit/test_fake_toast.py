"""Tests of the fake Toast server itself: its contracts, its recorded world and its faults."""

from __future__ import annotations

import base64
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.conftest import FIXED_NOW, toast_server
from tests.fake_toast import (
    CONFIG_ENDPOINTS,
    DEEP_MODIFIER_ORDER,
    DELETED_TIME_ENTRY_R1,
    EDGE_ORDER,
    MANAGEMENT_GROUP,
    MISSED_BREAK_TIME_ENTRY_R1,
    NULL_GUID_TAX_ORDER,
    R1,
    R2,
    R3,
    SANDBOX_CLIENT_ID,
    SANDBOX_CLIENT_SECRET,
    STRADDLE_CASH_DATE_R2,
    STRADDLE_SHIFT,
    FakeToast,
    Fault,
    World,
)
from tests.fake_toast.builders import bulk_guid, bulk_orders
from tests.fake_toast.generate import SETTLED_DAYS, GeneratedWorld

UTC = timezone.utc  # datetime.UTC needs Python 3.11; the project supports 3.10

ROOT = Path(__file__).resolve().parents[2]
LOGIN = "/authentication/v1/authentication/login"
SEPT = {"startDate": "2026-09-01T00:00:00.000+0000", "endDate": "2026-10-01T00:00:00.000+0000"}
OCT = {"startDate": "2026-10-01T00:00:00.000+0000", "endDate": "2026-10-31T00:00:00.000+0000"}
TOAST_TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$")


class Client:
    """A tiny Toast client for these tests: one session, one token."""

    def __init__(self, fake: FakeToast) -> None:
        self.fake = fake
        self.session = requests.Session()
        self.token = ""

    def login(self, secret: str = SANDBOX_CLIENT_SECRET) -> requests.Response:
        body = {
            "clientId": SANDBOX_CLIENT_ID,
            "clientSecret": secret,
            "userAccessType": "TOAST_MACHINE_CLIENT",
        }
        response = self.session.post(self.fake.base_url + LOGIN, json=body, timeout=5)
        if response.status_code == 200:
            self.token = response.json()["token"]["accessToken"]
        return response

    def get(
        self, path: str, restaurant: str | None = R1, token: str | None = None, **params: Any
    ) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.token if token is None else token}"}
        if restaurant is not None:
            headers["Toast-Restaurant-External-ID"] = restaurant
        return self.session.get(
            self.fake.base_url + path, headers=headers, params=params, timeout=5
        )


@pytest.fixture
def fake() -> Iterator[FakeToast]:
    """A fake serving the recorded world; fails the test on unused faults or fake bugs."""
    with toast_server(World.load()) as server:
        yield server
        assert server.unconsumed() == []
        assert server.internal_errors == []


@pytest.fixture
def client(fake: FakeToast) -> Client:
    logged_in = Client(fake)
    assert logged_in.login().status_code == 200
    return logged_in


def page_through_config(client: Client, endpoint: str, **params: Any) -> list[list[dict]]:
    pages, token = [], None
    while True:
        extra = {"pageToken": token} if token else {}
        response = client.get(f"/config/v2/{endpoint}", **params, **extra)
        assert response.status_code == 200, response.text
        pages.append(response.json())
        token = response.headers.get("Toast-Next-Page-Token")
        if token is None:
            return pages


def page_through_orders(client: Client, restaurant: str, **params: Any) -> list[dict]:
    orders, page = [], 1
    while True:
        response = client.get("/orders/v2/ordersBulk", restaurant, page=page, **params)
        assert response.status_code == 200, response.text
        orders.extend(response.json())
        if "next" not in response.links:
            return orders
        page += 1


def guids(records: list[dict]) -> list[str]:
    return [record["guid"] for record in records]


# ---------------------------------------------------------------- authentication


def test_given_sandbox_credentials_when_login_then_bearer_jwt_with_exp_claim(
    fake: FakeToast,
) -> None:
    client = Client(fake)
    response = client.login()
    body = response.json()
    assert body["@class"] == ".SuccessfulResponse"
    assert body["status"] == "SUCCESS"
    assert body["token"]["tokenType"] == "Bearer"
    assert body["token"]["expiresIn"] == 86400
    claims_part = client.token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(claims_part + "=" * (-len(claims_part) % 4)))
    assert abs(claims["exp"] - (time.time() + 86400)) < 5
    assert fake.logins == 1
    assert client.login().json()["token"]["accessToken"] == client.token  # reused while valid


def test_given_wrong_secret_when_login_then_401_error_message(fake: FakeToast) -> None:
    response = Client(fake).login(secret="not-the-secret")
    assert response.status_code == 401
    body = response.json()
    assert body["status"] == 401
    assert {"code", "message", "requestId", "developerMessage", "errors"} <= body.keys()
    assert fake.logins == 0


@pytest.mark.parametrize(
    ("token", "expire"),
    [
        pytest.param("", False, id="no-token"),
        pytest.param("forged.jwt.token", False, id="unknown-token"),
        pytest.param(None, True, id="expired-token"),
    ],
)
def test_given_bad_bearer_when_get_then_401(
    client: Client, fake: FakeToast, token: str | None, expire: bool
) -> None:
    if expire:
        fake.expire_tokens()
    response = client.get("/labor/v1/jobs", token=token)
    assert response.status_code == 401
    assert response.json()["status"] == 401


def test_given_short_token_ttl_when_it_passes_then_401_and_a_new_token() -> None:
    with toast_server(World.load(), token_ttl_seconds=1) as fake:
        client = Client(fake)
        assert client.login().json()["token"]["expiresIn"] == 1
        old = client.token
        assert client.get("/labor/v1/jobs").status_code == 200
        time.sleep(1.1)
        assert client.get("/labor/v1/jobs").status_code == 401
        client.login()
        assert client.token != old
        assert client.get("/labor/v1/jobs").status_code == 200


def test_given_expired_token_when_login_again_then_new_token_works(
    client: Client, fake: FakeToast
) -> None:
    old = client.token
    fake.expire_tokens()
    client.login()
    assert client.token != old
    assert client.get("/labor/v1/jobs").status_code == 200
    assert fake.logins == 2


# ---------------------------------------------------------------- restaurants


@pytest.mark.parametrize(
    ("restaurant", "status"),
    [
        pytest.param(None, 400, id="missing-header"),
        pytest.param("99999999-0000-4000-8000-000000000009", 403, id="unknown-restaurant"),
        pytest.param(R2, 200, id="connected"),
    ],
)
def test_given_restaurant_header_when_get_config_then_status(
    client: Client, restaurant: str | None, status: int
) -> None:
    assert client.get("/config/v2/diningOptions", restaurant).status_code == status


def test_given_disconnected_restaurant_then_hidden_and_403_until_connected(
    client: Client, fake: FakeToast
) -> None:
    fake.world.disconnect(R3)
    partners = client.get("/partners/v1/restaurants", restaurant=None).json()
    assert [p["restaurantGuid"] for p in partners] == [R1, R2]
    assert client.get("/orders/v2/ordersBulk", R3, **SEPT).status_code == 403
    fake.world.connect(R3)
    partners = client.get("/partners/v1/restaurants", restaurant=None).json()
    assert R3 in [p["restaurantGuid"] for p in partners]
    assert client.get("/orders/v2/ordersBulk", R3, **SEPT).status_code == 200


def test_given_last_modified_when_partners_then_only_later_changes(client: Client) -> None:
    response = client.get(
        "/partners/v1/restaurants", restaurant=None, lastModified="2026-01-01T00:00:00.000-0000"
    )
    assert [p["restaurantGuid"] for p in response.json()] == [R3]


def test_given_restaurant_info_when_header_differs_then_403(client: Client) -> None:
    info = client.get(f"/restaurants/v1/restaurants/{R2}", R2).json()
    assert info["general"]["timeZone"] == "America/Los_Angeles"
    assert info["general"]["closeoutHour"] == 3
    assert client.get(f"/restaurants/v1/restaurants/{R2}", R1).status_code == 403


def test_given_management_group_when_list_then_connected_guids(
    client: Client, fake: FakeToast
) -> None:
    fake.world.disconnect(R3)
    response = client.get(f"/restaurants/v1/groups/{MANAGEMENT_GROUP}/restaurants", R1)
    assert response.json() == [{"guid": R1}, {"guid": R2}]


# ---------------------------------------------------------------- config


def test_given_ten_menu_items_when_paging_then_pages_of_three_with_tokens(client: Client) -> None:
    pages = page_through_config(client, "menuItems")
    assert [len(page) for page in pages] == [3, 3, 3, 1]
    items = [item for page in pages for item in page]
    assert len(set(guids(items))) == 10
    assert all("_lastModified" not in item for item in items)


def test_given_last_modified_when_config_then_only_objects_changed_after(client: Client) -> None:
    pages = page_through_config(client, "menuItems", lastModified="2026-09-01T00:00:00.000Z")
    assert [item["name"] for page in pages for item in page] == ["Build-Your-Own Grain Bowl"]


def test_given_garbled_page_token_when_config_then_400(client: Client) -> None:
    response = client.get("/config/v2/menuItems", pageToken="garbage")
    assert response.status_code == 400
    assert "pageToken" in response.json()["message"]


def test_given_config_published_mid_paging_then_409_and_restart_succeeds(
    client: Client, fake: FakeToast
) -> None:
    first = client.get("/config/v2/menuItems")
    stale_token = first.headers["Toast-Next-Page-Token"]
    fake.script_config_change(R1, "menuItems")
    conflict = client.get("/config/v2/menuItems", pageToken=stale_token)
    assert conflict.status_code == 409
    assert conflict.json()["status"] == 409
    assert client.get("/config/v2/menuItems", pageToken=stale_token).status_code == 409
    assert sum(len(page) for page in page_through_config(client, "menuItems")) == 10


def test_given_removed_config_object_when_relisted_then_absent(
    client: Client, fake: FakeToast
) -> None:
    removed = fake.world.remove_config(R1, "tables", "c0000011-0001-4000-8000-000000000003")
    names = [t["name"] for page in page_through_config(client, "tables") for t in page]
    assert removed["name"] not in names
    assert len(names) == 4


# ---------------------------------------------------------------- orders


def test_given_window_edges_then_start_inclusive_end_exclusive(client: Client) -> None:
    september = page_through_orders(client, R1, **SEPT)
    october = page_through_orders(client, R1, **OCT)
    assert EDGE_ORDER not in guids(september)
    assert guids(october)[0] == EDGE_ORDER
    assert len(september) == 4
    assert len(october) == 5


def test_given_250_orders_when_paging_then_100_100_50_and_link_next(
    client: Client, fake: FakeToast
) -> None:
    fake.world.add_orders(R2, bulk_orders(250, "2026-10-02T00:00:00.000+0000", 30))
    window = {"startDate": "2026-10-02T00:00:00.000Z", "endDate": "2026-10-05T00:00:00.000Z"}
    sizes, links = [], []
    for page in (1, 2, 3):
        response = client.get("/orders/v2/ordersBulk", R2, page=page, pageSize=100, **window)
        sizes.append(len(response.json()))
        links.append(response.links.get("next", {}).get("url"))
    assert sizes == [100, 100, 50]
    assert links[0] is not None
    assert "page=2" in links[0]
    assert "startDate=2026-10-02T00%3A00%3A00.000Z" in links[0]
    assert links[2] is None
    orders = page_through_orders(client, R2, **window)
    assert guids(orders) == [bulk_guid(i) for i in range(250)]


def test_given_equal_modified_dates_then_sorted_by_guid(client: Client, fake: FakeToast) -> None:
    same_time = bulk_orders(3, "2026-10-02T00:00:00.000+0000", 0)
    fake.world.add_orders(R2, reversed(same_time))
    window = {"startDate": "2026-10-02T00:00:00.000Z", "endDate": "2026-10-03T00:00:00.000Z"}
    assert guids(page_through_orders(client, R2, **window)) == guids(same_time)


def test_given_touched_order_then_it_moves_to_the_window_of_its_new_modified_date(
    client: Client, fake: FakeToast
) -> None:
    fake.world.touch_order(DEEP_MODIFIER_ORDER, "2026-10-20T12:00:00.000+0000")
    assert DEEP_MODIFIER_ORDER not in guids(page_through_orders(client, R1, **SEPT))
    assert DEEP_MODIFIER_ORDER in guids(page_through_orders(client, R1, **OCT))


@pytest.mark.parametrize(
    "stamp",
    [
        pytest.param("2026-10-01T00:00:00.000+0000", id="plus-0000"),
        pytest.param("2026-10-01T00:00:00.000Z", id="Z"),
        pytest.param("2026-10-01T00:00:00+00:00", id="colon-offset-no-millis"),
        pytest.param("2026-09-30T20:00:00.000-0400", id="other-offset"),
    ],
)
def test_given_timestamp_forms_when_orders_bulk_then_accepted(client: Client, stamp: str) -> None:
    response = client.get("/orders/v2/ordersBulk", R1, startDate=stamp, endDate=OCT["endDate"])
    assert response.status_code == 200
    assert guids(response.json())[0] == EDGE_ORDER


@pytest.mark.parametrize(
    ("params", "needle"),
    [
        pytest.param(
            {**SEPT, "endDate": "2026-10-01T00:00:01.000Z"}, "30 days", id="over-30-days"
        ),
        pytest.param(
            {"startDate": OCT["endDate"], "endDate": OCT["startDate"]}, "before", id="rev"
        ),
        pytest.param({"startDate": SEPT["startDate"]}, "endDate", id="missing-end"),
        pytest.param({**SEPT, "pageSize": "101"}, "pageSize", id="page-size-101"),
        pytest.param({**SEPT, "page": "0"}, "page", id="page-0"),
        pytest.param({**SEPT, "businessDate": "20260905"}, "either", id="both-selectors"),
        pytest.param({}, "startDate", id="no-selector"),
        pytest.param(
            {"startDate": "2015-11-01T00:00:00Z", "endDate": "2015-11-20T00:00:00Z"},
            "2015-12-01",
            id="too-early",
        ),
    ],
)
def test_given_invalid_orders_bulk_params_then_400_naming_problem(
    client: Client, params: dict[str, str], needle: str
) -> None:
    response = client.get("/orders/v2/ordersBulk", R1, **params)
    assert response.status_code == 400
    assert needle in response.json()["message"]


def test_given_unencoded_plus_in_query_then_400(client: Client, fake: FakeToast) -> None:
    url = (
        f"{fake.base_url}/orders/v2/ordersBulk"
        "?startDate=2026-09-01T00:00:00.000+0000&endDate=2026-10-01T00:00:00.000+0000"
    )
    headers = {"Authorization": f"Bearer {client.token}", "Toast-Restaurant-External-ID": R1}
    response = requests.get(url, headers=headers, timeout=5)
    assert response.status_code == 400
    assert "%2B" in response.json()["message"]


def test_given_business_date_when_orders_bulk_then_orders_opened_that_day(client: Client) -> None:
    response = client.get("/orders/v2/ordersBulk", R1, businessDate="20260930")
    assert guids(response.json()) == [EDGE_ORDER]


def test_recorded_orders_carry_the_traps(fake: FakeToast) -> None:
    deep = fake.world.find_order(DEEP_MODIFIER_ORDER)["checks"][0]["selections"][0]
    assert deep["modifiers"][0]["modifiers"][0]["modifiers"][0]["displayName"] == "Extra Hot"
    taxes = fake.world.find_order(NULL_GUID_TAX_ORDER)["checks"][0]["selections"][0][
        "appliedTaxes"
    ]
    assert [tax["guid"] for tax in taxes] == [None, None]
    assert len({(tax["name"], tax["taxAmount"]) for tax in taxes}) == 2


# ---------------------------------------------------------------- labor and cash


@pytest.mark.parametrize(
    ("start", "end", "included"),
    [
        pytest.param(SEPT["startDate"], SEPT["endDate"], False, id="september-window"),
        pytest.param(OCT["startDate"], OCT["endDate"], False, id="october-window"),
        pytest.param("2026-09-30T00:00:00Z", "2026-10-02T00:00:00Z", True, id="overlap"),
    ],
)
def test_given_shift_straddling_window_edge_then_only_overlapping_query_returns_it(
    client: Client, start: str, end: str, included: bool
) -> None:
    shifts = client.get("/labor/v1/shifts", startDate=start, endDate=end).json()
    assert (STRADDLE_SHIFT in guids(shifts)) is included


def test_given_shift_without_out_date_then_never_returned(client: Client) -> None:
    window = {"startDate": "2026-11-01T00:00:00Z", "endDate": "2026-11-30T00:00:00Z"}
    shifts = client.get("/labor/v1/shifts", **window).json()
    assert shifts
    assert all(shift["outDate"] for shift in shifts)


def test_given_shifts_without_dates_then_400(client: Client) -> None:
    assert client.get("/labor/v1/shifts").status_code == 400


def test_given_modified_range_then_time_entries_edited_later_and_archived_included(
    client: Client,
) -> None:
    window = {"modifiedStartDate": OCT["startDate"], "modifiedEndDate": OCT["endDate"]}
    entries = client.get("/labor/v1/timeEntries", **window).json()
    assert "a4000000-0001-4000-8000-000000000003" in guids(entries)  # worked Sept, edited Oct
    assert DELETED_TIME_ENTRY_R1 in guids(entries)


def test_given_in_date_range_then_archived_only_with_include_archived(client: Client) -> None:
    plain = client.get("/labor/v1/timeEntries", **OCT).json()
    archived = client.get("/labor/v1/timeEntries", includeArchived="true", **OCT).json()
    assert DELETED_TIME_ENTRY_R1 not in guids(plain)
    assert DELETED_TIME_ENTRY_R1 in guids(archived)


def test_given_missed_break_then_served_only_with_include_missed_breaks(client: Client) -> None:
    window = {"startDate": "2026-09-30T00:00:00Z", "endDate": "2026-10-02T00:00:00Z"}
    plain = client.get("/labor/v1/timeEntries", **window).json()
    missed = client.get("/labor/v1/timeEntries", includeMissedBreaks="true", **window).json()
    by_guid = {e["guid"]: e for e in plain}
    assert len(by_guid[MISSED_BREAK_TIME_ENTRY_R1]["breaks"]) == 1
    by_guid = {e["guid"]: e for e in missed}
    assert len(by_guid[MISSED_BREAK_TIME_ENTRY_R1]["breaks"]) == 2


def test_given_business_date_then_time_entries_of_that_day(client: Client) -> None:
    entries = client.get("/labor/v1/timeEntries", businessDate="20260910").json()
    assert [e["businessDate"] for e in entries] == ["20260910"]


def test_given_two_time_entry_selectors_then_400(client: Client) -> None:
    response = client.get("/labor/v1/timeEntries", businessDate="20260910", **OCT)
    assert response.status_code == 400
    assert "exactly one" in response.json()["message"]


def test_given_business_date_straddling_utc_midnight_then_cash_entries_after_edge(
    client: Client,
) -> None:
    entries = client.get("/cashmgmt/v1/entries", R2, businessDate=STRADDLE_CASH_DATE_R2).json()
    dates = [entry["date"] for entry in entries]
    assert min(dates) < "2026-10-01T00:00:00.000+0000" < max(dates)
    deposits = client.get("/cashmgmt/v1/deposits", R2, businessDate="20261020").json()
    assert deposits[1]["undoes"] == deposits[0]["guid"]


@pytest.mark.parametrize("value", ["2026-09-30", "2026093", "20261340"])
def test_given_bad_cash_business_date_then_400(client: Client, value: str) -> None:
    assert client.get("/cashmgmt/v1/entries", businessDate=value).status_code == 400


# ---------------------------------------------------------------- rate limits and faults


def test_given_headers_mode_then_every_response_reports_rate_limit_headers(
    client: Client,
) -> None:
    first_at_r2 = client.get("/labor/v1/jobs", R2)
    assert first_at_r2.headers["X-Toast-RateLimit-Remaining"] == "19"  # 20/s, one used
    assert first_at_r2.headers["X-Toast-RateLimit-By"] == "GLOBAL"
    assert int(first_at_r2.headers["X-Toast-RateLimit-Reset"]) >= int(time.time())
    orders = client.get("/orders/v2/ordersBulk", R2, **SEPT)
    assert orders.headers["X-Toast-RateLimit-By"] == "ENDPOINT"  # 5/s is closest to exhaustion
    assert orders.headers["X-Toast-RateLimit-Remaining"] == "4"


def _until_429(client: Client, path: str, **params: Any) -> tuple[int, requests.Response]:
    """Send requests until one is rate limited; return how many passed before, and the 429."""
    for passed in range(60):
        response = client.get(path, **params)
        if response.status_code == 429:
            return passed, response
        assert response.status_code == 200
    raise AssertionError("never rate limited")


def test_given_enforced_limits_when_over_20_per_second_then_429_with_retry_after() -> None:
    with toast_server(World.load(), enforce_rate_limits=True) as fake:
        client = Client(fake)
        client.login()
        passed, limited = _until_429(client, "/labor/v1/jobs")
        assert passed >= 20
        assert int(limited.headers["Retry-After"]) >= 1
        assert limited.headers["X-Toast-RateLimit-Remaining"] == "0"
        assert limited.json()["status"] == 429
        assert client.get("/labor/v1/jobs", R2).status_code == 200  # other location unaffected
        assert fake.rate_limited_count == 1


def test_given_enforced_limits_when_orders_bulk_over_5_per_second_then_endpoint_429() -> None:
    with toast_server(World.load(), enforce_rate_limits=True) as fake:
        client = Client(fake)
        client.login()
        passed, limited = _until_429(client, "/orders/v2/ordersBulk", **SEPT)
        assert 5 <= passed < 20
        assert limited.headers["X-Toast-RateLimit-By"] == "ENDPOINT"


def test_given_scripted_faults_then_consumed_in_order_for_their_restaurant(
    client: Client, fake: FakeToast
) -> None:
    fake.script(
        "GET", r"^/orders/v2/ordersBulk$", Fault(status=503, restaurant=R1), Fault(status=429)
    )
    assert client.get("/orders/v2/ordersBulk", R2, **SEPT).status_code == 429
    first = client.get("/orders/v2/ordersBulk", R1, **SEPT)
    assert first.status_code == 503
    assert client.get("/orders/v2/ordersBulk", R1, **SEPT).status_code == 200
    assert fake.unconsumed() == []
    assert [r.status for r in fake.requests_to("/orders/")] == [429, 503, 200]


def test_given_scripted_429_then_recorded_body_and_retry_after(
    client: Client, fake: FakeToast
) -> None:
    fake.script("GET", "jobs", Fault(status=429, headers={"Retry-After": "7"}))
    response = client.get("/labor/v1/jobs")
    assert response.headers["Retry-After"] == "7"
    assert response.json()["message"].startswith("Rate limit exceeded")
    assert fake.rate_limited_count == 1


def test_given_unused_fault_then_listed_by_unconsumed() -> None:
    with toast_server(World.load()) as fake:
        fault = Fault(status=500, restaurant=R3)
        fake.script("GET", "ordersBulk", fault)
        assert fake.unconsumed() == [fault]


def test_given_dropped_connection_then_connection_error_and_logged(
    client: Client, fake: FakeToast
) -> None:
    fake.script("GET", "employees", Fault(drop=True))
    with pytest.raises(requests.ConnectionError):
        client.get("/labor/v1/employees")
    assert client.get("/labor/v1/employees").status_code == 200
    assert [r.status for r in fake.requests_to("/labor/")] == ["dropped", 200]


def test_given_fault_rate_one_then_every_data_request_fails_but_login_works() -> None:
    outcomes = []
    for _ in range(2):
        with toast_server(World.load(), fault_rate=1.0, seed=7) as fake:
            client = Client(fake)
            assert client.login().status_code == 200
            for _ in range(6):
                try:
                    outcomes.append(client.get("/labor/v1/jobs").status_code)
                except requests.ConnectionError:
                    outcomes.append("dropped")
    assert set(outcomes) <= {500, 502, 503, "dropped"}
    assert outcomes[:6] == outcomes[6:]  # same seed, same faults


def test_request_log_records_decoded_params_and_headers(client: Client, fake: FakeToast) -> None:
    client.get("/orders/v2/ordersBulk", R1, pageSize=5, **SEPT)
    [record] = fake.requests_to("/orders/v2/ordersBulk")
    assert record.params == {**SEPT, "pageSize": "5"}
    assert record.restaurant == R1
    assert record.authorization == f"Bearer {client.token}"
    assert record.status == 200
    assert fake.requests[0].path == LOGIN
    assert fake.requests[0].restaurant is None


# ---------------------------------------------------------------- worlds


def test_world_load_returns_fresh_copies() -> None:
    first, second = World.load(), World.load()
    first.touch_order(EDGE_ORDER, "2026-11-01T00:00:00.000+0000")
    assert second.find_order(EDGE_ORDER)["modifiedDate"] == "2026-10-01T00:00:00.000+0000"


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def test_recorded_world_shapes() -> None:
    world = World.load()
    assert [r["restaurantGuid"] for r in world.restaurants] == [R1, R2, R3]
    for restaurant in (R1, R2):
        counts = {e: len(world.config[restaurant][e]) for e in CONFIG_ENDPOINTS}
        assert all(1 <= n <= 10 for n in counts.values()), counts
    assert len(world.config[R1]["menuItems"]) >= 7
    everything = [world.config, world.labor, world.cash, world.orders]
    for node in _walk(everything):
        if "entityType" in node:
            assert node["guid"] is not None or node["entityType"] == "AppliedTaxRate", node
        for key, value in node.items():
            if key.endswith("Date") and isinstance(value, str) and key != "businessDate":
                assert TOAST_TIMESTAMP.match(value), (key, value)
    for order in world.orders[R1]:
        assert isinstance(order["businessDate"], int)
    assert all(isinstance(e["businessDate"], str) for e in world.labor[R1]["timeEntries"])


def test_given_generated_world_when_paging_a_window_then_all_orders_once_in_order() -> None:
    world = GeneratedWorld(
        restaurants=2, days=10, orders_per_day=30, start=datetime(2026, 1, 1).date()
    )
    restaurant = world.restaurant_guids[1]
    start, end = datetime(2026, 1, 2, tzinfo=UTC), datetime(2026, 1, 8, tzinfo=UTC)
    with toast_server(world) as fake:
        client = Client(fake)
        client.login()
        window = {"startDate": "2026-01-02T00:00:00.000Z", "endDate": "2026-01-08T00:00:00.000Z"}
        orders = page_through_orders(client, restaurant, **window)
        config = client.get("/config/v2/menuItems", restaurant).json()
        shifts = client.get("/labor/v1/shifts", restaurant, **window).json()
        cash = client.get("/cashmgmt/v1/deposits", restaurant, businessDate="20260103").json()
    assert len(orders) == world.order_count(restaurant, start, end) > 150
    assert len(set(guids(orders))) == len(orders)
    keys = [(o["modifiedDate"], o["guid"]) for o in orders]
    assert keys == sorted(keys)
    assert all(o["checks"] and o["checks"][0]["selections"] for o in orders)
    assert len(config) == 3
    assert shifts
    assert len(cash) == 1
    assert world.expected_counts()[restaurant] == 300


def test_server_stops_cleanly_with_open_keep_alive_connection() -> None:
    before = threading.active_count()
    fake = FakeToast(World.load()).start()
    client = Client(fake)
    client.login()
    client.get("/labor/v1/jobs")
    fake.stop()
    assert fake.internal_errors == []
    deadline = time.monotonic() + 2
    while threading.active_count() > before and time.monotonic() < deadline:
        time.sleep(0.01)
    assert threading.active_count() <= before  # threads of earlier tests may end meanwhile


def test_standalone_entry_point_serves_until_sigterm() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "tests.fake_toast", "--port", "0"]
    with subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    ) as process:
        assert process.stdout is not None
        first_line = process.stdout.readline()
        base_url = first_line.rsplit(" ", 1)[-1].strip()
        response = requests.post(
            base_url + LOGIN,
            json={
                "clientId": SANDBOX_CLIENT_ID,
                "clientSecret": SANDBOX_CLIENT_SECRET,
                "userAccessType": "TOAST_MACHINE_CLIENT",
            },
            timeout=5,
        )
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    assert first_line.startswith("Fake Toast API listening on http://127.0.0.1:")
    assert response.status_code == 200


def test_given_generated_world_then_nothing_is_modified_settled_days_after_its_end() -> None:
    """The benchmark starts its world's last day SETTLED_DAYS before today (Sizes.start): its
    phases, minutes apart, must see the same data, so nothing may become due in between. Seed 2
    has an order edited more than 2 days after the world's end."""
    world = GeneratedWorld(
        restaurants=8, days=20, orders_per_day=150, start=date(2026, 1, 1), seed=2
    )
    begin, end = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 21, tzinfo=UTC)
    settled = end + timedelta(days=SETTLED_DAYS)
    later = settled + timedelta(days=30)
    for restaurant in world.restaurant_guids:
        assert world.order_count(restaurant, begin, settled) == 20 * 150
        assert world.order_count(restaurant, settled, later) == 0
        labor = [
            *world.labor_candidates(restaurant, "timeEntries", begin, later),
            *world.labor_candidates(restaurant, "shifts", begin, later),
        ]
        moments = [
            datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%f%z")
            for record in labor
            for key, value in record.items()
            if key.endswith("Date") and isinstance(value, str) and key != "businessDate"
        ]
        assert moments and max(moments) < settled


def _timestamps(value: Any) -> Iterator[datetime]:
    """Every Toast timestamp (`2026-09-01T12:00:00.000+0000`) anywhere in a JSON value."""
    if isinstance(value, dict):
        for item in value.values():
            yield from _timestamps(item)
    elif isinstance(value, list):
        for item in value:
            yield from _timestamps(item)
    elif isinstance(value, str) and re.fullmatch(
        r"\d{4}-\d\d-\d\dT[\d:]{8}\.\d{3}[+-]\d{4}", value
    ):
        yield datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%f%z")


def test_the_recorded_world_holds_nothing_dated_after_the_fixed_clock() -> None:
    """In-process syncs end at FIXED_NOW, `fivetran debug` (tests/e2e, which cannot be given a
    clock) at the wall clock, later: both see the whole recorded world, whatever the day the
    tests run, only while nothing in it is dated after FIXED_NOW. The schedule is the exception
    by design: shifts ahead of now are what `scheduleHorizonDays` syncs, and a sync on the wall
    clock, later, sees them as past shifts, the same rows."""
    world = World.load()
    labor = {
        guid: {k: v for k, v in kinds.items() if k != "shifts"}
        for guid, kinds in world.labor.items()
    }
    moments = list(_timestamps([world.config, labor, world.cash, world.orders]))
    assert len(moments) > 100
    assert max(moments) < FIXED_NOW
