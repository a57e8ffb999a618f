#!/usr/bin/env python3
"""Deterministic generator of a large Helm 3-style manifest stream for the
kof-route benchmarks (python3 standard library only).

    python3 benches/gen_stream.py --scale N --doc-size-scale S --out FILE

The stream looks like `helm template` output: every document is
`---\\n# Source: <chart>/templates/<file>.yaml\\n<body>`.  At scale 1 and
doc-size scale 1 it is >= 15 MB with >= 2,000 documents:

  * ConfigMaps with literal block strings (embedded multi-document YAML with
    indented `---` and `# Source:` lines, nginx configs, JSON dashboards,
    shell scripts),
  * CustomResourceDefinitions with deeply nested openAPIV3Schema trees,
  * Services and Deployments,
  * the documents kof-route patches, taken verbatim from the real render
    fixtures/kof-1.11/helm3/kof-collectors.yaml (--real-render): its four
    OpenTelemetryCollector v1beta1 resources (cluster-stats,
    controller-k0s-daemon, daemon, ta-daemon) and its OpenCost Deployment
    (`app.kubernetes.io/name: opencost`, env `PROMETHEUS_SERVER_ENDPOINT`).
    They come last / in the middle of the Deployments, as Helm orders them.

Two independent axes of growth, for the linearity measurements:

  --scale N           N copies of the whole document set (N x documents, same
                      document sizes); copy k > 0 gets the suffix `-rk` in its
                      names and the namespace `kof-rk` (so names stay unique),
                      e.g. 4 N collectors and N OpenCost Deployments.
  --doc-size-scale S  the same number of documents, each about S x larger
                      (S x CRD schema fields, ConfigMap lines, Deployment env
                      entries, Service ports, collector scrape configs).

Output depends only on the arguments and the real render: a fixed seed, our
own PRNG (splitmix64, independent of the Python version), no clock, no hash
randomisation.  Generated files belong under target/bench/ (gitignored).
"""

import argparse
import os
import re
import sys

SEED = 0x6B6F662D726F7574  # "kof-rout"
MASK = (1 << 64) - 1

# Documents per kind in one copy of the set (scale 1).
N_CONFIGMAPS = 640
N_CRDS = 260
N_SERVICES = 560
N_DEPLOYMENTS = 936  # plus the OpenCost Deployment
N_COLLECTORS = 4  # the real ones: cluster-stats, controller-k0s-daemon, daemon, ta-daemon
OPENCOST_AT = N_DEPLOYMENTS // 2  # position of OpenCost among the Deployments

MIN_BYTES_SCALE1 = 15_000_000
MIN_DOCS_SCALE1 = 2_000


class Rng:
    """splitmix64: tiny, fast enough and stable across Python versions."""

    __slots__ = ("s",)

    def __init__(self, *parts):
        s = SEED
        for p in parts:
            s = ((s ^ (p & MASK)) * 0x100000001B3 + 0x9E3779B97F4A7C15) & MASK
        self.s = s

    def next(self):
        self.s = (self.s + 0x9E3779B97F4A7C15) & MASK
        z = self.s
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def below(self, n):
        return self.next() % n

    def choice(self, seq):
        return seq[self.next() % len(seq)]

    def chance(self, percent):
        return self.next() % 100 < percent


WORDS = (
    "the of a to in is for that be by as on with are this when it from or an "
    "at if not which must can may will should field value resource object "
    "container pod node cluster namespace label selector annotation spec "
    "status condition type reason message time last transition observed "
    "generation replica replicas volume mount path port protocol service "
    "endpoint address host network policy ingress egress rule rules secret "
    "config map key data string integer boolean array list items name uid "
    "version kind api group scope storage class claim capacity request limit "
    "memory cpu ephemeral affinity toleration taint effect operator exists "
    "equal weight term topology zone region priority preemption scheduler "
    "probe liveness readiness startup http get tcp socket exec command args "
    "image pull always never present security context user fsgroup run as "
    "privileged capability add drop seccomp profile apparmor selinux option "
    "level role binding subject account token projected source target "
    "metrics retention shard shards replication factor vminsert vmselect "
    "vmstorage vlinsert vlselect collector exporter receiver processor "
    "pipeline batch queue retry timeout interval scrape relabel action regex "
    "replacement separator honor labels timestamps tls ca cert insecure skip "
    "verify authorization bearer credentials file basic auth password "
    "username tenant account project route regional management child "
    "specifies defaults optional required deprecated immutable defaulted "
    "references describes contains represents controls configures enables "
    "disables allows overrides following current desired actual minimum "
    "maximum number seconds duration format pattern length bytes quantity"
).split()

IDENT_PARTS = (
    "alpha beta gamma delta host port path mode class policy config template "
    "selector rule target source sink buffer cache shard replica volume "
    "claim secret token tenant route scrape remote write read query limit "
    "request timeout retry backoff window ratio weight budget quota storage "
    "index stream queue worker pool cert issuer vault bucket region zone "
    "node taint affinity probe handler hook filter match action strategy"
).split()



def sentence(rng, n):
    words = [WORDS[rng.next() % len(WORDS)] for _ in range(n)]
    words[0] = words[0].capitalize()
    return " ".join(words) + "."


def ident(rng, parts=None):
    k = 1 + rng.below(3)
    p = [IDENT_PARTS[rng.next() % len(IDENT_PARTS)] for _ in range(k)]
    return p[0] + "".join(x.capitalize() for x in p[1:])


def wrap(text, width):
    out, cur = [], ""
    for w in text.split(" "):
        if cur and len(cur) + 1 + len(w) > width:
            out.append(cur)
            cur = w
        else:
            cur = w if not cur else cur + " " + w
    if cur:
        out.append(cur)
    return out


def hexdigest(rng, n=64):
    s = ""
    while len(s) < n:
        s += "%016x" % rng.next()
    return s[:n]


def source(path):
    return "# Source: " + path + "\n"


# --------------------------------------------------------------------------
# CustomResourceDefinitions: deep openAPIV3Schema trees
# --------------------------------------------------------------------------

QUANTITY_PATTERN = (
    r"^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]"
    r"|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$"
)
DNS_PATTERN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"


def schema_leaf(out, pad, rng):
    k = rng.below(12)
    if k <= 2:
        if rng.chance(30):
            out.append(pad + "enum:")
            for v in sorted({ident(rng).capitalize() for _ in range(2 + rng.below(4))}):
                out.append(pad + "- " + v)
        elif rng.chance(30):
            out.append(pad + "pattern: " + DNS_PATTERN)
            out.append(pad + "maxLength: 253")
        elif rng.chance(20):
            out.append(pad + "format: date-time")
        out.append(pad + "type: string")
    elif k <= 4:
        out.append(pad + "format: int" + ("32" if rng.chance(60) else "64"))
        if rng.chance(50):
            out.append(pad + "minimum: 0")
        out.append(pad + "type: integer")
    elif k == 5:
        out.append(pad + "type: boolean")
    elif k <= 7:
        out.append(pad + "items:")
        if rng.chance(50):
            out.append(pad + "  type: string")
        else:
            out.append(pad + "  properties:")
            for nm in sorted({ident(rng) for _ in range(2 + rng.below(2))}):
                out.append(pad + "    " + nm + ":")
                out.append(pad + "      description: " + sentence(rng, 3 + rng.below(8)))
                out.append(pad + "      type: string")
            out.append(pad + "  type: object")
        out.append(pad + "type: array")
        if rng.chance(30):
            out.append(pad + "x-kubernetes-list-type: atomic")
    elif k == 8:
        out.append(pad + "anyOf:")
        out.append(pad + "- type: integer")
        out.append(pad + "- type: string")
        out.append(pad + "pattern: " + QUANTITY_PATTERN)
        out.append(pad + "x-kubernetes-int-or-string: true")
    elif k == 9:
        out.append(pad + "additionalProperties:")
        out.append(pad + "  type: string")
        out.append(pad + "type: object")
    elif k == 10:
        out.append(pad + "default: " + ident(rng))
        out.append(pad + "type: string")
    else:
        out.append(pad + "type: object")
        out.append(pad + "x-kubernetes-preserve-unknown-fields: true")


def schema_node(out, ind, depth, rng, budget):
    pad = " " * ind
    n = 4 + rng.below(30)
    desc = sentence(rng, n)
    if n > 14:
        out.append(pad + "description: |-")
        inner = pad + "  "
        for ln in wrap(desc, 80):
            out.append(inner + ln)
        if rng.chance(10):
            # godoc separators survive into controller-gen descriptions
            out.append(inner + "---")
            out.append(inner + "Deprecated: " + sentence(rng, 6))
    else:
        out.append(pad + "description: " + desc)
    budget[0] -= 1
    if depth < 12 and budget[0] > 0 and rng.chance(max(0, 60 - 5 * depth)):
        names = sorted({ident(rng) for _ in range(2 + rng.below(3))})
        out.append(pad + "properties:")
        for nm in names:
            out.append(pad + "  " + nm + ":")
            schema_node(out, ind + 4, depth + 1, rng, budget)
        if rng.chance(35):
            out.append(pad + "required:")
            for nm in names[: 1 + rng.below(len(names))]:
                out.append(pad + "- " + nm)
        out.append(pad + "type: object")
    else:
        schema_leaf(out, pad, rng)


CRD_FIELDS = 6  # top-level spec fields per CRD at doc-size scale 1


def crd_doc(i, S):
    rng = Rng(1, i)
    word = IDENT_PARTS[i % len(IDENT_PARTS)]
    kind = "Bench" + word.capitalize() + str(i)
    plural = "bench" + word + str(i) + "s"
    group = "g%d@R@.bench.k0rdent.io" % i
    o = [
        "apiVersion: apiextensions.k8s.io/v1",
        "kind: CustomResourceDefinition",
        "metadata:",
        "  annotations:",
        "    controller-gen.kubebuilder.io/version: v0.16.1",
        "    helm.sh/resource-policy: keep",
        "  labels:",
        "    app.kubernetes.io/managed-by: Helm",
        "    app.kubernetes.io/part-of: kof-bench",
        "  name: %s.%s" % (plural, group),
        "spec:",
        "  group: " + group,
        "  names:",
        "    categories:",
        "    - kof",
        "    kind: " + kind,
        "    listKind: " + kind + "List",
        "    plural: " + plural,
        "    shortNames:",
        "    - b%s%d" % (word[:3], i),
        "    singular: bench" + word + str(i),
        "  scope: Namespaced",
        "  versions:",
        "  - additionalPrinterColumns:",
        "    - jsonPath: .status.phase",
        "      name: Status",
        "      type: string",
        "    - jsonPath: .metadata.creationTimestamp",
        "      name: Age",
        "      type: date",
        "    name: v1beta1",
        "    schema:",
        "      openAPIV3Schema:",
        "        description: %s is the Schema for the %s API." % (kind, plural),
        "        properties:",
        "          apiVersion:",
        "            description: |-",
        "              APIVersion defines the versioned schema of this representation of an object.",
        "              Servers should convert recognized schemas to the latest internal value, and",
        "              may reject unrecognized values.",
        "              More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources",
        "            type: string",
        "          kind:",
        "            description: |-",
        "              Kind is a string value representing the REST resource this object represents.",
        "              Servers may infer this from the endpoint the client submits requests to.",
        "              Cannot be updated.",
        "              In CamelCase.",
        "              More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds",
        "            type: string",
        "          metadata:",
        "            type: object",
        "          spec:",
        "            description: %sSpec defines the desired state of %s." % (kind, kind),
        "            properties:",
    ]
    names = []
    seen = set()
    while len(names) < CRD_FIELDS * S:
        nm = ident(rng) + ("" if len(names) < 40 else str(len(names)))
        if nm not in seen:
            seen.add(nm)
            names.append(nm)
    names.sort()
    for nm in names:
        o.append("              " + nm + ":")
        schema_node(o, 16, 0, rng, [25])
    o += [
        "            type: object",
        "          status:",
        "            description: %sStatus defines the observed state of %s." % (kind, kind),
        "            properties:",
        "              conditions:",
        "                items:",
        "                  description: Condition contains details for one aspect of the current state of this API Resource.",
        "                  properties:",
        "                    lastTransitionTime:",
        "                      format: date-time",
        "                      type: string",
        "                    message:",
        "                      maxLength: 32768",
        "                      type: string",
        "                    observedGeneration:",
        "                      format: int64",
        "                      minimum: 0",
        "                      type: integer",
        "                    reason:",
        "                      maxLength: 1024",
        "                      minLength: 1",
        "                      pattern: ^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$",
        "                      type: string",
        "                    status:",
        "                      enum:",
        "                      - \"True\"",
        "                      - \"False\"",
        "                      - Unknown",
        "                      type: string",
        "                    type:",
        "                      maxLength: 316",
        "                      type: string",
        "                  required:",
        "                  - lastTransitionTime",
        "                  - message",
        "                  - reason",
        "                  - status",
        "                  - type",
        "                  type: object",
        "                type: array",
        "                x-kubernetes-list-map-keys:",
        "                - type",
        "                x-kubernetes-list-type: map",
        "              phase:",
        "                type: string",
        "            type: object",
        "        type: object",
        "    served: true",
        "    storage: true",
        "    subresources:",
        "      status: {}",
    ]
    return "kof-bench/crds/%s.yaml" % plural, "\n".join(o) + "\n"


# --------------------------------------------------------------------------
# ConfigMaps with block strings
# --------------------------------------------------------------------------

CM_UNITS = 9  # repeated units of block-string content at doc-size scale 1

COLLECTOR_DECOY = """\
    # An OpenTelemetryCollector kept as text: it must not be patched.
    ---
    apiVersion: opentelemetry.io/v1beta1
    kind: OpenTelemetryCollector
    metadata:
      name: kof-collectors-daemon
    spec:
      config:
        exporters:
          prometheusremotewrite:
            endpoint: http://vminsert-cluster:8480/insert/0/prometheus/api/v1/write
    ...
"""


def cm_meta(name, flavour):
    return [
        "apiVersion: v1",
        "kind: ConfigMap",
        "metadata:",
        "  name: " + name,
        "  namespace: @NS@",
        "  labels:",
        "    helm.sh/chart: kof-bench-1.11.0",
        "    app.kubernetes.io/name: " + flavour,
        "    app.kubernetes.io/instance: kof-bench",
        "    app.kubernetes.io/managed-by: Helm",
        "data:",
    ]


def cm_rules(i, S, rng):
    o = cm_meta("bench-rules-%d@R@" % i, "bench-rules")
    o.append("  rules.yaml: |")
    o.append("    # Source: kof-bench/templates/rules/group-%d.yaml" % i)
    for u in range(CM_UNITS * S):
        o.append("    ---")
        o.append("    groups:")
        o.append("    - name: group-%d-%d" % (i, u))
        o.append("      interval: %ds" % (15 * (1 + rng.below(4))))
        o.append("      rules:")
        for r in range(2):
            metric = ident(rng)
            o.append("      - alert: %sHigh%d" % (metric.capitalize(), r))
            o.append("        expr: sum(rate(%s_total{namespace=\"kof\",pod=~\"%s-.*\"}[5m])) by (pod, cluster) > %d"
                     % (metric, ident(rng).lower(), 1 + rng.below(100)))
            o.append("        for: %dm" % (1 + rng.below(15)))
            o.append("        labels:")
            o.append("          severity: " + rng.choice(["warning", "critical", "info"]))
            o.append("        annotations:")
            o.append("          summary: \"%s on {{ $labels.pod }}\"" % sentence(rng, 5)[:-1])
            o.append("          description: |")
            o.append("            " + sentence(rng, 12))
            o.append("            Value: {{ $value | humanize }} # not a comment inside a block")
    if i % 64 == 7:
        o.append(COLLECTOR_DECOY.rstrip("\n"))
    o.append("  alerts.yaml: |-")
    o.append("    ---")
    o.append("    # Source: kof-bench/templates/alerts.yaml")
    o.append("    ...")
    o.append("    ---")
    o.append("    receivers: []")
    return o


def cm_nginx(i, S, rng):
    o = cm_meta("bench-nginx-%d@R@" % i, "bench-nginx")
    o.append("  default.conf: |")
    o.append("    # generated for bench-nginx-%d" % i)
    for u in range(CM_UNITS * S):
        up = ident(rng).lower()
        o.append("    upstream %s-%d {" % (up, u))
        o.append("        server %s.kof.svc.cluster.local:%d;" % (up, 8000 + rng.below(2000)))
        o.append("        keepalive 32;")
        o.append("    }")
        o.append("    server {")
        o.append("        listen %d;" % (9000 + u))
        o.append("        location /%s/ {" % up)
        o.append("            proxy_pass http://%s-%d;" % (up, u))
        o.append("            proxy_set_header Host $host;")
        o.append("            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;")
        o.append("            proxy_read_timeout %ds;" % (30 + rng.below(300)))
        o.append("            add_header X-Bench \"---\";")
        o.append("        }")
        o.append("        # ---")
        o.append("    }")
    return o


def cm_dashboard(i, S, rng):
    o = cm_meta("bench-dashboard-%d@R@" % i, "bench-dashboard")
    o.append("  dashboard.json: |-")
    o.append("    {")
    o.append("      \"title\": \"Bench dashboard %d\", \"uid\": \"%s\", \"panels\": [" % (i, hexdigest(rng, 12)))
    n = CM_UNITS * S * 2
    for u in range(n):
        m = ident(rng)
        o.append(("        {\"id\": %d, \"type\": \"timeseries\", \"title\": \"%s\", \"gridPos\": {\"h\": 8, \"w\": 12, \"x\": %d, \"y\": %d}, "
                  "\"targets\": [{\"expr\": \"sum by (cluster, namespace) (rate(%s_seconds_total{cluster=~\\\"$cluster\\\"}[$__rate_interval]))\", "
                  "\"legendFormat\": \"{{cluster}} --- {{namespace}}\", \"refId\": \"A\"}]}%s")
                 % (u, sentence(rng, 4)[:-1], 12 * (u % 2), 8 * (u // 2), m, "," if u + 1 < n else ""))
    o.append("      ]")
    o.append("    }")
    return o


def cm_script(i, S, rng):
    o = cm_meta("bench-script-%d@R@" % i, "bench-script")
    o.append("  entrypoint.sh: |")
    o.append("    #!/bin/sh")
    o.append("    set -eu")
    for u in range(CM_UNITS * S):
        f = ident(rng).lower()
        o.append("    cat > /tmp/%s-%d.yaml <<'EOF'" % (f, u))
        o.append("    ---")
        o.append("    # Source: kof-bench/templates/%s.yaml" % f)
        o.append("    apiVersion: v1")
        o.append("    kind: ConfigMap")
        o.append("    metadata:")
        o.append("      name: %s-%d" % (f, u))
        o.append("    data:")
        o.append("      key: \"%s\"" % sentence(rng, 6)[:-1])
        o.append("    ...")
        o.append("    EOF")
        o.append("    echo \"--- applying %s-%d ---\"" % (f, u))
        o.append("    kubectl apply -f /tmp/%s-%d.yaml --server-side --field-manager=kof-bench" % (f, u))
    o.append("    echo done")
    o.append("  config.env: |-")
    o.append("    CLUSTER=mothership")
    o.append("    ENDPOINT=http://vminsert-cluster:8480/insert/0/prometheus/api/v1/write")
    return o


CM_FLAVOURS = [cm_rules, cm_nginx, cm_dashboard, cm_script]


def configmap_doc(i, S):
    rng = Rng(2, i)
    f = CM_FLAVOURS[i % len(CM_FLAVOURS)]
    o = f(i, S, rng)
    return "kof-bench/templates/configmaps/%s-%d.yaml" % (f.__name__[3:], i), "\n".join(o) + "\n"


# --------------------------------------------------------------------------
# Services and Deployments
# --------------------------------------------------------------------------

def service_doc(i, S):
    rng = Rng(3, i)
    name = "bench-app-%d" % i
    o = [
        "apiVersion: v1",
        "kind: Service",
        "metadata:",
        "  name: %s@R@" % name,
        "  namespace: @NS@",
        "  labels:",
        "    helm.sh/chart: kof-bench-1.11.0",
        "    app.kubernetes.io/name: " + name,
        "    app.kubernetes.io/instance: kof-bench",
        "    app.kubernetes.io/managed-by: Helm",
        "spec:",
        "  type: " + rng.choice(["ClusterIP", "ClusterIP", "ClusterIP", "NodePort"]),
        "  ports:",
    ]
    for p in range(2 * S):
        o.append("    - name: %s-%d" % (rng.choice(["http", "grpc", "metrics", "admin"]), p))
        o.append("      port: %d" % (8000 + p))
        o.append("      targetPort: %d" % (8000 + p))
        o.append("      protocol: TCP")
    o += [
        "  selector:",
        "    app.kubernetes.io/name: " + name,
        "    app.kubernetes.io/instance: kof-bench",
    ]
    return "kof-bench/templates/services/%s.yaml" % name, "\n".join(o) + "\n"


ENV_BASE = 12  # env entries of the main container at doc-size scale 1


def deployment_doc(i, S):
    rng = Rng(4, i)
    name = "bench-app-%d" % i
    img = IDENT_PARTS[i % len(IDENT_PARTS)]
    o = [
        "apiVersion: apps/v1",
        "kind: Deployment",
        "metadata:",
        "  name: %s@R@" % name,
        "  namespace: @NS@",
        "  labels:",
        "    helm.sh/chart: kof-bench-1.11.0",
        "    app.kubernetes.io/name: " + name,
        "    app.kubernetes.io/instance: kof-bench",
        "    app.kubernetes.io/version: \"1.%d.%d\"" % (i % 30, i % 7),
        "    app.kubernetes.io/part-of: kof",
        "    app.kubernetes.io/managed-by: Helm",
        "  annotations:",
        "    checksum/config: " + hexdigest(rng),
        "spec:",
        "  replicas: %d" % (1 + rng.below(3)),
        "  revisionHistoryLimit: 10",
        "  selector:",
        "    matchLabels:",
        "      app.kubernetes.io/name: " + name,
        "      app.kubernetes.io/instance: kof-bench",
        "  strategy:",
        "    rollingUpdate:",
        "      maxSurge: 25%",
        "      maxUnavailable: 25%",
        "    type: RollingUpdate",
        "  template:",
        "    metadata:",
        "      annotations:",
        "        kubectl.kubernetes.io/default-container: app",
        "        prometheus.io/scrape: \"true\"",
        "        prometheus.io/port: \"8080\"",
        "      labels:",
        "        app.kubernetes.io/name: " + name,
        "        app.kubernetes.io/instance: kof-bench",
        "    spec:",
        "      serviceAccountName: " + name,
        "      securityContext:",
        "        fsGroup: 65534",
        "        runAsNonRoot: true",
        "        runAsUser: 65534",
        "      containers:",
        "        - name: app",
        "          image: ghcr.io/k0rdent/bench-%s:v1.%d.%d" % (img, i % 30, i % 7),
        "          imagePullPolicy: IfNotPresent",
        "          args:",
        "            - --config=/etc/app/config.yaml",
        "            - --log-level=" + rng.choice(["info", "debug", "warn"]),
        "            - --metrics-addr=:8080",
        "          ports:",
        "            - containerPort: 8080",
        "              name: http",
        "              protocol: TCP",
        "          env:",
    ]
    for e in range(ENV_BASE * S):
        k = ident(rng).upper() + "_%d" % e
        if rng.chance(25):
            o.append("            - name: " + k)
            o.append("              valueFrom:")
            o.append("                secretKeyRef:")
            o.append("                  name: %s-secret" % name)
            o.append("                  key: " + ident(rng).lower())
        elif rng.chance(15):
            o.append("            - name: " + k)
            o.append("              value: \"http://vmselect-cluster:8481/select/0/prometheus\"")
        else:
            o.append("            - name: " + k)
            o.append("              value: \"%s\"" % ident(rng))
    o += [
        "          resources:",
        "            limits:",
        "              memory: %dMi" % (128 * (1 + rng.below(8))),
        "            requests:",
        "              cpu: %dm" % (10 * (1 + rng.below(20))),
        "              memory: %dMi" % (64 * (1 + rng.below(4))),
        "          livenessProbe:",
        "            httpGet:",
        "              path: /healthz",
        "              port: http",
        "            initialDelaySeconds: 10",
        "            periodSeconds: 20",
        "          readinessProbe:",
        "            httpGet:",
        "              path: /readyz",
        "              port: http",
        "            periodSeconds: 10",
        "          securityContext:",
        "            allowPrivilegeEscalation: false",
        "            capabilities:",
        "              drop:",
        "                - ALL",
        "            readOnlyRootFilesystem: true",
        "          volumeMounts:",
        "            - name: config",
        "              mountPath: /etc/app",
        "              readOnly: true",
        "        - name: config-reloader",
        "          image: ghcr.io/k0rdent/config-reloader:v0.15.0",
        "          args:",
        "            - --watched-dir=/etc/app",
        "            - --reload-url=http://127.0.0.1:8080/-/reload",
        "          resources:",
        "            requests:",
        "              cpu: 5m",
        "              memory: 16Mi",
        "          volumeMounts:",
        "            - name: config",
        "              mountPath: /etc/app",
        "              readOnly: true",
        "      volumes:",
        "        - name: config",
        "          configMap:",
        "            name: bench-nginx-%d@R@" % ((i % (N_CONFIGMAPS // 4)) * 4 + 1),
        "      tolerations:",
        "        - effect: NoSchedule",
        "          key: node-role.kubernetes.io/control-plane",
        "          operator: Exists",
    ]
    return "kof-bench/templates/deployments/%s.yaml" % name, "\n".join(o) + "\n"


# --------------------------------------------------------------------------
# The documents kof-route must patch: the real OpenTelemetryCollectors and
# OpenCost Deployment of the kof-collectors 1.11 render, taken verbatim from
# fixtures/kof-1.11/helm3/kof-collectors.yaml (only `namespace: kof` becomes
# the copy's namespace).  With --doc-size-scale S each one grows to about
# S times its size: extra Prometheus scrape jobs in the collectors, extra env
# entries in OpenCost.
# --------------------------------------------------------------------------

REAL_RENDER = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir,
                           "fixtures", "kof-1.11", "helm3", "kof-collectors.yaml")

SCRAPE_JOB = """\
          - authorization:
              credentials_file: /var/run/secrets/kubernetes.io/serviceaccount/token
              type: Bearer
            follow_redirects: false
            honor_labels: false
            honor_timestamps: false
            job_name: bench-extra-@N@
            relabel_configs:
            - action: replace
              regex: (.*)
              replacement: ${env:OTEL_K8S_NODE_IP}:@PORT@
              separator: ;
              target_label: instance
            scheme: https
            scrape_interval: 5s
            scrape_timeout: 4s
            static_configs:
            - targets:
              - 127.0.0.1:@PORT@
            tls_config:
              insecure_skip_verify: true
"""
SCRAPE_ANCHOR = "\n          scrape_configs:\n"

OPENCOST_ENV = "            - name: BENCH_EXTRA_@N@\n              value: \"@N@\"\n"
OPENCOST_ANCHOR = "            # Add any additional provided variables\n"


def real_documents(path):
    """(source, body) of the OpenTelemetryCollectors and of the OpenCost
    Deployment in a real Helm 3 render, in stream order."""
    with open(path, "r", encoding="ascii") as f:
        text = f.read()
    collectors, opencost = [], []
    for doc in re.split(r"(?m)^---[ \t]*\n", text):
        if not doc.startswith("# Source: "):
            continue
        src, body = doc.split("\n", 1)
        src = src[len("# Source: "):]
        body = body if body.endswith("\n") else body + "\n"
        body = body.replace("\n  namespace: kof\n", "\n  namespace: @NS@\n", 1)
        if "\nkind: OpenTelemetryCollector\n" in "\n" + body:
            collectors.append((src, body))
        elif ("\nkind: Deployment\n" in "\n" + body and "\n    app.kubernetes.io/name: opencost\n" in body
              and "PROMETHEUS_SERVER_ENDPOINT" in body):
            opencost.append((src, body))
    if len(collectors) != 4 or len(opencost) != 1:
        raise SystemExit("gen_stream: %s: expected 4 OpenTelemetryCollectors and 1 OpenCost "
                         "Deployment, found %d and %d" % (path, len(collectors), len(opencost)))
    return collectors, opencost[0]


def grow(body, anchor, unit, S, what):
    """Insert about (S - 1) x len(body) bytes of `unit` copies after anchor."""
    if S == 1:
        return body
    at = body.find(anchor)
    if at < 0:
        raise SystemExit("gen_stream: no %r in a real %s" % (anchor.strip(), what))
    at += len(anchor)
    n = (S - 1) * max(1, round(len(body) / len(unit)))
    extra = "".join(unit.replace("@N@", str(j)).replace("@PORT@", str(20000 + j % 10000))
                    for j in range(n))
    return body[:at] + extra + body[at:]


def patched_documents(S, path):
    collectors, (oc_src, oc_body) = real_documents(path)
    colls = [(src, grow(body, SCRAPE_ANCHOR, SCRAPE_JOB, S, "collector")) for src, body in collectors]
    opencost = (oc_src, grow(oc_body, OPENCOST_ANCHOR, OPENCOST_ENV, S, "OpenCost Deployment"))
    return colls, opencost

# --------------------------------------------------------------------------
# Stream assembly
# --------------------------------------------------------------------------

def base_documents(S, real_render=REAL_RENDER):
    """One copy of the document set, in Helm's install order (ConfigMap,
    CustomResourceDefinition, Service, Deployment, then unknown kinds such as
    OpenTelemetryCollector last).  Names carry @R@ / @NS@ placeholders."""
    groups = []
    groups.append([configmap_doc(i, S) for i in range(N_CONFIGMAPS)])
    groups.append([crd_doc(i, S) for i in range(N_CRDS)])
    groups.append([service_doc(i, S) for i in range(N_SERVICES)])
    deps = [deployment_doc(i, S) for i in range(N_DEPLOYMENTS)]
    collectors, opencost = patched_documents(S, real_render)
    deps.insert(OPENCOST_AT, opencost)
    groups.append(deps)
    groups.append(collectors)
    return groups


def generate(scale, doc_size_scale, out, real_render=REAL_RENDER):
    groups = base_documents(doc_size_scale, real_render)
    n_docs = 0
    n_bytes = 0
    buf = []
    buf_len = 0
    # kind-major like Helm's sort: all ConfigMaps of all copies first, ...
    for docs in groups:
        for r in range(scale):
            suffix = "" if r == 0 else "-r%d" % r
            ns = "kof" if r == 0 else "kof-r%d" % r
            for src, body in docs:
                text = "---\n" + source(src) + body.replace("@R@", suffix).replace("@NS@", ns)
                buf.append(text)
                buf_len += len(text)
                n_docs += 1
                if buf_len > (1 << 22):
                    chunk = "".join(buf).encode("ascii")
                    out.write(chunk)
                    n_bytes += len(chunk)
                    buf, buf_len = [], 0
    chunk = "".join(buf).encode("ascii")
    out.write(chunk)
    n_bytes += len(chunk)
    return n_docs, n_bytes


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", type=int, default=1,
                    help="multiply the number of documents (default 1)")
    ap.add_argument("--doc-size-scale", type=int, default=1,
                    help="multiply the size of each document (default 1)")
    ap.add_argument("--out", default="-", help="output file (default stdout)")
    ap.add_argument("--real-render", default=REAL_RENDER, metavar="FILE",
                    help="Helm 3 render to take the OpenTelemetryCollectors and the OpenCost "
                         "Deployment from (default: fixtures/kof-1.11/helm3/kof-collectors.yaml)")
    ap.add_argument("--quiet", action="store_true")
    a = ap.parse_args(argv)
    if a.scale < 1 or a.doc_size_scale < 1:
        ap.error("--scale and --doc-size-scale must be >= 1")
    if a.out == "-":
        n_docs, n_bytes = generate(a.scale, a.doc_size_scale, sys.stdout.buffer, a.real_render)
        sys.stdout.buffer.flush()
    else:
        with open(a.out, "wb") as f:
            n_docs, n_bytes = generate(a.scale, a.doc_size_scale, f, a.real_render)
    n_coll = N_COLLECTORS * a.scale
    if not a.quiet:
        print("gen_stream: scale=%d doc-size-scale=%d: %d documents, %d bytes "
              "(%.1f MB), %d OpenTelemetryCollectors, %d OpenCost Deployments"
              % (a.scale, a.doc_size_scale, n_docs, n_bytes, n_bytes / 1e6,
                 n_coll, a.scale), file=sys.stderr)
    if n_bytes < MIN_BYTES_SCALE1 or n_docs < MIN_DOCS_SCALE1:
        print("gen_stream: stream below the 15 MB / 2,000 documents minimum",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
