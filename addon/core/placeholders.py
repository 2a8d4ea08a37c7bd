"""Placeholders in card text: ``{{seq_len}}``, ``{{answer:GB:3}}``, ``{{bytes_per_element:label}}``.

The build writes each placeholder's value at the defaults inside a marked span, so the card reads
correctly without the add-on; the add-on rewrites the span's text when the learner changes values::

    <span class="cc-value" data-cc-value="answer:GB:3">0.537 GB</span>
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Mapping

from .compute import ComputeModel
from .diagnostics import ComputeError
from .units import Unit, format_number, format_quantity, parse_unit

PLACEHOLDER = re.compile(r"\{\{(?P<inner>[^{}\n]{0,80})\}\}")
# [0-9], not \d (which takes other scripts' digits, as int() does): what engine.js's regex accepts.
_INNER = re.compile(r"\s*(?P<name>[A-Za-z][A-Za-z0-9_]*)\s*(?::\s*(?P<unit>[^:]*?)\s*)?(?::\s*(?P<digits>[0-9]{1,2})\s*)?$")
SPAN_CLASS = "cc-value"
SPAN_ATTRIBUTE = "data-cc-value"


@dataclass(frozen=True)
class Placeholder:
    """One ``{{name:unit:digits}}``; ``key`` is its canonical text, the span's ``data-cc-value``."""

    name: str
    unit: str = ""
    digits: int | None = None

    @property
    def key(self) -> str:
        if self.digits is not None:
            return f"{self.name}:{self.unit}:{self.digits}"
        return f"{self.name}:{self.unit}" if self.unit else self.name


def parse_placeholder(inner: str) -> Placeholder:
    """Read the text between ``{{`` and ``}}``; raises ComputeError (offset into ``inner``)."""
    m = _INNER.match(inner)
    if not m:
        raise ComputeError("a placeholder is {{name}}, {{name:unit}}, {{name:unit:digits}} or {{name:label}}", 0, len(inner))
    unit = m.group("unit") or ""
    if unit and unit != "label" and parse_unit(unit) is None:
        raise ComputeError(f"unknown unit {unit!r} in placeholder", m.start("unit"), len(unit))
    digits = int(m.group("digits")) if m.group("digits") else None
    if digits is not None and not 1 <= digits <= 15:
        raise ComputeError("digits must be from 1 to 15", m.start("digits"), len(m.group("digits")))
    return Placeholder(m.group("name"), unit, digits)


def placeholder_problem(placeholder: Placeholder, model: ComputeModel | None) -> str | None:
    """Why this placeholder cannot be shown for this card, or None."""
    if model is None:
        return f"placeholder {{{{{placeholder.name}}}}} needs a compute block in the card"
    if placeholder.name not in model.names:
        known = ", ".join(sorted(model.names))
        return f"unknown name {placeholder.name!r} in placeholder (this card has: {known})"
    if placeholder.unit == "label":
        parameter = model.parameter(placeholder.name)
        if parameter is None or not parameter.choices:
            return f"{{{{{placeholder.name}:label}}}} needs a parameter with choices"
        return None
    if placeholder.unit:
        unit = parse_unit(placeholder.unit)
        base = model.answer.unit if placeholder.name == "answer" else None
        if unit is not None and base is not None and unit.dimension != base.dimension:
            return f"{placeholder.unit} is not the same kind of quantity as the answer's unit {base.symbol or '(none)'}"
    return None


def format_placeholder(placeholder: Placeholder, model: ComputeModel, values: Mapping[str, float]) -> str:
    """The text a placeholder shows at ``values`` (the result of ``model.evaluate``)."""
    value = values[placeholder.name]
    if placeholder.unit == "label":
        parameter = model.parameter(placeholder.name)
        choice = next((c for c in parameter.choices if c.value == value), None) if parameter else None
        return choice.label if choice else format_number(value)
    if placeholder.name == "answer":
        answer = model.answer
        unit = parse_unit(placeholder.unit) if placeholder.unit else answer.display
        digits = placeholder.digits if placeholder.digits is not None else answer.digits
        return format_quantity(value * answer.unit.factor, unit or answer.display, digits)
    if placeholder.unit:
        unit: Unit | None = parse_unit(placeholder.unit)
        if unit is not None:
            return format_quantity(value, unit, placeholder.digits)
    return format_number(value, placeholder.digits)


def span(placeholder: Placeholder, text: str) -> str:
    """The marked HTML the add-on updates live."""
    return f'<span class="{SPAN_CLASS}" {SPAN_ATTRIBUTE}="{html.escape(placeholder.key)}">{html.escape(text)}</span>'


def format_keys(keys: list[str], model: ComputeModel, values: Mapping[str, float]) -> dict[str, str]:
    """Texts for the ``data-cc-value`` keys found on a page; keys that do not parse or fit are left out."""
    texts: dict[str, str] = {}
    for key in keys[:200]:
        if not isinstance(key, str) or len(key) > 80:
            continue
        try:
            placeholder = parse_placeholder(key)
        except ComputeError:
            continue
        if placeholder_problem(placeholder, model) is None:
            texts[key] = format_placeholder(placeholder, model, values)
    return texts
