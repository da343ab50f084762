"""How the fakes fail: unreachable clusters with the real CLIs' texts, and the environment
toggles that make any call fail, hang, spam stderr or print pathological JSON (stdlib only;
see README.md beside this file).
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from typing import Any
from urllib.parse import urlsplit

import fakestate as fs

FAIL_ENV = "FLUXTASKS_FAKE_FAIL"
HANG_ENV = "FLUXTASKS_FAKE_HANG"
HANG_MARKER_ENV = "FLUXTASKS_FAKE_HANG_MARKER"
NOISE_ENV = "FLUXTASKS_FAKE_NOISE"
DEEP_JSON_ENV = "FLUXTASKS_FAKE_DEEP_JSON"

# The single-cluster format's `"unreachable": true`, kept word for word for older tests.
LEGACY_KUBECTL = "Unable to connect to the server: dial tcp 10.0.0.1:443: i/o timeout"
LEGACY_FLUX = '✗ Get "https://10.0.0.1:443/api": dial tcp 10.0.0.1:443: i/o timeout'
SERVERS = {
    "refused": "https://127.0.0.1:6443",
    "timeout": "https://10.0.0.1:443",
    "no-such-host": "https://0123456789ABCDEF0123456789ABCDEF.gr7.us-west-2.eks.amazonaws.com",
    "unauthorized": "https://0123456789ABCDEF0123456789ABCDEF.gr7.us-west-2.eks.amazonaws.com",
}
MODES = (*SERVERS, "no-context", "bad-kubeconfig")
CREDENTIALS = "the server has asked for the client to provide credentials"


# ---------------------------------------------------------------- reaching the cluster


def kubeconfig_path(kubeconfig: str | None) -> str:
    return (
        kubeconfig
        or os.environ.get("KUBECONFIG", "").split(":")[0]
        or os.path.expanduser("~/.kube/config")
    )


def unreachable(
    cluster: dict[str, Any],
    tool: str,
    mode: Any,
    context: str | None,
    kubeconfig: str | None,
    *,
    verb: str = "get",
    groups: int = 0,
    source: str = "STDIN",
) -> None:
    """Fail as the real CLI fails to reach the cluster (mode: see README.md). `verb` picks
    kubectl's variant (get, logs, rollout, apply, diff), `groups` the number of
    group-qualified resource names of a `get` (kubectl logs one discovery error per
    lookup)."""
    server = cluster.get("server") or SERVERS.get(str(mode), "http://localhost:8080")
    if tool == "flux":
        fs.fail(_flux_text(mode, context, kubeconfig, server, verb))
    text, code = _kubectl_text(mode, context, kubeconfig, server, verb, groups, source)
    fs.fail(text, code)


def _dial(mode: str, server: str) -> str:
    parts = urlsplit(server)
    host, _, port_text = parts.netloc.partition(":")  # as written: Go keeps the case
    port = int(port_text) if port_text else 443 if parts.scheme == "https" else 80
    if mode == "no-such-host":
        return f"dial tcp: lookup {host} on 127.0.0.53:53: no such host"
    if mode == "timeout":
        return f"dial tcp {host}:{port}: i/o timeout"
    return f"dial tcp {host}:{port}: connect: connection refused"


def _request_error(mode: str, server: str, path: str) -> str:
    if mode == "unauthorized":
        return CREDENTIALS
    return f'Get "{server.rstrip("/")}{path}": {_dial(mode, server)}'


def _klog(error: str) -> str:
    """One client-go discovery error as kubectl logs it (klog header, then the message)."""
    now = dt.datetime.now()
    quoted = error.replace('"', '\\"')
    return (
        f"E{now:%m%d %H:%M:%S}.{now.microsecond:06d} {os.getpid():7d} memcache.go:265] "
        f'"Unhandled Error" err="couldn\'t get current server API group list: {quoted}"'
    )


def _kubectl_text(
    mode: Any, context: str | None, kubeconfig: str | None, server: str, verb: str, groups: int,
    source: str,
) -> tuple[str, int]:  # fmt: skip
    diff = verb == "diff"
    code = 2 if diff else 1  # kubectl diff exits >1 on errors
    if mode is True:
        return LEGACY_KUBECTL, code
    if mode == "no-context":
        return (
            f"Error in configuration: context was not found for specified context: {context}",
            code,
        )
    if mode == "bad-kubeconfig":
        path = kubeconfig_path(kubeconfig)
        return (
            f'error: error loading config file "{path}": yaml: line 1: did not find expected node content',
            code,
        )
    if mode == "no-config":
        mode = "refused"
    api_error = _request_error(mode, server, "/api?timeout=32s")
    if verb == "apply":
        openapi = _request_error(mode, server, "/openapi/v2?timeout=32s")
        return (
            f'error: error validating "{source}": error validating data: failed to download '
            f"openapi: {openapi}; if you choose to ignore these errors, turn validation off "
            "with --validate=false"
        ), code
    if diff:
        return f'{_klog(api_error)}\nerror: unable to recognize "{source}": {api_error}', code
    count = {"logs": 4, "rollout": 4}.get(verb, 6 + groups if groups else 5)
    lines = [_klog(api_error)] * count
    if mode == "unauthorized":
        lines.append(f"error: You must be logged in to the server ({CREDENTIALS})")
    elif mode == "refused":
        host = urlsplit(server).netloc
        lines.append(
            f"The connection to the server {host} was refused - did you specify the right host or port?"
        )
    else:
        lines.append(f"Unable to connect to the server: {_dial(mode, server)}")
    return "\n".join(lines), code


def _flux_text(
    mode: Any, context: str | None, kubeconfig: str | None, server: str, verb: str
) -> str:
    if mode is True:
        return LEGACY_FLUX
    load = "✗ kubernetes configuration load failed: "
    if mode == "no-context":
        return (
            f"{load}invalid configuration: context was not found for specified context: {context}"
        )
    if mode == "bad-kubeconfig":
        path = kubeconfig_path(kubeconfig)
        return f'{load}error loading config file "{path}": yaml: line 1: did not find expected node content'
    if mode == "no-config":
        return (
            f"{load}invalid configuration: no configuration has been provided, try setting "
            "KUBERNETES_MASTER environment variable"
        )
    if verb == "logs":  # a plain clientset list, no REST mapper in between
        path = "/apis/apps/v1/namespaces/flux-system/deployments?labelSelector=app.kubernetes.io%2Fpart-of%3Dflux"
        return f"✗ {_request_error(mode, server, path)}"
    return f"✗ failed to get server groups: {_request_error(mode, server, '/api?timeout=32s')}"


# ---------------------------------------------------------------- toggles


def _context_of(args: list[str]) -> str | None:
    for i, arg in enumerate(args):
        if arg == "--context" and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith("--context="):
            return arg.split("=", 1)[1]
    return None


def matches(variable: str, tool: str, words: list[str], args: list[str]) -> bool:
    """Does the toggle in `variable` name this call? Its value lists commands separated by
    `;`, each as words (`kubectl get`, `flux resume`, `kubectl get events`), optionally
    with `@CONTEXT` words to match only calls to those kube contexts."""
    value = os.environ.get(variable, "")
    for part in value.split(";"):
        tokens = part.split()
        wanted = [t for t in tokens if not t.startswith("@")]
        contexts = [t[1:] for t in tokens if t.startswith("@")]
        if not wanted or [tool, *words[: len(wanted) - 1]] != wanted:
            continue
        if contexts:
            context = _context_of(args)
            if context is None:
                with fs.locked_state(write=False) as state:
                    context = state.get("context")
            if context not in contexts:
                continue
        return True
    return False


MULTILINE = {
    "kubectl": (
        "Error from server (Invalid): error when applying patch:\n"
        '{"spec":{"interval":"5"}}\n'
        "to:\n"
        'Resource: "helm.toolkit.fluxcd.io/v2, Resource=helmreleases", '
        'GroupVersionKind: "helm.toolkit.fluxcd.io/v2, Kind=HelmRelease"\n'
        'Name: "karpenter", Namespace: "kube-system"\n'
        'for: "STDIN": error when patching "STDIN": HelmRelease.helm.toolkit.fluxcd.io '
        '"karpenter" is invalid: spec.interval: Invalid value: "5": spec.interval in body '
        "should match '^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$'"
    ),
    "flux": (
        "✗ HelmRelease reconciliation failed: Helm upgrade failed for release "
        'kube-system/karpenter with chart karpenter@1.0.2: cannot patch "karpenter" with '
        'kind Deployment: Deployment.apps "karpenter" is invalid: spec.template.spec.'
        "containers[0].env[3].value: Invalid value: 30: must be a string\n"
        "\n"
        "Last Helm logs:\n"
        "\n"
        "preparing upgrade for karpenter\n"
        "performing update for karpenter\n"
        "creating upgraded release for karpenter\n"
        "checking 12 resources for changes\n"
        'Looks like there are no changes for ServiceAccount "karpenter"\n'
        'warning: Upgrade "karpenter" failed: cannot patch "karpenter" with kind Deployment'
    ),
}


def before(tool: str, words: list[str], args: list[str]) -> None:
    """Toggles that act as the call starts: stderr noise, then a failure, then a hang."""
    if os.environ.get(NOISE_ENV) and matches(NOISE_ENV, tool, words, args):
        noise(float(os.environ.get("FLUXTASKS_FAKE_NOISE_MB", "1")))
    if os.environ.get(FAIL_ENV) and matches(FAIL_ENV, tool, words, args):
        text = os.environ.get("FLUXTASKS_FAKE_FAIL_TEXT")
        if text is None and os.environ.get("FLUXTASKS_FAKE_FAIL_STYLE") == "multiline":
            text = MULTILINE[tool]
        if text is None:
            text = ("✗ " if tool == "flux" else "error: ") + "simulated failure"
        fs.fail(text, int(os.environ.get("FLUXTASKS_FAKE_FAIL_CODE", "1")))
    if os.environ.get("FLUXTASKS_FAKE_HANG_AT") == "start":
        maybe_hang(tool, words, args)


def after(tool: str, words: list[str], args: list[str]) -> None:
    if os.environ.get("FLUXTASKS_FAKE_HANG_AT", "end") != "start":
        maybe_hang(tool, words, args)


def noise(megabytes: float) -> None:
    """About `megabytes` MB of klog-style warnings on stderr (whole lines, so an error
    printed after them starts its own line), written in big chunks to stay fast."""
    line = (
        f"W0601 12:00:00.000000 {os.getpid():7d} warnings.go:70] "
        "helm.toolkit.fluxcd.io/v2beta1 HelmRelease is deprecated, upgrade to helm.toolkit.fluxcd.io/v2\n"
    ).encode()
    total = -(-int(megabytes * (1 << 20)) // len(line))
    per_chunk = max(1, (1 << 20) // len(line))
    out = sys.stderr.buffer
    for start in range(0, total, per_chunk):
        out.write(line * min(per_chunk, total - start))
    sys.stderr.flush()


def maybe_hang(tool: str, words: list[str], args: list[str]) -> None:
    """FLUXTASKS_FAKE_HANG: this call hangs until it is killed (at most
    FLUXTASKS_FAKE_HANG_MAX seconds, default 600, so a leaked fake cannot live forever).
    It first writes its pid (and its child's, see FLUXTASKS_FAKE_HANG_CHILD) to the marker
    file, so a test can act once it hangs. Signals end it as they end the real CLIs, except
    those listed in FLUXTASKS_FAKE_HANG_IGNORE (e.g. "TERM INT"): then only SIGKILL does."""
    if not os.environ.get(HANG_ENV) or not matches(HANG_ENV, tool, words, args):
        return
    skip = int(os.environ.get("FLUXTASKS_FAKE_HANG_SKIP", "0"))
    if skip:
        with fs.locked_state() as state:
            seen = state.setdefault("hangSkipped", 0)
            state["hangSkipped"] = seen + 1
        if seen < skip:
            return
    for name in os.environ.get("FLUXTASKS_FAKE_HANG_IGNORE", "").split():
        signal.signal(getattr(signal, "SIG" + name.upper().removeprefix("SIG")), signal.SIG_IGN)
    limit = float(os.environ.get("FLUXTASKS_FAKE_HANG_MAX", "600"))
    pids = [os.getpid()]
    if os.environ.get("FLUXTASKS_FAKE_HANG_CHILD"):
        # A grandchild in the same process group (like a credential plugin): a caller that
        # kills only its direct child leaves it behind. It inherits the ignored signals.
        child = subprocess.Popen(
            [sys.executable, "-c", f"import time; time.sleep({limit})"],
            stdin=subprocess.DEVNULL,
        )
        pids.append(child.pid)
    marker = os.environ.get(HANG_MARKER_ENV)
    if marker:
        with open(marker + ".tmp", "w", encoding="utf-8") as handle:
            handle.write("".join(f"{pid}\n" for pid in pids))
        os.replace(marker + ".tmp", marker)
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        time.sleep(min(1.0, max(deadline - time.monotonic(), 0.0)))


def deep_json(tool: str, words: list[str], args: list[str], value: Any) -> Any:
    """FLUXTASKS_FAKE_DEEP_JSON: the output carries a value nested
    FLUXTASKS_FAKE_DEEP_JSON_DEPTH (default 100000) lists deep, under the first item's
    status (or the List's metadata when it is empty). Returns the JSON text to print."""
    import json

    if not os.environ.get(DEEP_JSON_ENV) or not matches(DEEP_JSON_ENV, tool, words, args):
        return None
    depth = int(os.environ.get("FLUXTASKS_FAKE_DEEP_JSON_DEPTH", "100000"))
    marker = "@@DEEP@@"
    items = value.get("items") or []
    holder = items[0].setdefault("status", {}) if items else value.setdefault("metadata", {})
    holder["nested"] = marker
    text = json.dumps(value, indent=4)
    return text.replace(f'"{marker}"', "[" * depth + "]" * depth, 1)
