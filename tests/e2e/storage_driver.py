#!/usr/bin/env python3
"""End-to-end proof that routed data lands (issue 26), driven by tests/storage_e2e.rs.

Starts real storage parts from Debian's victoria-metrics package on loopback:
* the regional cluster: vmauth configured as KOF's operator writes the VMUser
  (kof-operator/internal/controller/vmuser/victoriametrics_user.go: one user
  with basic auth, `url_map` for /vm/insert, /vm/select, /vli, /vlai, /vls,
  /vlas, /vti, /vts, each `drop_src_path_prefix_parts: 1`), once with TLS from
  a test CA (route `regional`) and once plain (route `regional-istio`);
  behind it vmagent standing for vminsert and single-node VictoriaMetrics
  standing for vmselect and storage, and an OTLP sink standing for
  VictoriaLogs and VictoriaTraces (Debian packages neither);
* the management cluster's own storage (route `mothership`): another vmagent
  and VictoriaMetrics on the in-cluster paths, and the same sink.
The packaged vmauth (1.79) lacks `drop_src_path_prefix_parts` (vmauth 1.79
appends the whole request path to `url_prefix`), so each backend serves
under `-http.pathPrefix` the prefix vmauth keeps: vmagent under
`/vm/insert/0/prometheus` (what KOF's vminsert serves as
`/insert/0/prometheus`), VictoriaMetrics under `/vm/select/0` (KOF's
vmselect `/select/0`); the sink drops the first path part itself.

Then, per case (chart version x dialect x route), it routes the real render
with kof-route, and for every routed collector sends what its exporters
would send, in their wire formats (Prometheus remote write: snappy-framed
protobuf; OTLP/HTTP: protobuf), to the routed URLs, with the routed auth,
headers, TLS settings and env values (Secret refs resolved from the test's
Secrets; host names resolved to loopback here, not in /etc/hosts). The
resource attributes come from otel_model.py. It asserts what lands.
Usage: storage_driver.py KOF_ROUTE REPO_ROOT WORKDIR CASE...  (CASE = VERSION/DIALECT/ROUTE)
"""
import base64
import http.client
import http.server
import json
import os
import secrets
import socket
import ssl
import struct
import subprocess
import sys
import threading
import time
import urllib.parse

import cramjam
import yaml
from opentelemetry.proto.collector.logs.v1 import logs_service_pb2
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import otel_model  # noqa: E402

USER = "mgmt-user"
PASSWORD = secrets.token_hex(12)
DOMAIN = "kof.test"
REGIONAL = "regional-1"
CREDS_SECRET = "kof-vmuser-creds-admin-2020280665"  # adler32("kof-regional-1/kcm-system")
CA_SECRET = "kof-e2e-ca"
# The management cluster's own storage credentials, which the chart's OpenCost reads.
LOCAL_SECRET = "storage-vmuser-credentials"
# KOF's url_map paths, in the operator's order (victoriametrics_user.go, buildTargetRefs).
KOF_PATHS = ["/vlas/.*", "/vlai/.*", "/vls/.*", "/vli/.*", "/vm/select/.*", "/vm/insert/.*", "/vts/.*", "/vti/.*"]
# The management cluster's in-cluster storage hosts, as kof-collectors renders them.
IN_CLUSTER = {
    ("vminsert-cluster", 8480): "agent2",
    ("vmselect-cluster", 8481): "vm2",
    ("kof-storage-victoria-logs-cluster-vlinsert", 9481): "sink",
    ("vlinsert-audit-logs", 9481): "sink",
    ("kof-storage-vt-cluster-vtinsert", 10481): "sink",
}


def fail(message):
    raise AssertionError(message)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Stack:
    """The processes, their ports, and what host names resolve to."""

    def __init__(self, work):
        self.work, self.procs, self.ports = work, [], {}

    def start(self, name, argv):
        port = free_port()
        log = open(os.path.join(self.work, name + ".log"), "w")
        argv = [a.replace("{port}", str(port)) for a in argv]
        self.procs.append((name, subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)))
        self.ports[name] = port
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                return port
            except OSError:
                time.sleep(0.05)
        fail(f"{name} did not listen on {port}; see {log.name}")

    def stop(self):
        for _, proc in self.procs:
            proc.terminate()
        for _, proc in self.procs:
            proc.wait(10)


class Sink(http.server.ThreadingHTTPServer):
    """An OTLP/HTTP receiver that records every request (path, auth, decoded body)."""

    def __init__(self):
        self.records, self.lock = [], threading.Lock()
        super().__init__(("127.0.0.1", 0), SinkHandler)


class SinkHandler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        path = self.path.split("?")[0]
        if path.endswith("/v1/logs"):
            message = logs_service_pb2.ExportLogsServiceRequest.FromString(body)
            resources = [r.resource for r in message.resource_logs]
            marks = [lr.body.string_value for r in message.resource_logs for s in r.scope_logs for lr in s.log_records]
        else:
            message = trace_service_pb2.ExportTraceServiceRequest.FromString(body)
            resources = [r.resource for r in message.resource_spans]
            marks = [sp.name for r in message.resource_spans for s in r.scope_spans for sp in s.spans]
        attrs = [{kv.key: kv.value.string_value for kv in r.attributes} for r in resources]
        with self.server.lock:
            self.server.records.append({
                "path": path, "auth": self.headers.get("Authorization"),
                "type": self.headers.get("Content-Type"), "attrs": attrs, "marks": marks,
            })
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def make_certs(work):
    """A test CA and a server certificate for vmauth.DOMAIN (openssl)."""
    run = lambda *a: subprocess.run(a, cwd=work, check=True, capture_output=True)  # noqa: E731
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    run("openssl", "req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=kof-e2e-ca")
    run("openssl", "req", *ec, "-keyout", "srv.key", "-out", "srv.csr", "-subj", f"/CN=vmauth.{DOMAIN}")
    with open(os.path.join(work, "san.ext"), "w") as f:
        f.write(f"subjectAltName=DNS:vmauth.{DOMAIN}\n")
    run("openssl", "x509", "-req", "-in", "srv.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "srv.crt", "-days", "2", "-extfile", "san.ext")
    with open(os.path.join(work, "ca.crt")) as f:
        return f.read()


def vmauth_config(work, ports):
    """The VMUser KOF's operator writes, as the packaged vmauth reads it."""
    target = {"/vm/insert/.*": ports["agent1"], "/vm/select/.*": ports["vm1"]}
    url_map = [{"src_paths": [p], "url_prefix": f"http://127.0.0.1:{target.get(p, ports['sink'])}/"}
               for p in KOF_PATHS]
    path = os.path.join(work, "auth.yml")
    with open(path, "w") as f:
        yaml.safe_dump({"users": [{"username": USER, "password": PASSWORD, "url_map": url_map}]}, f)
    return path


def start_stack(work, sink):
    stack = Stack(work)
    stack.ports["sink"] = sink.server_address[1]
    for n, select, insert in [("1", "/vm/select/0", "/vm/insert/0/prometheus"), ("2", "/select/0", "/insert/0/prometheus")]:
        vm = stack.start("vm" + n, ["victoria-metrics", f"-storageDataPath={work}/vm{n}", "-httpListenAddr=127.0.0.1:{port}",
                                    f"-http.pathPrefix={select}", "-search.latencyOffset=0s", "-search.disableCache"])
        stack.start("agent" + n, ["vmagent", "-httpListenAddr=127.0.0.1:{port}", f"-http.pathPrefix={insert}",
                                  f"-remoteWrite.url=http://127.0.0.1:{vm}{select}/api/v1/write",
                                  f"-remoteWrite.tmpDataPath={work}/agent{n}", "-remoteWrite.flushInterval=100ms"])
    auth = vmauth_config(work, stack.ports)
    common = ["vmauth", f"-auth.config={auth}", "-httpListenAddr=127.0.0.1:{port}"]
    stack.start("vmauth-tls", common + ["-tls", f"-tlsCertFile={work}/srv.crt", f"-tlsKeyFile={work}/srv.key"])
    stack.start("vmauth", common)
    return stack


def resolver(stack, route):
    """(host, port) -> loopback port: only the hosts the route may send to."""
    if route == "regional":
        return {(f"vmauth.{DOMAIN}", 443): stack.ports["vmauth-tls"]}
    if route == "regional-istio":
        return {(f"{REGIONAL}-vmauth", 8427): stack.ports["vmauth"]}
    return {hp: stack.ports[name] for hp, name in IN_CLUSTER.items()}


def request(resolve, method, url, body=None, headers=None, cafile=None, insecure=False):
    u = urllib.parse.urlsplit(url)
    port = u.port or (443 if u.scheme == "https" else 80)
    local = resolve.get((u.hostname, port))
    if local is None:
        fail(f"{url}: host {u.hostname}:{port} is not one this route may reach")
    if u.scheme == "https":
        ctx = ssl.create_default_context(cafile=cafile)
        if insecure:
            ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
        conn = http.client.HTTPSConnection(u.hostname, port, context=ctx, timeout=10)
        sock = socket.create_connection(("127.0.0.1", local), 10)
        conn.sock = ctx.wrap_socket(sock, server_hostname=u.hostname)
    else:
        conn = http.client.HTTPConnection(u.hostname, port, timeout=10)
        conn.sock = socket.create_connection(("127.0.0.1", local), 10)
    path = u.path + ("?" + u.query if u.query else "")
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, data


class Resource:
    """A routed resource as its pod would see it: env, mounted Secrets."""

    def __init__(self, pod_spec, container, test_secrets, work):
        self.pod, self.container, self.secrets, self.work = pod_spec, container, test_secrets, work

    def env(self, name):
        for e in self.container.get("env") or []:
            if e.get("name") != name:
                continue
            if "value" in e:
                return e["value"]
            ref = (e.get("valueFrom") or {}).get("secretKeyRef")
            if ref:
                secret = self.secrets.get(ref["name"]) or fail(f"env {name}: no test Secret {ref['name']!r}")
                return secret.get(ref["key"]) or fail(f"env {name}: Secret {ref['name']} has no key {ref['key']}")
            return None
        return None

    def expand(self, text):
        out = text
        while "${env:" in out:
            start = out.index("${env:")
            end = out.index("}", start)
            out = out[:start] + (self.env(out[start + 6:end]) or "") + out[end + 1:]
        return out

    def file(self, path):
        """A file under a mounted Secret volume, written to the work dir."""
        for mount in self.container.get("volumeMounts") or []:
            base = mount["mountPath"].rstrip("/") + "/"
            if not path.startswith(base):
                continue
            volume = next(v for v in self.pod.get("volumes") or [] if v["name"] == mount["name"])
            secret = self.secrets[volume["secret"]["secretName"]]
            rel = path[len(base):]
            key = next((i["key"] for i in volume["secret"].get("items") or [] if i["path"] == rel), rel)
            local = os.path.join(self.work, "mounted-" + key)
            with open(local, "w") as f:
                f.write(secret[key])
            return local
        fail(f"{path} is not under any volumeMount")


def remote_write_body(series):
    """prometheus.WriteRequest (remote write 1.0), protobuf, snappy block format."""
    def varint(n):
        out = b""
        while True:
            byte, n = n & 0x7F, n >> 7
            out += bytes([byte | (0x80 if n else 0)])
            if not n:
                return out

    def field(num, data):
        return varint(num << 3 | 2) + varint(len(data)) + data

    now = int(time.time() * 1000)
    body = b""
    for labels, value in series:
        ts = b"".join(field(1, field(1, k.encode()) + field(2, str(v).encode())) for k, v in sorted(labels.items()))
        ts += field(2, varint(1 << 3 | 1) + struct.pack("<d", value) + varint(2 << 3) + varint(now))
        body += field(1, ts)
    return bytes(cramjam.snappy.compress_raw(body))


def otlp_body(signal, attrs, mark):
    now = time.time_ns()
    resource = {"attributes": [{"key": k, "value": {"string_value": v}} for k, v in attrs.items()]}
    if signal == "logs":
        msg = logs_service_pb2.ExportLogsServiceRequest()
        rl = msg.resource_logs.add()
        rl.resource.CopyFrom(rl.resource.__class__(**resource))
        rl.scope_logs.add().log_records.add(time_unix_nano=now, body={"string_value": mark})
    else:
        msg = trace_service_pb2.ExportTraceServiceRequest()
        rs = msg.resource_spans.add()
        rs.resource.CopyFrom(rs.resource.__class__(**resource))
        rs.scope_spans.add().spans.add(trace_id=os.urandom(16), span_id=os.urandom(8), name=mark,
                                       start_time_unix_nano=now, end_time_unix_nano=now)
    return msg.SerializeToString()


def exporter_client(res, config, name):
    """URL keys, headers and TLS of exporter `name` as the collector would use them."""
    exp = config["exporters"][name] or {}
    headers = {k: res.expand(str(v)) for k, v in (exp.get("headers") or {}).items()}
    auth = (exp.get("auth") or {}).get("authenticator")
    if auth:
        client = ((config.get("extensions") or {}).get(auth) or {}).get("client_auth") or fail(f"{auth} undefined")
        if auth not in (config.get("service", {}).get("extensions") or []):
            fail(f"{auth} is not enabled in service.extensions")
        pair = f"{res.expand(client['username'])}:{res.expand(client['password'])}"
        headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
    tls = exp.get("tls") or {}
    cafile = res.file(tls["ca_file"]) if tls.get("ca_file") else None
    return exp, headers, cafile, bool(tls.get("insecure_skip_verify"))


def send_collector(doc, res, resolve, case, expect):
    """Send what each storage exporter of one routed collector would send."""
    config = doc["spec"]["config"]
    config = yaml.safe_load(config) if isinstance(config, str) else config
    name = doc["metadata"]["name"]
    for origin, exporter, attrs in otel_model.deliveries(config, res.env("OTEL_RESOURCE_ATTRIBUTES")):
        kind = exporter.split("/")[0]
        if kind not in ("prometheusremotewrite", "otlphttp"):
            continue
        exp, headers, cafile, insecure = exporter_client(res, config, exporter)
        mark = f"{case}|{name}|{origin}|{exporter}"
        if kind == "prometheusremotewrite":
            external = {k: res.expand(str(v)) for k, v in (exp.get("external_labels") or {}).items()}
            signal_labels = {"__name__": "kof_e2e_signal", "e2e_case": case, "collector": name, "pipeline": origin}
            signal_labels.update({k: v for k, v in external.items() if k not in signal_labels})
            info = otel_model.target_info_labels(attrs, external)
            info.update({"__name__": "target_info", "e2e_case": case, "collector": name, "pipeline": origin})
            headers.update({"Content-Encoding": "snappy", "Content-Type": "application/x-protobuf",
                            "X-Prometheus-Remote-Write-Version": "0.1.0"})
            status, data = request(resolve, "POST", res.expand(exp["endpoint"]), remote_write_body(
                [(signal_labels, 1.0), (info, 1.0)]), headers, cafile, insecure)
            expect["metrics"].append((name, origin))
        else:
            signal = "logs" if origin.startswith("logs") else "traces"
            url = exp.get(f"{signal}_endpoint") or exp["endpoint"].rstrip("/") + f"/v1/{signal}"
            headers["Content-Type"] = "application/x-protobuf"
            status, data = request(resolve, "POST", res.expand(url), otlp_body(signal, attrs, mark), headers,
                                   cafile, insecure)
            expect["otlp"].append((mark, urllib.parse.urlsplit(res.expand(url)).path, headers.get("Authorization"), exporter))
        if status // 100 != 2:
            fail(f"{mark}: {exporter} got HTTP {status}: {data[:200]!r}")


def opencost(docs, test_secrets, work):
    for doc in docs:
        if doc.get("kind") != "Deployment" or "opencost" not in doc["metadata"]["name"]:
            continue
        pod = doc["spec"]["template"]["spec"]
        for c in pod["containers"]:
            if any(e.get("name") == "PROMETHEUS_SERVER_ENDPOINT" for e in c.get("env") or []):
                return Resource(pod, c, test_secrets, work)
    fail("no OpenCost query container in the render")


def query(resolve, oc, promql):
    """OpenCost's read path: its endpoint, credentials and CA, as OpenCost reads them."""
    url = oc.env("PROMETHEUS_SERVER_ENDPOINT").rstrip("/") + "/api/v1/query?" + urllib.parse.urlencode({"query": promql})
    headers = {}
    user, password = oc.env("DB_BASIC_AUTH_USERNAME"), oc.env("DB_BASIC_AUTH_PW")
    if user:
        headers["Authorization"] = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
    cafile = None
    if oc.env("SSL_CERT_DIR"):
        cafile = oc.file(oc.env("SSL_CERT_DIR").rstrip("/") + "/ca.crt")
    insecure = oc.env("INSECURE_SKIP_VERIFY") == "true"
    status, data = request(resolve, "GET", url, None, headers, cafile, insecure)
    if status != 200:
        fail(f"OpenCost's query got HTTP {status}: {data[:200]!r}")
    return json.loads(data)["data"]["result"]


def wait_series(resolve, oc, promql, count):
    deadline = time.time() + 30
    while True:
        result = query(resolve, oc, promql)
        if len(result) >= count or time.time() > deadline:
            return result
        time.sleep(0.2)


def refused(status, data):
    """vmauth's refusal of unknown credentials: 401 since vmauth 1.83 (KOF's);
    the packaged 1.79 answers 400 "cannot find the provided auth token"."""
    return status == 401 or (status == 400 and b"cannot find the provided auth token" in data)


def wrong_password(docs, test_secrets, work, resolve, case):
    """A wrong password is refused by vmauth, for metrics and for logs, and no
    credentials at all get 401; returns how many requests were refused."""
    bad = dict(test_secrets)
    bad[CREDS_SECRET] = {"username": USER, "password": PASSWORD + "-wrong"}
    doc = next(d for d in docs if d.get("kind") == "OpenTelemetryCollector"
               and "prometheusremotewrite" in (d["spec"]["config"].get("exporters") or {})
               and "otlphttp/logs" in (d["spec"]["config"].get("exporters") or {}))
    res = Resource(doc["spec"], doc["spec"], bad, work)
    config = doc["spec"]["config"]
    exp, headers, cafile, insecure = exporter_client(res, config, "prometheusremotewrite")
    headers.update({"Content-Encoding": "snappy", "Content-Type": "application/x-protobuf"})
    body = remote_write_body([({"__name__": "kof_e2e_signal", "e2e_case": case + "-wrong"}, 1.0)])
    metrics = request(resolve, "POST", exp["endpoint"], body, headers, cafile, insecure)
    anonymous = request(resolve, "POST", exp["endpoint"], body, {"Content-Encoding": "snappy"}, cafile, insecure)
    exp, headers, cafile, insecure = exporter_client(res, config, "otlphttp/logs")
    headers["Content-Type"] = "application/x-protobuf"
    logs = request(resolve, "POST", exp["logs_endpoint"], otlp_body("logs", {}, case + "-wrong"),
                   headers, cafile, insecure)
    if not (refused(*metrics) and refused(*logs)):
        fail(f"{case}: a wrong password got HTTP {metrics[0]} (metrics) and {logs[0]} (logs)")
    if anonymous[0] != 401:
        fail(f"{case}: no credentials got HTTP {anonymous[0]}, not 401")
    return 3


def run_case(kof_route, root, work, stack, sink, ca, spec, index):
    """Route one case's render and send what its collectors would send."""
    version, dialect, route = spec.split("/")
    case = f"{version}-{dialect}-{route}"
    name, namespace = f"mgmt-{index}", "mgmt-ns"
    argv = [kof_route, "--route", route, f"--cluster-name={name}", f"--cluster-namespace={namespace}"]
    if route == "regional":
        argv += [f"--regional-domain={DOMAIN}", f"--regional-cluster={REGIONAL}", f"--ca-secret={CA_SECRET}"]
    elif route == "regional-istio":
        argv += [f"--regional-cluster={REGIONAL}"]
    fixture = os.path.join(root, "fixtures", f"kof-{version}", dialect, "kof-collectors.yaml")
    rendered = subprocess.run(argv + [fixture], capture_output=True, check=True)
    docs = [d for d in yaml.safe_load_all(rendered.stdout) if d]
    resolve = resolver(stack, route)
    test_secrets = {CREDS_SECRET: {"username": USER, "password": PASSWORD}, CA_SECRET: {"ca.crt": ca},
                    LOCAL_SECRET: {"username": "local", "password": "local-" + PASSWORD}}
    started = time.time()
    oc = opencost(docs, test_secrets, work)
    if oc.env("CLUSTER_ID") != name:
        fail(f"{case}: OpenCost's CLUSTER_ID is {oc.env('CLUSTER_ID')!r}, not {name!r}")
    refusals = 0 if route == "mothership" else wrong_password(docs, test_secrets, work, resolve, case)
    expect = {"metrics": [], "otlp": []}
    collectors = [d for d in docs if d.get("kind") == "OpenTelemetryCollector"]
    for doc in collectors:
        send_collector(doc, Resource(doc["spec"], doc["spec"], test_secrets, work), resolve, case, expect)
    sent = dict(case=case, route=route, name=name, namespace=namespace, resolve=resolve, oc=oc, expect=expect,
                refusals=refusals, collectors=len(collectors), started=started)
    return sent


def verify(sink, case, route, name, namespace, resolve, oc, expect, refusals, collectors, started):
    """What landed for one case: everything sent is there, with one identity."""
    identity = {"cluster": name, "clusterNamespace": namespace}
    # Metrics, read back through OpenCost's routed read path and credentials.
    got = wait_series(resolve, oc, f'kof_e2e_signal{{e2e_case="{case}"}}', len(expect["metrics"]))
    seen = sorted((r["metric"]["collector"], r["metric"]["pipeline"]) for r in got)
    if seen != sorted(expect["metrics"]):
        fail(f"{case}: series landed for {seen}, expected {sorted(expect['metrics'])}")
    for r in got:
        labels = {k: r["metric"].get(k) for k in identity}
        if labels != identity:
            fail(f"{case}: {r['metric']} carries {labels}, not {identity}")
    info = wait_series(resolve, oc, f'target_info{{e2e_case="{case}"}}', len(got))
    want = dict(identity, k8s_cluster_name=name, k8s_cluster_namespace=namespace)
    for r in info:
        labels = {k: r["metric"].get(k) for k in want}
        if labels != want:
            fail(f"{case}: target_info {r['metric']} carries {labels}, not {want}")
    if len(info) != len(got):
        fail(f"{case}: {len(info)} target_info series for {len(got)} signal series")
    if refusals and query(resolve, oc, f'kof_e2e_signal{{e2e_case="{case}-wrong"}}'):
        fail(f"{case}: data sent with a wrong password landed")
    # Logs, audit logs and traces, as the sink behind vmauth (or in-cluster) got them.
    with sink.lock:
        records = list(sink.records)
    by_mark = {m: r for r in records for m in r["marks"]}
    if any(m.startswith(case + "-wrong") for m in by_mark):
        fail(f"{case}: logs sent with a wrong password reached storage")
    kinds = {}
    for mark, path, auth, exporter in expect["otlp"]:
        r = by_mark.get(mark) or fail(f"{case}: {mark} never reached storage")
        if r["path"] != path or r["auth"] != auth or r["type"] != "application/x-protobuf":
            fail(f"{case}: {mark} arrived at {r['path']} with auth {r['auth'] is not None}, sent to {path}")
        if route != "mothership" and not path.split("/", 2)[2].startswith("insert/opentelemetry/v1/"):
            fail(f"{case}: {path} without its first part is not VictoriaLogs/Traces' insert path")
        for attrs in r["attrs"]:
            carried = (attrs.get("k8s.cluster.name"), attrs.get("k8s.cluster.namespace"))
            if carried != (name, namespace):
                fail(f"{case}: {mark} carries {carried}, not {(name, namespace)}")
        kinds[exporter] = kinds.get(exporter, 0) + 1
    for needed in ("otlphttp/logs", "otlphttp/traces"):
        if not kinds.get(needed):
            fail(f"{case}: nothing was sent with {needed}")
    return {"case": case, "collectors": collectors, "series": len(got) + len(info),
            "otlp": kinds, "refused": refusals, "seconds": round(time.time() - started, 2)}


def main():
    kof_route, root, work, *cases = sys.argv[1:]
    os.makedirs(work, exist_ok=True)
    ca = make_certs(work)
    sink = Sink()
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    stack = start_stack(work, sink)
    try:
        # Everything is sent first, then checked: VictoriaMetrics makes new
        # samples searchable after some seconds, so the cases wait once.
        sent = [run_case(kof_route, root, work, stack, sink, ca, spec, i) for i, spec in enumerate(cases)]
        results = [verify(sink, **s) for s in sent]
    finally:
        stack.stop()
        sink.shutdown()
    for r in results:
        print(json.dumps(r, sort_keys=True))


if __name__ == "__main__":
    main()
