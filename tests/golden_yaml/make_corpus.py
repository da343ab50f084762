"""Regenerate corpus.json: random and edge-case documents with the Go output for each.

Usage (needs a Go toolchain and the sources of sigs.k8s.io/yaml and gopkg.in/yaml.v2,
e.g. from Debian's golang-k8s-sigs-yaml-dev and golang-gopkg-yaml.v2-dev packages):

    GO111MODULE=off GOPATH="<dir with src/marshal/marshal.go>:<Debian's gocode dir>" \\
        go build -o marshal-bin marshal
    python tests/golden_yaml/make_corpus.py ./marshal-bin

(README.md beside this file has the full recipe.)

The inputs are drawn from a fixed seed, so the corpus only changes when this file does.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from fluxtasks.yamlio.scalars import natural_key  # noqa: E402

# Strings that exercise yaml.v2's resolver (quoted vs plain) and the emitter's analysis.
WORDS = [
    *("yes", "no", "on", "y", "N", "true", "null", "~", "1", "0x1F", "0o17", "017", "08"),
    *("1_000", "1.5", ".5", "1e3", "1:20", "2024-01-01", "2024-1-1", "2024-02-30"),
    *("2024-01-01T10:00:00Z", "2024-01-01 10:00:00", "2024-01-01t1:2:3.5+05:30"),
    *(".inf", "-.INF", ".NaN", "<<", "=", "---", "...", "- x", "? x", ": x", "a: b"),
    *("a #b", "a#b", "-", "?", ":", "", " ", "a ", " a", "x\n", "\n", "x\n\n", " x\ny"),
    *("0b101", "-0b11", "0b", "0x", "+", "+1", "-0", "1e999", ".5e999", "._5", ".5_5"),
    *("99999999999999999999", "18446744073709551615", "18446744073709551616"),
    *("-9223372036854775809", "1.", "+.5", "-.5", "1e+5", "6.3.5", "v1.0", "./kustomize"),
    *("oci://x", "it's", "190:20:30", "1:60", "0:0"),
]
CHARS = [
    *"abcxyzABZ019_-.:#'\"!&*?|>%@`,[]{}~+=< /\\",
    *(" ", " ", " ", "\n", "\t", "\r", "\x85", "\u2028", "\u2029", "é", "€", "😀"),
    *("\ufeff", "\xa0", "\x00", "\x1b"),
]
PIECES = ["w", "wo", "word", "lorem", "ipsum", "a:b", "x'y", "é", "😀", "\t", "\u2028"]
PIECES += ["-", "#", "\ufeff", '"', "\\", "", "yes"]
GAPS = [" ", " ", " ", "  ", "   ", "\n", " \n", "\n ", "\n\n"]


def random_string(r: random.Random) -> str:
    k = r.random()
    if k < 0.3:
        return r.choice(WORDS)
    if k < 0.5:
        return " ".join(r.choice([*WORDS, "word", "lorem"]) for _ in range(r.randint(1, 40)))
    if k < 0.7:
        return "".join(r.choice(CHARS) for _ in range(r.randint(0, 120)))
    if k < 0.85:
        return "".join(r.choice("ab  c:#-'\"") for _ in range(r.randint(50, 200)))
    seps = ["", " ", "\n", "  ", "\t", "\x85", "_"]
    return "".join(r.choice(WORDS) + r.choice(seps) for _ in range(r.randint(1, 8)))


def random_key(r: random.Random) -> str:
    # A raw NEL in a JSON key makes yaml.v2 fail; edge_cases() covers that once.
    return random_string(r).replace("\x85", " ")


def random_value(r: random.Random, depth: int) -> Any:
    k = r.random()
    if depth > 4 or k < 0.55:
        j = r.random()
        if j < 0.75:
            return random_string(r)
        if j < 0.85:
            return r.choice([0, 1, -5, 2**63, 2**64 - 1, -(2**63), 123456789])
        if j < 0.95:
            return r.choice([1.0, 1.5, 1e-7, 1e21, 1e20, 1234567.5, -0.0, 0.1, 1e300, 5e-324])
        return r.choice([True, False, None])
    if k < 0.8:
        keys = ["a", "b", "a10", "a9", "image_tag", "imageTag", "A", "_x"]
        return {
            (random_key(r) if r.random() < 0.5 else r.choice(keys)): random_value(r, depth + 1)
            for _ in range(r.randint(0, 5))
        }
    return [random_value(r, depth + 1) for _ in range(r.randint(0, 4))]


def long_text(r: random.Random) -> str:
    s = "".join(r.choice(PIECES) + r.choice(GAPS) for _ in range(r.randint(5, 40)))
    if r.random() < 0.3:
        s = s.strip()
    if r.random() < 0.2:
        s = r.choice(["- ", "'", '"', "\ufeff", " ", "*"]) + s
    return s


def nest(r: random.Random, value: Any, depth: int) -> Any:
    for _ in range(depth):
        k = r.random()
        if k < 0.4:
            value = {r.choice(["k", "key", long_text(r)[: r.randint(0, 200)], "a\nb"]): value}
        elif k < 0.8:
            value = [value]
        else:
            value = [{"m": value, "n": 1}]
    return value


def edge_cases() -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = []
    for n in (1023, 1024, 1025):  # JSON key length limit of the YAML scanner
        cases.append({"a" * (n - 2): 1})
    cases += [
        {"a\x85b": 1},
        {"k": "a\x7fb"},
        {"k": "\x90"},
        {"k": "\ufffe"},
        {"k": "a\x85---"},
        {"k": "a\x85--- x"},
        {"k": "a \x85 \x85  b"},
        {"k": "\x85x\x85"},
        {"k": "x" * 75 + " \u2028 y z" * 5},
        {"k": "\u2028" + "ab " * 40},
        {"k": ["- " * 50]},
        {"k": "a\u2029\u2029b\n"},
        {"k": [5e-324, 1e-320, 2.2250738585072014e-308, 1.7976931348623157e308]},
        {"k": [0.000123, 123456789.123, 1e6, 1e15, 1e16, 1e17, 2.5e-5, 100.5]},
    ]
    return cases


def keys_totally_ordered(value: Any) -> bool:
    """False when some mapping's keys form a cycle under yaml.v2's comparison."""
    if isinstance(value, list):
        return all(keys_totally_ordered(v) for v in value)
    if not isinstance(value, dict):
        return True
    keys = [natural_key(k) for k in sorted(value, key=natural_key)]
    pairs_ok = all(not keys[j] < keys[i] for i in range(len(keys)) for j in range(i + 1, len(keys)))
    return pairs_ok and all(keys_totally_ordered(v) for v in value.values())


def main() -> None:
    binary = sys.argv[1]
    r = random.Random(20240601)
    cases = edge_cases()
    cases += [{f"k{i}": random_value(r, 0), random_key(r): random_value(r, 1)} for i in range(100)]
    for _ in range(60):
        key = r.choice(["k", "x" * r.randint(100, 140), "é" * r.randint(60, 70), "a\nb", "yes"])
        cases.append({key: nest(r, long_text(r), r.randint(0, 45)), "z": long_text(r)})
    text = json.dumps(cases, ensure_ascii=False)
    runs = []
    for _ in range(10):
        done = subprocess.run([binary], input=text.encode(), capture_output=True, check=True)
        runs.append(json.loads(done.stdout))
    corpus = []
    for case, *results in zip(cases, *runs, strict=True):
        result = results[0]
        if any(other != result for other in results) or not keys_totally_ordered(case):
            # yaml.v2's key comparison is not transitive for some key sets (a1b < a2 <
            # a10 < a1b); Go's output then follows its random map order: skip those.
            continue
        if isinstance(result, dict):
            corpus.append({"input": case, "error": result["error"]})
        else:
            corpus.append({"input": case, "yaml": result})
    # One case per line keeps diffs readable.
    lines = ",\n".join(json.dumps(entry, ensure_ascii=False) for entry in corpus)
    (HERE / "corpus.json").write_text("[\n" + lines + "\n]\n", encoding="utf-8")


if __name__ == "__main__":
    main()
