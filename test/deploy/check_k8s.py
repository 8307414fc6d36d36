#!/usr/bin/env python3
"""Renders kustomize directories with `kubectl kustomize` and checks the result.

Usage:
  check_k8s.py --kubectl KUBECTL --binary NAME=PATH... [--expect TEXT...] DIR...

Each DIR is a kustomization (a directory with kustomization.yaml) or a tree of them
(deploy/k8s: base/ and overlays/*/ are found by walking it). Every one is rendered and
checked:

  * every container of a workload (Deployment, StatefulSet, DaemonSet, Job, CronJob) runs one
    of our binaries (command /usr/local/bin/<binary>) from its image (misc/misc for
    misc-server, misc/restaurant for misc-restaurant, misc/migrate for misc-migrate);
  * every flag it is given exists in that binary's --helpfull: args `--name[=value]` and
    environment variables MISC_<NAME> (literal, from ConfigMaps by envFrom or
    configMapKeyRef), DATABASE_URL for database_url;
  * server containers (misc-server, misc-restaurant; misc-rest): listen and metrics addresses
    are not loopback and their ports are container ports; readiness, liveness and startup
    probes are native gRPC probes on the listen port, readiness and startup on the overall name
    "", liveness on "liveness" (for misc-rest: httpGet probes on --http_listen's port,
    /readyz and /healthz); terminationGracePeriodSeconds >= shutdown_delay + drain_timeout +
    5s of slack (values from args, then environment, then the binary's defaults);
    DATABASE_URL comes from a Secret; the JWKS file is on a mounted Secret volume;
  * every container: runAsNonRoot, not uid 0, read-only root filesystem, no privilege
    escalation, not privileged, capabilities drop ALL and add none, seccomp RuntimeDefault
    (container or pod), cpu and memory requests and limits;
  * Jobs: bounded backoffLimit, ttlSecondsAfterFinished, restartPolicy Never or OnFailure;
  * Services select pods of a workload and target ports they have; every gRPC server
    Deployment has a headless Service; PodDisruptionBudgets select a Deployment; HorizontalPodAutoscalers
    are autoscaling/v2, scale an existing Deployment and have a CPU metric.

Exit 0 when everything passes. With --expect, the opposite: exit 0 only when the checks fail
and every expected text appears in the problems (to prove the checks fire on a bad fixture).
"""

import argparse
import os
import re
import subprocess
import sys

import yaml

WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob")
GRPC_SERVER_BINARIES = {"misc-server", "misc-restaurant"}
# Servers reached over HTTP/JSON (docs/rest.md): HTTP probes instead of gRPC ones.
HTTP_SERVER_BINARIES = {"misc-rest"}
SERVER_BINARIES = GRPC_SERVER_BINARIES | HTTP_SERVER_BINARIES
IMAGE_OF_BINARY = {
    "misc-server": "misc/misc",
    "misc-restaurant": "misc/restaurant",
    "misc-rest": "misc/rest",
    "misc-migrate": "misc/migrate",
}
BINARY_DIR = "/usr/local/bin/"
GRACE_SLACK_SECONDS = 5
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}
# Used only when a binary's --helpfull does not show the default.
FALLBACK_DEFAULTS = {"shutdown_delay": "5s", "drain_timeout": "20s"}


class Binary:
    def __init__(self, name, path):
        self.name = name
        self.path = path
        try:
            out = subprocess.run([path, "--helpfull"], capture_output=True, text=True,
                                 timeout=60)
        except OSError as e:
            raise SystemExit(f"check_k8s: cannot run {path} --helpfull: {e}")
        text = out.stdout + out.stderr
        self.flags = set(re.findall(r"^\s*--([A-Za-z0-9_]+) \(", text, re.M))
        if not self.flags:
            raise SystemExit(f"check_k8s: {path} --helpfull lists no flags:\n{text[:2000]}")
        flat = " ".join(text.split())
        self.defaults = {}
        for m in re.finditer(r"--([A-Za-z0-9_]+) \(.*?\); default: ([^;]*);", flat):
            self.defaults.setdefault(m.group(1), m.group(2).strip().strip('"'))

    def has_flag(self, flag):
        if flag in self.flags:
            return True
        # Abseil boolean negation: --nofoo.
        return flag.startswith("no") and flag[2:] in self.flags


def parse_duration(text):
    """Abseil duration (e.g. 5s, 1m30s, 500ms, 0) in seconds, or None."""
    text = text.strip()
    if text in ("0", "-0"):
        return 0.0
    units = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
    parts = re.findall(r"([0-9]*\.?[0-9]+)(ns|us|ms|h|m|s)", text)
    if not parts or "".join(n + u for n, u in parts) != text:
        return None
    return sum(float(n) * units[u] for n, u in parts)


def split_host_port(address):
    if address.startswith("["):
        host, _, port = address.rpartition(":")
    else:
        host, _, port = address.rpartition(":")
    try:
        return host, int(port)
    except ValueError:
        return host, None


def image_repository(image):
    """misc/misc from registry.example.com:5000/misc/misc:tag@sha256:..."""
    image = image.split("@", 1)[0]
    last = image.rsplit("/", 1)
    if ":" in last[-1]:
        image = image[: image.rfind(":")]
    return image


def selector_matches(selector, labels):
    if not selector:
        return False
    return all(labels.get(k) == v for k, v in selector.items())


class Checker:
    def __init__(self, binaries):
        self.binaries = binaries
        self.problems = []

    def problem(self, where, text):
        self.problems.append(f"{where}: {text}")

    # ---- one rendered kustomization ----
    def check_documents(self, label, docs):
        by_kind = {}
        for d in docs:
            by_kind.setdefault(d.get("kind"), []).append(d)
        self.config_maps = {d["metadata"]["name"]: d.get("data") or {}
                            for d in by_kind.get("ConfigMap", [])}
        workloads = []
        for kind in WORKLOAD_KINDS:
            for d in by_kind.get(kind, []):
                pod = self.pod_template(d)
                workloads.append((d, pod))
                self.check_workload(f"{label}: {kind}/{d['metadata']['name']}", d, pod)
        self.check_services(label, by_kind.get("Service", []), workloads)
        self.check_pdbs(label, by_kind.get("PodDisruptionBudget", []), by_kind)
        self.check_hpas(label, by_kind.get("HorizontalPodAutoscaler", []), by_kind)

    @staticmethod
    def pod_template(d):
        spec = d.get("spec") or {}
        if d["kind"] == "CronJob":
            spec = ((spec.get("jobTemplate") or {}).get("spec")) or {}
        return spec.get("template") or {}

    def check_workload(self, where, d, pod):
        pod_spec = pod.get("spec") or {}
        pod_sc = pod_spec.get("securityContext") or {}
        containers = list(pod_spec.get("containers") or [])
        all_containers = containers + list(pod_spec.get("initContainers") or [])
        if not containers:
            self.problem(where, "no containers")
        if d["kind"] == "Job":
            self.check_job(where, d, pod_spec)
        for c in all_containers:
            cwhere = f"{where} container {c.get('name')}"
            self.check_security(cwhere, c, pod_sc)
            self.check_resources(cwhere, c)
            binary = self.check_binary(cwhere, c)
            if binary is None:
                continue
            flags = self.check_flags(cwhere, c, binary)
            if binary.name in SERVER_BINARIES:
                if d["kind"] != "Deployment":
                    self.problem(cwhere, f"{binary.name} should run in a Deployment")
                self.check_server(cwhere, c, pod_spec, binary, flags)

    def check_job(self, where, d, pod_spec):
        spec = d.get("spec") or {}
        limit = spec.get("backoffLimit")
        if limit is None or limit > 10:
            self.problem(where, f"backoffLimit must be set and at most 10 (is {limit})")
        if spec.get("ttlSecondsAfterFinished") is None:
            self.problem(where, "ttlSecondsAfterFinished is not set (finished Jobs pile up)")
        if pod_spec.get("restartPolicy") not in ("Never", "OnFailure"):
            self.problem(where, "restartPolicy must be Never or OnFailure")

    def check_security(self, where, c, pod_sc):
        sc = c.get("securityContext") or {}

        def eff(key):
            return sc[key] if key in sc else pod_sc.get(key)

        if eff("runAsNonRoot") is not True:
            self.problem(where, "runAsNonRoot is not true (must not run as root)")
        if eff("runAsUser") == 0:
            self.problem(where, "runAsUser is 0 (root)")
        if sc.get("readOnlyRootFilesystem") is not True:
            self.problem(where, "readOnlyRootFilesystem is not true")
        if sc.get("allowPrivilegeEscalation") is not False:
            self.problem(where, "allowPrivilegeEscalation is not false")
        if sc.get("privileged") is True:
            self.problem(where, "privileged is true")
        caps = sc.get("capabilities") or {}
        if "ALL" not in (caps.get("drop") or []):
            self.problem(where, "capabilities do not drop ALL")
        if caps.get("add"):
            self.problem(where, f"capabilities add {caps.get('add')} (must add none)")
        seccomp = (eff("seccompProfile") or {}).get("type")
        if seccomp not in ("RuntimeDefault", "Localhost"):
            self.problem(where, f"seccompProfile type is {seccomp}, not RuntimeDefault")

    def check_resources(self, where, c):
        res = c.get("resources") or {}
        for kind in ("requests", "limits"):
            for r in ("cpu", "memory"):
                if r not in (res.get(kind) or {}):
                    self.problem(where, f"no {r} in resources.{kind}")

    def check_binary(self, where, c):
        command = c.get("command") or []
        if not command or not command[0].startswith(BINARY_DIR):
            self.problem(where, f"command must start with {BINARY_DIR}<binary> (is {command})")
            return None
        name = command[0][len(BINARY_DIR):]
        binary = self.binaries.get(name)
        if binary is None:
            self.problem(where, f"runs {command[0]}, which is none of the built binaries "
                         f"({', '.join(sorted(self.binaries))})")
            return None
        expected = IMAGE_OF_BINARY.get(name)
        repo = image_repository(c.get("image") or "")
        if expected and not (repo == expected or repo.endswith("/" + expected)):
            self.problem(where, f"image {c.get('image')} is not {expected}, which has {name}")
        return binary

    def container_env(self, where, c):
        """name -> (value or None, source) in Kubernetes' order: envFrom, then env."""
        env = {}
        for src in c.get("envFrom") or []:
            prefix = src.get("prefix") or ""
            if "configMapRef" in src:
                name = src["configMapRef"].get("name")
                if name not in self.config_maps:
                    self.problem(where, f"envFrom ConfigMap {name} is not in the rendered output")
                    continue
                for k, v in self.config_maps[name].items():
                    env[prefix + k] = (str(v), f"ConfigMap {name}")
            elif "secretRef" in src:
                self.problem(where, f"envFrom Secret {src['secretRef'].get('name')}: variables "
                             "of a whole Secret cannot be checked; use secretKeyRef")
        for e in c.get("env") or []:
            name = e.get("name")
            if "value" in e:
                env[name] = (str(e["value"]), "value")
            elif "valueFrom" in e:
                vf = e["valueFrom"]
                if "configMapKeyRef" in vf:
                    ref = vf["configMapKeyRef"]
                    cm = self.config_maps.get(ref.get("name"))
                    if cm is None or ref.get("key") not in cm:
                        self.problem(where, f"env {name}: ConfigMap {ref.get('name')} key "
                                     f"{ref.get('key')} is not in the rendered output")
                        env[name] = (None, "ConfigMap")
                    else:
                        env[name] = (str(cm[ref["key"]]), f"ConfigMap {ref['name']}")
                elif "secretKeyRef" in vf:
                    env[name] = (None, "Secret")
                else:
                    env[name] = (None, "valueFrom")
            else:
                env[name] = ("", "value")
        return env

    def check_flags(self, where, c, binary):
        """Checks every flag exists; returns flag -> value as the binary would see it."""
        values = {}
        env = self.container_env(where, c)
        for name, (value, source) in env.items():
            if name == "DATABASE_URL":
                flag = "database_url"
            elif name.startswith("MISC_"):
                flag = name[len("MISC_"):].lower()
            else:
                continue
            if not binary.has_flag(flag):
                self.problem(where, f"env {name} ({source}) sets --{flag}, which "
                             f"{binary.name} does not have")
            else:
                values[flag] = value
        argv = list((c.get("command") or [])[1:]) + list(c.get("args") or [])
        for arg in argv:
            if not arg.startswith("--") or arg == "--":
                continue
            flag, eq, value = arg[2:].partition("=")
            if not binary.has_flag(flag):
                self.problem(where, f"argument {arg} is not a flag of {binary.name}")
            else:
                values[flag] = value if eq else "true"
        self.env = env
        return values

    def flag_value(self, flags, binary, flag):
        if flag in flags:
            return flags[flag]
        return binary.defaults.get(flag, FALLBACK_DEFAULTS.get(flag))

    def check_server(self, where, c, pod_spec, binary, flags):
        ports = {p.get("containerPort"): p.get("name") for p in c.get("ports") or []}

        http = binary.name in HTTP_SERVER_BINARIES
        listen_flag = "http_listen" if http else "listen"
        listen = self.flag_value(flags, binary, listen_flag) or ""
        host, listen_port = split_host_port(listen)
        if host in LOOPBACK_HOSTS:
            self.problem(where, f"listens on loopback ({listen}): probes and Services cannot "
                         "reach it; use 0.0.0.0 or [::]")
        if listen_port not in ports:
            self.problem(where, f"{'HTTP' if http else 'gRPC'} listen port {listen_port} "
                         f"(--{listen_flag}={listen}) is not a containerPort")
        metrics = self.flag_value(flags, binary, "metrics_listen")
        if metrics:
            mhost, mport = split_host_port(metrics)
            if mhost in LOOPBACK_HOSTS:
                self.problem(where, f"metrics on loopback ({metrics}) cannot be scraped")
            if mport not in ports:
                self.problem(where, f"metrics port {mport} (--metrics_listen={metrics}) is not "
                             "a containerPort")

        if http:
            expected = {"readinessProbe": "/readyz", "startupProbe": "/readyz",
                        "livenessProbe": "/healthz"}
        else:
            expected = {"readinessProbe": "", "startupProbe": "", "livenessProbe": "liveness"}
        for probe_name, target in expected.items():
            probe = c.get(probe_name)
            if not probe:
                self.problem(where, f"no {probe_name}")
                continue
            handler = probe.get("httpGet" if http else "grpc")
            if handler is None:
                self.problem(where, f"{probe_name} is not " +
                             ("an httpGet probe" if http else "a native gRPC probe"))
                continue
            port = handler.get("port")
            if port != listen_port and not (http and port == ports.get(listen_port)):
                self.problem(where, f"{probe_name} port {port} is not the "
                             f"{'HTTP' if http else 'gRPC'} listen port {listen_port}")
            if port not in ports and port not in ports.values():
                self.problem(where, f"{probe_name} port {port} is not a containerPort")
            if http:
                actual = handler.get("path") or "/"
                if actual != target:
                    self.problem(where, f"{probe_name} path {actual!r}, must be {target!r}")
            else:
                actual = handler.get("service") or ""
                if actual != target:
                    self.problem(where, f"{probe_name} checks health name {actual!r}, must be "
                                 f"{target!r}")

        delay = parse_duration(self.flag_value(flags, binary, "shutdown_delay") or "")
        drain = parse_duration(self.flag_value(flags, binary, "drain_timeout") or "")
        if delay is None or drain is None:
            self.problem(where, "shutdown_delay or drain_timeout is not a duration")
        else:
            need = delay + drain + GRACE_SLACK_SECONDS
            grace = pod_spec.get("terminationGracePeriodSeconds", 30)
            if grace < need:
                self.problem(where, f"terminationGracePeriodSeconds {grace} is shorter than "
                             f"shutdown_delay {delay:g}s + drain_timeout {drain:g}s + "
                             f"{GRACE_SLACK_SECONDS}s = {need:g}s")

        db = self.env.get("DATABASE_URL")
        if "database_url" in flags and "DATABASE_URL" not in self.env:
            self.problem(where, "--database_url is an argument; take DATABASE_URL from a Secret")
        elif db is None:
            self.problem(where, "no DATABASE_URL")
        elif db[1] != "Secret":
            self.problem(where, f"DATABASE_URL comes from {db[1]}, not a Secret")

        jwks = flags.get("jwks_file")
        if jwks:
            secret_volumes = {v.get("name") for v in pod_spec.get("volumes") or []
                              if "secret" in v}
            mounted = any(jwks.startswith(m.get("mountPath", "").rstrip("/") + "/")
                          and m.get("name") in secret_volumes
                          for m in c.get("volumeMounts") or [])
            if not mounted:
                self.problem(where, f"jwks_file {jwks} is not on a mounted Secret volume")

    def check_services(self, label, services, workloads):
        server_deployments = []
        for d, pod in workloads:
            cs = (pod.get("spec") or {}).get("containers") or []
            if d["kind"] == "Deployment" and any(
                    (c.get("command") or [""])[0][len(BINARY_DIR):] in GRPC_SERVER_BINARIES
                    for c in cs):
                server_deployments.append((d, pod))
        for s in services:
            where = f"{label}: Service/{s['metadata']['name']}"
            spec = s.get("spec") or {}
            selector = spec.get("selector") or {}
            pods = [pod for d, pod in workloads
                    if selector_matches(selector, (pod.get("metadata") or {}).get("labels") or {})]
            if not pods:
                self.problem(where, f"selector {selector} matches no workload's pods")
                continue
            for p in spec.get("ports") or []:
                target = p.get("targetPort", p.get("port"))
                for pod in pods:
                    cports = [cp for c in (pod.get("spec") or {}).get("containers") or []
                              for cp in c.get("ports") or []]
                    if not any(cp.get("name") == target or cp.get("containerPort") == target
                               for cp in cports):
                        self.problem(where, f"targetPort {target} is no container port of the "
                                     "selected pods")
        for d, pod in server_deployments:
            labels = (pod.get("metadata") or {}).get("labels") or {}
            if not any((s.get("spec") or {}).get("clusterIP") == "None" and
                       selector_matches((s.get("spec") or {}).get("selector"), labels)
                       for s in services):
                self.problem(f"{label}: Deployment/{d['metadata']['name']}",
                             "no headless Service (clusterIP: None) for client-side balancing")

    def check_pdbs(self, label, pdbs, by_kind):
        for p in pdbs:
            where = f"{label}: PodDisruptionBudget/{p['metadata']['name']}"
            sel = ((p.get("spec") or {}).get("selector") or {}).get("matchLabels")
            if not any(selector_matches(sel, ((d["spec"].get("template") or {}).get("metadata")
                                              or {}).get("labels") or {})
                       for d in by_kind.get("Deployment", [])):
                self.problem(where, f"selector {sel} matches no Deployment's pods")

    def check_hpas(self, label, hpas, by_kind):
        deployments = {d["metadata"]["name"] for d in by_kind.get("Deployment", [])}
        for h in hpas:
            where = f"{label}: HorizontalPodAutoscaler/{h['metadata']['name']}"
            if h.get("apiVersion") != "autoscaling/v2":
                self.problem(where, f"apiVersion {h.get('apiVersion')}, not autoscaling/v2")
            spec = h.get("spec") or {}
            ref = spec.get("scaleTargetRef") or {}
            if ref.get("kind") != "Deployment" or ref.get("name") not in deployments:
                self.problem(where, f"scales {ref.get('kind')}/{ref.get('name')}, which is not "
                             "in the rendered output")
            if not any(m.get("type") == "Resource" and
                       (m.get("resource") or {}).get("name") == "cpu"
                       for m in spec.get("metrics") or []):
                self.problem(where, "no CPU metric")
            if (spec.get("minReplicas") or 1) > (spec.get("maxReplicas") or 0):
                self.problem(where, "minReplicas is above maxReplicas")


def kustomizations(path):
    if os.path.isfile(os.path.join(path, "kustomization.yaml")):
        return [path]
    found = []
    for root, dirs, files in os.walk(path):
        dirs.sort()
        if "kustomization.yaml" in files:
            found.append(root)
    return found


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kubectl", default="kubectl")
    ap.add_argument("--binary", action="append", default=[], metavar="NAME=PATH")
    ap.add_argument("--expect", action="append", default=[], metavar="TEXT")
    ap.add_argument("dirs", nargs="+")
    args = ap.parse_args()

    binaries = {}
    for b in args.binary:
        name, _, path = b.partition("=")
        binaries[name] = Binary(name, path)

    dirs = []
    for d in args.dirs:
        found = kustomizations(d)
        if not found:
            raise SystemExit(f"check_k8s: no kustomization.yaml under {d}")
        dirs += found

    checker = Checker(binaries)
    for d in dirs:
        label = os.path.relpath(d)
        out = subprocess.run([args.kubectl, "kustomize", d], capture_output=True, text=True)
        if out.returncode != 0:
            checker.problem(label, f"kubectl kustomize failed: {out.stderr.strip()}")
            continue
        docs = [doc for doc in yaml.safe_load_all(out.stdout) if doc]
        print(f"rendered {label}: {len(docs)} objects")
        checker.check_documents(label, docs)

    for p in checker.problems:
        print(f"PROBLEM {p}")
    if not args.expect:
        if checker.problems:
            print(f"FAIL: {len(checker.problems)} problem(s)")
            return 1
        print(f"OK: {len(dirs)} kustomization(s) pass")
        return 0
    missing = [e for e in args.expect if not any(e in p for p in checker.problems)]
    for e in missing:
        print(f"FAIL: expected a problem containing {e!r}, found none")
    if missing or not checker.problems:
        return 1
    print(f"OK: the checks fired on every expected problem ({len(args.expect)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
