"""Toast POS -> Fivetran: orders with every nested child, labor, configuration and cash management.

How a sync runs: log in once (the token is cached in state, Fernet-encrypted), list the restaurants
(partners API or the configured `restaurantGuids`), then for every restaurant, concurrently: its
restaurant info, configuration, jobs and employees once per sync, then 30-day windows to now, each
window fetching orders, labor (time entries, shifts) and cash, each stream from its own cursor (or
`initialSyncStart`). Workers only fetch and transform; one thread emits rows and writes a
checkpoint after finished parts of windows, so a resumed sync starts each stream of each
restaurant where it last finished.

Read top to bottom: constants, the table registry and schema(), configuration, the HTTP client,
pure transformations, the emitter, update(). README.md describes tables, state and behaviour.
"""

from __future__ import annotations

import base64  # packs the delete ledger into state
import contextlib  # a cancelled worker's last hand-off may be refused
import functools  # caches destination column names; binds a reader's work
import hashlib  # deterministic keys for children that have no guid
import itertools  # debts: consecutive moments of owed ranges
import json  # JSON columns, state and the token cache
import random  # jitter for retry back-off
import re  # validates configuration values
import socket  # tells a host name that does not exist from a resolver that is down
import ssl  # tells an untrusted certificate from other TLS failures
import struct  # packs the delete ledger's records
import threading  # per-location rate limiters and the token lock
import time  # monotonic clocks for rate limiting and back-off
import zlib  # packs the delete ledger into state
from collections import Counter, deque  # row counts for logs; request timestamps for limiters
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence  # hints
from concurrent.futures import Executor, ThreadPoolExecutor  # concurrent fetching
from dataclasses import (
    dataclass,
    field,
    replace,
)  # the registry, settings and debts are frozen dataclasses
from datetime import date, datetime, timedelta, timezone  # windows and business dates
from typing import Any, NamedTuple  # type hints; rate limits
from urllib.parse import urlsplit  # the host and port a failed request went to
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError  # restaurant-local business dates

import requests  # HTTP to Toast (provided by Fivetran's runtime)
from cryptography.fernet import Fernet, InvalidToken  # encrypts the cached token in state
from fivetran_connector_sdk import (
    ConfigurationForm,
    Connector,
    Test,
    form_field,
)  # SDK entry points
from fivetran_connector_sdk import Logging as log  # the SDK's logger (never print)
from fivetran_connector_sdk import Operations as op  # upsert / delete / checkpoint
from requests.adapters import HTTPAdapter  # a keep-alive pool as large as the fetching threads

# Constants use one leading underscore: a double underscore would be name-mangled inside classes.

# Toast accepts at most one month per request on ordersBulk, shifts and timeEntries (toast_api.md
# §4, §6.6). Windows are 30 days and no request spans more than a window.
_WINDOW_DAYS = 30
# A resumed sync re-reads a few minutes before its cursor: an order saved at the very end of the
# last window may become visible to the API a moment later (toast_api.md §8, eventual consistency).
_RESUME_OVERLAP_MINUTES = 5
# Shifts are selected by inDate >= startDate and outDate < endDate (toast_api.md §6.6): a shift
# that runs across a range edge is in neither range unless consecutive requests overlap by at least
# the longest shift. A 30-day window takes two requests with any overlap up to 15 days, so a week
# costs nothing more than a day did.
_SHIFT_EDGE_OVERLAP_HOURS = 7 * 24
# Toast has no modified-date filter for shifts, so edits and deletes are only seen by re-reading:
# every sync re-reads this many days before its restaurant's labor cursor.
_SHIFT_REREAD_DAYS = 30
# Shifts are the schedule: every sync also reads them this far ahead of now (configuration key
# `scheduleHorizonDays`, 0 to 90), so next weeks' schedule lands and a shift removed from it is
# deleted (README, Scheduled shifts).
_DEFAULT_SCHEDULE_HORIZON_DAYS = 14
_MAX_SCHEDULE_HORIZON_DAYS = 90
# Shift ids per `shiftIds` lookup (toast_api.md §6.6; labor spec: at most 100).
_SHIFT_IDS_PER_REQUEST = 100
# Cash entries are added to a business day until it closes at the restaurant's closeoutHour
# (toast_api.md §2), and a business day is one request per endpoint (§6.7). A resumed sync's
# first window starts 5 minutes before the last sync's now, so the day that was still open when
# last read is read again anyway. It also re-reads the days that closed less than this before
# the last sync's now (read before they had settled), so entries saved at the close that reach
# the API late (eventual consistency, §8) still land: at most one day more, a few hours a day,
# where re-reading 3 whole days cost 8 requests every sync.
_CASH_SETTLE_HOURS = 6
# Configuration is read less often than orders: Toast's integration checklists ask to read the
# configuration endpoints daily and the menu's /metadata through the day (toast_api.md §14).
# Every sync asks the menus metadata, jobs and employees (one request each; a new hire's time
# entries name them within the hour). The 23 configuration endpoints and tip withholding, 24
# requests at least, are asked for their changes (`lastModified`) once `configChangesHours`
# passed since the last time, and listed in full, the only way to see an object removed (no
# deleted flag, §6.4), once `configListingHours` passed: by default four times and once a day,
# so an hourly sync that finds nothing costs about 12 requests per location instead of 67.
_DEFAULT_CONFIG_CHANGES_HOURS = 6
_DEFAULT_CONFIG_LISTING_HOURS = 24
_MAX_CONFIG_HOURS = 24  # a removal is found within a day (Toast: read configuration daily)
# Scheduled syncs start a little early or late: without this slack, a read due every 24 hours
# would wait for the sync after (25 hours apart with hourly syncs).
_READ_DUE_SLACK_MINUTES = 10
# ordersBulk returns at most 100 orders per page (toast_api.md §3).
_ORDERS_PAGE_SIZE = 100
# ordersBulk pages by offset: an order edited while its range is paged leaves the range, every
# later order moves one place up, and the first order of the next page is never served
# (toast_api.md §13). So orders are read in slices, time ranges that each hold less than a page
# and are answered whole by one request (OrdersReader._window says why that cannot lose
# an order). A slice whose first page comes back full is split in halves down to this floor;
# the next slice starts from the length that last worked, grown or shrunk towards this many
# orders (at most doubled), so a busy location pays its splits once, not at every slice.
_ORDERS_SLICE_FLOOR_SECONDS = 60
_ORDERS_SLICE_TARGET = 70
_ORDERS_SLICE_MAX_GROWTH = 2.0
# A range shorter than the floor that still holds a full page (a batch edit of 100 orders within
# a minute) is paged by offset, and then one sliced request asks which orders were modified since
# the paging began (from this margin before it, for the difference between our clock and Toast's,
# to now); one served with another modifiedDate has moved, and its page and the later ones are
# read again. Still moving after this many passes, paged past this many pages, or a page that
# repeats one before: the rest of the window is kept as a debt (below) and read again next sync.
_PAGING_CLOCK_MARGIN_MINUTES = 5
_MAX_PAGING_PASSES = 3
_MAX_OFFSET_PAGES = 50
# Work Toast refused (400, 403, 404, repeated 401: toast_api.md §5; users see 403s that pass
# hours later, §13) is kept in state as a debt and retried at every later sync. An item is given
# up, with an ERROR naming it, once it failed on at least this many syncs over at least this many
# days. An endpoint refused this many times in a row is not asked again in the same sync: the rest
# of its work becomes debt at once (a missing scope would otherwise be asked for every day).
_DEBT_GIVE_UP_ATTEMPTS = 3
_DEBT_GIVE_UP_DAYS = 7
_REFUSALS_BEFORE_PAUSING_ENDPOINT = 3
# An endpoint that answers 404 at a location (tip withholding, menus or cash management not used
# there; 404 is "nothing there for this restaurant", _STATUS_ACTIONS) is a fact about the
# location, not refused work: it is remembered in state (`absent`), said once as INFO, owes
# nothing, and is asked again at most this often. When it answers again, a windowed endpoint owes
# what was not asked meanwhile (a debt), so a 404 that passes loses nothing.
_ABSENT_REASK_HOURS = 24
# Children removed from a modified order are found by comparing with the keys it had last time
# (see Ledger). Toast removes children (a selection taken off, a check split or moved) while a
# check is open and in the days after; later edits are voids and refunds, which keep their rows
# (issue 19). So the ledger keeps the keys of orders and time entries modified within
# `deleteLedgerDays` (1 to 90) before the sync's now, and forgets a deleted parent's keys at
# once (its rows went with it). Beyond that reach, a child removed from an order keeps an older
# `order_modified_date` than its order's `modified_date`: SQL finds it at any age (README, Deleted
# rows). Measured per busy location (150 orders a day, 10 child keys each; tests/bench/
# RESULTS.md, State per location): 102 KB for 3 days, 236 KB for 7, 471 KB for 14, whatever the
# history. A location's whole state must stay under 256 KB (issue 19), so the default is 3 days:
# the days in which checks are still open and corrected; later edits are voids and refunds.
_DEFAULT_LEDGER_DAYS = 3
_MAX_LEDGER_DAYS = 90
# A restaurant that discovery does not list keeps its state (cursors, debts, ledger): missing
# from one listing (a partners API hiccup, a short disconnection), it resumes where it was and
# its removals during the gap are still found. Listed again within this many days of the last
# listing it was in, nothing is lost; unlisted for longer, its state is pruned whole (an INFO
# line names it), so state follows the locations synced, not every location ever synced.
_UNLISTED_PRUNE_DAYS = 30

# HTTP behaviour (toast_api.md §4, §5).
_REQUEST_TIMEOUT_SECONDS = 60
_MAX_TRANSIENT_ATTEMPTS = 6  # 5xx, timeouts, dropped connections: waits of 1, 2, 4, 8, 16 s
_BACKOFF_BASE_SECONDS = 1.0
_BACKOFF_CAP_SECONDS = 30.0
_MAX_RATE_LIMITED_ATTEMPTS = 20  # consecutive 429s on one request before the sync halts
_MAX_UNAUTHORIZED_ATTEMPTS = 3  # consecutive 401s on one request before the endpoint is skipped
_MAX_CONFLICT_RESTARTS = 3  # 409 while paging config: restart the listing from its first page
_DEFAULT_RETRY_AFTER_SECONDS = 5
# Toast's limits per restaurant location (toast_api.md §4): 20 requests/s and 10,000 per 15
# minutes across all APIs, 5 requests/s on ordersBulk. The client keeps under them by itself.
# Each budget is keyed by its name, never by its numbers: a spacing of 1 s on ordersBulk and
# the menus' 1 per second are two budgets, not one.


class RateLimit(NamedTuple):
    """One of Toast's limits: at most `count` requests per `seconds`, a budget called `name`."""

    name: str
    count: int
    seconds: float


_LOCATION_LIMITS = (RateLimit("location", 20, 1.0), RateLimit("location15min", 10_000, 900.0))
_ORDERS_BULK_LIMIT = RateLimit("ordersBulk", 5, 1.0)
# The menus API serves the published menu document at most once per second per location; its
# metadata endpoint has the default limit (toast_api.md §4, §6.5).
_MENUS_LIMIT = RateLimit("menus", 1, 1.0)
# `ordersBulkSpacingSeconds`: one version of Toast's rate-limit page also asks historical pulls
# to space ordersBulk calls 5-10 s apart (toast_api.md §4). Off by default; at most a minute.
_MAX_ORDERS_BULK_SPACING_SECONDS = 60.0
# Jitter between sending and Toast's clock: the server may see requests closer together than
# they were sent. With 0.05 s, a benchmark server once saw 21 requests of a location within
# 0.998 s (a 429) and often a full second (X-Toast-RateLimit-Remaining 0, which pauses the
# location until the next whole second: 8 s of 55 s idle). With 0.1 s: no 429, no pauses.
_RATE_WINDOW_MARGIN_SECONDS = 0.1
# Requests of a location are spaced evenly under the per-second limits (1/20 s, 1/5 s on
# ordersBulk); the 15-minute budget is a sliding window only.
_SPACED_WINDOW_SECONDS = 1.0
# Renew the token in its last minute (toast_api.md §6.1: Toast only issues a new one then).
_TOKEN_REFRESH_MARGIN_SECONDS = 60
# Logins one sync may make. Toast asks for at most two an hour and one or two a day, and may cut
# off clients that churn tokens (toast_api.md §4, §13). A sync logs in once (or not at all, with
# the token cached in state) and again only when Toast refuses the token: past this many, a 401
# fails its request as unauthorized without a new login (one ERROR says so).
_MAX_LOGINS_PER_SYNC = 4
# Restaurants synced at once: one worker per restaurant, up to `maxWorkers`, whose default is
# _MAX_WORKERS. Toast's limits are per location (toast_api.md §4), so a sync of many locations
# is bound by the slowest location's limits or by CPU, not by a worker count: with 4 workers a
# no-change sync of 40 locations waited 38.5 s for 11.2 s of CPU (issue 19). Idle workers cost
# a thread each; busy ones hold at most one batch each beside the hand-off's _HAND_OFF_ROWS. At
# 100 locations (tests/bench/RESULTS.md, group): 32 workers left the no-change sync at 1.75x its
# CPU, 64 at 1.22x, 100 at 1.17x but with a first sync of 35% more CPU and twice the memory.
_DEFAULT_WORKERS = 64
# Independent requests of one restaurant (configuration endpoints, cash business days) in flight
# beside its main worker; the location's limiter still caps the restaurant at Toast's limits.
_SIDE_REQUESTS_PER_RESTAURANT = 3
_MAX_WORKERS = 64  # 64 workers x (1 + 3 side) threads: 256 threads and keep-alive connections
# Rows waiting between the fetching workers and the emitting thread (bounded memory). Counted in
# rows, not batches: a cash day is one batch of one or two rows, and a bound of a few dozen batches
# stalled every worker whenever the emitting thread was busy in a checkpoint.
_HAND_OFF_ROWS = 5_000
# A checkpoint makes the SDK flush and re-check every declared table (about 1.5 s for these 47
# tables in `fivetran debug`). Finished windows are therefore checkpointed together, at most this
# often, and always when the sync ends or fails: the state never claims a window that was not
# fully emitted; a killed process re-fetches at most this many seconds of work.
_CHECKPOINT_INTERVAL_SECONDS = 10.0
# The SDK holds every row in memory until the next checkpoint; a checkpoint after this many rows
# bounds that memory whatever the size of a window (the state then still names only finished
# windows: rows of a window in flight are written again, identically, after a restart).
_CHECKPOINT_MAX_ROWS = 25_000
# During a long sync each restaurant says how far it got and how long it may take, at most this
# often.
_PROGRESS_INTERVAL_SECONDS = 60.0
# 2: the delete ledger packed with owners and 16-byte UUIDs (Ledger); a version 1 ledger is read
# and written again as version 2.
_STATE_VERSION = 2

_TOAST_TIMESTAMP = "%Y-%m-%dT%H:%M:%S.%f"


# ---------------------------------------------------------------------------------------------
# Table registry: how each Toast object becomes rows. Children nest as in the JSON.
# ---------------------------------------------------------------------------------------------

# Every field Toast documents is declared with Toast's type (orders/labor/config/restaurants/
# partners OpenAPI specs; cash: toast_api.md §6.7): an undeclared column gets a type the SDK
# guesses from the data, so digit-only text ("6175550042") becomes a BIGINT, an undeclared float
# a 32-bit FLOAT, and a column can change type between syncs (sdk_notes §1). Fields Toast adds
# later still land, with inferred types. tests/unit/test_spec_types.py walks the specs and fails
# when a documented field is undeclared or declared with another type.
_TS = "UTC_DATETIME"  # string, format date-time
_BOOL = "BOOLEAN"
_INT = "INT"  # integer (business dates yyyymmdd, counts, seconds)
_LONG = "LONG"  # integer, format int64
_DOUBLE = "DOUBLE"  # number: money, rates, quantities (never the SDK's 32-bit FLOAT)
_JSON = "JSON"  # arrays that are not child tables
_STRING = "STRING"  # string, enums too: digit-only text (ids, phones) stays text, zeros and all


def _typed(kind: str, *names: str) -> dict[str, str]:
    """`names` declared as `kind`."""
    return dict.fromkeys(names, kind)


def _nested(prefix: str, columns: Mapping[str, str]) -> dict[str, str]:
    """The columns of a nested object as `build_row` flattens it: `deliveryInfo` + `city` ->
    `deliveryInfoCity` (a nested `guid` is declared as `id`: `server` + `id` -> `serverId`)."""
    return {prefix + name[:1].upper() + name[1:]: kind for name, kind in columns.items()}


# Toast's reference objects (ToastReference, ExternalReference, ConfigReference), whose `guid`
# becomes `id`: an object's own identity, or flattened under a prefix by `_references`.
_TOAST_REFERENCE = _typed(_STRING, "id", "entityType")
_EXTERNAL_REFERENCE = {**_TOAST_REFERENCE, "externalId": _STRING}
_CONFIG_REFERENCE = {**_EXTERNAL_REFERENCE, "multiLocationId": _STRING}


def _references(reference: Mapping[str, str], *prefixes: str) -> dict[str, str]:
    """The columns of reference fields: `server` -> `serverId`, `serverEntityType`, ..."""
    return {
        column: kind for prefix in prefixes for column, kind in _nested(prefix, reference).items()
    }


_AUDITED = {**_typed(_TS, "createdDate", "modifiedDate", "deletedDate"), "deleted": _BOOL}
_VOIDABLE = {"voided": _BOOL, "voidDate": _TS, "voidBusinessDate": _INT}
_DEVICES = _typed(_STRING, "createdDeviceId", "lastModifiedDeviceId")  # Device {id}
_REFUND_DETAILS = _nested(
    "refundDetails",
    {
        **_typed(_DOUBLE, "refundAmount", "taxRefundAmount"),
        **_references(_TOAST_REFERENCE, "refundTransaction"),
    },
)


@dataclass(frozen=True)
class Table:
    """One destination table: how a Toast object (or list element) becomes its row.

    Attributes:
        name: destination table name.
        primary_key: columns that make one row per source object.
        columns: declared column types; other columns get the SDK's inferred types.
        Column names here are Toast's camelCase (`ordersCheckId`); the destination gets
        `destination_name` of each (`orders_check_id`).
        key: how `id` is made: "guid" (Toast's guid), "guid_or_hash" (guid, else deterministic),
            "hash" (always deterministic), "link" (no id: the element's guid goes to
            `link_column`), "scalar" (the element is a string stored in `link_column`).
        foreign_keys: parent ids copied from the enclosing objects (see `context_key`).
        context_key: name under which this row's id is passed to its children.
        children: list fields that become child tables.
        link_column: column for "link" and "scalar" keys.
        unprefixed: nested objects flattened without a prefix (restaurant `general`).
        whole: nested objects kept whole as JSON (maps keyed by ids would make a column per id).
        carries: columns every row below this table's row carries too (column name ->
            `Carried`: which field of this row, of which type), so that rows can be filtered or
            checked without joining up to it (not part of any key).
    """

    name: str
    primary_key: tuple[str, ...]
    columns: Mapping[str, str] = field(default_factory=dict)
    key: str = "guid"
    foreign_keys: tuple[str, ...] = ()
    context_key: str | None = None
    children: tuple[Child, ...] = ()
    link_column: str | None = None
    unprefixed: tuple[str, ...] = ()
    whole: tuple[str, ...] = ()
    carries: Mapping[str, Carried] = field(default_factory=dict)

    @functools.cached_property
    def not_flattened(self) -> frozenset[str]:
        """Fields `build_row` does not flatten: the child lists and the objects kept whole."""
        return frozenset([*(child.source for child in self.children), *self.whole])


@dataclass(frozen=True)
class Carried:
    """A field of a parent row that the rows below it carry, under a column name of their own."""

    source: str  # the field of the carrying table's row
    kind: str  # its declared type


def _carry(kind: str, *names: str) -> dict[str, Carried]:
    """`names` carried under their own names, declared as `kind`."""
    return {name: Carried(name, kind) for name in names}


@dataclass(frozen=True)
class Child:
    """A list field of a parent object that becomes rows of `table` (None: the parent's table)."""

    source: str
    table: Table | None = None


def _applied_discount(name: str, parent_fk: str, context_key: str, combo: bool) -> Table:
    """Applied discounts look the same on checks and selections; only their parents differ.
    Combo items are a child table of check discounts and JSON on selection discounts."""
    trigger = Table(
        name=f"{name}_trigger",
        primary_key=("id",),
        key="hash",  # triggers have no guid (toast_api.md §7)
        foreign_keys=(context_key,),
        columns={**_references(_EXTERNAL_REFERENCE, "selection"), "quantity": _DOUBLE},
    )
    children = [Child("triggers", trigger)]
    if combo:
        combo_item = Table(
            name=f"{name}_combo_item",
            primary_key=("id",),
            key="hash",  # a combo item's guid is the menu item's: not unique per discount
            foreign_keys=(context_key,),
            columns=_typed(_STRING, "guid", "entityType", "externalId"),  # `id` is made
        )
        children.append(Child("comboItems", combo_item))
    return Table(
        name=name,
        primary_key=("id",),
        foreign_keys=(parent_fk,),
        context_key=context_key,
        columns={
            **_EXTERNAL_REFERENCE,
            **_typed(_STRING, "name", "processingState", "appliedPromoCode", "discountType"),
            **_typed(_DOUBLE, "discountAmount", "nonTaxDiscountAmount", "discountPercent"),
            **_references(_TOAST_REFERENCE, "discount"),
            **_references(_EXTERNAL_REFERENCE, "approver"),
            **_nested(
                "appliedDiscountReason",
                {
                    **_typed(_STRING, "name", "description", "comment"),
                    **_references(_TOAST_REFERENCE, "discountReason"),
                },
            ),
            **_nested("loyaltyDetails", _typed(_STRING, "vendor", "referenceId")),
            **({} if combo else {"comboItems": _JSON}),
        },
        children=tuple(children),
    )


_APPLIED_TAX_COLUMNS = {  # AppliedTaxRate
    **_TOAST_REFERENCE,
    **_references(_TOAST_REFERENCE, "taxRate"),
    **_typed(_STRING, "name", "type", "displayName", "jurisdiction", "jurisdictionType"),
    **_typed(_DOUBLE, "rate", "taxAmount"),
    "facilitatorCollectAndRemitTax": _BOOL,
}

_SELECTION_COLUMNS = {  # Selection: a check's selections and their modifiers
    **_EXTERNAL_REFERENCE,
    **_VOIDABLE,
    **_typed(_TS, "createdDate", "modifiedDate"),
    **_typed(
        _STRING,
        "displayName",
        "unitOfMeasure",
        "selectionType",
        "fulfillmentStatus",
        "taxInclusion",
        "optionGroupPricingMode",
    ),
    **_typed(
        _DOUBLE,
        "quantity",
        "price",
        "preDiscountPrice",
        "receiptLinePrice",
        "tax",
        "openPriceAmount",
        "externalPriceAmount",
    ),
    "seatNumber": _INT,
    "deferred": _BOOL,
    **_references(
        _CONFIG_REFERENCE, "item", "itemGroup", "optionGroup", "preModifier", "salesCategory"
    ),
    **_references(_EXTERNAL_REFERENCE, "voidReason", "diningOption"),
    **_references(_TOAST_REFERENCE, "splitOrigin"),
    **_REFUND_DETAILS,
    "appliedTaxes": _JSON,  # only on modifiers; selections' taxes are a child table
    "appliedDiscounts": _JSON,
}

MODIFIER = Table(
    name="orders_check_selection_modifier",
    primary_key=("id",),
    key="guid_or_hash",
    foreign_keys=("ordersCheckSelectionId", "parentModifierId"),
    context_key="parentModifierId",
    columns=_SELECTION_COLUMNS,
    children=(Child("modifiers"),),  # modifiers of modifiers, at any depth
)

SELECTION = Table(
    name="orders_check_selection",
    primary_key=("id",),
    foreign_keys=("ordersCheckId",),
    context_key="ordersCheckSelectionId",
    columns={
        k: v
        for k, v in _SELECTION_COLUMNS.items()
        if k not in ("appliedTaxes", "appliedDiscounts")
    },
    children=(
        Child("modifiers", MODIFIER),
        Child(
            "appliedTaxes",
            Table(
                name="orders_check_selection_applied_tax",
                primary_key=("id",),
                key="guid_or_hash",  # null guids occur (toast_api.md §7)
                foreign_keys=("ordersCheckSelectionId",),
                columns=_APPLIED_TAX_COLUMNS,
            ),
        ),
        Child(
            "appliedDiscounts",
            _applied_discount(
                "orders_check_selection_applied_discount",
                "ordersCheckSelectionId",
                "ordersCheckSelectionAppliedDiscountId",
                combo=False,
            ),
        ),
    ),
)

PAYMENT = Table(
    name="payment",
    primary_key=("id",),
    foreign_keys=("restaurantId",),
    columns={
        **_EXTERNAL_REFERENCE,
        **_DEVICES,
        "paidDate": _TS,
        "paidBusinessDate": _INT,
        **_typed(
            _STRING,
            "type",
            "cardEntryMode",
            "cardType",
            "last4Digits",
            "cardPaymentId",
            "paymentStatus",
            "refundStatus",
            "orderGuid",
            "checkGuid",
            "tenderTransactionGuid",
        ),
        **_typed(
            _DOUBLE,
            "amount",
            "tipAmount",
            "amountTendered",
            "originalProcessingFee",
            "mcaRepaymentAmount",
        ),
        **_references(_EXTERNAL_REFERENCE, "server", "cashDrawer", "houseAccount", "otherPayment"),
        **_nested(
            "refund",
            {
                **_typed(_DOUBLE, "refundAmount", "tipRefundAmount"),
                "refundDate": _TS,
                "refundBusinessDate": _INT,
                **_references(_TOAST_REFERENCE, "refundTransaction"),
            },
        ),
        **_nested(
            "voidInfo",
            {
                "voidDate": _TS,
                "voidBusinessDate": _INT,
                **_references(_EXTERNAL_REFERENCE, "voidUser", "voidApprover", "voidReason"),
            },
        ),
    },
)

CHECK = Table(
    name="orders_check",
    primary_key=("id",),
    foreign_keys=("ordersId",),
    context_key="ordersCheckId",
    columns={
        **_EXTERNAL_REFERENCE,
        **_AUDITED,
        **_VOIDABLE,
        **_DEVICES,
        **_typed(_TS, "openedDate", "closedDate", "paidDate"),
        **_typed(_STRING, "displayNumber", "tabName", "paymentStatus"),
        **_typed(_DOUBLE, "amount", "taxAmount", "totalAmount"),
        "taxExempt": _BOOL,
        "duration": _INT,
        **_references(_EXTERNAL_REFERENCE, "openedBy"),
        **_nested(
            "customer",
            {
                **_TOAST_REFERENCE,
                **_typed(_STRING, "firstName", "lastName", "phone", "phoneCountryCode", "email"),
            },
        ),
        **_nested(
            "appliedLoyaltyInfo",
            {
                **_TOAST_REFERENCE,
                **_typed(
                    _STRING,
                    "loyaltyIdentifier",
                    "maskedLoyaltyIdentifier",
                    "vendor",
                    "accrualFamilyGuid",
                    "accrualText",
                ),
            },
        ),
    },
    children=(
        Child("selections", SELECTION),
        Child(
            "appliedDiscounts",
            _applied_discount(
                "orders_check_applied_discount",
                "ordersCheckId",
                "ordersCheckAppliedDiscountId",
                combo=True,
            ),
        ),
        Child(
            "appliedServiceCharges",
            Table(
                name="orders_check_applied_service_charge",
                primary_key=("id",),
                foreign_keys=("ordersCheckId",),
                columns={
                    **_EXTERNAL_REFERENCE,
                    **_typed(
                        _STRING,
                        "name",
                        "chargeType",
                        "serviceChargeCalculation",
                        "serviceChargeCategory",
                        "paymentGuid",
                    ),
                    "chargeAmount": _DOUBLE,
                    **_typed(_BOOL, "delivery", "takeout", "dineIn", "gratuity", "taxable"),
                    **_references(_EXTERNAL_REFERENCE, "serviceCharge"),
                    **_REFUND_DETAILS,
                    "appliedTaxes": _JSON,
                },
            ),
        ),
        Child("payments", PAYMENT),
        Child(
            "payments",
            Table(
                name="orders_check_payment",
                primary_key=("ordersCheckId", "paymentId"),
                key="link",
                link_column="paymentId",
                foreign_keys=("ordersCheckId", "ordersId"),
            ),
        ),
    ),
)

ORDERS = Table(
    name="orders",
    primary_key=("id",),
    foreign_keys=("restaurantId",),
    context_key="ordersId",
    # Every check, selection, modifier, tax, discount, charge and payment of an order says which
    # restaurant and business date it belongs to: sales questions filter on both. It also says
    # which version of the order it was written with: a child removed from the order after the
    # delete ledger's reach (Ledger) keeps an older `order_modified_date` than the order's
    # `modified_date`, so SQL finds it at any age (README, Deleted rows).
    carries={
        **_carry(_STRING, "restaurantId"),
        **_carry(_INT, "businessDate"),
        "orderModifiedDate": Carried("modifiedDate", _TS),
    },
    columns={
        **_EXTERNAL_REFERENCE,
        **_AUDITED,
        **_VOIDABLE,
        **_DEVICES,
        **_typed(
            _TS, "openedDate", "promisedDate", "estimatedFulfillmentDate", "paidDate", "closedDate"
        ),
        **_typed(
            _STRING,
            "displayNumber",
            "source",
            "approvalStatus",
            "guestOrderStatus",
            "channelGuid",
            "requiredPrepTime",  # an ISO-8601 duration ("PT15M")
        ),
        **_typed(_INT, "businessDate", "duration", "numberOfGuests"),
        "initialDate": _LONG,
        **_typed(_BOOL, "createdInTestMode", "excessFood"),
        **_references(
            _EXTERNAL_REFERENCE,
            "diningOption",
            "table",
            "serviceArea",
            "restaurantService",
            "revenueCenter",
            "server",
        ),
        **_nested(
            "deliveryInfo",
            {
                **_typed(
                    _STRING,
                    "address1",
                    "address2",
                    "city",
                    "administrativeArea",
                    "state",
                    "zipCode",
                    "country",
                    "notes",
                    "deliveryState",
                ),
                **_typed(_DOUBLE, "latitude", "longitude"),
                **_typed(_TS, "deliveredDate", "dispatchedDate"),
                **_references(_EXTERNAL_REFERENCE, "deliveryEmployee"),
            },
        ),
        **_nested(
            "curbsidePickupInfo",
            {
                **_TOAST_REFERENCE,
                **_typed(_STRING, "transportColor", "transportDescription", "notes"),
            },
        ),
        **_nested(
            "deliveryServiceInfo",
            {
                **_TOAST_REFERENCE,
                **_typed(
                    _STRING,
                    "providerId",
                    "providerName",
                    "driverName",
                    "driverPhoneNumber",
                    "providerInfo",  # base64 (format byte)
                    "originalQuotedDeliveryDate",  # format ISO-8601, "reserved for future use"
                ),
            },
        ),
        **_nested(
            "marketplaceFacilitatorTaxInfo",
            {"facilitatorCollectAndRemitTaxOrder": _BOOL, "taxes": _JSON},
        ),
        **_nested("appliedPackagingInfo", {**_TOAST_REFERENCE, "appliedPackagingItems": _JSON}),
    },
    children=(
        Child("checks", CHECK),
        Child(
            "pricingFeatures",
            Table(
                name="orders_pricing_feature",
                primary_key=("ordersId", "pricingFeature"),
                key="scalar",
                link_column="pricingFeature",
                foreign_keys=("ordersId",),
            ),
        ),
    ),
)

BREAK = Table(  # TimeEntryBreak: a guid but no entityType
    name="break",
    primary_key=("id",),
    key="guid_or_hash",
    foreign_keys=("timeEntryId",),
    columns={
        "id": _STRING,
        **_typed(_TS, "inDate", "outDate"),
        **_typed(_BOOL, "paid", "missed", "auditResponse"),
        **_references(_TOAST_REFERENCE, "breakType"),
    },
)

TIME_ENTRY = Table(
    name="time_entry",
    primary_key=("id",),
    foreign_keys=("restaurantId",),
    context_key="timeEntryId",
    # A break says which version of its time entry it was written with (as an order's children).
    carries={"timeEntryModifiedDate": Carried("modifiedDate", _TS)},
    columns={
        **_EXTERNAL_REFERENCE,
        **_AUDITED,
        **_typed(_TS, "inDate", "outDate"),
        # Text ("20261001") in labor.yaml, but a business date like the orders' (yyyymmdd):
        # declared INT as on orders and payments; the SDK turns the text into the number.
        "businessDate": _INT,
        "autoClockedOut": _BOOL,
        **_typed(
            _DOUBLE,
            "regularHours",
            "overtimeHours",
            "hourlyWage",
            "declaredCashTips",
            "nonCashTips",
            "cashGratuityServiceCharges",
            "nonCashGratuityServiceCharges",
            "tipsWithheld",
            "nonCashSales",
            "cashSales",
        ),
        **_references(_EXTERNAL_REFERENCE, "jobReference", "employeeReference", "shiftReference"),
    },
    children=(Child("breaks", BREAK),),
)

SHIFT = Table(
    name="shift",
    primary_key=("id",),
    foreign_keys=("restaurantId",),
    columns={
        **_EXTERNAL_REFERENCE,
        **_AUDITED,
        **_typed(_TS, "inDate", "outDate"),
        **_references(_EXTERNAL_REFERENCE, "jobReference", "employeeReference"),
        **_nested(
            "scheduleConfig",
            {
                "id": _STRING,
                **_typed(
                    _DOUBLE,
                    "minBeforeClockIn",
                    "minAfterClockIn",
                    "minBeforeClockOut",
                    "minAfterClockOut",
                ),
            },
        ),
    },
)

JOB = Table(
    name="job",
    primary_key=("id", "restaurantId"),
    foreign_keys=("restaurantId",),
    columns={
        **_EXTERNAL_REFERENCE,
        **_AUDITED,
        **_typed(_STRING, "title", "code", "wageFrequency"),
        "defaultWage": _DOUBLE,
        **_typed(_BOOL, "tipped", "excludeFromReporting"),
    },
)

EMPLOYEE = Table(
    name="employee",
    primary_key=("id", "restaurantId"),
    foreign_keys=("restaurantId",),
    context_key="employeeId",
    columns={
        **_EXTERNAL_REFERENCE,
        **_AUDITED,
        **_typed(
            _STRING,
            "firstName",
            "chosenName",
            "lastName",
            "email",
            "phoneNumber",
            "phoneNumberCountryCode",
            "passcode",
            "externalEmployeeId",
            "v2EmployeeGuid",
        ),
    },
    children=(
        Child(
            "jobReferences",
            Table(
                name="employee_job_reference",
                primary_key=("id", "employeeId", "restaurantId"),
                foreign_keys=("employeeId", "restaurantId"),
                columns=_EXTERNAL_REFERENCE,
            ),
        ),
        Child(
            "wageOverrides",
            Table(
                name="employee_wage_override",
                primary_key=("id",),
                key="hash",  # wage overrides have no guid
                foreign_keys=("employeeId", "restaurantId"),
                columns={"wage": _DOUBLE, **_references(_EXTERNAL_REFERENCE, "jobReference")},
            ),
        ),
    ),
)

# Cash management has no spec in shared/toast/openapi: toast_api.md §6.7, whose source (S-CASH,
# cash management API 1.1.0) makes the employee references ExternalReferences and the others
# ToastReferences. `businessDate` is the connector's: the business date a row was requested for.
CASH_ENTRY = Table(
    name="cash_entry",
    primary_key=("id",),
    foreign_keys=("restaurantId",),
    columns={
        **_TOAST_REFERENCE,
        "amount": _DOUBLE,
        "date": _TS,
        "businessDate": _INT,
        **_typed(_STRING, "reason", "type", "undoes"),
        **_references(
            _TOAST_REFERENCE,
            "cashDrawer",
            "payoutReason",
            "noSaleReason",
            "creatorOrShiftReviewSubject",
            "approverOrShiftReviewSubject",
        ),
        **_references(_EXTERNAL_REFERENCE, "employee1", "employee2"),
    },
)
CASH_DEPOSIT = Table(
    name="cash_deposit",
    primary_key=("id",),
    foreign_keys=("restaurantId",),
    columns={
        **_TOAST_REFERENCE,
        "amount": _DOUBLE,
        "date": _TS,
        "businessDate": _INT,
        "undoes": _STRING,
        **_references(_EXTERNAL_REFERENCE, "employee"),
        **_references(_TOAST_REFERENCE, "creator"),
    },
)

# One row from two objects: the partners API's PartnerAccessExternalRep (without the
# restaurantGuid and restaurantName it becomes `id` and `name` from) and the restaurants API's
# RestaurantInfo, whose `general` and `location` fields are columns of their own.
RESTAURANT = Table(
    name="restaurant",
    primary_key=("id",),
    unprefixed=("general", "location"),
    whole=("schedules",),
    columns={
        "id": _STRING,
        **_typed(
            _STRING,
            "name",
            "locationName",
            "managementGroupGuid",
            "createdByEmailAddress",
            "externalGroupRef",
            "externalRestaurantRef",
        ),
        "deleted": _BOOL,
        **_typed(_LONG, "createdDate", "modifiedDate"),  # epoch milliseconds
        # Text in partners.yaml, but timestamps with an offset ("2023-03-12 08:32:34.008000+00:00",
        # toast_api.md §2, §6.2) that the SDK reads as such: declared as timestamps.
        **_typed(_TS, "isoCreatedDate", "isoModifiedDate"),
        # general
        **_typed(_STRING, "locationCode", "description", "timeZone", "currencyCode"),
        **_typed(_INT, "closeoutHour", "firstBusinessDate"),
        "archived": _BOOL,
        # location
        **_typed(
            _STRING,
            "address1",
            "address2",
            "city",
            "stateCode",
            "administrativeArea",
            "zipCode",
            "country",
            "phone",
            "phoneCountryCode",
        ),
        **_typed(_DOUBLE, "latitude", "longitude"),
        **_nested(
            "urls",
            _typed(
                _STRING,
                "website",
                "facebook",
                "twitter",
                "orderOnline",
                "purchaseGiftCard",
                "checkGiftCard",
            ),
        ),
        "schedules": _JSON,
        **_nested("delivery", {"enabled": _BOOL, "minimum": _DOUBLE, "area": _STRING}),
        **_nested(
            "onlineOrdering",
            {
                **_typed(_BOOL, "enabled", "scheduling", "specialRequests"),
                "specialRequestsMessage": _STRING,
                **_nested(
                    "paymentOptions",
                    {
                        **_nested("delivery", _typed(_BOOL, "cash", "ccSameDay", "ccFuture")),
                        **_nested(
                            "takeout", _typed(_BOOL, "cash", "ccSameDay", "ccFuture", "ccInStore")
                        ),
                        "ccTip": _BOOL,
                    },
                ),
            },
        ),
        **_nested(
            "prepTimes",
            _typed(
                _INT,
                "deliveryPrepTime",
                "deliveryTimeAfterOpen",
                "deliveryTimeBeforeClose",
                "takeoutPrepTime",
                "takeoutTimeAfterOpen",
                "takeoutTimeBeforeClose",
                "takeoutThrottlingTime",
                "deliveryThrottlingTime",
            ),
        ),
    },
)


def _config_table(name: str, columns: Mapping[str, str] | None = None) -> Table:
    """Configuration objects are per restaurant: the same guid can exist at several locations.

    Every one is a reference (config.yaml: ToastReference or ExternalReference) and most have a
    name; `name` and `externalId` are declared text on all, also where config.yaml lists neither
    (a cash drawer's name, a discount's external id), so that one Toast sends all digits (table
    "12") stays text."""
    return Table(
        name=name,
        primary_key=("id", "restaurantId"),
        foreign_keys=("restaurantId",),
        columns={**_EXTERNAL_REFERENCE, "name": _STRING, **(columns or {})},
    )


_MENU_ENTITY = {  # what menus, menu groups and menu items have in common
    **_typed(_STRING, "orderableOnline", "visibility", "unitOfMeasure"),
    "images": _JSON,
}

# /config/v2 endpoint -> table. The first eleven are the public example's names, kept as users
# know them; the others are named singular as the destination contract names them.
CONFIG_TABLES: dict[str, Table] = {
    "alternatePaymentTypes": _config_table("alternate_payment_types"),
    "diningOptions": _config_table("dining_option", {"behavior": _STRING, "curbside": _BOOL}),
    "discounts": _config_table(
        "discounts",
        {
            **_typed(_STRING, "type", "selectionType", "itemPickingPriority"),
            **_typed(_BOOL, "active", "nonExclusive"),
            **_typed(_DOUBLE, "percentage", "amount", "fixedTotal"),
        },
    ),
    "menus": _config_table("menu", {**_MENU_ENTITY, "groups": _JSON}),
    "menuGroups": _config_table(
        "menu_group",
        {
            **_MENU_ENTITY,
            **_typed(_JSON, "items", "subgroups", "optionGroups"),
            **_typed(_BOOL, "inheritOptionGroups", "inheritUnitOfMeasure"),
            **_references(_EXTERNAL_REFERENCE, "menu", "parent"),
        },
    ),
    "menuItems": _config_table(
        "menu_item",
        {
            **_MENU_ENTITY,
            **_typed(_STRING, "sku", "plu", "type"),
            "calories": _INT,
            "optionGroups": _JSON,
            **_typed(_BOOL, "inheritOptionGroups", "inheritUnitOfMeasure"),
        },
    ),
    "restaurantServices": _config_table("restaurant_service"),
    "revenueCenters": _config_table("revenue_center", {"description": _STRING}),
    "salesCategories": _config_table("sale_category"),
    "serviceAreas": _config_table(
        "service_area", _references(_EXTERNAL_REFERENCE, "revenueCenter")
    ),
    "tables": _config_table(
        "tables",
        {
            **_references(_TOAST_REFERENCE, "serviceArea"),
            **_references(_EXTERNAL_REFERENCE, "revenueCenter"),
        },
    ),
    "taxRates": _config_table(
        "tax_rate",
        {
            **_typed(_STRING, "type", "roundingType"),
            "rate": _DOUBLE,
            "isDefault": _BOOL,
            **_typed(_JSON, "taxTable", "conditionalTaxRates"),
        },
    ),
    "serviceCharges": _config_table(
        "service_charge",
        {
            **_typed(_STRING, "amountType", "serviceChargeCalculation", "destination"),
            **_typed(_DOUBLE, "amount", "percent"),
            **_typed(_BOOL, "gratuity", "taxable"),
            "applicableTaxes": _JSON,
            **_nested(
                "criteria",
                {
                    **_typed(_DOUBLE, "minCheckAmount", "maxCheckAmount", "minDeliveryDistance"),
                    **_typed(_BOOL, "delivery", "takeout", "dineIn"),
                },
            ),
        },
    ),
    "voidReasons": _config_table("void_reason"),
    "noSaleReasons": _config_table("no_sale_reason"),
    "payoutReasons": _config_table("payout_reason"),
    "cashDrawers": _config_table("cash_drawer", _references(_TOAST_REFERENCE, "printer")),
    "breakTypes": _config_table(
        "break_type",
        {
            **_typed(
                _BOOL,
                "active",
                "paid",
                "enforceMinimumTime",
                "trackMissedBreaks",
                "trackBreakAcknowledgement",
            ),
            **_typed(_INT, "duration", "breakIntervalHrs", "breakIntervalMins"),
        },
    ),
    "priceGroups": _config_table("price_group"),
    "menuOptionGroups": _config_table(
        "menu_option_group",
        {
            "options": _JSON,
            # type number (format "integer"): DOUBLE, so a fractional value would still fit
            **_typed(_DOUBLE, "minSelections", "maxSelections"),
        },
    ),
    "preModifiers": _config_table(
        "pre_modifier",
        {
            "displayMode": _STRING,
            "scalePrice": _BOOL,
            **_typed(_DOUBLE, "basePrice", "scaleFactor"),
            **_references(_TOAST_REFERENCE, "parent"),
        },
    ),
    "preModifierGroups": _config_table("pre_modifier_group", {"isDefault": _BOOL}),
    "printers": _config_table("printer"),
}


# /config/v2/tipWithholding: one object per restaurant (config.yaml TipWithholding), so the
# restaurant is its key; its guid lands in `id`.
TIP_WITHHOLDING = Table(
    name="tip_withholding",
    primary_key=("restaurantId",),
    foreign_keys=("restaurantId",),
    columns={**_TOAST_REFERENCE, "enabled": _BOOL, "percentage": _DOUBLE},  # its guid in `id`
)

# The published menu (menus API v2, toast_api.md §6.5): one document per restaurant, menus ->
# menu groups (nested) -> menu items, which name modifier groups by `referenceId`; modifier
# groups and options are listed once, in maps keyed by referenceId, and resolved to guids here.
# Every table is keyed per restaurant: the same guids repeat across the locations of a group.
# `masterId` exceeds 2^53: LONG (JSON integers stay Python ints, never a float).
_PUBLISHED = {
    "name": _STRING,
    "masterId": _LONG,
    "multiLocationId": _STRING,  # newer documents; the ids of the orders API are text too
    "description": _STRING,
    "image": _STRING,
    "visibility": _JSON,  # channels: POS, TOAST_ONLINE_ORDERING, ORDERING_PARTNERS, ...
}
_POSITION = {"position": _INT}  # order in the document, the order Toast shows (our column)
_PUBLISHED_PRICED = {
    "price": _DOUBLE,
    "pricingStrategy": _STRING,
    "pricingRules": _JSON,
    "salesCategoryId": _STRING,
    "salesCategoryName": _STRING,
    "taxInfo": _JSON,
    "itemTags": _JSON,
    "plu": _STRING,
    "sku": _STRING,
    "calories": _INT,
    "unitOfMeasure": _STRING,
    "portions": _JSON,
}

PUBLISHED_MENU_ITEM_MODIFIER_GROUP = Table(
    name="published_menu_item_modifier_group",
    primary_key=("menuItemId", "modifierGroupId", "restaurantId"),
    foreign_keys=("menuItemId", "modifierGroupId", "restaurantId"),
    columns={"position": _INT},
)

PUBLISHED_MODIFIER_OPTION = Table(
    name="published_modifier_option",
    # An option's price depends on its group (GROUP_PRICE, size prices): one row per option
    # in each group that holds it.
    primary_key=("id", "modifierGroupId", "restaurantId"),
    foreign_keys=("modifierGroupId", "restaurantId"),
    context_key="modifierOptionId",
    whole=("pricingRules",),
    columns={
        **_PUBLISHED,
        **_PUBLISHED_PRICED,
        **_POSITION,
        "modifierOptionTaxInfoTaxRateGuids": _JSON,
        "modifierOptionTaxInfoOverrideItemTaxRates": _BOOL,
        "isDefault": _BOOL,
        "allowsDuplicates": _BOOL,
    },
    children=(
        Child(
            "modifierGroupReferences",  # an option can open further modifier groups
            Table(
                name="published_modifier_option_modifier_group",
                primary_key=(
                    "modifierOptionId",
                    "parentModifierGroupId",
                    "modifierGroupId",
                    "restaurantId",
                ),
                foreign_keys=("modifierOptionId", "modifierGroupId", "restaurantId"),
                columns={"parentModifierGroupId": _STRING, "position": _INT},
            ),
        ),
    ),
)

PUBLISHED_MODIFIER_GROUP = Table(
    name="published_modifier_group",
    primary_key=("id", "restaurantId"),
    foreign_keys=("restaurantId",),
    context_key="modifierGroupId",
    whole=("pricingRules",),
    columns={
        **{k: v for k, v in _PUBLISHED.items() if k not in ("description", "image")},
        "pricingStrategy": _STRING,
        "pricingRules": _JSON,
        "defaultOptionsChargePrice": _STRING,
        "defaultOptionsSubstitutionPricing": _STRING,
        "minSelections": _INT,
        "maxSelections": _INT,
        "requiredMode": _STRING,
        "isMultiSelect": _BOOL,
        "preModifierGroupId": _STRING,  # resolved from `preModifierGroupReference`
        "preModifierGroupName": _STRING,
    },
    children=(Child("modifierOptionReferences", PUBLISHED_MODIFIER_OPTION),),
)

PUBLISHED_MENU_ITEM = Table(
    name="published_menu_item",
    primary_key=("id", "restaurantId"),  # once per restaurant, however many groups hold it
    foreign_keys=("restaurantId",),
    context_key="menuItemId",
    whole=("pricingRules",),
    columns={
        **_PUBLISHED,
        **_PUBLISHED_PRICED,
        "isDiscountable": _BOOL,
        "prepTime": _INT,
        "prepStations": _JSON,
        "taxInclusion": _STRING,
    },
    children=(
        Child("modifierGroupReferences", PUBLISHED_MENU_ITEM_MODIFIER_GROUP),
        Child("modifierGroupReferences", PUBLISHED_MODIFIER_GROUP),
    ),
)

PUBLISHED_MENU_ITEM_PLACEMENT = Table(
    name="published_menu_item_placement",
    primary_key=("menuItemId", "menuGroupId", "restaurantId"),
    foreign_keys=("menuItemId", "menuGroupId", "menuId", "restaurantId"),
    columns={"position": _INT, "price": _DOUBLE, "pricingStrategy": _STRING},
    children=(
        Child(
            "pricingRules",  # with `price`: the placement's base, time-specific and size prices
            Table(
                name="published_menu_item_price",
                primary_key=("menuItemId", "menuGroupId", "priceType", "position", "restaurantId"),
                foreign_keys=("menuItemId", "menuGroupId", "restaurantId"),
                columns={
                    "priceType": _STRING,  # BASE, TIME_SPECIFIC, SIZE, SIZE_SEQUENCE
                    "position": _INT,
                    "price": _DOUBLE,
                    "basePrice": _DOUBLE,
                    "schedule": _JSON,
                    "sizeName": _STRING,
                    "sizeGuid": _STRING,
                    "sequence": _INT,
                },
            ),
        ),
    ),
)

PUBLISHED_MENU_GROUP = Table(
    name="published_menu_group",
    primary_key=("id", "restaurantId"),
    foreign_keys=("menuId", "restaurantId"),
    context_key="menuGroupId",
    columns={**_PUBLISHED, **_POSITION, "itemTags": _JSON, "parentMenuGroupId": _STRING},
    children=(
        Child("menuGroups"),  # nested groups, at any depth (`parentMenuGroupId`)
        Child("menuItems", PUBLISHED_MENU_ITEM_PLACEMENT),
        Child("menuItems", PUBLISHED_MENU_ITEM),
    ),
)

PUBLISHED_MENU = Table(
    name="published_menu",
    primary_key=("id", "restaurantId"),
    foreign_keys=("restaurantId",),
    context_key="menuId",
    columns={
        **_PUBLISHED,
        **_POSITION,
        "highResImage": _STRING,
        "availabilityAlwaysAvailable": _BOOL,
        "availabilitySchedule": _JSON,
    },
    children=(Child("menuGroups", PUBLISHED_MENU_GROUP),),
)


@dataclass(frozen=True)
class Endpoint:
    """One Toast endpoint and how it is walked.

    Attributes:
        path: URL path under the API host.
        table: the table its objects become.
        walk: "config" (token-header paging, once per sync), "list" (one array, once per sync),
            "object" (one object, once per sync), "menus" (the published menu document, once
            per sync when its metadata says it changed), "orders" (page/pageSize by modified
            range), "time_entries" (modified range), "shifts" (inDate range, overlapping),
            "cash" (one request per business date).
        may_be_unused: a 404 says the location does not use it (tip withholding, menus, cash):
            remembered as an absence and asked again daily (Asking). False: a 404 is a refusal
            like any other, owed and asked again at the next sync (every location has orders).
    """

    path: str
    table: Table
    walk: str
    may_be_unused: bool = True

    @property
    def stream(self) -> str:
        """The stream whose cursor a per-window endpoint moves (WINDOW_STREAMS): orders, labor
        (time entries and shifts) or cash; a once-per-sync endpoint is its own."""
        return _STREAM_OF_WALK.get(self.walk, self.path)


# The order of the registry is the order of the sync for each restaurant.
ONCE_PER_SYNC: tuple[Endpoint, ...] = (
    *(Endpoint(f"/config/v2/{name}", table, "config") for name, table in CONFIG_TABLES.items()),
    Endpoint("/config/v2/tipWithholding", TIP_WITHHOLDING, "object"),
    Endpoint("/labor/v1/jobs", JOB, "list"),
    Endpoint("/labor/v1/employees", EMPLOYEE, "list"),
    Endpoint("/menus/v2/menus", PUBLISHED_MENU, "menus"),  # limit: _MENUS_LIMIT
)
PER_WINDOW: tuple[Endpoint, ...] = (
    # ordersBulk's rate limit is Settings.orders_bulk_limit; every location has orders
    Endpoint("/orders/v2/ordersBulk", ORDERS, "orders", may_be_unused=False),
    Endpoint("/labor/v1/timeEntries", TIME_ENTRY, "time_entries"),
    Endpoint("/labor/v1/shifts", SHIFT, "shifts"),
    Endpoint("/cashmgmt/v1/entries", CASH_ENTRY, "cash"),
    Endpoint("/cashmgmt/v1/deposits", CASH_DEPOSIT, "cash"),
)


# The per-window endpoints form streams, each with its own cursor in state (`cursors`), in the
# order a window reads them: a stream added to the connector starts at initialSyncStart while the
# others go on from theirs, and a sync stopped inside a window re-reads only the streams it had
# not finished there.
_STREAM_OF_WALK = {"orders": "orders", "time_entries": "labor", "shifts": "labor", "cash": "cash"}
WINDOW_STREAMS: dict[str, tuple[Endpoint, ...]] = {
    stream: tuple(endpoint for endpoint in PER_WINDOW if endpoint.stream == stream)
    for stream in dict.fromkeys(_STREAM_OF_WALK.values())
}
_ENDPOINTS_BY_PATH = {endpoint.path: endpoint for endpoint in (*ONCE_PER_SYNC, *PER_WINDOW)}
_SHIFTS = _ENDPOINTS_BY_PATH["/labor/v1/shifts"]
_MENUS_METADATA_PATH = "/menus/v2/metadata"  # `lastUpdated`: fetch the menus only when it moves


def iter_tables(table: Table) -> Iterator[Table]:
    """Yield a table and all its descendant tables, parent first, each once."""
    yield table
    for child in table.children:
        if child.table is not None:
            yield from iter_tables(child.table)


def _carried_columns(roots: Iterable[Table]) -> dict[str, dict[str, str]]:
    """Table name -> the columns (name -> type) enclosing tables carry down to it."""
    carried: dict[str, dict[str, str]] = {}
    for root in roots:
        for table in iter_tables(root):
            for child in table.children:
                if child.table is not None and (table.carries or table.name in carried):
                    own = {name: carry.kind for name, carry in table.carries.items()}
                    inherited = {**carried.get(table.name, {}), **own}
                    carried[child.table.name] = {**carried.get(child.table.name, {}), **inherited}
    return carried


ALL_TABLES: tuple[Table, ...] = tuple(
    {
        t.name: t
        for root in (RESTAURANT, *(e.table for e in (*ONCE_PER_SYNC, *PER_WINDOW)))
        for t in iter_tables(root)
    }.values()
)
_CARRIED_COLUMNS = _carried_columns(ALL_TABLES)
# A link table -> the table of the objects it links, listed under the same field (a check's
# `payments` become payment rows and check-payment links).
_LINK_TARGETS = {
    link.table.name: target.table.name
    for table in ALL_TABLES
    for link in table.children
    for target in table.children
    if link.table is not None
    and target.table is not None
    and link.source == target.source
    and link.table.key == "link"
    and target.table.key != "link"
}


# ---------------------------------------------------------------------------------------------
# Configuration
# ---------------------------------------------------------------------------------------------

_REQUIRED_KEYS = (
    "clientId",
    "clientSecret",
    "userAccessType",
    "domain",
    "initialSyncStart",
    "key",
)
_GUID = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)
_HOST = re.compile(r"^(?P<scheme>https?://)?(?P<host>[A-Za-z0-9.\-]+|\[[0-9a-fA-F:]+\])(:\d+)?/?$")


class ConfigurationError(ValueError):
    """A missing key or a malformed value. The message names the key, never a secret's value."""


class Secret:
    """A string that never shows itself in logs, tracebacks or the SDK's crash reports."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """Return the secret; call it only where the value is sent."""
        return self._value

    def __repr__(self) -> str:
        return "Secret(****)"

    __str__ = __repr__


@dataclass(frozen=True)
class Settings:
    """A validated configuration."""

    client_id: str
    client_secret: Secret
    user_access_type: str
    base_url: str
    initial_sync_start: datetime
    fernet: Fernet = field(repr=False)
    restaurant_guids: tuple[str, ...] = ()
    management_group_guid: str | None = None
    max_workers: int = _DEFAULT_WORKERS
    orders_bulk_limit: RateLimit = _ORDERS_BULK_LIMIT  # per location
    schedule_horizon_days: int = _DEFAULT_SCHEDULE_HORIZON_DAYS  # shifts read ahead of now
    ledger_days: int = _DEFAULT_LEDGER_DAYS  # reach of the delete ledger (Ledger)
    config_changes_hours: int = _DEFAULT_CONFIG_CHANGES_HOURS  # configuration changes read
    config_listing_hours: int = _DEFAULT_CONFIG_LISTING_HOURS  # configuration listed in full


def parse_timestamp(text: str) -> datetime:
    """Parse ISO 8601 ("Z", "+0000" or "+00:00" offsets); a timestamp without offset is UTC."""
    value = text.strip().replace("Z", "+00:00")
    if len(value) > 5 and value[-5] in "+-" and value[-4:].isdigit():  # Toast's "+0000"
        value = _offset_with_colon(value)
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _offset_with_colon(text: str) -> str:
    """A timestamp ending in Toast's `+0000` offset, with `+00:00` instead: the form ISO 8601
    parsers and the destination's type inference read."""
    return text[:-2] + ":" + text[-2:]


def format_timestamp(moment: datetime) -> str:
    """Format as Toast expects in query strings: `2024-06-01T00:00:00.000+0000` (UTC)."""
    utc = moment.astimezone(timezone.utc)
    return utc.strftime(_TOAST_TIMESTAMP)[:-3] + "+0000"


def _base_url(domain: str) -> str:
    match = _HOST.match(domain.strip())
    if not match:
        raise ConfigurationError(
            "configuration key 'domain' must be a host such as ws-api.toasttab.com "
            "(optionally with http:// or https:// and a port), without a path"
        )
    scheme = match.group("scheme") or "https://"
    return scheme + domain.strip().removeprefix(scheme).rstrip("/")


def _fernet(key: str) -> Fernet:
    try:
        return Fernet(key.strip().encode())
    except (ValueError, TypeError) as error:
        raise ConfigurationError(
            "configuration key 'key' must be a Fernet key: 32 url-safe base64-encoded bytes "
            '(make one with: python -c "from cryptography.fernet import Fernet; '
            'print(Fernet.generate_key().decode())")'
        ) from error


def _initial_sync_start(text: str, now: datetime) -> datetime:
    try:
        start = parse_timestamp(text)
    except ValueError as error:
        raise ConfigurationError(
            "configuration key 'initialSyncStart' must be an ISO 8601 timestamp such as "
            f"2024-01-01T00:00:00.000Z, got {text!r}"
        ) from error
    if start > now:
        raise ConfigurationError("configuration key 'initialSyncStart' lies in the future")
    if start < datetime(2015, 12, 1, tzinfo=timezone.utc):
        raise ConfigurationError(
            "configuration key 'initialSyncStart' must be after 2015-12-01 (Toast has no "
            "earlier data)"
        )
    return start


def _restaurant_guids(text: str) -> tuple[str, ...]:
    guids = tuple(part.strip() for part in text.split(",") if part.strip())
    bad = [guid for guid in guids if not _GUID.match(guid)]
    if bad:
        raise ConfigurationError(
            "configuration key 'restaurantGuids' must be a comma-separated list of restaurant "
            f"GUIDs; not a GUID: {', '.join(bad)}"
        )
    return tuple(dict.fromkeys(guid.lower() for guid in guids))


def _management_group(text: str, restaurant_guids: tuple[str, ...]) -> str | None:
    if not text.strip():
        return None
    if not _GUID.match(text.strip()):
        raise ConfigurationError("configuration key 'managementGroupGuid' must be a GUID")
    if not restaurant_guids:
        raise ConfigurationError(
            "configuration key 'managementGroupGuid' needs one restaurant GUID of that group in "
            "'restaurantGuids': Toast lists a group's restaurants only for one of its members"
        )
    return text.strip().lower()


def _max_workers(text: str) -> int:
    if not text.strip().isdigit() or not 1 <= int(text) <= _MAX_WORKERS:
        raise ConfigurationError(
            f"configuration key 'maxWorkers' must be a whole number from 1 to {_MAX_WORKERS}"
        )
    return int(text)


def _orders_bulk_limit(text: str) -> RateLimit:
    """ordersBulk's limit per location: Toast's 5 requests/s, or one request per
    `ordersBulkSpacingSeconds` when that is longer."""
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= _MAX_ORDERS_BULK_SPACING_SECONDS:  # "nan" fails every comparison
        raise ConfigurationError(
            "configuration key 'ordersBulkSpacingSeconds' must be a number of seconds from 0 to "
            f"{_MAX_ORDERS_BULK_SPACING_SECONDS:g}, such as 7.5"
        )
    name, count, window = _ORDERS_BULK_LIMIT
    return RateLimit(name, 1, seconds) if seconds > window / count else _ORDERS_BULK_LIMIT


def _schedule_horizon_days(text: str) -> int:
    if not text.strip().isdigit() or int(text) > _MAX_SCHEDULE_HORIZON_DAYS:
        raise ConfigurationError(
            "configuration key 'scheduleHorizonDays' must be a whole number of days from 0 to "
            f"{_MAX_SCHEDULE_HORIZON_DAYS}"
        )
    return int(text)


def _ledger_days(text: str) -> int:
    if not text.strip().isdigit() or not 1 <= int(text) <= _MAX_LEDGER_DAYS:
        raise ConfigurationError(
            "configuration key 'deleteLedgerDays' must be a whole number of days from 1 to "
            f"{_MAX_LEDGER_DAYS}"
        )
    return int(text)


def _config_hours(configuration: Mapping[str, Any], key: str, default: int) -> int:
    """`configChangesHours` or `configListingHours`: whole hours between two configuration
    reads, 0 (every sync) to _MAX_CONFIG_HOURS."""
    text = configuration.get(key) or str(default)
    if not text.strip().isdigit() or int(text) > _MAX_CONFIG_HOURS:
        raise ConfigurationError(
            f"configuration key '{key}' must be a whole number of hours from 0 to "
            f"{_MAX_CONFIG_HOURS}"
        )
    return int(text)


def validate_configuration(
    configuration: Mapping[str, Any], now: datetime | None = None
) -> Settings:
    """Check every key and return parsed settings; raise ConfigurationError naming the bad key."""
    now = now or NOW()
    for key in _REQUIRED_KEYS:
        value = configuration.get(key)
        if not isinstance(value, str) or not value.strip():
            raise ConfigurationError(f"configuration key '{key}' is missing or empty")
    if configuration["userAccessType"].strip() != "TOAST_MACHINE_CLIENT":
        raise ConfigurationError(
            "configuration key 'userAccessType' must be TOAST_MACHINE_CLIENT (Toast's only value)"
        )
    guids = _restaurant_guids(configuration.get("restaurantGuids") or "")
    return Settings(
        client_id=configuration["clientId"].strip(),
        client_secret=Secret(configuration["clientSecret"].strip()),
        user_access_type="TOAST_MACHINE_CLIENT",
        base_url=_base_url(configuration["domain"]),
        initial_sync_start=_initial_sync_start(configuration["initialSyncStart"], now),
        fernet=_fernet(configuration["key"]),
        restaurant_guids=guids,
        management_group_guid=_management_group(
            configuration.get("managementGroupGuid") or "", guids
        ),
        max_workers=_max_workers(configuration.get("maxWorkers") or str(_DEFAULT_WORKERS)),
        orders_bulk_limit=_orders_bulk_limit(configuration.get("ordersBulkSpacingSeconds") or "0"),
        schedule_horizon_days=_schedule_horizon_days(
            configuration.get("scheduleHorizonDays") or str(_DEFAULT_SCHEDULE_HORIZON_DAYS)
        ),
        ledger_days=_ledger_days(
            configuration.get("deleteLedgerDays") or str(_DEFAULT_LEDGER_DAYS)
        ),
        config_changes_hours=_config_hours(
            configuration, "configChangesHours", _DEFAULT_CONFIG_CHANGES_HOURS
        ),
        config_listing_hours=_config_hours(
            configuration, "configListingHours", _DEFAULT_CONFIG_LISTING_HOURS
        ),
    )


def schema(configuration: dict) -> list[dict]:
    """Declare every table with its primary key and the column types that matter.

    Derived from the registry. A bad configuration is rejected here already, so `fivetran debug`
    and Fivetran's setup fail at once with a message naming the key.
    """
    validate_configuration(configuration)
    return [
        {
            "table": t.name,
            "primary_key": [destination_name(column) for column in t.primary_key],
            "columns": destination_row({**_CARRIED_COLUMNS.get(t.name, {}), **t.columns}),
        }
        for t in ALL_TABLES
    ]


# ---------------------------------------------------------------------------------------------
# HTTP: errors, response classification, rate limiting, the client, page iterators
# ---------------------------------------------------------------------------------------------


class ToastError(Exception):
    """Base of every error the client raises."""


class ToastSkip(ToastError):
    """A permanent answer (403, 400, repeated 401): skip this request or endpoint, sync goes on."""


class ToastNotFound(ToastSkip):
    """404: the endpoint has nothing for this restaurant (a feature not used at the location)."""


class ToastHalt(ToastError):
    """The same request kept failing past its retry budget: the sync must stop."""


class ToastConflict(ToastHalt):
    """409: the restaurant published configuration while we paged; a config listing restarts
    (see ConfigReader._listing); anywhere else Toast does not send it and the sync stops."""


class ToastAuthError(ToastHalt):
    """Login failed: the credentials or the domain are wrong."""


class ToastUnauthorized(ToastSkip):
    """401 on one request that a new token cannot cure: skip that endpoint."""


class _NoNewLogin(ToastError):
    """A 401 that the client answers without a new login (see ToastClient._renew_token)."""


_SAME_TOKEN = (
    "a new login returned the same token, so Toast accepts the token and refuses this request "
    "(check the credentials' scopes and their access to this restaurant)"
)


# What to check when Toast cannot be reached (NoResponse.advice).
_CHECK_DOMAIN = (
    "the configuration key 'domain' (the API host Toast gave you, such as ws-api.toasttab.com)"
)
_CHECK_NETWORK = (
    "the network and any proxy (HTTPS_PROXY, NO_PROXY) between the connector and Toast"
)
_CHECK_STATUS = "Toast's status (an outage or maintenance)"
# getaddrinfo's answers that a name does not exist (NXDOMAIN) or has no address; any other
# (EAI_AGAIN: "temporary failure in name resolution") means the resolver could not answer.
_NAME_NOT_FOUND = frozenset({socket.EAI_NONAME, getattr(socket, "EAI_NODATA", socket.EAI_NONAME)})


@dataclass(frozen=True)
class NoResponse:
    """Why a request got no HTTP response, in words safe for logs and the setup form: the host
    and the cause read from the exception chain, never the request (its headers and body carry
    the token or the client secret)."""

    cause: str
    advice: str
    permanent: bool = False  # retrying cannot help: the request fails at once

    def __str__(self) -> str:
        return f"{self.cause}. Check {self.advice}"


def describe_no_response(error: BaseException, base_url: str) -> NoResponse:
    """Name the host and the reason a request failed without a response, and what to check.

    An untrusted certificate, a host that does not speak TLS and a host name that does not
    exist are permanent (retrying cannot change them); everything else is retried as transient.
    """
    url = urlsplit(base_url)
    name = url.hostname or base_url
    host = f"{name}:{url.port or (443 if url.scheme == 'https' else 80)}"
    causes = _causes(error)
    for describe in (_tls_failure, _proxy_failure, _dns_failure, _connection_failure):
        found = describe(causes, host, name)
        if found is not None:
            return found
    system = next((c.strerror for c in causes if isinstance(c, OSError) and c.strerror), None)
    return NoResponse(
        f"could not reach {host} ({system or type(error).__name__})",
        f"{_CHECK_NETWORK}, and {_CHECK_STATUS}",
    )


def _causes(error: BaseException) -> list[BaseException]:
    """The error and every exception it wraps: requests -> urllib3 (`reason`, args) -> socket,
    ssl."""
    found: list[BaseException] = []
    pending = [error]
    while pending:
        current = pending.pop()
        if any(current is seen for seen in found):
            continue
        found.append(current)
        wrapped = (current.__cause__, current.__context__, getattr(current, "reason", None))
        pending += [c for c in (*wrapped, *current.args) if isinstance(c, BaseException)]
    return found


def _first(causes: Iterable[BaseException], kind: type[BaseException] | tuple) -> Any:
    return next((cause for cause in causes if isinstance(cause, kind)), None)


def _tls_failure(causes: list[BaseException], host: str, name: str) -> NoResponse | None:
    certificate = _first(causes, ssl.SSLCertVerificationError)
    if certificate is not None:
        return NoResponse(
            f"the TLS certificate of {host} is not trusted "
            f"({certificate.verify_message or certificate.reason})",
            f"{_CHECK_DOMAIN}, and that a proxy which inspects TLS has its certificate "
            "authority trusted",
            permanent=True,
        )
    tls = _first(causes, ssl.SSLError)
    if tls is not None and tls.reason == "WRONG_VERSION_NUMBER":
        return NoResponse(
            f"{host} does not speak TLS (https) on that port",
            f"{_CHECK_DOMAIN}: its port, or http:// for a host without TLS",
            permanent=True,
        )
    if tls is not None:
        return NoResponse(f"the TLS handshake with {host} failed ({tls.reason})", _CHECK_NETWORK)
    return None


def _proxy_failure(causes: list[BaseException], host: str, name: str) -> NoResponse | None:
    if _first(causes, requests.exceptions.ProxyError) is None:
        return None
    system = next((c.strerror for c in causes if isinstance(c, OSError) and c.strerror), None)
    return NoResponse(
        f"the proxy failed to connect to {host} ({system or 'no reason given'})", _CHECK_NETWORK
    )


def _dns_failure(causes: list[BaseException], host: str, name: str) -> NoResponse | None:
    lookup = _first(causes, socket.gaierror)
    if lookup is None:
        return None
    if lookup.errno in _NAME_NOT_FOUND:
        return NoResponse(
            f"the host name {name} was not found (DNS: {lookup.strerror})",
            f"the spelling of {_CHECK_DOMAIN}",
            permanent=True,
        )
    return NoResponse(
        f"the host name {name} could not be resolved ({lookup.strerror})", _CHECK_NETWORK
    )


def _connection_failure(causes: list[BaseException], host: str, name: str) -> NoResponse | None:
    timeout = f"{_REQUEST_TIMEOUT_SECONDS:g} s"
    if _first(causes, ConnectionRefusedError) is not None:
        return NoResponse(
            f"{host} refused the connection (nothing accepts connections on that port)",
            f"the host and port in {_CHECK_DOMAIN}, and {_CHECK_STATUS}",
        )
    if _first(causes, requests.exceptions.ConnectTimeout) is not None:
        return NoResponse(
            f"connecting to {host} timed out after {timeout}",
            f"{_CHECK_NETWORK} (a firewall), and {_CHECK_STATUS}",
        )
    if _first(causes, (requests.exceptions.ReadTimeout, TimeoutError)) is not None:
        return NoResponse(
            f"{host} sent no answer within {timeout}", f"{_CHECK_STATUS}, and {_CHECK_NETWORK}"
        )
    closed = (ConnectionResetError, ConnectionAbortedError, BrokenPipeError)
    if _first(causes, (*closed, requests.exceptions.ChunkedEncodingError)) is not None:
        return NoResponse(
            f"{host} closed the connection without a complete answer",
            f"{_CHECK_STATUS}, and {_CHECK_NETWORK}",
        )
    return None


@dataclass(frozen=True)
class Action:
    """What to do with a response: "ok", "retry" (after `wait_seconds`), "reauth", "restart",
    "skip" or "halt"."""

    kind: str
    wait_seconds: float = 0.0


def backoff_seconds(attempt: int, rng: random.Random | None = None) -> float:
    """Exponential back-off with full jitter: up to 1, 2, 4, 8 ... seconds, capped."""
    ceiling = min(_BACKOFF_CAP_SECONDS, _BACKOFF_BASE_SECONDS * 2 ** (attempt - 1))
    return ceiling / 2 + (rng or random).uniform(0, ceiling / 2)


def retry_after_seconds(headers: Mapping[str, str], now_epoch: float) -> float:
    """Seconds to wait after a 429: Retry-After, else until X-Toast-RateLimit-Reset (epoch s)."""
    retry_after = headers.get("Retry-After", "").strip()
    if retry_after.replace(".", "", 1).isdigit():
        return max(float(retry_after), 0.5)
    reset = headers.get("X-Toast-RateLimit-Reset", "").strip()
    if reset.replace(".", "", 1).isdigit():
        return min(max(float(reset) - now_epoch, 0.5), 900.0)
    return _DEFAULT_RETRY_AFTER_SECONDS


# What each status means (toast_api.md §5). 2xx is ok; statuses not listed halt the sync,
# except 5xx, which is retried like a timeout or a dropped connection.
_STATUS_ACTIONS = {
    400: "skip",  # Toast does not support what was asked; logged with its message and requestId
    401: "reauth",  # the token expired or was revoked: log in again, retry once (§6.1)
    403: "skip",  # scope missing or the location is not connected: skip that endpoint
    404: "skip",  # nothing there for this restaurant
    408: "retry",
    409: "restart",  # config published while paging: list again from the first page (§3)
    429: "retry",  # rate limited: wait as Retry-After or X-Toast-RateLimit-Reset says (§4)
}


_RETRIED_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


def classify_response(
    status: int | None, headers: Mapping[str, str], attempt: int, now_epoch: float
) -> Action:
    """Decide what a response (None: no response at all) means. Pure; see README, Error handling.

    Retries are bounded: _MAX_RATE_LIMITED_ATTEMPTS for 429, _MAX_TRANSIENT_ATTEMPTS for 5xx,
    timeouts and dropped connections; past that the request halts the sync.
    """
    if status is not None and 200 <= status < 300:
        return Action("ok")
    transient = status is None or status >= 500
    kind = "retry" if transient else _STATUS_ACTIONS.get(status, "halt")
    if kind != "retry":
        return Action(kind)
    if status == 429:
        if attempt >= _MAX_RATE_LIMITED_ATTEMPTS:
            return Action("halt")
        return Action("retry", retry_after_seconds(headers, now_epoch))
    if attempt >= _MAX_TRANSIENT_ATTEMPTS:
        return Action("halt")
    return Action("retry", backoff_seconds(attempt))


class RateLimiter:
    """Keeps each location under Toast's limits (sliding windows), thread-safe.

    A request is admitted, and recorded, at the moment it is sent: a thread that wakes late
    re-checks instead of using a slot reserved earlier, so late wake-ups never burst.
    Locations are independent budgets.
    """

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._sent: dict[tuple[str, str], deque[float]] = {}  # (location, limit name) -> sends
        self._not_before: dict[str, float] = {}

    def acquire(self, location: str, extra_limit: RateLimit | None = None) -> None:
        """Block until a request to `location` keeps every limit, and record it as sent."""
        limits = (*_LOCATION_LIMITS, *((extra_limit,) if extra_limit else ()))
        while True:
            with self._lock:
                now = self._clock()
                earliest = self._earliest(location, limits, now)
                if earliest <= now:
                    for limit in limits:
                        self._sent[(location, limit.name)].append(now)
                    return
            self._sleep(earliest - now)

    def _earliest(self, location: str, limits: Iterable[RateLimit], now: float) -> float:
        """When the next request may go: every window holds fewer than its count, and the last
        request of each limit is an even share of its window ago (no bursts: a burst sent at one
        instant can reach Toast spread differently, and over a limit)."""
        earliest = self._not_before.get(location, 0.0)
        for name, count, window in limits:
            sent = self._sent.setdefault((location, name), deque())
            span = window + _RATE_WINDOW_MARGIN_SECONDS
            while sent and sent[0] <= now - span:
                sent.popleft()
            if sent and window <= _SPACED_WINDOW_SECONDS:
                earliest = max(earliest, sent[-1] + span / count)
            if len(sent) >= count:
                earliest = max(earliest, sent[-count] + span)
        return earliest

    def pause(self, location: str, seconds: float) -> None:
        """Hold every request of a location for a while (after a 429 or an exhausted budget)."""
        with self._lock:
            until = self._clock() + seconds
            self._not_before[location] = max(self._not_before.get(location, 0.0), until)


class _Sealed:
    """Request arguments that carry a credential. The SDK's crash reports print every frame's
    local variables (sdk_notes §5): this object shows nothing of what it holds."""

    __slots__ = ("_kwargs",)

    def __init__(self, **kwargs: Any) -> None:
        self._kwargs = kwargs

    def open(self) -> dict[str, Any]:
        """The arguments, for the one call that sends them."""
        return self._kwargs

    def __repr__(self) -> str:
        return "<sealed request arguments>"


@dataclass
class _Token:
    value: Secret
    expires_at: float  # epoch seconds
    generation: int
    confirmed: bool = False  # a login after a 401 returned this same token (see _renew_token)


class TokenCache:
    """Holds the access token; loads it from and saves it to state only Fernet-encrypted."""

    def __init__(self, fernet: Fernet, encrypted: str | None) -> None:
        self._fernet = fernet
        self.token: _Token | None = self._decrypt(encrypted) if encrypted else None
        self.logins = 0  # in this sync (_MAX_LOGINS_PER_SYNC)
        self.cap_reported = False

    def _decrypt(self, encrypted: str) -> _Token | None:
        try:
            return _Token(**_token_fields(self._fernet.decrypt(encrypted.encode())), generation=0)
        except (InvalidToken, ValueError, KeyError, TypeError):
            log.warning(
                "The cached Toast token in state could not be decrypted; logging in again."
            )
            return None

    def encrypted(self) -> str | None:
        """The token as Fernet ciphertext for state, or None."""
        if self.token is None:
            return None
        return self._fernet.encrypt(
            json.dumps(
                {"accessToken": self.token.value.reveal(), "expiresAt": self.token.expires_at}
            ).encode()
        ).decode()


def _token_fields(plaintext: bytes) -> dict[str, Any]:
    cached = json.loads(plaintext)
    return {"value": Secret(cached["accessToken"]), "expires_at": float(cached["expiresAt"])}


def workers_for(settings: Settings, restaurants: int) -> int:
    """Workers of a sync: one per restaurant, at most `maxWorkers` (at least one)."""
    return max(1, min(settings.max_workers, restaurants))


def connections_needed(max_workers: int) -> int:
    """Threads that can be sending at once: each worker and its side requests, plus one for
    the requests made outside a restaurant (login, partners)."""
    return max_workers * (1 + _SIDE_REQUESTS_PER_RESTAURANT) + 1


class ToastClient:
    """The one HTTP client: base URL, token lifecycle, rate limits, retries, timeouts.

    Per-request values (restaurant header, params) are arguments; nothing shared is mutated
    except the token (under a lock) and the limiter (thread-safe).
    """

    def __init__(
        self,
        settings: Settings,
        tokens: TokenCache,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._settings = settings
        self._tokens = tokens
        self._sleep = sleep
        self._session = requests.Session()
        self._session.headers.update({"Accept": "application/json"})
        # One keep-alive connection per thread that can send at once. requests keeps 10 per
        # host; with more threads, every extra one opened a new (TLS) connection per request.
        # Sized for `maxWorkers`, the most workers any sync runs (workers_for); urllib3 opens
        # connections only when a thread needs one, so a small sync opens few.
        pool = HTTPAdapter(pool_maxsize=connections_needed(settings.max_workers))
        self._session.mount("https://", pool)
        self._session.mount("http://", pool)
        self._token_lock = threading.Lock()
        self.sent = Counter[str]()  # requests sent: "all", and "429" for those Toast throttled
        self._sent_lock = threading.Lock()
        self.limiter = RateLimiter(clock, sleep)

    @property
    def orders_bulk_limit(self) -> RateLimit:
        """ordersBulk's limit per location, on top of the location's (Settings)."""
        return self._settings.orders_bulk_limit

    def close(self) -> None:
        """Close the HTTP session."""
        self._session.close()

    def _access_token(self, refused: _Token | None = None) -> _Token:
        """A valid token: the cached one, or a new login when there is none or it expired, or
        when it is in its last minute (Toast issues a new one only then, toast_api.md §6.1; past
        the sync's login cap it is used until it expires). `refused`: the token a request was
        just answered 401 with; if it is still the current one, see _renew_token."""
        with self._token_lock:
            token = self._tokens.token
            left_seconds = -1.0 if token is None else token.expires_at - time.time()
            under_cap = self._tokens.logins < _MAX_LOGINS_PER_SYNC
            if left_seconds <= 0 or (left_seconds <= _TOKEN_REFRESH_MARGIN_SECONDS and under_cap):
                self._tokens.token = self._login(0 if token is None else token.generation + 1)
            elif (
                refused is not None
                and token is not None
                and token.generation == refused.generation
            ):
                self._tokens.token = self._renew_token(token)
            return self._tokens.token

    def _renew_token(self, refused: _Token) -> _Token:
        """A new token after a 401 with the current one. Raises _NoNewLogin (the request is then
        unauthorized) instead of logging in when Toast already confirmed that token, or when the
        sync made _MAX_LOGINS_PER_SYNC logins.

        Toast hands out the same token until its last minute (toast_api.md §6.1, §13), so a login
        that returns the refused token says the token is valid and the 401 is about the request
        (scopes, access to the restaurant): the token is marked confirmed, and later 401s with it
        cost no login either. The proactive renewal in its last minute ends that.
        """
        if refused.confirmed:
            raise _NoNewLogin(_SAME_TOKEN)
        if self._tokens.logins >= _MAX_LOGINS_PER_SYNC:
            if not self._tokens.cap_reported:
                self._tokens.cap_reported = True
                log.error(
                    f"Toast refused the token again after {self._tokens.logins} logins in this "
                    f"sync, the cap (Toast asks for at most 2 logins an hour): from now on a "
                    f"request answered 401 is skipped as unauthorized without a new login."
                )
            raise _NoNewLogin(f"the sync made its {_MAX_LOGINS_PER_SYNC} logins (no new login)")
        token = self._login(refused.generation + 1)
        if token.value.reveal() == refused.value.reveal():
            refused.confirmed = True
            raise _NoNewLogin(_SAME_TOKEN)
        return token

    def _login(self, generation: int) -> _Token:
        """POST the credentials (toast_api.md §6.1); the body never sits in a plain local."""
        path = "/authentication/v1/authentication/login"
        sealed = _Sealed(
            json={
                "clientId": self._settings.client_id,
                "clientSecret": self._settings.client_secret.reveal(),
                "userAccessType": self._settings.user_access_type,
            }
        )
        response = self._send("POST", path, None, sealed, None)
        if response.status_code != 200:
            raise ToastAuthError(
                f"Toast refused the login (HTTP {response.status_code}) at "
                f"{self._settings.base_url}: check clientId, clientSecret and domain. "
                f"{_toast_message(response)}"
            )
        self._tokens.logins += 1
        log.info("Logged in to Toast; the token is cached (encrypted) for the next syncs.")
        try:
            return _Token(
                Secret(response.json()["token"]["accessToken"]),
                time.time() + float(response.json()["token"].get("expiresIn") or 3600),
                generation,
            )
        except (ValueError, KeyError, TypeError):
            raise ToastAuthError("Toast's login answer holds no access token") from None

    def _send(
        self,
        method: str,
        path: str,
        restaurant: str | None,
        sealed: _Sealed,
        extra_limit: RateLimit | None,
    ) -> requests.Response:
        """Send when the rate limiter allows it; retry 429, 5xx and network failures.

        Returns the first response that is not retried; raises ToastHalt when none came, at
        once when a failure without a response is permanent (NoResponse).
        """
        location = restaurant or "ip"
        what = f"{method} {path}" + (f" for restaurant {restaurant}" if restaurant else "")
        status: int | None = None
        failure: NoResponse | None = None
        attempt = 0
        for attempt in range(1, _MAX_RATE_LIMITED_ATTEMPTS + 1):
            self.limiter.acquire(location, extra_limit)
            response, failure = self._request(method, path, sealed)
            if failure is not None and failure.permanent:
                raise ToastHalt(f"{what}: {failure}. Not retried: retrying cannot change it.")
            status = response.status_code if response is not None else None
            with self._sent_lock:
                self.sent.update(["all", *(["429"] if status == 429 else [])])
            headers = response.headers if response is not None else {}
            if response is not None:
                self._slow_down(location, headers)
            action = classify_response(status, headers, attempt, time.time())
            if action.kind == "halt" and (status is None or status in _RETRIED_STATUSES):
                break
            if action.kind != "retry":
                return response
            reason = failure.cause if failure is not None else f"HTTP {status}"
            log.warning(f"{what}: {reason}; retry {attempt} in {action.wait_seconds:.1f} s")
            if status == 429:
                self.limiter.pause(location, action.wait_seconds)
            else:
                self._sleep(action.wait_seconds)
        if failure is not None:
            raise ToastHalt(f"{what} failed {attempt} times in a row: {failure}")
        raise ToastHalt(f"{what} failed {attempt} times in a row; last status {status}")

    def _request(
        self, method: str, path: str, sealed: _Sealed
    ) -> tuple[requests.Response | None, NoResponse | None]:
        """One HTTP exchange. A failure without a response is returned, described in words that
        hold no credential, not raised: its traceback would run through frames that hold the
        request's credentials."""
        try:
            return (
                self._session.request(
                    method,
                    self._settings.base_url + path,
                    timeout=_REQUEST_TIMEOUT_SECONDS,
                    **sealed.open(),
                ),
                None,
            )
        except requests.RequestException as error:
            return None, describe_no_response(error, self._settings.base_url)

    def _slow_down(self, location: str, headers: Mapping[str, str]) -> None:
        """When Toast says the current slice is used up, wait for its reset (toast_api.md §4)."""
        if headers.get("X-Toast-RateLimit-Remaining", "").strip() == "0":
            reset = {"X-Toast-RateLimit-Reset": headers.get("X-Toast-RateLimit-Reset", "")}
            self.limiter.pause(location, retry_after_seconds(reset, time.time()))

    def get(
        self,
        path: str,
        restaurant: str | None,
        params: Mapping[str, Any] | None = None,
        extra_limit: RateLimit | None = None,
    ) -> requests.Response:
        """GET with a valid token; on 401 a new login (see _renew_token) and a retry.

        Raises ToastSkip (ToastUnauthorized: a 401 that a new token cannot cure), ToastConflict,
        ToastHalt."""
        refused: _Token | None = None
        for _ in range(_MAX_UNAUTHORIZED_ATTEMPTS):
            try:
                token = self._access_token(refused)
            except _NoNewLogin as reason:
                raise ToastUnauthorized(
                    f"{path} for restaurant {restaurant}: Toast answered 401 and {reason}"
                ) from None
            sealed = _Sealed(
                params=dict(params or {}),
                headers={
                    "Authorization": f"Bearer {token.value.reveal()}",
                    **({"Toast-Restaurant-External-ID": restaurant} if restaurant else {}),
                },
            )
            response = self._send("GET", path, restaurant, sealed, extra_limit)
            action = classify_response(response.status_code, response.headers, 1, time.time())
            if action.kind == "ok":
                return response
            if action.kind != "reauth":
                raise _error_for(action, response, path, restaurant)
            refused = token
        raise ToastUnauthorized(
            f"{path} for restaurant {restaurant}: Toast answered 401 "
            f"{_MAX_UNAUTHORIZED_ATTEMPTS} times in a row, each time with a new token"
        )


def _toast_message(response: requests.Response) -> str:
    """Toast's ErrorMessage `message` and `requestId`, for logs (toast_api.md §5)."""
    try:
        body = response.json()
    except ValueError:
        return ""
    if not isinstance(body, dict):
        return ""
    return f"Toast says: {body.get('message')!s} (requestId {body.get('requestId')!s})"


def _error_for(
    action: Action, response: requests.Response, path: str, restaurant: str | None
) -> ToastError:
    what = f"{path} for restaurant {restaurant} answered HTTP {response.status_code}"
    if action.kind == "restart":
        return ToastConflict(what)
    if action.kind == "skip":
        kind = ToastNotFound if response.status_code == 404 else ToastSkip
        return kind(f"{what}. {_toast_message(response)}")
    return ToastHalt(f"{what}. {_toast_message(response)}")


def iter_token_pages(
    client: ToastClient, path: str, restaurant: str, params: Mapping[str, Any]
) -> Iterator[list[dict]]:
    """Pages of a config endpoint: `Toast-Next-Page-Token` header -> `pageToken` param."""
    seen: set[str] = set()
    page_token: str | None = None
    while True:
        query = {**params, **({"pageToken": page_token} if page_token else {})}
        response = client.get(path, restaurant, query)
        yield response.json() or []
        page_token = response.headers.get("Toast-Next-Page-Token") or None
        if page_token is None:
            return
        if page_token in seen:
            raise ToastHalt(f"{path} for restaurant {restaurant}: Toast repeated a page token")
        seen.add(page_token)


@dataclass(frozen=True)
class OrdersPage:
    """One ordersBulk answer: its orders, whether Toast has more, whether Toast said so in a
    `Link` header (else `more` is only guessed from a full page)."""

    records: list[dict]
    more: bool
    linked: bool


def get_orders_page(
    client: ToastClient,
    endpoint: Endpoint,
    restaurant: str,
    params: Mapping[str, Any],
    page: int = 1,
) -> OrdersPage:
    """Page `page` of ordersBulk (`pageSize` 100). Toast has more when its `Link` header has
    rel="next" (toast_api.md §3); without Link headers, when the page is full."""
    query = {**params, "pageSize": _ORDERS_PAGE_SIZE, "page": page}
    response = client.get(endpoint.path, restaurant, query, client.orders_bulk_limit)
    records = response.json() or []
    if "Link" in response.headers:
        return OrdersPage(records, more="next" in response.links, linked=True)
    return OrdersPage(records, more=len(records) >= _ORDERS_PAGE_SIZE, linked=False)


def iter_numbered_pages(
    client: ToastClient,
    endpoint: Endpoint,
    restaurant: str,
    params: Mapping[str, Any],
    first_page: int = 1,
) -> Iterator[tuple[int, list[dict]]]:
    """Pages of ordersBulk as (number, records) from `first_page`, by offset (rarely: see
    _MAX_OFFSET_PAGES). The last page is the one Toast says has no next.

    Raises PagingDrift when the listing cannot be trusted: an empty page that Toast announced
    (an order left the range), a page that repeats an earlier one (a cycle), or more than
    _MAX_OFFSET_PAGES pages.
    """
    seen: set[tuple[str, ...]] = set()
    announced = False  # the page before said, in a Link header, that this one exists
    for page in range(first_page, first_page + _MAX_OFFSET_PAGES):
        answer = get_orders_page(client, endpoint, restaurant, params, page)
        records = answer.records
        guids = tuple(str(record.get("guid")) for record in records)
        if not records and announced:
            raise PagingDrift(f"{endpoint.path}: page {page} is empty although announced")
        if records and guids in seen:
            raise PagingDrift(f"{endpoint.path}: page {page} repeats an earlier page")
        seen.add(guids)
        if records:
            yield page, records
        if not records or not answer.more:
            return
        announced = answer.linked
    raise PagingDrift(f"{endpoint.path}: more than {_MAX_OFFSET_PAGES} pages")


# ---------------------------------------------------------------------------------------------
# Pure transformations: rows, keys, windows, business dates, the delete ledger
# ---------------------------------------------------------------------------------------------

_TOAST_OFFSET = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?[+-]\d{4}$")
_PLAIN_NAME = re.compile(r"[A-Za-z0-9_]+")
_WORD_START = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<!\d)(?=\d)|(?<=\d)(?=\D)")
_UNDERSCORES = re.compile(r"_+")


@functools.cache
def destination_name(name: str) -> str:
    """The column name Fivetran's naming makes of a camelCase name: `ordersCheckId` ->
    `orders_check_id`, `last4Digits` -> `last_4_digits` (a lower-case letter followed by a capital
    starts a word, and so does a switch between digits and other characters).

    The connector emits and declares these names itself, so the destination has the same columns
    whichever naming strategy a connection uses, and Fivetran's naming leaves them unchanged. A
    name that is not plain ASCII letters, digits and underscores is left for the SDK to rename.
    """
    if not _PLAIN_NAME.fullmatch(name):
        return name
    return _UNDERSCORES.sub("_", _WORD_START.sub("_", name)).lower()


def destination_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """`row` with destination column names."""
    return {destination_name(key): value for key, value in row.items()}


@functools.cache
def _column(prefix: str, key: str) -> str:
    """Column name of a nested field: `server` + `guid` -> `serverId`, + `name` -> `serverName`."""
    if key == "guid":
        key = "id"
    if not prefix:
        return key
    return prefix + key[:1].upper() + key[1:]


def flatten(
    record: Mapping[str, Any],
    skip: Iterable[str] = (),
    unprefixed: Iterable[str] = (),
    prefix: str = "",
) -> dict[str, Any]:
    """Flatten nested objects into prefixed columns; lists stay lists (JSON columns).

    `guid` becomes `id` (`server.guid` -> `serverId`). Fields in `skip` (child lists) are left
    out; objects named in `unprefixed` are flattened without their own name as prefix.
    """
    row: dict[str, Any] = {}
    _flatten_into(row, record, prefix, frozenset(skip), unprefixed, None)
    return row


def _flatten_into(
    row: dict[str, Any],
    record: Mapping[str, Any],
    prefix: str,
    skip: frozenset[str] | tuple[()],
    unprefixed: Iterable[str],
    columns: Mapping[str, str] | None,
) -> None:
    """`flatten`, into `row`. With `columns`, each value is normalised (`normalise_value`) as it
    is placed: `build_row` flattens and normalises an object in one pass over its fields, the
    connector's largest cost of its own per row. A null stays in place; the caller drops it.

    A reference the registry declares (`shiftReferenceId`) that arrives as its bare guid (a
    string where an object is declared, as in Toast's own examples, toast_api.md §14) lands in
    the reference's id column, as the object's `guid` would."""
    for key, value in record.items():
        if key in skip:
            continue
        if isinstance(value, dict):  # JSON objects are dicts; an ABC check costs 3x more
            inner = prefix if key in unprefixed else _column(prefix, key)
            _flatten_into(row, value, inner, (), (), columns)
            continue
        name = _column(prefix, key)
        if columns is None:
            row[name] = value
            continue
        declared = columns.get(name)
        if declared is None and isinstance(value, str) and _column(name, "guid") in columns:
            name = _column(name, "guid")  # a bare guid where the reference object is declared
            declared = columns[name]
        row[name] = normalise_value(value, declared)


def normalise_value(value: Any, declared: str | None) -> Any:
    """Make a value land with full fidelity (sdk_notes §1), given its column's declared type.

    An undeclared Python float would become a 32-bit FLOAT column: it is sent as text, which the
    destination infers as DOUBLE. An undeclared Toast timestamp (`+0000` offset) would be text:
    its offset gets a colon so it is inferred as a timestamp. A declared timestamp is sent as a
    datetime (see `_aware_datetime`). A null stays null.
    """
    if declared is None:
        if isinstance(value, float):
            return repr(value)
        if isinstance(value, str) and _TOAST_OFFSET.match(value):
            return _offset_with_colon(value)
    elif declared == _TS and isinstance(value, str):
        return _aware_datetime(value)
    return value


def normalise_values(row: Mapping[str, Any], columns: Mapping[str, str]) -> dict[str, Any]:
    """`normalise_value` of every value, and nulls left out: an upsert replaces the whole row,
    so an absent column is null all the same, and every column sent costs the SDK a renaming
    per row."""
    return {
        key: normalise_value(value, columns.get(key))
        for key, value in row.items()
        if value is not None
    }


def _aware_datetime(text: str) -> datetime | str:
    """A declared timestamp as an aware datetime, which the SDK encodes as it is: given the text,
    the SDK parses it with strptime, about half its cost of encoding an order row. Text that is
    no timestamp stays text, for the SDK to reject."""
    try:
        return parse_timestamp(text)
    except ValueError:
        return text


def synthetic_key(table: str, parents: Mapping[str, Any], record: Any, occurrence: int) -> str:
    """A deterministic id for an object without a guid: its content, parents and occurrence.

    Two identical siblings differ by `occurrence`, so they stay two rows; the same object
    synced again gets the same key.
    """
    canonical = json.dumps(
        [table, dict(sorted(parents.items())), record, occurrence], sort_keys=True, default=str
    )
    digest = hashlib.sha256(canonical.encode()).hexdigest()[:32]
    return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:]}"


def build_row(
    table: Table, record: Any, context: Mapping[str, Any], occurrence: int
) -> dict[str, Any]:
    """The row of one object (or list element) of `table`, with its parents' ids."""
    parents = {fk: context.get(fk) for fk in table.foreign_keys}
    if table.key == "scalar":
        return {**parents, table.link_column: record}
    if table.key == "link":
        return {**parents, table.link_column: record.get("guid")}
    columns = table.columns
    row: dict[str, Any] = {}
    _flatten_into(row, record, "", table.not_flattened, table.unprefixed, columns)
    for name in table.whole:
        if name in record:
            row[name] = normalise_value(record[name], columns.get(name))
    if table.key == "hash":
        row["guid"] = normalise_value(record.get("guid"), columns.get("guid"))
        row.pop("id", None)
    if table.key == "hash" or (table.key == "guid_or_hash" and not record.get("guid")):
        row["id"] = synthetic_key(table.name, parents, record, occurrence)
    for name, value in parents.items():
        row[name] = normalise_value(value, columns.get(name))
    return {k: v for k, v in row.items() if v is not None}  # see `normalise_values`


def _occurrences(table: Table, items: Iterable[Any]) -> Iterator[tuple[int, Any]]:
    """Pair each item with how many identical items came before it. Only items keyed by their
    content (no guid) need the count; the others get 0 without being serialized."""
    seen: Counter[str] = Counter()
    for item in items:
        by_content = table.key == "hash" or (table.key == "guid_or_hash" and not item.get("guid"))
        if not by_content:
            yield 0, item
            continue
        canonical = json.dumps(item, sort_keys=True, default=str)
        yield seen[canonical], item
        seen[canonical] += 1


def explode(
    table: Table,
    record: Any,
    context: Mapping[str, Any],
    occurrence: int = 0,
    carried: Mapping[str, Any] | None = None,
) -> Iterator[tuple[Table, dict[str, Any]]]:
    """Yield (table, row) for an object and every nested child, parent first. `carried`: the
    values an enclosing table `carries` down to this row (its own fields of those names win)."""
    row = build_row(table, record, context, occurrence)
    for name, value in (carried or {}).items():
        if value is not None:
            row.setdefault(name, value)
    yield table, row
    if not table.children:
        return
    child_context = {**context, table.context_key: row["id"]} if table.context_key else context
    if table.carries:
        carried = {
            **(carried or {}),
            **{name: row.get(carry.source) for name, carry in table.carries.items()},
        }
    for child in table.children:
        child_table = child.table or table
        for count, item in _occurrences(child_table, record.get(child.source) or ()):
            yield from explode(child_table, item, child_context, count, carried)


def primary_key_of(table: Table, row: Mapping[str, Any]) -> tuple[str, ...]:
    """The row's primary key values, in the table's key order."""
    return tuple(str(row.get(column)) for column in table.primary_key)


def under_deleted(rows: Sequence[tuple[Table, Mapping[str, Any]]]) -> list[bool]:
    """For each row of one explosion (parents before children): Toast flags it deleted, or it
    lies under an object Toast flags deleted, whose children all go with it (a deleted check's
    selections, modifiers, taxes, discounts and payment links; a deleted employee's job
    references and wage overrides). A child names its parents' ids (`ordersCheckId`,
    `employeeId`), so a flagged row condemns every row that names it. An object reached
    through links (a payment) goes only when every link to it does: a live check keeps it."""
    dead: set[tuple[str, Any]] = set()  # (context key, id) of the rows going
    flags = []
    for table, row in rows:
        gone = row.get("deleted") is True or (
            bool(dead) and any((fk, row.get(fk)) in dead for fk in table.foreign_keys)
        )
        if gone and table.context_key:
            dead.add((table.context_key, row.get("id")))
        flags.append(gone)
    if not dead:
        return flags
    links: dict[tuple[str, Any], bool] = {}  # (linked table, id) -> every link to it goes
    for (table, row), gone in zip(rows, flags, strict=True):
        if table.name in _LINK_TARGETS:
            linked = (_LINK_TARGETS[table.name], row.get(table.link_column))
            links[linked] = links.get(linked, True) and gone
    return [
        gone or links.get((table.name, row.get("id")), False)
        for (table, row), gone in zip(rows, flags, strict=True)
    ]


def build_restaurant_row(
    guid: str, partner: Mapping[str, Any] | None, info: Mapping[str, Any] | None
) -> dict[str, Any]:
    """One `restaurant` row from the partners record and the restaurant info (either may lack)."""
    row: dict[str, Any] = {}
    if partner:
        skip = ("restaurantGuid", "restaurantName")  # the id, and `name` (the info's wins)
        row.update(flatten({k: v for k, v in partner.items() if k not in skip}))
        row["name"] = partner.get("restaurantName")
    if info:
        row.update({k: v for k, v in build_row(RESTAURANT, info, {}, 0).items() if v is not None})
    row["id"] = guid
    return normalise_values(row, RESTAURANT.columns)


# The published menu document (menus API v2) -> rows. Not a plain tree: items and options name
# modifier groups by `referenceId`, a number valid within one document only, so the walk
# resolves references to guids, and `referenceId` itself is not kept.
_DOCUMENT_ONLY = frozenset({"referenceId", "preModifierGroupReference"})


def _by_reference(references: Mapping[str, Any] | None) -> dict[int, Mapping[str, Any]]:
    """A document's reference map (`{"1": {"referenceId": 1, ...}}`), by number, in order."""
    return {int(number): value for number, value in sorted((references or {}).items(), key=_ref)}


def _ref(item: tuple[str, Any]) -> int:
    return int(item[0])


def menu_item_prices(
    item: Mapping[str, Any], size_options: Mapping[str, list[Mapping[str, Any]]]
) -> list[dict[str, Any]]:
    """A menu item's prices as rows (toast_api.md §6.5; Toast's "Using PricingRules and
    PricingStrategy to calculate prices"): its base `price`; each time-specific price with its
    base price and schedule; for SIZE_PRICE, each option of the Size modifier group that
    `sizeSpecificPricingGuid` names (the sizes and their prices); any size/sequence rule.
    `position` numbers the prices of one type."""
    rules = item.get("pricingRules") or {}
    prices: list[dict[str, Any]] = []
    if item.get("price") is not None:
        prices.append({"priceType": "BASE", "price": item["price"]})
    for rule in rules.get("timeSpecificPricingRules") or ():
        prices.append(
            {
                "priceType": "TIME_SPECIFIC",
                "price": rule.get("timeSpecificPrice"),
                "basePrice": rule.get("basePrice"),
                "schedule": rule.get("schedule"),
            }
        )
    for option in size_options.get(rules.get("sizeSpecificPricingGuid") or "", ()):
        size = {"sizeName": option.get("name"), "sizeGuid": option.get("guid")}
        prices.append({"priceType": "SIZE", "price": option.get("price"), **size})
    for rule in rules.get("sizeSequencePricingRules") or ():
        size = {"sizeName": rule.get("sizeName"), "sizeGuid": rule.get("sizeGuid")}
        for step in rule.get("sequencePrices") or ():
            prices.append(
                {
                    "priceType": "SIZE_SEQUENCE",
                    "price": step.get("price"),
                    "sequence": step.get("sequence"),
                    **size,
                }
            )
    numbered: Counter[str] = Counter()
    for price in prices:
        price["position"] = numbered[price["priceType"]]
        numbered[price["priceType"]] += 1
    return prices


class _MenuDocument:
    """One walk over a published menu document; `rows()` is the result. Each key once: the
    first occurrence wins (an item placed in two groups is one item row; a modifier group Toast
    lists under two referenceIds, as the recorded sandbox response does, is one row)."""

    def __init__(self, document: Mapping[str, Any], restaurant: str) -> None:
        self.document = document
        self.restaurant = {"restaurantId": restaurant}
        self.groups = _by_reference(document.get("modifierGroupReferences"))
        self.options = _by_reference(document.get("modifierOptionReferences"))
        self.pre_groups = _by_reference(document.get("preModifierGroupReferences"))
        self.size_options = {
            group.get("guid") or "": [
                self.options[int(n)]
                for n in group.get("modifierOptionReferences") or ()
                if int(n) in self.options
            ]
            for group in reversed(self.groups.values())  # the first instance of a guid wins
        }
        self._rows: dict[Key, Row] = {}

    def rows(self) -> list[Row]:
        for position, menu in enumerate(self.document.get("menus") or ()):
            row = self._add(PUBLISHED_MENU, {**menu, "position": position}, self.restaurant)
            context = {**self.restaurant, "menuId": row["id"]}
            self._menu_groups(menu.get("menuGroups") or (), context, None)
        for group in self.groups.values():
            self._modifier_group(group)
        return list(self._rows.values())

    def _add(
        self, table: Table, record: Mapping[str, Any], context: Mapping[str, Any]
    ) -> dict[str, Any]:
        record = {k: v for k, v in record.items() if k not in _DOCUMENT_ONLY}
        row = build_row(table, record, context, 0)
        self._rows.setdefault((table.name, primary_key_of(table, row)), (table, row))
        return row

    def _menu_groups(
        self, groups: Iterable[Mapping[str, Any]], context: Mapping[str, Any], parent: str | None
    ) -> None:
        for position, group in enumerate(groups):
            record = {**group, "position": position, "parentMenuGroupId": parent}
            row = self._add(PUBLISHED_MENU_GROUP, record, context)
            self._menu_groups(group.get("menuGroups") or (), context, row["id"])
            inner = {**context, "menuGroupId": row["id"]}
            for place, item in enumerate(group.get("menuItems") or ()):
                self._menu_item(item, place, inner)

    def _menu_item(
        self, item: Mapping[str, Any], position: int, context: Mapping[str, Any]
    ) -> None:
        row = self._add(PUBLISHED_MENU_ITEM, item, self.restaurant)
        placed = {**context, "menuItemId": row["id"]}
        placement = {k: item.get(k) for k in ("price", "pricingStrategy")}
        self._add(PUBLISHED_MENU_ITEM_PLACEMENT, {**placement, "position": position}, placed)
        price_table = PUBLISHED_MENU_ITEM_PLACEMENT.children[0].table
        for price in menu_item_prices(item, self.size_options):
            self._add(price_table, price, placed)
        self._links(
            PUBLISHED_MENU_ITEM_MODIFIER_GROUP,
            item,
            {**self.restaurant, "menuItemId": row["id"]},
            {},
        )

    def _links(
        self,
        table: Table,
        record: Mapping[str, Any],
        context: Mapping[str, Any],
        extra: Mapping[str, Any],
    ) -> None:
        """Rows linking `record` to the modifier groups it names by referenceId."""
        for position, number in enumerate(record.get("modifierGroupReferences") or ()):
            group = self.groups.get(int(number))
            if group is not None:
                linked = {**context, "modifierGroupId": group.get("guid")}
                self._add(table, {**extra, "position": position}, linked)

    def _modifier_group(self, group: Mapping[str, Any]) -> None:
        pre = self.pre_groups.get(int(group.get("preModifierGroupReference") or 0)) or {}
        record = {
            **group,
            "preModifierGroupId": pre.get("guid"),
            "preModifierGroupName": pre.get("name"),
        }
        row = self._add(PUBLISHED_MODIFIER_GROUP, record, self.restaurant)
        context = {**self.restaurant, "modifierGroupId": row["id"]}
        link = PUBLISHED_MODIFIER_OPTION.children[0].table
        for position, number in enumerate(group.get("modifierOptionReferences") or ()):
            option = self.options.get(int(number))
            if option is None:
                continue
            option_row = self._add(
                PUBLISHED_MODIFIER_OPTION, {**option, "position": position}, context
            )
            opener = {**self.restaurant, "modifierOptionId": option_row["id"]}
            self._links(link, option, opener, {"parentModifierGroupId": row["id"]})


def explode_published_menus(document: Mapping[str, Any], restaurant: str) -> list[Row]:
    """Every row of a restaurant's published menu document, parents first, each key once."""
    return _MenuDocument(document, restaurant).rows()


def pack_schedule(shifts: Mapping[str, datetime]) -> str:
    """The shifts of the schedule (guid -> inDate) for state: JSON of epoch seconds,
    zlib-compressed and base64-encoded like the ledger (a busy location's 50 days of shifts
    take a few tens of KB as plain JSON)."""
    document = {guid: int(moment.timestamp()) for guid, moment in sorted(shifts.items())}
    text = json.dumps(document, separators=(",", ":")).encode()
    return base64.b64encode(zlib.compress(text, 6)).decode()


def unpack_schedule(packed: str | None) -> dict[str, datetime]:
    """`pack_schedule` undone; nothing packed is an empty schedule."""
    if not packed:
        return {}
    document = json.loads(zlib.decompress(base64.b64decode(packed)))
    return {
        guid: datetime.fromtimestamp(seconds, timezone.utc) for guid, seconds in document.items()
    }


@dataclass(frozen=True)
class Window:
    """A half-open time range [start, end) in UTC; `first` marks a stream's first part of a sync
    (stream_part)."""

    start: datetime
    end: datetime
    first: bool = False


@dataclass(frozen=True)
class ConfigRead:
    """What a sync asks of the configuration endpoints and tip withholding (besides debts).

    `since`: their changes since then (`lastModified`); `full`: their full listings, which find
    removed objects. A first sync lists in full without `since`; neither: not asked this sync.
    """

    since: datetime | None = None
    full: bool = False

    @property
    def asked(self) -> bool:
        """Whether this sync reads configuration at all."""
        return self.full or self.since is not None


def plan_config_read(
    changes_read: datetime | None,
    listed: datetime | None,
    now: datetime,
    changes_hours: int,
    listing_hours: int,
) -> ConfigRead:
    """What this sync reads of the configuration, given when its changes were last read and when
    it was last listed in full (state's `configSince`, `configListed`; None: never).

    Changes are read once `changes_hours` passed, full listings once `listing_hours` did (less
    _READ_DUE_SLACK_MINUTES either way), from 5 minutes before the last read."""
    if changes_read is None:
        return ConfigRead(None, full=True)
    slack = timedelta(minutes=_READ_DUE_SLACK_MINUTES)

    def due(last: datetime | None, hours: int) -> bool:
        return last is None or now - last >= timedelta(hours=hours) - slack

    since = changes_read - timedelta(minutes=_RESUME_OVERLAP_MINUTES)
    full = due(listed, listing_hours)
    if full or due(changes_read, changes_hours):
        return ConfigRead(since, full)
    return ConfigRead()


def plan_windows(start: datetime, now: datetime, days: int = _WINDOW_DAYS) -> list[Window]:
    """Consecutive windows of at most `days` from `start` to `now`."""
    windows: list[Window] = []
    cursor = start
    while cursor < now:
        end = min(cursor + timedelta(days=days), now)
        windows.append(Window(cursor, end, first=not windows))
        cursor = end
    return windows


def stream_part(window: Window, start: datetime) -> Window | None:
    """A stream's part of `window` when the stream starts at `start` (its cursor less
    _RESUME_OVERLAP_MINUTES, or initialSyncStart): None when the stream is past the window,
    `first` when it starts inside it."""
    if start >= window.end:
        return None
    return Window(max(window.start, start), window.end, first=start >= window.start)


@dataclass
class SliceSpan:
    """The length of the next ordersBulk slice, learnt from the answers so far (_ORDERS_SLICE_*).

    `seconds` None: a slice is the whole range asked (a quiet location reads a window at once).
    """

    seconds: float | None = None

    def end(self, start: datetime, limit: datetime) -> datetime:
        """The end of the slice that starts at `start`, at most `limit`."""
        if self.seconds is None:
            return limit
        return min(start + timedelta(seconds=self.seconds), limit)

    def split(self, start: datetime, end: datetime) -> bool:
        """[start, end) answered a full page: halve it. False when it is at the floor already
        (the range is then paged)."""
        length = (end - start).total_seconds()
        if length <= _ORDERS_SLICE_FLOOR_SECONDS:
            return False
        self.seconds = max(_ORDERS_SLICE_FLOOR_SECONDS, round(length / 2))
        return True

    def answered(self, start: datetime, end: datetime, orders: int) -> None:
        """[start, end) held `orders`, less than a page: aim the next slice at
        _ORDERS_SLICE_TARGET orders, at most _ORDERS_SLICE_MAX_GROWTH times longer. A slice cut
        short by its range's end says nothing against a longer one."""
        length = (end - start).total_seconds()
        factor = min(_ORDERS_SLICE_MAX_GROWTH, _ORDERS_SLICE_TARGET / max(orders, 1))
        if self.seconds is not None and length < self.seconds and factor >= 1:
            return
        self.seconds = max(_ORDERS_SLICE_FLOOR_SECONDS, round(length * factor))


def overlapping_ranges(
    start: datetime, end: datetime, overlap: timedelta, max_span: timedelta
) -> list[tuple[datetime, datetime]]:
    """Cover [start - overlap, end) with ranges of at most `max_span`, consecutive ranges
    overlapping by `overlap`, so anything shorter than `overlap` is wholly inside one range."""
    ranges = []
    cursor = start - overlap
    while True:
        stop = min(cursor + max_span, end)
        ranges.append((cursor, stop))
        if stop >= end:
            return ranges
        cursor = stop - overlap


def business_date(moment: datetime, tz: ZoneInfo, closeout_hour: int) -> date:
    """The restaurant's business day of an instant: local date, shifted back before closeout."""
    local = moment.astimezone(tz)
    return (local.replace(tzinfo=None) - timedelta(hours=closeout_hour)).date()


def business_day_range(day: str, tz: ZoneInfo, closeout_hour: int) -> tuple[datetime, datetime]:
    """The instants [start, end) of business day `yyyymmdd`: from its closeout hour, local
    time, to the next day's."""
    local = datetime(int(day[:4]), int(day[4:6]), int(day[6:]), closeout_hour, tzinfo=tz)
    next_day = local + timedelta(days=1)  # wall-clock arithmetic: across DST too
    return local.astimezone(timezone.utc), next_day.astimezone(timezone.utc)


def business_dates(
    window: Window, tz: ZoneInfo, closeout_hour: int, reread_days: int
) -> list[str]:
    """Every business date (`yyyymmdd`) that overlaps the window, plus `reread_days` before it."""
    first = business_date(window.start, tz, closeout_hour) - timedelta(days=reread_days)
    last = business_date(window.end - timedelta(microseconds=1), tz, closeout_hour)
    return [(first + timedelta(days=n)).strftime("%Y%m%d") for n in range((last - first).days + 1)]


# ---------------------------------------------------------------------------------------------
# Fetching (worker threads): what a restaurant's sync asks Toast for, as batches of rows
# ---------------------------------------------------------------------------------------------

Row = tuple[Table, dict[str, Any]]
Key = tuple[str, tuple[str, ...]]  # (table name, primary key values)


@dataclass(frozen=True)
class Restaurant:
    """A restaurant to sync, with what business-date math needs."""

    guid: str
    time_zone: ZoneInfo
    closeout_hour: int


@dataclass
class Batch:
    """Rows for the emitter, and what they tell about deletes.

    `parent`: the rows are one order or time entry followed by all its children; children it
    had last time and no longer has are deleted, and every row if it is deleted itself.
    `listing`: the complete set of keys a full listing of that table found at the restaurant;
    keys it had last time and no longer has are deleted. `listed` names the table of an
    incremental listing whose keys are remembered. `new_only`: a full listing whose changed
    objects came in an incremental listing already, so only objects never seen before are
    upserted.
    """

    restaurant: str
    rows: list[Row]
    parent: tuple[str, str, str] | None = None  # (kind, guid, modifiedDate)
    listing: tuple[str, set[Key]] | None = None
    listed: str | None = None
    new_only: bool = False  # of a listing, upsert only objects not seen before


@dataclass(frozen=True)
class Debt:
    """Work Toast refused, kept in state and retried at every later sync (README, Error handling).

    A windowed endpoint owes the range [start, end); a configuration endpoint owes its changes
    since `since` (None: a whole first listing); a listing (jobs, employees) owes itself.
    """

    endpoint: str
    first_failure: datetime
    last_error: str
    attempts: int = 1
    start: datetime | None = None
    end: datetime | None = None
    since: datetime | None = None
    ids: tuple[str, ...] = ()  # shifts owed by id: a refused lookup (LaborReader.settle_schedule)

    def to_state(self) -> dict[str, Any]:
        """The debt as state holds it (timestamps as Toast formats them)."""
        state: dict[str, Any] = {
            "endpoint": self.endpoint,
            "firstFailure": format_timestamp(self.first_failure),
            "attempts": self.attempts,
            "lastError": self.last_error,
        }
        for name in ("start", "end", "since"):
            if getattr(self, name) is not None:
                state[name] = format_timestamp(getattr(self, name))
        if self.ids:
            state["ids"] = list(self.ids)
        return state

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> Debt:
        """A debt read back from state."""
        moments = {
            name: parse_timestamp(state[name]) if state.get(name) else None
            for name in ("start", "end", "since")
        }
        return cls(
            state["endpoint"],
            parse_timestamp(state["firstFailure"]),
            str(state.get("lastError", "")),
            int(state.get("attempts", 1)),
            **moments,
            ids=tuple(str(guid) for guid in state.get("ids", ())),
        )

    def failed_again(self, error: str, start: datetime | None, end: datetime | None) -> Debt:
        """This debt (or the part [start, end) of its range) refused once more."""
        return replace(self, attempts=self.attempts + 1, last_error=error, start=start, end=end)

    def owed_after_retry(self, part: Debt) -> list[Debt]:
        """What `part`, owed when this windowed debt was asked again, leaves owed: the piece
        inside this debt's range failed again (it keeps this debt's age); a piece outside it,
        such as the range an endpoint was absent for (Asking._back) or a cash business day
        reaching past the range, is new work and keeps its own age."""
        pieces = []
        inside = (max(part.start, self.start), min(part.end, self.end))
        if inside[0] < inside[1]:
            pieces.append(self.failed_again(part.last_error, *inside))
        if part.start < self.start:
            pieces.append(replace(part, end=min(part.end, self.start)))
        if part.end > self.end:
            pieces.append(replace(part, start=max(part.start, self.end)))
        return pieces

    def given_up(self, now: datetime) -> bool:
        """Failed on enough syncs over enough days (_DEBT_GIVE_UP_*) to stop asking."""
        old = now - self.first_failure >= timedelta(days=_DEBT_GIVE_UP_DAYS)
        return old and self.attempts >= _DEBT_GIVE_UP_ATTEMPTS

    def describe(self) -> str:
        """What is owed, for logs."""
        if self.ids:
            what = f"the lookup of {len(self.ids)} shift(s) by id"
        elif self.start is not None and self.end is not None:
            what = f"{format_timestamp(self.start)} to {format_timestamp(self.end)}"
        elif self.since is not None:
            what = f"changes since {format_timestamp(self.since)}"
        else:
            what = "the whole listing"
        return (
            f"{self.endpoint} {what} (refused since {format_timestamp(self.first_failure)}, "
            f"{self.attempts} attempt(s); last: {self.last_error})"
        )


def merge_debts(debts: Iterable[Debt]) -> list[Debt]:
    """The one rule by which debts are kept: one debt per unwindowed endpoint, and per part of a
    windowed endpoint's ranges that has one age.

    An unwindowed endpoint owes once, since the earliest `since` (None, a whole listing, covers
    any changes); it is one request asked at every sync, so it keeps its oldest failure and most
    attempts. A windowed endpoint's ranges keep the age of every part (_ranges_by_age), so a
    range refused today is not given up with one refused a week ago; so do shift lookups (one
    debt per day of first failure)."""
    unwindowed: dict[str, Debt] = {}
    windowed: dict[str, list[Debt]] = {}
    lookups: dict[tuple[str, date], Debt] = {}
    for debt in debts:
        if debt.ids:
            day = (debt.endpoint, debt.first_failure.date())
            known = lookups.get(day)
            lookups[day] = debt if known is None else _looked_up_together(known, debt)
        elif debt.start is None or debt.end is None:
            known = unwindowed.get(debt.endpoint)
            unwindowed[debt.endpoint] = debt if known is None else _owed_once(known, debt)
        else:
            windowed.setdefault(debt.endpoint, []).append(debt)
    merged = [*unwindowed.values(), *lookups.values()]
    for parts in windowed.values():
        merged.extend(_ranges_by_age(parts))
    return sorted(merged, key=lambda d: (d.endpoint, d.start or d.first_failure))


def _looked_up_together(known: Debt, debt: Debt) -> Debt:
    """Shift lookups first refused on the same day: one debt of both ids, the younger age."""
    younger = max(known, debt, key=_age)
    ids = tuple(sorted({*known.ids, *debt.ids}))
    return replace(younger, ids=ids, attempts=min(known.attempts, debt.attempts))


def _owed_once(known: Debt, debt: Debt) -> Debt:
    since = None if known.since is None or debt.since is None else min(known.since, debt.since)
    return replace(
        debt,
        since=since,
        first_failure=min(known.first_failure, debt.first_failure),
        attempts=max(known.attempts, debt.attempts),
    )


def _age(debt: Debt) -> tuple[datetime, int]:
    """Sorts younger last: the later first failure, then the fewer attempts."""
    return debt.first_failure, -debt.attempts


def _ranges_by_age(parts: list[Debt]) -> list[Debt]:
    """One endpoint's owed ranges as disjoint parts, each with its own age.

    Where ranges overlap, the younger holds the overlap, so no moment is given up before it was
    refused long enough. Touching parts first refused on the same UTC day become one, with the
    later failure and the fewer attempts of the two: a debt lives _DEBT_GIVE_UP_DAYS, so an
    endpoint refused at every hourly sync owes about that many parts, not one per sync."""
    bounds = sorted({moment for debt in parts for moment in (debt.start, debt.end)})
    pieces = []
    for start, end in itertools.pairwise(bounds):
        covering = [debt for debt in parts if debt.start <= start and end <= debt.end]
        if covering:
            pieces.append(replace(max(covering, key=_age), start=start, end=end))
    merged: list[Debt] = []
    for piece in pieces:
        last = merged[-1] if merged else None
        if (
            last is None
            or last.end != piece.start
            or last.first_failure.date() != piece.first_failure.date()
        ):
            merged.append(piece)
            continue
        younger = max(last, piece, key=_age)
        merged[-1] = replace(
            younger, start=last.start, attempts=min(last.attempts, piece.attempts), end=piece.end
        )
    return merged


@dataclass
class PartDone:
    """A part of a restaurant's sync has queued all its batches: a window, the earlier syncs'
    debts asked again (`window` None, `part` "debts") or the once-per-sync part (`part`
    "config").

    This is the one way debts reach state (_finish_part): the `settled` debts, which this part
    asked again, leave it; `debts`, what Toast refused of this part, join it; merge_debts keeps
    them. A stream's part of a window also moves that stream's cursor past its end. `absent` is
    kept with it, so the state never has a cursor past parts skipped for an absence it does not
    hold."""

    restaurant: str
    window: Window | None
    debts: list[Debt] = field(default_factory=list)
    number: int = 0  # on a window's last part: the window's place in the sync, of `of`
    of: int = 0
    settled: tuple[Debt, ...] = ()
    part: str = "window"
    absent: dict[str, dict[str, str]] | None = None  # the endpoints absent so far (Asking)
    stream: str | None = None  # the stream whose part of a window this is (WINDOW_STREAMS)
    covers: tuple[str, ...] | None = None  # the endpoints `absent` tells of (None: every one)


@dataclass
class StateUpdate:
    """Part of a restaurant's state, and objects to delete, that a worker decided; applied once
    every batch it queued before is emitted (the queue is FIFO), so the state never claims rows
    that were not written. A field left None keeps what state has."""

    restaurant: str
    config_since: str | None = None  # configuration changes read up to (configSince)
    config_listed: str | None = None  # configuration last listed in full (configListed)
    menus_updated: str | None = None  # the published menu's `lastUpdated` (menusLastUpdated)
    schedule: str | None = None  # the shifts read, packed (schedule)
    deleted: list[Key] = field(default_factory=list)

    def entries(self) -> dict[str, Any]:
        """The state keys this update sets (an empty value removes its key)."""
        names = {
            "configSince": self.config_since,
            "configListed": self.config_listed,
            "menusLastUpdated": self.menus_updated,
            "schedule": self.schedule,
        }
        return {name: value for name, value in names.items() if value is not None}


class RestaurantRefused(ToastError):
    """Toast refused the restaurant itself (its information): nothing of it is synced this
    sync, and its cursors stay where they are."""


class PagingDrift(ToastError):
    """Orders paged by offset cannot be trusted: they kept changing (_MAX_PAGING_PASSES), or
    the pages themselves were inconsistent (iter_numbered_pages)."""


class OwedFrom(ToastError):
    """Reading a window's orders stopped at `start`: [start, the window's end) is owed, because
    of `reason` (a ToastSkip is a refusal of the endpoint)."""

    def __init__(self, start: datetime, reason: ToastError) -> None:
        super().__init__(str(reason))
        self.start = start
        self.reason = reason


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


class SyncCancelled(Exception):
    """The sync is failing as a whole (its login was refused); this worker stops fetching."""


def _rows_of(
    table: Table,
    records: Iterable[Mapping[str, Any]],
    restaurant: str,
    extra: Mapping[str, Any] | None = None,
) -> list[Row]:
    context = {"restaurantId": restaurant}
    return [
        row for record in records for row in explode(table, {**record, **(extra or {})}, context)
    ]


def _keys_of(rows: Iterable[Row]) -> set[Key]:
    return {(table.name, primary_key_of(table, row)) for table, row in rows}


@dataclass(frozen=True)
class Absence:
    """An endpoint that answered 404 at a restaurant (_ABSENT_REASK_HOURS): when it was last
    asked, and the range of the parts not read because of it: from `since` (when it is not
    windowed, the first 404) to `until` (None: not windowed)."""

    since: datetime
    asked: datetime
    until: datetime | None = None

    def to_state(self) -> dict[str, str]:
        """As state holds it."""
        state = {"since": format_timestamp(self.since), "asked": format_timestamp(self.asked)}
        if self.until is not None:
            state["until"] = format_timestamp(self.until)
        return state

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> Absence:
        """Read back from state."""
        until = parse_timestamp(state["until"]) if state.get("until") else None
        return cls(parse_timestamp(state["since"]), parse_timestamp(state["asked"]), until)

    def reaching(self, part: tuple[datetime, datetime] | None) -> Absence:
        """This absence, its range widened to a part not read because of it."""
        if part is None:
            return self
        until = part[1] if self.until is None else max(self.until, part[1])
        return replace(self, since=min(self.since, part[0]), until=until)


Part = tuple[datetime, datetime] | None  # the range a windowed part reads; None: not windowed


OweFrom = Callable[[str, datetime | None], list[Debt]]  # (why, from where) -> what is owed


class Asking:
    """What a restaurant's stream readers share: its client and hand-off, the sync's `now`, and
    what Toast refused or does not have at the location.

    Every reader asks through `attempt`, which turns a refusal (ToastSkip) into the reader's
    debts, pauses an endpoint refused _REFUSALS_BEFORE_PAUSING_ENDPOINT times in a row (its
    remaining work becomes debt at once, without asking), and remembers a 404 as the endpoint's
    absence at the location (_ABSENT_REASK_HOURS). Used from several threads.
    """

    def __init__(
        self,
        client: ToastClient,
        restaurant: Restaurant,
        put: Callable[[Any], None],
        now: datetime,
        absent: Mapping[str, Absence] | None = None,
    ) -> None:
        self.client = client
        self.restaurant = restaurant
        self.put = put
        self.now = now
        self._absent = dict(absent or {})
        self._refusals: Counter[str] = Counter()  # refusals in a row, per endpoint path
        self._last_refusal: dict[str, str] = {}
        self._lock = threading.Lock()

    def get(
        self,
        path: str,
        params: Mapping[str, Any] | None = None,
        extra_limit: RateLimit | None = None,
    ) -> Any:
        """The JSON body of one request of this restaurant (None when empty)."""
        return self.client.get(path, self.restaurant.guid, params, extra_limit).json()

    def attempt(
        self, endpoint: Endpoint, work: Callable[[], None], owe: OweFrom, part: Part
    ) -> list[Debt]:
        """Run `work`, the requests of `endpoint` for `part`; return what is owed of it (`owe`,
        given why and, for orders read part way (OwedFrom), where the rest starts)."""
        if self._not_due(endpoint, part):
            return []
        paused = self._paused(endpoint)
        if paused is not None:
            return owe(paused, None)
        try:
            work()
        except OwedFrom as owed:
            rest = None if part is None else (owed.start, part[1])
            return self._failed(endpoint, owed.reason, owe, owed.start, rest)
        except ToastSkip as error:
            return self._failed(endpoint, error, owe, None, part)
        self._answered(endpoint)
        return self._back(endpoint)

    def owe(
        self,
        endpoint: Endpoint,
        error: str,
        start: datetime | None = None,
        end: datetime | None = None,
        since: datetime | None = None,
    ) -> Debt:
        """A new debt of `endpoint`, first refused now."""
        return Debt(endpoint.path, self.now, error, start=start, end=end, since=since)

    def owe_range(self, endpoint: Endpoint, start: datetime, end: datetime) -> OweFrom:
        """What a refused part of [start, end) owes: the range from where reading stopped."""
        return lambda error, where: [self.owe(endpoint, error, where or start, end)]

    def still_owed(self, debts: Iterable[Debt]) -> list[Debt]:
        """`debts` without those given up (_DEBT_GIVE_UP_*), each named in an ERROR."""
        owed = []
        for debt in debts:
            if debt.given_up(self.now):
                log.error(
                    f"Restaurant {self.restaurant.guid}: giving up {debt.describe()}. That data "
                    f"is missing from the destination; a re-sync of the restaurant fetches it."
                )
            else:
                owed.append(debt)
        return owed

    def absences(self, paths: Collection[str] | None = None) -> dict[str, dict[str, str]]:
        """The endpoints absent at the location (of `paths`, if given), for state."""
        with self._lock:
            return {
                path: absence.to_state()
                for path, absence in sorted(self._absent.items())
                if paths is None or path in paths
            }

    def paused(self, endpoint: Endpoint) -> bool:
        """Whether `endpoint` is not asked again this sync (refused too often)."""
        return self._paused(endpoint) is not None

    # --- refusals and absences ----------------------------------------------------------------

    def _failed(
        self,
        endpoint: Endpoint,
        reason: ToastError,
        owe: OweFrom,
        where: datetime | None,
        part: Part,
    ) -> list[Debt]:
        if isinstance(reason, ToastNotFound) and endpoint.may_be_unused:
            self._found_absent(endpoint, reason, part)
            return []
        text = self.refused(endpoint, reason) if isinstance(reason, ToastSkip) else str(reason)
        return owe(text, where)

    def refused(self, endpoint: Endpoint, error: ToastSkip) -> str:
        """Count a refusal of `endpoint`; say so once per sync (and when it pauses)."""
        with self._lock:
            self._refusals[endpoint.path] += 1
            count = self._refusals[endpoint.path]
            self._last_refusal[endpoint.path] = str(error)
        if count == 1:  # the error names the endpoint and the restaurant
            say = log.error if isinstance(error, ToastUnauthorized) else log.warning
            say(f"{error} The work is kept as a debt and asked again at the next syncs.")
        if count == _REFUSALS_BEFORE_PAUSING_ENDPOINT:
            log.warning(
                f"{endpoint.path} for restaurant {self.restaurant.guid}: refused {count} times "
                f"in a row; not asked again this sync."
            )
        return str(error)

    def _answered(self, endpoint: Endpoint) -> None:
        with self._lock:
            if self._refusals[endpoint.path] < _REFUSALS_BEFORE_PAUSING_ENDPOINT:
                self._refusals[endpoint.path] = 0

    def _paused(self, endpoint: Endpoint) -> str | None:
        with self._lock:
            if self._refusals[endpoint.path] < _REFUSALS_BEFORE_PAUSING_ENDPOINT:
                return None
            return self._last_refusal[endpoint.path]

    def _not_due(self, endpoint: Endpoint, part: Part) -> bool:
        """Absent at the location and asked less than _ABSENT_REASK_HOURS ago: then `part` is
        not asked, and the absence's range reaches over it."""
        with self._lock:
            absence = self._absent.get(endpoint.path)
            if absence is None or self.now - absence.asked >= timedelta(hours=_ABSENT_REASK_HOURS):
                return False
            self._absent[endpoint.path] = absence.reaching(part)
            return True

    def _found_absent(self, endpoint: Endpoint, error: ToastNotFound, part: Part) -> None:
        """Remember that `endpoint` answered 404 for `part` (what of it was not read)."""
        with self._lock:
            known = self._absent.get(endpoint.path)
            start = self.now if part is None else part[0]
            fresh = Absence(start, self.now, None if part is None else part[1])
            absence = fresh if known is None else replace(known, asked=self.now)
            self._absent[endpoint.path] = absence.reaching(part)
        if known is None:
            log.info(
                f"{error} The endpoint is taken as not used at this location: nothing is owed, "
                f"and it is asked again every {_ABSENT_REASK_HOURS} hours."
            )

    def _back(self, endpoint: Endpoint) -> list[Debt]:
        """An endpoint that was absent answered: forget its absence; a windowed one owes the
        range of the parts it was not asked for meanwhile (a part read meanwhile, such as this
        one, is read again: no gap, whatever order the parts ran in)."""
        with self._lock:
            absence = self._absent.pop(endpoint.path, None)
        if absence is None:
            return []
        log.info(
            f"{endpoint.path} for restaurant {self.restaurant.guid} answers again (404 since "
            f"{format_timestamp(absence.since)})."
        )
        if absence.until is None:
            return []
        return [self.owe(endpoint, "absent (404) meanwhile", absence.since, absence.until)]


# ---------------------------------------------------------------------------------------------
# The readers, one per stream: each asks through the restaurant's Asking and returns its debts
# ---------------------------------------------------------------------------------------------


class OrdersReader:
    """ordersBulk, by modified time, in slices that each hold less than a page."""

    def __init__(self, asking: Asking) -> None:
        self.asking = asking
        self._span = SliceSpan()  # slice length, learnt across the restaurant's windows

    def read(self, endpoint: Endpoint, window: Window) -> list[Debt]:
        """Every order modified in the window; what could not be read, as debts."""
        owe = self.asking.owe_range(endpoint, window.start, window.end)
        read = functools.partial(self._window, endpoint, window)
        return self.asking.attempt(endpoint, read, owe, (window.start, window.end))

    def _window(self, endpoint: Endpoint, window: Window) -> None:
        """Every order modified in the window, read in slices that each hold less than a page.

        A slice's answer is complete by itself: one request, so no offset can shift under it;
        every order whose modifiedDate lay in the slice when Toast answered is in it. An order
        edited later takes a modifiedDate of about Toast's now, after every slice of this sync
        (they end at the sync's now), so it leaves no gap: its older version is served or it is
        not yet in the range, and the next sync reads its new version (it starts
        _RESUME_OVERLAP_MINUTES before the cursor, which covers Toast's clock running behind
        ours). Only a range under the floor that still holds a full page is paged by offset
        (_offset_paged). Raises OwedFrom with the start of the slice that could not be read.
        """
        done = window.start
        try:
            for start, end, orders in self._slices(endpoint, window.start, window.end, True):
                if orders is None:
                    self._offset_paged(endpoint, start, end)
                else:
                    for order in orders:
                        _put_parent(self.asking, ORDERS, "orders", order)
                done = end
        except (ToastSkip, PagingDrift) as error:
            raise OwedFrom(done, error) from None

    def _slices(
        self, endpoint: Endpoint, start: datetime, end: datetime, learn: bool
    ) -> Iterator[tuple[datetime, datetime, list[dict] | None]]:
        """[start, end) as consecutive slices (start, end, orders), each asked once; orders is
        None for a range under the floor whose first page was full. `learn`: the restaurant's
        slice length carries over to its next windows (else a fresh one, for the check)."""
        span = self._span if learn else SliceSpan()
        guid = self.asking.restaurant.guid
        while start < end:
            slice_end = span.end(start, end)
            params = {"startDate": format_timestamp(start), "endDate": format_timestamp(slice_end)}
            answer = get_orders_page(self.asking.client, endpoint, guid, params)
            if answer.more or len(answer.records) >= _ORDERS_PAGE_SIZE:
                if span.split(start, slice_end):
                    continue
                yield start, slice_end, None
            else:
                span.answered(start, slice_end, len(answer.records))
                yield start, slice_end, answer.records
            start = slice_end

    def _offset_paged(self, endpoint: Endpoint, start: datetime, end: datetime) -> None:
        """A range under the floor that holds a full page: paged by offset, then checked
        (_PAGING_CLOCK_MARGIN_MINUTES); pages from the first that may have lost an order are
        read again. Raises PagingDrift (the range is owed) when that does not settle."""
        params = {"startDate": format_timestamp(start), "endDate": format_timestamp(end)}
        guid = self.asking.restaurant.guid
        began = NOW()
        served: dict[str, tuple[int, str]] = {}  # guid -> (page, modifiedDate) last served
        first_page = 1
        for _ in range(_MAX_PAGING_PASSES):
            pages = iter_numbered_pages(self.asking.client, endpoint, guid, params, first_page)
            for number, page in pages:
                for order in page:
                    served[str(order.get("guid"))] = (number, str(order.get("modifiedDate")))
                    _put_parent(self.asking, ORDERS, "orders", order)
            changed = self._modified_since(endpoint, began)
            moved = {
                order: modified
                for order, modified in changed.items()
                if order in served and served[order][1] != modified
            }
            if not moved:
                return
            first_page = min(served[order][0] for order in moved)
            served.update({order: (served[order][0], when) for order, when in moved.items()})
            log.info(
                f"{endpoint.path} for restaurant {guid}: {len(moved)} order(s) changed while a "
                f"range was paged; reading again from page {first_page}"
            )
        raise PagingDrift(
            f"{endpoint.path} for restaurant {guid}: orders kept changing while a range was "
            f"paged ({_MAX_PAGING_PASSES} passes)"
        )

    def _modified_since(self, endpoint: Endpoint, began: datetime) -> dict[str, str]:
        """Guid -> modifiedDate of the orders modified since `began` (from the clock margin
        before it, to now: a range Toast has no reason to refuse), read in slices. A refusal
        raises (the paged range is not known to be complete); so does a range under the floor
        that holds a full page (PagingDrift)."""
        start = began - timedelta(minutes=_PAGING_CLOCK_MARGIN_MINUTES)
        changed: dict[str, str] = {}
        for _, _, orders in self._slices(endpoint, start, max(NOW(), began), False):
            if orders is None:
                raise PagingDrift(
                    f"{endpoint.path} for restaurant {self.asking.restaurant.guid}: too many "
                    f"orders changed while a range was paged to tell which"
                )
            changed.update({str(o.get("guid")): str(o.get("modifiedDate")) for o in orders})
        return changed


def _put_parent(asking: Asking, table: Table, kind: str, record: Mapping[str, Any]) -> None:
    """One order or time entry with all its children, as one batch."""
    guid = asking.restaurant.guid
    rows = list(explode(table, record, {"restaurantId": guid}))
    parent = (kind, str(record.get("guid")), str(record.get("modifiedDate") or ""))
    asking.put(Batch(guid, rows, parent=parent))


class LaborReader:
    """Time entries (by modified time) and shifts (by inDate: the schedule). Shifts have no
    modified filter and no deleted flag, so the shifts read are remembered (`schedule`) and one
    that vanished from a range read in full is looked up by id (settle_schedule)."""

    def __init__(self, asking: Asking, history_start: datetime, horizon: timedelta) -> None:
        self.asking = asking
        self.history_start = history_start  # initialSyncStart: nothing that ended before it
        self.horizon = horizon  # shifts are read this far ahead of now
        self._shifts_seen: dict[str, datetime] = {}  # guid -> inDate, every shift read
        self._shift_ranges: list[tuple[datetime, datetime]] = []  # ranges read in full

    def read(self, endpoint: Endpoint, window: Window) -> list[Debt]:
        """The window's time entries or shifts; what was refused, as debts."""
        fetch = self._time_entries if endpoint.walk == "time_entries" else self._shifts
        owe = self.asking.owe_range(endpoint, window.start, window.end)
        part = (window.start, window.end)
        return self.asking.attempt(endpoint, lambda: fetch(endpoint, window), owe, part)

    def _time_entries(self, endpoint: Endpoint, window: Window) -> None:
        params = {
            "modifiedStartDate": format_timestamp(window.start),
            "modifiedEndDate": format_timestamp(window.end),
            "includeMissedBreaks": "true",
        }
        for entry in self.asking.get(endpoint.path, params) or []:
            _put_parent(self.asking, TIME_ENTRY, "timeEntries", entry)

    def _shifts(self, endpoint: Endpoint, window: Window) -> None:
        """Shifts by inDate, in ranges that overlap by the longest shift expected; the window
        that ends now reads on to the schedule's horizon (shifts are the schedule)."""
        end = window.end + self.horizon if window.end >= self.asking.now else window.end
        ranges = overlapping_ranges(
            window.start,
            end,
            timedelta(hours=_SHIFT_EDGE_OVERLAP_HOURS),
            timedelta(days=_WINDOW_DAYS),
        )
        for range_start, range_end in ranges:
            params = {
                "startDate": format_timestamp(range_start),
                "endDate": format_timestamp(range_end),
            }
            self._put_shifts(
                [
                    shift
                    for shift in self.asking.get(endpoint.path, params) or []
                    if not shift.get("outDate")
                    or parse_timestamp(shift["outDate"]) >= self.history_start
                ]  # the overlap reaches a week before initialSyncStart: not a shift ended there
            )
            self._shift_ranges.append((range_start, range_end))

    def _put_shifts(self, shifts: list[dict]) -> None:
        for shift in shifts:
            if shift.get("guid") and shift.get("inDate"):
                self._shifts_seen[str(shift["guid"])] = parse_timestamp(shift["inDate"])
        guid = self.asking.restaurant.guid
        self.asking.put(Batch(guid, _rows_of(SHIFT, shifts, guid)))

    def settle_schedule(self, known: Mapping[str, datetime]) -> list[Debt]:
        """Delete the shifts that vanished from the schedule; hand over the new `schedule`;
        return the lookups Toast refused, as a debt.

        `known`: the shifts (guid -> inDate) the last sync read. One this sync did not read
        although its inDate lies in a range read in full (`_shift_ranges`) has left that range:
        rescheduled outside it, made longer than the ranges' overlap, or removed. Toast is
        asked for those by id (`shiftIds`): what it returns is upserted, the rest is deleted.
        A refused lookup deletes nothing: its shifts are owed by id (a Debt with `ids`), so they
        are asked again at the next syncs and given up with an ERROR like other refused work.
        Shifts whose inDate is older than what the next sync re-reads are forgotten.
        """
        missing = [
            guid
            for guid, in_date in known.items()
            if guid not in self._shifts_seen
            and any(start <= in_date < end for start, end in self._shift_ranges)
        ]
        deleted, debts = self.confirm_removed(missing, None) if missing else (set(), [])
        owed = {guid for debt in debts for guid in debt.ids}  # the debt holds them now
        self.keep_schedule(known, deleted, owed)
        return debts

    def keep_schedule(
        self,
        known: Mapping[str, datetime],
        deleted: Collection[str] = (),
        owed: Collection[str] = (),
    ) -> None:
        """Hand over the new `schedule` (the shifts the last sync read and those read now, but
        the `deleted` and `owed` ones and those older than the next sync re-reads) with the
        deletes of `deleted`. A restaurant that fails after reading shifts keeps its schedule
        this way too (no deletes): their rows are emitted, so the next sync must know them to
        find one that vanished meanwhile."""
        keep_from = self.asking.now - timedelta(
            days=_SHIFT_REREAD_DAYS, hours=_SHIFT_EDGE_OVERLAP_HOURS
        )
        schedule = {
            guid: in_date
            for guid, in_date in {**known, **self._shifts_seen}.items()
            if in_date >= keep_from and guid not in deleted and guid not in owed
        }
        keys = [(SHIFT.name, (guid,)) for guid in sorted(deleted)]
        packed = pack_schedule(schedule)
        self.asking.put(StateUpdate(self.asking.restaurant.guid, schedule=packed, deleted=keys))

    def confirm_removed(self, guids: list[str], owed: Debt | None) -> tuple[set[str], list[Debt]]:
        """Of `guids`, those Toast no longer returns by id (_SHIFT_IDS_PER_REQUEST at a time),
        and, if Toast refuses the lookup, the shifts owed by id (`owed`: a debt asked again)."""
        removed: set[str] = set()

        def look_up() -> None:
            removed.update(guids)
            for first in range(0, len(guids), _SHIFT_IDS_PER_REQUEST):
                chunk = guids[first : first + _SHIFT_IDS_PER_REQUEST]
                found = self.asking.get(_SHIFTS.path, {"shiftIds": chunk}) or []
                self._put_shifts(found)
                removed.difference_update(str(shift.get("guid")) for shift in found)

        def owe(error: str, _: datetime | None) -> list[Debt]:
            removed.clear()  # nothing is deleted on a refused lookup
            ids = tuple(sorted(guids))
            if owed is not None:
                return [replace(owed.failed_again(error, None, None), ids=ids)]
            return [replace(self.asking.owe(_SHIFTS, error), ids=ids)]

        debts = self.asking.attempt(_SHIFTS, look_up, owe, None)
        return removed, debts


class CashReader:
    """Cash entries and deposits: one request per business date, on the side pool."""

    def __init__(self, asking: Asking) -> None:
        self.asking = asking
        self._dates_done: set[tuple[str, str]] = set()
        self._lock = threading.Lock()

    def days(self, endpoint: Endpoint, window: Window, resuming: bool) -> list[str]:
        """The window's business days not fetched yet in this sync (a day across a window edge
        is fetched once). The first part of a resumed cash stream, which starts where the last
        sync read it up to, also covers the days that had closed less than _CASH_SETTLE_HOURS
        before."""
        start = window.start
        if resuming and window.first:
            start -= timedelta(hours=_CASH_SETTLE_HOURS)
        tz, closeout = self.asking.restaurant.time_zone, self.asking.restaurant.closeout_hour
        with self._lock:
            days = [
                day
                for day in business_dates(Window(start, window.end), tz, closeout, 0)
                if (endpoint.path, day) not in self._dates_done
            ]
            self._dates_done.update((endpoint.path, day) for day in days)
        return days

    def read_day(self, endpoint: Endpoint, day: str) -> list[Debt]:
        """One business day of cash entries or deposits. Runs on the side pool. A refused day
        is owed as the time range of that business day alone."""
        restaurant = self.asking.restaurant
        start, end = business_day_range(day, restaurant.time_zone, restaurant.closeout_hour)

        def read() -> None:
            records = self.asking.get(endpoint.path, {"businessDate": day}) or []
            extra = {"businessDate": int(day)}
            rows = _rows_of(endpoint.table, records, restaurant.guid, extra)
            self.asking.put(Batch(restaurant.guid, rows))

        owe = self.asking.owe_range(endpoint, start, end)
        return self.asking.attempt(endpoint, read, owe, (start, end))


class ConfigReader:
    """Configuration (changes since `configSince`, and full listings that find removals), tip
    withholding, jobs and employees (listed whole)."""

    def __init__(self, asking: Asking) -> None:
        self.asking = asking

    def read(self, endpoint: Endpoint, read: ConfigRead, owed: Debt | None) -> list[Debt]:
        """One endpoint of the once-per-sync part. Runs on the side pool. A refused full
        listing is owed whole (since None); refused changes, since when they were asked."""
        since = owed.since if owed is not None else read.since
        if read.full and read.since is None:  # a first sync lists whole
            since = None
        full = read.full or since is None  # or a full listing is owed

        def work() -> None:
            if endpoint.walk == "config":
                self._config(endpoint, since, full)
            else:
                self._whole(endpoint)

        def owe(error: str, _: datetime | None) -> list[Debt]:
            owed_since = None if full else since
            if owed is not None:
                return [replace(owed.failed_again(error, None, None), since=owed_since)]
            return [self.asking.owe(endpoint, error, since=owed_since)]

        return self.asking.attempt(endpoint, work, owe, None)

    def _whole(self, endpoint: Endpoint) -> None:
        """A list (jobs, employees) or one object (tip withholding), read whole: what is not in
        it any more is deleted."""
        guid = self.asking.restaurant.guid
        body = self.asking.get(endpoint.path) or []
        records = [body] if endpoint.walk == "object" and body else body
        rows = _rows_of(endpoint.table, records, guid)
        self.asking.put(Batch(guid, rows, listing=(endpoint.table.name, _keys_of(rows))))

    def _config(self, endpoint: Endpoint, since: datetime | None, full: bool) -> None:
        """What changed since `since` (lastModified), then, if `full`, a full listing to find
        new and removed objects (no deleted flag, toast_api.md §6.4); without `since`, the full
        listing alone (a first sync). Changes first: an object created between the two requests
        is then in the full listing, instead of being upserted by the first and deleted as
        missing from the second."""
        name, guid = endpoint.table.name, self.asking.restaurant.guid
        if since is None:
            listed = self._listing(endpoint, {})
            self.asking.put(Batch(guid, listed, listing=(name, _keys_of(listed))))
            return
        changed = self._listing(endpoint, {"lastModified": format_timestamp(since)})
        listed = self._listing(endpoint, {}) if full else None
        self.asking.put(Batch(guid, changed, listed=name))
        if listed is not None:
            keys = _keys_of(listed)
            self.asking.put(Batch(guid, listed, listing=(name, keys), new_only=True))

    def _listing(self, endpoint: Endpoint, params: Mapping[str, Any]) -> list[Row]:
        """All pages of a config listing; a 409 restarts it from the first page (bounded)."""
        guid = self.asking.restaurant.guid
        for restart in range(_MAX_CONFLICT_RESTARTS + 1):
            try:
                pages = iter_token_pages(self.asking.client, endpoint.path, guid, params)
                return [row for page in pages for row in _rows_of(endpoint.table, page, guid)]
            except ToastConflict:
                log.warning(
                    f"{endpoint.path} for restaurant {guid} changed while paging (409); "
                    f"listing again from the first page ({restart + 1})"
                )
        raise ToastHalt(
            f"{endpoint.path} for restaurant {guid}: 409 on {_MAX_CONFLICT_RESTARTS + 1} "
            f"listings in a row"
        )


class MenusReader:
    """The published menu, when its metadata's `lastUpdated` moved since the menus emitted
    last (`menusLastUpdated`)."""

    def __init__(self, asking: Asking, menus_updated: str | None) -> None:
        self.asking = asking
        self.menus_updated = menus_updated

    def read(self, endpoint: Endpoint, owed: Debt | None) -> list[Debt]:
        """The menu if it changed; a refusal owes it (asked again at the next syncs)."""

        def owe(error: str, _: datetime | None) -> list[Debt]:
            if owed is not None:
                return [owed.failed_again(error, None, None)]
            return [self.asking.owe(endpoint, error)]

        return self.asking.attempt(endpoint, lambda: self._menus(endpoint), owe, None)

    def _menus(self, endpoint: Endpoint) -> None:
        """Every table of the document listed whole (objects gone from it are deleted), then
        the new `lastUpdated` handed over for state behind them."""
        guid = self.asking.restaurant.guid
        metadata = self.asking.get(_MENUS_METADATA_PATH) or {}
        updated = metadata.get("lastUpdated")
        if updated is not None and updated == self.menus_updated:
            return
        document = self.asking.get(endpoint.path, extra_limit=_MENUS_LIMIT) or {}
        rows = explode_published_menus(document, guid)
        for table in {t.name: t for t in iter_tables(endpoint.table)}.values():
            listed = [(t, row) for t, row in rows if t is table]
            self.asking.put(Batch(guid, listed, listing=(table.name, _keys_of(listed))))
        self.asking.put(StateUpdate(guid, menus_updated=updated))


class RestaurantSync:
    """One restaurant's sync, in parts, each handed to the emitter as batches followed by a
    PartDone: the debts of earlier syncs asked again, the once-per-sync part, each stream's part
    of each window, and the schedule settled. Runs in the restaurant's worker; the readers (one
    per stream) ask through one Asking.
    """

    def __init__(
        self,
        client: ToastClient,
        restaurant: Restaurant,
        put: Callable[[Any], None],
        side_pool: Executor,
        now: datetime,
        history_start: datetime,
        *,
        horizon: timedelta = timedelta(days=_DEFAULT_SCHEDULE_HORIZON_DAYS),
        menus_updated: str | None = None,
        absent: Mapping[str, Absence] | None = None,
    ) -> None:
        self.asking = Asking(client, restaurant, put, now, absent)
        self.side_pool = side_pool
        self.orders = OrdersReader(self.asking)
        self.labor = LaborReader(self.asking, history_start, horizon)
        self.cash = CashReader(self.asking)
        self.config = ConfigReader(self.asking)
        self.menus = MenusReader(self.asking, menus_updated)

    def retry_debts(
        self, debts: Iterable[Debt], shifts_from: datetime | None, given_up: Iterable[Debt] = ()
    ) -> None:
        """Ask again for the windowed work and the shift lookups earlier syncs were refused,
        and re-read shifts from `shifts_from` to the cursor (Toast has no modified filter for
        them); hand over what is still owed, in place of the debts asked and those `given_up`."""
        owed: list[Debt] = []
        asked = [debt for debt in debts if debt.ids or debt.start is not None]
        for debt in asked:
            if debt.ids:
                removed, still = self.labor.confirm_removed(list(debt.ids), debt)
                self._delete_shifts(removed)
                owed.extend(still)
                continue
            endpoint = _ENDPOINTS_BY_PATH[debt.endpoint]
            for window in plan_windows(debt.start, debt.end):
                for part in self.fetch(window, (endpoint,)):
                    owed.extend(debt.owed_after_retry(part))
        if shifts_from is not None:
            reread = Window(shifts_from - timedelta(days=_SHIFT_REREAD_DAYS), shifts_from)
            owed.extend(self.fetch(reread, (_SHIFTS,)))
        still = self.asking.still_owed(merge_debts(owed))
        self._done(None, still, settled=(*asked, *given_up), part="debts")

    def once_per_sync(self, read: ConfigRead, owed: Mapping[str, Debt]) -> None:
        """Jobs, employees (listed whole, so vanished objects are deleted) and the menus'
        metadata; configuration and tip withholding as `read` says (plan_config_read), and
        every configuration endpoint that still owes work from an earlier sync.

        The endpoints are independent requests: they run on the side pool, a few at a time
        (one endpoint's pages stay in order); this part is done when all of them are. What was
        read is then handed over for state (`configSince`, `configListed`).
        """
        pending = [
            self.side_pool.submit(self._read_once, endpoint, read, owed.get(endpoint.path))
            for endpoint in ONCE_PER_SYNC
            if endpoint.walk in ("list", "menus") or read.asked or endpoint.path in owed
        ]
        debts: list[Debt] = []
        try:
            for future in pending:
                debts.extend(future.result())
        finally:
            for future in pending:
                future.cancel()
        moment = format_timestamp(self.asking.now)
        if read.asked:
            listed = moment if read.full else None
            self.asking.put(StateUpdate(self.guid, config_since=moment, config_listed=listed))
        still, settled = self.asking.still_owed(debts), tuple(owed.values())  # all were asked
        self._done(None, still, settled=settled, part="config")

    def _read_once(self, endpoint: Endpoint, read: ConfigRead, owed: Debt | None) -> list[Debt]:
        if endpoint.walk == "menus":
            return self.menus.read(endpoint, owed)
        return self.config.read(endpoint, read, owed)

    def window(
        self,
        window: Window,
        starts: Mapping[str, datetime],
        resumed: Collection[str],
        number: int = 0,
        of: int = 0,
    ) -> None:
        """Read each stream's part of one window (`number` of `of`) from the stream's own start
        (`starts`; `resumed`: the streams that have a cursor), and hand each part over as its
        stream finishes it, so its cursor moves past it (PartDone)."""
        parts = {
            stream: (part, WINDOW_STREAMS[stream])
            for stream, start in starts.items()
            if (part := stream_part(window, start)) is not None
        }
        last = list(parts)[-1] if parts else None
        for stream, debts in self._read_streams(parts, resumed):
            place = {"number": number, "of": of} if stream == last else {}
            self._done(parts[stream][0], debts, stream=stream, **place)

    def fetch(self, window: Window, endpoints: Iterable[Endpoint]) -> list[Debt]:
        """Fetch `endpoints` for one window; return what Toast refused, as debts."""
        endpoints = tuple(endpoints)
        parts = {
            stream: (window, tuple(e for e in endpoints if e.stream == stream))
            for stream in dict.fromkeys(endpoint.stream for endpoint in endpoints)
        }
        return merge_debts(debt for _, debts in self._read_streams(parts, ()) for debt in debts)

    def _read_streams(
        self, parts: Mapping[str, tuple[Window, tuple[Endpoint, ...]]], resumed: Collection[str]
    ) -> Iterator[tuple[str, list[Debt]]]:
        """Read each stream's window and endpoints in `parts`; yield each stream's debts as it
        finishes: orders and labor on this thread, then cash, whose business days are
        independent requests run on the side pool meanwhile."""
        pending = [
            self.side_pool.submit(self.cash.read_day, endpoint, day)
            for stream, (window, endpoints) in parts.items()
            for endpoint in endpoints
            if endpoint.walk == "cash"
            for day in self.cash.days(endpoint, window, stream in resumed)
        ]
        window = None
        try:
            for stream, (window, endpoints) in parts.items():
                if stream == "cash":
                    debts = [debt for future in pending for debt in future.result()]
                else:
                    reader = self.orders if stream == "orders" else self.labor
                    debts = [debt for e in endpoints for debt in reader.read(e, window)]
                yield stream, merge_debts(debts)
        except ToastHalt as error:  # of its kind: a refused login still fails every restaurant
            raise type(error)(
                f"{error} (window {format_timestamp(window.start)} to "
                f"{format_timestamp(window.end)})"
            ) from None
        finally:
            for future in pending:
                future.cancel()

    def finish(self, schedule: Mapping[str, datetime]) -> None:
        """The last part: the schedule settled (LaborReader.settle_schedule)."""
        debts = self.labor.settle_schedule(schedule)
        self._done(None, debts, part="schedule")

    @property
    def guid(self) -> str:
        return self.asking.restaurant.guid

    def _done(self, window: Window | None, debts: list[Debt], **part: Any) -> None:
        """Hand a part over, with the endpoints absent so far (PartDone): a stream's part of a
        window, only its own stream's, as the other streams of the window may still be reading
        (an endpoint that answers again leaves the absences at once; the range it owes for them
        is a debt of its own stream's part)."""
        stream = part.get("stream")
        covers = None if stream is None else tuple(e.path for e in WINDOW_STREAMS[stream])
        absent = self.asking.absences(covers)
        self.asking.put(PartDone(self.guid, window, debts, absent=absent, covers=covers, **part))

    def _delete_shifts(self, removed: set[str]) -> None:
        keys = [(SHIFT.name, (guid,)) for guid in sorted(removed)]
        if keys:
            self.asking.put(StateUpdate(self.guid, deleted=keys))


# ---------------------------------------------------------------------------------------------
# Emitting (one thread): rows, deletes, the delete ledger, checkpoints
# ---------------------------------------------------------------------------------------------


def _key_line(key: Key) -> str:
    return "\x1f".join((key[0], *key[1]))


def _key_of_line(line: str) -> Key:
    table, *values = line.split("\x1f")
    return table, tuple(values)


# A key value as the ledger packs it: a tag byte, then a lower-case UUID (Toast's guids and the
# synthetic keys) as its 16 bytes, other text as its length (4 bytes) and UTF-8, or, in state
# only, a reference to the same value earlier in the parent's record (a check-payment link
# repeats its check's and payment's guids).
_UUID_VALUE, _TEXT_VALUE, _EARLIER_VALUE = 0, 1, 2
_UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_MAX_CODES = 256  # table, kind and earlier-value references are one byte
_BYTE = tuple(bytes((n,)) for n in range(_MAX_CODES))
# A parent's record in state: its modifiedDate (epoch seconds), live (1) or deleted (0), its
# kind's code and how many child keys follow its guid; each key is a table code and its values.
_RECORD_HEAD = struct.Struct(">IBBI")
_HEADER_LENGTH = struct.Struct(">I")
# A ledger packed in format 2 (state version 2) starts with this; format 1 was bare base64.
_LEDGER_FORMAT_2 = "2:"
# zlib level 0: stored, not compressed (any zlib reader reads it, and its checksum still finds
# a damaged ledger). A record is mostly random 16-byte GUIDs, which compress by about 6 %
# (Huffman coding only: one busy location's ledger 81 KB, stored 86 KB), while compressing was
# half of a checkpoint's own cost at 100 busy locations (tests/bench/RESULTS.md).
_LEDGER_ZLIB_LEVEL = 0
# What reading a ledger from state can raise when the state is damaged or from another format.
_UNREADABLE = (
    ValueError,
    KeyError,
    IndexError,
    TypeError,
    AttributeError,
    struct.error,
    zlib.error,
)


def _pack_value(value: str) -> bytes:
    if _UUID_TEXT.fullmatch(value):
        return _BYTE[_UUID_VALUE] + bytes.fromhex(value.replace("-", ""))
    text = value.encode()
    return _BYTE[_TEXT_VALUE] + len(text).to_bytes(4, "big") + text


def _value_end(data: bytes, at: int) -> int:
    """Where the packed value (not a reference) that starts at `at` ends."""
    if data[at] == _UUID_VALUE:
        end = at + 17
    elif data[at] == _TEXT_VALUE:
        end = at + 5 + int.from_bytes(data[at + 1 : at + 5], "big")
    else:
        raise ValueError(f"unknown value tag {data[at]} at byte {at}")
    if end > len(data):
        raise ValueError("a value runs past the end of the ledger")
    return end


def _values_of(key: bytes) -> Iterator[bytes]:
    """The packed values of a packed key (after its table code)."""
    at = 1
    while at < len(key):
        end = _value_end(key, at)
        yield key[at:end]
        at = end


def _value_text(value: bytes) -> str:
    if value[0] == _UUID_VALUE:
        digits = value[1:].hex()
        return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"
    return value[5:].decode()


def _write_value(parts: list[bytes], earlier: dict[bytes, int], value: bytes) -> None:
    """Append a value to a record, as a reference if the record has it already."""
    position = earlier.get(value)
    if position is not None:
        parts.append(_BYTE[_EARLIER_VALUE] + _BYTE[position])
        return
    if len(earlier) < _MAX_CODES:  # the first values written are the ones referred to
        earlier[value] = len(earlier)
    parts.append(value)


def _read_value(data: bytes, at: int, earlier: list[bytes]) -> tuple[bytes, int]:
    """The value at `at` of a record (a reference resolved) and where the next one starts."""
    if data[at] == _EARLIER_VALUE:
        return earlier[data[at + 1]], at + 2
    end = _value_end(data, at)
    value = data[at:end]
    earlier.append(value)
    return value, end


class _Parent:
    """What the ledger keeps of an order or time entry: its modifiedDate (epoch seconds), whether
    it was live (not deleted), the child keys it owns (packed), and its record for state."""

    __slots__ = ("keys", "live", "modified", "record")

    def __init__(self, modified: int, live: bool, keys: tuple[bytes, ...]) -> None:
        self.modified = modified
        self.live = live
        self.keys = keys
        self.record: bytes | None = None


def _same_parent(before: _Parent, now: _Parent) -> bool:
    """Whether a parent seen again is as the ledger has it (its keys in any order)."""
    return (
        before.modified == now.modified
        and before.live == now.live
        and len(before.keys) == len(now.keys)
        and set(before.keys) == set(now.keys)
    )


class _RestaurantLedger:
    """One restaurant's ledger: full listings by table, parents by `kind/guid`, and the owner
    (a parent's name) of every child key a parent has."""

    __slots__ = ("listings", "owners", "parents")

    def __init__(self) -> None:
        self.listings: dict[str, set[str]] = {}
        self.parents: dict[str, _Parent] = {}
        self.owners: dict[bytes, str] = {}

    def forget(self, name: str) -> None:
        """Forget a parent and the keys it owns."""
        for key in self.parents.pop(name).keys:
            if self.owners.get(key) == name:
                del self.owners[key]


class Ledger:
    """The keys emitted last time, per restaurant, so that objects Toast stops returning (it
    sends no delete flag for them) can be deleted.

    Listings (configuration, jobs, employees): a table's full listing -> all its keys.
    Parents (orders, time entries): the child keys each owns. A key belongs to the parent that
    emitted it last, so a check moved to another order is that order's, and the old order coming
    back without it deletes nothing; a deleted parent does not take a key from a live one (a
    payment a live check links stays live). Parents modified more than the reach
    (`deleteLedgerDays`) before the sync's now are forgotten, and so are the keys of a parent
    Toast deleted (its rows are deleted with it). A restaurant's ledger is dropped only with the
    rest of its state (Emitter.begin).

    In state, per restaurant: "2:" and the base64 of a zlib-compressed document, a JSON header
    (table and kind codes, listings) followed by one binary record per parent, in which a UUID
    takes 16 bytes. A restaurant is packed again at a checkpoint only if it changed, and one not
    used since the last checkpoint leaves memory until it is used again.
    """

    def __init__(self, packed: Mapping[str, str]) -> None:
        self._packed = dict(packed)
        self._loaded: dict[str, _RestaurantLedger] = {}
        self._changed: set[str] = set()
        self._used: set[str] = set()
        self._now = 0  # the sync's now, epoch seconds (0: unknown, nothing is forgotten)
        self._horizon = 0  # parents modified before this are forgotten
        self._tables = [(table.name, len(table.primary_key)) for table in ALL_TABLES]
        self._table_codes = {table: code for code, table in enumerate(self._tables)}
        self._kinds: list[str] = []
        self._kind_codes: dict[str, int] = {}
        # What packing cost so far: ledgers packed, records encoded, bytes compressed.
        self.work: Counter[str] = Counter()

    def begin(self, now: datetime, reach_days: int, pruned: Iterable[str] = ()) -> None:
        """Start a sync at `now`: the reach ends at `now`; the ledgers of `pruned` restaurants
        are dropped."""
        self._now = int(now.timestamp())
        self._horizon = int((now - timedelta(days=reach_days)).timestamp())
        for restaurant, book in self._loaded.items():  # books read before: the new reach
            if self._forget_old(book):
                self._changed.add(restaurant)
        for restaurant in pruned:
            self._packed.pop(restaurant, None)
            self._loaded.pop(restaurant, None)
            self._changed.discard(restaurant)

    def restaurants(self) -> set[str]:
        """The restaurants that have a ledger."""
        return set(self._packed) | set(self._loaded)

    def replace(self, restaurant: str, name: str, keys: set[Key]) -> set[Key]:
        """Remember a full listing; return the keys listed before that are gone now."""
        listings = self._book(restaurant).listings
        before = listings.get(name)
        listings[name] = {_key_line(key) for key in keys}
        if listings[name] != before:  # the same listing again packs nothing again
            self._changed.add(restaurant)
        return {_key_of_line(line) for line in (before or set()) - listings[name]}

    def keys(self, restaurant: str, name: str) -> set[Key]:
        """The keys remembered of a listing."""
        return {_key_of_line(line) for line in self._book(restaurant).listings.get(name, ())}

    def add(self, restaurant: str, name: str, keys: set[Key]) -> None:
        """Remember `keys` in a listing too (an incremental listing adds, never removes)."""
        listing = self._book(restaurant).listings.setdefault(name, set())
        lines = set(map(_key_line, keys))
        if not lines <= listing:
            listing |= lines
            self._changed.add(restaurant)

    def remember(
        self, restaurant: str, parent: tuple[str, str, str], keys: Iterable[Key], live: bool
    ) -> tuple[set[Key], set[Key]]:
        """Remember the child keys a parent (kind, guid, modifiedDate) was emitted with.

        Returns the keys it owned and no longer has (no other parent took them: delete them),
        and those of `keys` it owns now: all of them, unless it is deleted (not `live`) and a
        live parent has the key.
        """
        book = self._book(restaurant)
        kind, guid, modified = parent
        name = f"{kind}/{guid}"
        packed = {self._pack_key(key): key for key in keys}
        before = book.parents.pop(name, None)
        owned = [key for key in packed if self._take(book, name, key, live)]
        vanished = [
            key
            for key in (before.keys if before else ())
            if key not in packed and book.owners.get(key) == name
        ]
        for key in vanished:
            del book.owners[key]
        now = _Parent(self._seconds(modified), live, tuple(owned))
        if before is not None and _same_parent(before, now):
            book.parents[name] = before  # seen again as it was: its packed record stands
        else:
            book.parents[name] = now
            self._changed.add(restaurant)
        if not live or now.modified < self._horizon:
            book.forget(name)
            self._changed.add(restaurant)
        elif book.parents[name].record is None:
            # encoded as it is emitted, not at the next checkpoint: a checkpoint then only
            # compresses the ledgers that changed, however many parents came since the last
            book.parents[name].record = self._record(name, book.parents[name])
        return {self._unpack_key(key) for key in vanished}, {packed[key] for key in owned}

    def to_state(self) -> dict[str, str]:
        """Packed ledgers for state: changed ones packed again, without parents modified
        before the reach."""
        for restaurant in self._changed:  # old parents are forgotten as they are read or seen
            self._packed[restaurant] = self._pack(self._loaded[restaurant])
        self._changed.clear()
        for restaurant in set(self._loaded) - self._used:
            del self._loaded[restaurant]
        self._used.clear()
        return dict(self._packed)

    def _take(self, book: _RestaurantLedger, name: str, key: bytes, live: bool) -> bool:
        """Make `name` the key's owner, unless `name` is deleted and the owner is live."""
        owner = book.owners.get(key)
        if owner is not None and owner != name:
            other = book.parents[owner]
            if other.live and not live:
                return False
            other.keys = tuple(k for k in other.keys if k != key)
            other.record = None
        book.owners[key] = name
        return True

    def _seconds(self, modified: str) -> int:
        """A modifiedDate as epoch seconds; the sync's now if there is none."""
        try:
            seconds = int(parse_timestamp(modified).timestamp())
        except ValueError:
            seconds = self._now
        return min(max(seconds, 0), 2**32 - 1)

    def _forget_old(self, book: _RestaurantLedger) -> bool:
        old = [name for name, parent in book.parents.items() if parent.modified < self._horizon]
        for name in old:
            book.forget(name)
        return bool(old)

    def _book(self, restaurant: str) -> _RestaurantLedger:
        self._used.add(restaurant)
        book = self._loaded.get(restaurant)
        if book is None:
            book = self._loaded[restaurant] = self._load(restaurant)
        return book

    def _load(self, restaurant: str) -> _RestaurantLedger:
        packed = self._packed.get(restaurant)
        if not packed:
            return _RestaurantLedger()
        try:
            if packed.startswith(_LEDGER_FORMAT_2):
                book = self._unpack(packed[len(_LEDGER_FORMAT_2) :])
            else:
                book = self._unpack_format_1(packed)
        except _UNREADABLE as error:
            log.warning(
                f"The delete ledger of restaurant {restaurant} in state cannot be read "
                f"({type(error).__name__}: {error}); it starts afresh. Children removed from "
                "orders and time entries synced before, and configuration objects removed "
                "before this sync, stay live."
            )
            self._changed.add(restaurant)
            return _RestaurantLedger()
        if self._forget_old(book):
            self._changed.add(restaurant)
        return book

    def _code(self, codes: dict[Any, int], names: list[Any], name: Any) -> int:
        code = codes.get(name)
        if code is None:
            if len(names) >= _MAX_CODES:
                raise ValueError(f"the ledger holds at most {_MAX_CODES} tables and kinds")
            code = codes[name] = len(names)
            names.append(name)
        return code

    def _pack_key(self, key: Key) -> bytes:
        table, values = key
        code = self._table_codes.get((table, len(values)))
        if code is None:
            code = self._code(self._table_codes, self._tables, (table, len(values)))
        if len(values) == 1:
            return _BYTE[code] + _pack_value(values[0])
        return _BYTE[code] + b"".join(map(_pack_value, values))

    def _unpack_key(self, key: bytes) -> Key:
        return self._tables[key[0]][0], tuple(_value_text(value) for value in _values_of(key))

    def _pack(self, book: _RestaurantLedger) -> str:
        records = []
        for name, parent in book.parents.items():
            if parent.record is None:
                parent.record = self._record(name, parent)
            records.append(parent.record)
        header = {  # after the records: they may add kinds
            "tables": self._tables,
            "kinds": self._kinds,
            "listings": {name: sorted(lines) for name, lines in sorted(book.listings.items())},
        }
        text = json.dumps(header, separators=(",", ":")).encode()
        document = b"".join([_HEADER_LENGTH.pack(len(text)), text, *records])
        self.work.update(ledgers=1, bytes=len(document))
        stored = zlib.compress(document, _LEDGER_ZLIB_LEVEL)
        return _LEDGER_FORMAT_2 + base64.b64encode(stored).decode()

    def _record(self, name: str, parent: _Parent) -> bytes:
        kind, guid = name.split("/", 1)
        kind_code = self._code(self._kind_codes, self._kinds, kind)
        self.work["records"] += 1
        parts = [_RECORD_HEAD.pack(parent.modified, parent.live, kind_code, len(parent.keys))]
        earlier: dict[bytes, int] = {}
        _write_value(parts, earlier, _pack_value(guid))
        for key in parent.keys:
            parts.append(key[:1])
            for value in _values_of(key):
                _write_value(parts, earlier, value)
        return b"".join(parts)

    def _unpack(self, packed: str) -> _RestaurantLedger:
        document = zlib.decompress(base64.b64decode(packed, validate=True))
        (length,) = _HEADER_LENGTH.unpack_from(document)
        at = _HEADER_LENGTH.size + length
        header = json.loads(document[_HEADER_LENGTH.size : at])
        tables = [self._code(self._table_codes, self._tables, tuple(t)) for t in header["tables"]]
        kinds = [self._code(self._kind_codes, self._kinds, kind) for kind in header["kinds"]]
        same_codes = tables == list(range(len(tables))) and kinds == list(range(len(kinds)))
        book = _RestaurantLedger()
        book.listings = {name: set(lines) for name, lines in header["listings"].items()}
        while at < len(document):
            name, parent, end = self._read_record(document, at, tables, kinds)
            if same_codes:  # the record as it is packed again
                parent.record = document[at:end]
            book.parents[name] = parent
            for key in parent.keys:
                book.owners.setdefault(key, name)
            at = end
        return book

    def _read_record(
        self, data: bytes, at: int, tables: list[int], kinds: list[int]
    ) -> tuple[str, _Parent, int]:
        modified, live, kind, count = _RECORD_HEAD.unpack_from(data, at)
        earlier: list[bytes] = []
        guid, at = _read_value(data, at + _RECORD_HEAD.size, earlier)
        keys = []
        for _ in range(count):
            code = tables[data[at]]
            parts, at = [_BYTE[code]], at + 1
            for _ in range(self._tables[code][1]):
                value, at = _read_value(data, at, earlier)
                parts.append(value)
            keys.append(b"".join(parts))
        name = f"{self._kinds[kinds[kind]]}/{_value_text(guid)}"
        return name, _Parent(modified, bool(live), tuple(keys)), at

    def _unpack_format_1(self, packed: str) -> _RestaurantLedger:
        """A ledger of state version 1: JSON {name: [modifiedDate, key lines]}, parents named
        `~kind/guid`. Its parents are taken as live; a key two of them had is the one's
        modified last."""
        entries = json.loads(zlib.decompress(base64.b64decode(packed, validate=True)))
        book = _RestaurantLedger()
        parents = []
        for name, (modified, lines) in entries.items():
            if name.startswith("~"):
                parents.append((self._seconds(modified), name[1:], lines))
            else:
                book.listings[name] = set(lines)
        for seconds, name, lines in sorted(parents):
            keys = [self._pack_key(_key_of_line(line)) for line in lines]
            owned = tuple(key for key in keys if self._take(book, name, key, live=True))
            book.parents[name] = _Parent(seconds, True, owned)
        return book


_TABLES_BY_NAME = {table.name: table for table in ALL_TABLES}


class Emitter:
    """The only place that calls op.*: upserts, deletes, ledger diffs, checkpoints."""

    def __init__(self, state: dict[str, Any], tokens: TokenCache) -> None:
        self.state = state
        self.tokens = tokens
        self.ledger = Ledger(state.get("ledger", {}))
        self.counts: dict[str, Counter[str]] = {}  # rows per table, per restaurant
        self.totals: Counter[str] = Counter()  # rows per table of the restaurants' finished parts
        self.windows_done = 0
        self._last_checkpoint = time.monotonic()
        self._rows_since_checkpoint = 0

    def begin(self, now: datetime, restaurants: Iterable[str], ledger_days: int) -> None:
        """Start a sync at `now` of the listed `restaurants`: each is marked listed; the state
        of a restaurant unlisted for _UNLISTED_PRUNE_DAYS (cursors, debts, ledger) is pruned."""
        listed = set(restaurants)
        synced = self.state.setdefault("restaurants", {})
        for guid in sorted(listed | self.ledger.restaurants() | set(synced)):
            restaurant_state = synced.setdefault(guid, {})
            if guid in listed or "lastListed" not in restaurant_state:  # its clock starts now
                restaurant_state["lastListed"] = format_timestamp(now)
        limit = now - timedelta(days=_UNLISTED_PRUNE_DAYS)
        pruned = sorted(
            guid
            for guid, restaurant_state in synced.items()
            if parse_timestamp(restaurant_state["lastListed"]) < limit
        )
        for guid in pruned:
            del synced[guid]
        self.ledger.begin(now, ledger_days, pruned)
        if pruned:
            log.info(
                f"Pruned the state (cursors, debts, delete ledger) of restaurants not listed for "
                f"{_UNLISTED_PRUNE_DAYS} days: {', '.join(pruned)}"
            )

    def emit(self, batch: Batch) -> None:
        """Upsert the rows, then delete what Toast deleted and objects that vanished."""
        counts = self.counts.setdefault(batch.restaurant, Counter())
        rows = batch.rows
        if batch.new_only and batch.listing is not None:
            known = self.ledger.keys(batch.restaurant, batch.listing[0])
            rows = [(t, r) for t, r in rows if (t.name, primary_key_of(t, r)) not in known]
        if batch.parent:
            rows, deletes = self._parent_rows(batch)
        else:
            deletes = self._other_deletes(batch, rows)
        self._rows_since_checkpoint += len(rows)
        for table, row in rows:
            # Never wrapped in try: a caught coercion error would silently drop the row.
            op.upsert(table=table.name, data=destination_row(row))
            counts[table.name] += 1
        for table_name, key in deletes:
            self._delete(batch.restaurant, _TABLES_BY_NAME[table_name], key)

    def _parent_rows(self, batch: Batch) -> tuple[list[Row], list[Key]]:
        """What to write and delete of an order or time entry.

        Toast deleted it: its rows, then all of them deleted (its children went with it), but
        not a row a live parent has (a check moved to another order): that one is neither
        written nor deleted, so it keeps the live parent's values. Else every row, then the rows
        Toast flags deleted (and the rows under them: `under_deleted`); then, either way, the
        children it had last time and lost, unless another parent took them."""
        keys = [(table.name, primary_key_of(table, row)) for table, row in batch.rows]
        deleted = batch.rows[0][1].get("deleted") is True
        vanished, owned = self.ledger.remember(
            batch.restaurant, batch.parent, keys[1:], live=not deleted
        )
        if deleted:
            mine = [key == keys[0] or key in owned for key in keys]
            rows = [row for row, its in zip(batch.rows, mine, strict=True) if its]
            doomed = [key for key, its in zip(keys, mine, strict=True) if its]
        else:
            rows, flagged = batch.rows, under_deleted(batch.rows)
            doomed = [key for key, deleted_row in zip(keys, flagged, strict=True) if deleted_row]
        return rows, [*dict.fromkeys(doomed), *sorted(vanished)]

    def _other_deletes(self, batch: Batch, rows: list[Row]) -> list[Key]:
        """Rows Toast flags deleted and those under them (`under_deleted`), then keys a full
        listing had last time and lost."""
        flagged = under_deleted(rows)
        doomed = [
            (t.name, primary_key_of(t, r))
            for (t, r), gone in zip(rows, flagged, strict=True)
            if gone
        ]
        if batch.listing is not None:
            name, keys = batch.listing
            doomed += sorted(self.ledger.replace(batch.restaurant, name, keys))
        elif batch.listed is not None:
            self.ledger.add(batch.restaurant, batch.listed, _keys_of(batch.rows))
        return doomed

    def delete_gone(self, restaurant: str, keys: Iterable[Key]) -> None:
        """Delete objects a worker found gone from Toast (shifts no longer scheduled)."""
        for table_name, key in keys:
            self._delete(restaurant, _TABLES_BY_NAME[table_name], key)

    def _delete(self, restaurant: str, table: Table, key: tuple[str, ...]) -> None:
        keys = dict(zip(table.primary_key, key, strict=True))
        op.delete(table=table.name, keys=destination_row(keys))
        self.counts.setdefault(restaurant, Counter())[f"{table.name} deleted"] += 1

    def take_counts(self, restaurant: str) -> Counter[str]:
        """The rows emitted for `restaurant` since the last call, added to the sync's totals."""
        counts = self.counts.pop(restaurant, Counter())
        self.totals.update(counts)
        return counts

    def restaurant_state(self, restaurant: str) -> dict[str, Any]:
        """The part of state that is one restaurant's: cursors and debts."""
        return self.state.setdefault("restaurants", {}).setdefault(restaurant, {})

    def checkpoint_if_due(self, window_finished: bool) -> None:
        """Checkpoint when a window finished and the last checkpoint is
        _CHECKPOINT_INTERVAL_SECONDS old, or when _CHECKPOINT_MAX_ROWS rows wait in memory."""
        old_enough = time.monotonic() - self._last_checkpoint >= _CHECKPOINT_INTERVAL_SECONDS
        if (window_finished and old_enough) or self._rows_since_checkpoint >= _CHECKPOINT_MAX_ROWS:
            self.checkpoint()

    def checkpoint(self) -> None:
        """Save state: cursors, the ledger, the encrypted token. Every row emitted so far is
        committed with it, and the cursors only name windows whose rows were all emitted."""
        self.state["version"] = _STATE_VERSION
        self.state["ledger"] = self.ledger.to_state()
        token = self.tokens.encrypted()
        if token:
            self.state["token"] = token
        op.checkpoint(state=self.state)
        self._last_checkpoint = time.monotonic()
        self._rows_since_checkpoint = 0


# ---------------------------------------------------------------------------------------------
# The sync
# ---------------------------------------------------------------------------------------------

Discovered = tuple[str, Mapping[str, Any] | None]  # restaurant guid, partners record


def discover_restaurants(client: ToastClient, settings: Settings) -> list[Discovered]:
    """The restaurants to sync: the configured GUIDs (and, with a management group, every
    restaurant of that group), or else every restaurant the partners API lists."""
    if settings.management_group_guid:
        path = f"/restaurants/v1/groups/{settings.management_group_guid}/restaurants"
        members = client.get(path, settings.restaurant_guids[0]).json() or []
        guids = (*settings.restaurant_guids, *(member["guid"].lower() for member in members))
        return [(guid, None) for guid in dict.fromkeys(guids)]
    if settings.restaurant_guids:
        return [(guid, None) for guid in settings.restaurant_guids]
    try:
        records = client.get("/partners/v1/restaurants", None).json() or []
    except ToastSkip as error:
        raise ToastHalt(
            "The partners API refused to list restaurants. Standard API access (management "
            "group) credentials cannot call it: set 'restaurantGuids' in the configuration. "
            f"({error})"
        ) from None
    by_guid = {record["restaurantGuid"].lower(): record for record in records}
    return list(by_guid.items())


def load_restaurant(
    client: ToastClient, guid: str, partner: Mapping[str, Any] | None
) -> tuple[Restaurant, dict[str, Any]]:
    """Fetch restaurant info; return what the sync needs and the `restaurant` row.

    Raises RestaurantRefused when Toast refuses it (a location not yet activated answers 403 to
    everything): nothing of the restaurant is synced, and its row keeps what it had, where a row
    of the partners record alone would wipe its name, time zone and closeout hour.
    """
    path = f"/restaurants/v1/restaurants/{guid}"
    try:
        info = client.get(path, guid, {"includeArchived": "true"}).json() or {}
    except ToastSkip as error:
        raise RestaurantRefused(f"Toast refused restaurant {guid}: {error}") from None
    general = info.get("general") or {}
    try:
        time_zone = ZoneInfo(general.get("timeZone") or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        log.warning(f"Restaurant {guid} has an unknown time zone; business days in UTC.")
        time_zone = ZoneInfo("UTC")
    restaurant = Restaurant(guid, time_zone, int(general.get("closeoutHour") or 0))
    return restaurant, build_restaurant_row(guid, partner, info)


@dataclass(frozen=True)
class SyncPlan:
    """What one restaurant's worker does this sync."""

    restaurant: Discovered
    cursors: Mapping[str, datetime]  # per stream (WINDOW_STREAMS): end of its last finished part
    config_since: datetime | None  # configuration changes last read (None: list it whole)
    debts: tuple[Debt, ...] = ()  # work earlier syncs were refused
    menus_updated: str | None = None  # the published menu's `lastUpdated` emitted last
    schedule: Mapping[str, datetime] = field(default_factory=dict)  # shifts read last: inDates
    config_listed: datetime | None = None  # configuration last listed in full
    given_up: tuple[Debt, ...] = ()  # debts of endpoints the connector no longer has
    absent: Mapping[str, Absence] = field(default_factory=dict)  # endpoints answering 404


def cursors_of(restaurant_state: Mapping[str, Any]) -> dict[str, str]:
    """A restaurant's cursors by stream. State written before each stream had its own kept one
    `cursor` for them all: it is each stream's."""
    if restaurant_state.get("cursor"):
        return dict.fromkeys(WINDOW_STREAMS, restaurant_state["cursor"])
    return dict(restaurant_state.get("cursors", {}))


def _debts_of(restaurant_state: Mapping[str, Any]) -> list[Debt]:
    return [Debt.from_state(debt) for debt in restaurant_state.get("debts", ())]


def _readable_debts(restaurant_state: Any) -> list[Debt]:
    """The debts of a restaurant's state entry, or none if it cannot be read (that restaurant
    failed this sync, saying why: UnreadableState)."""
    try:
        return _debts_of(restaurant_state)
    except (AttributeError, KeyError, TypeError, ValueError):
        return []


def _keep_debts(restaurant_state: dict[str, Any], debts: Iterable[Debt]) -> None:
    kept = [debt.to_state() for debt in merge_debts(debts)]
    if kept:
        restaurant_state["debts"] = kept
    else:
        restaurant_state.pop("debts", None)


class UnreadableState(ToastHalt):
    """A restaurant's entry in the state cannot be read: that restaurant fails, alone."""


def plan_restaurant(restaurant: Discovered, state: Mapping[str, Any]) -> SyncPlan:
    """Read one restaurant's cursors and debts from state (a new restaurant has none). Runs in
    the restaurant's worker, so an entry it cannot read fails that restaurant alone
    (UnreadableState). A debt of an endpoint the registry no longer has (renamed or removed)
    is given up with an ERROR: nothing can ask for it, and the next state leaves it out."""
    guid = restaurant[0]
    try:
        restaurant_state = state.get("restaurants", {}).get(guid, {})
        moments = {
            key: parse_timestamp(restaurant_state[key]) if restaurant_state.get(key) else None
            for key in ("configSince", "configListed")
        }
        cursors = cursors_of(restaurant_state)
        plan = SyncPlan(
            restaurant,
            {
                stream: parse_timestamp(cursors[stream])
                for stream in WINDOW_STREAMS
                if stream in cursors
            },
            moments["configSince"],
            tuple(_debts_of(restaurant_state)),
            restaurant_state.get("menusLastUpdated"),
            unpack_schedule(restaurant_state.get("schedule")),
            moments["configListed"],
            absent={
                path: Absence.from_state(absence)
                for path, absence in restaurant_state.get("absent", {}).items()
            },
        )
    except (AttributeError, KeyError, TypeError, ValueError) as error:
        raise UnreadableState(
            f"its entry in the state (restaurants.{guid}) cannot be read ({error!r}); remove "
            f"that entry from the state to sync the restaurant again from initialSyncStart"
        ) from None
    unknown = [debt for debt in plan.debts if debt.endpoint not in _ENDPOINTS_BY_PATH]
    for debt in unknown:
        log.error(
            f"Restaurant {guid}: giving up {debt.describe()}: the connector no longer has that "
            f"endpoint. That data may be missing; a re-sync of the restaurant fetches it."
        )
    known = tuple(debt for debt in plan.debts if debt not in unknown)
    return replace(plan, debts=known, given_up=tuple(unknown))


def sync_restaurant(
    client: ToastClient,
    settings: Settings,
    plan: SyncPlan,
    now: datetime,
    put: Callable[[Any], None],
) -> None:
    """Everything one restaurant needs this sync, in registry order. Runs in a worker."""
    guid, partner = plan.restaurant
    restaurant, row = load_restaurant(client, guid, partner)
    put(Batch(guid, [(RESTAURANT, row)]))
    if partner and partner.get("deleted"):
        log.info(f"Restaurant {guid} is deleted in Toast; its data is no longer synced.")
        return
    overlap = timedelta(minutes=_RESUME_OVERLAP_MINUTES)
    starts = {
        stream: plan.cursors[stream] - overlap
        if stream in plan.cursors
        else settings.initial_sync_start
        for stream in WINDOW_STREAMS
    }
    # Each restaurant has its own pool for side requests: a shared one would fill with one
    # restaurant's requests waiting on that location's rate limit while others sit idle.
    with ThreadPoolExecutor(
        _SIDE_REQUESTS_PER_RESTAURANT, thread_name_prefix="toast-side"
    ) as pool:
        horizon = timedelta(days=settings.schedule_horizon_days)
        worker = RestaurantSync(
            client,
            restaurant,
            put,
            pool,
            now,
            settings.initial_sync_start,
            horizon=horizon,
            menus_updated=plan.menus_updated,
            absent=plan.absent,
        )
        try:
            worker.retry_debts(plan.debts, plan.cursors.get("labor"), given_up=plan.given_up)
            owed = {d.endpoint: d for d in plan.debts if d.start is None and not d.ids}
            read = plan_config_read(
                plan.config_since,
                plan.config_listed,
                now,
                settings.config_changes_hours,
                settings.config_listing_hours,
            )
            worker.once_per_sync(read, owed)
            windows = plan_windows(min(starts.values()), now)
            for number, window in enumerate(windows, 1):
                worker.window(window, starts, plan.cursors.keys(), number, len(windows))
        except ToastError:
            # The shifts read before the failure are emitted: the schedule keeps them (deleting
            # none), so that one removed before the next sync is found gone then.
            worker.labor.keep_schedule(plan.schedule)
            raise
        worker.finish(plan.schedule)


@dataclass
class _Finished:
    """A restaurant's worker is done: synced, refused by Toast, or failed with `error`."""

    restaurant: str
    error: BaseException | None = None
    refused: str | None = None


def _fails_everything(error: BaseException) -> bool:
    """A login Toast refuses fails every restaurant alike, and so does an interruption; any
    other failure stays with its restaurant."""
    return isinstance(error, ToastAuthError) or not isinstance(error, Exception)


class _HandOff:
    """A FIFO from the fetching workers to the emitting thread, bounded by the rows it holds.

    A batch counts its rows (at least 1), any other item 1. A batch larger than the bound (a
    big configuration listing) waits until the hand-off is empty, and while it waits no other
    worker adds to it, so the other restaurants' small batches cannot starve it.
    """

    def __init__(self, max_rows: int = _HAND_OFF_ROWS) -> None:
        self.max_rows = max_rows
        self.cancelled = threading.Event()
        self._items: deque[tuple[Any, int]] = deque()
        self._rows = 0
        self._oversized_waiting = 0
        self._changed = threading.Condition()

    def put(self, item: Any) -> None:
        """Queue an item, waiting while the hand-off is full; raise SyncCancelled once the
        sync is failing."""
        size = max(1, len(item.rows)) if isinstance(item, Batch) else 1
        oversized = size > self.max_rows
        with self._changed:
            self._oversized_waiting += int(oversized)
            try:
                while (self._items and self._rows + size > self.max_rows) or (
                    self._oversized_waiting and not oversized
                ):
                    if self.cancelled.is_set():
                        raise SyncCancelled
                    self._changed.wait(0.2)
            finally:
                self._oversized_waiting -= int(oversized)
            if self.cancelled.is_set():
                raise SyncCancelled
            self._items.append((item, size))
            self._rows += size
            self._changed.notify_all()

    def get(self) -> Any:
        """The oldest item, waiting for one."""
        with self._changed:
            while not self._items:
                self._changed.wait()
            item, size = self._items.popleft()
            self._rows -= size
            self._changed.notify_all()
            return item


def run_sync(
    client: ToastClient, settings: Settings, emitter: Emitter, restaurants: list[Discovered]
) -> list[_Finished]:
    """Fetch restaurants concurrently; emit and checkpoint on this thread, in queue order.

    A restaurant that fails stops alone: the others finish and checkpoint. Returns how each
    restaurant ended.
    """
    now = NOW()
    emitter.begin(now, [guid for guid, _ in restaurants], settings.ledger_days)
    hand_off = _HandOff()

    def work(restaurant: Discovered) -> None:
        guid = restaurant[0]
        try:  # the emitting thread writes no restaurant's entry before its worker hands it over
            plan = plan_restaurant(restaurant, emitter.state)
            sync_restaurant(client, settings, plan, now, hand_off.put)
            outcome = _Finished(guid)
        except SyncCancelled:
            return
        except RestaurantRefused as refusal:
            outcome = _Finished(guid, refused=str(refusal))
        except BaseException as error:  # noqa: BLE001 - the emitting thread reports or raises it
            outcome = _Finished(guid, error=error)
        with contextlib.suppress(SyncCancelled):
            hand_off.put(outcome)

    workers = workers_for(settings, len(restaurants))
    with ThreadPoolExecutor(workers, thread_name_prefix="toast") as pool:
        for restaurant in restaurants:
            pool.submit(work, restaurant)
        try:
            return _consume(hand_off, len(restaurants), emitter)
        finally:
            hand_off.cancelled.set()


def _consume(hand_off: _HandOff, producers: int, emitter: Emitter) -> list[_Finished]:
    """Emit what the workers hand over until every restaurant is done; return how each ended
    (a failure of every restaurant alike is raised at once)."""
    finished: list[_Finished] = []
    progress = Progress(CLOCK)
    while len(finished) < producers:
        item = hand_off.get()
        if isinstance(item, _Finished):
            finished.append(item)
            _finish_restaurant(item, emitter)
            continue
        progress.saw(item.restaurant)
        if isinstance(item, Batch):
            emitter.emit(item)
            emitter.checkpoint_if_due(window_finished=False)
        elif isinstance(item, StateUpdate):
            _apply_state_update(item, emitter)
        else:
            _finish_part(item, emitter)
            progress.window_done(item)
    return finished


class Progress:
    """Per restaurant: windows done of its total and an estimate of the time left, said at most
    every _PROGRESS_INTERVAL_SECONDS (the last window is left to the sync's summary)."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._started: dict[str, float] = {}
        self._said: dict[str, float] = {}

    def saw(self, restaurant: str) -> None:
        """Something of `restaurant` arrived: its sync has begun."""
        self._started.setdefault(restaurant, self._clock())

    def window_done(self, done: PartDone) -> None:
        """Say how far `done`'s restaurant got, unless it said so less than a minute ago."""
        if done.window is None or not 0 < done.number < done.of:
            return
        now = self._clock()
        started = self._started.setdefault(done.restaurant, now)
        if now - self._said.get(done.restaurant, started) < _PROGRESS_INTERVAL_SECONDS:
            return
        self._said[done.restaurant] = now
        elapsed = now - started
        left = elapsed / done.number * (done.of - done.number)
        log.info(
            f"Restaurant {done.restaurant}: {done.number} of {done.of} windows done after "
            f"{elapsed / 60:.1f} min; about {left / 60:.1f} min left."
        )


def _apply_state_update(update: StateUpdate, emitter: Emitter) -> None:
    """Delete what the worker found gone, then keep its part of the restaurant's state."""
    emitter.delete_gone(update.restaurant, update.deleted)
    restaurant_state = emitter.restaurant_state(update.restaurant)
    for name, value in update.entries().items():
        if value:
            restaurant_state[name] = value
        else:
            restaurant_state.pop(name, None)


def _finish_restaurant(outcome: _Finished, emitter: Emitter) -> None:
    """Say how a restaurant's worker ended, once; raise a failure that fails every restaurant."""
    guid = outcome.restaurant
    if outcome.refused is not None:
        log.warning(
            f"{outcome.refused} Not synced this sync: its cursors stay where they were, so it is "
            f"synced from there once Toast grants access."
        )
    elif outcome.error is not None and _fails_everything(outcome.error):
        emitter.checkpoint()  # keep every window that did finish
        raise outcome.error
    elif outcome.error is not None:
        log.error(
            f"Restaurant {guid} failed: {outcome.error}. The other restaurants go on; it resumes "
            f"from its streams' last finished windows at the next sync."
        )


def _finish_part(done: PartDone, emitter: Emitter) -> None:
    """Keep the debts of a part whose rows were all emitted (the one way debts reach state:
    PartDone); past a stream's part of a window, advance that stream's cursor and checkpoint.

    The queue is FIFO and a worker queues a part's batches before its PartDone, so every row of
    the part has been emitted when this runs, and all of it that is not is a debt.
    """
    restaurant_state = emitter.restaurant_state(done.restaurant)
    counts = emitter.take_counts(done.restaurant)
    summary = ", ".join(f"{name} {count}" for name, count in sorted(counts.items())) or "no rows"
    kept = [debt for debt in _debts_of(restaurant_state) if debt not in done.settled]
    _keep_debts(restaurant_state, [*kept, *done.debts])
    if done.absent is not None:
        kept = restaurant_state.get("absent", {}) if done.covers is not None else {}
        absent = {p: a for p, a in kept.items() if p not in (done.covers or ())} | done.absent
        if absent:
            restaurant_state["absent"] = dict(sorted(absent.items()))
        else:
            restaurant_state.pop("absent", None)
    if done.window is None:
        log.debug(f"Restaurant {done.restaurant}: {done.part}: {summary}")
        return
    cursors = cursors_of(restaurant_state)
    cursors[done.stream] = format_timestamp(done.window.end)
    restaurant_state.pop("cursor", None)  # written before each stream had its own
    restaurant_state["cursors"] = cursors
    if done.number:  # the window's last part
        emitter.windows_done += 1
    log.debug(
        f"Restaurant {done.restaurant}: {done.stream} {format_timestamp(done.window.start)} to "
        f"{format_timestamp(done.window.end)}: {summary}"
    )
    emitter.checkpoint_if_due(window_finished=True)


def _summary(
    outcomes: list[_Finished], emitter: Emitter, client: ToastClient, seconds: float, asked: int
) -> str:
    """The INFO block that ends a sync: restaurants, windows, rows, debts, requests, time."""
    for restaurant in list(
        emitter.counts
    ):  # what failed restaurants emitted after their last part
        emitter.take_counts(restaurant)
    tables = sorted({name.removesuffix(" deleted") for name in emitter.totals})
    rows = ", ".join(
        f"{table} {emitter.totals[table]}/{emitter.totals[f'{table} deleted']}" for table in tables
    )
    entries = emitter.state.get("restaurants", {}).values()
    owed = sum(len(_readable_debts(entry)) for entry in entries)
    synced = sum(1 for o in outcomes if o.error is None and o.refused is None)
    return "\n".join(
        [
            f"Sync summary ({seconds:.0f} s): {synced} restaurant(s) synced, "
            f"{sum(1 for o in outcomes if o.error is not None)} failed, "
            f"{sum(1 for o in outcomes if o.refused is not None)} refused by Toast; "
            f"{emitter.windows_done} window(s) done.",
            f"Requests: {client.sent['all']}, {client.sent['429']} answered 429 (rate limited).",
            f"Work Toast had refused: {asked} debt(s) asked again, {owed} still owed.",
            f"Rows upserted/deleted per table: {rows or 'none'}.",
        ]
    )


def _report_debts(state: Mapping[str, Any]) -> None:
    """List the work Toast still refuses, per restaurant, at the end of a sync."""
    lines = [
        f"restaurant {guid}: {debt.describe()}"
        for guid, restaurant_state in sorted(state.get("restaurants", {}).items())
        for debt in _readable_debts(restaurant_state)
    ]
    if lines:
        log.warning(
            f"Work Toast refused, kept and asked again at the next syncs ({len(lines)}): "
            + "; ".join(lines)
        )


def update(configuration: dict, state: dict) -> None:
    """Sync every restaurant from its cursors (or initialSyncStart) to now, window by window."""
    settings = validate_configuration(configuration)
    tokens = TokenCache(settings.fernet, state.get("token"))
    client = ToastClient(settings, tokens, sleep=SLEEP, clock=CLOCK)
    emitter = Emitter(dict(state), tokens)
    began = time.monotonic()
    try:
        restaurants = discover_restaurants(client, settings)
        log.info(
            f"Syncing {len(restaurants)} restaurant(s) with "
            f"{workers_for(settings, len(restaurants))} worker(s)."
        )
        synced = emitter.state.get("restaurants", {})
        asked = sum(len(_readable_debts(synced.get(guid, {}))) for guid, _ in restaurants)
        outcomes = run_sync(client, settings, emitter, restaurants)
        emitter.checkpoint()
        _report_debts(emitter.state)
        log.info(_summary(outcomes, emitter, client, time.monotonic() - began, asked))
    finally:
        client.close()
    failed = [outcome for outcome in outcomes if outcome.error is not None]
    if failed:
        raise ToastHalt(
            f"{len(failed)} of {len(restaurants)} restaurant(s) failed; the others were synced "
            "and checkpointed, and the failed ones resume from their last finished windows: "
            + "; ".join(f"restaurant {outcome.restaurant}: {outcome.error}" for outcome in failed)
        ) from failed[0].error


# How the client waits (back-off, rate limits) and tells time for its rate limiter, and the
# sync's clock (the end of its last window). Tests replace them with virtual time, so retries and
# pacing run without real waiting and a test's result does not depend on the day it runs.
SLEEP: Callable[[float], None] = time.sleep
CLOCK: Callable[[], float] = time.monotonic
NOW: Callable[[], datetime] = _utc_now

# ---------------------------------------------------------------------------------------------
# Setup form: the fields Fivetran shows, and a connection test
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _FormField:
    """One text field of the setup form (userAccessType, with one value, is a dropdown)."""

    name: str
    label: str
    required: bool = False
    secret: bool = False
    placeholder: str | None = None
    description: str | None = None


_FORM_FIELDS = (
    _FormField("clientId", "Client ID", required=True, description="Toast API client ID."),
    _FormField("clientSecret", "Client secret", required=True, secret=True),
    _FormField(
        "domain",
        "API host",
        required=True,
        placeholder="ws-api.toasttab.com",
        description="The host Toast gave you (no path); https is assumed.",
    ),
    _FormField(
        "initialSyncStart",
        "Sync history from",
        required=True,
        placeholder="2024-01-01T00:00:00.000Z",
        description="ISO 8601 timestamp; the first sync starts here.",
    ),
    _FormField(
        "key",
        "Fernet key",
        required=True,
        secret=True,
        description="Encrypts the cached Toast token in the connector state; keep it unchanged "
        'between syncs. Make one with: python -c "from cryptography.fernet import Fernet; '
        'print(Fernet.generate_key().decode())"',
    ),
    _FormField(
        "restaurantGuids",
        "Restaurant GUIDs",
        description="Comma-separated. Required for Standard API access credentials, which "
        "cannot list restaurants; empty: every restaurant the partners API lists.",
    ),
    _FormField(
        "managementGroupGuid",
        "Management group GUID",
        description="Optional, with Standard API access: sync every restaurant of this "
        "group; 'restaurantGuids' must name one of them.",
    ),
    _FormField(
        "maxWorkers",
        "Parallel restaurants",
        placeholder=str(_DEFAULT_WORKERS),
        description=f"Optional: at most this many restaurants at once, 1 to {_MAX_WORKERS}; "
        "empty: one per restaurant, up to the maximum.",
    ),
    _FormField(
        "ordersBulkSpacingSeconds",
        "Seconds between order pages",
        placeholder="0",
        description="Optional: at least this long between two order requests of a restaurant "
        "(Toast asks 5 to 10 s for historical pulls in one version of its docs); 0: Toast's "
        "limit of 5 per second.",
    ),
    _FormField(
        "scheduleHorizonDays",
        "Days of shift schedule ahead",
        placeholder=str(_DEFAULT_SCHEDULE_HORIZON_DAYS),
        description="Optional, 0 to 90: scheduled shifts are synced this many days ahead of "
        "now, and shifts removed from that schedule are deleted.",
    ),
    _FormField(
        "deleteLedgerDays",
        "Days children removed from orders are deleted",
        placeholder=str(_DEFAULT_LEDGER_DAYS),
        description="Optional, 1 to 90: a child removed from an order or time entry modified "
        "within this many days is deleted; beyond, order_modified_date tells it (README).",
    ),
    _FormField(
        "configChangesHours",
        "Hours between configuration change reads",
        placeholder=str(_DEFAULT_CONFIG_CHANGES_HOURS),
        description="Optional, 0 to 24: configuration changed in Toast (menu items, discounts, "
        "...) is read at most this often; 0: every sync.",
    ),
    _FormField(
        "configListingHours",
        "Hours between full configuration listings",
        placeholder=str(_DEFAULT_CONFIG_LISTING_HOURS),
        description="Optional, 0 to 24: configuration is listed in full, which finds objects "
        "removed in Toast, at most this often; 0: every sync.",
    ),
)


def configuration_form() -> ConfigurationForm:
    """The setup form: every configuration key, and a test that logs in and lists restaurants."""
    form = ConfigurationForm()
    for spec in _FORM_FIELDS:
        kind = form_field.TextField.password if spec.secret else form_field.TextField.plain_text
        field_ = form_field.TextField(
            spec.name,
            spec.label,
            kind,
            required=spec.required,
            placeholder=spec.placeholder,
            description=spec.description,
        )
        form.add_field(field_)
        if spec.name == "clientSecret":
            form.add_field(
                form_field.DropdownField(
                    "userAccessType",
                    "User access type",
                    fields=[form_field.DropdownFieldParam(value="TOAST_MACHINE_CLIENT")],
                    required=True,
                )
            )
    form.add_test(label="Log in to Toast and list reachable restaurants", func=test_connection)
    return form


def test_connection(configuration: dict) -> Any:
    """Setup test: valid configuration, login, and at least one reachable restaurant; a pass
    logs the restaurants found, by name and guid."""
    try:
        settings = validate_configuration(configuration)
    except ConfigurationError as error:
        return Test.failure(str(error))
    client = ToastClient(settings, TokenCache(settings.fernet, None), sleep=SLEEP, clock=CLOCK)
    try:
        restaurants = discover_restaurants(client, settings)
        if settings.restaurant_guids:  # configured GUIDs: each must answer, with its name
            restaurants = [
                (guid, client.get(f"/restaurants/v1/restaurants/{guid}", guid).json())
                for guid, _ in restaurants
            ]
    except ToastAuthError as error:
        return Test.failure(str(error))
    except ToastSkip as error:
        return Test.failure(f"A configured restaurant is not reachable: {error}")
    except ToastHalt as error:
        return Test.failure(f"Could not reach Toast at {settings.base_url}: {error}")
    finally:
        client.close()
    if not restaurants:
        return Test.failure(
            "Toast lists no restaurants for these credentials: connect a restaurant to the "
            "integration in Toast, or set 'restaurantGuids'."
        )
    labels = []
    for guid, record in restaurants[:50]:  # a partner may see hundreds: the rest are counted
        record = record or {}  # a partners record, or the restaurant information
        general = record.get("general") or {}
        name = record.get("restaurantName") or general.get("name")
        location = record.get("locationName") or general.get("locationName")
        label = " - ".join(str(part) for part in (name, location) if part) or "unnamed"
        labels.append(f"{label} ({guid})")
    if len(restaurants) > len(labels):
        labels.append(f"and {len(restaurants) - len(labels)} more")
    log.info(f"Connection test: {len(restaurants)} restaurant(s) reachable: {'; '.join(labels)}.")
    return Test.success()


connector = Connector(update=update, schema=schema, configuration_form=configuration_form)

if __name__ == "__main__":
    with open("configuration.json", encoding="utf-8") as config_file:
        connector.debug(configuration=json.load(config_file))
