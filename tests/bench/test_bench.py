"""The benchmark's own pieces: server statistics, response capture and replay, the bounds."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest
import requests
from fivetran_connector_sdk import Operations
from fivetran_connector_sdk_core import runner
from fivetran_connector_sdk_core.destination.duckdb_destination import DuckDbDestination

from connector import connections_needed
from tests.bench import child, runner_patches
from tests.bench.bounds import bounds
from tests.bench.child import OperationTimes
from tests.bench.replay import ReplayAdapter, VirtualTime, captured_now
from tests.conftest import (
    FIXED_NOW,
    ROOT,
    Project,
    SyncResult,
    make_configuration,
    toast_server,
    virtual_time,
)
from tests.fake_toast import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, FakeToast, World
from tests.fake_toast.generate import GeneratedWorld
from tests.fake_toast.server import RecordedRequest, request_stats

LOGIN = "/authentication/v1/authentication/login"
BULK = "/orders/v2/ordersBulk"
OPERATIONS_UPSERT = Operations.upsert


def _record(moment: float, path: str = BULK, location: str | None = "r1") -> RecordedRequest:
    return RecordedRequest("GET", path, {}, location, None, moment, 200)


def test_given_requests_when_counting_then_windows_are_half_open_like_the_limiter() -> None:
    requests_ = [_record(t) for t in (0.0, 0.5, 0.99, 1.0, 1.5)] + [_record(9.0, "/x", None)]
    stats = request_stats(requests_)
    r1 = stats["locations"]["r1"]
    assert r1["requests"] == 5
    assert r1["orders_bulk"] == 5
    assert r1["max_per_second"] == 3  # (0.0, 1.0] holds 0.5, 0.99, 1.0; 0.0 has left
    assert r1["span_seconds"] == 1.5
    assert stats["locations"]["ip"]["requests"] == 1
    assert stats["by_endpoint"] == {BULK: 5, "/x": 1}


def test_given_stats_when_bounding_then_slowest_location_or_spread_over_workers() -> None:
    stats = request_stats(
        [_record(t / 10) for t in range(100)]  # r1: 100 ordersBulk -> 20 s at 5/s
        + [_record(t / 10, "/cash", "r2") for t in range(200)]  # r2: 200 -> 10 s at 20/s
    )
    parallel = bounds(stats, latency=0.1, workers=8)
    assert parallel["rate_limit_seconds"] == pytest.approx(20.0)
    assert parallel["latency_seconds"] == pytest.approx(20.0)  # r2: 200 x 0.1 s
    assert parallel["paced_seconds"] == pytest.approx(20.0)  # r1: 100 x max(0.1, 0.2)
    assert bounds(stats, latency=0.1, workers=1)["rate_limit_seconds"] == pytest.approx(30.0)


def test_given_a_captured_sync_when_replayed_then_same_answers_without_a_server(
    tmp_path: Path,
) -> None:
    world = GeneratedWorld(restaurants=1, days=3, orders_per_day=120, start=date(2026, 1, 1))
    restaurant = world.restaurant_guids[0]
    window = {
        "startDate": "2026-01-01T00:00:00.000+0000",
        "endDate": "2026-01-05T00:00:00.000+0000",
    }
    live = requests.Session()
    with toast_server(world, capture_dir=tmp_path) as fake:
        body = {
            "clientId": SANDBOX_CLIENT_ID,
            "clientSecret": SANDBOX_CLIENT_SECRET,
            "userAccessType": "TOAST_MACHINE_CLIENT",
        }
        token = live.post(fake.base_url + LOGIN, json=body, timeout=5).json()["token"]
        headers = {
            "Authorization": f"Bearer {token['accessToken']}",
            "Toast-Restaurant-External-ID": restaurant,
        }
        pages = [
            live.get(
                fake.base_url + BULK, params={**window, "page": n}, headers=headers, timeout=5
            )
            for n in (1, 2)
        ]
        assert fake.stats()["locations"][restaurant]["orders_bulk"] == 2
    offline = requests.Session()
    offline.mount("http://", ReplayAdapter(tmp_path))
    for number, page in zip((1, 2), pages, strict=True):
        again = offline.get(
            "http://nowhere" + BULK, params={**window, "page": number}, headers=headers
        )
        assert again.status_code == 200
        assert again.json() == page.json()
        assert again.headers["Link"] == page.headers["Link"]
    with pytest.raises(requests.ConnectionError, match="not in the capture"):
        offline.get("http://nowhere" + BULK, params={**window, "page": 3}, headers=headers)
    now = captured_now(ReplayAdapter(tmp_path).index)
    assert now.isoformat() == "2026-01-05T00:00:00+00:00"


def test_virtual_time_advances_instead_of_waiting() -> None:
    virtual = VirtualTime()
    before = virtual.clock()
    virtual.sleep(3600)
    assert virtual.clock() - before >= 3600
    assert virtual.slept == 3600


@pytest.mark.slow  # a second full sync for this one check: `bash tests/run.sh -m slow`
def test_a_sync_into_the_counting_sink_sees_every_row_a_runner_sync_writes(
    tmp_path: Path,
) -> None:
    """The connector-memory phase measures the same sync: same rows, same deletes, timed
    operations that saw every call."""
    times = OperationTimes()
    times.install()
    try:
        with toast_server(world=World.load()) as server, virtual_time():
            configuration = make_configuration(server)
            written = Project(tmp_path / "runner").sync(configuration).warehouse
            streamed = child.sync_into_counting_sink(configuration, {}, tmp_path / "sink")
    finally:
        times.uninstall()
    assert Operations.upsert is OPERATIONS_UPSERT  # uninstalled
    rows = {table: written.count(table) for table in written.tables()}
    counted = {table: streamed["upserts_per_table"].get(table, 0) for table in rows}
    # A shift is read again where ranges overlap (7 days) and where the schedule is re-read.
    assert counted.pop("shift") >= rows.pop("shift") > 0
    assert counted == rows
    deleted = sum(written.count(table, deleted=True) for table in written.tables())
    assert streamed["Deletes"] >= deleted > 0  # a deleted shift read twice is deleted twice
    assert times.calls["upsert"] == 2 * streamed["Upserts"]  # both syncs went through op
    assert times.calls["checkpoint"] >= 2 and times.seconds["checkpoint"] > 0


@pytest.mark.slow  # runs the benchmark: four child processes, ~20 s
def test_a_tiny_benchmark_runs_every_phase_and_replays_the_same_rows(tmp_path: Path) -> None:
    """`tests/benchmark.py` end to end at a tiny size: the measured sync, the write-bound replay
    of its capture (the connector's own connection pool must not bypass it) and one worker."""
    out = tmp_path / "bench.json"
    command = [
        sys.executable,
        "tests/benchmark.py",
        *("--restaurants", "2", "--days", "3", "--orders-per-day", "4", "--latency-ms", "5"),
        *("--explode-orders", "50", "--json", str(out), "--workdir", str(tmp_path / "work")),
        *("--now", FIXED_NOW.isoformat()),
    ]
    finished = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-3000:]
    results = json.loads(out.read_text())
    sync, replayed, single = results["sync"], results["write_bound"], results["single_worker"]
    assert sync["ok"] and replayed["ok"] and single["ok"]
    assert sum(sync["rows"].values()) > 0
    assert replayed["rows"] == sync["rows"] == single["rows"]
    assert replayed["replay_miss_count"] == 0
    assert sync["server"]["served_429"] == 0
    assert 0 < sync["server"]["connections_opened"] <= connections_needed(8)


@pytest.mark.slow  # a second full sync for this one check: `bash tests/run.sh -m slow`
def test_the_runner_patches_change_what_they_say_and_not_the_rows_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clean_sync: tuple[SyncResult, FakeToast]
) -> None:
    """`--runner-patches` diagnoses the runner's memory: it must measure the same sync."""
    shipped = clean_sync[0].warehouse  # the runner as shipped (tests/conftest.py)

    runner_patches.apply(
        runner_patches.parse(",".join(runner_patches.PATCHES)), monkeypatch.setattr
    )

    table = runner._Table("tester", "orders", {}, ["id"], False)
    table.upserted.add(hash(("an order",)))
    assert not table.upserted
    destination = DuckDbDestination(str(tmp_path / "probe.db"), "tester")
    destination.open()
    settings = dict(
        destination.con.execute(
            "SELECT name, value FROM duckdb_settings() WHERE name IN ('memory_limit', 'threads')"
        ).fetchall()
    )
    destination.close()
    with duckdb.connect() as reference:
        reference.execute(f"SET memory_limit = '{runner_patches.DUCKDB_MEMORY_LIMIT}'")
        capped = reference.execute("SELECT current_setting('memory_limit')").fetchone()[0]
    assert settings == {"memory_limit": capped, "threads": "1"}

    with toast_server(world=World.load()) as server, virtual_time():
        patched = Project(tmp_path / "patched").sync(make_configuration(server)).warehouse
    assert patched.snapshot() == shipped.snapshot()
    assert shipped.count("orders", deleted=True) > 0  # the deletes went through the runner too


def test_runner_patches_are_named_by_commas_and_an_unknown_name_is_refused() -> None:
    assert runner_patches.parse(" forget-keys, duckdb-threads ,") == [
        "forget-keys",
        "duckdb-threads",
    ]
    with pytest.raises(argparse.ArgumentTypeError, match="unknown runner patch nope"):
        runner_patches.parse("forget-keys,nope")


@pytest.mark.slow  # runs the group benchmark: three child processes, ~20 s
def test_the_group_benchmark_resumes_from_the_first_syncs_state_an_hour_later(
    tmp_path: Path,
) -> None:
    """`tests/benchmark.py --group` at a tiny size: the no-change sync starts from the first
    sync's state (no order is written again), and so does its second run
    (`--no-change-runs 2`); its replay writes the same rows, and each checkpoint's own cost is
    measured on the state the sync left."""
    out = tmp_path / "group.json"
    command = [
        sys.executable,
        "tests/benchmark.py",
        "--group",
        *("--restaurants", "3", "--days", "1", "--orders-per-day", "3", "--latency-ms", "5"),
        *("--json", str(out), "--workdir", str(tmp_path / "work")),
        *("--now", FIXED_NOW.isoformat(), "--no-change-runs", "2"),
    ]
    finished = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-3000:]
    assert "Targets (issue 19):" in finished.stdout
    results = json.loads(out.read_text())
    first, second, replayed = results["first"], results["no_change"], results["write_bound"]
    assert first["rows"]["orders"] == 3 * 3
    assert "orders" not in second["rows"]  # resumed from the first sync's cursors
    assert second["sizes"]["now"] == "2026-11-20T13:00:00+00:00"  # an hour after FIXED_NOW
    assert replayed["rows"] == second["rows"] and replayed["replay_miss_count"] == 0
    again = results["no_change_2"]
    assert again["ok"] and again["rows"] == second["rows"]  # the same sync, run again
    assert again["server"]["by_endpoint"] == second["server"]["by_endpoint"]
    assert "wall / CPU of each of its 2 runs" in finished.stdout
    state = json.loads((tmp_path / "work" / "first.state.json").read_text())
    assert set(state["restaurants"]) == set(first["server"]["locations"]) - {"ip"}
    cost = first["checkpoint_cost"]
    assert cost["checkpoints"] == first["sdk_counts"]["Checkpoints"] >= 1
    assert cost["max_state_bytes"] == first["state"]["bytes"] == len(json.dumps(state))
    assert 0 < cost["max_seconds"] < 5
