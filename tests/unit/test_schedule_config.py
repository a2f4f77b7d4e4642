"""`scheduleHorizonDays` and the packed schedule kept in state."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from cryptography.fernet import Fernet

import connector as c

GOOD = {
    "clientId": "id",
    "clientSecret": "secret",
    "userAccessType": "TOAST_MACHINE_CLIENT",
    "domain": "ws-api.toasttab.com",
    "initialSyncStart": "2024-01-01T00:00:00.000Z",
    "key": Fernet.generate_key().decode(),
}
NOW = datetime(2026, 11, 20, tzinfo=timezone.utc)


@pytest.mark.parametrize(("text", "days"), [("", 14), ("0", 0), ("3", 3), (" 90 ", 90)])
def test_the_horizon_is_a_whole_number_of_days_up_to_90(text: str, days: int) -> None:
    settings = c.validate_configuration({**GOOD, "scheduleHorizonDays": text}, NOW)
    assert settings.schedule_horizon_days == days


@pytest.mark.parametrize("text", ["91", "-1", "1.5", "two weeks"])
def test_a_bad_horizon_is_rejected_naming_the_key(text: str) -> None:
    with pytest.raises(c.ConfigurationError, match="'scheduleHorizonDays'"):
        c.validate_configuration({**GOOD, "scheduleHorizonDays": text}, NOW)


def test_the_packed_schedule_keeps_every_shift_and_its_in_date() -> None:
    shifts = {
        f"a3000000-0001-4000-8000-{n:012d}": NOW + timedelta(hours=7 * n) for n in range(1500)
    }
    packed = c.pack_schedule(shifts)
    assert c.unpack_schedule(packed) == shifts
    assert c.unpack_schedule(None) == {}
    assert len(packed) < 30 * len(shifts)  # a busy location's 50 days: tens of KB at most


@pytest.mark.parametrize("key", ["configChangesHours", "configListingHours"])
@pytest.mark.parametrize("text", ["25", "-1", "1.5", "daily"])
def test_a_bad_configuration_interval_is_rejected_naming_the_key(key: str, text: str) -> None:
    with pytest.raises(c.ConfigurationError, match=f"'{key}'"):
        c.validate_configuration({**GOOD, key: text}, NOW)


def test_configuration_reads_follow_their_intervals_with_a_little_slack() -> None:
    hour = timedelta(hours=1)
    since = NOW - timedelta(minutes=5)
    assert c.plan_config_read(None, None, NOW, 6, 24) == c.ConfigRead(None, full=True)
    assert c.plan_config_read(NOW, NOW, NOW + hour, 6, 24) == c.ConfigRead()
    assert c.plan_config_read(NOW, NOW, NOW + 6 * hour - timedelta(minutes=9), 6, 24) == (
        c.ConfigRead(since, full=False)
    )
    assert c.plan_config_read(NOW, NOW - 23 * hour, NOW + hour, 6, 24) == c.ConfigRead(
        since, full=True
    )
    assert c.plan_config_read(NOW, None, NOW + hour, 6, 24) == c.ConfigRead(since, full=True)
    assert c.plan_config_read(NOW, NOW, NOW, 0, 0) == c.ConfigRead(since, full=True)
