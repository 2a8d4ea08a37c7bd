"""A clean process exit after a real Anki (Qt) ran in the test process.

1. Keep pytest-xvfb's Xvfb alive until the test process has really exited. Why: pytest-xvfb stops Xvfb in an atexit handler, but Qt (Anki's QApplication and QtWebEngine)
is torn down later, during interpreter finalization, and still talks to the X server then. With
Xvfb already gone, Xlib prints "The X11 connection broke: I/O error" / "XIO: fatal IO error" and
calls exit(1): every run would exit 1 even when all tests passed (pytest-xvfb issue #33,
pytest-qt issue #490). Fix: drop pytest-xvfb's atexit stop and hand the Xvfb pid to a tiny
detached watcher that terminates Xvfb once this process is gone (or a zombie).

2. Skip Qt's teardown at interpreter exit. After more than one ``anki_session`` in one process
(pytest-anki2 starts a fresh main window per test in the same process; pytest-forked is not
installed) the interpreter's final destruction of the leftover Qt/WebEngine objects segfaults
(exit 139, "Fatal Python error: Segmentation fault", no Python frame) although every test
passed. All results are written by then, so the process ends with os._exit(pytest's exit code)
after running the atexit handlers. Set ANKI_TESTS_SOFT_EXIT=1 to turn this off.
"""

from __future__ import annotations

import atexit
import os
import subprocess
import sys

_WATCHER = r"""
import os, signal, sys, time
parent, xvfb = int(sys.argv[1]), int(sys.argv[2])

def running(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        return state not in ("Z", "X")
    except OSError:
        return False

while running(parent):
    time.sleep(0.2)
try:
    os.kill(xvfb, signal.SIGTERM)
    for _ in range(50):
        if not running(xvfb):
            break
        time.sleep(0.1)
    else:
        os.kill(xvfb, signal.SIGKILL)
except ProcessLookupError:
    pass
"""


def defer_xvfb_shutdown() -> bool:
    """If pytest-xvfb started an Xvfb, replace its atexit stop by a watcher that kills Xvfb after this process exits; returns True when done."""
    if not sys.platform.startswith("linux") or not os.path.isdir("/proc"):
        return False
    try:
        import pytest_xvfb
    except ImportError:
        return False
    instance = pytest_xvfb.xvfb_instance
    display = getattr(instance, "_virtual_display", None)
    pid = getattr(display, "pid", None) if display is not None else None
    if not pid:
        return False
    subprocess.Popen(
        [sys.executable, "-c", _WATCHER, str(os.getpid()), str(pid)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # survives our exit and Ctrl+C to our process group
        close_fds=True,
    )
    atexit.unregister(pytest_xvfb.shutdown_xvfb)
    return True


def hard_exit_after_qt(exitstatus: int, config=None) -> None:
    """If this process started a QApplication (a real Anki ran): save coverage data if coverage.py is measuring, flush logs and streams, then os._exit(exitstatus), skipping atexit handlers (PyQt's own one is what segfaults) and the interpreter's Qt teardown."""
    if os.environ.get("ANKI_TESTS_SOFT_EXIT"):
        return
    widgets = sys.modules.get("PyQt6.QtWidgets")
    if widgets is None or widgets.QApplication.instance() is None:
        return
    try:  # `coverage run -m pytest` saves its data in an atexit handler we are about to skip
        import coverage

        current = coverage.Coverage.current()
        if current is not None:
            current.stop()
            current.save()
    except Exception:
        pass
    try:  # pytest removes its tmp_path lock in an atexit handler; without it old dirs linger 3 days
        basetemp = config._tmp_path_factory._basetemp if config is not None else None
        if basetemp is not None:
            (basetemp / ".lock").unlink(missing_ok=True)
    except Exception:
        pass
    import logging

    logging.shutdown()
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            stream.flush()
        except Exception:
            pass
    os._exit(int(exitstatus))
