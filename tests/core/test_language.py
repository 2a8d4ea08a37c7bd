"""The compute language: what an author's formula means, and where an error points."""

from __future__ import annotations

import math

import pytest

from addon.core.language import (
    DEFAULT_LIMITS, FUNCTIONS, RESERVED, ComputeError, Limits, parse_expression,
)


def ev(source: str, **env: float) -> float:
    return parse_expression(source).evaluate({k: float(v) for k, v in env.items()})


def refused(source: str, **env: float) -> ComputeError:
    with pytest.raises(ComputeError) as info:
        ev(source, **env)
    return info.value


# ---------------------------------------------------------------------------------------------
# Arithmetic and precedence


@pytest.mark.parametrize(
    "source, value",
    [
        ("1 + 2", 3.0),
        ("7 - 10", -3.0),
        ("6 * 7", 42.0),
        ("7 / 2", 3.5),
        ("7 // 2", 3.0),
        ("-7 // 2", -4.0),  # floor, as in Python
        ("7 % 3", 1.0),
        ("-7 % 3", 2.0),  # sign of the divisor
        ("2 ** 10", 1024.0),
        ("2 ** -1", 0.5),
        ("4 ** 0.5", 2.0),
        ("1 + 2 * 3", 7.0),
        ("(1 + 2) * 3", 9.0),
        ("2 * 3 ** 2", 18.0),
        ("2 ** 3 ** 2", 512.0),  # right-associative
        ("-2 ** 2", -4.0),  # power binds tighter than unary minus
        ("(-2) ** 2", 4.0),
        ("10 - 4 - 3", 3.0),  # left-associative
        ("64 / 4 / 2", 8.0),
        ("+5", 5.0),
        ("--5", 5.0),
        ("  3 + 4  ", 7.0),
        ("1 + 2 * 3 - 8 / 4 % 3", 5.0),
    ],
)
def test_arithmetic_and_precedence(source: str, value: float) -> None:
    assert ev(source) == value


def test_results_are_floats() -> None:
    result = ev("2 * 3")
    assert type(result) is float


@pytest.mark.parametrize(
    "source, value",
    [
        ("1_000_000", 1e6),
        ("536_870_912", 536870912.0),
        ("1e3", 1000.0),
        ("2.5E-3", 0.0025),
        ("1_0.5e1_0", 10.5e10),
        (".5", 0.5),
        ("5.", 5.0),
    ],
)
def test_numeric_literals(source: str, value: float) -> None:
    assert ev(source) == pytest.approx(value)


# ---------------------------------------------------------------------------------------------
# Comparisons, the conditional, and/or/not


@pytest.mark.parametrize(
    "source, value",
    [
        ("1 < 2", 1.0), ("2 < 1", 0.0), ("2 <= 2", 1.0), ("3 > 2", 1.0), ("2 >= 3", 0.0),
        ("2 == 2", 1.0), ("2 != 2", 0.0),
        ("1 < 2 < 3", 1.0), ("1 < 3 < 2", 0.0), ("3 > 2 > 1 >= 1", 1.0), ("1 < 2 > 3", 0.0),
        ("1 + 1 == 2", 1.0),
    ],
)
def test_comparisons_are_one_or_zero(source: str, value: float) -> None:
    assert ev(source) == value


def test_chained_comparison_evaluates_the_middle_once_and_stops_early() -> None:
    # 1 < 0 is false, so the right side (a division by zero) is never evaluated
    assert ev("1 < 0 < 1 / 0") == 0.0


@pytest.mark.parametrize(
    "source, x, value",
    [
        ("10 if x > 2 else 20", 3, 10.0),
        ("10 if x > 2 else 20", 1, 20.0),
        ("1 if x < 0 else 2 if x == 0 else 3", 0, 2.0),
        ("1 if x < 0 else 2 if x == 0 else 3", 5, 3.0),
    ],
)
def test_conditional(source: str, x: float, value: float) -> None:
    assert ev(source, x=x) == value


def test_conditional_evaluates_only_the_branch_taken() -> None:
    assert ev("1 if x == 0 else 1 / x", x=0) == 1.0
    assert ev("1 / x if x != 0 else 0", x=0) == 0.0


@pytest.mark.parametrize(
    "source, value",
    [
        ("not 0", 1.0), ("not 3", 0.0),
        ("2 and 3", 3.0), ("0 and 3", 0.0), ("0 or 5", 5.0), ("4 or 5", 4.0),
        ("1 and 0 or 7", 7.0), ("not 1 or 1", 1.0),
        ("0 or 0 or 0 or 9", 9.0), ("1 and 2 and 3 and 4", 4.0),
    ],
)
def test_boolean_operators(source: str, value: float) -> None:
    assert ev(source) == value


def test_and_or_short_circuit() -> None:
    assert ev("0 and 1 / 0") == 0.0
    assert ev("1 or 1 / 0") == 1.0


# ---------------------------------------------------------------------------------------------
# Names


def test_names_come_from_the_environment() -> None:
    e = parse_expression("2 * num_layers * head_dim")
    assert e.names == frozenset({"num_layers", "head_dim"})
    assert e.evaluate({"num_layers": 32.0, "head_dim": 128.0}) == 8192.0


def test_unknown_name_at_evaluation_points_at_it() -> None:
    err = refused("1 + seq_len", x=1)
    assert "unknown name 'seq_len'" in err.message
    assert (err.offset, err.length) == (4, 7)


def test_parse_once_evaluate_many() -> None:
    e = parse_expression("a * a")
    assert [e.evaluate({"a": float(a)}) for a in (1, 2, 3)] == [1.0, 4.0, 9.0]


@pytest.mark.parametrize("name", ["_hidden", "__class__"])
def test_names_with_underscore_prefix_are_refused(name: str) -> None:
    assert "starting with '_'" in refused(name).message


@pytest.mark.parametrize("name", sorted(RESERVED))
def test_function_names_are_not_values(name: str) -> None:
    assert "is a function" in refused(f"{name} + 1").message


# ---------------------------------------------------------------------------------------------
# Functions


@pytest.mark.parametrize(
    "source, value",
    [
        ("min(3, 1, 2)", 1.0), ("min(5)", 5.0), ("max(3, 1, 2)", 3.0), ("max(-1, -2)", -1.0),
        ("abs(-2.5)", 2.5), ("abs(3)", 3.0),
        ("round(2.5)", 3.0), ("round(-2.5)", -3.0), ("round(0.125, 2)", 0.13), ("round(1234, -2)", 1200.0),
        ("round(1e300, 15)", 1e300),  # already whole at that scale: no overflow
        ("floor(2.7)", 2.0), ("floor(-2.1)", -3.0), ("ceil(2.1)", 3.0), ("ceil(-2.7)", -2.0),
        ("sqrt(16)", 4.0), ("sqrt(0)", 0.0),
        ("exp(0)", 1.0), ("exp(1)", math.e),
        ("log(1)", 0.0), ("log(8, 2)", 3.0), ("log(100, 10)", 2.0),
        ("log2(1024)", 10.0), ("log10(1000)", 3.0),
    ],
)
def test_function_values(source: str, value: float) -> None:
    assert ev(source) == pytest.approx(value)


def test_every_function_in_the_table_is_tested_here() -> None:
    tested = {"min", "max", "abs", "round", "floor", "ceil", "sqrt", "exp", "log", "log2", "log10"}
    assert set(FUNCTIONS) == tested, "a new function needs value and domain tests in this file"
    assert RESERVED == frozenset(FUNCTIONS) | {"argmax"}


@pytest.mark.parametrize(
    "source, phrase",
    [
        ("sqrt(-1)", "sqrt of a negative number"),
        ("log(0)", "not positive"),
        ("log(-3)", "not positive"),
        ("log(8, 1)", "base must be positive and not 1"),
        ("log(8, 0)", "base must be positive and not 1"),
        ("log(8, -2)", "base must be positive and not 1"),
        ("log2(0)", "log2 of a number that is not positive"),
        ("log10(-1)", "log10 of a number that is not positive"),
        ("exp(1000)", "too large"),
        ("round(1.5, 0.5)", "whole n"),
        ("round(1.5, 16)", "between -15 and 15"),
    ],
)
def test_function_domain_errors(source: str, phrase: str) -> None:
    err = refused(source)
    name = source.split("(")[0]
    assert err.message.startswith(f"{name}(): ")
    assert phrase in err.message
    assert (err.offset, err.length) == (0, len(source))


@pytest.mark.parametrize(
    "source, phrase",
    [
        ("min()", "min() takes 1 to 64 argument(s), got 0"),
        ("abs(1, 2)", "abs() takes 1 argument(s), got 2"),
        ("round(1, 2, 3)", "round() takes 1 to 2 argument(s), got 3"),
        ("max(" + ", ".join(["1"] * 65) + ")", "got 65"),
        ("sqrt(x=4)", "takes no keyword arguments"),
    ],
)
def test_function_arity(source: str, phrase: str) -> None:
    with pytest.raises(ComputeError, match=None) as info:
        parse_expression(source)
    assert phrase in info.value.message


def test_unknown_function_names_the_known_ones_and_points_at_the_name() -> None:
    err = refused("1 + sin(2)")
    assert "unknown function 'sin'" in err.message
    assert "sqrt" in err.message and "log10" in err.message
    assert (err.offset, err.length) == (4, 3)


# ---------------------------------------------------------------------------------------------
# argmax


def test_argmax_finds_the_best_whole_number() -> None:
    assert ev("argmax(k, 1, 10, -(k - 4) ** 2)") == 4.0


def test_argmax_first_on_ties() -> None:
    assert ev("argmax(k, 1, 5, 1)") == 1.0
    assert ev("argmax(k, -3, 3, k * k)") == -3.0


def test_argmax_uses_outer_names_and_leaves_no_trace() -> None:
    e = parse_expression("argmax(k, 1, 16, (1 - a ** (k + 1)) / ((1 - a) * (k * c + 1)))")
    assert e.names == frozenset({"a", "c"})  # the loop variable is not a free name
    def speedup(k: int) -> float:
        return (1 - 0.8 ** (k + 1)) / ((1 - 0.8) * (k * 0.1 + 1))

    best = max(range(1, 17), key=speedup)  # first on ties, like argmax
    assert e.evaluate({"a": 0.8, "c": 0.1}) == float(best)  # best K for the speedup at α=0.8, c=0.1
    env = {"a": 0.8, "c": 0.1, "k": 99.0}
    e.evaluate(env)
    assert env["k"] == 99.0


@pytest.mark.parametrize(
    "source, phrase",
    [
        ("argmax(1, 1, 5, 1)", "argmax takes (name, low, high, expression)"),
        ("argmax(k, 1, 5)", "argmax takes (name, low, high, expression)"),
        ("argmax(min, 1, 5, 1)", "cannot be an argmax variable"),
        ("argmax(_k, 1, 5, 1)", "cannot be an argmax variable"),
        ("argmax(k, 1.5, 5, k)", "whole numbers low <= high"),
        ("argmax(k, 5, 1, k)", "whole numbers low <= high"),
        ("argmax(k, 0, 1024, k)", "argmax range is larger than 1,024"),
        ("argmax(k, 1, 1024, argmax(j, 1, 1024, j))", "more than 50,000 steps"),
    ],
)
def test_argmax_refusals(source: str, phrase: str) -> None:
    assert phrase in refused(source).message


# ---------------------------------------------------------------------------------------------
# Evaluation errors


@pytest.mark.parametrize(
    "source, phrase",
    [
        ("1 / 0", "division by zero"),
        ("1 // 0", "division by zero"),
        ("1 % 0", "division by zero"),
        ("0 ** -1", "division by zero"),
        ("(-8) ** (1 / 3)", "not a real number"),
        ("1e308 * 10", "overflows"),
        ("1e308 + 1e308", "overflows"),
        ("-1e308 - 1e308", "overflows"),
        ("1e308 / 0.1", "overflows"),
        ("1e308 // 0.5", "overflows"),
        ("10 ** 400", "power is too large"),
        ("2 ** 1000", "power is too large"),
        ("1e999", "not finite"),
    ],
)
def test_evaluation_errors(source: str, phrase: str) -> None:
    assert phrase in refused(source).message


def test_largest_allowed_power() -> None:
    assert ev("10 ** 300") == 1e300


# ---------------------------------------------------------------------------------------------
# Where errors point: offset and length into the source


@pytest.mark.parametrize(
    "source, offset, length",
    [
        ("1 + 2 / 0", 4, 5),  # the division
        ("  1 + 2 / 0", 6, 5),  # leading spaces count
        ("a + b.c", 4, 3),  # the attribute access
        ("1 + x[0]", 4, 4),  # the subscript
        ("max(1, 2) + foo(3)", 12, 3),  # the unknown function's name
        ("2 * (3 + ", 4, 1),  # the '(' never closed
        ("sqrt(4) + sqrt(-4)", 10, 8),  # the second call
        ("1 + 2 − 3", 6, 1),  # the look-alike minus
        ("x ** 9999", 0, 9),
    ],
)
def test_error_offsets_point_at_the_right_character(source: str, offset: int, length: int) -> None:
    with pytest.raises(ComputeError) as info:
        parse_expression(source).evaluate({"x": 10.0, "a": 1.0})
    assert (info.value.offset, info.value.length) == (offset, length), info.value.message


def test_syntax_error_offset_is_inside_the_source() -> None:
    for source in ["1 +", "(1 + 2", "1 2", "* 3", "1 + + "]:
        with pytest.raises(ComputeError) as info:
            parse_expression(source)
        assert 0 <= info.value.offset <= len(source), source


def test_empty_expression() -> None:
    for source in ["", "   "]:
        with pytest.raises(ComputeError, match="expected an expression"):
            parse_expression(source)


def test_non_text_is_refused() -> None:
    with pytest.raises(ComputeError, match="must be text"):
        parse_expression(b"1 + 1")  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# Limits


def test_limits_are_a_frozen_value() -> None:
    with pytest.raises(Exception):
        DEFAULT_LIMITS.max_nodes = 10**9  # type: ignore[misc]


def test_limits_passed_in_are_honoured() -> None:
    tight = Limits(max_expression_chars=10, max_nodes=5, max_depth=3, max_power_digits=3, max_steps=10)
    with pytest.raises(ComputeError, match="limit is 10"):
        parse_expression("1 + 2 + 3 + 4", tight)
    with pytest.raises(ComputeError, match="more than 5 parts"):
        parse_expression("a+b+c+d", Limits(max_nodes=5))
    with pytest.raises(ComputeError, match="brackets nest more than 3 deep"):
        parse_expression("((1+(2+(3+4))))", Limits(max_depth=3))
    with pytest.raises(ComputeError, match="expression nests more than 3 deep"):
        parse_expression("1+2+3+4+5", Limits(max_depth=3))
    with pytest.raises(ComputeError, match="power is too large"):
        parse_expression("10**4", tight).evaluate({}, tight)
    assert parse_expression("10**3", tight).evaluate({}, tight) == 1000.0
    with pytest.raises(ComputeError, match="more than 10 steps"):
        parse_expression("argmax(k,1,9,k)").evaluate({}, Limits(max_steps=10))


def test_long_and_or_chains_count_as_nesting() -> None:
    # a 40-long 'or' chain nests 39 deep when evaluated: refused like a 40-term '+' chain
    chain = " or ".join(["0"] * 40)
    with pytest.raises(ComputeError, match="nests more than 32 deep"):
        parse_expression(chain)
    with pytest.raises(ComputeError, match="nests more than 32 deep"):
        parse_expression(" + ".join(["1"] * 40))
    assert ev(" or ".join(["0"] * 20 + ["7"])) == 7.0


@pytest.mark.parametrize("source, phrase", [("1if 1 else 2", "invalid decimal literal"), ("0x1for 1", "invalid hexadecimal literal"), ("1or 2", "invalid decimal literal")])
def test_python_syntax_warnings_are_refusals_not_stderr_noise(source: str, phrase: str) -> None:
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(ComputeError, match=phrase):
            parse_expression(source)
    assert caught == []  # nothing printed to Anki's stderr
    assert ev("0x1f or 1") == 31.0 and ev("1 if 1 else 2") == 1.0  # with spaces they read as meant
