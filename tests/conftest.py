"""Suite-wide test setup.

Runs at import time, before any test starts Qt:
- Chromium (Qt WebEngine) refuses to run as root with its sandbox on; the test process then
  dies silently right after collection. Turn the sandbox off for the test run.
- pytest-xvfb (installed with the test deps) starts one Xvfb in pytest_configure and points
  DISPLAY at it, also when the caller already has a DISPLAY, so no window reaches a real
  screen; it restores DISPLAY and stops Xvfb at exit.

Fixtures exported here: ``sync_server`` (tests/support/sync_server.py).
Tests using ``anki_session`` are marked ``anki``; tests using ``sync_server`` are marked ``sync``.
"""

from __future__ import annotations

import os

_flags = os.environ.get("QTWEBENGINE_CHROMIUM_FLAGS", "")
if "--no-sandbox" not in _flags.split():
    os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] = (_flags + " --no-sandbox").strip()
os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")

import pytest  # noqa: E402

from tests.support.sync_server import sync_server  # noqa: E402,F401  (fixture export)

_HEADLESS_QPA = {"offscreen", "minimal", "vnc"}


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
