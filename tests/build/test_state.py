"""Note mtimes: unchanged cards keep theirs forever; a changed card gets a strictly newer one."""

from __future__ import annotations


from addon.core.card import Card, guid_for
from builder.state import State, stamp


def card(card_id: str, front: str = "Q", back: str = "A") -> Card:
    return Card(card_id, "content/x.md", 1, "Deck", ("t",), front, back)


def test_first_build_stamps_every_card_with_now():
    result = stamp(State(), [card("a"), card("b")], now=1_000)
    assert result.note_mtimes == {"a": 1_000, "b": 1_000}
    assert result.added == ("a", "b") and result.changed == ()


def test_unchanged_rebuild_keeps_mtimes_and_notetype_mtime():
    first = stamp(State(), [card("a"), card("b")], now=1_000)
    again = stamp(first.state, [card("a"), card("b")], now=5_000)
    assert again.note_mtimes == first.note_mtimes
    assert again.notetype_mtime == first.notetype_mtime
    assert again.changed == () and again.added == () and again.removed == ()


def test_one_edit_changes_exactly_that_note_to_a_newer_mtime_even_in_the_same_second():
    first = stamp(State(), [card("a"), card("b")], now=1_000)
    edited = stamp(first.state, [card("a", back="A, fixed"), card("b")], now=1_000)
    assert edited.changed == ("a",)
    assert edited.note_mtimes["a"] > first.note_mtimes["a"]
    assert edited.note_mtimes["b"] == first.note_mtimes["b"]


def test_moving_a_card_to_another_deck_is_not_a_change():
    first = stamp(State(), [card("a")], now=1_000)
    moved = stamp(first.state, [card("a")._replace(deck="Other::Deck", path="content/y.md")], now=2_000)
    assert moved.changed == () and moved.note_mtimes["a"] == 1_000


def test_removed_cards_are_reported():
    first = stamp(State(), [card("a"), card("b")], now=1_000)
    later = stamp(first.state, [card("a")], now=2_000)
    assert later.removed == ("b",)


def test_state_round_trips_through_its_file_format(tmp_path):
    first = stamp(State(), [card("a")], now=1_000)
    path = tmp_path / "cards.lock.json"
    path.write_text(first.state.dumps())
    assert stamp(State.load(path), [card("a")], now=9_000).note_mtimes == {"a": 1_000}


def test_guid_depends_on_the_id_only():
    assert card("a").guid == card("a")._replace(front="other", deck="X").guid == guid_for("a")
    assert guid_for("a") != guid_for("b")
