"""Where the Python core was made exact so that engine.js can agree with it (ARCHITECTURE.md, "The
JavaScript engine"): behaviour that was accidental or depended on the platform's libm."""

from __future__ import annotations

import math

import pytest

from addon.core.answers import read_answer
from addon.core.compute import parse_compute
from addon.core.diagnostics import ComputeError
from addon.core.language import parse_expression
from addon.core.placeholders import parse_placeholder
from addon.core.units import format_number

MODEL = parse_compute("answer = 536870912\nunit: B\nshow: MB")


@pytest.mark.parametrize("text", ["١٢٣", "٣ MB", "１ MB", "5 × 10^٣"])
def test_typed_answers_take_ascii_digits_only(text: str) -> None:
    typed = read_answer(text)
    assert isinstance(typed, str) or typed.number in (5.0,), typed  # never read as 123 or 3 or 1
    assert MODEL.check(text).state != "correct"


def test_ten_to_the_n_is_correctly_rounded_not_libm() -> None:
    assert read_answer("1×10^23").number == 1e23  # glibc's pow(10, 23) is 1.0000000000000001e+23
    assert read_answer("5×10^999") == "That number is too large."
    assert read_answer("5×10⁻") == "That number cannot be read."
    assert parse_expression("round(0.125, 2)").evaluate({}) == 0.13  # half away from zero, at the scale float("1e2")
    assert parse_expression("round(1234.5678, -2)").evaluate({}) == 1200.0


def test_placeholders_take_ascii_digits_only() -> None:
    assert parse_placeholder("x:MB:3").digits == 3
    with pytest.raises(ComputeError):  # not 3 significant figures (int("٣") is 3)
        parse_placeholder("x:MB:٣")


def test_the_figures_shown_are_the_figures_asked_for() -> None:
    assert format_number(9.9996, 4, False) == "10.00"  # rounds up to the next decade: still 4 figures
    assert format_number(999.9999999999999, 4, False) == "1,000"
    assert format_number(0.09999999999999999, 2, False) == "0.10"
    assert format_number(0.099996, 4, False) == "0.1000"
    assert format_number(999999999999999.9, 4) == "1.000e+15"
    assert format_number(1.0625, 4, False) == "1.062"  # the exact value's tie, to even (engine.js does the same)


def test_new_numbers_draw_with_random_only() -> None:
    model = parse_compute('param a = 1 one of 1, 2, 3\nparam b = 10 in 1..10000\nparam c = 5 in 0..10 step 0.5\nanswer = a')

    class Draws:
        def __init__(self) -> None:
            self.calls = 0

        def random(self) -> float:
            self.calls += 1
            return 0.5

    draws = Draws()
    values = model.random_values(rng=draws)  # an object with random() alone is enough
    assert draws.calls == 3
    assert values == {"a": 2.0, "b": 100.0, "c": 5.0}


def test_a_refusal_says_whether_pythons_parser_raised_it() -> None:
    with pytest.raises(ComputeError) as syntax:
        parse_expression("1 +* 2")
    with pytest.raises(ComputeError) as ours:
        parse_expression("x.y")
    assert syntax.value.syntax and not ours.value.syntax
    with pytest.raises(ComputeError) as shifted:
        parse_compute("answer = 1 +* 2")
    assert shifted.value.syntax
