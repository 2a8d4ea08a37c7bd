"""Checking what a learner types against the expected answer: units, tolerance, a verdict with a message.

``check_answer`` takes any string and always returns a ``Verdict``; it never raises.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Literal

from .units import NONE, PLAIN, Unit, kind_name, parse_unit

MAX_ANSWER_CHARS = 100
VerdictState = Literal["correct", "incorrect", "incomplete", "unit"]


@dataclass(frozen=True)
class Tolerance:
    """How far from the expected value an answer may be: relative (0.01 = 1%) or absolute (base units)."""

    relative: float = 0.01
    absolute: float | None = None

    def allows(self, value: float, expected: float) -> bool:
        if not math.isfinite(expected):  # nothing is close to infinity (inf - inf <= 1% of inf would be)
            return False
        if self.absolute is not None:
            return abs(value - expected) <= self.absolute
        return abs(value - expected) <= self.relative * abs(expected) + 1e-12 * (expected == 0)

    def describe(self, unit: Unit) -> str:
        if self.absolute is not None:
            from .units import format_quantity

            return "±" + format_quantity(self.absolute, unit if unit.symbol else PLAIN)
        return f"±{self.relative * 100:g}%"


@dataclass(frozen=True)
class Verdict:
    """The result of checking one typed answer."""

    state: VerdictState
    message: str
    value: float | None = None  # what was typed, in base units, when it could be read

    @property
    def correct(self) -> bool:
        return self.state == "correct"


@dataclass(frozen=True)
class Typed:
    """A typed answer read as a number and a unit; ``bare`` when no unit was written."""

    number: float
    unit: Unit
    bare: bool


_SPACES = dict.fromkeys(map(ord, "\u00a0\u2009\u202f\u2007\u3000\t"), " ")
_SPACES.update({ord("\u2212"): "-", ord("\u2013"): "-", ord("\uff05"): "%"})
# Digits are ASCII 0-9 only ([0-9], not \d, which would also take Arabic-Indic and other digits that
# float() happens to accept): the card template's JavaScript engine reads the same answers the same way.
_NUMBER = re.compile(
    r"""(?P<sign>[+-]?)[ ]?
        (?P<int>[0-9]{1,3}(?:,[0-9]{3})+(?![0-9])|[0-9]{1,3}(?:[ _][0-9]{3})+(?![0-9])|[0-9]+)?
        (?P<frac>[.,][0-9]*)?
        (?P<exp>[eE][+-]?[0-9]+)?""",
    re.X,
)
_SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")
_TIMES_TEN = re.compile(r"^[×x*·]\s*10\s*(?:\^|\*\*)\s*([+-]?[0-9]{1,3})|^[×x*·]\s*10([⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺]{1,4})")
_BARE_PREFIX = {"k": 1e3, "K": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15}


def read_answer(text: str) -> Typed | str:
    """What ``text`` says as a number and unit, or a short reason it cannot be read yet."""
    if not isinstance(text, str):
        return "Type a number."
    if len(text) > MAX_ANSWER_CHARS:
        return f"That is longer than an answer can be ({MAX_ANSWER_CHARS} characters)."
    s = text.translate(_SPACES).strip()
    for lead in ("≈", "~", "=", "about "):
        if s.startswith(lead):
            s = s[len(lead):].strip()
    if not s:
        return "Type a number."
    m = _NUMBER.match(s)
    if not m or not (m.group("int") or (m.group("frac") or "")[1:]):
        return "Start with a number."
    digits = (m.group("int") or "0").replace(",", "").replace(" ", "").replace("_", "")
    frac = (m.group("frac") or "").replace(",", ".")
    try:
        number = float(f"{m.group('sign')}{digits}{frac}{m.group('exp') or ''}")
    except (ValueError, OverflowError):
        return "That number cannot be read."
    rest = s[m.end():].strip()
    sci = _TIMES_TEN.match(rest)
    if sci:
        try:
            exponent = int((sci.group(1) or sci.group(2)).translate(_SUPERSCRIPT))
        except ValueError:  # a lone superscript sign: "5×10⁻"
            return "That number cannot be read."
        number *= float(f"1e{exponent}")  # correctly rounded (no libm pow); "5×10^999" is inf: too large below
        rest = rest[sci.end():].strip()
    if not math.isfinite(number):
        return "That number is too large."
    rest = rest.rstrip(".").strip()
    if rest in _BARE_PREFIX:  # "536M", "1.07G": a number with a multiplier, no unit
        number *= _BARE_PREFIX[rest]
        return Typed(number, PLAIN, True) if math.isfinite(number) else "That number is too large."
    unit = parse_unit(rest)
    if unit is None:
        shown = rest if len(rest) <= 20 else rest[:20] + "…"
        return f"Unknown unit {shown!r}."
    return Typed(number, unit, rest == "")


def check_answer(
    text: str,
    expected: float,
    unit: Unit,
    tolerance: Tolerance = Tolerance(),
    display_unit: Unit | None = None,
) -> Verdict:
    """Judge ``text`` against ``expected`` (a value in ``unit``); any string in, a verdict out."""
    try:
        return _check(text, expected, unit, tolerance, display_unit or unit)
    except Exception:  # a verdict, never an exception: the reviewer must keep working
        return Verdict("incomplete", "That answer cannot be read.")


def _check(text: str, expected: float, unit: Unit, tolerance: Tolerance, display: Unit) -> Verdict:
    typed = read_answer(text)
    if isinstance(typed, str):
        return Verdict("incomplete", typed)
    target = expected * unit.factor  # base units
    if not typed.bare and typed.unit.dimension != unit.dimension:
        return Verdict(
            "unit",
            f"That is {kind_name(typed.unit.dimension)} ({typed.unit.symbol}); "
            f"the answer is {kind_name(unit.dimension)}.",
        )
    if typed.bare:
        # A bare number may mean the base unit, the answer's unit or the display unit.
        readings = [(typed.number, None), (typed.number * unit.factor, unit), (typed.number * display.factor, display)]
    else:
        readings = [(typed.number * typed.unit.factor, typed.unit)]
    readings = [(value, read_as) for value, read_as in readings if math.isfinite(value)]
    if not readings:  # "1e308 PB": finite as typed, not once converted
        return Verdict("incomplete", "That number is too large.")
    note = f" Note: {typed.unit.note}." if typed.unit.note else ""
    for value, read_as in readings:
        if tolerance.allows(value, target):
            how = f" (read as {read_as.symbol})" if typed.bare and read_as is not None and read_as.symbol and unit.dimension != NONE else ""
            return Verdict("correct", f"Correct{how}.{note}", value)
    value = readings[0][0]
    return Verdict("incorrect", f"Not quite.{note}{_hint(value, target)}", value)


def _hint(value: float, target: float) -> str:
    """A nudge for the classic slips (MB vs MiB, bits vs bytes, a prefix off) that never gives the answer away."""
    if value == 0 or target == 0 or (value < 0) != (target < 0):
        return ""
    ratio = abs(value / target)
    if not (math.isfinite(ratio) and ratio > 0):  # e.g. a target of 5e-324, or NaN
        return ""
    for n in (1, 2, 3, 4):
        for r in (1.024**n, 1 / 1.024**n):
            if abs(ratio / r - 1) < 0.005:
                return " Close: check decimal (MB, GB) against binary (MiB, GiB) units."
    if abs(ratio / 8 - 1) < 0.01 or abs(ratio * 8 - 1) < 0.01:
        return " Off by 8: bits against bytes?"
    exponent = math.log10(ratio)
    if abs(exponent - round(exponent)) < 0.004 and round(exponent) != 0:
        return " Off by a power of ten: check the prefix or the units."
    return ""
