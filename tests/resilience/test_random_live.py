"""Randomized live syncs (issue 20): seeded schedules of a live Toast (tests/resilience/
random_live.py) over several syncs on the virtual clock. After each schedule the warehouse equals
a clean first sync of the final world, value for value (every column of every live row; the
clean sync's soft-deleted rows are soft-deleted here too), nothing is owed, and no sync asked more
than its bound.

A failing seed prints its replay command:
`TOAST_SEED=<seed> .venv/bin/python -m pytest tests/resilience/test_random_live.py -k replay -n 0`
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import Project
from tests.resilience.live import Clock
from tests.resilience.random_live import REPLAY, Outcome, Schedule, owes, run

# What fits in about 30 s of the default run on 2 cores (about 15 s each since
# tests/runner_memo.py): seed 8 (2 restaurants, a 5-hour window, a burst paged by offset) fails
# with the slice split and the drift check switched off; seed 10006 (one restaurant, shifts
# moved, removed and added) fails with removed shifts never deleted (the shiftIds lookup's
# answer ignored).
DEFAULT_SEEDS = (8, 10006)
# The slow tier's seeds: 3, 5 and 6 (they once lost cash days) and 200 more, all seen passing,
# also since schedules change shifts (2026-12-06: 16 minutes on 2 cores, 32 on a loaded
# machine; tests/conftest.py spreads them over the processes).
# TOAST_RANDOM_SEEDS=n runs n fresh seeds from 10,000 instead, to look for new failures.
_MORE_SEEDS = int(os.environ.get("TOAST_RANDOM_SEEDS") or 0)
SLOW_SEEDS = range(10_000, 10_000 + _MORE_SEEDS) if _MORE_SEEDS else (3, 5, 6, *range(1000, 1200))
# Seeds that fail because of the connector, with the diagnosis (the lead removes the mark once
# fixed). Seeds 3, 5 and 6 lost cash days skipped for a 404 (fixed: Absence.until).
KNOWN_FAILING: dict[int, str] = {}


def check(outcome: Outcome) -> None:
    """The invariant of every schedule."""
    assert not owes(outcome.state), outcome.state
    for table, clean in outcome.clean.items():
        live = outcome.live.get(table, set())
        assert live == clean, (table, sorted(live - clean)[:3], sorted(clean - live)[:3])
    for table, deleted in outcome.clean_deleted.items():
        assert deleted <= outcome.live_deleted.get(table, set()), table
    for sync, asked in enumerate(outcome.requests_per_sync):
        bound = outcome.request_bound(sync)
        assert asked <= bound, f"sync {sync}: {asked} requests > bound {bound}"


def play(seed: int, tmp_path: Path, clock: Clock) -> None:
    schedule = Schedule.of(seed)
    print(f"{schedule.describe()}\nreplay: {REPLAY.format(seed=seed)}")
    outcome = run(schedule, clock, Project(tmp_path / "live"), Project(tmp_path / "clean"))
    print("\n".join(outcome.events), f"\nrequests per sync {outcome.requests_per_sync}")
    try:
        check(outcome)
    except AssertionError as error:
        raise AssertionError(f"{error}\nreplay: {REPLAY.format(seed=seed)}") from None


def _cases(seeds: range, *marks: pytest.MarkDecorator) -> list:
    return [
        pytest.param(
            seed,
            marks=[*marks]
            + (
                [pytest.mark.xfail(strict=True, reason=KNOWN_FAILING[seed])]
                if seed in KNOWN_FAILING
                else []
            ),
            id=f"seed{seed}",
        )
        for seed in seeds
    ]


@pytest.mark.parametrize("seed", _cases(DEFAULT_SEEDS))
def test_random_live_syncs_end_equal_to_toast(seed: int, tmp_path: Path, clock: Clock) -> None:
    play(seed, tmp_path, clock)


@pytest.mark.slow
@pytest.mark.parametrize("seed", _cases(SLOW_SEEDS))
def test_random_live_syncs_many(seed: int, tmp_path: Path, clock: Clock) -> None:
    play(seed, tmp_path, clock)


@pytest.mark.slow
@pytest.mark.parametrize("seed", _cases(sorted(KNOWN_FAILING)))
def test_random_live_syncs_known_seeds(seed: int, tmp_path: Path, clock: Clock) -> None:
    play(seed, tmp_path, clock)


@pytest.mark.skipif("TOAST_SEED" not in os.environ, reason="set TOAST_SEED to replay a seed")
def test_replay(tmp_path: Path, clock: Clock) -> None:
    play(int(os.environ.get("TOAST_SEED", "0")), tmp_path, clock)
