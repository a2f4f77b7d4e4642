"""Analyst models for the Toast connector's warehouse: apply them to DuckDB, or render them.

Each model is one view, written once in `models/<view>.sql` (DuckDB's SQL) on the connector's
tables, unqualified. This tool qualifies the tables with a schema, orders the views so each
comes after the views it reads, and writes `CREATE OR REPLACE VIEW` statements for DuckDB or,
through sqlglot, for Snowflake, BigQuery, Databricks, Redshift and Postgres.

    python analytics/models.py apply files/warehouse.db [--schema tester]
    python analytics/models.py render --dialect snowflake [--schema my_schema]

Needs only duckdb (for `apply`) and sqlglot; see analytics/ANALYST_GUIDE.md.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import sqlglot
from sqlglot import exp

MODELS_DIR = Path(__file__).with_name("models")
SOURCE_DIALECT = "duckdb"  # the dialect the models are written in (fivetran debug's warehouse)
DIALECTS = ("snowflake", "bigquery", "databricks", "redshift", "postgres", "duckdb")
DEFAULT_SCHEMA = "tester"  # the schema `fivetran debug` writes


def model_sql() -> dict[str, str]:
    """View name -> SQL of every model file, in dependency order (a view after what it reads)."""
    sources = {path.stem: path.read_text(encoding="utf-8") for path in MODELS_DIR.glob("*.sql")}
    reads = {name: _tables_read(sql) & set(sources) - {name} for name, sql in sources.items()}
    ordered: dict[str, str] = {}
    while len(ordered) < len(sources):
        ready = sorted(n for n in sources if n not in ordered and reads[n] <= set(ordered))
        if not ready:
            raise ValueError(
                f"models read each other in a cycle: {sorted(set(sources) - set(ordered))}"
            )
        ordered.update((name, sources[name]) for name in ready)
    return ordered


def _tables_read(sql: str) -> set[str]:
    """Names of the tables and views a model reads (its CTEs excluded)."""
    tree = sqlglot.parse_one(sql, read=SOURCE_DIALECT)
    ctes = {cte.alias for cte in tree.find_all(exp.CTE)}
    return {table.name for table in tree.find_all(exp.Table)} - ctes


def view_statement(name: str, sql: str, schema: str) -> exp.Create:
    """`CREATE OR REPLACE VIEW schema.name AS <model>`, every table read qualified by schema."""
    tree = sqlglot.parse_one(sql, read=SOURCE_DIALECT)
    ctes = {cte.alias for cte in tree.find_all(exp.CTE)}
    for table in tree.find_all(exp.Table):
        if not table.db and table.name not in ctes:
            table.set("db", exp.to_identifier(schema))
    return exp.Create(
        this=exp.to_table(f"{schema}.{name}"), kind="VIEW", replace=True, expression=tree
    )


def _for_dialect(statement: exp.Create, dialect: str) -> exp.Create:
    """Spell what sqlglot maps imperfectly: BigQuery's DATE_DIFF takes dates, not timestamps."""
    if dialect != "bigquery":
        return statement
    statement = statement.copy()
    for diff in list(statement.find_all(exp.DateDiff)):
        diff.replace(exp.TimestampDiff(**diff.args))
    return statement


def render(dialect: str, schema: str = DEFAULT_SCHEMA) -> list[str]:
    """The `CREATE OR REPLACE VIEW` statements of every model, in order, for a warehouse."""
    if dialect not in DIALECTS:
        raise ValueError(f"unknown dialect {dialect!r}: one of {', '.join(DIALECTS)}")
    return [
        _for_dialect(view_statement(name, sql, schema), dialect).sql(dialect=dialect, pretty=True)
        for name, sql in model_sql().items()
    ]


def apply(connection: Any, schema: str = DEFAULT_SCHEMA) -> list[str]:
    """Create or replace every model as a view in `schema` of a DuckDB connection.

    Args:
        connection: a `duckdb.DuckDBPyConnection` opened for writing.
        schema: the schema holding the connector's tables (`tester` in `fivetran debug`).

    Returns:
        The views made, in the order they were made.
    """
    names = list(model_sql())
    for statement in render("duckdb", schema):
        connection.execute(statement)
    return names


def main(argv: list[str] | None = None) -> int:
    """The command line: `apply WAREHOUSE_DB` or `render --dialect D`."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    to_apply = commands.add_parser("apply", help="create or replace the views in a DuckDB file")
    to_apply.add_argument("warehouse", help="a DuckDB file, such as files/warehouse.db")
    to_apply.add_argument("--schema", default=DEFAULT_SCHEMA, help="schema of the tables")
    to_render = commands.add_parser("render", help="print the views for another warehouse")
    to_render.add_argument("--dialect", required=True, choices=DIALECTS)
    to_render.add_argument("--schema", default=DEFAULT_SCHEMA, help="schema of the tables")
    args = parser.parse_args(argv)
    if args.command == "render":
        print(";\n\n".join(render(args.dialect, args.schema)) + ";")  # noqa: T201 (a command-line tool)
        return 0
    import duckdb

    with duckdb.connect(args.warehouse) as connection:
        for name in apply(connection, args.schema):
            print(f"{args.schema}.{name}")  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main())
