"""The render stage: a checked card's Markdown to the note's five field values, placeholders filled
with the defaults, media references renamed to their media names.

    render(checked) -> ([Card], [Diagnostic])

``render_card`` is one card with no other input: what a worker process runs (builder/fast.py).
"""

from __future__ import annotations

from addon.core.card import Card
from addon.core.diagnostics import Diagnostic
from addon.core.notetype import compute_field

from . import markup, media
from .check import CheckedCard
from .source import at


def render(checked: list[CheckedCard]) -> tuple[list[Card], list[Diagnostic]]:
    cards, diags = [], []
    for item in checked:
        card, card_diags = render_card(item)
        cards.append(card)
        diags += card_diags
    return cards, diags


_md: markup.markdown.Markdown | None = None  # one Markdown instance per process, reset per text


def render_card(item: CheckedCard) -> tuple[Card, list[Diagnostic]]:
    global _md
    if _md is None:
        _md = markup.new_markdown()
    md = _md
    diags: list[Diagnostic] = []
    raw, src, model = item.raw, item.source, item.model
    values = item.values if item.values is not None or model is None else model.evaluate()
    compute_failed = raw.compute is not None and model is None  # its errors are reported already
    sides = []
    for piece in (raw.front, raw.back):
        rendered, problems = markup.render_markdown(md, piece.text, model, values, compute_failed)
        diags.extend(at(src, piece, p.offset, p.message, p.severity) for p in problems)
        sides.append(media.rewrite(rendered, dict(raw.media)) if raw.media else rendered)
    for side, p in markup.footnote_problems(raw.front.text, raw.back.text):
        diags.append(at(src, (raw.front, raw.back)[side], p.offset, p.message, p.severity))
    formula = source = ""
    if raw.formula:  # placeholders work in the formula: and source: lines too
        formula, problems = markup.formula_html(raw.formula.text, model, values, compute_failed)
        diags.extend(at(src, raw.formula, p.offset, p.message, p.severity) for p in problems)
    if raw.source:
        source, problems = markup.render_source(md, raw.source.text, model, values, compute_failed)
        diags.extend(at(src, raw.source, p.offset, p.message, p.severity) for p in problems)
    compute = compute_field(raw.compute.text) if raw.compute else ""
    return Card(raw.card_id, src.path, raw.line, raw.deck, raw.tags, sides[0], sides[1], formula, compute, source), diags
