"""Answer checking under any input: a verdict, never an exception — random unicode, 1 MB of digits,
only units, only signs. And what a card shows, typed back in, is judged correct.
"""

from __future__ import annotations

import math
import string

from hypothesis import given
from hypothesis import strategies as st

from addon.core.answers import MAX_ANSWER_CHARS, Tolerance, Typed, Verdict, check_answer, read_answer
from addon.core.units import _EXACT, PLAIN, Unit, format_quantity, parse_unit

STATES = {"correct", "incorrect", "incomplete", "unit"}
FALLBACK = "That answer cannot be read."  # check_answer's catch-all: it must never be needed
UNIT_SPELLINGS = sorted(_EXACT)
UNIT_TEXTS = ("", "B", "MB", "MiB", "GB", "bit", "Mb", "s", "ms", "µs", "x", "%", "GB/s", "tokens", "FLOP")
UNITS = [parse_unit(s) for s in UNIT_TEXTS]
SIGNS = "+-−–.,eE×x^*·⁻⁺~≈= \u00a0\u2009"


def assert_verdict(verdict: object) -> None:
    assert isinstance(verdict, Verdict)
    assert verdict.state in STATES
    assert isinstance(verdict.message, str) and verdict.message and len(verdict.message) < 300
    assert verdict.message != FALLBACK, "an exception inside the checker was swallowed"
    if verdict.value is not None:
        assert isinstance(verdict.value, float) and math.isfinite(verdict.value)
    if verdict.state in ("incomplete", "unit"):
        assert verdict.value is None


def assert_read(typed: object) -> None:
    assert isinstance(typed, (Typed, str)), typed
    if isinstance(typed, Typed):
        assert math.isfinite(typed.number) and isinstance(typed.unit, Unit)
    else:
        assert typed and len(typed) < 200


# ---------------------------------------------------------------------------------------------
# What learners (and attackers) can type

digit_runs = st.integers(min_value=1, max_value=1_048_576).flatmap(
    lambda n: st.sampled_from(["9", "1", "0", "12,345,", "1 0", "١"]).map(lambda d: (d * n)[:n])
)
typed_texts = st.one_of(
    st.text(max_size=200),  # random unicode
    st.text(alphabet=st.characters(codec="utf-8"), max_size=MAX_ANSWER_CHARS + 5),
    st.text(alphabet=string.printable, max_size=150),
    digit_runs,  # up to 1 MB of digits
    st.lists(st.sampled_from(UNIT_SPELLINGS), min_size=1, max_size=5).map(" ".join),  # only units
    st.text(alphabet=SIGNS, max_size=60),  # only signs
    st.tuples(st.text(alphabet=SIGNS, max_size=5), st.text(alphabet="0123456789.,", max_size=12), st.text(alphabet=SIGNS + "0123456789⁰¹²³⁴⁵⁶⁷⁸⁹", max_size=10), st.sampled_from(UNIT_SPELLINGS + ["", "M", "k"])).map("".join),
    st.tuples(st.floats(allow_nan=True, allow_infinity=True).map(repr), st.sampled_from(UNIT_SPELLINGS)).map(" ".join),
)
expected_values = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.floats(),  # a card whose answer is NaN or infinite must still give a verdict
    st.sampled_from([0.0, 536_870_912.0, 2.4, 0.75, 1e-9]),
)
tolerances = st.one_of(
    st.just(Tolerance()),
    st.floats(min_value=0, max_value=0.99).map(lambda r: Tolerance(relative=r)),
    st.floats(min_value=0, max_value=1e12).map(lambda a: Tolerance(absolute=a)),
)


@given(text=typed_texts, expected=expected_values, unit=st.sampled_from(UNITS), display=st.sampled_from(UNITS),
       tolerance=tolerances)
def test_any_text_gets_a_verdict(text: str, expected: float, unit: Unit, display: Unit, tolerance: Tolerance) -> None:
    assert_verdict(check_answer(text, expected, unit, tolerance, display))


@given(text=typed_texts)
def test_read_answer_is_a_reading_or_a_reason(text: str) -> None:
    assert_read(read_answer(text))


@given(text=st.one_of(typed_texts, st.text(alphabet="0123456789", min_size=MAX_ANSWER_CHARS + 1, max_size=2_000)))
def test_long_input_is_incomplete_not_parsed(text: str) -> None:
    verdict = check_answer(text, 1.0, PLAIN)
    assert_verdict(verdict)
    if len(text) > MAX_ANSWER_CHARS:
        assert verdict.state == "incomplete"
        assert "longer than an answer can be" in verdict.message


@given(text=st.lists(st.sampled_from(UNIT_SPELLINGS), min_size=1, max_size=4).map(" ".join))
def test_only_units_is_incomplete(text: str) -> None:
    verdict = check_answer(text, 536_870_912.0, parse_unit("B"))
    assert_verdict(verdict)
    if not text.strip()[0].isdigit():
        assert verdict.state == "incomplete"


@given(text=st.text(alphabet=SIGNS.replace("e", "").replace("E", "").replace("x", ""), max_size=60))
def test_only_signs_is_incomplete(text: str) -> None:
    verdict = check_answer(text, 2.4, parse_unit("x"))
    assert_verdict(verdict)
    assert verdict.state == "incomplete"


def test_one_megabyte_of_digits() -> None:
    for text in ["9" * 1_048_576, "1" + "0" * 1_048_575, "-" * 1_048_576, "MB" * 524_288, "1,000" * 200_000]:
        verdict = check_answer(text, 536_870_912.0, parse_unit("B"), Tolerance(), parse_unit("MB"))
        assert verdict == Verdict("incomplete", "That is longer than an answer can be (100 characters).")
        assert read_answer(text) == "That is longer than an answer can be (100 characters)."


# ---------------------------------------------------------------------------------------------
# Round trip: what the card shows is what the learner may type

DATA_UNITS = [parse_unit(s) for s in ("B", "kB", "MB", "GB", "TB", "KiB", "MiB", "GiB", "TiB", "bit", "Mbit", "Gbit", "Gibit")]
OTHER_UNITS = [parse_unit(s) for s in ("s", "ms", "µs", "ns", "GB/s", "tokens", "FLOP", "TFLOP")]


@given(
    value=st.floats(min_value=1e-6, max_value=1e18, allow_nan=False),
    negative=st.booleans(),
    shown=st.sampled_from(DATA_UNITS),
    digits=st.integers(3, 8),
)
def test_a_shown_data_size_typed_back_is_correct(value: float, negative: bool, shown: Unit, digits: int) -> None:
    value = -value if negative else value
    text = format_quantity(value, shown, digits)  # e.g. "536.9 MB", "0.5000 GiB", "4.295e+09 bit"
    verdict = check_answer(text, value, parse_unit("B"))
    assert verdict.state == "correct", (text, value, verdict)
    assert verdict.value is not None and math.isclose(verdict.value, value, rel_tol=0.01)


@given(value=st.floats(min_value=1e-6, max_value=1e15), shown=st.sampled_from(OTHER_UNITS), digits=st.integers(3, 8))
def test_other_quantities_round_trip(value: float, shown: Unit, digits: int) -> None:
    text = format_quantity(value * shown.factor, shown, digits)
    verdict = check_answer(text, value, shown)
    assert verdict.state == "correct", (text, value, verdict)


@given(value=st.floats(min_value=0.001, max_value=1e6), unit=st.sampled_from([parse_unit("x"), parse_unit("%"), PLAIN]))
def test_ratios_round_trip(value: float, unit: Unit) -> None:
    text = format_quantity(value, unit, 6)  # "2.40000×", "75.0000%", "0.750000"
    assert check_answer(text, value, PLAIN, Tolerance(), unit).state == "correct", text


@given(value=st.floats(min_value=1, max_value=1e15), shown=st.sampled_from(DATA_UNITS),
       other=st.sampled_from(OTHER_UNITS))
def test_a_quantity_of_another_kind_is_named(value: float, shown: Unit, other: Unit) -> None:
    text = format_quantity(value, other, 4)
    verdict = check_answer(text, value, shown)
    assert verdict.state == "unit", (text, verdict)
    assert "the answer is a data size" in verdict.message
