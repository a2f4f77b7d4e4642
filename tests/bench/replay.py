"""Serve a sync's HTTP from responses the fake server captured: no network, no latency.

The fake server (`--capture-dir`) kept every response of the measured sync, keyed by method,
path, decoded query and restaurant header (`capture_key`). `ReplayAdapter` answers the same
requests from that capture, so the connector runs its real code (the same `requests.Session`,
JSON decoding, rate limiter bookkeeping, workers, emitter) and only the socket is gone.

Requests are deterministic once "now" is fixed: windows end at now, and config page tokens come
back exactly as captured because the connector sends the token it read from a captured header.
`captured_now` recovers the measured sync's now (its last window's end) from the capture.
"""

from __future__ import annotations

import json
import os
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from tests.fake_toast.server import RESTAURANT_HEADER, ResponseCapture, capture_key

ORDERS_BULK = "/orders/v2/ordersBulk"


class ReplayAdapter(BaseAdapter):
    """A transport adapter that answers from a capture and raises on anything not captured."""

    def __init__(self, directory: Path) -> None:
        super().__init__()
        self.index = ResponseCapture.load_index(directory)
        self._fd = os.open(directory / ResponseCapture.BODIES, os.O_RDONLY)
        self._lock = threading.Lock()
        self.served = 0
        self.misses: list[str] = []
        self.virtual: VirtualTime | None = None

    def send(
        self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> requests.Response:
        """Answer one prepared request from the capture."""
        del args, kwargs
        parts = urlsplit(request.url or "")
        query = parse_qsl(parts.query, keep_blank_values=True)
        key = capture_key(
            request.method or "GET", parts.path, query, request.headers.get(RESTAURANT_HEADER)
        )
        entry = self.index.get(key)
        if entry is None:
            with self._lock:
                self.misses.append(key)
            raise requests.ConnectionError(f"not in the capture: {key}")
        offset, length, status, headers = entry
        response = requests.Response()
        response.status_code = status
        response.headers = CaseInsensitiveDict(headers)
        response._content = os.pread(self._fd, length, offset)  # no socket: the body is set
        response.encoding = "utf-8"
        response.url = request.url or ""
        response.request = request
        response.reason = "OK" if status < 400 else "Error"
        response.connection = self
        with self._lock:
            self.served += 1
        return response

    def close(self) -> None:
        """Nothing to release per session; the file stays open for other sessions."""


def captured_now(index: dict[str, Any]) -> datetime:
    """The measured sync's "now": the latest ordersBulk endDate it asked for."""
    ends = []
    for key in index:
        method, path, pairs, _ = _decode(key)
        if method == "GET" and path == ORDERS_BULK:
            ends.extend(value for name, value in pairs if name == "endDate")
    if not ends:
        raise ValueError("the capture holds no ordersBulk request")
    return max(_parse(end) for end in ends)


def _decode(key: str) -> tuple[str, str, list[list[str]], str | None]:
    method, path, pairs, restaurant = json.loads(key)
    return method, path, pairs, restaurant


def _parse(text: str) -> datetime:
    """`2026-11-23T19:28:39.123+0000` -> aware datetime."""
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z").astimezone(timezone.utc)


def install(connector: Any, directory: Path, pinned: str | None = None) -> ReplayAdapter:
    """Route every `requests.Session` of this process to the capture; freeze the connector's
    "now" at the captured one and let its waits (SLEEP, CLOCK) pass in virtual time. Only for
    a replay process. `pinned`: the now the measured sync was pinned at (`--now`), if it was:
    then the sync's ordersBulk drift checks ask for ranges ending after it, and only the pinned
    now asks for exactly the captured requests again."""
    adapter = ReplayAdapter(directory)
    now = datetime.fromisoformat(pinned) if pinned else captured_now(adapter.index)

    class ReplaySession(requests.Session):
        def __init__(self) -> None:
            super().__init__()
            self.mount("http://", adapter)
            self.mount("https://", adapter)

        def mount(self, prefix: str, _: Any) -> None:
            """Any adapter mounted later (the connector's connection pool) is the capture too."""
            super().mount(prefix, adapter)

    requests.Session = ReplaySession  # type: ignore[misc]
    virtual = adapter.virtual = VirtualTime()
    connector.SLEEP = virtual.sleep
    if hasattr(connector, "CLOCK"):  # the rate limiter's clock: waits pass in virtual time
        connector.CLOCK = virtual.clock
    connector.NOW = lambda: now  # the measured sync's now
    return adapter


class VirtualTime:
    """A monotonic clock that a sleep advances instead of waiting: the connector's rate limiter
    and back-off see their waits pass at once, without spinning."""

    def __init__(self) -> None:
        self._offset = 0.0
        self._lock = threading.Lock()
        self.slept = 0.0

    def clock(self) -> float:
        """time.monotonic() plus every sleep so far."""
        return time.monotonic() + self._offset

    def sleep(self, seconds: float) -> None:
        """Advance the clock instead of waiting."""
        with self._lock:
            self._offset += max(0.0, seconds)
            self.slept += max(0.0, seconds)
