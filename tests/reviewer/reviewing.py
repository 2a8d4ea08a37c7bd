"""A real Anki reviewing Compute Cards: reach a card, drive the panel with real key events, read what a learner sees."""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass
from typing import Any

from aqt.qt import Qt

from addon.core.card import guid_for
from addon.core.notetype import NOTETYPE_ID
from tests.support.anki_desktop import (
    WAIT_SECONDS,
    blur_focus,
    current_card_state,
    eval_js,
    focus_element,
    import_apkg,
    install_addon,
    note_id_for_guid,
    open_profile,
    page_keydowns,
    press_key,
    review_card,
    shortcuts_enabled,
    type_text,
    wait_js,
    wait_page_keydowns,
)


VERDICT_TIMEOUT = 20  # seconds; bounds a failure only: the wait ends as soon as the verdict is there


@dataclass
class ComputeReviewer:
    mw: Any
    qtbot: Any
    package: str

    @property
    def col(self):
        return self.mw.col

    def card_id(self, card_id_text: str) -> int:
        note_id = note_id_for_guid(self.col, guid_for(card_id_text))
        return self.col.get_note(note_id).card_ids()[0]

    def add_note(self, fields: dict[str, str], deck: str = "Hostile") -> int:
        """Add a Compute Card note in the open collection; returns its card id."""
        notetype = self.col.models.get(NOTETYPE_ID)
        note = self.col.new_note(notetype)
        for name, value in fields.items():
            note[name] = value
        self.col.add_note(note, self.col.decks.id(deck))
        return note.card_ids()[0]

    def review(self, card_id: int) -> None:
        review_card(self.mw, self.qtbot, card_id)

    def js(self, code: str, timeout: float = WAIT_SECONDS) -> Any:
        return eval_js(self.mw, self.qtbot, code, timeout=timeout)

    def wait(self, code: str, timeout: float = WAIT_SECONDS) -> Any:
        return wait_js(self.mw, self.qtbot, code, timeout=timeout)

    def wait_panel(self, side: str = "question") -> None:
        selector = '#cc-panel[data-cc-side="question"][data-cc-mounted]' if side == "question" else f'#cc-panel[data-cc-side="{side}"]'
        self.wait(f"!!document.querySelector({json.dumps(selector)})")

    def text(self, selector: str) -> str | None:
        return self.js(f"(() => {{ const e = document.querySelector({json.dumps(selector)}); return e ? e.innerText : null; }})()")

    def attr(self, selector: str, name: str) -> str | None:
        return self.js(f"(() => {{ const e = document.querySelector({json.dumps(selector)}); return e ? e.getAttribute({json.dumps(name)}) : null; }})()")

    def focus(self, selector: str) -> None:
        """Focus a panel control and wait until the add-on holds Anki's review shortcuts back (its pycmd round trip)."""
        focus_element(self.mw, self.qtbot, selector)
        wait_until(self.qtbot, lambda: shortcuts_enabled(self.mw) is False)

    def blur(self) -> None:
        """Take the focus off the panel and wait until Anki's review shortcuts are on again."""
        blur_focus(self.mw, self.qtbot)
        wait_until(self.qtbot, lambda: shortcuts_enabled(self.mw) is True)

    def press_in_page(self, *keys: Any) -> None:
        """Press keys that must reach the page (not one of Anki's shortcuts); returns once the page has seen them all."""
        before = page_keydowns(self.mw, self.qtbot)
        for key in keys:
            press_key(self.mw, self.qtbot, key)
        wait_page_keydowns(self.mw, self.qtbot, before + len(keys))

    def set_parameter(self, name: str, value: str) -> None:
        """Select the control's text and type ``value`` with real key presses; returns once the page has seen every key."""
        self.focus(f'[data-cc-param="{name}"]')
        before = page_keydowns(self.mw, self.qtbot)
        press_key(self.mw, self.qtbot, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        self.qtbot.keyClicks(self.mw.web.focusProxy(), value)
        wait_page_keydowns(self.mw, self.qtbot, before + 1 + len(value))

    def type_answer(self, text: str) -> str:
        """Clear #cc-answer, type ``text`` with real key presses, wait for its verdict; returns the verdict's data-state."""
        self.js("(() => { const a = document.getElementById('cc-answer'); a.value = ''; a.dispatchEvent(new Event('input')); return true; })()")
        type_text(self.mw, self.qtbot, "#cc-answer", text)
        started = time.monotonic()
        try:  # one pycmd round trip per keystroke: seconds on a machine as busy as a shared CI box
            self.wait(f"document.getElementById('cc-answer').value === {json.dumps(text)}", timeout=VERDICT_TIMEOUT)
            self.wait(f"document.getElementById('cc-verdict').getAttribute('data-cc-text') === {json.dumps(text)}", timeout=VERDICT_TIMEOUT)
        except TimeoutError as e:
            seen = self.js("(() => { const a = document.getElementById('cc-answer'), v = document.getElementById('cc-verdict');"
                           " return {typed: a && a.value, judged: v && v.getAttribute('data-cc-text'), state: v && v.getAttribute('data-state'),"
                           " panel: document.getElementById('cc-panel')?.getAttribute('data-state')}; })()")
            raise TimeoutError(f"no verdict for {text!r} after {time.monotonic() - started:.1f}s: {seen}") from e
        return self.attr("#cc-verdict", "data-state")

    def state(self) -> str | None:
        return current_card_state(self.mw)

    def reps(self, card_id: int) -> int:
        return self.col.get_card(card_id).reps


def start(mw, qtbot, ankiaddon, deck) -> ComputeReviewer:
    """Install the add-on as a user does (before the profile opens, as at Anki start), open the profile, import the deck."""
    package = install_addon(mw, ankiaddon)
    assert hasattr(sys.modules[package], "__file__")
    col = open_profile(mw)
    log = import_apkg(col, deck)
    assert len(log.new) > 0, "the deck imported no notes"
    return ComputeReviewer(mw, qtbot, package)


def wait_until(qtbot, predicate, timeout: float = WAIT_SECONDS) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met")
        qtbot.wait(50)
