"""Requests per location of a first sync, and of the syncs after it an hour apart (issue 19).

`python -m tests.bench.hourly [--restaurants 10] [--days 7] [--orders 15] [--syncs 2]` syncs a
generated world (tests/fake_toast/generate.py) through the SDK's runner, in this process, on a
virtual clock (`connector.NOW`): a first sync, then `--syncs - 1` syncs one hour apart in which
nothing changed. For each sync it prints the requests the fake server saw per location and per
endpoint (the mean over the locations, and the most of any one), and at the end the mean of the
no-change syncs. `--syncs 25` covers a day of hourly syncs (configuration changes every
`configChangesHours`, full listings daily). A few seconds per sync of ten small locations.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from collections import Counter
from datetime import timedelta
from pathlib import Path

from tests.conftest import (  # first: it sets up the offline SDK environment
    FIXED_NOW,
    Project,
    connector,
    make_configuration,
    toast_server,
    virtual_time,
)
from tests.fake_toast.generate import SETTLED_DAYS, GeneratedWorld
from tests.fake_toast.server import RecordedRequest, endpoint_name


def per_location(requests: list[RecordedRequest], locations: list[str]) -> dict[str, Counter]:
    """Requests per location (the restaurant header) and endpoint; requests without the header
    (login, partners) are not any location's."""
    counts: dict[str, Counter] = {guid: Counter() for guid in locations}
    for request in requests:
        if request.restaurant in counts:
            counts[request.restaurant][endpoint_name(request.path)] += 1
    return counts


def report(title: str, counts: dict[str, Counter]) -> float:
    """Print one sync's requests per location per endpoint; return the mean per location."""
    totals = [sum(counter.values()) for counter in counts.values()]
    mean = statistics.mean(totals)
    print(f"\n{title}: {mean:.1f} requests per location (most: {max(totals)})")
    endpoints = sorted({name for counter in counts.values() for name in counter})
    for name in endpoints:
        values = [counter[name] for counter in counts.values()]
        print(f"  {statistics.mean(values):6.1f}  (most {max(values):3d})  {name}")
    return mean


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--restaurants", type=int, default=10)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--orders", type=int, default=15, help="orders per day per location")
    parser.add_argument("--syncs", type=int, default=2, help="the first sync included")
    args = parser.parse_args(argv)

    now = FIXED_NOW
    world_start = (now - timedelta(days=args.days + SETTLED_DAYS)).date()
    world = GeneratedWorld(args.restaurants, args.days, args.orders, start=world_start)
    locations = world.restaurant_guids
    no_change: list[float] = []
    saved_now = connector.NOW
    with (
        tempfile.TemporaryDirectory() as scratch,
        virtual_time(),
        toast_server(world=world, clock=lambda: now) as server,
    ):
        configuration = make_configuration(
            server,
            initialSyncStart=f"{world_start.isoformat()}T00:00:00.000Z",
            restaurantGuids=",".join(locations),
        )
        project = Project(Path(scratch) / "project")
        for number in range(args.syncs):
            connector.NOW = lambda moment=now: moment
            del server.requests[:]
            project.sync(configuration)
            counts = per_location(server.requests, locations)
            title = "first sync" if number == 0 else f"sync {number + 1}, +{number} h"
            mean = report(title, counts)
            if number:
                no_change.append(mean)
            now += timedelta(hours=1)
    connector.NOW = saved_now
    if no_change:
        print(
            f"\nno-change syncs an hour apart: {statistics.mean(no_change):.1f} requests per "
            f"location on average, {max(no_change):.1f} at most ({len(no_change)} syncs)"
        )


if __name__ == "__main__":
    sys.exit(main())
