"""Drive a real Helm v4 engine (PyPI `helm-python-sdk`, no `helm` binary) for
the kof-route end-to-end tests (tests/helm_e2e.rs).

Helm reads HELM_PLUGINS, HELM_CONFIG_HOME, HELM_CACHE_HOME and HELM_DATA_HOME
once, when its library loads: the caller sets them in this process's
environment before starting it.

    python helm_driver.py probe
    python helm_driver.py install --chart DIR|TGZ [--values FILE] [--release NAME] [--namespace NS]
        [--post-renderer PLUGIN] [--post-renderer-args-json '["--route", "x"]']
        [--strategy combined|separate|nohooks]

`install` is `helm install --dry-run=client` with in-memory release storage
(no cluster is contacted). It prints one JSON object on stdout:
    {"ok": true, "release": {... "manifest": "..."}}
    {"ok": false, "error_type": "HelmReleaseError", "error": "..."}
and exits 0 when the install succeeded, 1 when Helm reported an error.
Helm's own log lines (e.g. `WARN failed to load plugin` for a plugin.yaml it
refuses) go to stderr.
Exit 3: the engine could not be loaded at all.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def _load_engine() -> Any:
    try:
        import helm_python
    except Exception as exc:  # noqa: BLE001 - report whatever broke the import
        print(
            json.dumps({"ok": False, "error_type": type(exc).__name__, "error": str(exc)}),
        )
        sys.exit(3)
    return helm_python


def probe() -> int:
    helm = _load_engine()
    print(
        json.dumps(
            {
                "engine": "helm-python-sdk",
                "package_version": helm.__version__,
                "helm_c_version": helm.helm_c_version(),
                "helm_sdk_version": helm.helm_sdk_version(),
            }
        )
    )
    return 0


def install(args: argparse.Namespace) -> int:
    helm = _load_engine()
    from helm_python import _native

    post_renderer_args = json.loads(args.post_renderer_args_json)
    if not isinstance(post_renderer_args, list) or not all(
        isinstance(a, str) for a in post_renderer_args
    ):
        print("--post-renderer-args-json must be a JSON list of strings", file=sys.stderr)
        return 2

    # The options helm_python's own Config.install does not expose
    # (post_renderer*), passed to the same native call it makes.
    options: dict[str, Any] = {"dry_run": "client", "namespace": args.namespace}
    if args.post_renderer:
        options["post_renderer"] = args.post_renderer
        options["post_renderer_args"] = post_renderer_args
        options["post_render_strategy"] = args.strategy

    values = None
    if args.values:
        with open(args.values, encoding="utf-8") as f:
            values = json.dumps(helm.values_from_yaml(f.read()))

    result: dict[str, Any]
    with helm.Config(storage_driver="memory", namespace=args.namespace) as cfg:
        try:
            payload = _native.call_string(
                "helm_install",
                cfg._raw(),
                _native.HANDLE(0),  # no cancellation context
                _native.HANDLE(0),  # no loaded chart: load from the path below
                args.chart,
                args.release,
                values,  # user values (JSON), or None
                json.dumps(options),
            )
            result = {"ok": True, "release": json.loads(payload)}
        except helm.HelmError as exc:
            result = {"ok": False, "error_type": type(exc).__name__, "error": str(exc)}
    print(json.dumps(result))
    return 0 if result["ok"] else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("probe", help="print the engine's versions as JSON")
    inst = sub.add_parser("install", help="helm install --dry-run=client, release JSON out")
    inst.add_argument("--chart", required=True)
    inst.add_argument("--values", default="", help="a values.yaml file")
    inst.add_argument("--release", default="kof-collectors")
    inst.add_argument("--namespace", default="kof")
    inst.add_argument("--post-renderer", default="")
    inst.add_argument("--post-renderer-args-json", default="[]")
    inst.add_argument(
        "--strategy", default="combined", choices=["combined", "separate", "nohooks"]
    )
    args = parser.parse_args()
    if args.command == "probe":
        return probe()
    return install(args)


if __name__ == "__main__":
    sys.exit(main())
