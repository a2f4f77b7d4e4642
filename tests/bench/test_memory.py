"""The connector's own memory does not grow with the history it syncs, nor with the orders in a
window: pages are streamed to the emitter, never a window or a restaurant collected.

Each sync runs in its own process (`tests/bench/child.py`, mode "stream") against a generated
fake Toast server in another, into a counting sink: the connector and the SDK's operation layer,
without the local runner, whose own bookkeeping grows with every row (README, Memory). The
measure is the child's peak RSS, as the benchmark's. Tried by hand: a connector that kept a
window's pages before exploding them peaked at 1.59x with three times the orders per window, and
one that kept every batch it fetched at 1.53x with three times the days; both fail here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import benchmark
from tests.conftest import FIXED_NOW

pytestmark = pytest.mark.slow  # a measurement (three syncs in child processes, ~50 s)

_BASE = (30, 40)  # days, orders per day: 1,200 orders, about 22,000 rows
_LONGER = (90, 40)  # three times the history
_BUSIER = (30, 120)  # three times the orders in every window
_GROWTH_ALLOWED = 1.2  # issue 6: a 365-day sync within 1.2x of a 30-day one


def _peak_rss_mb(workdir: Path, days: int, orders_per_day: int) -> tuple[float, int]:
    sizes = benchmark.Sizes(
        restaurants=1,
        days=days,
        orders_per_day=orders_per_day,
        latency_ms=0.0,
        workers=4,
        seed=1,
        today=FIXED_NOW.date(),
        now=FIXED_NOW.isoformat(),
    )
    result = benchmark.live_sync(sizes, workdir, f"stream-{days}x{orders_per_day}", mode="stream")
    assert result["server"]["served_429"] == 0
    return result["peak_rss_mb"], sum(result["rows"].values())


def test_given_longer_history_or_busier_windows_then_the_connectors_peak_rss_stays_flat(
    tmp_path: Path,
) -> None:
    workdir = benchmark.prepare_workdir(tmp_path)
    base_mb, base_rows = _peak_rss_mb(workdir, *_BASE)
    longer_mb, longer_rows = _peak_rss_mb(workdir, *_LONGER)
    busier_mb, busier_rows = _peak_rss_mb(workdir, *_BUSIER)
    assert longer_rows > 2.5 * base_rows and busier_rows > 2.5 * base_rows  # the data grew
    assert longer_mb <= _GROWTH_ALLOWED * base_mb, (base_mb, longer_mb)
    assert busier_mb <= _GROWTH_ALLOWED * base_mb, (base_mb, busier_mb)
