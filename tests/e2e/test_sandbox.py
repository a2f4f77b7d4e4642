"""The pieces of `python -m tests.sandbox` that decide what it touches and what it runs with
(the whole command costs a venv and a real-time sync: README shows it, a person runs it)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests import sandbox


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The sandbox's files/ in a temporary repository root."""
    monkeypatch.setattr(sandbox, "ROOT", tmp_path)
    folder = tmp_path / "files"
    for name, path in {
        "FILES": folder,
        "WAREHOUSE": folder / "warehouse.db",
        "STATE": folder / "state.json",
        "MARKER": folder / "sandbox-marker.json",
        "KEY_FILE": folder / "sandbox-fernet.key",
        "CONFIGURATION": folder / "sandbox-configuration.json",
    }.items():
        monkeypatch.setattr(sandbox, name, path)
    return folder


def test_given_no_warehouse_then_the_sandbox_may_run_and_resets_nothing_it_did_not_make(
    files: Path,
) -> None:
    sandbox.check_files_are_ours()
    sandbox.reset_files()
    assert sorted(path.name for path in files.iterdir()) == ["sandbox-marker.json"]


def test_given_a_warehouse_the_sandbox_did_not_make_then_it_refuses(files: Path) -> None:
    files.mkdir()
    (files / "warehouse.db").write_bytes(b"a real sync")
    with pytest.raises(sandbox.SandboxError, match="did not make them"):
        sandbox.check_files_are_ours()


def test_given_the_sandbox_warehouse_changed_since_then_it_refuses(files: Path) -> None:
    sandbox.reset_files()
    (files / "warehouse.db").write_bytes(b"made by the sandbox")
    sandbox.write_marker(sandbox._sha256(files / "warehouse.db"))
    sandbox.check_files_are_ours()  # still the sandbox's own
    (files / "warehouse.db").write_bytes(b"then a real `fivetran debug` in the same folder")
    with pytest.raises(sandbox.SandboxError, match="changed since the sandbox made it"):
        sandbox.check_files_are_ours()


def test_given_its_own_warehouse_then_the_sandbox_deletes_it_and_the_state(files: Path) -> None:
    sandbox.reset_files()
    (files / "warehouse.db").write_bytes(b"made by the sandbox")
    (files / "state.json").write_text("{}")
    sandbox.write_marker(sandbox._sha256(files / "warehouse.db"))
    sandbox.check_files_are_ours()
    sandbox.reset_files()
    assert not (files / "warehouse.db").exists()
    assert not (files / "state.json").exists()


def test_the_fernet_key_is_made_once_and_kept(files: Path) -> None:
    files.mkdir()
    sandbox.write_configuration("http://127.0.0.1:1", "id", "secret")
    first = (files / "sandbox-configuration.json").read_text()
    sandbox.write_configuration("http://127.0.0.1:2", "id", "secret")
    second = (files / "sandbox-configuration.json").read_text()
    key = (files / "sandbox-fernet.key").read_text().strip()
    assert key in first
    assert key in second
    assert '"initialSyncStart": "2026-09-01T00:00:00.000Z"' in second


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
    assert f"({len(lines[-1]) - 1} characters; see files/sandbox-debug.log)" in shown[3]
    assert len(shown) == 4
