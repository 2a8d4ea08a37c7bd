"""The check stage: card ids unique across deck files; every compute block parses, evaluates at its
defaults, matches the number the card states (``expect``) and evaluates over its parameter space.

    check(decks, limits, coverage) -> ([CheckedCard], [Diagnostic])

Built from two steps the speed layer (builder/fast.py) also calls one by one: ``unique_cards`` (the
one check across files) and ``check_card`` (one card, no other input: what a worker process runs).
"""

from __future__ import annotations

from typing import NamedTuple

from addon.core.compute import ComputeModel, parse_compute
from addon.core.diagnostics import ComputeError, Diagnostic
from addon.core.language import Limits
from addon.core.space import DEFAULT_COVERAGE, Coverage, space_problem

from .source import DeckFile, RawCard, SourceFile, Text, at


class CheckedCard(NamedTuple):
    """A card that passed the check stage, ready to render. ``model`` is None for a card without a
    compute block, and for one whose block has errors (reported: the render then leaves its
    placeholders alone). ``values``: the block evaluated at its defaults (params, variables, "answer")."""

    raw: RawCard
    source: SourceFile
    model: ComputeModel | None = None
    values: dict[str, float] | None = None


def check(decks: list[DeckFile], limits: Limits,
          coverage: Coverage = DEFAULT_COVERAGE) -> tuple[list[CheckedCard], list[Diagnostic]]:
    """Every card of the deck files, in order, checked; a card whose id came earlier is left out."""
    cards, diags = unique_cards(decks)
    checked = []
    for src, raw in cards:
        card, card_diags = check_card(src, raw, limits, coverage)
        checked.append(card)
        diags += card_diags
    return checked, diags


def unique_cards(decks: list[DeckFile]) -> tuple[list[tuple[SourceFile, RawCard]], list[Diagnostic]]:
    """The cards in deck-file order, each id once: a later card with an id seen before is an error
    at its '## id' line that names the first place, and is left out."""
    cards, diags = [], []
    first_seen: dict[str, tuple[SourceFile, RawCard]] = {}
    for deck in decks:
        for raw in deck.cards:
            if raw.card_id in first_seen:
                other_src, other = first_seen[raw.card_id]
                diags.append(deck.source.diagnostic(
                    raw.line, id_col(deck.source, raw),
                    f"duplicate card id {raw.card_id!r}: also at {other_src.path}:{other.line}:{id_col(other_src, other)}"))
                continue
            first_seen[raw.card_id] = (deck.source, raw)
            cards.append((deck.source, raw))
    return cards, diags


def id_col(src: SourceFile, raw: RawCard) -> int:
    """The column of the card id on its '## id' line (authors may write '##   id')."""
    return src.lines[raw.line - 1].find(raw.card_id, 2) + 1


def check_card(src: SourceFile, raw: RawCard, limits: Limits,
               coverage: Coverage = DEFAULT_COVERAGE) -> tuple[CheckedCard, list[Diagnostic]]:
    """One card: its compute block, if it has one (see ``check_compute``)."""
    if raw.compute is None:
        return CheckedCard(raw, src), []
    model, values, diags = check_compute(src, raw.compute, limits, coverage)
    return CheckedCard(raw, src, model, values), diags


def check_compute(src: SourceFile, piece: Text, limits: Limits, coverage: Coverage = DEFAULT_COVERAGE,
                  ) -> tuple[ComputeModel | None, dict[str, float] | None, list[Diagnostic]]:
    """A compute block parsed, evaluated at its defaults (the values returned), its ``expect`` compared,
    then evaluated over its parameter space (``coverage``: addon/core/space.py). The model is None when
    the block does not parse or fails at its defaults; a wrong ``expect`` or a failure elsewhere in the
    space is reported with the model kept."""
    try:
        model = parse_compute(piece.text, limits)
    except ComputeError as e:
        return None, None, [at(src, piece, e.offset, e.message)]
    try:
        values = model.evaluate()
        problem = model.expect_problem(values)
    except ComputeError as e:
        return None, None, [at(src, piece, e.offset, f"at the default values: {e.message}")]
    diags = [at(src, piece, model.expect.offset, problem)] if problem and model.expect else []
    elsewhere = space_problem(model, coverage)  # the defaults passed: the rest of the space
    if elsewhere:
        diags.append(at(src, piece, elsewhere.error.offset, elsewhere.message))
    return model, values, diags
