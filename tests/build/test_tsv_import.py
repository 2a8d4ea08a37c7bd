"""``build.py import-tsv`` on what authors really have: files exported by the real anki package
("Notes in Plain Text", ``Collection.export_note_csv``), a header row, and the seed's drill-card TSV.
Each import is then built and imported into a fresh collection: the cards read as the originals did."""

from __future__ import annotations

from pathlib import Path

import pytest
from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest

from tests.support.cli import run_build

ORIGINALS = [  # (deck, note type, front, back, tags)
    ("Course::GPUs", "Basic", 'Line one<br>line "two"\twith a tab', "Costs $5, not {{x}}; <b>bold</b> *stars* and_under", ["gpu", "hbm::bw"]),
    ("Course::GPUs", "Basic", "Multi\nline front", "# not a heading<br>- not a list", []),
    ("Course::Serving", "Basic (and reversed card)", "What is `vLLM`?", "A serving engine [with] brackets \\ and a backslash", ["serving"]),
]


def export(tmp_path: Path, notes=ORIGINALS, **options) -> Path:
    """Notes in a collection, exported by anki as text with ``options``."""
    folder = tmp_path / "source-collection"
    folder.mkdir(exist_ok=True)
    col = Collection(str(folder / "c.anki2"))
    try:
        for deck, notetype, front, back, tags in notes:
            note = col.new_note(col.models.by_name(notetype))
            note.fields[0], note.fields[1] = front, back
            note.tags = tags
            col.add_note(note, col.decks.id(deck))
        out = tmp_path / "export.txt"
        col.export_note_csv(out_path=str(out), limit=None, **{
            "with_html": True, "with_tags": True, "with_deck": True, "with_notetype": True, "with_guid": True, **options})
        return out
    finally:
        col.close()


def built_notes(tmp_path: Path, content: Path) -> dict[str, tuple[str, str, list[str], str]]:
    """The content built and imported into a fresh collection: question text -> (front, back, tags, deck)."""
    done = run_build("--content", str(content), "--out-dir", str(tmp_path / "dist"), "--no-cache", "-q")
    assert done.returncode == 0, done.stderr
    col = Collection(str(tmp_path / "learner.anki2"))
    try:
        for apkg in sorted((tmp_path / "dist").glob("*.apkg")):
            col.import_anki_package(ImportAnkiPackageRequest(package_path=str(apkg), options=ImportAnkiPackageOptions()))
        out = {}
        for note_id in col.find_notes(""):
            note = col.get_note(note_id)
            out[note["Front"]] = (note["Front"], note["Back"], sorted(note.tags), col.decks.name(note.cards()[0].did))
        return out
    finally:
        col.close()


def test_anki_export_with_every_column_imports_and_builds_to_the_same_cards(tmp_path):
    path = export(tmp_path)
    assert path.read_text().startswith("#separator:tab\n#html:true\n#guid column:1\n#notetype column:2\n#deck column:3\n")
    content = tmp_path / "content"
    done = run_build("--content", str(content), "import-tsv", str(path))  # no --deck: the file names them
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in content.glob("*.md")) == ["gpus.md", "serving.md"]
    assert "GUIDs are not kept" in done.stderr
    notes = built_notes(tmp_path, content)
    assert len(notes) == 3
    fronts = {f: v for f, v in notes.items()}
    first = next(v for f, v in fronts.items() if "Line one" in f)
    assert first[0] == '<p>Line one<br>\nline "two"&#9;with a tab</p>'
    assert first[1] == "<p>Costs $5, not {{x}}; <b>bold</b> *stars* and_under</p>"  # no math, no placeholder, no emphasis
    assert first[2] == ["gpu", "hbm::bw"] and first[3] == "Course::GPUs"
    second = next(v for f, v in fronts.items() if "Multi" in f)
    assert second[0] == "<p>Multi\nline front</p>" and second[1] == "<p># not a heading<br>\n- not a list</p>"
    third = next(v for f, v in fronts.items() if "vLLM" in f)
    assert third[0] == "<p>What is `vLLM`?</p>" and "&#91;with&#93; brackets \\ and a backslash" in third[1]
    assert third[3] == "Course::Serving"


def test_anki_plain_text_export_without_html_or_decks_needs_a_deck(tmp_path):
    path = export(tmp_path, with_html=False, with_deck=False, with_notetype=False, with_guid=False)
    content = tmp_path / "content"
    done = run_build("--content", str(content), "import-tsv", str(path))
    assert done.returncode == 1
    assert f"{path}:4:1: error: no deck: give one with --deck" in done.stderr and "nothing was written" in done.stderr
    assert not content.exists()
    done = run_build("--content", str(content), "import-tsv", str(path), "--deck", "Plain")
    assert done.returncode == 0, done.stderr
    notes = built_notes(tmp_path, content)
    texts = sorted(v[1] for v in notes.values())
    assert "<p>Costs $5, not {{x}}; bold *stars* and_under</p>" in texts  # html:false: Anki exported the text


def test_a_header_row_and_the_seed_format(tmp_path):
    path = tmp_path / "drill.tsv"
    path.write_text("Front\tBack\tTags\nWhat is HBM?\tHigh-bandwidth memory.\tgpu memory\n\nWhat is NVLink?\tA GPU link.\t\n")
    content = tmp_path / "content"
    done = run_build("--content", str(content), "import-tsv", str(path), "--deck", "Drill")
    assert done.returncode == 0, done.stderr
    text = (content / "drill.md").read_text()
    assert "## front" not in text and "## what-is-hbm\ntags: gpu memory\n" in text and "## what-is-nvlink\n\n" in text


def test_errors_name_the_line_of_the_record(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text('#separator:tab\n#html:true\nQ1\tA1\n"Two\nlines"\tA2\nonly one column\n'
                    "The {{c1::KV cache}} grows\textra\n", encoding="utf-8")
    done = run_build("--content", str(tmp_path / "content"), "import-tsv", str(path), "--deck", "Bad")
    assert done.returncode == 1
    lines = [line for line in done.stderr.splitlines() if ": error: " in line]
    assert lines[0] == f"{path}:6:1: error: expected a question and an answer (Front, Back), found 1 field(s)"
    assert lines[1].startswith(f"{path}:7:1: error: a cloze note ({{{{c1::...}}}}): cloze deletions are not supported")
    assert "write the card as a question and an answer instead" in lines[1]
    assert not (tmp_path / "content").exists()


@pytest.mark.parametrize("header, expected", [
    ("#separator:Nope\n", ":1:12: error: unknown separator 'Nope'"),
    ("#html:maybe\n", ":1:7: error: #html: takes true or false"),
    ("#deck column:zero\n", ":1:14: error: #deck column: takes a column number from 1"),
])
def test_bad_headers_are_errors_at_their_line(tmp_path, header, expected):
    path = tmp_path / "h.txt"
    path.write_text(header + "Q\tA\n")
    done = run_build("--content", str(tmp_path / "content"), "import-tsv", str(path), "--deck", "H")
    assert done.returncode == 1 and expected in done.stderr, done.stderr


def test_new_ids_never_take_one_content_already_has(tmp_path):
    content = tmp_path / "content"
    content.mkdir()
    (content / "old.md").write_text("---\ndeck: Old\n---\n\n## what-is-hbm\n\nQ\n\n---\n\nA\n")
    path = tmp_path / "drill.tsv"
    path.write_text("What is HBM?\tHigh-bandwidth memory.\n")
    done = run_build("--content", str(content), "import-tsv", str(path), "--deck", "New")
    assert done.returncode == 0, done.stderr
    assert "## what-is-hbm-2\n" in (content / "new.md").read_text()
    assert run_build("--content", str(content), "--out-dir", str(tmp_path / "dist"), "check").returncode == 0


def test_several_decks_and_out_is_a_usage_error_and_nothing_is_written(tmp_path):
    path = export(tmp_path)
    done = run_build("--content", str(tmp_path / "content"), "import-tsv", str(path), "--out", str(tmp_path / "one.md"))
    assert done.returncode == 2 and "holds 2 decks" in done.stderr
    assert not (tmp_path / "one.md").exists()
