"""The card template's own panel in a REAL Anki desktop (aqt 26.9 under Xvfb) with NO add-on installed.

The reviewer keeps one page for the whole session and re-runs each side's scripts: the panel must
mount on every side without redeclaration errors, the answer side must show the values used, and
the next card must start from its own defaults. The previewer and the card layout screen show the
card with no JavaScript errors.
"""

from __future__ import annotations

import time

import pytest
from aqt.qt import Qt

from tests.support.anki_desktop import (
    WAIT_SECONDS,
    blur_focus,
    eval_js,
    import_apkg,
    note_id_for_guid,
    open_profile,
    press_key,
    review_card,
    type_text,
    wait_js,
)
from tests.template.conftest import KV, SPEC

READY = "!!document.querySelector('#cc-panel[data-cc-host=\"template\"][data-cc-mounted]')"
ANSWER = "!!document.querySelector('#cc-panel[data-cc-host=\"template\"][data-cc-side=\"answer\"] #cc-expected')"


# Anki's own evals racing its reviewer page load (no card script involved; see
# /work/shared/anki-testing.md, "The one flaky failure seen"): Anki calls _showQuestion before
# reviewer.js is there, or toggles document.body's classes before there is a body.
_ANKI_RACES = ("showQuestion is not defined", "Cannot read properties of null (reading 'classList')")


def _anki_page_race(message: str, line: int) -> bool:
    return line == 1 and any(race in (message or "") for race in _ANKI_RACES)


@pytest.fixture
def js_errors(monkeypatch):
    """Every JavaScript error logged by an Anki web view that shows a card (the reviewer's main web
    view, the previewer, the card layout screen), as text. The toolbars are Anki's own pages, with
    races of their own: on a loaded machine the top toolbar's page can get Anki's
    ``updateSyncColor(...)`` before its script defined it (seen once, in the 5-runs-under-load check)."""
    from aqt.qt import QWebEnginePage
    from aqt.webview import AnkiWebPage, AnkiWebViewKind

    card_pages = {AnkiWebViewKind.MAIN, AnkiWebViewKind.PREVIEWER, AnkiWebViewKind.CARD_LAYOUT}
    errors: list[str] = []
    original = AnkiWebPage.javaScriptConsoleMessage

    def record(self, level, msg, line, src):
        if (level == QWebEnginePage.JavaScriptConsoleMessageLevel.ErrorMessageLevel and not _anki_page_race(msg, line)
                and getattr(self, "_kind", AnkiWebViewKind.MAIN) in card_pages):
            errors.append(f"{getattr(self, '_kind', None)} {src}:{line}: {msg}")
        return original(self, level, msg, line, src)

    monkeypatch.setattr(AnkiWebPage, "javaScriptConsoleMessage", record)
    return errors


@pytest.fixture
def anki(anki_session, qtbot, built, js_errors):
    mw = anki_session.mw
    assert mw.addonManager.allAddons() == []  # no add-on: the template alone
    col = open_profile(mw)
    log = import_apkg(col, built.deck)
    assert len(log.new) == built.cards
    return mw


def _card(mw, name: str) -> int:
    from addon.core.card import guid_for

    return mw.col.get_note(note_id_for_guid(mw.col, guid_for(name))).card_ids()[0]


def _js(mw, qtbot, code: str):
    return eval_js(mw, qtbot, code)


def _wait_state(mw, qtbot, state: str, timeout: float = WAIT_SECONDS) -> None:
    deadline = time.monotonic() + timeout
    while not (mw.state == "review" and mw.reviewer.state == state):
        if time.monotonic() > deadline:
            raise TimeoutError(f"reviewer state stayed {mw.reviewer.state!r}, not {state!r}")
        qtbot.wait(50)


def test_the_reviewer_runs_the_card_live_side_after_side(anki, qtbot, js_errors):
    mw = anki
    kv, spec_card = _card(mw, KV), _card(mw, SPEC)
    review_card(mw, qtbot, kv)
    wait_js(mw, qtbot, READY)
    assert _js(mw, qtbot, "document.querySelectorAll('#cc-panel').length") == 1
    assert _js(mw, qtbot, "document.querySelector('.cc-question [data-cc-value=\"seq_len\"]').innerText") == "4,096"

    _js(mw, qtbot, "document.querySelector('[data-cc-step=\"up\"][data-cc-for=\"seq_len\"]').click(); true")
    wait_js(mw, qtbot, "document.querySelector('.cc-question [data-cc-value=\"seq_len\"]').innerText === '8,192'")
    type_text(mw, qtbot, "#cc-answer", "1 GiB")
    wait_js(mw, qtbot, "document.getElementById('cc-verdict').getAttribute('data-cc-text') === '1 GiB'")
    assert _js(mw, qtbot, "document.getElementById('cc-verdict').getAttribute('data-state')") == "correct"

    # the next card is due as soon as this one is answered (same review session, same page)
    mw.col.sched.unsuspend_cards([spec_card])
    press_key(mw, qtbot, Qt.Key.Key_Return)  # Enter in the answer field: Anki's own "show answer"
    _wait_state(mw, qtbot, "answer")
    wait_js(mw, qtbot, ANSWER)
    assert _js(mw, qtbot, "document.getElementById('cc-typed').innerText") == "1 GiB"
    assert _js(mw, qtbot, "document.getElementById('cc-verdict').getAttribute('data-state')") == "correct"
    assert _js(mw, qtbot, "document.getElementById('cc-expected').innerText") == "1,074 MB"
    used = _js(mw, qtbot, "[...document.querySelectorAll('[data-cc-used]')].map(e => e.innerText)")
    assert "seq_len = 8,192" in used
    wait_js(mw, qtbot, "!!document.querySelector('#cc-worked mjx-container')", timeout=WAIT_SECONDS)  # Anki's MathJax
    assert _js(mw, qtbot, "document.querySelector('.cc-answer [data-cc-value=\"answer:B\"]').innerText") == "1,073,741,824 B"

    blur_focus(mw, qtbot)
    press_key(mw, qtbot, Qt.Key.Key_3)  # Good: the reviewer shows the next card on the same page
    deadline = time.monotonic() + 10
    while mw.reviewer.card is None or mw.reviewer.card.id != spec_card:
        assert time.monotonic() < deadline, "the next card did not come"
        qtbot.wait(50)
    _wait_state(mw, qtbot, "question")
    wait_js(mw, qtbot, READY + " && !!document.querySelector('[data-cc-param=\"acceptance_rate\"]')")
    assert mw.col.get_card(kv).reps == 1
    assert _js(mw, qtbot, "document.querySelectorAll('#cc-panel').length") == 1
    assert _js(mw, qtbot, "document.getElementById('cc-answer').value") == ""
    _js(mw, qtbot, "document.querySelector('[data-cc-step=\"down\"][data-cc-for=\"acceptance_rate\"]').click(); true")
    wait_js(mw, qtbot, "document.querySelector('[data-cc-param=\"acceptance_rate\"]').value === '0.75'")
    blur_focus(mw, qtbot)
    press_key(mw, qtbot, Qt.Key.Key_Space)
    _wait_state(mw, qtbot, "answer")
    wait_js(mw, qtbot, ANSWER)
    used = _js(mw, qtbot, "[...document.querySelectorAll('[data-cc-used]')].map(e => e.innerText)")
    assert used[0] == "acceptance_rate = 0.75" and not any("seq_len" in u for u in used)
    assert _js(mw, qtbot, "document.getElementById('cc-typed').innerText") == "\u2014"
    assert js_errors == []  # no "already declared", nothing thrown on any side


def _eval(web, qtbot, code: str, timeout: float = WAIT_SECONDS):
    box: dict = {}
    web.evalWithCallback(code, lambda value: box.setdefault("value", value))
    deadline = time.monotonic() + timeout
    while "value" not in box:
        assert time.monotonic() < deadline, f"no result for {code[:80]}"
        qtbot.wait(50)
    return box["value"]


def _wait(web, qtbot, code: str, timeout: float = WAIT_SECONDS):
    deadline = time.monotonic() + timeout
    while True:
        value = _eval(web, qtbot, code)
        if value:
            return value
        assert time.monotonic() < deadline, f"stayed falsy: {code[:120]}"
        qtbot.wait(100)


def test_the_previewer_shows_the_card_live_with_no_errors(anki, qtbot, js_errors):
    from aqt.browser.previewer import Previewer

    mw = anki
    card = mw.col.get_card(_card(mw, KV))

    class OneCard(Previewer):
        def card(self):
            return card

        def card_changed(self):
            return False

    previewer = OneCard(None, mw, lambda: None)
    previewer.open()
    try:
        web = previewer._web
        _wait(web, qtbot, READY)
        assert "8 KV heads" in _eval(web, qtbot, "document.getElementById('qa').innerText")
        previewer._state = "answer"
        previewer.render_card()
        _wait(web, qtbot, ANSWER)
        assert _eval(web, qtbot, "document.getElementById('cc-expected').innerText") == "536.9 MB"
        assert js_errors == []
    finally:
        previewer.close()


def test_the_card_layout_screen_shows_the_card_with_no_errors(anki, qtbot, js_errors):
    from aqt.clayout import CardLayout

    mw = anki
    note = mw.col.get_note(note_id_for_guid(mw.col, __import__("addon.core.card", fromlist=["guid_for"]).guid_for(KV)))
    layout = CardLayout(mw, note, ord=0, parent=mw)
    try:
        web = layout.preview_web
        _wait(web, qtbot, "!!document.querySelector('#qa .cc-question')")
        assert "8 KV heads" in _eval(web, qtbot, "document.getElementById('qa').innerText")
        _wait(web, qtbot, "!!document.querySelector('#cc-panel')")  # live here too, or a short message
        assert js_errors == []
    finally:
        layout.reject()


def test_with_the_add_on_there_is_one_panel_the_add_ons(anki_session, qtbot, built, js_errors):
    """The add-on's panel (Python-checked, with its config) is the one panel; the template's steps aside."""
    from tests.support.anki_desktop import install_addon

    mw = anki_session.mw
    install_addon(mw, built.ankiaddon)
    col = open_profile(mw)
    import_apkg(col, built.deck)
    kv = _card(mw, KV)
    review_card(mw, qtbot, kv)
    wait_js(mw, qtbot, "!!document.querySelector('#cc-panel[data-cc-side=\"question\"][data-cc-mounted]')")
    panels = _js(mw, qtbot, "[...document.querySelectorAll('#cc-panel')].map(p => [p.getAttribute('data-cc-host'), !!p.getAttribute('data-cc-token')])")
    assert panels == [[None, True]]  # the add-on's, with its pycmd token
    type_text(mw, qtbot, "#cc-answer", "536.9 MB")
    wait_js(mw, qtbot, "document.getElementById('cc-verdict').getAttribute('data-cc-text') === '536.9 MB'")
    assert _js(mw, qtbot, "document.getElementById('cc-verdict').getAttribute('data-state')") == "correct"
    press_key(mw, qtbot, Qt.Key.Key_Return)
    _wait_state(mw, qtbot, "answer")
    wait_js(mw, qtbot, "!!document.querySelector('#cc-panel[data-cc-side=\"answer\"]')")
    assert _js(mw, qtbot, "document.querySelectorAll('#cc-panel').length") == 1
    assert _js(mw, qtbot, "document.querySelector('#cc-panel').hasAttribute('data-cc-host')") is False
    assert js_errors == []


def test_a_broken_block_shows_a_short_message_and_the_card_is_answered(anki, qtbot, js_errors):
    from addon.core.notetype import NOTETYPE_ID, compute_field

    mw = anki
    note = mw.col.new_note(mw.col.models.get(NOTETYPE_ID))
    note["Front"] = "<p>Broken block</p>"
    note["Back"] = "<p>The back.</p>"
    note["Compute"] = compute_field("param x = 1 in 0..\nanswer = x")
    mw.col.add_note(note, mw.col.decks.id("Extra"))
    card = note.card_ids()[0]
    review_card(mw, qtbot, card)
    wait_js(mw, qtbot, "!!document.querySelector('#cc-panel[data-cc-host=\"template\"][data-state=\"error\"]')")
    message = _js(mw, qtbot, "document.getElementById('cc-panel').innerText")
    assert message.startswith("Compute Cards: ") and len(message) < 200
    assert "Broken block" in _js(mw, qtbot, "document.getElementById('qa').innerText")
    blur_focus(mw, qtbot)
    press_key(mw, qtbot, Qt.Key.Key_Space)
    _wait_state(mw, qtbot, "answer")
    wait_js(mw, qtbot, "document.getElementById('qa').innerText.includes('The back.')")
    press_key(mw, qtbot, Qt.Key.Key_3)
    deadline = time.monotonic() + 10
    while mw.col.get_card(card).reps != 1:
        assert time.monotonic() < deadline, "the card was not answered"
        qtbot.wait(50)
    assert js_errors == []
