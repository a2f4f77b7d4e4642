"""The SDK runner's catalog queries, remembered until the catalog changes (tests only).

At every flush, SDK 3.0.0's local runner (`fivetran debug`'s) asks DuckDB's
`information_schema.columns` for the columns of each of the 57 declared tables, several times
(`DuckDbDestination.columns`: 1,568 queries of 2 to 10 ms in one two-sync test, a third of its
time), and `duckdb_constraints()` for its key (`primary_key`). An answer changes only when a
statement changes the catalog (CREATE, ALTER, DROP), so the tests remember the answers per
(warehouse file, schema, table) and forget them all at every such statement on the warehouse's
connection, at a rollback, and when a warehouse is opened or closed. The statements that stage
rows in temporary tables (`stage_...`, outside the warehouse's schemas) change no answer. The
rows and tables written are the same; the tests of the real CLI (tests/e2e, the sandbox) run
the runner unpatched in their own processes.

`install(patch)` fails if the destination is not SDK 3.0.0's, rather than remember wrongly.
"""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Callable
from typing import Any

from fivetran_connector_sdk_core.destination.duckdb_destination import DuckDbDestination

_QUESTIONS = ("columns", "primary_key")  # the catalog questions remembered
_CATALOG_CHANGE = re.compile(r"\s*(CREATE|ALTER|DROP)\b", re.IGNORECASE)
# fivetran_connector_sdk_core/destination/staging.py: CREATE TEMP TABLE stage_<hex>[_typed],
# DROP TABLE stage_<hex>, ALTER TABLE stage_<hex>_typed RENAME TO stage_<hex>. Matched on the
# statement's head only, so a column named "temp" in a real table's CREATE is still a change.
_STAGING = re.compile(
    r"\s*(CREATE\s+TEMP\s+TABLE|(DROP|ALTER)\s+TABLE\s+stage_[0-9a-f]+(_typed)?\b)"
)

Patch = Callable[[Any, str, Any], None]  # pytest's monkeypatch.setattr


class _Connection:
    """A DuckDB connection that says when a statement changes the catalog."""

    def __init__(self, connection: Any, changed: Callable[[], None]) -> None:
        self._connection = connection
        self._changed = changed

    def execute(self, statement: str, *args: Any, **kwargs: Any) -> Any:
        changes = bool(_CATALOG_CHANGE.match(statement)) and not _STAGING.match(statement)
        if changes:
            self._changed()
        try:
            return self._connection.execute(statement, *args, **kwargs)
        finally:
            if changes:
                self._changed()

    def rollback(self) -> Any:
        """A transaction undone may undo catalog changes already answered for."""
        self._changed()
        return self._connection.rollback()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connection, name)


def install(patch: Patch) -> None:
    """Remember the destination's catalog answers until the catalog changes (module docstring)."""
    missing = [n for n in (*_QUESTIONS, "open", "close") if not hasattr(DuckDbDestination, n)]
    if missing:
        raise RuntimeError(f"not SDK 3.0.0's DuckDbDestination: no {', '.join(missing)}")
    known: dict[tuple[str, str, str, str], Any] = {}

    def remembering(question: str) -> None:
        ask = getattr(DuckDbDestination, question)

        @functools.wraps(ask)
        def remembered(self: DuckDbDestination, table: str) -> Any:
            key = (self.path, self.schema, table, question)
            if key not in known:
                known[key] = ask(self, table)
            return copy.copy(known[key])

        patch(DuckDbDestination, question, remembered)

    opening, closing = DuckDbDestination.open, DuckDbDestination.close

    def open_watched(self: DuckDbDestination) -> None:
        known.clear()
        opening(self)
        if self.con is not None and not isinstance(self.con, _Connection):
            self.con = _Connection(self.con, known.clear)

    def close_forgetting(self: DuckDbDestination) -> None:
        known.clear()
        if isinstance(self.con, _Connection):
            self.con = self.con._connection
        closing(self)

    for question in _QUESTIONS:
        remembering(question)
    patch(DuckDbDestination, "open", open_watched)
    patch(DuckDbDestination, "close", close_forgetting)
