"""`fivetran debug` as a user runs it: a full sync of the recorded world, a resumed sync, and a
sync that crashes, asserted on the exit code, the DuckDB warehouse, the state file, the requests
the fake Toast server saw, and everything the crash left behind."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from cryptography.fernet import Fernet

from tests.conftest import FIXED_NOW, INITIAL_SYNC_START
from tests.e2e.conftest import CliRuns
from tests.fake_toast import R3
from tests.replay import oracle

pytestmark = pytest.mark.e2e

START = datetime.fromisoformat(INITIAL_SYNC_START.replace("Z", "+00:00"))
# The runs' clock is the wall clock set back to start at FIXED_NOW (tests/e2e/shifted_cli.py),
# and so is the oracle's end below: whatever the date, a run syncs the same windows. Nothing in the
# recorded world is dated after FIXED_NOW (tests/conftest.py; pinned by tests/unit/
# test_fake_toast.py), so the runs see all of it, and the crash's first window is fixed by
# initialSyncStart.
LOGIN = "/authentication/v1/authentication/login"
ORDERS_BULK = "/orders/v2/ordersBulk"
RESUME_OVERLAP = timedelta(minutes=5)
# The runs start at FIXED_NOW on their clock; the last window ends when the run does, or an
# ordersBulk range reaches a few minutes past it (the connector's clock margins).
RUN_END_MARGIN = timedelta(hours=1)

# Every table of the destination contract (tests/replay/oracle.py writes them from it).
CONTRACT_TABLES = oracle.CONTRACT_TABLES  # the published menu's: tests/replay/test_menus.py


def toast_timestamp(text: str) -> datetime:
    """Parse Toast's `2026-09-01T00:00:00.000+0000`."""
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z")


def test_given_the_recorded_world_when_fivetran_debug_runs_then_it_exits_0_with_every_table(
    cli_runs: CliRuns,
) -> None:
    first = cli_runs.first
    assert first.returncode == 0, first.tail()
    assert "SYNC SUCCEEDED" in first.output
    every_table = CONTRACT_TABLES | oracle.CHECKED_ELSEWHERE
    assert set(cli_runs.first_counts) >= every_table
    assert len(every_table) == 57


def test_given_any_date_then_a_run_syncs_up_to_the_recorded_worlds_end_and_no_further(
    cli_runs: CliRuns,
) -> None:
    """Its cost stays that of the recorded world: no window after it, whatever the date."""
    asked = [r.params for r in cli_runs.first.requests if r.path == ORDERS_BULK]
    last_end = max(toast_timestamp(params["endDate"]) for params in asked)
    assert FIXED_NOW <= last_end <= FIXED_NOW + RUN_END_MARGIN, last_end


def test_given_a_full_sync_then_every_table_holds_exactly_the_rows_of_the_source(
    cli_runs: CliRuns,
) -> None:
    # The session keeps only the first run's row counts; its values are compared in the
    # resumed-sync test below, on the same warehouse (the resumed run rewrites few of its rows).
    expected = oracle.expected_warehouse(cli_runs.server.world, START, cli_runs.first_finished)
    actual = {table: cli_runs.first_counts.get(table, 0) for table in CONTRACT_TABLES}
    assert actual == {table: expected.count(table) for table in CONTRACT_TABLES}
    assert all(cli_runs.first_counts[table] > 0 for table in CONTRACT_TABLES)


def test_given_a_finished_sync_when_fivetran_debug_runs_again_then_it_resumes_from_state(
    cli_runs: CliRuns,
) -> None:
    second = cli_runs.second
    assert second.returncode == 0, second.tail()
    assert [r for r in second.requests if r.path == LOGIN] == [], "the cached token was not used"
    cursors = {
        guid: toast_timestamp(restaurant["cursors"]["orders"])
        for guid, restaurant in cli_runs.first_state["restaurants"].items()
    }
    orders_requests = [r for r in second.requests if r.path == ORDERS_BULK]
    assert {r.restaurant for r in orders_requests} == set(cursors)
    for request in orders_requests:
        start = toast_timestamp(request.params["startDate"])
        assert start >= cursors[request.restaurant] - RESUME_OVERLAP, request.params


def test_given_a_resumed_sync_then_the_warehouse_still_equals_the_source(
    cli_runs: CliRuns,
) -> None:
    warehouse = cli_runs.project.warehouse
    expected = oracle.expected_warehouse(cli_runs.server.world, START, cli_runs.now())
    oracle.assert_warehouse_matches(warehouse, expected)  # every row, every value
    assert oracle.dangling_foreign_keys(warehouse) == []


def test_given_an_endpoint_failing_for_ever_when_fivetran_debug_runs_then_it_exits_1_naming_it(
    cli_runs: CliRuns,
) -> None:
    crash = cli_runs.crash
    assert crash.returncode == 1, crash.tail()
    assert "SYNC FAILED" in crash.output
    halt = rf"{ORDERS_BULK} for restaurant {R3} failed \d+ times in a row; last status 500"
    assert re.search(halt, crash.output), crash.tail()
    assert "(window 2026-09-01T00:00:00.000+0000 to 2026-10-01T00:00:00.000+0000)" in crash.output
    failed = [r for r in crash.requests if r.path == ORDERS_BULK and r.restaurant == R3]
    assert [r.status for r in failed] == [500] * 6  # _MAX_TRANSIENT_ATTEMPTS, then the halt


def _secrets_of(cli_runs: CliRuns) -> dict[str, str]:
    """Each secret of the crash run, with the shorter pieces that a cut repr could leave."""
    configuration = cli_runs.crash_project.configuration
    needles = {
        "client secret": configuration["clientSecret"],
        "client secret (start)": configuration["clientSecret"][:20],
        "Fernet key": configuration["key"],
        "Fernet key (start)": configuration["key"][:16],
    }
    tokens = {
        r.authorization.removeprefix("Bearer ")
        for r in cli_runs.crash_server.requests
        if r.authorization
    }
    assert tokens, "the crash run sent no token: nothing to look for"
    for number, token in enumerate(sorted(tokens)):
        needles[f"token {number}"] = token
        needles[f"token {number} (start)"] = token[:48]  # JWT header and the claims' start
        needles[f"token {number} (signature)"] = token.rsplit(".", 1)[1]
    return needles


def _left_behind(cli_runs: CliRuns) -> dict[str, str]:
    """Every text the crash run left: its output, the crash reports and the state file."""
    project = cli_runs.crash_project.path
    reports = sorted((project / "crash-reports").glob("*"))
    assert reports, "the crash left no crash report: nothing to look in"
    texts = {"output": cli_runs.crash.output}
    for path in [*reports, project / "files" / "state.json"]:
        texts[str(path.relative_to(project))] = path.read_text(errors="replace")
    return texts


def test_given_a_crash_then_no_secret_appears_in_its_output_crash_reports_or_state(
    cli_runs: CliRuns,
) -> None:
    needles = _secrets_of(cli_runs)
    texts = _left_behind(cli_runs)
    leaks = [
        f"{what} in {where}"
        for where, text in texts.items()
        for what, needle in needles.items()
        if needle in text
    ]
    assert leaks == []


def test_given_a_crash_then_the_state_keeps_the_finished_windows_and_the_token_encrypted(
    cli_runs: CliRuns,
) -> None:
    state = cli_runs.crash_project.state()
    fernet = Fernet(cli_runs.crash_project.configuration["key"].encode())
    cached = fernet.decrypt(state["token"].encode()).decode()
    sent = {r.authorization for r in cli_runs.crash_server.requests if r.authorization}
    assert any(token in cached for token in (a.removeprefix("Bearer ") for a in sent))
    assert R3 not in state["restaurants"] or "cursors" not in state["restaurants"][R3]
    assert any("cursors" in restaurant for restaurant in state["restaurants"].values())
