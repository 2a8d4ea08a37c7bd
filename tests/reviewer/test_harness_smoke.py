"""The desktop harness works against a real Anki: add-on installed from a .ankiaddon runs,
an .apkg imports, the reviewer shows the card, JS reads the DOM, keys reach the page."""

from __future__ import annotations

import sys
import textwrap

from aqt.qt import Qt

from tests.support.anki_desktop import (
    WAIT_SECONDS,
    blur_focus,
    current_card_state,
    eval_js,
    import_apkg,
    install_addon,
    night_mode_in_page,
    note_id_for_guid,
    open_profile,
    press_key,
    review_card,
    screenshot,
    set_night_mode,
    type_text,
    wait_js,
)
from tests.support.packages import make_ankiaddon, make_basic_apkg

PROBE_INIT = textwrap.dedent(
    '''
    """Harness probe: marks every card it sees and records which Anki hooks reached it."""
    from aqt import gui_hooks

    events = []

    def _mark(text, card, kind):
        events.append(("card_will_show", kind))
        return text + '<div id="probe">probe</div>'

    gui_hooks.card_will_show.append(_mark)
    gui_hooks.profile_did_open.append(lambda: events.append(("profile_did_open",)))
    gui_hooks.main_window_did_init.append(lambda: events.append(("main_window_did_init",)))
    '''
)


def _reps(mw, card_id: int) -> int:
    return mw.col.get_card(card_id).reps


def test_addon_deck_reviewer_js_and_keys(anki_session, qtbot, tmp_path):
    mw = anki_session.mw
    addon = make_ankiaddon(
        tmp_path / "harness_probe.ankiaddon",
        "harness_probe",
        {"__init__.py": PROBE_INIT},
        name="Harness probe",
    )
    deck = tmp_path / "harness.apkg"
    built = make_basic_apkg(deck, [("Harness front", "Harness back")], deck_name="Harness")

    # add-on first, then the profile: the order of a real Anki start
    package = install_addon(mw, addon)
    assert package == "harness_probe"
    probe = sys.modules[package]
    assert probe.__file__.startswith(mw.addonManager.addonsFolder(package))
    col = open_profile(mw)
    assert ("profile_did_open",) in probe.events
    assert ("main_window_did_init",) in probe.events

    log = import_apkg(col, deck)
    assert len(log.new) == 1
    note_id = note_id_for_guid(col, built[0].guid)
    card_id = col.get_note(note_id).card_ids()[0]

    review_card(mw, qtbot, card_id)
    assert ("card_will_show", "reviewQuestion") in probe.events
    assert eval_js(mw, qtbot, "document.querySelector('#qa #probe')?.textContent") == "probe"
    assert "Harness front" in eval_js(mw, qtbot, "document.getElementById('qa').innerText")

    # with the focus in an <input> in the card, "1" and space are text, not review shortcuts
    eval_js(
        mw,
        qtbot,
        "document.getElementById('qa').insertAdjacentHTML('beforeend',"
        " '<input id=\"harness-input\" type=\"text\">'); true",
    )
    type_text(mw, qtbot, "#harness-input", "1 ")
    assert wait_js(mw, qtbot, "document.getElementById('harness-input').value") == "1 "
    assert current_card_state(mw) == "question"
    assert mw.reviewer.card.id == card_id and _reps(mw, card_id) == 0
    screenshot(mw, "harness_smoke_question.png")

    # control: the same key events outside the input do drive the reviewer
    blur_focus(mw, qtbot)
    press_key(mw, qtbot, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: current_card_state(mw) == "answer", timeout=int(WAIT_SECONDS * 1000))
    set_night_mode(mw, True)
    assert wait_js(mw, qtbot, "document.body.classList.contains('nightMode')")
    screenshot(mw, "harness_smoke_answer_night.png")
    set_night_mode(mw, False)
    assert not night_mode_in_page(mw, qtbot)
    press_key(mw, qtbot, Qt.Key.Key_1)
    qtbot.waitUntil(lambda: _reps(mw, card_id) == 1, timeout=int(WAIT_SECONDS * 1000))


def test_reinstall_replaces_the_installed_copy(anki_session, tmp_path):
    """Installing v2 over v1 (an add-on update) runs v2's code; Anki keeps user_files/ and sends
    the old folder to the trash, which the suite keeps in a temp XDG_DATA_HOME, not in $HOME."""
    import os

    import send2trash.plat_other as trash

    mw = anki_session.mw
    v1 = make_ankiaddon(
        tmp_path / "v1.ankiaddon",
        "harness_update",
        {"__init__.py": "VERSION = 1\n", "user_files/keep.txt": "mine"},
    )
    v2 = make_ankiaddon(tmp_path / "v2.ankiaddon", "harness_update", {"__init__.py": "VERSION = 2\n"})
    assert install_addon(mw, v1) == "harness_update"
    assert sys.modules["harness_update"].VERSION == 1
    open_profile(mw)
    assert install_addon(mw, v2) == "harness_update"
    assert sys.modules["harness_update"].VERSION == 2
    folder = mw.addonManager.addonsFolder("harness_update")
    with open(os.path.join(folder, "user_files", "keep.txt")) as f:
        assert f.read() == "mine"
    assert trash.HOMETRASH.startswith(os.environ["XDG_DATA_HOME"])
    assert "harness_update" in os.listdir(os.path.join(trash.HOMETRASH, "files"))
