"""Cards as Anki renders them, for ``build.py preview``: the build's note type in a throw-away collection."""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from addon.core.card import Card

from . import package


@dataclass(frozen=True)
class Side:
    html: str  # the side's HTML as Anki's reviewer puts it on the page (media names percent-encoded)
    css: str  # the note type's CSS
    media: frozenset[str]  # the files it may load from the content folder


class AnkiCards:
    """The note type of the build (``package._add_notetype``: its templates and CSS, byte for byte) in
    a throw-away collection of the official ``anki`` package; a card is rendered from its field values
    as an uncommitted note (``Note.ephemeral_card``, what Anki's card layout screen does), never stored.

    The collection lives in a fresh folder of the system's temporary folder (in memory at /dev/shm
    where there is one, as the build's), removed by ``close``: nothing is written in the project."""

    def __init__(self) -> None:
        package.quiet_backtraces()
        from anki.collection import Collection

        self._lock = threading.Lock()  # one collection, requests on several threads
        shm = Path("/dev/shm")
        self._folder = Path(tempfile.mkdtemp(prefix="compute-cards-preview-",
                                             dir=shm if shm.is_dir() and os.access(shm, os.W_OK) else None))
        try:
            self._col = Collection(str(self._folder / "preview.anki2"))
            self._notetype = package._add_notetype(self._col, 0)
        except BaseException:
            shutil.rmtree(self._folder, ignore_errors=True)
            raise
        self.template_media = frozenset(self._col.media.extract_static_media_files(self._notetype["id"]))

    def side(self, card: Card, side: str) -> Side:
        with self._lock:
            note = self._col.new_note(self._notetype)
            for i, value in enumerate(card.fields()[: len(note.fields)]):
                note.fields[i] = value
            output = note.ephemeral_card(0).render_output()
            text = output.question_text if side == "question" else output.answer_text
            media = self._col.media.files_in_str(self._notetype["id"], "\n".join(card.fields()))
            return Side(self._col.media.escape_media_filenames(text), output.css,
                        frozenset(media) | self.template_media)

    def close(self) -> None:
        with self._lock:
            self._col.close()
            shutil.rmtree(self._folder, ignore_errors=True)
