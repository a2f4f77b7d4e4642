"""The sandbox (`python -m tests.sandbox`): what it touches and what it runs with.

The fast tests check its pieces in a temporary repository root. The e2e test runs the whole
command, a real `fivetran debug`, on a temporary copy of the repository whose files/ holds a
real sync's warehouse and state: they must come out untouched, and the sandbox's own folder
must hold the warehouse it prints."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pytest

from tests import sandbox
from tests.conftest import FIXED_NOW, ROOT
from tests.fake_toast.demo import DemoWorld

SANDBOX_TIMEOUT_SECONDS = 240


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temporary repository root with connector.py and requirements.txt, the sandbox's
    paths pointing into it."""
    for name in sandbox.PROJECT_FILES:
        (tmp_path / name).write_text(f"# the project's {name}\n")
    folder = tmp_path / "tests" / "sandbox_run"
    old = tmp_path / "files"
    for name, path in {
        "ROOT": tmp_path,
        "FOLDER": folder,
        "WAREHOUSE": folder / "files" / "warehouse.db",
        "STATE": folder / "files" / "state.json",
        "CONFIGURATION": folder / "configuration.json",
        "KEY_FILE": folder / "fernet.key",
        "LOG": folder / "debug.log",
        "OLD_FILES": old,
        "OLD_MARKER": old / "sandbox-marker.json",
    }.items():
        monkeypatch.setattr(sandbox, name, path)
    return tmp_path


def _old_sandbox_files(root: Path, warehouse: bytes, recorded: bytes) -> Path:
    """files/ as an older sandbox left it: its warehouse, state, key, configuration, log and
    the marker holding the sha256 of `recorded`."""
    files = root / "files"
    files.mkdir()
    (files / "warehouse.db").write_bytes(warehouse)
    for name in ("state.json", "sandbox-configuration.json", "sandbox-fernet.key"):
        (files / name).write_text("{}")
    (files / "sandbox-debug.log").write_text("log")
    (recorded_file := root / "recorded").write_bytes(recorded)
    marker = {"warehouse_sha256": sandbox._sha256(recorded_file)}
    (files / "sandbox-marker.json").write_text(json.dumps(marker))
    return files


def test_the_sandbox_folder_gets_the_project_files_and_loses_the_last_run(root: Path) -> None:
    folder = root / "tests" / "sandbox_run"
    (folder / "files").mkdir(parents=True)
    (folder / "files" / "warehouse.db").write_bytes(b"the last sandbox run")
    (folder / "crash-reports").mkdir()
    (folder / "fernet.key").write_text("kept")
    sandbox.prepare_folder()
    assert sorted(path.name for path in folder.iterdir()) == [
        "connector.py",
        "fernet.key",
        "requirements.txt",
    ]
    assert (folder / "connector.py").read_text() == "# the project's connector.py\n"
    assert not (root / "files").exists()


def test_given_an_older_sandbox_files_folder_then_only_its_files_are_removed(root: Path) -> None:
    files = _old_sandbox_files(root, b"sandbox warehouse", recorded=b"sandbox warehouse")
    (files / "mine.txt").write_text("a file of the user's")
    note = sandbox.remove_old_sandbox_files()
    assert note is not None
    assert "Removed" in note
    assert sorted(path.name for path in files.iterdir()) == ["mine.txt"]


def test_given_an_older_sandbox_files_folder_alone_then_it_goes(root: Path) -> None:
    _old_sandbox_files(root, b"sandbox warehouse", recorded=b"sandbox warehouse")
    sandbox.remove_old_sandbox_files()
    assert not (root / "files").exists()


def test_given_an_older_sandbox_warehouse_changed_since_then_nothing_is_removed(
    root: Path,
) -> None:
    files = _old_sandbox_files(root, b"then a real sync wrote here", recorded=b"sandbox")
    before = sorted(path.name for path in files.iterdir())
    note = sandbox.remove_old_sandbox_files()
    assert note is not None
    assert "left as it is" in note
    assert sorted(path.name for path in files.iterdir()) == before


def test_given_a_real_sync_in_files_then_nothing_is_removed(root: Path) -> None:
    files = root / "files"
    files.mkdir()
    (files / "warehouse.db").write_bytes(b"a real sync")
    (files / "state.json").write_text("{}")
    assert sandbox.remove_old_sandbox_files() is None
    assert sorted(path.name for path in files.iterdir()) == ["state.json", "warehouse.db"]


def test_the_fernet_key_is_made_once_and_kept(root: Path) -> None:
    sandbox.prepare_folder()
    sandbox.write_configuration("http://127.0.0.1:1", "id", "secret")
    folder = root / "tests" / "sandbox_run"
    first = (folder / "configuration.json").read_text()
    sandbox.prepare_folder()
    sandbox.write_configuration("http://127.0.0.1:2", "id", "secret")
    second = (folder / "configuration.json").read_text()
    key = (folder / "fernet.key").read_text().strip()
    assert key in first
    assert key in second
    assert '"initialSyncStart": "2026-10-01T00:00:00.000Z"' in second


def test_given_pypi_unreachable_then_the_cli_gets_a_dead_proxy_and_a_local_pipreqs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_PROXY", "corp.example")
    monkeypatch.setenv("HOME", "/home/someone")
    offline = sandbox.cli_environment(sandbox.Network(False, False), tmp_path)
    assert offline["HTTPS_PROXY"] == offline["https_proxy"] == sandbox.DEAD_PROXY
    assert offline["NO_PROXY"] == "corp.example,127.0.0.1,localhost"
    assert offline["DO_NOT_TRACK"] == "1"
    assert offline["HOME"] == "/home/someone"
    shim = offline["PATH"].split(os.pathsep)[0]
    assert "--use-local" in (Path(shim) / "pipreqs").read_text()
    online = sandbox.cli_environment(sandbox.Network(True, True), tmp_path / "unused")
    assert online.get("HTTPS_PROXY") == os.environ.get("HTTPS_PROXY")
    assert online["PATH"].split(os.pathsep)[0] == str(sandbox.VENV_BIN)


def test_the_cli_output_is_shown_with_per_table_runs_folded_and_long_lines_cut() -> None:
    lines = [
        "12:00:00.000 INFO     sdk       calling schema()\n",
        *(f"12:00:00.001 INFO     sdk       table created: tester.t{n}\n" for n in range(47)),
        "12:00:00.002 INFO     sdk       checkpoint recorded: " + "x" * 500 + "\n",
    ]
    shown = list(sandbox.shown_lines(lines))
    assert shown[0].endswith("calling schema()")
    assert shown[1].endswith("table created: tester.t0")
    assert shown[2].strip() == "... and 46 more 'table created' lines"
    assert f"({len(lines[-1]) - 1} characters; see tests/sandbox_run/debug.log)" in shown[3]
    assert len(shown) == 4


def _copy_repository(target: Path) -> Path:
    """The files the sandbox needs, as a fresh clone has them (no earlier sandbox run)."""
    target.mkdir()
    for name in sandbox.PROJECT_FILES:
        shutil.copy2(ROOT / name, target / name)
    ignored = shutil.ignore_patterns("sandbox_run", "__pycache__", ".pytest_cache")
    shutil.copytree(ROOT / "tests", target / "tests", ignore=ignored)
    shutil.copytree(ROOT / "analytics", target / "analytics", ignore=ignored)
    return target


@pytest.mark.e2e
@pytest.mark.slow  # about 30 s of CPU (a whole `fivetran debug` of the demo world): CI runs it
def test_the_sandbox_syncs_into_its_own_folder_and_leaves_the_project_files_alone(
    tmp_path: Path,
) -> None:
    repository = _copy_repository(tmp_path / "repository")
    real = repository / "files"  # a real `fivetran debug` of the user's, before the sandbox
    real.mkdir()
    with duckdb.connect(str(real / "warehouse.db")) as database:
        database.execute("CREATE SCHEMA tester; CREATE TABLE tester.mine AS SELECT 1 AS id")
    (real / "state.json").write_text('{"restaurants": {}}')
    before = {path.name: path.read_bytes() for path in real.iterdir()}

    # The sync's clock set back to the recorded world's end: it costs the same whatever the date.
    shift = int((datetime.now(timezone.utc) - FIXED_NOW).total_seconds())
    run = subprocess.run(
        [sys.executable, "-m", "tests.sandbox"],
        cwd=repository,
        env={**os.environ, sandbox.CLOCK_SHIFT_VARIABLE: str(shift)},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=SANDBOX_TIMEOUT_SECONDS,
        check=False,
    )
    after = {path.name: path.read_bytes() for path in real.iterdir()}
    assert after == before, "the sandbox changed the project's files/"
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert not (repository / "crash-reports").exists()
    folder = repository / "tests" / "sandbox_run"
    warehouse = folder / "files" / "warehouse.db"
    assert f"The data landed in {warehouse} (DuckDB" in run.stdout
    demo = DemoWorld()
    with duckdb.connect(str(warehouse), read_only=True) as database:
        (orders,) = database.execute("SELECT count(*) FROM tester.orders").fetchone()
        (deposits,) = database.execute("SELECT count(*) FROM tester.cash_deposit").fetchone()
        (entries,) = database.execute("SELECT count(*) FROM tester.time_entry").fetchone()
    assert orders == sum(demo.expected_counts().values()) == 1260  # the demo world's, all of it
    assert deposits == len(demo.restaurant_guids) * len(demo.business_days()) == 42
    assert entries == sum(
        len(demo.labor_candidates(guid, "timeEntries", None, None))
        for guid in demo.restaurant_guids
    )
    state = json.loads((folder / "files" / "state.json").read_text())
    assert len(state["restaurants"]) == 3  # the demo world's, in the sandbox's state only
    cursors = {
        (stream, cursor[:10])
        for restaurant in state["restaurants"].values()
        for stream, cursor in restaurant["cursors"].items()
    }
    today = FIXED_NOW.date().isoformat()  # synced on the test's clock
    assert cursors == {("orders", today), ("labor", today), ("cash", today)}
    configuration = json.loads((folder / "configuration.json").read_text())
    assert configuration["key"] == (folder / "fernet.key").read_text().strip()

    # The query line it prints works as pasted, from any directory.
    (python_line,) = [line.strip() for line in run.stdout.splitlines() if " -c 'import" in line]
    query = subprocess.run(
        python_line, shell=True, cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert query.returncode == 0, query.stderr
    assert re.search(r"display_number", query.stdout)

    # Then the models, applied as views, with two queries on them and where to read on.
    assert "toast_daily_sales" in run.stdout
    assert "analytics/ANALYST_GUIDE.md" in run.stdout.splitlines()[-2]
    with duckdb.connect(str(warehouse), read_only=True) as database:
        (orders,) = database.execute("SELECT sum(orders) FROM tester.toast_daily_sales").fetchone()
    assert 0 < orders <= 1260
