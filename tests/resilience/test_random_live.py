"""Randomized live syncs (issue 20): seeded schedules of a live Toast (tests/resilience/
random_live.py) over several syncs on the virtual clock; after each schedule the warehouse
equals the fake's world value for value, soft deletes included, and the requests stay bounded.

A failing seed prints its replay command:
`TOAST_SEED=<seed> .venv/bin/python -m pytest tests/resilience/test_random_live.py -k replay -n 0`
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest

from tests.conftest import Project, make_configuration
from tests.fake_toast import FakeToast
from tests.fake_toast.world import business_date_of, format_ts
from tests.replay import oracle
from tests.resilience.live import Clock, serve
from tests.resilience.random_live import (
    MAX_QUIET_SYNCS,
    Disturber,
    Schedule,
    build_world,
    schedule,
)

DEFAULT_SEEDS = range(0, 4)  # about 30 s on the shared 2-core machine (see the report)
SLOW_SEEDS = range(1000, 1300)
# Seeds that fail because of the connector, with the diagnosis (the lead removes the mark).
KNOWN_FAILING: dict[int, str] = {}


def _replay_command(seed: int) -> str:
    return (
        f"TOAST_SEED={seed} .venv/bin/python -m pytest "
        f"tests/resilience/test_random_live.py -k replay -n 0"
    )


def _cash_days(plan: Schedule, world, restaurant: str) -> list[str]:  # noqa: ANN001
    info = world.restaurant_info[restaurant]["general"]
    first = business_date_of(plan.start, info["timeZone"], info.get("closeoutHour") or 0)
    return [d for d in sorted(world.cash[restaurant]["entries"]) if int(d) >= first]


def _owes(project: Project) -> bool:
    return any(r.get("debts") for r in project.state().get("restaurants", {}).values())


def request_bound(plan: Schedule, syncs: int) -> int:
    """What the syncs may ask at most: per restaurant and sync, a fixed part (login, the
    restaurant, 23 configuration endpoints listed and asked for changes in pages of 3, labor,
    menus: under 150), two cash requests per business day and a time entries and a few shift
    requests per 30-day window (3 per day bounds both), and per order in the world two
    ordersBulk requests (a slice holds at least ~35 orders once its length is learnt, each
    split halves it: the splits and the drift checks' slices stay under that), read again
    at each sync while owed or edited."""
    days = (plan.syncs and 1) + (plan.start and 0)  # noqa: F841 (kept simple below)
    span_days = 2 + (Clock(plan.start).now - plan.start).days
    orders = sum(count for _, count, _, _ in plan.clusters)
    per_sync = 150 + 3 * (span_days + 1) + 2 * orders // len(plan.restaurants) + 20
    return syncs * len(plan.restaurants) * per_sync


def run_schedule(seed: int, tmp_path: Path, clock: Clock) -> None:
    plan = schedule(seed)
    world = build_world(plan)
    overrides = {
        "restaurantGuids": ",".join(plan.restaurants),
        "initialSyncStart": format_ts(plan.start),
    }
    project = Project(tmp_path / "live")
    syncs = 0
    with serve(world, clock) as server:
        disturber = Disturber(server, world, clock.now, seed)
        configuration = make_configuration(server, **overrides)
        for events in plan.syncs:
            days = {r: _cash_days(plan, world, r) for r in plan.restaurants}
            disturber.begin(events, clock.now, sum(days.values(), []))
            project.sync(configuration)
            disturber.end()
            syncs += 1
            clock.advance(hours=1)
        for _ in range(MAX_QUIET_SYNCS):
            project.sync(configuration)
            syncs += 1
            if not _owes(project):
                break
            clock.advance(hours=1)
        _assert_bounded(server, plan, syncs)
    assert not _owes(project), f"still owed after {MAX_QUIET_SYNCS} quiet syncs"
    expected = oracle.expected_warehouse(
        world, plan.start, clock.now, restaurants=plan.restaurants
    )
    oracle.assert_warehouse_matches(project.warehouse, expected)


def _assert_bounded(server: FakeToast, plan: Schedule, syncs: int) -> None:
    bound = request_bound(plan, syncs)
    assert len(server.requests) <= bound, f"{len(server.requests)} requests > bound {bound}"


def _check(seed: int, tmp_path: Path, clock: Clock) -> None:
    try:
        run_schedule(seed, tmp_path, clock)
    except BaseException as error:
        print(f"\n{schedule(seed).describe()}\nreplay: {_replay_command(seed)}")
        raise AssertionError(
            f"seed {seed} failed ({error}); replay: {_replay_command(seed)}"
        ) from error


def _cases(seeds: range, *marks: pytest.MarkDecorator) -> list:
    return [
        pytest.param(
            seed,
            marks=[
                *marks,
                *(
                    [pytest.mark.xfail(strict=True, reason=KNOWN_FAILING[seed])]
                    if seed in KNOWN_FAILING
                    else []
                ),
            ],
            id=f"seed{seed}",
        )
        for seed in seeds
    ]


@pytest.mark.parametrize("seed", _cases(DEFAULT_SEEDS))
def test_random_live_syncs_end_equal_to_toast(seed: int, tmp_path: Path, clock: Clock) -> None:
    _check(seed, tmp_path, clock)


@pytest.mark.parametrize("seed", _cases(SLOW_SEEDS, pytest.mark.slow))
def test_random_live_syncs_end_equal_to_toast_many(
    seed: int, tmp_path: Path, clock: Clock
) -> None:
    _check(seed, tmp_path, clock)


@pytest.mark.skipif("TOAST_SEED" not in os.environ, reason="set TOAST_SEED to replay a seed")
def test_replay(tmp_path: Path, clock: Clock) -> None:
    _check(int(os.environ.get("TOAST_SEED", "0")), tmp_path, clock)
