"""Kubernetes manifests read the way the API server reads them: every document of a YAML
stream as JSON-like data (string keys, timestamps kept as text), or where parsing stopped."""

from __future__ import annotations

from typing import Any, cast

import yaml

from .._data import json_key
from .source import FAST_LOADER, YamlSourceError, error_at

_TIMESTAMP = "tag:yaml.org,2002:timestamp"


def _timestamp_as_text(loader: Any, node: yaml.Node) -> str:
    return str(node.value)


class _ManifestLoader(yaml.SafeLoader):
    """Safe YAML with timestamps kept as text, as Kubernetes' YAML decoding keeps them."""


_ManifestLoader.add_constructor(_TIMESTAMP, _timestamp_as_text)


def _fast_manifest_loader() -> type[yaml.CSafeLoader] | None:
    """_ManifestLoader's libyaml twin (much faster on a large components file), or None."""
    if FAST_LOADER is None:
        return None
    loader = cast("type[yaml.CSafeLoader]", type("_FastManifestLoader", (FAST_LOADER,), {}))
    loader.add_constructor(_TIMESTAMP, _timestamp_as_text)
    return loader


_FastManifestLoader = _fast_manifest_loader()


def parse_documents(text: str) -> tuple[list[Any], YamlSourceError | None]:
    """Every document of a YAML stream as JSON-like data (None for an empty document), and
    where parsing stopped, if it did: the documents before it and `invalid YAML: ...`.

    libyaml parses when PyYAML has it; on an error the pure-Python parser runs again, so
    the message and position do not depend on how PyYAML was built.
    """
    if _FastManifestLoader is not None:
        try:
            return [_jsonish(d) for d in yaml.load_all(text, Loader=_FastManifestLoader)], None
        except (yaml.YAMLError, RecursionError):
            pass
    return _parse_checked(text)


def _parse_checked(text: str) -> tuple[list[Any], YamlSourceError | None]:
    documents: list[Any] = []
    try:
        for doc in yaml.load_all(text, Loader=_ManifestLoader):
            documents.append(_jsonish(doc))
    except yaml.YAMLError as exc:
        error = error_at(exc)  # the reader's own message spans two lines: keep one
        return documents, YamlSourceError(error.line, error.col, error.message.replace("\n", " "))
    except RecursionError:
        return documents, YamlSourceError(1, 1, "invalid YAML: nested too deeply to read")
    return documents, None


def _jsonish(value: Any) -> Any:
    """String keys throughout, as JSON (and so the API server and jsonschema) see them."""
    if isinstance(value, dict):
        return {json_key(k): _jsonish(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonish(v) for v in value]
    return value
