"""Where one checkpoint's time goes at 100 busy locations (issue 19, item 1): prints, for a
first sync's checkpoint (every record new), an hourly sync's (7 new orders a location) and a
no-change sync's (the same orders seen again), the seconds of

- building: `Ledger.to_state()` (each changed ledger packed again: its records joined, stored
  in zlib, base64; records are encoded as each parent is emitted, whose cost is printed apart),
- serialising: the `json.dumps` of the whole state that `op.checkpoint` does (SDK 3.0.0,
  `fivetran_connector_sdk_cli/operations.py`), i.e. the connector's own cost ends here,
- the runner: what `fivetran debug`'s runner does with it after flushing rows (`json.loads`,
  `json.dumps` again, the state file written, the state logged: `core/runner.py` checkpoint),
  timed on the same text, without the rows' flush,

and the ledgers packed, records encoded and bytes compressed (`Ledger.work`).

`python -m tests.bench.checkpoint` (about 20 s on one core); `--connector PATH` measures another
copy of connector.py (e.g. an earlier commit's, from `git show`), `--repeat N` takes the best of
N. Results: tests/bench/RESULTS.md, "One checkpoint's cost".
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import ModuleType
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.bench import ledger_state

LOCATIONS = 100
ENCODED_AS_EMITTED = "2026-12-06"  # Ledger.remember encodes a parent's record
HOURLY_NEW_ORDERS = 7  # 150 orders a day, an hour of a 21-hour day


def load_connector(path: str | None) -> ModuleType:
    """connector.py of this tree, or the copy at `path`."""
    if path is None:
        import connector

        return connector
    spec = importlib.util.spec_from_file_location("connector_measured", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def runner_seconds(text: str, directory: str) -> float:
    """What the runner does with a checkpoint's state text (without flushing rows)."""
    began = time.perf_counter()
    state = json.loads(text)
    path = os.path.join(directory, "state.json")
    with open(path + ".tmp", "w", encoding="utf-8") as file:
        file.write(json.dumps(state, separators=(",", ":")))
    os.replace(path + ".tmp", path)
    with open(os.devnull, "w", encoding="utf-8") as log:
        log.write(f"Checkpoint recorded: {text}\n")
    return time.perf_counter() - began


def timed_checkpoint(c: ModuleType, ledger: Any, directory: str) -> dict[str, float]:
    """One checkpoint of a group's state whose ledger is `ledger`."""
    restaurants = {f"r{n}": {"ordersBulk": "2026-11-20T12:00:00.000+0000"} for n in range(100)}
    work = dict(getattr(ledger, "work", {}))
    began = time.perf_counter()
    state = {"version": c._STATE_VERSION, "restaurants": restaurants, "ledger": ledger.to_state()}
    built = time.perf_counter()
    text = json.dumps(state)
    dumped = time.perf_counter()
    after = getattr(ledger, "work", {})
    return {
        "build": built - began,
        "dumps": dumped - built,
        "runner": runner_seconds(text, directory),
        "megabytes": len(text) / 1e6,
        **{name: after[name] - work.get(name, 0) for name in after},
    }


def scenarios(c: ModuleType, reach: int, directory: str) -> dict[str, dict[str, float]]:
    """The three checkpoints, each on its own ledger of LOCATIONS busy locations."""
    ledger_state.c = c  # build with the measured module's Ledger and Key
    ledger = c.Ledger({})
    ledger.begin(ledger_state.NOW - timedelta(hours=1), reach)
    for n in range(LOCATIONS):
        ledger_state.build_busy_restaurant(ledger, f"r{n}", reach, ledger_state.NOW)
    results = {"first sync": timed_checkpoint(c, ledger, directory)}
    if hasattr(ledger, "_record"):  # encoding, which the connector now does as it emits
        began = time.perf_counter()
        for book in ledger._loaded.values():
            for name, parent in book.parents.items():
                ledger._record(name, parent)
        results["first sync"]["encode"] = time.perf_counter() - began
    packed = ledger.to_state()
    hourly = c.Ledger(packed)
    hourly.begin(ledger_state.NOW, reach)
    new = ledger_state.random_guids(LOCATIONS * HOURLY_NEW_ORDERS * 9)
    for n in range(LOCATIONS):
        for minute in range(HOURLY_NEW_ORDERS):
            guid = next(new)
            moment = ledger_state.NOW - timedelta(minutes=minute)
            parent = ("orders", guid, c.format_timestamp(moment))
            hourly.remember(f"r{n}", parent, ledger_state.order_keys(guid, new), live=True)
    results["hourly"] = timed_checkpoint(c, hourly, directory)
    same = c.Ledger(packed)
    same.begin(ledger_state.NOW, reach)
    for n in range(LOCATIONS):  # the newest order of every location seen again, unchanged
        book = same._book(f"r{n}")
        name, parent = max(book.parents.items(), key=lambda item: item[1].modified)
        keys = [same._unpack_key(key) for key in parent.keys]
        modified = c.format_timestamp(datetime.fromtimestamp(parent.modified, timezone.utc))
        same.remember(f"r{n}", ("orders", name.split("/", 1)[1], modified), keys, live=True)
    results["no change"] = timed_checkpoint(c, same, directory)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--connector", help="another connector.py to measure")
    parser.add_argument("--repeat", type=int, default=1, help="best of N (default 1)")
    parser.add_argument("--reach", type=int, help="deleteLedgerDays (default: the connector's)")
    args = parser.parse_args()
    c = load_connector(args.connector)
    reach = args.reach or c._DEFAULT_LEDGER_DAYS
    print(f"{LOCATIONS} busy locations, reach {reach} d, {args.connector or 'connector.py'}:")
    with tempfile.TemporaryDirectory() as directory:
        runs = [scenarios(c, reach, directory) for _ in range(args.repeat)]
    for name in runs[0]:
        best = min((run[name] for run in runs), key=lambda r: r["build"] + r["dumps"])
        own = best["build"] + best["dumps"]
        work = ", ".join(
            f"{k} {best[k]:,.0f}" for k in ("ledgers", "records", "bytes") if k in best
        )
        print(
            f"  {name:10s}: own {own:.3f} s (building {best['build']:.3f} s, json.dumps "
            f"{best['dumps']:.3f} s); the runner's handling {best['runner']:.3f} s; "
            f"state {best['megabytes']:.2f} MB{'; packed: ' + work if work else ''}"
        )
        if "encode" in best:
            print(
                f"  {'':10s}  encoding its records: {best['encode']:.3f} s (paid as each order"
                f" is emitted since {ENCODED_AS_EMITTED}, at the checkpoint before)"
            )


if __name__ == "__main__":
    main()
