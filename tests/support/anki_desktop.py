"""Drive a REAL Anki desktop (aqt 26.9 main window under Xvfb) from tests.

Built on pytest-anki2's ``anki_session`` fixture (``mw = anki_session.mw``) and pytest-qt's
``qtbot``. Typical reviewer test::

    def test_x(anki_session, qtbot, tmp_path):
        mw = anki_session.mw
        package = install_addon(mw, ANKIADDON)        # before the profile opens, as at Anki start
        mod = sys.modules[package]                     # the INSTALLED add-on package
        col = open_profile(mw)                         # profile_did_open + main_window_did_init fire
        import_apkg(col, deck_apkg)
        review_card(mw, qtbot, card_id)
        assert eval_js(mw, qtbot, "document.querySelector('#qa').innerText") == ...

Facts read from aqt 26.9.3 (site-packages/aqt) and pytest_anki 2.2.0:
- pytest-anki replaces ``AnkiQt.__init__``: it creates the AddonManager and loads add-ons given
  as ``packed_addons`` but does NOT schedule the profile load nor fire
  ``gui_hooks.main_window_did_init`` (real Anki does both 10 ms after start, in that order);
  ``open_profile`` does it. It also never sets ``mw.fullscreen`` (reviewer code reads it).
- ``AddonManager.install(path)`` extracts the zip into ``addons21/<manifest package>`` and
  writes meta.json; ``loadAddons`` then runs ``__import__(dir_name)`` for each enabled,
  compatible add-on (the add-ons folder is on sys.path).
- The reviewer shares the main web view: ``mw.reviewer.web is mw.web``.
- Night mode: ``mw.pm.set_theme(Theme)`` stores the preference, ``theme_manager.apply_style()``
  applies it and fires ``gui_hooks.theme_did_change``; every AnkiWebView then toggles
  ``night-mode`` on <html> and ``nightMode night_mode`` on <body> in place.
"""

from __future__ import annotations

import importlib
import itertools
import json
import sys
import time
import zipfile
from pathlib import Path
from typing import Any, Optional, Union

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"  # tests/artifacts (gitignored)


# -- add-ons ------------------------------------------------------------------------------


def install_addon(mw, ankiaddon_path: Union[str, Path]) -> str:
    """Install a .ankiaddon through mw.addonManager.install (Tools > Add-ons > Install from file), import the INSTALLED package as Anki's loadAddons does, and return its folder name.

    Call it before open_profile() to get Anki's start-up order (add-ons load, then the profile
    opens); installed later, the add-on misses profile_did_open/main_window_did_init, as a real
    install-then-no-restart would. Installing over an earlier version re-imports the new code,
    but hooks the old module registered stay registered (real Anki needs a restart there too).
    """
    path = Path(ankiaddon_path)
    with zipfile.ZipFile(path) as zf:
        manifest = json.loads(zf.read("manifest.json"))
    package = manifest["package"]

    from aqt.addons import InstallError

    manager = mw.addonManager
    result = manager.install(str(path))
    if isinstance(result, InstallError):
        raise AssertionError(f"Anki refused to install {path.name}: {result.errmsg}")
    meta = manager.addon_meta(package)
    if not meta.enabled:
        raise AssertionError(f"add-on {package} installed but disabled")
    if not meta.compatible():
        raise AssertionError(
            f"add-on {package} installed but marked incompatible with this Anki "
            f"(min/max point version {meta.min_version}/{meta.max_version})"
        )

    folder = Path(manager.addonsFolder(package)).resolve()
    addons_root = str(Path(manager.addonsFolder()))
    if addons_root not in sys.path:  # AddonManager.__init__ puts it there; keep it first
        sys.path.insert(0, addons_root)
    for name in list(sys.modules):  # a stale copy from an earlier session must not be reused
        if name == package or name.startswith(package + "."):
            del sys.modules[name]
    importlib.invalidate_caches()  # the folder is new: refresh the path finders' listings

    module = __import__(package)  # exactly what AddonManager.loadAddons does
    origin = Path(getattr(module, "__file__", "") or "").resolve()
    if folder not in origin.parents:
        raise AssertionError(
            f"imported {package} from {origin}, not from the installed copy in {folder}"
        )
    return package


def open_profile(mw):
    """Open the (single) profile the way Anki does right after start (mw.setupProfile, then gui_hooks.main_window_did_init) and return mw.col."""
    from aqt import gui_hooks

    if mw.col is None:
        if not hasattr(mw, "fullscreen"):
            mw.fullscreen = False
        mw.setupProfile()
        if mw.col is None:
            raise AssertionError("profile did not open (no collection)")
        gui_hooks.main_window_did_init()
    return mw.col


# -- decks --------------------------------------------------------------------------------


def import_apkg(col, path: Union[str, Path], **options: Any):
    """Import an .apkg with the current backend importer, using the import dialog's defaults (col presets) overridden by ``options`` (ImportAnkiPackageOptions fields); returns the ImportResponse.Log (new/updated/duplicate/conflicting... notes)."""
    from anki.import_export_pb2 import ImportAnkiPackageOptions, ImportAnkiPackageRequest  # 23.10+ (anki.collection re-exports them from 24.x)

    opts = ImportAnkiPackageOptions()
    opts.CopyFrom(col._backend.get_import_anki_package_presets())
    for key, value in options.items():
        setattr(opts, key, value)
    result = col.import_anki_package(
        ImportAnkiPackageRequest(package_path=str(path), options=opts)
    )
    return result.log


def note_id_for_guid(col, guid: str) -> int:
    """The id of the note with this GUID (raises if none); exact match, no search-syntax escaping."""
    nid = col.db.scalar("select id from notes where guid = ?", guid)
    if nid is None:
        raise LookupError(f"no note with guid {guid!r}")
    return nid


# -- reviewer -----------------------------------------------------------------------------


# How long a wait may take before the test fails. Every wait ends as soon as its condition holds, so
# this bounds only a failure: generous, so a machine whose cores are both busy (CI on a shared host,
# the 5-runs-under-load check, scripts/test-under-load.sh) is not mistaken for a broken add-on.
WAIT_SECONDS = 20.0


def eval_js(mw, qtbot, js: str, timeout: float = WAIT_SECONDS) -> Any:
    """Run ``js`` in mw.web (evalWithCallback) and return its value (JSON-able values only; promises are not awaited); raises TimeoutError. Never call it from inside qtbot.waitUntil."""
    box: dict[str, Any] = {}
    mw.web.evalWithCallback(js, lambda value: box.setdefault("value", value))
    deadline = time.monotonic() + timeout
    while "value" not in box:
        if time.monotonic() > deadline:
            raise TimeoutError(f"no JS result within {timeout}s for: {js[:200]}")
        qtbot.wait(50)
    return box["value"]


def wait_js(mw, qtbot, js: str, timeout: float = WAIT_SECONDS, interval_ms: int = 100) -> Any:
    """Evaluate ``js`` repeatedly until it returns a truthy value and return that value; raises TimeoutError with the last value."""
    deadline = time.monotonic() + timeout
    value: Any = None
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"JS stayed falsy ({value!r}) for {timeout}s: {js[:200]}")
        value = eval_js(mw, qtbot, js, timeout=max(remaining, 0.5))
        if value:
            return value
        qtbot.wait(interval_ms)


_settle_tokens = itertools.count(1)
OVERVIEW_PAGE = "!!document.querySelector('link[href*=\"css/overview.css\"]')"
REVIEWER_PAGE = "typeof _showQuestion === 'function' && !!document.getElementById('qa')"


def web_idle(web) -> bool:
    """AnkiWebView has no queued work: its last page said domDone and no eval()/setHtml waits for one."""
    return bool(getattr(web, "_domDone", True)) and not getattr(web, "_pendingActions", None)


def wait_page_settled(mw, qtbot, page_js: str = "true", timeout: float = 15) -> None:
    """Wait until mw.web shows a loaded page for which ``page_js`` is true AND Anki has processed that page's own domDone.

    Why: AnkiWebView queues eval() calls (the reviewer's ``_showQuestion(...)``) until a page says
    domDone, and any page's domDone flushes the queue. Change state while the previous page is
    still loading, and its late domDone runs the reviewer's ``_showQuestion`` on a page that has not
    loaded reviewer.js yet ("ReferenceError: _showQuestion is not defined") and the card is never
    shown. The page sends domDone over Qt's web channel once ``pycmd`` exists; a ``pycmd`` we send
    afterwards travels the same ordered channel, so its arrival proves the domDone was handled.
    """
    from aqt import gui_hooks

    token = f"harness:settled:{next(_settle_tokens)}"
    arrived: list[bool] = []

    def on_message(handled, message, context):
        if message == token:
            arrived.append(True)
            return True, None
        return handled

    probe = (
        "(() => { if (typeof pycmd === 'function' && document.readyState === 'complete' && ("
        + page_js
        + ")) pycmd("
        + json.dumps(token)
        + "); })()"
    )
    gui_hooks.webview_did_receive_js_message.append(on_message)
    try:
        deadline = time.monotonic() + timeout
        while not (arrived and web_idle(mw.web)):
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"mw.web did not settle on a loaded page ({page_js[:80]}) within {timeout}s "
                    f"(mw.state={mw.state!r}, idle={web_idle(mw.web)})"
                )
            if not arrived and web_idle(mw.web):
                mw.web.page().runJavaScript(probe)
            qtbot.wait(50)
    finally:
        gui_hooks.webview_did_receive_js_message.remove(on_message)


def review_card(mw, qtbot, card_id: int, timeout: float = 15) -> None:
    """Show card ``card_id`` in the real reviewer: suspends every other card, selects its deck, goes deck overview -> review (each page loaded before the next state) and returns once the reviewer shows that card with #qa filled."""
    col = mw.col
    if col is None:
        raise AssertionError("no collection: call open_profile(mw) first")
    if not hasattr(mw, "fullscreen"):
        mw.fullscreen = False
    from anki.consts import QUEUE_TYPE_DAY_LEARN_RELEARN, QUEUE_TYPE_REV

    card = col.get_card(card_id)
    others = col.db.list("select id from cards where id != ? and queue >= 0", card_id)
    if others:
        col.sched.suspend_cards(others)
    if card.queue < 0:  # suspended or buried
        col.sched.unsuspend_cards([card_id])
        col.sched.unbury_cards([card_id])
        card = col.get_card(card_id)
    if card.queue in (QUEUE_TYPE_REV, QUEUE_TYPE_DAY_LEARN_RELEARN):
        col.sched.set_due_date([card_id], "0")  # due today, else the queue would be empty
    col.decks.select(card.odid or card.did)

    wait_page_settled(mw, qtbot, timeout=timeout)  # whatever page is up (deck browser, a previous card)
    mw.moveToState("overview")
    wait_page_settled(mw, qtbot, OVERVIEW_PAGE, timeout=timeout)
    mw.moveToState("review")
    wait_page_settled(mw, qtbot, REVIEWER_PAGE, timeout=timeout)

    deadline = time.monotonic() + timeout
    shown = None
    while time.monotonic() < deadline:
        current = mw.reviewer.card
        shown = current.id if current is not None else None
        if mw.state == "review" and shown == card_id:
            filled = eval_js(
                mw,
                qtbot,
                "(() => { const qa = document.getElementById('qa');"
                " return !!qa && qa.innerHTML.trim().length > 0; })()",
                timeout=max(deadline - time.monotonic(), 0.5),
            )
            if filled:
                return
        qtbot.wait(50)
    raise TimeoutError(
        f"reviewer did not show card {card_id} with content within {timeout}s "
        f"(mw.state={mw.state!r}, reviewer card={shown})"
    )


# -- keyboard -----------------------------------------------------------------------------


def focus_element(mw, qtbot, selector: str) -> None:
    """Give the main web view keyboard focus and focus the element matching ``selector`` in JS; raises if the element is missing or did not take focus."""
    mw.activateWindow()
    mw.web.setFocus()
    ok = eval_js(
        mw,
        qtbot,
        f"(() => {{ const el = document.querySelector({json.dumps(selector)});"
        " if (!el) return 'missing'; el.focus(); return document.activeElement === el; })()",
    )
    if ok is not True:
        raise AssertionError(f"could not focus {selector!r}: {ok}")


def blur_focus(mw, qtbot) -> None:
    """Take the page focus off any element (document.activeElement.blur()) while mw.web keeps keyboard focus, so keys go to Anki's shortcuts."""
    mw.activateWindow()
    mw.web.setFocus()
    eval_js(mw, qtbot, "document.activeElement && document.activeElement.blur(); true")


def type_text(mw, qtbot, selector: str, text: str) -> None:
    """Type ``text`` into the element matching ``selector`` with real Qt key events (focus first, then qtbot.keyClicks on mw.web.focusProxy()).

    The renderer handles key events asynchronously: wait for what they do (wait_js on the value,
    wait_page_keydowns), never for a fixed time.
    """
    focus_element(mw, qtbot, selector)
    qtbot.keyClicks(_key_target(mw), text)


def press_key(mw, qtbot, key, modifier=None) -> None:
    """Press one key (a Qt.Key or a one-character str) as a real key event on the main web view, wherever the page's focus currently is; wait for its effect afterwards (see type_text)."""
    from aqt.qt import Qt

    if modifier is None:
        modifier = Qt.KeyboardModifier.NoModifier
    mw.activateWindow()
    mw.web.setFocus()
    qtbot.keyClick(_key_target(mw), key, modifier)


_KEYDOWNS = (
    "(() => { if (!window.__harnessKeydowns) { window.__harnessKeydowns = {n: 0};"
    " document.addEventListener('keydown', e => {"
    " if (!['Control', 'Shift', 'Alt', 'Meta'].includes(e.key)) window.__harnessKeydowns.n++; }, true); }"
    " return window.__harnessKeydowns.n; })()"
)


def page_keydowns(mw, qtbot) -> int:
    """How many keydown events (modifier keys alone not counted) the page in mw.web has seen since this was first asked on that page.

    A key that one of Anki's shortcuts takes never reaches the page; a key that reaches the page was
    not taken by a shortcut. Waiting for the count is how a test knows its keys were handled.
    """
    return int(eval_js(mw, qtbot, _KEYDOWNS))


def wait_page_keydowns(mw, qtbot, count: int, timeout: float = WAIT_SECONDS) -> int:
    """Wait until the page has seen at least ``count`` keydowns (page_keydowns); raises TimeoutError (a shortcut took a key, or it never arrived)."""
    deadline = time.monotonic() + timeout
    seen = page_keydowns(mw, qtbot)
    while seen < count:
        if time.monotonic() > deadline:
            raise TimeoutError(f"the page saw {seen} of {count} keydowns within {timeout}s (taken by an Anki shortcut?)")
        qtbot.wait(20)
        seen = page_keydowns(mw, qtbot)
    return seen


def shortcuts_enabled(mw) -> Optional[bool]:
    """True when all of the current state's key shortcuts (space, 1-4, ...) are on, False when all are off, None when mixed or none."""
    shortcuts = getattr(mw, "stateShortcuts", None) or []
    states = {s.isEnabled() for s in shortcuts}
    return states.pop() if len(states) == 1 else None


def _key_target(mw):
    target = mw.web.focusProxy()
    if target is None:
        raise AssertionError("mw.web has no focus proxy yet (page not loaded?)")
    return target


# -- appearance ---------------------------------------------------------------------------


def screenshot(mw, path: Union[str, Path]) -> Path:
    """Save a PNG of mw.web as rendered by Anki's Chromium; a bare file name goes to tests/artifacts/. Returns the path."""
    path = Path(path)
    if not path.is_absolute() and path.parent == Path("."):
        path = ARTIFACTS / path
    path.parent.mkdir(parents=True, exist_ok=True)
    if not mw.web.grab().save(str(path)):
        raise AssertionError(f"could not save screenshot to {path}")
    return path


def set_night_mode(mw, on: bool) -> bool:
    """Switch Anki's theme to Dark (on) or Light like Preferences > Theme does (pm.set_theme + theme_manager.apply_style); returns theme_manager.night_mode."""
    from aqt.theme import Theme, theme_manager

    # mw.set_theme() does the same but also starts one more periodic re-check timer per call.
    mw.pm.set_theme(Theme.DARK if on else Theme.LIGHT)
    theme_manager.apply_style()
    return theme_manager.night_mode


def night_mode_in_page(mw, qtbot) -> bool:
    """True when the page in mw.web carries Anki's night-mode classes (<body class~=nightMode>)."""
    return bool(eval_js(mw, qtbot, "document.body.classList.contains('nightMode')"))


def current_card_state(mw) -> Optional[str]:
    """The reviewer's state ('question' / 'answer' / 'transition') when reviewing, else None."""
    return mw.reviewer.state if mw.state == "review" else None
