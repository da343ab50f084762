"""`sources:`: a table per source kind (`flux create source git|helm|oci`), one list."""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from yaml.nodes import MappingNode, Node, ScalarNode

from .._text import did_you_mean
from ..flux import SOURCE_KINDS
from ..yamlio.source import position
from . import patterns
from .common import INTERVAL, LABELS_ROW, NAMESPACE, output
from .fields import REQUIRED, Document, Entry, Field, Rule, Section, ValueType, build, read_fields
from .model import Source
from .reader import MISSING, Reader
from .types import BOOL, LINES, NAME, SECRET_NAME, STRING, enum

PATH = "sources"  # one list for every source kind
OCI_PROVIDERS = ("generic", "aws", "azure", "gcp")
VERIFY_PROVIDERS = ("cosign",)  # `flux create source oci --verify-provider`
URL_SCHEMES = {
    "GitRepository": ("http", "https", "ssh"),
    "HelmRepository": ("http", "https", "oci"),
    "OCIRepository": ("oci",),
}
REF_HELP = {
    "branch": "Git branch to track (with commit: the branch that commit is on).",
    "tag": "Tag to track.",
    "semver": "Semver range of tags to track.",
    "commit": "Git commit SHA to pin.",
    "digest": "OCI artifact digest to pin.",
}
# `flux create source git --commit X --branch Y` writes both; any other pair loses one.
REFS_WITH_COMMIT = ("branch",)


def scheme_of(url: str) -> str | None:
    """The URL's scheme as Flux decides it (Go's url.Parse lower-cases it), or None."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if not parts.netloc or any(c.isspace() for c in url):
        return None
    return parts.scheme


def _url_scheme(kind: str) -> Rule:
    schemes = URL_SCHEMES[kind]

    def check(entry: Entry) -> None:
        text = entry.values.get("url")
        if text is None:
            return
        scheme = scheme_of(text)
        if scheme not in schemes:
            entry.error(
                "url",
                f"{text!r} is not a valid {kind} URL: the scheme must be {' or '.join(schemes)} and a host is required",
            )
            entry.fail("url")
        elif not text.startswith(f"{scheme}:"):
            line, col = position(entry.nodes["url"])
            entry.reader.warn(
                f"{entry.reader.shown}:{line}:{col}: {entry.where('url')}: the scheme of "
                f"{text!r} is not lower case: flux create writes the URL as given (and reads "
                f"it as {scheme}://), but the {kind} API accepts only lower-case schemes; "
                f"write {scheme}://"
            )

    scheme = "(" + "|".join(patterns.any_case(s) for s in schemes) + ")"
    url = patterns.whole(f"{scheme}://[^/?#\\s]+([/?#]\\S*)?")
    return Rule(check, {"properties": {"url": {"pattern": url}}})


def _one_ref(kind: str, refs: tuple[str, ...], with_commit: tuple[str, ...] = ()) -> Rule:
    """`flux create source` takes one ref flag (it would pick one of several silently),
    except that a commit may name its branch."""

    def check(entry: Entry) -> None:
        given = [r for r in refs if r in entry.nodes]
        if "commit" in given:
            given = [r for r in given if r not in with_commit]
        if len(given) != 1:
            also = f" ({', '.join(with_commit)} may go with commit)" if with_commit else ""
            entry.reader.error(
                entry.node,
                entry.path,
                f"{kind} needs exactly one of {', '.join(refs)}{also}"
                + (f", not {len(given)}" if given else ""),
            )

    def alone(ref: str) -> dict[str, Any]:
        if ref in with_commit:
            return {"required": [ref], "not": {"required": ["commit"]}}
        return {"required": [ref]}

    return Rule(check, {"oneOf": [alone(r) for r in refs]})


def _ignore_paths(entry: Entry) -> None:
    """ignorePaths is `--ignore-paths a,b`: spec.ignore, one path per line; ignore writes
    spec.ignore as given. Both would write the one field."""
    paths = entry.values.get("ignore_paths")
    if "ignorePaths" in entry.nodes and "ignore" in entry.nodes:
        entry.error(
            "ignorePaths",
            "give ignore or ignorePaths, not both: both write spec.ignore (ignorePaths one path per line)",
        )
    elif paths:
        entry.values["ignore"] = "\n".join(paths)


IGNORE_PATHS = Rule(
    _ignore_paths,
    {"allOf": [{"not": {"required": ["ignore", "ignorePaths"]}}]},
)


def _helm_oci_only(entry: Entry) -> None:
    """flux create source helm writes --oci-provider for an oci:// URL only (it drops it
    silently otherwise), and --pass-credentials only with --secret-ref."""
    url, provider = entry.values.get("url"), entry.values.get("provider")
    if provider is not None and url is not None and scheme_of(url) != "oci":
        entry.error(
            "provider", "applies to an oci:// HelmRepository only (Flux drops it otherwise)"
        )
    if entry.values.get("pass_credentials") and entry.values.get("secret_ref") is None:
        entry.error(
            "passCredentials", "needs secretRef: Flux writes passCredentials only with a Secret"
        )


HELM_RULE = Rule(
    _helm_oci_only,
    {
        "allOf": [
            {
                "if": {"required": ["provider"]},
                "then": {"properties": {"url": {"pattern": f"^{patterns.any_case('oci')}://"}}},
            },
            {
                "if": {
                    "properties": {"passCredentials": {"const": True}},
                    "required": ["passCredentials"],
                },
                "then": {"required": ["secretRef"]},
            },
        ]
    },
)


def _verify(entry: Entry) -> None:
    """The verification keys need a provider; an OIDC identity needs both its patterns
    (Flux would write the missing one empty, which matches any identity)."""
    given = [k for k in ("verifySecretRef", "verifySubject", "verifyIssuer") if k in entry.nodes]
    if given and "verifyProvider" not in entry.nodes:
        entry.error(given[0], "needs verifyProvider (cosign)")
    oidc = [k for k in ("verifySubject", "verifyIssuer") if k in entry.nodes]
    if len(oidc) == 1:
        other = "verifyIssuer" if oidc == ["verifySubject"] else "verifySubject"
        entry.error(
            oidc[0], f"needs {other} too: Flux would write it empty, which matches any identity"
        )


VERIFY_RULE = Rule(
    _verify,
    {
        "allOf": [
            {
                "anyOf": [
                    {"required": ["verifyProvider"]},
                    {"not": {"anyOf": [{"required": [k]} for k in ("verifySecretRef", "verifySubject", "verifyIssuer")]}},
                ]
            },
            {"dependencies": {"verifySubject": ["verifyIssuer"], "verifyIssuer": ["verifySubject"]}},
        ]
    },
)  # fmt: skip

SOURCE_KIND = ValueType(
    "source kind",
    {"type": "string", "enum": list(SOURCE_KINDS)},
    lambda entry, _node, _where: entry.section.kind,  # what picked the table
)
PROVIDER = replace(
    enum(OCI_PROVIDERS, "must be one of {choices}"),
    # the controller's default, which render writes when the config leaves it out
    same_meaning=lambda sub, old, new, _: sub == "" and old is MISSING and new == "generic",
)
PROVIDER_HELP = (
    "Cloud provider that authenticates to the registry: generic, aws (ECR), azure or gcp. "
    "OCIRepository (`--provider`): default generic, always written; HelmRepository "
    "(`--oci-provider`): oci:// URLs only."
)
IGNORE = Field("ignore", STRING, None, None, "spec.ignore",
               "GitRepository, OCIRepository: .gitignore-style patterns, a multi-line string (spec.ignore as written); or use ignorePaths.")  # fmt: skip
IGNORE_PATHS_ROW = Field("ignorePaths", LINES, (), "--ignore-paths", None,
                         "GitRepository, OCIRepository: paths to ignore, written into spec.ignore one per line (`--ignore-paths`); not with ignore.")  # fmt: skip
SECRET_REF = Field("secretRef", SECRET_NAME, None, "--secret-ref", "spec.secretRef.name",
                   "Name of the Secret holding credentials.")  # fmt: skip


def _section(
    kind: str, refs: tuple[str, ...], own: tuple[Field, ...], rules: tuple[Rule, ...] = ()
) -> Section[Source]:
    """A source kind's table: the rows every kind has, its ref rows, its own rows."""
    fields = (
        Field("kind", SOURCE_KIND, REQUIRED, None, "kind",
              "The Flux source kind."),
        Field("name", NAME, REQUIRED, "NAME", "metadata.name",
              "Name of the source."),
        NAMESPACE,
        Field("url", STRING, REQUIRED, "--url", "spec.url",
              "Where the source is fetched from."),
        *(Field(r, STRING, None, "--tag-semver" if r == "semver" else f"--{r}", f"spec.ref.{r}", REF_HELP[r]) for r in refs),
        *own,
        LABELS_ROW,
        INTERVAL,
        output(kind,
               "Output file relative to output.resourcesDir (default flux-system/flux-source-{git|helm|oci}-NAME.yaml)."),
    )  # fmt: skip
    with_commit = REFS_WITH_COMMIT if kind == "GitRepository" else ()
    ref_rules = [_one_ref(kind, refs, with_commit)] if refs else []
    return Section(PATH, kind, Source, fields, (_url_scheme(kind), *ref_rules, *rules))


GIT_REPOSITORY = _section("GitRepository", ("branch", "tag", "semver", "commit"), (
    SECRET_REF,
    IGNORE,
    IGNORE_PATHS_ROW,
    Field("sparseCheckout", LINES, (), "--sparse-checkout-paths", "spec.sparseCheckout",
          "GitRepository: folders to check out, the rest of the repository is left out (Flux v2.7+).", since=7),
    Field("recurseSubmodules", BOOL, False, "--recurse-submodules", "spec.recurseSubmodules",
          "GitRepository: also check out Git submodules."),
), (IGNORE_PATHS,))  # fmt: skip
HELM_REPOSITORY = _section("HelmRepository", (), (
    SECRET_REF,
    Field("passCredentials", BOOL, False, "--pass-credentials", "spec.passCredentials",
          "HelmRepository: pass the secretRef credentials to every host the index links to (needs secretRef)."),
    Field("provider", PROVIDER, None, "--oci-provider", "spec.provider", PROVIDER_HELP),
), (HELM_RULE,))  # fmt: skip
OCI_REPOSITORY = _section("OCIRepository", ("tag", "semver", "digest"), (
    Field("provider", PROVIDER, "generic", "--provider", "spec.provider", PROVIDER_HELP),
    SECRET_REF,
    IGNORE,
    IGNORE_PATHS_ROW,
    Field("verifyProvider", enum(VERIFY_PROVIDERS, "must be one of {choices}"), None, "--verify-provider", "spec.verify.provider",
          "OCIRepository: verify the artifact's signature with this provider (Flux v2.2+).", since=2),
    Field("verifySecretRef", SECRET_NAME, None, "--verify-secret-ref", "spec.verify.secretRef.name",
          "OCIRepository: Secret holding the public keys to verify with (Flux v2.2+).", since=2),
    Field("verifySubject", STRING, None, "--verify-subject", "spec.verify.matchOIDCIdentity[0].subject",
          "OCIRepository: regular expression the keyless signer's subject must match; with verifyIssuer (Flux v2.3+).", since=3),
    Field("verifyIssuer", STRING, None, "--verify-issuer", "spec.verify.matchOIDCIdentity[0].issuer",
          "OCIRepository: regular expression the keyless signer's OIDC issuer must match; with verifySubject (Flux v2.3+).", since=3),
), (IGNORE_PATHS, VERIFY_RULE))  # fmt: skip
SOURCES = {s.kind: s for s in (GIT_REPOSITORY, HELM_REPOSITORY, OCI_REPOSITORY)}
HELP = "GitRepository, HelmRepository and OCIRepository sources."
ANY_KEYS = tuple(dict.fromkeys(k for s in SOURCES.values() for k in s.keys))
REQUIRED_KEYS = tuple(
    k for k in GIT_REPOSITORY.required if all(k in s.required for s in SOURCES.values())
)


def read_sources(reader: Reader, doc: Document, node: Node) -> list[Entry]:
    """Every source entry of a known kind, read; those without a problem become the
    document's sources, the others are remembered as broken, so a reference to one is not
    reported a second time."""
    out: list[Entry] = []
    for i, item in enumerate(reader.items(node, PATH)):
        before = len(reader.problems)
        entry = _read_source(reader, doc, item, f"{PATH}[{i}]")
        source = build(entry.section, entry) if entry is not None else None
        if source is not None and len(reader.problems) == before:
            doc.sources.append(source)
        else:
            doc.broken_sources.add(_kind_and_name(item))
        if entry is not None:
            out.append(entry)
    return out


def _kind_and_name(node: Node) -> tuple[str, str]:
    """(kind, name) as written, for an entry that failed validation."""
    if not isinstance(node, MappingNode):
        return ("", "")
    keys = {
        k.value: v.value
        for k, v in node.value
        if isinstance(k, ScalarNode) and isinstance(v, ScalarNode)
    }
    return (str(keys.get("kind", "")), str(keys.get("name", "")))


def _read_source(reader: Reader, doc: Document, node: Node, path: str) -> Entry | None:
    before = len(reader.problems)
    keys = reader.mapping(node, path, ANY_KEYS, REQUIRED_KEYS)
    if keys is None or "kind" not in keys:
        return None
    kind_node = keys["kind"][1]
    kind = reader.string(kind_node, f"{path}.kind")
    if kind is None or kind not in SOURCES:
        if kind is not None:
            reader.error(
                kind_node,
                f"{path}.kind",
                f"{kind!r} is not one of {', '.join(SOURCE_KINDS)}"
                + did_you_mean(kind, SOURCE_KINDS),
            )
        return None
    section = SOURCES[kind]
    for key, (key_node, _) in keys.items():
        if key not in section.keys:
            reader.error(
                key_node, f"{path}.{key}", f"not a {kind} field" + did_you_mean(key, section.keys)
            )
    nodes = {k: v for k, (_, v) in keys.items() if k in section.keys}
    return read_fields(Entry(reader, doc, section, path, node, nodes, problems_before=before))
