"""`sources:`: a table per source kind (`flux create source git|helm|oci`), one list."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlsplit

from yaml.nodes import MappingNode, Node, ScalarNode

from .._text import did_you_mean
from ..flux import SOURCE_KINDS
from . import patterns
from .common import INTERVAL, NAMESPACE, output
from .fields import REQUIRED, Document, Entry, Field, Rule, Section, ValueType, build, read_fields
from .model import Source
from .reader import MISSING, Reader
from .types import NAME, STRING, enum, subdomain

PATH = "sources"  # one list for every source kind
OCI_PROVIDERS = ("generic", "aws", "azure", "gcp")
URL_SCHEMES = {
    "GitRepository": ("http", "https", "ssh"),
    "HelmRepository": ("http", "https", "oci"),
    "OCIRepository": ("oci",),
}
REF_HELP = {
    "branch": "Git branch to track.",
    "tag": "Tag to track.",
    "semver": "Semver range of tags to track.",
    "commit": "Git commit SHA to pin.",
    "digest": "OCI artifact digest to pin.",
}


def _url_scheme(kind: str) -> Rule:
    schemes = URL_SCHEMES[kind]

    def check(entry: Entry) -> None:
        text = entry.values.get("url")
        if text is None:
            return
        try:
            parts = urlsplit(text)
        except ValueError:
            parts = None
        if (
            parts is None
            or parts.scheme not in schemes
            or not parts.netloc
            or any(c.isspace() for c in text)
        ):
            entry.error(
                "url",
                f"{text!r} is not a valid {kind} URL: the scheme must be {' or '.join(schemes)} and a host is required",
            )
            entry.fail("url")

    scheme = "(" + "|".join(patterns.any_case(s) for s in schemes) + ")"
    url = patterns.whole(f"{scheme}://[^/?#\\s]+([/?#]\\S*)?")
    return Rule(check, {"properties": {"url": {"pattern": url}}})


def _one_ref(kind: str, refs: tuple[str, ...]) -> Rule:
    """`flux create source` takes one ref flag (it would pick one of several silently)."""

    def check(entry: Entry) -> None:
        given = [r for r in refs if r in entry.nodes]
        if len(given) != 1:
            entry.reader.error(
                entry.node,
                entry.path,
                f"{kind} needs exactly one of {', '.join(refs)}"
                + (f", not {len(given)}" if given else ""),
            )

    return Rule(check, {"oneOf": [{"required": [r]} for r in refs]})


SOURCE_KIND = ValueType(
    "source kind",
    {"type": "string", "enum": list(SOURCE_KINDS)},
    lambda entry, _node, _where: entry.section.kind,  # what picked the table
)
SECRET_NAME = subdomain("{value!r} is not a valid Secret name (RFC 1123 subdomain)")


PROVIDER = replace(
    enum(OCI_PROVIDERS, "must be one of {choices}"),
    # the controller's default, which render writes when the config leaves it out
    same_meaning=lambda sub, old, new, _: sub == "" and old is MISSING and new == "generic",
)


def _section(
    kind: str, refs: tuple[str, ...], before: tuple[Field, ...] = (), after: tuple[Field, ...] = ()
) -> Section[Source]:
    """A source kind's table: the rows every kind has, its ref rows, and its own rows
    before and after the secret's."""
    fields = (
        Field("kind", SOURCE_KIND, REQUIRED, None, "kind",
              "The Flux source kind."),
        Field("name", NAME, REQUIRED, "NAME", "metadata.name",
              "Name of the source."),
        NAMESPACE,
        Field("url", STRING, REQUIRED, "--url", "spec.url",
              "Where the source is fetched from."),
        *(Field(r, STRING, None, f"--{r}", f"spec.ref.{r}", REF_HELP[r]) for r in refs),
        *before,
        Field("secretRef", SECRET_NAME, None, "--secret-ref", "spec.secretRef.name",
              "Name of the Secret holding credentials."),
        *after,
        INTERVAL,
        output(kind,
               "Output file relative to output.resourcesDir (default flux-system/flux-source-{git|helm|oci}-NAME.yaml)."),
    )  # fmt: skip
    rules = (_url_scheme(kind), *([_one_ref(kind, refs)] if refs else []))
    return Section(PATH, kind, Source, fields, rules)


GIT_REPOSITORY = _section("GitRepository", ("branch", "tag", "semver", "commit"), after=(
    Field("ignore", STRING, None, "--ignore-paths", "spec.ignore",
          "GitRepository: .gitignore-style patterns (a multi-line string)."),
))  # fmt: skip
HELM_REPOSITORY = _section("HelmRepository", ())
OCI_REPOSITORY = _section("OCIRepository", ("tag", "semver", "digest"), before=(
    Field("provider", PROVIDER, "generic", "--provider", "spec.provider",
          "OCIRepository: authentication provider (default generic, always written)."),
))  # fmt: skip
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
