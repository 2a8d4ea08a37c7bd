"""Figures for the add-on in a real Anki (not a test): keystroke -> verdict latency, panel render, import time.

Run: .venv/bin/python bench/addon_latency.py   (starts a real Anki under Xvfb through pytest-anki2)

- keystroke -> verdict: a real Qt key event on #cc-answer until #cc-verdict shows the verdict for
  the new text (page clock: keydown to the verdict's DOM update, through pycmd and the core);
  200 keystrokes alternating "B" and Backspace on "536 M" / "536 MB".
- panel render per card: the reviewer shows the question (Python card_will_show + page update)
  until the panel is built and its first evaluate has updated the placeholders; and the Python
  side alone (card_will_show for the kv-cache-llama-8b card).
- import time: importing the installed package inside the running Anki (hooks registered), and
  importing it outside Anki (what the build pays: nothing but the package's __init__).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if __name__ == "__main__":
    import pytest

    os.chdir(ROOT)
    code = pytest.main([__file__, "-q", "-s", "-p", "no:cacheprovider", "-o", "addopts="])
    # Qt's teardown at interpreter exit can break the X11 connection and turn a passed run into
    # exit status 1; the figures are printed and the test's outcome is known: exit with it now.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(int(code))

os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] = (os.environ.get("QTWEBENGINE_CHROMIUM_FLAGS", "") + " --no-sandbox").strip()
sys.path.insert(0, str(ROOT))
# Imported now, before the test starts Anki: the repo's ``addon`` package comes with them, and
# imported inside a running Anki it would set itself up as a second add-on named "addon" (its
# card_will_show running on every card next to the installed one's, its web files not found).
from tests.reviewer.reviewing import start  # noqa: E402
from tests.support.anki_desktop import focus_element  # noqa: E402

KEYSTROKES = 200
RENDERS = 30
IMPORTS = 20


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _line(name: str, values: list[float], unit: str = "ms") -> str:
    return f"{name:<44} median {statistics.median(values):8.2f} {unit}   p95 {_p(values, 0.95):8.2f} {unit}   (n={len(values)})"


def test_figures(anki_session, qtbot, tmp_path):
    from aqt import gui_hooks
    from aqt.qt import Qt

    out = tmp_path / "dist"
    subprocess.run([sys.executable, "build.py", "--out-dir", str(out), "-q"], cwd=ROOT, check=True)
    mw = anki_session.mw
    reviewer = start(mw, qtbot, out / "compute_cards.ankiaddon", next(out.glob("*kv-cache*.apkg")))
    card = reviewer.card_id("kv-cache-llama-8b")
    reviewer.review(card)
    reviewer.wait_panel()

    # keystroke -> verdict, timed in the page
    reviewer.type_answer("536 M")
    reviewer.js(
        "(() => { const v = document.getElementById('cc-verdict'); window.ccLat = []; let t0 = 0;"
        " document.getElementById('cc-answer').addEventListener('keydown', () => { t0 = performance.now(); }, true);"
        " new MutationObserver(() => { if (t0) { window.ccLat.push(performance.now() - t0); t0 = 0; } })"
        ".observe(v, {attributes: true, attributeFilter: ['data-cc-text']}); return true; })()"
    )
    focus_element(mw, qtbot, "#cc-answer")
    target = mw.web.focusProxy()
    for i in range(KEYSTROKES):
        expected = "536 MB" if i % 2 == 0 else "536 M"
        qtbot.keyClick(target, "B" if i % 2 == 0 else Qt.Key.Key_Backspace)
        reviewer.wait(f"document.getElementById('cc-verdict').getAttribute('data-cc-text') === '{expected}'")
    latencies = reviewer.js("window.ccLat")

    # panel render per card: show the question again and wait for the built, evaluated panel
    renders = []
    for _ in range(RENDERS):
        reviewer.js("window.ccT0 = 0; true")
        start_ms = time.time() * 1000
        mw.reviewer._showQuestion()
        done = reviewer.wait(
            "(() => { const p = document.querySelector('#cc-panel[data-cc-mounted]'); const s = document.querySelector('#qa [data-cc-value=\"seq_len\"]');"
            " return p && p.getAttribute('data-state') === 'ready' && s ? Date.now() : 0; })()"
        )
        renders.append(done - start_ms)

    addon = next(h.__self__ for h in gui_hooks.card_will_show._hooks if type(getattr(h, "__self__", None)).__name__ == "ComputeCardsAddon")
    question = mw.reviewer.card.question()
    python_side = []
    for _ in range(RENDERS):
        t = time.perf_counter()
        addon.on_card_will_show(question, mw.reviewer.card, "reviewQuestion")
        python_side.append((time.perf_counter() - t) * 1000)

    # import time inside Anki (hooks snapshotted and restored around each import)
    package = reviewer.package
    inside = []
    for _ in range(IMPORTS):
        saved = {n: list(h._hooks) for n, h in vars(gui_hooks).items() if isinstance(getattr(h, "_hooks", None), list)}
        for name in [m for m in sys.modules if m == package or m.startswith(package + ".")]:
            del sys.modules[name]
        t = time.perf_counter()
        __import__(package)
        inside.append((time.perf_counter() - t) * 1000)
        for n, hooks in saved.items():
            getattr(gui_hooks, n)._hooks[:] = hooks
    outside = []
    for _ in range(5):
        run = subprocess.run(
            [sys.executable, "-c", "import time; t = time.perf_counter(); import addon; print((time.perf_counter() - t) * 1000)"],
            cwd=ROOT, capture_output=True, text=True, check=True,
        )
        outside.append(float(run.stdout))

    print()
    print("Compute Cards add-on figures (real Anki %s, Xvfb)" % __import__("aqt").appVersion)
    print(_line("keystroke -> verdict in the web view", latencies))
    print(_line("panel render per card (show question -> ready)", renders))
    print(_line("  of which Python card_will_show", python_side))
    print(_line("add-on import inside Anki (cold modules)", inside))
    print(_line("package import outside Anki (build)", outside))
    import getpass

    from anki.utils import checksum
    from aqt import AnkiApp
    from aqt.qt import QLocalServer

    if AnkiApp.KEY != f"anki{checksum(getpass.getuser())}":  # pytest-anki2's random key, never a real Anki's
        QLocalServer.removeServer(AnkiApp.KEY)  # else its single-instance socket stays in /tmp
    assert len(latencies) == KEYSTROKES
