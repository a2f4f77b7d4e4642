"""The sandbox: `fivetran debug` syncs the demo Toast world from a local fake Toast server.

Run it as `bash tests/sandbox.sh` (which prepares .venv first) or, with .venv ready, as
`.venv/bin/python -m tests.sandbox` from the repository root. Everything it writes lives in its
own project directory, tests/sandbox_run/ (gitignored), never in the repository's files/: a
later `fivetran debug` of your own starts from its own state, token and restaurants. Each run
is a clean full sync:

1. refresh tests/sandbox_run/: copy connector.py and requirements.txt into it and delete its
   files/ (the last run's warehouse and state); a files/ left in the repository root by an
   older sandbox (files/sandbox-marker.json) is removed if it is still that sandbox's own;
2. serve the demo world (tests/fake_toast/demo.py: 3 restaurants x 14 business days whose
   sales, labor and cash share days and people) on a free 127.0.0.1 port, in this process;
3. write tests/sandbox_run/configuration.json: the fake's sandbox credentials, its URL as
   `domain`, initialSyncStart 2026-10-01 and the Fernet key kept in tests/sandbox_run/fernet.key
   (made once, so a later `fivetran debug tests/sandbox_run` can decrypt the cached token);
4. run `.venv/bin/fivetran debug tests/sandbox_run`, showing its output (kept whole in
   tests/sandbox_run/debug.log): the warehouse and the state land in tests/sandbox_run/files/;
5. stop the server and print where the data landed, how to query it, and the live and
   soft-deleted rows per table;
6. apply the analytics models (analytics/models.py) as views and print two queries on them.

The exit status is the CLI's: non-zero when the sync failed.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
from cryptography.fernet import Fernet

from analytics import models
from tests.fake_toast import FakeToast
from tests.fake_toast.demo import DemoWorld

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / "tests" / "sandbox_run"  # the sandbox's own project directory (gitignored)
PROJECT_FILES = ("connector.py", "requirements.txt")  # what `fivetran debug` needs of the project
WAREHOUSE = FOLDER / "files" / "warehouse.db"
STATE = FOLDER / "files" / "state.json"
CONFIGURATION = FOLDER / "configuration.json"
KEY_FILE = FOLDER / "fernet.key"
LOG = FOLDER / "debug.log"
# Days before the demo world's first (2026-10-05): a later start would miss its first orders, an
# earlier one adds two cash requests per restaurant and day to every run.
INITIAL_SYNC_START = "2026-10-01T00:00:00.000Z"
VENV_BIN = Path(sys.executable).parent
FIVETRAN = VENV_BIN / "fivetran"
# A closed port on this machine: look-ups sent through it fail at once instead of hanging.
DEAD_PROXY = "http://127.0.0.1:9"
PROBE_TIMEOUT_SECONDS = 2.0
SHOWN_LINE_CHARACTERS = 180
EXAMPLE_QUERY = (
    "SELECT id, business_date, display_number, voided, _fivetran_deleted "
    "FROM tester.orders ORDER BY business_date, id"
)
GUIDE = ROOT / "analytics" / "ANALYST_GUIDE.md"
# Two first questions on the models: each restaurant's days, and the best-selling items.
MODEL_QUERIES = (
    "SELECT restaurant_id, business_date, orders, guests, net_sales, tips, voided_amount "
    "FROM tester.toast_daily_sales ORDER BY restaurant_id, business_date LIMIT 5",
    "SELECT item_name, sales_category_name, sum(quantity) AS quantity, "
    "round(sum(net_amount), 2) AS net_sales FROM tester.toast_order_lines WHERE in_net_sales "
    "GROUP BY ALL ORDER BY net_sales DESC LIMIT 5",
)
# The SDK's requirements check (pipreqs) says this when it cannot look packages up (sdk_notes §4).
REMOVE_ADVICE = "Remove them from requirements.txt"
# What older sandboxes wrote into the repository's files/ (they ran in the repository root).
OLD_FILES = ROOT / "files"
OLD_MARKER = OLD_FILES / "sandbox-marker.json"
OLD_SANDBOX_FILES = (
    "warehouse.db",
    "warehouse.db.wal",
    "state.json",
    "sandbox-configuration.json",
    "sandbox-fernet.key",
    "sandbox-debug.log",
    "sandbox-marker.json",
)


def shown(path: Path) -> str:
    """A path as printed: relative to the repository root when it is inside it."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


# ---------------------------------------------------------------------------------------------
# The sandbox's own project directory
# ---------------------------------------------------------------------------------------------


def prepare_folder() -> None:
    """Make tests/sandbox_run/ a fresh project: today's connector.py and requirements.txt, and
    no files/ (warehouse, state) or crash reports of an earlier run."""
    FOLDER.mkdir(parents=True, exist_ok=True)
    for name in ("files", "crash-reports"):
        shutil.rmtree(FOLDER / name, ignore_errors=True)
    for name in PROJECT_FILES:
        shutil.copy2(ROOT / name, FOLDER / name)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def remove_old_sandbox_files() -> str | None:
    """Older sandboxes synced into the repository's files/, where a real `fivetran debug` then
    found their state and token. Remove what they left there while their marker proves it is
    theirs (the warehouse has the sha256 it recorded); return a note for the user, if any."""
    if not OLD_MARKER.exists():
        return None
    warehouse = OLD_FILES / "warehouse.db"
    recorded = json.loads(OLD_MARKER.read_text()).get("warehouse_sha256")
    if warehouse.exists() and recorded != _sha256(warehouse):
        return (
            f"Note: {shown(OLD_FILES)}/ holds a warehouse that an older sandbox started and "
            f"another run changed since; it is left as it is. Delete {shown(OLD_FILES)}/ (or "
            "run `fivetran reset`) before a real `fivetran debug` if you do not need it."
        )
    for name in OLD_SANDBOX_FILES:
        (OLD_FILES / name).unlink(missing_ok=True)
    if not any(OLD_FILES.iterdir()):
        OLD_FILES.rmdir()
    return f"Removed an older sandbox's warehouse and state from {shown(OLD_FILES)}/."


def fernet_key() -> str:
    """The sandbox's Fernet key: made on the first run, then reused."""
    if KEY_FILE.exists():
        return KEY_FILE.read_text().strip()
    key = Fernet.generate_key().decode()
    KEY_FILE.write_text(key + "\n")
    KEY_FILE.chmod(0o600)
    return key


def write_configuration(base_url: str, client_id: str, client_secret: str) -> None:
    """The configuration `fivetran debug` reads: every value a string, as the SDK requires."""
    configuration = {
        "clientId": client_id,
        "clientSecret": client_secret,
        "userAccessType": "TOAST_MACHINE_CLIENT",
        "domain": base_url,
        "initialSyncStart": INITIAL_SYNC_START,
        "key": fernet_key(),
    }
    CONFIGURATION.write_text(json.dumps(configuration, indent=2) + "\n")
    CONFIGURATION.chmod(0o600)


# ---------------------------------------------------------------------------------------------
# The CLI's environment: never wait on a network that is not there
# ---------------------------------------------------------------------------------------------


def _reachable(host: str) -> bool:
    try:
        with socket.create_connection((host, 443), timeout=PROBE_TIMEOUT_SECONDS):
            return True
    except OSError:
        return False


def write_local_pipreqs(directory: Path, venv_bin: Path = VENV_BIN) -> Path:
    """Write a `pipreqs` that runs the venv's own with `--use-local` (local package metadata
    only, no PyPI look-ups); return its directory, to be put first on PATH."""
    directory.mkdir(parents=True, exist_ok=True)
    shim = directory / "pipreqs"
    real = shlex.quote(str(venv_bin / "pipreqs"))
    shim.write_text(f'#!/bin/sh\nexec {real} --use-local "$@"\n')
    shim.chmod(0o755)
    return directory


@dataclass(frozen=True)
class Network:
    """What the SDK's own look-ups can reach: pypi.org (its version checks) and
    pypi.python.org (pipreqs, which checks requirements.txt before every run)."""

    pypi: bool
    pipreqs_index: bool

    @classmethod
    def probe(cls) -> Network:
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            pypi, index = pool.map(_reachable, ("pypi.org", "pypi.python.org"))
        return cls(pypi, index)

    def describe(self) -> str:
        if self.pypi and self.pipreqs_index:
            return "PyPI reachable: the SDK checks its version and requirements.txt as usual"
        parts = []
        if not self.pypi:
            parts.append(
                "pypi.org unreachable: the SDK's look-ups go to a closed local port and fail at "
                "once (its version check still retries for about 7 s)"
            )
        if not self.pipreqs_index:
            parts.append("pipreqs checks requirements.txt with local package metadata only")
        return "; ".join(parts)


def cli_environment(network: Network, shim_directory: Path) -> dict[str, str]:
    """The user's environment, plus what the sandbox needs.

    - DO_NOT_TRACK=1: the SDK sends no telemetry.
    - 127.0.0.1 and localhost in NO_PROXY: requests to the fake never go to a configured proxy.
    - the venv's bin first on PATH: the SDK runs `pipreqs` by name.
    - offline only: a dead proxy, so the SDK's PyPI look-ups fail at once rather than hang, and
      a `pipreqs --use-local`, so the requirements check does not retry for 12 s.
    HOME is left alone: the user's ~/.fivetran stays in use (the sandbox configuration holds no
    encrypted values, so nothing there is needed either).
    """
    environment = dict(os.environ)
    for name in ("FIVETRAN_CONFIGURATION", "FIVETRAN_STATE", "FIVETRAN_NAMING"):
        environment.pop(name, None)  # they would point the run elsewhere
    environment["DO_NOT_TRACK"] = "1"
    no_proxy = environment.get("NO_PROXY") or environment.get("no_proxy") or ""
    no_proxy = ",".join(part for part in (no_proxy, "127.0.0.1,localhost") if part)
    environment["NO_PROXY"] = environment["no_proxy"] = no_proxy
    path = [str(VENV_BIN), environment.get("PATH", "")]
    if not network.pypi:
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
            environment[name] = DEAD_PROXY
    if not network.pipreqs_index:
        path.insert(0, str(write_local_pipreqs(shim_directory)))
    environment["PATH"] = os.pathsep.join(path)
    return environment


# ---------------------------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------------------------


# SDK lines that come once per table (47 of each): the first is shown, the rest counted.
_PER_TABLE_LINE = re.compile(r"\b(schema change detected|table created): tester\.")


def _cut(line: str) -> str:
    """Long lines (the state in each checkpoint line) are cut; the log keeps them whole."""
    line = line.rstrip("\n")
    if len(line) <= SHOWN_LINE_CHARACTERS:
        return line
    return f"{line[:SHOWN_LINE_CHARACTERS]} ... ({len(line)} characters; see {shown(LOG)})"


def shown_lines(lines: Iterable[str]) -> Iterator[str]:
    """The CLI's lines as printed here: long ones cut, per-table runs folded into a count."""
    kind, folded = None, 0
    for line in lines:
        match = _PER_TABLE_LINE.search(line)
        if match and match.group(1) == kind:
            folded += 1
            continue
        if folded:
            yield f"{'':35}... and {folded} more '{kind}' lines"
        kind, folded = (match.group(1) if match else None), 0
        yield _cut(line)
    if folded:
        yield f"{'':35}... and {folded} more '{kind}' lines"


# The e2e test sets this: the connector's clock runs that many seconds behind the wall clock
# (tests/e2e/shifted_cli.py), so the test's sync costs the same whatever the date.
CLOCK_SHIFT_VARIABLE = "TOAST_SANDBOX_TEST_CLOCK_SHIFT_SECONDS"


def debug_command() -> list[str]:
    """`fivetran debug <the sandbox's project>`: it reads that project's configuration.json and
    writes that project's files/ (sdk_notes §1)."""
    shift = os.environ.get(CLOCK_SHIFT_VARIABLE)
    if shift:
        shifted = ROOT / "tests" / "e2e" / "shifted_cli.py"
        return [sys.executable, str(shifted), shift, "debug", shown(FOLDER)]
    return [str(FIVETRAN), "debug", shown(FOLDER)]


def run_fivetran_debug(environment: dict[str, str]) -> int:
    """Run the CLI from the repository root on the sandbox's project, print its output as it
    comes, log it whole."""
    command = debug_command()
    with (
        LOG.open("w", encoding="utf-8") as log,
        subprocess.Popen(
            command,
            cwd=ROOT,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
            errors="replace",
        ) as process,
    ):
        assert process.stdout is not None

        def logged() -> Iterator[str]:
            for line in process.stdout:
                log.write(line)
                yield line

        for line in shown_lines(logged()):
            print(line, flush=True)
        return process.wait()


def row_counts() -> list[tuple[str, int, int]]:
    """(table, live rows, soft-deleted rows) for every table of schema `tester`."""
    with duckdb.connect(str(WAREHOUSE), read_only=True) as database:
        tables = [
            name
            for (name,) in database.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'tester' ORDER BY table_name"
            ).fetchall()
        ]
        flagged = {
            name
            for (name,) in database.execute(
                "SELECT table_name FROM information_schema.columns "
                "WHERE table_schema = 'tester' AND column_name = '_fivetran_deleted'"
            ).fetchall()
        }
        counts = []
        for table in tables:
            deleted_flag = "_fivetran_deleted" if table in flagged else "false"  # none deleted yet
            live, deleted = database.execute(
                f"SELECT count(*) FILTER (WHERE NOT coalesce({deleted_flag}, false)), "
                f'count(*) FILTER (WHERE {deleted_flag}) FROM tester."{table}"'
            ).fetchone()
            counts.append((table, live, deleted))
    return counts


def query_commands() -> tuple[str, str]:
    """Shell lines that query the sandbox's warehouse from any directory: with this Python's
    duckdb module, and with the DuckDB command-line tool."""
    warehouse, query = json.dumps(str(WAREHOUSE)), json.dumps(EXAMPLE_QUERY)
    code = f"import duckdb; duckdb.connect({warehouse}, read_only=True).sql({query}).show()"
    python = f"{shlex.quote(sys.executable)} -c {shlex.quote(code)}"
    cli = f"duckdb -readonly {shlex.quote(str(WAREHOUSE))} {shlex.quote(EXAMPLE_QUERY)}"
    return python, cli


def print_where_the_data_is() -> None:
    """Where the warehouse is, how to query it, and its rows per table."""
    python, cli = query_commands()
    print()
    print(f"The data landed in {WAREHOUSE} (DuckDB, schema tester),")
    print(f"the state in {STATE}; nothing was written to {OLD_FILES}/.")
    print("Query it, for example:")
    print(f"  {python}")
    print(f"  {cli}   (with the DuckDB CLI)")
    print()
    counts = row_counts()
    width = max(len(table) for table, _, _ in counts)
    print(f"{'table':<{width}}  {'live rows':>9}  {'soft-deleted':>12}")
    for table, live, deleted in counts:
        print(f"{table:<{width}}  {live:>9}  {deleted:>12}")
    total_live = sum(live for _, live, _ in counts)
    total_deleted = sum(deleted for _, _, deleted in counts)
    print(f"{f'{len(counts)} tables':<{width}}  {total_live:>9}  {total_deleted:>12}")


def apply_models() -> None:
    """Apply the analytics models (analytics/models.py) to the warehouse as views in schema
    tester, print two example queries on them, and point at the guide and the models."""
    with duckdb.connect(str(WAREHOUSE)) as database:
        views = models.apply(database, "tester")
        print(f"\nThe analytics models, applied as views in schema tester: {', '.join(views)}.")
        for query in MODEL_QUERIES:
            print(f"\n{query}")
            database.sql(query).show()
    print(f"Next: the analyst guide, {shown(GUIDE)}; the models, {shown(models.MODELS_DIR)}/")
    print(
        f"(apply them again: python analytics/models.py apply {shown(WAREHOUSE)} --schema tester)."
    )


def sync() -> int:
    """Steps 2 to 5 of the module docstring; returns the CLI's exit status."""
    world = DemoWorld()
    network = Network.probe()
    with FakeToast(world) as server, tempfile.TemporaryDirectory() as shims:
        write_configuration(server.base_url, server.client_id, server.client_secret)
        days = world.business_days()
        print(
            f"Fake Toast API:   {server.base_url} (the demo world: {len(world.restaurants)} "
            f"restaurants, {world.orders_per_day} orders a day from {days[0]} to {days[-1]})"
        )
        print(f"Sandbox project:  {shown(FOLDER)}/ (its own warehouse, state and keys)")
        print(f"Configuration:    {shown(CONFIGURATION)} (Fernet key in {shown(KEY_FILE)})")
        print(f"Network:          {network.describe()}")
        print(f"Running:          {shown(FIVETRAN)} debug {shown(FOLDER)}")
        print(f"Full CLI output:  {shown(LOG)}")
        print(flush=True)
        started = time.monotonic()
        status = run_fivetran_debug(cli_environment(network, Path(shims)))
    elapsed = time.monotonic() - started
    if status != 0:
        print(
            f"\nThe sync FAILED (exit status {status}) after {elapsed:.0f} s: see the output "
            f"above and {shown(LOG)}.",
            file=sys.stderr,
        )
        return status
    print(f"\nThe sync succeeded in {elapsed:.0f} s; the fake Toast server is stopped.")
    if REMOVE_ADVICE in LOG.read_text(encoding="utf-8", errors="replace"):
        print(
            "Keep requirements.txt as it is: the SDK's advice above to remove a requirement "
            "comes from a check that cannot look packages up offline, and Fivetran's runtime "
            "lacks cryptography (README.md, Running against Toast)."
        )
    print_where_the_data_is()
    apply_models()
    return 0


def main() -> int:
    """Refresh the sandbox's project, sync, report. Returns the exit status."""
    sys.stdout.reconfigure(errors="replace")  # the CLI's log icons on a non-UTF-8 terminal
    if not FIVETRAN.exists():
        print(
            f"No fivetran CLI next to {sys.executable}: run `bash tests/sandbox.sh`.",
            file=sys.stderr,
        )
        return 2
    note = remove_old_sandbox_files()
    if note:
        print(note)
    prepare_folder()
    try:
        return sync()
    except KeyboardInterrupt:
        print("\nInterrupted.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
