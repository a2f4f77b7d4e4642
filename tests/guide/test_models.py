"""The analyst models (analytics/models/*.sql), applied to synced warehouses and compared, every
column of every row, with what tests/guide/model_oracle.py computes from the JSON Toast served.

Three warehouses, each synced once for the module: the recorded world with the issue's traps added
(split checks and covers, a deleted check in a live order, a voided check, gift card and
house-account lines, excess food, gratuity beside service and fundraising charges, an alternate
payment type, a salaried job, breaks, a selection removed from an order and synced again, one
check whose `amount` disagrees with its selections), and a generated world (voids, deletes,
trigger and combo discounts, gratuities, refunds and voided payments at random), and the demo
world's first days (sales, labor and cash that share days and people: labor versus sales, cash
drawers with deposits and a short drop). The generated warehouse also answers every query of
analytics/ANALYST_GUIDE.md, against test_guide.py's expectations.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
import sqlglot
from sqlglot import exp

from tests.conftest import (
    FIXED_NOW,
    INITIAL_SYNC_START,
    Project,
    make_configuration,
    toast_server,
    virtual_time,
)
from tests.fake_toast import World
from tests.fake_toast import builders as b
from tests.fake_toast.demo import DemoWorld
from tests.fake_toast.generate import GeneratedWorld
from tests.fake_toast.world import format_ts, parse_ts
from tests.guide import model_oracle as oracle
from tests.guide import test_guide as guide

ROOT = Path(__file__).parents[2]
sys.path.insert(0, str(ROOT / "analytics"))
import models  # noqa: E402  (analytics/models.py, the users' tool)

R1 = "11111111-0000-4000-8000-000000000001"
R2 = "11111111-0000-4000-8000-000000000002"
SERVER = b.DEFAULT_EMPLOYEE  # Jordan Reyes, at R1 and R2 with one GUID
UBER_EATS = "c0000001-0001-4000-8000-000000000002"  # R1's alternate payment type
TAKE_OUT = "c0000002-0001-4000-8000-000000000002"  # R1's dining option, behavior TAKE_OUT
SALARIED_JOB = "a1000000-0001-4000-8000-000000000099"
EDITED_ORDER = "0d0000f4-0001-4000-8000-000000000000"  # loses a selection between the syncs
INCONSISTENT_DAY = (R2, 20261112)  # one check, its `amount` $3.00 below its selection


# The demo world the sandbox serves (tests/fake_toast/demo.py), its first five days at its
# fewest orders (15 a day: a sync of about 3 s, a third of 30 a day's): every case it plays falls
# within them (a case's day is taken modulo the world's days), and so does a drawer five dollars
# short; the sandbox's 14 days of 30 orders run in the slow tier (test_models_demo.py).
DEMO_FIRST_DAYS = 5
DEMO_FIRST_ORDERS_PER_DAY = 15
WORLDS = ["traps", "generated", "demo"]


def g(kind: str, number: int) -> str:
    """A GUID of a trap object: kind is two hex digits (the recorded world's scheme)."""
    return f"{kind}0000f{number:01x}-0001-4000-8000-{number:012d}"


def charge(number: int, amount: float, *, gratuity: bool, category: str, name: str) -> dict:
    return b.make_service_charge(
        g("5c", number),
        service_charge="c0000013-0001-4000-8000-000000000002",
        name=name,
        amount=amount,
        gratuity=gratuity,
        serviceChargeCategory=category,
    )


def split_order() -> dict[str, Any]:
    """Order A: four guests on two live checks, a deleted check and a voided one; gift card and
    house-account lines; gratuity, service and fundraising charges; an alternate payment."""
    opened, modified = "2026-11-10T22:10:00.000+0000", "2026-11-10T23:00:00.000+0000"
    order_guid = g("0d", 1)
    sale = b.make_selection(
        g("5e", 1), price=20.0, created=opened, diningOption=b.ref(TAKE_OUT, "DiningOption")
    )
    gift = b.make_selection(
        g("5e", 2), name="Gift Card", price=25.0, deferred=True, created=opened
    )
    house = b.make_selection(
        g("5e", 3),
        name="House Account",
        price=40.0,
        created=opened,
        selectionType="HOUSE_ACCOUNT_PAY_BALANCE",
    )
    charges = [
        charge(1, 3.0, gratuity=False, category="SERVICE_CHARGE", name="Service fee"),
        charge(2, 1.0, gratuity=False, category="FUNDRAISING_CAMPAIGN", name="Donation"),
        charge(3, 4.0, gratuity=True, category="SERVICE_CHARGE", name="Large Party Gratuity"),
    ]
    first = b.make_check(
        g("0c", 1),
        selections=[sale, gift, house],
        opened=opened,
        closed=modified,
        appliedServiceCharges=charges,
        amount=89.0,
        payments=[
            b.make_payment(
                g("9a", 1),
                order_guid=order_guid,
                check_guid=g("0c", 1),
                amount=80.0,
                tip=3.0,
                paid=modified,
            )
        ],
    )
    second = b.make_check(
        g("0c", 2),
        selections=[b.make_selection(g("5e", 4), price=10.0, created=opened)],
        opened=opened,
        closed=modified,
        payments=[
            b.make_payment(
                g("9a", 2),
                order_guid=order_guid,
                check_guid=g("0c", 2),
                amount=10.63,
                tip=1.5,
                paid=modified,
                type="OTHER",
                cardType=None,
                otherPayment=b.ref(UBER_EATS, "AlternatePaymentType"),
            )
        ],
    )
    deleted = b.make_check(
        g("0c", 3),
        selections=[b.make_selection(g("5e", 5), price=99.0, created=opened)],
        opened=opened,
        closed=modified,
        deleted=True,
        deletedDate=modified,
    )
    voided = b.make_check(
        g("0c", 4),
        selections=[b.make_selection(g("5e", 6), price=7.0, created=opened)],
        opened=opened,
        closed=modified,
        voided=True,
        voidDate=modified,
        voidBusinessDate=20261110,
    )
    return b.make_order(
        order_guid,
        modified,
        checks=[first, second, deleted, voided],
        numberOfGuests=4,
        server=b.ref(SERVER, "RestaurantUser"),
    )


def trap_orders() -> list[dict[str, Any]]:
    """R1's trap orders on business date 20261110-11 (no recorded order on those days)."""
    opened = "2026-11-10T20:00:00.000+0000"
    excess = b.make_order(
        g("0d", 2),
        "2026-11-10T21:00:00.000+0000",
        excessFood=True,
        checks=[
            b.make_check(
                g("0c", 5),
                selections=[b.make_selection(g("5e", 7), price=15.0, created=opened)],
                opened=opened,
            )
        ],
    )
    edited_opened = "2026-11-11T18:00:00.000+0000"
    edited = b.make_order(
        EDITED_ORDER,
        "2026-11-11T19:00:00.000+0000",
        checks=[
            b.make_check(
                g("0c", 6),
                opened=edited_opened,
                selections=[
                    b.make_selection(g("5e", 8), price=9.0, created=edited_opened),
                    b.make_selection(
                        g("5e", 9), name="Removed Later", price=31.5, created=edited_opened
                    ),
                ],
            )
        ],
    )
    return [split_order(), excess, edited]


def inconsistent_order() -> dict[str, Any]:
    """R2: a check whose `amount` is $3.00 below its one selection, nothing to explain it (as one
    of 107 real checks: toast_api.md section 14)."""
    opened = "2026-11-12T21:00:00.000+0000"
    check = b.make_check(
        g("0c", 7),
        selections=[b.make_selection(g("5e", 10), price=20.0, created=opened)],
        opened=opened,
        amount=17.0,
    )
    return b.make_order(
        g("0d", 3), "2026-11-12T22:00:00.000+0000", checks=[check], businessDate=20261112
    )


def trap_labor(world: World) -> None:
    """A salaried manager's day with overtime, and a paid and an unpaid break."""
    labor = world.labor[R1]
    labor["jobs"].append(
        b.make_job(SALARIED_JOB, "General Manager", wageFrequency="SALARY", defaultWage=None)
    )
    start = "2026-11-10T13:00:00.000+0000"
    breaks = [
        b.make_break(
            g("a5", 1),
            "2026-11-10T17:00:00.000+0000",
            15,
            break_type="c0000018-0001-4000-8000-000000000002",
            paid=True,
        ),
        b.make_break(
            g("a5", 2),
            "2026-11-10T19:00:00.000+0000",
            30,
            break_type="c0000018-0001-4000-8000-000000000001",
        ),
    ]
    labor["timeEntries"].append(
        b.make_time_entry(
            g("a4", 1),
            start,
            "2026-11-11T00:30:00.000+0000",
            job=SALARIED_JOB,
            breaks=breaks,
            hourlyWage=None,
            regularHours=8.0,
            overtimeHours=3.0,
            declaredCashTips=12.0,
        )
    )


def remove_a_selection(world: World) -> None:
    """Toast's edit between the syncs: a selection leaves the order (no flag: it vanishes)."""
    order = world.find_order(EDITED_ORDER)
    check = order["checks"][0]
    check["selections"] = check["selections"][:1]
    check["amount"], check["taxAmount"] = 9.0, check["selections"][0]["tax"]
    check["totalAmount"] = round(9.0 + check["taxAmount"], 2)
    world.touch_order(EDITED_ORDER, format_ts(FIXED_NOW - timedelta(minutes=2)))


def trap_world() -> World:
    world = World.load()
    world.add_orders(R1, trap_orders())
    world.add_orders(R2, [inconsistent_order()])
    trap_labor(world)
    return world


def served(world: World) -> oracle.Served:
    return oracle.Served(world, parse_ts(INITIAL_SYNC_START.replace("Z", "+0000")), FIXED_NOW)


def sync(world: World, project: Project, between: Any = None) -> Path:
    with toast_server(world=world) as server, virtual_time():
        project.sync(make_configuration(server))
        if between is not None:
            between(world)
            project.sync(make_configuration(server))
    return project.warehouse.path


@pytest.fixture(scope="module")
def warehouses(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, oracle.Served]]:
    """name -> (warehouse with the models applied, the world it was synced from)."""
    root = tmp_path_factory.mktemp("models")
    traps = trap_world()
    generated = GeneratedWorld(
        restaurants=2, days=4, orders_per_day=40, start=FIXED_NOW.date() - timedelta(days=8)
    )
    demo = DemoWorld(days=DEMO_FIRST_DAYS, orders_per_day=DEMO_FIRST_ORDERS_PER_DAY)
    made = {
        "traps": (sync(traps, Project(root / "traps"), remove_a_selection), served(traps)),
        "generated": (sync(generated, Project(root / "generated")), served(generated)),
        "demo": (sync(demo, Project(root / "demo")), served(demo)),
    }
    for name, (path, _) in made.items():
        if name == "traps":  # as the README says to: the command line, in its own process
            applied = run_models("apply", str(path), "--schema", "tester")
            assert applied.splitlines() == [f"tester.{view}" for view in models.model_sql()]
            continue
        with duckdb.connect(str(path)) as db:
            models.apply(db, "tester")
    return made


def run_models(*arguments: str) -> str:
    """`python analytics/models.py ARGUMENTS` (README, Analyst models): what it printed."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "analytics" / "models.py"), *arguments],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def select(path: Path, view: str) -> oracle.Rows:
    key, values = oracle.COLUMNS[view]
    with duckdb.connect(str(path), read_only=True) as db:
        rows = db.execute(f"SELECT {', '.join(key)}, {values} FROM tester.{view}").fetchall()
    table = {row[: len(key)]: row[len(key) :] for row in rows}
    assert len(table) == len(rows), f"{view}: two rows share a key {key}"
    return table


# The models round money to the cent; the JSON's sums are exact: at most half a cent apart.
HALF_CENT = 0.005 + 1e-9


def same(got: Any, want: Any) -> bool:
    if isinstance(want, float) and got is not None:
        return got == pytest.approx(want, abs=HALF_CENT)
    return got == want


def assert_rows(actual: oracle.Rows, expected: oracle.Rows, view: str) -> None:
    missing, extra = set(expected) - set(actual), set(actual) - set(expected)
    assert not missing and not extra, (
        f"{view}: rows missing {sorted(missing)[:5]}, extra {sorted(extra)[:5]}"
    )
    columns = oracle.COLUMNS[view][1].split(", ")
    wrong = [
        f"{key} {column}: model {got!r}, JSON {want!r}"
        for key, want_row in expected.items()
        for column, got, want in zip(columns, actual[key], want_row, strict=True)
        if not same(got, want)
    ]
    assert wrong == [], f"{view}:\n" + "\n".join(wrong[:20])


@pytest.mark.parametrize("world_name", WORLDS)
@pytest.mark.parametrize("view", sorted(oracle.EXPECTED))
def test_model_holds_what_the_json_says(view: str, world_name: str, warehouses: dict) -> None:
    path, world = warehouses[world_name]
    expected = oracle.EXPECTED[view](world)
    assert len(expected) >= 2, f"{view}: the {world_name} world gives this model no rows"
    assert_rows(select(path, view), expected, view)


@pytest.fixture(scope="module")
def generated_guide_world(warehouses: dict) -> World:
    """What the generated world served its sync, held whole for test_guide.py's expectations."""
    return guide.served_world(warehouses["generated"][1])


@pytest.mark.parametrize("name", sorted(guide.EXPECTED))
def test_guide_query_returns_what_the_json_says_on_the_generated_world(
    name: str, warehouses: dict, generated_guide_world: World
) -> None:
    """Every query of analytics/ANALYST_GUIDE.md on this module's generated warehouse, against
    test_guide.py's expectations: here because this module syncs a generated world already (the
    guide's own module syncs the recorded and the demo world). Its labor and cash are the
    generator's (generate.py), not the demo's: two time zones, time entries with breaks, each
    day a drawer's float and drop and their deposit."""
    path, _ = warehouses["generated"]
    expected = guide.EXPECTED[name](generated_guide_world)
    assert len(expected) >= 2, f"{name}: the generated world gives this question few rows"
    guide.assert_rows(guide.run(path, guide.guide_queries()[name]), expected, name)


@pytest.mark.parametrize("dialect", models.DIALECTS)
def test_every_model_renders_and_parses_in_each_warehouse_dialect(dialect: str) -> None:
    statements = models.render(dialect, schema="toast_schema")
    names = []
    for statement in statements:
        tree = sqlglot.parse_one(statement, read=dialect)
        assert isinstance(tree, exp.Create), statement[:200]
        names.append(tree.this.name)
        read = {t.db for t in tree.expression.find_all(exp.Table) if t.db}
        assert read <= {"toast_schema"}, f"{dialect}: a table outside the schema in {names[-1]}"
    assert set(oracle.EXPECTED) <= set(names) == {p.stem for p in models.MODELS_DIR.glob("*.sql")}


@pytest.mark.parametrize("world_name", ["traps", "demo"])
def test_the_postgres_rendering_run_by_duckdb_gives_the_models_values(
    world_name: str, warehouses: dict, tmp_path: Path
) -> None:
    """More than a parse: DuckDB's SQL is Postgres's in all the models use, so the Postgres
    rendering is created in a copy of a warehouse and each of its views must hold exactly the
    rows of the DuckDB rendering (the one the values tests check against the JSON)."""
    path, _ = warehouses[world_name]
    copy = tmp_path / "postgres.db"
    shutil.copy(path, copy)
    with duckdb.connect(str(copy)) as db:
        for statement in models.render("postgres", "tester"):
            db.execute(statement)
    for view in models.model_sql():
        query = f"SELECT * FROM tester.{view} ORDER BY ALL"
        with duckdb.connect(str(path), read_only=True) as db:
            expected = db.execute(query).fetchall()
        with duckdb.connect(str(copy), read_only=True) as db:
            assert db.execute(query).fetchall() == expected, view


def test_the_command_line_prints_each_model_for_a_warehouse() -> None:
    """`models.py render --dialect D --schema S` (README): every view, as `render` makes it."""
    printed = run_models("render", "--dialect", "snowflake", "--schema", "my_toast_schema")
    assert printed == ";\n\n".join(models.render("snowflake", "my_toast_schema")) + ";\n"


def test_bigquery_gets_timestamp_diff_for_break_hours() -> None:
    labor = next(s for s in models.render("bigquery") if "toast_labor" in s.split("AS", 1)[0])
    assert "TIMESTAMP_DIFF(" in labor
    assert "DATE_DIFF(" not in labor


def test_a_stale_child_beyond_the_ledgers_reach_is_left_out(
    warehouses: dict, tmp_path: Path
) -> None:
    """A selection removed from an order more than the ledger's 90 days after its last edit stays
    live in the warehouse; its order_modified_date (an older version of the order) shows it."""
    path, world = warehouses["traps"]
    stale = tmp_path / "stale.db"
    shutil.copy(path, stale)
    with duckdb.connect(str(stale)) as db:
        db.execute(
            "INSERT INTO tester.orders_check_selection SELECT * REPLACE ("
            "'5e0000ff-0001-4000-8000-000000000255' AS id, "
            "order_modified_date - INTERVAL 100 DAY AS order_modified_date) "
            "FROM tester.orders_check_selection WHERE id = ?",
            [g("5e", 1)],
        )
    assert_rows(select(stale, "toast_order_lines"), oracle.order_lines(world), "toast_order_lines")
    assert_rows(select(stale, "toast_daily_sales"), oracle.daily_sales(world), "toast_daily_sales")


NET_SALES_FROM_LINES = """
SELECT d.restaurant_id, d.business_date, d.net_sales,
       round(coalesce(sum(l.net_amount) FILTER (WHERE l.in_net_sales), 0) + d.service_charges, 2)
FROM tester.toast_daily_sales AS d
LEFT JOIN tester.toast_order_lines AS l USING (restaurant_id, business_date)
GROUP BY d.restaurant_id, d.business_date, d.net_sales, d.service_charges
"""


@pytest.mark.parametrize("world_name", WORLDS)
def test_net_sales_is_the_lines_plus_service_charges_where_checks_are_consistent(
    world_name: str, warehouses: dict
) -> None:
    path, world = warehouses[world_name]
    with duckdb.connect(str(path), read_only=True) as db:
        days = {
            (r, d): (net, lines)
            for r, d, net, lines in db.execute(NET_SALES_FROM_LINES).fetchall()
        }
    consistent = oracle.consistent_days(world)
    assert len(consistent & set(days)) >= 8
    assert [(k, days[k]) for k in consistent if days[k][0] != pytest.approx(days[k][1])] == []


def test_an_inconsistent_check_net_sales_follow_its_amount(warehouses: dict) -> None:
    """The check's amount is $3.00 below its selection: net sales follow amount (Toast's
    reports do), the lines keep the selection's price."""
    path, world = warehouses["traps"]
    assert INCONSISTENT_DAY not in oracle.consistent_days(world)
    with duckdb.connect(str(path), read_only=True) as db:
        days = {
            (r, d): (net, lines)
            for r, d, net, lines in db.execute(NET_SALES_FROM_LINES).fetchall()
        }
    assert days[INCONSISTENT_DAY] == (17.0, 20.0)
