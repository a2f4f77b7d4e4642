"""The delete ledger (connector.Ledger): listings, owner-aware parents, the look-back, pruning,
the size of the state it packs, and states written by earlier versions."""

from __future__ import annotations

import base64
import json
import zlib
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest
from cryptography.fernet import Fernet
from fivetran_connector_sdk import Logging

import connector as c
from tests.bench import ledger_state
from tests.bench.ledger_state import build_busy_restaurant

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
ORDER_A = "0d0000aa-0001-4000-8000-000000000000"
ORDER_B = "0d0000bb-0001-4000-8000-000000000000"
CHECK = "0c0000aa-0001-4000-8000-000000000001"
PAYMENT = "9a0000aa-0001-4000-8000-000000000001"
SELECTION = "5e0000aa-0001-4000-8000-000000000001"
OTHER_SELECTION = "5e0000aa-0001-4000-8000-000000000002"


@pytest.fixture(autouse=True)
def _sdk_logging() -> Iterator[None]:
    """The ledger logs through the SDK's logger, which needs a level (a runner sets it)."""
    saved = Logging.LOG_LEVEL
    Logging.LOG_LEVEL = Logging.Level.INFO
    yield
    Logging.LOG_LEVEL = saved


def key(table: str, *values: str) -> c.Key:
    return table, values


def toast_time(moment: datetime) -> str:
    return c.format_timestamp(moment)


def order(guid: str, modified: datetime = NOW) -> tuple[str, str, str]:
    """A parent as a batch names it: (kind, guid, modifiedDate)."""
    return "orders", guid, toast_time(modified)


def moved_check() -> set[c.Key]:
    """A check with its selection, payment and check-payment link: what moves between orders."""
    return {
        key("orders_check", CHECK),
        key("orders_check_selection", SELECTION),
        key("payment", PAYMENT),
        key("orders_check_payment", CHECK, PAYMENT),
    }


def a_sync(state: dict[str, str], now: datetime = NOW, reach: int = 90) -> c.Ledger:
    """The ledger of a new sync that starts from `state`, with a reach of `reach` days."""
    ledger = c.Ledger(json.loads(json.dumps(state)))
    ledger.begin(now, reach)
    return ledger


def old_order_had_the_check() -> dict[str, str]:
    """State after a sync that saw order A with the check and another selection."""
    ledger = a_sync({})
    keys = {*moved_check(), key("orders_check_selection", OTHER_SELECTION)}
    ledger.remember("r", order(ORDER_A, NOW - timedelta(days=2)), keys, live=True)
    return ledger.to_state()


# --- listings ---------------------------------------------------------------------------------


def test_ledger_reports_vanished_keys_and_survives_state() -> None:
    ledger = c.Ledger({})
    first = {("menu_item", ("a", "r")), ("menu_item", ("b", "r"))}
    assert ledger.replace("r", "menu_item", first) == set()
    restored = c.Ledger(json.loads(json.dumps(ledger.to_state())))
    assert restored.replace("r", "menu_item", {("menu_item", ("a", "r"))}) == {
        ("menu_item", ("b", "r"))
    }
    restored.add("r", "menu_item", {("menu_item", ("c", "r"))})
    assert restored.replace("r", "menu_item", set()) == {
        ("menu_item", ("a", "r")),
        ("menu_item", ("c", "r")),
    }


def test_a_checkpoint_packs_again_only_the_ledgers_that_changed() -> None:
    ledger = c.Ledger({})
    ledger.replace("r1", "menu_item", {("menu_item", ("a",))})
    ledger.replace("r2", "menu_item", {("menu_item", ("b",))})
    first = ledger.to_state()
    assert ledger.keys("r1", "menu_item") == {("menu_item", ("a",))}  # reading changes nothing
    ledger.replace("r2", "menu_item", {("menu_item", ("c",))})
    second = ledger.to_state()
    assert second["r1"] is first["r1"]  # not packed again
    assert c.Ledger(second).keys("r1", "menu_item") == {("menu_item", ("a",))}
    assert c.Ledger(second).keys("r2", "menu_item") == {("menu_item", ("c",))}
    ledger.add("r1", "menu_item", {("menu_item", ("d",))})
    third = ledger.to_state()
    assert third["r2"] is second["r2"]
    assert c.Ledger(third).keys("r1", "menu_item") == {
        ("menu_item", ("a",)),
        ("menu_item", ("d",)),
    }


# --- parents: removals and owners -------------------------------------------------------------


def test_a_child_an_order_lost_is_deleted_in_a_later_sync() -> None:
    ledger = a_sync(old_order_had_the_check())
    vanished, owned = ledger.remember("r", order(ORDER_A), moved_check(), live=True)
    assert vanished == {key("orders_check_selection", OTHER_SELECTION)}
    assert owned == moved_check()


def test_given_the_new_order_first_when_the_old_one_lost_the_check_then_it_is_not_deleted() -> (
    None
):
    ledger = a_sync(old_order_had_the_check())
    assert ledger.remember("r", order(ORDER_B), moved_check(), live=True) == (
        set(),
        moved_check(),
    )
    vanished, owned = ledger.remember("r", order(ORDER_A), set(), live=False)
    assert vanished == {key("orders_check_selection", OTHER_SELECTION)}  # only what A lost
    assert owned == set()


def test_given_the_old_order_first_then_the_check_is_deleted_and_the_new_order_takes_it() -> None:
    ledger = a_sync(old_order_had_the_check())
    vanished, _ = ledger.remember("r", order(ORDER_A), set(), live=False)
    assert vanished == {*moved_check(), key("orders_check_selection", OTHER_SELECTION)}
    assert ledger.remember("r", order(ORDER_B), moved_check(), live=True) == (
        set(),
        moved_check(),  # upserted after the deletes: live again, and B's
    )
    later = a_sync(ledger.to_state())
    vanished, _ = later.remember("r", order(ORDER_B), set(), live=True)
    assert vanished == moved_check()  # B owns them now: removed from B, they are deleted


def test_given_a_move_in_one_sync_when_the_old_order_comes_in_the_next_then_nothing_goes() -> None:
    first = a_sync(old_order_had_the_check())
    first.remember("r", order(ORDER_B, NOW - timedelta(days=1)), moved_check(), live=True)
    second = a_sync(first.to_state())
    vanished, _ = second.remember("r", order(ORDER_A), set(), live=False)
    assert vanished == {key("orders_check_selection", OTHER_SELECTION)}


def test_a_deleted_order_does_not_take_what_a_live_order_has() -> None:
    ledger = a_sync({})
    ledger.remember("r", order(ORDER_B), moved_check(), live=True)
    other = key("orders_check_selection", OTHER_SELECTION)
    vanished, owned = ledger.remember("r", order(ORDER_A), {*moved_check(), other}, live=False)
    assert (vanished, owned) == (set(), {other})  # a live check links the payment: it stays
    later = a_sync(ledger.to_state())
    assert later.remember("r", order(ORDER_B), set(), live=True)[0] == moved_check()
    # The deleted order's keys were dropped at once: its rows were deleted with it.
    assert later.remember("r", order(ORDER_A), set(), live=False)[0] == set()


def test_a_deleted_order_leaves_no_keys_in_state() -> None:
    ledger = a_sync({})
    ledger.remember("r", order(ORDER_A), moved_check(), live=True)
    empty = ledger.to_state()
    ledger = a_sync({})
    ledger.remember("r", order(ORDER_A), moved_check(), live=True)
    ledger.remember("r", order(ORDER_A), moved_check(), live=False)
    assert len(ledger.to_state()["r"]) < len(empty["r"])
    reopened = a_sync(ledger.to_state())
    assert reopened.remember("r", order(ORDER_A), set(), live=True)[0] == set()


def test_an_undeleted_order_takes_its_children_back() -> None:
    ledger = a_sync({})
    ledger.remember("r", order(ORDER_B), moved_check(), live=False)
    vanished, owned = ledger.remember("r", order(ORDER_A), moved_check(), live=True)
    assert (vanished, owned) == (set(), moved_check())
    assert a_sync(ledger.to_state()).remember("r", order(ORDER_B), set(), live=True) == (
        set(),
        set(),
    )


def test_keys_come_back_exactly_as_they_went_in() -> None:
    odd = {
        key("orders_check", "0C0000AA-0001-4000-8000-000000000001"),  # not lower case
        key("orders_check_selection", "not-a-guid"),
        key("orders_check_selection_applied_tax", "None"),
        key("orders_pricing_feature", ORDER_A, "TAXESV2"),
        key("orders_check_payment", CHECK, PAYMENT),
        key("payment", "Zahlung-ü-€"),
        key("a_table_the_registry_does_not_have", CHECK, "x", CHECK),
    }
    ledger = a_sync({})
    ledger.remember("r", order(ORDER_A), odd, live=True)
    assert a_sync(ledger.to_state()).remember("r", order(ORDER_A), set(), live=True)[0] == odd


# --- look-back and pruning --------------------------------------------------------------------


def test_given_an_order_synced_once_when_it_is_edited_60_days_later_then_its_removal_is_seen() -> (
    None
):
    first = a_sync({})
    first.remember("r", order(ORDER_A), moved_check(), live=True)
    later = NOW + timedelta(days=60)
    vanished, _ = a_sync(first.to_state(), later).remember("r", order(ORDER_A, later), set(), True)
    assert vanished == moved_check()


@pytest.mark.parametrize("reach", [3, 90])
def test_parents_modified_more_than_the_reach_before_now_are_forgotten(reach: int) -> None:
    look_back = timedelta(days=reach)
    recent, old = {key("orders_check", CHECK)}, {key("payment", PAYMENT)}
    ledger = a_sync({}, reach=reach)
    ledger.remember("r", order(ORDER_A, NOW - look_back + timedelta(hours=1)), recent, True)
    ledger.remember("r", order(ORDER_B, NOW - look_back - timedelta(hours=1)), old, True)
    state = ledger.to_state()
    assert a_sync(state, reach=reach).remember("r", order(ORDER_B), set(), True)[0] == set()
    assert a_sync(state, reach=reach).remember("r", order(ORDER_A), set(), True)[0] == recent
    two_hours_later = a_sync(state, NOW + timedelta(hours=2), reach=reach)
    assert two_hours_later.remember("r", order(ORDER_A), set(), True)[0] == set()


# --- size -------------------------------------------------------------------------------------


# Measured (tests/bench/ledger_state.py, RESULTS.md): 102.8 KB for one busy location with the
# default reach of 3 days, whatever its history; 10.4 MB for 100 such locations. The issue's
# bounds: 256 KB a location, 25 MB for 100.
STATE_BYTES_PER_BUSY_RESTAURANT = 256_000
STATE_BYTES_FOR_100_BUSY_RESTAURANTS = 25_000_000


def test_state_grows_with_locations_not_with_history() -> None:
    """A busy location (150 orders a day) with 30 and with 90 days of orders packs to the same
    size within 10 %, under the bound; the oldest order within the reach, edited now, shows the
    children it lost; 100 such locations stay under the group's bound."""
    reach = c._DEFAULT_LEDGER_DAYS
    sizes = {}
    for history in (30, 90):
        ledger = a_sync({}, reach=reach)
        orders = build_busy_restaurant(ledger, f"r{history}", history)
        sizes[history] = len(ledger.to_state()[f"r{history}"])
    assert abs(sizes[90] - sizes[30]) < sizes[30] / 10, sizes
    assert sizes[90] <= STATE_BYTES_PER_BUSY_RESTAURANT, sizes
    packed = ledger.to_state()["r90"]
    within = [o for o in orders if o[1] > NOW - timedelta(days=reach) + timedelta(hours=1)][-1]
    edited = a_sync({"r": packed}, reach=reach)
    assert edited.remember("r", order(within[0]), set(), live=True)[0] == within[2]
    group = {f"restaurant-{n:03d}": packed for n in range(100)}
    state = {"version": c._STATE_VERSION, "ledger": a_sync(group, reach=reach).to_state()}
    assert len(json.dumps(state)) <= STATE_BYTES_FOR_100_BUSY_RESTAURANTS


def test_checkpoint_work_grows_with_what_changed_not_with_history() -> None:
    """An hourly sync of a busy location (7 new orders, one old order seen again unchanged)
    packs the same bytes after 30 and 90 days of history (within 10 %) and encodes only the new
    orders' records, as they are emitted, not at the checkpoint (which only packs); a checkpoint
    after nothing changed packs nothing."""
    work = {}
    for history in (30, 90):
        first = a_sync({}, now=NOW - timedelta(hours=1), reach=c._DEFAULT_LEDGER_DAYS)
        orders = build_busy_restaurant(first, "r", history, NOW - timedelta(hours=1))
        first.replace("r", "menu_item", {key("menu_item", "a")})
        hourly = a_sync(first.to_state(), reach=c._DEFAULT_LEDGER_DAYS)
        for guid, modified, keys in orders[:1]:
            hourly.remember("r", order(guid, modified), keys, live=True)
        build_busy_restaurant_hour(hourly)
        encoded = hourly.work["records"]
        state = hourly.to_state()
        assert hourly.work["records"] == encoded  # encoded as emitted: a checkpoint only packs
        work[history] = hourly.work.copy()
        again = a_sync(state, reach=c._DEFAULT_LEDGER_DAYS)
        for guid, modified, keys in orders[:1]:
            again.remember("r", order(guid, modified), keys, live=True)
        again.replace("r", "menu_item", {key("menu_item", "a")})  # the same full listing
        assert again.to_state() == state
        assert again.work["ledgers"] == 0, again.work
    assert work[30]["ledgers"] == work[90]["ledgers"] == 1, work
    assert work[30]["records"] == work[90]["records"] == 7, work
    assert abs(work[90]["bytes"] - work[30]["bytes"]) < work[30]["bytes"] / 10, work


def build_busy_restaurant_hour(ledger: c.Ledger) -> None:
    """An hour of a busy location: 7 new orders, ten child keys each."""
    new = ledger_state.random_guids(7 * 10)
    for minute in range(7):
        guid = next(new)
        keys = ledger_state.order_keys(guid, new)
        ledger.remember("r", order(guid, NOW - timedelta(minutes=minute)), keys, live=True)


# --- earlier states ---------------------------------------------------------------------------

# A ledger of state version 1, packed by connector.py at 4a8e61d: listing menu_item {a, b} of
# restaurant r, order A (modified 2026-11-18T12:00Z) with the check, its selection, payment and
# link, and order B (modified 2026-11-17T12:00Z) with the same check.
LEDGER_FORMAT_1 = (
    "eJytUMsKwjAQ/JdcbXS3+Kj9Dm81lDRdsWgfpO1BRL/drUGsejCCS5hAJjszzFmUVPVp0VEp4kSIIHk+bHsA3Gl3WRG8M9mDU"
    "SoQ19rmZNsZ5MCjtWREOWeU0QAwmsEphHApESVGGwxjAD5TpiZ3nlM4udTsyRycD5ivysghx4tpo08cuvMXcD/X+nerlo5kuq"
    "KunMSCvCReAnrZfpadZd5lr/5atlKXG1B5lDM="
)


def test_a_version_1_ledger_is_read_and_written_again_as_version_2() -> None:
    ledger = a_sync({"r": LEDGER_FORMAT_1})
    assert ledger.keys("r", "menu_item") == {
        key("menu_item", "a", "r"),
        key("menu_item", "b", "r"),
    }
    # Version 1 let two orders have the check; the one modified last (A) keeps it.
    assert ledger.remember("r", order(ORDER_B), set(), live=True)[0] == set()
    assert ledger.remember("r", order(ORDER_A), set(), live=True)[0] == moved_check()
    state = ledger.to_state()
    assert state["r"].startswith("2:")
    assert a_sync(state).keys("r", "menu_item") == {
        key("menu_item", "a", "r"),
        key("menu_item", "b", "r"),
    }


@pytest.mark.parametrize(
    "packed",
    [
        pytest.param("2:" + base64.b64encode(b"not zlib").decode(), id="format-2-not-zlib"),
        pytest.param(
            "2:" + base64.b64encode(zlib.compress(b"\x00\x00\x00\x02{}x")).decode(),
            id="format-2-cut",
        ),
        pytest.param("%%%", id="not-base64"),
        pytest.param(base64.b64encode(zlib.compress(b"[1, 2]")).decode(), id="format-1-not-a-map"),
    ],
)
def test_an_unreadable_ledger_starts_afresh_with_a_warning(
    packed: str, capfd: pytest.CaptureFixture[str]
) -> None:
    ledger = a_sync({"r": packed, "fine": LEDGER_FORMAT_1})
    assert ledger.remember("r", order(ORDER_A), moved_check(), live=True) == (set(), moved_check())
    warnings = [line for line in capfd.readouterr().out.splitlines() if "WARNING" in line]
    assert len(warnings) == 1 and "delete ledger of restaurant r " in warnings[0]
    state = ledger.to_state()
    assert state["r"].startswith("2:") and state["fine"] == LEDGER_FORMAT_1  # untouched


# --- discovery gaps and pruning (Emitter.begin) ------------------------------------------------


def an_emitter(state: dict, now: datetime, listed: tuple[str, ...]) -> c.Emitter:
    """The emitter of a sync at `now` from `state` whose discovery listed `listed`."""
    tokens = c.TokenCache(Fernet(Fernet.generate_key()), None)
    emitter = c.Emitter(json.loads(json.dumps(state)), tokens)
    emitter.begin(now, listed, 3)
    return emitter


def state_of(emitter: c.Emitter) -> dict:
    return {**emitter.state, "ledger": emitter.ledger.to_state()}


def test_a_restaurant_missing_from_one_discovery_keeps_its_state_and_its_deletes(
    capfd: pytest.CaptureFixture[str],
) -> None:
    first = an_emitter({}, NOW, ("r1", "r2"))
    first.ledger.remember("r2", order(ORDER_A), moved_check(), live=True)
    first.restaurant_state("r2")["cursor"] = toast_time(NOW)
    gap = an_emitter(state_of(first), NOW + timedelta(days=1), ("r1",))
    assert gap.state["restaurants"]["r2"]["cursor"] == toast_time(NOW)
    back = an_emitter(state_of(gap), NOW + timedelta(days=2), ("r1", "r2"))
    edited = order(ORDER_A, NOW + timedelta(days=2))
    assert back.ledger.remember("r2", edited, set(), live=True)[0] == moved_check()
    assert "Pruned" not in capfd.readouterr().out


def test_a_restaurant_unlisted_for_30_days_is_pruned_whole_and_the_sync_says_so(
    capfd: pytest.CaptureFixture[str],
) -> None:
    first = an_emitter({}, NOW, ("r1", "r2"))
    first.ledger.remember("r2", order(ORDER_A), moved_check(), live=True)
    first.restaurant_state("r2").update(cursor=toast_time(NOW), debts=[{"kind": "x"}])
    state = state_of(first)
    day_29 = an_emitter(state, NOW + timedelta(days=29), ("r1",))
    assert set(state_of(day_29)["restaurants"]) == {"r1", "r2"}
    assert set(state_of(day_29)["ledger"]) == {"r2"}
    day_31 = an_emitter(state_of(day_29), NOW + timedelta(days=31), ("r1",))
    assert set(state_of(day_31)["restaurants"]) == {"r1"}
    assert state_of(day_31)["ledger"] == {}
    logged = capfd.readouterr().out
    assert logged.count("Pruned the state") == 1 and "r2" in logged


def test_a_version_2_state_without_listing_dates_starts_their_clock() -> None:
    """A restaurant of an older state, unlisted now, gets 30 days from now, not from 1970."""
    state = {"version": 2, "restaurants": {"r2": {"cursor": toast_time(NOW)}}}
    emitter = an_emitter(state, NOW, ("r1",))
    assert emitter.state["restaurants"]["r2"]["lastListed"] == toast_time(NOW)


CONFIGURATION = {
    "clientId": "id",
    "clientSecret": "secret",
    "userAccessType": "TOAST_MACHINE_CLIENT",
    "domain": "ws-api.toasttab.com",
    "initialSyncStart": "2024-01-01T00:00:00.000Z",
    "key": Fernet.generate_key().decode(),
}


@pytest.mark.parametrize(("text", "days"), [("", 3), ("1", 1), (" 14 ", 14), ("90", 90)])
def test_the_ledger_reach_is_a_whole_number_of_days_from_1_to_90(text: str, days: int) -> None:
    settings = c.validate_configuration({**CONFIGURATION, "deleteLedgerDays": text}, NOW)
    assert settings.ledger_days == days


@pytest.mark.parametrize("text", ["0", "91", "-1", "2.5", "a week"])
def test_a_bad_ledger_reach_is_rejected_naming_the_key(text: str) -> None:
    with pytest.raises(c.ConfigurationError, match="'deleteLedgerDays'"):
        c.validate_configuration({**CONFIGURATION, "deleteLedgerDays": text}, NOW)
