#!/usr/bin/env python3
"""Turns one bench/run.sh run into results: JSON, a chart, and Markdown tables.

  report.py collect --run-dir DIR --out FILE ...   raw runs -> one JSON document
  report.py chart --in FILE --png FILE              latency and throughput vs concurrency (gnuplot)
  report.py tables --in FILE [--update DOC]         Markdown tables; --update rewrites the part
                                                    of DOC between the results markers

Standard library only: the benchmark machine needs nothing but python3 and gnuplot.
"""

import argparse
import glob
import json
import os
import platform
import re
import subprocess
import sys
import tempfile

BEGIN_MARK = "<!-- bench/report.py tables: begin -->"
END_MARK = "<!-- bench/report.py tables: end -->"

# Workload names as misc-loadgen knows them -> what the tables call them.
TITLES = {
    "get_restaurant": "GetRestaurant (anonymous)",
    "get_restaurant_logged_in": "GetRestaurant (logged in)",
    "batch_get_restaurants": "BatchGetRestaurants (50 ids)",
    "list_restaurants_first": "ListRestaurants (first page)",
    "list_restaurants_deep": "ListRestaurants (page 201)",
    "list_reviews": "ListReviews (first page)",
    "get_area": "GetArea (memory)",
    "list_genres": "ListGenres (memory)",
    "check_rollout_target": "CheckRolloutTarget (memory)",
    "restaurant_page": "Restaurant page (5 calls fanned out)",
    "health": "Health check (transport)",
}

# The servers of the transport ceiling step, in the order of its table's columns.
TRANSPORT_SERVERS = ("misc", "callback", "async")


def command_output(args):
    try:
        return subprocess.run(args, check=True, capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def machine_facts(database_url):
    cpu = ""
    for line in command_output(["lscpu"]).splitlines():
        if line.startswith("Model name:"):
            cpu = line.split(":", 1)[1].strip()
    mem_kb = 0
    with open("/proc/meminfo") as meminfo:
        for line in meminfo:
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "kernel": platform.release(),
        "os": command_output(["sh", "-c", ". /etc/os-release && echo $PRETTY_NAME"]),
        "postgresql": command_output(["psql", database_url, "-qtAX", "-c", "SHOW server_version"]),
        "grpc": command_output(["dpkg-query", "-W", "-f=${Version}", "libgrpc++-dev"]),
        "compiler": command_output(["c++", "--version"]).splitlines()[0:1],
        "git_commit": command_output(["git", "rev-parse", "--short", "HEAD"]),
        "git_dirty": bool(command_output(["git", "status", "--porcelain", "--untracked-files=no"])),
        "note": "load generator, server and PostgreSQL share these cores",
    }


def seconds(text):
    match = re.fullmatch(r"([0-9.]+)(ms|s)", text)
    if not match:
        raise ValueError(f"duration {text!r}: want e.g. 10s or 500ms")
    return float(match.group(1)) / (1000 if match.group(2) == "ms" else 1)


def server_resources(samples_file, hwm_file, duration_s, calls):
    """CPU over the measured window (the last duration_s of the run) and the run's peaks."""
    rows = []
    with open(samples_file) as samples:
        for line in samples:
            parts = line.split()
            if len(parts) == 5:
                rows.append((float(parts[0]), int(parts[1]), int(parts[2]), int(parts[3]),
                             int(parts[4])))
    if len(rows) < 2:
        return {}
    end = rows[-1]
    start = min(rows, key=lambda r: abs(r[0] - (end[0] - duration_s)))
    ticks_per_s = os.sysconf("SC_CLK_TCK")
    cpu_s = (end[1] - start[1]) / ticks_per_s
    window_s = end[0] - start[0]
    peak_rss_kb = int(open(hwm_file).read().strip() or 0) if os.path.exists(hwm_file) else 0
    return {
        "cpu_seconds": round(cpu_s, 3),
        "cpu_cores_busy": round(cpu_s / window_s, 2) if window_s > 0 else None,
        "cpu_seconds_per_1000_calls": round(cpu_s / calls * 1000, 4) if calls else None,
        "peak_rss_mb": round(max(peak_rss_kb, max(r[3] for r in rows)) / 1024, 1),
        "max_fds": max(r[2] for r in rows),
        "max_db_connections": max(r[4] for r in rows),
    }


def pgbench_round_rates(run_dir):
    """tps of the pgbench runs in step 7b's rounds (cache-pgbench-rN.txt), in round order;
    empty when any is missing or failed, since rounds are compared in pairs."""
    rates = []
    for path in sorted(glob.glob(os.path.join(run_dir, "cache-pgbench-r[0-9]*.txt"))):
        tps = re.search(r"tps = ([0-9.]+) \(without initial connection time\)", open(path).read())
        if not tps:
            return []
        rates.append(float(tps.group(1)))
    return rates


def pgbench_result(run_dir, concurrency):
    text = open(os.path.join(run_dir, f"pgbench-c{concurrency}.txt")).read()
    tps = re.search(r"tps = ([0-9.]+) \(without initial connection time\)", text)
    latencies = []
    for log in glob.glob(os.path.join(run_dir, f"pgbench-c{concurrency}.log*")):
        with open(log) as lines:
            for line in lines:
                # client_id transaction_no time_us script_no time_epoch time_us_part
                fields = line.split()
                if len(fields) >= 3:
                    latencies.append(int(fields[2]))
    latencies.sort()

    def pct(p):
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] if latencies else None

    return {
        "calls_per_s": float(tps.group(1)) if tps else None,
        "latency_us": {"p50": pct(50), "p90": pct(90), "p99": pct(99), "p999": pct(99.9),
                       "max": latencies[-1] if latencies else None},
    }


def h2load_result(path):
    """h2load's calls/s and calls over the measured window (the warm-up's are not counted)."""
    text = open(path).read()
    rate = re.search(r"^finished in [0-9.]+s, ([0-9.]+) req/s", text, re.M)
    done = re.search(r"^requests: .*?([0-9]+) succeeded", text, re.M)
    if not rate or not done:
        return None
    return {"calls_per_s": float(rate.group(1)), "calls": int(done.group(1))}


def transport_ceiling(run_dir, workloads):
    """The transport ceiling step: h2load against misc-server and misc-transport-ceiling."""
    setup_file = os.path.join(run_dir, "transport.setup")
    if not os.path.exists(setup_file):
        return None
    setup = open(setup_file).read().split()
    connections, threads = setup[0], setup[1]
    client_cpu = setup[2] if len(setup) > 2 else "none"
    results = []
    for workload in workloads.split():
        path_file = os.path.join(run_dir, f"transport-{workload}.path")
        if not os.path.exists(path_file):
            continue
        entry = {"workload": workload, "method": open(path_file).read().strip()}
        for server in TRANSPORT_SERVERS:
            name = os.path.join(run_dir, f"transport-{workload}-{server}")
            result = (h2load_result(name + ".h2load.txt")
                      if os.path.exists(name + ".h2load.txt") else None)
            if result is None:
                print(f"report: no transport result for {workload} on {server}", file=sys.stderr)
                continue
            if os.path.exists(name + ".answer_bytes"):
                result["answer_bytes"] = int(open(name + ".answer_bytes").read())
            if os.path.exists(name + ".cpu_ticks") and result["calls"]:
                cpu_s = int(open(name + ".cpu_ticks").read()) / os.sysconf("SC_CLK_TCK")
                result["server_cpu_us_per_call"] = round(cpu_s / result["calls"] * 1e6, 1)
            entry[server] = result
        results.append(entry)
    return {
        "client": f"h2load, {connections} connections, 1 call in flight on each, "
                  "one fixed framed request"
                  + ("" if client_cpu == "none" else
                     f", the server pinned to core 0 and h2load to core {client_cpu}"),
        "ceiling_async_threads": int(threads),
        "servers": {"misc": "misc-server, as measured above",
                    "callback": "misc-transport-ceiling --api=callback",
                    "async": f"misc-transport-ceiling --api=async --threads={threads}"},
        "results": results,
    }


def instructions_per_call(run_dir):
    """Step 7e: bench/callgrind-per-call.sh's output, or None when the run skipped it."""
    path = os.path.join(run_dir, "callgrind.txt")
    if not os.path.exists(path):
        return None
    lines = open(path).read().splitlines()
    header = re.match(r"instructions per call of (\S+) \((\d+) calls", lines[0]) if lines else None
    counts = {}
    for line in lines[1:]:
        name, _, count = line.partition(" ")
        if count.strip().isdigit():
            counts[name] = int(count)
    if not header or not counts:
        print(f"report: {path} is incomplete", file=sys.stderr)
        return None
    return {"method": header.group(1), "calls": int(header.group(2)),
            "tool": "valgrind --tool=callgrind (bench/callgrind-per-call.sh)", "servers": counts}


def rest_runs(run_dir):
    """Step 7c: misc-rest under h2load --h1, per route."""
    setup_file = os.path.join(run_dir, "rest.setup")
    if not os.path.exists(setup_file):
        return None
    setup = open(setup_file).read().split()
    results = []
    def run(name):
        result = (h2load_result(name + ".h2load.txt")
                  if os.path.exists(name + ".h2load.txt") else None)
        if result and os.path.exists(name + ".cpu_ticks") and result["calls"]:
            cpu_s = int(open(name + ".cpu_ticks").read()) / os.sysconf("SC_CLK_TCK")
            result["server_cpu_us_per_call"] = round(cpu_s / result["calls"] * 1e6, 1)
        return result

    for path_file in sorted(glob.glob(os.path.join(run_dir, "rest-*.path"))):
        name = path_file[:-len(".path")]
        workload = os.path.basename(name)[len("rest-"):]
        result = run(name)
        if result is None:
            print(f"report: no misc-rest result for {workload}", file=sys.stderr)
            continue
        entry = {"workload": workload, "path": open(path_file).read().strip(), **result}
        # The same call over gRPC in the same step (GetRestaurant), when measured.
        over_grpc = run(name + "-grpc")
        if over_grpc:
            entry["grpc"] = over_grpc
        results.append(entry)
    return {
        "client": f"h2load --h1, {setup[0]} connections, 1 request in flight on each"
                  + ("" if setup[1] == "none" else
                     ", misc-rest pinned to core 0 and h2load to core 1"),
        "results": results,
    }


def collect(args):
    run_dir = args.run_dir
    duration_s = seconds(args.duration)
    results = []
    for workload in args.workloads.split():
        for concurrency in args.concurrency.split():
            name = f"{workload}-c{concurrency}"
            loadgen_file = os.path.join(run_dir, f"{name}.loadgen.json")
            if not os.path.exists(loadgen_file):
                print(f"report: no result for {name}", file=sys.stderr)
                continue
            run = json.load(open(loadgen_file))
            run["server"] = server_resources(os.path.join(run_dir, f"{name}.samples"),
                                             os.path.join(run_dir, f"{name}.hwm"), duration_s,
                                             run.get("calls", 0))
            results.append(run)
    pgbench = {c: pgbench_result(run_dir, c) for c in args.concurrency.split()
               if os.path.exists(os.path.join(run_dir, f"pgbench-c{c}.txt"))}
    statements_file = os.path.join(run_dir, "get_restaurant.pg_stat_statements.tsv")
    statements = []
    if os.path.exists(statements_file):
        for line in open(statements_file):
            calls, mean_ms, query = line.rstrip("\n").split("\t", 2)
            statements.append({"calls": int(calls), "mean_exec_ms": float(mean_ms),
                               "query": query})
    profiles = {}
    for workload in ("get_restaurant", "list_genres"):
        path = os.path.join(run_dir, f"{workload}.perf.txt")
        if os.path.exists(path):
            profiles[workload] = open(path).read().splitlines()
    document = {
        "schema": "misc-bench/1",
        "machine": machine_facts(args.database_url),
        "setup": {
            "restaurants": int(args.restaurants),
            "reviews": int(args.reviews),
            "duration": args.duration,
            "warmup": args.warmup,
            "server_flags_note": "release build, --db_pool_size=8 (default), --db_max_waiters=512",
            "channels": "min(concurrency, 4) HTTP/2 connections",
            "server_binary": args.server,
        },
        "results": results,
        "pgbench_get_restaurant_select": pgbench,
        "get_restaurant_statements": statements,
        "profiles": profiles,
    }
    transport = transport_ceiling(run_dir, args.workloads)
    if transport:
        document["transport_ceiling"] = transport
    instructions = instructions_per_call(run_dir)
    if instructions:
        document["instructions_per_call"] = instructions
    rest = rest_runs(run_dir)
    if rest:
        document["rest"] = rest
    for key, (label, prefix, names) in CACHE_STEPS.items():
        cache = cache_runs(run_dir, label, prefix, names)
        if cache:
            document[key] = cache
    pgbench_rounds = pgbench_round_rates(run_dir)
    if pgbench_rounds and "restaurant_cache" in document:
        pgbench_run = {"calls_per_s": sorted(pgbench_rounds)[(len(pgbench_rounds) - 1) // 2]}
        if len(pgbench_rounds) > 1:  # As cache_runs records rounds.
            pgbench_run["rounds_calls_per_s"] = pgbench_rounds
        document["restaurant_cache"]["pgbench-c64"] = pgbench_run
    # The cached server's peak RSS after the GetRestaurant Zipf runs (the restaurant cache
    # filled), and after the ListReviews ones too (both caches filled); the workloads' peak RSS
    # is with the caches off.
    for key, hwm in (("restaurant_cache_server", "cache-server.hwm"),
                     ("review_first_page_cache_server", "cache-server-reviews.hwm")):
        hwm_file = os.path.join(run_dir, hwm)
        if os.path.exists(hwm_file) and open(hwm_file).read().strip():
            document[key] = {"peak_rss_mb": round(int(open(hwm_file).read().strip()) / 1024, 1)}
    unnamed = unnamed_runs(run_dir)
    if unnamed:
        document["unnamed_statements"] = unnamed
    document["targets"] = targets(document)
    with open(args.out, "w") as out:
        json.dump(document, out, indent=1, ensure_ascii=False)
        out.write("\n")


# The caches of step 7b: results JSON key -> (the server's `cache` label of misc_cache_*, the
# prefix of their runs' files after "cache-", the runs). A run measured in rounds (NAME-r1,
# NAME-r2, ...: cache on and off interleaved) is reported as its median round.
CACHE_STEPS = {
    "restaurant_cache": ("restaurant", "", ("zipf-cold", "zipf-on", "zipf-off", "uniform-off")),
    "review_first_page_cache": ("review_first_page", "reviews-",
                                ("zipf-cold", "zipf-on", "zipf-off")),
    "restaurant_first_page_cache": ("restaurant_first_page", "lists-",
                                    ("cold", "on", "off")),
}


def cache_counters(path, cache):
    """The misc_cache_*_total counters of one cache (its `cache` label), name -> value, from a
    file written by bench/run.sh's cache_counters ("name cache value" a line; a file of "name
    value" lines, from before the label was kept, is the restaurant cache's, then the only one)."""
    if not os.path.exists(path):
        return {}
    counters = {}
    for line in open(path):
        fields = line.split()
        name, label = fields[0], fields[1] if len(fields) == 3 else "restaurant"
        if label == cache:
            counters[name] = counters.get(name, 0) + float(fields[-1])
    return counters


def hit_ratio(cache, stems):
    """`cache`'s hit ratio over the runs `stems` (their files' paths without the extension),
    from the counters bench/run.sh wrote around each on the cached server; None without
    counters."""
    hits = reads = 0
    for stem in stems:
        before = cache_counters(f"{stem}.counters-before", cache)
        after = cache_counters(f"{stem}.counters-after", cache)
        if not (before and after):
            return None
        delta = {key: after.get(key, 0) - before.get(key, 0) for key in after}
        hits += delta.get("misc_cache_hits_total", 0)
        # Misses count the coalesced ones too; bypassed reads skipped a cache that was off.
        reads += (delta.get("misc_cache_hits_total", 0) + delta.get("misc_cache_misses_total", 0)
                  + delta.get("misc_cache_bypassed_total", 0))
    return round(hits / reads, 4) if reads else None


def cache_runs(run_dir, cache, prefix, names):
    """One cache's runs of step 7b, loadgen JSON by name (NAME-cold and NAME-on against the
    cached server, NAME-off against the one with the caches off), with the hit ratio of `cache`
    over each on the cached server. A run in rounds is its median round by calls/s, with
    every round's calls/s under "rounds_calls_per_s" and the hit ratio over all of them."""
    runs = {}
    for name in names:
        stem = os.path.join(run_dir, f"cache-{prefix}{name}")
        stems = [stem] if os.path.exists(f"{stem}.loadgen.json") else sorted(
            path[:-len(".loadgen.json")]
            for path in glob.glob(f"{stem}-r[0-9]*.loadgen.json"))
        if not stems:
            continue
        rounds = [json.load(open(f"{path}.loadgen.json")) for path in stems]
        by_rate = sorted(rounds, key=lambda run: run.get("calls_per_s") or 0)
        runs[name] = dict(by_rate[(len(by_rate) - 1) // 2])
        if len(rounds) > 1:  # In round order, so that report.py can pair them (cache_ratio).
            runs[name]["rounds_calls_per_s"] = [run.get("calls_per_s") for run in rounds]
        ratio = hit_ratio(cache, stems)
        if ratio is not None:
            runs[name]["cache_hit_ratio"] = ratio
    return runs


def cache_ratio(cache, numerator, denominator):
    """calls/s of run `numerator` over run `denominator` of one cache step: the median of the
    rounds' ratios when both ran in the same interleaved rounds (each pair in the same spell of
    the VM), else the ratio of their figures; None when either is missing."""
    top, bottom = cache.get(numerator) or {}, cache.get(denominator) or {}
    top_rounds, bottom_rounds = top.get("rounds_calls_per_s"), bottom.get("rounds_calls_per_s")
    if top_rounds and bottom_rounds and len(top_rounds) == len(bottom_rounds) and all(
            top_rounds + bottom_rounds):
        ratios = sorted(a / b for a, b in zip(top_rounds, bottom_rounds))
        middle = len(ratios) // 2
        return ratios[middle] if len(ratios) % 2 else (ratios[middle - 1] + ratios[middle]) / 2
    if top.get("calls_per_s") and bottom.get("calls_per_s"):
        return top["calls_per_s"] / bottom["calls_per_s"]
    return None


# The runs of a cache step every cache has, as its table labels them.
CACHE_RUNS = (("cache on, from empty (a fresh pod)", "zipf-cold"),
              ("cache on, warm (after the run above)", "zipf-on"),
              ("cache off (--cache_max_entries=0)", "zipf-off"))


def cache_run_rows(cache, runs):
    """One table row per (label, run name) of `runs`: calls/s and the server's hit ratio."""
    rows = []
    for label, name in runs:
        run = cache.get(name) or {}
        value, ratio = run.get("calls_per_s"), run.get("cache_hit_ratio")
        rounds = run.get("rounds_calls_per_s")
        if rounds:
            label += f", median of {len(rounds)} rounds (" + ", ".join(
                f"{rate:,.0f}" for rate in rounds) + ")"
        rows.append(f"| {label} | {value:,.0f} | {'-' if ratio is None else f'{ratio:.1%}'} |"
                    if value else f"| {label} | - | - |")
    return rows


def cache_table(document):
    """GetRestaurant with and without the cache, and the ratios issue 13 asks for."""
    cache = document.get("restaurant_cache")
    if not cache:
        return []

    def rate(name):
        run = cache.get(name)
        return run.get("calls_per_s") if run else None

    on = rate("zipf-on")
    to_uniform, to_off = cache_ratio(cache, "zipf-on", "uniform-off"), cache_ratio(
        cache, "zipf-on", "zipf-off")
    genres = find(document, "list_genres", 64)
    genres_rate = genres.get("calls_per_s") if genres else None
    lines = ["", "Restaurant cache: GetRestaurant at concurrency 64, ids with Zipf popularity "
             "(s = 1) over every restaurant unless said otherwise; the hit ratio is the "
             "server's own (misc_cache_hits_total over every anonymous read, warm-up included). "
             "Warm and off ran in interleaved rounds; a ratio is the median round's.",
             "", "| run | calls/s | hit ratio |", "|---|--:|--:|"]
    runs = CACHE_RUNS + (("cache off, uniform ids", "uniform-off"),)
    if "pgbench-c64" in cache:  # Results from before the rounds ran pgbench have none.
        runs += (("pgbench, GetRestaurant's SELECT, c=64", "pgbench-c64"),)
    lines += cache_run_rows(cache, runs)
    lines.append("")
    if to_uniform:
        lines.append(f"- cache on (warm) / uniform cache off (the path before the cache): "
                     f"**{to_uniform:.2f}x** (target >= 2.5x)")
    if to_off:
        lines.append(f"- cache on (warm) / cache off, same ids: **{to_off:.2f}x**")
    if on and genres_rate:
        lines.append(f"- cache on (warm) / ListGenres (memory-served) at c=64: "
                     f"**{on / genres_rate:.2f}x** (target >= 0.8x)")
    to_pgbench = cache_ratio(cache, "uniform-off", "pgbench-c64")
    if to_pgbench:
        lines.append(f"- uniform cache off / pgbench running the same SELECT, same rounds: "
                     f"**{to_pgbench:.2f}x** (target >= 0.40x)")
    return lines + review_cache_table(document) + list_cache_table(document)


def first_page_cache_table(document, key, title, run_names, same_ids):
    """A first-page cache's runs (`key` of the results JSON) with and without it, under
    `title`; `run_names` are its cold, warm and off runs; `same_ids` says the off run asked for
    the same ids (text for its ratio line)."""
    cache = document.get(key)
    if not cache:
        return []
    cold, warm, off = run_names
    on = (cache.get(warm) or {}).get("calls_per_s")
    to_off = cache_ratio(cache, warm, off)
    genres = find(document, "list_genres", 64)
    genres_rate = genres.get("calls_per_s") if genres else None
    lines = ["", title, "", "| run | calls/s | hit ratio |", "|---|--:|--:|"]
    lines += cache_run_rows(cache, (("cache on, from empty (a fresh pod)", cold),
                                    ("cache on, warm (after the run above)", warm),
                                    ("cache off (--cache_max_entries=0)", off)))
    lines.append("")
    if to_off:
        lines.append(f"- cache on (warm) / cache off{same_ids}: **{to_off:.2f}x**")
    if on and genres_rate:
        lines.append(f"- cache on (warm) / ListGenres (memory-served) at c=64: "
                     f"**{on / genres_rate:.2f}x**")
    return lines


def review_cache_table(document):
    """ListReviews' first page with and without the review first-page cache (the same step as
    the restaurant cache's, so its table follows that one)."""
    return first_page_cache_table(
        document, "review_first_page_cache",
        "Review first-page cache: ListReviews at concurrency 64, anonymous, first page of 20 (the "
        "request of a restaurant page, what the cache keeps), the same Zipf ids; on the same "
        "cached server after the GetRestaurant runs; the hit ratio is "
        'misc_cache_hits_total{cache="review_first_page"} over every anonymous first-page read, '
        "warm-up included.", ("zipf-cold", "zipf-on", "zipf-off"), ", same ids")


def list_cache_table(document):
    """ListRestaurants' first page with and without the restaurant first-page cache (the same
    step as the other caches', after them)."""
    return first_page_cache_table(
        document, "restaurant_first_page_cache",
        "Restaurant first-page cache: ListRestaurants at concurrency 64, anonymous, first page of "
        "20 over every open restaurant (no filter: one entry, which every call reads); on the "
        "same cached server after the other caches' runs; the hit ratio is "
        'misc_cache_hits_total{cache="restaurant_first_page"} over every anonymous first-page '
        "read, warm-up included.", ("cold", "on", "off"), "")


UNNAMED_VARIANTS = (("prepared", "prepared once per connection (the default)"),
                    ("unnamed-direct", "--db_unnamed_statements, straight to PostgreSQL"),
                    ("unnamed-pgbouncer", "--db_unnamed_statements, through PgBouncer (pool 8)"))



def unnamed_runs(run_dir):
    """The unnamed-statements step: GetRestaurant (cache off) at c=1 and c=64 per variant, with
    the server's CPU per call."""
    runs = {}
    for variant, _ in UNNAMED_VARIANTS:
        for c in (1, 64):
            name = os.path.join(run_dir, f"unnamed-{variant}-c{c}")
            if not os.path.exists(name + ".loadgen.json"):
                continue
            result = json.load(open(name + ".loadgen.json"))
            if os.path.exists(name + ".cpu_ticks") and result["calls"]:
                cpu_s = int(open(name + ".cpu_ticks").read()) / os.sysconf("SC_CLK_TCK")
                # The ticks span warm-up and measurement; so does the call count's share.
                result["server_cpu_us_per_call"] = round(
                    cpu_s * 1e6 / (result["calls_per_s"] * (result["duration"] +
                                                            result["warmup"])), 1)
            runs.setdefault(variant, {})[str(c)] = result
    return runs


def unnamed_table(document):
    """What --db_unnamed_statements costs GetRestaurant, direct and through PgBouncer."""
    runs = document.get("unnamed_statements")
    if not runs:
        return []
    lines = ["", "Unnamed statements (--db_unnamed_statements): GetRestaurant, cache off, uniform "
             "ids; c=1 is one call at a time (latency), c=64 the throughput.", "",
             "| statements | c=1 calls/s | c=1 p50 ms | c=64 calls/s | c=64 p99 ms "
             "| server CPU us/call (c=64) |", "|---|--:|--:|--:|--:|--:|"]
    for variant, label in UNNAMED_VARIANTS:
        one = (runs.get(variant) or {}).get("1")
        many = (runs.get(variant) or {}).get("64")
        if not one and not many:
            continue

        def rate(run):
            return f"{run['calls_per_s']:,.0f}" if run else "-"

        def ms(run, quantile):
            return f"{run['latency_us'][quantile] / 1000:.2f}" if run else "-"

        cpu = many.get("server_cpu_us_per_call", "-") if many else "-"
        lines.append(f"| {label} | {rate(one)} | {ms(one, 'p50')} | {rate(many)} "
                     f"| {ms(many, 'p99')} | {cpu} |")
    return lines


def find(document, workload, concurrency):
    for run in document["results"]:
        if run["workload"] == workload and int(run["concurrency"]) == int(concurrency):
            return run
    return None


def cost(run):
    """Server CPU per call: what a call costs when the machine is shared."""
    return (run or {}).get("server", {}).get("cpu_seconds_per_1000_calls")


def targets(document):
    """The issue's targets, computed (reported, never asserted)."""
    checks = []

    def add(name, value, goal, passed):
        checks.append({"target": name, "value": value, "goal": goal, "met": passed})

    get64 = find(document, "get_restaurant", 64)
    pg64 = document["pgbench_get_restaurant_select"].get("64")
    if get64 and pg64 and pg64["calls_per_s"]:
        ratio = get64["calls_per_s"] / pg64["calls_per_s"]
        add("GetRestaurant, cache off, c=64 / pgbench c=64 (calls/s)", round(ratio, 2), ">= 0.40",
            ratio >= 0.4)
    # The same pair in step 7b's interleaved rounds (uniform ids, cache off): a slow spell of the
    # VM lands on both sides.
    ratio = cache_ratio(document.get("restaurant_cache") or {}, "uniform-off", "pgbench-c64")
    if ratio:
        add("GetRestaurant, cache off, c=64 / pgbench c=64, interleaved rounds (calls/s)",
            round(ratio, 2), ">= 0.40", ratio >= 0.4)
    for entry in (document.get("rest") or {}).get("results", []):
        if entry["workload"] == "get_restaurant" and entry.get("grpc"):
            ratio = entry["calls_per_s"] / entry["grpc"]["calls_per_s"]
            add("GetRestaurant over REST / over gRPC, same run (calls/s)", round(ratio, 2),
                ">= 0.7", ratio >= 0.7)
    transport = document.get("transport_ceiling") or {}
    for entry in transport.get("results", []):
        rates = {s: entry[s]["calls_per_s"] for s in TRANSPORT_SERVERS if s in entry}
        best = max((rates[s] for s in ("callback", "async") if s in rates), default=None)
        if "misc" in rates and best:
            ratio = rates["misc"] / best
            add(f"{entry['method'].rsplit('/', 1)[-1]}: misc / best transport ceiling (calls/s)",
                round(ratio, 2), ">= 0.9", ratio >= 0.9)
        if rates.get("callback") and "async" in rates:
            ratio = rates["async"] / rates["callback"]
            add(f"{entry['method'].rsplit('/', 1)[-1]}: async / callback ceiling (calls/s; "
                "above 1.10 misc should move to async)", round(ratio, 2), "<= 1.10",
                ratio <= 1.1)
    instructions = (document.get("instructions_per_call") or {}).get("servers", {})
    if instructions.get("misc-server") and instructions.get("misc-transport-ceiling"):
        ratio = instructions["misc-transport-ceiling"] / instructions["misc-server"]
        method = document["instructions_per_call"]["method"].rsplit("/", 1)[-1]
        add(f"{method}: bare transport / misc-server (instructions per call, callgrind)",
            round(ratio, 2), ">= 0.9", ratio >= 0.9)
    cache = document.get("restaurant_cache") or {}
    cache_rate = {name: run.get("calls_per_s") for name, run in cache.items() if run}
    genres_for_cache = find(document, "list_genres", 64)
    ratio = cache_ratio(cache, "zipf-on", "uniform-off")
    if ratio:
        add("GetRestaurant, Zipf ids, cache on / uniform ids, cache off (calls/s, c=64)",
            round(ratio, 2), ">= 2.5", ratio >= 2.5)
    if cache_rate.get("zipf-on") and genres_for_cache:
        ratio = cache_rate["zipf-on"] / genres_for_cache["calls_per_s"]
        add("GetRestaurant, Zipf ids, cache on / ListGenres (calls/s, c=64)", round(ratio, 2),
            ">= 0.8", ratio >= 0.8)
    genres64 = find(document, "list_genres", 64)
    if get64 and genres64:
        ratio = genres64["calls_per_s"] / get64["calls_per_s"]
        add("ListGenres / GetRestaurant at c=64 (calls/s)", round(ratio, 2), ">= 3", ratio >= 3)
    first, deep = find(document, "list_restaurants_first", 64), find(document,
                                                                      "list_restaurants_deep", 64)
    if first and deep and cost(first) and cost(deep):
        ratio = cost(deep) / cost(first)
        add("ListRestaurants page 201 / first page (server CPU per call, c=64)", round(ratio, 2),
            "<= 1.5", ratio <= 1.5)
        ratio = first["calls_per_s"] / deep["calls_per_s"]
        add("ListRestaurants first / page 201 (calls/s, c=64)", round(ratio, 2), "<= 1.5",
            ratio <= 1.5)
    logged = find(document, "get_restaurant_logged_in", 64)
    if get64 and logged and cost(get64) and cost(logged):
        ratio = cost(logged) / cost(get64)
        add("GetRestaurant logged in / anonymous (server CPU per call, c=64)", round(ratio, 2),
            "<= 1.25", ratio <= 1.25)
        ratio = get64["calls_per_s"] / logged["calls_per_s"]
        add("GetRestaurant anonymous / logged in (calls/s, c=64)", round(ratio, 2), "<= 1.25",
            ratio <= 1.25)
    peaks = [run["server"].get("peak_rss_mb", 0) for run in document["results"] if run.get("server")]
    if peaks:
        add("peak RSS under load (MB)", max(peaks), "< 100", max(peaks) < 100)
    return checks


def chart(args):
    document = json.load(open(args.input))
    workloads = []
    for run in document["results"]:
        if run["workload"] not in workloads:
            workloads.append(run["workload"])
    with tempfile.TemporaryDirectory() as tmp:
        blocks = []
        for index, workload in enumerate(workloads):
            data = os.path.join(tmp, f"{index}.dat")
            with open(data, "w") as out:
                for run in sorted((r for r in document["results"] if r["workload"] == workload),
                                  key=lambda r: int(r["concurrency"])):
                    lat = run["latency_us"]
                    out.write(f"{run['concurrency']} {lat['p50'] / 1000} {lat['p99'] / 1000} "
                              f"{run['calls_per_s']}\n")
            blocks.append((data, TITLES.get(workload, workload)))
        pg = document["pgbench_get_restaurant_select"]
        pg_data = os.path.join(tmp, "pgbench.dat")
        with open(pg_data, "w") as out:
            for c in sorted(pg, key=int):
                if pg[c]["latency_us"]["p50"] is not None:
                    out.write(f"{c} {pg[c]['latency_us']['p50'] / 1000} "
                              f"{pg[c]['latency_us']['p99'] / 1000} {pg[c]['calls_per_s']}\n")
        blocks.append((pg_data, "pgbench: the SELECT of GetRestaurant"))
        machine = document["machine"]
        script = [
            "set terminal pngcairo size 1400,1000 font 'sans,10'",
            f"set output '{args.png}'",
            "set multiplot layout 2,2 title "
            f"'misc-server {machine.get('git_commit', '')}: {machine.get('cores')} cores "
            f"({machine.get('cpu', '')}), load generator and PostgreSQL on the same machine'",
            "set logscale xy", "set grid", "set key top left font ',8'",
            "set xtics (1, 16, 64, 256)", "set xrange [0.8:320]", "set xlabel 'concurrent calls (operations in flight)'",
        ]

        def panel(title, column, ylabel, key=True):
            script.extend([f"set title '{title}'", f"set ylabel '{ylabel}'",
                           "set key" if key else "unset key"])
            plots = [f"'{data}' using 1:{column} with linespoints title \"{name}\""
                     for data, name in blocks]
            script.append("plot " + ", ".join(plots))

        panel("p50 latency", 2, "ms")
        panel("p99 latency", 3, "ms", key=False)
        panel("throughput", 4, "calls/s (every call of the page mix)", key=False)
        script.append("unset multiplot")
        script_file = os.path.join(tmp, "chart.gp")
        with open(script_file, "w") as out:
            out.write("\n".join(script) + "\n")
        subprocess.run(["gnuplot", script_file], check=True)


def ms(us):
    return "-" if us is None else f"{us / 1000:.2f}"


def transport_table(transport):
    """The transport ceiling's table, or nothing when the run skipped that step."""
    if not transport or not transport["results"]:
        return []
    plural = "" if transport["ceiling_async_threads"] == 1 else "s"
    lines = ["", f"Transport ceiling: {transport['client']}, against misc-server and against a "
             "plain gRPC server with the same methods and answers (bench/transport), on the "
             f"callback API and on the async API ({transport['ceiling_async_threads']} "
             f"completion queue{plural} and thread{plural}), one after the other:", "",
             "| method | misc calls/s | callback calls/s | async calls/s | misc / best ceiling "
             "| async / callback | server CPU µs per call (misc / callback / async) "
             "| answer bytes (misc / callback / async) |",
             "|---|--:|--:|--:|--:|--:|--:|--:|"]

    def each(entry, field, form):
        return " / ".join("-" if entry.get(s, {}).get(field) is None else form(entry[s][field])
                          for s in TRANSPORT_SERVERS)

    for entry in transport["results"]:
        rate = {s: entry[s]["calls_per_s"] for s in TRANSPORT_SERVERS if s in entry}
        best = max((rate[s] for s in ("callback", "async") if s in rate), default=None)
        ratio = f"{rate['misc'] / best:.2f}" if "misc" in rate and best else "-"
        apis = (f"{rate['async'] / rate['callback']:.2f}"
                if rate.get("callback") and "async" in rate else "-")
        cells = " | ".join(f"{rate[s]:,.0f}" if s in rate else "-" for s in TRANSPORT_SERVERS)
        lines.append(f"| {entry['method'].lstrip('/')} | {cells} | {ratio} | {apis} "
                     f"| {each(entry, 'server_cpu_us_per_call', lambda v: f'{v:.0f}')} "
                     f"| {each(entry, 'answer_bytes', str)} |")
    return lines


# What each server of step 7e is, in its table.
INSTRUCTION_SERVERS = {
    "misc-server": "misc-server, as shipped",
    "misc-server-no-access-log": "misc-server --access_log=false",
    "misc-transport-ceiling-max-age": "bare gRPC server with misc's max connection age "
                                      "(misc-transport-ceiling --max_connection_age=5m)",
    "misc-transport-ceiling": "bare gRPC server (misc-transport-ceiling, callback API)",
}


def instructions_table(document):
    """Step 7e's table, or nothing when the run skipped it."""
    instructions = document.get("instructions_per_call")
    if not instructions:
        return []
    counts = instructions["servers"]
    bare = counts.get("misc-transport-ceiling")
    lines = ["", f"Instructions per call: {instructions['method']}, {instructions['calls']:,} calls "
             "(h2load, 16 connections) to each server under valgrind's callgrind, counted after "
             "a warm-up (bench/callgrind-per-call.sh). Unlike calls/s, a count does not move with "
             "the VM's neighbours; it is not time either (a syscall or a cache miss counts once):",
             "", "| server | instructions per call | bare server / this |", "|---|--:|--:|"]
    for name, count in counts.items():
        ratio = f"{bare / count:.2f}" if bare else "-"
        lines.append(f"| {INSTRUCTION_SERVERS.get(name, name)} | {count:,} | {ratio} |")
    return lines


def rest_table(document):
    """Step 7c's table, next to misc-server's figures over gRPC from step 7."""
    rest = document.get("rest")
    if not rest or not rest["results"]:
        return []
    grpc = {entry["workload"]: entry.get("misc", {})
            for entry in (document.get("transport_ceiling") or {}).get("results", [])}
    lines = ["", f"misc-rest (HTTP/1.1 and JSON, docs/rest.md): {rest['client']}. The gRPC "
             "column is misc-server on the same method: in the transport step above for the "
             "memory-served routes, right after misc-rest with the same h2load settings for "
             "GetRestaurant (database path, both caches off, nothing pinned):", "",
             "| route | requests/s | server CPU µs per request | misc-server gRPC calls/s "
             "| REST / gRPC |", "|---|--:|--:|--:|--:|"]
    for entry in rest["results"]:
        over_grpc = (entry.get("grpc") or grpc.get(entry["workload"], {})).get("calls_per_s")
        ratio = f"{entry['calls_per_s'] / over_grpc:.2f}" if over_grpc else "-"
        cpu = entry.get("server_cpu_us_per_call")
        lines.append(f"| GET {entry['path']} | {entry['calls_per_s']:,.0f} "
                     f"| {'-' if cpu is None else f'{cpu:.0f}'} "
                     f"| {'-' if not over_grpc else f'{over_grpc:,.0f}'} | {ratio} |")
    return lines


def tables(args):
    document = json.load(open(args.input))
    lines = []
    machine = document["machine"]
    setup = document["setup"]
    lines += [
        f"Run on {machine['cores']} cores ({machine['cpu']}), {machine['memory_gib']} GiB, "
        f"{machine['os']}, kernel {machine['kernel']}, PostgreSQL {machine['postgresql']}, "
        f"gRPC {machine['grpc']}, commit {machine['git_commit']}"
        f"{' (with local changes)' if machine.get('git_dirty') else ''}. "
        f"{setup['restaurants']:,} restaurants, {setup['reviews']:,} reviews; "
        f"{setup['duration']} per run after {setup['warmup']} of warm-up; "
        f"{setup['channels']}; {machine['note']}.",
        "",
        "| workload | conc. | ops/s | calls/s | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms "
        "| errors | CPU s / 1000 calls | peak RSS MB | fds | DB conns |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|---|--:|--:|--:|--:|",
    ]
    for run in document["results"]:
        lat = run["latency_us"]
        server = run.get("server", {})
        errors = ", ".join(f"{k} {v}" for k, v in sorted(run.get("errors", {}).items())) or "0"
        lines.append(
            f"| {TITLES.get(run['workload'], run['workload'])} | {run['concurrency']} "
            f"| {run['ops_per_s']:,.0f} | {run['calls_per_s']:,.0f} | {ms(lat['p50'])} "
            f"| {ms(lat['p90'])} | {ms(lat['p99'])} | {ms(lat['p999'])} | {ms(lat['max'])} "
            f"| {errors} | {server.get('cpu_seconds_per_1000_calls', '-')} "
            f"| {server.get('peak_rss_mb', '-')} | {server.get('max_fds', '-')} "
            f"| {server.get('max_db_connections', '-')} |")
    lines += ["", "Database ceiling: pgbench running GetRestaurant's SELECT (prepared, random id, "
              "one connection per client):", "",
              "| conc. | calls/s | p50 ms | p99 ms | misc GetRestaurant / pgbench |",
              "|--:|--:|--:|--:|--:|"]
    for c, result in sorted(document["pgbench_get_restaurant_select"].items(),
                            key=lambda item: int(item[0])):
        misc = find(document, "get_restaurant", c)
        ratio = (f"{misc['calls_per_s'] / result['calls_per_s']:.2f}"
                 if misc and result["calls_per_s"] else "-")
        lines.append(f"| {c} | {result['calls_per_s']:,.0f} | {ms(result['latency_us']['p50'])} "
                     f"| {ms(result['latency_us']['p99'])} | {ratio} |")
    if document.get("get_restaurant_statements"):
        lines += ["", "What the database ran during the GetRestaurant runs (pg_stat_statements):", "",
                  "| calls | mean exec ms | statement |", "|--:|--:|---|"]
        for statement in document["get_restaurant_statements"][:8]:
            query = statement["query"].replace("|", "\\|")
            if len(query) > 90:
                query = query[:87] + "..."
            lines.append(f"| {statement['calls']:,} | {statement['mean_exec_ms']} | `{query}` |")
    lines += transport_table(document.get("transport_ceiling"))
    lines += instructions_table(document)
    lines += rest_table(document)
    lines += cache_table(document)
    lines += unnamed_table(document)
    lines += ["", "Targets (reported, not asserted):", "", "| target | value | goal | met |",
              "|---|--:|---|---|"]
    for check in document["targets"]:
        lines.append(f"| {check['target']} | {check['value']} | {check['goal']} "
                     f"| {'yes' if check['met'] else '**no**'} |")
    text = "\n".join(lines) + "\n"
    if args.update:
        doc = open(args.update).read()
        if BEGIN_MARK not in doc or END_MARK not in doc:
            sys.exit(f"report: {args.update} has no results markers")
        head, rest = doc.split(BEGIN_MARK, 1)
        _, tail = rest.split(END_MARK, 1)
        with open(args.update, "w") as out:
            out.write(head + BEGIN_MARK + "\n" + text + END_MARK + tail)
    else:
        sys.stdout.write(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    c = commands.add_parser("collect")
    for flag in ("--run-dir", "--out", "--concurrency", "--workloads", "--server",
                 "--database-url", "--restaurants", "--reviews", "--duration", "--warmup"):
        c.add_argument(flag, required=True)
    c.set_defaults(func=collect)
    g = commands.add_parser("chart")
    g.add_argument("--in", dest="input", required=True)
    g.add_argument("--png", required=True)
    g.set_defaults(func=chart)
    t = commands.add_parser("tables")
    t.add_argument("--in", dest="input", required=True)
    t.add_argument("--update")
    t.set_defaults(func=tables)
    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
