"""fluxtasks.tool_output: a tool's error message whole, capped; streamed lines capped; and
where it shows: CommandFailed.detail, validate's kubectl kustomize errors, read_json."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import Tree

from fluxtasks._data import read_json
from fluxtasks.errors import CommandFailed, ToolError
from fluxtasks.offline.validate.kustomize import trim_kustomize_error
from fluxtasks.tool_output import CappedSink, cap_lines, error_message, indented

# What kubectl v1.32 prints for a manifest with a duplicate key (its klog writes a message
# of several lines as `err=<`, the lines tab-indented, then ` >`).
KLOG_BLOCK = (
    'E1202 14:45:19.457117   28261 run.go:72] "command failed" err=<\n'
    "\tmap[string]interface {}(nil): yaml: unmarshal errors:\n"
    '\t  line 7: mapping key "a" already defined at line 6\n'
    " >\n"
)
FLUX_HELM_FAILURE = (
    "► annotating HelmRelease karpenter in kube-system namespace\n"
    "◎ waiting for HelmRelease reconciliation\n"
    "✗ Helm upgrade failed for release kube-system/karpenter with chart karpenter@1.0.2: boom\n"
    "\n"
    "Last Helm logs:\n"
    "\n"
    "preparing upgrade for karpenter\n"
)
KUBECTL_PATCH = (
    "Error from server (Invalid): error when applying patch:\n"
    '{"spec":{"interval":"5"}}\n'
    "to:\n"
    'Name: "karpenter", Namespace: "kube-system"\n'
    'for: "STDIN": HelmRelease "karpenter" is invalid: spec.interval: Invalid value: "5"\n'
)
UNREACHABLE = (
    'E0601 12:00:00.000000  4242 memcache.go:265] "Unhandled Error" err="couldn\'t get current server API group list"\n'
    "The connection to the server 127.0.0.1:6443 was refused - did you specify the right host or port?\n"
)


@pytest.mark.parametrize(
    ("output", "message"),
    [
        (KLOG_BLOCK, 'map[string]interface {}(nil): yaml: unmarshal errors:\n  line 7: mapping key "a" already defined at line 6'),
        ('E1202 14:45:19.345578   28253 run.go:72] "command failed" err="no matches for \\"x\\""\n', 'no matches for "x"'),
        (FLUX_HELM_FAILURE, "✗ Helm upgrade failed for release kube-system/karpenter with chart karpenter@1.0.2: boom\n\nLast Helm logs:\n\npreparing upgrade for karpenter"),
        (KUBECTL_PATCH, KUBECTL_PATCH.strip()),
        (UNREACHABLE, UNREACHABLE.splitlines()[-1]),
        ("► working\n✔ done\nsomething odd\n\n", "something odd"),
        ("", ""),
    ],
    ids=["klog-block", "klog-quoted", "flux-helm-log", "kubectl-patch-block", "after-klog-noise", "last-line", "empty"],
)
def test_the_final_message_is_kept_whole(output: str, message: str) -> None:
    assert error_message(output) == message


def test_noise_before_the_message_is_left_out_and_a_long_message_is_capped() -> None:
    noise = "W0601 12:00:00.000000  4242 warnings.go:70] v2beta1 HelmRelease is deprecated\n" * 100_000
    assert error_message(noise + "error: the server was busy\n") == "error: the server was busy"
    long = "error: many problems:\n" + "".join(f"problem {i}\n" for i in range(1000))
    lines = error_message(long).splitlines()
    assert len(lines) == 41 and lines[0] == "error: many problems:" and lines[-1] == "problem 999"
    assert lines[20].startswith("… 961 line(s) (") and lines[20].endswith(" cut …")
    assert error_message("x" * 50_000) == "x" * 2000 + "… (48,000 more characters cut)"


def test_command_failed_shows_the_message_whole_and_indented() -> None:
    exc = CommandFailed(["kubectl", "kustomize", "dir"], 1, KLOG_BLOCK)
    assert exc.detail == 'map[string]interface {}(nil): yaml: unmarshal errors:\n    line 7: mapping key "a" already defined at line 6'
    assert exc.lines == [f"kubectl kustomize dir: {exc.detail}"]
    assert CommandFailed(["flux"], 3, "").detail == "exit code 3"


def test_indented_keeps_one_problem_together() -> None:
    assert indented("first\nsecond\n\nthird") == "first\n  second\n\n  third"
    assert indented("one line") == "one line"


def test_cap_lines_keeps_head_and_tail() -> None:
    lines = [f"l{i}" for i in range(100)]
    assert cap_lines(lines, 2, 2) == ["l0", "l1", "… 96 line(s) (376 characters) cut …", "l98", "l99"]
    assert cap_lines(lines[:5], 2, 2) == lines[:5]


def test_capped_sink_holds_only_its_tail() -> None:
    seen: list[str] = []
    sink = CappedSink(seen.append, head=3, tail=2)
    for i in range(10_000):
        sink(f"line {i}\n")
    assert seen == ["line 0\n", "line 1\n", "line 2\n"]
    assert len(sink._tail) == 2  # memory stays bounded whatever the tool prints
    sink.close()
    cut = sum(len(f"line {i}\n") for i in range(3, 9998))
    assert seen[3:] == [f"… 9,995 line(s) ({cut:,} characters) cut …\n", "line 9998\n", "line 9999\n"]


def test_read_json_refuses_deep_or_odd_json_in_one_line() -> None:
    assert read_json('{"a": [1]}', "kubectl get x") == {"a": [1]}
    cases = {
        "[" * 100_000 + "]" * 100_000: "kubectl get x printed JSON nested too deep to read",
        "{": "kubectl get x printed something that is not JSON (Expecting property name enclosed in double quotes)",
    }
    for text, line in cases.items():
        with pytest.raises(ToolError) as caught:
            read_json(text, "kubectl get x")
        assert caught.value.lines == [line] and caught.value.exit_code == 2
    with pytest.raises(ToolError, match="^kubectl get x printed something that is not JSON"):
        read_json("1" * 5000, "kubectl get x")  # Python refuses 5,000-digit integers


def test_kustomize_error_of_several_lines_is_shown_whole(tmp_path: Path) -> None:
    """The lone `>` validate used to show: the last line of kubectl's klog block."""
    detail = trim_kustomize_error(KLOG_BLOCK, tmp_path, "resources")
    assert detail == 'map[string]interface {}(nil): yaml: unmarshal errors:\n    line 7: mapping key "a" already defined at line 6'


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="needs the real kubectl to build a folder")
def test_validate_shows_a_multi_line_kustomize_error_whole(tree: Tree) -> None:
    tree.write("resources/apps/kustomization.yaml", "resources:\n- cm.yaml\n")
    tree.write("resources/apps/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  a: b\n  a: c\n")
    assert tree.invoke("flux.update").returncode == 0
    done = tree.invoke("flux.validate")
    assert done.returncode == 1
    errors = done.stderr.split("\nwarning: ")[0].splitlines()
    assert errors[-2:] == [
        "resources/apps: kubectl kustomize failed: map[string]interface {}(nil): yaml: unmarshal errors:",
        '    line 7: mapping key "a" already defined at line 6; fix resources/apps/kustomization.yaml or the files it lists',
    ], done.stderr


def test_a_controller_log_line_nested_too_deep_is_skipped_not_a_traceback() -> None:
    """`kubectl logs` lines are JSON one by one (flux.why): a line too deep to read is
    not a line about the object, whatever it holds."""
    from fluxtasks.cluster.activity import log_facts
    from fluxtasks.cluster.status import Ref

    ref = Ref("HelmRelease", "kube-system", "karpenter")
    good = '{"level":"error","ts":"t","msg":"Reconciler error","controllerKind":"HelmRelease","name":"karpenter","namespace":"kube-system","error":"boom"}'
    deep = '{"controllerKind":"HelmRelease","x":' + "[" * 100_000 + "]" * 100_000 + "}"
    facts = log_facts([deep, good, "not json", "{broken"], ref, 10)
    assert [(f.level, f.msg, f.error) for f in facts] == [("error", "Reconciler error", "boom")]
