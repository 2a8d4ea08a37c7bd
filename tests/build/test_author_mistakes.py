"""What a new author gets wrong, and the words the build has for it: cloze deletions, text that looks
like a placeholder, a renamed id, a card moved to another deck, and Markdown's silent traps."""

from __future__ import annotations

from pathlib import Path

import pytest

from builder import pipeline
from tests.support.cli import ROOT, run_build
from tests.support.content_copy import Author

T0 = 1_800_000_000
COMPUTE = "```compute\nparam seq_len = 4096 in 128..131_072 step 128\nanswer = 2 * seq_len\nunit: B\n```\n"


def deck_file(content: Path, body: str, name: str = "deck.md", deck: str = "Mistakes") -> Path:
    content.mkdir(parents=True, exist_ok=True)
    path = content / name
    path.write_text(f"---\ndeck: {deck}\n---\n\n{body}", encoding="utf-8")
    return path


def diagnostics(content: Path) -> list[str]:
    settings = pipeline.Settings(content_dir=content, out_dir=content.parent / "dist", addon_dir=ROOT / "addon",
                                 manifest_path=ROOT / "manifest.json")
    try:
        return [d.format() for d in pipeline.validate(settings, now=T0).diagnostics]
    except pipeline.BuildFailed as failed:
        return [d.format() for d in failed.diagnostics]


def test_cloze_is_an_error_saying_what_to_write_instead(tmp_path):
    deck_file(tmp_path / "content", "## cloze\n\nThe {{c1::KV cache}} grows with the sequence.\n\n---\n\nYes.\n")
    (found,) = diagnostics(tmp_path / "content")
    head, line, caret = found.split("\n")
    assert head.endswith("deck.md:7:7: error: cloze deletions ({{c1::...}}) are not supported by the Compute Card "
                         "note type: ask the question and put the hidden part on the answer side, after '---' "
                         "(to write double braces as text, write \\{\\{)")
    assert line == "    The {{c1::KV cache}} grows with the sequence." and caret == "          ^"


def test_text_that_looks_like_a_placeholder_shows_the_escape_and_the_escape_works(tmp_path):
    content = tmp_path / "content"
    deck_file(content, "## braces\n\nHello {{ user.name }}!\n\n---\n\nYes.\n")
    (found,) = diagnostics(content)
    assert "deck.md:7:9: error: a placeholder is {{name}}" in found and "write \\{\\{" in found
    deck_file(content, "## braces\n\nHello \\{\\{ user.name }}!\n\n---\n\nYes.\n")
    settings = pipeline.Settings(content_dir=content, out_dir=tmp_path / "dist", addon_dir=ROOT / "addon",
                                 manifest_path=ROOT / "manifest.json")
    (card,) = pipeline.validate(settings).cards
    assert card.front == "<p>Hello {{ user.name }}!</p>"


def test_a_removed_id_and_a_new_one_with_the_same_content_is_named_a_likely_rename(tmp_path):
    author = Author.copy(tmp_path)
    author.build(now=T0)
    author.replace_in_card("gqa", "## gqa\n", "## gqa-explained\n")
    built = author.build(now=T0 + 10)
    line = author.text().split("\n").index("## gqa-explained") + 1
    rename = [w for w in built.warnings if "a renamed id?" in w]
    assert len(rename) == 1
    assert rename[0].startswith(f"{author.deck}:{line}:4: warning: card 'gqa-explained' holds exactly what 'gqa' held, "
                                "and 'gqa' is gone: a renamed id?")
    assert "keep the old id (## gqa)" in rename[0]
    assert any("1 card(s) removed since the last build: gqa." in w for w in built.warnings)


def test_a_card_moved_to_another_deck_warns_that_learners_keep_it_in_the_old_one(tmp_path):
    content = tmp_path / "content"
    card = "## hbm\n\nWhat is HBM?\n\n---\n\nHigh-bandwidth memory.\n"
    deck_file(content, card, "a.md", "Course::A")
    deck_file(content, "## other\n\nQ\n\n---\n\nA\n", "b.md", "Course::B")
    out = tmp_path / "dist"
    assert run_build("--content", str(content), "--out-dir", str(out), "--no-cache").returncode == 0
    deck_file(content, "", "a.md", "Course::A")
    deck_file(content, "## other\n\nQ\n\n---\n\nA\n\n" + card, "b.md", "Course::B")
    (content / "a.md").write_text("---\ndeck: Course::A\n---\n\n## stays\n\nQ2\n\n---\n\nA2\n", encoding="utf-8")
    done = run_build("--content", str(content), "--out-dir", str(out), "--no-cache")
    assert done.returncode == 0, done.stderr
    assert (f"b.md:13:4: warning: card 'hbm' moved from deck 'Course::A' to 'Course::B': learners who imported it "
            "keep their copy in 'Course::A' (Anki's import does not move cards)") in done.stderr
    again = run_build("--content", str(content), "--out-dir", str(out), "--no-cache")
    assert "moved from deck" not in again.stderr  # said once: the lock now knows its new deck


def test_the_build_summary_names_the_changed_and_new_cards(tmp_path):
    content = tmp_path / "content"
    deck_file(content, "## one\n\nQ1\n\n---\n\nA1\n\n## two\n\nQ2\n\n---\n\nA2\n")
    out = tmp_path / "dist"
    first = run_build("--content", str(content), "--out-dir", str(out), "--no-cache", "-q")
    assert "(2 new, 0 changed since the last build)\n  new: one, two\n" in first.stderr
    deck_file(content, "## one\n\nQ1 edited\n\n---\n\nA1\n\n## two\n\nQ2\n\n---\n\nA2\n\n## three\n\nQ3\n\n---\n\nA3\n")
    second = run_build("--content", str(content), "--out-dir", str(out), "--no-cache", "-q")
    assert "(1 new, 1 changed since the last build)\n  changed: one\n  new: three\n" in second.stderr


# --- Markdown traps ------------------------------------------------------------------------------


def test_a_three_space_nested_list_is_a_warning_at_the_item_and_four_spaces_nest(tmp_path):
    content = tmp_path / "content"
    deck_file(content, "## lists\n\nWhich?\n\n- outer\n   - three spaces\n- next\n    - four spaces\n\n---\n\nA\n")
    (found,) = diagnostics(content)
    assert "deck.md:10:4: warning: this list item is indented 3 space(s) more than the one above" in found
    assert "indent it 4 spaces to nest it" in found
    settings = pipeline.Settings(content_dir=content, out_dir=tmp_path / "dist", addon_dir=ROOT / "addon",
                                 manifest_path=ROOT / "manifest.json")
    (card,) = pipeline.validate(settings).cards
    assert "<li>outer</li>\n<li>three spaces</li>" in card.front  # the trap: not nested
    assert "<li>next<ul>\n<li>four spaces</li>" in card.front  # what the warning asks for works


def test_a_footnote_whose_text_is_on_the_other_side_is_a_warning_at_the_reference(tmp_path):
    content = tmp_path / "content"
    deck_file(content, "## notes\n\nHow big is it?[^1] And `[^2]` is code.\n\n---\n\nBig.\n\n[^1]: Meta, 2024.\n\n"
                       "Also [^3].\n")
    found = diagnostics(content)
    assert len(found) == 2
    assert "deck.md:7:15: warning: the text of footnote [^1] is on the answer side" in found[0]
    assert "put a line '[^1]: ...' on this side too" in found[0]
    assert "deck.md:15:6: warning: footnote [^3] has no text" in found[1]


def test_a_tags_line_after_a_blank_line_is_a_warning(tmp_path):
    content = tmp_path / "content"
    deck_file(content, "## late\n\ntags: gpu\n\nWhat?\n\n---\n\nThis.\n")
    (found,) = diagnostics(content)
    assert found.startswith(f"{content / 'deck.md'}:7:1: warning: this 'tags:' line is part of the question, because a "
                            "blank line is above it: card settings go right under the '## id' line")
    deck_file(content, "## late\ntags: gpu\n\nWhat?\n\n---\n\nThis.\n")
    assert diagnostics(content) == []
