"""Lower bounds on a sync's wall time, from what the fake server saw (its request statistics).

Toast's limits per location (toast_api.md §4): 20 requests/s and 10,000 per 15 minutes over all
APIs, 5 requests/s on ordersBulk. Locations have independent budgets, so with at least as many
workers as restaurants they are spent in parallel.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

ALL_PER_SECOND = 20
ALL_PER_15_MINUTES = 10_000
BULK_PER_SECOND = 5
ORDERS_BULK = "/orders/v2/ordersBulk"

RATE_FORMULA = (
    "rate-limit bound = max over locations L of max(B_L / 5 req/s, N_L / 20 req/s, "
    "900 s x (ceil(N_L / 10000) - 1));  B_L = ordersBulk requests, N_L = all requests at L. "
    "With W workers < R restaurants: max(that, sum over L / W)."
)
LATENCY_FORMULA = (
    "latency bound = max over L of N_L x latency (one worker per restaurant sends its "
    "requests one after another)"
)
PACED_FORMULA = (
    "sequential+pacing bound = max over L of B_L x max(latency, 1/5 s) + (N_L - B_L) x latency "
    "(requests one at a time per restaurant, ordersBulk no faster than 5/s)"
)


@dataclass(frozen=True)
class LocationBound:
    """The bounds of one location, in seconds."""

    location: str
    requests: int
    orders_bulk: int
    bulk_term: float
    all_term: float
    quarter_term: float
    latency_term: float
    paced_term: float

    @property
    def rate(self) -> float:
        """The rate-limit bound of this location."""
        return max(self.bulk_term, self.all_term, self.quarter_term)


def location_bounds(stats: dict[str, Any], latency: float) -> list[LocationBound]:
    """Per-location bounds from `FakeToast.stats()` (restaurants only; "ip" is login/partners)."""
    bounds = []
    for location, seen in stats["locations"].items():
        n, b = seen["requests"], seen["orders_bulk"]
        bounds.append(
            LocationBound(
                location=location,
                requests=n,
                orders_bulk=b,
                bulk_term=b / BULK_PER_SECOND,
                all_term=n / ALL_PER_SECOND,
                quarter_term=900.0 * max(0, math.ceil(n / ALL_PER_15_MINUTES) - 1),
                latency_term=n * latency,
                paced_term=b * max(latency, 1 / BULK_PER_SECOND) + (n - b) * latency,
            )
        )
    return bounds


def combine(values: list[float], workers: int) -> float:
    """The bound of all locations: the slowest one, or the total spread over the workers."""
    if not values:
        return 0.0
    return max(max(values), sum(values) / max(1, workers))


def bounds(stats: dict[str, Any], latency: float, workers: int) -> dict[str, Any]:
    """Rate-limit, latency and sequential+pacing bounds with the per-location numbers."""
    per_location = location_bounds(stats, latency)
    restaurants = [b for b in per_location if b.location != "ip"]
    return {
        "rate_limit_seconds": combine([b.rate for b in restaurants], workers),
        "latency_seconds": combine([b.latency_term for b in restaurants], workers),
        "paced_seconds": combine([b.paced_term for b in restaurants], workers),
        "locations": [{**asdict(b), "rate": b.rate} for b in per_location],
    }
