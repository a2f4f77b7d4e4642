"""A fake Toast API: a stdlib HTTP server that honours the contracts in shared/toast/toast_api.md.

`FakeToast` serves a `World` on 127.0.0.1 (port 0 by default) from a route table keyed by
method + path pattern. It checks bearer tokens and the restaurant header, pages config by
`Toast-Next-Page-Token` and ordersBulk by page/pageSize with a `Link` header, enforces date
ranges of at most 30 days, sends the X-Toast-RateLimit-* headers (and 429s when asked to enforce
them), injects random or scripted faults, and logs every request for assertions.
"""

from __future__ import annotations

import base64
import copy
import itertools
import json
import math
import random
import re
import secrets
import socket
import sys
import threading
import time
import traceback
import uuid
from collections import Counter, deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from tests.fake_toast.world import (
    CONFIG_ENDPOINTS,
    DEFAULT_LAST_MODIFIED,
    RECORDINGS_DIR,
    SANDBOX_CLIENT_ID,
    SANDBOX_CLIENT_SECRET,
    World,
    format_ts,
    parse_business_date,
    parse_ts,
)

UTC = timezone.utc  # datetime.UTC needs Python 3.11; the project supports 3.10

RESTAURANT_HEADER = "Toast-Restaurant-External-ID"
NEXT_PAGE_HEADER = "Toast-Next-Page-Token"
MAX_RANGE = timedelta(days=30)  # Toast: date ranges may span at most one month
ORDERS_EARLIEST_START = datetime(2015, 12, 1, tzinfo=UTC)  # ordersBulk: startDate after this
ORDERS_MAX_PAGE_SIZE = 100
GLOBAL_LIMIT_PER_SECOND = 20  # per location (restaurant header, else client IP)
GLOBAL_LIMIT_PER_15_MINUTES = 10_000
ORDERS_BULK_LIMIT_PER_SECOND = 5
MENUS_LIMIT_PER_SECOND = 1  # GET /menus/v2/menus, per location (toast_api.md §4)
TOKEN_REISSUE_MARGIN_SECONDS = 60  # Toast returns the same token until its last minute
RANDOM_FAULTS: tuple[int | str, ...] = (500, 502, 503, "drop")
_FALLBACK_MESSAGES = {
    404: "No such resource.",
    502: "Bad gateway.",
    503: "Service temporarily unavailable.",
}


class ApiError(Exception):
    """Raised by a route handler to answer with a Toast ErrorMessage body."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class Fault:
    """A scripted misbehaviour for the next request that matches it.

    Attributes:
        status: status to answer with (None with drop=False: only delay, then answer normally).
        headers: extra response headers; a None value removes a default header.
        body: JSON body; None means the recorded ErrorMessage for `status`.
        drop: close the connection without any response.
        delay_seconds: sleep before acting.
        restaurant: only requests with this restaurant header match.
        paged_only: only requests carrying a `pageToken` match.
        revoke_tokens: also invalidate every token issued so far, as when Toast revokes the
            token a request carried: it answers 401 to that token from then on, and the next
            login issues a new one (toast_api.md §5, §6.1). Without it, a scripted 401 is
            "401 with a valid token": a new login returns the same token.
        params: only requests carrying these query parameter values match (e.g. page 3).
    """

    status: int | None = None
    headers: dict[str, str | None] = field(default_factory=dict)
    body: Any = None
    drop: bool = False
    delay_seconds: float = 0.0
    restaurant: str | None = None
    paged_only: bool = False
    revoke_tokens: bool = False
    params: dict[str, str] = field(default_factory=dict)


@dataclass
class RecordedRequest:
    """One entry of `FakeToast.requests`."""

    method: str
    path: str
    params: dict[str, str]
    restaurant: str | None
    authorization: str | None
    time: float
    status: int | str | None = None


@dataclass
class Request:
    """A parsed request as route handlers see it."""

    method: str
    path: str
    params: dict[str, str]
    multi: dict[str, list[str]]
    headers: Message
    body: bytes
    client_ip: str
    match: dict[str, str] = field(default_factory=dict)
    # The how-manieth request this is of its location to its path (and business date, for
    # the cash days a client asks in parallel), since the server started or `live()` was last
    # called: a schedule keyed on it replays the same however the client's threads interleave.
    ordinal: int = 0

    @property
    def restaurant(self) -> str | None:
        """The Toast-Restaurant-External-ID header, if sent."""
        return self.headers.get(RESTAURANT_HEADER) or None


@dataclass
class Response:
    """What the server answers: JSON body and headers, or a dropped connection."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False


@dataclass(frozen=True)
class Route:
    """One row of the route table."""

    method: str
    pattern: re.Pattern[str]
    handler: Callable[[Request], Response]
    needs_auth: bool = True
    needs_restaurant: bool = True
    endpoint_limit_per_second: int | None = None


@dataclass
class _Script:
    method: str
    pattern: re.Pattern[str]
    faults: list[Fault]


@dataclass(frozen=True)
class _PageCursor:
    restaurant: str
    endpoint: str
    offset: int
    version: int
    last_modified: str | None


@dataclass(frozen=True)
class _RateDecision:
    allowed: bool
    retry_after_seconds: int
    headers: dict[str, str]


class _RateLimiter:
    """Sliding-window counters per location: 20/s and 10,000/15 min, 5/s on ordersBulk."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._windows: dict[tuple[str, str], deque[float]] = {}

    def check(
        self, location: str, endpoint: str | None, limit: int | None, enforce: bool
    ) -> _RateDecision:
        """Count one request and say whether it may proceed, with the rate-limit headers."""
        limits = [("GLOBAL", "second", 1.0, GLOBAL_LIMIT_PER_SECOND)]
        limits.append(("GLOBAL", "15min", 900.0, GLOBAL_LIMIT_PER_15_MINUTES))
        if endpoint is not None and limit is not None:
            limits.append(("ENDPOINT", endpoint, 1.0, limit))
        now = time.monotonic()
        with self._lock:
            windows = [self._window(location, limit, now) for limit in limits]
            full = [
                math.ceil(window[0] + seconds - now)
                for window, (_, _, seconds, cap) in zip(windows, limits, strict=True)
                if len(window) >= cap
            ]
            allowed = not (enforce and full)
            if allowed:
                for window in windows:
                    window.append(now)
            headers = self._headers(limits, windows, now)
        return _RateDecision(allowed, max([1, *full]), headers)

    def _window(
        self, location: str, limit: tuple[str, str, float, int], now: float
    ) -> deque[float]:
        """Live timestamps of one limit, capped at the limit (counts beyond it never matter)."""
        _, key, seconds, cap = limit
        window = self._windows.setdefault((location, key), deque(maxlen=cap))
        while window and window[0] <= now - seconds:
            window.popleft()
        return window

    @staticmethod
    def _headers(
        limits: list[tuple[str, str, float, int]], windows: list[deque[float]], now: float
    ) -> dict[str, str]:
        """X-Toast-RateLimit-* for the limit closest to exhaustion."""
        remaining = [
            max(0, cap - len(w)) for (_, _, _, cap), w in zip(limits, windows, strict=True)
        ]
        index = remaining.index(min(remaining))
        by, _, seconds, _ = limits[index]
        window = windows[index]
        reset_in = (window[0] + seconds - now) if window else seconds
        return {
            "X-Toast-RateLimit-By": by,
            "X-Toast-RateLimit-Remaining": str(remaining[index]),
            "X-Toast-RateLimit-Reset": str(math.ceil(time.time() + reset_in)),
        }


class _TokenStore:
    """Issues fake JWT access tokens and remembers which are still valid."""

    def __init__(self, ttl_seconds: int) -> None:
        self._ttl_seconds = ttl_seconds
        self._lock = threading.Lock()
        self._expiry_by_token: dict[str, float] = {}
        self._latest: str | None = None

    def issue(self, client_id: str) -> tuple[str, int]:
        """Return (token, expiresIn): the current token while it has over a minute left."""
        now = time.time()
        with self._lock:
            latest_expiry = self._expiry_by_token.get(self._latest or "", 0.0)
            if self._latest and latest_expiry - now > TOKEN_REISSUE_MARGIN_SECONDS:
                return self._latest, int(latest_expiry - now)
            expiry = now + self._ttl_seconds
            token = _fake_jwt(client_id, issued=now, expiry=expiry)
            self._expiry_by_token[token] = expiry
            self._latest = token
            return token, self._ttl_seconds

    def is_valid(self, token: str) -> bool:
        """True if the token was issued here, not expired, and not invalidated."""
        with self._lock:
            return self._expiry_by_token.get(token, 0.0) > time.time()

    def expire_all(self) -> None:
        """Invalidate every token issued so far."""
        with self._lock:
            self._expiry_by_token.clear()
            self._latest = None


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _fake_jwt(client_id: str, issued: float, expiry: float) -> str:
    header = {"alg": "RS256", "typ": "JWT"}
    claims = {
        "iss": "https://fake-toast.local",
        "sub": client_id,
        "aud": "toast-api",
        "iat": int(issued),
        "exp": int(expiry),
        "jti": uuid.uuid4().hex,
        "scope": "cashmgmt:read config:read labor:read labor.employees:read orders:read "
        "restaurants:read",
    }
    parts = [json.dumps(part, separators=(",", ":")).encode() for part in (header, claims)]
    return ".".join([*map(_b64url, parts), _b64url(secrets.token_bytes(32))])


class FakeToast:
    """The fake Toast API server. Use as a context manager or call start()/stop().

    Attributes:
        world: the World served; tests may mutate it between requests.
        requests: every request received, in order (RecordedRequest).
        internal_errors: tracebacks of bugs in the fake itself (should stay empty).
        capture: with `capture_dir`, every response kept for an offline replay
            (`ResponseCapture`; tests/bench/replay.py serves it).
    """

    def __init__(
        self,
        world: World | None = None,
        *,
        client_id: str = SANDBOX_CLIENT_ID,
        client_secret: str = SANDBOX_CLIENT_SECRET,
        token_ttl_seconds: int = 86400,
        config_page_size: int = 3,
        latency_seconds: float = 0.0,
        enforce_rate_limits: bool = False,
        fault_rate: float = 0.0,
        seed: int = 0,
        port: int = 0,
        capture_dir: Path | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.world = world if world is not None else World.load()
        self.client_id = client_id
        self.client_secret = client_secret
        self.config_page_size = config_page_size
        self.latency_seconds = latency_seconds
        self.enforce_rate_limits = enforce_rate_limits
        self.fault_rate = fault_rate
        self.requests: list[RecordedRequest] = []
        self.internal_errors: list[str] = []
        self._port = port
        self._lock = threading.Lock()
        self._random = random.Random(seed)
        self._tokens = _TokenStore(token_ttl_seconds)
        self._limiter = _RateLimiter()
        self._scripts: list[_Script] = []
        self._cursors: dict[str, _PageCursor] = {}
        # Toast's "now", for edits the server makes while a sync runs (`edit_while_paging`).
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        self._edits_while_paging = 0
        self._after: list[tuple[Callable[[Request, Response], bool], Callable[[], None]]] = []
        self._ordinals: Counter[tuple[str, str, str]] = Counter()
        self._live_before: Callable[[Request], Fault | None] | None = None
        self._live_after: Callable[[Request, Response], None] | None = None
        self._served_pages: dict[tuple[str, str, str, int], list[str]] = {}
        self._config_versions: dict[tuple[str, str], int] = {}
        self._logins = 0
        self._rate_limited = 0
        self._connections = 0
        self._errors = _load_error_templates()
        self._login_template = _read_json_file("login.json")
        self._routes = self._build_routes()
        self._httpd: _HttpServer | None = None
        self._thread: threading.Thread | None = None
        self.capture = ResponseCapture(capture_dir) if capture_dir is not None else None

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> FakeToast:
        """Bind and serve in a background thread; returns self."""
        self._httpd = _HttpServer(("127.0.0.1", self._port), _Handler, self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, close open connections and join the server thread."""
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.close_connections()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None
        if self.capture is not None:
            self.capture.close()

    def __enter__(self) -> FakeToast:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The bound port (after start)."""
        if self._httpd is None:
            raise RuntimeError("FakeToast is not started")
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:PORT`."""
        return f"http://127.0.0.1:{self.port}"

    # ------------------------------------------------------------------ test controls

    def expire_tokens(self) -> None:
        """Invalidate every issued token: the next data request answers 401."""
        self._tokens.expire_all()

    def script(self, method: str, path_regex: str, *faults: Fault) -> None:
        """Queue faults for the next requests whose method matches and path `re.search`es."""
        with self._lock:
            self._scripts.append(_Script(method.upper(), re.compile(path_regex), list(faults)))

    def script_config_change(self, restaurant: str, endpoint: str) -> None:
        """Simulate a config publish: the next paged request of that endpoint answers 409.

        Page tokens issued before the change also stop working (409), as in Toast.
        """
        with self._lock:
            key = (restaurant, endpoint)
            self._config_versions[key] = self._config_versions.get(key, 0) + 1
        fault = Fault(status=409, restaurant=restaurant, paged_only=True)
        self.script("GET", rf"^/config/v2/{re.escape(endpoint)}$", fault)

    def edit_while_paging(self, count: int) -> None:
        """Be live, as Toast is during dinner: for the next `count` ordersBulk range requests of a
        page after the first, edit an order served on the page before it (first: its
        `modifiedDate` moves to `clock()` and one selection's quantity changes). The edited
        order leaves the range, and with offset paging every later order moves one place up, so
        the first order of the requested page was served on no page (toast_api.md §13)."""
        with self._lock:
            self._edits_while_paging += count

    @property
    def edits_left(self) -> int:
        """Edits `edit_while_paging` asked for that no request has triggered yet."""
        return self._edits_while_paging

    def _edit_during_paging(self, request: Request, page: int) -> None:
        key = (
            request.restaurant or "",
            request.params.get("startDate", ""),
            request.params.get("endDate", ""),
        )
        with self._lock:
            served = self._served_pages.get((*key, page - 1))
            if page < 2 or not served or self._edits_while_paging <= 0:
                return
            self._edits_while_paging -= 1
        order = self.world.find_order(served[0])
        order["modifiedDate"] = format_ts(self.clock())
        for check in order.get("checks") or []:
            for selection in check.get("selections") or []:
                selection["quantity"] = (selection.get("quantity") or 0) + 1
                return

    def after_request(
        self, condition: Callable[[Request, Response], bool], change: Callable[[], None]
    ) -> None:
        """Change the world once, right after the first answered request that meets
        `condition`: Toast's data changes between a sync's requests."""
        with self._lock:
            self._after.append((condition, change))

    def live(
        self,
        before: Callable[[Request], Fault | None] | None = None,
        after: Callable[[Request, Response], None] | None = None,
    ) -> None:
        """Be live at every request, as a seeded schedule says (tests/resilience/random_live.py):
        `before(request)` may return a Fault to serve instead of the answer (a refusal);
        `after(request, response)` may change the world before the client has the answer (Toast's
        data changes between a sync's requests). Requests count their `ordinal` from 1 again.
        Calling it with no arguments ends the schedule."""
        with self._lock:
            self._ordinals.clear()
            self._live_before, self._live_after = before, after

    def _changes_after(self, request: Request, response: Response) -> None:
        if self._live_after is not None:
            self._live_after(request, response)
        # A condition may ask the server (e.g. `requests_to`), so it runs outside the lock;
        # an entry is taken under it, so each change runs once.
        with self._lock:
            waiting = list(self._after)
        met = [entry for entry in waiting if entry[0](request, response)]
        with self._lock:
            due = [entry for entry in met if entry in self._after]
            self._after = [entry for entry in self._after if entry not in due]
        for _, change in due:
            change()

    def unconsumed(self) -> list[Fault]:
        """Scripted faults that no request has used yet."""
        with self._lock:
            return [fault for script in self._scripts for fault in script.faults]

    def requests_to(self, path_prefix: str) -> list[RecordedRequest]:
        """Logged requests whose path starts with `path_prefix`."""
        with self._lock:
            return [r for r in self.requests if r.path.startswith(path_prefix)]

    @property
    def logins(self) -> int:
        """Number of successful logins."""
        return self._logins

    @property
    def connections_opened(self) -> int:
        """Number of TCP connections clients opened (a keep-alive connection counts once)."""
        return self._connections

    def count_connection(self) -> None:
        """Note a new client connection (called by the HTTP server)."""
        with self._lock:
            self._connections += 1

    @property
    def rate_limited_count(self) -> int:
        """Number of 429 responses served (rate limiter or scripted)."""
        return self._rate_limited

    def stats(self) -> dict[str, Any]:
        """What the server saw, for benchmarks: see `request_stats`."""
        with self._lock:
            requests = list(self.requests)
            internal_errors = len(self.internal_errors)
        return {
            **request_stats(requests),
            "served_429": self.rate_limited_count,
            "connections_opened": self.connections_opened,
            "logins": self.logins,
            "internal_errors": internal_errors,
            "latency_seconds": self.latency_seconds,
            "enforce_rate_limits": self.enforce_rate_limits,
        }

    # ------------------------------------------------------------------ dispatch

    def dispatch(self, request: Request) -> Response:
        """Answer one request (called from the HTTP handler threads) and log it."""
        record = RecordedRequest(
            method=request.method,
            path=request.path,
            params=dict(request.params),
            restaurant=request.restaurant,
            authorization=request.headers.get("Authorization"),
            time=time.monotonic(),
        )
        ordinal_key = (
            request.restaurant or "",
            request.path,
            request.params.get("businessDate", ""),
        )
        with self._lock:
            self.requests.append(record)
            self._ordinals[ordinal_key] += 1
            request.ordinal = self._ordinals[ordinal_key]
        try:
            response = self._respond(request)
            record.status = "dropped" if response.drop else response.status
            self._changes_after(request, response)
        finally:
            if record.status is None:
                record.status = "error"
        if response.status == 429 and not response.drop:
            with self._lock:
                self._rate_limited += 1
        return response

    def record_internal_error(self, text: str) -> None:
        """Keep the traceback of a bug in the fake (called by the HTTP server)."""
        with self._lock:
            self.internal_errors.append(text)

    def _respond(self, request: Request) -> Response:
        if self.latency_seconds:
            time.sleep(self.latency_seconds)
        route, match = self._match(request)
        limit = route.endpoint_limit_per_second if route else None
        decision = self._limiter.check(
            request.restaurant or request.client_ip, request.path, limit, self.enforce_rate_limits
        )
        response = self._respond_limited(request, route, match, decision)
        if not response.drop:
            response.headers = {**decision.headers, **response.headers}
            response.headers = {k: v for k, v in response.headers.items() if v is not None}
        return response

    def _respond_limited(
        self,
        request: Request,
        route: Route | None,
        match: dict[str, str],
        decision: _RateDecision,
    ) -> Response:
        if not decision.allowed:
            response = self._error(429, "Rate limit exceeded for this location.")
            response.headers["Retry-After"] = str(decision.retry_after_seconds)
            return response
        fault = self._take_fault(request)
        if fault is None and self._live_before is not None:
            fault = self._live_before(request)
        if fault is not None and fault.revoke_tokens:
            self._tokens.expire_all()
        if fault is not None:
            time.sleep(fault.delay_seconds)
            if fault.drop or fault.status is not None:
                return self._fault_response(fault)
        if route is None:
            return self._error(404, f"No route for {request.method} {request.path}.")
        if route.needs_auth and self._random_fault_due():
            return self._random_fault()
        request.match = match
        try:
            self._check_access(route, request)
            return route.handler(request)
        except ApiError as error:
            return self._error(error.status, error.message)

    def _match(self, request: Request) -> tuple[Route | None, dict[str, str]]:
        for route in self._routes:
            found = route.pattern.fullmatch(request.path)
            if found and route.method == request.method:
                return route, found.groupdict()
        return None, {}

    def _take_fault(self, request: Request) -> Fault | None:
        with self._lock:
            for script in self._scripts:
                if script.method != request.method or not script.pattern.search(request.path):
                    continue
                for index, fault in enumerate(script.faults):
                    if _fault_applies(fault, request):
                        return script.faults.pop(index)
        return None

    def _fault_response(self, fault: Fault) -> Response:
        if fault.drop:
            return Response(drop=True)
        status = fault.status or 500
        body = copy.deepcopy(fault.body) if fault.body is not None else self._recorded(status)
        headers: dict[str, Any] = {"Retry-After": "1"} if status == 429 else {}
        headers.update(fault.headers)
        return Response(status, body, headers)

    def _random_fault_due(self) -> bool:
        if self.fault_rate <= 0:
            return False
        with self._lock:
            return self._random.random() < self.fault_rate

    def _random_fault(self) -> Response:
        with self._lock:
            outcome = self._random.choice(RANDOM_FAULTS)
        if outcome == "drop":
            return Response(drop=True)
        return self._error(int(outcome), _FALLBACK_MESSAGES.get(int(outcome), "Internal error."))

    def _check_access(self, route: Route, request: Request) -> None:
        if route.needs_auth:
            authorization = request.headers.get("Authorization") or ""
            scheme, _, token = authorization.partition(" ")
            if scheme != "Bearer" or not self._tokens.is_valid(token.strip()):
                raise ApiError(401, "Missing, invalid or expired bearer token.")
        if not route.needs_restaurant:
            return
        restaurant = request.restaurant
        if restaurant is None:
            raise ApiError(400, f"Missing required header {RESTAURANT_HEADER}.")
        if not self.world.is_connected(restaurant):
            raise ApiError(403, f"Restaurant {restaurant} is not accessible to this client.")

    # ------------------------------------------------------------------ error bodies

    def _recorded(self, status: int) -> dict[str, Any]:
        if status in self._errors:
            return copy.deepcopy(self._errors[status])
        body = copy.deepcopy(self._errors[500])
        body.update(status=status, code=10000 + status)
        body["message"] = _FALLBACK_MESSAGES.get(status, body["message"])
        return body

    def _error(self, status: int, message: str) -> Response:
        body = self._recorded(status)
        body["message"] = message
        body["requestId"] = str(uuid.uuid4())
        return Response(status, body)

    # ------------------------------------------------------------------ routes

    def _build_routes(self) -> tuple[Route, ...]:
        def route(
            method: str, pattern: str, handler: Callable[[Request], Response], **kw: Any
        ) -> Route:
            return Route(method, re.compile(pattern), handler, **kw)

        return (
            route(
                "POST",
                r"/authentication/v1/authentication/login",
                self._login,
                needs_auth=False,
                needs_restaurant=False,
            ),
            route(
                "GET",
                r"/partners/v1/restaurants",
                self._partner_restaurants,
                needs_restaurant=False,
            ),
            route("GET", r"/restaurants/v1/restaurants/(?P<guid>[^/]+)", self._restaurant_info),
            route("GET", r"/restaurants/v1/groups/(?P<group>[^/]+)/restaurants", self._group),
            route("GET", r"/config/v2/tipWithholding", self._tip_withholding),
            route("GET", r"/config/v2/(?P<endpoint>[A-Za-z]+)", self._config),
            route("GET", r"/menus/v2/metadata", self._menus_metadata),
            route(
                "GET",
                r"/menus/v2/menus",
                self._menus,
                endpoint_limit_per_second=MENUS_LIMIT_PER_SECOND,
            ),
            route("GET", r"/labor/v1/(?P<kind>jobs|employees)", self._labor_list),
            route("GET", r"/labor/v1/shifts", self._shifts),
            route("GET", r"/labor/v1/timeEntries", self._time_entries),
            route("GET", r"/cashmgmt/v1/(?P<kind>entries|deposits)", self._cash),
            route(
                "GET",
                r"/orders/v2/ordersBulk",
                self._orders_bulk,
                endpoint_limit_per_second=ORDERS_BULK_LIMIT_PER_SECOND,
            ),
        )

    def _login(self, request: Request) -> Response:
        try:
            credentials = json.loads(request.body or b"null")
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise ApiError(400, f"Login body is not JSON: {error}.") from error
        if not isinstance(credentials, dict):
            raise ApiError(400, "Login body must be a JSON object.")
        if credentials.get("userAccessType") != "TOAST_MACHINE_CLIENT":
            raise ApiError(400, "userAccessType must be TOAST_MACHINE_CLIENT.")
        given = (credentials.get("clientId"), credentials.get("clientSecret"))
        if given != (self.client_id, self.client_secret):
            raise ApiError(401, "Invalid clientId or clientSecret.")
        token, expires_in = self._tokens.issue(self.client_id)
        body = copy.deepcopy(self._login_template)
        body["token"].update(accessToken=token, expiresIn=expires_in)
        with self._lock:
            self._logins += 1
        return Response(200, body)

    def _partner_restaurants(self, request: Request) -> Response:
        since = _optional_ts(request, "lastModified")
        since_ms = since.timestamp() * 1000 if since else None
        records = [
            record
            for record in self.world.restaurants
            if record["restaurantGuid"] not in self.world.disconnected
            and (since_ms is None or record["modifiedDate"] > since_ms)
        ]
        return Response(200, records)

    def _restaurant_info(self, request: Request) -> Response:
        _bool_param(request, "includeArchived")
        guid = request.match["guid"]
        if guid != request.restaurant:
            raise ApiError(403, f"{RESTAURANT_HEADER} must equal the restaurant GUID {guid}.")
        return Response(200, self.world.restaurant_info[guid])

    def _group(self, request: Request) -> Response:
        group = request.match["group"]
        info = self.world.restaurant_info[request.restaurant or ""]
        if info["general"]["managementGroupGuid"] != group:
            raise ApiError(403, f"Restaurant {request.restaurant} is not in group {group}.")
        members = [
            {"guid": guid}
            for guid, other in self.world.restaurant_info.items()
            if other["general"]["managementGroupGuid"] == group and self.world.is_connected(guid)
        ]
        return Response(200, members)

    def _config(self, request: Request) -> Response:
        endpoint = request.match["endpoint"]
        if endpoint not in CONFIG_ENDPOINTS:
            raise ApiError(404, f"Unknown config endpoint {endpoint}.")
        restaurant = request.restaurant or ""
        cursor = self._config_cursor(request, restaurant, endpoint)
        since = parse_ts(cursor.last_modified) if cursor.last_modified else None
        selected = [
            obj
            for obj in self.world.config_objects(restaurant, endpoint)
            if since is None or parse_ts(obj.get("_lastModified", DEFAULT_LAST_MODIFIED)) > since
        ]
        end = cursor.offset + self.config_page_size
        page = [_public(obj) for obj in selected[cursor.offset : end]]
        headers: dict[str, str] = {}
        if end < len(selected):
            headers[NEXT_PAGE_HEADER] = self._issue_cursor(
                _PageCursor(restaurant, endpoint, end, cursor.version, cursor.last_modified)
            )
        return Response(200, page, headers)

    def _config_cursor(self, request: Request, restaurant: str, endpoint: str) -> _PageCursor:
        last_modified = request.params.get("lastModified")
        if last_modified is not None:
            _parse_param(request, "lastModified")
        with self._lock:
            version = self._config_versions.get((restaurant, endpoint), 0)
            token = request.params.get("pageToken")
            if token is None:
                return _PageCursor(restaurant, endpoint, 0, version, last_modified)
            cursor = self._cursors.get(token)
        if cursor is None or (cursor.restaurant, cursor.endpoint) != (restaurant, endpoint):
            raise ApiError(400, f"Unknown or invalid pageToken {token!r}.")
        if last_modified is not None and last_modified != cursor.last_modified:
            raise ApiError(400, "lastModified differs from the one the pageToken was issued for.")
        if cursor.version != version:
            raise ApiError(409, "Configuration was published during pagination; start over.")
        return cursor

    def _issue_cursor(self, cursor: _PageCursor) -> str:
        token = _b64url(secrets.token_bytes(18))
        with self._lock:
            self._cursors[token] = cursor
        return token

    def _tip_withholding(self, request: Request) -> Response:
        """One TipWithholding object, not a list, and no paging (config.yaml
        /tipWithholding; toast_api.md §6.4)."""
        tip = self.world.tip_withholding_of(request.restaurant or "")
        if tip is None:
            raise ApiError(404, "No tip withholding configuration for this restaurant.")
        return Response(200, tip)

    def _menus_metadata(self, request: Request) -> Response:
        """`{"restaurantGuid", "lastUpdated"}`: when the restaurant last published its menus
        (toast_api.md §6.5, the recorded sandbox response of a public Singer tap)."""
        document = self._published_menus(request)
        return Response(
            200, {"restaurantGuid": request.restaurant, "lastUpdated": document["lastUpdated"]}
        )

    def _menus(self, request: Request) -> Response:
        """The whole published menu document, one JSON object (toast_api.md §6.5)."""
        return Response(200, self._published_menus(request))

    def _published_menus(self, request: Request) -> dict[str, Any]:
        document = self.world.menus_document(request.restaurant or "")
        if document is None:
            raise ApiError(404, "No published menus for this restaurant.")
        return document

    def _labor_list(self, request: Request) -> Response:
        kind = request.match["kind"]
        ids = set(request.multi.get("jobIds" if kind == "jobs" else "employeeIds", []))
        objects = self.world.labor_candidates(request.restaurant or "", kind, None, None)
        return Response(200, [obj for obj in objects if not ids or _has_id(obj, ids)])

    def _shifts(self, request: Request) -> Response:
        restaurant = request.restaurant or ""
        ids = set(request.multi.get("shiftIds", []))
        if ids:
            shifts = self.world.labor_candidates(restaurant, "shifts", None, None)
            return Response(200, [shift for shift in shifts if _has_id(shift, ids)])
        start, end = _date_range(request, "startDate", "endDate")
        selected = [
            shift
            for shift in self.world.labor_candidates(restaurant, "shifts", start, end)
            if shift.get("outDate")
            and parse_ts(shift["inDate"]) >= start
            and parse_ts(shift["outDate"]) < end
        ]
        return Response(200, selected)

    def _time_entries(self, request: Request) -> Response:
        selector = _time_entry_selector(request)
        include_missed = _bool_param(request, "includeMissedBreaks") is True
        include_archived = _bool_param(request, "includeArchived") is True
        restaurant = request.restaurant or ""
        if selector == "timeEntryIds":
            ids = set(request.multi["timeEntryIds"])
            entries = [
                e
                for e in self.world.labor_candidates(restaurant, "timeEntries", None, None)
                if _has_id(e, ids)
            ]
        elif selector == "businessDate":
            entries = self._time_entries_on(restaurant, request.params["businessDate"])
        else:
            entries = self._time_entries_in(request, restaurant, selector, include_archived)
        return Response(200, [_with_breaks(e, include_missed) for e in entries])

    def _time_entries_on(self, restaurant: str, business_date: str) -> list[dict[str, Any]]:
        """Entries of one business date; like Toast, never archived (deleted) ones."""
        day = _business_date_param(business_date)
        start = datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(days=1)
        candidates = self.world.labor_candidates(
            restaurant, "timeEntries", start, start + timedelta(days=3)
        )
        return [
            e
            for e in candidates
            if e.get("businessDate") == business_date and not e.get("deleted")
        ]

    def _time_entries_in(
        self, request: Request, restaurant: str, selector: str, include_archived: bool
    ) -> list[dict[str, Any]]:
        """Entries by modified range (always with archived) or inDate range (archived opt-in)."""
        if selector == "modified":
            start, end = _date_range(request, "modifiedStartDate", "modifiedEndDate")
            field_name, keep_archived = "modifiedDate", True
        else:
            start, end = _date_range(request, "startDate", "endDate")
            field_name, keep_archived = "inDate", include_archived
        return [
            e
            for e in self.world.labor_candidates(restaurant, "timeEntries", start, end)
            if start <= parse_ts(e[field_name]) < end and (keep_archived or not e.get("deleted"))
        ]

    def _cash(self, request: Request) -> Response:
        business_date = request.params.get("businessDate")
        if business_date is None:
            raise ApiError(400, "Missing required query parameter businessDate (yyyymmdd).")
        _business_date_param(business_date)
        if request.restaurant in getattr(self.world, "cash_unused", ()):
            # A location that does not use cash management answers 404, like tip withholding
            # and menus where they are not set up (issue 20: "an endpoint that always answers
            # 404 for a location"; toast_api.md §5 has 404 as "not found").
            raise ApiError(404, "Cash management is not enabled for this restaurant.")
        objects = self.world.cash_objects(
            request.restaurant or "", request.match["kind"], business_date
        )
        return Response(200, objects)

    def _orders_bulk(self, request: Request) -> Response:
        page_size = _int_param(request, "pageSize", ORDERS_MAX_PAGE_SIZE, ORDERS_MAX_PAGE_SIZE)
        page = _int_param(request, "page", 1, None)
        self._edit_during_paging(request, page)
        orders = self._select_orders(request)
        first = (page - 1) * page_size
        body = list(orders[first : first + page_size])
        has_next = first + page_size < len(orders)
        served = (
            request.restaurant or "",
            request.params.get("startDate", ""),
            request.params.get("endDate", ""),
            page,
        )
        with self._lock:
            self._served_pages[served] = [order["guid"] for order in body]
        return Response(200, body, {"Link": self._link_header(request, page, has_next)})

    def _select_orders(self, request: Request) -> Sequence[dict[str, Any]]:
        restaurant = request.restaurant or ""
        business_date = request.params.get("businessDate")
        has_range = "startDate" in request.params or "endDate" in request.params
        if business_date is not None and has_range:
            raise ApiError(400, "Use either businessDate or startDate/endDate, not both.")
        if business_date is not None:
            day = _business_date_param(business_date)
            return self.world.orders_on_business_date(restaurant, int(day.strftime("%Y%m%d")))
        if not has_range:
            raise ApiError(400, "ordersBulk needs startDate and endDate, or businessDate.")
        start, end = _date_range(request, "startDate", "endDate")
        if start <= ORDERS_EARLIEST_START:
            raise ApiError(400, "startDate must be after 2015-12-01T00:00:00.000+0000.")
        return self.world.orders_between(restaurant, start, end)

    def _link_header(self, request: Request, page: int, has_next: bool) -> str:
        def link(number: int, rel: str) -> str:
            params = {**request.params, "page": str(number)}
            return f'<{self.base_url}{request.path}?{urlencode(params)}>; rel="{rel}"'

        links = [link(page, "self"), link(1, "first")]
        if page > 1:
            links.append(link(page - 1, "prev"))
        if has_next:
            links.append(link(page + 1, "next"))
        return ", ".join(links)


# ---------------------------------------------------------------------- benchmark support

_GUID_IN_PATH = re.compile(r"[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")


def capture_key(
    method: str, path: str, query: Iterable[tuple[str, str]], restaurant: str | None
) -> str:
    """The identity of a request for `ResponseCapture`: method, path, decoded query, location."""
    pairs = sorted([name, value] for name, value in query)
    return json.dumps([method.upper(), path, pairs, restaurant], separators=(",", ":"))


class ResponseCapture:
    """Keeps every answered request's response so a benchmark can replay a sync offline.

    Bodies are appended to `bodies.bin`; `close()` writes `index.json`: capture_key ->
    [offset, length, status, headers]. A success is never replaced by a later failure of the
    same request (a retried 429 or 5xx), so the index holds what the client finally used.
    """

    BODIES = "bodies.bin"
    INDEX = "index.json"

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self._lock = threading.Lock()
        self._file = (directory / self.BODIES).open("wb")
        self._offset = 0
        self._index: dict[str, list[Any]] = {}

    def store(self, request: Request, response: Response, payload: bytes) -> None:
        """Append one response (called from the handler threads)."""
        pairs = [(name, value) for name, values in request.multi.items() for value in values]
        key = capture_key(request.method, request.path, pairs, request.restaurant)
        headers = {k: v for k, v in response.headers.items() if v is not None}
        headers["Content-Type"] = "application/json;charset=UTF-8"
        with self._lock:
            if self._file.closed:
                return
            previous = self._index.get(key)
            if previous is not None and _ok(previous[2]) and not _ok(response.status):
                return
            self._file.write(payload)
            self._index[key] = [self._offset, len(payload), response.status, headers]
            self._offset += len(payload)

    def close(self) -> None:
        """Flush the bodies and write the index."""
        with self._lock:
            if self._file.closed:
                return
            self._file.close()
            index = self.directory / self.INDEX
            index.with_suffix(".tmp").write_text(json.dumps(self._index), encoding="utf-8")
            index.with_suffix(".tmp").replace(index)

    @classmethod
    def load_index(cls, directory: Path) -> dict[str, list[Any]]:
        """The index a closed capture wrote."""
        return json.loads((directory / cls.INDEX).read_text(encoding="utf-8"))


_LONG_GAP_SECONDS = 0.5


def _ok(status: int) -> bool:
    return 200 <= status < 300


def _max_in_window(times: Sequence[float], seconds: float) -> int:
    """The most timestamps (sorted) in any window (t - seconds, t], as the rate limiter counts."""
    most, left = 0, 0
    for right, moment in enumerate(times):
        while times[left] <= moment - seconds:
            left += 1
        most = max(most, right - left + 1)
    return most


def endpoint_name(path: str) -> str:
    """A request path with GUIDs replaced, so requests group by endpoint."""
    return _GUID_IN_PATH.sub("{guid}", path)


def request_stats(requests: Sequence[RecordedRequest]) -> dict[str, Any]:
    """Requests per endpoint and status, and per location (restaurant header, else "ip"): counts,
    the most requests in any 1 s and 15 min window (all, and ordersBulk alone), first to last,
    and the gaps between consecutive arrivals longer than `_LONG_GAP_SECONDS` (the client was
    waiting on something other than the previous response). `log`: every request as [seconds
    since the first, location, path, status]."""
    ordered = sorted(requests, key=lambda r: r.time)
    by_location: dict[str, list[RecordedRequest]] = {}
    for record in ordered:
        by_location.setdefault(record.restaurant or "ip", []).append(record)
    locations = {}
    for location, records in sorted(by_location.items()):
        times = [r.time for r in records]
        bulk = [r.time for r in records if r.path == "/orders/v2/ordersBulk"]
        gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
        long_gaps = [gap for gap in gaps if gap > _LONG_GAP_SECONDS]
        locations[location] = {
            "requests": len(records),
            "orders_bulk": len(bulk),
            "max_per_second": _max_in_window(times, 1.0),
            "orders_bulk_max_per_second": _max_in_window(bulk, 1.0) if bulk else 0,
            "max_per_15_minutes": _max_in_window(times, 900.0),
            "span_seconds": times[-1] - times[0],
            "long_gaps": len(long_gaps),
            "long_gap_seconds": sum(long_gaps),
            "by_endpoint": dict(Counter(endpoint_name(r.path) for r in records)),
        }
    times = [r.time for r in ordered]
    first = times[0] if times else 0.0
    return {
        "requests": len(ordered),
        "log": [
            [round(r.time - first, 4), r.restaurant or "ip", r.path, r.status] for r in ordered
        ],
        "by_endpoint": dict(Counter(endpoint_name(r.path) for r in ordered)),
        "by_status": {str(k): v for k, v in Counter(str(r.status) for r in ordered).items()},
        "max_per_second_all_locations": _max_in_window(times, 1.0) if times else 0,
        "span_seconds": times[-1] - times[0] if times else 0.0,
        "locations": locations,
    }


# ---------------------------------------------------------------------- parameter helpers


def _fault_applies(fault: Fault, request: Request) -> bool:
    if fault.restaurant is not None and fault.restaurant != request.restaurant:
        return False
    if any(request.params.get(name) != value for name, value in fault.params.items()):
        return False
    return not fault.paged_only or "pageToken" in request.params


def _public(obj: Mapping[str, Any]) -> dict[str, Any]:
    """The object as served: private server-side keys (like "_lastModified") removed."""
    return {key: value for key, value in obj.items() if not key.startswith("_")}


def _has_id(obj: Mapping[str, Any], ids: set[str]) -> bool:
    return obj.get("guid") in ids or obj.get("externalId") in ids


def _parse_param(request: Request, name: str) -> datetime:
    raw = request.params[name]
    try:
        return parse_ts(raw)
    except ValueError as error:
        hint = " (a '+' must be sent URL-encoded as %2B)" if " " in raw else ""
        raise ApiError(
            400, f"Could not parse {name}={raw!r} as ISO-8601 with a UTC offset{hint}."
        ) from error


def _optional_ts(request: Request, name: str) -> datetime | None:
    return _parse_param(request, name) if name in request.params else None


def _date_range(request: Request, start_name: str, end_name: str) -> tuple[datetime, datetime]:
    """Both bounds required, start < end, and at most 30 days apart."""
    missing = [name for name in (start_name, end_name) if name not in request.params]
    if missing:
        raise ApiError(400, f"Missing required query parameter(s): {', '.join(missing)}.")
    start, end = _parse_param(request, start_name), _parse_param(request, end_name)
    if start >= end:
        raise ApiError(400, f"{start_name} must be before {end_name}.")
    if end - start > MAX_RANGE:
        raise ApiError(
            400, f"The {start_name}..{end_name} range exceeds the maximum of 30 days (one month)."
        )
    return start, end


def _business_date_param(value: str) -> date:
    try:
        return parse_business_date(value)
    except ValueError as error:
        raise ApiError(400, f"businessDate must be yyyymmdd (8 digits): {value!r}.") from error


def _int_param(request: Request, name: str, default: int, maximum: int | None) -> int:
    raw = request.params.get(name)
    if raw is None:
        return default
    if not re.fullmatch(r"\d+", raw) or int(raw) < 1:
        raise ApiError(400, f"{name} must be a positive integer: {raw!r}.")
    if maximum is not None and int(raw) > maximum:
        raise ApiError(400, f"{name} must be at most {maximum}: {raw!r}.")
    return int(raw)


def _bool_param(request: Request, name: str) -> bool | None:
    raw = request.params.get(name)
    if raw is None:
        return None
    if raw.lower() not in ("true", "false"):
        raise ApiError(400, f"{name} must be true or false: {raw!r}.")
    return raw.lower() == "true"


def _time_entry_selector(request: Request) -> str:
    """Which one of the four timeEntries selectors the request uses (400 unless exactly one)."""
    present = {
        "timeEntryIds": "timeEntryIds" in request.multi,
        "modified": bool({"modifiedStartDate", "modifiedEndDate"} & request.params.keys()),
        "range": bool({"startDate", "endDate"} & request.params.keys()),
        "businessDate": "businessDate" in request.params,
    }
    chosen = [name for name, used in present.items() if used]
    if len(chosen) != 1:
        raise ApiError(
            400,
            "Use exactly one of timeEntryIds, startDate+endDate, "
            "modifiedStartDate+modifiedEndDate or businessDate.",
        )
    if chosen[0] == "businessDate":
        _business_date_param(request.params["businessDate"])
    return chosen[0]


def _with_breaks(entry: dict[str, Any], include_missed: bool) -> dict[str, Any]:
    """The entry as served: missed breaks only when includeMissedBreaks=true."""
    breaks = entry.get("breaks") or []
    if include_missed or not any(b.get("missed") for b in breaks):
        return entry
    return {**entry, "breaks": [b for b in breaks if not b.get("missed")]}


def _read_json_file(relative: str) -> Any:
    with (RECORDINGS_DIR / relative).open(encoding="utf-8") as handle:
        return json.load(handle)


def _load_error_templates() -> dict[int, dict[str, Any]]:
    return {
        int(path.stem): _read_json_file(f"errors/{path.name}")
        for path in sorted((RECORDINGS_DIR / "errors").glob("*.json"))
    }


def parse_request(
    method: str, target: str, headers: Message, body: bytes, client_ip: str
) -> Request:
    """Build a Request from the raw request line parts (query decoded like a real server)."""
    parts = urlsplit(target)
    multi = parse_qs(parts.query, keep_blank_values=True)
    params = {name: values[0] for name, values in multi.items()}
    return Request(method.upper(), parts.path, params, multi, headers, body, client_ip)


# ---------------------------------------------------------------------- HTTP plumbing


class _HttpServer(ThreadingHTTPServer):
    """ThreadingHTTPServer that knows its FakeToast and can close live connections."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], fake: FakeToast
    ) -> None:
        super().__init__(address, handler)
        self.fake = fake
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()

    def track(self, connection: socket.socket, alive: bool) -> None:
        """Remember (or forget) an open client connection."""
        if alive:
            self.fake.count_connection()
        with self._connections_lock:
            if alive:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)

    def close_connections(self) -> None:
        """Shut down every open keep-alive connection so handler threads end."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            _shutdown_quietly(connection)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Record bugs of the fake (tests can assert `internal_errors` is empty)."""
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError | TimeoutError):
            return
        self.fake.record_internal_error(traceback.format_exc())
        super().handle_error(request, client_address)


def _shutdown_quietly(connection: socket.socket) -> None:
    try:
        connection.shutdown(socket.SHUT_RDWR)
    except OSError:  # already closed by the client: nothing left to shut down
        return


class _Handler(BaseHTTPRequestHandler):
    """Turns HTTP/1.1 requests into `FakeToast.dispatch` calls."""

    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; with Nagle's algorithm on, the client's
    # delayed ACK holds the body back ~40 ms per request.
    disable_nagle_algorithm = True
    server: _HttpServer
    timeout = 30

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection, alive=True)

    def finish(self) -> None:
        self.server.track(self.connection, alive=False)
        super().finish()

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def log_message(self, message_format: str, *args: Any) -> None:
        """Silence per-request logging; the request log is `FakeToast.requests`."""

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = parse_request(
            self.command, self.path, self.headers, body, self.client_address[0]
        )
        response = self.server.fake.dispatch(request)
        if response.drop:
            self.close_connection = True
            return
        payload = b"" if response.body is None else json.dumps(response.body).encode("utf-8")
        if self.server.fake.capture is not None:
            self.server.fake.capture.store(request, response, payload)
        self.send_response(response.status)
        for name, value in _header_items(response.headers):
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json;charset=UTF-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


def _header_items(headers: Mapping[str, str | None]) -> Iterable[tuple[str, str]]:
    return [(name, value) for name, value in headers.items() if value is not None]
