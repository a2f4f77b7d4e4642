"""How many restaurants a sync fetches at once: one worker per restaurant by default (Toast's
limits are per location), at most `maxWorkers`, and a keep-alive connection for every thread."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

import connector
from tests.conftest import FIXED_NOW, Project, make_configuration, toast_server
from tests.fake_toast import FakeToast
from tests.fake_toast.generate import SETTLED_DAYS, GeneratedWorld

# Above the limiter's spacing of a location's requests (1/20 s): a location's requests overlap
# other locations' at the server only when their workers run side by side.
LATENCY = 0.1
RESTAURANTS = 5  # more than the old fixed default of 4 workers


def _sync(tmp_path: Path, **overrides: str) -> FakeToast:
    """A first sync of a one-day world of RESTAURANTS quiet restaurants."""
    start = FIXED_NOW.date() - timedelta(days=1 + SETTLED_DAYS)
    world = GeneratedWorld(RESTAURANTS, 1, 0, start=start)
    with toast_server(world, latency_seconds=LATENCY, enforce_rate_limits=True) as server:
        configuration = make_configuration(
            server, initialSyncStart=f"{FIXED_NOW.date().isoformat()}T00:00:00.000Z", **overrides
        )
        Project(tmp_path).sync(configuration)
    return server


def _most_restaurants_at_once(server: FakeToast) -> int:
    requests = [r for r in server.requests if r.restaurant]
    return max(
        len({o.restaurant for o in requests if o.time <= r.time < o.time + LATENCY})
        for r in requests
    )


@pytest.mark.parametrize(
    ("overrides", "at_once"),
    [
        pytest.param({}, RESTAURANTS, id="default-one-per-restaurant"),
        # The bound alone (also seen in test_concurrency's one-worker sync): slow tier.
        pytest.param({"maxWorkers": "2"}, 2, id="maxWorkers-bounds-it", marks=pytest.mark.slow),
    ],
)
def test_the_default_fetches_every_restaurant_at_once_and_maxworkers_bounds_it(
    tmp_path: Path, overrides: dict[str, str], at_once: int
) -> None:
    server = _sync(tmp_path, **overrides)
    assert _most_restaurants_at_once(server) == at_once
    # One keep-alive connection per thread that may send: none opened per request.
    assert server.connections_opened <= connector.connections_needed(at_once)


def test_the_client_pool_fits_the_most_workers_a_sync_runs() -> None:
    for configured, bound in ((None, connector._MAX_WORKERS), ("3", 3)):
        extra = {} if configured is None else {"maxWorkers": configured}
        settings = connector.validate_configuration(
            {
                "clientId": "id",
                "clientSecret": "secret",
                "userAccessType": "TOAST_MACHINE_CLIENT",
                "domain": "ws-api.toasttab.com",
                "initialSyncStart": "2026-01-01T00:00:00.000Z",
                "key": connector.Fernet.generate_key().decode(),
                **extra,
            },
            FIXED_NOW,
        )
        assert [connector.workers_for(settings, n) for n in (0, 1, 2, 100)] == [1, 1, 2, bound]
        client = connector.ToastClient(settings, connector.TokenCache(settings.fernet, None))
        adapter = client._session.get_adapter("https://ws-api.toasttab.com")
        assert adapter._pool_maxsize == connector.connections_needed(bound)
        client.close()
