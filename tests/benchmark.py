"""Benchmark a full Toast sync through the real SDK runner against the fake Toast server.

    python tests/benchmark.py                 # 8 restaurants x 365 days x 150 orders/day, 100 ms
    python tests/benchmark.py --quick         # everyday preset, under two minutes
    python tests/benchmark.py --orders-per-day 0   # labor and cash only: rate limits set the pace
    python tests/benchmark.py --memory        # also a --memory-days sync: peak RSS ratio
    python tests/benchmark.py --no-sync --connector-memory   # the connector's own memory only
    python tests/benchmark.py --source-naming # also replay as `fivetran debug --naming SOURCE`
    python tests/benchmark.py --profile --json out.json   # + a cProfile'd replay
    python tests/benchmark.py --memory --runner-patches forget-keys   # diagnosis of the runner
    python tests/benchmark.py --group         # 100 locations x 7 days x 150 orders/day, twice
    python tests/benchmark.py --group --quick # 12 locations x 2 days x 20 orders/day, a minute
    python tests/benchmark.py --group --no-change-runs 6 --timeline   # wall / CPU, its spread

The group mode (--group) measures a restaurant group: a first sync, then a no-change sync an
hour later (the clock pinned at --now, default the wall clock at the start, then one hour on)
from the first's state, with the connector's default worker count (--workers sets maxWorkers).
Both sync into a counting sink (the connector and the SDK's operation layer, no runner), or
with --group-runner through the SDK runner. It reports state bytes per location, one
checkpoint's own cost (building and serialising the state), requests per location per sync and
per endpoint in the no-change one, wall against CPU, the rate-limit bound and the write bound
(the no-change sync's captured responses replayed with no network and no waits), and peak RSS.
A no-change sync's wall / CPU varies from run to run with the machine: --no-change-runs runs it
again from the same state and judges the median.
The single-location figures below are unchanged by it.

What runs, each in its own process so the numbers are the connector's alone:
1. The pure transformation: `connector.explode(connector.ORDERS, order, ...)` over generated
   orders (JSON round-tripped, as the connector gets them), in this process: orders/s.
2. The measured sync: the fake server (`python -m tests.fake_toast --generated`, latency per
   request, Toast's rate limits enforced, so a 429 would be served) in one process; the sync in
   a child (`python -m tests.bench.child`): `core_adapter.run` (the runner `fivetran debug`
   uses) into a fresh project, maxWorkers workers, initialSyncStart = the generated world's first
   day, which is `today - days - 3`: the world ends SETTLED_DAYS (3) before today, so nothing in
   it is modified later than now, the windows up to now cover all of it, and every phase sees
   the same data whatever time it runs (a late edit due between two phases would otherwise be
   seen by the second only). The child reports wall and CPU time of the run and its peak RSS
   (VmHWM, reset when the sync starts); the server reports, on stop, requests per endpoint, per
   location the most requests it saw in any 1-s and 15-min window, and 429s.
3. The write bound: the same sync with no network at all. The fake server captured every
   response of step 2 (`--capture-dir`: body bytes + status + headers per request); a child
   replays the sync through the same SDK runner with a `requests` transport adapter serving the
   captured responses (tests/bench/replay.py); the connector's SLEEP and CLOCK run on a
   virtual clock that a sleep advances (rate-limiter and back-off waits pass at once, no
   spinning), and its "now" is step 2's (so it asks for exactly the same windows and pages).
   Connector code is not changed: it still decodes JSON, transforms, emits and checkpoints as
   in step 2. Rows per table must equal step 2's; the report says so.
   With --source-naming, the replay once more as `fivetran debug --naming SOURCE` runs it: the
   runner keeps the names the connector emits (which are already Fivetran's), so it skips
   renaming every column of every row; the rows must be the same.
4. With --memory, the sync of step 2 for --memory-days days: the peak RSS ratio. The SDK runner
   keeps per-row bookkeeping for the whole sync (a hash of every upserted key) and DuckDB's
   indexes grow with the table, so this ratio also measures the runner. Hence, with --memory or
   --connector-memory, the connector's own memory: the same two syncs (--days and --memory-days)
   through the SDK's operation layer into a sink that counts rows and keeps none
   (tests/bench/child.py CountingSink), with no runner and no DuckDB. To see which part of the
   runner grows, --runner-patches changes it in the runner syncs (tests/bench/runner_patches.py;
   the report then says it is a diagnosis, not `fivetran debug` as shipped).
5. The same sync as step 2 with one worker (maxWorkers=1): the speed-up of parallel restaurants.
Every sync runs a copy of connector.py taken at the start (others may edit it meanwhile); the
header names its hash. A phase that fails or is stopped (kill the pid in <workdir>/<phase>.pid)
ends the benchmark; the report then shows what was measured until then (server statistics, RSS
and CPU samples, the connector's last log lines).

Lower bounds printed: the rate-limit bound (minimal time for step 2's request counts under
Toast's per-location limits; formula printed with the numbers), the latency bound (requests of a
location one after another at the server's latency), the sequential+pacing bound (the same with
ordersBulk no faster than 5/s) and the write bound (step 3). The machine's CPU count is printed:
the fake server and the connector share the cores, and the server's CPU time is shown.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.bench import report, runner_patches  # noqa: E402
from tests.bench.bounds import bounds  # noqa: E402
from tests.conftest import FERNET_KEY, OFFLINE_ENV  # noqa: E402
from tests.fake_toast import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET  # noqa: E402
from tests.fake_toast.generate import SETTLED_DAYS, GeneratedWorld  # noqa: E402

ENV = {**os.environ, **OFFLINE_ENV, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
QUICK = {"restaurants": 4, "days": 30, "orders_per_day": 10, "latency_ms": 20.0}
FULL = {"restaurants": 8, "days": 365, "orders_per_day": 150, "latency_ms": 100.0}
GROUP = {"restaurants": 100, "days": 7, "orders_per_day": 150, "latency_ms": 100.0}
GROUP_QUICK = {"restaurants": 12, "days": 2, "orders_per_day": 20, "latency_ms": 20.0}
# The no-change sync runs this long after the first (an hourly schedule).
GROUP_SECOND_SYNC_AFTER = timedelta(hours=1)
SDK_VERSION = importlib.metadata.version("fivetran-connector-sdk")
_LOG_TAIL_LINES = 12


class BenchError(RuntimeError):
    """A phase failed or was stopped; `partial` holds what it measured until then."""

    def __init__(self, message: str, partial: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.partial = partial or {}


@dataclass(frozen=True)
class Sizes:
    """One sync's data and setting."""

    restaurants: int
    days: int
    orders_per_day: int
    latency_ms: float
    workers: int  # maxWorkers; 0: not configured (the connector's default)
    seed: int
    today: date  # UTC, fixed once so every phase generates the same world
    runner_patches: tuple[str, ...] = ()  # diagnosis only: tests/bench/runner_patches.py
    # The syncs' clock (`connector.NOW`, ISO 8601) in every live phase; None: the wall clock, as
    # `fivetran debug` runs. Tests pin it (`--now`), with `today` its day.
    now: str | None = None

    @property
    def latency(self) -> float:
        return self.latency_ms / 1000

    @property
    def start(self) -> date:
        """The generated world's first business day; its last is settled before today begins."""
        return self.today - timedelta(days=self.days + SETTLED_DAYS)


def _say(text: str = "") -> None:
    print(text, flush=True)


# ------------------------------------------------------------------------------ processes


class FakeServer:
    """`python -m tests.fake_toast --generated` in its own process; `stats` after exit."""

    def __init__(self, sizes: Sizes, workdir: Path, name: str, capture: Path | None) -> None:
        self.sizes = sizes
        self.stats_file = workdir / f"{name}.server-stats.json"
        self.log_file = workdir / f"{name}.server.log"
        self.capture = capture
        self.base_url = ""
        self.stats: dict[str, Any] = {}
        self._process: subprocess.Popen[str] | None = None

    def __enter__(self) -> FakeServer:
        s = self.sizes
        command = [
            sys.executable,
            "-m",
            "tests.fake_toast",
            "--generated",
            "--port=0",
            f"--restaurants={s.restaurants}",
            f"--days={s.days}",
            f"--orders-per-day={s.orders_per_day}",
            f"--start={s.start.isoformat()}",
            f"--seed={s.seed}",
            f"--latency-seconds={s.latency}",
            "--enforce-rate-limits",
            f"--stats-file={self.stats_file}",
            *([f"--capture-dir={self.capture}"] if self.capture else []),
        ]
        with self.log_file.open("w") as log:
            self._process = subprocess.Popen(
                command, cwd=ROOT, env=ENV, stdout=subprocess.PIPE, stderr=log, text=True
            )
        assert self._process.stdout is not None
        first = self._process.stdout.readline()
        if not first.startswith("Fake Toast API listening on "):
            self._process.kill()
            raise BenchError(f"the fake server did not start; see {self.log_file}")
        self.base_url = first.rsplit(" ", 1)[-1].strip()
        return self

    def __exit__(self, *exc_info: object) -> None:
        assert self._process is not None
        self._process.send_signal(signal.SIGTERM)
        self._process.communicate(timeout=900)
        if self.stats_file.exists():
            self.stats = json.loads(self.stats_file.read_text())


def configuration(base_url: str, sizes: Sizes) -> dict[str, str]:
    """The connector's configuration for a generated world (partners API lists restaurants)."""
    workers = {"maxWorkers": str(sizes.workers)} if sizes.workers else {}
    return {
        "clientId": SANDBOX_CLIENT_ID,
        "clientSecret": SANDBOX_CLIENT_SECRET,
        "userAccessType": "TOAST_MACHINE_CLIENT",
        "domain": base_url,
        "initialSyncStart": f"{sizes.start.isoformat()}T00:00:00.000Z",
        "key": FERNET_KEY,
        **workers,
    }


def _log_tail(log_file: Path) -> list[str]:
    """The connector's last progress lines and any error, from a child's log."""
    lines = log_file.read_text(errors="replace").splitlines() if log_file.exists() else []
    wanted = ("window", "memory", "ERROR", "SEVERE", "Error", "exceeded", "FAILED")
    picked = [line for line in lines if any(word in line for word in wanted)]
    return picked[-_LOG_TAIL_LINES:]


def run_child(spec: dict[str, Any], workdir: Path, name: str) -> dict[str, Any]:
    """Run one sync in `python -m tests.bench.child`; its log goes to workdir/<name>.log."""
    result_file = workdir / f"{name}.result.json"
    progress_file = result_file.with_suffix(".progress.json")
    log_file = workdir / f"{name}.log"
    command = [sys.executable, "-m", "tests.bench.child", json.dumps(spec), str(result_file)]
    with log_file.open("w") as log:
        # cwd is the snapshot of connector.py (first on sys.path with -m); tests/ via PYTHONPATH.
        code = workdir / "code"
        child = subprocess.Popen(command, cwd=code, env=ENV, stdout=log, stderr=subprocess.STDOUT)
        (workdir / f"{name}.pid").write_text(str(child.pid))
        exit_code = child.wait()
    if not result_file.exists():
        progress = json.loads(progress_file.read_text()) if progress_file.exists() else {}
        partial = {"samples": progress.get("samples", []), "log_tail": _log_tail(log_file)}
        raise BenchError(
            f"{name}: the sync process ended with exit code {exit_code} before finishing; see "
            f"{log_file}",
            partial,
        )
    result = json.loads(result_file.read_text())
    result.update(exit_code=exit_code, log=str(log_file))
    if not result["ok"]:
        raise BenchError(f"{name}: the sync failed; see {log_file}\n{result.get('error')}", result)
    return result


def live_sync(
    sizes: Sizes,
    workdir: Path,
    name: str,
    capture: Path | None = None,
    mode: str = "live",
    **extra: Any,
) -> dict:
    """A sync against the fake server; the result holds the server's stats and the bounds.
    `mode` "stream": into a counting sink instead of the runner (the connector's own memory).
    `extra`: more of the child's spec (state_file, checkpoint_cost). The state the sync left
    is kept as workdir/<name>.state.json."""
    server = FakeServer(sizes, workdir, name, capture)
    try:
        with server:
            spec = {
                "mode": mode,
                "configuration": configuration(server.base_url, sizes),
                "project_dir": str(workdir / name),
                "runner_patches": list(sizes.runner_patches),
                "now": sizes.now,
                **extra,
            }
            result = run_child(spec, workdir, name)
            state_file = workdir / name / "files" / "state.json"
            result["state"] = state_sizes(state_file)
            if state_file.exists():
                shutil.copy2(state_file, workdir / f"{name}.state.json")
    except BenchError as error:
        error.partial.update(server=server.stats, sizes=asdict(sizes))
        raise
    finally:
        shutil.rmtree(workdir / name, ignore_errors=True)
    result["sizes"] = asdict(sizes)
    result["server"] = server.stats
    result["bounds"] = bounds(server.stats, sizes.latency, effective_workers(sizes))
    return result


def effective_workers(sizes: Sizes) -> int:
    """The workers the sync ran: maxWorkers, or the connector's default, one per restaurant."""
    import connector  # after tests.conftest set up the offline SDK environment

    return min(sizes.workers or connector._DEFAULT_WORKERS, sizes.restaurants)


def state_sizes(path: Path) -> dict[str, Any] | None:
    """Bytes of the state a sync left (None without one: a counting-sink sync writes none), and
    of each restaurant's delete ledger in it, smallest first."""
    if not path.exists():
        return None
    text = path.read_text(encoding="utf-8")
    ledgers = json.loads(text).get("ledger", {})
    return {"bytes": len(text), "ledger_bytes": sorted(len(packed) for packed in ledgers.values())}


def replay_sync(
    sizes: Sizes,
    workdir: Path,
    capture: Path,
    profile: bool,
    fivetran_naming: bool = True,
    name: str = "replay",
    **extra: Any,
) -> dict:
    """The write bound: the captured sync replayed with no network and no waits. With
    `profile`, under cProfile (slower: not a bound, only where the time goes). Without
    `fivetran_naming`, as `fivetran debug --naming SOURCE` runs it. `extra`: more of the
    child's spec (state_file, counting_sink)."""
    name += "-profiled" if profile else ""
    name += "" if fivetran_naming else "-source-naming"
    spec: dict[str, Any] = {
        **extra,
        "mode": "replay",
        "configuration": configuration("http://127.0.0.1:9", sizes),
        "project_dir": str(workdir / name),
        "capture_dir": str(capture),
        "fivetran_naming": fivetran_naming,
        "runner_patches": list(sizes.runner_patches),
        "now": sizes.now,  # pinned (--now): the replay asks what the sync asked, drift checks too
    }
    if profile:
        spec["profile_file"] = str(workdir / f"{name}.prof")
    try:
        result = run_child(spec, workdir, name)
    finally:
        shutil.rmtree(workdir / name, ignore_errors=True)
    result["sizes"] = asdict(sizes)
    return result


def explode_speed(seed: int, orders: int) -> dict[str, Any]:
    """orders/s of `connector.explode` alone over generated orders (with every child)."""
    import connector  # after tests.conftest set up the offline SDK environment

    days = max(1, -(-orders // 150))
    world = GeneratedWorld(1, days, 150, date(2026, 1, 1), seed)
    guid = world.restaurant_guids[0]
    start = datetime(2025, 12, 1, tzinfo=timezone.utc)
    end = datetime(2026, 12, 1, tzinfo=timezone.utc)
    generated = json.loads(json.dumps(list(world.orders_between(guid, start, end)[:orders])))
    context = {"restaurantId": guid}
    best, rows = float("inf"), 0
    for _ in range(3):
        started = time.perf_counter()
        rows = sum(len(list(connector.explode(connector.ORDERS, o, context))) for o in generated)
        best = min(best, time.perf_counter() - started)
    return {
        "orders": len(generated),
        "seconds": best,
        "us_per_order": best / len(generated) * 1e6,
        "orders_per_second": len(generated) / best,
        "rows_per_order": rows / len(generated),
    }


# ------------------------------------------------------------------------------ main


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python tests/benchmark.py",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--quick", action="store_true", help=f"preset {QUICK}; with --group {GROUP_QUICK}"
    )
    parser.add_argument(
        "--group",
        action="store_true",
        help=f"a restaurant group, first and no-change sync: preset {GROUP} (see above)",
    )
    parser.add_argument(
        "--group-runner",
        action="store_true",
        help="with --group: sync through the SDK runner, not into a counting sink",
    )
    parser.add_argument("--restaurants", type=int, help=f"default {FULL['restaurants']}")
    parser.add_argument("--days", type=int, help=f"default {FULL['days']}")
    parser.add_argument("--orders-per-day", type=int, help=f"default {FULL['orders_per_day']}")
    parser.add_argument("--latency-ms", type=float, help=f"default {FULL['latency_ms']:g}")
    parser.add_argument(
        "--workers",
        type=int,
        help="maxWorkers (default 8; with --group not set: the connector's default)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-single", action="store_true", help="skip the one-worker sync")
    parser.add_argument("--no-replay", action="store_true", help="skip the write bound")
    parser.add_argument("--memory", action="store_true", help="also sync --memory-days days")
    parser.add_argument("--memory-days", type=int, default=30)
    parser.add_argument(
        "--connector-memory",
        action="store_true",
        help="the connector's own peak RSS over --days and --memory-days (counting sink)",
    )
    parser.add_argument(
        "--no-sync",
        action="store_true",
        help="skip the measured sync (and so the write bound and the profile)",
    )
    parser.add_argument("--explode-orders", type=int, help="default 3000 (--quick 1000)")
    parser.add_argument(
        "--profile", action="store_true", help="also replay under cProfile, print top entries"
    )
    parser.add_argument(
        "--no-change-runs",
        type=int,
        default=1,
        help="with --group: the no-change sync this many times, each from the first sync's "
        "state (its wall / CPU varies from run to run; the target is judged on the median)",
    )
    parser.add_argument(
        "--timeline",
        action="store_true",
        help="with --group: where the no-change sync's wall time goes (tests/bench/timeline.py)",
    )
    parser.add_argument(
        "--source-naming",
        action="store_true",
        help="also replay as `fivetran debug --naming SOURCE` runs it (no column renaming)",
    )
    parser.add_argument(
        "--replay-capture",
        type=Path,
        help="replay this kept capture (a copy of <workdir>/capture of an earlier run) instead "
        "of syncing; needs --earlier-json, the --json of that run (its sizes and sync)",
    )
    parser.add_argument("--earlier-json", type=Path, help="see --replay-capture")
    parser.add_argument(
        "--keep-capture", action="store_true", help="keep <workdir>/capture after the run"
    )
    parser.add_argument(
        "--runner-patches",
        type=runner_patches.parse,
        default=[],
        help="diagnosis only: patch the SDK runner in every sync that runs it (names joined by "
        f"commas: {', '.join(runner_patches.PATCHES)}; see tests/bench/runner_patches.py)",
    )
    parser.add_argument(
        "--now",
        type=_aware_datetime,
        help="the syncs' clock, e.g. 2026-11-20T12:00:00+00:00 (default: the wall clock); the "
        f"generated world ends {SETTLED_DAYS} days before its day",
    )
    parser.add_argument("--json", type=Path, help="save every number here")
    parser.add_argument("--workdir", type=Path, help="keep logs and server stats here")
    return parser.parse_args(argv)


def _aware_datetime(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text}: give a time zone (e.g. +00:00)")
    return moment.astimezone(timezone.utc)


def _sizes(args: argparse.Namespace) -> Sizes:
    if args.group:
        preset = GROUP_QUICK if args.quick else GROUP
        args.now = args.now or datetime.now(timezone.utc).replace(microsecond=0)
    else:
        preset = QUICK if args.quick else FULL
    chosen = {k: v if getattr(args, k) is None else getattr(args, k) for k, v in preset.items()}
    now = args.now or datetime.now(timezone.utc)
    patches = tuple(args.runner_patches)
    workers = args.workers if args.workers is not None else (0 if args.group else 8)
    return Sizes(
        workers=workers,
        seed=args.seed,
        today=now.date(),
        runner_patches=patches,
        now=args.now.isoformat() if args.now else None,
        **chosen,
    )


def _connector_version() -> str:
    """Which connector.py was measured: git HEAD, whether it is modified, its content hash."""
    source = ROOT / "connector.py"
    digest = hashlib.sha256(source.read_bytes()).hexdigest()[:12]
    git = ["git", "-C", str(ROOT)]
    head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    dirty = subprocess.run([*git, "status", "--porcelain", "connector.py"], capture_output=True)
    state = "modified" if dirty.stdout.strip() else "as committed"
    return f"connector.py sha256 {digest} (git {head.stdout.strip() or '?'}, {state})"


def _header(sizes: Sizes, args: argparse.Namespace, version: str) -> list[str]:
    orders = sizes.restaurants * sizes.days * sizes.orders_per_day
    diagnosis = []
    if sizes.runner_patches or os.environ.get("MALLOC_ARENA_MAX"):
        diagnosis.append(
            "  A DIAGNOSIS, NOT `fivetran debug` AS SHIPPED: SDK runner patches "
            f"{', '.join(sizes.runner_patches) or 'none'}; MALLOC_ARENA_MAX "
            f"{os.environ.get('MALLOC_ARENA_MAX', 'unset')}"
        )
    return [
        f"Toast connector benchmark, {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC"
        f"{' (--quick)' if args.quick else ''}",
        f"  data: {sizes.restaurants} restaurants x {sizes.days} days x {sizes.orders_per_day} "
        f"orders/day = {report.n(orders)} orders with every nested child, from {sizes.start}; "
        f"seed {sizes.seed}{f'; clock pinned at {sizes.now}' if sizes.now else ''}",
        f"  server: fake Toast in its own process, {sizes.latency_ms:g} ms latency per request, "
        "Toast's rate limits enforced (429 when exceeded)",
        f"  connector: maxWorkers {sizes.workers or 'not set (the default)'}, "
        "core_adapter.run (the SDK runner of `fivetran debug`) in its own process (the "
        f"counting-sink syncs: no runner), SDK "
        f"{SDK_VERSION}; {version}",
        f"  machine: {os.cpu_count()} CPUs (nproc); the fake server and the connector share "
        f"them; Python {platform.python_version()}",
        *diagnosis,
    ]


class Run:
    """The phases, in order of importance; results are saved after each."""

    def __init__(self, args: argparse.Namespace, sizes: Sizes, workdir: Path) -> None:
        self.args = args
        self.sizes = sizes
        self.workdir = workdir
        self.results: dict[str, Any] = {"sizes": asdict(sizes), "cpus": os.cpu_count()}

    def save(self) -> None:
        if self.args.json:
            self.args.json.write_text(
                json.dumps(self.results, indent=1, default=str), encoding="utf-8"
            )

    def phase(self, name: str, label: str, action: Any) -> dict[str, Any]:
        _say(f"... {label}")
        started = time.monotonic()
        try:
            result = action()
        except BenchError as error:
            self.results[name] = {**error.partial, "ok": False, "error": str(error)}
            self.save()
            raise
        self.results[name] = result
        self.save()
        _say(f"    done in {time.monotonic() - started:.0f} s")
        if "wall_seconds" in result:
            _say(f"    {report.sync_line(name, result)}")
        return result

    def all(self) -> None:
        args, sizes, workdir = self.args, self.sizes, self.workdir
        kept = args.replay_capture  # an earlier run's capture: replayed, never deleted
        if kept is None:
            orders = args.explode_orders or (1000 if args.quick else 3000)
            explode = self.phase(
                "explode", "explode() speed", lambda: explode_speed(sizes.seed, orders)
            )
            _say(
                f"    {explode['us_per_order']:.0f} us/order, "
                f"{report.n(explode['orders_per_second'])} orders/s"
            )
        capture = None if args.no_replay or args.no_sync else workdir / "capture"
        capture = kept or capture
        label = f"sync with {sizes.workers} workers"
        try:
            if not args.no_sync and kept is None:
                self.phase("sync", label, lambda: live_sync(sizes, workdir, "sync", capture))
            if capture is not None:
                label = "write bound: replay of the captured responses"
                self.phase(
                    "write_bound", label, lambda: replay_sync(sizes, workdir, capture, False)
                )
                if args.source_naming:
                    label = "the same replay with source naming (--naming SOURCE)"
                    self.phase(
                        "write_bound_source_naming",
                        label,
                        lambda: replay_sync(sizes, workdir, capture, False, fivetran_naming=False),
                    )
                if args.profile:
                    label = "the same replay under cProfile"
                    self.phase(
                        "profile", label, lambda: replay_sync(sizes, workdir, capture, True)
                    )
        finally:
            if capture is not None and kept is None and not args.keep_capture:
                shutil.rmtree(capture, ignore_errors=True)
        short = replace(sizes, days=args.memory_days)
        if args.memory and not args.no_sync:
            label = f"sync of {args.memory_days} days (memory)"
            self.phase("memory", label, lambda: live_sync(short, workdir, "memory"))
        if args.memory or args.connector_memory:
            for name, chosen in (("stream", sizes), ("stream_memory", short)):
                label = f"{chosen.days} days into a counting sink (the connector's own memory)"
                self.phase(
                    name, label, lambda c=chosen, n=name: live_sync(c, workdir, n, None, "stream")
                )
        if not args.no_single:
            one = replace(sizes, workers=1)
            self.phase(
                "single_worker", "sync with one worker", lambda: live_sync(one, workdir, "single")
            )

    def group(self) -> None:
        """A group's first sync, then a no-change sync an hour later from its state, and the
        write bound of the no-change sync."""
        sizes, workdir = self.sizes, self.workdir
        mode = "live" if self.args.group_runner else "stream"
        assert sizes.now is not None  # pinned by _sizes
        later = datetime.fromisoformat(sizes.now) + GROUP_SECOND_SYNC_AFTER
        second = replace(sizes, now=later.isoformat())
        capture = workdir / "capture-no-change"
        self.phase(
            "first",
            f"first sync of {sizes.restaurants} locations",
            lambda: live_sync(sizes, workdir, "first", None, mode, checkpoint_cost=True),
        )
        state = str(workdir / "first.state.json")
        try:
            self.phase(
                "no_change",
                "the no-change sync an hour later",
                lambda: live_sync(
                    second,
                    workdir,
                    "no-change",
                    capture,
                    mode,
                    state_file=state,
                    checkpoint_cost=True,
                    timeline=self.args.timeline,
                ),
            )
            for run in range(2, self.args.no_change_runs + 1):
                again = self.phase(
                    f"no_change_{run}",
                    f"the no-change sync again ({run} of {self.args.no_change_runs})",
                    lambda: live_sync(
                        second,
                        workdir,
                        "no-change-again",
                        None,
                        mode,
                        state_file=state,
                        timeline=self.args.timeline,
                    ),
                )
                if not again.get("ok"):
                    raise BenchError(f"the no-change sync failed in run {run}", again)
            self.phase(
                "write_bound",
                "write bound of the no-change sync: its captured responses replayed",
                lambda: replay_sync(
                    second,
                    workdir,
                    capture,
                    False,
                    name="replay-no-change",
                    state_file=state,
                    counting_sink=mode == "stream",
                ),
            )
        finally:
            if not self.args.keep_capture:
                shutil.rmtree(capture, ignore_errors=True)

    def group_report(self) -> None:
        """The group's figures (report.group_lines)."""
        lines = ["", *_header(self.sizes, self.args, self.results["connector"])]
        lines += report.group_lines(self.results, self.sizes.restaurants)
        lines.append(f"Logs, server stats: {self.workdir}")
        _say("\n".join(lines))

    def report(self) -> None:
        results = self.results
        lines = ["", *_header(self.sizes, self.args, self.results["connector"])]
        e = results.get("explode")
        if e:
            lines.append(
                f"Pure transformation: explode(ORDERS, order) over {e['orders']:,} generated "
                f"orders: {e['us_per_order']:.0f} us/order, {report.n(e['orders_per_second'])} "
                f"orders/s, {e['rows_per_order']:.1f} rows/order"
            )
        sync = results.get("sync")
        if sync and not sync.get("ok"):
            lines += report.report_failure("The sync", sync)
        elif sync:
            lines += report.report_sync(sync)
            lines += report.report_bounds(sync, results.get("write_bound"))
            lines += report.report_source_naming(
                sync, results.get("write_bound"), results.get("write_bound_source_naming")
            )
            lines += report.report_time_split(
                results.get("write_bound"), results.get("write_bound_source_naming")
            )
            lines += self._others()
            lines += report.targets(results)
            found = report.findings(results)
            if found:
                lines.append("Findings:")
                lines += [f"  - {finding}" for finding in found]
        lines += report.report_connector_memory(results)
        if results.get("profile", {}).get("profile"):
            lines.append(
                f"Profile of the write-bound replay under cProfile (wall "
                f"{results['profile']['wall_seconds']:.1f} s with the profiler; main thread "
                "only: the emitter and the SDK runner, not the fetching workers):"
            )
            lines.append(results["profile"]["profile"])
        lines.append(f"Logs, server stats: {self.workdir}")
        _say("\n".join(lines))

    def _others(self) -> list[str]:
        results, lines = self.results, []
        for name, label in (
            ("write_bound", "The write-bound replay"),
            ("single_worker", "One worker"),
            ("memory", f"The {self.args.memory_days}-day sync"),
        ):
            other = results.get(name)
            if other is None:
                continue
            if not other.get("ok"):
                lines += report.report_failure(label, other)
                continue
            if name == "write_bound":
                continue
            lines.append(report.sync_line(label, other))
            lines.append(report.rss_line(other.get("samples", [])))
            if name == "single_worker":
                lines.append(
                    f"  one worker / {self.sizes.workers} workers: "
                    f"{other['wall_seconds'] / results['sync']['wall_seconds']:.2f}x; 429s "
                    f"{other['server']['served_429']}; its bounds: rate-limit "
                    f"{other['bounds']['rate_limit_seconds']:.1f} s, sequential+pacing "
                    f"{other['bounds']['paced_seconds']:.1f} s"
                )
        return lines


def prepare_workdir(workdir: Path) -> Path:
    """Make `workdir` and snapshot connector.py into it: every sync runs that copy, so others may
    edit connector.py while the benchmark runs."""
    (workdir / "code").mkdir(parents=True, exist_ok=True)
    shutil.copy2(ROOT / "connector.py", workdir / "code" / "connector.py")
    return workdir


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; exit 1 if a phase failed (the report shows what was measured)."""
    args = _arguments(argv)
    sizes = _sizes(args)
    earlier: dict[str, Any] = {}
    if args.replay_capture is not None:
        if args.earlier_json is None:
            _say("--replay-capture needs --earlier-json (the --json of the run that captured)")
            return 2
        earlier = json.loads(args.earlier_json.read_text())
        recorded = earlier["sizes"]
        today = date.fromisoformat(recorded["today"])
        patches = tuple(args.runner_patches)
        sizes = Sizes(**{**recorded, "today": today, "runner_patches": patches})
    workdir = prepare_workdir(args.workdir or Path(tempfile.mkdtemp(prefix="toast-bench-")))
    run = Run(args, sizes, workdir)
    run.results["connector"] = _connector_version()
    if earlier:
        run.results.update(sync=earlier["sync"], explode=earlier["explode"])
        run.results["connector"] += f"; the sync: {earlier['connector']}, from {args.earlier_json}"
    _say("\n".join(_header(sizes, args, run.results["connector"])))
    started = time.monotonic()
    failed = False
    try:
        run.group() if args.group else run.all()
    except BenchError as error:
        _say(f"FAILED: {error}")
        failed = True
    run.group_report() if args.group else run.report()
    _say(f"Benchmark total: {time.monotonic() - started:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
