"""One sync in its own process, so its wall time, CPU time and peak RSS are that sync's alone.

`python -m tests.bench.child SPEC_JSON RESULT_FILE`, started by tests/benchmark.py with the
offline SDK environment already in its env (tests/conftest.py OFFLINE_ENV). SPEC_JSON keys:
mode ("live": against the server the configuration's domain names; "replay": from capture_dir,
no network, see replay.py; "stream": live, but into a `CountingSink` instead of the SDK runner,
see below), configuration (the connector's), project_dir, and optionally fivetran_naming (false:
the runner keeps source names, as `fivetran debug --naming SOURCE` does),
profile_file (cProfile of the main thread: the emitter and the SDK runner; the workers that
fetch and transform run in other threads and are not profiled), runner_patches (names from
runner_patches.py: a diagnosis of the runner's memory, never a measurement of the shipped one)
and now (ISO 8601: the sync's clock, `connector.NOW`, in a live or stream sync; a replay runs on
the captured sync's), state_file (JSON: the state the sync starts from, as `fivetran debug`
resumes from files/state.json; default none, a first sync), counting_sink (true: a replay into a
`CountingSink` too) and checkpoint_cost (true: time each checkpoint's own part, see
`CheckpointCost`) and timeline (true: where the wall time went, tests/bench/timeline.py).

The result (JSON) holds wall and CPU seconds of `core_adapter.run`, peak RSS (VmHWM of this
process, and the RSS before the sync started), the SDK's counts, and rows per destination table
(counted after the measurement). Every few seconds a sampler writes elapsed, CPU and RSS to
RESULT_FILE.progress.json as well, so a sync that is stopped or killed still tells how far it got.
"""

from __future__ import annotations

import cProfile
import io
import json
import pstats
import resource
import sys
import threading
import time
import traceback
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
from fivetran_connector_sdk import Logging, Operations
from fivetran_connector_sdk_cli import core_adapter, runtime
from fivetran_connector_sdk_common import constants

import connector
from tests.bench import replay, runner_patches, timeline

_SAMPLE_SECONDS = 5.0


def _rss_mb() -> float:
    """Peak RSS since the last `_reset_peak` (VmHWM), else since the process started."""
    return _status_mb("VmHWM:") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _reset_peak() -> bool:
    """Start the peak RSS over (Linux: clear_refs 5): the sync's peak, not the imports'."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as refs:
            refs.write("5")
    except OSError:
        return False
    return True


def _cpu_seconds() -> tuple[float, float]:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime, usage.ru_stime


def _status_mb(field: str) -> float:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _current_rss_mb() -> float:
    return _status_mb("VmRSS:")


class Sampler(threading.Thread):
    """Samples elapsed seconds, CPU seconds and RSS (now and peak) until stopped."""

    def __init__(self, path: Path) -> None:
        super().__init__(daemon=True, name="bench-sampler")
        self.path = path
        self.samples: list[list[float]] = []
        self.stopped = threading.Event()
        self._began = time.perf_counter()
        self._cpu = sum(_cpu_seconds())

    def sample(self) -> None:
        elapsed = time.perf_counter() - self._began
        cpu = sum(_cpu_seconds()) - self._cpu
        self.samples.append([round(elapsed, 1), round(cpu, 1), _current_rss_mb(), _rss_mb()])
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps({"samples": self.samples}), encoding="utf-8")
        temporary.replace(self.path)

    def run(self) -> None:
        while not self.stopped.wait(_SAMPLE_SECONDS):
            self.sample()


def rows_per_table(warehouse: Path) -> dict[str, int]:
    """count(*) of every table the sync wrote, soft-deleted rows included."""
    if not warehouse.exists():
        return {}
    with duckdb.connect(str(warehouse), read_only=True) as db:
        names = db.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_schema LIKE 'tester%' ORDER BY 1, 2"
        ).fetchall()
        return {
            name: db.execute(f'SELECT count(*) FROM "{schema}"."{name}"').fetchone()[0]
            for schema, name in names
        }


class CountingSink:
    """The SDK core's `Sink` protocol, keeping nothing: counts records and checkpoints.

    With it, a sync runs the connector and the SDK's operation layer (`op.upsert` validates and
    encodes every row) but not the runner, which holds the rows until a checkpoint, writes them to
    DuckDB and keeps a hash of every upserted key for the whole sync. The process's RSS is then the
    connector's own memory: whether it streams pages or collects windows shows here, unmasked by
    the runner's per-row bookkeeping."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.checkpoints = 0
        self.largest_state_bytes = 0
        self.last_state_json = ""  # what a next sync resumes from

    def record(self, record: Any) -> None:
        name = f"{record.table} {record.type.name.lower()}"
        self.counts[name] = self.counts.get(name, 0) + 1

    def checkpoint(self, checkpoint: Any) -> None:
        self.checkpoints += 1
        self.largest_state_bytes = max(self.largest_state_bytes, len(checkpoint.state_json))
        self.last_state_json = checkpoint.state_json

    def truncate(self, truncate: Any) -> None:
        raise AssertionError(f"the connector never truncates: {truncate}")

    def file_chunk(self, chunk: Any) -> None:
        raise AssertionError("the connector uploads no files")

    def warning(self, warning: Any) -> None:
        del warning

    def task(self, task: Any) -> None:
        raise AssertionError(f"the connector raised a task: {task}")


def sync_into_counting_sink(
    configuration: dict[str, Any], state: dict[str, Any], project: Path
) -> dict[str, Any]:
    """Run schema() and update() as the SDK does, into a CountingSink; the counts it saw. The
    last state is written to project/files/state.json, as the runner would."""
    source = core_adapter.ConnectorSource(connector.connector)
    source.schema(configuration)
    sink = CountingSink()
    try:
        source.update(configuration, state, sink)
    finally:
        runtime.install(None)
    if sink.last_state_json:
        (project / "files").mkdir(parents=True, exist_ok=True)
        (project / "files" / "state.json").write_text(sink.last_state_json, encoding="utf-8")
    upserts = {k.rsplit(" ", 1)[0]: v for k, v in sink.counts.items() if k.endswith(" upsert")}
    return {
        "Upserts": sum(upserts.values()),
        "Deletes": sum(v for k, v in sink.counts.items() if k.endswith(" delete")),
        "Checkpoints": sink.checkpoints,
        "largest_state_bytes": sink.largest_state_bytes,
        "upserts_per_table": upserts,
    }


class OperationTimes:
    """Wall seconds spent inside each SDK operation the connector calls, and how many calls.

    The SDK's `Operations` methods are looked up on the class at each call (`op.upsert(...)`), so
    wrapping them here times the SDK's share of the sync without a profiler's distortion:
    `upsert` is the SDK validating and encoding the row and the runner renaming, checking and
    buffering it; `checkpoint` is the runner writing every buffered row to DuckDB and saving the
    state. What is left of the sync's CPU is the connector's (JSON, explode, threads)."""

    NAMES = ("upsert", "delete", "checkpoint")

    def __init__(self) -> None:
        self.seconds = dict.fromkeys(self.NAMES, 0.0)
        self.calls = dict.fromkeys(self.NAMES, 0)
        self._originals = {name: getattr(Operations, name) for name in self.NAMES}
        self.before_checkpoint: Any = None  # called with the state, outside the timing

    def install(self) -> None:
        for name, original in self._originals.items():
            setattr(Operations, name, staticmethod(self._timed(name, original)))

    def uninstall(self) -> None:
        for name, original in self._originals.items():
            setattr(Operations, name, staticmethod(original))

    def _timed(self, name: str, original: Any) -> Any:
        def timed(*args: Any, **kwargs: Any) -> Any:
            if name == "checkpoint" and self.before_checkpoint is not None:
                self.before_checkpoint(kwargs.get("state", args[0] if args else None))
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[name] += time.perf_counter() - started
                self.calls[name] += 1

        return timed

    def result(self) -> dict[str, Any]:
        return {"seconds": self.seconds, "calls": self.calls}


class CheckpointCost:
    """Each checkpoint's own cost, the connector's part of it: building the state
    (`Emitter.checkpoint` before it calls `op.checkpoint`: packing ledgers, the token) and
    serialising it (`json.dumps`, which `op.checkpoint` does first; timed here on the same dict
    just before, so the sync serialises twice). The runner's part (writing rows, saving and
    logging the state) is `op.checkpoint`'s, timed by OperationTimes."""

    def __init__(self) -> None:
        self.build_seconds: list[float] = []
        self.dump_seconds: list[float] = []
        # the same, in CPU time of the emitting thread (time.thread_time): wall time also counts
        # the workers that hold the GIL meanwhile (64 at 100 locations)
        self.build_cpu_seconds: list[float] = []
        self.dump_cpu_seconds: list[float] = []
        self.state_bytes: list[int] = []
        self._original = connector.Emitter.checkpoint
        self._entered = 0.0
        self._entered_cpu = 0.0

    def install(self, operations: OperationTimes) -> None:
        """Time every `Emitter.checkpoint` until it calls `op.checkpoint`, then `json.dumps`."""
        original, cost = self._original, self

        def checkpoint(emitter: Any) -> None:
            cost._entered = time.perf_counter()
            cost._entered_cpu = time.thread_time()
            original(emitter)

        def before_op(state: dict[str, Any]) -> None:
            cost.build_seconds.append(time.perf_counter() - cost._entered)
            cost.build_cpu_seconds.append(time.thread_time() - cost._entered_cpu)
            started, started_cpu = time.perf_counter(), time.thread_time()
            text = json.dumps(state)
            cost.dump_seconds.append(time.perf_counter() - started)
            cost.dump_cpu_seconds.append(time.thread_time() - started_cpu)
            cost.state_bytes.append(len(text))

        connector.Emitter.checkpoint = checkpoint
        operations.before_checkpoint = before_op

    def uninstall(self) -> None:
        connector.Emitter.checkpoint = self._original

    def result(self) -> dict[str, Any]:
        total = [b + d for b, d in zip(self.build_seconds, self.dump_seconds, strict=True)]
        return {
            "checkpoints": len(total),
            "max_seconds": max(total, default=0.0),
            "mean_seconds": sum(total) / len(total) if total else 0.0,
            "max_build_seconds": max(self.build_seconds, default=0.0),
            "max_dump_seconds": max(self.dump_seconds, default=0.0),
            "max_cpu_seconds": max(
                map(sum, zip(self.build_cpu_seconds, self.dump_cpu_seconds, strict=True)),
                default=0.0,
            ),
            "max_state_bytes": max(self.state_bytes, default=0),
        }


def run(spec: dict[str, Any], progress: Path) -> dict[str, Any]:
    """Run the sync the spec describes and measure it."""
    project = Path(spec["project_dir"])
    project.mkdir(parents=True, exist_ok=True)
    adapter = (
        replay.install(connector, Path(spec["capture_dir"]), spec.get("now"))
        if spec["mode"] == "replay"
        else None
    )
    if adapter is None and spec.get("now"):
        now = datetime.fromisoformat(spec["now"])
        connector.NOW = lambda: now
    patches = [] if spec["mode"] == "stream" else spec.get("runner_patches", [])  # no runner
    runner_patches.apply(patches)
    # As `fivetran debug` runs it: INFO level, and timestamped log lines.
    Logging.LOG_LEVEL = Logging.Level.INFO
    constants.DEBUGGING = True
    result: dict[str, Any] = {"mode": spec["mode"], "rss_before_sync_mb": _current_rss_mb()}
    result["runner_patches"] = patches
    result["peak_is_the_syncs"] = _reset_peak()
    profiler = cProfile.Profile() if spec.get("profile_file") else None
    operations = OperationTimes()
    operations.install()
    cost = CheckpointCost() if spec.get("checkpoint_cost") else None
    if cost is not None:
        cost.install(operations)
    spans = timeline.Timeline() if spec.get("timeline") else None
    if spans is not None:
        spans.install()
    state_file = spec.get("state_file")
    state = json.loads(Path(state_file).read_text()) if state_file else {}
    counting = spec["mode"] == "stream" or spec.get("counting_sink", False)
    sampler = Sampler(progress)
    sampler.start()
    user0, system0 = _cpu_seconds()
    started = time.perf_counter()
    try:
        if profiler is not None:
            profiler.enable()
        if counting:
            result["sdk_counts"] = sync_into_counting_sink(spec["configuration"], state, project)
        else:
            naming = spec.get("fivetran_naming", True)  # False: `fivetran debug --naming SOURCE`
            counts = core_adapter.run(
                connector.connector, str(project), spec["configuration"], state, naming
            )
            result["sdk_counts"] = {k: v for k, v in dict(counts or {}).items() if v}
        result["ok"] = True
    except BaseException as error:  # noqa: BLE001 - reported to the parent, which fails
        result["ok"] = False
        result["error"] = "".join(traceback.format_exception(error))[-4000:]
    finally:
        if profiler is not None:
            profiler.disable()
        operations.uninstall()
        if cost is not None:
            cost.uninstall()
        if spans is not None:
            spans.uninstall()
    result["wall_seconds"] = time.perf_counter() - started
    if spans is not None:
        result["timeline"] = spans.summary(result["wall_seconds"])
    user1, system1 = _cpu_seconds()
    result["cpu_user_seconds"] = user1 - user0
    result["cpu_system_seconds"] = system1 - system0
    result["cpu_seconds"] = result["cpu_user_seconds"] + result["cpu_system_seconds"]
    result["peak_rss_mb"] = _rss_mb()
    sampler.stopped.set()
    sampler.join()
    sampler.sample()
    result["samples"] = sampler.samples  # [elapsed s, CPU s, RSS MB, peak RSS MB]
    result["operations"] = operations.result()
    if cost is not None:
        result["checkpoint_cost"] = cost.result()
    if adapter is not None:
        result["replay_served"] = adapter.served
        result["replay_misses"] = adapter.misses[:20]
        result["replay_miss_count"] = len(adapter.misses)
        result["replay_skipped_wait_seconds"] = adapter.virtual.slept if adapter.virtual else 0.0
    if profiler is not None:
        result["profile"] = _profile_text(profiler, Path(spec["profile_file"]))
    if counting:  # nothing was written: the upserts the sink counted
        result["rows"] = result.get("sdk_counts", {}).get("upserts_per_table", {})
    else:
        result["rows"] = rows_per_table(project / "files" / "warehouse.db")
    return result


def _profile_text(profiler: cProfile.Profile, path: Path) -> str:
    profiler.dump_stats(str(path))
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text).strip_dirs()
    stats.sort_stats("cumulative").print_stats(30)
    stats.sort_stats("tottime").print_stats(25)
    return text.getvalue()


def main() -> None:
    """Entry point: run the spec in argv[1], write the result to argv[2]."""
    spec = json.loads(sys.argv[1])
    result_file = Path(sys.argv[2])
    result = run(spec, result_file.with_suffix(".progress.json"))
    result_file.write_text(json.dumps(result, indent=1), encoding="utf-8")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
