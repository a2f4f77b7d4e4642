"""Shared fixtures: an offline SDK, the fake Toast server, and syncs through the SDK's runner.

The SDK looks up PyPI and sends telemetry; offline each attempt waits seconds. Pointing HOME at a
prepared directory, DO_NOT_TRACK and a dead proxy keep every run local (sdk_notes §0). This must
happen before the SDK is imported, hence at the top of this module.
"""

from __future__ import annotations

import atexit
import json
import os
import re
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]


def _offline_home() -> Path:
    home = Path(tempfile.mkdtemp(prefix="toast-sdk-home-"))
    atexit.register(shutil.rmtree, home, ignore_errors=True)
    sdk = home / ".fivetran" / "connector_sdk"
    core = home / ".fivetran" / "connector_sdk_core"
    sdk.mkdir(parents=True)
    core.mkdir(parents=True)
    (sdk / "_last_version_check").write_text("9999999999")
    (sdk / "_config.json").write_text(json.dumps({"is_telemetry_enabled": False}))
    (core / "_config.json").write_text(
        json.dumps({"lastVersionCheck": 9999999999, "licenseNoticeShown": True})
    )
    return home


OFFLINE_ENV = {
    "HOME": str(_offline_home()),
    "DO_NOT_TRACK": "1",
    "HTTP_PROXY": "http://127.0.0.1:9",
    "HTTPS_PROXY": "http://127.0.0.1:9",
    "NO_PROXY": "127.0.0.1,localhost",
}
os.environ.update(OFFLINE_ENV)
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402
import pytest  # noqa: E402
import requests  # noqa: E402
from cryptography.fernet import Fernet  # noqa: E402
from fivetran_connector_sdk import Logging  # noqa: E402
from fivetran_connector_sdk_cli import connector as sdk_cli_connector  # noqa: E402
from fivetran_connector_sdk_cli import core_adapter  # noqa: E402
from fivetran_connector_sdk_cli.memory_tracker import DebugMemoryTracker  # noqa: E402
from xdist.scheduler import LoadFileScheduling  # noqa: E402

import connector  # noqa: E402
from tests import runner_memo  # noqa: E402
from tests.fake_toast import FakeToast, World  # noqa: E402

INITIAL_SYNC_START = "2026-09-01T00:00:00.000Z"
FERNET_KEY = Fernet.generate_key().decode()

# The sync's clock in every in-process test (the autouse fixture `fixed_clock`): a fixed instant
# after everything the recorded world holds, so a test's result does not depend on the day it
# runs. A test that needs time to move sets `connector.NOW` itself (monkeypatch). A sync in a
# child process gets it as an argument (tests/resilience/sync_child.py).
FIXED_NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)

# ------------------------------------------------------------------------------ the test run
# Tiers, run in this order (`pytest_collection_modifyitems`): the fast unit tests first, so a
# broken basic fails within seconds; then whole syncs, faults, the real CLI, the benchmark's.
_TIERS = ("unit", "replay", "resilience", "e2e", "bench")
# The marker `slow`: measurements (the benchmark, peak RSS) of more than ~20 s. They run only
# when asked for: `bash tests/run.sh -m slow` (README, Tests), or their file or test named.
_SLOW = "slow"
# Heavy files: long syncs (live fakes, second syncs, real-time spacing). On several processes
# (`-n 4 --dist loadfile`) a file runs on one, so the file dispatched last sets the wall time;
# xdist's own order (most tests first) put the live files, of few tests, last. Dispatched first
# instead, the many short files fill the processes after them (tests/bench/TEST_TIMES.md).
# Paths under tests/.
_HEAVY_FILES = (  # the seven costliest of 2026-12-05 (each 160-680 s of a 4,971 s run, loaded)
    "resilience/test_live_refusals.py",
    "resilience/test_live_group.py",
    "replay/test_deletes.py",
    "resilience/test_live.py",
    "resilience/test_faults.py",
    "replay/test_core_sync.py",
    "replay/test_schedule.py",
    "resilience/test_random_live.py",
    "resilience/test_absent.py",
)


# Tests whose cases each make their own unit of work on several processes, though a file's tests
# otherwise stay on one (`--dist loadfile`): the slow tier's randomized seeds, independent syncs
# of ~15 s each, would take one process the whole tier's time.
_SPREAD_TESTS = ("tests/resilience/test_random_live.py::test_random_live_syncs_many[",)


class _FilesWithSeedsSpread(LoadFileScheduling):
    """`--dist loadfile`, except that each case of `_SPREAD_TESTS` is a unit of its own."""

    def _split_scope(self, nodeid: str) -> str:
        if nodeid.startswith(_SPREAD_TESTS):
            return nodeid
        return super()._split_scope(nodeid)


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> LoadFileScheduling | None:
    """xdist's scheduler for `--dist loadfile` (tests/run.sh): `_FilesWithSeedsSpread`."""
    return _FilesWithSeedsSpread(config, log) if config.getvalue("dist") == "loadfile" else None


@pytest.fixture(autouse=True, scope="session")
def _runner_catalog_remembered() -> Iterator[None]:
    """The SDK runner's catalog queries remembered while no table changes (tests/runner_memo.py:
    a third of a sync's time in these tests; the rows written are the same)."""
    with pytest.MonkeyPatch.context() as patch:
        runner_memo.install(patch.setattr)
        yield


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{_SLOW}: a measurement of more than ~20 s; runs only with `-m {_SLOW}` (or any -m "
        "expression naming it) or when its file or test is named",
    )


def _tier(item: pytest.Item) -> int:
    parts = Path(item.path).relative_to(ROOT / "tests").parts
    return _TIERS.index(parts[0]) if parts[0] in _TIERS else len(_TIERS)


def _heavy_first(config: pytest.Config, item: pytest.Item) -> bool:
    """Whether the item's file is heavy and the run spread over processes (`_HEAVY_FILES`)."""
    distributed = hasattr(config, "workerinput")  # an xdist worker (the controller collects not)
    path = Path(item.path).relative_to(ROOT / "tests").as_posix()
    return distributed and path in _HEAVY_FILES


def _named(config: pytest.Config, item: pytest.Item) -> bool:
    """Whether the command line names the item's file, or the item, itself."""
    for argument in config.args:
        path, _, name = argument.partition("::")
        named_file = (config.invocation_params.dir / path).resolve() == Path(item.path)
        if named_file and item.nodeid.partition("::")[2].startswith(name):
            return True
    return False


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Leave out slow tests unless asked for; order the rest by tier (stable within one),
    heavy files first when the run is spread over processes (`_HEAVY_FILES`; tests/run.sh keeps
    this order with `--no-loadscope-reorder`)."""
    if not re.search(rf"\b{_SLOW}\b", config.option.markexpr or ""):
        slow = [i for i in items if i.get_closest_marker(_SLOW) and not _named(config, i)]
        if slow:
            config.hook.pytest_deselected(items=slow)
            items[:] = [item for item in items if item not in slow]
    items.sort(key=lambda item: (not _heavy_first(config, item), _tier(item)))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Say why no test ran, before pytest's closing line (which stays the last line printed)."""
    if exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(
                f"No test ran: an empty selection fails the run (exit 5). Slow tests run only "
                f"with `-m {_SLOW}`.",
                red=True,
            )


class _MemoryTrackerStoppedAfterSync(DebugMemoryTracker):
    """The SDK's memory tracker as `fivetran debug` runs it during a sync (the 4 GB limit is
    still enforced), but stopped when update() returns. As shipped, `stop()` does nothing: in a
    test session every sync leaves a thread sampling memory each second, and an atexit line
    that the interpreter prints after pytest's closing line."""

    def stop(self, timeout: float = 3.0) -> None:
        del timeout
        self.active = False
        atexit.unregister(self._log_results)


@pytest.fixture(scope="session", autouse=True)
def memory_tracker_stopped_after_sync() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sdk_cli_connector, "DebugMemoryTracker", _MemoryTrackerStoppedAfterSync)
        yield


@pytest.fixture(scope="session", autouse=True)
def fixed_clock() -> Iterator[datetime]:
    """Every in-process sync runs on FIXED_NOW (session scope: module-scoped syncs too)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(connector, "NOW", lambda: FIXED_NOW)
        yield FIXED_NOW


def make_configuration(server: FakeToast, **overrides: str) -> dict[str, str]:
    """A configuration pointing at the fake server, with its sandbox credentials."""
    configuration = {
        "clientId": server.client_id,
        "clientSecret": server.client_secret,
        "userAccessType": "TOAST_MACHINE_CLIENT",
        "domain": server.base_url,
        "initialSyncStart": INITIAL_SYNC_START,
        "key": FERNET_KEY,
    }
    configuration.update(overrides)
    return configuration


def toast_client(server: FakeToast) -> connector.ToastClient:
    """The connector's one HTTP client, configured for the fake server, with no cached token
    (tests that read through one reader without a sync; close it when done)."""
    settings = connector.validate_configuration(make_configuration(server))
    return connector.ToastClient(settings, connector.TokenCache(settings.fernet, None))


def columns_by_table(db: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """Every table of the `tester` schema with its columns, in one query on an open connection."""
    columns_of: dict[str, list[str]] = {}
    for table, column in db.execute(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = 'tester'"
    ).fetchall():
        columns_of.setdefault(table, []).append(column)
    return columns_of


class Warehouse:
    """Read access to the DuckDB file a sync left, as a user would query it."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def query(self, sql: str, *params: Any) -> list[tuple]:
        with duckdb.connect(str(self.path), read_only=True) as db:
            return db.execute(sql, list(params)).fetchall()

    def tables(self) -> set[str]:
        rows = self.query(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'tester'"
        )
        return {name for (name,) in rows}

    def columns(self, table: str) -> dict[str, str]:
        rows = self.query(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'tester' AND table_name = ?",
            table,
        )
        return dict(rows)

    def count(self, table: str, deleted: bool | None = None) -> int:
        where = "" if deleted is None else f" WHERE _fivetran_deleted = {str(deleted).lower()}"
        return self.query(f'SELECT count(*) FROM tester."{table}"{where}')[0][0]

    def ids(self, table: str, column: str = "id", deleted: bool | None = None) -> set[str]:
        where = "" if deleted is None else f" WHERE _fivetran_deleted = {str(deleted).lower()}"
        return {value for (value,) in self.query(f'SELECT {column} FROM tester."{table}"{where}')}

    def snapshot(self) -> dict[str, list[tuple]]:
        """Every table's rows (all columns but `_fivetran_synced`), sorted: equal snapshots
        mean equal warehouses. One connection for all tables (each opening costs ~20 ms)."""
        tables: dict[str, list[tuple]] = {}
        with duckdb.connect(str(self.path), read_only=True) as db:
            columns_of = columns_by_table(db)
            for table in sorted(columns_of):
                columns = [c for c in sorted(columns_of[table]) if c != "_fivetran_synced"]
                selected = ", ".join(f'CAST("{c}" AS VARCHAR)' for c in columns)
                rows = db.execute(f'SELECT {selected} FROM tester."{table}"').fetchall()
                tables[table] = sorted(rows, key=lambda row: tuple(str(v) for v in row))
        return tables

    def row(self, table: str, key: str, column: str = "id") -> dict[str, Any]:
        with duckdb.connect(str(self.path), read_only=True) as db:
            cursor = db.execute(f'SELECT * FROM tester."{table}" WHERE {column} = ?', [key])
            names = [description[0] for description in cursor.description]
            rows = cursor.fetchall()
        assert len(rows) == 1, f"{table}.{column} = {key}: {len(rows)} rows"
        return dict(zip(names, rows[0], strict=True))


@dataclass
class SyncResult:
    """What a sync left: the warehouse and the state it checkpointed."""

    warehouse: Warehouse
    state: dict[str, Any]


class Project:
    """A project directory that syncs run into, as `fivetran debug` would use it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.path.mkdir(parents=True, exist_ok=True)

    @property
    def state_file(self) -> Path:
        return self.path / "files" / "state.json"

    def state(self) -> dict[str, Any]:
        return json.loads(self.state_file.read_text()) if self.state_file.exists() else {}

    def sync(self, configuration: dict[str, str], fivetran_naming: bool = True) -> SyncResult:
        """Run update() through the SDK's own runner, resuming from the last state; with
        `fivetran_naming` False, as `fivetran debug --naming SOURCE` does."""
        Logging.LOG_LEVEL = (
            Logging.Level.INFO
        )  # `fivetran debug` sets it; the bare runner does not
        core_adapter.run(
            connector.connector, str(self.path), configuration, self.state(), fivetran_naming
        )
        return SyncResult(Warehouse(self.path / "files" / "warehouse.db"), self.state())

    @property
    def warehouse(self) -> Warehouse:
        return Warehouse(self.path / "files" / "warehouse.db")


@contextmanager
def toast_server(world: World | None = None, **options: Any) -> Iterator[FakeToast]:
    """A FakeToast serving while the block runs (options as FakeToast's); on leaving, the test
    fails if the fake itself had a bug: an exception in the fake drops the client's connection,
    which the client retries like any dropped connection, so nothing else would show it."""
    with FakeToast(world=world, **options) as server:
        yield server
    assert server.internal_errors == [], "bugs in the fake Toast server:\n" + "\n".join(
        server.internal_errors
    )


@pytest.fixture
def world() -> World:
    return World.load()


@pytest.fixture
def toast(world: World) -> Iterator[FakeToast]:
    """The fake Toast server; a test fails if a scripted fault was never used, or if the fake
    had a bug (`toast_server`)."""
    with toast_server(world=world) as server:
        yield server
        assert server.unconsumed() == [], "scripted faults the sync never triggered"


@pytest.fixture(scope="session")
def clean_sync(tmp_path_factory: pytest.TempPathFactory) -> tuple[SyncResult, FakeToast]:
    """One undisturbed sync of the recorded world (the default configuration, virtual time),
    shared by every test that only reads it: its warehouse, state and the server's requests."""
    with toast_server(world=World.load()) as server, virtual_time():
        project = Project(tmp_path_factory.mktemp("clean") / "project")
        result = project.sync(make_configuration(server))
    return result, server


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return Project(tmp_path / "project")


@dataclass
class Sent:
    """A request the client sent, at the time its rate limiter admitted it (virtual time)."""

    admitted: float | None
    method: str
    path: str
    restaurant: str | None


class VirtualTime:
    """Time for the client's waits: a sleep returns at once and moves this clock forward, so
    the rate limiter sees the time it asked for pass. Records every wait, and every request the
    client sends (`sent`) with its admission time.

    The limiter reads the clock (CLOCK) when it admits a request, and the sending thread then
    sends it without reading the clock again (connector.ToastClient._send): the last reading of
    the sending thread is the admission time. Unlike the server's arrival times, admission times
    do not depend on how busy the machine is."""

    def __init__(self) -> None:
        self.waits: list[float] = []
        self.sent: list[Sent] = []
        self._skipped = 0.0
        self._lock = threading.Lock()
        self._last_reading = threading.local()

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.waits.append(seconds)
            self._skipped += max(seconds, 0.0)

    def clock(self) -> float:
        with self._lock:
            now = time.monotonic() + self._skipped
        self._last_reading.value = now
        return now

    def record(self, request: requests.PreparedRequest) -> None:
        """Note a request the sending thread is about to send (see the class)."""
        sent = Sent(
            getattr(self._last_reading, "value", None),
            request.method or "",
            urlsplit(request.url or "").path,
            request.headers.get("Toast-Restaurant-External-ID"),
        )
        with self._lock:
            self.sent.append(sent)


@contextmanager
def virtual_time() -> Iterator[VirtualTime]:
    """Run the connector's client in virtual time while the block runs; record what it sends
    (`requests`' transport adapter notes each request before sending it unchanged)."""
    virtual = VirtualTime()
    saved = connector.SLEEP, connector.CLOCK
    send = requests.adapters.HTTPAdapter.send

    def recorded_send(
        adapter: requests.adapters.HTTPAdapter, request: requests.PreparedRequest, **options: Any
    ) -> requests.Response:
        virtual.record(request)
        return send(adapter, request, **options)

    connector.SLEEP, connector.CLOCK = virtual.sleep, virtual.clock
    requests.adapters.HTTPAdapter.send = recorded_send  # type: ignore[method-assign]
    try:
        yield virtual
    finally:
        connector.SLEEP, connector.CLOCK = saved
        requests.adapters.HTTPAdapter.send = send  # type: ignore[method-assign]


@pytest.fixture
def no_wait() -> Iterator[list[float]]:
    """Run the client in virtual time (see VirtualTime); yields the waits it asked for."""
    with virtual_time() as virtual:
        yield virtual.waits
