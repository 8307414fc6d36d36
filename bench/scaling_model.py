"""Capacity on paper: the arithmetic behind docs/scaling.md, apart from reading and writing.

bench/scaling.py reads a bench/run.sh results JSON into `Inputs`, calls `plan` for each peak and
renders the page; test/docs/scaling_test.py checks these functions on round numbers. Standard
library only, like the rest of bench/.
"""

import dataclasses
import math

# The page the BFF renders: bench/loadgen/restaurant_page.cc. Methods that read PostgreSQL
# (the rest are served from memory snapshots), each with the workload that measured it alone.
DB_METHOD_WORKLOADS = {
    "misc.restaurant.v1.RestaurantService/GetRestaurant": "get_restaurant",
    "misc.review.v1.ReviewService/ListReviews": "list_reviews",
}
GET_RESTAURANT = "misc.restaurant.v1.RestaurantService/GetRestaurant"
LIST_REVIEWS = "misc.review.v1.ReviewService/ListReviews"
# The page's calls of both are exactly what a cache serves: anonymous GetRestaurant (the
# restaurant cache), and anonymous ListReviews of the first page at the default size of 20
# (the review_first_page cache).
CACHED_METHODS = (GET_RESTAURANT, LIST_REVIEWS)


@dataclasses.dataclass(frozen=True)
class Sizing:
    """What deploy/k8s/overlays/production runs, and the headroom the plan keeps. Each value
    is said why in docs/deploying.md ("Sizing from the benchmark")."""
    pod_cpu_request: float = 1.0      # cores requested per misc-server pod
    hpa_cpu_target: float = 0.70      # HPA averageUtilization: 30 % headroom for a spike
    pool_size: int = 8                # MISC_DB_POOL_SIZE
    hpa_max_replicas: int = 12        # the HPA's maxReplicas
    max_surge: float = 0.25           # the Deployments' rollingUpdate.maxSurge
    zones: int = 3                    # topology spread: one zone down leaves (zones-1)/zones
    db_target: float = 0.70           # a database host is planned at 70 % of its ceiling
    # Connections one PostgreSQL host gives misc-server: max_connections 300 - 3 reserved -
    # 30 other clients - 2 migrate Job - 20 misc-rest (docs/deploying.md's example).
    connection_budget: int = 245
    memory_headroom: float = 1.5      # request = measured peak RSS x this, rounded up
    # Used only while the results have no cached server's peak RSS (bench/run.sh records it
    # from the run after 2026-12-05): both caches full at --cache_max_bytes (64 MiB each).
    cache_allowance_mb: float = 2 * 64 * 1.048576


@dataclasses.dataclass(frozen=True)
class Inputs:
    """The measured figures the plan uses, each from one run of one results file."""
    calls_per_page: float             # restaurant_page: calls / ops
    db_calls_per_page: dict           # method -> calls per page, for DB_METHOD_WORKLOADS
    cpu_s_per_call: float             # misc-server CPU per call of the page mix (cache off)
    db_path_calls_per_s: dict         # method -> calls/s of its own workload, cache off, c=64
    memory_calls_per_s: float         # ListGenres calls/s at c=64: a memory-served call
    pg_ceiling_calls_per_s: float     # pgbench, GetRestaurant's SELECT, best concurrency
    connection_seconds_per_call: float  # pool size / DB calls/s with every connection busy
    peak_rss_mb: float                # highest peak RSS of any workload run (cache off)
    cache_peak_rss_mb: float | None   # peak RSS of the server with its caches filled, if measured
    cache_hit_ratio_warm: float | None   # the restaurant cache (GetRestaurant)
    cache_hit_ratio_cold: float | None
    cache_calls_per_s_warm: float | None
    # The review first-page cache (ListReviews), None in results that predate its measurement:
    # the plan then counts no ListReviews hits.
    review_cache_hit_ratio_warm: float | None = None
    review_cache_hit_ratio_cold: float | None = None
    review_cache_calls_per_s_warm: float | None = None


def cached_methods(inputs):
    """The methods whose hits the plan counts: GetRestaurant, and ListReviews once its cache's
    hit ratio has been measured."""
    return tuple(method for method in CACHED_METHODS
                 if method != LIST_REVIEWS or inputs.review_cache_hit_ratio_warm is not None)


def warm_hit_ratios(inputs):
    """Each cached method's measured warm hit ratio, {} when none was measured."""
    ratios = {GET_RESTAURANT: inputs.cache_hit_ratio_warm,
              LIST_REVIEWS: inputs.review_cache_hit_ratio_warm}
    return {method: ratio for method, ratio in ratios.items() if ratio is not None}


def same_hit_ratio(hit_ratio, inputs):
    """One hit ratio for every method of cached_methods."""
    return {method: hit_ratio for method in cached_methods(inputs)}


def cpu_per_page(inputs):
    return inputs.cpu_s_per_call * inputs.calls_per_page


def pages_per_pod(inputs, sizing):
    """Pages/s one pod serves with its CPU at the HPA target."""
    return sizing.pod_cpu_request * sizing.hpa_cpu_target / cpu_per_page(inputs)


def pods_needed(peak, inputs, sizing):
    return math.ceil(peak / pages_per_pod(inputs, sizing) - 1e-9)


def pods_zone_loss(pods, sizing):
    """Pods that still leave `pods` running when one zone of `zones` is lost (spread evenly),
    and at least one per zone."""
    return max(sizing.zones, math.ceil(pods * sizing.zones / (sizing.zones - 1) - 1e-9))


def surge(pods, sizing):
    return pods + math.ceil(pods * sizing.max_surge - 1e-9)


def db_weight(method, inputs):
    """A method's database cost in GetRestaurant SELECTs: how many times slower its own
    workload ran than GetRestaurant's on the same machine and concurrency (cache off)."""
    base = inputs.db_path_calls_per_s[GET_RESTAURANT]
    return base / inputs.db_path_calls_per_s[method]


def db_load(peak, hit_ratios, inputs):
    """Database work per second in GetRestaurant SELECTs (pgbench's unit) at each method's
    cache hit ratio ({method: ratio}); a method not in it reads the database every call."""
    load = 0.0
    for method, per_page in inputs.db_calls_per_page.items():
        misses = 1 - hit_ratios.get(method, 0.0)
        load += peak * per_page * misses * db_weight(method, inputs)
    return load


def host_capacity(inputs, sizing):
    """GetRestaurant SELECTs/s one database host is planned for."""
    return inputs.pg_ceiling_calls_per_s * sizing.db_target


def db_hosts(peak, hit_ratios, inputs, sizing):
    """Database hosts serving reads at the plan's utilisation (at least one)."""
    return max(1, math.ceil(db_load(peak, hit_ratios, inputs) / host_capacity(inputs, sizing)
                            - 1e-9))


def hit_ratio_needed(peak, hosts, inputs, sizing):
    """The lowest hit ratio, the same for every method of cached_methods, at which the reads
    fit `hosts` hosts; None when even a ratio of 1 does not (the uncached methods alone need
    more)."""
    capacity = hosts * host_capacity(inputs, sizing)
    uncached = db_load(peak, same_hit_ratio(1.0, inputs), inputs)
    if uncached > capacity:
        return None
    cached_at_zero = db_load(peak, {}, inputs) - uncached
    if cached_at_zero <= 0:
        return 0.0
    return max(0.0, 1 - (capacity - uncached) / cached_at_zero)


def pod_cached_rate(method, hit_ratio, inputs):
    """A cached method's calls/s of one server at a hit ratio: hits cost what a memory-served
    call costs, misses what its database read costs (harmonic mean of the two measured rates)."""
    db_rate = inputs.db_path_calls_per_s[method]
    return 1 / ((1 - hit_ratio) / db_rate + hit_ratio / inputs.memory_calls_per_s)


def pool_cores(inputs, sizing):
    """Cores of page traffic whose database calls one pod's pool carries with every
    connection busy: a pod allowed more CPU than this queues on its pool instead."""
    db_calls_per_core_s = sum(inputs.db_calls_per_page.values()) / cpu_per_page(inputs)
    return sizing.pool_size / inputs.connection_seconds_per_call / db_calls_per_core_s


def load_per_page(hit_ratios, inputs):
    return db_load(1, hit_ratios, inputs)


def limits(p, inputs, sizing):
    """The peaks (pages/s) at which each resource of plan p runs out, lowest first:
    [(pages/s, kind, what)], kind one of hosts, hosts-cold, hpa, connections. Hosts and
    connections are p's; the HPA bound is the overlay's."""
    hosts = p.hosts_warm or p.hosts_cold
    warm = warm_hit_ratios(inputs)
    capacity = hosts * host_capacity(inputs, sizing)
    readers = "the one read host" if hosts == 1 else f"the {hosts} read hosts"
    found = [
        (capacity / load_per_page(warm, inputs), "hosts",
         f"{readers} with the {'caches' if len(warm) > 1 else 'cache'} warm"),
        (capacity / load_per_page({}, inputs), "hosts-cold",
         f"{readers} with every cache empty (every pod restarted at once)"),
        (sizing.hpa_max_replicas * pages_per_pod(inputs, sizing), "hpa",
         f"the production HPA's maxReplicas {sizing.hpa_max_replicas}"),
    ]
    if p.fits_budget_direct:
        pods = 1
        while surge(pods_zone_loss(pods + 1, sizing), sizing) * (sizing.pool_size + 1) <= \
                sizing.connection_budget:
            pods += 1
        found.append((pods * pages_per_pod(inputs, sizing), "connections",
                      f"direct connections ({sizing.connection_budget} per host) without "
                      "PgBouncer"))
    return sorted(found)


def busy_connections(db_calls_per_s, inputs):
    """Connections busy on average (Little's law) for a rate of database calls."""
    return db_calls_per_s * inputs.connection_seconds_per_call


def memory_request_mib(inputs, sizing):
    """Memory request per pod: the filled-cache peak RSS when measured (else the cache-off peak
    plus the allowance) times the headroom, rounded up to 64 MiB."""
    peak = (inputs.cache_peak_rss_mb if inputs.cache_peak_rss_mb is not None
            else inputs.peak_rss_mb + sizing.cache_allowance_mb)
    return 64 * math.ceil(peak * sizing.memory_headroom / 64 - 1e-9)


@dataclasses.dataclass(frozen=True)
class Plan:
    peak: int
    calls_per_s: float
    cores: float
    pods: int
    pods_zone_loss: int
    pods_in_rollout: int
    db_calls_per_s: float
    db_load_cold: float
    db_load_warm: float | None
    hosts_cold: int
    hosts_warm: int | None
    direct_connections_per_host: int
    fits_budget_direct: bool
    busy_connections_per_host: float
    pgbouncer_pool_size: int
    hit_ratio_needed: dict             # hosts -> ratio or None


def plan(peak, inputs, sizing, hosts_options=(1, 2, 3, 4, 6, 8)):
    """Everything docs/scaling.md says about one peak of page renders per second."""
    pods = pods_needed(peak, inputs, sizing)
    zone = pods_zone_loss(pods, sizing)
    rollout = surge(zone, sizing)
    db_calls = peak * sum(inputs.db_calls_per_page.values())
    warm = warm_hit_ratios(inputs) or None
    hosts_cold = db_hosts(peak, {}, inputs, sizing)
    hosts_warm = db_hosts(peak, warm, inputs, sizing) if warm is not None else None
    # Each pod may hold its whole pool to one host (the per-host bound of --database_replica_url),
    # plus one LISTEN connection to the primary (--database_listen_url).
    direct = rollout * sizing.pool_size
    reads_hosts = hosts_warm if hosts_warm is not None else hosts_cold
    # Server connections one host needs behind PgBouncer: the busy ones at the planned rate,
    # with the same 30 % headroom as the hosts. A cache hit holds no connection: only misses
    # count (every call, when no hit ratio was measured).
    db_misses = peak * sum(calls * (1 - (warm or {}).get(method, 0.0))
                           for method, calls in inputs.db_calls_per_page.items())
    busy = busy_connections(db_misses / reads_hosts, inputs)
    return Plan(
        peak=peak,
        calls_per_s=peak * inputs.calls_per_page,
        cores=peak * cpu_per_page(inputs),
        pods=pods,
        pods_zone_loss=zone,
        pods_in_rollout=rollout,
        db_calls_per_s=db_calls,
        db_load_cold=db_load(peak, {}, inputs),
        db_load_warm=db_load(peak, warm, inputs) if warm is not None else None,
        hosts_cold=hosts_cold,
        hosts_warm=hosts_warm,
        direct_connections_per_host=direct,
        fits_budget_direct=direct + rollout <= sizing.connection_budget,
        busy_connections_per_host=busy,
        pgbouncer_pool_size=max(1, math.ceil(busy / sizing.db_target - 1e-9)),
        hit_ratio_needed={h: hit_ratio_needed(peak, h, inputs, sizing) for h in hosts_options},
    )
