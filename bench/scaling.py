#!/usr/bin/env python3
"""Writes docs/scaling.md: capacity on paper for peaks of BFF page renders, from measured figures.

  scaling.py [--in RESULTS.json] [--out docs/scaling.md] [--check]

--in defaults to the newest bench/results/<YYYY-MM-DD>.json (what bench/run.sh writes; files
with a suffix, such as a partial run's -rest-step.json, are not whole runs). --check writes
nothing and exits 1 when --out differs from what would be written (test/docs runs it).
bench/run.sh runs it after each report. The arithmetic is in bench/scaling_model.py.
Exit 2 when the results lack an input (a --quick run without pgbench, say).
"""

import argparse
import glob
import json
import os
import re
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import scaling_model as m  # noqa: E402  (after the path it is found on)

PEAKS = (5000, 50000)
PAGE = "restaurant_page"
# Production pods see tens of calls in flight (Little's law: their calls/s times a few ms), so
# the page's CPU per call is taken as the worst of these concurrencies; c=1 is an idle server.
OPERATING_CONCURRENCIES = (16, 64, 256)
REFERENCE_CONCURRENCY = 64     # the single-workload rates compared with each other
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class MissingInput(Exception):
    pass


def latest_results(directory):
    files = [f for f in glob.glob(os.path.join(directory, "*.json"))
             if re.fullmatch(r"\d{4}-\d{2}-\d{2}\.json", os.path.basename(f))]
    if not files:
        raise MissingInput(f"no <YYYY-MM-DD>.json in {directory}")
    return max(files, key=os.path.basename)


def run_of(document, workload, concurrency):
    for run in document.get("results", []):
        if run["workload"] == workload and int(run["concurrency"]) == concurrency:
            return run
    raise MissingInput(f"no {workload} run at concurrency {concurrency}")


def read_inputs(document):
    """Inputs and, for each, where it came from (a line of the page's sources table)."""
    sources = []
    pages = [r for r in document.get("results", [])
             if r["workload"] == PAGE and int(r["concurrency"]) in OPERATING_CONCURRENCIES
             and (r.get("server") or {}).get("cpu_seconds_per_1000_calls")]
    if not pages:
        raise MissingInput(f"no {PAGE} run at concurrency {OPERATING_CONCURRENCIES}")
    page = max(pages, key=lambda r: r["server"]["cpu_seconds_per_1000_calls"])
    calls_per_page = page["calls"] / page["ops"]
    db_calls = {method: page["per_method"].get(method, 0) / page["ops"]
                for method in m.DB_METHOD_WORKLOADS}
    cpu_per_call = page["server"]["cpu_seconds_per_1000_calls"] / 1000
    sources.append(("CPU per call of the page mix", f"{cpu_per_call * 1e6:.1f} µs",
                    f"`results[]` {PAGE}, c={page['concurrency']} (the highest of c="
                    f"{', '.join(map(str, OPERATING_CONCURRENCIES))}): "
                    "`server.cpu_seconds_per_1000_calls` "
                    f"{page['server']['cpu_seconds_per_1000_calls']}"))
    sources.append(("calls per page; database calls per page",
                    f"{calls_per_page:g}; " + ", ".join(
                        f"{method.rsplit('/', 1)[1]} {n:.2f}" for method, n in db_calls.items()),
                    f"the same run's `calls` / `ops` and `per_method`"))

    rates = {}
    for method, workload in m.DB_METHOD_WORKLOADS.items():
        run = run_of(document, workload, REFERENCE_CONCURRENCY)
        rates[method] = run["calls_per_s"]
        sources.append((f"{method.rsplit('/', 1)[1]} alone, database path",
                        f"{run['calls_per_s']:,.0f} calls/s",
                        f"`results[]` {workload}, c={REFERENCE_CONCURRENCY} (cache off)"))
    genres = run_of(document, "list_genres", REFERENCE_CONCURRENCY)
    sources.append(("a memory-served call", f"{genres['calls_per_s']:,.0f} calls/s",
                    f"`results[]` list_genres, c={REFERENCE_CONCURRENCY}"))

    pgbench = document.get("pgbench_get_restaurant_select") or {}
    best = max(((c, r["calls_per_s"]) for c, r in pgbench.items() if r.get("calls_per_s")),
               key=lambda cr: cr[1], default=None)
    if best is None:
        raise MissingInput("no pgbench_get_restaurant_select")
    sources.append(("one database host's ceiling", f"{best[1]:,.0f} SELECTs/s",
                    f"`pgbench_get_restaurant_select`, best concurrency ({best[0]})"))

    busiest = max((r for r in document["results"] if r["workload"] == "get_restaurant"),
                  key=lambda r: r["concurrency"])
    pool = busiest["server"]["max_db_connections"]
    held = pool / busiest["calls_per_s"]
    sources.append(("connection time per database call (at most)", f"{held * 1e3:.2f} ms",
                    f"get_restaurant, c={busiest['concurrency']}: {pool} pooled connections, all "
                    f"busy, / {busiest['calls_per_s']:,.0f} calls/s"))

    peak_rss = max(r["server"]["peak_rss_mb"] for r in document["results"] if r.get("server"))
    sources.append(("peak RSS, cache off", f"{peak_rss} MB", "the highest `server.peak_rss_mb` "
                    "of `results[]`"))
    cache_rss = (document.get("restaurant_cache_server") or {}).get("peak_rss_mb")
    sources.append(("peak RSS, cache filled", f"{cache_rss} MB" if cache_rss else "not recorded",
                    "`restaurant_cache_server.peak_rss_mb`" if cache_rss else
                    "this run predates it (bench/run.sh records it since); the plan adds an "
                    "allowance instead"))
    cache = document.get("restaurant_cache") or {}
    warm, cold = cache.get("zipf-on") or {}, cache.get("zipf-cold") or {}
    if warm.get("cache_hit_ratio") is not None:
        sources.append(("cache hit ratio, warm / from empty",
                        f"{warm['cache_hit_ratio']:.1%} / {cold.get('cache_hit_ratio', 0):.1%}",
                        "`restaurant_cache` zipf-on / zipf-cold (Zipf s = 1 over every "
                        f"restaurant; GetRestaurant {warm['calls_per_s']:,.0f} calls/s warm)"))
    inputs = m.Inputs(
        calls_per_page=calls_per_page, db_calls_per_page=db_calls, cpu_s_per_call=cpu_per_call,
        db_path_calls_per_s=rates, memory_calls_per_s=genres["calls_per_s"],
        pg_ceiling_calls_per_s=best[1], connection_seconds_per_call=held,
        peak_rss_mb=peak_rss, cache_peak_rss_mb=cache_rss,
        cache_hit_ratio_warm=warm.get("cache_hit_ratio"),
        cache_hit_ratio_cold=cold.get("cache_hit_ratio"),
        cache_calls_per_s_warm=warm.get("calls_per_s"))
    return inputs, sources


def ratio_text(ratio):
    if ratio is None:
        return "not reachable"
    return "none needed" if ratio == 0 else f"{ratio:.1%}"


def next_bottleneck(p, inputs, sizing):
    """What runs out first at this peak and beyond it, in words, from the plan's figures."""
    lines = []
    uncached = m.db_load(p.peak, 1.0, inputs)
    if uncached > m.host_capacity(inputs, sizing):
        lines.append(
            f"**The reads the cache does not serve.** ListReviews alone is {uncached:,.0f} "
            f"SELECTs/s, {m.db_hosts(p.peak, 1.0, inputs, sizing)} hosts at "
            f"{sizing.db_target:.0%} even if every GetRestaurant hit the cache: more hit ratio "
            "cannot help, replicas can, or caching the first page of reviews, which every page "
            "render asks for.")
    if not p.fits_budget_direct:
        lines.append(
            f"**Connections.** {p.pods_in_rollout} pods × ({sizing.pool_size} + 1 LISTEN) = "
            f"{p.pods_in_rollout * (sizing.pool_size + 1)} on a host, over the "
            f"{sizing.connection_budget} a host gives misc-server: PgBouncer in front of each "
            f"host (transaction pooling, `MISC_DB_UNNAMED_STATEMENTS=true`), a server pool of "
            f"about {p.pgbouncer_pool_size}.")
    if p.pods_zone_loss > sizing.hpa_max_replicas:
        lines.append(
            f"**The autoscaler's bound.** {p.pods_zone_loss} pods (a zone down) is above the "
            f"production overlay's maxReplicas {sizing.hpa_max_replicas} "
            "(overlays/production-pgbouncer raises it): raise it with the connection budget "
            "checked (deploying.md).")
    found = m.limits(p, inputs, sizing)
    short = [(peak, what) for peak, kind, what in found if peak < p.peak and kind != "hpa"]
    if short:
        lines.append("Short of this peak as planned: " + "; ".join(
            f"{what}: {peak:,.0f} pages/s" for peak, what in short) + ". Restart the fleet "
            "by a rollout, which leaves most pods' caches warm, never all pods at once.")
    ahead = [(peak, what) for peak, _, what in found if peak >= p.peak]
    if ahead:
        lines.append(f"**Next: {ahead[0][1]}**, at {ahead[0][0]:,.0f} pages/s "
                     f"({ahead[0][0] / p.peak:.1f}× this peak)" + (
                         "; then " + "; ".join(f"{what} at {peak:,.0f} ({peak / p.peak:.1f}×)"
                                               for peak, what in ahead[1:])
                         if ahead[1:] else "") + ".")
    return lines


def render(path, document, inputs, sources, sizing):
    machine = document.get("machine") or {}
    setup = document.get("setup") or {}
    plans = [m.plan(peak, inputs, sizing) for peak in PEAKS]
    rel = os.path.relpath(path, REPO)
    out = [
        "# Capacity on paper",
        "",
        "<!-- Generated by bench/scaling.py from the results JSON named below; bench/run.sh "
        "regenerates it. Do not edit by hand: test/docs checks it is up to date. -->",
        "",
        "How many misc-server pods, database hosts, connections and what cache hit ratio a peak "
        f"of {PEAKS[0]:,} BFF page renders per second needs, and ten times that, computed from "
        "one benchmark run. A page is the restaurant page workload (bench/loadgen/"
        "restaurant_page.cc): GetRestaurant, ListReviews, CheckRolloutTarget and ListGenres at "
        "once, then GetArea. The pod shape and headroom are the production overlay's "
        "([deploying.md](deploying.md#sizing-from-the-benchmark)).",
        "",
        "## Inputs",
        "",
        f"From [{rel}](../{rel}): commit {machine.get('git_commit', '?')}"
        f"{' (with local changes)' if machine.get('git_dirty') else ''}, "
        f"{machine.get('cores', '?')} cores ({machine.get('cpu', '?')}), PostgreSQL "
        f"{machine.get('postgresql', '?')}, {setup.get('duration', '?')} per run after "
        f"{setup.get('warmup', '?')} of warm-up; {machine.get('note', '')}.",
        "",
        "| input | value | source in the results JSON |",
        "|---|--:|---|",
    ]
    out += [f"| {name} | {value} | {source} |" for name, value, source in sources]
    out += [
        "",
        "Planning choices (bench/scaling_model.py `Sizing`):",
        "",
        "| choice | value | why |",
        "|---|--:|---|",
        f"| CPU request per pod | {sizing.pod_cpu_request:g} core | the production overlay's |",
        f"| HPA CPU target | {sizing.hpa_cpu_target:.0%} | the production overlay's: 30 % "
        "headroom while the autoscaler adds pods |",
        f"| pool per pod (`MISC_DB_POOL_SIZE`) | {sizing.pool_size} | the production overlay's; "
        f"with every connection busy it carries the database calls of "
        f"{m.pool_cores(inputs, sizing):.1f} cores of page traffic |",
        f"| HPA maxReplicas | {sizing.hpa_max_replicas} | the production overlay's |",
        f"| rollout surge | {sizing.max_surge:.0%} | the Deployments' `maxSurge` |",
        f"| zones | {sizing.zones} | topology spread; one lost leaves {sizing.zones - 1} |",
        f"| database host planned at | {sizing.db_target:.0%} of its ceiling | the same headroom "
        "as the pods; a saturated standby lags |",
        f"| connections a host gives misc-server | {sizing.connection_budget} | max_connections "
        "300 - 3 reserved - 30 other clients - 2 migrate - 20 misc-rest (deploying.md) |",
        "",
        "## Formulas",
        "",
        "- CPU per page = CPU per call × calls per page; pods = ⌈peak × CPU per page / "
        "(CPU request × HPA target)⌉.",
        "- With a zone down: ⌈pods × zones / (zones − 1)⌉ (at least one per zone); in a "
        "rollout: that + ⌈25 %⌉.",
        "- Database work is counted in GetRestaurant SELECTs, pgbench's unit: a database method "
        "weighs GetRestaurant's calls/s ÷ its own workload's calls/s (same machine, c="
        f"{REFERENCE_CONCURRENCY}, cache off), so ListReviews weighs "
        + ", ".join(f"{m.db_weight(method, inputs):.2f}" for method in m.DB_METHOD_WORKLOADS
                    if method != m.CACHED_METHOD)
        + ". Load = peak × Σ calls per page × weight × (1 − hit ratio for GetRestaurant).",
        "- Hosts = ⌈load / (pgbench ceiling × planned share)⌉; with read replicas "
        "(`--database_replica_url`) reads go to the replicas only, so replicas = hosts, plus one "
        "spare so that losing one does not overload the rest.",
        "- Hit ratio needed for H hosts = 1 − (H × host capacity − uncached load) / "
        "GetRestaurant's load at no hits.",
        "- Direct connections per host = pods in a rollout × pool, + 1 LISTEN connection per pod "
        "on the primary (`--database_listen_url`); busy connections = database calls/s per host "
        "× connection time per call (Little's law); PgBouncer's server pool per host = busy ÷ "
        "planned share.",
        "- Memory request = peak RSS with the cache filled (or cache-off peak + "
        f"{sizing.cache_allowance_mb:g} MB allowance while unmeasured) × "
        f"{sizing.memory_headroom:g}, rounded up to 64 MiB: "
        f"**{m.memory_request_mib(inputs, sizing)} MiB**.",
        "",
        "## The plan",
        "",
        "| | " + " | ".join(f"{p.peak:,} pages/s" for p in plans) + " |",
        "|---|" + "--:|" * len(plans),
    ]

    def row(label, fn):
        out.append(f"| {label} | " + " | ".join(fn(p) for p in plans) + " |")

    row("calls/s", lambda p: f"{p.calls_per_s:,.0f}")
    row("misc-server cores busy", lambda p: f"{p.cores:,.1f}")
    row(f"pods at the HPA target ({m.pages_per_pod(inputs, sizing):,.0f} pages/s each)",
        lambda p: f"**{p.pods}**")
    row("pods with a zone down / in a rollout",
        lambda p: f"{p.pods_zone_loss} / {p.pods_in_rollout}")
    row("database calls/s", lambda p: f"{p.db_calls_per_s:,.0f}")
    row("database load, cache off / warm (SELECTs/s)",
        lambda p: f"{p.db_load_cold:,.0f} / {p.db_load_warm:,.0f}" if p.db_load_warm is not None
        else f"{p.db_load_cold:,.0f} / -")
    row("read hosts, cache off / warm", lambda p: f"{p.hosts_cold} / {p.hosts_warm}")
    row("read replicas to run: warm hosts + 1 spare (1 host: the primary alone also does)",
        lambda p: f"**{(p.hosts_warm or p.hosts_cold) + 1}**")
    row("direct connections per host (+ LISTEN on the primary)",
        lambda p: f"{p.direct_connections_per_host} (+{p.pods_in_rollout})"
        + ("" if p.fits_budget_direct else f" > {sizing.connection_budget}"))
    row("busy connections per host (warm)", lambda p: f"{p.busy_connections_per_host:.1f}")
    row("PgBouncer", lambda p: "not needed" if p.fits_budget_direct
        else f"**needed**: one pool per host, {p.pgbouncer_pool_size} server connections")
    for hosts in plans[0].hit_ratio_needed:
        row(f"hit ratio needed on {hosts} host{'s' if hosts > 1 else ''}",
            lambda p, h=hosts: ratio_text(p.hit_ratio_needed[h]))
    warm = inputs.cache_hit_ratio_warm
    if warm is not None:
        out += ["", f"Measured hit ratio: {warm:.1%} warm, {inputs.cache_hit_ratio_cold:.1%} "
                "from empty (Zipf s = 1 over 100,000 restaurants; real traffic has its own "
                "curve: watch `misc_cache_hits_total`). Pods are sized with the cache off: a "
                "fresh pod starts empty, and the pod count must not depend on the hit ratio."]
        predicted = m.pod_get_restaurant_rate(warm, inputs)
        out += ["", "Check of the model against the cache step: a server's GetRestaurant rate "
                "at hit ratio h is 1 / ((1 − h) / database-path rate + h / memory-served rate) "
                f"= {predicted:,.0f} calls/s at {warm:.1%}; measured "
                f"{inputs.cache_calls_per_s_warm:,.0f} "
                f"({inputs.cache_calls_per_s_warm / predicted - 1:+.0%})."]
    out += ["", "## Where the next bottleneck is", ""]
    for p in plans:
        out.append(f"At **{p.peak:,} pages/s**:")
        out.append("")
        out += [f"- {line}" for line in next_bottleneck(p, inputs, sizing)]
        out.append("")
    out += [
        "## What this leaves out",
        "",
        "- The figures are one 2-core VM's, shared by the load generator, misc-server and "
        "PostgreSQL; one database host here means one of that size. A bigger host scales the "
        "ceiling roughly with its cores until its memory no longer holds the working set.",
        "- The VM moves figures by 15-30 % between runs (benchmarks.md); the HPA's 30 % headroom "
        "covers about that, not more.",
        "- Logged-in GetRestaurant calls bypass the cache; a page mix with logged-in users needs "
        "the hit ratio above counted over anonymous calls only.",
        "- The replica lag bound (`--max_replica_lag`) takes a lagging host out: plan the spare.",
        "",
    ]
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--in", dest="path", help="results JSON (default: the newest whole run)")
    ap.add_argument("--out", default=os.path.join(REPO, "docs", "scaling.md"))
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    try:
        path = args.path or latest_results(os.path.join(REPO, "bench", "results"))
        with open(path) as f:
            document = json.load(f)
        inputs, sources = read_inputs(document)
    except MissingInput as e:
        print(f"scaling: {e}", file=sys.stderr)
        return 2
    text = render(os.path.abspath(path), document, inputs, sources, m.Sizing())
    if args.check:
        current = ""
        if os.path.exists(args.out):
            with open(args.out) as f:
                current = f.read()
        if current != text:
            print(f"scaling: {args.out} is not what bench/scaling.py writes from {path}; run "
                  f"bench/scaling.py --in {os.path.relpath(path, REPO)}", file=sys.stderr)
            return 1
        print(f"scaling: {args.out} is up to date with {path}")
        return 0
    with open(args.out, "w") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
