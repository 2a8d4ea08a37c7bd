"""The live template reaches learners as an ordinary update: the real importer, Anki's own sync server.

The learner has the current release (tests/template/data/release-b006b29.apkg, the .apkg main built
before the template carried the engine) on two devices, with reviews. They import the new build on
one device and sync both: a normal sync (no full sync), every review kept, one "Compute Card" note
type whose templates now carry the live panel, and no media needed for it.
"""

from __future__ import annotations

import json
import re
import zipfile

from addon.core import notetype as spec
from tests.support.sync_server import Device, SyncKind
from tests.template.conftest import KV, RELEASE_APKG, ROOT
from tests.updates.learner import EASY, GOOD, Progress, compute_notetypes, counts, first_card, import_apkg, study


def _templates(col) -> tuple[str, str]:
    data = json.loads(col._backend.get_notetype_legacy(spec.NOTETYPE_ID))
    return data["tmpls"][0]["qfmt"], data["tmpls"][0]["afmt"]


def _mod(col) -> int:
    return json.loads(col._backend.get_notetype_legacy(spec.NOTETYPE_ID))["mod"]


def test_release_to_live_template_is_a_normal_update_and_sync(tmp_path, sync_server, built):
    with Device(tmp_path / "a", sync_server) as a, Device(tmp_path / "b", sync_server) as b:
        a.login()
        b.login()
        assert counts(import_apkg(a.col, RELEASE_APKG))["new"] == 14
        assert "ComputeCardsTemplate" not in _templates(a.col)[0]  # the release is the static card
        assert a.sync() is SyncKind.FULL_UPLOAD  # the first sync of a new collection is always full
        assert b.sync() is SyncKind.FULL_DOWNLOAD
        study(b.col, [KV, "gqa"], EASY)
        study(b.col, ["spec-speedup"], GOOD)
        assert b.sync() is SyncKind.NORMAL
        assert a.sync() is SyncKind.NORMAL
        reviews = Progress.of(a.col)
        assert len(reviews.revlog) == 3
        release_mod = _mod(a.col)

        log = import_apkg(a.col, built.deck)  # File > Import with the import screen's defaults

        found = counts(log)
        assert found["conflicting"] == 0 and found["missing_notetype"] == 0, found
        assert compute_notetypes(a.col) == [(spec.NOTETYPE_ID, spec.NOTETYPE_NAME)]
        question, answer = _templates(a.col)
        assert question == spec.QUESTION_TEMPLATE and answer == spec.ANSWER_TEMPLATE
        assert 'ComputeCardsTemplate.start("question")' in question and 'ComputeCardsTemplate.start("answer")' in answer
        assert _mod(a.col) > release_mod
        assert a.status().required == a.status().NORMAL_SYNC
        assert a.sync() is SyncKind.NORMAL
        assert b.sync() is SyncKind.NORMAL

        # the other device has the live template too, and both keep every review
        assert _templates(b.col) == (question, answer)
        assert "<template id=\"cc-compute\">" in first_card(b.col, KV).question(reload=True)
        assert Progress.of(a.col).revlog == reviews.revlog == Progress.of(b.col).revlog
        assert Progress.of(b.col).cards == Progress.of(a.col).cards
        assert b.history[-1] is SyncKind.NORMAL and a.history[-1] is SyncKind.NORMAL
        assert SyncKind.FULL_UPLOAD not in a.history[1:] and SyncKind.FULL_DOWNLOAD not in b.history[1:]


def test_the_live_template_needs_no_media(built):
    """Inline scripts: nothing for the importer to skip, nothing for the media sync to carry."""
    with zipfile.ZipFile(built.deck) as package:
        names = set(package.namelist())
    media_files = {n for n in names if n.isdigit()}
    # the package carries the cards' own images (content's ![...](img/...)), nothing for the template
    images = {m for path in (ROOT / "content").glob("*.md") if path.name != "FORMAT.md" for m in re.findall(r"!\[[^\]]*\]\(([^)\s]+)", path.read_text(encoding="utf-8"))}
    assert len(media_files) == len(images), (names, images)
    for template in (spec.QUESTION_TEMPLATE, spec.ANSWER_TEMPLATE, spec.CSS):
        assert " src=" not in template and "url(" not in template.replace("url(data:", "")
