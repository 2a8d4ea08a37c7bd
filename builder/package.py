"""Stage 5: the outputs — an .apkg per deck file (official ``anki`` package), a .tsv per deck file in the
seed's Front/Back format, and the .ankiaddon. Everything is written into a staging folder; only
``publish`` touches the real output folder, by swapping the whole folder in at the end.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Iterable, Iterator

from addon.core.card import Card
from addon.core import notetype as nt_spec

ADDON_EXCLUDE_DIRS = frozenset({"__pycache__", "tests", "user_files"})
ADDON_EXCLUDE_FILES = frozenset({"meta.json"})
ZIP_DATE = (2025, 11, 28, 0, 0, 0)  # fixed timestamps: the same add-on source zips to the same bytes


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "deck"


def write_apkg(path: Path, cards: list[Card], note_mtimes: dict[str, int], notetype_mtime: int, work: Path,
               media: dict[str, Path] | None = None) -> None:
    """Write one .apkg: the Compute Card note type with its fixed ids, the decks, the notes with their
    mtimes, and the media files (name -> file, builder/media.py) the notes refer to."""
    work.mkdir(parents=True, exist_ok=True)
    scratch = _scratch_dir(work)
    try:
        with PackageWriter(scratch, notetype_mtime) as writer:
            if media:
                writer.add_media(media)
            writer.export(path, writer.add(cards, note_mtimes))
    finally:
        if scratch != work:
            shutil.rmtree(scratch, ignore_errors=True)


class PackageWriter:
    """A throw-away collection (official ``anki`` package) holding the Compute Card note type, to which
    the notes of one or more decks are added, and from which each deck's .apkg is exported.

    ``write_apkg`` uses one per deck; a writer process (builder/apkg_writer.py) uses one for the whole
    build and adds a deck's notes while the rest of it still renders. Exporting by note ids gives the
    same package either way: those notes, their cards and decks, and the note type.
    """

    def __init__(self, folder: Path, notetype_mtime: int) -> None:
        quiet_backtraces()
        from anki.collection import Collection

        self.notetype_mtime = notetype_mtime
        self._folder = Path(tempfile.mkdtemp(prefix="collection-", dir=folder))
        self._col = Collection(str(self._folder / "build.anki2"))
        try:
            self._notetype = _add_notetype(self._col, notetype_mtime)
            self._blank = self._col.new_note(self._notetype)  # each note added is a copy with its own values
        except BaseException:
            self._col.close()
            raise
        self._deck_ids: dict[str, int] = {}  # one backend call per deck, not per card
        self._media: set[str] = set()  # names of the media files in the collection's media folder

    def add_media(self, files: dict[str, Path]) -> None:
        """Put media files (name -> file) into the collection's media folder under their names; an
        export carries those its notes refer to."""
        folder = Path(self._col.media.dir())
        for name, source in files.items():
            if name not in self._media:
                shutil.copyfile(source, folder / name)
                self._media.add(name)

    def add(self, cards: list[Card], note_mtimes: dict[str, int]) -> list[int]:
        """Add the cards' notes with their mtimes; their note ids, in order.

        The notes go to the backend as the protobuf messages ``Collection.add_notes`` would make of
        ``Note`` objects (a copy of a new note of the note type, with the card's fields and tags),
        without the objects (0.40 -> 0.33 s for 10,000 notes). No add-on hooks run in a build.
        """
        from anki import notes_pb2

        col, blank = self._col, self._blank
        width = len(blank.fields)  # as many as the note type has; one the cards do not fill stays empty
        requests = []
        for card in cards:
            fields = list(card.fields())
            if len(fields) < width:
                fields += [""] * (width - len(fields))
            deck_id = self._deck_ids.get(card.deck)
            if deck_id is None:
                deck_id = self._deck_ids[card.deck] = col.decks.id(card.deck)
            note = notes_pb2.Note(id=blank.id, guid=card.guid, notetype_id=blank.mid, mtime_secs=blank.mod,
                                  usn=blank.usn, tags=card.tags, fields=fields)
            requests.append(notes_pb2.AddNoteRequest(note=note, deck_id=deck_id))
        ids = [int(note_id) for note_id in col._backend.add_notes(requests=requests).nids]
        # One UPDATE per distinct mtime (usually one or two), not one per note: the backend spends
        # 0.2-0.8 ms on each statement (also with executemany), 2 ms on one 'where id in (...)'.
        by_mtime: dict[int, list[int]] = {}
        for note_id, card in zip(ids, cards):
            by_mtime.setdefault(int(note_mtimes[card.card_id]), []).append(note_id)
        for mtime, same in sorted(by_mtime.items()):
            for start in range(0, len(same), 10_000):
                chunk = ",".join(map(str, same[start : start + 10_000]))  # integers from the database
                col.db.execute(f"update notes set mod = ?, usn = -1 where id in ({chunk})", mtime)
        return ids

    def export(self, path: Path, note_ids: list[int]) -> None:
        """The .apkg of these notes (added by ``add``), and of the media files they refer to (``add_media``);
        no scheduling, no deck options. Without media, anki is told not to look for any."""
        from anki.collection import ExportAnkiPackageOptions, NoteIdsLimit

        with _temporary_files_in(self._folder):
            self._col.export_anki_package(
                out_path=str(path),
                options=ExportAnkiPackageOptions(with_scheduling=False, with_deck_configs=False,
                                                 with_media=bool(self._media), legacy=False),
                limit=NoteIdsLimit(note_ids),
            )

    def close(self) -> None:
        self._col.close()

    def __enter__(self) -> "PackageWriter":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@contextlib.contextmanager
def _temporary_files_in(folder: Path) -> Iterator[None]:
    """anki writes an export's temporary collection into the system's temporary folder (TMPDIR, else
    /tmp), a disk on many machines, where SQLite syncs it: point TMPDIR at ``folder`` meanwhile (our
    throw-away collection's folder, in memory when /dev/shm exists). 0.32 s -> 0.21 s for the .apkg
    files of 10,000 cards."""
    before = os.environ.get("TMPDIR")
    os.environ["TMPDIR"] = str(folder)
    try:
        yield
    finally:
        if before is None:
            del os.environ["TMPDIR"]
        else:
            os.environ["TMPDIR"] = before


def quiet_backtraces() -> None:
    """No Rust backtrace in the messages of anki's backend errors, unless asked for (before anki's first error).

    With RUST_BACKTRACE set (as on some CI machines), anki captures a backtrace for every backend
    error and symbolizes it into the message: about 50 ms of CPU the first time. Opening a
    collection raises one such error inside anki (a config key not set yet) that nobody reads.
    RUST_LIB_BACKTRACE governs these backtraces ahead of RUST_BACKTRACE; a panic still prints its own.
    """
    os.environ.setdefault("RUST_LIB_BACKTRACE", "0")


def _scratch_dir(work: Path) -> Path:
    """Where the throw-away collection lives: in memory (/dev/shm) when there is one, else ``work``.

    SQLite syncs the collection to disk about fifty times per .apkg; on a busy disk that, not the
    CPU, is most of the time of writing a small deck, and the collection is deleted right after.
    """
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        try:
            return Path(tempfile.mkdtemp(prefix="compute-cards-apkg-", dir=shm))
        except OSError:
            pass
    return work


def _add_notetype(col, mtime: int):  # type: ignore[no-untyped-def]
    mm = col.models
    notetype = mm.new(nt_spec.NOTETYPE_NAME)
    for name, _, _ in nt_spec.FIELDS:
        mm.add_field(notetype, mm.new_field(name))
    template = mm.new_template(nt_spec.TEMPLATE_NAME)
    template["qfmt"] = nt_spec.QUESTION_TEMPLATE
    template["afmt"] = nt_spec.ANSWER_TEMPLATE
    mm.add_template(notetype, template)
    notetype["css"] = nt_spec.CSS
    notetype["sortf"] = nt_spec.SORT_FIELD
    notetype["id"] = nt_spec.NOTETYPE_ID
    for field, (_, field_id, description) in zip(notetype["flds"], nt_spec.FIELDS):
        field["id"] = field_id
        field["description"] = description
    notetype["tmpls"][0]["id"] = nt_spec.TEMPLATE_ID
    notetype["mod"] = mtime
    mm.update(notetype, preserve_usn=True)
    return mm.get(nt_spec.NOTETYPE_ID)


def media_folder_name(tsv_name: str) -> str:
    """The folder next to a deck's .tsv holding its media files (a .tsv cannot carry files)."""
    return f"{tsv_name}-media"


def write_media_folder(folder: Path, files: dict[str, Path]) -> None:
    """The media files of one deck (name -> file), under the names its fields use."""
    folder.mkdir()
    for name, source in sorted(files.items()):
        shutil.copyfile(source, folder / name)


def tsv_text(deck: str, cards: Iterable[Card]) -> str:
    """The seed's format (Front<TAB>Back, HTML) with Anki's headers, so File > Import needs no settings."""
    rows = ["#separator:tab", "#html:true", "#notetype:Basic", f"#deck:{deck}", "#tags column:3"]
    for card in cards:
        back = card.back
        if card.formula:
            back += f'<div class="cc-formula">{card.formula}</div>'
        if card.source:
            back += f'<div class="cc-source">Source: {card.source}</div>'
        rows.append("\t".join([_tsv_field(card.front), _tsv_field(back), _tsv_field(" ".join(card.tags))]))
    return "\n".join(rows) + "\n"


def _tsv_field(value: str) -> str:
    value = value.strip()
    if "\t" in value or "\n" in value or '"' in value:
        return '"' + value.replace('"', '""') + '"'
    return value


def write_ankiaddon(path: Path, addon_dir: Path, manifest: dict) -> None:
    """The add-on folder's contents at the zip root plus manifest.json; no caches, no meta.json."""
    files = sorted(
        p for p in addon_dir.rglob("*")
        if p.is_file()
        and not ADDON_EXCLUDE_DIRS.intersection(p.relative_to(addon_dir).parts)
        and p.name not in ADDON_EXCLUDE_FILES
        and p.suffix not in (".pyc", ".pyo")
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in files:
            info = zipfile.ZipInfo(p.relative_to(addon_dir).as_posix(), ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, p.read_bytes())
        info = zipfile.ZipInfo("manifest.json", ZIP_DATE)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        zf.writestr(info, json.dumps(manifest, indent=2) + "\n")


def staging_dir(out_dir: Path) -> Path:
    """A fresh folder next to ``out_dir`` (same file system, so the final swap is a rename)."""
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.new-", dir=out_dir.parent))


def publish(staged: Path, out_dir: Path) -> None:
    """Swap the staged folder in place of ``out_dir``: the old outputs stay intact until this moment."""
    staged.chmod(0o755)  # mkdtemp makes it private; dist/ is an ordinary folder
    for p in staged.iterdir():
        p.chmod(0o755 if p.is_dir() else 0o644)
        if p.is_dir():  # a deck's media folder
            for q in p.iterdir():
                q.chmod(0o644)
    old = None
    if out_dir.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
        old.rmdir()
        out_dir.rename(old)
    try:
        staged.rename(out_dir)
    except OSError:
        if old is not None:
            old.rename(out_dir)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
