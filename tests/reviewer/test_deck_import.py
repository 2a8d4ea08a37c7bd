"""The published .apkg imported by this Anki's own backend into a fresh collection (make test-compat runs it in every supported line).

The build exports with the anki package's ``legacy=False``: the package format of Anki 2.1.50 and
newer (``collection.anki21b``, zstd), plus the stub ``collection.anki2`` that older Ankis show as
"please update". Every supported desktop line must read it: same notes, one note type with its
fixed id and fields, cards that show their default values.
"""

from __future__ import annotations

import csv
import io
import zipfile

from addon.core.notetype import FIELD_NAMES, NOTETYPE_ID, NOTETYPE_NAME


def test_the_built_deck_imports_into_this_anki(built, tmp_path):
    from anki.buildinfo import version
    from anki.collection import Collection
    from anki.import_export_pb2 import ImportAnkiPackageOptions, ImportAnkiPackageRequest

    with zipfile.ZipFile(built.deck) as zf:
        assert "collection.anki21b" in zf.namelist(), zf.namelist()  # the 2.1.50+ format (legacy=False)
    tsv = built.deck.with_suffix(".tsv").read_text(encoding="utf-8")  # the same cards, one row each
    rows = [row for row in csv.reader(io.StringIO(tsv), delimiter="\t") if row and not row[0].startswith("#")]

    col = Collection(str(tmp_path / "collection.anki2"))
    try:
        options = ImportAnkiPackageOptions()
        options.CopyFrom(col._backend.get_import_anki_package_presets())
        log = col.import_anki_package(ImportAnkiPackageRequest(package_path=str(built.deck), options=options)).log
        assert len(log.new) == len(rows) > 0, (version, len(log.new), len(rows))
        notetype = col.models.get(NOTETYPE_ID)
        assert notetype is not None and notetype["name"] == NOTETYPE_NAME, version
        assert tuple(f["name"] for f in notetype["flds"]) == FIELD_NAMES
        assert [n.name for n in col.models.all_names_and_ids()].count(NOTETYPE_NAME) == 1
        card = col.get_card(col.find_cards(f"mid:{NOTETYPE_ID}")[0])
        question = card.question()
        assert 'data-cc-value="' in question and "{{" not in question  # placeholders rendered at the defaults
    finally:
        col.close()
