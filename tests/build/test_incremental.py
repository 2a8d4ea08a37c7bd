"""An incremental rebuild (builder/cache.py deck-file records, builder/apkg_writer.py) produces exactly
what a build from scratch without any cache produces.

Each scenario keeps two copies of one multi-file content folder: one built with the cache (the first
build fills it; the builds after the change reuse every deck file whose bytes are unchanged), the
other always built with no cache. After the same change, with the same clock, both must give the
same cards, the same diagnostics (or the same failure), the same state file, the same .tsv and
.ankiaddon bytes and the same notes and note type in every .apkg. Then the change is undone and
both are built again: the cache must not remember anything a failed or a changed build left.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from builder import fast, pipeline
from tests.support.learner import imported

REPO = Path(__file__).resolve().parents[2]
T0, T1, T2 = 1_800_000_000, 1_800_000_100, 1_800_000_200
NEW_CARD = "\n## a-brand-new-card\ntags: added\n\nWhat is {{{{nothing}}}} new?\n\n---\n\nThis, {n}.\n"


@pytest.fixture(scope="module")
def corpus_dir(tmp_path_factory) -> Path:
    """Four generated deck files (plain and compute cards) and the real deck file."""
    sys.path.insert(0, str(REPO / "bench"))
    import corpus

    where = tmp_path_factory.mktemp("corpus")
    corpus.generate(where, 160, decks=4, seed=7)
    shutil.copy(REPO / "content" / "ch19-kv-cache.md", where / "ours" / "ch19-kv-cache.md")
    shutil.copytree(REPO / "content" / "img", where / "ours" / "img")  # the deck's images
    return where / "ours"


def settings(content: Path, out: Path, cache_dir: Path | None, jobs: int) -> pipeline.Settings:
    return pipeline.Settings(content_dir=content, out_dir=out, addon_dir=REPO / "addon",
                             manifest_path=REPO / "manifest.json", cache_dir=cache_dir, jobs=jobs)


# --- editing deck files ------------------------------------------------------------------------


def cards_of(path: Path) -> tuple[str, list[str]]:
    """A generated deck file as (front matter, card blocks each starting with '## id')."""
    head, *blocks = path.read_text(encoding="utf-8").split("\n## ")
    return head, ["## " + block for block in blocks]


def write_cards(path: Path, head: str, blocks: list[str]) -> None:
    path.write_text("\n".join([head, *blocks]) if blocks else head, encoding="utf-8")


def card_id(block: str) -> str:
    return block.split("\n", 1)[0][3:].strip()


def deck(content: Path, n: int) -> Path:
    return content / f"deck-{n:02d}.md"


def edit_one_card(content: Path) -> None:
    head, blocks = cards_of(deck(content, 2))
    i = len(blocks) // 2
    blocks[i] = blocks[i].replace("\n---\n", "\n---\n\nEdited: now the answer says *more*.\n", 1)
    write_cards(deck(content, 2), head, blocks)


def add_a_card(content: Path) -> None:
    path = deck(content, 3)
    path.write_text(path.read_text(encoding="utf-8").rstrip("\n") + "\n" + NEW_CARD.format(n=1), encoding="utf-8")


def move_a_card(content: Path) -> None:
    head, blocks = cards_of(deck(content, 1))
    moved = blocks.pop(3)
    write_cards(deck(content, 1), head, blocks)
    head4, blocks4 = cards_of(deck(content, 4))
    write_cards(deck(content, 4), head4, [*blocks4[:2], moved.rstrip("\n") + "\n", *blocks4[2:]])


def duplicate_into_a_later_file(content: Path) -> None:
    """deck-04 gets a copy of a card of deck-01 (unchanged): the error is on deck-04's copy."""
    _, blocks = cards_of(deck(content, 1))
    path = deck(content, 4)
    path.write_text(path.read_text(encoding="utf-8").rstrip("\n") + "\n\n" + blocks[5], encoding="utf-8")


def duplicate_into_an_earlier_file(content: Path) -> None:
    """deck-01 gets a card with the id of one in deck-04 (unchanged): the error is on deck-04's line."""
    _, blocks = cards_of(deck(content, 4))
    other = card_id(blocks[7])
    path = deck(content, 1)
    path.write_text(path.read_text(encoding="utf-8").rstrip("\n") + "\n" + NEW_CARD.format(n=2).replace("a-brand-new-card", other),
                    encoding="utf-8")


def remove_a_card(content: Path) -> None:
    head, blocks = cards_of(deck(content, 2))
    del blocks[4]
    write_cards(deck(content, 2), head, blocks)


def break_a_card(content: Path) -> None:
    head, blocks = cards_of(deck(content, 3))
    blocks[2] = blocks[2].replace("\n---\n", "\n\n", 1)  # no separator: an error
    blocks[5] = blocks[5] + "\nAn unclosed $ sign {{no_such_name}}.\n"
    write_cards(deck(content, 3), head, blocks)


# name: (the change, the files it changes, the files the incremental build must parse)
SCENARIOS = {
    "edit one card": (edit_one_card, {"deck-02.md"}, {"deck-02.md"}),
    "add a card": (add_a_card, {"deck-03.md"}, {"deck-03.md"}),
    "move a card between files": (move_a_card, {"deck-01.md", "deck-04.md"}, {"deck-01.md", "deck-04.md"}),
    "duplicate id into a later file": (duplicate_into_a_later_file, {"deck-04.md"}, {"deck-01.md", "deck-04.md"}),
    "duplicate id into an earlier file": (duplicate_into_an_earlier_file, {"deck-01.md"}, {"deck-01.md", "deck-04.md"}),
    "remove a card": (remove_a_card, {"deck-02.md"}, {"deck-02.md"}),
    "an error in one file": (break_a_card, {"deck-03.md"}, {"deck-03.md"}),
}


# --- what a build gives ------------------------------------------------------------------------


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every output file by its path in ``folder`` (a deck's media folder included)."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()} if folder.exists() else {}


def run(s: pipeline.Settings, now: int, writer=None):  # type: ignore[no-untyped-def]
    try:
        result = pipeline.build(s, now=now, writer=writer)
    except pipeline.BuildFailed as failed:
        return None, [d.format() for d in failed.diagnostics]
    assert result.stamped is not None
    outcome = [(c.card_id, c.path, c.line, c.deck, c.tags, c.fields(), result.stamped.note_mtimes[c.card_id]) for c in result.cards]
    return result, (outcome, [d.format() for d in result.diagnostics], result.stamped.changed, result.stamped.added,
                    result.stamped.removed, [p.name for p in result.outputs])


def assert_same(cached: Path, plain: Path, now: int, tmp: Path, jobs: int, parsed_expected: set[str] | None, monkeypatch):
    """Build both folders at ``now``; everything must be the same. ``parsed_expected``: the deck
    files the cached build parses (the others are reused from the cache); None: not checked."""
    cached_dist, plain_dist = cached.parent / "dist", plain.parent / "dist"
    cached_before, plain_before = snapshot(cached_dist), snapshot(plain_dist)
    parsed: list[str] = []
    real_parse = pipeline.parse_deck_file

    def spy(src):  # type: ignore[no-untyped-def]
        parsed.append(Path(src.path).name)
        return real_parse(src)

    # Each build runs in its own folder with relative paths, so both show 'content/deck-01.md'.
    with monkeypatch.context() as m:
        m.setattr(pipeline, "parse_deck_file", spy)
        m.chdir(cached.parent)
        got, got_summary = run(settings(Path("content"), Path("dist"), cached.parent / "cache", jobs), now)
    with monkeypatch.context() as m:
        m.chdir(plain.parent)
        want, want_summary = run(settings(Path("content"), Path("dist"), None, jobs), now)
    assert got_summary == want_summary
    assert (cached / "cards.lock.json").read_bytes() == (plain / "cards.lock.json").read_bytes()
    if parsed_expected is not None:
        assert sorted(parsed) == sorted(parsed_expected)
    if want is None:  # both failed: neither wrote anything
        assert got is None
        assert snapshot(cached_dist) == cached_before and snapshot(plain_dist) == plain_before
        return
    assert got is not None
    assert {Path(d.source.path).name for d in got.decks if d.source.path not in got.reused} == set(parsed)
    got_files, want_files = snapshot(cached_dist), snapshot(plain_dist)
    assert sorted(got_files) == sorted(want_files)
    for name in want_files:
        if name.endswith(".apkg"):
            assert imported(cached_dist / name, tmp) == imported(plain_dist / name, tmp), name
        else:
            assert got_files[name] == want_files[name], name  # .tsv and .ankiaddon: byte for byte


@pytest.mark.parametrize("jobs", [2, 1])
@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_an_incremental_rebuild_equals_a_build_from_scratch(tmp_path, corpus_dir, scenario, jobs, monkeypatch):
    change, changed, parsed = SCENARIOS[scenario]
    cached, plain = tmp_path / "a" / "content", tmp_path / "b" / "content"
    shutil.copytree(corpus_dir, cached)
    shutil.copytree(corpus_dir, plain)
    everything = {p.name for p in corpus_dir.glob("*.md")}
    assert_same(cached, plain, T0, tmp_path, jobs, everything, monkeypatch)  # the first build: cold
    assert_same(cached, plain, T0 + 1, tmp_path, jobs, set(), monkeypatch)  # nothing changed: all reused
    originals = {p.name: p.read_bytes() for p in cached.glob("*.md")}
    change(cached)
    change(plain)
    assert {p.name for p in cached.glob("*.md") if p.read_bytes() != originals[p.name]} == changed
    assert_same(cached, plain, T1, tmp_path, jobs, parsed, monkeypatch)
    for content in (cached, plain):  # undo the change
        for name, data in originals.items():
            (content / name).write_bytes(data)
    assert_same(cached, plain, T2, tmp_path, jobs, None, monkeypatch)
    assert_same(cached, plain, T2 + 1, tmp_path, jobs, set(), monkeypatch)


def test_a_renamed_deck_file_is_parsed_and_its_cards_come_from_the_cache(tmp_path, corpus_dir, monkeypatch):
    cached, plain = tmp_path / "a" / "content", tmp_path / "b" / "content"
    shutil.copytree(corpus_dir, cached)
    shutil.copytree(corpus_dir, plain)
    everything = {p.name for p in corpus_dir.glob("*.md")}
    assert_same(cached, plain, T0, tmp_path, 2, everything, monkeypatch)
    for content in (cached, plain):
        deck(content, 2).rename(content / "deck-02-renamed.md")
    monkeypatch.chdir(cached.parent)
    s = settings(Path("content"), Path("unused"), tmp_path / "a" / "cache", 1)
    cache = fast.open_cache(s)
    assert cache is not None
    loaded = fast.load(s, cache)
    for parsed in loaded.decks:
        for raw in parsed.cards:
            cache.lookup(raw)
    assert cache.misses == 0 and cache.hits > 0  # the old path's record still serves
    assert_same(cached, plain, T1, tmp_path, 2, {"deck-02-renamed.md"}, monkeypatch)
    assert len(list((tmp_path / "a" / "cache").glob("*/files/*.json"))) == len(everything)  # the old record is gone


def _dies(conn, *_):  # type: ignore[no-untyped-def]
    conn.close()
    import os

    os._exit(3)


@pytest.mark.parametrize("failure", ["writer process dies", "writer reports a failure"])
def test_the_build_writes_the_apkg_itself_when_the_writer_fails(tmp_path, corpus_dir, monkeypatch, failure):
    from builder import apkg_writer

    cached, plain = tmp_path / "a" / "content", tmp_path / "b" / "content"
    shutil.copytree(corpus_dir, cached)
    shutil.copytree(corpus_dir, plain)
    assert_same(cached, plain, T0, tmp_path, 2, {p.name for p in corpus_dir.glob("*.md")}, monkeypatch)
    edit_one_card(cached)
    edit_one_card(plain)
    if failure == "writer process dies":
        monkeypatch.setattr(apkg_writer, "_serve", _dies)
    else:
        def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
            raise RuntimeError("no disk space left, say")

        monkeypatch.setattr("builder.package.PackageWriter.add", broken)  # in the writer process only ...
        real_wait = apkg_writer.ApkgWriter.wait

        def wait_then_restore(self, timeout=apkg_writer.WAIT_SECONDS):  # type: ignore[no-untyped-def]
            ok = real_wait(self, timeout)
            monkeypatch.undo()  # ... the build's own process writes with the real one
            return ok

        monkeypatch.setattr(apkg_writer.ApkgWriter, "wait", wait_then_restore)
    started = []
    real_start = apkg_writer.ApkgWriter.start.__func__  # type: ignore[attr-defined]

    def counting_start(cls):  # type: ignore[no-untyped-def]
        writer = real_start(cls)
        started.append(writer)
        return writer

    monkeypatch.setattr(apkg_writer.ApkgWriter, "start", classmethod(counting_start))
    assert_same(cached, plain, T1, tmp_path, 2, {"deck-02.md"}, monkeypatch)
    assert started and all(not w._process.is_alive() for w in started)


@pytest.mark.parametrize("batch", [7, 250])
def test_the_writer_process_writes_what_the_build_would_write_itself(tmp_path, corpus_dir, monkeypatch, batch):
    """A cold build with two jobs sends each deck's cards to the writer process as they render (in
    batches of ``batch``) and has it export the deck's .apkg from its one collection; a build with one
    job writes each .apkg itself, from a collection of its own. Both give the same notes, note type
    and decks in every .apkg, the same .tsv (written by the writer, or by the build) and .ankiaddon
    bytes and the same state file."""
    from builder import apkg_writer

    monkeypatch.setattr(fast, "BATCH", batch)
    exported: list[str] = []
    real_export = apkg_writer.ApkgWriter.export

    def spy(self, deck, apkg, tsv=None):  # type: ignore[no-untyped-def]
        exported.append(Path(deck).name)
        assert tsv == apkg.with_suffix(".tsv")  # the writer writes the deck's .tsv too
        return real_export(self, deck, apkg, tsv)

    monkeypatch.setattr(apkg_writer.ApkgWriter, "export", spy)
    streamed, serial = tmp_path / "a" / "content", tmp_path / "b" / "content"
    shutil.copytree(corpus_dir, streamed)
    shutil.copytree(corpus_dir, serial)
    with monkeypatch.context() as m:
        m.chdir(streamed.parent)
        writer = apkg_writer.ApkgWriter.start()
        got, got_summary = run(settings(Path("content"), Path("dist"), None, 2), T0, writer)
    with monkeypatch.context() as m:
        m.chdir(serial.parent)
        want, want_summary = run(settings(Path("content"), Path("dist"), None, 1), T0)  # no writer: one job
    assert got is not None and want is not None and got_summary == want_summary
    assert sorted(exported) == sorted(p.name for p in corpus_dir.glob("*.md"))  # every deck went through the writer
    assert (streamed / "cards.lock.json").read_bytes() == (serial / "cards.lock.json").read_bytes()
    got_files, want_files = snapshot(streamed.parent / "dist"), snapshot(serial.parent / "dist")
    assert sorted(got_files) == sorted(want_files)
    for name in want_files:
        if name.endswith(".apkg"):
            assert imported(streamed.parent / "dist" / name, tmp_path) == imported(serial.parent / "dist" / name, tmp_path), name
        else:
            assert got_files[name] == want_files[name], name
    assert writer is not None and not writer._scratch.exists()  # the writer's collection folder went with it


def test_a_build_that_fails_after_the_writer_started_leaves_dist_and_no_writer_files(tmp_path, corpus_dir, monkeypatch):
    """The last deck file has an error: the decks before it were already sent to the writer and
    written into the staging folder. The build fails, dist/ stays as it was, nothing is left behind."""
    from builder import apkg_writer

    exported: list[str] = []
    real_export = apkg_writer.ApkgWriter.export
    monkeypatch.setattr(apkg_writer.ApkgWriter, "export",
                        lambda self, deck, apkg, tsv=None: (exported.append(Path(deck).name), real_export(self, deck, apkg, tsv))[1])
    content = tmp_path / "content"
    shutil.copytree(corpus_dir, content)
    monkeypatch.chdir(tmp_path)
    assert run(settings(Path("content"), Path("dist"), None, 2), T0, apkg_writer.ApkgWriter.start())[0] is not None
    dist = snapshot(tmp_path / "dist")
    state_file = (content / "cards.lock.json").read_bytes()
    last = sorted(content.glob("deck-*.md"))[-1]
    # An error only rendering finds (parse and check errors stop the build before anything is sent).
    last.write_text(last.read_text(encoding="utf-8") + "\n## broken-at-the-end\n\nHow big is {{kv_bytes}}?\n\n---\n\nBig.\n",
                    encoding="utf-8")
    exported.clear()
    writer = apkg_writer.ApkgWriter.start()
    result, diagnostics = run(settings(Path("content"), Path("dist"), None, 2), T1, writer)
    assert result is None and any("needs a compute block" in d for d in diagnostics)
    assert exported and last.name not in exported  # the clean decks were written before the error was known
    assert snapshot(tmp_path / "dist") == dist and (content / "cards.lock.json").read_bytes() == state_file
    assert not list(tmp_path.glob(".dist.new-*"))  # the staging folder with the early .apkg files is gone
    assert writer is not None and not writer._scratch.exists()  # its own folder; /dev/shm is shared with other builds


def test_the_writer_computes_the_inputs_digest_first_and_only_for_its_arguments(tmp_path, corpus_dir):
    """build.py has the writer hash the build's inputs (builder/uptodate.py) while it imports the
    build: the same digest as the build's own, and none for other arguments (the build then hashes)."""
    from builder import apkg_writer, uptodate

    content = tmp_path / "content"
    shutil.copytree(corpus_dir, content)
    digest_of = settings(content, tmp_path / "dist", tmp_path / "cache", 2).inputs()
    writer = apkg_writer.ApkgWriter.start(digest_of)
    assert writer is not None
    try:
        assert writer.inputs_digest(digest_of) == uptodate.inputs_digest(*digest_of)
        assert writer.inputs_digest(digest_of) is None  # given once
    finally:
        writer.close()
    other = apkg_writer.ApkgWriter.start(digest_of)
    assert other is not None
    try:
        assert other.inputs_digest((tmp_path / "elsewhere", *digest_of[1:])) is None
        assert other.wait()  # nothing to wait for: the digest nobody took is not taken for an outcome
    finally:
        other.close()
