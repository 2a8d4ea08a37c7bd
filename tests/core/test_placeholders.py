"""Placeholders: {{name}}, {{name:unit}}, {{name:unit:digits}}, {{name:label}} — parsed, checked, formatted, marked."""

from __future__ import annotations

import pytest

from addon.core.compute import parse_compute
from addon.core.language import ComputeError
from addon.core.placeholders import (
    PLACEHOLDER, SPAN_ATTRIBUTE, SPAN_CLASS, Placeholder, format_keys, format_placeholder, parse_placeholder,
    placeholder_problem, span,
)

MODEL = parse_compute(
    "param seq_len = 4096 in 128..1_048_576 step 128\n"
    'param bytes_per_element = 2 one of 0.5 "FP4", 1 "INT8", 2 "BF16"\n'
    "param alpha = 0.8 in 0.05..0.99\n"
    "per_token = 2 * 32 * 8 * 128 * bytes_per_element\n"
    "answer = per_token * seq_len\nunit: B\nshow: MB\ndigits: 4\n"
)
VALUES = MODEL.evaluate()


@pytest.mark.parametrize(
    "inner, placeholder, key",
    [
        ("seq_len", Placeholder("seq_len"), "seq_len"),
        (" seq_len ", Placeholder("seq_len"), "seq_len"),
        ("answer:GB", Placeholder("answer", "GB"), "answer:GB"),
        ("answer:GB:3", Placeholder("answer", "GB", 3), "answer:GB:3"),
        ("answer : GiB : 2", Placeholder("answer", "GiB", 2), "answer:GiB:2"),
        ("answer::3", Placeholder("answer", "", 3), "answer::3"),
        ("bytes_per_element:label", Placeholder("bytes_per_element", "label"), "bytes_per_element:label"),
        ("per_token:KiB", Placeholder("per_token", "KiB"), "per_token:KiB"),
    ],
)
def test_parse_placeholder(inner: str, placeholder: Placeholder, key: str) -> None:
    parsed = parse_placeholder(inner)
    assert parsed == placeholder
    assert parsed.key == key
    assert parse_placeholder(parsed.key) == parsed  # the key reads back as the same placeholder


@pytest.mark.parametrize(
    "inner, phrase, offset",
    [
        ("", "a placeholder is {{name}}", 0),
        ("1abc", "a placeholder is {{name}}", 0),
        ("a b", "a placeholder is {{name}}", 0),
        ("answer:furlongs", "unknown unit 'furlongs' in placeholder", 7),
        ("answer:GB:0", "digits must be from 1 to 15", 10),
        ("answer:GB:16", "digits must be from 1 to 15", 10),
        ("answer:GB:3:4", "a placeholder is {{name}}", 0),
        ("__class__", "a placeholder is {{name}}", 0),
    ],
)
def test_bad_placeholders(inner: str, phrase: str, offset: int) -> None:
    with pytest.raises(ComputeError) as info:
        parse_placeholder(inner)
    assert phrase in info.value.message
    assert info.value.offset == offset


def test_placeholder_pattern_finds_them_in_text() -> None:
    text = "At {{seq_len}} tokens the cache is {{answer:GB:3}}; {not} {{ {x} }} {{\n}}"
    assert [m.group("inner") for m in PLACEHOLDER.finditer(text)] == ["seq_len", "answer:GB:3"]


@pytest.mark.parametrize(
    "inner, text",
    [
        ("seq_len", "4,096"),
        ("answer", "536.9 MB"),  # the answer's show unit and digits
        ("answer:GB", "0.5369 GB"),
        ("answer:GB:3", "0.537 GB"),
        ("answer:GiB", "0.5000 GiB"),  # the block's digits: 4
        ("answer:B", "536,870,912 B"),
        ("answer::2", "537 MB"),  # whole digits are never rounded away
        ("bytes_per_element", "2"),
        ("bytes_per_element:label", "BF16"),
        ("alpha", "0.8"),
        ("alpha:%", "80%"),
        ("alpha::2", "0.80"),
        ("per_token:KiB", "128 KiB"),
    ],
)
def test_format_placeholder_at_the_defaults(inner: str, text: str) -> None:
    placeholder = parse_placeholder(inner)
    assert placeholder_problem(placeholder, MODEL) is None
    assert format_placeholder(placeholder, MODEL, VALUES) == text


def test_format_placeholder_follows_the_values() -> None:
    values = MODEL.evaluate({"seq_len": 8192, "bytes_per_element": 0.5})
    assert format_placeholder(parse_placeholder("answer:GB:3"), MODEL, values) == "0.268 GB"
    assert format_placeholder(parse_placeholder("bytes_per_element:label"), MODEL, values) == "FP4"


@pytest.mark.parametrize(
    "inner, phrase",
    [
        ("batch", "unknown name 'batch' in placeholder (this card has: alpha, answer, bytes_per_element, per_token, seq_len)"),
        ("seq_len:label", "needs a parameter with choices"),
        ("per_token:label", "needs a parameter with choices"),
        ("answer:ms", "ms is not the same kind of quantity as the answer's unit B"),
    ],
)
def test_placeholder_problems(inner: str, phrase: str) -> None:
    assert phrase in (placeholder_problem(parse_placeholder(inner), MODEL) or "")


def test_placeholder_without_a_compute_block() -> None:
    assert "needs a compute block" in (placeholder_problem(Placeholder("seq_len"), None) or "")


def test_span_marks_the_value_and_escapes() -> None:
    assert span(Placeholder("answer", "GB", 3), "0.537 GB") == (
        f'<span class="{SPAN_CLASS}" {SPAN_ATTRIBUTE}="answer:GB:3">0.537 GB</span>'
    )
    marked = span(Placeholder("x"), '<script>"&')
    assert "<script>" not in marked and "&lt;script&gt;&quot;&amp;" in marked


def test_format_keys_answers_what_it_can_and_drops_the_rest() -> None:
    keys = ["seq_len", "answer:GB:3", "batch", "answer:furlongs", "x" * 81, 42, "bytes_per_element:label", "answer:ms"]
    assert format_keys(keys, MODEL, VALUES) == {  # type: ignore[arg-type]
        "seq_len": "4,096",
        "answer:GB:3": "0.537 GB",
        "bytes_per_element:label": "BF16",
    }


def test_format_keys_caps_how_many_it_reads() -> None:
    keys = [f"seq_len:{u}" for u in ("B", "kB", "MB")] * 1000
    assert len(format_keys(keys, MODEL, VALUES)) == 3
    assert format_keys(["seq_len"] * 10_000 + ["alpha"], MODEL, VALUES) == {"seq_len": "4,096"}  # only the first 200 keys


# --- values inside math, as TeX ------------------------------------------------------------------

from addon.core.placeholders import TEX_KEY, math_span, tex_value  # noqa: E402


@pytest.mark.parametrize("text, tex", [
    ("4,096", "4{,}096"),
    ("536.9 MB", r"536.9\,\mathrm{MB}"),
    ("0.537 GB", r"0.537\,\mathrm{GB}"),
    ("2.396×", r"2.396{\times}"),
    ("75%", r"75\%"),
    ("-0.5 µs", r"-0.5\,\mathrm{µs}"),
    ("1.200e+16", r"1.200 \times 10^{16}"),
    ("BF16/FP16", r"\text{BF16/FP16}"),
    ("a_b {x}", r"\text{a\_b \{x\}}"),
])
def test_tex_value_writes_a_placeholder_text_as_tex(text, tex):
    assert tex_value(text) == tex


def test_format_keys_gives_tex_for_tex_keys():
    values = MODEL.evaluate({"seq_len": 8192})
    texts = format_keys(["seq_len", TEX_KEY + "seq_len", TEX_KEY + "answer:GB:3", TEX_KEY + "bytes_per_element:label",
                         TEX_KEY + "nope", "$", TEX_KEY + TEX_KEY + "seq_len"], MODEL, values)
    assert texts == {"seq_len": "8,192", "$seq_len": "8{,}192", "$answer:GB:3": r"1.07\,\mathrm{GB}",
                     "$bytes_per_element:label": r"\text{BF16}"}


def test_math_span_escapes_the_template_for_its_attribute():
    out = math_span(r"\(a < {{seq_len}} & b\)", r"\(a < 4{,}096 & b\)")
    assert out == ('<span class="cc-math" data-cc-tex="\\(a &lt; {{seq_len}} &amp; b\\)">'
                   "\\(a &lt; 4{,}096 &amp; b\\)</span>")


# --- parameters and variables with a unit --------------------------------------------------------

UNITS_MODEL = parse_compute(
    "param weight_gb = 16 in 1..80 [GB]\n"
    "param rate = 989 in 1..2000 [TFLOPS]\n"
    "weight_bytes = weight_gb * 1e9 [B]\n"
    "answer = weight_bytes / 3.35e12\nunit: s\nshow: ms\n"
)


@pytest.mark.parametrize("inner, problem", [
    ("weight_bytes:ms", "ms is not the same kind of quantity as weight_bytes's unit B"),
    ("weight_gb:tokens", "tokens is not the same kind of quantity as weight_gb's unit GB"),
    ("rate:GB", "GB is not the same kind of quantity as rate's unit TFLOP/s"),
    ("answer:GB", "GB is not the same kind of quantity as the answer's unit s"),
    ("weight_bytes:GiB", None), ("rate:PFLOPS", None),
])
def test_a_unit_on_a_parameter_or_variable_is_checked_like_the_answers(inner, problem):
    assert placeholder_problem(parse_placeholder(inner), UNITS_MODEL) == problem


@pytest.mark.parametrize("inner, text", [
    ("weight_gb", "16"), ("weight_gb:MB", "16,000 MB"), ("weight_bytes:GB", "16 GB"), ("rate:PFLOPS", "0.989 PFLOP/s"),
])
def test_a_unit_on_a_parameter_or_variable_converts(inner, text):
    assert format_placeholder(parse_placeholder(inner), UNITS_MODEL, UNITS_MODEL.evaluate()) == text


def test_an_unknown_unit_in_brackets_is_an_error_at_it():
    source = "param w = 1 in 1..2 [furlongs]\nanswer = w"
    with pytest.raises(ComputeError) as e:
        parse_compute(source)
    assert "unknown unit 'furlongs' in '[...]'" in e.value.message and source[e.value.offset :].startswith("furlongs]")
