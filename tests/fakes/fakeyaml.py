"""YAML documents as the fakes split, skim and print them (stdlib only; see README.md
beside this file). `doc_identity`/`doc_data` read only what `kubectl apply` needs, fast;
the full reader is fakeyamlread.parse_document; `dump_yaml` prints as sigs.k8s.io/yaml does.
"""

from __future__ import annotations

import json
import re
from typing import Any

from fakeyamlread import YamlError, parse_document, resolve_plain

__all__ = [
    "YamlError",
    "doc_data",
    "doc_identity",
    "dump_yaml",
    "parse_document",
    "split_documents",
]


# ---------------------------------------------------------------- documents


def split_documents(text: str) -> list[str]:
    docs: list[list[str]] = [[]]
    for line in text.splitlines():
        if line.rstrip() == "---" or line.startswith("--- "):
            docs.append([])
        else:
            docs[-1].append(line)
    return ["\n".join(d) for d in docs if any(x.strip() and not x.startswith("#") for x in d)]


def _scalar(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


def doc_identity(doc: str) -> dict[str, str]:
    """apiVersion, kind, metadata.name/namespace of one block-style YAML document (fast: no
    full parse, so `kubectl apply` of a big components file stays cheap)."""
    out: dict[str, str] = {}
    in_metadata = False
    for line in doc.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line.startswith(" "):
            in_metadata = line.startswith("metadata:")
            key, _, value = line.partition(":")
            if key in ("apiVersion", "kind"):
                out[key] = _scalar(value)
            continue
        if in_metadata and re.match(r"^  (name|namespace):", line):
            key, _, value = line.strip().partition(":")
            out[key] = _scalar(value)
    return out


def doc_data(doc: str) -> dict[str, str]:
    """The `data:` map of a ConfigMap document, literal blocks (| |- |+) included."""
    lines = doc.splitlines()
    data: dict[str, str] = {}
    i = 0
    while i < len(lines) and lines[i] != "data:":
        i += 1
    i += 1
    while i < len(lines) and lines[i].startswith("  "):
        key, _, value = lines[i].strip().partition(":")
        value = value.strip()
        i += 1
        if value in ("|", "|-", "|+"):
            block: list[str] = []
            while i < len(lines) and (lines[i].startswith("    ") or not lines[i].strip()):
                block.append(lines[i][4:])
                i += 1
            text = "\n".join(block)
            body = text.rstrip("\n")
            if value == "|":
                text = body + "\n"
            elif value == "|-":
                text = body
            else:
                text = text + "\n"
            data[_scalar(key)] = text
        else:
            data[_scalar(key)] = json.loads(value) if value.startswith('"') else _scalar(value)
    return data


# ---------------------------------------------------------------- printing


def dump_yaml(value: Any, indent: int = 0) -> str:
    """Block-style YAML for dicts/lists/scalars (keys sorted, lists at the key's column, as
    sigs.k8s.io/yaml prints them)."""
    pad = " " * indent
    if isinstance(value, dict):
        if not value:
            return pad + "{}\n"
        out = []
        for key in sorted(value):
            item = value[key]
            name = _yaml_scalar(str(key))
            if isinstance(item, dict) and item:
                out.append(f"{pad}{name}:\n{dump_yaml(item, indent + 2)}")
            elif isinstance(item, list) and item:
                out.append(f"{pad}{name}:\n{dump_yaml(item, indent)}")
            elif isinstance(item, str) and "\n" in item and _literal_ok(item):
                out.append(f"{pad}{name}: {_literal(item, indent + 2)}")
            else:
                out.append(f"{pad}{name}: {_yaml_scalar(item)}\n")
        return "".join(out)
    if isinstance(value, list):
        if not value:
            return pad + "[]\n"
        out = []
        for item in value:
            if isinstance(item, dict) and item:
                inner = dump_yaml(item, indent + 2)
                out.append(pad + "- " + inner[indent + 2 :])
            elif isinstance(item, list) and item:
                out.append(pad + "-\n" + dump_yaml(item, indent + 2))
            elif isinstance(item, str) and "\n" in item and _literal_ok(item):
                out.append(f"{pad}- {_literal(item, indent + 2)}")
            else:
                out.append(f"{pad}- {_yaml_scalar(item)}\n")
        return "".join(out)
    return pad + _yaml_scalar(value) + "\n"


def _literal_ok(text: str) -> bool:
    body = text.strip("\n")
    return (
        bool(body)
        and body == text.rstrip("\n")
        and not body.startswith(" ")
        and all(not line.endswith(" ") and "\t" not in line for line in body.split("\n"))
    )


def _literal(text: str, indent: int) -> str:
    body = text.rstrip("\n")
    trailing = len(text) - len(body)
    header = "|-" if trailing == 0 else "|" if trailing == 1 else "|+"
    lines = (body + "\n" * max(trailing - 1, 0)).split("\n")
    return header + "\n" + "".join((" " * indent + line if line else "") + "\n" for line in lines)


_PLAIN = re.compile(r"^[A-Za-z0-9_./][A-Za-z0-9_./:@+-]*$")


def _yaml_scalar(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    text = str(value)
    if _PLAIN.match(text) and not text.endswith(":") and resolve_plain(text) == text:
        return text
    return json.dumps(text, ensure_ascii=False)
