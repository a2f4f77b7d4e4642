"""The slow tier (`-m e2e`): `fivetran debug`, the command a user runs, as a subprocess.

Each project is a temporary directory holding copies of connector.py and requirements.txt and a
configuration.json pointing at a FakeToast server that this process serves on 127.0.0.1. The
CLI runs with the offline environment of tests/conftest.py, so it reaches nothing else.

Before it syncs, the CLI checks requirements.txt with `pipreqs`, which looks imports up on
PyPI; offline every attempt fails and the SDK sleeps 3 s and 9 s between its three attempts. The
runs here find a `pipreqs` first on PATH that runs the real one with `--use-local` (local package
metadata only), as an offline check has to. The sync itself runs in real time (the connector's
rate limiter really waits: about 20 s for the recorded world), so the runs are made once per
session, and the crash run goes alongside the first and the resumed run. Its clock is the wall
clock set back to the recorded world's end (tests/e2e/shifted_cli.py), so the runs cost the same
whatever the date.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet

from tests.conftest import (
    FIXED_NOW,
    OFFLINE_ENV,
    ROOT,
    Warehouse,
    make_configuration,
    toast_server,
)
from tests.fake_toast import R3, FakeToast, Fault, RecordedRequest, World
from tests.sandbox import write_local_pipreqs

FIVETRAN = Path(sys.executable).parent / "fivetran"
# `fivetran`, run by this venv's Python with the connector's clock set back (see its docstring).
SHIFTED_CLI = Path(__file__).with_name("shifted_cli.py")
RUN_TIMEOUT_SECONDS = 240
# More 500s than the connector will ever try on one request: for it, the endpoint fails forever.
ENDLESS_FAULTS = 100


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "e2e: runs the real `fivetran debug` CLI as a subprocess (slow tier)"
    )


def cli_environment(shim_directory: Path) -> dict[str, str]:
    """The environment of a CLI run: offline (tests/conftest.py), the local `pipreqs` first on
    PATH, then the venv's bin (the SDK runs `pipreqs` by name: without the venv on PATH, as
    when it is not activated, `fivetran debug` fails)."""
    environment = {**os.environ, **OFFLINE_ENV}
    for name in ("FIVETRAN_CONFIGURATION", "FIVETRAN_STATE", "FIVETRAN_NAMING"):
        environment.pop(name, None)  # a user's own settings would redirect the run
    path = os.pathsep.join((str(shim_directory), str(FIVETRAN.parent), environment["PATH"]))
    environment["PATH"] = path
    return environment


@dataclass
class CliRun:
    """What one `fivetran debug` run left: its exit code, its output and the requests it made."""

    returncode: int
    output: str
    requests: list[RecordedRequest]

    def tail(self, lines: int = 40) -> str:
        """The end of the output, for assertion messages."""
        return "\n".join(self.output.splitlines()[-lines:])


class RunningCli:
    """A `fivetran debug` subprocess that was started and is waited for later."""

    def __init__(
        self, project: CliProject, server: FakeToast, log: Path, clock_shift: timedelta
    ) -> None:
        self._server = server
        self._first_request = len(server.requests)
        self._log = log
        shift = str(clock_shift.total_seconds())
        with log.open("wb") as output:
            self._process = subprocess.Popen(
                [sys.executable, str(SHIFTED_CLI), shift, "debug", str(project.path)],
                cwd=project.path,
                env=cli_environment(project.path.parent / "bin"),
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
            )

    def wait(self) -> CliRun:
        """Wait for the run to end (killed after RUN_TIMEOUT_SECONDS) and collect what it did."""
        try:
            returncode = self._process.wait(timeout=RUN_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
            raise
        output = self._log.read_text(encoding="utf-8", errors="replace")
        return CliRun(returncode, output, list(self._server.requests[self._first_request :]))


class CliProject:
    """A connector project as a user has it: connector.py, requirements.txt, configuration.json."""

    def __init__(self, path: Path, configuration: dict[str, str]) -> None:
        self.path = path
        self.configuration = configuration
        path.mkdir(parents=True)
        write_local_pipreqs(path.parent / "bin", FIVETRAN.parent)
        for name in ("connector.py", "requirements.txt"):
            shutil.copy2(ROOT / name, path / name)
        (path / "configuration.json").write_text(json.dumps(configuration, indent=2))
        self._runs = 0

    def start(self, server: FakeToast, clock_shift: timedelta) -> RunningCli:
        """Start `fivetran debug <project>`, the connector's clock `clock_shift` behind the wall
        clock; its output goes to a log next to the project."""
        self._runs += 1
        log = self.path.parent / f"{self.path.name}-run{self._runs}.log"
        return RunningCli(self, server, log, clock_shift)

    def run(self, server: FakeToast, clock_shift: timedelta) -> CliRun:
        """Run `fivetran debug <project>` to its end."""
        return self.start(server, clock_shift).wait()

    @property
    def warehouse(self) -> Warehouse:
        return Warehouse(self.path / "files" / "warehouse.db")

    def state(self) -> dict[str, Any]:
        state_file = self.path / "files" / "state.json"
        return json.loads(state_file.read_text()) if state_file.exists() else {}


def fake_toast() -> AbstractContextManager[FakeToast]:
    """A fake Toast server with a client secret of its own, so any sighting of it is a leak
    (failing the session's runs if the fake had a bug: `toast_server`)."""
    return toast_server(World.load(), client_secret=f"e2e-secret-{secrets.token_urlsafe(24)}")


def project_for(path: Path, server: FakeToast) -> CliProject:
    """A project whose configuration points at `server`, with a Fernet key of its own."""
    return CliProject(path, make_configuration(server, key=Fernet.generate_key().decode()))


@dataclass
class CliRuns:
    """The session's `fivetran debug` runs.

    `first` and `second` ran one after the other in `project` against `server` (the second
    resumes from the first's state); `crash` ran in `crash_project` against `crash_server`,
    whose ordersBulk answers 500 for ever for restaurant R3. Every run's clock is the wall
    clock less `clock_shift` (`now()`).
    """

    clock_shift: timedelta
    server: FakeToast
    project: CliProject
    first: CliRun
    first_finished: datetime
    first_state: dict[str, Any]
    first_counts: dict[str, int]
    second: CliRun
    crash_server: FakeToast
    crash_project: CliProject
    crash: CliRun

    def now(self) -> datetime:
        """The runs' clock now."""
        return datetime.now(timezone.utc) - self.clock_shift


@pytest.fixture(scope="session")
def cli_runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CliRuns]:
    """Make every run of the tier once: the crash run in parallel with the two others."""
    assert FIVETRAN.exists(), f"no fivetran CLI next to {sys.executable}: install the SDK"
    base = tmp_path_factory.mktemp("e2e")
    # The session starts at FIXED_NOW on the runs' clock (to the second: the runs see it as
    # their now, and a shift with microseconds would put them between milliseconds).
    shift = timedelta(seconds=int((datetime.now(timezone.utc) - FIXED_NOW).total_seconds()))
    with fake_toast() as server, fake_toast() as crash_server:
        crash_server.script(
            "GET",
            r"^/orders/v2/ordersBulk$",
            *(Fault(status=500, restaurant=R3) for _ in range(ENDLESS_FAULTS)),
        )
        project = project_for(base / "project", server)
        crash_project = project_for(base / "crash-project", crash_server)
        crashing = crash_project.start(crash_server, shift)
        first = project.run(server, shift)
        first_finished = datetime.now(timezone.utc) - shift  # the runs' clock: after the sync
        first_state = project.state()
        first_counts = (
            {table: project.warehouse.count(table) for table in project.warehouse.tables()}
            if first.returncode == 0
            else {}
        )
        second = project.run(server, shift)
        crash = crashing.wait()
        yield CliRuns(
            clock_shift=shift,
            server=server,
            project=project,
            first=first,
            first_finished=first_finished,
            first_state=first_state,
            first_counts=first_counts,
            second=second,
            crash_server=crash_server,
            crash_project=crash_project,
            crash=crash,
        )
