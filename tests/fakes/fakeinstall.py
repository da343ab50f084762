"""`flux install --export` for the fake flux: a small but realistic components manifest
(header, Namespace, CRDs with the versions each Flux release serves, accounts, Deployments).
Stdlib only; see README.md beside this file.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

import fakestate as fs
from fakeyaml import dump_yaml

DEFAULT_COMPONENTS = [
    "source-controller",
    "kustomize-controller",
    "helm-controller",
    "notification-controller",
]
EXTRA_COMPONENTS = ["image-reflector-controller", "image-automation-controller"]


def fail(message: str) -> None:
    fs.fail(f"✗ {message}")


def install(version: str, flags: dict[str, str]) -> None:
    if flags.get("--export") != "true":
        fail("the fake flux only supports `install --export`")
    if flags.get("--version", version) != version:
        fail(
            f"failed to download manifests.tar.gz from https://github.com/fluxcd/flux2/releases/download/"
            f"{flags['--version']}/manifests.tar.gz: GitHub API call failed"
        )
    components = [
        c for c in flags.get("--components", ",".join(DEFAULT_COMPONENTS)).split(",") if c
    ]
    extra = [c for c in flags.get("--components-extra", "").split(",") if c]
    available = DEFAULT_COMPONENTS + EXTRA_COMPONENTS
    if fs.version_tuple(version) >= (2, 7, 0):
        available.append("source-watcher")
    for component in components + extra:
        if component not in available:
            fail(f"component {component} is not available")
    text = components_manifest(version, components + extra)
    mode = os.environ.get("FLUXTASKS_FAKE_FLUX_EXPORT", "")
    if mode in ("fail-halfway", "killed-halfway"):
        lines = text.splitlines(keepends=True)
        sys.stdout.write("".join(lines[: len(lines) // 2]))
        sys.stdout.flush()
        if mode == "killed-halfway":
            os.kill(os.getpid(), signal.SIGKILL)
        fail("kustomize build failed: accumulating resources: simulated failure")
    sys.stdout.write(text)


def labels(version: str, component: str | None = None) -> dict[str, str]:
    out = {
        "app.kubernetes.io/instance": "flux-system",
        "app.kubernetes.io/part-of": "flux",
        "app.kubernetes.io/version": version,
    }
    if component:
        out["app.kubernetes.io/component"] = component
    return out


DURATION = {"type": "string", "pattern": "^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$"}
SECRET_REF = {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}
DEPENDS_ON = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {"name": {"type": "string"}, "namespace": {"type": "string"}},
        "required": ["name"],
    },
}


def source_specs() -> dict[str, dict[str, Any]]:
    common = {
        "interval": DURATION,
        "suspend": {"type": "boolean"},
        "secretRef": SECRET_REF,
        "timeout": DURATION,
    }
    return {
        "gitrepositories": {
            "properties": {
                **common,
                "url": {"type": "string", "pattern": "^(http|https|ssh)://.*$"},
                "ref": {
                    "type": "object",
                    "properties": {
                        k: {"type": "string"} for k in ("branch", "tag", "semver", "name", "commit")
                    },
                },
                "ignore": {"type": "string"},
                "provider": {"type": "string", "enum": ["generic", "azure", "github"]},
            },
            "required": ["interval", "url"],
        },
        "helmrepositories": {
            "properties": {
                **common,
                "url": {"type": "string", "pattern": "^(http|https|oci)://.*$"},
                "type": {"type": "string", "enum": ["default", "oci"]},
                "provider": {
                    "type": "string",
                    "enum": ["generic", "aws", "azure", "gcp"],
                    "default": "generic",
                },
                "passCredentials": {"type": "boolean"},
            },
            "required": ["url"],
        },
        "ocirepositories": {
            "properties": {
                **common,
                "url": {"type": "string", "pattern": "^oci://.*$"},
                "ref": {
                    "type": "object",
                    "properties": {k: {"type": "string"} for k in ("digest", "semver", "tag")},
                },
                "provider": {
                    "type": "string",
                    "enum": ["generic", "aws", "azure", "gcp"],
                    "default": "generic",
                },
                "insecure": {"type": "boolean"},
                "ignore": {"type": "string"},
            },
            "required": ["interval", "url"],
        },
    }


def kustomization_spec() -> dict[str, Any]:
    return {
        "properties": {
            "interval": DURATION,
            "retryInterval": DURATION,
            "timeout": DURATION,
            "path": {"type": "string"},
            "prune": {"type": "boolean"},
            "wait": {"type": "boolean"},
            "force": {"type": "boolean"},
            "suspend": {"type": "boolean"},
            "serviceAccountName": {"type": "string"},
            "targetNamespace": {"type": "string", "minLength": 1, "maxLength": 63},
            "dependsOn": DEPENDS_ON,
            "sourceRef": {
                "type": "object",
                "properties": {
                    "apiVersion": {"type": "string"},
                    "kind": {
                        "type": "string",
                        "enum": ["OCIRepository", "GitRepository", "Bucket"],
                    },
                    "name": {"type": "string"},
                    "namespace": {"type": "string"},
                },
                "required": ["kind", "name"],
            },
            "healthChecks": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        k: {"type": "string"} for k in ("apiVersion", "kind", "name", "namespace")
                    },
                    "required": ["kind", "name"],
                },
            },
        },
        "required": ["interval", "prune", "sourceRef"],
    }


def helmrelease_spec(api: str) -> dict[str, Any]:
    crds = {"type": "string", "enum": ["Skip", "Create", "CreateReplace"]}
    chart = {
        "type": "object",
        "properties": {
            "spec": {
                "type": "object",
                "properties": {
                    "chart": {"type": "string"},
                    "version": {"type": "string", "default": "*"},
                    "interval": DURATION,
                    "reconcileStrategy": {"type": "string", "enum": ["ChartVersion", "Revision"]},
                    "sourceRef": {
                        "type": "object",
                        "properties": {
                            "apiVersion": {"type": "string"},
                            "kind": {
                                "type": "string",
                                "enum": ["HelmRepository", "GitRepository", "Bucket"],
                            },
                            "name": {"type": "string"},
                            "namespace": {"type": "string"},
                        },
                        "required": ["name"],
                    },
                },
                "required": ["chart", "sourceRef"],
            }
        },
        "required": ["spec"],
    }
    props: dict[str, Any] = {
        "chart": chart,
        "interval": DURATION,
        "releaseName": {"type": "string", "minLength": 1, "maxLength": 53},
        "targetNamespace": {"type": "string", "minLength": 1, "maxLength": 63},
        "storageNamespace": {"type": "string", "minLength": 1, "maxLength": 63},
        "suspend": {"type": "boolean"},
        "dependsOn": DEPENDS_ON,
        "values": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
        "valuesFrom": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "kind": {"type": "string", "enum": ["Secret", "ConfigMap"]},
                    "name": {"type": "string"},
                    "valuesKey": {"type": "string"},
                    "targetPath": {"type": "string"},
                    "optional": {"type": "boolean"},
                },
                "required": ["kind", "name"],
            },
        },
        "install": {
            "type": "object",
            "properties": {"crds": crds, "createNamespace": {"type": "boolean"}},
        },
        "upgrade": {"type": "object", "properties": {"crds": crds, "force": {"type": "boolean"}}},
    }
    if api == "v2":
        props["chartRef"] = {
            "type": "object",
            "properties": {
                "kind": {"type": "string", "enum": ["OCIRepository", "HelmChart"]},
                "name": {"type": "string"},
                "namespace": {"type": "string"},
            },
            "required": ["kind", "name"],
        }
        return {"properties": props, "required": ["interval"]}
    return {"properties": props, "required": ["chart", "interval"]}


def crd(
    version: str,
    group: str,
    kind: str,
    plural: str,
    component: str,
    versions: list[tuple[str, dict[str, Any], bool]],
) -> dict[str, Any]:
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {
            "annotations": {"controller-gen.kubebuilder.io/version": "v0.14.0"},
            "labels": labels(version, component),
            "name": f"{plural}.{group}",
        },
        "spec": {
            "group": group,
            "names": {
                "kind": kind,
                "listKind": kind + "List",
                "plural": plural,
                "singular": kind.lower(),
            },
            "scope": "Namespaced",
            "versions": [
                {
                    "name": name,
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "properties": {
                                "apiVersion": {"type": "string"},
                                "kind": {"type": "string"},
                                "metadata": {"type": "object"},
                                "spec": {"type": "object", **spec},
                                "status": {
                                    "type": "object",
                                    "x-kubernetes-preserve-unknown-fields": True,
                                },
                            },
                        }
                    },
                    "served": True,
                    "storage": storage,
                    "subresources": {"status": {}},
                }
                for name, spec, storage in versions
            ],
        },
    }


def components_manifest(version: str, components: list[str]) -> str:
    """A small but realistic `flux install --export`: header, Namespace, CRDs, accounts, Deployments."""
    v = fs.version_tuple(version)
    docs: list[dict[str, Any]] = [
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {
                "labels": {
                    **labels(version),
                    "pod-security.kubernetes.io/warn": "restricted",
                    "pod-security.kubernetes.io/warn-version": "latest",
                },
                "name": "flux-system",
            },
        }
    ]
    group_src = "source.toolkit.fluxcd.io"
    if "source-controller" in components:
        specs = source_specs()
        for plural, kind, v1_since in (
            ("gitrepositories", "GitRepository", (2, 0, 0)),
            ("helmrepositories", "HelmRepository", (2, 3, 0)),
            ("ocirepositories", "OCIRepository", (2, 6, 0)),
        ):
            versions = [("v1beta2", specs[plural], v < v1_since)]
            if v >= v1_since:
                versions.insert(0, ("v1", specs[plural], True))
            docs.append(crd(version, group_src, kind, plural, "source-controller", versions))
    if "kustomize-controller" in components:
        docs.append(
            crd(
                version,
                "kustomize.toolkit.fluxcd.io",
                "Kustomization",
                "kustomizations",
                "kustomize-controller",
                [("v1", kustomization_spec(), True)],
            )
        )
    if "helm-controller" in components:
        versions: list[tuple[str, dict[str, Any], bool]] = []
        if v >= (2, 3, 0):
            versions.append(("v2", helmrelease_spec("v2"), True))
        if v < (2, 7, 0):
            versions.append(("v2beta1", helmrelease_spec("v2beta1"), v < (2, 2, 0)))
        if v >= (2, 2, 0):
            versions.append(("v2beta2", helmrelease_spec("v2beta2"), (2, 2, 0) <= v < (2, 3, 0)))
        docs.append(
            crd(
                version,
                "helm.toolkit.fluxcd.io",
                "HelmRelease",
                "helmreleases",
                "helm-controller",
                versions,
            )
        )
    for component in components:
        docs.append(
            {
                "apiVersion": "v1",
                "kind": "ServiceAccount",
                "metadata": {
                    "labels": labels(version, component),
                    "name": component,
                    "namespace": "flux-system",
                },
            }
        )
    for component in components:
        docs.append(
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {
                    "labels": {**labels(version, component), "control-plane": "controller"},
                    "name": component,
                    "namespace": "flux-system",
                },
                "spec": {
                    "replicas": 1,
                    "selector": {"matchLabels": {"app": component}},
                    "template": {
                        "metadata": {"labels": {"app": component}},
                        "spec": {
                            "containers": [
                                {
                                    "args": [
                                        "--events-addr=http://notification-controller.flux-system.svc.cluster.local./",
                                        "--watch-all-namespaces=true",
                                    ],
                                    "image": f"ghcr.io/fluxcd/{component}:v1.0.0",
                                    "name": "manager",
                                }
                            ],
                            "serviceAccountName": component,
                        },
                    },
                },
            }
        )
    header = (
        "---\n"
        "# This manifest was generated by flux. DO NOT EDIT.\n"
        f"# Flux Version: {version}\n"
        f"# Components: {','.join(components)}\n"
    )
    return header + "---\n".join(dump_yaml(doc) for doc in docs)
