"""The build with its speed layer: the same stages as builder/pipeline.py, with these around them:

    cache.py        a deck file whose bytes built clean before is not parsed (its cards come from its
                    record); a card whose inputs rendered clean before is not checked or rendered
    parallel.py     the other cards are checked and rendered over ``jobs`` worker processes, each card
                    by ``check.check_card`` then ``render.render_card`` (the stage functions)
    apkg_writer.py  a second process writes each deck's .apkg while the rest still renders
    uptodate.py     build.py's "dist/ is up to date" (before this module is imported), recorded here

None of them changes what is built: a build through this module gives the outputs the stages alone
give (``Settings.plain``; tests/build/test_speed_layer.py proves it on the real content and on a
generated corpus). What the layer needs to know about a card (its cache key, its state-file hash)
it keeps beside the stage values, never in them.
"""

from __future__ import annotations

import functools
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from addon.core.card import Card, by_path
from addon.core.diagnostics import Diagnostic
from addon.core.language import Limits
from addon.core.space import Coverage

from . import cache as build_cache, check as check_stage, package, parallel, pipeline, render as render_stage, state, uptodate
from .apkg_writer import ApkgWriter, wanted as writer_wanted
from .cache import BuildCache, FileRecord
from .pipeline import BuildResult, Settings, deck_outputs, shown
from .source import DeckFile, RawCard, SourceFile, file_digest, read_bytes

BATCH = 250  # rendered cards are sent to the .apkg writer in batches of this many
RENDER_NICENESS = 10  # render workers yield the cores to the .apkg writer, which then keeps up with them

Rendered = Callable[[str, list[Card], bool], None]  # (deck file, its next clean cards, all of them sent)


def open_cache(settings: Settings) -> BuildCache | None:
    """The build cache of the content folder (read, not yet written); None with no cache folder."""
    return BuildCache.open(settings.cache_dir, settings.content_dir, (settings.limits, settings.coverage))


@dataclass
class Loaded:
    """discover + parse through the cache: the deck files in order, and the records of those the
    cache gave whole (by shown path: such a DeckFile has no raw cards; its cards are the record's)."""

    decks: list[DeckFile]
    records: dict[str, FileRecord]
    diagnostics: list[Diagnostic]


def load(settings: Settings, cache: BuildCache | None) -> Loaded:
    """``pipeline.parse``, except that a deck file whose bytes are those of a record in the cache is
    not parsed. That is exact only when none of its card ids is also in another deck file (the
    duplicate would be reported on one of the two, with its line), so such a file is parsed; and only
    when the media files its cards refer to are unchanged (``media.still_current``)."""
    from . import media

    deck_paths = pipeline.discover_decks(settings)
    decks: list[DeckFile] = []
    records: dict[str, FileRecord] = {}
    diags: list[Diagnostic] = []
    candidates: list[tuple[int, bytes]] = []  # reused decks (index into decks) with their bytes
    for path in deck_paths:
        shown_path = shown(path)
        data, read_diags = read_bytes(path, shown_path)
        diags += read_diags
        if data is None:
            continue
        digest = file_digest(data)
        record = cache.reusable(shown_path, digest) if cache else None
        files = media.still_current(record.media, settings.content_dir, settings.media_limits) if record and record.media else {}
        if record is not None and files is not None:  # the same bytes, referring to the same media
            candidates.append((len(decks), data))
            decks.append(DeckFile(SourceFile(shown_path, ""), record.deck, record.tags, [], digest, files))
            records[shown_path] = record
            continue
        deck = pipeline.parse_bytes(data, shown_path, diags)
        if deck is not None:
            decks.append(deck)
    if candidates:
        seen: dict[str, int] = {}
        for deck in decks:
            record = records.get(deck.source.path)
            for card_id in (record.ids() if record is not None else {raw.card_id for raw in deck.cards}):
                seen[card_id] = seen.get(card_id, 0) + 1
        for index, data in candidates:
            deck = decks[index]
            if any(seen[card_id] > 1 for card_id in records[deck.source.path].ids()):  # shared with another file: parse it
                del records[deck.source.path]
                parsed = pipeline.parse_bytes(data, deck.source.path, diags)
                assert parsed is not None  # the same bytes parsed clean when the record was written
                decks[index] = parsed
    diags += pipeline.nothing_found(settings, decks, diags)
    parsed, media_diags = pipeline.collect_media([d for d in decks if d.source.path not in records], settings)
    collected = iter(parsed)
    decks = [deck if deck.source.path in records else next(collected) for deck in decks]
    return Loaded(decks, records, diags + media_diags)


# --- check and render, card by card, through the cache and the workers -------------------------


def check_and_render(cards: list[tuple[SourceFile, RawCard]], limits: Limits, coverage: Coverage,
                     cache: BuildCache | None = None, jobs: int = 1,
                     progress: Callable[[str, int, int], None] | None = None, hashes: dict[str, str] | None = None,
                     rendered: Rendered | None = None) -> tuple[list[Card], list[Diagnostic]]:
    """The check and render stages for ``cards`` (from ``check.unique_cards``), in order: what
    ``check.check`` then ``render.render`` give, the cards and the diagnostics (those of the check
    stage first, then the render stage's, each in card order).

    A card the cache holds (a key hit: it checked clean and rendered to these fields before) is taken
    from it; the others are checked and rendered over ``jobs`` processes, and the clean ones' keys
    go into ``cache.card_keys`` (``save`` stores them). ``hashes``: filled with the state-file hash
    (``state.card_hash``) of each card rendered clean, computed in the process that renders it.
    ``rendered``: called, while the rest still renders, with a deck file's path and its next cards,
    in batches, as long as all its cards are clean; the last call for a deck says ``True``. ``build``
    sends them to the .apkg writer. Such a complete deck's cache record is encoded then too.
    """
    keyed = bool(cache and cache.cards)  # with nothing cached, keys are made where the card renders
    todo: list[tuple[SourceFile, RawCard, str | None]] = []
    hits: list[tuple[str, tuple[str, str, str, str, str]] | None] = []
    for src, raw in cards:
        key, fields = cache.lookup(raw) if keyed and cache else (None, None)
        hits.append((key, fields) if fields is not None and key is not None else None)
        if fields is None:
            todo.append((src, raw, key))
    report = (lambda done: progress("Rendering cards", len(cards) - len(todo) + done, len(cards))) if progress else None
    work = functools.partial(_card_work, limits=limits, coverage=coverage, with_hash=hashes is not None,
                             key_salt=cache.salt if cache and not keyed else None)
    results = iter(parallel.parallel_map(work, todo, jobs, report, lazy=rendered is not None,
                                         nice=RENDER_NICENESS if rendered is not None else 0))
    out, check_diags, diags = [], [], []
    batch: list[Card] = []  # the next clean cards of the deck file being rendered, not yet sent
    deck_path, deck_start, deck_clean = None, 0, True  # its cards are out[deck_start:]

    def complete() -> None:
        rendered(deck_path, batch, True)  # type: ignore[misc, arg-type]
        if cache and hashes is not None:  # its cache record, encoded while the rest renders
            cache.early_body(deck_path, out[deck_start:], hashes)  # type: ignore[arg-type]

    for (src, raw), hit in zip(cards, hits):
        if rendered is not None and src.path != deck_path:
            if deck_path is not None and deck_clean:
                complete()
            batch, deck_path, deck_start, deck_clean = [], src.path, len(out), True
        if hit is not None:
            key, fields = hit
            card = Card(raw.card_id, src.path, raw.line, raw.deck, raw.tags, *fields)
            cache.card_keys[raw.card_id] = key  # type: ignore[union-attr]
        else:
            card, digest, key, compute_diags, card_diags = next(results)
            check_diags += compute_diags
            diags += card_diags
            if card_diags or compute_diags:
                deck_clean = False
            else:
                if hashes is not None:
                    hashes[card.card_id] = digest
                if cache and key:
                    cache.put(key, card)
        out.append(card)
        if rendered is not None and deck_clean:
            batch.append(card)
            if len(batch) == BATCH:
                rendered(deck_path, batch, False)  # type: ignore[arg-type]
                batch = []
    if rendered is not None and deck_path is not None and deck_clean:
        complete()
    return out, check_diags + diags


def _card_work(item: tuple[SourceFile, RawCard, str | None], limits: Limits, coverage: Coverage, with_hash: bool,
               key_salt: str | None) -> tuple[Card, str, str | None, list[Diagnostic], list[Diagnostic]]:
    """One card in a worker (or in this process): the check stage, the render stage, then what the
    speed layer keeps beside them: the card's state-file hash (``with_hash``) and its cache key (when
    the cache did not make one: ``key_salt``)."""
    src, raw, key = item
    checked, check_diags = check_stage.check_card(src, raw, limits, coverage)
    card, render_diags = render_stage.render_card(checked)
    if key is None and key_salt is not None:
        key = build_cache.card_key(key_salt, raw)
    return card, state.card_hash(card) if with_hash else "", key, check_diags, render_diags


# --- the build ---------------------------------------------------------------------------------


@dataclass
class Writing:
    """The .apkg writer process of one build (builder/apkg_writer.py), fed while the cards render.

    ``rendered`` (check_and_render's callback) sends each deck's clean cards as they come, with the
    mtimes the state file will give them (``state.note_mtime`` depends on the card alone), and asks
    for the deck's .apkg and .tsv once all its cards are there. They are written into the staging
    folder, so if the build fails after all, it goes with that folder. ``write_outputs`` checks that
    what was sent is what the build stamped, and writes anything else itself.
    """

    writer: ApkgWriter
    staged: Path
    previous: state.State
    now: int
    notetype_mtime: int  # state.notetype_mtime(previous, now): what the build will stamp
    hashes: dict[str, str] = field(default_factory=dict)  # card id -> state-file hash, filled by render
    mtimes: dict[str, dict[str, int]] = field(default_factory=dict)  # deck path -> the mtimes of its cards sent so far
    exported: dict[str, tuple[dict[str, int], int]] = field(default_factory=dict)  # deck path -> (its mtimes, the note type's)

    def rendered(self, path: str, cards: list[Card], complete: bool) -> None:
        """check_and_render's callback (see there)."""
        mtimes = self.mtimes.setdefault(path, {})
        for card in cards:
            digest = self.hashes.get(card.card_id)
            if digest is None:  # from the cache: hashed here
                digest = self.hashes[card.card_id] = state.card_hash(card)
            mtimes[card.card_id] = state.note_mtime(self.previous, card.card_id, digest, self.now)
        if cards:
            self.writer.add(path, cards, mtimes, self.notetype_mtime)
        if not complete:
            return
        name = package.slug(Path(path).stem)
        self.writer.export(path, self.staged / f"{name}.apkg", self.staged / f"{name}.tsv")
        self.exported[path] = (self.mtimes.pop(path), self.notetype_mtime)


def validate(settings: Settings, now: int | None = None, cache: BuildCache | None = None,
             writing: Writing | None = None) -> BuildResult:
    """``pipeline.validate`` through the speed layer. ``writing`` (from ``build``): the cards of decks
    that render clean go to the .apkg writer at once."""
    cache = cache or open_cache(settings)  # read here; only a successful build writes it
    previous = writing.previous if writing else state.State.load(settings.state_path)
    loaded = load(settings, cache)
    diags = loaded.diagnostics
    if writing is not None:
        writing.writer.add_media({name: path for deck in loaded.decks for name, path in deck.media.items()})
    cards, id_diags = check_stage.unique_cards([d for d in loaded.decks if d.source.path not in loaded.records])
    diags += id_diags
    known_hashes: dict[str, str] = writing.hashes if writing else {}
    rendered = writing.rendered if writing and not any(d.severity == "error" for d in diags) else None
    built, card_diags = check_and_render(cards, settings.limits, settings.coverage, cache, settings.jobs,
                                         settings.progress, known_hashes, rendered)
    if cache and loaded.records:
        built = _with_reused(loaded, built, cache, known_hashes)
    now = writing.now if writing else now if now is not None else state.build_time()
    result = pipeline.stamped_result(settings, previous, loaded.decks, built, diags + card_diags, now, known_hashes)
    result.reused = frozenset(loaded.records)
    return result


def _with_reused(loaded: Loaded, rendered: list[Card], cache: BuildCache, known_hashes: dict[str, str]) -> list[Card]:
    """Every card in deck-file order: the rendered ones, and those of the reused deck files (``load``)."""
    by_file = by_path(rendered)
    cards: list[Card] = []
    for deck in loaded.decks:
        record = loaded.records.get(deck.source.path)
        if record is None:
            cards += by_file.get(deck.source.path, [])
            continue
        cards += record.cards()
        ids = record.columns["ids"]
        cache.card_keys.update(zip(ids, record.columns["keys"]))
        known_hashes.update(zip(ids, record.columns["hashes"]))
    return cards


def build(settings: Settings, now: int | None = None, writer: ApkgWriter | None = None) -> BuildResult:
    """``pipeline.build`` through the speed layer.

    With a cache folder, a build without any diagnostic records what it read and wrote, so the next
    ``build.py`` run can tell that nothing changed (builder/uptodate.py).

    ``writer``: an .apkg writer process already started (build.py starts it as early as it can); when
    None, one is started here if it is worth it (``apkg_writer.wanted``). Either way, it is closed here.
    """
    if writer is None and writer_wanted(settings.jobs, settings.content_dir):
        writer = ApkgWriter.start()  # anki gets ready on the other core while this process parses
    writing = None
    try:
        digest = None
        if settings.cache_dir is not None:
            digest = writer.inputs_digest(settings.inputs()) if writer is not None else None  # before anything was read
            if digest is None:
                digest = uptodate.inputs_digest(*settings.inputs())
        cache = open_cache(settings)
        if writer is not None:
            previous, now = state.State.load(settings.state_path), now if now is not None else state.build_time()
            writing = Writing(writer, package.staging_dir(settings.out_dir), previous, now, state.notetype_mtime(previous, now))
            writer.prepare(writing.notetype_mtime)
        result = validate(settings, now, cache, writing)
        stamped = result.stamped
        assert stamped is not None
        for deck in result.decks:  # checked and rendered: writing needs neither the raw cards nor the lines
            deck.cards = []
            deck.source.lines = []
        if settings.cache_dir is not None:
            uptodate.forget(settings.cache_dir, settings.content_dir)  # dist/ is about to change
        hashes = {card_id: v["hash"] for card_id, v in stamped.state.cards.items()}
        bodies = cache.record_bodies(result.decks, result.cards, hashes, result.reused) if cache and writing else None
        staged = writing.staged if writing else package.staging_dir(settings.out_dir)
        result.outputs = write_outputs(settings, staged, result.decks, result.cards, stamped, cache, writing)
        writing = None  # write_outputs staged everything or removed the staging folder
        new_state = pipeline.publish(settings, staged, stamped)
        if cache:
            from_state = {id(d) for d in result.state_warnings}  # the same bytes give them again: not the files'
            cache.save(result.decks, result.cards, hashes, [d for d in result.diagnostics if id(d) not in from_state],
                       bodies, result.reused)
        if digest is not None and settings.cache_dir is not None and not result.diagnostics:
            uptodate.record(settings.cache_dir, settings.content_dir, uptodate.with_state(digest, new_state.encode("utf-8")),
                            settings.out_dir, len(result.cards), len(result.decks))
    finally:
        if writer is not None:
            writer.close()
        if writing is not None:  # the build failed before writing: the decks sent early go with the staging folder
            shutil.rmtree(writing.staged, ignore_errors=True)
    return result


def write_outputs(settings: Settings, staged: Path, decks: list[DeckFile], cards: list[Card], stamped: state.Stamped,
                  cache: BuildCache | None = None, writing: Writing | None = None) -> list[Path]:
    """``pipeline.write_package`` through the speed layer: the same files in ``staged``.

    ``writing``: the process that got anki ready while the build parsed (builder/apkg_writer.py), and
    the decks already sent to it; it writes the decks that need a new .apkg (and the .tsv of those
    sent while they rendered) while this process writes the other .tsv files and the add-on. A deck
    whose notes are those of an .apkg in the cache gets that file. Without a writer (or when it
    fails), the .apkg files are written over ``jobs`` fresh processes and every .tsv here.
    """
    writer = writing.writer if writing else None
    try:
        by_file = by_path(cards)
        outputs, early, to_write, tsvs, by_writer = [], [], [], [], []
        for deck in decks:
            deck_cards = by_file.get(deck.source.path, [])
            if not deck_cards:
                continue
            apkg, tsv_path, media_folder = deck_outputs(staged, deck)
            key = cache.apkg_key(deck_cards, stamped.note_mtimes, stamped.notetype_mtime) if cache else ""
            exported = writing.exported.get(deck.source.path) if writing else None
            tsv = (tsv_path, deck.deck, deck_cards)
            if exported is not None and exported == (
                    {c.card_id: stamped.note_mtimes[c.card_id] for c in deck_cards}, stamped.notetype_mtime):
                early.append((apkg, deck_cards, staged / ".work" / apkg.stem, key))  # being written, with its .tsv
                by_writer.append(tsv)
            else:
                if not (cache and cache.restore_apkg(key, apkg)):  # the same notes as a previous build: reuse
                    to_write.append((apkg, deck_cards, staged / ".work" / apkg.stem, key))
                tsvs.append(tsv)
            if cache:
                cache.deck_apkgs[deck.source.path] = key
            outputs += [apkg, tsv_path]
            if deck.media:  # the .tsv cannot carry files: they go next to it
                package.write_media_folder(media_folder, deck.media)
                outputs.append(media_folder)
        written = early + to_write  # every .apkg this build writes (the others come from the cache)
        if writer is not None:
            writer.submit(to_write, stamped.note_mtimes, stamped.notetype_mtime)
        _write_tsvs(tsvs)
        outputs.append(pipeline.write_addon(staged, settings))
        # Without a writer, or when it failed, the .apkg files are written here, over ``jobs`` processes.
        all_media = {name: path for deck in decks for name, path in deck.media.items()}
        write = functools.partial(_write_apkg, note_mtimes=stamped.note_mtimes, notetype_mtime=stamped.notetype_mtime,
                                  media=all_media)
        if writer is None:
            parallel.parallel_map(write, to_write, settings.jobs, min_items=2)
        elif writer.wait():
            writer.stop()  # it exits while this process finishes; build() closes it
        else:
            writer.close()  # stopped before this process writes the same files
            _write_tsvs(by_writer)
            parallel.parallel_map(write, written, settings.jobs, min_items=2)
        if cache:
            for apkg, _, _, key in written:
                cache.store_apkg(key, apkg)
        shutil.rmtree(staged / ".work", ignore_errors=True)
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
    return [settings.out_dir / p.name for p in outputs]


def _write_tsvs(tsvs: Iterable[tuple[Path, str, list[Card]]]) -> None:
    for path, deck_name, deck_cards in tsvs:
        path.write_text(package.tsv_text(deck_name, deck_cards), encoding="utf-8")


def _write_apkg(job: tuple[Path, list[Card], Path, str], note_mtimes: dict[str, int], notetype_mtime: int,
                media: dict[str, Path] | None = None) -> None:
    apkg, deck_cards, work, _ = job
    package.write_apkg(apkg, deck_cards, note_mtimes, notetype_mtime, work, media)
