"""What a learner does and checks in their own collection: import an update, study, look at cards.

Everything goes through the official ``anki`` package on a headless Collection, the same backend
calls Anki's desktop makes (File > Import of an .apkg; answering in the reviewer).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from anki.collection import Collection, ImportAnkiPackageRequest
from anki.notes import Note
from anki.scheduler.v3 import CardAnswer

from addon.core import notetype as spec
from addon.core.card import guid_for

GOOD = CardAnswer.GOOD
EASY = CardAnswer.EASY


def import_options(col: Collection, **changes: object):
    """The options Anki's import screen starts with (the user's last choices; on a fresh profile
    merge off, update notes and note types "if newer", no scheduling, no deck presets), then ``changes``."""
    options = col._backend.get_import_anki_package_presets()
    for key, value in changes.items():
        setattr(options, key, value)
    return options


def import_apkg(col: Collection, path, **changes: object):
    """File > Import of an .apkg; returns the import log (new / updated / duplicate / conflicting)."""
    out = col.import_anki_package(
        ImportAnkiPackageRequest(package_path=str(path), options=import_options(col, **changes))
    )
    if out.changes.notetype:
        # aqt's main window does this after every op that changed note types; without it
        # col.models keeps serving the note type as it was before the import.
        col.models._clear_cache()
    return out.log


def counts(log) -> dict[str, int]:
    return {
        "new": len(log.new),
        "updated": len(log.updated),
        "duplicate": len(log.duplicate),
        "conflicting": len(log.conflicting),
        "missing_notetype": len(log.missing_notetype),
        "found": log.found_notes,
    }


def compute_notetypes(col: Collection) -> list[tuple[int, str]]:
    """Every note type named like ours ("Compute Card", "Compute Card+" ...): (id, name)."""
    return [tuple(r) for r in col.db.all("select id, name from notetypes where name like 'Compute Card%' order by id")]


def notetype_row(col: Collection, ntid: int = spec.NOTETYPE_ID) -> dict:
    """The note type as stored (not col.models' cache): mtime, usn, CSS, field names."""
    data = json.loads(col._backend.get_notetype_legacy(ntid))  # straight from the backend
    return {"mod": data["mod"], "usn": data["usn"], "css": data["css"], "fields": [f["name"] for f in data["flds"]]}


def note_for(col: Collection, card_id: str) -> Note:
    nid = col.db.scalar("select id from notes where guid = ?", guid_for(card_id))
    assert nid, f"no note for card {card_id!r} (guid {guid_for(card_id)!r})"
    return col.get_note(nid)


def first_card(col: Collection, card_id: str):
    return note_for(col, card_id).cards()[0]


def study(col: Collection, card_ids: list[str], rating=GOOD) -> None:
    """Answer each card once, as the reviewer does (timer started, states from the scheduler)."""
    for card_id in card_ids:
        card = first_card(col, card_id)
        card.start_timer()
        states = col._backend.get_scheduling_states(card.id)
        col.sched.answer_card(col.sched.build_answer(card=card, states=states, rating=rating))


@dataclass(frozen=True)
class Progress:
    """A learner's study state: every revlog row and every card's scheduling columns."""

    revlog: tuple[tuple, ...]
    cards: dict[str, tuple]  # note guid -> (type, queue, due, ivl, factor, reps, lapses, left, odue, odid, did)

    @classmethod
    def of(cls, col: Collection) -> "Progress":
        revlog = tuple(tuple(r) for r in col.db.all("select * from revlog order by id"))
        rows = col.db.all(
            "select n.guid, c.type, c.queue, c.due, c.ivl, c.factor, c.reps, c.lapses, c.left, c.odue, c.odid, c.did "
            "from cards c join notes n on n.id = c.nid order by n.guid, c.ord"
        )
        return cls(revlog, {r[0]: tuple(r[1:]) for r in rows})

    def reviewed(self) -> dict[str, tuple]:
        return {g: c for g, c in self.cards.items() if c[5] > 0}  # reps > 0
