"""One restaurant's unreadable state fails that restaurant alone (issue 20): each worker reads its
own restaurant's entry, so the others sync and checkpoint; a debt of an endpoint the connector no
longer has (renamed) is given up with an ERROR and leaves the state.

One sync of the recorded world through the SDK's runner, from a state written here.
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import Project, make_configuration, toast_server, virtual_time
from tests.fake_toast import R1, R2, R3, World

RENAMED = "/labor/v1/timeEntriesRenamed"  # an endpoint path an older connector had


def test_an_unreadable_restaurant_entry_fails_that_restaurant_alone(
    tmp_path, capfd: pytest.CaptureFixture[str]
) -> None:
    project = Project(tmp_path / "project")
    project.state_file.parent.mkdir(parents=True)
    unreadable = [{"endpoint": "/orders/v2/ordersBulk", "firstFailure": "last Tuesday"}]
    renamed = {
        "endpoint": RENAMED,
        "firstFailure": "2026-11-18T00:00:00.000+0000",
        "attempts": 1,
        "lastError": "403",
        "start": "2026-11-01T00:00:00.000+0000",
        "end": "2026-11-02T00:00:00.000+0000",
    }
    state = {"version": 2, "restaurants": {R1: {"debts": unreadable}, R2: {"debts": [renamed]}}}
    project.state_file.write_text(json.dumps(state))
    world = World.load()
    message = f"restaurant {R1}: its entry in the state"
    with (
        toast_server(world=world) as server,
        virtual_time(),
        pytest.raises(Exception, match=message) as failed,
    ):
        project.sync(make_configuration(server))
    assert f"restaurants.{R1}" in str(failed.value)
    assert R2 not in str(failed.value) and R3 not in str(failed.value)

    after = project.state()["restaurants"]
    # Left as it was, for the user to see; the sync only notes that the restaurant was listed.
    assert after[R1] == {"debts": unreadable, "lastListed": "2026-11-20T12:00:00.000+0000"}
    assert {guid: "cursors" in after[guid] for guid in (R2, R3)} == {R2: True, R3: True}
    assert "debts" not in after[R2]  # the renamed endpoint's debt is given up
    errors = [line for line in capfd.readouterr().out.splitlines() if '"level":"ERROR"' in line]
    assert any(RENAMED in line and "giving up" in line for line in errors)

    landed = project.warehouse.query("SELECT id, restaurant_id FROM tester.orders")
    served = {(o["guid"], guid) for guid in (R2, R3) for o in world.orders[guid]}
    assert set(landed) == served and served
