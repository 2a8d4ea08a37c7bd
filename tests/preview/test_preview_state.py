"""builder/preview.py without the server: per deck file, through the build's own stages and cache."""

from __future__ import annotations

from pathlib import Path

from builder import pipeline
from builder.preview import Preview
from tests.preview.test_following import EXTRA
from tests.support.cli import run_build
from tests.support.content_copy import REPO, Author


def _preview(author: Author) -> Preview:
    settings = pipeline.Settings(author.content, author.root / "dist", REPO / "addon", REPO / "manifest.json")
    preview = Preview(settings, report=lambda text: None)
    preview.load()
    return preview


def test_a_save_parses_only_its_file_and_renders_only_the_cards_it_changed(tmp_path: Path) -> None:
    author = Author.copy(tmp_path)
    (author.content / "extra.md").write_text(EXTRA, encoding="utf-8")
    preview = _preview(author)
    extra_before = preview.snapshot.decks[1]
    misses = preview.cache.misses
    author.replace_in_card("gqa", "reduce KV-cache size", "shrink the KV cache")
    update = preview.update([author.deck])
    assert update.parsed == [pipeline.shown(author.deck)]
    assert preview.cache.misses - misses == 1  # the other 13 cards of the file came from the cache
    assert preview.snapshot.decks[1] is extra_before  # the other deck file: not looked at
    assert "shrink the KV cache" in preview.snapshot.card("gqa")[1].front
    assert preview.update([author.deck]).changed == []  # saved again unchanged: nothing to show


def test_the_same_cards_as_the_build(tmp_path: Path) -> None:
    author = Author.copy(tmp_path)
    preview = _preview(author)
    built = author.build(now=1_800_000_000)
    assert [v.cards for v in preview.snapshot.decks] == [tuple(built.result.cards)]


def test_a_broken_save_keeps_the_last_good_render_until_fixed(tmp_path: Path) -> None:
    author = Author.copy(tmp_path)
    preview = _preview(author)
    good = preview.snapshot.decks[0].cards
    author.replace_in_card("gqa", "reduce KV-cache size", "reduce {{missing}} size")
    preview.update([author.deck])
    view = preview.snapshot.decks[0]
    assert view.stale and view.cards == good and view.errors == 1
    assert view.counts == {"gqa": 1}
    check = run_build("--content", str(author.content), "--no-cache", "check")
    assert [d.format() for d in view.diagnostics] == [check.stderr.split("\nbuild failed")[0]]
    author.replace_in_card("gqa", "reduce {{missing}} size", "reduce the size")
    preview.update([author.deck])
    view = preview.snapshot.decks[0]
    assert not view.stale and view.diagnostics == () and "reduce the size" in preview.snapshot.card("gqa")[1].front


def test_a_card_id_in_two_files_is_reported_where_the_build_reports_it(tmp_path: Path) -> None:
    author = Author.copy(tmp_path)
    preview = _preview(author)
    (author.content / "zz-extra.md").write_text(EXTRA.replace("extra-card", "gqa"), encoding="utf-8")
    preview.update([author.content / "zz-extra.md"])
    main, extra = preview.snapshot.decks
    assert main.diagnostics == () and extra.errors == 1
    check = run_build("--content", str(author.content), "--no-cache", "check")
    assert extra.diagnostics[0].format() in check.stderr and "duplicate card id 'gqa'" in check.stderr
    assert preview.snapshot.card("gqa")[0] is main  # the card the build keeps
    (author.content / "zz-extra.md").unlink()
    update = preview.update([author.content / "zz-extra.md"])
    assert [v.shown for v in preview.snapshot.decks] == [main.shown] and update.changed
