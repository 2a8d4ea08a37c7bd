"""What a card's answer side shows besides the card's own text: the values used, the verdict on the
typed answer, and the worked formula in LaTeX. Pure logic: the add-on's answer panel (glue/panel.py)
and the card template (web/engine.js, the same functions) both render from these.
"""

from __future__ import annotations

import re
from typing import Mapping

from .answers import Tolerance, Verdict, check_answer
from .compute import ComputeModel
from .placeholders import format_keys

NO_ANSWER = "No answer typed."


def latex_text(text: str) -> str:
    r"""``text`` as LaTeX ``\text{...}``: the characters LaTeX treats specially escaped or dropped."""
    escaped = re.sub(r"([%&#$_{}])", r"\\\1", text.replace("\\", "").replace("^", "").replace("~", ""))
    return r"\text{" + escaped + "}"


def worked_latex(model: ComputeModel, env: Mapping[str, float]) -> str:
    """``2 \\times 32 \\times ... = \\text{1,073,741,824 B} \\approx \\text{1.074 GB}``."""
    exact, expected = model.exact_text(env), model.expected_text(env)
    latex = model.worked(env, latex=True) + " = " + latex_text(exact)
    if expected != exact:
        latex += r" \approx " + latex_text(expected)
    return latex


def used_values(model: ComputeModel, env: Mapping[str, float]) -> list[tuple[str, str]]:
    """Each parameter's name and the value used, as shown: ``("bytes_per_element", "2 (BF16)")``."""
    keys: list[str] = []
    for parameter in model.parameters:
        keys.append(parameter.name)
        if parameter.choices:
            keys.append(parameter.name + ":label")
    texts = format_keys(keys, model, env)
    used = []
    for parameter in model.parameters:
        shown = texts.get(parameter.name, "")
        label = texts.get(parameter.name + ":label")
        if label and label != shown:
            shown = f"{shown} ({label})"
        used.append((parameter.name, shown))
    return used


def answer_verdict(model: ComputeModel, typed: str, env: Mapping[str, float], tolerance: Tolerance | None = None) -> Verdict:
    """The verdict on the answer side: nothing typed is "incomplete"; else ``typed`` against env's answer."""
    if not typed.strip():
        return Verdict("incomplete", NO_ANSWER)
    answer = model.answer
    return check_answer(typed, env["answer"], answer.unit, tolerance or answer.tolerance, answer.display)
