"""tests/runner_memo.py: the SDK runner's catalog answers are remembered only while no statement
changes the catalog, so the runner the tests drive sees every table and column it makes."""

from __future__ import annotations

from pathlib import Path

import pytest
from fivetran_connector_sdk_core.destination.duckdb_destination import DuckDbDestination

TYPES = {"id": "VARCHAR", "reading": "DOUBLE"}


def test_every_catalog_change_is_seen_and_rows_stage_without_forgetting(tmp_path: Path) -> None:
    destination = DuckDbDestination(str(tmp_path / "warehouse.db"), "tester")
    destination.open()
    try:
        assert destination.columns("t") == {}
        destination.ensure_table("t", TYPES, ["id"])  # CREATE TABLE, after an empty answer
        assert destination.columns("t") == TYPES
        assert destination.primary_key("t") == ["id"]
        destination.upsert("t", TYPES, ["id"], [{"id": "a", "reading": 1.5}])  # staged: TEMP
        destination.ensure_table("t", {**TYPES, "more": "BIGINT"}, ["id"])  # ALTER ADD COLUMN
        assert destination.columns("t") == {**TYPES, "more": "BIGINT"}
        destination.con.execute('ALTER TABLE "tester"."t" ADD COLUMN "x" INTEGER')
        assert "x" in destination.columns("t")
        # "temp" as a column's name, not a temporary table: a change like any other
        destination.con.execute('ALTER TABLE "tester"."t" RENAME COLUMN "reading" TO "temp"')
        assert list(destination.columns("t")) == ["id", "temp", "more", "x"]
        with pytest.raises(RuntimeError), destination.transaction():
            destination.con.execute('ALTER TABLE "tester"."t" ADD COLUMN "y" INTEGER')
            assert "y" in destination.columns("t")
            raise RuntimeError("undone")
        assert "y" not in destination.columns("t")  # the rollback undid it
        rows = destination.con.execute('SELECT id, "temp" FROM "tester"."t"').fetchall()
        assert rows == [("a", 1.5)]
    finally:
        destination.close()
