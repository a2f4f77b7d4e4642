"""Whole syncs of the recorded world through the SDK's runner, asserted on the DuckDB warehouse,
on the requests the fake Toast server saw, and on the state written."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import duckdb
import pytest

import connector
from tests.conftest import (
    FIXED_NOW,
    Project,
    SyncResult,
    make_configuration,
    toast_server,
    virtual_time,
)
from tests.fake_toast import (
    COMBO_DISCOUNT_ORDER,
    DEEP_MODIFIER_ORDER,
    EDGE_ORDER,
    MANAGEMENT_GROUP,
    NULL_GUID_TAX_ORDER,
    R1,
    R2,
    R3,
    SHARED_EMPLOYEE,
    SHARED_MENU,
    SHARED_MENU_ITEM,
    STRADDLE_CASH_DATE_R2,
    STRADDLE_SHIFT,
    VOIDED_ORDER,
    VOIDED_PAYMENT_ORDER,
    FakeToast,
    World,
)
from tests.replay import oracle

START = datetime(2026, 9, 1, tzinfo=timezone.utc)


def now_utc() -> datetime:
    return FIXED_NOW


def toast_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


@pytest.fixture(scope="module")
def first_sync(clean_sync: tuple[SyncResult, FakeToast]) -> tuple[SyncResult, FakeToast]:
    """One full sync of the recorded world (tests/conftest.py `clean_sync`), shared by the
    read-only assertions below."""
    return clean_sync


def test_every_contract_table_has_exactly_the_rows_of_the_source(first_sync) -> None:
    result, server = first_sync
    expected = oracle.expected_warehouse(server.world, START, now_utc())
    oracle.assert_warehouse_matches(result.warehouse, expected)  # every row, every value
    assert result.warehouse.tables() >= set(oracle.CONFIG_TABLES.values()) | {"orders"}


def test_source_naming_gives_the_same_warehouse(first_sync, tmp_path) -> None:
    """The connector emits Fivetran's column names itself: a sync that keeps source names
    (`fivetran debug --naming SOURCE`, or a connection deployed so) lands the same tables,
    columns, types and rows, and the SDK's runner renames nothing."""
    fivetran_named = first_sync[0].warehouse
    with toast_server(world=World.load()) as server, virtual_time():
        project = Project(tmp_path / "source-naming")
        source_named = project.sync(make_configuration(server), fivetran_naming=False).warehouse
    columns = (
        "SELECT table_name, column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = 'tester' ORDER BY 1, 2"
    )
    assert source_named.query(columns) == fivetran_named.query(columns)
    assert source_named.snapshot() == fivetran_named.snapshot()
    assert any(column == "orders_check_id" for _, column, _ in source_named.query(columns))


def test_foreign_keys_resolve(first_sync) -> None:
    warehouse = first_sync[0].warehouse
    assert oracle.dangling_foreign_keys(warehouse) == []
    assert warehouse.count("orders_check_selection_modifier") > 0


def test_objects_toast_flags_deleted_end_soft_deleted_and_voided_stay(first_sync) -> None:
    result, server = first_sync
    expected = oracle.expected_warehouse(server.world, START, now_utc())
    for table in ("orders", "orders_check", "job", "employee", "shift", "time_entry"):
        guids = {row.values["id"] for row in expected.rows[table] if row.deleted}
        assert guids, f"the recorded world should delete something in {table}"
        assert result.warehouse.ids(table, deleted=True) == guids, table
    voided = result.warehouse.row("orders", VOIDED_ORDER)
    assert voided["voided"] is True
    assert voided["_fivetran_deleted"] is False


def test_nested_modifiers_keep_their_parents(first_sync) -> None:
    rows = first_sync[0].warehouse.query(
        "SELECT m.id, m.parent_modifier_id FROM tester.orders_check_selection_modifier m "
        "JOIN tester.orders_check_selection s ON s.id = m.orders_check_selection_id "
        "JOIN tester.orders_check c ON c.id = s.orders_check_id WHERE c.orders_id = ?",
        DEEP_MODIFIER_ORDER,
    )
    parents = dict(rows)
    depth = {guid: 0 for guid, parent in parents.items() if parent is None}
    while len(depth) < len(parents):
        depth.update({g: depth[p] + 1 for g, p in parents.items() if p in depth})
    assert max(depth.values()) >= 2  # a modifier of a modifier of a modifier


def test_null_guid_taxes_are_distinct_rows(first_sync) -> None:
    rows = first_sync[0].warehouse.query(
        "SELECT t.id, t.name FROM tester.orders_check_selection_applied_tax t "
        "JOIN tester.orders_check_selection s ON s.id = t.orders_check_selection_id "
        "JOIN tester.orders_check c ON c.id = s.orders_check_id WHERE c.orders_id = ?",
        NULL_GUID_TAX_ORDER,
    )
    ids = [row[0] for row in rows]
    assert len(ids) == len(set(ids)) >= 2


def test_discount_triggers_and_combo_items_all_land(first_sync) -> None:
    warehouse = first_sync[0].warehouse
    triggers = warehouse.query(
        "SELECT count(*) FROM tester.orders_check_applied_discount_trigger t "
        "JOIN tester.orders_check_applied_discount d ON d.id = t.orders_check_applied_discount_id "
        "JOIN tester.orders_check c ON c.id = d.orders_check_id WHERE c.orders_id = ?",
        COMBO_DISCOUNT_ORDER,
    )[0][0]
    combos = warehouse.query(
        "SELECT count(*) FROM tester.orders_check_applied_discount_combo_item i "
        "JOIN tester.orders_check_applied_discount d ON d.id = i.orders_check_applied_discount_id "
        "JOIN tester.orders_check c ON c.id = d.orders_check_id WHERE c.orders_id = ?",
        COMBO_DISCOUNT_ORDER,
    )[0][0]
    assert (triggers, combos) == (2, 2)


def test_shared_guids_are_one_row_per_restaurant(first_sync) -> None:
    warehouse = first_sync[0].warehouse
    for table, guid in (("menu", SHARED_MENU), ("menu_item", SHARED_MENU_ITEM)):
        restaurants = warehouse.query(
            f"SELECT restaurant_id FROM tester.{table} WHERE id = ?", guid
        )
        assert sorted(r for (r,) in restaurants) == [R1, R2], table
    employees = warehouse.query(
        "SELECT restaurant_id FROM tester.employee WHERE id = ?", SHARED_EMPLOYEE
    )
    assert sorted(r for (r,) in employees) == [R1, R2]


def test_window_edges_lose_nothing(first_sync) -> None:
    warehouse = first_sync[0].warehouse
    assert warehouse.row("shift", STRADDLE_SHIFT)["_fivetran_deleted"] is False
    assert warehouse.row("orders", EDGE_ORDER)["id"] == EDGE_ORDER
    straddling_cash = warehouse.query(
        "SELECT count(*) FROM tester.cash_entry WHERE restaurant_id = ? AND business_date = ?",
        R2,
        int(STRADDLE_CASH_DATE_R2),
    )[0][0]
    world = first_sync[1].world
    assert straddling_cash == len(world.cash[R2]["entries"][STRADDLE_CASH_DATE_R2])


def test_columns_have_the_declared_types(first_sync) -> None:
    warehouse = first_sync[0].warehouse
    expected = {
        ("orders", "modified_date"): "TIMESTAMP WITH TIME ZONE",
        ("orders", "business_date"): "INTEGER",
        ("orders", "deleted"): "BOOLEAN",
        ("orders", "voided"): "BOOLEAN",
        ("orders_check", "total_amount"): "DOUBLE",
        ("orders_check_selection", "quantity"): "DOUBLE",
        ("orders_check_selection", "price"): "DOUBLE",
        ("payment", "amount"): "DOUBLE",
        ("payment", "paid_date"): "TIMESTAMP WITH TIME ZONE",
        ("payment", "refund_refund_amount"): "DOUBLE",
        ("time_entry", "business_date"): "INTEGER",
        ("time_entry", "regular_hours"): "DOUBLE",
        ("shift", "in_date"): "TIMESTAMP WITH TIME ZONE",
        ("cash_entry", "amount"): "DOUBLE",
        ("restaurant", "closeout_hour"): "INTEGER",
        ("restaurant", "archived"): "BOOLEAN",
    }
    actual = {key: warehouse.columns(key[0]).get(key[1]) for key in expected}
    assert actual == expected
    for table in warehouse.tables():
        float_columns = [c for c, kind in warehouse.columns(table).items() if kind == "FLOAT"]
        assert float_columns == [], f"{table}: 32-bit FLOAT columns lose money precision"


def test_lists_are_valid_json_never_python_repr(first_sync) -> None:
    warehouse = first_sync[0].warehouse
    checked = 0
    with duckdb.connect(str(warehouse.path), read_only=True) as db:  # one connection, not 900
        text_columns = db.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'tester' AND data_type IN ('JSON', 'VARCHAR')"
        ).fetchall()
        found = [
            (table, column, kind, value)
            for table, column, kind in text_columns
            for (value,) in db.execute(
                f'SELECT "{column}" FROM tester."{table}" WHERE "{column}" IS NOT NULL'
            ).fetchall()
        ]
    for table, column, kind, value in found:
        text = str(value)
        assert not text.startswith(("{'", "[{'", "['")), f"{table}.{column}: {text[:40]}"
        if kind == "JSON":
            json.loads(text)
            checked += 1
    assert checked > 0


def test_requests_respect_toast_contracts(first_sync) -> None:
    server = first_sync[1]
    assert all(r.status == 200 for r in server.requests)
    orders = server.requests_to("/orders/v2/ordersBulk")
    assert orders and all(r.params["pageSize"] == "100" for r in orders)
    assert orders[0].params["startDate"] == "2026-09-01T00:00:00.000+0000"
    for request in (*orders, *server.requests_to("/labor/v1/shifts")):
        start = datetime.strptime(request.params.get("startDate") or "", "%Y-%m-%dT%H:%M:%S.%f%z")
        end = datetime.strptime(request.params["endDate"], "%Y-%m-%dT%H:%M:%S.%f%z")
        assert timedelta(0) < end - start <= timedelta(days=30)
    assert server.logins == 1


def test_state_holds_cursors_and_only_an_encrypted_token(first_sync) -> None:
    result, server = first_sync
    state = result.state
    assert set(state["restaurants"]) == {R1, R2, R3}
    for restaurant_state in state["restaurants"].values():
        cursors = restaurant_state["cursors"]
        assert set(cursors) == {"orders", "labor", "cash"}
        assert all(
            connector.parse_timestamp(cursors[stream]) > now_utc() - timedelta(hours=1)
            for stream in cursors
        )
    text = json.dumps(state)
    assert server.client_secret not in text
    assert "Bearer" not in text
    issued = [r.authorization for r in server.requests if r.authorization]
    assert issued and all(header.split()[-1] not in text for header in issued)


def test_given_synced_when_the_source_changes_then_the_second_sync_fetches_only_new_windows(
    project: Project, world: World, no_wait: list[float]
) -> None:
    world.disconnect(R3)
    with toast_server(world=world) as server:
        # The recorded orders were modified months before the wall clock's now: a reach of 90
        # days keeps them in the delete ledger (the default 3 would have forgotten them). The
        # second sync runs at the first one's now: configuration is read at every sync.
        configuration = make_configuration(
            server, deleteLedgerDays="90", configChangesHours="0", configListingHours="0"
        )
        first = project.sync(configuration)
        before = oracle.expected_warehouse(world, START, now_utc())  # without R3
        oracle.assert_warehouse_matches(first.warehouse, before)
        cursor = connector.parse_timestamp(first.state["restaurants"][R1]["cursors"]["orders"])

        changed = toast_time(now_utc() - timedelta(seconds=1))
        modified = world.touch_order(DEEP_MODIFIER_ORDER, changed)
        removed_selection = modified["checks"][0]["selections"].pop(0)
        removed_modifiers = [m["guid"] for m in removed_selection.get("modifiers") or []]
        world.touch_order(VOIDED_PAYMENT_ORDER, changed)["deleted"] = True
        removed_item = world.config[R1]["menuItems"][0]["guid"]
        world.remove_config(R1, "menuItems", removed_item)
        world.connect(R3)
        del server.requests[:]
        logins_before = server.logins

        second = project.sync(configuration)

    warehouse = second.warehouse
    # Every row of the changed world, R3's included; what the change removed, soft-deleted.
    oracle.assert_warehouse_matches(
        warehouse, oracle.expected_warehouse(world, START, now_utc(), earlier=before)
    )
    assert warehouse.row("orders_check_selection", removed_selection["guid"])["_fivetran_deleted"]
    for guid in removed_modifiers:
        assert warehouse.row("orders_check_selection_modifier", guid)["_fivetran_deleted"]
    assert warehouse.row("orders", VOIDED_PAYMENT_ORDER)["_fivetran_deleted"] is True
    assert warehouse.query(
        "SELECT _fivetran_deleted FROM tester.menu_item WHERE id = ? AND restaurant_id = ?",
        removed_item,
        R1,
    ) == [(True,)]

    r1_orders = [r for r in server.requests_to("/orders/v2/ordersBulk") if r.restaurant == R1]
    assert [r.params["startDate"] for r in r1_orders] == [
        connector.format_timestamp(cursor - timedelta(minutes=5))
    ]
    r3_orders = [r for r in server.requests_to("/orders/v2/ordersBulk") if r.restaurant == R3]
    assert r3_orders[0].params["startDate"] == "2026-09-01T00:00:00.000+0000"
    assert server.logins == logins_before  # the token cached in state was reused


def test_configured_restaurant_guids_replace_the_partners_api(
    project: Project, toast: FakeToast, no_wait: list[float]
) -> None:
    result = project.sync(make_configuration(toast, restaurantGuids=f"{R2}"))
    assert toast.requests_to("/partners/v1/restaurants") == []
    expected = oracle.expected_warehouse(toast.world, START, now_utc(), restaurants=[R2])
    oracle.assert_warehouse_matches(result.warehouse, expected)  # no partners record columns
    assert result.warehouse.ids("restaurant") == {R2}
    assert result.warehouse.row("restaurant", R2)["time_zone"] == "America/Los_Angeles"
    assert {r.restaurant for r in toast.requests if r.restaurant} == {R2}


def test_a_management_group_lists_its_restaurants_for_standard_api_credentials(
    project: Project, toast: FakeToast, no_wait: list[float]
) -> None:
    configuration = make_configuration(
        toast, restaurantGuids=R3, managementGroupGuid=MANAGEMENT_GROUP
    )
    result = project.sync(configuration)
    assert toast.requests_to("/partners/v1/restaurants") == []
    assert result.warehouse.ids("restaurant") == {R1, R2, R3}
    group = toast.requests_to(f"/restaurants/v1/groups/{MANAGEMENT_GROUP}/restaurants")
    assert [r.restaurant for r in group] == [R3]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param({"key": "nope"}, "'key'", id="fernet"),
        pytest.param({"initialSyncStart": "yesterday"}, "'initialSyncStart'", id="start"),
        pytest.param({"clientId": ""}, "'clientId'", id="missing"),
    ],
)
def test_a_bad_configuration_fails_the_sync_before_any_request(
    project: Project, toast: FakeToast, change: dict, message: str
) -> None:
    with pytest.raises(Exception, match=message):
        project.sync(make_configuration(toast, **change))
    assert toast.requests == []


def test_given_a_second_sync_then_config_writes_only_changed_and_new_objects(
    project: Project, toast: FakeToast, no_wait: list[float]
) -> None:
    configuration = make_configuration(  # the second sync runs at the first one's now
        toast, restaurantGuids=R1, configChangesHours="0", configListingHours="0"
    )
    project.sync(configuration)
    items = toast.world.config[R1]["menuItems"]
    changed, untouched = items[1], items[2]
    changed["name"] = "Renamed burger"
    changed["_lastModified"] = toast_time(now_utc())
    added = {**untouched, "guid": "c0000006-0001-4000-8000-0000000000aa", "name": "New item"}
    items.append(added)
    del toast.requests[:]

    warehouse = project.sync(configuration).warehouse

    def synced(guid: str) -> str:
        return warehouse.query(
            "SELECT CAST(_fivetran_synced AS VARCHAR) FROM tester.menu_item WHERE id = ?", guid
        )[0][0]

    assert synced(changed["guid"]) > synced(untouched["guid"])
    assert synced(added["guid"]) > synced(untouched["guid"])
    assert warehouse.row("menu_item", changed["guid"])["name"] == "Renamed burger"
    requests = [r for r in toast.requests if r.path == "/config/v2/menuItems"]
    assert any("lastModified" in r.params for r in requests)
    assert any("lastModified" not in r.params for r in requests)  # the full re-list
