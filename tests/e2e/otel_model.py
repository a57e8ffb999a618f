"""What an OpenTelemetry collector's pipeline does to resource attributes, and
what its exporters make of them: a small model, written from the upstream
documentation (opentelemetry-collector-contrib), kept apart from kof-route's
own code (src/check/identity.rs) so the end-to-end test does not check
kof-route against itself.

Modelled, and nothing else:
* resource processor (processor/resourceprocessor/README.md): `attributes` is a
  list of actions as in the attributes processor
  (processor/attributesprocessor/README.md): `insert` adds the key only where
  it does not exist, `update` changes it only where it exists, `upsert` does
  either, `delete` removes it.
* resourcedetection processor (processor/resourcedetectionprocessor/README.md):
  the `env` detector reads OTEL_RESOURCE_ATTRIBUTES (`key=value,...`); with
  `override: false` a detected attribute never replaces one already on the
  resource; `override` defaults to true; the first detector to set a key wins.
  Other detectors (system, cloud) add no k8s.cluster.* here (no cloud).
* connectors (collector's connectors/README.md): data a pipeline exports to a
  connector enters each pipeline that lists it as a receiver.
* prometheusremotewrite exporter (exporter/prometheusremotewriteexporter/README.md):
  `external_labels` are added to every series; resource attributes become the
  labels of the `target_info` series (enabled by default), with characters
  other than letters, digits and `_` turned into `_` (Prometheus naming,
  pkg/translator/prometheus).
"""


def apply_resource(attrs, definition):
    """The resource processor's actions on `attrs` (a dict), in order."""
    for action in (definition or {}).get("attributes") or []:
        key, kind = action.get("key"), action.get("action")
        if kind == "delete":
            attrs.pop(key, None)
            continue
        if "value" not in action:
            continue
        exists = key in attrs
        if kind == "upsert" or (kind == "insert" and not exists) or (kind == "update" and exists):
            attrs[key] = str(action["value"])


def env_attributes(text):
    """OTEL_RESOURCE_ATTRIBUTES as a dict (`key=value,key=value`)."""
    out = {}
    for pair in (text or "").split(","):
        if "=" in pair:
            key, value = pair.split("=", 1)
            out.setdefault(key.strip(), value.strip())
    return out


def apply_detection(attrs, definition, env):
    """resourcedetection: only the `env` detector can set attributes here."""
    if "env" not in (definition or {}).get("detectors", []):
        return
    override = (definition or {}).get("override", True)
    for key, value in env.items():
        if override or key not in attrs:
            attrs[key] = value


def run_processors(attrs, names, processors, env):
    for name in names or []:
        kind = name.split("/")[0]
        definition = processors.get(name)
        if kind == "resource":
            apply_resource(attrs, definition)
        elif kind == "resourcedetection":
            apply_detection(attrs, definition, env)


def deliveries(config, env_text):
    """Where each pipeline's data ends: [(first pipeline, exporter, resource attributes)],
    for pipelines data enters by (a receiver that is not a connector or `nop`)."""
    env = env_attributes(env_text)
    pipelines = config.get("service", {}).get("pipelines", {})
    connectors = set((config.get("connectors") or {}).keys())
    processors = config.get("processors") or {}
    out = []

    def follow(origin, name, attrs, depth):
        pipeline = pipelines[name]
        attrs = dict(attrs)
        run_processors(attrs, pipeline.get("processors"), processors, env)
        for exporter in pipeline.get("exporters") or []:
            if exporter in connectors and depth < 8:
                for other, spec in pipelines.items():
                    if exporter in (spec.get("receivers") or []):
                        follow(origin, other, attrs, depth + 1)
            else:
                out.append((origin, exporter, attrs))

    for name, pipeline in pipelines.items():
        receivers = pipeline.get("receivers") or []
        if any(r not in connectors and r != "nop" for r in receivers):
            follow(name, name, {}, 0)
    return out


def prometheus_label(name):
    return "".join(c if c.isalnum() or c == "_" else "_" for c in name)


def target_info_labels(attrs, external_labels):
    """The labels of target_info: resource attributes, then external labels
    where the series does not have the label already."""
    labels = {prometheus_label(k): v for k, v in attrs.items()}
    for key, value in (external_labels or {}).items():
        labels.setdefault(key, str(value))
    return labels
