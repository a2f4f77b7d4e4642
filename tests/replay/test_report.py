"""What a sync tells its user: one summary block at the end, and during a long sync a progress
line per restaurant at most once a minute."""

from __future__ import annotations

import itertools
import json
import re
import threading

import pytest
from fivetran_connector_sdk import Logging

import connector
from tests.conftest import Project, make_configuration, toast_server, virtual_time
from tests.fake_toast import R2, R3, Fault, World


def logged(capfd: pytest.CaptureFixture[str]) -> list[tuple[str, str]]:
    """(level, message) of every SDK log line the sync printed."""
    lines = []
    decoder = json.JSONDecoder()
    for line in capfd.readouterr().out.splitlines():
        position = 0
        while line.startswith("{", position):  # threads may print two records on one line
            record, position = decoder.raw_decode(line, position)
            lines.append((record.get("level", ""), record.get("message", "")))
    return lines


def test_the_sync_ends_with_one_summary_block_whose_numbers_are_the_syncs(
    project: Project, capfd: pytest.CaptureFixture[str]
) -> None:
    with toast_server(world=World.load()) as server, virtual_time():
        server.script("GET", r"^/labor/v1/jobs$", Fault(status=429, restaurant=R2))
        server.script("GET", r"^/labor/v1/employees$", Fault(status=403, restaurant=R3))
        capfd.readouterr()
        result = project.sync(make_configuration(server))
        requests = len(server.requests)

    blocks = [m for level, m in logged(capfd) if m.startswith("Sync summary")]
    assert len(blocks) == 1
    lines = blocks[0].splitlines()
    assert re.fullmatch(
        r"Sync summary \(\d+ s\): 3 restaurant\(s\) synced, 0 failed, 0 refused by Toast; "
        r"9 window\(s\) done\.",  # 2026-09-01 to 2026-11-20 12:00 is three windows each
        lines[0],
    ), lines[0]
    assert lines[1] == f"Requests: {requests}, 1 answered 429 (rate limited)."
    assert lines[2] == "Work Toast had refused: 0 debt(s) asked again, 1 still owed."
    counted = {
        table: (int(up), int(gone))
        for table, up, gone in re.findall(r"(\w+) (\d+)/(\d+)", lines[3])
    }
    warehouse = result.warehouse
    for table in warehouse.tables():
        rows, deleted = warehouse.count(table), warehouse.count(table, deleted=True)
        upserted, soft_deleted = counted.get(table, (0, 0))
        if table == "shift":  # consecutive shift ranges overlap: a shift near an edge twice
            assert upserted >= rows > 0
            assert soft_deleted >= deleted > 0
        else:
            assert (upserted, soft_deleted) == (rows, deleted), table


@pytest.mark.slow  # 36 windows; the once-a-minute rule is the unit test below
def test_a_long_sync_says_per_restaurant_how_far_it_got_at_most_once_a_minute(
    project: Project, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    ticks = itertools.count()
    lock = threading.Lock()

    def clock() -> float:  # every look at the clock is 7 seconds later
        with lock:
            return 7.0 * next(ticks)

    monkeypatch.setattr(connector, "CLOCK", clock)
    monkeypatch.setattr(connector, "SLEEP", lambda seconds: None)
    with toast_server(world=World.load()) as server:
        configuration = make_configuration(
            server, restaurantGuids=R3, initialSyncStart="2025-05-01T00:00:00.000Z"
        )
        capfd.readouterr()
        project.sync(configuration)

    pattern = re.compile(
        rf"Restaurant {R3}: (\d+) of (\d+) windows done after ([\d.]+) min; "
        r"about ([\d.]+) min left\."
    )
    progress = [pattern.fullmatch(m) for _, m in logged(capfd) if "windows done after" in m]
    assert progress and all(progress), progress
    numbers = [(int(p[1]), int(p[2]), float(p[3]), float(p[4])) for p in progress if p]
    assert len(numbers) >= 3
    assert {total for _, total, _, _ in numbers} == {19}  # 2025-05-01 to 2026-11-20, 30 days each
    for (done, _, after, _), (later_done, _, later, _) in itertools.pairwise(numbers):
        assert later_done > done and later > after
    for done, total, after, left in numbers:
        # printed to 0.1 min: the estimate from the printed elapsed time is off by its rounding
        assert left == pytest.approx(after / done * (total - done), abs=0.1 * total / done)


def test_progress_is_said_at_most_once_a_minute_per_restaurant_and_not_for_the_last_window(
    capfd: pytest.CaptureFixture[str],
) -> None:
    Logging.LOG_LEVEL = Logging.Level.INFO  # no runner here
    now = [0.0]
    progress = connector.Progress(lambda: now[0])
    window = connector.Window(connector.NOW(), connector.NOW())
    progress.saw(R2)
    progress.saw(R3)
    said = []
    for seconds, restaurant, number in [
        (20, R2, 1),
        (40, R2, 2),
        (61, R2, 3),
        (62, R3, 1),
        (100, R2, 4),
        (122, R2, 5),
        (130, R3, 2),
        (200, R2, 6),
    ]:
        now[0] = seconds
        capfd.readouterr()
        progress.window_done(connector.PartDone(restaurant, window, [], number, 6))
        said += [(seconds, m) for _, m in logged(capfd)]
    assert [(seconds, m.split(":")[0]) for seconds, m in said] == [
        (61, f"Restaurant {R2}"),
        (62, f"Restaurant {R3}"),
        (122, f"Restaurant {R2}"),
        (130, f"Restaurant {R3}"),
    ]  # R2's sixth window is its last: the summary says the rest
    assert said[0][1] == f"Restaurant {R2}: 3 of 6 windows done after 1.0 min; about 1.0 min left."
