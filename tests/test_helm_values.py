"""Helm values come out exactly as `flux create hr --values FILE --export` prints them.

Each case is a values file's text and the text Flux prints for it (the values mapping as
`sigs.k8s.io/yaml.Marshal` writes it, here at the top level). The expected texts follow
from the rules of Flux's pipeline, noted above each group:

  yaml.v2 resolve()   YAML 1.1 words (y/n/on/off...) are booleans; a plain scalar starting
                      with a digit or sign is tried as strconv.ParseInt(s, 0, 64) (0x, 0o,
                      0b, leading-0 octal; `_` removed first), then ParseUint, then Go
                      ParseFloat if it matches yaml.v2's float pattern, then yaml.v2's own
                      0b forms, then (sigs.k8s.io/yaml's copy, v1.4 on) a big.Int;
                      anything else, including `2:30` and timestamps, stays a string.
  YAMLToJSON          keys become strings: bool -> "true"/"false", int -> decimal, float ->
                      FormatFloat(f, 'g', -1, 32) (float32!), .inf/.nan spelled as in YAML;
                      null, uint64 and big.Int keys are refused; json.Marshal refuses
                      +Inf/-Inf/NaN values.
  json.Unmarshal      every number becomes a float64.
  MergeMaps           maps merge key by key; a later file's list, scalar or null replaces.
  json.Marshal, then  an integral float below 1e21 is written as digits (shortest digits,
  yaml.v2 again       then zeros) and read back as an int; other floats print as Go %g.
"""

from __future__ import annotations

import textwrap

import pytest
from conftest import MINIMAL_CONFIG, Tree

from fluxtasks.config.load import load_config
from fluxtasks.files.atomic import apply_plan, write_text
from fluxtasks.offline.importer import import_tree
from fluxtasks.render.update import plan_update
from fluxtasks.yamlio.emit import dump
from fluxtasks.yamlio.go_float import float32_text
from fluxtasks.yamlio.helm_values import (
    HelmValuesError,
    merge_values,
    read_values_text,
    reads_as_string,
    resolve_plain,
)
from fluxtasks.yamlio.source import YamlSourceError


def block(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def printed(*files: str) -> str:
    """What Flux prints for `--values` given these files, in order."""
    merged: dict[str, object] = {}
    for text in files:
        merged = merge_values(merged, read_values_text(block(text)).data)
    return dump(merged)


CASES = [
    # --- YAML 1.1 booleans, y/n included (PyYAML reads y/n as strings) -----------------
    pytest.param("a: y\nb: Y\nc: n\nd: N\n", "a: true\nb: true\nc: false\nd: false\n", id="y-n"),
    pytest.param(
        "a: [yes, no, on, off, TRUE, False, Yes, NO, On, OFF, true, FALSE]\n",
        "a:\n- true\n- false\n- true\n- false\n- true\n- false\n- true\n- false\n- true\n- false\n- true\n- false\n",
        id="yes-no-on-off",
    ),
    # Only the listed spellings: mixed case or other words stay strings, printed plain.
    pytest.param(
        "a: yES\nb: oN\nc: ye\nd: nO\n", "a: yES\nb: oN\nc: ye\nd: nO\n", id="not-booleans"
    ),
    pytest.param(
        "a: ~\nb: null\nc: NULL\nd:\n", "a: null\nb: null\nc: null\nd: null\n", id="nulls"
    ),
    # --- the same words as keys: bool keys become "true"/"false" -----------------------
    pytest.param("y: 20\non: push\nn: 1\noff: 2\n", '"false": 2\n"true": push\n', id="bool-keys"),
    pytest.param("point: {x: 10, y: 20}\n", 'point:\n  "true": 20\n  x: 10\n', id="point-x-y"),
    # y, yes, on and true are one Go key (bool true): a later duplicate wins.
    pytest.param("y: 1\nyes: 2\nTrue: 3\n", '"true": 3\n', id="bool-keys-later-wins"),
    # --- no base-60 numbers in yaml.v2: strings, and printed double-quoted -------------
    pytest.param(
        "a: 2:30\nb: 22:22\nc: 1:30.5\nd: 0:00\ne: -1:30\n",
        'a: "2:30"\nb: "22:22"\nc: "1:30.5"\nd: "0:00"\ne: "-1:30"\n',
        id="base-60",
    ),
    # A minute field above 59 is not base-60 looking, so the string is printed plain.
    pytest.param("a: 1:60\n", "a: 1:60\n", id="not-base-60"),
    # --- Go strconv.ParseInt(s, 0, 64) -----------------------------------------------
    # 08/09: a leading 0 means octal, 8 is no octal digit: ParseFloat reads 8.
    pytest.param("a: 08\nb: 09\nc: 0777\n", "a: 8\nb: 9\nc: 511\n", id="leading-zero"),
    pytest.param(
        "a: 0o644\nb: 0O17\nc: 0x1F\nd: 0X1f\ne: 0b1010\nf: 0B11\n",
        "a: 420\nb: 15\nc: 31\nd: 31\ne: 10\nf: 3\n",
        id="base-prefixes",
    ),
    # Signs; yaml.v2 removes every underscore before parsing.
    pytest.param(
        "a: +12\nb: -12\nc: -0x10\nd: +0o7\ne: -0b101\nf: 1_000\ng: 1__0\nh: 0x_1F\ni: 1_\n",
        "a: 12\nb: -12\nc: -16\nd: 7\ne: -5\nf: 1000\ng: 10\nh: 31\ni: 1\n",
        id="signs-underscores",
    ),
    # Not numbers: a prefix without digits, a digit outside the base, a leading
    # underscore (no resolve hint), a sign alone or doubled.
    pytest.param(
        "a: 0x\nb: 0b102\nc: _1\nd: +-1\ne: 0xG\n",
        "a: 0x\nb: 0b102\nc: _1\nd: +-1\ne: 0xG\n",
        id="not-ints",
    ),
    pytest.param("a: '-'\nb: -x\n", "a: '-'\nb: -x\n", id="dashes"),
    # --- ParseFloat, then the float64 printed back -------------------------------------
    pytest.param(
        "a: 1e3\nb: 0.5e3\nc: 1.5e+3\nd: 1.0\ne: 1.\nf: -0\ng: -0.0\nh: 1E3\ni: 0.0\n",
        "a: 1000\nb: 500\nc: 1500\nd: 1\ne: 1\nf: 0\ng: 0\nh: 1000\ni: 0\n",
        id="integral-floats",
    ),
    pytest.param(
        "a: 1e-6\nb: 0.000001\nc: 1e-7\nd: 6.02e23\ne: 1e20\nf: 1e21\n",
        "a: 1e-06\nb: 1e-06\nc: 1e-07\nd: 6.02e+23\ne: 1e+20\nf: 1e+21\n",
        id="exponents",
    ),
    # A leading dot (hint '.'), +.5 (sign, yaml.v2's float pattern), %g from 1e+06 on.
    pytest.param(
        "a: .5\nb: +.5\nc: -.25e1\nd: .5_5\ne: 1.5\nf: 100000.5\ng: 1000000.5\nh: 123456789.5\ni: 0.0001\n",
        "a: 0.5\nb: 0.5\nc: -2.5\nd: 0.55\ne: 1.5\nf: 100000.5\ng: 1.0000005e+06\nh: 1.234567895e+08\ni: 0.0001\n",
        id="fractions",
    ),
    # Outside the float64 range ParseFloat fails: the text stays a string.
    pytest.param(
        "a: 1e400\nb: .1e999\nc: ._5\nd: 1e\n",
        "a: 1e400\nb: .1e999\nc: ._5\nd: 1e\n",
        id="not-floats",
    ),
    # Underflow is no error in Go: zero.
    pytest.param("a: 1e-400\n", "a: 0\n", id="underflow"),
    # --- integers past 2^53: the float64 value, as json.Marshal spells it -------------
    pytest.param(
        "a: 9007199254740993\nb: 9223372036854775807\nd: 9007199254740992\n",
        "a: 9007199254740992\nb: 9223372036854776000\nd: 9007199254740992\n",
        id="beyond-2-53",
    ),
    # -2^63 is exact as a float64, but json.Marshal writes -9223372036854776000, which no
    # longer fits an int64: yaml.v2 reads it as a float.
    pytest.param("a: -9223372036854775808\n", "a: -9.223372036854776e+18\n", id="int64-min"),
    # uint64 (ParseUint), past uint64 (ParseFloat): beyond 1.8e19 JSON's digits no longer
    # fit any Go int, so yaml.v2 keeps a float and prints %g.
    pytest.param(
        "a: 18446744073709551615\nb: 18446744073709551616\nc: 99999999999999999999\n",
        "a: 1.8446744073709552e+19\nb: 1.8446744073709552e+19\nc: 1e+20\n",
        id="beyond-uint64",
    ),
    # Non-decimal past uint64: big.Int, then a float64 like any number.
    pytest.param(
        "a: 0xFFFFFFFFFFFFFFFFFFFF\nb: 0b11111111111111111111111111111111111111111111111111111111111111111\n",
        "a: 1.2089258196146292e+24\nb: 3.6893488147419103e+19\n",
        id="big-int",
    ),
    # A leading 0 is octal for ParseInt but decimal for ParseFloat, tried first.
    pytest.param(
        "a: 07777777777777777777777777\n", "a: 7.777777777777778e+24\n", id="long-leading-zero"
    ),
    # --- non-string keys ---------------------------------------------------------------
    # One key per mapping: "16", "1e+10" and "3.1415927" together have no yaml.v2 order
    # (numeric runs 16 > 3, letters after digits, 1 < 3: a cycle).
    pytest.param(
        "a: {1.0: x}\nb: {3.14159265358979: x}\nc: {1e10: x}\nd: {0x10: x}\ne: {010: x}\n",
        'a:\n  "1": x\nb:\n  "3.1415927": x\nc:\n  "1e+10": x\nd:\n  "16": x\ne:\n  "8": x\n',
        id="number-keys",
    ),
    # Float keys are rounded to float32 before printing; Inf past its range.
    pytest.param(
        "a: {16777217.0: x}\nb: {0.1: x}\nc: {-0.0: x}\nd: {1e39: x}\ne: {1e-46: x}\nf: {1234567.0: x}\ng: {1e-5: x}\n",
        'a:\n  "1.6777216e+07": x\nb:\n  "0.1": x\nc:\n  "-0": x\nd:\n  ".inf": x\n'
        'e:\n  "0": x\nf:\n  "1.234567e+06": x\ng:\n  "1e-05": x\n',
        id="float32-keys",
    ),
    # Int keys are decimal (FormatInt), whatever their base; -0 is 0.
    pytest.param(
        "-0: a\n0b11: b\n-9223372036854775808: c\n",
        '"-9223372036854775808": c\n"0": a\n"3": b\n',
        id="int-keys",
    ),
    pytest.param(
        ".inf: f\n-.Inf: g\n.NaN: h\n",
        '"-.inf": g\n".inf": f\n".nan": h\n',
        id="special-float-keys",
    ),
    # Past the int64 range ParseInt and ParseUint fail on a sign: a float key.
    pytest.param(
        "-9223372036854775809: x\n18446744073709551616: z\n",
        '"-9.223372e+18": x\n"1.8446744e+19": z\n',
        id="wide-keys",
    ),
    # 0.0 and -0.0 are the same Go key, and Go keeps the later key itself.
    pytest.param("0.0: a\n-0.0: b\n", '"-0": b\n', id="zero-keys"),
    # 010 and 8 are both int 8: the later pair wins.
    pytest.param("010: a\n8: b\n", '"8": b\n', id="same-int-key"),
    # --- strings stay strings ----------------------------------------------------------
    pytest.param(
        "a: \"y\"\nb: '08'\nc: \"1e3\"\nd: '~'\ne: ''\nf: \"2:30\"\ng: 'true'\n",
        'a: "y"\nb: "08"\nc: "1e3"\nd: "~"\ne: ""\nf: "2:30"\ng: "true"\n',
        id="quoted-scalars",
    ),
    pytest.param("a: |\n  2:30\nb: >-\n  y\n", 'a: |\n  2:30\nb: "y"\n', id="block-scalars"),
    pytest.param(
        "a: !!str 08\nb: !!str y\nc: &x !!str 1e3\n", 'a: "08"\nb: "y"\nc: "1e3"\n', id="str-tag"
    ),
    pytest.param("\"y\": 1\n'1.0': 2\n", '"1.0": 2\n"y": 1\n', id="quoted-keys"),
    # Timestamps stay the text as written (yaml.v2 keeps them as strings in interface{}).
    pytest.param(
        "a: 2024-01-01\nb: 2024-1-1\nc: 2001-12-14t21:59:43.10-05:00\nd: 2024-13-01\n",
        'a: "2024-01-01"\nb: "2024-1-1"\nc: "2001-12-14t21:59:43.10-05:00"\nd: 2024-13-01\n',
        id="dates",
    ),
    # --- duplicate keys: yaml.v2 keeps the later pair, whole ----------------------------
    pytest.param("a: {b: 1}\na: 2\n", "a: 2\n", id="duplicate-key"),
    # json.Marshal sees only the survivor, so an overwritten .inf is no error.
    pytest.param("a: .inf\na: 1\n", "a: 1\n", id="overwritten-inf"),
    # --- empty or comment-only files: values: {} ----------------------------------------
    pytest.param("", "{}\n", id="empty-file"),
    pytest.param("# nothing yet\n\n", "{}\n", id="comment-only"),
    pytest.param("---\n", "{}\n", id="document-marker-only"),
    pytest.param("~\n", "{}\n", id="null-document"),
    pytest.param("{}\n", "{}\n", id="empty-mapping"),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_values_print_as_flux_prints(text: str, expected: str) -> None:
    assert printed(text) == expected


# --- several files: transform.MergeMaps, later file wins -----------------------------------

MERGES = [
    pytest.param(
        ["image: {repository: web, tag: '1.0'}\nreplicas: 1\n", "image: {tag: '2.0'}\n"],
        'image:\n  repository: web\n  tag: "2.0"\nreplicas: 1\n',
        id="nested-merge",
    ),
    pytest.param(["a: {b: 1}\n", "a: ~\n"], "a: null\n", id="null-replaces-a-map"),
    pytest.param(["a: ~\n", "a: {b: 1}\n"], "a:\n  b: 1\n", id="map-replaces-null"),
    pytest.param(["a: [1, 2, 3]\n", "a: [4]\n"], "a:\n- 4\n", id="lists-replace"),
    pytest.param(["a: {b: 1}\n", "a: 2\n"], "a: 2\n", id="scalar-replaces-a-map"),
    pytest.param(["a: 2\n", "a: {b: 1}\n"], "a:\n  b: 1\n", id="map-replaces-a-scalar"),
    pytest.param(["a: {b: 1}\n", "a: {}\n"], "a:\n  b: 1\n", id="empty-map-merges"),
    pytest.param(["a: 1\n", ""], "a: 1\n", id="empty-file-adds-nothing"),
    # Keys meet as JSON strings: `y` in one file and "true" in the next are one key.
    pytest.param(["y: 1\n", '"true": 2\n'], '"true": 2\n', id="keys-merge-as-strings"),
    pytest.param(
        ["a: {x: {y: 1, z: 2}}\n", "a: {x: {z: 3}, w: 4}\n"],
        'a:\n  w: 4\n  x:\n    "true": 1\n    z: 3\n',
        id="deep",
    ),
]


@pytest.mark.parametrize(("files", "expected"), MERGES)
def test_files_merge_as_flux_merges_them(files: list[str], expected: str) -> None:
    assert printed(*files) == expected


# --- what Flux refuses: HelmValuesError at the node, Flux's reason in words -------------------

REFUSALS = [
    pytest.param("a: .inf\n", (1, 4), ".a", "json: unsupported value: +Inf", id="inf"),
    pytest.param(
        "a:\n  b: [1, -.Inf]\n", (2, 10), ".a.b[1]", "json: unsupported value: -Inf", id="minus-inf"
    ),
    pytest.param("a: .NaN\n", (1, 4), ".a", "json: unsupported value: NaN", id="nan"),
    pytest.param("a: +.INF\n", (1, 4), ".a", "json: unsupported value: +Inf", id="plus-inf"),
    pytest.param("~: 1\n", (1, 1), ".~", "unsupported map key of type <nil>", id="null-key"),
    pytest.param("a:\n  null: 1\n", (2, 3), ".a.null", "unsupported map key", id="null-word-key"),
    pytest.param(
        "9223372036854775808: x\n",
        (1, 1),
        ".9223372036854775808",
        "unsupported map key of type: uint64",
        id="uint64-key",
    ),
    pytest.param(
        "0xFFFFFFFFFFFFFFFFFFFF: x\n",
        (1, 1),
        ".0xFFFFFFFFFFFFFFFFFFFF",
        "of type: *big.Int",
        id="big-int-key",
    ),
    pytest.param("[a]: 1\n", (1, 1), ".?", "invalid map key", id="list-key"),
    pytest.param("? {a: 1}\n: 1\n", (1, 3), ".?", "invalid map key", id="map-key"),
    # Two Go keys, one JSON key: Go's map order decides, so Flux's output varies.
    pytest.param("1: a\n1.0: b\n", (2, 1), ".1", "both become '1' in JSON", id="int-and-float-key"),
    pytest.param(
        '"1": a\n1: b\n', (2, 1), ".1", "both become '1' in JSON", id="string-and-int-key"
    ),
    pytest.param(
        'y: 1\n"true": 2\n', (2, 1), ".true", "both become 'true' in JSON", id="bool-and-string-key"
    ),
    pytest.param(
        ".nan: 1\n.NaN: 2\n", (2, 1), "..nan", "both become '.nan' in JSON", id="two-nan-keys"
    ),
    pytest.param("<<: {a: 1}\n", (1, 1), ".<<", "merge key", id="merge-key"),
    pytest.param('"<<": 1\n', (1, 1), ".<<", "merge key", id="quoted-merge-key"),
    pytest.param("a: !!int 3\n", (1, 4), ".a", "YAML tag !!int is not supported", id="int-tag"),
    pytest.param(
        "a: !vault secret\n", (1, 4), ".a", "YAML tag !vault is not supported", id="custom-tag"
    ),
    pytest.param(
        "a: !!set {b, c}\n", (1, 4), ".a", "YAML tag !!set is not supported", id="set-tag"
    ),
    pytest.param(
        'a: "\\x7f"\n', (1, 4), ".a", "U+007F cannot be written", id="unwritable-character"
    ),
    pytest.param(
        "a: " + "9" * 400 + "\n", (1, 4), ".a", "too large for a float64", id="past-float64"
    ),
    pytest.param("- a\n", (1, 1), "", "must be a mapping, not a list", id="list-file"),
    pytest.param("web\n", (1, 1), "", "must be a mapping, not a single value", id="scalar-file"),
]


@pytest.mark.parametrize(("text", "where", "path", "reason"), REFUSALS)
def test_what_flux_refuses_is_refused_at_its_line(
    text: str, where: tuple[int, int], path: str, reason: str
) -> None:
    with pytest.raises(HelmValuesError) as caught:
        read_values_text(text)
    assert (caught.value.line, caught.value.col) == where
    assert caught.value.path == path
    assert reason in caught.value.message


def test_the_inf_message_says_what_flux_says() -> None:
    with pytest.raises(HelmValuesError) as caught:
        read_values_text("replicas: 2\nlimit: .inf\n")
    assert caught.value.message == (
        ".inf is not a number JSON can hold: Flux refuses it (json: unsupported value: +Inf); "
        "quote it for a string"
    )


@pytest.mark.parametrize("text", ["a: 1\n---\nb: 2\n", "a: 1\n---\n"])
def test_a_second_document_is_refused(text: str) -> None:
    """Flux silently reads only the first document; a second one is almost surely a mistake."""
    with pytest.raises(YamlSourceError) as caught:
        read_values_text(text)
    assert (caught.value.line, caught.value.col) == (2, 1)
    assert (
        caught.value.message
        == "a values file holds one YAML document; Flux would read only the first"
    )


def test_yaml_syntax_errors_keep_their_position() -> None:
    with pytest.raises(YamlSourceError) as caught:
        read_values_text("a: [1, 2\n")
    assert caught.value.line == 2 and caught.value.message.startswith("invalid YAML:")


# --- integers that change value: emitted as Flux writes them, with a warning -----------------


def test_integers_past_2_53_warn_with_their_position() -> None:
    values = read_values_text(
        "ok: 9007199254740992\nids:\n  - 9007199254740993\n  - 99999999999999999999\n"
    )
    assert values.data == {"ids": [9007199254740992, 1e20], "ok": 9007199254740992}
    assert [(w.line, w.col, w.path) for w in values.warnings] == [
        (3, 5, ".ids[0]"),
        (4, 5, ".ids[1]"),
    ]
    assert values.warnings[0].message == (
        "9007199254740993 is beyond 2^53: Flux turns every number into a float64 and writes "
        "9007199254740992; quote it to keep it exact"
    )
    assert "writes 1e+20;" in values.warnings[1].message


@pytest.mark.parametrize(
    "text",
    [
        "a: 9007199254740992\n",
        "a: -9223372036854775808\n",
        "a: 18446744073709551616\n",
        "a: '9007199254740993'\n",
        "a: 1.5\n",
    ],
)
def test_exact_numbers_and_strings_do_not_warn(text: str) -> None:
    assert read_values_text(text).warnings == ()


# --- the pieces ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("y", True), ("off", False), ("~", None), ("", None), ("08", 8.0), ("0o644", 420),
        ("0x1F", 31), ("1_000", 1000), ("-0b101", -5), ("1e3", 1000.0), (".5", 0.5),
        ("18446744073709551615", 18446744073709551615), ("2:30", "2:30"),
        ("2024-01-01", "2024-01-01"), ("<<", "<<"), ("yES", "yES"), ("-0x8000000000000000", -(2**63)),
    ],
)  # fmt: skip
def test_resolve_plain_gives_the_go_value(text: str, value: object) -> None:
    got = resolve_plain(text)
    assert got == value and type(got) is type(value)


@pytest.mark.parametrize(
    ("text", "plain"),
    [("web", True), ("y", False), ("08", False), ("1e3", False), ("0o644", False), ("2:30", True),
     ("<<", False), ("1e400", True), ("0xFFFFFFFFFFFFFFFFFFFF", False), ("on", False)],
)  # fmt: skip
def test_reads_as_string(text: str, plain: bool) -> None:
    """`2:30` is a string to yaml.v2 (the emitter still quotes it for other readers)."""
    assert reads_as_string(text) is plain


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1.0, "1"), (0.1, "0.1"), (3.14159265358979, "3.1415927"), (1e10, "1e+10"),
        (16777217.0, "1.6777216e+07"), (123456.0, "123456"), (0.0001, "0.0001"),
        (0.00001, "1e-05"), (-0.0, "-0"), (1e39, ".inf"), (-1e39, "-.inf"),
        (3.4028234663852886e38, "3.4028235e+38"), (1e-45, "1e-45"), (1e-46, "0"),
        (float("nan"), ".nan"), (2.5, "2.5"), (1 / 3, "0.33333334"),
    ],
)  # fmt: skip
def test_float32_text_is_go_formatfloat_g_32(value: float, text: str) -> None:
    assert float32_text(value) == text


def test_key_order_is_deterministic_where_yaml_v2_has_none() -> None:
    """yaml.v2's comparison is not a total order for "a1b", "a2", "a10" (a cycle), so Flux
    prints them in a varying order; here the input order never matters."""
    orders = {
        printed(text)
        for text in (
            "a1b: 1\na2: 2\na10: 3\n",
            "a10: 3\na2: 2\na1b: 1\n",
            "a2: 2\na1b: 1\na10: 3\n",
        )
    }
    assert len(orders) == 1


@pytest.mark.parametrize(
    ("number", "text"),
    [
        (2.0**63, "9223372036854776000"),  # uint64 after the round trip
        (2.0**60, "1152921504606847000"),
        (-(2.0**63), "-9.223372036854776e+18"),  # past int64: a float again
        (1.8e19, "18000000000000000000"),
    ],
)
def test_dump_writes_big_integral_floats_as_encoding_json_spells_them(
    number: float, text: str
) -> None:
    """encoding/json writes the shortest digits, then zeros, not the float's exact value."""
    assert dump({"a": number}) == f"a: {text}\n"


# --- end to end: `invoke flux.update` on a project ------------------------------------------

HR_CONFIG = MINIMAL_CONFIG.replace(
    "sources:\n",
    "sources:\n  - {kind: HelmRepository, name: charts, url: https://charts.example.com}\n",
) + (
    "helmReleases:\n"
    "  - name: web\n"
    "    namespace: apps\n"
    "    source: HelmRepository/charts\n"
    "    chart: web\n"
    "    valuesFiles: [config/values/web.yaml]\n"
)
WEB_HR = "resources/apps/flux-hr-web.yaml"


def release_text(tree: Tree) -> str:
    """The generated HelmRelease document, without the license header and marker."""
    return (tree.root / WEB_HR).read_text().split("DO NOT EDIT.\n", 1)[1]


def test_update_writes_values_as_flux_prints_them(tree: Tree) -> None:
    tree.write_config(HR_CONFIG)
    tree.write("config/values/web.yaml", "schedule: 2:30\ny: 1\nport: 08\n")
    done = tree.invoke("flux.update")
    assert done.returncode == 0, done.stderr
    assert "warning" not in done.stderr
    assert release_text(tree) == block(
        """
        ---
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
                name: charts
                namespace: flux-system
          interval: 5m0s
          values:
            port: 8
            schedule: "2:30"
            "true": 1
        """
    )
    assert tree.invoke("flux.update", "--check").returncode == 0


def test_a_value_flux_refuses_is_exit_4_with_its_line_and_nothing_written(tree: Tree) -> None:
    tree.write_config(HR_CONFIG)
    tree.write("config/values/web.yaml", "schedule: 2:30\ny: 1\nport: 08\nlimit: .inf\n")
    before = tree.snapshot()
    done = tree.invoke("flux.update")
    assert done.returncode == 4
    assert done.stderr == (
        "config/flux.yaml:19:19: helmReleases[0].valuesFiles[0]: config/values/web.yaml:4:8: "
        "limit: .inf is not a number JSON can hold: Flux refuses it (json: unsupported value: +Inf); "
        "quote it for a string\n"
    )
    assert done.stdout == ""
    assert tree.snapshot() == before


def test_inline_values_are_read_like_a_values_file(tree: Tree) -> None:
    tree.write_config(
        HR_CONFIG.replace(
            "    valuesFiles: [config/values/web.yaml]\n", "    values: {on: 1, ratio: .NaN}\n"
        )
    )
    before = tree.snapshot()
    done = tree.invoke("flux.update")
    assert done.returncode == 4
    assert done.stderr == (
        "config/flux.yaml:19:28: helmReleases[0].values.ratio: .NaN is not a number JSON can hold: "
        "Flux refuses it (json: unsupported value: NaN); quote it for a string\n"
    )
    assert tree.snapshot() == before


@pytest.mark.parametrize(
    ("files", "inline", "expected"),
    [
        # Flux sets spec.values whenever --values is given: an empty file still gives {}.
        ({"config/values/web.yaml": "# filled in per cluster\n"}, None, "  values: {}\n"),
        # Inline values are one more values file, so `values: {}` prints the same.
        ({}, "{}", "  values: {}\n"),
        # Later files win; inline values come last; null replaces a map.
        (
            {
                "config/values/web.yaml": "a: {b: 1, c: 2}\nd: [1, 2]\n",
                "config/values/more.yaml": "a: {c: 3}\nd: [3]\n",
            },
            "{a: ~}",
            "  values:\n    a: null\n    d:\n    - 3\n",
        ),
    ],
)
def test_values_given_always_write_spec_values(
    tree: Tree, files: dict[str, str], inline: str | None, expected: str
) -> None:
    listed = "".join(f"{rel}, " for rel in files).rstrip(", ")
    entry = f"    valuesFiles: [{listed}]\n" if files else ""
    if inline is not None:
        entry += f"    values: {inline}\n"
    tree.write_config(HR_CONFIG.replace("    valuesFiles: [config/values/web.yaml]\n", entry))
    for rel, text in files.items():
        tree.write(rel, text)
    done = tree.invoke("flux.update")
    assert done.returncode == 0, done.stderr
    assert release_text(tree).endswith("  interval: 5m0s\n" + expected)


def test_without_values_no_spec_values(tree: Tree) -> None:
    tree.write_config(
        HR_CONFIG.replace("    valuesFiles: [config/values/web.yaml]\n", "    valuesFiles: []\n")
    )
    assert tree.invoke("flux.update").returncode == 0
    assert release_text(tree).endswith("  interval: 5m0s\n")


def test_update_warns_about_integers_flux_changes(tree: Tree) -> None:
    tree.write_config(
        HR_CONFIG.replace(
            "    chart: web\n", "    chart: web\n    values: {id: 9007199254740993}\n"
        )
    )
    tree.write("config/values/web.yaml", "big: 9223372036854775807\n")
    done = tree.invoke("flux.update")
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines()[:2] == [
        "warning: config/values/web.yaml:1:6: big: 9223372036854775807 is beyond 2^53: Flux turns every "
        "number into a float64 and writes 9223372036854776000; quote it to keep it exact "
        "(helmReleases[0].valuesFiles[0])",
        "warning: config/flux.yaml:19:18: helmReleases[0].values.id: 9007199254740993 is beyond 2^53: "
        "Flux turns every number into a float64 and writes 9007199254740992; quote it to keep it exact",
    ]
    assert release_text(tree).endswith(
        "  values:\n    big: 9223372036854776000\n    id: 9007199254740992\n"
    )


# --- flux.import reads values back by the same rules ------------------------------------------


def test_import_reads_values_back_as_flux_wrote_them(tree: Tree) -> None:
    """Strings yaml.v2 would read as something else, an empty values file, numbers: what
    update wrote, import turns back into a config that renders the same bytes."""
    tree.write_config(
        HR_CONFIG.replace(
            "    chart: web\n",
            "    chart: web\n    values: {answer: 'y', port: '08', when: '2:30', n: 08, on: 1}\n",
        )
        + "  - {name: empty, namespace: apps, source: HelmRepository/charts, chart: empty, valuesFiles: [config/values/empty.yaml]}\n"
    )
    tree.write("config/values/web.yaml", "date: 2024-01-01\nratio: 1e-6\n")
    tree.write("config/values/empty.yaml", "")
    apply_plan(plan_update(load_config(tree.config)))
    before = tree.snapshot()
    assert release_text(tree).endswith(
        '  values:\n    answer: "y"\n    date: "2024-01-01"\n    "false": 8\n    port: "08"\n'
        '    ratio: 1e-06\n    "true": 1\n    when: "2:30"\n'
    )
    tree.config.unlink()
    result = import_tree(tree.config)
    assert result.blockers == [] and result.warnings == []
    write_text(tree.config, result.text, "config/flux.yaml")
    assert "      answer: 'y'\n" in result.text and "      port: '08'\n" in result.text
    assert "values: {}" in result.text
    assert plan_update(load_config(tree.config)).pending == []
    assert tree.snapshot() == before
