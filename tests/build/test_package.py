"""The built .apkg imported into a fresh collection with the official anki package, as a learner would."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pytest
from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest

from addon.core import notetype as spec
from addon.core.card import guid_for
from addon.core.compute import parse_compute
from addon.core.notetype import compute_source

from tests.support.cli import ROOT, run_build

SEED_IDS = ["kv-cache-formula", "gqa", "spec-acceptance", "spec-speedup", "medusa", "eagle",
            "ood-acceptance", "prefix-caching", "kv-cache-llama-8b", "int8-kv"]
DECK = "Tokens to Embodied Minds::Ch 19 · KV-cache, speculative decoding, Medusa"


def import_package(col: Collection, path: Path):
    request = ImportAnkiPackageRequest(package_path=str(path), options=ImportAnkiPackageOptions())
    return col.import_anki_package(request).log


@pytest.fixture()
def col(tmp_path):
    collection = Collection(str(tmp_path / "learner.anki2"))
    yield collection
    collection.close()


def note_for(col: Collection, card_id: str):
    ids = col.db.list("select id from notes where guid = ?", guid_for(card_id))
    assert len(ids) == 1, f"{card_id}: {len(ids)} notes"
    return col.get_note(ids[0])


def test_import_adds_every_card_with_the_fixed_note_type(built, col):
    log = import_package(col, built / "dist" / "ch19-kv-cache.apkg")
    assert len(log.new) == 17 and not log.updated and not log.conflicting and not log.missing_notetype
    compute_types = [n for n in col.models.all_names_and_ids() if n.name == spec.NOTETYPE_NAME]
    assert len(compute_types) == 1 and compute_types[0].id == spec.NOTETYPE_ID
    nt = col.models.get(spec.NOTETYPE_ID)
    assert [f["name"] for f in nt["flds"]] == list(spec.FIELD_NAMES)
    assert [f["id"] for f in nt["flds"]] == [fid for _, fid, _ in spec.FIELDS]
    assert [t["id"] for t in nt["tmpls"]] == [spec.TEMPLATE_ID]
    for card_id in SEED_IDS:
        note = note_for(col, card_id)
        assert note.note_type()["id"] == spec.NOTETYPE_ID
        assert col.decks.name(note.cards()[0].did) == DECK
        assert "ch19" in note.tags


def test_rendered_card_reads_correctly_without_the_add_on(built, col):
    import_package(col, built / "dist" / "ch19-kv-cache.apkg")
    card = note_for(col, "kv-cache-llama-8b").cards()[0]
    question, answer = card.question(), card.answer()
    assert 'data-cc-value="seq_len">4,096</span>' in question
    assert 'data-cc-value="answer:B">536,870,912 B</span>' in answer
    assert 'data-cc-value="answer">536.9 MB</span>' in answer
    assert 'data-cc-value="answer:MiB">512 MiB</span>' in answer
    assert "\\[2 \\times \\mathrm{num\\_layers}" in answer  # the Formula field as display math
    assert "sku_list.py" in answer  # the Source field
    # the Compute field is data, not shown: only inside the inert <template> the card's own panel reads
    shown = re.sub(r'<template id="cc-compute">.*?</template>', "", answer, flags=re.S)
    assert "param seq_len" not in shown and "param seq_len" in answer


def test_corrected_facts_are_what_the_cards_teach(built, col):
    import_package(col, built / "dist" / "ch19-kv-cache.apkg")
    speedup = note_for(col, "spec-speedup")
    assert 'data-cc-value="answer">2.40×</span>' in speedup["Back"]
    assert "Leviathan" in speedup["Source"]
    assert "+2 … +K+1" in note_for(col, "medusa")["Back"]
    assert 'data-cc-value="share_of_bf16:%">50%</span>' in note_for(col, "int8-kv")["Back"]
    assert "35.64" in note_for(col, "int8-kv-quality")["Back"]
    assert "improves it" in note_for(col, "ood-acceptance")["Back"] and "recovers" not in note_for(col, "ood-acceptance")["Back"]
    assert "ea_model.py" in note_for(col, "eagle")["Source"] and "outputs[0]" in note_for(col, "medusa")["Source"]
    for note_id in col.find_notes(""):  # learners never saw the seed: no card mentions it
        note = col.get_note(note_id)
        assert "seed" not in (note["Front"] + note["Back"] + note["Source"]).lower()


def test_compute_field_round_trips_to_the_block_the_author_wrote(built, col):
    import_package(col, built / "dist" / "ch19-kv-cache.apkg")
    text = (built / "content" / "ch19-kv-cache.md").read_text()
    block = text.split("## kv-cache-llama-8b", 1)[1].split("```compute\n", 1)[1].split("\n```", 1)[0]
    field = note_for(col, "kv-cache-llama-8b")["Compute"]
    assert compute_source(field) == block
    model = parse_compute(compute_source(field))
    assert model.evaluate()["answer"] == 536_870_912


def test_unchanged_rebuild_imports_as_zero_changes(built, col, tmp_path):
    import_package(col, built / "dist" / "ch19-kv-cache.apkg")
    notetype_mtime = col.models.get(spec.NOTETYPE_ID)["mod"]
    again = run_build("--content", str(built / "content"), "--out-dir", str(tmp_path / "dist2"), "-q")
    assert again.returncode == 0, again.stderr
    log = import_package(col, tmp_path / "dist2" / "ch19-kv-cache.apkg")
    assert not log.new and not log.updated and not log.conflicting
    assert len(log.duplicate) == 17  # same GUID, not newer: left alone
    assert col.models.get(spec.NOTETYPE_ID)["mod"] == notetype_mtime
    assert len([n for n in col.models.all_names_and_ids() if n.name == spec.NOTETYPE_NAME]) == 1


def test_tsv_imports_as_basic_without_settings(built, col):
    from anki.collection import ImportCsvRequest

    path = built / "dist" / "ch19-kv-cache.tsv"
    lines = path.read_text().splitlines()
    assert lines[:4] == ["#separator:tab", "#html:true", "#notetype:Basic", f"#deck:{DECK}"]
    metadata = col.get_csv_metadata(path=str(path), delimiter=None)
    response = col.import_csv(ImportCsvRequest(path=str(path), metadata=metadata))
    assert len(response.log.new) == 17
    basic = col.models.by_name("Basic")
    fronts = [col.get_note(nid)["Front"] for nid in col.find_notes("note:Basic")]
    assert any("State the KV-cache memory formula" in f for f in fronts)
    assert basic is not None


def test_ankiaddon_has_the_addon_at_its_root_and_the_manifest(built):
    with zipfile.ZipFile(built / "dist" / "compute_cards.ankiaddon") as zf:
        names = zf.namelist()
        manifest = json.loads(zf.read("manifest.json"))
    assert manifest == json.loads((ROOT / "manifest.json").read_text())
    assert "__init__.py" in names and "core/compute.py" in names
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc") or n == "meta.json"]
    assert not [n for n in names if n.startswith("addon/")]  # no top folder


def test_package_writer_adds_the_notes_that_collection_add_notes_adds(tmp_path):
    """PackageWriter.add hands anki's backend the protobuf notes itself (no Note objects): the notes and
    cards it makes are those of the public Collection.add_notes with Note objects, column for column."""
    from anki.collection import AddNoteRequest

    from addon.core.card import Card
    from builder import package

    cards = [Card(f"card-{i}", "deck.md", i, "Parent::Child" if i % 2 else "Other", ("t1", f"t{i}"),
                  f"<p>front {i} é</p>", f"<p>back {i}</p>", "\\[x\\]" if i % 3 else "", "", "src" if i else "")
             for i in range(7)]
    mtimes = {card.card_id: 1_800_000_000 + i for i, card in enumerate(cards)}
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with package.PackageWriter(tmp_path / "a", 1_700_000_000) as ours, package.PackageWriter(tmp_path / "b", 1_700_000_000) as public:
        ours.add(cards, mtimes)
        col = public._col
        requests = []
        for card in cards:
            note = col.new_note(public._notetype)
            for i, value in enumerate(card.fields()):
                note.fields[i] = value
            note.tags, note.guid = list(card.tags), card.guid
            requests.append(AddNoteRequest(note=note, deck_id=col.decks.id(card.deck)))
        col.add_notes(requests)
        for request, card in zip(requests, cards):
            col.db.execute("update notes set mod = ?, usn = -1 where id = ?", mtimes[card.card_id], request.note.id)

        def rows(writer):  # type: ignore[no-untyped-def]
            db = writer._col.db
            notes = db.all("select guid, mid, mod, usn, tags, flds, sfld, csum, flags, data from notes order by id")
            decks = {did: name for name, did in ((d.name, d.id) for d in writer._col.decks.all_names_and_ids())}
            cards_ = [(guid, decks[did], *rest) for guid, did, *rest in db.all(
                "select n.guid, c.did, c.ord, c.type, c.queue, c.due, c.ivl, c.factor, c.reps, c.flags, c.data "
                "from cards c join notes n on n.id = c.nid order by c.id")]
            return notes, cards_

        assert rows(ours) == rows(public)
        assert len(rows(ours)[0]) == len(cards)
