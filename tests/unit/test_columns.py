"""analytics/COLUMNS.md, the column dictionary, is what tests/columns.py generates from the model
Toast_ERD.png carries, and that model holds every column the registry declares: regenerate with
`make erd` (or `python tests/columns.py` when only the dictionary changed)."""

from __future__ import annotations

import os
import re
from collections import Counter

import pytest

import connector
from tests import columns, erd

if not columns.SPEC_DIR.is_dir():
    if os.environ.get("CI") == "true":
        raise RuntimeError(f"Toast's specs are missing: {columns.SPEC_DIR}")
    pytest.skip(
        f"Toast's specs are not beside the repository ({columns.SPEC_DIR})",
        allow_module_level=True,
    )


def test_the_dictionary_is_generated_from_the_committed_model() -> None:
    committed = columns.OUTPUT.read_text(encoding="utf-8")
    assert committed == columns.render(columns.committed_model()), (
        "analytics/COLUMNS.md is stale: run `python tests/columns.py` (`make erd` after a "
        "registry change)"
    )


def test_every_registry_table_and_declared_column_is_in_the_dictionary() -> None:
    model = {table["name"]: table for table in columns.committed_model()["tables"]}
    for table in connector.ALL_TABLES:
        assert table.name in model, f"{table.name}: run `make erd`"
        present = {name for name, _ in model[table.name]["columns"]}
        declared = {erd.fivetran_name(column) for column in table.columns}
        assert declared <= present, f"{table.name}: run `make erd` ({declared - present})"


def dictionary_rows() -> list[tuple[str, str, str, str, str]]:
    """(table, column, type, Toast field, meaning) of every row of the generated dictionary."""
    rows, table = [], ""
    for line in columns.render(columns.committed_model()).splitlines():
        if line.startswith("## "):
            table = line[3:]
        elif line.startswith("| `"):
            name, kind, source, meaning = (cell.strip() for cell in line.strip("| ").split(" | "))
            rows.append((table, name, kind, source, meaning))
    return rows


def test_every_column_has_a_type_and_a_meaning() -> None:
    rows = dictionary_rows()
    assert len(rows) > 900
    for table, name, kind, _source, meaning in rows:
        assert kind and meaning, f"{table}.{name}"


# A column's source is a path in Toast's object (`location.address1`, `payments[].guid`), or says
# how the connector makes the value: "(made by the connector: ...)".
MADE = "(made by the connector: "


def test_every_column_names_its_toast_field_or_says_the_connector_makes_it() -> None:
    unnamed = [
        f"{table}.{name}: {source or 'no source'}"
        for table, name, _kind, source, _meaning in dictionary_rows()
        if not (re.fullmatch(r"`[^`]+`.*", source) or source.startswith(MADE))
    ]
    assert unnamed == []


# Meanings that describe no column: the old fallbacks, and Toast's labels when they are all a
# description says (the label joins the next sentence, or the field's name).
BOILERPLATE = re.compile(
    r"From the published menu|see Toast's .* reference|beyond its published spec"
    r"|^A wrapper object|^(Reserved for future use|Response only|Deprecated)\.$"
)


def test_no_meaning_is_boilerplate() -> None:
    boilerplate = [
        f"{table}.{name}: {meaning}"
        for table, name, _kind, _source, meaning in dictionary_rows()
        if BOILERPLATE.search(meaning)
    ]
    assert boilerplate == []


def test_no_two_columns_of_a_table_share_a_meaning() -> None:
    meanings = Counter((table, meaning) for table, _, _, _, meaning in dictionary_rows())
    shared = sorted(
        f"{table}: {meaning} ({n}x)" for (table, meaning), n in meanings.items() if n > 1
    )
    assert shared == []
