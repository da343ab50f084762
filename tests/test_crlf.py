"""A generated file checked out with CRLF line endings is drift, not "up to date": flux
create writes LF only, and Flux applies the committed bytes."""

from __future__ import annotations

from conftest import Tree

KS = "resources/flux-system/flux-ks-apps.yaml"
HINT = (
    "note: resources/flux-system/flux-ks-apps.yaml differs only in CRLF line endings, which flux "
    "create never writes (a Windows checkout? `git config core.autocrlf input` keeps LF); update "
    "rewrites it with LF"
)


def crlf(tree: Tree) -> bytes:
    path = tree.root / KS
    lf = path.read_bytes()
    path.write_bytes(lf.replace(b"\n", b"\r\n"))
    return lf


def test_crlf_file_is_drift_with_a_hint_and_check_writes_nothing(tree: Tree) -> None:
    assert tree.invoke("flux.update").returncode == 0
    crlf(tree)
    before = tree.snapshot()
    done = tree.invoke("flux.update", "--check")
    assert done.returncode == 1, done.stdout
    assert HINT in done.stderr.splitlines()
    assert f"--- {KS}\n+++ {KS}\n" in done.stdout
    assert done.stderr.endswith("1 generated file(s) out of date: run `invoke flux.update` and commit the result\n")
    assert tree.snapshot() == before


def test_update_rewrites_a_crlf_file_with_lf(tree: Tree) -> None:
    assert tree.invoke("flux.update").returncode == 0
    lf = crlf(tree)
    done = tree.invoke("flux.update")
    assert done.returncode == 0, done.stderr
    assert f"updated {KS}" in done.stdout.splitlines()
    assert (tree.root / KS).read_bytes() == lf
    assert tree.invoke("flux.update", "--check").returncode == 0


def test_a_crlf_file_that_also_differs_says_so(tree: Tree) -> None:
    assert tree.invoke("flux.update").returncode == 0
    path = tree.root / KS
    path.write_bytes(path.read_bytes().replace(b"5m0s", b"9m0s").replace(b"\n", b"\r\n"))
    done = tree.invoke("flux.update", "--check")
    assert done.returncode == 1
    assert HINT.replace("differs only in", "also has") in done.stderr.splitlines()
