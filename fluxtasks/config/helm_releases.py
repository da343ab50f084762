"""`helmReleases:`: the HelmRelease table (`flux create helmrelease`), its values (files and
inline, read as Flux reads them) and per-cluster values."""

from __future__ import annotations

import posixpath
from dataclasses import replace
from typing import Any

from yaml.nodes import MappingNode, Node, SequenceNode

from ..flux import HR_SOURCE_KINDS, SOURCE_REF
from ..yamlio.config_dump import FlowMap
from ..yamlio.helm_values import HelmValuesError, merge_values, read_values_node, read_values_text
from ..yamlio.source import YamlSourceError, check_characters
from .common import (
    INTERVAL,
    KUBECONFIG_SECRET,
    LABELS_ROW,
    depends_on,
    output,
    service_account,
    target_namespace,
)
from .fields import (
    REQUIRED,
    Entry,
    Field,
    Rule,
    Section,
    ValueType,
    build,
    open_entry,
    read_fields,
)
from .model import ClusterValues, HelmRelease, ObjectRef
from .reader import MISSING, Problem, kind_of
from .refs import VALUES_REFS, source_ref
from .types import (
    BOOL,
    DURATION,
    NAME,
    RELATIVE_PATH,
    RELEASE_NAME,
    ROOT_FILE,
    STRING,
    enum,
    subdomain,
)

CRDS_POLICIES = ("Skip", "Create", "CreateReplace")
RECONCILE_STRATEGIES = ("ChartVersion", "Revision")  # `--reconcile-strategy`, default first
CHART_REF_KINDS = ("OCIRepository", "HelmChart")  # `--chart-ref` (Flux v2.3+)


def _values_file(entry: Entry, node: Node, where: str, rel: str) -> dict[str, Any] | None:
    """A values file's map as `flux create hr --values` reads it; its warnings are kept."""
    reader = entry.reader
    try:
        text = (reader.root / rel).read_text(encoding="utf-8")
        check_characters(text)
        values = read_values_text(text)
    except FileNotFoundError:
        reader.error(node, where, f"values file {rel!r} does not exist")
        return None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        reader.error(node, where, f"cannot read values file {rel!r}: {reason}")
        return None
    except YamlSourceError as exc:
        inside = f"{exc.path[1:]}: " if isinstance(exc, HelmValuesError) and exc.path else ""
        reader.error(node, where, f"{rel}:{exc.line}:{exc.col}: {inside}{exc.message}")
        return None
    for w in values.warnings:
        inside = f"{w.path[1:]}: " if w.path else ""
        reader.warn(f"{rel}:{w.line}:{w.col}: {inside}{w.message} ({where})")
    return values.data


def _values_files(entry: Entry, node: Node, where: str) -> tuple[str, ...] | None:
    """The files as written (the model keeps them); their data waits in `values_data` for
    the merge."""
    files: list[str] = []
    out: list[dict[str, Any]] = []
    ok = True
    for i, item in enumerate(entry.reader.items(node, where)):
        at = f"{where}[{i}]"
        rel = entry.reader.relative_file(item, at, under="the root")
        data = _values_file(entry, item, at, rel) if rel is not None else None
        if rel is None or data is None:
            ok = False
        else:
            files.append(rel)
            out.append(data)
    entry.values["values_data"] = tuple(out)
    return tuple(files) if ok else None


def _inline_values(entry: Entry, node: Node, where: str) -> dict[str, Any] | None:
    reader = entry.reader
    if not isinstance(node, MappingNode):
        reader.error(node, where, f"must be a mapping, not {kind_of(node)}")
        return None
    try:
        inline = read_values_node(node)
    except HelmValuesError as exc:
        reader.problems.append(Problem(exc.line, exc.col, f"{where}{exc.path}", exc.message))
        return None
    for w in inline.warnings:
        reader.warn(f"{reader.shown}:{w.line}:{w.col}: {where}{w.path}: {w.message}")
    return inline.data


def _merged_values(entry: Entry) -> None:
    """valuesFiles merged in order, inline values last (like one more values file)."""
    files, inline = entry.values.get("values_data", ()), entry.values["values"]
    if {"valuesFiles", "values"} & entry.failed:
        return
    merged: dict[str, Any] = {}
    for data in (*files, *([inline] if inline is not None else [])):
        merged = merge_values(merged, data)
    # `flux create hr --values F` writes spec.values whenever one file is given, even {}.
    listed = entry.nodes.get("valuesFiles")
    given = "values" in entry.nodes or (isinstance(listed, SequenceNode) and bool(listed.value))
    entry.values["values"] = merged if given else None


def _cluster_files(entry: Entry) -> None:
    """Every cluster's values file exists outside resourcesDir and reads as values."""
    file = entry.values["file"]
    if entry.values["config_map"] is None or file is None:
        return
    resources = posixpath.normpath(entry.doc.resources_rel)
    if file == resources or file.startswith(resources + "/"):
        entry.error(
            "file",
            f"{file!r} lies inside {resources}/: Flux would apply it as a manifest; move it (e.g. to config/values/)",
        )
        entry.fail("file")
        return
    names = sorted(entry.doc.clusters)
    if "{cluster}" in file and not names:
        entry.error("file", "uses {cluster} but no clusters are declared")
    for cluster in names or [""]:
        rel = file.replace("{cluster}", cluster)
        if not (entry.reader.root / rel).is_file():
            entry.error(
                "file",
                f"values file {rel!r} for cluster {cluster} does not exist"
                if cluster
                else f"values file {rel!r} does not exist",
            )
        else:
            _values_file(entry, entry.nodes["file"], entry.where("file"), rel)


CLUSTER_VALUES = Section("clusterValues", "", ClusterValues, fields=(
    Field("configMap", subdomain("{value!r} is not a valid ConfigMap name"), REQUIRED,
          help="The ConfigMap (in the release's namespace)."),
    Field("file", ROOT_FILE, REQUIRED,
          help="Values file relative to the root, outside resourcesDir; {cluster} is replaced by the cluster name."),
), rules=(Rule(_cluster_files),))  # fmt: skip


def _cluster_values(entry: Entry, node: Node, where: str) -> ClusterValues | None:
    inner = open_entry(entry.reader, entry.doc, CLUSTER_VALUES, node, where)
    return None if inner is None else build(CLUSTER_VALUES, read_fields(inner))


def _cluster_values_read(entry: Entry) -> None:
    """Its ConfigMap is read by the release: the last values reference, unless listed already."""
    values = entry.values["cluster_values"]
    if values is not None:
        extra = ObjectRef("ConfigMap", values.config_map)
        if extra not in entry.values["values_from"]:
            entry.values["values_from"] = (*entry.values["values_from"], extra)


def _cluster_values_unread(values: dict[str, Any]) -> None:
    cluster, refs = values.get("cluster_values"), list(values["values_from"])
    if cluster is not None and refs and refs[-1] == ObjectRef("ConfigMap", cluster.config_map):
        values["values_from"] = tuple(refs[:-1])


VALUES_FILES = ValueType(
    "values files",
    {
        "type": "array",
        "items": {**RELATIVE_PATH, "description": "A values file relative to the root."},
    },
    _values_files,
    to_config=lambda files, _: list(files),
)


def _chart_or_chart_ref(entry: Entry) -> None:
    """chart and source name the chart (chart.spec), or chartRef does: never both."""
    given = [k for k in ("source", "chart") if k in entry.nodes]
    if "chartRef" in entry.nodes:
        for key in (*given, *(k for k in CHART_SPEC_KEYS if k in entry.nodes)):
            entry.error(key, "not with chartRef: chartRef names the chart instead of chart.spec")
        return
    for key in ("chart", "source"):
        if key not in given:
            entry.reader.error(entry.node, entry.where(key), "required key is missing")
            entry.fail(key)


CHART_SPEC_KEYS = ("version", "chartInterval", "reconcileStrategy")
CHART_OR_CHART_REF = Rule(
    _chart_or_chart_ref,
    {
        "allOf": [
            {
                "oneOf": [
                    {"required": ["chart", "source"]},
                    {"required": ["chartRef"]},
                ]
            },
            {
                "if": {"required": ["chartRef"]},
                "then": {
                    "not": {
                        "anyOf": [{"required": [k]} for k in ("chart", "source", *CHART_SPEC_KEYS)]
                    }
                },
            },
        ]
    },
)
RECONCILE_STRATEGY = replace(
    enum(RECONCILE_STRATEGIES, "{value!r} is not one of {choices}"),
    # flux create always writes it; a chart.spec without it means the controller's default
    from_manifest=lambda raw, _: raw if isinstance(raw, str) else RECONCILE_STRATEGIES[0],
    same_meaning=lambda sub, old, new, _: (
        sub == "" and old is MISSING and new == RECONCILE_STRATEGIES[0]
    ),
)
HELM_VALUES = ValueType(
    "Helm values",
    {"type": "object"},
    _inline_values,
    from_manifest=lambda raw, _: raw if isinstance(raw, dict) else None,
    free_form=True,
)
CLUSTER_VALUES_TYPE = ValueType(
    "cluster values",
    {},
    _cluster_values,
    to_config=lambda v, _: FlowMap(configMap=v.config_map, file=v.file),
    nested=CLUSTER_VALUES,
)
CRDS = enum(CRDS_POLICIES, "{value!r} is not one of {choices}")

VALUES_FROM = Field("valuesFrom", VALUES_REFS, (), "--values-from", "spec.valuesFrom",
                    "ConfigMap/NAME or Secret/NAME entries of spec.valuesFrom.")  # fmt: skip

HELM_RELEASE = Section("helmReleases", "HelmRelease", HelmRelease, fields=(
    Field("name", NAME, REQUIRED, "NAME", "metadata.name",
          "Name of the HelmRelease."),
    Field("namespace", NAME, REQUIRED, "--namespace", "metadata.namespace",
          "Namespace of the HelmRelease."),
    Field("source", source_ref(HR_SOURCE_KINDS, None, optional=True), None, "--source", f"spec.chart.spec.{SOURCE_REF}",
          "Kind/name[.namespace] of the chart's source; without .namespace it must be declared in sources. With chart; not with chartRef."),
    Field("chart", STRING, None, "--chart", "spec.chart.spec.chart",
          "Chart name (or path in a GitRepository). With source; not with chartRef."),
    Field("version", STRING, None, "--chart-version", "spec.chart.spec.version",
          'Chart version or semver range; a string (quote "1.2").'),
    Field("chartRef", source_ref(CHART_REF_KINDS, None, ("HelmChart",), optional=True), None, "--chart-ref", "spec.chartRef",
          "OCIRepository/name[.namespace] or HelmChart/name[.namespace] holding the chart, instead of chart and source (Flux v2.3+).", since=3),
    Field("chartInterval", DURATION, None, "--chart-interval", "spec.chart.spec.interval",
          "How often the chart source is checked for a new chart version (default: the release's interval)."),
    Field("reconcileStrategy", RECONCILE_STRATEGY, RECONCILE_STRATEGIES[0], "--reconcile-strategy", "spec.chart.spec.reconcileStrategy",
          "When a new chart is built: on a new ChartVersion (default) or on every source Revision."),
    Field("releaseName", RELEASE_NAME, None, "--release-name", "spec.releaseName",
          "Helm release name (RFC 1123, at most 53 characters)."),
    target_namespace("Namespace the chart is installed into."),
    Field("createNamespace", BOOL, False, "--create-target-namespace", "spec.install.createNamespace",
          "Create the target namespace on install if it does not exist."),
    INTERVAL,
    depends_on("HelmReleases"),
    Field("crds", CRDS, None, "--crds", "spec.upgrade.crds",
          "CRD policy on upgrade (install always creates)."),
    Field("valuesFiles", VALUES_FILES, (), "--values", None,
          "Values files relative to the root, deep-merged in order like `flux create hr --values`."),
    Field("values", HELM_VALUES, None, None, "spec.values",
          "Inline Helm values, merged last."),
    Field("clusterValues", CLUSTER_VALUES_TYPE, None, None, None,
          "Per-cluster values pushed by `invoke flux.apply-values` into a ConfigMap the release reads."),
    VALUES_FROM,
    service_account("HelmRelease"),
    KUBECONFIG_SECRET,
    LABELS_ROW,
    output("HelmRelease",
           "Output file relative to output.resourcesDir (default NAMESPACE/flux-hr-NAME.yaml).",
           in_own_namespace=True),
), rules=(CHART_OR_CHART_REF, Rule(_merged_values), Rule(_cluster_values_read, unapply=_cluster_values_unread)),
   help="HelmReleases.")  # fmt: skip
