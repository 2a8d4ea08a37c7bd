"""Fixtures for the reviewer tests: the real build (deck + .ankiaddon) and a real Anki reviewing it.

- ``built``: runs ``build.py --out-dir`` once per session into a temp folder (the real chapter-19
  deck and the real add-on package, built from the working tree). With ``COMPUTE_CARDS_DIST`` set
  it takes that folder instead: ``make test-compat`` builds once with the pinned current Anki and
  runs this suite in older Ankis' environments, where build.py's dependencies are not installed.
- ``gui_hooks_restored`` (autouse): pytest-anki2 restores only ``profile_did_open`` after a test;
  hooks an add-on registered in an earlier test (card_will_show, webview_did_receive_js_message,
  ...) would stay and run twice. Each test here gets the gui_hooks it started with.
- ``compute_reviewer``: the .ankiaddon installed with AddonManager.install, the profile open, the
  deck imported; returns a ComputeReviewer to reach cards and read the panel.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Built:
    deck: Path
    ankiaddon: Path


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Built:
    prebuilt = os.environ.get("COMPUTE_CARDS_DIST")
    if prebuilt:
        out = Path(prebuilt)
    else:
        out = tmp_path_factory.mktemp("build") / "dist"
        run = subprocess.run(
            [sys.executable, "build.py", "--out-dir", str(out), "-q"], cwd=ROOT, capture_output=True, text=True
        )
        assert run.returncode == 0, f"build.py failed:\n{run.stdout}\n{run.stderr}"
    decks = sorted(out.glob("*.apkg"))
    assert decks, f"build.py wrote no .apkg into {out}"
    return Built(deck=next((d for d in decks if "kv-cache" in d.name), decks[0]), ankiaddon=out / "compute_cards.ankiaddon")


@pytest.fixture(autouse=True)
def gui_hooks_restored():
    from aqt import gui_hooks

    saved = {name: list(hook._hooks) for name, hook in vars(gui_hooks).items() if isinstance(getattr(hook, "_hooks", None), list)}
    yield
    for name, hooks in saved.items():
        getattr(gui_hooks, name)._hooks[:] = hooks
