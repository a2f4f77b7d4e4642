"""The setup form and its connection test, run the way the SDK runs them, against the fake."""

from __future__ import annotations

import re
import socket
import subprocess
import sys

import pytest

import connector
from tests.conftest import make_configuration, toast_server
from tests.fake_toast import R2, R3, FakeToast


def run_test(configuration: dict) -> tuple[bool | None, str | None]:
    response = connector.connector.run_test("test_connection", configuration)
    return response.success, response.failure


def test_the_form_lists_every_configuration_key() -> None:
    form = connector.configuration_form()
    names = [field.name for field in form._fields]
    assert names == [
        "clientId",
        "clientSecret",
        "userAccessType",
        "domain",
        "initialSyncStart",
        "key",
        "restaurantGuids",
        "managementGroupGuid",
        "maxWorkers",
        "ordersBulkSpacingSeconds",
        "scheduleHorizonDays",
        "deleteLedgerDays",
        "configChangesHours",
        "configListingHours",
    ]
    assert [func.__name__ for _, func in form._tests] == ["test_connection"]


def test_given_good_credentials_then_the_connection_test_succeeds(toast: FakeToast) -> None:
    assert run_test(make_configuration(toast)) == (True, None)
    assert toast.requests_to("/partners/v1/restaurants")


def _connection_test_line(output: str) -> str:
    (line,) = [line for line in output.splitlines() if "Connection test:" in line]
    return line


def test_given_partner_credentials_then_the_passing_test_logs_each_restaurant_by_name(
    toast: FakeToast, capfd: pytest.CaptureFixture[str]
) -> None:
    assert run_test(make_configuration(toast)) == (True, None)
    line = _connection_test_line(capfd.readouterr().out)
    assert "3 restaurant(s) reachable" in line
    for record in toast.world.restaurants:  # the partners records (toast_api.md §6.2)
        name, location = record["restaurantName"], record["locationName"]
        assert f"{name} - {location} ({record['restaurantGuid']})" in line


def test_given_configured_guids_then_the_passing_test_logs_names_from_restaurant_info(
    toast: FakeToast, capfd: pytest.CaptureFixture[str]
) -> None:
    assert run_test(make_configuration(toast, restaurantGuids=f"{R2},{R3}")) == (True, None)
    line = _connection_test_line(capfd.readouterr().out)
    assert "2 restaurant(s) reachable" in line
    for guid in (R2, R3):
        general = toast.world.restaurant_info[guid]["general"]
        assert f"{general['name']} - {general['locationName']} ({guid})" in line
    assert toast.requests_to("/partners/") == []


def test_the_fernet_key_field_says_how_to_make_a_key_and_that_way_works() -> None:
    (field,) = [spec for spec in connector._FORM_FIELDS if spec.name == "key"]
    (code,) = re.findall(r'python -c "(.+?)"', field.description or "")
    made = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    connector._fernet(made)  # raises ConfigurationError for anything but a Fernet key


def test_given_a_wrong_secret_then_the_test_says_the_login_was_refused(toast: FakeToast) -> None:
    success, failure = run_test(make_configuration(toast, clientSecret="wrong"))
    assert not success
    assert "refused the login" in failure
    assert "clientSecret" in failure
    assert "wrong" not in failure


def test_given_a_wrong_domain_then_the_test_names_the_host(no_wait: list[float]) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    with toast_server() as server:
        configuration = make_configuration(server, domain=f"http://127.0.0.1:{port}")
    success, failure = run_test(configuration)
    assert not success
    assert f"127.0.0.1:{port}" in failure


def test_given_no_connected_restaurant_then_the_test_says_so(toast: FakeToast) -> None:
    for guid in list(toast.world.restaurants):
        toast.world.disconnect(guid["restaurantGuid"])
    success, failure = run_test(make_configuration(toast))
    assert not success
    assert "no restaurants" in failure


def test_given_an_unreachable_configured_restaurant_then_the_test_names_it(
    toast: FakeToast,
) -> None:
    toast.world.disconnect(R3)
    success, failure = run_test(make_configuration(toast, restaurantGuids=f"{R2},{R3}"))
    assert not success
    assert R3 in failure


def test_given_a_bad_configuration_then_the_test_names_the_key(toast: FakeToast) -> None:
    success, failure = run_test(make_configuration(toast, key="not-a-key"))
    assert not success
    assert "'key'" in failure
    assert toast.requests == []
