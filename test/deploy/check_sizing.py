#!/usr/bin/env python3
"""The production overlay is what docs/scaling.md plans with, and at least what it measured.

  check_sizing.py --kubectl KUBECTL --repo REPO [--expect TEXT...] OVERLAY

Renders OVERLAY and compares its misc Deployment, autoscaler and configuration with
bench/scaling_model.py's Sizing (the pod shape, target, pool, surge and maxReplicas that
docs/scaling.md's arithmetic assumes): equal, or the page is about some other deployment. And,
from the newest results JSON (bench/scaling.py's inputs): the memory request holds the measured
peak RSS with its headroom, and maxReplicas holds the design peak with a zone down.

Exit 0 when it all holds; with --expect, exit 0 only when it does not and every TEXT appears
in the problems (the bad fixture's test).
"""

import argparse
import json
import os
import subprocess
import sys

import yaml

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import check_scaling  # noqa: E402


def rendered(kubectl, overlay):
    out = subprocess.run([kubectl, "kustomize", overlay], capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"check_sizing: kubectl kustomize {overlay} failed: {out.stderr}")
    return [d for d in yaml.safe_load_all(out.stdout) if d]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kubectl", default="kubectl")
    ap.add_argument("--repo", required=True)
    ap.add_argument("--expect", action="append", default=[])
    ap.add_argument("overlay")
    args = ap.parse_args()
    sys.path.insert(0, os.path.join(args.repo, "bench"))
    import scaling  # noqa: E402  (found through --repo)
    import scaling_model  # noqa: E402

    sizing = scaling_model.Sizing()
    docs = rendered(args.kubectl, args.overlay)
    deployment = next(d for d in docs if d.get("kind") == "Deployment" and
                      d["metadata"]["name"] == "misc")
    hpa = next(d for d in docs if d.get("kind") == "HorizontalPodAutoscaler" and
               d["metadata"]["name"] == "misc")
    config = next(d for d in docs if d.get("kind") == "ConfigMap" and
                  d["metadata"]["name"].startswith("misc-config"))
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    requests = (container.get("resources") or {}).get("requests") or {}
    target = next(((m["resource"].get("target") or {}).get("averageUtilization")
                   for m in hpa["spec"].get("metrics") or []
                   if (m.get("resource") or {}).get("name") == "cpu"), None)
    surge = ((deployment["spec"].get("strategy") or {}).get("rollingUpdate") or {}).get(
        "maxSurge", check_scaling.DEFAULT_MAX_SURGE)

    problems = []

    def same(what, actual, planned):
        if actual != planned:
            problems.append(f"{what} is {actual}, but docs/scaling.md plans with {planned} "
                            "(bench/scaling_model.py Sizing)")

    same("the misc container's CPU request", check_scaling.parse_quantity(requests.get("cpu")),
         sizing.pod_cpu_request)
    same("the misc HPA's CPU averageUtilization", target, round(sizing.hpa_cpu_target * 100))
    same("the misc HPA's maxReplicas", hpa["spec"].get("maxReplicas"), sizing.hpa_max_replicas)
    same("MISC_DB_POOL_SIZE", int((config.get("data") or {}).get("MISC_DB_POOL_SIZE", 0)),
         sizing.pool_size)
    same("the misc Deployment's maxSurge", surge, f"{round(sizing.max_surge * 100)}%")

    path = scaling.latest_results(os.path.join(args.repo, "bench", "results"))
    with open(path) as f:
        inputs, _ = scaling.read_inputs(json.load(f))
    need_mib = scaling_model.memory_request_mib(inputs, sizing)
    memory = check_scaling.parse_quantity(requests.get("memory")) or 0
    if memory < need_mib * 2**20:
        problems.append(f"the misc container's memory request {requests.get('memory')} is below "
                        f"the {need_mib}Mi the measured peak RSS needs ({os.path.basename(path)})")
    peak = scaling.PEAKS[0]
    pods = scaling_model.pods_zone_loss(scaling_model.pods_needed(peak, inputs, sizing), sizing)
    if (hpa["spec"].get("maxReplicas") or 0) < pods:
        problems.append(f"the misc HPA's maxReplicas {hpa['spec'].get('maxReplicas')} is below "
                        f"the {pods} pods {peak:,} pages/s needs with a zone down "
                        f"({os.path.basename(path)})")

    for p in problems:
        print(f"PROBLEM {args.overlay}: {p}")
    if not args.expect:
        print("FAIL" if problems else f"OK: {args.overlay} is what docs/scaling.md plans with")
        return 1 if problems else 0
    missing = [e for e in args.expect if not any(e in p for p in problems)]
    for e in missing:
        print(f"FAIL: expected a problem containing {e!r}, found none")
    return 1 if missing or not problems else 0


if __name__ == "__main__":
    sys.exit(main())
