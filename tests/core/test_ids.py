"""Stable identity: a note's GUID derives from a fixed namespace and the card id only."""

from __future__ import annotations

import itertools

from addon.core.card import CARD_ID, GUID_NAMESPACE, Card, guid_for
from addon.core.notetype import FIELD_NAMES, FIELDS, NOTETYPE_ID, NOTETYPE_NAME, TEMPLATE_ID, schema_fingerprint

SEED_IDS = [
    "kv-cache-formula", "gqa", "spec-acceptance", "spec-speedup", "medusa", "eagle",
    "ood-acceptance", "prefix-caching", "kv-cache-llama-8b", "int8-kv",
]


def test_guid_is_stable_across_calls() -> None:
    assert guid_for("kv-cache-llama-8b") == guid_for("kv-cache-llama-8b")


def test_guid_known_values_are_pinned() -> None:
    # If this fails, the GUID scheme changed: every learner's notes would be duplicated on the next
    # import. Change the scheme only with a migration, never silently.
    assert GUID_NAMESPACE == "compute-cards:v1:"
    assert {card_id: guid_for(card_id) for card_id in ("kv-cache-llama-8b", "gqa", "a")} == PINNED


PINNED = {
    "kv-cache-llama-8b": "c^e7H>-o]y",
    "gqa": "e_MCo[%:6y",
    "a": "IgSN%V>Gk!",
}


def test_guids_are_distinct() -> None:
    ids = SEED_IDS + [f"card-{i}" for i in range(5000)] + ["kv-cache", "kv-cache-", "Kv-cache"]
    guids = [guid_for(i) for i in ids]
    assert len(set(guids)) == len(ids)


def test_guid_depends_on_the_id_only() -> None:
    a = Card("gqa", "content/ch19.md", 10, "Deck::A", ("x",), "front", "back")
    b = Card("gqa", "other/file.md", 99, "Deck::B", ("y", "z"), "edited front", "edited back", "f", "c", "s")
    assert a.guid == b.guid == guid_for("gqa")
    assert Card("gqb", "content/ch19.md", 10, "Deck::A", ("x",), "front", "back").guid != a.guid


def test_guid_shape_is_like_ankis() -> None:
    for card_id in SEED_IDS:
        guid = guid_for(card_id)
        assert 1 <= len(guid) <= 11
        assert all(33 <= ord(c) <= 126 for c in guid)  # printable ASCII, no spaces
        assert "\t" not in guid and " " not in guid


def test_card_id_pattern() -> None:
    for good in SEED_IDS + ["a", "a1", "1-2"]:
        assert CARD_ID.fullmatch(good), good
    for bad in ["", "-a", "a-", "A", "a_b", "a b", "a" * 65, "é"]:
        assert not CARD_ID.fullmatch(bad), bad


def test_note_type_ids_are_fixed_constants() -> None:
    assert NOTETYPE_NAME == "Compute Card"
    assert NOTETYPE_ID == 1_764_288_000_019
    assert TEMPLATE_ID == 7_113_935_610_544_172_211
    assert FIELD_NAMES[:5] == ("Front", "Back", "Formula", "Compute", "Source")
    field_ids = [field_id for _, field_id, _ in FIELDS]
    assert len(set(field_ids)) == len(field_ids)
    assert all(0 < i < 2**63 for i in itertools.chain(field_ids, [NOTETYPE_ID, TEMPLATE_ID]))
    assert schema_fingerprint() == schema_fingerprint()
