"""The analyst models on the whole demo world the sandbox serves (3 restaurants x 14 days,
tests/fake_toast/demo.py), every column of every row against tests/guide/model_oracle.py. The
default run checks the same on its first five days (test_models.py); this sync takes about 15 s
more, so it runs in the slow tier (`bash tests/run.sh -m slow`).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tests.conftest import Project
from tests.fake_toast.demo import DEMO_DAYS, DemoWorld
from tests.guide import model_oracle as oracle
from tests.guide.test_models import NET_SALES_FROM_LINES, assert_rows, models, select, served, sync

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, oracle.Served]:
    world = DemoWorld()
    assert world.days == DEMO_DAYS
    path = sync(world, Project(tmp_path_factory.mktemp("demo") / "project"))
    with duckdb.connect(str(path)) as db:
        models.apply(db, "tester")
    return path, served(world)


@pytest.mark.parametrize("view", sorted(oracle.EXPECTED))
def test_model_holds_what_the_demo_json_says(view: str, demo: tuple) -> None:
    path, world = demo
    expected = oracle.EXPECTED[view](world)
    assert len(expected) >= 2 * DEMO_DAYS, f"{view}: the demo world gives this model few rows"
    assert_rows(select(path, view), expected, view)


def test_net_sales_is_the_lines_plus_service_charges_on_every_demo_day(demo: tuple) -> None:
    path, world = demo
    with duckdb.connect(str(path), read_only=True) as db:
        days = {
            (r, d): (net, lines)
            for r, d, net, lines in db.execute(NET_SALES_FROM_LINES).fetchall()
        }
    assert oracle.consistent_days(world) == set(days)
    assert [(k, v) for k, v in days.items() if v[0] != pytest.approx(v[1])] == []
