"""A card removed from the Markdown (issue 4, item 4): the build names it; Anki's import never deletes it."""

from __future__ import annotations


from builder import pipeline
from addon.core.card import guid_for
from tests.support.content_copy import Author
from tests.updates.learner import EASY, Progress, counts, first_card, import_apkg, note_for, study

T0 = 1_800_000_000
REMOVED = ["eagle", "ood-acceptance"]


def test_build_names_removed_cards_and_import_keeps_them(tmp_path, learner):
    author = Author.copy(tmp_path / "author")
    v1 = author.build(now=T0)
    import_apkg(learner, v1.apkg)
    study(learner, ["eagle"], EASY)  # the learner has reviewed one of the cards about to go
    before = Progress.of(learner)
    eagle_front = note_for(learner, "eagle")["Front"]

    for card_id in REMOVED:
        author.remove_card(card_id)
    v2 = author.build(now=T0)

    assert v2.stamped.removed == tuple(REMOVED)
    assert len(v2.warnings) == 1
    warning = v2.warnings[0]
    assert "warning: 2 card(s) removed since the last build: eagle, ood-acceptance." in warning
    assert "never deletes" in warning and "shown once" in warning
    assert warning.startswith(str(author.content / "cards.lock.json"))
    assert set(author.lock().cards) == set(v1.card_ids) - set(REMOVED)

    log = import_apkg(learner, v2.apkg)

    assert counts(log) == {"new": 0, "updated": 0, "duplicate": 15, "conflicting": 0,
                           "missing_notetype": 0, "found": 15}
    assert learner.note_count() == 17  # nothing deleted
    assert note_for(learner, "eagle")["Front"] == eagle_front
    assert first_card(learner, "ood-acceptance").question()
    assert Progress.of(learner) == before  # the removed card's reviews and schedule are intact

    # the warning is given once: the next build no longer knows those ids
    assert author.build(now=T0 + 60).warnings == []


def test_check_reports_removed_cards_without_writing(tmp_path):
    author = Author.copy(tmp_path / "author")
    lock_before = (author.content / "cards.lock.json").read_text(encoding="utf-8")
    author.remove_card("eagle")
    out = tmp_path / "dist"

    result = pipeline.validate(author.settings(out))  # what `build.py check` runs

    assert [d.message.split(".")[0] for d in result.diagnostics if d.severity == "warning"] == [
        "1 card(s) removed since the last build: eagle"
    ]
    assert not out.exists()
    assert (author.content / "cards.lock.json").read_text(encoding="utf-8") == lock_before


def test_retiring_a_card_by_tag_reaches_learners(tmp_path, learner):
    """The documented alternative to deleting: ship one update with the card tagged 'retired'."""
    author = Author.copy(tmp_path / "author")
    import_apkg(learner, author.build(now=T0).apkg)

    author.replace_in_card("eagle", "tags: speculative-decoding eagle", "tags: speculative-decoding eagle retired")
    v2 = author.build(now=T0)
    assert v2.stamped.changed == ("eagle",)

    log = import_apkg(learner, v2.apkg)

    assert counts(log)["updated"] == 1 and counts(log)["new"] == 0
    assert learner.find_notes("tag:retired") == [note_for(learner, "eagle").id]
    assert note_for(learner, "eagle").guid == guid_for("eagle")
