"""The Compute Cards panel in a real Anki reviewer, on the real chapter-19 card kv-cache-llama-8b."""

from __future__ import annotations

import json


import pytest
from aqt.qt import Qt

from tests.reviewer.reviewing import start, wait_until
from tests.support.anki_desktop import WAIT_SECONDS, press_key, screenshot, shortcuts_enabled

KV = "kv-cache-llama-8b"
PARAMETERS = ["num_layers", "num_kv_heads", "head_dim", "seq_len", "bytes_per_element"]


@pytest.fixture
def reviewer(anki_session, qtbot, built):
    return start(anki_session.mw, qtbot, built.ankiaddon, built.deck)


def test_panel_updates_question_and_checks_answers(reviewer):
    card = reviewer.card_id(KV)
    reviewer.review(card)
    reviewer.wait_panel()
    controls = reviewer.js("[...document.querySelectorAll('#cc-panel [data-cc-param]')].map(e => e.getAttribute('data-cc-param'))")
    assert controls == PARAMETERS
    assert reviewer.js("document.querySelector('[data-cc-param=\"bytes_per_element\"]').tagName") == "SELECT"
    assert reviewer.text('#qa .cc-question [data-cc-value="seq_len"]') == "4,096"

    reviewer.set_parameter("seq_len", "8192")
    reviewer.wait("document.querySelector('#qa .cc-question [data-cc-value=\"seq_len\"]').innerText === '8,192'")
    assert "seq=8,192" in reviewer.text("#qa .cc-question")

    verdicts = {text: reviewer.type_answer(text) for text in ["1 GiB", "1073741824", "1.07 GB", "536 MB", "1 GHz"]}
    assert verdicts == {"1 GiB": "correct", "1073741824": "correct", "1.07 GB": "correct", "536 MB": "incorrect", "1 GHz": "unit"}
    # the question side never gives the expected value away
    assert "1,074" not in reviewer.text("#cc-panel") and "1,073,741,824" not in reviewer.text("#cc-panel")
    assert reviewer.state() == "question" and reviewer.reps(card) == 0


def test_digits_and_space_in_the_panel_do_not_answer_the_card(reviewer):
    card = reviewer.card_id(KV)
    reviewer.review(card)
    reviewer.wait_panel()
    reviewer.type_answer("1 ")
    assert reviewer.js("document.getElementById('cc-answer').value") == "1 "
    reviewer.set_parameter("num_layers", "2 3")  # digits and a space in a number field
    reviewer.press_in_page(Qt.Key.Key_Space, Qt.Key.Key_3)  # the page got them: no shortcut took them
    assert reviewer.state() == "question"
    assert reviewer.mw.reviewer.card.id == card and reviewer.reps(card) == 0
    # Escape leaves the field; then space is Anki's own "show answer" again
    reviewer.press_in_page(Qt.Key.Key_Escape)
    wait_until(reviewer.qtbot, lambda: shortcuts_enabled(reviewer.mw) is True)
    assert reviewer.js("document.activeElement && document.activeElement.getAttribute('data-cc-param')") is None
    press_key(reviewer.mw, reviewer.qtbot, Qt.Key.Key_Space)
    wait_until(reviewer.qtbot, lambda: reviewer.state() == "answer")


def test_tab_moves_through_the_controls(reviewer):
    reviewer.review(reviewer.card_id(KV))
    reviewer.wait_panel()
    reviewer.focus('[data-cc-param="num_layers"]')
    seen = []
    for _ in range(6):
        reviewer.press_in_page(Qt.Key.Key_Tab)
        seen.append(reviewer.js("(e => e.getAttribute('data-cc-param') || e.getAttribute('data-cc-action') || e.id || e.tagName)(document.activeElement)"))
    assert seen[:4] == PARAMETERS[1:]
    assert "new" in seen or "cc-answer" in seen


def _frame(reviewer) -> None:
    """A window big enough to show the card and the panel in one screenshot."""
    reviewer.mw.resize(980, 860)
    wait_until(reviewer.qtbot, lambda: reviewer.mw.size().width() == 980 and reviewer.mw.size().height() == 860)


def _show_panel(reviewer) -> None:
    """Scroll the panel into view and wait until it is in the viewport and two frames were painted since."""
    reviewer.js(
        "(() => { window.__ccPainted = false; document.getElementById('cc-panel').scrollIntoView({block: 'end'});"
        " requestAnimationFrame(() => requestAnimationFrame(() => { window.__ccPainted = true; })); return true; })()"
    )
    reviewer.wait(
        "window.__ccPainted && document.getElementById('cc-panel').getBoundingClientRect().bottom <= window.innerHeight + 1"
    )


def test_enter_shows_answer_with_values_verdict_expected_and_worked_formula(reviewer):
    _frame(reviewer)
    card = reviewer.card_id(KV)
    reviewer.review(card)
    reviewer.wait_panel()
    reviewer.set_parameter("seq_len", "8192")
    reviewer.wait("document.querySelector('#qa [data-cc-value=\"seq_len\"]').innerText === '8,192'")
    assert reviewer.type_answer("1 GiB") == "correct"
    screenshot(reviewer.mw, "panel_question_light.png")

    press_key(reviewer.mw, reviewer.qtbot, Qt.Key.Key_Return)  # Enter in #cc-answer shows the answer
    wait_until(reviewer.qtbot, lambda: reviewer.state() == "answer")
    reviewer.wait_panel("answer")
    reviewer.wait("!!document.querySelector('#cc-worked mjx-container')")  # typeset by Anki's MathJax
    assert reviewer.reps(card) == 0
    assert reviewer.text("#cc-typed") == "1 GiB"
    assert reviewer.attr("#cc-verdict", "data-state") == "correct"
    assert reviewer.text("#cc-expected") == "1,074 MB"
    assert reviewer.text("#cc-exact") == "(1,073,741,824 B)"
    used = reviewer.js("[...document.querySelectorAll('[data-cc-used]')].map(e => e.innerText)")
    assert "seq_len = 8,192" in used and "bytes_per_element = 2 (BF16)" in used
    # the same values as on the question side, in the question and in the card's own answer text
    assert reviewer.text('#qa .cc-question [data-cc-value="seq_len"]') == "8,192"
    assert reviewer.text('#qa .cc-answer [data-cc-value="answer:B"]') == "1,073,741,824 B"
    worked = reviewer.js("document.querySelector('#cc-worked mjx-container').getAttribute('aria-label') || document.querySelector('#cc-worked').innerText")
    source = reviewer.js("(() => { const m = MathJax.startup.document.getMathItemsWithin(document.getElementById('cc-worked')); return m.length ? m[0].math : ''; })()")
    assert source.startswith(r"2 \times 32 \times 8 \times 128 \times 2 \times 8{,}192 = \text{1,073,741,824 B}"), (source, worked)
    _show_panel(reviewer)
    screenshot(reviewer.mw, "panel_answer_light.png")


def test_night_mode_screenshots(reviewer):
    from tests.support.anki_desktop import set_night_mode

    _frame(reviewer)
    set_night_mode(reviewer.mw, True)
    try:
        reviewer.review(reviewer.card_id(KV))
        reviewer.wait_panel()
        assert reviewer.js("document.body.classList.contains('nightMode')")
        colour = reviewer.js("getComputedStyle(document.getElementById('cc-panel')).color")
        assert colour == "rgb(230, 230, 230)", colour  # light text on the dark card
        reviewer.set_parameter("seq_len", "8192")
        reviewer.type_answer("536 MB")
        screenshot(reviewer.mw, "panel_question_night.png")
        press_key(reviewer.mw, reviewer.qtbot, Qt.Key.Key_Return)
        wait_until(reviewer.qtbot, lambda: reviewer.state() == "answer")
        reviewer.wait("!!document.querySelector('#cc-worked mjx-container')")
        assert reviewer.attr("#cc-verdict", "data-state") == "incorrect"
        _show_panel(reviewer)
        screenshot(reviewer.mw, "panel_answer_night.png")
    finally:
        set_night_mode(reviewer.mw, False)


def test_presets_new_numbers_and_reset(reviewer):
    reviewer.review(reviewer.card_id(KV))
    reviewer.wait_panel()
    index = reviewer.js("[...document.querySelectorAll('[data-cc-preset] option')].findIndex(o => o.text === 'Llama-3.1-70B')")
    assert index > 0
    reviewer.js(f"(s => {{ s.selectedIndex = {index}; s.dispatchEvent(new Event('change')); return true; }})(document.querySelector('[data-cc-preset]'))")
    reviewer.wait("document.querySelector('#qa [data-cc-value=\"num_layers\"]').innerText === '80'")
    assert reviewer.js("document.querySelector('[data-cc-param=\"num_layers\"]').value") == "80"
    values = "JSON.stringify([...document.querySelectorAll('[data-cc-param]')].map(c => c.value))"
    before = reviewer.js(values)
    reviewer.js("document.querySelector('[data-cc-action=\"new\"]').click(); true")
    # New numbers: random values, so any one parameter may land on its old value by chance (seq_len
    # on 4,096 about once in 300 draws); all five at once practically never do.
    reviewer.wait(f"{values} !== {json.dumps(before)}")
    reviewer.js("document.querySelector('[data-cc-action=\"reset\"]').click(); true")
    reviewer.wait("document.querySelector('#qa [data-cc-value=\"num_layers\"]').innerText === '32'"
                  " && document.querySelector('#qa [data-cc-value=\"seq_len\"]').innerText === '4,096'")


def test_other_note_types_are_untouched(reviewer, tmp_path):
    from tests.support.anki_desktop import import_apkg, note_id_for_guid
    from tests.support.packages import make_basic_apkg

    notes = make_basic_apkg(tmp_path / "basic.apkg", [("Plain front {{seq_len}}", "Plain back")], deck_name="Plain")
    import_apkg(reviewer.col, tmp_path / "basic.apkg")
    card = reviewer.col.get_note(note_id_for_guid(reviewer.col, notes[0].guid)).card_ids()[0]
    reviewer.review(card)
    assert reviewer.js("document.getElementById('cc-panel')") is None
    assert "Plain front {{seq_len}}" in reviewer.text("#qa")


def test_config_expected_on_question_tolerance_and_new_numbers(reviewer):
    reviewer.mw.addonManager.writeConfig(
        reviewer.package, {"new_numbers_every_show": True, "show_expected_on_question": True, "tolerance_percent": 30}
    )
    reviewer.review(reviewer.card_id(KV))
    reviewer.wait_panel()
    values = reviewer.js("Object.fromEntries([...document.querySelectorAll('[data-cc-param]')].map(e => [e.getAttribute('data-cc-param'), Number(e.value)]))")
    assert values != {"num_layers": 32, "num_kv_heads": 8, "head_dim": 128, "seq_len": 4096, "bytes_per_element": 2}
    assert reviewer.text('#qa .cc-question [data-cc-value="seq_len"]') == f"{int(values['seq_len']):,}"
    reviewer.js("document.querySelector('[data-cc-action=\"reset\"]').click(); true")
    reviewer.wait("document.getElementById('cc-expected').innerText === 'Expected: 536.9 MB'")
    assert reviewer.type_answer("400 MB") == "correct"  # 25% off: within the configured 30%
    assert reviewer.type_answer("300 MB") == "incorrect"


def test_preview_and_card_layout_get_no_panel(reviewer):
    from aqt import gui_hooks

    card = reviewer.col.get_card(reviewer.card_id(KV))
    for kind in ("previewQuestion", "previewAnswer", "clayoutQuestion", "clayoutAnswer"):
        text = card.question() if kind.endswith("Question") else card.answer()
        assert gui_hooks.card_will_show(text, card, kind) == text


@pytest.mark.parametrize("selector", ['[data-cc-param="head_dim"]', '[data-cc-action="reset"]', '[data-cc-action="new"]'])
def test_keys_on_a_focused_choice_or_button_do_not_answer_the_card(reviewer, selector):
    """A select or button of the panel has the focus: digits and space are not review shortcuts."""
    card = reviewer.card_id(KV)
    reviewer.review(card)
    reviewer.wait_panel()
    reviewer.focus(selector)  # the add-on holds the shortcuts back (a pycmd round trip)
    reviewer.press_in_page(Qt.Key.Key_1, Qt.Key.Key_Space, Qt.Key.Key_3, Qt.Key.Key_4)  # all four reached the page
    assert reviewer.state() == "question"
    assert reviewer.mw.reviewer.card.id == card and reviewer.reps(card) == 0


def test_a_real_preview_window_shows_the_card_as_built_without_the_panel(reviewer):
    """Browse > Preview: a real previewer window (not just the hook) shows default values and no panel."""
    import time

    from aqt.browser.previewer import Previewer

    card = reviewer.col.get_card(reviewer.card_id(KV))

    class OneCardPreviewer(Previewer):
        def card(self):
            return card

        def card_changed(self):
            return False

    previewer = OneCardPreviewer(parent=None, mw=reviewer.mw, on_close=lambda: None)
    previewer.open()
    try:
        probe = "(() => { const v = document.querySelector('[data-cc-value=\"seq_len\"]'); " \
                "return v ? [v.textContent, !!document.getElementById('cc-panel')] : null; })()"
        result, deadline = None, time.monotonic() + WAIT_SECONDS
        while result is None and time.monotonic() < deadline:
            box = {}
            previewer._web.evalWithCallback(probe, lambda value: box.setdefault("value", value))
            while "value" not in box and time.monotonic() < deadline:
                reviewer.qtbot.wait(50)
            result = box.get("value")
            if result is None:
                reviewer.qtbot.wait(200)
        assert result == ["4,096", False]
    finally:
        previewer.close()
