"""The published menu (menus API v2) and tip withholding, synced from the recorded world through
the SDK's runner: rows and values in the warehouse, requests the fake saw, state written."""

from __future__ import annotations

import itertools
import json
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import pytest
from fivetran_connector_sdk import Logging

import connector
from tests.conftest import (
    FIXED_NOW,
    Project,
    SyncResult,
    Warehouse,
    make_configuration,
    toast_server,
    virtual_time,
)
from tests.fake_toast import R1, R2, R3, FakeToast, Fault, World

HOUSE_BURGER = "c0000006-0000-4000-8000-000000000001"  # same guid at R1 and R2
FRIES = "c0000006-0001-4000-8000-000000000002"  # placed in two groups of R1's All Day menu
GRAIN_BOWL = "c0000006-0001-4000-8000-000000000004"  # SIZE_PRICE
LOBSTER_ROLL = "c0000006-0001-4000-8000-000000000010"  # TIME_SPECIFIC_PRICE
ALL_DAY = "c0000004-0000-4000-8000-000000000001"
MAINS = "c0000005-0001-4000-8000-000000000001"
BURGERS = "c0000005-0001-4000-8000-000000000003"  # nested in Mains
SIDES = "c0000005-0001-4000-8000-000000000002"
BRUNCH_SPECIALS = "c0000005-0001-4000-8000-000000000005"
BURGER_ADD_ONS = "c0000020-0001-4000-8000-000000000004"
SAUCES = "c0000020-0001-4000-8000-000000000002"  # referenceIds 5 and 6: one group
BOWL_PROTEINS = "c0000020-0001-4000-8000-000000000001"
HEAT_LEVEL = "c0000020-0001-4000-8000-000000000003"
GRILLED_CHICKEN = "c0000006-0001-4000-8000-000000000006"  # an option that opens Heat Level
AGED_CHEDDAR = "c0000006-0001-4000-8000-000000000009"
SMOKED_BACON = "c0000006-0001-4000-8000-000000000011"
SIZE_REGULAR = "c0000006-0001-4000-8000-000000000012"
SIZE_LARGE = "c0000006-0001-4000-8000-000000000013"
ALL = '["POS","TOAST_ONLINE_ORDERING","ORDERING_PARTNERS"]'


def rows(
    warehouse: Warehouse, table: str, order: str = "restaurant_id", **where: str
) -> list[dict[str, Any]]:
    """Rows of a table matching column = value, every column but `_fivetran_synced`."""
    condition = " AND ".join(f"{column} = ?" for column in where) or "TRUE"
    with duckdb.connect(str(warehouse.path), read_only=True) as db:
        cursor = db.execute(
            f'SELECT * FROM tester."{table}" WHERE {condition} ORDER BY {order}',
            list(where.values()),
        )
        names = [description[0] for description in cursor.description]
        found = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    for row in found:
        del row["_fivetran_synced"]
        for name, value in row.items():
            if isinstance(value, str) and value.startswith(("[", "{")):
                row[name] = json.dumps(json.loads(value), separators=(",", ":"))
    return found


def master_id(guid: str, restaurant: str = R1) -> int:
    """The masterId the recorded document gives `guid` (an integer above 2^53)."""
    found = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            if value.get("guid") == guid and "masterId" in value:
                found.append(value["masterId"])
            for inner in value.values():
                walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)

    walk(World.load().menus[restaurant])
    assert found and found[0] > 2**53
    return found[0]


def one(warehouse: Warehouse, table: str, **where: str) -> dict[str, Any]:
    found = rows(warehouse, table, **where)
    assert len(found) == 1, f"{table} {where}: {len(found)} rows"
    return found[0]


@pytest.fixture(scope="module")
def synced(tmp_path_factory: pytest.TempPathFactory) -> tuple[SyncResult, FakeToast]:
    with toast_server(world=World.load()) as server, virtual_time():
        project = Project(tmp_path_factory.mktemp("menus") / "project")
        result = project.sync(make_configuration(server))
    return result, server


def test_an_item_in_two_groups_is_one_item_and_two_placements(synced) -> None:
    warehouse = synced[0].warehouse
    assert one(warehouse, "published_menu_item", id=HOUSE_BURGER, restaurant_id=R1) == {
        "id": HOUSE_BURGER,
        "restaurant_id": R1,
        "name": "House Burger",
        "master_id": master_id(HOUSE_BURGER),  # above 2^53: exact, never through a float
        "multi_location_id": None,
        "description": "",
        "image": None,
        "visibility": ALL,
        "price": 15.5,
        "pricing_strategy": "BASE_PRICE",
        "pricing_rules": None,
        "is_discountable": True,
        "sales_category_id": "c0000009-0001-4000-8000-000000000001",
        "sales_category_name": "Food",
        "tax_info": '["c0000012-0001-4000-8000-000000000001"]',
        "item_tags": "[]",
        "plu": "00417",
        "sku": "HB-1",
        "calories": 850,
        "unit_of_measure": "NONE",
        "portions": "[]",
        "prep_time": 480,
        "prep_stations": "[]",
        "tax_inclusion": "TAX_NOT_INCLUDED",
        "_fivetran_deleted": False,
    }
    placements = rows(
        warehouse,
        "published_menu_item_placement",
        "restaurant_id, menu_id",
        menu_item_id=HOUSE_BURGER,
    )
    assert placements == [
        {
            "menu_item_id": HOUSE_BURGER,
            "menu_group_id": BURGERS,
            "menu_id": ALL_DAY,
            "restaurant_id": R1,
            "position": 0,
            "price": 15.5,
            "pricing_strategy": "BASE_PRICE",
            "_fivetran_deleted": False,
        },
        {
            "menu_item_id": HOUSE_BURGER,
            "menu_group_id": BRUNCH_SPECIALS,
            "menu_id": "c0000004-0001-4000-8000-000000000002",
            "restaurant_id": R1,
            "position": 0,
            "price": 17.0,
            "pricing_strategy": "MENU_SPECIFIC_PRICE",
            "_fivetran_deleted": False,
        },
        {  # the same guid at another location: its own rows, its own price
            "menu_item_id": HOUSE_BURGER,
            "menu_group_id": "c0000005-0002-4000-8000-000000000002",
            "menu_id": ALL_DAY,
            "restaurant_id": R2,
            "position": 0,
            "price": 16.25,
            "pricing_strategy": "BASE_PRICE",
            "_fivetran_deleted": False,
        },
    ]
    fries = rows(warehouse, "published_menu_item_placement", "menu_group_id", menu_item_id=FRIES)
    assert [(row["menu_group_id"], row["position"]) for row in fries] == [(SIDES, 0), (BURGERS, 1)]
    assert len(rows(warehouse, "published_menu_item", id=FRIES)) == 1


def test_nested_groups_keep_their_parent_and_menu(synced) -> None:
    warehouse = synced[0].warehouse
    assert one(warehouse, "published_menu_group", id=BURGERS, restaurant_id=R1) == {
        "id": BURGERS,
        "restaurant_id": R1,
        "menu_id": ALL_DAY,
        "parent_menu_group_id": MAINS,
        "name": "Burgers",
        "master_id": master_id(BURGERS),
        "multi_location_id": None,
        "description": "",
        "image": None,
        "visibility": ALL,
        "item_tags": "[]",
        "position": 0,
        "_fivetran_deleted": False,
    }
    mains = one(warehouse, "published_menu_group", id=MAINS, restaurant_id=R1)
    assert (mains["parent_menu_group_id"], mains["menu_id"], mains["position"]) == (
        None,
        ALL_DAY,
        0,
    )
    brunch = one(warehouse, "published_menu", id="c0000004-0001-4000-8000-000000000002")
    assert brunch["availability_always_available"] is False
    assert json.loads(brunch["availability_schedule"]) == [
        {"days": ["SATURDAY", "SUNDAY"], "timeRanges": [{"start": "09:00", "end": "14:00"}]}
    ]
    assert (brunch["visibility"], brunch["position"], brunch["restaurant_id"]) == (
        '["POS"]',
        1,
        R1,
    )


def test_size_and_time_specific_prices_are_rows(synced) -> None:
    warehouse = synced[0].warehouse
    order = "price_type, position"
    bowl = rows(warehouse, "published_menu_item_price", order, menu_item_id=GRAIN_BOWL)
    common = {"menu_item_id": GRAIN_BOWL, "menu_group_id": MAINS, "restaurant_id": R1}
    nothing = {"base_price": None, "schedule": None, "sequence": None, "_fivetran_deleted": False}
    assert bowl == [
        {**common, **nothing, "price_type": "SIZE", "position": 0, "price": 12.0,
         "size_name": "Regular", "size_guid": SIZE_REGULAR},
        {**common, **nothing, "price_type": "SIZE", "position": 1, "price": 15.5,
         "size_name": "Large", "size_guid": SIZE_LARGE},
    ]  # fmt: skip
    lobster = rows(warehouse, "published_menu_item_price", order, menu_item_id=LOBSTER_ROLL)
    assert [(r["price_type"], r["price"], r["base_price"]) for r in lobster] == [
        ("BASE", 24.0, None),
        ("TIME_SPECIFIC", 19.5, 24.0),
    ]
    assert json.loads(lobster[1]["schedule"]) == [
        {
            "days": ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY"],
            "timeRanges": [{"start": "15:00", "end": "17:00"}],
        }
    ]


def test_shared_modifier_groups_options_and_the_links_between_them(synced) -> None:
    warehouse = synced[0].warehouse
    # Toast lists Sauces under two referenceIds (two instances); it is one group, the first
    # instance's values, linked from both items that use it.
    assert one(warehouse, "published_modifier_group", id=SAUCES, restaurant_id=R1) == {
        "id": SAUCES,
        "restaurant_id": R1,
        "name": "Sauces",
        "master_id": master_id(SAUCES),
        "multi_location_id": None,
        "visibility": ALL,
        "pricing_strategy": "NONE",
        "pricing_rules": None,
        "default_options_charge_price": "YES",
        "default_options_substitution_pricing": "NO",
        "min_selections": 0,
        "max_selections": None,
        "required_mode": "OPTIONAL",
        "is_multi_select": True,
        "pre_modifier_group_id": None,
        "pre_modifier_group_name": None,
        "_fivetran_deleted": False,
    }
    links = rows(
        warehouse, "published_menu_item_modifier_group", "menu_item_id", modifier_group_id=SAUCES
    )
    assert [(r["menu_item_id"], r["position"], r["restaurant_id"]) for r in links] == [
        (FRIES, 0, R1),
        ("c0000006-0001-4000-8000-000000000003", 0, R1),  # Caesar Salad
    ]
    assert len(rows(warehouse, "published_modifier_group", id=SAUCES)) == 1
    add_ons = one(warehouse, "published_modifier_group", id=BURGER_ADD_ONS)
    assert (add_ons["pre_modifier_group_id"], add_ons["pre_modifier_group_name"]) == (
        "c0000022-0001-4000-8000-000000000001",
        "Portion",
    )
    assert one(warehouse, "published_modifier_option", id=SMOKED_BACON) == {
        "id": SMOKED_BACON,
        "modifier_group_id": BURGER_ADD_ONS,
        "restaurant_id": R1,
        "name": "Smoked Bacon",
        "master_id": master_id(SMOKED_BACON),
        "multi_location_id": None,
        "description": "",
        "image": None,
        "visibility": ALL,
        "price": 2.25,
        "pricing_strategy": "BASE_PRICE",
        "pricing_rules": None,
        "sales_category_id": None,
        "sales_category_name": None,
        "tax_info": '["c0000012-0001-4000-8000-000000000001"]',
        "modifier_option_tax_info_tax_rate_guids": '["c0000012-0001-4000-8000-000000000001"]',
        "modifier_option_tax_info_override_item_tax_rates": False,
        "item_tags": "[]",
        "plu": "0071",
        "sku": "",
        "calories": None,
        "unit_of_measure": "NONE",
        "portions": "[]",
        "is_default": False,
        "allows_duplicates": False,
        "position": 1,
        "_fivetran_deleted": False,
    }
    assert rows(warehouse, "published_modifier_option_modifier_group") == [
        {
            "modifier_option_id": GRILLED_CHICKEN,
            "parent_modifier_group_id": BOWL_PROTEINS,
            "modifier_group_id": HEAT_LEVEL,
            "restaurant_id": R1,
            "position": 0,
            "_fivetran_deleted": False,
        }
    ]
    proteins = one(warehouse, "published_modifier_group", id=BOWL_PROTEINS)
    assert json.loads(proteins["pricing_rules"])["sizeSequencePricingRules"][1] == {
        "sizeName": "Large",
        "sizeGuid": SIZE_LARGE,
        "sequencePrices": [{"sequence": 1, "price": 4.5}],
    }


def test_tip_withholding_is_one_row_per_restaurant(synced) -> None:
    warehouse = synced[0].warehouse
    assert rows(warehouse, "tip_withholding") == [
        {
            "restaurant_id": restaurant,
            "id": f"c0000024-000{n}-4000-8000-000000000001",
            "entity_type": "TipWithholding",
            "enabled": enabled,
            "percentage": percentage,
            "_fivetran_deleted": False,
        }
        for n, restaurant, enabled, percentage in (
            (1, R1, True, 3.25),
            (2, R2, True, 2.5),
            (3, R3, False, 0.0),
        )
    ]


def test_each_restaurant_asks_the_metadata_then_the_menus_once(synced) -> None:
    result, server = synced
    for restaurant in (R1, R2, R3):
        asked = [r.path for r in server.requests if r.restaurant == restaurant]
        assert asked.count("/menus/v2/metadata") == 1
        assert asked.count("/menus/v2/menus") == 1
        assert asked.index("/menus/v2/metadata") < asked.index("/menus/v2/menus")
        state = result.state["restaurants"][restaurant]
        assert state["menusLastUpdated"] == server.world.menus[restaurant]["lastUpdated"]
    assert len(rows(result.warehouse, "published_menu_item", restaurant_id=R3)) == 2


def test_given_an_unchanged_menu_then_only_its_metadata_is_asked(
    project: Project, toast: FakeToast, no_wait: list[float]
) -> None:
    configuration = make_configuration(toast)
    project.sync(configuration)
    del toast.requests[:]
    second = project.sync(configuration)
    menus = [r for r in toast.requests if r.path.startswith("/menus/")]
    assert sorted((r.path, r.restaurant) for r in menus) == [
        ("/menus/v2/metadata", R1),
        ("/menus/v2/metadata", R2),
        ("/menus/v2/metadata", R3),
    ]
    assert second.warehouse.count("published_menu_item", deleted=False) == 10


def test_given_a_newly_published_menu_then_renames_land_and_removed_options_end_deleted(
    project: Project, toast: FakeToast, no_wait: list[float]
) -> None:
    configuration = make_configuration(toast, restaurantGuids=f"{R1},{R2}")
    project.sync(configuration)
    document = toast.world.menus[R1]
    document["lastUpdated"] = "2026-11-19T08:00:00.000+0000"
    for item in _items(document):
        if item["guid"] == FRIES:
            item["name"] = "Hand-Cut Fries"
    add_ons = document["modifierGroupReferences"]["1"]
    add_ons["modifierOptionReferences"] = [10]  # Smoked Bacon leaves the group (and the menu)
    del document["modifierOptionReferences"]["11"]
    del toast.requests[:]

    second = project.sync(configuration)

    warehouse = second.warehouse
    fries = one(warehouse, "published_menu_item", id=FRIES)
    assert (fries["name"], fries["_fivetran_deleted"]) == ("Hand-Cut Fries", False)
    bacon = one(warehouse, "published_modifier_option", id=SMOKED_BACON)
    assert (bacon["name"], bacon["_fivetran_deleted"]) == ("Smoked Bacon", True)
    cheddar = one(warehouse, "published_modifier_option", id=AGED_CHEDDAR)
    assert (cheddar["position"], cheddar["_fivetran_deleted"]) == (0, False)
    assert {r["_fivetran_deleted"] for r in rows(warehouse, "published_menu_item")} == {False}
    fetched = [r.restaurant for r in toast.requests if r.path == "/menus/v2/menus"]
    assert fetched == [R1]  # R2's menu did not change
    assert second.state["restaurants"][R1]["menusLastUpdated"] == "2026-11-19T08:00:00.000+0000"


def test_given_the_menus_scope_refused_then_the_menu_is_owed_and_lands_once_granted(
    project: Project, toast: FakeToast, no_wait: list[float]
) -> None:
    configuration = make_configuration(toast, restaurantGuids=f"{R1},{R2}")
    toast.script("GET", r"^/menus/v2/metadata$", Fault(status=403, restaurant=R2))

    first = project.sync(configuration)

    r2 = first.state["restaurants"][R2]
    assert "menusLastUpdated" not in r2
    assert [debt["endpoint"] for debt in r2["debts"]] == ["/menus/v2/menus"]
    assert rows(first.warehouse, "published_menu", restaurant_id=R2) == []
    assert len(rows(first.warehouse, "published_menu", restaurant_id=R1)) == 2
    assert first.warehouse.count("orders") > 0  # the rest of R2 synced

    second = project.sync(configuration)

    assert "debts" not in second.state["restaurants"][R2]
    assert [r["name"] for r in rows(second.warehouse, "published_menu", restaurant_id=R2)] == [
        "All Day"
    ]


def _items(document: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    def walk(groups: list[dict[str, Any]]) -> None:
        for group in groups:
            found.extend(group.get("menuItems") or [])
            walk(group.get("menuGroups") or [])

    for menu in document["menus"]:
        walk(menu["menuGroups"])
    return found


def test_the_menus_document_is_asked_at_most_once_a_second_per_location(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Toast allows 1 request per second per location on /menus/v2/menus (toast_api.md §4): the
    client's limiter spaces them (`_MENUS_LIMIT`), whatever else the location asks meanwhile,
    before Toast's headers say the second is used up (that pause is switched off here)."""
    Logging.LOG_LEVEL = Logging.Level.INFO  # no runner here
    monkeypatch.setattr(connector.ToastClient, "_slow_down", lambda *_: None)
    endpoint = next(e for e in connector.ONCE_PER_SYNC if e.path == "/menus/v2/menus")
    with toast_server(world=World.load()) as server, virtual_time() as virtual:
        settings = connector.validate_configuration(make_configuration(server))
        client = connector.ToastClient(
            settings, connector.TokenCache(settings.fernet, None), connector.SLEEP, connector.CLOCK
        )
        restaurant = connector.Restaurant(R1, ZoneInfo("America/New_York"), 4)
        asking = connector.Asking(client, restaurant, [].append, FIXED_NOW)
        reader = connector.MenusReader(asking, None)  # a stream's reader is read on its own
        try:
            for _ in range(4):  # a menu that is never the one last written: fetched each time
                assert reader.read(endpoint, None) == []
        finally:
            client.close()
    menus = [s.admitted for s in virtual.sent if s.path == "/menus/v2/menus"]
    metadata = [s.admitted for s in virtual.sent if s.path == "/menus/v2/metadata"]
    assert len(menus) == 4 and len(metadata) == 4
    gaps = [later - earlier for earlier, later in itertools.pairwise(menus)]
    assert min(gaps) >= 1.0  # (longer when Toast's headers say the second is used up)
