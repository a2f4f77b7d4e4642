"""The column dictionary, analytics/COLUMNS.md: every table and column the connector creates, with
its type, Toast's source field and one line of meaning, generated from the table registry.

`python tests/columns.py` writes it from the model Toast_ERD.png carries (each table's columns
and their types as a sync creates them: tests/erd.py), so it needs no sync; `make erd`, which
rebuilds that model, writes it too. The Toast field of a column is found by walking Toast's specs
(`../shared/toast/openapi/*.yaml`, as tests/unit/test_spec_types.py does) and naming each field
as the connector does; its meaning is the first sentence of the spec's description. Columns the
connector makes itself (parent ids, carried columns, made ids) are described by rule, from the
registry; the few others by MEANINGS below. tests/unit/test_columns.py keeps the file in sync.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # run as a script: the repository's modules are importable

import connector  # noqa: E402
from tests import erd  # noqa: E402

OUTPUT = ROOT / "analytics" / "COLUMNS.md"
SPEC_DIR = ROOT.parent / "shared" / "toast" / "openapi"
MAX_MEANING_CHARACTERS = 160  # one line of a table; the spec says the rest
# Toast's reference parts: a `server` object's `guid` is the server's id, and so on.
REFERENCE_PARTS = {
    "guid": "its GUID",
    "entityType": "its entity type",
    "externalId": "its external id",
    "multiLocationId": "its multi-location id",
}
# Columns neither Toast's specs nor the registry's rules describe: (table or "*", column).
MEANINGS: dict[tuple[str, str], tuple[str, str]] = {
    ("*", "_fivetran_deleted"): ("", "True when Toast no longer has this row (a soft delete)."),
    ("*", "_fivetran_synced"): ("", "When Fivetran last wrote this row (UTC)."),
    ("*", "restaurant_id"): ("restaurantGuid", "The restaurant (location) of this row."),
    ("cash_entry", "business_date"): ("businessDate (asked)", "The business date requested."),
    ("cash_deposit", "business_date"): ("businessDate (asked)", "The business date requested."),
    ("*", "external_id"): ("externalId", "An external identifier, when an integration set one."),
    ("restaurant", "id"): ("restaurantGuid", "The restaurant's GUID."),
    # Cash management has no spec file: toast_api.md §6.7 (Toast's cash management API).
    ("cash_entry", "amount"): ("amount", "Cash added to the drawer (positive) or removed."),
    ("cash_entry", "date"): ("date", "When the entry was made."),
    ("cash_entry", "reason"): ("reason", "The reason typed in, if any."),
    ("cash_entry", "type"): ("type", "CASH_IN, CASH_COLLECTED, PAY_OUT, NO_SALE, TIP_OUT, ..."),
    ("cash_entry", "undoes"): ("undoes", "The GUID of the entry this one reverses, if any."),
    ("cash_deposit", "amount"): ("amount", "The amount deposited (positive)."),
    ("cash_deposit", "date"): ("date", "When the deposit was made."),
    ("cash_deposit", "undoes"): ("undoes", "The GUID of the deposit this one reverses, if any."),
    ("restaurant", "name"): ("restaurantName", "The restaurant's name."),
}


def _one_line(text: str) -> str:
    """The first sentence of a spec description, without markup, on one line."""
    text = re.sub(r"<[^>]+>|\*\*", "", text)
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)
    text = " ".join(text.replace("|", "/").split())
    sentence = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0]
    if len(sentence) > MAX_MEANING_CHARACTERS:
        sentence = sentence[: MAX_MEANING_CHARACTERS - 1].rsplit(" ", 1)[0] + "…"
    return sentence


def _described(
    spec: str,
    schema: Mapping[str, Any],
    table: connector.Table | None = None,
    prefix: str = "",
    source: str = "",
    parent: str = "",
) -> Iterator[tuple[str, str, str]]:
    """(column, Toast field path, meaning) of every documented field of an object, the columns
    named as tests/unit/test_spec_types.py `walk` names them."""
    from tests.unit import test_spec_types as specs

    for key, field in specs.properties(spec, schema).items():
        path = f"{source}.{key}" if source else key
        own = field.get("description") or specs.resolve(spec, field).get("description") or ""
        meaning = _one_line(own)
        if parent and (key in REFERENCE_PARTS or not meaning):
            meaning = f"{parent.rstrip('.')}: {REFERENCE_PARTS.get(key, key)}."
        if table is not None and key in table.whole:
            yield key, path, meaning
        elif table is not None and key in table.not_flattened:
            continue
        elif specs.is_object(spec, field):
            flat = table is not None and key in table.unprefixed
            inner = prefix if flat else specs.column(prefix, key)
            yield from _described(spec, field, None, inner, path, meaning or parent)
        else:
            yield specs.column(prefix, key), path, meaning


def documented(table: connector.Table) -> dict[str, tuple[str, str]]:
    """Destination column -> (Toast field, meaning) of the fields Toast documents for a table."""
    from tests.unit import test_spec_types as specs

    columns: dict[str, tuple[str, str]] = {}
    for spec, definition in specs.SOURCES.get(table.name, ()):
        for name, path, meaning in _described(spec, {"$ref": definition}, table):
            if table.key == "hash" and name == "id":
                name = "guid"
            columns.setdefault(erd.fivetran_name(name), (path, meaning))
    return columns


def made(table: connector.Table) -> dict[str, tuple[str, str]]:
    """Destination column -> (source, meaning) of the columns the connector makes (registry)."""
    owners = {t.context_key: t.name for t in connector.ALL_TABLES if t.context_key}
    columns = {
        erd.fivetran_name(key): ("", f"`{owners[key]}.id` of the row this one belongs to.")
        for key in table.foreign_keys
        if key in owners
    }
    for key in connector._CARRIED_COLUMNS.get(table.name, {}):
        carrier = next(
            t.name
            for t in connector.ALL_TABLES
            if key in t.carries and table in connector.iter_tables(t)
        )
        if key != "restaurantId":
            columns[erd.fivetran_name(key)] = (
                key,
                f"The enclosing {carrier} row's `{key}`, carried down to filter without a join.",
            )
    for column, target, _ in erd.foreign_keys(table):
        if table.link_column and column == erd.fivetran_name(table.link_column):
            columns[column] = ("guid", f"`{target}.id`: the {target} this row lists.")
    if table.key == "scalar" and table.link_column:
        columns[erd.fivetran_name(table.link_column)] = (
            "(list element)",
            "One value of the list.",
        )
    if table.key in ("hash", "guid_or_hash"):
        columns["id"] = (
            "guid" if table.key == "guid_or_hash" else "",
            "Toast's GUID, or an id made from the row's content where Toast sends none."
            if table.key == "guid_or_hash"
            else "An id made from the row's content (Toast sends no GUID).",
        )
    return columns


def _meaning(
    table: connector.Table, column: str, known: dict[str, tuple[str, str]]
) -> tuple[str, str]:
    for key in ((table.name, column), ("*", column)):
        if key in MEANINGS:
            return MEANINGS[key]
    if column in known:
        return known[column]
    if table.name.startswith("published_"):
        return "", "From the published menu (menus API v2); see Toast's menus API reference."
    if column == "name" and table in connector.CONFIG_TABLES.values():
        return "name", "The object's name as configured in Toast."
    return "", "Sent by Toast beyond its published spec; kept as it comes."


def render(model: Mapping[str, Any]) -> str:
    """The dictionary's Markdown for a model (tests/erd.py `build_model`)."""
    tables = {table.name: table for table in connector.ALL_TABLES}
    lines = [
        "# Column dictionary",
        "",
        "Every table and column the connector creates, generated from its table registry by",
        "`python tests/columns.py` (do not edit by hand). Types are the warehouse's (DuckDB, as",
        "`fivetran debug` writes them); the Toast field is the path in Toast's API object, its",
        "meaning Toast's own description (first sentence). Every table also has",
        "`_fivetran_deleted` and `_fivetran_synced`.",
    ]
    for entry in model["tables"]:
        table = tables[entry["name"]]
        known = {**documented(table), **made(table)}
        keys = ", ".join(f"`{column}`" for column in entry["primary_key"])
        lines += ["", f"## {table.name}", "", f"Primary key: {keys}.", ""]
        lines += ["| column | type | Toast field | meaning |", "|---|---|---|---|"]
        for column, kind in entry["columns"]:
            if column in erd.FIVETRAN_COLUMNS:
                continue
            source, meaning = _meaning(table, column, known)
            source = f"`{source}`" if source else ""
            lines.append(f"| `{column}` | {erd.short(kind)} | {source} | {meaning} |")
    return "\n".join(lines) + "\n"


def committed_model() -> dict[str, Any]:
    """The model Toast_ERD.png carries: the columns of the last `make erd`."""
    return json.loads(erd.png_text_chunks(erd.OUTPUT)[erd.MODEL_CHUNK])


def write(model: Mapping[str, Any]) -> Path:
    """Write analytics/COLUMNS.md for a model; return its path."""
    OUTPUT.parent.mkdir(exist_ok=True)
    OUTPUT.write_text(render(model), encoding="utf-8")
    return OUTPUT


def main() -> int:
    if not SPEC_DIR.is_dir():
        print(f"Toast's specs are needed beside the repository: {SPEC_DIR}", file=sys.stderr)
        return 2
    path = write(committed_model())
    print(f"Wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
