"""Suite-wide test setup.

Runs at import time, before any test starts Qt:
- Chromium (Qt WebEngine) refuses to run as root with its sandbox on; the test process then
  dies silently right after collection. Turn the sandbox off for the test run.
- pytest-xvfb (installed with the test deps) starts one Xvfb in pytest_configure and points
  DISPLAY at it, also when the caller already has a DISPLAY, so no window reaches a real
  screen (--no-xvfb turns it off). Its own atexit stop is replaced by a watcher that stops Xvfb
  only after this process has exited (tests/support/qt_exit.py): otherwise Qt's shutdown
  hits a dead X server and the run exits 1 although every test passed.
- When a real Anki ran, the process ends with os._exit(<pytest exit code>) at the very end of
  pytest_unconfigure: Qt's own teardown segfaults after several Anki sessions in one process
  (tests/support/qt_exit.py; ANKI_TESTS_SOFT_EXIT=1 disables this).

- XDG_DATA_HOME points at a per-run temp dir (removed at the end): the trash Anki moves a
  replaced add-on into, and QtWebEngine's data, stay out of $HOME.
- Each Anki session of pytest-anki2 listens on a single-instance socket of its own (/tmp/anki<hash>)
  that nothing removes; the run removes those of its sessions at the end (about 60 a run).

Fixtures exported here: ``sync_server`` (tests/support/sync_server.py).
Tests using ``anki_session`` are marked ``anki``; tests using ``sync_server`` are marked ``sync``.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile

_flags = os.environ.get("QTWEBENGINE_CHROMIUM_FLAGS", "")
if "--no-sandbox" not in _flags.split():
    os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] = (_flags + " --no-sandbox").strip()
os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
# Per-run XDG data dir: re-installing an add-on makes Anki send the old copy to the user's trash
# ($XDG_DATA_HOME/Trash via send2trash), and QtWebEngine keeps data there; keep both out of $HOME.
_XDG_DATA_HOME = tempfile.mkdtemp(prefix="compute-cards-tests-xdg-")
os.environ["XDG_DATA_HOME"] = _XDG_DATA_HOME
_trash_mod = sys.modules.get("send2trash.plat_other")  # imported with aqt by pytest-anki already
if _trash_mod is not None and hasattr(_trash_mod, "HOMETRASH_B"):
    _trash_mod.XDG_DATA_HOME = os.fsencode(_XDG_DATA_HOME)
    _trash_mod.HOMETRASH_B = os.path.join(_trash_mod.XDG_DATA_HOME, b"Trash")
    _trash_mod.HOMETRASH = os.fsdecode(_trash_mod.HOMETRASH_B)

import pytest  # noqa: E402

from tests.support.sync_server import sync_server  # noqa: E402,F401  (fixture export)
from tests.support.qt_exit import defer_xvfb_shutdown, hard_exit_after_qt  # noqa: E402

_HEADLESS_QPA = {"offscreen", "minimal", "vnc"}


@pytest.hookimpl(trylast=True)  # after pytest-xvfb's pytest_configure has started Xvfb
def pytest_configure(config: pytest.Config) -> None:
    # Qt still talks to X while the interpreter shuts down; if Xvfb is stopped first (pytest-xvfb
    # does it at atexit) Xlib calls exit(1) and a green run exits 1. See tests/support/qt_exit.py.
    defer_xvfb_shutdown()


_session: list[pytest.Session] = []


def pytest_sessionstart(session: pytest.Session) -> None:
    _session[:] = [session]


_anki_keys: set[str] = set()  # the single-instance socket names of the Anki sessions of this run


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item):  # type: ignore[no-untyped-def]
    if item.get_closest_marker("anki") is not None:
        import aqt  # a session is open: pytest-anki2 gave AnkiApp a key of its own (a random one)

        _anki_keys.add(aqt.AnkiApp.KEY)
    yield


def _remove_anki_sockets() -> None:
    if not _anki_keys:
        return
    import getpass

    from anki.utils import checksum
    from aqt.qt import QLocalServer

    for key in _anki_keys - {f"anki{checksum(getpass.getuser())}"}:  # never a real Anki's own
        QLocalServer.removeServer(key)


@pytest.hookimpl(trylast=True)  # the very last thing pytest does; results are all written
def pytest_unconfigure(config: pytest.Config) -> None:
    # Qt's teardown at interpreter exit segfaults after several Anki sessions in one process
    # (exit 139 on a green run); end the process with pytest's own exit code instead.
    shutil.rmtree(_XDG_DATA_HOME, ignore_errors=True)
    _remove_anki_sockets()
    if _session:
        hard_exit_after_qt(_session[0].exitstatus, config)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        names = getattr(item, "fixturenames", ())
        if "anki_session" in names or "anki_session_module" in names:
            item.add_marker(pytest.mark.anki)
        if "sync_server" in names:
            item.add_marker(pytest.mark.sync)


def pytest_runtest_setup(item: pytest.Item) -> None:
    # Without a display Qt aborts the whole process (no report at all); fail the test instead.
    if item.get_closest_marker("anki") is None:
        return
    if os.environ.get("DISPLAY") or os.environ.get("QT_QPA_PLATFORM", "") in _HEADLESS_QPA:
        return
    pytest.fail(
        "no X display for the real Anki desktop: install Xvfb (scripts/system-deps.sh) and do not "
        "pass --no-xvfb, or set QT_QPA_PLATFORM=offscreen",
        pytrace=False,
    )
