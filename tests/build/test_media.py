"""Images, sounds and videos in cards: found next to the deck file, carried by the .apkg under a name made
from their bytes, and checked through a real import into a fresh collection (official anki package).

Every deck here is a small one written into a temporary content folder, built with the real command line.
"""

from __future__ import annotations

import hashlib
import os
import re
import struct
import zlib
from pathlib import Path

import pytest
from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest

from addon.core.card import guid_for
from builder import media, pipeline
from tests.support.cli import ROOT, run_build

DECK = "Media test"


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A real PNG of one colour."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\0" + bytes(rgb) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><rect width="40" height="20" fill="#36c"/></svg>\n'
MP3 = b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" + b"\0" * 64
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\0" * 32


def card(card_id: str, question: str, answer: str = "The answer.") -> str:
    return f"## {card_id}\n\n{question}\n\n---\n\n{answer}\n"


def write_deck(content: Path, *cards: str, name: str = "media.md") -> Path:
    content.mkdir(parents=True, exist_ok=True)
    path = content / name
    path.write_text(f"---\ndeck: {DECK}\n---\n\n" + "\n".join(cards), encoding="utf-8")
    return path


def build(where: Path, *extra: str, jobs: str = "1") -> "os.CompletedProcess":
    return run_build("--content", str(where / "content"), "--out-dir", str(where / "dist"),
                     "--cache-dir", str(where / "cache"), "--jobs", jobs, *extra)


def import_into(col: Collection, apkg: Path):
    return col.import_anki_package(ImportAnkiPackageRequest(package_path=str(apkg), options=ImportAnkiPackageOptions())).log


def note_for(col: Collection, card_id: str):
    (note_id,) = col.db.list("select id from notes where guid = ?", guid_for(card_id))
    return col.get_note(note_id)


def sources_in(html_text: str) -> list[str]:
    return re.findall(r'\ssrc="([^"]*)"', html_text)


def media_dir(col: Collection) -> Path:
    return Path(col.media.dir())


@pytest.fixture()
def learner(tmp_path):
    (tmp_path / "learner").mkdir()
    col = Collection(str(tmp_path / "learner" / "collection.anki2"))
    yield col
    col.close()


@pytest.fixture()
def course(tmp_path) -> Path:
    """A deck with a PNG (Markdown), an SVG (<img>), a sound and a video (HTML tags), one image used twice."""
    content = tmp_path / "content"
    (content / "img").mkdir(parents=True)
    (content / "img" / "kv-shape.png").write_bytes(png(8, 4, (200, 40, 40)))
    (content / "diagram.svg").write_bytes(SVG)
    (content / "tone.mp3").write_bytes(MP3)
    (content / "clip.mp4").write_bytes(MP4)
    (content / "unused.png").write_bytes(png(2, 2, (0, 0, 0)))
    write_deck(content,
               card("shape", "What shape is the KV cache?\n\n![The KV cache: layers x 2 x heads x tokens](img/kv-shape.png)",
                    'Two tensors per layer. <img src="diagram.svg" alt="diagram">'),
               card("sound", 'Listen: <audio controls src="tone.mp3"></audio>',
                    '<video controls><source src="clip.mp4" type="video/mp4"></video>'),
               card("again", "The same picture again: ![again](img/kv-shape.png)"),
               card("plain", "No media at all."))
    return tmp_path


def expected_names(content: Path) -> dict[str, bytes]:
    files = [content / "img" / "kv-shape.png", content / "diagram.svg", content / "tone.mp3", content / "clip.mp4"]
    return {media.media_name(p, p.read_bytes()): p.read_bytes() for p in files}


def test_imported_media_folder_holds_exactly_the_referenced_files_under_the_fields_names(course, learner):
    done = build(course)
    assert done.returncode == 0, done.stderr
    log = import_into(learner, course / "dist" / "media.apkg")
    assert len(log.new) == 4
    expected = expected_names(course / "content")
    found = {p.name: p.read_bytes() for p in media_dir(learner).iterdir()}
    assert found == expected  # byte for byte, nothing else (not unused.png)
    referenced = set()
    for card_id in ("shape", "sound", "again"):
        note = note_for(learner, card_id)
        referenced |= set(sources_in(note["Front"] + note["Back"]))
    assert referenced == set(expected)
    shape = note_for(learner, "shape")
    (image,) = sources_in(shape["Front"])
    assert image == media.media_name(Path("kv-shape.png"), (course / "content" / "img" / "kv-shape.png").read_bytes())
    assert image.startswith("kv-shape-") and image.endswith(".png")
    assert 'alt="The KV cache: layers x 2 x heads x tokens"' in shape["Front"]
    assert sources_in(note_for(learner, "again")["Front"]) == [image]  # one file, one name
    assert '<audio controls src="tone-' in note_for(learner, "sound")["Front"]


def test_the_writer_process_and_the_build_itself_carry_the_same_media(course, tmp_path):
    one = build(course, jobs="1")
    assert one.returncode == 0, one.stderr
    (course / "dist").rename(course / "dist-1")
    two = build(course, "--no-cache", jobs="2")
    assert two.returncode == 0, two.stderr
    for dist in ("dist-1", "dist"):
        folder = tmp_path / f"learner-{dist}"
        folder.mkdir()
        col = Collection(str(folder / "c.anki2"))
        try:
            import_into(col, course / dist / "media.apkg")
            assert {p.name for p in media_dir(col).iterdir()} == set(expected_names(course / "content"))
        finally:
            col.close()


def test_a_rendered_card_shows_the_image(course, learner, tmp_path):
    """The question as Anki renders it, opened from the media folder (as the reviewer serves it) in Chromium."""
    from tests.support.browser import available, chromium

    if available():
        pytest.fail(available())
    assert build(course).returncode == 0
    import_into(learner, course / "dist" / "media.apkg")
    question = note_for(learner, "shape").cards()[0].question()
    page = media_dir(learner) / "card.html"
    page.write_text(f"<!doctype html><html><body>{question}</body></html>", encoding="utf-8")
    with chromium(tmp_path / "profile") as driver:
        driver.get(page.as_uri())
        sizes = driver.execute_script(
            "return Array.from(document.images).map(i => [i.complete, i.naturalWidth, i.naturalHeight])")
    assert sizes == [[True, 8, 4]]


def test_an_unchanged_rebuild_changes_no_note_and_an_edited_image_updates_the_learners_note(course, learner):
    assert build(course).returncode == 0
    import_into(learner, course / "dist" / "media.apkg")
    again = build(course, "--no-cache")  # no up-to-date shortcut: really rebuilt
    assert again.returncode == 0, again.stderr
    assert "(0 new, 0 changed since the last build)" in again.stderr
    log = import_into(learner, course / "dist" / "media.apkg")
    assert not log.updated and not log.new and len(log.duplicate) == 4

    old_name = sources_in(note_for(learner, "shape")["Front"])[0]
    new_bytes = png(8, 4, (40, 200, 40))  # the author redraws the picture; the Markdown is unchanged
    (course / "content" / "img" / "kv-shape.png").write_bytes(new_bytes)
    edited = build(course)  # with the cache and the up-to-date check: they must see the new bytes
    assert edited.returncode == 0, edited.stderr
    assert "(0 new, 2 changed since the last build)" in edited.stderr
    log = import_into(learner, course / "dist" / "media.apkg")
    assert {learner.get_note(n.id.nid).guid for n in log.updated} == {guid_for("shape"), guid_for("again")}
    new_name = sources_in(note_for(learner, "shape")["Front"])[0]
    assert new_name != old_name
    assert (media_dir(learner) / new_name).read_bytes() == new_bytes  # the learner now sees the new picture
    assert sources_in(note_for(learner, "again")["Front"]) == [new_name]


def test_the_tsv_gets_its_media_in_a_folder_next_to_it(course):
    assert build(course).returncode == 0
    folder = course / "dist" / "media-media"
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == expected_names(course / "content")
    tsv = (course / "dist" / "media.tsv").read_text(encoding="utf-8")
    assert set(re.findall(r'src=""([^"]*)""', tsv)) == set(expected_names(course / "content"))
    up = build(course)
    assert "is up to date" in up.stderr  # the folder is part of what the up-to-date check compares


def test_urls_are_left_as_written_with_a_warning_and_code_is_not_a_reference(tmp_path, learner):
    write_deck(tmp_path / "content",
               card("web", "Online only: ![logo](https://example.org/logo.png)",
                    "Code: `![x](missing.png)` and\n\n```\n<img src=\"missing.png\">\n```\n\n![inline](data:image/png;base64,iVBORw0KGgo=)"))
    done = build(tmp_path)
    assert done.returncode == 0, done.stderr
    assert "media.md:7:22: warning: 'https://example.org/logo.png' is left as a link" in done.stderr
    assert "offline" in done.stderr
    import_into(learner, tmp_path / "dist" / "media.apkg")
    note = note_for(learner, "web")
    assert sources_in(note["Front"]) == ["https://example.org/logo.png"]
    assert "<code>![x](missing.png)</code>" in note["Back"]
    assert list(media_dir(learner).iterdir()) == []


def _failing(tmp_path: Path, question: str, setup=None) -> str:
    content = tmp_path / "content"
    write_deck(content, card("bad", question), card("fine", "A fine card."))
    if setup:
        setup(content)
    (tmp_path / "dist").mkdir()
    (tmp_path / "dist" / "old.apkg").write_bytes(b"previous build")
    done = build(tmp_path)
    assert done.returncode == 1
    assert "nothing was written" in done.stderr
    assert [p.name for p in (tmp_path / "dist").iterdir()] == ["old.apkg"]
    return done.stderr


def _symlink_out(content: Path) -> None:
    outside = content.parent / "outside.png"
    outside.write_bytes(png(1, 1, (1, 2, 3)))
    (content / "link.png").symlink_to(outside)


def _big(content: Path) -> None:
    with (content / "big.png").open("wb") as f:
        f.write(png(1, 1, (0, 0, 0)))
        f.truncate(10 * 1024 * 1024 + 1)


@pytest.mark.parametrize("question, setup, expected", [
    ("See ![a](missing.png) here", None, "media.md:7:10: error: media file 'missing.png' not found"),
    ("See ![a](../outside.png)", None, "media.md:7:10: error: '../outside.png' leads outside the content folder"),
    ('See <img src="/etc/hosts.png">', None, "media.md:7:15: error: '/etc/hosts.png' is an absolute path"),
    ("See ![a](link.png)", _symlink_out, "media.md:7:10: error: 'link.png' is a symbolic link that leads outside the content folder"),
    ("See ![a](big.png)", _big, "media.md:7:10: error: 'big.png' is 10.0 MiB; the limit is 10 MiB per media file"),
    ("See ![a](photo.bmp)", None, "media.md:7:10: error: 'photo.bmp': unsupported media type '.bmp' (supported: .gif .jpeg .jpg .mp3 .mp4 .png .svg .webp)"),
    ("See ![a](fake.png)", lambda c: (c / "fake.png").write_bytes(b"GIF89a...."),
     "media.md:7:10: error: 'fake.png' is not a PNG image"),
    ("Hear ![a](tone.mp3)", lambda c: (c / "tone.mp3").write_bytes(MP3),
     "media.md:7:11: error: 'tone.mp3' is a MP3 sound, which ![...](...) cannot show: write <audio controls src=\"tone.mp3\"></audio>"),
    ("Go <img src='javascript:alert(1)'>", None, "media.md:7:14: error: 'javascript:alert(1)': only paths to files"),
    ("See ![a][logo]\n\n[logo]: a.png", None, "media.md:7:5: error: write an image's path where it is shown, ![alt](path)"),
], ids=["missing", "dotdot", "absolute", "symlink", "too-big", "unknown-type", "wrong-bytes", "sound-as-image", "scheme",
        "reference-style"])
def test_bad_references_are_errors_at_the_reference_and_nothing_is_written(tmp_path, question, setup, expected):
    stderr = _failing(tmp_path, question, setup)
    assert expected in stderr, stderr
    head = next(line for line in stderr.splitlines() if ": error: " in line)
    path, line, col = head.split(":")[:3]
    shown = (tmp_path / "content" / "media.md").read_text(encoding="utf-8").split("\n")[int(line) - 1]
    lines = stderr.splitlines()
    i = lines.index(head)
    assert lines[i + 1] == "    " + shown and lines[i + 2] == " " * (4 + int(col) - 1) + "^"


def test_media_in_the_source_line_is_an_error(tmp_path):
    content = tmp_path / "content"
    content.mkdir()
    (content / "media.md").write_text(f"---\ndeck: {DECK}\n---\n\n## logo\nsource: Meta <img src=\"logo.png\">\n\nQ\n\n---\n\nA\n")
    done = build(tmp_path)
    assert done.returncode == 1
    assert "media.md:6:24: error: media in the source: line is not carried into the deck" in done.stderr, done.stderr


def test_the_size_limit_is_a_setting(tmp_path):
    content = tmp_path / "content"
    write_deck(content, card("pic", "![a](a.png)"))
    (content / "a.png").write_bytes(png(4, 4, (1, 1, 1)))
    settings = pipeline.Settings(content_dir=content, out_dir=tmp_path / "dist", addon_dir=ROOT / "addon",
                                 manifest_path=ROOT / "manifest.json", media_limits=media.MediaLimits(max_file_bytes=10))
    with pytest.raises(pipeline.BuildFailed) as failed:
        pipeline.validate(settings)
    assert [d.message for d in failed.value.diagnostics] == [
        f"'a.png' is {(content / 'a.png').stat().st_size / 2**20:.1f} MiB; the limit is {10 / 2**20:g} MiB per media file (make it smaller)"]


def test_media_names_come_from_the_bytes():
    data = png(2, 2, (9, 9, 9))
    assert media.media_name(Path("My Diagram.PNG"), data) == f"my-diagram-{hashlib.sha256(data).hexdigest()[:16]}.png"
    assert media.media_name(Path("a.png"), data) != media.media_name(Path("a.png"), data + b"\0")
