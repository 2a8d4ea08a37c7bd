"""``build.py preview``: every deck file's cards, kept rendered as the files are saved. Writes nothing.

The stages are the build's own, called per deck file: ``pipeline.parse_file`` reads and parses the
file that was saved (and collects its media); ``check.check_card`` and ``render.render_card`` turn
its cards into the note's field values, through the speed layer's ``fast.check_and_render`` with the
build cache (builder/cache.py) read once and then held in memory only: a card whose text did not
change is not rendered again, and nothing is written to ``.cache/``, ``dist/`` or ``content/``.
The one check that crosses files, a card id used twice, is ``check.unique_cards`` over every deck
file's raw cards (some 20 ms for 10,000 cards).

A deck file whose latest save has errors keeps showing its *last good render* (the cards of its last
save without errors; a failed build writes nothing either) under the diagnostics of the latest save;
a file that never built clean shows what its latest save rendered.

``Preview.snapshot`` is an immutable ``Snapshot``, replaced whole after each update: the HTTP server
(builder/preview_server.py) reads it from its own threads without locks.
"""

from __future__ import annotations

import bisect
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from addon.core.card import Card
from addon.core.diagnostics import Diagnostic

from . import cache as build_cache, check, fast, pipeline
from .source import DeckFile, discover

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class DeckView:
    """One deck file as the preview shows it."""

    path: Path
    shown: str  # the path as diagnostics name it (relative to the current folder)
    deck: str  # the deck name, '' when the file never parsed
    cards: tuple[Card, ...]  # the last good render (see the module docstring)
    diagnostics: tuple[Diagnostic, ...]  # of the latest save, in file order: the build's own text
    counts: dict[str, int]  # card id -> how many of ``diagnostics`` fall inside that card (latest save)
    stale: bool  # the latest save has errors: ``cards`` are from an earlier save
    version: int  # changes whenever any of the above does

    @property
    def errors(self) -> int:
        return sum(d.severity == "error" for d in self.diagnostics)


@dataclass(frozen=True)
class Snapshot:
    version: int
    decks: tuple[DeckView, ...]  # in the build's order (sorted paths)
    cards: dict[str, tuple[DeckView, Card]]  # card id -> its deck file and card (the first, as the build keeps it)
    media: int = 0  # counts the saves of other files in the content folder (images): their frames load again

    def card(self, card_id: str) -> tuple[DeckView, Card] | None:
        return self.cards.get(card_id)


EMPTY = Snapshot(0, (), {})


@dataclass
class _Deck:
    """What the preview keeps of a deck file between saves."""

    path: Path
    shown: str
    digest: str = ""  # of the bytes last parsed
    stat: tuple[int, int] | None = None  # (mtime in ns, size) when they were read
    ids: tuple[str, ...] = ()  # the card ids of the latest parse, sorted
    parsed: DeckFile | None = None  # the latest parse (its raw cards: for the duplicate check)
    own: list[Diagnostic] = field(default_factory=list)  # read, parse, compute and markup diagnostics
    duplicates: list[Diagnostic] = field(default_factory=list)
    current: list[Card] = field(default_factory=list)  # what the latest save rendered
    good: list[Card] | None = None  # the last render without errors
    good_media: dict[str, Path] = field(default_factory=dict)  # media name -> file, of the cards in ``good``
    keys: dict[str, str] = field(default_factory=dict)  # card id -> cache key, for the clean cards of ``current``
    view: DeckView | None = None


@dataclass
class Update:
    """What one call of ``Preview.update`` did."""

    changed: list[str]  # shown paths of the deck files whose view changed
    parsed: list[str]  # shown paths of the deck files parsed and rendered again
    seconds: float
    media: bool = False  # another file of the content folder changed (an image): the open cards load again

    @property
    def visible(self) -> bool:
        return bool(self.changed or self.media)


class Preview:
    """The rendered cards of one content folder, updated per saved deck file."""

    def __init__(self, settings: pipeline.Settings, report: Callable[[str], None] | None = None) -> None:
        self.settings = settings
        self.report = report or (lambda text: print(text, file=sys.stderr))
        # The build cache, read once; from then on in memory only (``save`` is never called).
        self.cache = fast.open_cache(settings) or build_cache.BuildCache.in_memory((settings.limits, settings.coverage))
        self._decks: dict[Path, _Deck] = {}
        self._version = 0
        self._media = 0
        self._ids_changed = False  # during an update: a file's card ids changed (the duplicate check runs)
        self.snapshot: Snapshot = EMPTY

    # --- updating ------------------------------------------------------------------------------

    def load(self, progress: Progress | None = None) -> Update:
        """Every deck file of the content folder: the first render, over ``settings.jobs`` processes
        (called before the server starts any thread, as the workers are forked)."""
        return self.update(discover(self.settings.content_dir), progress, self.settings.jobs)

    def rescan(self, progress: Progress | None = None) -> Update:
        """Every deck file whose size or modification time is not the one last parsed (saves made while
        nothing was watching: between the first render and the start of the watcher)."""
        stale = [path for path in discover(self.settings.content_dir)
                 if (entry := self._decks.get(path.resolve())) is None or entry.stat != _stat(path)]
        return self.update(stale, progress)

    def update(self, changed: Iterable[Path], progress: Progress | None = None, jobs: int = 1) -> Update:
        """The deck files in ``changed`` were saved, added or removed: parse and render those again
        (those whose bytes did change), follow the file list, and publish a new snapshot."""
        started = time.perf_counter()
        found = {path.resolve(): path for path in discover(self.settings.content_dir)}
        wanted = {Path(p).resolve() for p in changed}
        media = any(path not in found and path.suffix != ".md" for path in wanted)
        # An edited image gets a new media name (builder/media.py): the deck files that refer to it
        # are collected and rendered again, so their fields name the new file.
        refer = {path for path, entry in self._decks.items()
                 if media and entry.parsed is not None and wanted & {p.resolve() for p in entry.parsed.media.values()}}
        touched: set[Path] = set()
        self._ids_changed = False
        for path in list(self._decks):
            if path not in found:  # removed or renamed away
                del self._decks[path]
                touched.add(path)
                self._ids_changed = True
        parsed = []
        for resolved, path in found.items():
            if resolved in self._decks and resolved not in wanted and resolved not in refer:
                continue
            entry = self._decks.get(resolved)
            if entry is None:
                entry = self._decks[resolved] = _Deck(resolved, pipeline.shown(path))
            if self._reload(entry, path, progress, jobs, force=resolved in refer):
                parsed.append(entry.shown)
                touched.add(resolved)
        self._decks = {path: self._decks[path] for path in found if path in self._decks}  # the build's order
        # The check across files, unless the saves kept every file's card ids and there was no duplicate:
        # then there is none now either (an edit of a card's text costs no pass over the other files).
        if touched and (self._ids_changed or any(entry.duplicates for entry in self._decks.values())):
            self._check_duplicates()
        if media:
            self._media += 1
        changed_views = self._publish(media)
        return Update(changed_views, parsed, time.perf_counter() - started, media)

    def _reload(self, entry: _Deck, path: Path, progress: Progress | None, jobs: int, force: bool = False) -> bool:
        """Parse and render one deck file again; False when its bytes are those parsed last time
        (unless ``force``: a file it refers to changed)."""
        entry.stat = _stat(path)
        try:
            deck, diags = pipeline.parse_file(path, self.settings)
        except OSError as e:  # removed between the event and the read: the next event drops it
            deck, diags = None, [Diagnostic("error", pipeline.position(path), f"cannot read the file: {e.strerror}")]
        digest = deck.digest if deck is not None else ""
        if deck is not None and digest == entry.digest and entry.view is not None and not force:
            return False
        entry.digest, entry.parsed = digest, deck
        ids = tuple(sorted(raw.card_id for raw in deck.cards)) if deck is not None else ()
        if ids != entry.ids or entry.view is None:
            entry.ids, self._ids_changed = ids, True
        cards: list[Card] = []
        if deck is not None:
            # Duplicate ids are left to ``_check_duplicates`` (the check across every file); the cards
            # are checked and rendered by the build's stage functions, through the in-memory cache.
            pairs, _ = check.unique_cards([deck])
            self.cache.card_keys = {}  # filled with the keys of the cards found clean
            cards, render_diags = fast.check_and_render(pairs, self.settings.limits, self.settings.coverage,
                                                        self.cache, jobs, progress)
            diags = diags + render_diags
        self._remember(entry, cards, self.cache.card_keys)
        entry.own, entry.current = diags, cards
        return True

    def _remember(self, entry: _Deck, cards: list[Card], keys: dict[str, str]) -> None:
        """Hold the field values of the file's clean cards in the in-memory cache instead of those of
        its previous save: a later save renders only the cards it changed, and 200 saves leave no
        field values of old versions behind."""
        held = self.cache.cards
        for key in entry.keys.values():
            held.pop(key, None)
        for card in cards:
            key = keys.get(card.card_id)
            if key is not None:
                held[key] = card.fields()
        entry.keys = keys

    def _check_duplicates(self) -> None:
        """A card id in two places is reported where the build reports it (the later one, with both places)."""
        decks = [entry.parsed for entry in self._decks.values() if entry.parsed is not None]
        _, diags = check.unique_cards(decks)
        by_path: dict[str, list[Diagnostic]] = {}
        for d in diags:
            by_path.setdefault(d.position.path, []).append(d)
        for entry in self._decks.values():
            entry.duplicates = by_path.get(entry.shown, [])

    def _publish(self, media: bool = False) -> list[str]:
        """New views for the deck files whose cards or diagnostics changed; a new snapshot if any did."""
        changed = []
        for entry in self._decks.values():
            diagnostics = tuple(sorted(entry.own + entry.duplicates, key=lambda d: (d.position.line, d.position.col)))
            errors = any(d.severity == "error" for d in diagnostics)
            if not errors:
                entry.good = entry.current
                entry.good_media = dict(entry.parsed.media) if entry.parsed is not None else {}
            cards = tuple(entry.good if entry.good is not None else entry.current)
            stale = errors and entry.good is not None
            deck = entry.parsed.deck if entry.parsed is not None else (cards[0].deck if cards else "")
            old = entry.view
            if old is not None and (old.diagnostics, old.deck, old.stale, old.cards) == (diagnostics, deck, stale, cards):
                continue
            self._version += 1
            entry.view = DeckView(entry.path, entry.shown, deck, cards, diagnostics,
                                  _counts(entry.parsed, diagnostics), stale, self._version)
            changed.append(entry.shown)
        removed = [view.shown for view in self.snapshot.decks if view.path not in self._decks]
        if changed or removed or media:
            if not changed:
                self._version += 1
            views = tuple(entry.view for entry in self._decks.values() if entry.view is not None)
            by_id: dict[str, tuple[DeckView, Card]] = {}
            for view in views:
                for card in view.cards:
                    by_id.setdefault(card.card_id, (view, card))
            self.snapshot = Snapshot(self._version, views, by_id, self._media)
        return changed + removed

    def media_file(self, name: str) -> Path | None:
        """The file a media name stands for, among the cards on show (checked by the media stage)."""
        for entry in self._decks.values():
            path = entry.good_media.get(name)
            if path is not None:
                return path
        return None

    # --- the terminal ---------------------------------------------------------------------------

    def tell(self, update: Update) -> None:
        """Say in the terminal what a save did: the diagnostics (the build's text) or that it is clean."""
        views = {view.shown: view for view in self.snapshot.decks}
        for shown in update.parsed:
            view = views.get(shown)
            if view is None:
                continue
            for d in view.diagnostics:
                self.report(d.format())
            if view.errors:
                kept = " (showing its last good render)" if view.stale else ""
                self.report(f"{shown}: {view.errors} error(s){kept}")
            else:
                self.report(f"{shown}: {len(view.cards)} card(s) ok ({update.seconds * 1000:.0f} ms)")


def _stat(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


def _counts(deck: DeckFile | None, diagnostics: tuple[Diagnostic, ...]) -> dict[str, int]:
    """How many diagnostics fall inside each card of the latest parse (from its '## id' line on)."""
    if deck is None or not diagnostics:
        return {}
    lines = [raw.line for raw in deck.cards]
    counts: dict[str, int] = {}
    for d in diagnostics:
        i = bisect.bisect_right(lines, d.position.line) - 1
        if i >= 0:
            card_id = deck.cards[i].card_id
            counts[card_id] = counts.get(card_id, 0) + 1
    return counts


def follow(preview: Preview, published: Callable[[Update], None], progress: Progress | None = None,
           ready: Callable[[], None] | None = None, stop: "threading.Event | None" = None) -> None:
    """Follow the content folder (``watchfiles``) until Ctrl-C (KeyboardInterrupt) or ``stop``: each batch
    of saves updates the preview, is told in the terminal, and is handed to ``published``. ``ready`` is
    called once the watcher runs (after a ``rescan`` for the saves made before it did)."""
    import watchfiles

    # step: a batch is handed over once 15 ms pass without another change (an editor's save is a few
    # file operations within a millisecond or two); debounce: at most 400 ms of changes are gathered
    # into one batch. The first time-out (250 ms) says the watcher is running.
    for changes in watchfiles.watch(preview.settings.content_dir, step=15, debounce=400, stop_event=stop,
                                    rust_timeout=250, yield_on_timeout=True, raise_interrupt=True):
        if ready is not None:
            update = preview.rescan(progress)
            preview.tell(update)
            if update.visible:
                published(update)
            ready()
            ready = None
        if not changes:
            continue
        update = preview.update([Path(path) for _, path in changes], progress)
        preview.tell(update)
        if update.visible:
            published(update)
