#!/usr/bin/env python3
"""Renders kustomize directories with `kubectl kustomize` and checks the result.

Usage:
  check_k8s.py --kubectl KUBECTL --binary NAME=PATH... [--production DIR...] [--expect TEXT...]
               [DIR...]

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
    /readyz and /healthz); with TLS on (--tls_cert_file), which the kubelet's probes cannot
    speak, httpGet probes on the plain-HTTP metrics port instead (/readyz, /readyz, /healthz);
    terminationGracePeriodSeconds >= shutdown_delay + drain_timeout + 5s of slack (values
    from args, then environment, then the binary's defaults); DATABASE_URL comes from a
    Secret; the JWKS, TLS and page-token key files are on mounted Secret volumes, mounted as a
    directory (no subPath, so an updated Secret reaches the file);
  * every container: runAsNonRoot, not uid 0, read-only root filesystem, no privilege
    escalation, not privileged, capabilities drop ALL and add none, seccomp RuntimeDefault
    (container or pod), cpu and memory requests and limits;
  * Jobs: bounded backoffLimit, ttlSecondsAfterFinished, restartPolicy Never or OnFailure;
  * Services select pods of a workload and target ports they have, and declare no cleartext
    appProtocol (kubernetes.io/h2c, http) on a port that speaks TLS; every gRPC server
    Deployment has a headless Service; PodDisruptionBudgets select a Deployment;
    HorizontalPodAutoscalers are autoscaling/v2, scale an existing Deployment and have a CPU
    metric;
  * NetworkPolicies: every workload's pods are selected by one that restricts both ingress and
    egress; the serving port (gRPC or HTTP) is reachable only from pods labelled
    misc.example.com/caller=true, the metrics port only from namespace monitoring, nothing else
    at all (the migrate Job: no ingress); egress only to DNS (UDP/TCP 53, to a chosen
    destination) and PostgreSQL (TCP 5432); callers, Prometheus, DNS and PostgreSQL are really
    allowed; every NetworkPolicy selects some workload's pods.

Scaling and placement (check_scaling.py): every server Deployment has an autoscaler with
bounds and a CPU utilisation target, a PodDisruptionBudget consistent with its minReplicas and
topology spread over nodes and zones; requests are at most limits; and the database
connections at maxReplicas plus surge fit the budget declared in ConfigMap
misc-database-budget, directly or through PgBouncer. Database URLs other than DATABASE_URL
(--database_replica_url, --database_listen_url) hold passwords too: from a Secret only.

A DIR given with --production (checked like the others) must also be fit for production: every
image pinned by a digest (@sha256:<64 hex digits>), TLS with client certificates
(--tls_cert_file, --tls_key_file, --tls_client_ca_file) and --page_token_key_file on every
server container.

Exit 0 when everything passes. With --expect, the opposite: exit 0 only when the checks fail
and every expected text appears in the problems (to prove the checks fire on a bad fixture).
"""

import argparse
import os
import re
import subprocess
import sys

import yaml

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import check_scaling  # noqa: E402

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
# Flags naming a file that must come from a mounted Secret when set.
SECRET_FILE_FLAGS = ("jwks_file", "tls_cert_file", "tls_key_file", "tls_client_ca_file",
                     "page_token_key_file")
# What a production server container must set (docs/deploying.md).
PRODUCTION_FLAGS = ("tls_cert_file", "tls_key_file", "tls_client_ca_file", "page_token_key_file")
DIGEST_RE = re.compile(r"sha256:[0-9a-f]{64}")
# appProtocol values that promise cleartext: wrong on a port that speaks TLS.
CLEARTEXT_APP_PROTOCOLS = {"kubernetes.io/h2c", "h2c", "http", "kubernetes.io/ws", "grpc"}
# NetworkPolicy: who may call, who may scrape, where a pod may connect to.
CALLER_LABEL = ("misc.example.com/caller", "true")
MONITORING_NAMESPACE = ("kubernetes.io/metadata.name", "monitoring")
ALLOWED_EGRESS = {("UDP", 53): "DNS", ("TCP", 53): "DNS", ("TCP", 5432): "PostgreSQL"}
# Variables whose flag is not MISC_<FLAG>: the database URLs (docs/operations.md).
ENV_FLAGS = {"DATABASE_URL": "database_url", "MISC_DATABASE_REPLICA_URLS": "database_replica_url"}
# Flags that name a database URL, which carries a password: only from a Secret.
URL_FLAGS = ("database_url", "database_replica_url", "database_listen_url")


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


def label_selector_matches(selector, labels):
    """A LabelSelector (matchLabels, matchExpressions); {} selects everything."""
    selector = selector or {}
    if not all(labels.get(k) == v for k, v in (selector.get("matchLabels") or {}).items()):
        return False
    for e in selector.get("matchExpressions") or []:
        key, op, values = e.get("key"), e.get("operator"), e.get("values") or []
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and labels.get(key) in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def selector_requires(selector, key, value):
    """True when every object the LabelSelector selects has label key=value."""
    if selector is None:
        return False
    if (selector.get("matchLabels") or {}).get(key) == value:
        return True
    return any(e.get("key") == key and e.get("operator") == "In" and e.get("values") == [value]
               for e in selector.get("matchExpressions") or [])


def describe_selector(selector):
    if not selector or not (selector.get("matchLabels") or selector.get("matchExpressions")):
        return "{}"
    parts = [f"{k}={v}" for k, v in (selector.get("matchLabels") or {}).items()]
    parts += [f"{e.get('key')} {e.get('operator')} {e.get('values') or ''}".strip()
              for e in selector.get("matchExpressions") or []]
    return ",".join(parts)


def describe_peer(peer):
    """A NetworkPolicy from/to element in words; None is 'no from/to: everyone'."""
    if peer is None:
        return "any address"
    if "ipBlock" in peer:
        return f"ipBlock {(peer['ipBlock'] or {}).get('cidr')}"
    ns, pods = peer.get("namespaceSelector"), peer.get("podSelector")
    if ns is not None and pods is not None:
        return (f"pods {describe_selector(pods)} in namespaces {describe_selector(ns)}"
                .replace("pods {}", "every pod").replace("namespaces {}", "every namespace"))
    if ns is not None:
        return f"every pod in namespaces {describe_selector(ns)}".replace(
            "namespaces {}", "every namespace")
    return f"pods {describe_selector(pods)} of its own namespace".replace("pods {}", "every pod")


def admits(peer, selector_key, label):
    """Whether a NetworkPolicy peer lets in at least the pods (podSelector) or namespaces
    (namespaceSelector) labelled label: no peer, an empty selector or one requiring it."""
    if peer is None:
        return True
    if "ipBlock" in peer or selector_key not in peer:
        return False
    selector = peer[selector_key] or {}
    empty = not (selector.get("matchLabels") or selector.get("matchExpressions"))
    return empty or selector_requires(selector, *label)


def policy_types(policy):
    spec = policy.get("spec") or {}
    if spec.get("policyTypes"):
        return set(spec["policyTypes"])
    return {"Ingress"} | ({"Egress"} if spec.get("egress") else set())


class Checker:
    def __init__(self, binaries):
        self.binaries = binaries
        self.problems = []

    def problem(self, where, text):
        self.problems.append(f"{where}: {text}")

    # ---- one rendered kustomization ----
    def check_documents(self, label, docs, production=False):
        by_kind = {}
        for d in docs:
            by_kind.setdefault(d.get("kind"), []).append(d)
        self.config_maps = {d["metadata"]["name"]: d.get("data") or {}
                            for d in by_kind.get("ConfigMap", [])}
        self.production = production
        # id(pod template) -> {"serving": {port: (kind, tls)}, "metrics": {port}}, filled by
        # check_server for the Service and NetworkPolicy checks.
        self.roles = {}
        # id(pod template) -> (Binary, flags) of its server container, for check_scaling.
        self.servers = {}
        workloads = []
        for kind in WORKLOAD_KINDS:
            for d in by_kind.get(kind, []):
                pod = self.pod_template(d)
                workloads.append((d, pod))
                self.roles[id(pod)] = {"serving": {}, "metrics": set()}
                self.check_workload(f"{label}: {kind}/{d['metadata']['name']}", d, pod)
        self.check_services(label, by_kind.get("Service", []), workloads)
        self.check_pdbs(label, by_kind.get("PodDisruptionBudget", []), by_kind)
        self.check_hpas(label, by_kind.get("HorizontalPodAutoscaler", []), by_kind)
        self.check_network_policies(label, by_kind.get("NetworkPolicy", []), workloads)
        deployments = check_scaling.check_server_deployments(self, label, by_kind, self.servers)
        check_scaling.check_connections(self, label, by_kind, deployments, self.servers)
        if production:
            self.check_images_pinned(label, workloads)

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
            check_scaling.check_requests_within_limits(self, cwhere, c)
            binary = self.check_binary(cwhere, c)
            if binary is None:
                continue
            flags = self.check_flags(cwhere, c, binary)
            for flag in SECRET_FILE_FLAGS:
                if flags.get(flag):
                    self.check_secret_file(cwhere, c, pod_spec, flag, flags[flag])
            if binary.name in SERVER_BINARIES:
                self.servers[id(pod)] = (binary, flags)
                if d["kind"] != "Deployment":
                    self.problem(cwhere, f"{binary.name} should run in a Deployment")
                self.check_server(cwhere, c, pod_spec, binary, flags, self.roles[id(pod)])

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
            if name in ENV_FLAGS:
                flag = ENV_FLAGS[name]
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

    def check_server(self, where, c, pod_spec, binary, flags, roles):
        ports = {p.get("containerPort"): p.get("name") for p in c.get("ports") or []}

        http = binary.name in HTTP_SERVER_BINARIES
        kind = "HTTP" if http else "gRPC"
        listen_flag = "http_listen" if http else "listen"
        listen = self.flag_value(flags, binary, listen_flag) or ""
        host, listen_port = split_host_port(listen)
        if host in LOOPBACK_HOSTS:
            self.problem(where, f"listens on loopback ({listen}): probes and Services cannot "
                         "reach it; use 0.0.0.0 or [::]")
        if listen_port not in ports:
            self.problem(where, f"{kind} listen port {listen_port} "
                         f"(--{listen_flag}={listen}) is not a containerPort")
        tls = bool(flags.get("tls_cert_file"))
        roles["serving"][listen_port] = (kind, tls)
        metrics = self.flag_value(flags, binary, "metrics_listen")
        metrics_port = None
        if metrics:
            mhost, metrics_port = split_host_port(metrics)
            roles["metrics"].add(metrics_port)
            if mhost in LOOPBACK_HOSTS:
                self.problem(where, f"metrics on loopback ({metrics}) cannot be scraped")
            if metrics_port not in ports:
                self.problem(where, f"metrics port {metrics_port} (--metrics_listen={metrics}) "
                             "is not a containerPort")

        if tls and not flags.get("tls_key_file"):
            self.problem(where, "--tls_cert_file without --tls_key_file")
        if self.production:
            for flag in PRODUCTION_FLAGS:
                if not flags.get(flag):
                    self.problem(where, f"production needs --{flag} (MISC_{flag.upper()}), "
                                 "docs/deploying.md")

        if tls:
            # The kubelet's probes speak neither TLS nor mTLS: the plain-HTTP metrics listener
            # answers them.
            self.check_probes(where, c, ports, "httpGet", metrics_port, "metrics",
                              {"readinessProbe": "/readyz", "startupProbe": "/readyz",
                               "livenessProbe": "/healthz"},
                              because=f" (the {kind} port speaks TLS, which the kubelet's probes "
                                      "cannot)")
        elif http:
            self.check_probes(where, c, ports, "httpGet", listen_port, "HTTP listen",
                              {"readinessProbe": "/readyz", "startupProbe": "/readyz",
                               "livenessProbe": "/healthz"})
        else:
            self.check_probes(where, c, ports, "grpc", listen_port, "gRPC listen",
                              {"readinessProbe": "", "startupProbe": "",
                               "livenessProbe": "liveness"})

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
        self.check_url_flags(where, c)

    def check_url_flags(self, where, c):
        """The other database URLs hold passwords too: from a Secret, never an argument."""
        variables = {flag: name for name, flag in ENV_FLAGS.items()}
        argv = list((c.get("command") or [])[1:]) + list(c.get("args") or [])
        for flag in URL_FLAGS[1:]:
            variable = variables.get(flag, f"MISC_{flag.upper()}")
            if any(a.startswith(f"--{flag}=") or a == f"--{flag}" for a in argv):
                self.problem(where, f"--{flag} is an argument; take {variable} from a Secret")
            source = self.env.get(variable)
            if source is not None and source[1] != "Secret":
                self.problem(where, f"{variable} comes from {source[1]}, not a Secret (its "
                             "URLs carry passwords)")

    def check_probes(self, where, c, ports, handler_kind, want_port, port_name, expected,
                     because=""):
        """Each probe in expected uses handler_kind (httpGet or grpc) on want_port with the
        expected path (httpGet) or health name (grpc)."""
        if want_port is None:
            self.problem(where, f"no {port_name} port for the probes{because}")
            return
        for probe_name, target in expected.items():
            probe = c.get(probe_name)
            if not probe:
                self.problem(where, f"no {probe_name}")
                continue
            handler = probe.get(handler_kind)
            if handler is None:
                other = "a gRPC probe" if "grpc" in probe else "not an httpGet probe"
                if handler_kind == "httpGet" and because:
                    self.problem(where, f"{probe_name} is {other}: it must be httpGet {target} "
                                 f"on the {port_name} port {want_port}{because}")
                else:
                    self.problem(where, f"{probe_name} is not " +
                                 ("an httpGet probe" if handler_kind == "httpGet"
                                  else "a native gRPC probe"))
                continue
            port = handler.get("port")
            if port != want_port and port != ports.get(want_port):
                self.problem(where, f"{probe_name} port {port} is not the {port_name} port "
                             f"{want_port}{because}")
            if port not in ports and port not in ports.values():
                self.problem(where, f"{probe_name} port {port} is not a containerPort")
            if handler_kind == "httpGet":
                if (handler.get("scheme") or "HTTP") != "HTTP":
                    self.problem(where, f"{probe_name} scheme {handler.get('scheme')}: the "
                                 f"{port_name} port speaks plain HTTP")
                actual = handler.get("path") or "/"
                if actual != target:
                    self.problem(where, f"{probe_name} path {actual!r}, must be {target!r}")
            else:
                actual = handler.get("service") or ""
                if actual != target:
                    self.problem(where, f"{probe_name} checks health name {actual!r}, must be "
                                 f"{target!r}")

    def check_secret_file(self, where, c, pod_spec, flag, path):
        """The file named by --flag is on a Secret volume mounted as a directory."""
        volumes = {v.get("name"): v for v in pod_spec.get("volumes") or []}
        mounts = [m for m in c.get("volumeMounts") or []
                  if path.startswith(m.get("mountPath", "").rstrip("/") + "/")
                  or path == m.get("mountPath")]
        if not mounts:
            self.problem(where, f"{flag} {path} is not on a mounted Secret volume")
            return
        m = max(mounts, key=lambda m: len(m.get("mountPath", "")))
        volume = volumes.get(m.get("name")) or {}
        if "secret" not in volume:
            self.problem(where, f"{flag} {path} is not on a mounted Secret volume (volume "
                         f"{m.get('name')} is no Secret)")
            return
        if m.get("subPath") or m.get("subPathExpr"):
            self.problem(where, f"{flag} {path} is mounted with subPath, so an updated Secret "
                         "never reaches it; mount the Secret's directory")
        items = volume["secret"].get("items")
        relative = path[len(m.get("mountPath", "").rstrip("/")) + 1:]
        if items is not None and relative not in {i.get("path") for i in items}:
            self.problem(where, f"{flag} {path}: Secret volume {m.get('name')} projects only "
                         f"{sorted(i.get('path') for i in items)}")

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
                    matching = [cp for cp in cports
                                if cp.get("name") == target or cp.get("containerPort") == target]
                    if not matching:
                        self.problem(where, f"targetPort {target} is no container port of the "
                                     "selected pods")
                        continue
                    serving = self.roles.get(id(pod), {}).get("serving", {})
                    tls = serving.get(matching[0].get("containerPort"), (None, False))[1]
                    if tls and p.get("appProtocol") in CLEARTEXT_APP_PROTOCOLS:
                        self.problem(where, f"port {p.get('name') or p.get('port')} declares "
                                     f"appProtocol {p.get('appProtocol')}, but its target "
                                     "speaks TLS")
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


    def check_network_policies(self, label, policies, workloads):
        for np in policies:
            selector = (np.get("spec") or {}).get("podSelector")
            if not any(self.policy_selects(np, d, pod) for d, pod in workloads):
                self.problem(f"{label}: NetworkPolicy/{np['metadata']['name']}",
                             f"podSelector {describe_selector(selector)} selects no workload's "
                             "pods")
        for d, pod in workloads:
            where = f"{label}: {d['kind']}/{d['metadata']['name']}"
            selecting = [np for np in policies if self.policy_selects(np, d, pod)]
            if not selecting:
                self.problem(where, "no NetworkPolicy selects its pods: anything in the cluster "
                             "can reach them, and they can reach anything")
                continue
            roles = self.roles.get(id(pod), {"serving": {}, "metrics": set()})
            ingress = [np for np in selecting if "Ingress" in policy_types(np)]
            egress = [np for np in selecting if "Egress" in policy_types(np)]
            if not ingress:
                self.problem(where, "no NetworkPolicy restricts its ingress (policyTypes)")
            else:
                self.check_ingress(where, pod, roles, ingress)
            if not egress:
                self.problem(where, "no NetworkPolicy restricts its egress (policyTypes)")
            else:
                self.check_egress(where, egress)

    @staticmethod
    def policy_selects(np, d, pod):
        if (np.get("metadata") or {}).get("namespace") != d["metadata"].get("namespace"):
            return False
        labels = (pod.get("metadata") or {}).get("labels") or {}
        return label_selector_matches((np.get("spec") or {}).get("podSelector"), labels)

    def check_ingress(self, where, pod, roles, policies):
        """Each serving port only from callers, each metrics port only from monitoring, no
        other port at all; and callers and Prometheus really let in."""
        cports = [cp for c in (pod.get("spec") or {}).get("containers") or []
                  for cp in c.get("ports") or []]
        callers_in, monitoring_in = set(), set()
        for np in policies:
            npwhere = f"NetworkPolicy/{np['metadata']['name']}"
            for rule in (np.get("spec") or {}).get("ingress") or []:
                peers = rule.get("from") or [None]
                if not roles["serving"] and not roles["metrics"]:
                    self.problem(where, f"{npwhere} lets {describe_peer(peers[0])} in, but the "
                                 "pod serves nothing: it needs no ingress")
                    continue
                for port in sorted(self.rule_targets(where, npwhere, rule, cports)):
                    for peer in peers:
                        if admits(peer, "podSelector", CALLER_LABEL):
                            callers_in.add(port)
                        if admits(peer, "namespaceSelector", MONITORING_NAMESPACE):
                            monitoring_in.add(port)
                        self.check_ingress_peer(where, npwhere, roles, port, peer)
        caller = "=".join(CALLER_LABEL)
        for port, (kind, _) in sorted(roles["serving"].items(), key=lambda kv: str(kv[0])):
            if port not in callers_in:
                self.problem(where, f"pods labelled {caller} cannot reach the {kind} port "
                             f"{port}: no ingress rule allows them")
        for port in sorted(roles["metrics"], key=str):
            if port not in monitoring_in:
                self.problem(where, f"Prometheus (namespace {MONITORING_NAMESPACE[1]}) cannot "
                             f"reach the metrics port {port}: no ingress rule allows it")

    def rule_targets(self, where, npwhere, rule, cports):
        """The container ports an ingress rule opens (all of them when it names none)."""
        targets = set()
        for rp in rule.get("ports") or [None]:
            if rp is None:
                return {cp.get("containerPort") for cp in cports}
            port, proto, end = rp.get("port"), rp.get("protocol") or "TCP", rp.get("endPort")
            found = {cp.get("containerPort") for cp in cports
                     if (cp.get("protocol") or "TCP") == proto and
                     (port is None or port in (cp.get("containerPort"), cp.get("name")) or
                      (isinstance(port, int) and end and
                       port <= cp.get("containerPort") <= end))}
            if not found:
                self.problem(where, f"{npwhere} allows ingress to {proto} port {port}, which is "
                             "no container port")
            targets |= found
        return targets

    def check_ingress_peer(self, where, npwhere, roles, port, peer):
        if port in roles["serving"]:
            if not (peer and selector_requires(peer.get("podSelector"), *CALLER_LABEL)):
                self.problem(where, f"{npwhere} lets {describe_peer(peer)} reach the "
                             f"{roles['serving'][port][0]} port {port}; only pods labelled "
                             f"{'='.join(CALLER_LABEL)} may")
        elif port in roles["metrics"]:
            if not (peer and selector_requires(peer.get("namespaceSelector"),
                                               *MONITORING_NAMESPACE)):
                self.problem(where, f"{npwhere} lets {describe_peer(peer)} reach the metrics "
                             f"port {port}; only namespace {MONITORING_NAMESPACE[1]} may")
        else:
            self.problem(where, f"{npwhere} lets {describe_peer(peer)} reach port {port}, "
                         "which serves neither calls nor metrics")

    def check_egress(self, where, policies):
        allowed = set()
        for np in policies:
            npwhere = f"NetworkPolicy/{np['metadata']['name']}"
            for rule in (np.get("spec") or {}).get("egress") or []:
                rule_ports = rule.get("ports") or []
                if not rule_ports:
                    self.problem(where, f"{npwhere} allows egress to every port; only DNS (53) "
                                 "and PostgreSQL (TCP 5432) are needed")
                    continue
                if not rule.get("to") and any(rp.get("port") == 53 for rp in rule_ports):
                    self.problem(where, f"{npwhere} allows DNS (port 53) to any address; send "
                                 "it to the cluster's DNS only")
                for rp in rule_ports:
                    port, proto = rp.get("port"), rp.get("protocol") or "TCP"
                    if not isinstance(port, int):
                        self.problem(where, f"{npwhere} allows egress to {proto} port {port}; "
                                     "egress ports must be numbers (53, 5432)")
                        continue
                    end = rp.get("endPort") or port
                    # 53 and 5432 are no range: any range opens some other port.
                    if end != port or (proto, port) not in ALLOWED_EGRESS:
                        span = f"{port}-{end}" if end != port else f"{port}"
                        self.problem(where, f"{npwhere} allows egress to {proto} {span}; only "
                                     "DNS (53) and PostgreSQL (TCP 5432) are needed")
                        continue
                    allowed.add((proto, port))
        if ("UDP", 53) not in allowed:
            self.problem(where, "cannot resolve names: no egress to UDP 53 (DNS)")
        if ("TCP", 5432) not in allowed:
            self.problem(where, "cannot reach PostgreSQL: no egress to TCP 5432")

    def check_images_pinned(self, label, workloads):
        for d, pod in workloads:
            spec = pod.get("spec") or {}
            for c in list(spec.get("containers") or []) + list(spec.get("initContainers") or []):
                where = f"{label}: {d['kind']}/{d['metadata']['name']} container {c.get('name')}"
                image = c.get("image") or ""
                _, at, digest = image.partition("@")
                if not at:
                    self.problem(where, f"image {image} is not pinned by a digest (production "
                                 "needs <image>@sha256:<64 hex digits>)")
                elif not DIGEST_RE.fullmatch(digest):
                    self.problem(where, f"image {image}: digest {digest} is not "
                                 "sha256:<64 lowercase hex digits>")


def is_component(directory):
    """A kustomize Component renders only inside an overlay that lists it (which is checked)."""
    with open(os.path.join(directory, "kustomization.yaml")) as f:
        return (yaml.safe_load(f) or {}).get("kind") == "Component"


def kustomizations(path):
    if os.path.isfile(os.path.join(path, "kustomization.yaml")):
        return [path]
    found = []
    for root, dirs, files in os.walk(path):
        dirs.sort()
        if "kustomization.yaml" in files and not is_component(root):
            found.append(root)
    return found


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kubectl", default="kubectl")
    ap.add_argument("--binary", action="append", default=[], metavar="NAME=PATH")
    ap.add_argument("--expect", action="append", default=[], metavar="TEXT")
    ap.add_argument("--production", action="append", default=[], metavar="DIR",
                    help="a kustomization (or tree of them) that must also be fit for "
                    "production; checked like DIR")
    ap.add_argument("dirs", nargs="*")
    args = ap.parse_args()
    if not args.dirs and not args.production:
        ap.error("give at least one DIR or --production DIR")

    binaries = {}
    for b in args.binary:
        name, _, path = b.partition("=")
        binaries[name] = Binary(name, path)

    def find(d):
        found = kustomizations(d)
        if not found:
            raise SystemExit(f"check_k8s: no kustomization.yaml under {d}")
        return [os.path.realpath(f) for f in found]

    production = {f for d in args.production for f in find(d)}
    dirs = []
    for d in args.dirs + args.production:
        dirs += [f for f in find(d) if f not in dirs]

    checker = Checker(binaries)
    for d in dirs:
        label = os.path.relpath(d)
        out = subprocess.run([args.kubectl, "kustomize", d], capture_output=True, text=True)
        if out.returncode != 0:
            checker.problem(label, f"kubectl kustomize failed: {out.stderr.strip()}")
            continue
        docs = [doc for doc in yaml.safe_load_all(out.stdout) if doc]
        kind = " (production)" if d in production else ""
        print(f"rendered {label}{kind}: {len(docs)} objects")
        checker.check_documents(label, docs, production=d in production)

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
