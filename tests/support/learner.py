"""What a learner's collection holds after importing an .apkg, for tests that compare two builds."""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest

from addon.core import notetype as spec


def imported(apkg: Path, tmp: Path) -> dict:
    """Import ``apkg`` into a fresh collection under ``tmp``: its notes (guid, note type, fields, tags,
    mtime), the Compute Card note type (without its usn), the deck names and the media files (name ->
    SHA-256)."""
    folder = Path(tempfile.mkdtemp(prefix="learner-", dir=tmp))
    col = Collection(str(folder / "collection.anki2"))
    try:
        col.import_anki_package(ImportAnkiPackageRequest(package_path=str(apkg), options=ImportAnkiPackageOptions()))
        notes = sorted(col.db.all("select guid, mid, flds, tags, mod from notes"))
        nt = col.models.get(spec.NOTETYPE_ID)
        notetype = {k: v for k, v in nt.items() if k != "usn"} if nt else None
        decks = sorted(d.name for d in col.decks.all_names_and_ids())
        media_dir = Path(col.media.dir())
        media = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(media_dir.iterdir()) if p.is_file()}
        return {"notes": notes, "notetype": notetype, "decks": decks, "media": media}
    finally:
        col.close()
