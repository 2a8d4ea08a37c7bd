"""The compute block: parameters, presets, variables, the answer and its settings, expect."""

from __future__ import annotations

import math

import pytest

from addon.core.compute import ComputeModel, parse_compute
from addon.core.language import ComputeError, Limits

KV_CACHE = """\
# KV cache of one sequence
param num_layers = 32 in 1..200 integer
param num_kv_heads = 8 in 1..128 integer
param head_dim = 128 one of 64, 128, 256
param seq_len = 4096 in 128..1_048_576 step 128
param bytes_per_element = 2 one of 0.5 "FP4", 1 "INT8", 2 "BF16", 4 "FP32"
preset "Llama-3.1-8B": num_layers = 32, num_kv_heads = 8
preset "Llama-3.1-70B": num_layers = 80, num_kv_heads = 8
per_token = 2 * num_layers * num_kv_heads * head_dim * bytes_per_element  # K and V
answer = per_token * seq_len
unit: B
show: MB
digits: 4
tolerance: 1%
expect: 536.9 MB
"""


@pytest.fixture(scope="module")
def kv() -> ComputeModel:
    return parse_compute(KV_CACHE)


def refused(source: str) -> ComputeError:
    with pytest.raises(ComputeError) as info:
        parse_compute(source)
    return info.value


def at(source: str, needle: str) -> int:
    return source.index(needle)


# ---------------------------------------------------------------------------------------------
# A whole block


def test_the_kv_cache_block(kv: ComputeModel) -> None:
    assert [p.name for p in kv.parameters] == ["num_layers", "num_kv_heads", "head_dim", "seq_len", "bytes_per_element"]
    assert kv.defaults() == {"num_layers": 32, "num_kv_heads": 8, "head_dim": 128, "seq_len": 4096, "bytes_per_element": 2}
    values = kv.evaluate()
    assert values["per_token"] == 131072.0
    assert values["answer"] == 536_870_912.0
    assert kv.expected_text(values) == "536.9 MB"
    assert kv.exact_text(values) == "536,870,912 B"
    assert kv.expect_problem() is None
    assert kv.names == {"num_layers", "num_kv_heads", "head_dim", "seq_len", "bytes_per_element", "per_token", "answer"}


def test_evaluate_at_other_values(kv: ComputeModel) -> None:
    values = kv.evaluate({"num_layers": 80, "seq_len": 8192, "bytes_per_element": 1})
    assert values["answer"] == 2 * 80 * 8 * 128 * 1 * 8192
    assert kv.evaluate()["answer"] == 536_870_912.0  # the model is not changed by evaluating


def test_parameters_ranges_steps_and_choices(kv: ComputeModel) -> None:
    layers, _, head_dim, seq_len, bpe = kv.parameters
    assert (layers.low, layers.high, layers.integer, layers.step) == (1, 200, True, None)
    assert (seq_len.low, seq_len.high, seq_len.step) == (128, 1_048_576, 128)
    assert seq_len.integer  # a whole step from a whole low gives whole values
    assert [(c.value, c.label) for c in bpe.choices] == [(0.5, "FP4"), (1, "INT8"), (2, "BF16"), (4, "FP32")]
    assert [c.label for c in head_dim.choices] == ["64", "128", "256"]  # no label: the number is the label


def test_presets(kv: ComputeModel) -> None:
    assert [p.label for p in kv.presets] == ["Llama-3.1-8B", "Llama-3.1-70B"]
    assert dict(kv.presets[1].values) == {"num_layers": 80, "num_kv_heads": 8}


def test_to_json_is_what_the_panel_draws(kv: ComputeModel) -> None:
    data = kv.to_json()
    assert data["unit"] == "B" and data["show"] == "MB"
    assert data["parameters"][0] == {"name": "num_layers", "default": 32, "min": 1, "max": 200, "step": 1, "integer": True}
    assert data["parameters"][4]["choices"][0] == {"value": 0.5, "label": "FP4"}
    assert data["presets"][1] == {"label": "Llama-3.1-70B", "values": {"num_layers": 80, "num_kv_heads": 8}}


def test_variables_in_order_each_sees_the_ones_before() -> None:
    m = parse_compute("param x = 3 in 0..10\na = x + 1\nb = a * 2\nanswer = b - a")
    assert [v.name for v in m.variables] == ["a", "b"]
    assert m.evaluate() == {"x": 3, "a": 4, "b": 8, "answer": 4}


def test_comments_blank_lines_and_crlf() -> None:
    m = parse_compute("\r\n# a comment\r\nparam x = 2 in 0..4  # trailing\r\n\r\nanswer = x * 2\r\nunit: B\r\n")
    assert m.evaluate()["answer"] == 4
    assert m.answer.unit.symbol == "B"


def test_hash_inside_a_label_is_not_a_comment() -> None:
    m = parse_compute('param n = 1 one of 1 "#1 choice", 2 "two"\nanswer = n')
    assert m.parameters[0].choices[0].label == "#1 choice"


# ---------------------------------------------------------------------------------------------
# Settings


def test_settings_default() -> None:
    m = parse_compute("answer = 2")
    assert m.answer.unit.symbol == "" and m.answer.display.symbol == ""
    assert m.answer.digits is None
    assert m.answer.tolerance.relative == 0.01 and m.answer.tolerance.absolute is None
    assert m.expect is None and m.expect_problem() is None


def test_show_defaults_to_unit() -> None:
    assert parse_compute("answer = 2\nunit: ms").answer.display.symbol == "ms"


def test_tolerance_relative_and_absolute() -> None:
    assert parse_compute("answer = 2\ntolerance: 5%").answer.tolerance.relative == pytest.approx(0.05)
    t = parse_compute("answer = 2\nunit: B\ntolerance: 0.5 MB").answer.tolerance
    assert t.absolute == 500_000  # in base units
    t = parse_compute("answer = 2\nunit: MB\ntolerance: 3").answer.tolerance
    assert t.absolute == 3_000_000  # a bare amount is in the answer's unit


def test_digits_shape_the_expected_text() -> None:
    m = parse_compute("answer = 536870912\nunit: B\nshow: GB\ndigits: 2")
    assert m.expected_text(m.evaluate()) == "0.54 GB"


@pytest.mark.parametrize(
    "source, phrase, needle",
    [
        ("answer = 1\nunit: furlongs", "unknown unit 'furlongs'", "furlongs"),
        ("answer = 1\nunit: B\nshow: ms", "show: ms is not the same kind of quantity as unit: B", "ms"),
        ("answer = 1\ndigits: 0", "digits: takes a whole number", "0"),
        ("answer = 1\ndigits: 16", "digits: takes a whole number", "16"),
        ("answer = 1\ndigits: two", "digits: takes a whole number", "two"),
        ("answer = 1\ntolerance: 100%", "from 0% to below 100%", "100%"),
        ("answer = 1\ntolerance: lots%", "write a percentage like 1%", "lots%"),
        ("answer = 1\ntolerance: -1", "must not be negative", "-1"),
        ("answer = 1\nunit: B\ntolerance: 1 s", "tolerance: s is not the same kind of quantity as unit: B", "1 s"),
        ("answer = 1\nunit: B\nunit: MB", "'unit' is set twice", "unit: MB"),
        ("answer = 1\nunit:", "'unit:' needs a value", "unit:"),
        ("answer = 1\nunit B", "write settings as 'unit: value'", "unit B"),
    ],
)
def test_bad_settings_point_at_the_setting(source: str, phrase: str, needle: str) -> None:
    err = refused(source)
    assert phrase in err.message
    assert err.offset == source.rindex(needle)


# ---------------------------------------------------------------------------------------------
# Refused blocks, each pointing at the right place


@pytest.mark.parametrize(
    "source, phrase, needle",
    [
        ("param a = 1 in 0..2\nanswer = b", "unknown name 'b' (names must be defined on an earlier line)", "b"),
        ("b = a + 1\nparam a = 1 in 0..2\nanswer = b", "unknown name 'a'", "a"),
        ("param a = 1 in 0..2\nparam a = 2 in 0..3\nanswer = a", "'a' is already defined", "a = 2"),
        ("x = 1\nx = 2\nanswer = x", "'x' is already defined", "x = 2"),
        ("param max = 1 in 0..2\nanswer = 1", "'max' is a reserved word", "max"),
        ("param answer = 1 in 0..2\nanswer = 1", "'answer' is a reserved word", "answer ="),
        ("unit = 2\nanswer = 1", "write settings as 'unit: value'", "unit = 2"),
        ("expect = 2\nanswer = 1", "write settings as 'expect: value'", "expect = 2"),
        ("sqrt = 2\nanswer = 1", "'sqrt' is a reserved word", "sqrt"),
        ("param _a = 1 in 0..2\nanswer = 1", "'_a' is not a valid name", "_a"),
        ("answer = 1\nanswer = 2", "second 'answer' line", "answer = 2"),
        ("param a = 1 in 0..2", "this compute block has no 'answer = expression' line: add one", "param a"),
        ("", "has no 'answer = expression' line", ""),
        ("param seq_len = 1 in 0..2\nanswer = seq_lne * 2", "unknown name 'seq_lne' (did you mean 'seq_len'?)", "seq_lne"),
        ("param n = 1 in 0..2\nanswer = (n + 1) ^ 2", "'^' is not a power here: write ** for a power (2 ** 10)", "^"),
        ("param n = 1 in 0..2\nanswer = n << 2", "'<<' is not part of the language; write * 2 ** n", "<<"),
        ("answer = 1 +", "invalid syntax", ""),
        ("answer == 1", "expected 'param ...'", "answer == 1"),
        ("import os\nanswer = 1", "expected 'param ...'", "import os"),
        ("param a = 5 in 0..2\nanswer = a", "default 5 is not allowed: a must be between 0 and 2", "5"),
        ("param a = 3 one of 1, 2\nanswer = a", "default 3 is not allowed: a must be one of 1, 2", "3"),
        ("param a = 1.5 in 0..2 integer\nanswer = a", "a must be a whole number", "1.5"),
        ("param a = 1 in 2..0\nanswer = a", "empty range", "2..0"),
        ("param a = 1 in 0..2 step 0\nanswer = a", "step must be positive", " step 0"),
        ("param a = 1 in 0..2 bogus\nanswer = a", "unexpected 'bogus'", "bogus"),
        ("param a = 1\nanswer = a", "write a parameter as", "param a = 1"),
        ("param a = 1 one of\nanswer = a", "'one of' needs at least one choice", "\n"),
        ('param a = 1 one of 1 "x", 1 "y"\nanswer = a', "choice 1 appears twice", '1 "y"'),
        ('param a = 1 one of 1 "' + "x" * 61 + '"\nanswer = a', "label longer than 60 characters", "x" * 61),
        ("param a = 1e999 in 0..2\nanswer = a", "number 1e999 is too large (not finite)", "1e999"),
        ("param a = 1 in 0..1e999\nanswer = a", "number 1e999 is too large (not finite)", "1e999"),
        ("param a = 1 in 0..2 step 1e999\nanswer = a", "number 1e999 is too large (not finite)", "1e999"),
        ('param a = 1 one of 1, 1e999 "big"\nanswer = a', "number 1e999 is too large (not finite)", "1e999"),
        ('param a = 1 in 0..2\npreset "p": a = 1e999\nanswer = a', "number 1e999 is too large (not finite)", "1e999"),
        ('preset "p": a = 1\nanswer = 1', "preset sets 'a', which is not a parameter defined above", "a ="),
        ('param a = 1 in 0..2\npreset "p": a = 5\nanswer = a', "preset 'p': a must be between 0 and 2", "5"),
        ('param a = 1 in 0..2\npreset "p": a = 1\npreset "p": a = 2\nanswer = a', "preset 'p' is defined twice", 'p": a = 2'),
        ('param a = 1 in 0..2\npreset "p":\nanswer = a', "a preset needs at least one 'name = value'", 'preset "p":'),
        ('param a = 1 in 0..2\npreset p: a = 1\nanswer = a', "write a preset as", "preset p"),
        ("answer = ５", "unexpected character '５' (U+FF15)", "５"),
        ("answer = 1 \u2212 2", "unexpected character '−' (U+2212)", "\u2212"),
        ("answer = (1", "'(' was never closed", "("),
        ("answer = x.real", "attribute access", "x.real"),
    ],
)
def test_refused_blocks_point_at_the_mistake(source: str, phrase: str, needle: str) -> None:
    err = refused(source)
    assert phrase in err.message
    expected = source.index(needle) if needle else None
    if needle == "\n":
        expected = source.index("\n")
    if expected is not None:
        assert err.offset == expected, (err.message, err.offset)
    assert 0 <= err.offset <= len(source)


def test_block_limits() -> None:
    with pytest.raises(ComputeError, match="more than 200 lines"):
        parse_compute("x = 1\n" * 201 + "answer = 1")
    with pytest.raises(ComputeError, match="the limit is 20,000"):
        parse_compute("# " + "a" * 20_000 + "\nanswer = 1")
    with pytest.raises(ComputeError, match="more than 2 parameters"):
        parse_compute("param a = 1 in 0..2\nparam b = 1 in 0..2\nparam c = 1 in 0..2\nanswer = 1", Limits(max_parameters=2))
    with pytest.raises(ComputeError, match="more than 3 choices"):
        parse_compute("param a = 1 one of 1, 2, 3, 4\nanswer = a", Limits(max_choices=3))
    with pytest.raises(ComputeError, match="must be text"):
        parse_compute(None)  # type: ignore[arg-type]


def test_a_block_shares_one_step_budget() -> None:
    # each line alone stays below max_steps; together they must not cost more than one expression may
    heavy = "argmax(k, 1, 1024, argmax(j, 1, 12, j * k))"
    source = "\n".join(f"v{i} = {heavy}" for i in range(5)) + "\nanswer = v0"
    m = parse_compute(source)
    with pytest.raises(ComputeError, match="more than 50,000 steps"):
        m.evaluate()
    assert parse_compute(f"v0 = {heavy}\nanswer = v0").evaluate()["answer"] == 1  # alone, it is fine


# ---------------------------------------------------------------------------------------------
# resolve(): what values the add-on or `build.py answer --set` may pass


def test_resolve_overrides_defaults(kv: ComputeModel) -> None:
    resolved = kv.resolve({"seq_len": 8192, "bytes_per_element": 0.5})
    assert resolved["seq_len"] == 8192.0 and resolved["bytes_per_element"] == 0.5
    assert resolved["num_layers"] == 32.0
    assert kv.resolve() == kv.defaults() == kv.resolve({})


@pytest.mark.parametrize(
    "values, phrase",
    [
        ({"batch": 2}, "unknown parameter 'batch'"),
        ({"per_token": 2}, "unknown parameter 'per_token'"),  # a variable is not a parameter
        ({"answer": 2}, "unknown parameter 'answer'"),
        ({7: 2}, "unknown parameter '7'"),
        ({"x" * 500: 1}, "unknown parameter"),
        ({"seq_len": 100}, "seq_len must be between 128 and 1,048,576"),
        ({"seq_len": 2_000_000}, "seq_len must be between"),
        ({"num_layers": 2.5}, "num_layers must be a whole number"),
        ({"bytes_per_element": 3}, "bytes_per_element must be one of 0.5, 1, 2, 4"),
        ({"seq_len": True}, "seq_len must be a number"),
        ({"seq_len": "4096"}, "seq_len must be a number"),
        ({"seq_len": None}, "seq_len must be a number"),
        ({"seq_len": math.nan}, "seq_len must be a number"),
        ({"seq_len": math.inf}, "seq_len must be a number"),
    ],
)
def test_resolve_refuses(kv: ComputeModel, values: dict, phrase: str) -> None:
    with pytest.raises(ComputeError) as info:
        kv.resolve(values)
    assert phrase in info.value.message
    assert len(info.value.message) < 120  # a huge name is cut, not echoed


def test_check_goes_through_resolve(kv: ComputeModel) -> None:
    with pytest.raises(ComputeError, match="unknown parameter"):
        kv.check("1 GB", {"evil": 1})
    assert kv.check("1.07 GB", {"seq_len": 8192}).correct
    assert not kv.check("536.9 MB", {"seq_len": 8192}).correct


# ---------------------------------------------------------------------------------------------
# expect


def test_expect_problem_when_it_disagrees() -> None:
    m = parse_compute("param n = 3 in 1..9\nanswer = n * 2\nexpect: 7")
    problem = m.expect_problem()
    assert problem is not None
    assert "expect says 7 but the answer at the defaults is 6" in problem
    assert "±1%" in problem


def test_expect_within_tolerance_after_unit_conversion(kv: ComputeModel) -> None:
    for stated in ["536.9 MB", "512 MiB", "0.5 GiB", "536,870,912 B", "537 MB"]:
        m = parse_compute(KV_CACHE.replace("expect: 536.9 MB", f"expect: {stated}"))
        assert m.expect_problem() is None, stated
    m = parse_compute(KV_CACHE.replace("expect: 536.9 MB", "expect: 560 MB"))
    assert "expect says 560 MB" in (m.expect_problem() or "")


def test_expect_of_another_kind_or_unreadable() -> None:
    assert parse_compute("answer = 6\nunit: B\nexpect: 6 s").expect_problem() == (
        "expect: That is a time (s); the answer is a data size."
    )
    assert parse_compute("answer = 6\nexpect: six").expect_problem() == "expect: Start with a number."
    assert (parse_compute("answer = 6\nexpect: 6 furlongs").expect_problem() or "").startswith("expect: Unknown unit")


def test_expect_keeps_its_position() -> None:
    source = "answer = 6\nexpect: 7 B"
    m = parse_compute(source)
    assert m.expect is not None
    assert (m.expect.text, m.expect.offset, m.expect.length) == ("7 B", source.index("7 B"), 3)


def test_speedup_expect_from_the_paper() -> None:
    m = parse_compute(
        "param alpha = 0.8 in 0.05..0.99\nparam K = 4 in 1..16 integer\nparam c = 0.1 in 0..1\n"
        "answer = (1 - alpha ** (K + 1)) / ((1 - alpha) * (K * c + 1))\nunit: x\ndigits: 3\nexpect: 2.40x"
    )
    assert m.expect_problem() is None
    assert m.expected_text(m.evaluate()) == "2.40×"


# ---------------------------------------------------------------------------------------------
# random_values: "new numbers" a learner could have picked


RANDOM = """\
param a = 3 in 1..1000 integer
param b = 0.3 in 0..1 step 0.3
param c = 2 in 0.5..10.5 integer
param d = 256 in 128..1_048_576 step 128
param e = 0.8 in 0.05..0.99
param f = 2 one of 0.5 "FP4", 1 "INT8", 2 "BF16"
param g = -1 in -5..-0.5
answer = a + b + c + d + e + f + g
"""


def test_random_values_are_allowed_and_on_the_grid() -> None:
    m = parse_compute(RANDOM)
    seen: dict[str, set[float]] = {p.name: set() for p in m.parameters}
    for seed in range(400):
        values = m.random_values(seed)
        assert set(values) == set(seen)
        m.evaluate(values)  # every value passes resolve()
        for p in m.parameters:
            v = values[p.name]
            seen[p.name].add(v)
            assert p.problem(v) is None, (p.name, v)
            if p.choices:
                assert v in {c.value for c in p.choices}
                continue
            assert p.low <= v <= p.high
            if p.step:
                k = (v - p.low) / p.step
                assert abs(k - round(k)) < 1e-6, (p.name, v)
            if p.integer:
                assert v == int(v), (p.name, v)
    assert all(len(s) > 1 for s in seen.values()), "random values never change"
    assert max(seen["b"]) <= 0.9 + 1e-9  # 1.0 is in range but not on the grid 0, 0.3, 0.6, 0.9


def test_random_values_are_reproducible_with_a_seed() -> None:
    m = parse_compute(RANDOM)
    assert m.random_values(7) == m.random_values(7)
    assert any(m.random_values(s) != m.random_values(7) for s in range(8, 12))


def test_random_values_span_a_wide_range() -> None:
    m = parse_compute("param n = 128 in 128..1_048_576 step 128\nanswer = n")
    values = [m.random_values(s)["n"] for s in range(300)]
    assert min(values) < 10_000 and max(values) > 100_000  # log-uniform: small and large both appear


# ---------------------------------------------------------------------------------------------
# worked(): the formula with the values put in


def test_worked_text_and_latex(kv: ComputeModel) -> None:
    values = kv.evaluate()
    assert kv.worked(values) == "2 × 32 × 8 × 128 × 2 × 4,096"
    assert kv.worked(values, latex=True) == r"2 \times 32 \times 8 \times 128 \times 2 \times 4{,}096"


def test_worked_keeps_needed_parentheses() -> None:
    m = parse_compute("param a = 0.8 in 0..0.99\nparam k = 4 in 1..16\nanswer = (1 - a ** (k + 1)) / ((1 - a) * (k * 0.1 + 1))")
    v = m.evaluate()
    assert m.worked(v) == "(1 − 0.8^(4 + 1)) / ((1 − 0.8) × (4 × 0.1 + 1))"
    assert m.worked(v, latex=True) == r"\frac{1 - 0.8^{4 + 1}}{\left(1 - 0.8\right) \times \left(4 \times 0.1 + 1\right)}"


@pytest.mark.parametrize(
    "expression, text",
    [
        ("2 - 3 - (4 - 5)", "2 − 3 − (4 − 5)"),
        ("2 ** 3 ** 2", "2^3^2"),
        ("(2 ** 3) ** 2", "(2^3)^2"),
        ("-2 ** 2", "−2^2"),
        ("(-2) ** 2", "(−2)^2"),
        ("max(1, 2) + sqrt(4)", "max(1, 2) + sqrt(4)"),
        ("1 if 2 > 1 else 3", "1 if 2 > 1 else 3"),
        ("1 <= 2", "1 ≤ 2"),
        ("7 % 3", "7 mod 3"),
    ],
)
def test_worked_text_shapes(expression: str, text: str) -> None:
    assert parse_compute(f"answer = {expression}").worked({}) == text


def test_worked_latex_functions() -> None:
    m = parse_compute("param x = 2 in 1..9\nanswer = sqrt(x) + floor(x / 3) + log2(x) + min(x, 3)")
    assert m.worked(m.evaluate(), latex=True) == (
        r"\sqrt{2} + \lfloor\frac{2}{3}\rfloor + \log_2\left(2\right) + \min\left(2, 3\right)"
    )


def test_worked_argmax_keeps_its_variable() -> None:
    m = parse_compute("param c = 0.1 in 0..1\nanswer = argmax(k, 1, 16, k / (k * c + 1))")
    assert m.worked(m.evaluate()) == "argmax over k in 1..16 of k / (k × 0.1 + 1)"


def test_worked_stays_small_when_variables_double() -> None:
    # v1 = v0 * v0, v2 = v1 * v1, ...: inlining everything would double the text per line (2**30 terms)
    lines = ["param a = 1 in 1..2", "v0 = a * a"] + [f"v{i} = v{i - 1} * v{i - 1}" for i in range(1, 30)]
    m = parse_compute("\n".join(lines + ["answer = v29 + 1"]))
    text = m.worked(m.evaluate())
    assert text == "1 + 1"  # v29 is too big to inline: its value is shown
    assert len(m.worked(m.evaluate(), latex=True)) < 100


def test_worked_survives_a_long_chain_of_variables() -> None:
    lines = ["param a = 1 in 0..2", "v0 = a + 1"] + [f"v{i} = v{i - 1}" + " + 1" * 30 for i in range(1, 150)]
    m = parse_compute("\n".join(lines + ["answer = v149"]))
    values = m.evaluate()
    assert values["answer"] == 2 + 149 * 30
    text = m.worked(values)
    assert text == "4,442" + " + 1" * 30  # v148 is too deep to inline: its value, not a RecursionError


def test_worked_stays_small_when_a_big_variable_is_used_many_times() -> None:
    big = "max(" + ", ".join(["a"] * 60) + ") + max(" + ", ".join(["a"] * 55) + ")"  # 119 nodes
    uses = " + ".join(["max(" + ", ".join(["v"] * 64) + ")"] * 6)  # 384 uses of v
    m = parse_compute(f"param a = 1 in 0..2\nv = {big}\nanswer = {uses}")
    text = m.worked(m.evaluate())
    assert text.startswith("max(2, 2, 2")  # v's value, not 384 copies of its formula
    assert len(text) < 2_000


# ---------------------------------------------------------------------------------------------
# require: conditions the parameters meet together

GQA = """\
param num_q_heads = 64 in 1..256 integer
param num_kv_heads = 8 in 1..256 integer
require num_kv_heads <= num_q_heads and num_q_heads % num_kv_heads == 0
preset "Llama-3.1-8B": num_q_heads = 32, num_kv_heads = 8
answer = num_q_heads / num_kv_heads
"""


def test_require_refuses_values_that_do_not_meet_it() -> None:
    m = parse_compute(GQA)
    assert m.evaluate({"num_q_heads": 32})["answer"] == 4
    with pytest.raises(ComputeError) as info:
        m.evaluate({"num_kv_heads": 128})
    assert str(info.value) == ("these values do not meet 'require num_kv_heads <= num_q_heads and "
                               "num_q_heads % num_kv_heads == 0' (num_kv_heads = 128, num_q_heads = 64)")
    with pytest.raises(ComputeError):
        m.evaluate({"num_kv_heads": 6})  # 64 is not a multiple of 6
    assert m.unmet({"num_q_heads": 28.0, "num_kv_heads": 4.0}) is None


def test_new_numbers_meet_the_requirements() -> None:
    m = parse_compute(GQA)
    for seed in range(200):
        values = m.random_values(seed)
        assert values["num_kv_heads"] <= values["num_q_heads"] and values["num_q_heads"] % values["num_kv_heads"] == 0
        m.resolve(values)


def test_new_numbers_fall_back_to_the_defaults_when_draws_keep_missing() -> None:
    m = parse_compute("param a = 500 in 1..1000 integer\nrequire a == 500\nanswer = a")
    assert m.random_values(1) == {"a": 500.0}


@pytest.mark.parametrize("source, phrase, needle", [
    ("param q = 4 in 1..8 integer\nparam kv = 8 in 1..8 integer\nrequire kv <= q\nanswer = q", "the default values: these values do not meet 'require kv <= q'", "kv <= q"),
    ("param q = 8 in 1..8 integer\nparam kv = 2 in 1..8 integer\nrequire kv <= q\npreset \"P\": q = 1\nanswer = q",
     "preset 'P' (with the defaults for the rest): these values do not meet", 'preset "P"'),
    ("param q = 4 in 1..8\nrequire\nanswer = q", "write a requirement as", "require"),
    ("param q = 4 in 1..8\nrequire z > 1\nanswer = q", "unknown name 'z'", "z > 1"),
    ("param q = 4 in 1..8\nx = q\nrequire q > 1\nanswer = x", "'require' lines come before the variables", "require q"),
    ("param q = 4 in 1..8\nrequire q >\nanswer = q", "invalid syntax", "\nanswer"),
])
def test_bad_requirements_point_at_the_mistake(source: str, phrase: str, needle: str) -> None:
    e = refused(source)
    assert phrase in e.message
    if needle == "\nanswer":
        assert source.rfind("\n", 0, e.offset + 1) < source.index("\nanswer")  # on the require line
    else:
        assert e.offset == at(source, needle)


def test_require_is_a_reserved_word() -> None:
    assert "reserved word" in refused("param require = 1 in 0..2\nanswer = 1").message
