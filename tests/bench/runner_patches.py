"""Changes to the SDK runner, for one question only: when the whole `fivetran debug` process
grows with the length of the history, is it the runner or the connector?

    python tests/benchmark.py --memory --no-single --no-replay \\
        --runner-patches forget-keys,duckdb-memory,duckdb-threads

applies them in every benchmark child that runs the runner (not in the counting-sink syncs,
which have no runner); the report's header says so in capitals. They are a diagnosis: no test
of the connector uses them, and no number the README gives for `fivetran debug` is taken with
them.

- forget-keys: the runner's per-table `upserted`, a hash of every key upserted during the sync
  (about 81 bytes per row), keeps nothing. The runner reads it only when it writes an update or
  a delete, to turn an empty string outside the key into NULL; this connector's deletes carry
  only the key, so the rows written do not change.
- duckdb-memory: DuckDB's `memory_limit` at 256 MB (DuckDB's default is 80% of the machine's
  memory, so it keeps what it has read).
- duckdb-threads: DuckDB on one thread (`threads = 1`).

One more lever needs no patch: glibc's `MALLOC_ARENA_MAX=2` in the environment of
`tests/benchmark.py`, which its children inherit.

The patches reach into SDK 3.0.0's internals (`fivetran_connector_sdk_core.runner._Table`,
`fivetran_connector_sdk_core.destination.duckdb_destination.DuckDbDestination.open`); `apply`
fails if they are not as expected, rather than measuring an unpatched runner.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable
from typing import Any

from fivetran_connector_sdk_core import runner
from fivetran_connector_sdk_core.destination.duckdb_destination import DuckDbDestination

DUCKDB_MEMORY_LIMIT = "256MB"


class ForgetfulSet(set):
    """A set that keeps nothing added to it."""

    def add(self, item: Any) -> None:
        del item


Patch = Callable[[Any, str, Any], None]  # setattr, or pytest's monkeypatch.setattr


def _forget_keys(patch: Patch) -> None:
    probe = runner._Table("s", "t", {}, [], False)
    if not isinstance(getattr(probe, "upserted", None), set):
        raise RuntimeError("the SDK runner's _Table has no `upserted` set: not SDK 3.0.0's runner")
    original = runner._Table.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self.upserted = ForgetfulSet()

    patch(runner._Table, "__init__", init)


def _after_open(statement: str) -> Callable[[Patch], None]:
    def after_open(patch: Patch) -> None:
        original = DuckDbDestination.open

        def open_then_set(self: Any) -> None:
            original(self)
            self.con.execute(statement)

        patch(DuckDbDestination, "open", open_then_set)

    return after_open


PATCHES: dict[str, Callable[[Patch], None]] = {
    "forget-keys": _forget_keys,
    "duckdb-memory": _after_open(f"SET memory_limit = '{DUCKDB_MEMORY_LIMIT}'"),
    "duckdb-threads": _after_open("SET threads = 1"),
}


def parse(text: str) -> list[str]:
    """`--runner-patches` (names joined by commas) as a list; an unknown name is an error."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = sorted(set(names) - set(PATCHES))
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown runner patch {', '.join(unknown)}; known: {', '.join(PATCHES)}"
        )
    return names


def apply(names: Iterable[str], patch: Patch = setattr) -> None:
    """Patch this process's SDK runner: a benchmark child's for good, or, with pytest's
    `monkeypatch.setattr`, a test's until it ends."""
    for name in names:
        PATCHES[name](patch)
