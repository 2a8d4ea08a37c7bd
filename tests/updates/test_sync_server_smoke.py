"""The sync harness works against Anki's real sync server: full sync first, then normal syncs."""

from __future__ import annotations

from tests.support.sync_server import Device, SyncKind


def _basic_note(col, front: str, back: str):
    note = col.new_note(col.models.by_name("Basic"))
    note["Front"] = front
    note["Back"] = back
    col.add_note(note, col.decks.id("Default"))
    return note


def test_two_devices_sync_through_real_server(sync_server, tmp_path):
    with Device(tmp_path / "a", sync_server) as a, Device(tmp_path / "b", sync_server) as b:
        a.login()
        b.login()

        note = _basic_note(a.col, "harness front", "harness back")
        first = a.sync()
        # the first sync of a collection with content is a one-way full upload
        assert first is SyncKind.FULL_UPLOAD

        assert b.col.note_count() == 0
        assert b.sync() is SyncKind.FULL_DOWNLOAD
        assert b.col.note_count() == 1
        b_note = b.col.get_note(note.id)
        assert b_note["Front"] == "harness front"
        assert b_note.guid == note.guid

        # an edit afterwards travels in a normal sync: no full sync required on either side
        note = a.col.get_note(note.id)
        note["Back"] = "edited on A"
        a.col.update_note(note)
        assert a.sync() is SyncKind.NORMAL
        assert a.last_output.required == a.last_output.NO_CHANGES
        assert b.sync() is SyncKind.NORMAL
        assert b.col.get_note(note.id)["Back"] == "edited on A"
        assert a.history[1:] == [SyncKind.NORMAL] and b.history == [
            SyncKind.FULL_DOWNLOAD,
            SyncKind.NORMAL,
        ]
