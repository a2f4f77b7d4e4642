"""Scheduled shifts: read ahead of now to a horizon, the future and the re-read past read again
every sync, and shifts that vanished from a range read in full soft-deleted."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

import connector
from tests.conftest import FIXED_NOW, Project, make_configuration
from tests.fake_toast import R1, FakeToast, Fault
from tests.replay.test_menus import one

NEXT_WEEK = "a3000000-0001-4000-8000-000000000011"  # 2026-11-27, rescheduled in a test
IN_TWO_DAYS = "a3000000-0001-4000-8000-000000000010"  # 2026-11-22, moved past the horizon
IN_ELEVEN_DAYS = "a3000000-0001-4000-8000-000000000012"  # 2026-12-01, removed in a test
OPEN_ENDED = "a3000000-0001-4000-8000-000000000013"  # 2026-11-25, no outDate: never served
PAST = "a3000000-0001-4000-8000-000000000008"  # 2026-11-05, inside the re-read past
FUTURE = {IN_TWO_DAYS, NEXT_WEEK, IN_ELEVEN_DAYS}
RECENT = "2026-11-10T00:00:00.000Z"  # the lookup tests need the schedule, not 80 days of history


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def shift_of(server: FakeToast, guid: str) -> dict[str, Any]:
    return next(s for s in server.world.labor[R1]["shifts"] if s["guid"] == guid)


def shift_ends(server: FakeToast) -> list[datetime]:
    return [
        connector.parse_timestamp(r.params["endDate"])
        for r in server.requests_to("/labor/v1/shifts")
        if "endDate" in r.params
    ]


def test_the_schedule_lands_up_to_the_horizon(
    project: Project, toast: FakeToast, no_wait: list[float]
) -> None:
    result = project.sync(make_configuration(toast, restaurantGuids=R1))
    warehouse = result.warehouse
    assert one(warehouse, "shift", id=NEXT_WEEK) == {
        "id": NEXT_WEEK,
        "restaurant_id": R1,
        "entity_type": "Shift",
        "external_id": None,
        "job_reference_external_id": None,
        "employee_reference_external_id": None,
        "created_date": utc("2026-11-16T19:00:00"),
        "modified_date": utc("2026-11-16T19:00:00"),
        "deleted": False,
        "deleted_date": None,
        "schedule_config_id": None,
        "schedule_config_min_before_clock_in": None,
        "schedule_config_min_after_clock_in": None,
        "schedule_config_min_before_clock_out": None,
        "schedule_config_min_after_clock_out": None,
        "job_reference_id": "a1000000-0001-4000-8000-000000000002",
        "job_reference_entity_type": "RestaurantJob",
        "employee_reference_id": "a2000000-0001-4000-8000-000000000002",
        "employee_reference_entity_type": "RestaurantUser",
        "in_date": utc("2026-11-27T16:00:00"),
        "out_date": utc("2026-11-28T00:30:00"),
        "_fivetran_deleted": False,
    }
    synced = warehouse.ids("shift")
    assert synced >= FUTURE
    assert OPEN_ENDED not in synced  # Toast selects by outDate < endDate: an open shift never
    assert max(shift_ends(toast)) == FIXED_NOW + timedelta(days=14)


def test_a_shorter_horizon_reads_less_of_the_schedule(
    project: Project, toast: FakeToast, no_wait: list[float]
) -> None:
    result = project.sync(make_configuration(toast, restaurantGuids=R1, scheduleHorizonDays="3"))
    assert result.warehouse.ids("shift") & FUTURE == {IN_TWO_DAYS}
    assert max(shift_ends(toast)) == FIXED_NOW + timedelta(days=3)


def test_given_a_changed_schedule_then_moves_land_and_removed_shifts_end_deleted(
    project: Project, toast: FakeToast, no_wait: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    configuration = make_configuration(toast, restaurantGuids=R1)
    project.sync(configuration)
    moved = shift_of(toast, NEXT_WEEK)
    moved.update(
        inDate="2026-11-29T18:00:00.000+0000",
        outDate="2026-11-30T01:30:00.000+0000",
        modifiedDate="2026-11-20T18:00:00.000+0000",
    )
    shift_of(toast, IN_TWO_DAYS).update(  # past the horizon: no range returns it any more
        inDate="2026-12-10T15:00:00.000+0000", outDate="2026-12-10T23:00:00.000+0000"
    )
    shifts = toast.world.labor[R1]["shifts"]
    shifts[:] = [s for s in shifts if s["guid"] not in (IN_ELEVEN_DAYS, PAST)]
    monkeypatch.setattr(connector, "NOW", lambda: FIXED_NOW + timedelta(days=1))
    del toast.requests[:]

    second = project.sync(configuration)

    warehouse = second.warehouse
    rescheduled = one(warehouse, "shift", id=NEXT_WEEK)
    assert (rescheduled["in_date"], rescheduled["out_date"]) == (
        utc("2026-11-29T18:00:00"),
        utc("2026-11-30T01:30:00"),
    )
    assert rescheduled["_fivetran_deleted"] is False
    removed = one(warehouse, "shift", id=IN_ELEVEN_DAYS)
    assert (removed["_fivetran_deleted"], removed["in_date"]) == (True, utc("2026-12-01T15:00:00"))
    assert one(warehouse, "shift", id=PAST)["_fivetran_deleted"] is True
    beyond = one(warehouse, "shift", id=IN_TWO_DAYS)
    assert (beyond["_fivetran_deleted"], beyond["in_date"]) == (False, utc("2026-12-10T15:00:00"))
    lookups = [r for r in toast.requests_to("/labor/v1/shifts") if "shiftIds" in r.params]
    assert len(lookups) == 1
    schedule = connector.unpack_schedule(second.state["restaurants"][R1]["schedule"])
    assert {NEXT_WEEK, IN_TWO_DAYS} <= schedule.keys()
    assert not {IN_ELEVEN_DAYS, PAST} & schedule.keys()
    assert schedule[NEXT_WEEK] == utc("2026-11-29T18:00:00")


def test_given_the_schedule_refused_then_nothing_is_deleted_until_it_is_read(
    project: Project, toast: FakeToast, no_wait: list[float]
) -> None:
    configuration = make_configuration(toast, restaurantGuids=R1)
    project.sync(configuration)
    shifts = toast.world.labor[R1]["shifts"]
    shifts[:] = [s for s in shifts if s["guid"] != IN_ELEVEN_DAYS]
    refused = Fault(status=403, restaurant=R1)
    toast.script("GET", r"^/labor/v1/shifts$", refused, refused)  # every range of the sync

    second = project.sync(configuration)

    assert one(second.warehouse, "shift", id=IN_ELEVEN_DAYS)["_fivetran_deleted"] is False
    schedule = connector.unpack_schedule(second.state["restaurants"][R1]["schedule"])
    assert IN_ELEVEN_DAYS in schedule
    owed = second.state["restaurants"][R1]["debts"]
    assert {debt["endpoint"] for debt in owed} == {"/labor/v1/shifts"}

    third = project.sync(configuration)

    assert one(third.warehouse, "shift", id=IN_ELEVEN_DAYS)["_fivetran_deleted"] is True


def test_given_the_shift_lookup_refused_then_the_shift_is_owed_by_id_and_given_up_in_a_week(
    project: Project,
    toast: FakeToast,
    no_wait: list[float],
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    """A removed shift whose lookup by id Toast refuses is owed by id: asked again at each
    sync (once, not also found missing again), deleted once Toast answers, and given up with an
    ERROR naming it after _DEBT_GIVE_UP_* like other refused work, instead of being asked
    every sync until the schedule forgets it and it stays live for good."""
    configuration = make_configuration(toast, restaurantGuids=R1, initialSyncStart=RECENT)
    project.sync(configuration)
    shifts = toast.world.labor[R1]["shifts"]
    shifts[:] = [s for s in shifts if s["guid"] != IN_ELEVEN_DAYS]
    lookup = Fault(status=403, restaurant=R1, params={"shiftIds": IN_ELEVEN_DAYS})
    toast.script("GET", r"^/labor/v1/shifts$", *[lookup] * 3)
    owed, lookups = [], []
    for days in (1, 2, 9, 10):
        monkeypatch.setattr(connector, "NOW", lambda days=days: FIXED_NOW + timedelta(days=days))
        del toast.requests[:]
        result = project.sync(configuration)
        owed.append(result.state["restaurants"][R1].get("debts", []))
        lookups.append(
            len([r for r in toast.requests_to("/labor/v1/shifts") if "shiftIds" in r.params])
        )
        live = one(result.warehouse, "shift", id=IN_ELEVEN_DAYS)["_fivetran_deleted"] is False
        assert live  # never deleted while Toast refuses to say it is gone
    log = capfd.readouterr().out

    assert [[(d["endpoint"], d.get("ids"), d["attempts"]) for d in debts] for debts in owed] == [
        [("/labor/v1/shifts", [IN_ELEVEN_DAYS], 1)],
        [("/labor/v1/shifts", [IN_ELEVEN_DAYS], 2)],
        [],  # refused a third time, 8 days after the first: given up
        [],
    ]
    assert lookups == [1, 1, 1, 0]
    given_up = [line for line in log.splitlines() if "giving up" in line]
    assert len(given_up) == 1 and "ERROR" in given_up[0] and "1 shift(s) by id" in given_up[0]
    schedule = connector.unpack_schedule(result.state["restaurants"][R1]["schedule"])
    assert IN_ELEVEN_DAYS not in schedule


def test_given_the_shift_lookup_refused_once_then_the_shift_is_deleted_at_the_next_sync(
    project: Project, toast: FakeToast, no_wait: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    configuration = make_configuration(toast, restaurantGuids=R1, initialSyncStart=RECENT)
    project.sync(configuration)
    shifts = toast.world.labor[R1]["shifts"]
    shifts[:] = [s for s in shifts if s["guid"] != IN_ELEVEN_DAYS]
    toast.script(
        "GET",
        r"^/labor/v1/shifts$",
        Fault(status=403, restaurant=R1, params={"shiftIds": IN_ELEVEN_DAYS}),
    )
    monkeypatch.setattr(connector, "NOW", lambda: FIXED_NOW + timedelta(days=1))
    refused = project.sync(configuration)
    live = one(refused.warehouse, "shift", id=IN_ELEVEN_DAYS)["_fivetran_deleted"] is False
    monkeypatch.setattr(connector, "NOW", lambda: FIXED_NOW + timedelta(days=1, hours=1))
    answered = project.sync(configuration)

    assert live
    assert [d.get("ids") for d in refused.state["restaurants"][R1]["debts"]] == [[IN_ELEVEN_DAYS]]
    assert one(answered.warehouse, "shift", id=IN_ELEVEN_DAYS)["_fivetran_deleted"] is True
    assert "debts" not in answered.state["restaurants"][R1]


def test_given_a_sync_failing_after_reading_shifts_then_one_removed_before_the_next_is_deleted(
    project: Project, toast: FakeToast, no_wait: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first sync reads the schedule, then fails in its window's cash (a deposits day that
    answers 500 past the client's retries): the shifts' rows are emitted, and the state must
    know them, or one removed before the next sync is never looked up and stays live."""
    configuration = make_configuration(toast, restaurantGuids=R1, initialSyncStart=RECENT)
    failing = Fault(status=500, restaurant=R1, params={"businessDate": "20261120"})
    attempts = connector._MAX_TRANSIENT_ATTEMPTS  # all used by the first sync
    toast.script("GET", r"^/cashmgmt/v1/deposits$", *[failing] * attempts)
    with pytest.raises(Exception, match="/cashmgmt/v1/deposits"):
        project.sync(configuration)
    failed = project.state()["restaurants"][R1]
    shifts = toast.world.labor[R1]["shifts"]
    shifts[:] = [s for s in shifts if s["guid"] != IN_ELEVEN_DAYS]
    del toast.requests[:]
    monkeypatch.setattr(connector, "NOW", lambda: FIXED_NOW + timedelta(hours=1))

    result = project.sync(configuration)

    removed = one(result.warehouse, "shift", id=IN_ELEVEN_DAYS)
    assert removed["_fivetran_deleted"] is True
    assert IN_ELEVEN_DAYS in connector.unpack_schedule(failed.get("schedule"))
    lookups = [
        r.params["shiftIds"]
        for r in toast.requests_to("/labor/v1/shifts")
        if "shiftIds" in r.params
    ]
    assert lookups == [IN_ELEVEN_DAYS]
