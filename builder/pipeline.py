"""The build as stages, each a function from typed values to typed values plus diagnostics:

    discover   discover_decks(settings)                -> [Path]   (source.discover)
    parse      source.parse_deck_file(SourceFile)      -> DeckFile (its RawCards)
    media      media.collect(decks)                    -> the deck files with each RawCard's media names
    check      check.check(decks, limits, coverage)    -> [CheckedCard]
    render     render.render(checked)                  -> [Card]          (the notes' field values)
    stamp      state.stamp(previous, cards, now)       -> Stamped          (mtimes: what changed)
    package    write_package(staged, ...)              -> the .apkg, .tsv, media and .ankiaddon files
    publish    publish(settings, staged, stamped)      -> dist/ swapped in, the state file written

All errors are collected; the build stops before ``package`` if there is one, so a failed build
leaves ``dist/`` and the state file exactly as they were. Only ``package`` and ``publish`` write.

This module runs the stages alone (``Settings.plain``: no cache, one process). The speed layer,
builder/fast.py, runs the same stage functions with the cache, the worker processes and the .apkg
writer around them; ``build`` and ``validate`` hand over to it whenever a cache or a second job is
asked for. Both give the same outputs (tests/build/test_speed_layer.py).
"""

from __future__ import annotations

import json
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from addon.core.card import Card, by_path
from addon.core.diagnostics import Diagnostic, Position

from . import check as check_stage, media, package, render as render_stage, state
from .settings import Settings
from .source import DeckFile, SourceFile, at, decode_source, discover, file_digest, parse_deck_file, read_bytes

__all__ = ["Settings", "BuildFailed", "BuildResult", "build", "validate", "parse", "parse_file"]


class BuildFailed(Exception):
    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        super().__init__(f"{sum(d.severity == 'error' for d in diagnostics)} error(s)")
        self.diagnostics = diagnostics


@dataclass
class BuildResult:
    cards: list[Card] = field(default_factory=list)
    decks: list[DeckFile] = field(default_factory=list)  # after build(): their raw cards and lines are released
    diagnostics: list[Diagnostic] = field(default_factory=list)
    stamped: state.Stamped | None = None
    outputs: list[Path] = field(default_factory=list)
    state_warnings: list[Diagnostic] = field(default_factory=list)  # from comparing with the state file, not the content
    reused: frozenset[str] = frozenset()  # deck files the build cache gave whole, not parsed (builder/fast.py)


# --- the stages, run alone ----------------------------------------------------------------------


def validate(settings: Settings, now: int | None = None) -> BuildResult:
    """Every stage up to ``stamp``, no writing: what ``build.py check`` runs. Raises BuildFailed on errors.

    Also compares the cards with the state file (read only), so the update warnings (removed cards,
    a note type schema change) come out of ``check`` and out of a build before it writes anything.
    """
    if not settings.plain:
        from . import fast

        return fast.validate(settings, now)
    previous = state.State.load(settings.state_path)
    decks, diags = parse(settings)
    checked, check_diags = check_stage.check(decks, settings.limits, settings.coverage)
    cards, render_diags = render_stage.render(checked)
    return stamped_result(settings, previous, decks, cards, diags + check_diags + render_diags,
                          state.build_time() if now is None else now)


def build(settings: Settings, now: int | None = None, writer: object = None) -> BuildResult:
    """The whole build; on any error nothing is written and BuildFailed carries every diagnostic.

    ``writer``: an .apkg writer process build.py started early (builder/apkg_writer.py); it belongs
    to the speed layer, which closes it.
    """
    if not settings.plain or writer is not None:
        from . import fast

        return fast.build(settings, now, writer)  # type: ignore[arg-type]
    result = validate(settings, now)
    assert result.stamped is not None
    for deck in result.decks:  # checked and rendered: packaging needs neither the raw cards nor the lines
        deck.cards = []
        deck.source.lines = []
    staged = package.staging_dir(settings.out_dir)
    try:
        result.outputs = write_package(staged, settings, result.decks, result.cards, result.stamped)
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
    publish(settings, staged, result.stamped)
    return result


def parse(settings: Settings) -> tuple[list[DeckFile], list[Diagnostic]]:
    """discover + parse: every deck file read and parsed, then the media stage over them all."""
    deck_paths = discover_decks(settings)
    decks, diags = [], []
    for path in deck_paths:
        data, read_diags = read_bytes(path, shown(path))
        diags += read_diags
        if data is not None:
            deck = parse_bytes(data, shown(path), diags)
            if deck is not None:
                decks.append(deck)
    diags += nothing_found(settings, decks, diags)
    decks, media_diags = collect_media(decks, settings)
    return decks, diags + media_diags


def discover_decks(settings: Settings) -> list[Path]:
    """The discover stage: the deck files of the content folder; BuildFailed when there is no such folder."""
    if not settings.content_dir.is_dir():
        raise BuildFailed([Diagnostic("error", position(settings.content_dir), "content folder not found")])
    return discover(settings.content_dir)


def nothing_found(settings: Settings, decks: list[DeckFile], diags: list[Diagnostic]) -> list[Diagnostic]:
    """The error for a content folder with no deck file at all (and no other problem to say why)."""
    if decks or diags:
        return []
    return [Diagnostic("error", position(settings.content_dir), "no deck files (*.md with front matter) found")]


def parse_file(path: Path, settings: Settings) -> tuple[DeckFile | None, list[Diagnostic]]:
    """One deck file read and parsed as ``parse`` does, then its media collected (``build.py preview``
    parses only the file that was saved)."""
    data, diags = read_bytes(path, shown(path))
    if data is None:
        return None, diags
    deck = parse_bytes(data, shown(path), diags)
    if deck is None:
        return None, diags
    (deck,), media_diags = collect_media([deck], settings)
    return deck, diags + media_diags


def parse_bytes(data: bytes, shown_path: str, diags: list[Diagnostic]) -> DeckFile | None:
    """A deck file's bytes decoded and parsed; its problems added to ``diags``."""
    src, read_diags = decode_source(data, shown_path)
    diags += read_diags
    if src is None:
        return None
    deck, deck_diags = parse_deck_file(src)
    src.text = ""  # parsed: from here on only its lines are used (for diagnostics); saves memory
    diags += deck_diags
    if deck is not None:
        deck.digest = file_digest(data)
    return deck


def collect_media(decks: list[DeckFile], settings: Settings) -> tuple[list[DeckFile], list[Diagnostic]]:
    """The media stage (builder/media.py) over parsed deck files: the deck files with their media names,
    and the problems at their positions."""
    collected = media.collect(decks, settings.content_dir, settings.media_limits)
    return collected.decks, [at(src, piece, p.offset, p.message, p.severity) for src, piece, p in collected.problems]


def stamped_result(settings: Settings, previous: state.State, decks: list[DeckFile], cards: list[Card],
                   diags: list[Diagnostic], now: int, known_hashes: dict[str, str] | None = None) -> BuildResult:
    """The diagnostics in file order, BuildFailed if any is an error; else the ``stamp`` stage and its warnings."""
    diags.sort(key=lambda d: (d.position.path, d.position.line, d.position.col))  # file order, not stage order
    if any(d.severity == "error" for d in diags):
        raise BuildFailed(diags)
    result = BuildResult(cards, decks, diags)
    result.stamped = state.stamp(previous, cards, now, known_hashes)
    result.state_warnings = _update_warnings(settings, result.stamped) + _card_warnings(result)
    result.diagnostics += result.state_warnings
    return result


def deck_outputs(staged: Path, deck: DeckFile) -> tuple[Path, Path, Path]:
    """Where a deck file's .apkg, .tsv and media folder go (named after the file)."""
    name = package.slug(Path(deck.source.path).stem)
    return staged / f"{name}.apkg", staged / f"{name}.tsv", staged / package.media_folder_name(name)


def write_package(staged: Path, settings: Settings, decks: list[DeckFile], cards: list[Card],
                  stamped: state.Stamped) -> list[Path]:
    """The package stage, plainly: every deck's .apkg, .tsv and media folder, and the .ankiaddon,
    into ``staged``. The paths they will have once published."""
    by_file = by_path(cards)
    all_media = {name: path for deck in decks for name, path in deck.media.items()}
    outputs = []
    for deck in decks:
        deck_cards = by_file.get(deck.source.path, [])
        if not deck_cards:
            continue
        apkg, tsv, media_folder = deck_outputs(staged, deck)
        package.write_apkg(apkg, deck_cards, stamped.note_mtimes, stamped.notetype_mtime, staged / ".work" / apkg.stem,
                           all_media)
        tsv.write_text(package.tsv_text(deck.deck, deck_cards), encoding="utf-8")
        outputs += [apkg, tsv]
        if deck.media:  # the .tsv cannot carry files: they go next to it
            package.write_media_folder(media_folder, deck.media)
            outputs.append(media_folder)
    outputs.append(write_addon(staged, settings))
    shutil.rmtree(staged / ".work", ignore_errors=True)
    return [settings.out_dir / p.name for p in outputs]


def write_addon(staged: Path, settings: Settings) -> Path:
    manifest = json.loads(settings.manifest_path.read_text(encoding="utf-8"))
    addon = staged / f"{manifest['package']}.ankiaddon"
    package.write_ankiaddon(addon, settings.addon_dir, manifest)
    return addon


def publish(settings: Settings, staged: Path, stamped: state.Stamped) -> str:
    """The publish stage: the staged folder swapped in for ``dist/``, then the state file written
    (only when it changed). Returns the state file's text."""
    try:
        package.publish(staged, settings.out_dir)
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
    new_state = stamped.state.dumps()
    path = settings.state_path
    if not path.exists() or path.read_text(encoding="utf-8") != new_state:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(new_state, encoding="utf-8")
        tmp.replace(path)
    return new_state


# --- diagnostics about updates ------------------------------------------------------------------


def _update_warnings(settings: Settings, stamped: state.Stamped) -> list[Diagnostic]:
    warnings = []
    where = position(settings.state_path)
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


# --- paths as the author sees them --------------------------------------------------------------


def shown(path: Path) -> str:
    """A path as diagnostics show it: relative to the working folder when it is inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def position(path: Path) -> Position:
    return Position(shown(path), 1, 1)


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
