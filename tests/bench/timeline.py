"""Where a sync's wall time goes: spans of the connector's own steps, by thread, summarised.

`install()` wraps a few of the connector's functions (the sync of one restaurant, each request
and its rate-limiter wait, discovery, a restaurant's plan, loading a restaurant's ledger,
checkpoints) so each call records (kind, label, thread, start, end). `summary()` says how long
the sync took before its first restaurant started, while restaurants ran (how many at once, each
one's length and how much of it was requests), and after the last one ended. Used by
tests/bench/child.py for the spec key `timeline` (tests/benchmark.py --timeline).
"""

from __future__ import annotations

import functools
import statistics
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import connector


@dataclass(frozen=True)
class Span:
    kind: str
    label: str
    thread: str
    start: float
    end: float


class Timeline:
    def __init__(self) -> None:
        self.spans: list[Span] = []
        self._lock = threading.Lock()
        self._undo: list[tuple[Any, str, Any]] = []
        self.started = time.perf_counter()

    def install(self) -> None:
        self._wrap(connector, "sync_restaurant", "restaurant", lambda a: a[2].restaurant[0])
        self._wrap(connector.ToastClient, "get", "request", lambda a: f"{a[2]} {a[1]}")
        self._wrap(connector.RateLimiter, "acquire", "wait", lambda a: a[1])
        self._wrap(connector, "discover_restaurants", "discover", lambda a: "")
        self._wrap(connector, "plan_restaurant", "plan", lambda a: a[0][0])
        self._wrap(connector.Ledger, "_load", "ledger", lambda a: a[1])
        self._wrap(connector.Emitter, "checkpoint", "checkpoint", lambda a: "")
        self.started = time.perf_counter()

    def uninstall(self) -> None:
        for owner, name, original in reversed(self._undo):
            setattr(owner, name, original)
        self._undo.clear()

    def _wrap(self, owner: Any, name: str, kind: str, label: Any) -> None:
        original = getattr(owner, name)

        @functools.wraps(original)
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                span = Span(
                    kind,
                    str(label(args)),
                    threading.current_thread().name,
                    start - self.started,
                    time.perf_counter() - self.started,
                )
                with self._lock:
                    self.spans.append(span)

        setattr(owner, name, timed)
        self._undo.append((owner, name, original))

    def summary(self, wall: float) -> dict[str, Any]:
        by_kind: dict[str, list[Span]] = defaultdict(list)
        for span in self.spans:
            by_kind[span.kind].append(span)
        restaurants = sorted(by_kind["restaurant"], key=lambda s: s.start)
        if not restaurants:
            return {"wall": wall}
        first, last = restaurants[0].start, max(s.end for s in restaurants)
        lengths = [s.end - s.start for s in restaurants]
        requests = by_kind["request"]
        in_requests: dict[str, float] = defaultdict(float)
        on_worker: dict[str, float] = defaultdict(float)
        worker_of = {s.label: s.thread for s in restaurants}
        for request in requests:
            location = request.label.split(" ", 1)[0]
            in_requests[location] += request.end - request.start
            if worker_of.get(location) == request.thread:
                on_worker[location] += request.end - request.start
        at_once = max(
            sum(1 for other in restaurants if other.start <= span.start < other.end)
            for span in restaurants
        )

        def total(kind: str) -> float:
            return sum(s.end - s.start for s in by_kind[kind])

        return {
            "wall": wall,
            "before_first_restaurant": first,
            "restaurants_running": last - first,
            "after_last_restaurant": wall - last,
            "restaurants": len(restaurants),
            "most_at_once": at_once,
            "mean_at_once": sum(lengths) / (last - first) if last > first else 0.0,
            "restaurant_seconds_mean": statistics.mean(lengths),
            "restaurant_seconds_max": max(lengths),
            "requests": len(requests),
            "request_seconds_mean": statistics.mean(s.end - s.start for s in requests)
            if requests
            else 0.0,
            "worker_request_seconds_mean": statistics.mean(on_worker.values()) if on_worker else 0,
            "all_request_seconds_mean": statistics.mean(in_requests.values())
            if in_requests
            else 0.0,
            "rate_limit_wait_seconds": total("wait"),
            "discover_seconds": total("discover"),
            "plan_seconds": total("plan"),
            "ledger_loads": len(by_kind["ledger"]),
            "ledger_load_seconds": total("ledger"),
            "ledger_load_threads": sorted({s.thread.split("_")[0] for s in by_kind["ledger"]}),
            "checkpoints": len(by_kind["checkpoint"]),
            "checkpoint_seconds": total("checkpoint"),
            "last_checkpoint_seconds": max(
                (s.end - s.start for s in by_kind["checkpoint"]), default=0.0
            ),
        }
