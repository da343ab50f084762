"""Controller logs for the fakes: `kubectl logs` of one controller pod and `flux logs`
over all of them, from the lines stored under the cluster state's "logs" (stdlib only;
see README.md beside this file).
"""

from __future__ import annotations

import json
import sys

import fakediag
import fakestate as fs


def err(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def fail(message: str) -> None:
    fs.fail(f"✗ {message}")


def one(flags: dict[str, list[str]], *names: str) -> str | None:
    for name in names:
        if name in flags:
            return flags[name][-1]
    return None


LOG_LEVELS = ("debug", "info", "error")


def flux_logs(words: list[str], flags: dict[str, str]) -> None:
    """`flux logs`: one pod per Flux Deployment in --flux-namespace, JSON lines only,
    filtered by level (exact), kind, name and the object namespace, which defaults to
    flux-system (-n NS or -A to see others)."""
    if words:
        fail("no argument required")
    if flags.get("--follow") == "true" or flags.get("-f") == "true":
        fail("fake flux does not support `logs --follow`")
    level = flags.get("--level", "")
    if level and level not in LOG_LEVELS:
        fail(
            f'invalid argument "{level}" for "--level" flag: unsupported log level \'{level}\', must be one of: {", ".join(LOG_LEVELS)}'
        )
    if flags.get("--since") and flags.get("--since-time"):
        fail("at most one of `sinceTime` or `sinceDuration` may be specified")
    since = tail = None
    try:
        since = fs.parse_duration(flags["--since"]) if flags.get("--since") else None
        tail = int(flags.get("--tail", "-1"))
    except ValueError:
        fail(
            f'invalid argument for "--since" or "--tail": {flags.get("--since")} {flags.get("--tail")}'
        )
    flux_ns = flags.get("--flux-namespace", "flux-system")
    every = flags.get("-A") == "true" or flags.get("--all-namespaces") == "true"
    namespace = flags.get("--namespace", "flux-system")
    with fs.locked_state(write=False) as state:
        cluster = fs.connect(
            state, "flux", flags.get("--context"), flags.get("--kubeconfig"), verb="logs"
        )
        if flags.get("--since-time"):
            cutoff = fs.parse_time(flags["--since-time"])
            since = (fs.now(state) - cutoff).total_seconds()
        found = [
            d for d in fakediag.deployments(state, cluster)
            if d["metadata"]["namespace"] == flux_ns
            and d["metadata"]["labels"].get("app.kubernetes.io/part-of") == "flux"
        ]  # fmt: skip
        if not found:
            fail(f'no Flux pods found in namespace "{flux_ns}"')
        streams = []
        for deployment in found:
            name = deployment["metadata"]["name"]
            entry = fakediag.deployment_entry(cluster["deployments"][f"{flux_ns}/{name}"])
            lines = fakediag.recent(state, fakediag.log_lines(state, cluster, name), since, tail)
            streams.append((fakediag.pod_name(flux_ns, name), entry.get("state", "ready"), lines))
    failed = False
    for pod, pod_state, lines in streams:
        if pod_state == "stuck":
            sys.stderr.write(
                f'failed getting logs: container "manager" in pod "{pod}" is waiting to start: ContainerCreating\n'
            )
            failed = True
            continue
        for line in lines:
            if not line.startswith("{"):
                continue
            parsed = parse_log_line(line)
            if parsed is None:
                break
            if (
                (not level or parsed["level"] == level)
                and (not flags.get("--kind") or flags["--kind"].lower() in (parsed["kind"].lower(), parsed["controllerKind"].lower()))
                and (not flags.get("--name") or flags["--name"].lower() == parsed["name"].lower())
                and (every or namespace.lower() == parsed["namespace"].lower())
            ):  # fmt: skip
                sys.stdout.write(format_log_line(parsed))
        sys.stdout.flush()
    if failed:
        fail("failed to collect logs from all Flux pods")


def parse_log_line(line: str) -> dict[str, str] | None:
    """The fields flux reads from a controller's JSON line, or None after `✗ parse error`."""
    fields = {
        "ts": "ts", "level": "level", "msg": "msg", "error": "error",
        "kind": "reconciler kind", "controllerKind": "controllerKind",
        "name": "name", "namespace": "namespace",
    }  # fmt: skip
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        err(f"✗ parse error: invalid character {line[exc.pos : exc.pos + 1]!r} {exc.msg.lower()}")
        return None
    out = {}
    for key, name in fields.items():
        value = data.get(name, "") if isinstance(data, dict) else ""
        if not isinstance(value, str):
            go_type = "number" if isinstance(value, (int, float)) else type(value).__name__
            err(
                f"✗ parse error: json: cannot unmarshal {go_type} into Go struct field ControllerLogEntry.{name} of type string"
            )
            return None
        out[key] = value
    return out


def format_log_line(entry: dict[str, str]) -> str:
    """flux's template: `{{.Timestamp}} {{.Level}} {{or .Kind .ControllerKind}}{{if .Name}}
    /{{.Name}}.{{.Namespace}}{{end}} - {{.Message}} {{.Error}}` (so a trailing space when
    there is no error)."""
    kind = entry["kind"] or entry["controllerKind"]
    target = f"/{entry['name']}.{entry['namespace']}" if entry["name"] else ""
    return f"{entry['ts']} {entry['level']} {kind}{target} - {entry['msg']} {entry['error']}\n"


def kubectl_logs(words: list[str], flags: dict[str, list[str]]) -> None:
    """One pod's log: the controller lines stored under state "logs"[<deployment>]."""
    if len(words) != 1:
        fs.fail("error: expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.")
    target = words[0]
    namespace = one(flags, "-n", "--namespace") or "default"
    since = tail = None
    for flag in ("--since", "--tail"):
        value = one(flags, flag)
        try:
            if value is not None and flag == "--since":
                since = fs.parse_duration(value)
            elif value is not None:
                tail = int(value)
        except ValueError:
            kind = "time: invalid duration" if flag == "--since" else "strconv.ParseInt: parsing"
            fs.fail(f'error: invalid argument "{value}" for "{flag}" flag: {kind} "{value}"')
    with fs.locked_state(write=False) as state:
        cluster = fs.connect(
            state, "kubectl", one(flags, "--context"), one(flags, "--kubeconfig"), verb="logs"
        )
        if one(flags, "--since-time"):
            since = (
                fs.now(state) - fs.parse_time(one(flags, "--since-time") or "")
            ).total_seconds()
        deployments = cluster.get("deployments", {})
        kind, slash, name = target.partition("/")
        if not slash:
            kind, name = "pod", target
        if kind in ("deploy", "deployment", "deployments"):
            if f"{namespace}/{name}" not in deployments:
                fs.fail(f'Error from server (NotFound): deployments.apps "{name}" not found')
            deployment = name
        elif kind in ("pod", "pods", "po"):
            matching = [
                key.split("/", 1)[1] for key in deployments
                if key.startswith(f"{namespace}/") and fakediag.pod_name(namespace, key.split("/", 1)[1]) == name
            ]  # fmt: skip
            if not matching:
                fs.fail(f'Error from server (NotFound): pods "{name}" not found')
            deployment = matching[0]
        else:
            fs.fail(f"error: fake kubectl does not support logs of {kind!r}")
            raise AssertionError
        pod = fakediag.pod_name(namespace, deployment)
        container = one(flags, "-c", "--container")
        if container not in (None, "manager"):
            fs.fail(f"error: container {container} is not valid for pod {pod}")
        entry = fakediag.deployment_entry(deployments[f"{namespace}/{deployment}"])
        if entry.get("state", "ready") == "stuck":
            fs.fail(
                f'Error from server (BadRequest): container "manager" in pod "{pod}" is waiting to start: ContainerCreating'
            )
        lines = fakediag.recent(state, fakediag.log_lines(state, cluster, deployment), since, tail)
    sys.stdout.write("".join(line + "\n" for line in lines))
