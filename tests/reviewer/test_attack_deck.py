"""A shared deck built from the attack corpus, reviewed in a real Anki with the add-on installed.

Every Compute field carries one attack from tests/hostile/data/attacks/ (escapes, dunders, towers,
1 MB expressions, look-alike characters, broken blocks). Each card must show its error in the panel,
no Python may run from card content, the reviewer must keep working, and the add-on must write
nothing to the collection.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from addon.core.card import Card
from addon.core.compute import parse_compute
from addon.core.diagnostics import ComputeError
from addon.core.notetype import compute_source
from builder.package import write_apkg
from tests.hostile.test_language_attacks import BLOCK_ATTACKS, EXPRESSION_ATTACKS
from tests.reviewer.reviewing import start, wait_until
from tests.reviewer.test_hostile_cards import FLOOD, MARKER, _answer_with_keys
from tests.support.anki_desktop import import_apkg

DECK = "Hostile::Attack corpus"
PANEL_ERROR = re.compile(r'<div id="cc-panel"[^>]*data-state="error"')


def _storable(text: str) -> bool:
    """Anki stores fields as UTF-8: lone surrogates cannot reach a collection (the core tests cover them)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _attack_cards() -> list[Card]:
    cards = []
    for n, attack in enumerate(a for a in EXPRESSION_ATTACKS if _storable(a.source)):
        block = "param x = 2 in 0..10\nanswer = " + attack.source
        cards.append(_card(f"expression-{n}", block, attack.where))
    for n, attack in enumerate(a for a in BLOCK_ATTACKS if _storable(a.source)):
        cards.append(_card(f"block-{n}", attack.source, attack.where))
    return cards


def _card(card_id: str, compute_source: str, where: str) -> Card:
    # The field as a hand-edited shared deck could hold it: the attack as text, HTML-escaped.
    field = html.escape(compute_source, quote=False).replace("\n", "<br>")
    front = FLOOD if card_id == "expression-0" else f"<p>Attack {html.escape(where)}</p>"
    return Card(card_id, "attacks", 1, DECK, ("hostile",), front, "<p>Back</p>", "", field, "")


@pytest.fixture(scope="module")
def attack_deck(tmp_path_factory) -> tuple[Path, list[Card]]:
    where = tmp_path_factory.mktemp("attack-deck")
    cards = _attack_cards()
    path = where / "attacks.apkg"
    write_apkg(path, cards, {c.card_id: 1_700_000_000 for c in cards}, 1_700_000_000, where / "work")
    return path, cards


def _refused(field: str) -> bool:
    try:
        parse_compute(compute_source(field)).evaluate()
    except ComputeError:
        return True
    return False


def _notes_snapshot(col) -> list[tuple]:
    return col.db.all("select id, guid, mid, mod, usn, tags, flds from notes order by id")


def test_every_attack_card_shows_its_error_and_nothing_is_written(anki_session, qtbot, built, attack_deck):
    from aqt import gui_hooks

    path, cards = attack_deck
    MARKER.unlink(missing_ok=True)
    reviewer = start(anki_session.mw, qtbot, built.ankiaddon, built.deck)
    col = reviewer.col
    log = import_apkg(col, path)
    assert len(log.new) == len(cards) > 200
    notes_before = _notes_snapshot(col)
    notetypes_before = col.db.all("select id, mtime_secs, usn from notetypes order by id")

    # Every card through the reviewer's own hook chain, as Anki calls it when it shows a question:
    # an error panel exactly where the core refuses what the field holds (a field is read the way
    # Anki's editor leaves it, so e.g. a no-break space is a space), a working panel elsewhere.
    note_ids = col.db.list("select id from notes where tags like '%hostile%'")
    assert len(note_ids) == len(cards)
    errors = 0
    for note_id in note_ids:
        note = col.get_note(note_id)
        card = note.cards()[0]
        shown = gui_hooks.card_will_show(card.question(), card, "reviewQuestion")
        assert '<div id="cc-panel"' in shown, f"no panel for note {note_id}"
        if _refused(note["Compute"]):
            errors += 1
            assert PANEL_ERROR.search(shown), f"no error panel for note {note_id}: {shown[-300:]}"
            message = re.search(r'id="cc-verdict"[^>]*>(.*?)</div>', shown).group(1)
            assert message.startswith("Compute Cards: ") and len(message) < 220
        else:
            assert not PANEL_ERROR.search(shown)
    assert errors >= 0.95 * len(cards)  # the corpus is attacks: almost all are refused (Anki drops some control characters)

    # A few of them in the real web view, the first one flooding pycmd from its own script.
    last = sum(_storable(a.source) for a in EXPRESSION_ATTACKS) - 1
    for card_id_text in ("expression-0", "block-0", f"expression-{last}"):
        card = reviewer.card_id(card_id_text)
        reviewer.review(card)
        reviewer.wait("document.querySelector('#cc-panel')?.getAttribute('data-state') === 'error'")
        assert reviewer.text("#cc-verdict").startswith("Compute Cards: ")
        if card_id_text == "expression-0":
            flood = reviewer.wait("window.ccFlood && window.ccFlood.replies === window.ccFlood.sent && window.ccFlood", timeout=20)
            assert flood["oursOk"] == 0
        _answer_with_keys(reviewer, card)
        wait_until(qtbot, lambda: reviewer.state() in ("question", None))

    assert not MARKER.exists()
    # Reviewing wrote cards and revlog (Anki's own doing); the add-on wrote no note and no note type.
    assert _notes_snapshot(col) == notes_before
    assert col.db.all("select id, mtime_secs, usn from notetypes order by id") == notetypes_before
