"""Scaling and placement checks of a rendered kustomization, for check_k8s.py.

  * every server Deployment has a HorizontalPodAutoscaler with minReplicas >= 2, a maxReplicas
    and a CPU Utilization target between 50 and 90 %; a PodDisruptionBudget that leaves a pod
    running at minReplicas (minAvailable + 1 <= minReplicas, maxUnavailable < minReplicas);
    topology spread over kubernetes.io/hostname and topology.kubernetes.io/zone whose
    labelSelector selects its own pods;
  * every container's requests are at most its limits;
  * the connection arithmetic (docs/deploying.md): over the server Deployments, at maxReplicas
    plus the rollout's surge, pool (+1 LISTEN connection when the cache is on) per pod, plus
    other_connections, fits max_connections of the ConfigMap misc-database-budget; a
    Deployment with --db_unnamed_statements goes through PgBouncer, so its pools count against
    pgbouncer_client_connections and PgBouncer's pgbouncer_server_connections against
    max_connections instead (and its LISTEN connection must bypass PgBouncer:
    --database_listen_url).
"""

import math
import re

BUDGET_CONFIG_MAP = "misc-database-budget"
TOPOLOGY_KEYS = ("kubernetes.io/hostname", "topology.kubernetes.io/zone")
# Below 50 % pods idle half their request; above 90 % there is no room for a spike while the
# autoscaler adds pods (they take a minute or more to turn ready).
CPU_TARGET_RANGE = (50, 90)
DEFAULT_MAX_SURGE = "25%"


def parse_quantity(text):
    """A Kubernetes quantity (250m, 1, 128Mi, 1G) as a float, or None."""
    m = re.fullmatch(r"([0-9.]+)(m|k|M|G|T|Ki|Mi|Gi|Ti)?", str(text).strip())
    if not m:
        return None
    scale = {None: 1, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "Ki": 2**10,
             "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}[m.group(2)]
    return float(m.group(1)) * scale


def scaled(value, total):
    """An int-or-percent field (maxSurge, minAvailable) of total, rounded up as Kubernetes
    does; None when it is neither."""
    if isinstance(value, int):
        return value
    m = re.fullmatch(r"([0-9]+)%", str(value))
    return math.ceil(total * int(m.group(1)) / 100) if m else None


def pod_labels(d):
    return (((d.get("spec") or {}).get("template") or {}).get("metadata") or {}).get("labels") \
        or {}


def selects(selector, labels):
    match = (selector or {}).get("matchLabels") or {}
    return bool(match) and all(labels.get(k) == v for k, v in match.items())


def check_requests_within_limits(checker, where, c):
    res = c.get("resources") or {}
    for r in ("cpu", "memory"):
        request = parse_quantity((res.get("requests") or {}).get(r, ""))
        limit = parse_quantity((res.get("limits") or {}).get(r, ""))
        if request is not None and limit is not None and request > limit:
            checker.problem(where, f"{r} request {res['requests'][r]} is above its limit "
                            f"{res['limits'][r]}")


def check_server_deployments(checker, label, by_kind, servers):
    """HPA, PDB and topology spread of every Deployment running a server binary; returns
    {Deployment name: (Deployment, HPA or None)}."""
    hpas = by_kind.get("HorizontalPodAutoscaler", [])
    pdbs = by_kind.get("PodDisruptionBudget", [])
    found = {}
    for d in by_kind.get("Deployment", []):
        if id((d.get("spec") or {}).get("template")) not in servers:
            continue
        name = d["metadata"]["name"]
        where = f"{label}: Deployment/{name}"
        hpa = next((h for h in hpas
                    if ((h.get("spec") or {}).get("scaleTargetRef") or {}).get("name") == name),
                   None)
        found[name] = (d, hpa)
        if hpa is None:
            checker.problem(where, "no HorizontalPodAutoscaler scales it")
        else:
            check_hpa_bounds(checker, f"{label}: HorizontalPodAutoscaler/"
                             f"{hpa['metadata']['name']}", hpa)
        check_pdb(checker, where, d, hpa, pdbs)
        check_spread(checker, where, d)
    return found


def check_hpa_bounds(checker, where, hpa):
    spec = hpa.get("spec") or {}
    if spec.get("minReplicas") is None or spec["minReplicas"] < 2:
        checker.problem(where, f"minReplicas {spec.get('minReplicas')}: below 2, one pod is a "
                        "single point of failure")
    if spec.get("maxReplicas") is None:
        checker.problem(where, "no maxReplicas")
    targets = [((m.get("resource") or {}).get("target") or {}) for m in spec.get("metrics") or []
               if m.get("type") == "Resource" and (m.get("resource") or {}).get("name") == "cpu"]
    utilisation = [t.get("averageUtilization") for t in targets
                   if t.get("type") == "Utilization"]
    if not utilisation:
        checker.problem(where, "no CPU target of type Utilization (a share of the pods' "
                        "requests)")
    for u in utilisation:
        if not (isinstance(u, int) and CPU_TARGET_RANGE[0] <= u <= CPU_TARGET_RANGE[1]):
            checker.problem(where, f"CPU averageUtilization {u} is outside "
                            f"{CPU_TARGET_RANGE[0]}-{CPU_TARGET_RANGE[1]} %")


def check_pdb(checker, where, d, hpa, pdbs):
    labels = pod_labels(d)
    mine = [p for p in pdbs if selects((p.get("spec") or {}).get("selector"), labels)]
    if not mine:
        checker.problem(where, "no PodDisruptionBudget selects its pods")
        return
    low = ((hpa or {}).get("spec") or {}).get("minReplicas")
    if low is None:
        return
    for p in mine:
        spec = p.get("spec") or {}
        pwhere = f"PodDisruptionBudget/{p['metadata']['name']}"
        if "minAvailable" in spec:
            need = scaled(spec["minAvailable"], low)
            if need is not None and need + 1 > low:
                checker.problem(where, f"{pwhere} minAvailable {spec['minAvailable']} leaves no "
                                f"pod to evict at minReplicas {low}: node drains would hang")
        if "maxUnavailable" in spec:
            down = scaled(spec["maxUnavailable"], low)
            if down is not None and down >= low:
                checker.problem(where, f"{pwhere} maxUnavailable {spec['maxUnavailable']} lets "
                                f"a disruption take all {low} pods of minReplicas")


def check_spread(checker, where, d):
    labels = pod_labels(d)
    constraints = ((d["spec"].get("template") or {}).get("spec") or {}).get(
        "topologySpreadConstraints") or []
    for key in TOPOLOGY_KEYS:
        mine = [c for c in constraints if c.get("topologyKey") == key]
        if not mine:
            checker.problem(where, f"no topologySpreadConstraints over {key}")
        for c in mine:
            if not selects(c.get("labelSelector"), labels):
                checker.problem(where, f"the topology spread over {key} does not select the "
                                "Deployment's own pods, so it spreads something else")


def check_connections(checker, label, by_kind, deployments, servers):
    """The connection arithmetic of docs/deploying.md against misc-database-budget."""
    budget_cm = next((c for c in by_kind.get("ConfigMap", [])
                      if c["metadata"]["name"] == BUDGET_CONFIG_MAP), None)
    if not deployments:
        return
    where = f"{label}: ConfigMap/{BUDGET_CONFIG_MAP}"
    if budget_cm is None:
        checker.problem(label, f"no ConfigMap {BUDGET_CONFIG_MAP}: the Deployments' database "
                        "connections cannot be checked against max_connections")
        return
    budget = {k: int(v) for k, v in (budget_cm.get("data") or {}).items()
              if str(v).isdigit()}
    for key in ("max_connections", "other_connections"):
        if key not in budget:
            checker.problem(where, f"no {key}")
            return
    direct, pooled, terms = 0, 0, []
    for name, (d, hpa) in sorted(deployments.items()):
        spec = d.get("spec") or {}
        most = ((hpa or {}).get("spec") or {}).get("maxReplicas") or spec.get("replicas") or 1
        rolling = (spec.get("strategy") or {}).get("rollingUpdate") or {}
        pods = most + (scaled(rolling.get("maxSurge", DEFAULT_MAX_SURGE), most) or 0)
        binary, flags = servers[id(spec.get("template"))]
        pool = int(checker.flag_value(flags, binary, "db_pool_size") or 0)
        listen = 0 if checker.flag_value(flags, binary, "cache_max_entries") == "0" else 1
        through_pgbouncer = flags.get("db_unnamed_statements") in ("true", "1")
        if through_pgbouncer:
            pooled += pods * pool
            if listen and "database_listen_url" not in flags:
                checker.problem(f"{label}: Deployment/{name}", "goes through PgBouncer "
                                "(--db_unnamed_statements) without --database_listen_url: the "
                                "cache's LISTEN session cannot live in transaction pooling")
        else:
            direct += pods * pool
        direct += pods * listen
        terms.append(f"{name} {pods} pods x " + (f"{listen} LISTEN" if through_pgbouncer
                                                 else f"({pool} + {listen} LISTEN)"))
    if pooled and ("pgbouncer_client_connections" not in budget or
                   "pgbouncer_server_connections" not in budget):
        checker.problem(where, "Deployments go through PgBouncer, but the budget has no "
                        "pgbouncer_client_connections and pgbouncer_server_connections")
    elif pooled:
        if pooled > budget["pgbouncer_client_connections"]:
            checker.problem(where, f"the pools through PgBouncer, {pooled} connections at "
                            "maxReplicas + surge, exceed pgbouncer_client_connections "
                            f"{budget['pgbouncer_client_connections']}")
        direct += budget["pgbouncer_server_connections"]
        terms.append(f"PgBouncer {budget['pgbouncer_server_connections']}")
    allowed = budget["max_connections"] - budget["other_connections"]
    summary = "; ".join(terms)
    if direct > allowed:
        checker.problem(where, f"{direct} database connections at maxReplicas + surge "
                        f"({summary}) exceed max_connections {budget['max_connections']} - "
                        f"other_connections {budget['other_connections']} = {allowed}")
    else:
        print(f"{label}: {direct} of {allowed} database connections at maxReplicas + surge "
              f"({summary})" + (f"; {pooled} of {budget['pgbouncer_client_connections']} "
                                "through PgBouncer" if pooled else ""))
