"""The column dictionary, analytics/COLUMNS.md: every table and column the connector creates, with
its type, Toast's source field and one line of meaning, generated from the table registry.

`python tests/columns.py` writes it from the model Toast_ERD.png carries (each table's columns
and their types as a sync creates them: tests/erd.py), so it needs no sync; `make erd`, which
rebuilds that model, writes it too. The Toast field of a column is found by walking Toast's specs
(`../shared/toast/openapi/*.yaml`, as tests/unit/test_spec_types.py does; the published menu's
MENUS below, which no spec file there holds) and naming each field as the connector does; its
meaning is the first sentence of the spec's description. Columns the connector makes itself
(parent ids, carried columns, made ids, list elements, places in a list) are described by rule,
from the registry, their source saying "(made by the connector: ...)"; the few others by
MEANINGS below. tests/unit/test_columns.py keeps the file in sync.
"""

from __future__ import annotations

import functools
import json
import re
import sys
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
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
MADE = "(made by the connector: {})"  # the source of a column the connector makes itself
# Toast's reference parts: a `server` object's `guid` is the server's id, and so on.
REFERENCE_PARTS = {
    "guid": "its GUID",
    "entityType": "its entity type",
    "externalId": "its external id",
    "multiLocationId": "its multi-location id",
}


def _entity(noun: str, example: str) -> dict[str, Any]:
    """The fields every object of the published menu has, described for one kind of object."""
    return {
        "name": {"description": f'The {noun}\'s name, for example "{example}".'},
        "guid": {"description": f"Toast's GUID for this {noun}."},
        "multiLocationId": {
            "description": f"Identifies the versions of this {noun} across the locations of a "
            "group (replaces `masterId`, with the same value)."
        },
        "masterId": {
            "description": f"Deprecated for `multiLocationId` (the same value): identifies the "
            f"versions of this {noun} across locations."
        },
        "description": {"description": f"An optional short description of this {noun}."},
        "image": {"description": f"URL of the image uploaded for this {noun}; null if none."},
        "visibility": {
            "description": f"Where this {noun} is visible: a list of POS, KIOSK, "
            "TOAST_ONLINE_ORDERING, ORDERING_PARTNERS (GRUBHUB, deprecated)."
        },
    }


def _priced(noun: str) -> dict[str, Any]:
    """The fields menu items and modifier options share."""
    return {
        "salesCategory": {
            "description": f"The sales category that reports group this {noun}'s sales under.",
            "properties": {
                "guid": {"description": ""},
                "name": {
                    "description": f'The name of the {noun}\'s sales category, such as "Food".'
                },
            },
        },
        "itemTags": {
            "description": f"Item tags (name and GUID) assigned to this {noun}, such as "
            "vegetarian, gluten-free or alcohol."
        },
        "plu": {"description": f"The {noun}'s price lookup (PLU) code; empty if none."},
        "sku": {"description": f"The {noun}'s stock keeping unit (SKU); empty if none."},
        "calories": {"description": f"Calories in the {noun}; null if not configured."},
        "unitOfMeasure": {
            "description": f"The unit the {noun} is priced by (NONE, LB, OZ, KG, G, L, ...); "
            "NONE when it is not measured."
        },
    }


# The published menu document (menus API v2) in the specs' form: no spec file under SPEC_DIR
# holds it, so its fields are described here from toast_api.md §6.5 and Toast's menus API v2
# reference (2.4.1), in our words. The walk names their columns as it does every spec's.
MENUS: dict[str, dict[str, Any]] = {
    "Menu": {
        "properties": {
            **_entity("menu", "Food"),
            "highResImage": {
                "description": "URL of a high-resolution image of the menu (shown on Toast "
                "Kiosk); null if none."
            },
            "availability": {
                "description": "When the menu is available.",
                "properties": {
                    "alwaysAvailable": {
                        "description": "True when the menu is available 24 hours a day, 7 "
                        "days a week."
                    },
                    "schedule": {
                        "description": "When the menu is not always available: its days and "
                        "time ranges (local time), as JSON."
                    },
                },
            },
        }
    },
    "MenuGroup": {
        "properties": {
            **_entity("menu group", "Appetizers"),
            "itemTags": {
                "description": "Item tags (name and GUID) assigned to this menu group, such "
                "as vegetarian or alcohol."
            },
        }
    },
    "MenuItem": {
        "properties": {
            **_entity("menu item", "Caesar Salad"),
            **_priced("menu item"),
            "price": {
                "description": "The item's price where it is first placed (a menu-specific "
                "price can differ by menu: see its placements); null for size and open prices."
            },
            "pricingStrategy": {
                "description": "How the item is priced: BASE_PRICE, MENU_SPECIFIC_PRICE, "
                "TIME_SPECIFIC_PRICE, SIZE_PRICE or OPEN_PRICE."
            },
            "pricingRules": {
                "description": "The rules of the item's time-specific and size prices, as "
                "JSON; null for base and menu-specific prices."
            },
            "taxInfo": {"description": "GUIDs of the tax rates that apply to the item (JSON)."},
            "portions": {
                "description": "The portions modifiers can be applied to, such as 1st Half and "
                "2nd Half of a pizza (JSON)."
            },
            "isDiscountable": {"description": "True when the item can be discounted."},
            "prepTime": {"description": "Seconds it takes to prepare the item; null if unset."},
            "prepStations": {
                "description": "GUIDs of the prep stations the item is routed to (JSON)."
            },
            "taxInclusion": {
                "description": "Whether the item's price includes tax: TAX_INCLUDED, "
                "TAX_NOT_INCLUDED or SMART_TAX."
            },
        }
    },
    "MenuItemPlacement": {  # a menu item as one menu group lists it
        "properties": {
            "price": {
                "description": "The item's price as placed in this group's menu (menu-specific "
                "prices differ by menu); null for size and open prices."
            },
            "pricingStrategy": {
                "description": "How the item is priced as placed here: BASE_PRICE, "
                "MENU_SPECIFIC_PRICE, TIME_SPECIFIC_PRICE, SIZE_PRICE or OPEN_PRICE."
            },
        }
    },
    "ModifierGroup": {
        "properties": {
            **_entity("modifier group", "Pizza Toppings"),
            "pricingStrategy": {
                "description": "How the group prices its options: NONE (each option's own "
                "price), SEQUENCE_PRICE, SIZE_PRICE or SIZE_SEQUENCE_PRICE."
            },
            "pricingRules": {
                "description": "The rules of the group's size, sequence and size/sequence "
                "prices for its options, as JSON; null for NONE."
            },
            "defaultOptionsChargePrice": {
                "description": "YES when the prices of the group's default options are added "
                "to the item's price; NO when not."
            },
            "defaultOptionsSubstitutionPricing": {
                "description": "YES when removing a default option credits its price toward "
                "other options of the group (substitution pricing)."
            },
            "minSelections": {
                "description": "The fewest options that must be chosen from the group (0: "
                "optional)."
            },
            "maxSelections": {
                "description": "The most options that can be chosen from the group; null for "
                "no limit."
            },
            "requiredMode": {
                "description": "How the POS shows the group: REQUIRED, OPTIONAL_FORCE_SHOW or "
                "OPTIONAL."
            },
            "isMultiSelect": {
                "description": "True when more than one option can be chosen from the group."
            },
        }
    },
    "ModifierOption": {
        "properties": {
            **_entity("modifier option", "Pepperoni"),
            **_priced("modifier option"),
            "price": {
                "description": "The option's own or override price; null when its group or "
                "its size rules price it."
            },
            "pricingStrategy": {
                "description": "How the option is priced: GROUP_PRICE (by its modifier group) "
                "or as an item is (BASE_PRICE, SIZE_PRICE, ...)."
            },
            "pricingRules": {
                "description": "The rules of the option's own time-specific and size prices, "
                "as JSON; null when not priced so."
            },
            "taxInfo": {
                "description": "Deprecated for `modifierOptionTaxInfo`: GUIDs of the option's "
                "tax rates (JSON)."
            },
            "modifierOptionTaxInfo": {
                "description": "The option's tax rates.",
                "properties": {
                    "taxRateGuids": {
                        "description": "GUIDs of the tax rates that apply to the option (JSON)."
                    },
                    "overrideItemTaxRates": {
                        "description": "True when the option's tax rates replace those of the "
                        "item it is added to."
                    },
                },
            },
            "portions": {
                "description": "The portions of an item this option can be added to, such as "
                "1st Half (JSON)."
            },
            "isDefault": {"description": "True when the option is on the item by default."},
            "allowsDuplicates": {
                "description": "True when the option can be added to an item more than once."
            },
        }
    },
}
# Which object of the published menu feeds which table.
MENU_SOURCES = {
    "published_menu": "Menu",
    "published_menu_group": "MenuGroup",
    "published_menu_item": "MenuItem",
    "published_menu_item_placement": "MenuItemPlacement",
    "published_modifier_group": "ModifierGroup",
    "published_modifier_option": "ModifierOption",
}
# Columns neither Toast's specs nor the registry's rules describe: (table or "*", column).
MEANINGS: dict[tuple[str, str], tuple[str, str]] = {
    ("*", "_fivetran_deleted"): ("", "True when Toast no longer has this row (a soft delete)."),
    ("*", "_fivetran_synced"): ("", "When Fivetran last wrote this row (UTC)."),
    ("*", "restaurant_id"): (
        MADE.format("the `restaurantGuid` of the location synced"),
        "The restaurant (location) of this row.",
    ),
    ("cash_entry", "business_date"): (
        MADE.format("the `businessDate` asked for"),
        "The business date requested.",
    ),
    ("cash_deposit", "business_date"): (
        MADE.format("the `businessDate` asked for"),
        "The business date requested.",
    ),
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
    ("restaurant", "name"): (
        "`general.name`, else the partners record's `restaurantName`",
        "The restaurant's name.",
    ),
    # Fields no spec lists, which the recorded world sends as Toast sends fields before its
    # specs show them (tests/fake_toast/shapes.py): they land with inferred types.
    ("orders", "channel_name"): (
        "channelName",
        "Not in Toast's specs: `channelName` as the recorded world sends it; type inferred.",
    ),
    ("orders", "kitchen_ticket_course"): (
        "kitchenTicket.course",
        "Not in Toast's specs: a kitchen ticket's `course` as the recorded world sends it.",
    ),
    ("orders", "kitchen_ticket_station"): (
        "kitchenTicket.station",
        "Not in Toast's specs: a kitchen ticket's `station` as the recorded world sends it.",
    ),
    # The published menu: what `_MenuDocument` resolves or makes (connector.py).
    ("published_menu_group", "parent_menu_group_id"): (
        MADE.format("`guid` of the enclosing menu group"),
        "`published_menu_group.id` of the group this one is nested in; null at the top.",
    ),
    ("published_modifier_group", "pre_modifier_group_id"): (
        MADE.format("`preModifierGroupReference` resolved to that group's `guid`"),
        "The premodifier group (EXTRA, NO, ...) offered with the group's options: its GUID.",
    ),
    ("published_modifier_group", "pre_modifier_group_name"): (
        MADE.format("`preModifierGroupReference` resolved to that group's `name`"),
        "The premodifier group offered with the group's options: its name.",
    ),
    ("published_menu_item_modifier_group", "modifier_group_id"): (
        MADE.format("the item's `modifierGroupReferences[]` resolved to the group's `guid`"),
        "`published_modifier_group.id` of a modifier group the item offers.",
    ),
    ("published_modifier_option_modifier_group", "modifier_group_id"): (
        MADE.format("the option's `modifierGroupReferences[]` resolved to the group's `guid`"),
        "`published_modifier_group.id` of the nested group that choosing the option opens.",
    ),
    ("published_modifier_option_modifier_group", "parent_modifier_group_id"): (
        MADE.format("`guid` of the modifier group the option is listed in"),
        "`published_modifier_group.id` of the group in which the option is chosen.",
    ),
    # A placement's prices (connector.menu_item_prices), paths within the menu item.
    ("published_menu_item_price", "price_type"): (
        MADE.format("where the price is found"),
        "Which price this is: BASE (the item's price), TIME_SPECIFIC, SIZE or SIZE_SEQUENCE.",
    ),
    ("published_menu_item_price", "price"): (
        "`price`, `pricingRules.timeSpecificPricingRules[].timeSpecificPrice`, `price` of the "
        "size option or `pricingRules.sizeSequencePricingRules[].sequencePrices[].price`",
        "The price of this type (and schedule, size or sequence) for the placed item.",
    ),
    ("published_menu_item_price", "base_price"): (
        "pricingRules.timeSpecificPricingRules[].basePrice",
        "For a TIME_SPECIFIC price: the item's price outside the price's schedule.",
    ),
    ("published_menu_item_price", "schedule"): (
        "pricingRules.timeSpecificPricingRules[].schedule",
        "For a TIME_SPECIFIC price: the days and time ranges it applies on, as JSON.",
    ),
    ("published_menu_item_price", "size_name"): (
        "`name` of the size option, or `pricingRules.sizeSequencePricingRules[].sizeName`",
        "For a SIZE or SIZE_SEQUENCE price: the size's name, such as Small.",
    ),
    ("published_menu_item_price", "size_guid"): (
        "`guid` of the size option, or `pricingRules.sizeSequencePricingRules[].sizeGuid`",
        "For a SIZE or SIZE_SEQUENCE price: the GUID of the size's modifier option.",
    ),
    ("published_menu_item_price", "sequence"): (
        "pricingRules.sizeSequencePricingRules[].sequencePrices[].sequence",
        "For a SIZE_SEQUENCE price: its place in the sequence (1: the first option chosen).",
    ),
    ("published_menu_item_price", "position"): (
        MADE.format("a count of the placement's prices of one type, from 0"),
        "Numbers the placement's prices of one price_type, from 0.",
    ),
}


# Sentences of Toast's that say how a field behaves, not what it is: a leading label joins the
# next sentence (or, when nothing follows, the field's name); "Response only." is dropped.
LABELS = ("Deprecated.", "Reserved for future use.")
DROPPED = ("Response only.",)


@dataclass(frozen=True)
class Field:
    """A documented field as the walk finds it."""

    column: str
    path: str
    meaning: str
    parent: str = ""  # the enclosing object's meaning, for a nested field
    values: tuple[str, ...] = ()  # its enum


def _short(sentence: str) -> str:
    if len(sentence) > MAX_MEANING_CHARACTERS:
        sentence = sentence[: MAX_MEANING_CHARACTERS - 1].rsplit(" ", 1)[0] + "…"
    return sentence


def _lower_first(text: str) -> str:
    """`Indicates ...` -> `indicates ...`, leaving `GUID ...` and `POS ...` alone."""
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def _words(path: str) -> str:
    """A field's path in words: `deliveryServiceInfo.driverName` -> `Delivery service info
    driver name`, `employee1` -> `Employee 1`."""
    words = re.sub(r"(?<=[a-z])(?=[A-Z0-9])", " ", path.replace(".", " ")).lower()
    words = re.sub(r"\bguid\b", "GUID", words)
    return words[:1].upper() + words[1:]


def _one_line(text: str, name: str = "") -> str:
    """The first sentence of a spec description, without markup, on one line (see LABELS)."""
    text = re.sub(r"<[^>]+>|\*\*", "", text)
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)
    text = " ".join(text.replace("|", "/").split())
    sentences = [s for s in re.split(r"(?<=[.!?])\s", text) if s and s not in DROPPED]
    sentence = sentences[0] if sentences else ""
    if sentence in LABELS and len(sentences) > 1:
        sentence = f"{sentence[:-1]}: {_lower_first(sentences[1])}"
    elif sentence in LABELS and name:
        sentence = f"{name}: {_lower_first(sentence)}"
    return _short(sentence)


@functools.cache
def _references(spec: str) -> Counter[str]:
    """How many fields of a spec's definitions refer to each definition."""
    from tests.unit import test_spec_types as specs

    counts: Counter[str] = Counter()
    nodes: list[Any] = [specs.definitions(spec)]
    while nodes:
        node = nodes.pop()
        if isinstance(node, Mapping):
            if isinstance(node.get("$ref"), str):
                counts[node["$ref"].rsplit("/", 1)[-1]] += 1
            nodes.extend(node.values())
        elif isinstance(node, list):
            nodes.extend(node)
    return counts


def _description(spec: str, field: Mapping[str, Any]) -> str:
    """A field's own description, else its definition's, unless several fields share that
    definition (a ToastReference says what a reference is, not which one this field is)."""
    from tests.unit import test_spec_types as specs

    if field.get("description"):
        return field["description"]
    if "$ref" in field and _references(spec)[field["$ref"].rsplit("/", 1)[-1]] > 1:
        return ""
    return specs.resolve(spec, field).get("description") or ""


def _described(
    spec: str,
    schema: Mapping[str, Any],
    table: connector.Table | None = None,
    prefix: str = "",
    source: str = "",
    parent: str = "",
) -> Iterator[Field]:
    """Every documented field of an object, the columns named as tests/unit/test_spec_types.py
    `walk` names them."""
    from tests.unit import test_spec_types as specs

    for key, field in specs.properties(spec, schema).items():
        path = f"{source}.{key}" if source else key
        meaning = _one_line(_description(spec, field), _words(path))
        if parent and (key in REFERENCE_PARTS or not meaning):
            part = REFERENCE_PARTS.get(key) or _words(key).lower()
            meaning = _short(f"{parent.rstrip('.')}: {part}.")
        if table is not None and key in table.whole:
            yield Field(key, path, meaning or f"{_words(path)}.", parent)
        elif table is not None and key in table.not_flattened:
            continue
        elif specs.is_object(spec, field):
            flat = table is not None and key in table.unprefixed
            inner = prefix if flat else specs.column(prefix, key)
            yield from _described(spec, field, None, inner, path, meaning or f"{_words(path)}.")
        else:
            values = tuple(specs.resolve(spec, field).get("enum") or ())
            yield Field(specs.column(prefix, key), path, meaning, parent, values)


def _told_apart(fields: list[Field]) -> dict[str, Field]:
    """Fields by column, where several share a meaning (Toast describes a shared shape, or two
    fields alike), each meaning told apart: by the enclosing object's, by the values, or by
    the field's name."""
    shared = Counter(field.meaning for field in fields)
    told: dict[str, Field] = {}
    for field in fields:
        meaning = field.meaning
        if shared[meaning] > 1 and field.parent:
            meaning = f"{field.parent.rstrip('.')}: {_lower_first(meaning)}"
        elif shared[meaning] > 1 and field.values:
            meaning = f"{meaning.rstrip('.')}: {', '.join(map(str, field.values))}."
        elif shared[meaning] > 1:
            meaning = f"{_words(field.path)}: {_lower_first(meaning)}"
        told[field.column] = Field(field.column, field.path, _short(meaning))
    return told


def _sources(table: connector.Table) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """(spec, object schema) of each object that feeds a table."""
    from tests.unit import test_spec_types as specs

    for spec, definition in specs.SOURCES.get(table.name, ()):
        yield spec, {"$ref": definition}
    if table.name in MENU_SOURCES:
        yield "menus", MENUS[MENU_SOURCES[table.name]]  # inline: no `$ref` to resolve


def documented(table: connector.Table) -> dict[str, tuple[str, str]]:
    """Destination column -> (Toast field, meaning) of the fields Toast documents for a table."""
    fields: dict[str, Field] = {}
    for spec, schema in _sources(table):
        for field in _described(spec, schema, table):
            name = "guid" if table.key == "hash" and field.column == "id" else field.column
            fields.setdefault(erd.fivetran_name(name), field)
    told = _told_apart(list(fields.values()))
    return {
        column: (told[field.column].path, told[field.column].meaning)
        for column, field in fields.items()
    }


def _list_of(table: connector.Table) -> tuple[connector.Table | None, str]:
    """The table whose object lists this table's objects, and the list's field."""
    parent = erd._parents().get(table.name)
    if parent is None:  # a root: the endpoint's answer is the list (the menu document's `menus`)
        return None, "menus" if table is connector.PUBLISHED_MENU else "(the answer)"
    return parent, next(c.source for c in parent.children if (c.table or parent) is table)


def _parent_ids(table: connector.Table) -> dict[str, tuple[str, str]]:
    """The parents' ids a table's rows carry (`foreign_keys` passed down by `context_key`)."""
    owners = {t.context_key: t for t in connector.ALL_TABLES if t.context_key}
    columns = {}
    for key in table.foreign_keys:
        if key not in owners:
            continue  # restaurantId: MEANINGS
        owner = owners[key]
        field = "guid" if owner.key == "guid" else "id"  # a guid, or made from the content
        meaning = f"`{owner.name}.id` of the row this one belongs to."
        if owner is table:
            meaning = f"`{owner.name}.id` of the row this one is nested in; null at the top."
        columns[erd.fivetran_name(key)] = (
            MADE.format(f"`{field}` of the enclosing {owner.name}"),
            meaning,
        )
    return columns


def _carried(table: connector.Table) -> dict[str, tuple[str, str]]:
    """The columns enclosing tables carry down to a table's rows (`Table.carries`)."""
    columns = {}
    for key in connector._CARRIED_COLUMNS.get(table.name, {}):
        carrier = next(
            t
            for t in connector.ALL_TABLES
            if key in t.carries and table in connector.iter_tables(t)
        )
        if key != "restaurantId":
            field = carrier.carries[key].source
            columns[erd.fivetran_name(key)] = (
                MADE.format(f"`{field}` of the enclosing {carrier.name}"),
                f"The enclosing {carrier.name} row's `{field}`, carried down to filter without "
                "a join.",
            )
    return columns


def made(table: connector.Table) -> dict[str, tuple[str, str]]:
    """Destination column -> (source, meaning) of the columns the connector makes (registry)."""
    columns = {**_parent_ids(table), **_carried(table)}
    parent, listed = _list_of(table)
    for column, target, _ in erd.foreign_keys(table):
        if table.link_column and column == erd.fivetran_name(table.link_column):
            columns[column] = (f"{listed}[].guid", f"`{target}.id`: the {target} this row lists.")
    if table.key == "scalar" and table.link_column:
        columns[erd.fivetran_name(table.link_column)] = (
            f"{listed}[]",
            f"One element of the {parent.name if parent else ''} row's `{listed}` list.",
        )
    if table.key == "hash":
        columns["id"] = (
            MADE.format(
                "a hash of the row's content, its parents' ids and its place among "
                "identical siblings"
            ),
            "An id made from the row's content (Toast sends no GUID).",
        )
    if table.key == "guid_or_hash":
        columns["id"] = (
            "`guid`, else " + MADE.format("a hash of the row's content"),
            "Toast's GUID, or an id made from the row's content where Toast sends none.",
        )
    if "position" in table.columns:  # the published menu's: the order Toast shows
        whose = f"the enclosing {parent.name} row's" if parent else "the document's"
        columns["position"] = (
            MADE.format(f"the place in `{listed}`, from 0"),
            f"The row's place in {whose} `{listed}`, from 0: the order Toast shows.",
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
    if column == "name" and table in connector.CONFIG_TABLES.values():
        return "name", "The object's name as configured in Toast."
    return "", "Sent by Toast beyond its published spec; kept as it comes."  # fails the tests


def _source_cell(source: str) -> str:
    """A Toast field path in code quotes; a sentence that quotes its own fields as it is."""
    return source if "`" in source or source.startswith("(") else f"`{source}`" if source else ""


def render(model: Mapping[str, Any]) -> str:
    """The dictionary's Markdown for a model (tests/erd.py `build_model`)."""
    tables = {table.name: table for table in connector.ALL_TABLES}
    lines = [
        "# Column dictionary",
        "",
        "Every table and column the connector creates, generated from its table registry by",
        "`python tests/columns.py` (do not edit by hand). Types are the warehouse's (DuckDB, as",
        "`fivetran debug` writes them); the Toast field is the path in the Toast object a row",
        "comes from (`[]`: each element of a list), or says how the connector makes the value;",
        "the meaning is Toast's own description (first sentence) where Toast gives one. Every",
        "table also has `_fivetran_deleted` and `_fivetran_synced`.",
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
            lines.append(
                f"| `{column}` | {erd.short(kind)} | {_source_cell(source)} | {meaning} |"
            )
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
