"""The delete ledger (connector.Ledger): listings, owner-aware parents, the look-back, pruning,
the size of the state it packs, and states written by earlier versions."""

from __future__ import annotations

import base64
import json
import os
import zlib
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest
from fivetran_connector_sdk import Logging

import connector as c

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


def a_sync(state: dict[str, str], now: datetime = NOW, restaurants=("r",)) -> c.Ledger:
    """The ledger of a new sync that starts from `state`."""
    ledger = c.Ledger(json.loads(json.dumps(state)))
    ledger.begin(now, restaurants)
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
    assert later.remember("r", order(ORDER_A), set(), live=False)[0] == {other}


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


def test_parents_modified_more_than_the_look_back_before_now_are_forgotten() -> None:
    look_back = timedelta(days=c._LEDGER_LOOKBACK_DAYS)
    recent, old = {key("orders_check", CHECK)}, {key("payment", PAYMENT)}
    ledger = a_sync({})
    ledger.remember("r", order(ORDER_A, NOW - look_back + timedelta(hours=1)), recent, True)
    ledger.remember("r", order(ORDER_B, NOW - look_back - timedelta(hours=1)), old, True)
    state = ledger.to_state()
    assert a_sync(state).remember("r", order(ORDER_B), set(), True)[0] == set()  # forgotten
    assert a_sync(state).remember("r", order(ORDER_A), set(), True)[0] == recent
    two_hours_later = a_sync(state, NOW + timedelta(hours=2))
    assert two_hours_later.remember("r", order(ORDER_A), set(), True)[0] == set()


def test_a_sync_drops_the_ledgers_of_restaurants_it_does_not_list() -> None:
    ledger = a_sync({}, restaurants=("r1", "r2"))
    ledger.replace("r1", "menu_item", {key("menu_item", "a", "r1")})
    ledger.remember("r2", order(ORDER_A), moved_check(), live=True)
    state = ledger.to_state()
    assert set(state) == {"r1", "r2"}
    assert set(a_sync(state, restaurants=("r1", "r3")).to_state()) == {"r1"}


# --- size -------------------------------------------------------------------------------------


def random_guids(count: int) -> Iterator[str]:
    """Version-4 UUIDs as Toast's: random (a pattern would compress, and understate the size)."""
    digits = os.urandom(16 * count).hex()
    for at in range(0, 32 * count, 32):
        h = digits[at : at + 32]
        yield f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"


BUSY_DAYS = 90
BUSY_ORDERS_PER_DAY = 150
# Measured: 3,018,314 bytes for one such restaurant (13,500 orders of 10 child keys), 224 bytes
# per order, of which 192 are its 9 GUIDs (16 bytes each, base64-encoded): 302 MB of state for
# 100 restaurants. The bounds leave 2.7 % for the randomness of the GUIDs.
STATE_BYTES_PER_BUSY_RESTAURANT = 3_100_000
STATE_BYTES_FOR_100_BUSY_RESTAURANTS = 310_000_000


def build_busy_restaurant(ledger: c.Ledger, restaurant: str) -> tuple[str, set[c.Key]]:
    """150 orders a day for 90 days, each with a check, its payment and their link, a pricing
    feature, three selections, a modifier and two applied taxes; returns the oldest order and
    its child keys."""
    new = random_guids(BUSY_DAYS * BUSY_ORDERS_PER_DAY * 9)
    oldest: tuple[str, set[c.Key]] = ("", set())
    for day in range(BUSY_DAYS):
        for number in range(BUSY_ORDERS_PER_DAY):
            guid, check, payment = next(new), next(new), next(new)
            keys = {
                key("orders_check", check),
                key("payment", payment),
                key("orders_check_payment", check, payment),
                key("orders_pricing_feature", guid, "TAXESV2"),
                *(key("orders_check_selection", next(new)) for _ in range(3)),
                key("orders_check_selection_modifier", next(new)),
                *(key("orders_check_selection_applied_tax", next(new)) for _ in range(2)),
            }
            modified = NOW - timedelta(days=day, minutes=5 * number)
            ledger.remember(restaurant, order(guid, modified), keys, live=True)
            oldest = (guid, keys)
    return oldest


def test_the_state_of_100_busy_restaurants_stays_under_the_bound() -> None:
    """A ledger is packed per restaurant, so a group's state is one document per restaurant:
    three busy restaurants of random GUIDs are built (about a second each) and measured, and a
    ledger of 100 restaurants holding them is packed. Building 100 distinct ones takes about two
    minutes and measures the same: they packed to 3.0173 to 3.0182 MB each, 301.8 MB in all."""
    ledger = a_sync({}, restaurants=("r1", "r2", "r3"))
    oldest, oldest_keys = build_busy_restaurant(ledger, "r1")
    build_busy_restaurant(ledger, "r2")
    build_busy_restaurant(ledger, "r3")
    packed = ledger.to_state()
    sizes = sorted(len(document) for document in packed.values())
    assert sizes[-1] <= STATE_BYTES_PER_BUSY_RESTAURANT, sizes
    assert sizes[-1] - sizes[0] < sizes[0] / 1000, sizes  # random GUIDs: the same size
    # Reach: the oldest of the 13,500 orders, edited now, shows the children it lost.
    edited = a_sync({"r1": packed["r1"]}, restaurants=("r1",))
    assert edited.remember("r1", order(oldest), set(), live=True)[0] == oldest_keys

    group = {f"restaurant-{n:03d}": packed[f"r{n % 3 + 1}"] for n in range(100)}
    state = {"version": c._STATE_VERSION, "ledger": a_sync(group, restaurants=group).to_state()}
    assert len(json.dumps(state)) <= STATE_BYTES_FOR_100_BUSY_RESTAURANTS


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
    ledger = a_sync({"r": packed, "fine": LEDGER_FORMAT_1}, restaurants=("r", "fine"))
    assert ledger.remember("r", order(ORDER_A), moved_check(), live=True) == (set(), moved_check())
    warnings = [line for line in capfd.readouterr().out.splitlines() if "WARNING" in line]
    assert len(warnings) == 1 and "delete ledger of restaurant r " in warnings[0]
    state = ledger.to_state()
    assert state["r"].startswith("2:") and state["fine"] == LEDGER_FORMAT_1  # untouched
