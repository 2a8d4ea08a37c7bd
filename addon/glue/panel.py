"""The panel's HTML for a Compute Card, and the per-card work behind it: pure Python, no aqt.

The question side is a shell (``#cc-panel`` with the card's parameters as JSON) that
``web/panel.js`` fills with controls; the answer side is rendered here, with the worked formula
as ``\\[...\\]`` so Anki's own MathJax typesets it. Every number and verdict comes from the core.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Mapping

from ..core.answer_side import answer_verdict, used_values, worked_latex
from ..core.answers import Tolerance, Verdict, check_answer
from ..core.compute import ComputeModel, parse_compute
from ..core.diagnostics import ComputeError
from ..core.notetype import compute_source
from ..core.placeholders import SPAN_ATTRIBUTE, SPAN_CLASS, format_keys

MAX_ERROR_CHARS = 160
_VALUE_SPAN = re.compile(
    rf'(<span class="{SPAN_CLASS}" {SPAN_ATTRIBUTE}=")([^"]{{1,200}})(">)([^<]{{0,200}})(</span>)'
)


@dataclass(frozen=True)
class Settings:
    """The add-on's config (Tools > Add-ons > Config), read when a card is shown."""

    new_numbers_every_show: bool = False
    show_expected_on_question: bool = False
    tolerance_percent: float | None = None  # None: each card's own tolerance

    @classmethod
    def from_config(cls, config: Mapping[str, Any] | None) -> "Settings":
        """Settings from the config dict; a missing or mistyped key keeps its default."""
        config = config or {}

        def flag(key: str) -> bool:
            value = config.get(key, False)
            return value if isinstance(value, bool) else False

        tolerance = config.get("tolerance_percent")
        if isinstance(tolerance, bool) or not isinstance(tolerance, (int, float)) or not 0 <= tolerance < 100:
            tolerance = None
        return cls(flag("new_numbers_every_show"), flag("show_expected_on_question"), tolerance)

    def to_json(self) -> dict[str, Any]:
        return {"showExpected": self.show_expected_on_question}


# -- the compute block ---------------------------------------------------------------------


@lru_cache(maxsize=256)
def _parsed(source: str) -> ComputeModel | ComputeError:
    try:
        return parse_compute(source)
    except ComputeError as e:
        return e
    except Exception as e:  # noqa: BLE001 - a core bug must not break a review; report it as a card error
        return ComputeError(f"internal error: {type(e).__name__}")


def load_model(field: str) -> ComputeModel:
    """The parsed compute block of a Compute field's HTML (parsed once per distinct text); raises ComputeError."""
    source = compute_source(field)
    if not source.strip():
        raise ComputeError("this card has no compute block")
    parsed = _parsed(source)
    if isinstance(parsed, ComputeError):
        raise parsed
    return parsed


def short_error(error: BaseException) -> str:
    message = getattr(error, "message", None) or str(error) or type(error).__name__
    message = " ".join(str(message).split())
    return message if len(message) <= MAX_ERROR_CHARS else message[: MAX_ERROR_CHARS - 1] + "…"


# -- values and verdicts -------------------------------------------------------------------


def initial_values(model: ComputeModel, settings: Settings) -> dict[str, float]:
    """The values a question starts with: the defaults, or new numbers when the config says so."""
    return model.random_values() if settings.new_numbers_every_show else model.defaults()


def _tolerance(model: ComputeModel, settings: Settings) -> Tolerance:
    """The card's tolerance, or the config's."""
    if settings.tolerance_percent is None:
        return model.answer.tolerance
    return Tolerance(relative=settings.tolerance_percent / 100)


def verdict(model: ComputeModel, text: str, env: Mapping[str, float], settings: Settings) -> Verdict:
    """Judge ``text`` against an evaluation ``env`` (ComputeModel.evaluate): the card's tolerance, or the config's."""
    answer = model.answer
    return check_answer(text, env["answer"], answer.unit, _tolerance(model, settings), answer.display)


def placeholder_keys(card_html: str) -> list[str]:
    return [html.unescape(m.group(2)) for m in _VALUE_SPAN.finditer(card_html)]


def rewrite_values(card_html: str, model: ComputeModel, values: Mapping[str, float]) -> str:
    """The card's HTML with every marked placeholder showing its text at ``values``."""
    env = model.evaluate(values)
    texts = format_keys(placeholder_keys(card_html), model, env)

    def replace(m: re.Match[str]) -> str:
        text = texts.get(html.unescape(m.group(2)))
        return m.group(0) if text is None else m.group(1) + m.group(2) + m.group(3) + html.escape(text) + m.group(5)

    return _VALUE_SPAN.sub(replace, card_html)


# -- HTML ----------------------------------------------------------------------------------


def _attr(value: Any) -> str:
    return html.escape(json.dumps(value, separators=(",", ":")), quote=True)


def question_panel(model: ComputeModel, token: str, values: Mapping[str, float], settings: Settings) -> str:
    """The question side's panel shell; panel.js builds the controls from ``data-cc-model``."""
    return (
        f'<div id="cc-panel" class="cc-panel" data-cc-side="question" data-state="ready"'
        f' data-cc-token="{html.escape(token)}" data-cc-model="{_attr(model.to_json())}"'
        f' data-cc-values="{_attr(dict(values))}" data-cc-options="{_attr(settings.to_json())}">'
        '<div class="cc-loading">Loading the Compute Cards panel…</div></div>'
        "<script>window.ComputeCards && ComputeCards.mountAnki();</script>"
    )


def error_panel(message: str) -> str:
    """A panel that says what is wrong with the card's compute block; the card stays reviewable."""
    text = html.escape(message)
    return (
        '<div id="cc-panel" class="cc-panel" data-cc-side="error" data-state="error">'
        f'<div id="cc-verdict" class="cc-verdict" data-state="error">Compute Cards: {text}</div></div>'
    )


def answer_panel(model: ComputeModel, values: Mapping[str, float], typed: str, settings: Settings) -> str:
    """The answer side: the values used, the learner's answer and verdict, the expected value, the worked formula."""
    env = model.evaluate(values)
    chips = [
        f'<span class="cc-chip" data-cc-used="{html.escape(name)}"><code>{html.escape(name)}</code> = {html.escape(shown)}</span>'
        for name, shown in used_values(model, env)
    ]
    judged = answer_verdict(model, typed, env, _tolerance(model, settings))
    state, message = judged.state, judged.message
    typed_html = html.escape(typed.strip()) if typed.strip() else "—"
    return (
        f'<div id="cc-panel" class="cc-panel" data-cc-side="answer" data-state="{state}">'
        f'<div class="cc-used">{"".join(chips)}</div>'
        '<div class="cc-row"><span class="cc-label">Your answer</span>'
        f'<span id="cc-typed">{typed_html}</span>'
        f'<span id="cc-verdict" class="cc-verdict" data-state="{state}">{html.escape(message)}</span></div>'
        '<div class="cc-row"><span class="cc-label">Expected</span>'
        f'<span id="cc-expected">{html.escape(model.expected_text(env))}</span>'
        f'<span id="cc-exact">({html.escape(model.exact_text(env))})</span></div>'
        f'<div id="cc-worked" class="cc-worked">\\[{html.escape(worked_latex(model, env), quote=False)}\\]</div>'
        "</div>"
    )
