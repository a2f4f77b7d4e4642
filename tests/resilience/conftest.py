"""Fixtures of the resilience tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import connector
from tests.conftest import FIXED_NOW, virtual_time
from tests.resilience.live import Clock


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    moving = Clock(FIXED_NOW)
    monkeypatch.setattr(connector, "NOW", moving)
    with virtual_time():
        yield moving
