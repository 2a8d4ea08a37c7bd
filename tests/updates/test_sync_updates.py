"""A text-only update travels between a learner's devices in a normal sync (issue 4, item 6).

Two devices (headless collections) and Anki's own sync server on 127.0.0.1.
"""

from __future__ import annotations

from addon.core import notetype as spec
from tests.support.content_copy import TEXT_EDITS, Author
from tests.support.sync_server import Device, SyncKind
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
CSS_RULE = ".cc-answer strong { color: #b8002e; }"
EDITS = TEXT_EDITS


def test_text_update_syncs_normally_and_keeps_reviews_from_the_other_device(tmp_path, sync_server, monkeypatch):
    author = Author.copy(tmp_path / "author")
    v1 = author.build(now=T0)
    with Device(tmp_path / "a", sync_server) as a, Device(tmp_path / "b", sync_server) as b:
        a.login()
        b.login()
        # A (the desktop) imports v1 and syncs; B (the laptop) syncs and has the deck
        assert counts(import_apkg(a.col, v1.apkg))["new"] == 17
        assert a.sync() is SyncKind.FULL_UPLOAD  # the first sync of any new collection is full
        assert b.sync() is SyncKind.FULL_DOWNLOAD
        assert b.col.note_count() == 17
        assert compute_notetypes(b.col) == [(spec.NOTETYPE_ID, spec.NOTETYPE_NAME)]

        # B reviews, including two cards that the update will edit, and syncs
        study(b.col, ["gqa", "kv-cache-formula"], EASY)
        study(b.col, ["eagle"], GOOD)
        assert b.sync() is SyncKind.NORMAL
        reviews_on_b = Progress.of(b.col)
        assert len(reviews_on_b.revlog) == 3

        # the author edits three cards and the CSS; A syncs first (gets B's reviews), then imports
        for card_id, old, new in EDITS:
            author.replace_in_card(card_id, old, new)
        monkeypatch.setattr(spec, "CSS", spec.CSS + "\n" + CSS_RULE + "\n")
        monkeypatch.setattr(spec, "ANSWER_TEMPLATE", spec.ANSWER_TEMPLATE.replace(
            'class="cc-card cc-answer"', 'class="cc-card cc-answer cc-v2"'))
        v2 = author.build(now=T0)
        assert v2.warnings == []
        assert a.sync() is SyncKind.NORMAL
        assert Progress.of(a.col) == reviews_on_b

        log = import_apkg(a.col, v2.apkg)
        assert counts(log)["updated"] == 3 and counts(log)["new"] == 0 and counts(log)["conflicting"] == 0

        # a normal sync: no full sync required, before or during
        assert a.status().required == a.status().NORMAL_SYNC
        assert a.sync() is SyncKind.NORMAL
        assert a.last_output.required == a.last_output.NO_CHANGES

        assert b.sync() is SyncKind.NORMAL
        assert a.history == [SyncKind.FULL_UPLOAD, SyncKind.NORMAL, SyncKind.NORMAL]
        assert b.history == [SyncKind.FULL_DOWNLOAD, SyncKind.NORMAL, SyncKind.NORMAL]

        # B shows the edits: note text, rendered question/answer, the note type's CSS
        assert "shrink the KV cache" in first_card(b.col, "gqa").question(reload=True)
        assert "with no separate draft model" in first_card(b.col, "medusa").question(reload=True)
        assert "small one-layer draft" in first_card(b.col, "eagle").answer()
        assert 'cc-answer cc-v2"' in first_card(b.col, "eagle").answer()
        assert note_for(b.col, "gqa")["Front"] == note_for(a.col, "gqa")["Front"]
        assert CSS_RULE in notetype_row(b.col)["css"]
        assert notetype_row(b.col)["mod"] == v2.stamped.notetype_mtime
        assert compute_notetypes(b.col) == [(spec.NOTETYPE_ID, spec.NOTETYPE_NAME)]
        assert b.col.note_count() == a.col.note_count() == 17

        # the reviews done on B survive on both devices: same revlog, same intervals and due dates
        assert Progress.of(b.col) == reviews_on_b
        assert Progress.of(a.col) == reviews_on_b


def test_merge_note_types_on_does_not_force_a_full_sync_for_a_text_update(tmp_path, sync_server, monkeypatch):
    """Anki remembers the last import options: a learner who once ticked 'Merge note types' keeps it."""
    author = Author.copy(tmp_path / "author")
    with Device(tmp_path / "a", sync_server) as a:
        import_apkg(a.col, author.build(now=T0).apkg)
        assert a.sync() is SyncKind.FULL_UPLOAD
        for card_id, old, new in EDITS:
            author.replace_in_card(card_id, old, new)
        monkeypatch.setattr(spec, "CSS", spec.CSS + "\n" + CSS_RULE + "\n")

        log = import_apkg(a.col, author.build(now=T0).apkg, merge_notetypes=True)

        assert counts(log)["updated"] == 3 and counts(log)["new"] == 0 and counts(log)["conflicting"] == 0
        assert CSS_RULE in notetype_row(a.col)["css"]
        assert a.sync() is SyncKind.NORMAL
