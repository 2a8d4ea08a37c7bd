"""A compute block over its parameter space (addon/core/space.py): which points are checked, the
covering set of corners, ``require`` lines, and that the interval proof never calls a failing block safe.

How the build reports a failure (position, message) is tested with the build's diagnostics
(tests/build/test_diagnostics.py, tests/hostile/broken/).
"""

from __future__ import annotations

import itertools
import math
import random

import pytest
from hypothesis import given, settings, strategies as st

from addon.core.compute import parse_compute
from addon.core.diagnostics import ComputeError
from addon.core.space import Coverage, extremes, pairwise_rows, points, proves_safe, space_problem

BLOCK = """\
param a = 0.5 in 0..0.99
param k = 4 in 1..16 integer
param c = 0.1 in 0..1
param b = 2 one of 0.5 "FP4", 1 "INT8", 2 "BF16"
preset "X": a = 0.9, k = 8
answer = (1 - a ** (k + 1)) / (1 - a) / (k * c + 1) * b
"""


def test_the_points_are_the_defaults_presets_each_parameter_the_corners_and_the_samples():
    model = parse_compute(BLOCK)
    found = list(points(model, Coverage(samples=5)))
    labels = [label for label, _ in found]
    values = [v for _, v in found]
    assert values[0] == model.defaults() and labels[0] == ""
    assert ('preset "X"', {**model.defaults(), "a": 0.9, "k": 8.0}) in found
    for choice in (0.5, 1.0, 2.0):
        assert {**model.defaults(), "b": choice} in values
    for corner in itertools.product((0, 0.99), (1, 16), (0, 1), (0.5, 2)):
        assert dict(zip("akcb", map(float, corner))) in values
    keys = [tuple(v.values()) for v in values]
    assert len(keys) == len(set(keys))  # no point twice
    assert len(values) <= 1 + 1 + 9 + 16 + 5  # defaults, preset, one at a time, corners, samples


def test_the_samples_are_the_same_for_the_same_seed_and_allowed_values():
    model = parse_compute(BLOCK)
    first = list(points(model, Coverage(samples=20, seed=3)))
    assert first == list(points(model, Coverage(samples=20, seed=3)))
    assert first != list(points(model, Coverage(samples=20, seed=4)))
    for _, values in first:
        model.resolve(values)  # allowed: raises otherwise


@pytest.mark.parametrize("n", list(range(1, 40)))
def test_pairwise_rows_show_every_pair_of_parameters_every_low_high_combination(n):
    rows = pairwise_rows(n)
    assert all(len(r) == n for r in rows)
    for i, j in itertools.combinations(range(n), 2):
        assert {(r[i], r[j]) for r in rows} == {(0, 0), (0, 1), (1, 0), (1, 1)}
    k = len(rows) - 2
    assert math.comb(k, k // 2) >= n and (k <= 2 or math.comb(k - 1, (k - 1) // 2) < n)  # as few rows as it says


def test_many_parameters_get_the_covering_set_not_two_to_the_n_corners():
    lines = [f"param p{i} = 1 in 1..2" for i in range(20)]
    model = parse_compute("\n".join(lines) + "\nanswer = " + " + ".join(f"p{i}" for i in range(20)))
    found = list(points(model, Coverage(samples=0, max_corners=256)))
    # defaults, 2 ends per parameter (the low end is the default: deduplicated), then 2 + 6 rows
    assert len(found) <= 1 + 20 + 8
    small = parse_compute("\n".join(lines[:8]) + "\nanswer = p0")
    assert len(list(points(small, Coverage(samples=0, max_corners=256)))) >= 256  # all 2^8 corners


def test_extremes_of_integer_ranges_and_choices():
    model = parse_compute('param n = 2 in 0.5..9.5 integer\nparam b = 2 one of 4, 1, 2\nanswer = n * b')
    assert extremes(model.parameter("n")) == (1.0, 9.0)
    assert extremes(model.parameter("b")) == (1.0, 4.0)


def test_a_requirement_removes_points_and_the_problem_it_would_hide():
    block = "param q = 8 in 1..64 integer\nparam kv = 2 in 1..64 integer\n{}answer = q / kv * 1 / (q - kv + 63)\n"
    assert space_problem(parse_compute(block.format("require kv <= q\n"))) is None
    problem = space_problem(parse_compute(block.format("")))
    assert problem is not None and problem.values == {"q": 1.0, "kv": 64.0}
    assert all(v["kv"] <= v["q"] for _, v in points(parse_compute(block.format("require kv <= q\n"))))


# --- the interval proof -------------------------------------------------------------------------


@pytest.mark.parametrize("block", [
    BLOCK,
    "param n = 4 in 1..10\nanswer = sqrt(n) + log(n) + log2(n) + log10(n) + exp(n) + abs(n - 5) + floor(n / 3) + ceil(n) + round(n, 1)",
    "param n = 4 in 1..10\nanswer = min(n, 3) + max(n, 2) + (n % 3) + (n // 2) + log(n + 1, 2)",
    "param n = 4 in 1..10\nanswer = 1 if n > 3 and n < 8 else 2",
    "param a = 0.8 in 0..0.99\nparam c = 0.1 in 0.01..1\n"
    "answer = argmax(k, 1, 64, (1 - a ** (k + 1)) / ((1 - a) * (k * c + 1)))",
])
def test_blocks_that_cannot_fail_are_proven_safe(block):
    assert proves_safe(parse_compute(block))


@pytest.mark.parametrize("block", [
    "param n = 4 in 0..10\nanswer = 1 / n",
    "param n = 4 in 1..10\nanswer = sqrt(n - 2)",
    "param n = 4 in 1..10\nanswer = log(n - 1)",
    "param n = 4 in 1..1000\nanswer = 10 ** n",
    "param n = 1 in -2..2\nanswer = n ** 0.5 if n > 0 else 0",  # safe, but beyond the proof: the points decide
])
def test_what_the_proof_cannot_bound_goes_to_the_points(block):
    assert not proves_safe(parse_compute(block))


OPS = ["+", "-", "*", "/", "//", "%", "**"]
FUNCS = ["sqrt", "log", "exp", "abs", "floor", "ceil", "round", "log2", "log10"]


@st.composite
def expressions(draw, depth=0):
    if depth >= 3 or draw(st.integers(0, 3)) == 0:
        return draw(st.sampled_from(["x", "y", "n", "1", "2", "0.5", "0", "3", "-1"]))
    kind = draw(st.integers(0, 3))
    if kind == 0:
        return f"{draw(st.sampled_from(FUNCS))}({draw(expressions(depth + 1))})"
    if kind == 1:
        return f"({draw(expressions(depth + 1))} if {draw(expressions(depth + 1))} > 1 else {draw(expressions(depth + 1))})"
    return f"({draw(expressions(depth + 1))} {draw(st.sampled_from(OPS))} {draw(expressions(depth + 1))})"


@settings(max_examples=400, deadline=None)
@given(expressions(), st.floats(-3, 3), st.floats(0, 4), st.integers(-3, 5), st.integers(0, 6))
def test_the_proof_never_calls_a_block_safe_that_fails_at_some_point(expr, x_low, x_width, n_low, n_width):
    source = (f"param x = {x_low!r} in {x_low!r}..{x_low + x_width!r}\n"
              f"param y = 1 one of 0.5, 1, 2\nparam n = {n_low} in {n_low}..{n_low + n_width} integer\nanswer = {expr}")
    try:
        model = parse_compute(source)
        model.evaluate()
    except ComputeError:
        return  # refused or failing at the defaults: not the proof's business
    if not proves_safe(model):
        return
    rng = random.Random(expr)
    low, high = x_low, x_low + x_width
    xs = [low, high, *(rng.uniform(low, high) for _ in range(30)), *(low + i * x_width / 64 for i in range(65))]
    for x in xs:
        for y in (0.5, 1.0, 2.0):
            for n in range(n_low, n_low + n_width + 1):
                model.evaluate({"x": min(max(x, low), high), "y": y, "n": float(n)})  # must not raise
