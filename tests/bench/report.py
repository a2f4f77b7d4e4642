"""The benchmark's printed report: syncs, bounds, targets met or missed, findings."""

from __future__ import annotations

import statistics
from typing import Any

from tests.bench.bounds import LATENCY_FORMULA, PACED_FORMULA, RATE_FORMULA

EXPLODE_TARGET_US = 500.0  # "well under a millisecond"
_RSS_POINTS = 12


def n(value: float) -> str:
    """A count with thousands separators."""
    return f"{value:,.0f}"


def sync_line(label: str, result: dict[str, Any]) -> str:
    """One line: wall, CPU, peak RSS, rows, checkpoints."""
    counts = result.get("sdk_counts", {})
    return (
        f"{label}: wall {result['wall_seconds']:.1f} s, CPU {result['cpu_seconds']:.1f} s "
        f"(user {result['cpu_user_seconds']:.1f}, sys {result['cpu_system_seconds']:.1f}), "
        f"peak RSS {result['peak_rss_mb']:.0f} MB (before the sync "
        f"{result['rss_before_sync_mb']:.0f} MB), rows {n(sum(result['rows'].values()))}, "
        f"checkpoints {counts.get('Checkpoints', 0)}"
    )


def rss_line(samples: list[list[float]]) -> str:
    """RSS at evenly spaced moments of the sync (from the child's sampler)."""
    if not samples:
        return "  RSS over time: no samples"
    step = max(1, len(samples) // _RSS_POINTS)
    picked = samples[::step][-_RSS_POINTS:]
    points = ", ".join(f"{s[0]:.0f}s:{s[2]:.0f}" for s in picked)
    return f"  RSS over time (elapsed s: MB): {points}"


def _server_lines(server: dict[str, Any]) -> list[str]:
    lines = [
        f"  server: {n(server['requests'])} requests in {server['span_seconds']:.1f} s, "
        f"429s served {server['served_429']}, logins {server['logins']}, TCP connections "
        f"opened {server.get('connections_opened', '?')}, statuses "
        f"{server['by_status']}, server CPU {server['server_cpu_seconds']:.1f} s, highest rate "
        f"over all locations {server['max_per_second_all_locations']}/s"
    ]
    lines.append("  requests per endpoint:")
    lines += [f"    {count:>8,}  {path}" for path, count in sorted(server["by_endpoint"].items())]
    lines.append(
        "  per location: requests, ordersBulk | highest count in any 1-s window: all, "
        "ordersBulk (limits 20, 5) | in any 15 min (10,000) | first-to-last s | gaps > 0.5 s "
        "between requests: count, s"
    )
    for location, seen in server["locations"].items():
        lines.append(
            f"    {location:<36} {seen['requests']:>6,} {seen['orders_bulk']:>6,} | "
            f"{seen['max_per_second']:>3} {seen['orders_bulk_max_per_second']:>2} | "
            f"{seen['max_per_15_minutes']:>6,} | {seen['span_seconds']:>7.1f} | "
            f"{seen['long_gaps']:>4} {seen['long_gap_seconds']:>7.1f}"
        )
    return lines


def report_sync(result: dict[str, Any]) -> list[str]:
    """The measured sync: time, RSS, server view, rates per location, rows per table."""
    lines = [sync_line("Sync", result), rss_line(result.get("samples", []))]
    lines += state_lines(result.get("state"))
    lines += _server_lines(result["server"])
    lines.append("  rows per table:")
    lines += [f"    {count:>10,}  {table}" for table, count in sorted(result["rows"].items())]
    return lines


def state_lines(state: dict[str, Any] | None) -> list[str]:
    """The state the sync left, and the delete ledger's share of it per restaurant."""
    if not state:
        return []
    ledgers = state["ledger_bytes"]
    per_restaurant = (
        f"{min(ledgers) / 1e6:.3f} to {max(ledgers) / 1e6:.3f} MB, mean "
        f"{sum(ledgers) / len(ledgers) / 1e6:.3f} MB, for {len(ledgers)} restaurants"
        if ledgers
        else "none"
    )
    return [
        f"  state at the end: {state['bytes'] / 1e6:.3f} MB; delete ledger per restaurant: "
        f"{per_restaurant}"
    ]


def report_failure(label: str, result: dict[str, Any]) -> list[str]:
    """A phase that failed or was stopped: what it got done."""
    lines = [f"{label} did not finish: {result['error'].splitlines()[0]}"]
    samples = result.get("samples") or []
    if samples:
        elapsed, cpu, rss, peak = samples[-1]
        lines.append(
            f"  last sample: {elapsed:.0f} s elapsed, CPU {cpu:.0f} s, RSS {rss:.0f} MB, "
            f"peak RSS {peak:.0f} MB"
        )
        lines.append(rss_line(samples))
    if result.get("server"):
        lines += _server_lines(result["server"])
    if result.get("log_tail"):
        lines.append("  last lines of its log:")
        lines += [f"    {line[:220]}" for line in result["log_tail"]]
    return lines


def report_bounds(result: dict[str, Any], write: dict[str, Any] | None) -> list[str]:
    """The bounds with their formulas and numbers."""
    b = result["bounds"]
    latency = result["sizes"]["latency_ms"]
    lines = ["Lower bounds on wall time:", f"  {RATE_FORMULA}"]
    for loc in b["locations"]:
        if loc["location"] == "ip":
            continue
        lines.append(
            f"    {loc['location']}: B={loc['orders_bulk']:,} -> {loc['bulk_term']:.1f} s, "
            f"N={loc['requests']:,} -> {loc['all_term']:.1f} s, 15-min {loc['quarter_term']:.0f}"
            f" s => {loc['rate']:.1f} s"
        )
    lines.append(f"  rate-limit bound: {b['rate_limit_seconds']:.1f} s")
    lines.append(f"  {LATENCY_FORMULA}, latency {latency:g} ms: {b['latency_seconds']:.1f} s")
    lines.append(f"  {PACED_FORMULA}: {b['paced_seconds']:.1f} s")
    if write is not None and write.get("ok"):
        match = "the same rows" if write["rows"] == result["rows"] else "ROWS DIFFER from"
        lines.append(
            "  write bound (the captured responses replayed through the SDK runner, no network, "
            f"no waits): wall {write['wall_seconds']:.1f} s, CPU {write['cpu_seconds']:.1f} s, "
            f"peak RSS {write['peak_rss_mb']:.0f} MB, {write['replay_served']:,} responses "
            f"served, {write['replay_miss_count']} not captured, "
            f"{write.get('replay_skipped_wait_seconds', 0):.1f} s of limiter waits skipped, "
            f"{match} the sync"
        )
    return lines


def report_source_naming(
    result: dict[str, Any], write: dict[str, Any] | None, source: dict[str, Any] | None
) -> list[str]:
    """The replay with and without the runner's column renaming."""
    if not (write and write.get("ok") and source):
        return []
    if not source.get("ok"):
        return report_failure("The source-naming replay", source)
    match = "the same rows" if source["rows"] == result["rows"] else "ROWS DIFFER from"
    rows = max(1, sum(source["rows"].values()))
    return [
        f"Write bound with source naming (`fivetran debug --naming SOURCE`: the runner does not "
        f"rename columns): wall {source['wall_seconds']:.1f} s, CPU {source['cpu_seconds']:.1f} s"
        f" ({source['cpu_seconds'] / rows * 1e6:.0f} us per row against "
        f"{write['cpu_seconds'] / rows * 1e6:.0f}), {match} the sync; Fivetran naming / "
        f"source naming: {write['wall_seconds'] / source['wall_seconds']:.2f}x"
    ]


def _verdict(ok: bool) -> str:
    return "MET   " if ok else "MISSED"


def targets(results: dict[str, Any]) -> list[str]:
    """Each target: met or missed, with the numbers."""
    sync, write = results["sync"], results.get("write_bound")
    single, memory = results.get("single_worker"), results.get("memory")
    rate, wall = sync["bounds"]["rate_limit_seconds"], sync["wall_seconds"]
    lines = ["Targets:"]
    if write is not None and write.get("ok"):
        floor = max(rate, write["wall_seconds"])
        lines.append(
            f"  {_verdict(wall <= 1.5 * floor)} wall {wall:.1f} s within 1.5x of max(rate-limit "
            f"{rate:.1f} s, write {write['wall_seconds']:.1f} s) = {floor:.1f} s: "
            f"{wall / floor:.2f}x"
        )
    if single is not None and single.get("ok"):
        ratio = single["wall_seconds"] / wall
        dominated = write is None or not write.get("ok") or rate >= write["wall_seconds"]
        note = "" if dominated else " (here the write bound dominates, not the rate-limit bound)"
        lines.append(
            f"  {_verdict(ratio >= 5)} {sync['sizes']['workers']} workers >= 5x faster than one: "
            f"{single['wall_seconds']:.1f} s / {wall:.1f} s = {ratio:.2f}x{note}"
        )
    served = sync["server"]["served_429"]
    lines.append(f"  {_verdict(served == 0)} zero 429s served: {served}")
    if memory is not None and memory.get("ok"):
        ratio = sync["peak_rss_mb"] / memory["peak_rss_mb"]
        lines.append(
            f"  {_verdict(ratio <= 1.2)} peak RSS of {sync['sizes']['days']} days "
            f"({sync['peak_rss_mb']:.0f} MB) within 1.2x of {memory['sizes']['days']} days "
            f"({memory['peak_rss_mb']:.0f} MB): {ratio:.2f}x"
            + (" WITH THE RUNNER PATCHED (a diagnosis)" if sync.get("runner_patches") else "")
        )
    explode = results["explode"]
    lines.append(
        f"  {_verdict(explode['us_per_order'] <= EXPLODE_TARGET_US)} explode of one order well "
        f"under 1 ms (taken as <= {EXPLODE_TARGET_US:.0f} us): {explode['us_per_order']:.0f} us"
    )
    return lines


def findings(results: dict[str, Any]) -> list[str]:
    """What limits the connector, read from the numbers."""
    sync, write = results["sync"], results.get("write_bound")
    b, wall = sync["bounds"], sync["wall_seconds"]
    rate = b["rate_limit_seconds"]
    found = []
    if write is not None and write.get("ok") and write["wall_seconds"] > rate:
        per_row = write["cpu_seconds"] / max(1, sum(write["rows"].values())) * 1e6
        found.append(
            f"The write bound ({write['wall_seconds']:.1f} s, {per_row:.0f} us of CPU per row) "
            f"exceeds the rate-limit bound ({rate:.1f} s): the connector "
            "process's CPU (JSON decoding, explode, the SDK's op.upsert and DuckDB writes, all "
            "under one GIL) is the floor here, not Toast's limits or the latency."
        )
    paced = b["paced_seconds"]
    if paced > rate:
        side = "below" if wall < paced else "not below"
        found.append(
            f"One request at a time per restaurant would need at least {paced:.1f} s at this "
            f"latency (sequential+pacing bound), above the rate-limit bound ({rate:.1f} s). The "
            "connector sends a restaurant's configuration listings and cash business days side "
            f"by side with its other requests to close that gap: this sync took {wall:.1f} s, "
            f"{side} it."
        )
    gaps = sum(loc["long_gap_seconds"] for loc in sync["server"]["locations"].values())
    restaurants = max(1, len(sync["server"]["locations"]) - 1)
    if gaps > 0.2 * wall * restaurants:
        found.append(
            f"Restaurants sat idle between requests for {gaps:.0f} s in total over "
            f"{restaurants} locations (gaps > 0.5 s between consecutive requests of a "
            "location): back-pressure from the one emitting thread (the hand-off queue is "
            "full) or rate-limiter pauses (a response with X-Toast-RateLimit-Remaining 0 "
            "pauses the location until the reset second)."
        )
    found += _rate_limited(sync["server"])
    memory = results.get("memory")
    if memory is not None and memory.get("ok"):
        extra_rows = sum(sync["rows"].values()) - sum(memory["rows"].values())
        extra_mb = sync["peak_rss_mb"] - memory["peak_rss_mb"]
        if extra_rows > 0 and extra_mb > 0:
            found.append(
                f"The longer sync's peak RSS is {extra_mb:.0f} MB higher for "
                f"{n(extra_rows)} more rows ({extra_mb * 2**20 / extra_rows:.0f} bytes per row). "
                "The SDK runner keeps a hash of every key upserted during the sync, and "
                "DuckDB keeps each table's primary-key index in memory; the connector's own "
                "memory is the counting-sink comparison below."
            )
    checkpoints = sync.get("sdk_counts", {}).get("Checkpoints", 0)
    if checkpoints and wall / checkpoints > 20:
        found.append(
            f"{checkpoints} checkpoints in {wall:.0f} s (one every {wall / checkpoints:.0f} s, "
            "though the connector's interval is 10 s): it checkpoints only when a window "
            "finishes, so every row fetched since the last finished window waits in the SDK "
            f"runner's memory (peak RSS {sync['peak_rss_mb']:.0f} MB)."
        )
    return found


def _rate_limited(server: dict[str, Any]) -> list[str]:
    """Where the 429s came from, from the server's request log."""
    log = server.get("log") or []
    limited = [entry for entry in log if entry[3] == 429]
    if not limited:
        return []
    before, burst = [], []
    for moment, location, _, _ in limited:
        mine = [e[0] for e in log if e[1] == location and moment - 1.0 < e[0] < moment]
        before.append(len(mine))
        burst.append(sum(1 for t in mine if moment - 0.1 < t))
    paths = sorted({entry[2] for entry in limited})
    return [
        f"{len(limited)} requests were answered 429 ({', '.join(paths)}). In the second "
        f"before each (by arrival) the server had received {min(before)}-{max(before)} "
        f"requests of that location (limit 20), {min(burst)}-{max(burst)} of them in the last "
        "0.1 s: concurrent requests of one location leave in bursts, and the client counts a "
        "request when it admits it while the server counts it when it handles it; the spread "
        "between the two under CPU load exceeds the client limiter's 50 ms margin."
    ]


def report_connector_memory(results: dict[str, Any]) -> list[str]:
    """The two syncs into a counting sink: the connector's own peak RSS, long vs short."""
    long, short = results.get("stream"), results.get("stream_memory")
    lines: list[str] = []
    for result in (long, short):
        if result is None:
            continue
        label = f"{result.get('sizes', {}).get('days', '?')}-day sync into a counting sink"
        if not result.get("ok"):
            lines += report_failure(label, result)
            continue
        counts = result["sdk_counts"]
        lines.append(
            f"{sync_line(label, result)} (upserts {n(counts['Upserts'])}, deletes "
            f"{n(counts['Deletes'])}, largest state {counts['largest_state_bytes'] / 1e6:.2f} MB)"
        )
        lines.append(rss_line(result.get("samples", [])))
    if long and short and long.get("ok") and short.get("ok"):
        ratio = long["peak_rss_mb"] / short["peak_rss_mb"]
        lines.append(
            f"  {_verdict(ratio <= 1.2)} the connector's own peak RSS (no runner) of "
            f"{long['sizes']['days']} days ({long['peak_rss_mb']:.0f} MB) within 1.2x of "
            f"{short['sizes']['days']} days ({short['peak_rss_mb']:.0f} MB): {ratio:.2f}x"
        )
    return lines


def report_time_split(write: dict[str, Any] | None, source: dict[str, Any] | None) -> list[str]:
    """Where the write bound's wall time goes, from the timed SDK operations (child.py)."""
    if not (write and write.get("ok") and write.get("operations")):
        return []
    wall, rows = write["wall_seconds"], max(1, sum(write["rows"].values()))
    seconds, calls = write["operations"]["seconds"], write["operations"]["calls"]
    rest = wall - sum(seconds.values())

    def share(value: float) -> str:
        return f"{value:.1f} s ({value / wall:.0%})"

    lines = [
        f"Where the write bound's {wall:.1f} s go ({n(rows)} rows, timed around each SDK call):",
        f"  op.upsert, {n(calls['upsert'])} calls: {share(seconds['upsert'])}, "
        f"{seconds['upsert'] / max(1, calls['upsert']) * 1e6:.0f} us each: the SDK validates "
        "and encodes the row; the runner renames every column, notes its types, buffers it",
        f"  op.checkpoint, {calls['checkpoint']} calls: {share(seconds['checkpoint'])}, "
        f"{seconds['checkpoint'] / max(1, calls['checkpoint']):.2f} s each: the runner writes "
        f"the buffered rows to DuckDB ({_declared_tables()} declared tables) and saves the state",
        f"  op.delete, {n(calls['delete'])} calls: {share(seconds['delete'])}",
        f"  the rest: {share(rest)}: the connector (JSON decoding, explode, the hand-off from "
        "the workers) and the runner's final write after update() returns",
    ]
    if source and source.get("ok") and source.get("operations"):
        theirs = source["operations"]["seconds"]["upsert"]
        lines.append(
            f"  with source naming, op.upsert took {theirs:.1f} s: renaming columns costs "
            f"{seconds['upsert'] - theirs:.1f} s, "
            f"{(seconds['upsert'] - theirs) / max(1, calls['upsert']) * 1e6:.0f} us per row"
        )
    return lines


# ------------------------------------------------------------------------------ the group mode

# issue 19's targets for a group (items 1, 4, 5, 6).
STATE_PER_LOCATION_TARGET_BYTES = 256 * 1024
CHECKPOINT_TARGET_SECONDS = 0.2
NO_CHANGE_REQUESTS_TARGET = 25
WALL_PER_CPU_TARGET = 1.5


def _per_location(server: dict[str, Any]) -> list[int]:
    return [seen["requests"] for name, seen in server["locations"].items() if name != "ip"]


def _group_sync_lines(label: str, result: dict[str, Any], restaurants: int) -> list[str]:
    """One group sync: time, state per location, checkpoint cost, requests per location."""
    if not result.get("ok"):
        return report_failure(label, result)
    counts = _per_location(result["server"])
    state = result.get("state") or {}
    cost = result.get("checkpoint_cost", {})
    bound = result["bounds"]["rate_limit_seconds"]
    lines = [
        sync_line(label, result),
        f"  wall / CPU {result['wall_seconds'] / max(result['cpu_seconds'], 1e-9):.2f}x; "
        f"rate-limit bound {bound:.1f} s (wall / bound "
        f"{result['wall_seconds'] / max(bound, 1e-9):.2f}x); 429s "
        f"{result['server']['served_429']}; server CPU "
        f"{result['server']['server_cpu_seconds']:.1f} s",
        f"  requests per location: mean {sum(counts) / max(1, len(counts)):.1f}, min "
        f"{min(counts, default=0)}, max {max(counts, default=0)} ({len(counts)} locations "
        f"of {restaurants}); outside a location (login, partners) "
        f"{result['server']['locations'].get('ip', {}).get('requests', 0)}",
    ]
    if state:
        lines.append(
            f"  state left: {n(state['bytes'])} bytes, {n(state['bytes'] / restaurants)} per "
            f"location (delete ledger {n(sum(state['ledger_bytes']) / restaurants)} per location)"
        )
    if cost:
        lines.append(
            f"  one checkpoint's own cost (build + json.dumps of the state), over "
            f"{cost['checkpoints']} checkpoints: max {cost['max_seconds'] * 1000:.1f} ms (build "
            f"{cost['max_build_seconds'] * 1000:.1f}, dumps {cost['max_dump_seconds'] * 1000:.1f})"
            f", mean {cost['mean_seconds'] * 1000:.1f} ms; largest state "
            f"{n(cost['max_state_bytes'])} bytes"
        )
        if "max_cpu_seconds" in cost:
            lines.append(
                f"  the same in CPU of the emitting thread (wall time also counts the workers "
                f"holding the GIL meanwhile): max {cost['max_cpu_seconds'] * 1000:.1f} ms"
            )
    lines.append(rss_line(result.get("samples", [])))
    return lines


def group_lines(results: dict[str, Any], restaurants: int) -> list[str]:
    """The group benchmark's report: both syncs, the no-change sync's requests per endpoint and
    its write bound, and issue 19's targets."""
    lines: list[str] = []
    first, second = results.get("first"), results.get("no_change")
    if first:
        lines += _group_sync_lines("First sync", first, restaurants)
    if second:
        lines += _group_sync_lines("No-change sync an hour later", second, restaurants)
    if not (second and second.get("ok")):
        return lines
    lines.append("  no-change sync, requests per location per endpoint:")
    lines += [
        f"    {count / restaurants:>8.2f}  {path}"
        for path, count in sorted(second["server"]["by_endpoint"].items())
    ]
    write = results.get("write_bound")
    if write and write.get("ok"):
        bound = max(write["wall_seconds"], second["bounds"]["rate_limit_seconds"])
        lines.append(
            f"  write bound (its responses replayed, no network, no waits): wall "
            f"{write['wall_seconds']:.1f} s, CPU {write['cpu_seconds']:.1f} s; the sync's wall "
            f"/ max(bounds) {second['wall_seconds'] / max(bound, 1e-9):.2f}x; rows "
            f"{'the same as' if write['rows'] == second['rows'] else 'DIFFERENT FROM'} the sync's"
        )
    lines += _timeline_lines(second.get("timeline"))
    ratios = no_change_ratios(results)
    if len(ratios) > 1:
        lines.append(
            f"  no-change sync, wall / CPU of each of its {len(ratios)} runs: "
            f"{', '.join(f'{ratio:.2f}x' for ratio in ratios)} (median "
            f"{statistics.median(ratios):.2f}x)"
        )
    lines += _group_targets(first, second, restaurants, statistics.median(ratios))
    return lines


def no_change_ratios(results: dict[str, Any]) -> list[float]:
    """Wall / CPU of every no-change sync of a group run (--no-change-runs), in run order."""
    runs = [results["no_change"]]
    again = [name for name in results if name.startswith("no_change_")]
    runs += [results[name] for name in sorted(again, key=lambda name: int(name.split("_")[-1]))]
    return [run["wall_seconds"] / max(run["cpu_seconds"], 1e-9) for run in runs if run.get("ok")]


def _timeline_lines(spans: dict[str, Any] | None) -> list[str]:
    """Where the no-change sync's wall time went (--timeline: tests/bench/timeline.py)."""
    if not spans or "restaurants" not in spans:
        return []
    return [
        f"  its timeline: {spans['before_first_restaurant']:.2f} s before the first location "
        f"(discovery {spans['discover_seconds']:.2f} s), {spans['restaurants_running']:.2f} s "
        f"while locations ran, {spans['after_last_restaurant']:.2f} s after the last",
        f"    locations at once: at most {spans['most_at_once']}, on average "
        f"{spans['mean_at_once']:.1f}; one location {spans['restaurant_seconds_mean']:.2f} s "
        f"(max {spans['restaurant_seconds_max']:.2f} s), of it in requests on its worker "
        f"{spans['worker_request_seconds_mean']:.2f} s",
        f"    requests {spans['requests']}, {spans['request_seconds_mean'] * 1000:.0f} ms each "
        f"on average, rate-limit waits {spans['rate_limit_wait_seconds']:.2f} s in all",
        f"    ledger loads {spans['ledger_loads']} ({spans['ledger_load_seconds']:.2f} s, on "
        f"{', '.join(spans['ledger_load_threads'])}); checkpoints {spans['checkpoints']} "
        f"({spans['checkpoint_seconds']:.2f} s, the last "
        f"{spans['last_checkpoint_seconds']:.2f} s)",
    ]


def _group_targets(
    first: dict[str, Any] | None, second: dict[str, Any], restaurants: int, ratio: float
) -> list[str]:
    counts = _per_location(second["server"])
    worst_state = max(
        ((r.get("state") or {}).get("bytes", 0) for r in (first or {}, second) if r),
        default=0,
    )
    worst_checkpoint = max(
        (r.get("checkpoint_cost", {}).get("max_seconds", 0.0) for r in (first or {}, second)),
        default=0.0,
    )
    worst_checkpoint_cpu = max(
        (r.get("checkpoint_cost", {}).get("max_cpu_seconds", 0.0) for r in (first or {}, second)),
        default=0.0,
    )
    return [
        "Targets (issue 19):",
        f"  state per location <= {n(STATE_PER_LOCATION_TARGET_BYTES)} bytes: "
        f"{_verdict(worst_state / restaurants <= STATE_PER_LOCATION_TARGET_BYTES)} "
        f"({n(worst_state / restaurants)})",
        # Its own cost is the CPU it takes; its wall time also counts the fetching workers that
        # held the interpreter lock meanwhile, doing the sync's other work.
        f"  one checkpoint's own cost <= {CHECKPOINT_TARGET_SECONDS} s (the emitting thread's "
        f"CPU): {_verdict(worst_checkpoint_cpu <= CHECKPOINT_TARGET_SECONDS)} "
        f"({worst_checkpoint_cpu:.3f} s; wall {worst_checkpoint:.3f} s, workers running)",
        f"  no-change requests per location <= {NO_CHANGE_REQUESTS_TARGET}: "
        f"{_verdict(max(counts, default=0) <= NO_CHANGE_REQUESTS_TARGET)} "
        f"(max {max(counts, default=0)})",
        f"  no-change wall <= {WALL_PER_CPU_TARGET}x its CPU (the median of its runs): "
        f"{_verdict(ratio <= WALL_PER_CPU_TARGET)} ({ratio:.2f}x)",
    ]


def _declared_tables() -> int:
    """How many tables the connector declares: the runner creates or checks every one of them
    at a flush that writes a declared table's rows."""
    import connector  # after tests.conftest set up the offline SDK environment

    return len(connector.ALL_TABLES)
