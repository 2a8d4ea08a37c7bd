"""Re-importing an updated deck into a learner's collection with Anki's own importer (issue 4, items 1-3).

A fresh headless Collection stands in for the learner's; the deck is the real one (content/ copied to
tmp_path and edited there). Imports use the options Anki's import screen starts with.
"""

from __future__ import annotations

from anki.collection import Collection

from addon.core import notetype as spec
from addon.core.card import guid_for
from tests.support.content_copy import TEXT_EDITS, Author
from tests.updates.learner import (
    EASY,
    GOOD,
    Progress,
    compute_notetypes,
    counts,
    first_card,
    import_apkg,
    import_options,
    note_for,
    notetype_row,
    study,
)

T0 = 1_800_000_000  # the build clock; v2 is built in the same second on purpose
CSS_RULE = "\n.cc-answer strong { color: #b8002e; }\n"
EDITS = TEXT_EDITS
EDITED = sorted(card_id for card_id, _, _ in EDITS)
NEW_CARD = """\
## kv-per-token
tags: kv-cache

How many bytes of KV cache does one token take in Llama 3.1 8B at BF16?

---

128 KiB: 2 × 32 layers × 8 KV heads × 128 dims × 2 bytes.
"""


def _guids(col: Collection, log_notes) -> set[str]:
    return {col.db.scalar("select guid from notes where id = ?", n.id.nid) for n in log_notes}


def _notes_table(col: Collection) -> list:
    return col.db.all("select id, guid, mid, mod, usn, flds, tags from notes order by id")


def _import_v1_and_study(author: Author, learner: Collection):
    v1 = author.build(now=T0)
    log = import_apkg(learner, v1.apkg)
    assert counts(log)["new"] == len(v1.card_ids) == 17
    # two edited cards and two unedited ones get reviews; EASY graduates a new card to review
    study(learner, ["gqa", "kv-cache-formula"], EASY)
    study(learner, ["medusa", "spec-speedup"], GOOD)
    return v1, Progress.of(learner)


def test_import_options_are_anki_defaults(learner):
    """The tests import with what a fresh Anki profile's import screen offers."""
    options = import_options(learner)
    assert options.merge_notetypes is False
    assert options.update_notes == 0 and options.update_notetypes == 0  # IF_NEWER
    assert options.with_scheduling is False and options.with_deck_configs is False


def test_text_and_css_edits_update_three_notes_and_keep_reviews(tmp_path, learner, monkeypatch):
    # no lock file: v1 stamps every note with T0, so v2 (same second) must still come out newer
    author = Author.copy(tmp_path / "author", with_lock=False)
    v1, before = _import_v1_and_study(author, learner)
    assert set(v1.stamped.note_mtimes.values()) == {T0}
    assert len(before.revlog) == 4
    assert sum(1 for c in before.reviewed().values() if c[3] > 0) == 2  # two cards have an interval
    nt_before = notetype_row(learner)

    for card_id, old, new in EDITS:
        author.replace_in_card(card_id, old, new)
    monkeypatch.setattr(spec, "CSS", spec.CSS + CSS_RULE)  # the author edits CSS in notetype.py
    monkeypatch.setattr(spec, "QUESTION_TEMPLATE", spec.QUESTION_TEMPLATE.replace(
        'class="cc-card cc-question"', 'class="cc-card cc-question cc-v2"'))  # ... and the template text
    v2 = author.build(now=T0)  # same second as v1

    assert sorted(v2.stamped.changed) == EDITED and v2.stamped.added == () and v2.stamped.removed == ()
    for card_id in EDITED:  # a rebuild in the same second still gives changed cards a newer mtime
        assert v2.stamped.note_mtimes[card_id] > v1.stamped.note_mtimes[card_id]
    for card_id in set(v1.card_ids) - set(EDITED):
        assert v2.stamped.note_mtimes[card_id] == v1.stamped.note_mtimes[card_id]
    assert v2.stamped.notetype_mtime > v1.stamped.notetype_mtime
    assert v2.warnings == []  # CSS is not schema: no full-sync warning

    log = import_apkg(learner, v2.apkg)

    assert counts(log) == {"new": 0, "updated": 3, "duplicate": 14, "conflicting": 0,
                           "missing_notetype": 0, "found": 17}
    assert _guids(learner, log.updated) == {guid_for(c) for c in EDITED}
    assert learner.note_count() == 17
    assert compute_notetypes(learner) == [(spec.NOTETYPE_ID, spec.NOTETYPE_NAME)]
    assert learner.db.list("select distinct mid from notes") == [spec.NOTETYPE_ID]
    # every review log row, interval and due date is what it was
    after = Progress.of(learner)
    assert after.revlog == before.revlog
    assert after.cards == before.cards
    # the edits are what the learner sees
    gqa = first_card(learner, "gqa")
    assert "Why does grouped-query attention (GQA) shrink the KV cache?" in note_for(learner, "gqa")["Front"]
    assert "shrink the KV cache" in gqa.question(reload=True)
    assert "Why does GQA" not in gqa.question()
    assert "with no separate draft model" in first_card(learner, "medusa").question(reload=True)
    eagle = first_card(learner, "eagle")
    assert "small one-layer draft" in note_for(learner, "eagle")["Back"]
    assert "small one-layer draft" in eagle.answer() and "EAGLE's one-layer draft" not in eagle.answer()
    # the note type was updated in place: new CSS, newer mtime, same id and fields
    nt_after = notetype_row(learner)
    assert CSS_RULE.strip() in nt_after["css"] and CSS_RULE.strip() not in nt_before["css"]
    assert nt_after["mod"] == v2.stamped.notetype_mtime > nt_before["mod"]
    assert nt_after["fields"] == nt_before["fields"] == list(spec.FIELD_NAMES)
    assert CSS_RULE.strip() in gqa.css()
    assert 'cc-question cc-v2"' in gqa.question()
    assert learner.models.by_name(spec.NOTETYPE_NAME)["css"] == nt_after["css"]


def test_unchanged_rebuild_updates_nothing(author, learner):
    v1, before = _import_v1_and_study(author, learner)
    notes_before, nt_before = _notes_table(learner), notetype_row(learner)

    again = author.build(now=T0 + 86_400)  # a day later, nothing edited
    assert again.stamped.changed == () and again.stamped.added == () and again.warnings == []
    assert again.stamped.note_mtimes == v1.stamped.note_mtimes
    assert again.stamped.notetype_mtime == v1.stamped.notetype_mtime

    log = import_apkg(learner, again.apkg)

    # "duplicate" = same GUID already there and not updated; no note is created or changed
    assert counts(log) == {"new": 0, "updated": 0, "duplicate": 17, "conflicting": 0,
                           "missing_notetype": 0, "found": 17}
    assert _notes_table(learner) == notes_before
    assert notetype_row(learner) == nt_before
    assert compute_notetypes(learner) == [(spec.NOTETYPE_ID, spec.NOTETYPE_NAME)]
    assert Progress.of(learner) == before


def test_added_card_is_the_only_change(author, learner):
    v1, before = _import_v1_and_study(author, learner)
    notes_before, nt_before = _notes_table(learner), notetype_row(learner)

    author.append_card(NEW_CARD)
    v2 = author.build(now=T0)
    assert v2.stamped.added == ("kv-per-token",) and v2.stamped.changed == () and v2.warnings == []

    log = import_apkg(learner, v2.apkg)

    assert counts(log) == {"new": 1, "updated": 0, "duplicate": 17, "conflicting": 0,
                           "missing_notetype": 0, "found": 18}
    assert _guids(learner, log.new) == {guid_for("kv-per-token")}
    assert learner.note_count() == 18
    assert [r for r in _notes_table(learner) if r[1] != guid_for("kv-per-token")] == notes_before
    assert notetype_row(learner) == nt_before
    card = first_card(learner, "kv-per-token")
    assert "How many bytes of KV cache does one token take" in card.question()
    assert learner.decks.name(card.did) == learner.decks.name(first_card(learner, "gqa").did)
    after = Progress.of(learner)
    assert after.revlog == before.revlog
    assert {g: c for g, c in after.cards.items() if g != guid_for("kv-per-token")} == before.cards


def test_without_the_lock_file_every_note_is_rewritten(author, learner, tmp_path):
    """Why content/cards.lock.json is committed: a clean clone without it stamps every note as new."""
    v1, before = _import_v1_and_study(author, learner)
    clone = Author.copy(tmp_path / "clone", with_lock=False)
    rebuilt = clone.build(now=T0 + 86_400)
    assert sorted(rebuilt.stamped.added) == sorted(v1.card_ids)

    log = import_apkg(learner, rebuilt.apkg)

    # nothing was edited, yet every note is rewritten (and would be sent by the next sync)
    assert counts(log)["updated"] == 17 and counts(log)["new"] == 0
    assert Progress.of(learner) == before  # reviews survive even so


def test_a_learners_own_later_edit_wins_over_the_update(tmp_path, learner):
    """Update notes "If newer" compares mtimes: a note the learner edited after the build is kept."""
    author = Author.copy(tmp_path / "author", with_lock=False)
    past = 1_700_000_000  # both builds before the learner's edit (which is stamped with the real clock)
    import_apkg(learner, author.build(now=past).apkg)
    note = note_for(learner, "gqa")
    note["Back"] = note["Back"] + "<p>my own mnemonic</p>"
    learner.update_note(note)
    for card_id, old, new in EDITS:
        author.replace_in_card(card_id, old, new)

    log = import_apkg(learner, author.build(now=past).apkg)

    assert counts(log)["updated"] == 2 and counts(log)["duplicate"] == 15
    assert "my own mnemonic" in note_for(learner, "gqa")["Back"]
    assert "Why does GQA (grouped-query attention)" in note_for(learner, "gqa")["Front"]  # update skipped
