"""Making rebuilds cheap: a cache of rendered cards and of written .apkg files, keyed by content and
tool version; and a parallel map for the cards the cache does not hold (a cold build).

What is cached, and why it is safe:
- a card's five field values (Front, Back, Formula, Compute, Source), under a digest of everything
  they are made from: the card's question, answer, compute block, source and formula text, the
  build's limits, and the *tool version* (a digest of addon/core and builder sources, the Markdown,
  anki and Python versions). Only cards that were checked and rendered without any diagnostic are
  stored, so a hit stands for "checks clean and renders to exactly these bytes". Ids, decks, tags
  and positions are not part of a card's fields; they always come from the source.
- a deck's .apkg, under a digest of every note in it (fields, tags, deck, GUID, mtime), the note type
  mtime and the tool version; it is reused when the deck's notes are unchanged, and checked against
  its recorded SHA-256 before use.

The cache lives in one folder per content folder under ``cache_dir`` (``.cache/compute-cards`` at the
repository root for ``build.py``; gitignored). It is never required: a missing, unreadable,
corrupt or foreign cache file is ignored (the build renders everything), and a cache that cannot be
written is skipped silently. ``build.py --no-cache`` (``Settings.cache_dir = None``) turns it off.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence, TypeVar

from addon.core.card import Card

from . import uptodate
from .source import RawCard

CACHE_VERSION = 1
ROOT = Path(__file__).resolve().parent.parent

T = TypeVar("T")
R = TypeVar("R")


_tool_version: str | None = None  # None: the digest of the sources (tests set another version here)


def tool_version() -> str:
    """A digest of the code that turns a card into field values and an .apkg (computed once)."""
    return _tool_version or uptodate.tool_version(CACHE_VERSION)


class BuildCache:
    """The cache for one content folder; see the module docstring."""

    def __init__(self, folder: Path, salt: str) -> None:
        self.folder = folder
        self.salt = salt  # tool version + limits: part of every key
        self.cards: dict[str, list[str]] = {}
        self.apkgs: dict[str, str] = {}  # key -> SHA-256 of the file
        self.used_cards: dict[str, list[str]] = {}
        self.used_apkgs: dict[str, str] = {}
        self.hits = self.misses = 0
        self.card_keys: dict[str, str] = {}  # card id -> the key its field values are stored under (this build)

    @classmethod
    def open(cls, cache_dir: Path | None, content_dir: Path, limits: object) -> "BuildCache | None":
        """The cache for ``content_dir`` (empty when absent or unreadable); None when caching is off."""
        if cache_dir is None:
            return None
        cache = cls(uptodate.cache_folder(cache_dir, content_dir), f"{tool_version()}|{limits!r}")
        cache._load()
        return cache

    @property
    def index_path(self) -> Path:
        return self.folder / "cards.json"

    def _load(self) -> None:
        try:
            data = json.loads(self.index_path.read_text(encoding="utf-8"))
            if not isinstance(data, dict) or data.get("version") != CACHE_VERSION or data.get("salt") != self.salt:
                return
            cards, apkgs = data.get("cards"), data.get("apkgs")
            if isinstance(cards, dict):
                self.cards = cards
            if isinstance(apkgs, dict):
                self.apkgs = apkgs
        except Exception:  # noqa: BLE001 - a cache that cannot be read is no cache, never an error
            self.cards, self.apkgs = {}, {}

    # --- cards -------------------------------------------------------------------------------

    def card_key(self, raw: RawCard) -> str:
        parts = [raw.front.text, raw.back.text]
        parts += ["\0none" if piece is None else piece.text for piece in (raw.compute, raw.source, raw.formula)]
        return _digest(self.salt, parts)

    def fields(self, key: str) -> tuple[str, str, str, str, str] | None:
        """The cached field values for ``key``, or None."""
        value = self.cards.get(key)
        if not (isinstance(value, list) and len(value) == 5 and all(isinstance(v, str) for v in value)):
            self.misses += 1
            return None
        self.hits += 1
        self.used_cards[key] = value
        return tuple(value)  # type: ignore[return-value]

    def put(self, key: str, card: Card) -> None:
        self.used_cards[key] = list(card.fields())
        self.card_keys[card.card_id] = key

    # --- .apkg files -------------------------------------------------------------------------

    def apkg_key(self, deck_cards: Sequence[Card], note_mtimes: dict[str, int], notetype_mtime: int) -> str:
        """A digest of every note of a deck. A card's field values are stood for by their own key
        (which is a digest of what they are made from, see ``card_key``) when this build has it, so
        the megabytes of HTML are not hashed again; the GUID by the card id it derives from."""
        keys = self.card_keys
        if all(card.card_id in keys for card in deck_cards):
            parts = [f"apkg-keyed|{notetype_mtime}"]
            for card in deck_cards:
                parts += [card.card_id, card.deck, " ".join(card.tags), str(note_mtimes[card.card_id]), keys[card.card_id]]
            return _digest(self.salt, parts)
        parts = [f"apkg|{notetype_mtime}"]
        for card in deck_cards:
            parts += [card.guid, card.deck, " ".join(card.tags), str(note_mtimes[card.card_id]), *card.fields()]
        return _digest(self.salt, parts)

    def restore_apkg(self, key: str, dest: Path) -> bool:
        """Copy the cached .apkg for ``key`` to ``dest`` if there is one and it is intact."""
        digest = self.apkgs.get(key)
        if not isinstance(digest, str):
            return False
        try:
            data = (self.folder / "apkg" / f"{key}.apkg").read_bytes()
        except OSError:
            return False
        if hashlib.sha256(data).hexdigest() != digest:
            return False
        dest.write_bytes(data)
        self.used_apkgs[key] = digest
        return True

    def store_apkg(self, key: str, src: Path) -> None:
        try:
            data = src.read_bytes()
            folder = self.folder / "apkg"
            folder.mkdir(parents=True, exist_ok=True)
            tmp = folder / f".{key}.{os.getpid()}.tmp"
            tmp.write_bytes(data)
            tmp.replace(folder / f"{key}.apkg")
            self.used_apkgs[key] = hashlib.sha256(data).hexdigest()
        except OSError:
            pass

    # --- saving ------------------------------------------------------------------------------

    def save(self) -> None:
        """Write what this build used (stale entries are dropped); never raises for I/O problems."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp = self.folder / f".cards.{os.getpid()}.tmp"
            with tmp.open("w", encoding="utf-8") as f:
                _write_index(f, self.salt, self.used_cards, self.used_apkgs)
            tmp.replace(self.index_path)
            apkg_dir = self.folder / "apkg"
            if apkg_dir.is_dir():
                for path in apkg_dir.iterdir():
                    if path.suffix == ".apkg" and path.stem not in self.used_apkgs:
                        path.unlink(missing_ok=True)
        except OSError:
            pass


def _write_index(f: Any, salt: str, cards: dict[str, list[str]], apkgs: dict[str, str]) -> None:
    """The cache index as one JSON object, written a thousand cards at a time (not one huge string)."""
    dumps = functools.partial(json.dumps, ensure_ascii=False, separators=(",", ":"))
    f.write(f'{{"version":{CACHE_VERSION},"salt":{dumps(salt)},"apkgs":{dumps(apkgs)},"cards":{{')
    items = list(cards.items())
    for start in range(0, len(items), 1000):
        f.write(("," if start else "") + ",".join(f"{dumps(k)}:{dumps(v)}" for k, v in items[start : start + 1000]))
    f.write("}}")


def _digest(salt: str, parts: list[str]) -> str:
    """SHA-256 of the parts, each prefixed with its length: no two lists of strings share a digest."""
    h = hashlib.sha256(salt.encode())
    for part in parts:
        data = part.encode("utf-8", "surrogatepass")
        h.update(b"%d:" % len(data))
        h.update(data)
    return h.hexdigest()


def clear(cache_dir: Path) -> None:
    shutil.rmtree(cache_dir, ignore_errors=True)


# --- a parallel map for the cards the cache misses ----------------------------------------------

PARALLEL_MIN_ITEMS = 1_000  # below this, starting worker processes costs more than it saves
_job: tuple[Callable[[Any], Any], Sequence[Any]] | None = None


def _run_chunk(bounds: tuple[int, int]) -> list[Any]:
    assert _job is not None
    fn, items = _job
    return [fn(item) for item in items[bounds[0] : bounds[1]]]


def parallel_map(fn: Callable[[T], R], items: Sequence[T], jobs: int,
                 progress: Callable[[int], None] | None = None, min_items: int = PARALLEL_MIN_ITEMS) -> list[R]:
    """``[fn(x) for x in items]``, in order, over ``jobs`` forked worker processes.

    The workers inherit ``fn`` and ``items`` from this process (fork), so nothing but the results
    crosses a pipe. Falls back to a plain loop for few items, one job, or where fork is unavailable.
    """
    global _job
    jobs = min(jobs, os.cpu_count() or 1)
    if jobs < 2 or len(items) < max(2, min_items):
        return _serial(fn, items, progress)
    import multiprocessing

    try:
        context = multiprocessing.get_context("fork")
    except ValueError:
        return _serial(fn, items, progress)
    size = max(1 if min_items < 50 else 50, -(-len(items) // (jobs * 8)))  # several chunks per worker: balanced
    chunks = [(start, min(start + size, len(items))) for start in range(0, len(items), size)]
    _job = (fn, items)
    try:
        with context.Pool(jobs) as pool:
            results: list[R] = []
            for part in pool.imap(_run_chunk, chunks):
                results.extend(part)
                if progress:
                    progress(len(results))
    finally:
        _job = None
    return results


def _serial(fn: Callable[[T], R], items: Iterable[T], progress: Callable[[int], None] | None) -> list[R]:
    results = []
    for n, item in enumerate(items, 1):
        results.append(fn(item))
        if progress and n % 250 == 0:
            progress(n)
    if progress:
        progress(len(results))
    return results
