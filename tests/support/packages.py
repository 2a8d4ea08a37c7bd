"""Build small .ankiaddon and .apkg files on the fly for tests (official anki package, headless)."""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping, Optional, Sequence, Union


def make_ankiaddon(
    path: Union[str, Path],
    package: str,
    files: Mapping[str, Union[str, bytes]],
    name: Optional[str] = None,
    manifest_extra: Optional[Mapping] = None,
) -> Path:
    """Write a .ankiaddon zip at ``path``: manifest.json {package, name, ...extra} plus ``files`` (archive path -> content) at the zip root, as Anki expects; returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    manifest = {"package": package, "name": name or package, **(manifest_extra or {})}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.json", json.dumps(manifest))
        for arcname, content in files.items():
            zf.writestr(arcname, content)
    return path


@dataclass(frozen=True)
class BuiltNote:
    guid: str
    fields: tuple[str, ...]


def make_basic_apkg(
    path: Union[str, Path],
    notes: Iterable[Sequence[str]],
    deck_name: str = "Harness",
    guids: Optional[Sequence[str]] = None,
    work_dir: Optional[Union[str, Path]] = None,
) -> list[BuiltNote]:
    """Export an .apkg at ``path`` holding one deck ``deck_name`` of Basic notes (Front, Back) from a throwaway headless Collection (no scheduling, no deck configs, media on, modern format); returns the notes' guids and fields."""
    from anki.collection import (
        AddNoteRequest,
        Collection,
        DeckIdLimit,
        ExportAnkiPackageOptions,
    )

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    work = Path(work_dir) if work_dir else path.with_suffix(".build")
    work.mkdir(parents=True, exist_ok=True)
    col = Collection(str(work / "collection.anki2"))
    try:
        did = col.decks.id(deck_name)
        basic = col.models.by_name("Basic")
        requests = []
        built = []
        for i, fields in enumerate(notes):
            note = col.new_note(basic)
            for j, value in enumerate(fields):
                note.fields[j] = value
            if guids is not None:
                note.guid = guids[i]
            requests.append(AddNoteRequest(note=note, deck_id=did))
            built.append(BuiltNote(guid=note.guid, fields=tuple(note.fields)))
        col.add_notes(requests)
        col.export_anki_package(
            out_path=str(path),
            options=ExportAnkiPackageOptions(
                with_scheduling=False, with_deck_configs=False, with_media=True, legacy=False
            ),
            limit=DeckIdLimit(did),
        )
    finally:
        col.close()
    return built
