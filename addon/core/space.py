"""A compute block over its whole parameter space, not only at the defaults.

``space_problem(model, coverage)`` says where a block fails at some allowed set of values (a division
by zero, a result that is not finite, a function outside its domain, the step budget), or None.

Two ways, the cheap one first:

1. **A proof over the whole box** (``proves_safe``): every expression is evaluated once on intervals,
   each parameter standing for its whole range (a choice parameter for [smallest, largest choice]).
   When no denominator interval holds 0, every bound stays far from overflow (``BOUND``), every function
   argument lies in its domain and the step budget holds, then no point of the box can fail: nothing
   else needs checking. The bounds are sound for the point evaluator's own floating point: the
   arithmetic operations are monotone in each operand on the sign regions used (so a float result at
   any point lies between the float results at the corners), and the library functions' bounds are
   widened by one unit in the last place. Whatever it cannot bound tightly enough (``argmax`` with
   bounds that vary, a power of a base that may be negative, ...) just ends the proof: then
2. **The points** (``points``): the defaults, every preset, one parameter at a time (every choice,
   both ends of a range, the others at their defaults, so a message names as few values as it can),
   the corners of the ranges, and ``coverage.samples`` seeded random points; each is evaluated exactly as
   the add-on would. The first that fails is the problem, named by its values.

Corners: with n parameters there are 2^n. Up to ``coverage.max_corners`` of them, all are checked;
beyond that a covering set: all low, all high, and rows in which every *pair* of parameters takes all
four low/high combinations (``pairwise_rows``: 2 + k rows, where k is the least with C(k, k//2) >= n;
9 rows for 32 parameters). Points that do not meet the block's ``require`` lines are not allowed
values, so they are skipped.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from itertools import combinations, product
from typing import Iterator, Mapping

from .compute import ComputeModel, Parameter
from .coverage import DEFAULT_COVERAGE, Coverage  # noqa: F401 - also this module's names
from .diagnostics import ComputeError
from .language import FUNCTIONS, Argmax, Binary, Call, Compare, Conditional, Limits, Name, Node, Number, Unary


@dataclass(frozen=True)
class SpaceProblem:
    """Where the block fails: the error (offset into the block) and the values it fails at."""

    error: ComputeError
    values: dict[str, float]
    point: str  # how the point is named: 'at draft_cost=1, acceptance_rate=0.99'

    @property
    def message(self) -> str:
        return f"{self.point}: {self.error.message}"


def space_problem(model: ComputeModel, coverage: Coverage = DEFAULT_COVERAGE) -> SpaceProblem | None:
    """The first allowed set of values where ``model`` fails, or None (see the module's docstring)."""
    if proves_safe(model):
        return None
    defaults = model.defaults()
    for label, values in points(model, coverage):
        try:
            model.evaluate(values)
        except ComputeError as e:
            return SpaceProblem(e, values, _name_point(model, label, values, defaults))
    return None


# --- the points --------------------------------------------------------------------------------


def points(model: ComputeModel, coverage: Coverage = DEFAULT_COVERAGE) -> Iterator[tuple[str, dict[str, float]]]:
    """(label, values) for every point checked, in order; only points that meet the ``require`` lines.

    Labels: ``preset "X"`` for a preset, '' for the others (named by their values).
    """
    defaults = model.defaults()
    seen: set[tuple[float, ...]] = set()
    order = [p.name for p in model.parameters]

    def allowed(values: dict[str, float]) -> bool:
        key = tuple(values[n] for n in order)
        if key in seen:
            return False
        seen.add(key)
        try:
            return model.unmet(values) is None
        except ComputeError:
            return True  # a requirement that fails to evaluate: let the evaluation report it

    for label, values in _structured(model, coverage, defaults):
        if allowed(values):
            yield label, values
    rng = random.Random(coverage.seed)
    for _ in range(coverage.samples):
        for _ in range(max(1, coverage.max_tries)):
            values = {p.name: p.random_value(rng) for p in model.parameters}
            if allowed(values):
                yield "", values
                break


def _structured(model: ComputeModel, coverage: Coverage,
                defaults: dict[str, float]) -> Iterator[tuple[str, dict[str, float]]]:
    yield "", dict(defaults)
    for preset in model.presets:
        yield f'preset "{preset.label}"', {**defaults, **dict(preset.values)}
    for p in model.parameters:  # one parameter at a time: every choice, the ends of a range
        for value in [c.value for c in p.choices] or extremes(p):
            yield "", {**defaults, p.name: value}
    varied = [(p.name, extremes(p)) for p in model.parameters]
    varied = [(name, ends) for name, ends in varied if ends[0] != ends[1]]
    if not varied:
        return
    if 2 ** len(varied) <= coverage.max_corners:
        rows: list[tuple[int, ...]] = list(product((0, 1), repeat=len(varied)))
    else:
        rows = pairwise_rows(len(varied))
    for row in rows:
        yield "", {**defaults, **{name: ends[bit] for (name, ends), bit in zip(varied, row)}}


def extremes(p: Parameter) -> tuple[float, float]:
    """The smallest and largest value a learner may give ``p``."""
    if p.choices:
        values = [c.value for c in p.choices]
        return min(values), max(values)
    low, high = float(p.low), float(p.high)  # type: ignore[arg-type]
    if p.integer:
        low, high = float(math.ceil(low)), float(math.floor(high))
    return low, high


def pairwise_rows(n: int) -> list[tuple[int, ...]]:
    """Rows of 0/1 (low/high) for ``n`` parameters in which every pair of columns shows 00, 01, 10 and 11.

    All 0, all 1, then k rows whose columns are distinct k-bit words with k//2 ones: two distinct words
    with the same number of ones each have a 1 where the other has a 0.
    """
    k = 2
    while math.comb(k, k // 2) < n:
        k += 1
    words = list(combinations(range(k), k // 2))[:n]
    rows = [tuple(0 for _ in range(n)), tuple(1 for _ in range(n))]
    rows += [tuple(1 if r in word else 0 for word in words) for r in range(k)]
    return rows


def _plain(value: float) -> str:
    return str(int(value)) if value == int(value) and abs(value) < 1e15 else repr(value)


def _name_point(model: ComputeModel, label: str, values: Mapping[str, float], defaults: Mapping[str, float]) -> str:
    """'at draft_cost=1, acceptance_rate=0.99' (the values that differ from the defaults), 'at the preset "X"'."""
    changed = [f"{p.name}={_plain(values[p.name])}" for p in model.parameters if values[p.name] != defaults[p.name]]
    if label:
        return f"at the {label}" + (f" ({', '.join(changed)})" if changed else "")
    return f"at {', '.join(changed)}" if changed else "at the default values"


# --- the proof over the whole box ---------------------------------------------------------------

BOUND = 1e290  # a bound beyond this may overflow somewhere (or break the power-digits limit): no proof


class _NoProof(Exception):
    pass


def proves_safe(model: ComputeModel) -> bool:
    """True when no allowed set of values can make the block fail (see the module's docstring)."""
    box = {p.name: extremes(p) for p in model.parameters}
    walker = _Intervals(box, model.limits)
    try:
        for requirement in model.requires:  # evaluated by resolve() before anything else
            walker.value(requirement.expression.root)
        for variable in model.variables:
            walker.env[variable.name] = walker.value(variable.expression.root)
        walker.value(model.answer.expression.root)
    except _NoProof:
        return False
    return True


Interval = tuple[float, float]


def _hull(values: list[float]) -> Interval:
    lo, hi = min(values), max(values)
    if not (math.isfinite(lo) and math.isfinite(hi)) or lo < -BOUND or hi > BOUND:
        raise _NoProof
    return lo, hi


def _widened(lo: float, hi: float) -> Interval:
    """One unit in the last place outwards: for library functions that may be off by that much."""
    return _hull([math.nextafter(lo, -math.inf), math.nextafter(hi, math.inf)])


def _contains_zero(x: Interval) -> bool:
    return x[0] <= 0 <= x[1]


class _Intervals:
    """The point evaluator (language._Evaluator), node for node, on intervals; raises _NoProof."""

    def __init__(self, env: Mapping[str, Interval], limits: Limits) -> None:
        self.env = dict(env)
        self.limits = limits
        self.steps = 0  # an upper bound: both branches of a conditional are counted

    def value(self, node: Node) -> Interval:
        self.steps += 1
        if self.steps > self.limits.max_steps:
            raise _NoProof
        if isinstance(node, Number):
            return node.value, node.value
        if isinstance(node, Name):
            if node.name not in self.env:
                raise _NoProof
            return self.env[node.name]
        if isinstance(node, Unary):
            lo, hi = self.value(node.operand)
            if node.op == "-":
                return -hi, -lo
            if node.op == "+":
                return lo, hi
            return _not((lo, hi))
        if isinstance(node, Binary):
            return self.binary(node)
        if isinstance(node, Compare):
            operands = [self.value(o) for o in node.operands]
            if all(lo == hi for lo, hi in operands):
                return (1.0, 1.0) if _chain(node.ops, [lo for lo, _ in operands]) else (0.0, 0.0)
            return 0.0, 1.0
        if isinstance(node, Conditional):
            test = self.value(node.test)
            if not _contains_zero(test):
                return self.value(node.then)
            if test == (0.0, 0.0):
                return self.value(node.otherwise)
            then, otherwise = self.value(node.then), self.value(node.otherwise)
            return min(then[0], otherwise[0]), max(then[1], otherwise[1])
        if isinstance(node, Call):
            return self.call(node)
        if isinstance(node, Argmax):
            return self.argmax(node)
        raise _NoProof

    def binary(self, node: Binary) -> Interval:
        a = self.value(node.left)
        if node.op in ("and", "or"):
            b = self.value(node.right)  # both sides, whether or not a point would evaluate it
            truthy = not _contains_zero(a)
            falsy = a == (0.0, 0.0)
            if node.op == "and":
                return b if truthy else (0.0, 0.0) if falsy else (min(0.0, b[0]), max(0.0, b[1]))
            return a if truthy else b if falsy else (min(a[0], b[0]), max(a[1], b[1]))
        b = self.value(node.right)
        op = node.op
        corners = [(x, y) for x in a for y in b]
        if op == "+":
            return _hull([x + y for x, y in corners])
        if op == "-":
            return _hull([x - y for x, y in corners])
        if op == "*":
            return _hull([x * y for x, y in corners])
        if op in ("/", "//", "%") and _contains_zero(b):
            raise _NoProof
        if op == "/":
            return _hull([x / y for x, y in corners])
        if op == "//":
            lo, hi = _hull([x / y for x, y in corners])
            return float(math.floor(lo)), float(math.floor(hi))
        if op == "%":  # Python's float %: the sign of the divisor, |result| <= |divisor|
            return (0.0, b[1]) if b[0] > 0 else (b[0], 0.0)
        return self.power(a, b)

    def power(self, base: Interval, exponent: Interval) -> Interval:
        if base[0] < 0:  # a negative base needs a whole exponent: not bounded here
            raise _NoProof
        if base[0] == 0 and exponent[0] < 0:  # 0 to a negative power
            raise _NoProof
        try:
            return _widened(*_hull([math.pow(x, y) for x in base for y in exponent]))
        except (OverflowError, ValueError):
            raise _NoProof from None

    def call(self, node: Call) -> Interval:
        args = [self.value(a) for a in node.args]
        f = node.function
        if f == "min":
            return min(lo for lo, _ in args), min(hi for _, hi in args)
        if f == "max":
            return max(lo for lo, _ in args), max(hi for _, hi in args)
        if f == "abs":
            (lo, hi), = args
            return (0.0, max(-lo, hi)) if lo <= 0 <= hi else (min(abs(lo), abs(hi)), max(abs(lo), abs(hi)))
        if f in ("floor", "ceil"):
            (lo, hi), = args
            g = math.floor if f == "floor" else math.ceil
            return float(g(lo)), float(g(hi))
        if f == "round":
            if len(args) == 2 and (args[1][0] != args[1][1] or args[1][0] != int(args[1][0]) or abs(args[1][0]) > 15):
                raise _NoProof
            digits = args[1][0] if len(args) == 2 else 0.0
            rounded = FUNCTIONS["round"][2]  # half away from zero: monotone
            return rounded(args[0][0], digits), rounded(args[0][1], digits)
        if f == "sqrt":
            (lo, hi), = args
            if lo < 0:
                raise _NoProof
            return math.sqrt(lo), math.sqrt(hi)  # correctly rounded, so monotone
        if f in ("exp", "log2", "log10") or (f == "log" and len(args) == 1):
            (lo, hi), = args
            if f != "exp" and lo <= 0:
                raise _NoProof
            try:
                impl = FUNCTIONS[f][2]
                return _widened(impl(lo), impl(hi))
            except (OverflowError, ValueError):
                raise _NoProof from None
        if f == "log":  # log(x, base) = log(x) / log(base)
            (xlo, xhi), (blo, bhi) = args
            if xlo <= 0 or blo <= 0 or blo <= 1 <= bhi:
                raise _NoProof
            x = _widened(math.log(xlo), math.log(xhi))
            b = _widened(math.log(blo), math.log(bhi))
            if _contains_zero(b):
                raise _NoProof
            return _widened(*_hull([p / q for p in x for q in b]))
        raise _NoProof

    def argmax(self, node: Argmax) -> Interval:
        low, high = self.value(node.low), self.value(node.high)
        if low[0] != low[1] or high[0] != high[1]:
            raise _NoProof
        lo, hi = low[0], high[0]
        if lo != int(lo) or hi != int(hi) or hi < lo or hi - lo + 1 > self.limits.max_argmax_range:
            raise _NoProof
        saved = self.env.get(node.variable)
        try:
            for k in range(int(lo), int(hi) + 1):
                self.env[node.variable] = (float(k), float(k))
                self.value(node.body)
        finally:
            if saved is None:
                self.env.pop(node.variable, None)
            else:
                self.env[node.variable] = saved
        return lo, hi


def _not(x: Interval) -> Interval:
    """``not x`` on an interval."""
    if not _contains_zero(x):
        return 0.0, 0.0
    if x == (0.0, 0.0):
        return 1.0, 1.0
    return 0.0, 1.0


def _chain(ops: tuple[str, ...], values: list[float]) -> bool:
    table = {"<": float.__lt__, "<=": float.__le__, ">": float.__gt__, ">=": float.__ge__, "==": float.__eq__, "!=": float.__ne__}
    return all(table[op](float(a), float(b)) for op, a, b in zip(ops, values, values[1:]))
