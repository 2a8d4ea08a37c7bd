"""Making rebuilds cheap: a cache of deck files, rendered cards and written .apkg files, keyed by
content and tool version (builder/version.py). One part of the speed layer (builder/fast.py): the
stages never see it.

What is cached, and why it is safe:
- a *record* per deck file (``files/<digest of its shown path>.json``), written by a successful build
  for every deck file that had no diagnostic: the SHA-256 of the file's bytes, its deck and tags,
  and per card the id, line, tags, cache key, state-file hash and the five field values. A later
  build that finds the same bytes at the same shown path, with the same tool version and limits,
  does not parse, check or render that file: the same bytes give the same cards and again no
  diagnostic. The one thing that crosses files, a duplicate card id, is handled in
  ``fast.load``: a file with an id that another deck file also has is parsed after all. The same
  bytes may refer to media files that were edited since: the record keeps the media names its cards
  used (``media``), and ``fast.load`` reuses it only if every file still checks and has that name.
- a card's five field values (Front, Back, Formula, Compute, Source), found through the records,
  under a digest of everything they are made from: the card's question, answer, compute block,
  source and formula text, the media names it refers to (builder/media.py: digests of the files'
  bytes), the build's limits, and the *tool version* (a digest of addon/core and
  builder sources, the Markdown, anki and Python versions). Only cards that were checked and
  rendered without any diagnostic are stored, so a hit stands for "checks clean and renders to
  exactly these bytes" (it serves a deck file that changed, or a card moved to another file). Ids,
  decks, tags and positions are not part of a card's fields; they come from the source.
- a deck's .apkg (``apkg/``), under a digest of every note in it (fields, tags, deck, GUID, mtime),
  the note type mtime and the tool version; it is reused when the deck's notes are unchanged, and
  checked against its recorded SHA-256 before use.

A record is one header line (JSON, with the SHA-256 of the rest) and its columns (``encode_columns``):
a line with the short columns (ids, lines, tags, keys, hashes) and the length of every field value,
as JSON, then the field values themselves, one after the other, as UTF-8. (The values are most of a
record, HTML full of quotes: as JSON strings they took 35 ms to encode for 10,000 cards.) A record
whose body does not match its header, or whose columns are not lists of the right types and lengths,
is ignored as a whole.

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
from dataclasses import dataclass
from itertools import accumulate, chain, repeat
from pathlib import Path
from typing import Any, Sequence

from addon.core.card import Card, by_path

from . import uptodate, version
from .source import RawCard

CACHE_VERSION = 3


def salt(limits: object) -> str:
    """Part of every key and record: the cache format, the tool version and the build's limits."""
    return f"cache {CACHE_VERSION}; {version.tool_version()}|{limits!r}"

COLUMNS = ("ids", "lines", "tags", "keys", "hashes", "front", "back", "formula", "compute", "source")


@dataclass
class FileRecord:
    """What a deck file built to, when its bytes last built without any diagnostic (``files/``).

    ``columns``: one list per name in COLUMNS, one item per card in file order: the card id, its line,
    its tags, its cache key (``card_key``), its hash in the state file, and its five field values.
    Valid for a deck file whose shown path and bytes (SHA-256) are the recorded ones, with the same
    tool version and limits (the salt): such a file parses, checks and renders to exactly these
    cards and no diagnostic, so the build reuses them without parsing the file.
    """

    path: str
    digest: str
    deck: str
    tags: tuple[str, ...]
    columns: dict[str, list]
    apkg: tuple[str, str] | None = None  # (key, SHA-256) of the .apkg last written for these notes
    media: tuple[tuple[str, str], ...] = ()  # (path in the content folder, media name) of the files its cards refer to

    def ids(self) -> list[str]:
        return self.columns["ids"]

    def cards(self) -> list[Card]:
        c = self.columns
        return list(map(Card, c["ids"], repeat(self.path), c["lines"], repeat(self.deck), map(tuple, c["tags"]),
                        c["front"], c["back"], c["formula"], c["compute"], c["source"]))


def _valid_columns(columns: object) -> bool:
    if not (isinstance(columns, dict) and set(columns) == set(COLUMNS)
            and all(isinstance(v, list) for v in columns.values())
            and len({len(v) for v in columns.values()}) == 1):
        return False
    strings = {str}
    return (all(set(map(type, columns[name])) <= strings for name in COLUMNS if name not in ("lines", "tags"))
            and set(map(type, columns["lines"])) <= {int}
            and set(map(type, columns["tags"])) <= {list}
            and set(map(type, chain.from_iterable(columns["tags"]))) <= strings)


class BuildCache:
    """The cache for one content folder; see the module docstring."""

    def __init__(self, folder: Path, salt: str, content_root: Path | None = None) -> None:
        self.folder = folder
        self.content_root = content_root or Path("/")  # the content folder, resolved: media paths are kept relative to it
        self.salt = salt  # tool version + limits: part of every key
        self.cards: dict[str, tuple[str, str, str, str, str]] = {}  # card key -> field values
        self.apkgs: dict[str, str] = {}  # key -> SHA-256 of the file
        self.records: dict[str, FileRecord] = {}  # shown path -> the record of that deck file
        self.used_apkgs: dict[str, str] = {}
        self.hits = self.misses = 0
        self.card_keys: dict[str, str] = {}  # card id -> the key its field values are stored under (this build)
        self.deck_apkgs: dict[str, str] = {}  # shown path of a deck file -> the key of its .apkg (this build)
        self.bodies: dict[str, bytes] = {}  # shown path -> its record's body, encoded while the build rendered

    @classmethod
    def open(cls, cache_dir: Path | None, content_dir: Path, limits: object) -> "BuildCache | None":
        """The cache for ``content_dir`` (empty when absent or unreadable); None when caching is off."""
        if cache_dir is None:
            return None
        cache = cls(uptodate.cache_folder(cache_dir, content_dir), salt(limits), content_dir.resolve())
        cache._load()
        return cache

    @classmethod
    def in_memory(cls, limits: object) -> "BuildCache":
        """An empty cache keyed as ``open``'s, never read or saved (``build.py --no-cache preview``)."""
        return cls(Path(os.devnull), salt(limits))

    @property
    def files_dir(self) -> Path:
        return self.folder / "files"

    def _load(self) -> None:
        try:
            paths = sorted(self.files_dir.glob("*.json"))
        except OSError:
            return
        for path in paths:
            record = self._read_record(path)
            if record is None or record_name(record.path) != path.name:
                continue
            self.records[record.path] = record
            c = record.columns
            self.cards.update(zip(c["keys"], zip(c["front"], c["back"], c["formula"], c["compute"], c["source"])))
            if record.apkg:
                self.apkgs[record.apkg[0]] = record.apkg[1]

    def _read_record(self, path: Path) -> FileRecord | None:
        """One deck file's record: a header line, then its columns; None when unreadable, foreign or damaged."""
        try:
            data = path.read_bytes()
            cut = data.index(b"\n")
            head = json.loads(data[:cut])
            body = data[cut + 1 :]
            if not (isinstance(head, dict) and head.get("version") == CACHE_VERSION and head.get("salt") == self.salt
                    and head.get("body") == hashlib.sha256(body).hexdigest()):
                return None
            columns = decode_columns(body)
            shown, digest, deck, tags, apkg = (head.get(k) for k in ("path", "digest", "deck", "tags", "apkg"))
            media = head.get("media", [])
            if not (isinstance(media, list) and all(isinstance(m, list) and len(m) == 2 and all(isinstance(x, str) for x in m)
                                                    for m in media)):
                return None
            if not (isinstance(shown, str) and isinstance(digest, str) and isinstance(deck, str) and isinstance(tags, list)
                    and all(isinstance(t, str) for t in tags) and _valid_columns(columns)):
                return None
            if not (apkg is None or (isinstance(apkg, list) and len(apkg) == 2 and all(isinstance(x, str) for x in apkg))):
                return None
            return FileRecord(shown, digest, deck, tuple(tags), columns, (apkg[0], apkg[1]) if apkg else None,
                              tuple((m[0], m[1]) for m in media))
        except Exception:  # noqa: BLE001 - a cache that cannot be read is no cache, never an error
            return None

    def reusable(self, shown: str, digest: str) -> FileRecord | None:
        """The record of the deck file ``shown`` if its bytes (SHA-256 ``digest``) are the recorded ones."""
        record = self.records.get(shown)
        return record if record is not None and record.digest == digest else None

    # --- cards -------------------------------------------------------------------------------

    def card_key(self, raw: RawCard) -> str:
        return card_key(self.salt, raw)

    def lookup(self, raw: RawCard) -> tuple[str | None, tuple[str, str, str, str, str] | None]:
        """A card's key and its cached field values (None: not cached). With nothing cached, no key
        either: the card is keyed where it is rendered (``card_key``), on every core in a cold build."""
        if not self.cards:
            self.misses += 1
            return None, None
        key = self.card_key(raw)
        return key, self.fields(key)

    def fields(self, key: str) -> tuple[str, str, str, str, str] | None:
        """The cached field values for ``key``, or None."""
        value = self.cards.get(key)
        if value is None:
            self.misses += 1
            return None
        self.hits += 1
        return value

    def put(self, key: str, card: Card) -> None:
        """``card`` checked and rendered clean: its field values go into its deck file's record."""
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

    def early_body(self, path: str, deck_cards: Sequence[Card], card_hashes: dict[str, str]) -> None:
        """Encode the record body of the deck file ``path``, whose cards all rendered clean (in order),
        while the rest of the build still renders; ``record_bodies`` then has less left to do."""
        if deck_cards and all(c.card_id in self.card_keys and c.card_id in card_hashes for c in deck_cards):
            self.bodies[path] = self.record_body(deck_cards, card_hashes)

    def record_bodies(self, decks: Sequence[Any], cards: Sequence[Card], card_hashes: dict[str, str],
                      reused: frozenset[str] = frozenset()) -> dict[str, bytes]:
        """``record_body`` of each parsed deck file whose cards all have keys (those of ``early_body``
        as they are): the bulk of ``save``'s work, which a build does while its .apkg writer exports the
        last deck."""
        by_file = by_path(cards)
        return {deck.source.path: self.bodies.get(deck.source.path)
                or self.record_body(by_file.get(deck.source.path, []), card_hashes)
                for deck in decks if deck.source.path not in reused and deck.digest
                and all(card.card_id in self.card_keys for card in by_file.get(deck.source.path, []))}

    def save(self, decks: Sequence[Any], cards: Sequence[Card], card_hashes: dict[str, str],
             diagnostics: Sequence[Any] = (), bodies: dict[str, bytes] | None = None,
             reused: frozenset[str] = frozenset()) -> None:
        """Record a successful build; never raises for I/O problems.

        A record is written for each deck file that was parsed (a reused one is current already)
        and has no diagnostic (a reused file must give the same diagnostics: none), records of paths
        that are no longer deck files are removed, and so are the .apkg files this build did not
        use. ``decks``: the build's DeckFiles; ``card_hashes``: card id -> its hash in the state
        file; ``diagnostics``: the build's (warnings; a build with errors saves nothing);
        ``bodies``: from ``record_bodies`` with the same decks, cards and hashes, if called before;
        ``reused``: the shown paths of the deck files whose records the build used as they were.
        """
        bodies = bodies or {}
        try:
            folder = self.files_dir
            folder.mkdir(parents=True, exist_ok=True)
            by_file = by_path(cards)
            keep = set()
            flagged = {d.position.path for d in diagnostics}
            for deck in decks:
                shown = deck.source.path
                name = record_name(shown)
                keep.add(name)
                if shown in reused:
                    continue
                deck_cards = by_file.get(shown, [])
                if (not deck.digest or shown in flagged
                        or any(card.card_id not in self.card_keys for card in deck_cards)):
                    (folder / name).unlink(missing_ok=True)  # not all of it is known clean: no record
                    continue
                key = self.deck_apkgs.get(shown)
                apkg = [key, self.used_apkgs[key]] if key is not None and key in self.used_apkgs else None
                body = bodies.get(shown) or self.record_body(deck_cards, card_hashes)
                media = self._media_entries(deck.media)
                if media is None:
                    (folder / name).unlink(missing_ok=True)
                    continue
                self._write_record(name, shown, deck.digest, deck.deck, deck.tags, body, apkg, media)
            for path in folder.iterdir():
                if path.name not in keep:
                    path.unlink(missing_ok=True)
            (self.folder / "cards.json").unlink(missing_ok=True)  # the one-file index of cache version 1
            apkg_dir = self.folder / "apkg"
            if apkg_dir.is_dir():
                for path in apkg_dir.iterdir():
                    if path.suffix == ".apkg" and path.stem not in self.used_apkgs:
                        path.unlink(missing_ok=True)
        except OSError:
            pass

    def record_body(self, deck_cards: Sequence[Card], card_hashes: dict[str, str]) -> bytes:
        """The encoded columns of a deck file's record (the bulk of writing it); every card needs its key."""
        keys = self.card_keys
        columns = {
            "ids": [c.card_id for c in deck_cards], "lines": [c.line for c in deck_cards],
            "tags": [list(c.tags) for c in deck_cards], "keys": [keys[c.card_id] for c in deck_cards],
            "hashes": [card_hashes[c.card_id] for c in deck_cards], "front": [c.front for c in deck_cards],
            "back": [c.back for c in deck_cards], "formula": [c.formula for c in deck_cards],
            "compute": [c.compute for c in deck_cards], "source": [c.source for c in deck_cards],
        }
        return encode_columns(columns)

    def _media_entries(self, files: dict[str, Path]) -> list[list[str]] | None:
        """A deck file's media (name -> file) as its record keeps them: paths in the content folder."""
        if not files:
            return []
        try:
            return sorted([path.relative_to(self.content_root).as_posix(), name] for name, path in files.items())
        except ValueError:
            return None

    def _write_record(self, name: str, shown: str, digest: str, deck: str, tags: Sequence[str], body: bytes,
                      apkg: list[str] | None, media: list[list[str]] | None = None) -> None:
        head = {"version": CACHE_VERSION, "salt": self.salt, "path": shown, "digest": digest, "deck": deck,
                "tags": list(tags), "apkg": apkg, "body": hashlib.sha256(body).hexdigest()}
        if media:
            head["media"] = media
        target = self.files_dir / name
        tmp = self.files_dir / f".{name}.{os.getpid()}.tmp"
        with tmp.open("wb") as f:
            f.write(_dumps(head).encode("utf-8", "surrogatepass") + b"\n")
            f.write(body)
        tmp.replace(target)


_dumps = functools.partial(json.dumps, ensure_ascii=False, separators=(",", ":"))
FIELD_COLUMNS = ("front", "back", "formula", "compute", "source")  # the field values: stored as text, not JSON
SHORT_COLUMNS = tuple(name for name in COLUMNS if name not in FIELD_COLUMNS)


def encode_columns(columns: dict[str, list]) -> bytes:
    """A record's body: the short columns and the values' lengths (one JSON line), then the values."""
    values = [value for card in zip(*(columns[name] for name in FIELD_COLUMNS)) for value in card]
    head = {name: columns[name] for name in SHORT_COLUMNS}
    head["sizes"] = list(map(len, values))
    return (_dumps(head) + "\n" + "".join(values)).encode("utf-8", "surrogatepass")


def decode_columns(body: bytes) -> dict[str, list] | None:
    """The columns of ``encode_columns``; None when the body is not one (checked by ``_valid_columns``)."""
    head_line, newline, rest = body.partition(b"\n")
    head = json.loads(head_line)
    if not (newline and isinstance(head, dict) and set(head) == {*SHORT_COLUMNS, "sizes"}):
        return None
    sizes = head.pop("sizes")
    text = rest.decode("utf-8", "surrogatepass")
    if not (isinstance(sizes, list) and set(map(type, sizes)) <= {int} and all(size >= 0 for size in sizes)
            and sum(sizes) == len(text) and len(sizes) % len(FIELD_COLUMNS) == 0):
        return None
    ends = list(accumulate(sizes))
    values = [text[end - size : end] for size, end in zip(sizes, ends)]
    for i, name in enumerate(FIELD_COLUMNS):
        head[name] = values[i :: len(FIELD_COLUMNS)]
    return head


def record_name(shown: str) -> str:
    """The file name of a deck file's record (the shown path itself is inside the record)."""
    return hashlib.sha256(shown.encode("utf-8", "surrogatepass")).hexdigest()[:32] + ".json"


def card_key(salt: str, raw: RawCard) -> str:
    """The key of a card's field values: a digest of what they are made from (see the module docstring)."""
    parts = [raw.front.text, raw.back.text]
    parts += ["\0none" if piece is None else piece.text for piece in (raw.compute, raw.source, raw.formula)]
    if raw.media:  # the names of the files it refers to: digests of their bytes (builder/media.py)
        parts += ["\0media", *(f"{target}\0{name}" for target, name in raw.media)]
    return _digest(salt, parts)


def _digest(salt: str, parts: list[str]) -> str:
    """SHA-256 of the parts, each prefixed with its length: no two lists of strings share a digest."""
    h = hashlib.sha256(salt.encode())
    h.update("".join([f"{len(part)}:{part}" for part in parts]).encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def clear(cache_dir: Path) -> None:
    shutil.rmtree(cache_dir, ignore_errors=True)
