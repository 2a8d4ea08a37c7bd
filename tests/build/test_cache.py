"""The build cache (builder/cache.py) changes how fast a build is, never what it produces.

Each test builds a copy of content/ with ``pipeline.build`` and a controlled clock, with and without
the cache, and compares what a learner gets: every note's field values and tags, its mtime, the
.tsv bytes and the notes inside the .apkg.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import given, strategies as st
from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest

from builder import cache as build_cache
from builder import check, fast, parallel, pipeline, render, version

REPO = Path(__file__).resolve().parents[2]
DECK = "ch19-kv-cache"
T0 = 1_800_000_000


def settings(content: Path, out: Path, cache_dir: Path | None, jobs: int = 1) -> pipeline.Settings:
    return pipeline.Settings(content_dir=content, out_dir=out, addon_dir=REPO / "addon",
                             manifest_path=REPO / "manifest.json", cache_dir=cache_dir, jobs=jobs)


def copy_content(where: Path) -> Path:
    shutil.copytree(REPO / "content", where)
    return where


def outcome(result: pipeline.BuildResult) -> dict:
    assert result.stamped is not None
    return {c.card_id: (c.fields(), c.tags, c.deck, result.stamped.note_mtimes[c.card_id]) for c in result.cards}


def apkg_notes(path: Path, tmp: Path) -> dict:
    col = Collection(str(tmp / f"learner-{path.parent.name}.anki2"))
    try:
        col.import_anki_package(ImportAnkiPackageRequest(package_path=str(path), options=ImportAnkiPackageOptions()))
        rows = col.db.all("select guid, flds, tags, mod from notes")
        return {guid: (flds, tags.split(), mod) for guid, flds, tags, mod in rows}
    finally:
        col.close()


def edit_card(content: Path, card_id: str, old: str, new: str) -> None:
    path = content / f"{DECK}.md"
    text = path.read_text(encoding="utf-8")
    start = text.index(f"## {card_id}\n")
    end = text.find("\n## ", start + 1)
    end = len(text) if end == -1 else end
    card = text[start:end]
    assert old in card
    path.write_text(text[:start] + card.replace(old, new, 1) + text[end:], encoding="utf-8")


def hits_for(content: Path, cache_dir: Path) -> tuple[int, int]:
    """(hits, misses) a check of ``content`` would see with the cache as it is on disk now."""
    s = settings(content, content.parent / "unused", cache_dir)
    cache = fast.open_cache(s)
    assert cache is not None
    decks, _ = pipeline.parse(s)
    for deck in decks:
        for raw in deck.cards:
            cache.lookup(raw)
    return cache.hits, cache.misses


def test_cached_rebuild_equals_an_uncached_build(tmp_path):
    plain = copy_content(tmp_path / "plain")
    cached = copy_content(tmp_path / "cached")
    cache_dir = tmp_path / "cache"
    reference = pipeline.build(settings(plain, tmp_path / "dist-plain", None), now=T0)
    first = pipeline.build(settings(cached, tmp_path / "dist-1", cache_dir), now=T0)
    assert hits_for(cached, cache_dir)[1] == 0  # every card is in the cache now
    second = pipeline.build(settings(cached, tmp_path / "dist-2", cache_dir), now=T0 + 100)
    assert outcome(first) == outcome(reference)
    assert outcome(second) == outcome(reference)  # byte-identical fields, the same mtimes
    assert [d.format() for d in second.diagnostics] == [d.format() for d in reference.diagnostics]
    for dist in ("dist-1", "dist-2"):
        assert (tmp_path / dist / f"{DECK}.tsv").read_bytes() == (tmp_path / "dist-plain" / f"{DECK}.tsv").read_bytes()
    want = apkg_notes(tmp_path / "dist-plain" / f"{DECK}.apkg", tmp_path)
    assert apkg_notes(tmp_path / "dist-2" / f"{DECK}.apkg", tmp_path) == want  # the reused .apkg


def test_an_edited_card_misses_and_is_rendered_again(tmp_path):
    plain = copy_content(tmp_path / "plain")
    cached = copy_content(tmp_path / "cached")
    cache_dir = tmp_path / "cache"
    pipeline.build(settings(cached, tmp_path / "dist-1", cache_dir), now=T0)
    pipeline.build(settings(plain, tmp_path / "dist-p1", None), now=T0)
    for content in (plain, cached):
        edit_card(content, "gqa", "reduce KV-cache size", "shrink the KV cache")
    assert hits_for(cached, cache_dir)[1] == 1  # only the edited card
    reference = pipeline.build(settings(plain, tmp_path / "dist-p2", None), now=T0 + 10)
    rebuilt = pipeline.build(settings(cached, tmp_path / "dist-2", cache_dir), now=T0 + 10)
    assert outcome(rebuilt) == outcome(reference)
    assert "shrink the KV cache" in dict((c.card_id, c.front) for c in rebuilt.cards)["gqa"]
    assert rebuilt.stamped is not None and rebuilt.stamped.changed == ("gqa",)
    want = apkg_notes(tmp_path / "dist-p2" / f"{DECK}.apkg", tmp_path)
    assert apkg_notes(tmp_path / "dist-2" / f"{DECK}.apkg", tmp_path) == want  # the deck was rewritten


def test_a_new_tool_version_invalidates_every_entry(tmp_path, monkeypatch):
    content = copy_content(tmp_path / "content")
    cache_dir = tmp_path / "cache"
    first = pipeline.build(settings(content, tmp_path / "dist-1", cache_dir), now=T0)
    assert hits_for(content, cache_dir)[0] == len(first.cards)
    monkeypatch.setattr(version, "_version", "another-version-of-the-build")
    assert hits_for(content, cache_dir) == (0, len(first.cards))
    second = pipeline.build(settings(content, tmp_path / "dist-2", cache_dir), now=T0)
    assert outcome(second) == outcome(first)


def test_tool_version_follows_the_sources():
    first = version.tool_version()
    assert first == version.tool_version()
    assert len(first) == 32


def test_the_tool_version_names_the_installed_markdown_and_anki():
    """The versions in the tool version are read from the .dist-info folders' names (no importlib.metadata)."""
    import importlib.metadata

    for name in ("markdown", "anki"):
        assert version.package_version(name) == importlib.metadata.version(name)
    assert version.package_version("no-such-package-here") == "?"


def record_file(cache_dir: Path) -> Path:
    """The cache's record of the one deck file (builder/cache.py, ``files/``)."""
    (record,) = cache_dir.glob("*/files/*.json")
    return record


@pytest.mark.parametrize("garbage", [b"", b"{not json", b"\x00\xff" * 100, b'{"version": 1, "salt": 3, "cards": []}', b"[]",
                                     b'{"version": 2}\n[]', b"\n\n"])
def test_a_corrupt_cache_is_ignored(tmp_path, garbage):
    content = copy_content(tmp_path / "content")
    cache_dir = tmp_path / "cache"
    first = pipeline.build(settings(content, tmp_path / "dist-1", cache_dir), now=T0)
    record_file(cache_dir).write_bytes(garbage)
    second = pipeline.build(settings(content, tmp_path / "dist-2", cache_dir), now=T0)
    assert outcome(second) == outcome(first)
    assert not second.reused  # the record was not used ...
    assert hits_for(content, cache_dir)[1] == 0  # ... and the build wrote a good one again
    third = pipeline.build(settings(content, tmp_path / "dist-3", cache_dir), now=T0)
    assert third.reused == {d.source.path for d in third.decks} and outcome(third) == outcome(first)


texts = st.text(st.characters(codec=None, exclude_categories=()), max_size=30)  # lone surrogates too


@given(st.lists(st.tuples(texts, st.integers(1, 10**6), st.lists(texts, max_size=3),
                          texts, texts, texts, texts, texts, texts, texts), max_size=6))
def test_record_columns_decode_to_what_was_encoded(cards):
    columns = {name: [list(card[i]) if name == "tags" else card[i] for card in cards]
               for i, name in enumerate(build_cache.COLUMNS)}
    assert build_cache.decode_columns(build_cache.encode_columns(columns)) == columns


def _rewrite_record(path: Path, change, fix_digest: bool) -> None:
    """Change a record's body (``change``: bytes -> bytes), fixing the SHA-256 in its header or not."""
    import hashlib
    import json

    head, body = path.read_bytes().split(b"\n", 1)
    body = change(body)
    if fix_digest:
        header = json.loads(head)
        header["body"] = hashlib.sha256(body).hexdigest()
        head = json.dumps(header).encode()
    path.write_bytes(head + b"\n" + body)


def _in_columns(change):
    """A change of the decoded columns, as a change of the body."""
    def changed(body: bytes) -> bytes:
        columns = build_cache.decode_columns(body)
        change(columns)
        return build_cache.encode_columns(columns)
    return changed


def _in_short_columns(change):
    """A change of the body's first line (the short columns and the values' lengths, JSON)."""
    def changed(body: bytes) -> bytes:
        import json

        line, values = body.split(b"\n", 1)
        short = json.loads(line)
        change(short)
        return json.dumps(short).encode() + b"\n" + values
    return changed


@pytest.mark.parametrize("damage", ["changed text, digest kept", "not a string, digest fixed",
                                    "a column short, digest fixed", "a column missing, digest fixed",
                                    "lengths that do not add up, digest fixed", "no values, digest fixed"])
def test_wrong_entries_and_a_damaged_apkg_are_not_used(tmp_path, damage):
    content = copy_content(tmp_path / "content")
    cache_dir = tmp_path / "cache"
    first = pipeline.build(settings(content, tmp_path / "dist-1", cache_dir), now=T0)

    if damage.startswith("changed text"):  # what a stale or tampered record would say
        change = _in_columns(lambda columns: columns["front"].__setitem__(0, "<p>something else</p>"))
    elif damage.startswith("not a string"):
        change = _in_short_columns(lambda short: short["ids"].__setitem__(0, 5))
    elif damage.startswith("a column short"):
        change = _in_columns(lambda columns: columns["hashes"].pop())
    elif damage.startswith("a column missing"):
        change = _in_short_columns(lambda short: short.pop("keys"))
    elif damage.startswith("lengths"):
        change = _in_short_columns(lambda short: short["sizes"].__setitem__(0, short["sizes"][0] + 1))
    else:
        change = lambda body: body.split(b"\n", 1)[0]  # noqa: E731
    _rewrite_record(record_file(cache_dir), change, fix_digest=not damage.endswith("digest kept"))
    for apkg in cache_dir.glob("*/apkg/*.apkg"):
        apkg.write_bytes(apkg.read_bytes()[:100])  # truncated: its SHA-256 no longer matches
    second = pipeline.build(settings(content, tmp_path / "dist-2", cache_dir), now=T0)
    assert not second.reused
    assert outcome(second) == outcome(first)
    assert apkg_notes(tmp_path / "dist-2" / f"{DECK}.apkg", tmp_path) == apkg_notes(tmp_path / "dist-1" / f"{DECK}.apkg", tmp_path)


def test_a_record_of_other_bytes_or_another_tool_version_is_not_reused(tmp_path, monkeypatch):
    content = copy_content(tmp_path / "content")
    cache_dir = tmp_path / "cache"
    pipeline.build(settings(content, tmp_path / "dist-1", cache_dir), now=T0)
    again = pipeline.build(settings(content, tmp_path / "dist-2", cache_dir), now=T0)
    assert [d.source.path in again.reused for d in again.decks] == [True]
    deck = content / f"{DECK}.md"
    deck.write_bytes(deck.read_bytes() + b"\n")  # one byte more, the same cards
    touched = pipeline.build(settings(content, tmp_path / "dist-3", cache_dir), now=T0)
    assert [d.source.path in touched.reused for d in touched.decks] == [False] and outcome(touched) == outcome(again)
    monkeypatch.setattr(version, "_version", "another-version-of-the-build")
    other = pipeline.build(settings(content, tmp_path / "dist-4", cache_dir), now=T0)
    assert [d.source.path in other.reused for d in other.decks] == [False] and outcome(other) == outcome(again)


def test_an_unwritable_cache_folder_is_not_an_error(tmp_path):
    content = copy_content(tmp_path / "content")
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the cache folder would be")
    result = pipeline.build(settings(content, tmp_path / "dist", blocker), now=T0)
    assert result.cards


def test_no_cache_reads_and_writes_nothing(tmp_path):
    content = copy_content(tmp_path / "content")
    s = settings(content, tmp_path / "dist", None)
    assert fast.open_cache(s) is None
    pipeline.build(s, now=T0)
    assert not (tmp_path / "cache").exists()


def test_parallel_render_equals_serial_and_the_plain_stages(tmp_path, monkeypatch):
    """Checking and rendering over two processes gives the same cards and diagnostics, in the same
    order, as one process, and as the check and render stages called alone."""
    content = copy_content(tmp_path / "content")
    (content / f"{DECK}.md").write_text(
        (content / f"{DECK}.md").read_text(encoding="utf-8") + "\n## broken-card\n\nAn unclosed $ here.\n\n---\n\nAnswer {{nope}}.\n",
        encoding="utf-8")
    monkeypatch.setattr(parallel, "PARALLEL_MIN_ITEMS", 2)
    serial_runs = []
    real_serial = parallel._serial

    def serial(fn, items, progress):  # type: ignore[no-untyped-def]
        serial_runs.append(len(items))
        return real_serial(fn, items, progress)

    monkeypatch.setattr(parallel, "_serial", serial)  # the pool path never calls it
    s = settings(content, tmp_path / "dist", None)
    decks, _ = pipeline.parse(s)
    pairs, _ = check.unique_cards(decks)
    serial = fast.check_and_render(pairs, s.limits, s.coverage, jobs=1)
    assert serial_runs == [len(pairs)]
    two = fast.check_and_render(pairs, s.limits, s.coverage, jobs=2)
    assert serial_runs == [len(pairs)] + ([len(pairs)] if (os.cpu_count() or 1) < 2 else [])  # two workers ran it
    checked, check_diags = check.check(decks, s.limits, s.coverage)
    cards, render_diags = render.render(checked)
    assert two[0] == serial[0] == cards
    assert [d.format() for d in two[1]] == [d.format() for d in serial[1]] == [d.format() for d in check_diags + render_diags]
    assert serial[1]  # the broken card's problems are there


def test_one_tool_version_keys_the_cache_and_the_up_to_date_record(tmp_path, monkeypatch):
    """builder/version.py is the one source: another version changes the cache's salt and the
    up-to-date inputs digest alike."""
    from builder import uptodate

    s = settings(copy_content(tmp_path / "content"), tmp_path / "dist", tmp_path / "cache")
    salt, digest = build_cache.salt(s.limits), uptodate.inputs_digest(*s.inputs())
    monkeypatch.setattr(version, "_version", "another-version-of-the-build")
    monkeypatch.setattr(uptodate, "_memo", None)
    assert build_cache.salt(s.limits) != salt
    assert uptodate.inputs_digest(*s.inputs()) != digest