"""A note type schema change (issue 4, item 5): a new field in the Compute Card note type.

The build warns before anything is written; the tests then show what a learner gets importing it
with Anki's default options (merge off) and with "Merge note types" on, and what their next sync
does, against Anki's own sync server.
"""

from __future__ import annotations

import pytest

from addon.core import notetype as spec
from builder import pipeline
from tests.support.content_copy import Author
from tests.support.sync_server import Device, FullSyncConflict, SyncKind
from tests.updates.learner import (
    EASY,
    GOOD,
    Progress,
    compute_notetypes,
    counts,
    first_card,
    import_apkg,
    note_for,
    notetype_row,
    study,
)

T0 = 1_800_000_000
NEW_FIELD = ("Notes", 3_141_592_653_589_793_238, "the author's extra notes")  # a new fixed id
OLD_Q = "Why does GQA (grouped-query attention) reduce KV-cache size?"
NEW_Q = "Why does grouped-query attention (GQA) shrink the KV cache?"


def add_field(monkeypatch) -> None:
    """What an author does in addon/core/notetype.py: one more entry in FIELDS (SCHEMA follows it)."""
    fields = spec.FIELDS + (NEW_FIELD,)
    monkeypatch.setattr(spec, "FIELDS", fields)
    monkeypatch.setattr(spec, "FIELD_NAMES", tuple(name for name, _, _ in fields))
    monkeypatch.setattr(spec, "SCHEMA", dict(spec.SCHEMA, fields=[[n, i] for n, i, _ in fields]))


def _schema_warning(warnings: list[str]) -> str:
    found = [w for w in warnings if "fields or templates changed" in w]
    assert len(found) == 1, warnings
    return found[0]


def test_schema_change_is_reported_before_anything_is_written(tmp_path, monkeypatch):
    author = Author.copy(tmp_path / "author")
    lock_before = (author.content / "cards.lock.json").read_text(encoding="utf-8")
    add_field(monkeypatch)
    out = tmp_path / "dist"

    checked = pipeline.validate(author.settings(out))  # `build.py check`: compares, writes nothing
    warning = _schema_warning([d.format() for d in checked.diagnostics if d.severity == "warning"])
    assert "forces a one-way full sync for every learner" in warning
    assert "'Merge note types'" in warning and "conflicting" in warning
    assert not out.exists()
    assert (author.content / "cards.lock.json").read_text(encoding="utf-8") == lock_before

    built = author.build(now=T0)
    assert built.stamped.schema_changed
    _schema_warning(built.warnings)
    # once the new schema is in the lock file, the next build is quiet
    assert author.build(now=T0 + 60).warnings == []


def test_unchanged_schema_gives_no_warning(tmp_path):
    author = Author.copy(tmp_path / "author")
    assert author.build(now=T0).warnings == []


def _setup_synced_learner(tmp_path, sync_server, name="a"):
    author = Author.copy(tmp_path / "author")
    v1 = author.build(now=T0)
    device = Device(tmp_path / name, sync_server)
    device.login()
    import_apkg(device.col, v1.apkg)
    assert device.sync() is SyncKind.FULL_UPLOAD  # a new collection's first sync is always full
    study(device.col, ["gqa", "kv-cache-formula"], EASY)
    assert device.sync() is SyncKind.NORMAL
    return author, device


def test_merge_off_adds_a_second_notetype_and_updates_nothing(tmp_path, sync_server, monkeypatch):
    author, a = _setup_synced_learner(tmp_path, sync_server)
    with a:
        col = a.col
        before = Progress.of(col)
        add_field(monkeypatch)
        author.replace_in_card("gqa", OLD_Q, NEW_Q)
        v2 = author.build(now=T0)
        _schema_warning(v2.warnings)

        log = import_apkg(col, v2.apkg)  # Anki's defaults: merge note types off

        assert counts(log) == {"new": 0, "updated": 0, "duplicate": 0, "conflicting": 17,
                               "missing_notetype": 0, "found": 17}
        types = compute_notetypes(col)
        assert len(types) == 2 and types[0] == (spec.NOTETYPE_ID, "Compute Card")
        extra_id, extra_name = types[1]
        assert extra_name == "Compute Card+" and extra_id != spec.NOTETYPE_ID
        assert notetype_row(col, extra_id)["fields"] == list(spec.FIELD_NAMES)  # 6 fields, no notes
        assert col.db.scalar("select count() from notes where mid = ?", extra_id) == 0
        assert notetype_row(col)["fields"] == list(spec.FIELD_NAMES[:5])
        assert OLD_Q in first_card(col, "gqa").question()  # the edit did not arrive
        assert Progress.of(col) == before
        # adding a note type is not a schema change: the sync stays normal
        assert a.sync() is SyncKind.NORMAL

        # the way out: import the same file again with "Merge note types" on
        log = import_apkg(col, v2.apkg, merge_notetypes=True)

        assert counts(log)["updated"] == 1 and counts(log)["conflicting"] == 0 and counts(log)["new"] == 0
        assert compute_notetypes(col) == [(spec.NOTETYPE_ID, "Compute Card")]  # "Compute Card+" merged away
        assert notetype_row(col)["fields"] == list(spec.FIELD_NAMES)
        assert NEW_Q in first_card(col, "gqa").question()
        assert Progress.of(col).revlog == before.revlog
        assert a.status().required == a.status().FULL_SYNC
        with pytest.raises(FullSyncConflict):
            a.sync()  # the desktop asks: upload this collection or download AnkiWeb's?
        assert a.sync(on_conflict="upload") is SyncKind.FULL_UPLOAD


def test_merge_on_updates_notes_and_forces_a_full_sync(tmp_path, sync_server, monkeypatch):
    author, a = _setup_synced_learner(tmp_path, sync_server)
    with a, Device(tmp_path / "b", sync_server) as b:
        b.login()
        assert b.sync() is SyncKind.FULL_DOWNLOAD  # the phone/laptop gets the collection
        study(b.col, ["medusa"], GOOD)
        assert b.sync() is SyncKind.NORMAL
        assert a.sync() is SyncKind.NORMAL
        before = Progress.of(a.col)
        assert len(before.revlog) == 3

        add_field(monkeypatch)
        author.replace_in_card("gqa", OLD_Q, NEW_Q)
        v2 = author.build(now=T0)
        _schema_warning(v2.warnings)

        log = import_apkg(a.col, v2.apkg, merge_notetypes=True)

        # the edited note is updated, the others keep their text but all now have the new field
        assert counts(log) == {"new": 0, "updated": 1, "duplicate": 16, "conflicting": 0,
                               "missing_notetype": 0, "found": 17}
        assert compute_notetypes(a.col) == [(spec.NOTETYPE_ID, "Compute Card")]
        assert notetype_row(a.col)["fields"] == list(spec.FIELD_NAMES)
        assert note_for(a.col, "kv-cache-formula")["Notes"] == ""
        assert NEW_Q in first_card(a.col, "gqa").question()
        after = Progress.of(a.col)
        assert after.revlog == before.revlog and after.cards == before.cards

        # the next sync of this device, which had synced before, requires a full sync
        assert a.status().required == a.status().FULL_SYNC
        with pytest.raises(FullSyncConflict):
            a.sync()
        assert a.sync(on_conflict="upload") is SyncKind.FULL_UPLOAD
        # every other device must then download the whole collection: although B has nothing
        # unsynced, Anki asks upload-or-download (the desktop's default button is Cancel)
        assert b.status().required == b.status().NO_CHANGES  # B's sync button does not know yet
        with pytest.raises(FullSyncConflict):
            b.sync()
        assert b.sync(on_conflict="download") is SyncKind.FULL_DOWNLOAD
        assert notetype_row(b.col)["fields"] == list(spec.FIELD_NAMES)
        assert NEW_Q in first_card(b.col, "gqa").question()
        assert Progress.of(b.col) == after  # B's earlier review came back with the collection


def test_unsynced_reviews_on_another_device_are_lost_by_the_full_sync(tmp_path, sync_server, monkeypatch):
    """Why learners must sync every device before importing a schema change."""
    author, a = _setup_synced_learner(tmp_path, sync_server)
    with a, Device(tmp_path / "b", sync_server) as b:
        b.login()
        assert b.sync() is SyncKind.FULL_DOWNLOAD
        study(b.col, ["medusa"], GOOD)  # reviewed on B, not synced yet
        add_field(monkeypatch)
        v2 = author.build(now=T0)
        import_apkg(a.col, v2.apkg, merge_notetypes=True)
        assert a.sync(on_conflict="upload") is SyncKind.FULL_UPLOAD

        medusa = note_for(b.col, "medusa").guid
        assert Progress.of(b.col).cards[medusa][5] == 1  # reps on B
        with pytest.raises(FullSyncConflict):
            b.sync()  # B changed too: Anki asks which side to keep
        assert b.sync(on_conflict="download") is SyncKind.FULL_DOWNLOAD
        assert Progress.of(b.col).cards[medusa][5] == 0  # B's review is gone
