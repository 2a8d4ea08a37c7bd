"""What an answer side shows (addon/core/answer_side.py): the add-on's panel and engine.js both use it."""

from __future__ import annotations

from addon.core.answer_side import NO_ANSWER, answer_verdict, latex_text, used_values, worked_latex
from addon.core.answers import Tolerance
from addon.core.compute import parse_compute

MODEL = parse_compute(
    'param seq_len = 4096 in 128..8192 step 128\nparam bytes = 2 one of 1 "INT8", 2 "BF16"\n'
    "answer = 2 * 32 * 8 * 128 * bytes * seq_len\nunit: B\nshow: MB"
)
ENV = MODEL.evaluate()


def test_the_values_used_show_a_choice_with_its_label() -> None:
    assert used_values(MODEL, ENV) == [("seq_len", "4,096"), ("bytes", "2 (BF16)")]


def test_the_worked_formula_ends_with_the_exact_and_the_shown_answer() -> None:
    assert worked_latex(MODEL, ENV) == (
        r"2 \times 32 \times 8 \times 128 \times 2 \times 4{,}096 = \text{536,870,912 B} \approx \text{536.9 MB}"
    )
    assert latex_text("50% of $5 {x}_1") == r"\text{50\% of \$5 \{x\}\_1}"


def test_nothing_typed_is_incomplete_and_says_so() -> None:
    assert answer_verdict(MODEL, "  ", ENV).state == "incomplete"
    assert answer_verdict(MODEL, "", ENV).message == NO_ANSWER
    assert answer_verdict(MODEL, "536.9 MB", ENV).state == "correct"
    assert answer_verdict(MODEL, "560 MB", ENV).state == "incorrect"
    assert answer_verdict(MODEL, "560 MB", ENV, Tolerance(relative=0.05)).state == "correct"
