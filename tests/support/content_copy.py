"""An author's working copy of ``content/`` in a temp folder, edited and built with a controlled clock.

Tests never touch the real ``content/`` (deck file and ``cards.lock.json``): ``Author`` copies the
folder, edits the copy as an author would (change a card's text, add a card, delete one), and builds
it with ``builder.pipeline.build(..., now=...)`` so "a newer mtime" does not depend on the wall clock.

    author = Author.copy(tmp_path)
    v1 = author.build(now=T0)                     # v1.apkg, v1.warnings, v1.stamped ...
    author.replace_in_card("gqa", "reduce", "shrink")
    v2 = author.build(now=T0)                     # same second: changed cards still get T0 + 1
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from builder import pipeline, state

REPO = Path(__file__).resolve().parents[2]
CONTENT = REPO / "content"
DECK_FILE = "ch19-kv-cache.md"
APKG_NAME = "ch19-kv-cache.apkg"
# A text-only update as an author makes it: two questions and one answer reworded.
TEXT_EDITS = (  # (card id, old text, new text)
    ("gqa", "Why does GQA (grouped-query attention) reduce KV-cache size?",
     "Why does grouped-query attention (GQA) shrink the KV cache?"),
    ("medusa", "How does Medusa draft tokens without a separate draft model?",
     "How does Medusa draft tokens with no separate draft model?"),
    ("eagle", "EAGLE's one-layer draft predicts", "EAGLE's small one-layer draft predicts"),
)
_HEADING = re.compile(r"^## (\S+)\s*$", re.M)


@dataclass
class Built:
    """One build of the copy: its .apkg, what the state comparison found, and its warnings."""

    result: pipeline.BuildResult
    apkg: Path

    @property
    def stamped(self) -> state.Stamped:
        assert self.result.stamped is not None
        return self.result.stamped

    @property
    def warnings(self) -> list[str]:
        return [d.format() for d in self.result.diagnostics if d.severity == "warning"]

    @property
    def card_ids(self) -> list[str]:
        return [c.card_id for c in self.result.cards]


class Author:
    """A copy of content/ under ``root`` and the builds made from it (``dist-1``, ``dist-2``, ...)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.content = root / "content"
        self.deck = self.content / DECK_FILE
        self.builds = 0

    @classmethod
    def copy(cls, root: Path, *, with_lock: bool = True) -> "Author":
        """Copy content/ (the deck, FORMAT.md, and the committed lock file unless ``with_lock`` is False)."""
        root.mkdir(parents=True, exist_ok=True)
        shutil.copytree(CONTENT, root / "content")
        author = cls(root)
        if not with_lock:
            (author.content / state.STATE_FILE).unlink(missing_ok=True)
        return author

    # -- building --------------------------------------------------------------------------
    def settings(self, out_dir: Path) -> pipeline.Settings:
        return pipeline.Settings(
            content_dir=self.content,
            out_dir=out_dir,
            addon_dir=REPO / "addon",
            manifest_path=REPO / "manifest.json",
        )

    def build(self, now: int) -> Built:
        """Build the copy into a fresh ``dist-<n>`` folder (the lock file in the copy is updated)."""
        self.builds += 1
        out = self.root / f"dist-{self.builds}"
        result = pipeline.build(self.settings(out), now=now)
        apkg = out / APKG_NAME
        assert apkg.is_file(), f"build wrote no {APKG_NAME}: {[p.name for p in out.iterdir()]}"
        return Built(result, apkg)

    def lock(self) -> state.State:
        return state.State.load(self.content / state.STATE_FILE)

    # -- editing the Markdown --------------------------------------------------------------
    def text(self) -> str:
        return self.deck.read_text(encoding="utf-8")

    def card_ids(self) -> list[str]:
        return _HEADING.findall(self.text())

    def _span(self, text: str, card_id: str) -> tuple[int, int]:
        starts = [(m.group(1), m.start()) for m in _HEADING.finditer(text)]
        for n, (cid, start) in enumerate(starts):
            if cid == card_id:
                end = starts[n + 1][1] if n + 1 < len(starts) else len(text)
                return start, end
        raise KeyError(f"no card {card_id!r} in {self.deck}")

    def card_text(self, card_id: str) -> str:
        text = self.text()
        a, b = self._span(text, card_id)
        return text[a:b]

    def replace_in_card(self, card_id: str, old: str, new: str) -> None:
        """Replace ``old`` (must occur exactly once in that card's section) with ``new``."""
        text = self.text()
        a, b = self._span(text, card_id)
        section = text[a:b]
        assert section.count(old) == 1, f"{old!r} occurs {section.count(old)} times in card {card_id!r}"
        self.deck.write_text(text[:a] + section.replace(old, new) + text[b:], encoding="utf-8")

    def append_card(self, markdown: str) -> None:
        """Add a card (``## id`` ... ) at the end of the deck file."""
        text = self.text().rstrip("\n") + "\n\n" + markdown.strip("\n") + "\n"
        self.deck.write_text(text, encoding="utf-8")

    def remove_card(self, card_id: str) -> None:
        """Delete a card's whole section from the deck file."""
        text = self.text()
        a, b = self._span(text, card_id)
        self.deck.write_text(text[:a] + text[b:], encoding="utf-8")
