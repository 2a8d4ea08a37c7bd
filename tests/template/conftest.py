"""Fixtures for the card template's own live panel: the real build, imported by the real anki package.

- ``built``: ``build.py --out-dir`` once per session (the chapter-19 deck and the add-on, from the working tree).
- ``deck``: a headless collection with that deck imported plus a few broken and hostile Compute
  Cards; ``deck.sides(card)`` is what the real ``anki`` package renders for each side.
- ``phone``: the AnkiDroid-like page server (tests/support/phone_server.py) holding those sides.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from addon.core.card import guid_for
from addon.core.notetype import NOTETYPE_ID, compute_field

ROOT = Path(__file__).resolve().parents[2]
RELEASE_APKG = Path(__file__).resolve().parent / "data" / "release-b006b29.apkg"
SCREENSHOTS = ROOT / "tests" / "artifacts"  # gitignored; README's copies in docs/screenshots/ are chosen from here
KV = "kv-cache-llama-8b"
SPEC = "spec-speedup"
MEDUSA = "medusa"  # a card without a compute block

# Cards a shared deck could carry: the panel must say what is wrong and the card stay reviewable.
EXTRA = {
    "broken": ("<p>Broken block</p>", "param x = 1 in 0..\nanswer = x"),
    "hostile": (
        "<p>Hostile block</p>",
        None,  # the raw field HTML below: markup that would run if read as HTML
    ),
    # placeholders inside math, marked as builder/markup.py marks them (placeholders.math_span)
    "math": (
        '<p>Twice: <span class="cc-math" data-cc-tex="\\(2 \\times {{x}} = {{answer:MB}}\\)">'
        "\\(2 \\times 1.5 = 3\\,\\mathrm{MB}\\)</span> (x = <span class=\"cc-value\" data-cc-value=\"x\">1.5</span>)</p>",
        "param x = 1.5 in 0..10\nanswer = 2 * x * 1e6\nunit: B",
    ),
}
HOSTILE_FIELD = (
    'param x = 1 in 0..10<br><img src="nowhere.png" onerror="window.ccPwned = 1">'
    "<script>window.ccPwned = 2</script><br>answer = x * 2<br>unit: B"
)


@dataclass(frozen=True)
class Built:
    deck: Path
    ankiaddon: Path
    cards: int  # how many cards the build says it built (every one must import as a new note)


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Built:
    work = tmp_path_factory.mktemp("build")
    out = work / "dist"
    content = work / "content"  # a copy: the build records the new look in the copy's cards.lock.json
    shutil.copytree(ROOT / "content", content)
    run = subprocess.run(
        [sys.executable, "build.py", "--content", str(content), "--out-dir", str(out), "--no-cache"],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert run.returncode == 0, f"build.py failed:\n{run.stdout}\n{run.stderr}"
    said = re.search(r"built (\d+) cards in 1 deck", run.stdout + run.stderr)
    assert said, run.stdout + run.stderr
    return Built(deck=out / "ch19-kv-cache.apkg", ankiaddon=out / "compute_cards.ankiaddon", cards=int(said.group(1)))


class Deck:
    def __init__(self, col) -> None:
        self.col = col

    def card(self, name: str):
        if name in EXTRA:
            nid = self.col.db.scalar("select id from notes where guid = ?", "extra-" + name)
        else:
            nid = self.col.db.scalar("select id from notes where guid = ?", guid_for(name))
        assert nid, f"no note for {name}"
        return self.col.get_note(nid).cards()[0]

    def sides(self, name: str) -> tuple[str, str]:
        card = self.card(name)
        return card.question(reload=True), card.answer()


def import_deck(col, path: Path):
    from anki.collection import ImportAnkiPackageRequest

    options = col._backend.get_import_anki_package_presets()
    return col.import_anki_package(ImportAnkiPackageRequest(package_path=str(path), options=options)).log


def add_extra_notes(col) -> None:
    notetype = col.models.get(NOTETYPE_ID)
    for name, (front, source) in EXTRA.items():
        note = col.new_note(notetype)
        note.guid = "extra-" + name
        note["Front"] = front
        note["Back"] = "<p>The back.</p>"
        note["Compute"] = HOSTILE_FIELD if source is None else compute_field(source)
        col.add_note(note, col.decks.id("Extra"))


@pytest.fixture(scope="session")
def deck(built, tmp_path_factory):
    from anki.collection import Collection

    col = Collection(str(tmp_path_factory.mktemp("phone-col") / "collection.anki2"))
    log = import_deck(col, built.deck)
    assert len(log.new) == built.cards
    add_extra_notes(col)
    yield Deck(col)
    col.close()


@pytest.fixture(scope="session")
def phone(deck):
    from tests.support.phone_server import PhoneServer

    server = PhoneServer()
    for name in (KV, SPEC, MEDUSA, *EXTRA):
        server.add(name, *deck.sides(name))
    with server:
        yield server


@pytest.fixture(autouse=True)
def gui_hooks_restored():
    """An add-on installed by a test registers gui_hooks that pytest-anki2 does not remove: restore them
    after each test, as tests/reviewer/conftest.py does, so later tests do not run them twice."""
    if "aqt" not in sys.modules:
        yield
        return
    from aqt import gui_hooks

    saved = {name: list(hook._hooks) for name, hook in vars(gui_hooks).items() if isinstance(getattr(hook, "_hooks", None), list)}
    yield
    for name, hooks in saved.items():
        getattr(gui_hooks, name)._hooks[:] = hooks
