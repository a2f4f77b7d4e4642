"""Every field Toast documents lands with Toast's type: the registry against Toast's specs.

The specs (`shared/toast/openapi/*.yaml`; cash management: toast_api.md §6.7) are walked for
every synced object. Each documented field gets the column name `build_row` gives it (nested
objects flattened at any depth with their name as prefix, `guid` -> `id`, the restaurant's
`general` and `location` without prefix, child lists left to their own tables, other arrays and
the objects a table keeps whole as JSON) and the type Toast declares: string -> STRING (enums
too), string date-time -> UTC_DATETIME, number -> DOUBLE, integer -> INT (int64 -> LONG),
boolean -> BOOLEAN. The registry must declare exactly that; where it deliberately does not,
`DEVIATIONS` says why.

The walk names columns by itself; a test builds an object holding every documented field and
checks that `explode` makes exactly those columns, so the walk cannot drift from the connector.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

import connector as c
from tests.fake_toast.world import CONFIG_ENDPOINTS

# Toast's specs live in the team's shared/ folder beside the repository (CI lays a copy there);
# a clone without it skips these tests, and CI (CI=true) fails instead of skipping.
SPEC_DIR = Path(__file__).resolve().parents[3] / "shared" / "toast" / "openapi"
if not SPEC_DIR.is_dir():
    if os.environ.get("CI") == "true":
        raise RuntimeError(f"Toast's specs are missing: {SPEC_DIR} (shared/ beside the repo)")
    pytest.skip(
        f"Toast's specs are not beside the repository ({SPEC_DIR})", allow_module_level=True
    )
Schema = Mapping[str, Any]

# toast_api.md §6.7, in the specs' form; reference types as its source S-CASH (Toast's cash
# management API 1.1.0) gives them: the employees ExternalReference, the others ToastReference.
_TOAST_REFERENCE = {"$ref": "#/definitions/ToastReference"}
_EXTERNAL_REFERENCE = {"$ref": "#/definitions/ExternalReference"}
CASH_DEFINITIONS: dict[str, Schema] = {
    "CashEntry": {
        "allOf": [_TOAST_REFERENCE],
        "properties": {
            "amount": {"type": "number", "format": "double"},
            "reason": {"type": "string"},
            "date": {"type": "string", "format": "date-time"},
            "type": {"type": "string", "enum": ["CASH_IN", "PAY_OUT", "..."]},
            "cashDrawer": _TOAST_REFERENCE,
            "payoutReason": _TOAST_REFERENCE,
            "noSaleReason": _TOAST_REFERENCE,
            "undoes": {"type": "string"},
            "employee1": _EXTERNAL_REFERENCE,
            "employee2": _EXTERNAL_REFERENCE,
            "creatorOrShiftReviewSubject": _TOAST_REFERENCE,
            "approverOrShiftReviewSubject": _TOAST_REFERENCE,
        },
    },
    "Deposit": {
        "allOf": [_TOAST_REFERENCE],
        "properties": {
            "amount": {"type": "number", "format": "double"},
            "date": {"type": "string", "format": "date-time"},
            "undoes": {"type": "string"},
            "employee": _EXTERNAL_REFERENCE,
            "creator": _TOAST_REFERENCE,
        },
    },
}

# Which spec objects feed which table (a restaurant row joins two objects).
SOURCES: dict[str, tuple[tuple[str, str], ...]] = {
    "orders": (("orders", "Order"),),
    "orders_check": (("orders", "Check"),),
    "orders_check_selection": (("orders", "Selection"),),
    "orders_check_selection_modifier": (("orders", "Selection"),),
    "orders_check_selection_applied_tax": (("orders", "AppliedTaxRate"),),
    "orders_check_selection_applied_discount": (("orders", "AppliedDiscount"),),
    "orders_check_selection_applied_discount_trigger": (("orders", "AppliedDiscountTrigger"),),
    "orders_check_applied_discount": (("orders", "AppliedDiscount"),),
    "orders_check_applied_discount_trigger": (("orders", "AppliedDiscountTrigger"),),
    "orders_check_applied_discount_combo_item": (("orders", "ExternalReference"),),
    "orders_check_applied_service_charge": (("orders", "AppliedServiceCharge"),),
    "payment": (("orders", "Payment"),),
    "time_entry": (("labor", "TimeEntry"),),
    "break": (("labor", "TimeEntryBreak"),),
    "shift": (("labor", "Shift"),),
    "job": (("labor", "Job"),),
    "employee": (("labor", "Employee"),),
    "employee_job_reference": (("labor", "ExternalReference"),),
    "employee_wage_override": (("labor", "JobWageOverride"),),
    "cash_entry": (("cash", "CashEntry"),),
    "cash_deposit": (("cash", "Deposit"),),
    "restaurant": (("restaurants", "RestaurantInfo"), ("partners", "PartnerAccessExternalRep")),
    **{c.CONFIG_TABLES[e].name: (("config", kind),) for e, kind in CONFIG_ENDPOINTS.items()},
    "tip_withholding": (("config", "TipWithholding"),),
}
# The partners record's fields that become the restaurant's `id` and `name` (build_restaurant_row).
PARTNER_KEYS = {"restaurantGuid": "id", "restaurantName": "name"}

# Where the registry deliberately differs from the spec: (table, column) -> (spec, declared).
DEVIATIONS: dict[tuple[str, str], tuple[str, str]] = {
    # A yyyymmdd business date as text in labor.yaml; INT like every other business date.
    ("time_entry", "businessDate"): (c._STRING, c._INT),
    # Text in partners.yaml, but timestamps with an offset (toast_api.md §2, §6.2).
    ("restaurant", "isoCreatedDate"): (c._STRING, c._TS),
    ("restaurant", "isoModifiedDate"): (c._STRING, c._TS),
}
# Declared beyond the spec: every config object's `name` and `externalId` (see _config_table).
CONFIG_EXTRAS = {"name": c._STRING, "externalId": c._STRING}
# Columns the connector makes itself: cash rows' requested business date.
CONNECTOR_COLUMNS = {("cash_entry", "businessDate"), ("cash_deposit", "businessDate")}


@functools.cache
def definitions(spec: str) -> dict[str, Schema]:
    """The definitions of one spec (`cash`: toast_api.md §6.7 with labor's references)."""
    if spec == "cash":
        labor = definitions("labor")
        references = {name: labor[name] for name in ("ToastReference", "ExternalReference")}
        return {**CASH_DEFINITIONS, **references}
    path = SPEC_DIR / f"{spec}.yaml"
    assert path.exists(), f"Toast's specs are read from {SPEC_DIR} (shared/ beside the repo)"
    return yaml.safe_load(path.read_text(encoding="utf-8"))["definitions"]


def resolve(spec: str, schema: Schema) -> Schema:
    while "$ref" in schema:
        schema = definitions(spec)[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def properties(spec: str, schema: Schema) -> dict[str, Schema]:
    """An object's fields, with those of the objects it extends (`allOf`)."""
    schema = resolve(spec, schema)
    fields: dict[str, Schema] = {}
    for part in schema.get("allOf", ()):
        fields.update(properties(spec, part))
    fields.update(schema.get("properties") or {})
    return fields


def is_object(spec: str, schema: Schema) -> bool:
    schema = resolve(spec, schema)
    return schema.get("type") == "object" or "properties" in schema or "allOf" in schema


def toast_type(schema: Schema) -> str:
    """The column type of a documented scalar or array."""
    kind, form = schema.get("type"), schema.get("format")
    types = {
        "string": c._TS if form == "date-time" else c._STRING,
        "number": c._DOUBLE,
        "integer": c._LONG if form == "int64" else c._INT,
        "boolean": c._BOOL,
        "array": c._JSON,
    }
    assert kind in types, f"no column type for {schema}"
    return types[kind]


def column(prefix: str, key: str) -> str:
    """The column a nested field becomes, as the connector names it: `server` + `guid` ->
    `serverId` (written here again, so a change of the connector's naming shows)."""
    key = "id" if key == "guid" else key
    return prefix + key[:1].upper() + key[1:] if prefix else key


def walk(
    spec: str,
    schema: Schema,
    table: c.Table | None = None,
    prefix: str = "",
    path: tuple[str, ...] = (),
) -> Iterator[tuple[str, str]]:
    """(column, type) of every documented field of an object; with `table`, the object is the
    table's own (its child lists, objects kept whole and unprefixed objects apply)."""
    for key, field in properties(spec, schema).items():
        if table is not None and key in table.whole:
            yield key, c._JSON
        elif table is not None and key in table.not_flattened:  # a child table's list
            continue
        elif is_object(spec, field):
            target = field.get("$ref", key)
            assert target not in path, f"{'.'.join(path)}.{key}: an object inside itself"
            assert "additionalProperties" not in resolve(spec, field), (
                f"{key} is a map: keep it whole (Table.whole), or its keys become columns"
            )
            inner = (
                prefix if table is not None and key in table.unprefixed else column(prefix, key)
            )
            yield from walk(spec, field, None, inner, (*path, target))
        else:
            yield column(prefix, key), toast_type(resolve(spec, field))


def documented(table: c.Table) -> dict[str, str]:
    """Every documented field of the table's objects: column -> Toast's type."""
    columns: dict[str, str] = {}
    for spec, definition in SOURCES[table.name]:
        schema = {"$ref": definition}
        if spec == "partners":
            schema = {"properties": properties(spec, schema)}
            for key, name in PARTNER_KEYS.items():
                columns[name] = toast_type(schema["properties"].pop(key))
        for name, kind in walk(spec, schema, table):
            if table.key == "hash" and name == "id":
                name = "guid"  # the key is made; Toast's guid keeps its name (build_row)
            assert columns.get(name, kind) == kind, f"{table.name}.{name}: two documented types"
            columns[name] = kind
    return columns


def expected_declarations(table: c.Table) -> dict[str, str]:
    expected = documented(table)
    for (table_name, name), (spec_type, declared) in DEVIATIONS.items():
        if table_name == table.name:
            assert expected[name] == spec_type, f"{table_name}.{name}: the spec changed"
            expected[name] = declared
    return expected


def connector_columns(table: c.Table) -> set[str]:
    """Columns the connector makes: parents' ids, link columns, ids made from content, and
    what enclosing tables carry down (`Table.carries`)."""
    made = {*table.foreign_keys, *filter(None, [table.link_column])}
    made |= set(c._CARRIED_COLUMNS.get(table.name, {}))
    made |= {name for table_name, name in CONNECTOR_COLUMNS if table_name == table.name}
    if table.key == "hash":
        made.add("id")
    return made


# The published menu (menus v2) has no spec under shared/toast/openapi: its tables are declared
# from toast_api.md §6.5 and checked value for value by tests/replay/test_menus.py.
WITHOUT_SPEC = {t.name for t in c.ALL_TABLES if t.name.startswith("published_")}
SPEC_TABLES = [
    table
    for table in c.ALL_TABLES
    if table.key not in ("link", "scalar") and table.name not in WITHOUT_SPEC
]


def test_every_table_with_columns_of_its_own_is_fed_by_documented_objects() -> None:
    assert {table.name for table in SPEC_TABLES} == set(SOURCES)
    for table in c.ALL_TABLES:
        if table.key in ("link", "scalar"):  # its columns are parents' ids and one value
            assert table.columns == {}, table.name


@pytest.mark.parametrize("table", SPEC_TABLES, ids=lambda table: table.name)
def test_every_documented_field_is_declared_with_toasts_type(table: c.Table) -> None:
    expected = expected_declarations(table)
    wrong = {
        name: f"declared {table.columns.get(name)}, Toast's type {kind}"
        for name, kind in expected.items()
        if table.columns.get(name) != kind
    }
    assert wrong == {}


@pytest.mark.parametrize("table", SPEC_TABLES, ids=lambda table: table.name)
def test_every_declared_column_is_documented_or_the_connectors(table: c.Table) -> None:
    config = {config_table.name for config_table in c.CONFIG_TABLES.values()}
    extras = CONFIG_EXTRAS if table.name in config else {}
    known = {**extras, **expected_declarations(table)}
    unknown = set(table.columns) - set(known) - connector_columns(table)
    assert unknown == set(), f"{table.name}: declared, but Toast documents no such field"


# ------------------------------------------------------------------------------------------
# The walk against the connector: an object with every documented field, exploded.


def example(spec: str, schema: Schema, path: tuple[str, ...] = ()) -> Any:
    """A value for every documented field, nested objects and one element of each array; an
    object in itself stops at the second level (a selection's modifier has no modifiers)."""
    if is_object(spec, schema):
        inner = (*path, schema.get("$ref", ""))
        return {
            key: example(spec, field, inner) for key, field in properties(spec, schema).items()
        }
    schema = resolve(spec, schema)
    if schema.get("type") == "array":
        item = schema.get("items", {})
        return [] if path.count(item.get("$ref")) > 1 else [example(spec, item, path)]
    values = {
        c._TS: "2026-10-01T12:00:00.000+0000",
        c._STRING: "text",
        c._DOUBLE: 1.5,
        c._INT: 20261001,
        c._LONG: 1759320000000,
        c._BOOL: True,
    }
    return values[toast_type(schema)]


def exploded_examples() -> Iterator[tuple[c.Table, dict[str, Any]]]:
    """The rows `explode` makes of one example of every synced object."""
    roots = [
        (c.ORDERS, "orders", "Order"),
        (c.TIME_ENTRY, "labor", "TimeEntry"),
        (c.SHIFT, "labor", "Shift"),
        (c.JOB, "labor", "Job"),
        (c.EMPLOYEE, "labor", "Employee"),
        (c.CASH_ENTRY, "cash", "CashEntry"),
        (c.CASH_DEPOSIT, "cash", "Deposit"),
        *((c.CONFIG_TABLES[e], "config", kind) for e, kind in CONFIG_ENDPOINTS.items()),
        (c.TIP_WITHHOLDING, "config", "TipWithholding"),
    ]
    context = {"restaurantId": "r"}
    for table, spec, definition in roots:
        record = example(spec, {"$ref": definition})
        if spec == "cash":
            record["businessDate"] = 20261001  # as the connector adds it (`CashReader.read_day`)
        yield from c.explode(table, record, context)
    partner = example("partners", {"$ref": "PartnerAccessExternalRep"})
    info = example("restaurants", {"$ref": "RestaurantInfo"})
    yield c.RESTAURANT, c.build_restaurant_row("r", partner, info)


def test_the_walk_names_the_columns_the_connector_makes_of_every_documented_field() -> None:
    made: dict[str, set[str]] = {}
    for table, row in exploded_examples():
        made.setdefault(table.name, set()).update(row)
    assert set(made) == {table.name for table in c.ALL_TABLES} - WITHOUT_SPEC
    for table in SPEC_TABLES:
        assert made[table.name] - connector_columns(table) == set(documented(table)), table.name
