"""A card as the build produces it and Anki stores it: one note of the "Compute Card" note type."""

from __future__ import annotations

import hashlib
import re
from typing import Iterable, NamedTuple

# Fixed namespace: a note's GUID depends on this and the card id only, so editing a card's text or
# moving it to another deck never turns it into a new note for learners.
GUID_NAMESPACE = "compute-cards:v1:"
CARD_ID = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?")
_BASE91 = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&()*+,-./:;<=>?@[]^_`{|}~"


def guid_for(card_id: str) -> str:
    """The note GUID for a card id (base91 of a 64-bit digest, like Anki's own GUIDs)."""
    n = int.from_bytes(hashlib.sha256((GUID_NAMESPACE + card_id).encode()).digest()[:8], "big")
    out = ""
    while n:
        n, r = divmod(n, len(_BASE91))
        out = _BASE91[r] + out
    return out or "a"


class Card(NamedTuple):
    """A built card: its id, where it came from, its deck, tags and the note's field values.

    A named tuple (immutable): a cold build makes, sends and receives tens of thousands of them, and a
    named tuple costs a third of a frozen dataclass to make and pickles as a plain tuple."""

    card_id: str
    path: str
    line: int
    deck: str
    tags: tuple[str, ...]
    front: str
    back: str
    formula: str = ""
    compute: str = ""
    source: str = ""

    @property
    def guid(self) -> str:
        return guid_for(self.card_id)

    def fields(self) -> tuple[str, str, str, str, str]:
        """Field values in the note type's order: Front, Back, Formula, Compute, Source."""
        return (self.front, self.back, self.formula, self.compute, self.source)


def by_path(cards: Iterable[Card]) -> dict[str, list[Card]]:
    """The cards of each deck file (``Card.path``), in order."""
    found: dict[str, list[Card]] = {}
    for card in cards:
        found.setdefault(card.path, []).append(card)
    return found
