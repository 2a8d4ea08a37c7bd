"""Cards whose answer is an optimum: the deck's spec-best-k against a brute-force reference over its
whole parameter range, edges included (Leviathan et al. 2023, Theorem 3.8 and §3.5).

The optimum K grows without bound as α → 1 and c → 0, so a search capped too low would give a wrong K
for values the card allows; the reference searches far past any optimum in the card's ranges.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from addon.core.compute import ComputeModel, parse_compute

DECK = Path(__file__).resolve().parents[2] / "content" / "ch19-kv-cache.md"
REFERENCE_LIMIT = 20_000  # far beyond the optimum anywhere in the card's ranges (checked below)


def card_block(card_id: str) -> ComputeModel:
    text = DECK.read_text(encoding="utf-8")
    section = text.split(f"\n## {card_id}\n", 1)[1].split("\n## ", 1)[0]
    return parse_compute(re.search(r"```compute\n(.*?)```", section, re.S).group(1))


def speedup(alpha: float, c: float, k: int) -> float:
    return (1 - alpha ** (k + 1)) / ((1 - alpha) * (k * c + 1))


def reference_best_k(alpha: float, c: float) -> int:
    """The smallest K with the largest speedup, by trying every K up to REFERENCE_LIMIT."""
    best_k, best = 1, speedup(alpha, c, 1)
    for k in range(2, REFERENCE_LIMIT + 1):
        s = speedup(alpha, c, k)
        if s > best:
            best_k, best = k, s
    return best_k


@pytest.fixture(scope="module")
def best_k() -> ComputeModel:
    return card_block("spec-best-k")


def ranges(model: ComputeModel) -> tuple[tuple[float, float], tuple[float, float]]:
    a, c = model.parameter("acceptance_rate"), model.parameter("draft_cost")
    return (a.low, a.high), (c.low, c.high)


def test_the_card_states_the_papers_value_at_its_defaults(best_k):
    assert best_k.evaluate()["answer"] == 6 == reference_best_k(0.8, 0.1)


def test_the_corners_of_the_range_and_a_grid_match_the_reference(best_k):
    (a_low, a_high), (c_low, c_high) = ranges(best_k)
    alphas = sorted({a_low, a_high, 0.5, 0.8, 0.9, 0.95, 0.97, 0.98, round(a_high - 0.005, 4)})
    costs = sorted({c_low, c_high, 0.011, 0.02, 0.05, 0.1, 0.3, 0.5})
    for alpha in alphas:
        for c in costs:
            values = best_k.evaluate({"acceptance_rate": alpha, "draft_cost": c})
            assert values["answer"] == reference_best_k(alpha, c), (alpha, c)
            assert values["best_speedup"] == pytest.approx(speedup(alpha, c, int(values["answer"])))


def test_the_largest_optimum_in_the_range_is_well_inside_the_cards_search(best_k):
    """The optimum is largest at the corner α = high, c = low; the card's argmax must reach past it."""
    (_, a_high), (c_low, _) = ranges(best_k)
    worst = reference_best_k(a_high, c_low)
    search_high = best_k.variables[0].expression.root.high.value
    assert worst < search_high < REFERENCE_LIMIT // 10
    assert best_k.evaluate({"acceptance_rate": a_high, "draft_cost": c_low})["answer"] == worst


@settings(max_examples=150, deadline=None)
@given(st.floats(0, 1), st.floats(0, 1))
def test_anywhere_in_the_range_the_card_matches_the_reference(best_k, u, v):
    (a_low, a_high), (c_low, c_high) = ranges(best_k)
    alpha, c = a_low + u * (a_high - a_low), c_low + v * (c_high - c_low)
    assert best_k.evaluate({"acceptance_rate": alpha, "draft_cost": c})["answer"] == reference_best_k(alpha, c)
