"""An Anki without a hook the add-on uses: the add-on loads, says so in one log line, and the card still reviews.

Each test takes one of Anki's gui_hooks away while the real .ankiaddon is installed and imported
(as Anki's loadAddons imports it at start), then puts it back so Anki itself keeps working: from
the add-on's side, that is an Anki which never had the hook. An exception out of the add-on's
import would fail ``install_addon`` here; in a real Anki it is the "add-on failed to load" dialog.
"""

from __future__ import annotations

import logging

import pytest
from aqt.qt import Qt

from tests.reviewer.reviewing import ComputeReviewer, wait_until
from tests.support.anki_desktop import import_apkg, install_addon, open_profile, press_key

KV = "kv-cache-llama-8b"
LOGGER = "addon.compute_cards"  # what AddonManager.get_logger("compute_cards") returns, and the fallback's name
PANEL_NEEDS = ("webview_will_set_content", "card_will_show", "webview_did_receive_js_message")


def _install_without(mw, qtbot, built, caplog, hook: str) -> tuple[ComputeReviewer, list[str]]:
    from aqt import gui_hooks

    saved = getattr(gui_hooks, hook)
    delattr(gui_hooks, hook)
    try:
        with caplog.at_level(logging.INFO, logger=LOGGER):
            package = install_addon(mw, built.ankiaddon)
    finally:
        setattr(gui_hooks, hook, saved)
    lines = [r.getMessage() for r in caplog.records if r.name == LOGGER]
    col = open_profile(mw)
    assert len(import_apkg(col, built.deck).new) > 0
    return ComputeReviewer(mw, qtbot, package), lines


@pytest.mark.parametrize("hook", PANEL_NEEDS)
def test_without_a_hook_the_panel_needs_the_card_runs_the_templates_own_panel(anki_session, qtbot, built, caplog, hook):
    reviewer, lines = _install_without(anki_session.mw, qtbot, built, caplog, hook)
    assert len(lines) == 1, lines
    assert f"has no gui_hooks.{hook}" in lines[0] and "the panel is off" in lines[0], lines[0]

    card = reviewer.card_id(KV)
    reviewer.review(card)
    # The add-on adds nothing: the note type's own panel (template.js) runs, as on a phone.
    wait_until(qtbot, lambda: reviewer.js(
        "(document.getElementById('cc-panel') || {getAttribute: () => null}).getAttribute('data-cc-host')") == "template")
    assert reviewer.js("document.querySelectorAll('#cc-panel').length") == 1
    assert reviewer.text('#qa [data-cc-value="seq_len"]') == "4,096"  # the build's default value
    press_key(reviewer.mw, qtbot, Qt.Key.Key_Space)  # Anki's own shortcuts: nothing held back
    wait_until(qtbot, lambda: reviewer.state() == "answer")
    press_key(reviewer.mw, qtbot, Qt.Key.Key_3)
    wait_until(qtbot, lambda: reviewer.reps(card) == 1)


def test_without_state_did_change_the_panel_works_and_says_what_it_misses(anki_session, qtbot, built, caplog):
    reviewer, lines = _install_without(anki_session.mw, qtbot, built, caplog, "state_did_change")
    assert len(lines) == 1, lines
    assert "has no gui_hooks.state_did_change" in lines[0] and "panel is off" not in lines[0], lines[0]

    reviewer.review(reviewer.card_id(KV))
    reviewer.wait_panel()
    assert reviewer.type_answer("536.9 MB") == "correct"
