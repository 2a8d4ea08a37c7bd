"""The build state file (``content/cards.lock.json``, committed): what each note looked like when it was
last built, and the mtime it was given then.

Anki's importer updates a note only when the incoming mtime is newer ("if newer"). So an unchanged
card must keep its mtime forever, and a changed card must get a newer one. The state file makes that
true across machines and clean clones: it is the memory of the previous build.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import operator
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from addon.core.card import Card
from addon.core.notetype import look_fingerprint, schema_fingerprint

from .settings import STATE_FILE  # noqa: F401 - one name for the state file (builder/settings.py), also state.STATE_FILE
STATE_VERSION = 1


def card_hash(card: Card) -> str:
    """What a learner's note holds: the fields and tags (not the deck: import does not move cards)."""
    blob = _ENCODE([card.fields(), sorted(card.tags)])  # = json.dumps(..., ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()[:20]


_ENCODE = json.JSONEncoder(ensure_ascii=False).encode  # one encoder, not one per call
_DECK, _ID = operator.attrgetter("deck"), operator.attrgetter("card_id")


def build_time() -> int:
    """Now, or SOURCE_DATE_EPOCH when set (repeatable builds)."""
    return int(os.environ.get("SOURCE_DATE_EPOCH") or time.time())


@dataclass
class State:
    notetype: dict = field(default_factory=dict)
    cards: dict[str, dict] = field(default_factory=dict)
    decks: dict[str, list[str]] = field(default_factory=dict)  # deck name -> its card ids (to tell a card moved)

    @classmethod
    def load(cls, path: Path) -> "State":
        if not path.exists():
            return cls()
        data = json.loads(path.read_text(encoding="utf-8"))
        decks = data.get("decks", {})
        if not (isinstance(decks, dict) and all(isinstance(v, list) for v in decks.values())):
            decks = {}
        return cls(data.get("notetype", {}), data.get("cards", {}), decks)

    def deck_of(self) -> dict[str, str]:
        """Card id -> the deck it was built into."""
        return {card_id: deck for deck, ids in self.decks.items() for card_id in ids if isinstance(card_id, str)}

    def dumps(self) -> str:
        """The file's text: ``json.dumps(..., indent=1, ensure_ascii=False)``, byte for byte.

        With an indent, ``json`` uses its pure-Python encoder (slow for 10,000+ cards); the cards part
        is written here with the C encoder instead, one entry at a time, in exactly the same layout.
        """
        cards = sorted(self.cards.items())
        decks = {deck: sorted(ids) for deck, ids in sorted(self.decks.items())}
        if not cards or not all(_plain_entry(v) for _, v in cards):
            data = {"version": STATE_VERSION, "notetype": self.notetype, "cards": dict(cards)}
            if decks:
                data["decks"] = decks
            return json.dumps(data, indent=1, ensure_ascii=False) + "\n"
        head = json.dumps({"version": STATE_VERSION, "notetype": self.notetype, "cards": {}}, indent=1, ensure_ascii=False)
        assert head.endswith('"cards": {}\n}')
        if _PLAIN.fullmatch("".join([card_id + v["hash"] for card_id, v in cards])):
            # ids and hashes that JSON writes as they are (the usual case): no encoder call at all
            body = ",\n".join([f'  "{card_id}": {{\n   "hash": "{v["hash"]}",\n   "mtime": {v["mtime"]}\n  }}'
                                for card_id, v in cards])
        else:
            dumps = json.dumps
            body = ",\n".join(f'  {dumps(card_id, ensure_ascii=False)}: {{\n   "hash": {dumps(v["hash"], ensure_ascii=False)},\n'
                              f'   "mtime": {dumps(v["mtime"])}\n  }}' for card_id, v in cards)
        tail = ",\n" + _decks_text(decks) if decks else ""
        return head[: -len("{}\n}")] + "{\n" + body + "\n }" + tail + "\n}\n"


def _decks_text(decks: dict[str, list[str]]) -> str:
    """``"decks": {...}`` as ``json.dumps(..., indent=1)`` writes it one level in, without its encoder for the ids."""
    ids = [card_id for card_ids in decks.values() for card_id in card_ids]
    if not all(isinstance(i, str) for i in ids) or not _PLAIN.fullmatch("".join(ids)):
        return json.dumps({"decks": decks}, indent=1, ensure_ascii=False)[2:-2]
    dumps = json.dumps
    parts = [f'  {dumps(deck, ensure_ascii=False)}: ' + ("[\n" + ",\n".join(f'   "{i}"' for i in card_ids) + "\n  ]" if card_ids else "[]")
             for deck, card_ids in decks.items()]
    return ' "decks": {\n' + ",\n".join(parts) + "\n }"


_PLAIN = re.compile(r"[A-Za-z0-9_.:+-]*")  # characters json.dumps writes unchanged (no quote, backslash, control)


def _plain_entry(value: object) -> bool:
    """A state entry as ``stamp`` makes it: {"hash": str, "mtime": int}, in that order."""
    return (isinstance(value, dict) and list(value) == ["hash", "mtime"] and isinstance(value["hash"], str)
            and type(value["mtime"]) is int)


@dataclass(frozen=True)
class Stamped:
    """The outcome of comparing this build with the last: mtimes, and what changed."""

    state: State
    note_mtimes: dict[str, int]
    notetype_mtime: int
    changed: tuple[str, ...]
    added: tuple[str, ...]
    removed: tuple[str, ...]
    schema_changed: bool
    look_changed: bool
    renamed: tuple[tuple[str, str], ...] = ()  # (removed id, new id) with exactly the same note content
    moved: tuple[tuple[str, str, str], ...] = ()  # (card id, its deck last build, its deck now)


def note_mtime(previous: State, card_id: str, digest: str, now: int) -> int:
    """The mtime of the note of ``card_id`` whose ``card_hash`` is ``digest``: kept when unchanged,
    else newer than both its last one and ``now``'s second (see the module docstring)."""
    old = previous.cards.get(card_id)
    if old and old.get("hash") == digest:
        return int(old["mtime"])
    return max(now, int(old["mtime"]) + 1) if old else now


def notetype_mtime(previous: State, now: int) -> int:
    """The note type's mtime: kept while its look (CSS, templates, fields) is unchanged, else newer."""
    old_nt = previous.notetype
    if old_nt and old_nt.get("look") == look_fingerprint():
        return int(old_nt["mtime"])
    return max(now, int(old_nt.get("mtime", 0)) + 1)


def stamp(previous: State, cards: list[Card], now: int, known: dict[str, str] | None = None) -> Stamped:
    """Keep the mtime of every unchanged note; give changed and new notes a newer one.

    ``known``: card id -> ``card_hash`` of that card, where the build knows it already (the cache).
    """
    new = State()
    mtimes: dict[str, int] = {}
    changed, added = [], []
    known = known or {}
    for card in cards:
        digest = known.get(card.card_id) or card_hash(card)
        mtime = note_mtime(previous, card.card_id, digest, now)
        old = previous.cards.get(card.card_id)
        if not (old and old.get("hash") == digest):
            (changed if old else added).append(card.card_id)
        new.cards[card.card_id] = {"hash": digest, "mtime": mtime}
        mtimes[card.card_id] = mtime
    removed = tuple(sorted(set(previous.cards) - {c.card_id for c in cards}))
    removed_by_hash = {previous.cards[r].get("hash"): r for r in removed if isinstance(previous.cards[r], dict)}
    renamed = tuple((removed_by_hash[new.cards[a]["hash"]], a) for a in added if new.cards[a]["hash"] in removed_by_hash)
    for deck, group in itertools.groupby(cards, key=_DECK):  # cards come deck file by deck file
        new.decks.setdefault(deck, []).extend(map(_ID, group))
    moved: tuple[tuple[str, str, str], ...] = ()
    if previous.decks:  # the ids each deck did not have last build: added ones, or moved here
        arrived = [(card_id, deck) for deck, ids in new.decks.items()
                   for known in (set(previous.decks.get(deck, ())),) for card_id in ids if card_id not in known]
        was_in = previous.deck_of() if arrived else {}
        moved = tuple((card_id, was_in[card_id], deck) for card_id, deck in arrived if card_id in was_in)
    look, schema = look_fingerprint(), schema_fingerprint()
    old_nt = previous.notetype
    look_changed = old_nt.get("look") != look
    schema_changed = bool(old_nt) and old_nt.get("schema") != schema
    nt_mtime = notetype_mtime(previous, now)
    new.notetype = {"look": look, "schema": schema, "mtime": nt_mtime}
    return Stamped(new, mtimes, nt_mtime, tuple(changed), tuple(added), removed, schema_changed, look_changed and bool(old_nt),
                   renamed, moved)
