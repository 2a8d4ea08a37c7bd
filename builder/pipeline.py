"""The build as stages: discover -> parse -> check -> render -> package. Only the last stage writes.

Each stage returns its results plus diagnostics; all errors are collected, then the build stops
before anything is written, so a failed build leaves ``dist/`` and the state file exactly as they were.
"""

from __future__ import annotations

import functools
import json
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from addon.core.card import Card
from addon.core.compute import ComputeModel, parse_compute
from addon.core.diagnostics import ComputeError, Diagnostic
from addon.core.language import DEFAULT_LIMITS, Limits
from addon.core.notetype import compute_field
from addon.core.space import DEFAULT_COVERAGE, Coverage, space_problem

from . import cache as build_cache, markup, media, package, state, uptodate
from .apkg_writer import ApkgWriter, wanted as writer_wanted
from .source import DeckFile, RawCard, SourceFile, Text, decode_source, discover, parse_deck_file, read_bytes


@dataclass(frozen=True)
class Settings:
    """Where the build reads and writes, and its limits: passed in, never global."""

    content_dir: Path
    out_dir: Path
    addon_dir: Path
    manifest_path: Path
    limits: Limits = DEFAULT_LIMITS
    progress: Callable[[str, int, int], None] | None = None
    cache_dir: Path | None = None  # the build cache (builder/cache.py); None: no cache
    jobs: int = 1  # processes for rendering the cards the cache does not hold
    coverage: Coverage = DEFAULT_COVERAGE  # which values of its parameters each compute block is checked at
    media_limits: media.MediaLimits = media.DEFAULT_MEDIA_LIMITS  # how big an image, sound or video may be

    def open_cache(self) -> "build_cache.BuildCache | None":
        return build_cache.BuildCache.open(self.cache_dir, self.content_dir, (self.limits, self.coverage))

    @property
    def state_path(self) -> Path:
        return self.content_dir / state.STATE_FILE


class BuildFailed(Exception):
    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        super().__init__(f"{sum(d.severity == 'error' for d in diagnostics)} error(s)")
        self.diagnostics = diagnostics


@dataclass
class CheckedCard:
    raw: RawCard
    source: SourceFile
    model: ComputeModel | None
    cache_key: str | None = None  # set when the card checked clean and a cache is in use
    cached: tuple[str, str, str, str, str] | None = None  # field values from the cache: checked and rendered before
    deferred: Limits | None = None  # the compute block is checked with these limits when the card is rendered
    coverage: Coverage = DEFAULT_COVERAGE  # and over this much of its parameter space


@dataclass
class BuildResult:
    cards: list[Card] = field(default_factory=list)
    decks: list[DeckFile] = field(default_factory=list)  # after build(): their raw cards and lines are released
    diagnostics: list[Diagnostic] = field(default_factory=list)
    stamped: state.Stamped | None = None
    outputs: list[Path] = field(default_factory=list)
    state_warnings: list[Diagnostic] = field(default_factory=list)  # from comparing with the state file, not the content


def at(src: SourceFile, piece: Text, offset: int, message: str, severity: str = "error") -> Diagnostic:
    """A diagnostic at ``offset`` characters into ``piece`` of ``src``."""
    offset = max(0, min(offset, len(piece.text)))
    line = piece.line + piece.text.count("\n", 0, offset)
    start = piece.text.rfind("\n", 0, offset) + 1
    col = offset - start + 1 + (piece.col - 1 if start == 0 else 0)
    return src.diagnostic(line, col, message, severity)


BATCH = 250  # rendered cards are sent to the .apkg writer in batches of this many
RENDER_NICENESS = 10  # render workers yield the cores to the .apkg writer, which then keeps up with them


# --- stages ------------------------------------------------------------------------------------


def load(settings: Settings, cache: build_cache.BuildCache | None = None) -> tuple[list[DeckFile], list[Diagnostic]]:
    """Discover and parse every deck file.

    With a cache, a deck file whose bytes are those of a record in the cache (builder/cache.py) is
    not parsed: its DeckFile has no raw cards, and ``reused`` holds the record, whose cards ``validate``
    takes as they are. That is exact only when none of its card ids is also in another deck file
    (the duplicate would be reported on one of the two, with its line), so such a file is parsed;
    and only when the media files its cards refer to are unchanged (``media.still_current``).

    Then the media stage (``media.collect``): the files the parsed cards refer to, checked and named.
    """
    decks, diags = [], []
    if not settings.content_dir.is_dir():
        raise BuildFailed([Diagnostic("error", _pos(settings.content_dir), "content folder not found")])
    candidates: list[tuple[int, bytes]] = []  # reused decks (index into decks) with their bytes
    for path in discover(settings.content_dir):
        shown = _shown(path)
        data, read_diags = read_bytes(path, shown)
        diags.extend(read_diags)
        if data is None:
            continue
        digest = build_cache.file_digest(data) if cache else ""
        record = cache.reusable(shown, digest) if cache else None
        files = media.still_current(record.media, settings.content_dir, settings.media_limits) if record and record.media else {}
        if record is not None and files is not None:  # the same bytes, referring to the same media
            candidates.append((len(decks), data))
            decks.append(DeckFile(SourceFile(shown, ""), record.deck, record.tags, [], digest, record, files))
            continue
        deck = _parse(data, shown, digest, diags)
        if deck is not None:
            decks.append(deck)
    if candidates:
        seen: dict[str, int] = {}
        for deck in decks:
            for card_id in (deck.reused.ids() if deck.reused is not None else {raw.card_id for raw in deck.cards}):
                seen[card_id] = seen.get(card_id, 0) + 1
        for index, data in candidates:
            deck = decks[index]
            if any(seen[card_id] > 1 for card_id in deck.reused.ids()):  # shared with another file: parse it
                parsed = _parse(data, deck.source.path, deck.digest, diags)
                assert parsed is not None  # the same bytes parsed clean when the record was written
                decks[index] = parsed
    if not decks and not diags:
        diags.append(Diagnostic("error", _pos(settings.content_dir), "no deck files (*.md with front matter) found"))
    diags += collect_media(decks, settings)
    return decks, diags


def collect_media(decks: list[DeckFile], settings: Settings) -> list[Diagnostic]:
    """The media stage (builder/media.py) over parsed deck files: names set in place, problems returned."""
    collected = media.collect(decks, settings.content_dir, settings.media_limits)
    return [at(src, piece, p.offset, p.message, p.severity) for src, piece, p in collected.problems]


def load_file(path: Path, settings: Settings) -> tuple[DeckFile | None, list[Diagnostic]]:
    """One deck file read and parsed as ``load`` does (never from a cache record), then its media
    collected: ``build.py preview`` parses only the file that was saved. Its ``digest`` is the
    SHA-256 of its bytes."""
    shown = _shown(path)
    data, diags = read_bytes(path, shown)
    if data is None:
        return None, diags
    deck = _parse(data, shown, build_cache.file_digest(data), diags)
    if deck is not None:
        diags += collect_media([deck], settings)
    return deck, diags


def _parse(data: bytes, shown: str, digest: str, diags: list[Diagnostic]) -> DeckFile | None:
    src, read_diags = decode_source(data, shown)
    diags.extend(read_diags)
    if src is None:
        return None
    deck, deck_diags = parse_deck_file(src)
    src.text = ""  # parsed: from here on only its lines are used (for diagnostics); saves memory
    diags.extend(deck_diags)
    if deck is not None:
        deck.digest = digest
    return deck


def check(decks: list[DeckFile], limits: Limits, cache: build_cache.BuildCache | None = None,
          defer: bool = False, coverage: Coverage = DEFAULT_COVERAGE) -> tuple[list[CheckedCard], list[Diagnostic]]:
    """Card ids unique across files; compute blocks parse, evaluate at the defaults and match ``expect``,
    and evaluate over their parameter space (``coverage``: addon/core/space.py).

    ``defer``: leave the compute blocks to ``render``, which checks each one in the process that
    renders its card (so a cold build checks them on every core too); its diagnostics come first
    in what ``render`` returns, in card order, exactly as ``check`` would have returned them.
    """
    checked, diags = [], []
    first_seen: dict[str, tuple[SourceFile, RawCard]] = {}
    for deck in decks:
        for raw in deck.cards:
            if raw.card_id in first_seen:
                other_src, other = first_seen[raw.card_id]
                diags.append(deck.source.diagnostic(
                    raw.line, _id_col(deck.source, raw),
                    f"duplicate card id {raw.card_id!r}: also at {other_src.path}:{other.line}:{_id_col(other_src, other)}"))
                continue
            first_seen[raw.card_id] = (deck.source, raw)
            model = None
            key, cached = cache.lookup(raw) if cache else (None, None)
            if raw.compute is not None and cached is None and defer:
                checked.append(CheckedCard(raw, deck.source, None, key, None, limits, coverage))
                continue
            if raw.compute is not None and cached is None:  # a cache hit checked clean with these limits
                model, compute_diags = check_compute(deck.source, raw.compute, limits, coverage)
                diags.extend(compute_diags)
                key = None if compute_diags else key
            checked.append(CheckedCard(raw, deck.source, model, key, cached))
    return checked, diags


def _id_col(src: SourceFile, raw: RawCard) -> int:
    """The column of the card id on its '## id' line (authors may write '##   id')."""
    return src.lines[raw.line - 1].find(raw.card_id, 2) + 1


def check_compute(src: SourceFile, piece: Text, limits: Limits,
                  coverage: Coverage = DEFAULT_COVERAGE) -> tuple[ComputeModel | None, list[Diagnostic]]:
    model, _, diags = _check_compute(src, piece, limits, coverage)
    return model, diags


def _check_compute(src: SourceFile, piece: Text, limits: Limits,
                   coverage: Coverage = DEFAULT_COVERAGE) -> tuple[ComputeModel | None, dict[str, float] | None, list[Diagnostic]]:
    """``check_compute``, also returning the values at the defaults (so the render need not evaluate again)."""
    try:
        model = parse_compute(piece.text, limits)
    except ComputeError as e:
        return None, None, [at(src, piece, e.offset, e.message)]
    try:
        values = model.evaluate()
        problem = model.expect_problem(values)
    except ComputeError as e:
        return None, None, [at(src, piece, e.offset, f"at the default values: {e.message}")]
    diags = [at(src, piece, model.expect.offset, problem)] if problem and model.expect else []
    elsewhere = space_problem(model, coverage)  # the defaults passed: the rest of the space
    if elsewhere:
        diags.append(at(src, piece, elsewhere.error.offset, elsewhere.message))
    return model, values, diags


def render(checked: list[CheckedCard], progress: Callable[[str, int, int], None] | None = None,
           cache: build_cache.BuildCache | None = None, jobs: int = 1, hashes: dict[str, str] | None = None,
           rendered: Callable[[str, list[Card], bool], None] | None = None) -> tuple[list[Card], list[Diagnostic]]:
    """Every card's Markdown to the note's field values, placeholders filled with the defaults.

    Cards the cache holds are not rendered again; the others are rendered over ``jobs`` processes
    (builder/cache.py), and the clean ones go into the cache.

    ``hashes``: filled with the state-file hash (``state.card_hash``) of each card rendered clean,
    computed in the process that renders it. ``rendered``: called, while the rest still renders,
    with a deck file's path and its next cards, in batches, as long as all its cards are clean; the
    last call for a deck says ``True`` (all its cards are there). ``build`` sends them to the
    .apkg writer. Such a complete deck's cache record is encoded then too (``BuildCache.early_body``).
    """
    todo = [item for item in checked if item.cached is None]
    report = (lambda done: progress("Rendering cards", len(checked) - len(todo) + done, len(checked))) if progress else None
    key_salt = cache.salt if cache and not cache.cards else None  # ``check`` left the keys to this stage (``lookup``)
    work = functools.partial(_check_and_render, with_hash=hashes is not None, key_salt=key_salt)
    results = iter(build_cache.parallel_map(work, todo, jobs, report, lazy=rendered is not None,
                                            nice=RENDER_NICENESS if rendered is not None else 0))
    cards, check_diags, diags = [], [], []
    batch: list[Card] = []  # the next clean cards of the deck file being rendered, not yet sent
    deck_path, deck_start, deck_clean = None, 0, True  # its cards are cards[deck_start:]

    def complete() -> None:
        rendered(deck_path, batch, True)  # type: ignore[misc, arg-type]
        if cache and hashes is not None:  # its cache record, encoded while the rest renders
            cache.early_body(deck_path, cards[deck_start:], hashes)  # type: ignore[arg-type]

    for item in checked:
        raw = item.raw
        if rendered is not None and item.source.path != deck_path:
            if deck_path is not None and deck_clean:
                complete()
            batch, deck_path, deck_start, deck_clean = [], item.source.path, len(cards), True
        if item.cached is not None:
            card = Card(raw.card_id, item.source.path, raw.line, raw.deck, raw.tags, *item.cached)
            if cache and item.cache_key:
                cache.card_keys[raw.card_id] = item.cache_key
        else:
            card, digest, key, compute_diags, card_diags = next(results)
            check_diags.extend(compute_diags)
            diags.extend(card_diags)
            if card_diags or compute_diags:
                deck_clean = False
            else:
                if hashes is not None:
                    hashes[card.card_id] = digest
                if cache and (item.cache_key or key):
                    cache.put(item.cache_key or key, card)
        cards.append(card)
        if rendered is not None and deck_clean:
            batch.append(card)
            if len(batch) == BATCH:
                rendered(deck_path, batch, False)  # type: ignore[arg-type]
                batch = []
    if rendered is not None and deck_path is not None and deck_clean:
        complete()
    return cards, check_diags + diags


def _check_and_render(item: CheckedCard, with_hash: bool = False,
                      key_salt: str | None = None) -> tuple[Card, str, str | None, list[Diagnostic], list[Diagnostic]]:
    """A deferred compute check (see ``check``), then the render, then (``with_hash``) the card's
    state-file hash and (``key_salt``, when ``check`` did not key the card) its cache key: in a
    worker process or in this one."""
    key = build_cache.card_key(key_salt, item.raw) if key_salt is not None and item.cache_key is None else None
    compute_diags: list[Diagnostic] = []
    values = None
    if item.deferred is not None and item.raw.compute is not None:
        model, values, compute_diags = _check_compute(item.source, item.raw.compute, item.deferred, item.coverage)
        item = CheckedCard(item.raw, item.source, model, item.cache_key, None)
    card, diags = _render_card(item, values)
    return card, state.card_hash(card) if with_hash else "", key, compute_diags, diags


_md: markup.markdown.Markdown | None = None  # one Markdown instance per process, reset per text


def _render_card(item: CheckedCard, values: dict[str, float] | None = None) -> tuple[Card, list[Diagnostic]]:
    global _md
    if _md is None:
        _md = markup.new_markdown()
    md = _md
    diags: list[Diagnostic] = []
    raw, src, model = item.raw, item.source, item.model
    if values is None:
        values = model.evaluate() if model else None
    compute_failed = raw.compute is not None and model is None  # its errors are reported already
    sides = []
    for piece in (raw.front, raw.back):
        rendered, problems = markup.render_markdown(md, piece.text, model, values, compute_failed)
        diags.extend(at(src, piece, p.offset, p.message, p.severity) for p in problems)
        sides.append(media.rewrite(rendered, dict(raw.media)) if raw.media else rendered)
    for side, p in markup.footnote_problems(raw.front.text, raw.back.text):
        diags.append(at(src, (raw.front, raw.back)[side], p.offset, p.message, p.severity))
    formula = source = ""
    if raw.formula:  # placeholders work in the formula: and source: lines too
        formula, problems = markup.formula_html(raw.formula.text, model, values, compute_failed)
        diags.extend(at(src, raw.formula, p.offset, p.message, p.severity) for p in problems)
    if raw.source:
        source, problems = markup.render_source(md, raw.source.text, model, values, compute_failed)
        diags.extend(at(src, raw.source, p.offset, p.message, p.severity) for p in problems)
    compute = compute_field(raw.compute.text) if raw.compute else ""
    return Card(raw.card_id, src.path, raw.line, raw.deck, raw.tags, sides[0], sides[1], formula, compute, source), diags


@dataclass
class Writing:
    """The .apkg writer process of one build (builder/apkg_writer.py), fed while the cards render.

    ``rendered`` (render's callback) sends each deck's clean cards as they come, with the mtimes the
    state file will give them (``state.note_mtime`` depends on the card alone), and asks for the
    deck's .apkg and .tsv once all its cards are there. They are written into the staging folder, so if the
    build fails after all, it goes with that folder. ``write_outputs`` checks that what was sent is
    what the build stamped, and writes anything else itself.
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
        """Render's callback (see ``render``)."""
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


def write_outputs(settings: Settings, decks: list[DeckFile], cards: list[Card], stamped: state.Stamped,
                  cache: build_cache.BuildCache | None = None, writing: Writing | None = None) -> list[Path]:
    """Write everything into a staging folder, then swap it in for the output folder.

    ``writing``: the process that got anki ready while the build parsed (builder/apkg_writer.py), and
    the decks already sent to it (``Writing``); it writes the decks that need a new .apkg (and the
    .tsv of those sent while they rendered) while this process writes the other .tsv files and the
    add-on. Without it (or when it fails), the .apkg files are written over ``jobs`` fresh processes
    and every .tsv here.
    """
    writer = writing.writer if writing else None
    staged = writing.staged if writing else package.staging_dir(settings.out_dir)
    try:
        by_file: dict[str, list[Card]] = {}
        for card in cards:
            by_file.setdefault(card.path, []).append(card)
        outputs, early, to_write, tsvs, by_writer = [], [], [], [], []
        for deck in decks:
            deck_cards = by_file.get(deck.source.path, [])
            if not deck_cards:
                continue
            name = package.slug(Path(deck.source.path).stem)
            apkg = staged / f"{name}.apkg"
            key = cache.apkg_key(deck_cards, stamped.note_mtimes, stamped.notetype_mtime) if cache else ""
            exported = writing.exported.get(deck.source.path) if writing else None
            tsv = (staged / f"{name}.tsv", deck.deck, deck_cards)
            if exported is not None and exported == (
                    {c.card_id: stamped.note_mtimes[c.card_id] for c in deck_cards}, stamped.notetype_mtime):
                early.append((apkg, deck_cards, staged / ".work" / name, key))  # being written, with its .tsv
                by_writer.append(tsv)
            else:
                if not (cache and cache.restore_apkg(key, apkg)):  # the same notes as a previous build: reuse
                    to_write.append((apkg, deck_cards, staged / ".work" / name, key))
                tsvs.append(tsv)
            if cache:
                cache.deck_apkgs[deck.source.path] = key
            outputs += [apkg, staged / f"{name}.tsv"]
            if deck.media:  # the .tsv cannot carry files: they go next to it
                package.write_media_folder(staged / package.media_folder_name(name), deck.media)
                outputs.append(staged / package.media_folder_name(name))
        written = early + to_write  # every .apkg this build writes (the others come from the cache)
        if writer is not None:
            writer.submit(to_write, stamped.note_mtimes, stamped.notetype_mtime)
        for tsv_path, deck_name, deck_cards in tsvs:
            tsv_path.write_text(package.tsv_text(deck_name, deck_cards), encoding="utf-8")
        manifest = json.loads(settings.manifest_path.read_text(encoding="utf-8"))
        addon = staged / f"{manifest['package']}.ankiaddon"
        package.write_ankiaddon(addon, settings.addon_dir, manifest)
        outputs.append(addon)
        # Without a writer, or when it failed, the .apkg files are written here, over ``jobs`` processes.
        all_media = {name: path for deck in decks for name, path in deck.media.items()}
        write = functools.partial(_write_apkg, note_mtimes=stamped.note_mtimes, notetype_mtime=stamped.notetype_mtime,
                                  media=all_media)
        if writer is None:
            build_cache.parallel_map(write, to_write, settings.jobs, min_items=2)
        elif writer.wait():
            writer.stop()  # it exits while this process finishes; build() closes it
        else:
            writer.close()  # stopped before this process writes the same files
            for tsv_path, deck_name, deck_cards in by_writer:
                tsv_path.write_text(package.tsv_text(deck_name, deck_cards), encoding="utf-8")
            build_cache.parallel_map(write, written, settings.jobs, min_items=2)
        if cache:
            for apkg, _, _, key in written:
                cache.store_apkg(key, apkg)
        shutil.rmtree(staged / ".work", ignore_errors=True)
        package.publish(staged, settings.out_dir)
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
    return [settings.out_dir / p.name for p in outputs]


def _write_apkg(job: tuple[Path, list[Card], Path, str], note_mtimes: dict[str, int], notetype_mtime: int,
                media: dict[str, Path] | None = None) -> None:
    apkg, deck_cards, work, _ = job
    package.write_apkg(apkg, deck_cards, note_mtimes, notetype_mtime, work, media)


# --- the two entry points ----------------------------------------------------------------------


def validate(settings: Settings, now: int | None = None, cache: build_cache.BuildCache | None = None,
             writing: Writing | None = None) -> BuildResult:
    """Stages up to render, no writing: what ``build.py check`` runs. Raises BuildFailed on errors.

    Also compares the cards with the state file (read only), so the update warnings (removed cards,
    a note type schema change) come out of ``check`` and out of a build before it writes anything.
    ``writing`` (from ``build``): the cards of decks that render clean go to the .apkg writer at once.
    """
    cache = cache or settings.open_cache()  # read here; only a successful build writes it
    previous = writing.previous if writing else state.State.load(settings.state_path)
    decks, diags = load(settings, cache)
    if writing is not None:
        writing.writer.add_media({name: path for deck in decks for name, path in deck.media.items()})
    checked, check_diags = check(decks, settings.limits, cache, defer=True, coverage=settings.coverage)
    diags += check_diags
    known_hashes: dict[str, str] = writing.hashes if writing else {}
    rendered = writing.rendered if writing and not any(d.severity == "error" for d in diags) else None
    cards, render_diags = render(checked, settings.progress, cache, settings.jobs, known_hashes, rendered)
    diags += render_diags
    diags.sort(key=lambda d: (d.position.path, d.position.line, d.position.col))  # file order, not stage order
    if any(d.severity == "error" for d in diags):
        raise BuildFailed(diags)
    if cache and any(deck.reused is not None for deck in decks):
        cards = _with_reused(decks, cards, cache, known_hashes)
    result = BuildResult(cards, decks, diags)
    now = writing.now if writing else now if now is not None else state.build_time()
    result.stamped = state.stamp(previous, cards, now, known_hashes)
    result.state_warnings = _update_warnings(settings, result.stamped) + _card_warnings(result)
    result.diagnostics += result.state_warnings
    return result


def _with_reused(decks: list[DeckFile], rendered: list[Card], cache: build_cache.BuildCache,
                 known_hashes: dict[str, str]) -> list[Card]:
    """Every card in deck-file order: the rendered ones, and those of the reused deck files (``load``)."""
    by_path: dict[str, list[Card]] = {}
    for card in rendered:
        by_path.setdefault(card.path, []).append(card)
    cards: list[Card] = []
    for deck in decks:
        record = deck.reused
        if record is None:
            cards += by_path.get(deck.source.path, [])
            continue
        cards += record.cards()
        ids = record.columns["ids"]
        cache.card_keys.update(zip(ids, record.columns["keys"]))
        known_hashes.update(zip(ids, record.columns["hashes"]))
    return cards


def build(settings: Settings, now: int | None = None, writer: ApkgWriter | None = None) -> BuildResult:
    """The whole build; on any error nothing is written and BuildFailed carries every diagnostic.

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
            digest_of = inputs_of(settings)
            digest = writer.inputs_digest(digest_of) if writer is not None else None  # before anything was read
            if digest is None:
                digest = uptodate.inputs_digest(*digest_of)
        cache = settings.open_cache()
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
        bodies = cache.record_bodies(result.decks, result.cards, hashes) if cache and writing else None  # while it writes
        result.outputs = write_outputs(settings, result.decks, result.cards, stamped, cache, writing=writing)
        writing = None  # write_outputs published or removed the staging folder
        if cache:
            from_state = {id(d) for d in result.state_warnings}  # the same bytes give them again: not the files'
            cache.save(result.decks, result.cards, hashes, [d for d in result.diagnostics if id(d) not in from_state], bodies)
        new_state = stamped.state.dumps()
        if not settings.state_path.exists() or settings.state_path.read_text(encoding="utf-8") != new_state:
            tmp = settings.state_path.with_suffix(".tmp")
            tmp.write_text(new_state, encoding="utf-8")
            tmp.replace(settings.state_path)
        if digest is not None and settings.cache_dir is not None and not result.diagnostics:
            uptodate.record(settings.cache_dir, settings.content_dir, uptodate.with_state(digest, new_state.encode("utf-8")),
                            settings.out_dir, len(result.cards), len(result.decks))
    finally:
        if writer is not None:
            writer.close()
        if writing is not None:  # the build failed before writing: the decks sent early go with the staging folder
            shutil.rmtree(writing.staged, ignore_errors=True)
    return result


def inputs_of(settings: Settings) -> tuple:
    """The arguments of ``uptodate.inputs_digest`` for a build with these settings."""
    return (settings.content_dir, settings.addon_dir, settings.manifest_path, settings.out_dir,
            repr(settings.limits), settings.state_path)  # as build.py's up-to-date check (coverage: pass or fail only)


def _update_warnings(settings: Settings, stamped: state.Stamped) -> list[Diagnostic]:
    warnings = []
    where = _pos(settings.state_path)
    if stamped.removed:
        warnings.append(Diagnostic("warning", where, (
            f"{len(stamped.removed)} card(s) removed since the last build: {', '.join(stamped.removed)}. "
            "Anki's import never deletes notes: learners who imported them keep them (with their reviews) "
            "until they delete them by hand; tell them which cards to delete. The state file forgets these "
            "ids with this build, so this warning is shown once (see README, 'Publishing changes').")))
    if stamped.schema_changed:
        warnings.append(Diagnostic("warning", where, (
            "the Compute Card note type's fields or templates changed (added, removed, renamed or "
            "reordered): this forces a one-way full sync for every learner. Imported with Anki's default "
            "options it updates nothing (a second note type 'Compute Card+' is added and every existing "
            "note is reported as conflicting); imported with 'Merge note types' on, the notes are updated "
            "and Anki then requires a full sync; learners should sync every device before importing "
            "(see README, 'Publishing changes').")))
    return warnings


def _card_warnings(result: BuildResult) -> list[Diagnostic]:
    """A likely renamed id, and cards moved to another deck: each at the card's '## id' line."""
    stamped = result.stamped
    if stamped is None or not (stamped.renamed or stamped.moved):
        return []
    cards = {card.card_id: card for card in result.cards}
    sources = {deck.source.path: deck.source for deck in result.decks}

    def at_card(card_id: str, message: str) -> Diagnostic:
        card = cards[card_id]
        src = sources.get(card.path) or SourceFile(card.path, "")
        line = src.lines[card.line - 1] if 0 < card.line <= len(src.lines) else ""
        return src.diagnostic(card.line, max(1, line.find(card_id) + 1), message, "warning")

    warnings = [at_card(new, (
        f"card {new!r} holds exactly what {old!r} held, and {old!r} is gone: a renamed id? Learners would get "
        f"{new!r} as a new card without its reviews and keep {old!r}; keep the old id (## {old})"))
        for old, new in stamped.renamed]
    warnings += [at_card(card_id, (
        f"card {card_id!r} moved from deck {old!r} to {new!r}: learners who imported it keep their copy in "
        f"{old!r} (Anki's import does not move cards); new learners get it in {new!r}"))
        for card_id, old, new in stamped.moved]
    return warnings


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _pos(path: Path):  # type: ignore[no-untyped-def]
    from addon.core.diagnostics import Position

    return Position(_shown(path), 1, 1)


def terminal_progress(stream=sys.stderr) -> Callable[[str, int, int], None] | None:  # type: ignore[no-untyped-def]
    """A one-line progress display on a terminal; None (quiet) when not a terminal or in CI."""
    import os

    if not stream.isatty() or os.environ.get("CI"):
        return None

    def show(what: str, done: int, total: int) -> None:
        stream.write(f"\r{what}: {done:,}/{total:,}")
        if done == total:
            stream.write("\n")
        stream.flush()

    return show
