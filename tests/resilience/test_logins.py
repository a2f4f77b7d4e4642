"""Logins under 401s: Toast hands out the same token until its last minute and asks for at most
two logins an hour (toast_api.md §4, §6.1, §13). A 401 that a new login cannot cure costs at most
one login, and a sync never logs in more than `_MAX_LOGINS_PER_SYNC` times. (A token that really
expires mid-sync still gets exactly one new login: test_faults.py,
test_given_a_token_that_expires_mid_sync_then_the_client_logs_in_again.)

Each test runs its own fake server: the endpoint refuses more often than the sync asks, so not
every scripted 401 is used.
"""

from __future__ import annotations

import pytest

import connector
from tests.conftest import FIXED_NOW, INITIAL_SYNC_START, Project, make_configuration, toast_server
from tests.fake_toast import R1, R2, R3, Fault, World

ORDERS_BULK = "/orders/v2/ordersBulk"
CASH_ENTRIES = "/cashmgmt/v1/entries"
TIME_ENTRIES = "/labor/v1/timeEntries"
MORE_THAN_ASKED = 200


def errors_in(log: str) -> list[str]:
    return [line for line in log.splitlines() if '"level":"ERROR"' in line]


def test_given_an_endpoint_that_refuses_a_valid_token_then_one_login_confirms_it_and_it_is_skipped(
    project: Project, no_wait: list[float], capfd: pytest.CaptureFixture[str]
) -> None:
    world = World.load()
    windows = len(connector.plan_windows(connector.parse_timestamp(INITIAL_SYNC_START), FIXED_NOW))
    with toast_server(world=world) as server:
        for path in (ORDERS_BULK, CASH_ENTRIES):
            refusals = [Fault(status=401, restaurant=R2) for _ in range(MORE_THAN_ASKED)]
            server.script("GET", f"^{path}$", *refusals)
        result = project.sync(make_configuration(server))
        logins = server.logins
        refused = [r.path for r in server.requests if r.status == 401]

    # The sync's login, and one after the first 401: it returned the same token, so the token
    # is good and Toast refuses the requests themselves. Before: two logins per refused request.
    assert logins == 2
    assert refused.count(ORDERS_BULK) == windows  # each window's first page, asked once
    assert refused.count(CASH_ENTRIES) >= windows  # at least one business day per window
    assert set(refused) == {ORDERS_BULK, CASH_ENTRIES}
    orders = result.warehouse.query(
        "SELECT restaurant_id, count(*) FROM tester.orders GROUP BY restaurant_id"
    )
    assert dict(orders) == {R1: len(world.orders[R1]), R3: len(world.orders[R3])}
    cash = result.warehouse.query("SELECT DISTINCT restaurant_id FROM tester.cash_entry")
    assert {restaurant for (restaurant,) in cash} == {R1}
    errors = errors_in(capfd.readouterr().out)
    for path in (ORDERS_BULK, CASH_ENTRIES):
        named = [line for line in errors if path in line and R2 in line]
        assert named, errors
        assert all("returned the same token" in line for line in named)


def test_given_401s_that_revoke_every_new_token_then_logins_stop_at_the_cap(
    project: Project, no_wait: list[float], capfd: pytest.CaptureFixture[str]
) -> None:
    # Every new token is refused and revoked at once, so each login returns a different token
    # and only the cap stops the client from logging in again and again.
    revoking = [
        Fault(status=401, restaurant=R3, revoke_tokens=True) for _ in range(MORE_THAN_ASKED)
    ]
    with toast_server(world=World.load()) as server:
        server.script("GET", f"^{TIME_ENTRIES}$", *revoking)
        project.sync(make_configuration(server, restaurantGuids=R3))
        logins = server.logins
        refused = sum(1 for r in server.requests if r.status == 401)

    assert logins == connector._MAX_LOGINS_PER_SYNC
    assert refused > logins  # the requests after the cap were answered 401, without a login
    errors = errors_in(capfd.readouterr().out)
    cap = [line for line in errors if "logins in this sync, the cap" in line]
    assert len(cap) == 1, errors
    assert any(TIME_ENTRIES in line and R3 in line for line in errors), errors


def test_given_a_login_refused_inside_a_window_then_the_sync_fails_as_a_refused_login(
    project: Project, no_wait: list[float]
) -> None:
    """A refused login fails every restaurant alike (_fails_everything), also when it happens
    while a window is read: the window's range is added to the message, not a new kind of
    error that would fail that restaurant alone ("1 of 1 restaurant(s) failed") and let the
    others go on logging in."""
    with toast_server(world=World.load()) as server:
        server.script(
            "GET", f"^{ORDERS_BULK}$", Fault(status=401, restaurant=R1, revoke_tokens=True)
        )
        # The sync's own login passes; the new one the revoked token leads to is refused.
        server.script("POST", "/login$", Fault(delay_seconds=0), Fault(status=401))
        with pytest.raises(Exception) as failed:
            project.sync(make_configuration(server, restaurantGuids=R1))  # one asks to log in

    message = str(failed.value)
    assert "Toast refused the login (HTTP 401)" in message, message
    assert f"{ORDERS_BULK} for restaurant {R1}" not in message  # not a request of R1's alone
    assert "restaurant(s) failed" not in message, message
    assert "(window " in message, message
