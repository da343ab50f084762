"""The fake `flux` and `kubectl` (tests/fakes/) held to the behaviour of the real CLIs they
stand in for. Every test runs the fake executables as subprocesses, as the tasks do, and
checks their exact output, exit code and the cluster state they leave.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fakes import samples as s
from fakes import samples_diag as d
from hypothesis import given
from hypothesis import strategies as st

FAKES = Path(__file__).resolve().parent / "fakes"
sys.path.insert(0, str(FAKES))  # the fakes' own modules import each other by plain name
import fakeyaml  # noqa: E402

CANARY, PROD = "prow-canary-cluster", "prow-build-cluster"
STATUS_KINDS = (
    "kustomizations.kustomize.toolkit.fluxcd.io,helmreleases.helm.toolkit.fluxcd.io,"
    "gitrepositories.source.toolkit.fluxcd.io,helmrepositories.source.toolkit.fluxcd.io,"
    "ocirepositories.source.toolkit.fluxcd.io"
)
KLOG = re.compile(
    r'^E\d{4} \d\d:\d\d:\d\d\.\d{6} +\d+ memcache\.go:265\] "Unhandled Error" '
    r'err="couldn\'t get current server API group list: .+"$'
)


@dataclass
class Fake:
    """A state file, a call log and a way to run the fakes against them."""

    base: Path

    def __post_init__(self) -> None:
        self.state_file = self.base / "state.json"
        self.calls_file = self.base / "calls.jsonl"
        self.marker = self.base / "hanging"

    def seed(self, state: dict[str, Any] | None = None, **extra: Any) -> None:
        full = {"context": CANARY, "objects": [], "script": [], **(state or {}), **extra}
        self.state_file.write_text(json.dumps(full))

    def state(self) -> dict[str, Any]:
        state: dict[str, Any] = json.loads(self.state_file.read_text())
        return state

    def obj(self, kind: str, namespace: str, name: str, context: str | None = None) -> Any:
        state = self.state()
        cluster = state["clusters"][context] if context else state
        for obj in cluster["objects"]:
            meta = obj["metadata"]
            if (obj["kind"], meta["namespace"], meta["name"]) == (kind, namespace, name):
                return obj
        return None

    def calls(self) -> list[list[str]]:
        return [json.loads(line) for line in self.calls_file.read_text().splitlines()]

    def env(self, extra: dict[str, str] | None) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("FLUXTASKS_FAKE_") and k != "KUBECONFIG"
        }
        env.update(
            FLUXTASKS_FAKE_STATE=str(self.state_file),
            FLUXTASKS_FAKE_CALLS=str(self.calls_file),
            FLUXTASKS_FAKE_POLL="0.001",
            FLUXTASKS_FAKE_HANG_MARKER=str(self.marker),
        )
        env.update(extra or {})
        return env

    def run(
        self, tool: str, *args: str, env: dict[str, str] | None = None, input: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, str(FAKES / tool), *args],
            env=self.env(env),
            input=input,
            capture_output=True,
            text=True,
            timeout=60,
        )

    def start(self, tool: str, *args: str, env: dict[str, str] | None = None) -> Any:
        """Start a fake in its own process group (as a task starts its tools)."""
        return subprocess.Popen(
            [sys.executable, str(FAKES / tool), *args],
            env=self.env(env),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )

    def hanging_pids(self, proc: Any) -> list[int]:
        """Wait until the fake reports (marker file) that it hangs; its pids."""
        deadline = time.monotonic() + 30
        while not self.marker.exists():
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the fake never reported that it hangs"
            time.sleep(0.005)
        return [int(line) for line in self.marker.read_text().split()]


@pytest.fixture
def fake(tmp_path: Path) -> Iterator[Fake]:
    yield Fake(tmp_path)


def lines(text: str) -> list[str]:
    return text.splitlines()


def annotations(obj: dict[str, Any]) -> dict[str, str]:
    found: dict[str, str] = obj["metadata"].get("annotations", {})
    return found


def suspended(fake: Fake) -> set[tuple[str, str]]:
    return {
        (o["metadata"]["namespace"], o["metadata"]["name"])
        for o in fake.state()["objects"]
        if o["spec"].get("suspend")
    }


def gone(pid: int) -> bool:
    """The process no longer runs (exited, or a zombie waiting to be reaped)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True
    return "\nState:\tZ" in status


# ---------------------------------------------------------------- suspend / resume


DENIED = 'admission webhook "policy.example.com" denied the request: not during a freeze'
APPS = [s.helm_release("web", "apps"), s.helm_release("db", "apps"), s.helm_release("web", "other")]


def test_suspend_goes_on_after_a_per_object_api_error_and_exits_0(fake: Fake) -> None:
    fake.seed({"objects": APPS, "apiErrors": {"HelmRelease/apps/db": DENIED}})
    result = fake.run("flux", "suspend", "hr", "db", "nope", "web", "db", "-n", "apps")
    assert result.returncode == 0
    assert lines(result.stderr) == [
        "► suspending helmrelease db in apps namespace",
        f"✗ failed suspending HelmRelease db in apps namespace: {DENIED}",
        "✗ HelmRelease nope not found in apps namespace",
        "► suspending helmrelease web in apps namespace",
        "✔ helmrelease suspended",
    ]  # a name given twice is done once
    assert suspended(fake) == {("apps", "web")}
    assert fake.obj("HelmRelease", "apps", "web")["metadata"]["generation"] == 2
    assert fake.obj("HelmRelease", "apps", "db")["metadata"]["generation"] == 1


def test_suspend_all_is_the_namespace_only_and_goes_on_after_an_api_error(fake: Fake) -> None:
    fake.seed({"objects": APPS, "apiErrors": {"HelmRelease/apps/db": DENIED}})
    result = fake.run("flux", "suspend", "hr", "--all", "-n", "apps")
    assert result.returncode == 0
    assert lines(result.stderr) == [
        "► suspending helmrelease db in apps namespace",
        f"✗ failed suspending HelmRelease db in apps namespace: {DENIED}",
        "► suspending helmrelease web in apps namespace",
        "✔ helmrelease suspended",
    ]
    assert suspended(fake) == {("apps", "web")}


@pytest.mark.parametrize("command", ["suspend", "resume"])
def test_all_with_nothing_in_the_namespace_is_exit_1(fake: Fake, command: str) -> None:
    fake.seed({"objects": APPS})
    result = fake.run("flux", command, "hr", "--all", "-n", "empty")
    assert (result.returncode, result.stderr) == (1, "✗ no objects found\n")
    assert fake.state()["objects"] == APPS


def test_resume_all_resumes_the_namespace_and_does_not_wait(fake: Fake) -> None:
    fake.seed({"objects": [s.helm_release(n, ns, suspend=True) for n, ns in
                           (("web", "apps"), ("db", "apps"), ("web", "other"))]})  # fmt: skip
    result = fake.run("flux", "resume", "hr", "--all", "-n", "apps")
    assert result.returncode == 0, result.stderr
    assert lines(result.stderr) == [
        "► resuming helmrelease db in apps namespace",
        "✔ helmrelease resumed",
        "► resuming helmrelease web in apps namespace",
        "✔ helmrelease resumed",
    ]
    assert suspended(fake) == {("other", "web")}
    assert fake.state()["ticks"] == 0  # no poll at all


@pytest.mark.parametrize(
    ("args", "waits"),
    [
        pytest.param(["web"], True, id="one-name-waits"),
        pytest.param(["web", "--wait=false"], False, id="one-name-wait-false"),
        pytest.param(["web", "db"], False, id="several-names-do-not-wait"),
        pytest.param(["web", "db", "--wait"], True, id="several-names-with-wait"),
    ],
)
def test_resume_waits_for_one_name_and_for_several_only_with_wait(
    fake: Fake, args: list[str], waits: bool
) -> None:
    fake.seed({"objects": [s.helm_release("web", "apps", suspend=True),
                           s.helm_release("db", "apps", suspend=True)]})  # fmt: skip
    result = fake.run("flux", "resume", "hr", *args, "-n", "apps")
    assert result.returncode == 0, result.stderr
    names = [a for a in args if not a.startswith("-")]
    resumed = [f(n) for n in names for f in (lambda n: f"► resuming helmrelease {n} in apps namespace",
                                             lambda n: "✔ helmrelease resumed")]  # fmt: skip
    waited = ["◎ waiting for HelmRelease reconciliation"] * len(names) + [
        line
        for name in sorted(names)
        for line in (f"✔ HelmRelease {name} reconciliation completed", "✔ applied revision 1.0.2")
    ]
    assert lines(result.stderr) == resumed + (waited if waits else [])


@pytest.mark.parametrize(
    ("version", "code", "after"),
    [
        pytest.param("v2.3.0", 0, ["✗ Failed to upgrade after 1 attempt(s)",
                                   "✔ HelmRelease karpenter reconciliation completed",
                                   "✔ applied revision 1.0.1"], id="v2.3-success-printed-anyway"),
        pytest.param("v2.8.0", 0, ["✗ HelmRelease karpenter reconciliation failed: Failed to upgrade after 1 attempt(s)"],
                     id="v2.8"),
        pytest.param("v2.9.4", 1, ["✗ HelmRelease karpenter reconciliation failed: Failed to upgrade after 1 attempt(s)",
                                   "✗ reconciliation failed for 1 HelmRelease(s)"], id="v2.9-exit-1"),
    ],
)  # fmt: skip
def test_resume_of_a_release_that_stays_stalled(
    fake: Fake, version: str, code: int, after: list[str]
) -> None:
    stalled = s.upgrade_rolled_back("karpenter")
    stalled["spec"]["suspend"] = True
    fake.seed({"objects": [stalled], "fluxVersion": version})
    result = fake.run("flux", "resume", "hr", "karpenter", "-n", "kube-system")
    assert result.returncode == code
    assert lines(result.stderr) == [
        "► resuming helmrelease karpenter in kube-system namespace",
        "✔ helmrelease resumed",
        "◎ waiting for HelmRelease reconciliation",
        *after,
    ]


@pytest.mark.parametrize(
    ("version", "line"),
    [
        ("v2.4.0", "✗ no HelmRelease objects found in apps namespace"),
        ("v2.5.0", "✗ HelmRelease object 'nope' not found in apps namespace"),
    ],
)
def test_resume_of_a_missing_name_is_a_line_and_exit_0_worded_by_the_cli_version(
    fake: Fake, version: str, line: str
) -> None:
    fake.seed({"objects": APPS, "fluxVersion": "v2.9.4"})  # the environment wins
    result = fake.run("flux", "resume", "hr", "nope", "-n", "apps",
                      env={"FLUXTASKS_FAKE_FLUX_VERSION": version})  # fmt: skip
    assert (result.returncode, lines(result.stderr)) == (0, [line])


def test_resume_stops_at_an_api_error_with_exit_1(fake: Fake) -> None:
    fake.seed({"objects": [s.helm_release(n, "apps", suspend=True) for n in ("web", "db")],
               "apiErrors": {"HelmRelease/apps/db": DENIED}})  # fmt: skip
    result = fake.run("flux", "resume", "hr", "web", "db", "-n", "apps", "--wait")
    assert result.returncode == 1
    assert lines(result.stderr) == [
        "► resuming helmrelease web in apps namespace",
        "✔ helmrelease resumed",
        "► resuming helmrelease db in apps namespace",
        f"✗ {DENIED}",
    ]
    assert suspended(fake) == {("apps", "db")}


# ---------------------------------------------------------------- reconcile


def release_chain(
    repository: dict[str, Any], *, suspend: bool = False, chart: bool = True
) -> list[dict[str, Any]]:
    """HelmRelease apps/web, its HelmChart flux-system/apps-web, and the chart's repository."""
    name = repository["metadata"]["name"]
    hr = s.helm_release(
        "web", "apps", source=("HelmRepository", name, "flux-system"), suspend=suspend
    )
    chart_obj = s.helm_chart("web", "apps", source=("HelmRepository", name, "flux-system"))
    return [hr, repository, *([chart_obj] if chart else [])]


CHART_AND_RELEASE = [
    "► annotating HelmChart apps-web in flux-system namespace",
    "✔ HelmChart annotated",
    "◎ waiting for HelmChart reconciliation",
    "✔ fetched revision 1.0.2",
    "► annotating HelmRelease web in apps namespace",
    "✔ HelmRelease annotated",
    "◎ waiting for HelmRelease reconciliation",
    "✔ applied revision 1.0.2",
]


@pytest.mark.parametrize(
    ("repository", "first"),
    [
        pytest.param(s.oci_helm_repository("charts"), ["✔ reconciliation not supported by the object"],
                     id="static-oci-repository"),
        pytest.param(s.helm_repository("charts"), [
            "► annotating HelmRepository charts in flux-system namespace",
            "✔ HelmRepository annotated",
            "◎ waiting for HelmRepository reconciliation",
            f"✔ fetched revision sha256:{'5' * 64}",
        ], id="https-repository"),
    ],
)  # fmt: skip
def test_reconcile_release_with_source_goes_through_its_helmchart(
    fake: Fake, repository: dict[str, Any], first: list[str]
) -> None:
    fake.seed({"objects": release_chain(repository)})
    result = fake.run("flux", "reconcile", "hr", "web", "-n", "apps", "--with-source")
    assert result.returncode == 0, result.stderr
    assert lines(result.stderr) == first + CHART_AND_RELEASE
    for kind, namespace, name in (
        ("HelmChart", "flux-system", "apps-web"),
        ("HelmRelease", "apps", "web"),
    ):
        assert "reconcile.fluxcd.io/requestedAt" in annotations(fake.obj(kind, namespace, name))
    repo = fake.obj("HelmRepository", "flux-system", "charts")
    static = repository["spec"].get("type") == "oci"
    assert ("reconcile.fluxcd.io/requestedAt" in annotations(repo)) is not static


def test_reconcile_with_source_of_a_suspended_release_fails_before_the_source(fake: Fake) -> None:
    objects = release_chain(s.helm_repository("charts"), suspend=True)
    fake.seed({"objects": objects})
    result = fake.run("flux", "reconcile", "hr", "web", "-n", "apps", "--with-source")
    assert (result.returncode, result.stderr) == (1, "✗ resource is suspended\n")
    assert fake.state()["objects"] == objects  # nothing annotated, the source included


def test_reconcile_with_source_of_a_suspended_kustomization_fails_before_the_source(
    fake: Fake,
) -> None:
    ks = s.kustomization("apps")
    ks["spec"]["suspend"] = True
    objects = [ks, s.git_repository("k8s-io")]
    fake.seed({"objects": objects})
    result = fake.run("flux", "reconcile", "ks", "apps", "--with-source")
    assert (result.returncode, result.stderr) == (1, "✗ resource is suspended\n")
    assert fake.state()["objects"] == objects


def test_reconcile_release_with_source_needs_its_helmchart(fake: Fake) -> None:
    fake.seed({"objects": release_chain(s.helm_repository("charts"), chart=False)})
    result = fake.run("flux", "reconcile", "hr", "web", "-n", "apps", "--with-source")
    assert result.returncode == 1
    assert result.stderr == '✗ helmcharts.source.toolkit.fluxcd.io "apps-web" not found\n'


@pytest.mark.parametrize("version", ["v2.2.0", "v2.9.4"])
def test_reconcile_of_a_static_oci_helmrepository_is_not_supported(
    fake: Fake, version: str
) -> None:
    repo = s.oci_helm_repository("karpenter")
    fake.seed({"objects": [repo], "fluxVersion": version})
    result = fake.run("flux", "reconcile", "source", "helm", "karpenter")
    assert (result.returncode, result.stderr) == (
        0,
        "✔ reconciliation not supported by the object\n",
    )
    assert fake.state()["objects"] == [repo]


def test_reconcile_of_an_oci_helmrepository_before_v2_2_waits_for_it(fake: Fake) -> None:
    fake.seed({"objects": [s.oci_helm_repository("karpenter")], "fluxVersion": "v2.1.0"})
    result = fake.run("flux", "reconcile", "source", "helm", "karpenter", "--timeout", "20ms")
    assert result.returncode == 1
    assert lines(result.stderr) == [
        "► annotating HelmRepository karpenter in flux-system namespace",
        "✔ HelmRepository annotated",
        "◎ waiting for HelmRepository reconciliation",
        "✗ timed out waiting for the condition",
    ]


def test_reconcile_of_a_suspended_object_fails(fake: Fake) -> None:
    fake.seed({"objects": [s.helm_release("web", "apps", suspend=True)]})
    result = fake.run("flux", "reconcile", "hr", "web", "-n", "apps")
    assert (result.returncode, result.stderr) == (1, "✗ resource is suspended\n")


@pytest.mark.parametrize(
    ("args", "counters_reset"),
    [
        pytest.param(["reconcile", "hr", "karpenter", "--reset"], True, id="reset"),
        pytest.param(["reconcile", "hr", "karpenter"], False, id="plain-reconcile"),
    ],
)
def test_reset_zeroes_the_failure_counters_and_a_plain_reconcile_does_not(
    fake: Fake, args: list[str], counters_reset: bool
) -> None:
    fake.seed({"objects": [s.upgrade_rolled_back("karpenter")], "fluxVersion": "v2.9.4"})
    result = fake.run("flux", *args, "-n", "kube-system")
    assert (result.returncode, lines(result.stderr)[-1]) == (
        1,
        "✗ Failed to upgrade after 1 attempt(s)",
    )
    status = fake.obj("HelmRelease", "kube-system", "karpenter")["status"]
    counters = {k: status[k] for k in ("failures", "upgradeFailures") if k in status}
    assert counters == ({} if counters_reset else {"failures": 1, "upgradeFailures": 1})
    token = annotations(fake.obj("HelmRelease", "kube-system", "karpenter"))[
        "reconcile.fluxcd.io/requestedAt"
    ]
    assert status["lastHandledReconcileAt"] == token
    assert status.get("lastHandledResetAt") == (token if counters_reset else None)


def test_resume_of_a_failed_release_resets_its_counters_with_the_new_generation(fake: Fake) -> None:
    stalled = s.upgrade_rolled_back("karpenter")
    stalled["spec"]["suspend"] = True
    fake.seed({"objects": [stalled], "fluxVersion": "v2.9.4"})
    fake.run("flux", "resume", "hr", "karpenter", "-n", "kube-system")
    status = fake.obj("HelmRelease", "kube-system", "karpenter")["status"]
    assert "failures" not in status and "upgradeFailures" not in status
    assert status["observedGeneration"] == 4


# ---------------------------------------------------------------- events


def test_get_events_is_a_kubectl_list_filtered_by_field_selector(fake: Fake) -> None:
    fake.seed(
        now=d.NOW,
        events=[
            d.upgrade_failed_event("karpenter"),
            d.event("HelmRelease/kube-system/other", "InstallSucceeded", "Helm install succeeded"),
            d.event("Kustomization/flux-system/apps", "ReconciliationSucceeded", "Reconciliation finished"),
        ],
    )  # fmt: skip
    selector = "involvedObject.kind=HelmRelease,involvedObject.name=karpenter"
    result = fake.run(
        "kubectl", "get", "events", "-n", "kube-system", "--field-selector", selector, "-o", "json"
    )
    assert result.returncode == 0, result.stderr
    listing = json.loads(result.stdout)
    assert {k: listing[k] for k in ("apiVersion", "kind", "metadata")} == {
        "apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""}}  # fmt: skip
    [event] = listing["items"]
    assert set(event) == {
        "apiVersion", "count", "eventTime", "firstTimestamp", "involvedObject", "kind",
        "lastTimestamp", "message", "metadata", "reason", "reportingComponent",
        "reportingInstance", "source", "type",
    }  # fmt: skip
    assert {k: v for k, v in event["involvedObject"].items() if k not in ("uid", "resourceVersion")} == {
        "apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease", "name": "karpenter",
        "namespace": "kube-system"}  # fmt: skip
    assert (event["type"], event["reason"], event["lastTimestamp"]) == (
        "Warning",
        "UpgradeFailed",
        "2024-06-01T11:58:00Z",
    )
    assert event["source"] == {"component": "helm-controller"}
    assert event["metadata"]["name"].startswith("karpenter.")
    assert "\n\nLast Helm logs:\n\npreparing upgrade for karpenter\n" in event["message"]
    every = json.loads(fake.run("kubectl", "get", "events", "-A", "-o", "json").stdout)["items"]
    keys = [(e["metadata"]["namespace"], e["metadata"]["name"]) for e in every]
    assert len(keys) == 3 and keys == sorted(keys)  # listed by name, as the API server does
    default = json.loads(fake.run("kubectl", "get", "events", "-o", "json").stdout)
    assert default["items"] == []  # -n defaults to "default"


def test_events_older_than_the_event_ttl_have_expired(fake: Fake) -> None:
    events = [d.event("HelmRelease/apps/web", "UpgradeFailed", "old", type_="Warning", age="3h"),
              d.event("HelmRelease/apps/web", "UpgradeSucceeded", "new", age="30m")]  # fmt: skip
    for ttl, expected in ((None, ["old", "new"]), ("1h", ["new"])):
        fake.seed(now=d.NOW, events=events, **({"eventTTL": ttl} if ttl else {}))
        result = fake.run("kubectl", "get", "events", "-n", "apps", "-o", "json")
        assert sorted(e["message"] for e in json.loads(result.stdout)["items"]) == sorted(expected)


def test_events_field_selector_on_an_unsupported_field_is_a_bad_request(fake: Fake) -> None:
    fake.seed()
    result = fake.run("kubectl", "get", "events", "--field-selector", "spec.x=y", "-o", "json")
    assert result.returncode == 1
    assert result.stderr == (
        'Error from server (BadRequest): Unable to find "/v1, Resource=events" that match label '
        'selector "", field selector "spec.x=y": field label not supported: spec.x\n'
    )


# ---------------------------------------------------------------- controller logs


def seed_logs(fake: Fake, **states: str) -> None:
    fake.seed(now=d.NOW, deployments=d.flux_deployments(**states),
              logs={"helm-controller": d.helm_controller_logs("karpenter")})  # fmt: skip


def test_kubectl_logs_of_a_controller_with_since_and_tail(fake: Fake) -> None:
    seed_logs(fake)
    base = ["logs", "deploy/helm-controller", "-n", "flux-system", "-c", "manager"]
    everything = lines(fake.run("kubectl", *base).stdout)
    assert len(everything) == 9
    assert everything[1].startswith("I0601 09:00:01.000000       1 leaderelection.go:250] ")
    recent = lines(fake.run("kubectl", *base, "--since=5m").stdout)
    assert recent == everything[-3:]
    failure = json.loads(recent[0])
    assert list(failure)[:7] == [
        "level",
        "ts",
        "msg",
        "controller",
        "controllerGroup",
        "controllerKind",
        "HelmRelease",
    ]
    assert list(failure)[-1] == "error"  # zap's order, not the state file's sorted keys
    assert (failure["ts"], failure["name"], failure["namespace"]) == (
        "2024-06-01T11:56:00.000Z",
        "karpenter",
        "kube-system",
    )
    assert lines(fake.run("kubectl", *base, "--tail=2").stdout) == everything[-2:]
    assert (
        lines(fake.run("kubectl", *base, "--since=4h").stdout) == everything
    )  # klog times count too


@pytest.mark.parametrize(
    ("args", "pattern"),
    [
        pytest.param(["deploy/nope"], r'Error from server \(NotFound\): deployments.apps "nope" not found', id="no-deployment"),
        pytest.param(["deploy/helm-controller", "-c", "sidecar"],
                     r"error: container sidecar is not valid for pod helm-controller-[0-9a-f]{10}-[0-9a-f]{5}", id="container"),
        pytest.param(["deploy/kustomize-controller"],
                     r'Error from server \(BadRequest\): container "manager" in pod "kustomize-controller-[0-9a-f]{10}-[0-9a-f]{5}" '
                     r"is waiting to start: ContainerCreating", id="pod-not-started"),
    ],
)  # fmt: skip
def test_kubectl_logs_errors(fake: Fake, args: list[str], pattern: str) -> None:
    seed_logs(fake, **{"kustomize-controller": "stuck"})
    result = fake.run("kubectl", "logs", *args, "-n", "flux-system")
    assert result.returncode == 1
    assert re.fullmatch(pattern + "\n", result.stderr), result.stderr


def test_flux_logs_filters_and_the_namespace_pitfall(fake: Fake) -> None:
    seed_logs(fake)
    by_name = ["logs", "--kind", "HelmRelease", "--name", "karpenter"]
    result = fake.run("flux", *by_name)  # the object namespace defaults to flux-system
    assert (result.returncode, result.stdout) == (0, (
        "2024-06-01T11:40:00.000Z info HelmRelease/karpenter.flux-system - release in-sync with desired state \n"))  # fmt: skip
    result = fake.run("flux", *by_name, "-n", "kube-system")
    assert lines(result.stdout) == [
        "2024-06-01T11:50:00.000Z info HelmRelease/karpenter.kube-system - release out-of-sync with desired state: chart version changed ",
        "2024-06-01T11:51:00.000Z info HelmRelease/karpenter.kube-system - running 'upgrade' action with timeout of 5m0s ",
        "2024-06-01T11:56:00.000Z error HelmRelease/karpenter.kube-system - Reconciler error Helm upgrade failed for release "
        "kube-system/karpenter with chart karpenter@1.0.2: timed out waiting for the condition",
        "2024-06-01T11:58:00.000Z info HelmRelease/karpenter.kube-system - rolled back release to previous version ",
    ]  # fmt: skip
    errors = lines(fake.run("flux", "logs", "-A", "--level", "error").stdout)
    assert [e.split(" - ")[0] for e in errors] == [
        "2024-06-01T11:56:00.000Z error HelmRelease/karpenter.kube-system",
        "2024-06-01T11:57:00.000Z error HelmRelease/podinfo.apps",
    ]  # --level is an exact match; startup lines have no object and no namespace
    assert len(lines(fake.run("flux", "logs", "-A", "--since", "3m").stdout)) == 2
    bad = fake.run("flux", "logs", "--level", "warn")
    assert bad.returncode == 1 and bad.stderr.startswith(
        '✗ invalid argument "warn" for "--level" flag'
    )


def test_flux_logs_with_a_controller_pod_that_never_started(fake: Fake) -> None:
    seed_logs(fake, **{"kustomize-controller": "stuck"})
    result = fake.run("flux", "logs", "-A", "--level", "error")
    assert result.returncode == 1
    assert len(lines(result.stdout)) == 2  # the other controllers' lines are still printed
    assert re.fullmatch(
        r'failed getting logs: container "manager" in pod "kustomize-controller-[0-9a-f-]+" is waiting to start: '
        r"ContainerCreating\n✗ failed to collect logs from all Flux pods\n", result.stderr)  # fmt: skip


def test_flux_logs_without_flux_pods(fake: Fake) -> None:
    fake.seed()
    result = fake.run("flux", "logs")
    assert (result.returncode, result.stderr) == (
        1,
        '✗ no Flux pods found in namespace "flux-system"\n',
    )


# ---------------------------------------------------------------- HelmCharts, Deployments, version


def test_get_helmcharts(fake: Fake) -> None:
    chart = s.helm_chart("karpenter")
    fake.seed({"objects": [s.upgrade_rolled_back("karpenter"), chart]})
    result = fake.run(
        "kubectl", "get", "helmcharts.source.toolkit.fluxcd.io", "-n", "flux-system", "-o", "json"
    )
    assert [i["metadata"]["name"] for i in json.loads(result.stdout)["items"]] == [
        "kube-system-karpenter"
    ]
    one = fake.run(
        "kubectl", "get", "hc", "kube-system-karpenter", "-n", "flux-system", "-o", "json"
    )
    assert json.loads(one.stdout) == chart
    fake.seed({"objects": [chart], "missingCrds": ["helmcharts.source.toolkit.fluxcd.io"]})
    missing = fake.run("kubectl", "get", "helmcharts.source.toolkit.fluxcd.io", "-A", "-o", "json")
    assert (missing.returncode, missing.stderr) == (
        1,
        'error: the server doesn\'t have a resource type "helmcharts"\n',
    )


def test_get_deployments_shows_controller_readiness(fake: Fake) -> None:
    fake.seed(deployments=d.flux_deployments(**{"helm-controller": "stuck"}))
    base = ["get", "deployments", "-n", "flux-system", "-o", "json"]
    result = fake.run("kubectl", *base, "-l", "app.kubernetes.io/part-of=flux")
    items = {i["metadata"]["name"]: i for i in json.loads(result.stdout)["items"]}
    assert sorted(items) == sorted(d.CONTROLLERS)
    ready, stuck = items["source-controller"]["status"], items["helm-controller"]["status"]
    assert (
        ready["readyReplicas"],
        ready["availableReplicas"],
        ready["conditions"][0]["status"],
    ) == (1, 1, "True")
    assert "readyReplicas" not in stuck and stuck["unavailableReplicas"] == 1
    assert stuck["conditions"][0] == {
        "type": "Available", "status": "False", "reason": "MinimumReplicasUnavailable",
        "message": "Deployment does not have minimum availability."}  # fmt: skip
    assert (
        json.loads(fake.run("kubectl", *base, "-l", "app.kubernetes.io/part-of!=flux").stdout)[
            "items"
        ]
        == []
    )
    missing = fake.run("kubectl", "get", "deploy", "nope", "-n", "flux-system", "-o", "json")
    assert missing.stderr == 'Error from server (NotFound): deployments.apps "nope" not found\n'


def test_flux_version_lists_the_clusters_controllers(fake: Fake) -> None:
    fake.seed(fluxVersion="v2.3.0", deployments=d.flux_deployments())
    result = fake.run("flux", "version")
    assert lines(result.stdout) == [
        "flux: v2.3.0", "distribution: flux-v2.3.0", "helm-controller: v1.0.1",
        "kustomize-controller: v1.3.0", "notification-controller: v1.3.0", "source-controller: v1.3.0",
    ]  # fmt: skip


# ---------------------------------------------------------------- several clusters


def two(prod: dict[str, Any] | None = None) -> dict[str, Any]:
    canary = {"objects": [s.helm_release("karpenter", generation=1)]}
    prod = prod if prod is not None else {"objects": [s.helm_release("karpenter", version="1.0.1")]}
    return d.two_clusters(canary, prod)


def test_each_context_is_its_own_cluster(fake: Fake) -> None:
    fake.seed(two())
    versions = {}
    for context in (CANARY, PROD):
        result = fake.run("kubectl", "get", "hr", "-A", "-o", "json", "--context", context)
        versions[context] = [
            i["spec"]["chart"]["spec"]["version"] for i in json.loads(result.stdout)["items"]
        ]
    assert versions == {CANARY: ["1.0.2"], PROD: ["1.0.1"]}
    result = fake.run("flux", "suspend", "hr", "karpenter", "-n", "kube-system", "--context", PROD)
    assert result.returncode == 0, result.stderr
    assert fake.obj("HelmRelease", "kube-system", "karpenter", PROD)["spec"]["suspend"] is True
    assert "suspend" not in fake.obj("HelmRelease", "kube-system", "karpenter", CANARY)["spec"]
    fake.run("kubectl", "get", "hr", "-A", "-o", "json")  # no --context: the current one
    clusters = fake.state()["clusters"]
    assert (clusters[CANARY]["ticks"], clusters[PROD]["ticks"]) == (2, 1)


DOWN = [
    pytest.param("refused", "The connection to the server 127.0.0.1:6443 was refused - did you specify the right host or port?", id="refused"),
    pytest.param("timeout", "Unable to connect to the server: dial tcp 10.0.0.1:443: i/o timeout", id="timeout"),
    pytest.param("no-such-host", "Unable to connect to the server: dial tcp: lookup "
                 "0123456789ABCDEF0123456789ABCDEF.gr7.us-west-2.eks.amazonaws.com on 127.0.0.53:53: no such host", id="no-such-host"),
    pytest.param("unauthorized", "error: You must be logged in to the server "
                 "(the server has asked for the client to provide credentials)", id="unauthorized"),
]  # fmt: skip


@pytest.mark.parametrize(("mode", "last"), DOWN)
def test_an_unreachable_context_fails_like_kubectl(fake: Fake, mode: str, last: str) -> None:
    fake.seed(two({"unreachable": mode}))
    result = fake.run("kubectl", "get", STATUS_KINDS, "-A", "-o", "json", "--context", PROD)
    assert result.returncode == 1 and result.stdout == ""
    *discovery, final = lines(result.stderr)
    assert final == last
    assert len(discovery) == 11 and all(KLOG.match(line) for line in discovery), discovery
    short = fake.run("kubectl", "get", "hr", "-A", "-o", "json", "--context", PROD)
    assert len(lines(short.stderr)) == 6  # 5 discovery errors without a group-qualified name
    logs = fake.run(
        "kubectl", "logs", "deploy/helm-controller", "-n", "flux-system", "--context", PROD
    )
    assert len(lines(logs.stderr)) == 5 and lines(logs.stderr)[-1] == last
    assert fake.run("kubectl", "get", "hr", "-A", "-o", "json", "--context", CANARY).returncode == 0


@pytest.mark.parametrize(
    ("mode", "flux_line"),
    [
        ("refused", '✗ failed to get server groups: Get "https://127.0.0.1:6443/api?timeout=32s": dial tcp 127.0.0.1:6443: connect: connection refused'),
        ("timeout", '✗ failed to get server groups: Get "https://10.0.0.1:443/api?timeout=32s": dial tcp 10.0.0.1:443: i/o timeout'),
        ("no-context", f"✗ kubernetes configuration load failed: invalid configuration: context was not found for specified context: {PROD}"),
    ],
)  # fmt: skip
def test_an_unreachable_context_fails_like_flux(fake: Fake, mode: str, flux_line: str) -> None:
    fake.seed(two({"unreachable": mode}))
    result = fake.run("flux", "suspend", "hr", "karpenter", "-n", "kube-system", "--context", PROD)
    assert (result.returncode, result.stderr) == (1, flux_line + "\n")


def test_kubectl_apply_and_diff_report_an_unreachable_cluster_their_own_way(
    fake: Fake, tmp_path: Path
) -> None:
    fake.seed(two({"unreachable": "refused"}))
    manifest = tmp_path / "cm.yaml"
    manifest.write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  namespace: apps\n"
    )
    applied = fake.run("kubectl", "apply", "--server-side", "-f", str(manifest), "--context", PROD)
    assert (applied.returncode, applied.stderr) == (1, (
        f'error: error validating "{manifest}": error validating data: failed to download openapi: '
        'Get "https://127.0.0.1:6443/openapi/v2?timeout=32s": dial tcp 127.0.0.1:6443: connect: connection refused; '
        "if you choose to ignore these errors, turn validation off with --validate=false\n"))  # fmt: skip
    diffed = fake.run(
        "kubectl", "diff", "--server-side", "-f", "-", "--context", PROD, input=manifest.read_text()
    )
    klog, last = lines(diffed.stderr)
    assert diffed.returncode == 2 and KLOG.match(klog)
    assert last == ('error: unable to recognize "STDIN": Get "https://127.0.0.1:6443/api?timeout=32s": '
                    "dial tcp 127.0.0.1:6443: connect: connection refused")  # fmt: skip


def test_context_problems_before_any_request(fake: Fake, tmp_path: Path) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    fake.seed(two({"unreachable": "bad-kubeconfig"}))
    env = {"KUBECONFIG": str(kubeconfig)}
    bad = fake.run("kubectl", "get", "hr", "-A", "-o", "json", "--context", PROD, env=env)
    assert (bad.returncode, bad.stderr) == (1, (
        f'error: error loading config file "{kubeconfig}": yaml: line 1: did not find expected node content\n'))  # fmt: skip
    unknown = fake.run("kubectl", "get", "hr", "-A", "-o", "json", "--context", "nope")
    assert (
        unknown.stderr
        == "Error in configuration: context was not found for specified context: nope\n"
    )
    fake.seed({**two(), "context": "ghost"})  # a current-context the kubeconfig does not define
    assert fake.run("kubectl", "config", "current-context").stdout == "ghost\n"
    ghost = fake.run("kubectl", "get", "hr", "-A", "-o", "json")
    assert (
        ghost.stderr
        == "Error in configuration: context was not found for specified context: ghost\n"
    )
    fake.seed({**two(), "context": None})
    unset = fake.run("kubectl", "config", "current-context")
    assert (unset.returncode, unset.stderr) == (1, "error: current-context is not set\n")
    nowhere = fake.run("kubectl", "get", "hr", "-A", "-o", "json")
    assert lines(nowhere.stderr)[-1] == (
        "The connection to the server localhost:8080 was refused - did you specify the right host or port?"
    )


def test_the_single_cluster_format_works_as_before(fake: Fake) -> None:
    fake.seed({"objects": APPS, "contexts": [CANARY]})
    for context in (CANARY, PROD):  # any context reaches the one cluster, unless "contexts" says
        result = fake.run("kubectl", "get", "hr", "-A", "-o", "json", "--context", context)
        assert result.returncode == (0 if context == CANARY else 1)
    fake.seed({"objects": APPS, "unreachable": True})
    kubectl = fake.run("kubectl", "get", "hr", "-A", "-o", "json")
    assert kubectl.stderr == "Unable to connect to the server: dial tcp 10.0.0.1:443: i/o timeout\n"
    flux = fake.run("flux", "suspend", "hr", "web", "-n", "apps")
    assert flux.stderr == '✗ Get "https://10.0.0.1:443/api": dial tcp 10.0.0.1:443: i/o timeout\n'


# ---------------------------------------------------------------- kubectl diff


WEB = """\
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: web
  namespace: apps
spec:
  chart:
    spec:
      chart: web
      reconcileStrategy: ChartVersion
      sourceRef:
        kind: HelmRepository
        name: karpenter
        namespace: flux-system
      version: 1.0.2
  interval: 5m0s
"""
AS_FLUX = ["diff", "--server-side", "--field-manager=kustomize-controller", "--force-conflicts"]


def diff_lines(stdout: str) -> list[str]:
    """The +/- lines of a unified diff (headers and context dropped)."""
    return [
        line for line in lines(stdout)
        if line[:1] in "+-" and not line.startswith(("+++ ", "--- "))
    ]  # fmt: skip


def test_diff_without_differences_is_exit_0_and_silent(fake: Fake, tmp_path: Path) -> None:
    fake.seed({"objects": [s.helm_release("web", "apps")]})
    manifest = tmp_path / "web.yaml"
    manifest.write_text(WEB)
    result = fake.run("kubectl", *AS_FLUX, "-f", str(manifest), "--context", CANARY)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert fake.calls() == [["kubectl", *AS_FLUX, "-f", str(manifest), "--context", CANARY]]
    assert fake.state()["diffed"] == [{
        "kind": "HelmRelease", "namespace": "apps", "name": "web", "source": str(manifest),
        "fieldManager": "kustomize-controller", "serverSide": True, "forceConflicts": True}]  # fmt: skip
    assert fake.state()["objects"] == [s.helm_release("web", "apps")]  # a diff changes nothing


def test_diff_with_differences_is_exit_1_and_a_unified_diff_per_object(fake: Fake) -> None:
    fake.seed({"objects": [s.helm_release("web", "apps")]})
    namespace = "---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: apps\n"
    result = fake.run(
        "kubectl", *AS_FLUX, "-f", "-", input=WEB.replace("1.0.2", "1.0.3") + namespace
    )
    assert result.returncode == 1, result.stderr
    out = lines(result.stdout)
    name = "helm.toolkit.fluxcd.io.v2.HelmRelease.apps.web"
    header = re.fullmatch(rf"diff -u -N (/tmp/LIVE-\d+)/{name} (/tmp/MERGED-\d+)/{name}", out[0])
    assert header, out[0]
    live, merged = header.groups()
    assert re.fullmatch(
        rf"--- {live}/{name}\t\d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{{9}} \+0000", out[1]
    )
    assert out[2].startswith(f"+++ {merged}/{name}\t")
    namespace_at = out.index(f"diff -u -N {live}/v1.Namespace..apps {merged}/v1.Namespace..apps")
    assert (
        out[namespace_at + 1]
        == f"--- {live}/v1.Namespace..apps\t1970-01-01 00:00:00.000000000 +0000"
    )
    assert out[namespace_at + 3] == "@@ -0,0 +1,4 @@"
    assert diff_lines(result.stdout) == [
        "-  generation: 1", "+  generation: 2", "-      version: 1.0.2", "+      version: 1.0.3",
        "+apiVersion: v1", "+kind: Namespace", "+metadata:", "+  name: apps",
    ]  # fmt: skip


def test_diff_shows_what_the_field_manager_would_change(fake: Fake) -> None:
    """The owner's apply drops the fields it no longer sets; another manager conflicts on
    the fields it changes, and with --force-conflicts takes them but drops nothing."""
    fake.seed({"objects": [s.helm_release("web", "apps")]})
    changed = WEB.replace("1.0.2", "1.0.3").replace("  interval: 5m0s\n", "")
    as_flux = fake.run("kubectl", *AS_FLUX, "-f", "-", input=changed)
    assert "-  interval: 5m0s" in diff_lines(as_flux.stdout)
    conflict = fake.run("kubectl", "diff", "--server-side", "-f", "-", input=changed)
    assert (conflict.returncode, conflict.stdout, conflict.stderr) == (2, "", (
        'Error from server (Conflict): Apply failed with 1 conflict: conflict with "kustomize-controller" '
        "using helm.toolkit.fluxcd.io/v2: .spec.chart.spec.version\n"))  # fmt: skip
    forced = fake.run(
        "kubectl", "diff", "--server-side", "--force-conflicts", "-f", "-", input=changed
    )
    assert forced.returncode == 1
    assert diff_lines(forced.stdout) == [
        "-  generation: 1",
        "+  generation: 2",
        "-      version: 1.0.2",
        "+      version: 1.0.3",
    ]


@pytest.mark.parametrize(
    ("state", "manifest", "error"),
    [
        pytest.param({"missingCrds": ["helmreleases.helm.toolkit.fluxcd.io"]}, WEB,
                     'error: resource mapping not found for name: "web" namespace: "apps" from "STDIN": no matches for kind '
                     '"HelmRelease" in version "helm.toolkit.fluxcd.io/v2"\nensure CRDs are installed first', id="missing-crd"),
        pytest.param({}, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n bad: [\n",
                     "error: error parsing STDIN: error converting YAML to JSON: yaml: line 5: mapping values are not "
                     "allowed in this context", id="invalid-yaml"),
        pytest.param({}, "metadata:\n  name: x\n",
                     'error: error validating "STDIN": error validating data: [apiVersion not set, kind not set]; if you '
                     "choose to ignore these errors, turn validation off with --validate=false", id="no-kind"),
    ],
)  # fmt: skip
def test_diff_errors_are_exit_2(
    fake: Fake, state: dict[str, Any], manifest: str, error: str
) -> None:
    fake.seed({"objects": [s.helm_release("web", "apps")], **state})
    result = fake.run("kubectl", *AS_FLUX, "-f", "-", input=manifest)
    assert (result.returncode, result.stdout, result.stderr) == (2, "", error + "\n")


def test_diff_of_a_missing_file_is_exit_2(fake: Fake, tmp_path: Path) -> None:
    fake.seed()
    result = fake.run("kubectl", *AS_FLUX, "-f", str(tmp_path / "nope.yaml"))
    assert (result.returncode, result.stderr) == (
        2,
        f'error: the path "{tmp_path / "nope.yaml"}" does not exist\n',
    )


def test_diff_sees_what_kubectl_apply_stored(fake: Fake) -> None:
    fake.seed()
    configmap = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: values\n  namespace: apps\ndata:\n  values.yaml: |\n    replicas: 2\n"
    assert fake.run("kubectl", "apply", "--server-side", "-f", "-", input=configmap).returncode == 0
    assert fake.run("kubectl", "apply", "--server-side", "-f", "-", input=WEB).returncode == 0
    same = fake.run(
        "kubectl",
        "diff",
        "--server-side",
        "-f",
        "-",
        input=configmap + "---\n" + WEB.replace("5m0s", "5m0s"),
    )
    assert (same.returncode, same.stdout, same.stderr) == (0, "", "")
    changed = fake.run(
        "kubectl", "diff", "--server-side", "-f", "-", input=configmap.replace("2", "3")
    )
    assert changed.returncode == 1
    assert diff_lines(changed.stdout) == ["-    replicas: 2", "+    replicas: 3"]


# ---------------------------------------------------------------- hung and noisy tools


def test_a_hung_call_reports_itself_and_dies_with_its_process_group(fake: Fake) -> None:
    fake.seed({"objects": APPS})
    env = {"FLUXTASKS_FAKE_HANG": "kubectl get", "FLUXTASKS_FAKE_HANG_CHILD": "1"}
    proc = fake.start("kubectl", "get", "hr", "-A", "-o", "json", env=env)
    try:
        pid, child = fake.hanging_pids(proc)
        assert pid == proc.pid and not gone(child)
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate(timeout=30)
        assert proc.returncode == -signal.SIGKILL
        assert len(json.loads(out)["items"]) == 3  # it did its work, then hung
        deadline = time.monotonic() + 30
        while not gone(child):  # reparented once its parent died; it must go with the group
            assert time.monotonic() < deadline, "the hung fake's child outlived its group"
            time.sleep(0.005)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_a_call_hung_at_its_start_changed_nothing_and_dies_of_a_signal(
    fake: Fake, sig: int
) -> None:
    fake.seed({"objects": APPS})
    env = {"FLUXTASKS_FAKE_HANG": "flux suspend", "FLUXTASKS_FAKE_HANG_AT": "start"}
    proc = fake.start("flux", "suspend", "hr", "web", "-n", "apps", env=env)
    fake.hanging_pids(proc)
    os.killpg(proc.pid, sig)
    _, err = proc.communicate(timeout=30)
    assert (proc.returncode, err) == (-sig, "")
    assert suspended(fake) == set()


def test_a_hung_call_can_ignore_term_and_int_so_only_sigkill_ends_it(fake: Fake) -> None:
    fake.seed()
    env = {"FLUXTASKS_FAKE_HANG": "kubectl get", "FLUXTASKS_FAKE_HANG_IGNORE": "TERM INT"}
    proc = fake.start("kubectl", "get", "hr", "-A", "-o", "json", env=env)
    try:
        [pid] = fake.hanging_pids(proc)
        mask = re.search(r"^SigIgn:\s*([0-9a-f]+)$", Path(f"/proc/{pid}/status").read_text(), re.M)
        assert mask
        ignored = int(mask.group(1), 16)
        assert ignored & (1 << (signal.SIGTERM - 1)) and ignored & (1 << (signal.SIGINT - 1))
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL


def test_hang_skip_and_context_pick_which_call_hangs(fake: Fake) -> None:
    fake.seed(two())
    env = {"FLUXTASKS_FAKE_HANG": f"kubectl get @{PROD}", "FLUXTASKS_FAKE_HANG_SKIP": "1"}
    assert (
        fake.run(
            "kubectl", "get", "hr", "-A", "-o", "json", "--context", CANARY, env=env
        ).returncode
        == 0
    )
    assert (
        fake.run("kubectl", "get", "hr", "-A", "-o", "json", "--context", PROD, env=env).returncode
        == 0
    )
    proc = fake.start("kubectl", "get", "hr", "-A", "-o", "json", "--context", PROD, env=env)
    try:
        assert fake.hanging_pids(proc) == [proc.pid]  # the second matching call hangs
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=30)


def test_noise_is_megabytes_of_stderr_then_the_error_on_its_own_line(fake: Fake) -> None:
    fake.seed()
    env = {
        "FLUXTASKS_FAKE_NOISE": "kubectl get",
        "FLUXTASKS_FAKE_NOISE_MB": "3",
        "FLUXTASKS_FAKE_FAIL": "kubectl get",
    }
    result = fake.run("kubectl", "get", "hr", "-A", "-o", "json", env=env)
    assert result.returncode == 1 and len(result.stderr.encode()) >= 3 << 20
    *noise, last = lines(result.stderr)
    assert last == "error: simulated failure"
    assert len(set(noise)) == 1 and "warnings.go:70] " in noise[0]
    quiet = fake.run(
        "kubectl", "get", "hr", "-A", "-o", "json", env={**env, "FLUXTASKS_FAKE_FAIL": "flux get"}
    )
    assert quiet.returncode == 0 and json.loads(quiet.stdout)["items"] == []


def test_failures_can_be_multi_line_with_their_own_text_and_code(fake: Fake) -> None:
    fake.seed()
    multi = {
        "FLUXTASKS_FAKE_FAIL": "flux reconcile; kubectl apply",
        "FLUXTASKS_FAKE_FAIL_STYLE": "multiline",
    }
    applied = fake.run("kubectl", "apply", "--server-side", "-f", "-", input=WEB, env=multi)
    assert applied.returncode == 1
    assert lines(applied.stderr)[:3] == [
        "Error from server (Invalid): error when applying patch:",
        '{"spec":{"interval":"5"}}',
        "to:",
    ]
    reconciled = fake.run("flux", "reconcile", "hr", "web", "-n", "apps", env=multi)
    assert reconciled.returncode == 1 and "\n\nLast Helm logs:\n\n" in reconciled.stderr
    custom = {
        "FLUXTASKS_FAKE_FAIL": "kubectl diff",
        "FLUXTASKS_FAKE_FAIL_TEXT": "error: one\n  two",
        "FLUXTASKS_FAKE_FAIL_CODE": "3",
    }
    diffed = fake.run("kubectl", *AS_FLUX, "-f", "-", input=WEB, env=custom)
    assert (diffed.returncode, diffed.stderr) == (3, "error: one\n  two\n")
    assert fake.state()["objects"] == []  # a failing call changes nothing


def test_deeply_nested_json(fake: Fake) -> None:
    fake.seed({"objects": APPS})
    env = {"FLUXTASKS_FAKE_DEEP_JSON": "kubectl get"}
    deep = fake.run("kubectl", "get", "hr", "-A", "-o", "json", env=env)
    assert deep.returncode == 0
    with pytest.raises(RecursionError):
        json.loads(deep.stdout)
    shallow = fake.run(
        "kubectl",
        "get",
        "hr",
        "-A",
        "-o",
        "json",
        env={**env, "FLUXTASKS_FAKE_DEEP_JSON_DEPTH": "3"},
    )
    assert json.loads(shallow.stdout)["items"][0]["status"]["nested"] == [[[]]]


# ---------------------------------------------------------------- the fakes' YAML reader


@pytest.mark.parametrize(
    ("text", "value"),
    [
        pytest.param("a: y\nb: off\nc: 'y'\n", {"a": True, "b": False, "c": "y"}, id="yaml-1.1-booleans"),
        pytest.param("a: 1e3\nb: 08\nc: 0x1F\nd: 1_000\ne: 1.0.2\nf: 2:30\n",
                     {"a": 1000.0, "b": 8.0, "c": 31, "d": 1000, "e": "1.0.2", "f": "2:30"}, id="numbers-as-yaml.v2"),
        pytest.param("a: |\n  x\n  y\nb: |-\n  x\nc: |+\n  x\n\nd: end\n",
                     {"a": "x\ny\n", "b": "x", "c": "x\n\n", "d": "end"}, id="literal-chomping"),
        pytest.param("a: a long plain\n  scalar folded\nb: 'it''s\n  folded'\nc: \"x\\\n  y\\n\"\n",
                     {"a": "a long plain scalar folded", "b": "it's folded", "c": "xy\n"}, id="folded-lines"),
        pytest.param("l:\n- a: 1\n  b: [x, 'y z']\n- - m\n-\n  k: {}\n", {"l": [{"a": 1, "b": ["x", "y z"]}, ["m"], {"k": {}}]},
                     id="lists-at-the-keys-column"),
        pytest.param('{"a": [1, {"b": null}]}', {"a": [1, {"b": None}]}, id="json"),
        pytest.param("a: x # comment\n# whole line\nb: 'q # kept'\n", {"a": "x", "b": "q # kept"}, id="comments"),
    ],
)  # fmt: skip
def test_yaml_reader(text: str, value: Any) -> None:
    assert fakeyaml.parse_document(text) == value


@pytest.mark.parametrize(
    ("text", "line"),
    [("a: 'open\n", 1), ("a: b\n  c: d\n", 2), ("a: 1\na: 2\n", 2), ("a: *ref\n", 1)],
)
def test_yaml_reader_errors_name_the_line(text: str, line: int) -> None:
    with pytest.raises(fakeyaml.YamlError) as caught:
        fakeyaml.parse_document(text)
    assert caught.value.line == line


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


@given(st.dictionaries(st.text(min_size=1, max_size=8), JSON, max_size=5))
def test_yaml_reader_reads_back_what_the_fakes_print(value: dict[str, Any]) -> None:
    assert fakeyaml.parse_document(fakeyaml.dump_yaml(value)) == value
