"""Serve the fake Toast API until Ctrl-C or SIGTERM: `python -m tests.fake_toast --port 8123`.

With `--generated`, serve a `GeneratedWorld` (sizes via --restaurants/--days/--orders-per-day)
instead of the recorded world; with `--demo`, the sandbox's demo world (tests/fake_toast/demo.py).
For benchmarks (tests/benchmark.py): `--stats-file` writes what the
server saw (requests per endpoint and location, the highest rates, 429s served, its own CPU time)
as JSON when it stops; `--capture-dir` keeps every response for an offline replay.
"""

from __future__ import annotations

import argparse
import json
import resource
import signal
import threading
from datetime import date
from pathlib import Path
from types import FrameType

from tests.fake_toast.demo import DemoWorld
from tests.fake_toast.generate import GeneratedWorld
from tests.fake_toast.server import FakeToast
from tests.fake_toast.world import World


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.fake_toast", description=__doc__)
    parser.add_argument("--port", type=int, default=8123)
    parser.add_argument("--generated", action="store_true", help="serve a generated world")
    parser.add_argument("--demo", action="store_true", help="serve the sandbox's demo world")
    parser.add_argument("--restaurants", type=int, default=8)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--orders-per-day", type=int, default=150)
    parser.add_argument("--start", type=date.fromisoformat, default=date(2025, 11, 1))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--latency-seconds", type=float, default=0.0)
    parser.add_argument("--enforce-rate-limits", action="store_true")
    parser.add_argument("--fault-rate", type=float, default=0.0)
    parser.add_argument("--stats-file", type=Path, help="write request statistics here on stop")
    parser.add_argument("--capture-dir", type=Path, help="keep every response here (replay)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Start the server, print where it listens and the sandbox credentials, wait for a signal."""
    args = _arguments(argv)
    world = (
        DemoWorld()
        if args.demo
        else GeneratedWorld(
            args.restaurants, args.days, args.orders_per_day, args.start, args.seed
        )
        if args.generated
        else World.load()
    )
    fake = FakeToast(
        world,
        port=args.port,
        latency_seconds=args.latency_seconds,
        enforce_rate_limits=args.enforce_rate_limits,
        fault_rate=args.fault_rate,
        seed=args.seed,
        capture_dir=args.capture_dir,
    )
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        del signum, frame
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    with fake:
        print(f"Fake Toast API listening on {fake.base_url}", flush=True)
        print(f"clientId={fake.client_id} clientSecret={fake.client_secret}", flush=True)
        restaurants = ", ".join(record["restaurantGuid"] for record in world.restaurants)
        print(f"restaurants: {restaurants}", flush=True)
        while not stop.wait(0.5):
            pass
    if args.stats_file is not None:
        _write_stats(fake, args.stats_file)
    print("Fake Toast API stopped.", flush=True)


def _write_stats(fake: FakeToast, path: Path) -> None:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    stats = {
        **fake.stats(),
        "server_cpu_seconds": usage.ru_utime + usage.ru_stime,
        "server_peak_rss_mb": usage.ru_maxrss / 1024,
    }
    path.with_suffix(".tmp").write_text(json.dumps(stats, indent=1), encoding="utf-8")
    path.with_suffix(".tmp").replace(path)


if __name__ == "__main__":
    main()
