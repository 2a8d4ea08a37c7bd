"""Stage 2b: media. The images, sounds and videos a card refers to, found, checked and named by content.

A card refers to a file with ``![alt](path)`` or an ``<img>``, ``<audio>``, ``<video>`` or ``<source>``
tag's ``src``, the path relative to its deck file. ``collect`` (between parse and check) reads every
such file once and gives it a **media name** made from its bytes (``kv-cache-shape-3f9c2a1b7d4e6a05.svg``).
The card's fields refer to that name (``rewrite``, after the Markdown is rendered), and the .apkg
carries the file under it, so:

- an edited file gets a new name, so its cards' fields change and learners' notes are updated
  (Anki's importer never replaces a file it already has under a name: a new name is the only way);
- an unchanged file keeps its name, so a rebuild changes no note;
- two files never clash in a learner's media folder (a name stands for one content).

Code spans and fenced code are left as written (a path there is text, not a reference). A URL
(``https://``, ``http://``, ``//``) is left as written with a warning (a phone may be offline);
``data:`` URIs are left as written. Everything else is an error at the reference: a missing file,
a path outside the content folder (absolute, ``..``, a symlink out), a file over
``MediaLimits.max_file_bytes``, a type not in ``KINDS``, or bytes that are not of the type the name says.
"""

from __future__ import annotations

import dataclasses
import hashlib
import html
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, NamedTuple
from urllib.parse import unquote

from .markup import code_ranges
from .settings import DEFAULT_MEDIA_LIMITS, MediaLimits

if TYPE_CHECKING:
    from .source import DeckFile, SourceFile, Text


def _svg(data: bytes) -> bool:
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return (head.startswith(b"<svg") or head.startswith(b"<?xml") or head.startswith(b"<!--")
            or head.startswith(b"<!doctype svg")) and b"<svg" in data[:65536].lower()


def _mp3(data: bytes) -> bool:
    return data.startswith(b"ID3") or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0)


# extension -> (what it is, in words; which tag shows it; a test of the file's first bytes)
KINDS: dict[str, tuple[str, str, Callable[[bytes], bool]]] = {
    ".png": ("PNG image", "img", lambda d: d.startswith(b"\x89PNG\r\n\x1a\n")),
    ".jpg": ("JPEG image", "img", lambda d: d.startswith(b"\xff\xd8\xff")),
    ".jpeg": ("JPEG image", "img", lambda d: d.startswith(b"\xff\xd8\xff")),
    ".gif": ("GIF image", "img", lambda d: d.startswith((b"GIF87a", b"GIF89a"))),
    ".webp": ("WebP image", "img", lambda d: d[:4] == b"RIFF" and d[8:12] == b"WEBP"),
    ".svg": ("SVG image", "img", _svg),
    ".mp3": ("MP3 sound", "audio", _mp3),
    ".mp4": ("MP4 video", "video", lambda d: d[4:8] == b"ftyp"),
}
_TAG_FOR = {"audio": '<audio controls src="{path}"></audio>', "video": '<video controls src="{path}"></video>'}


class Reference(NamedTuple):
    """A reference to a file in a piece of card text: where its path starts, and the path as written."""

    offset: int
    target: str
    tag: str  # "image" (Markdown ![alt](path)), or the HTML tag: "img", "audio", "video", "source"


class MediaFile(NamedTuple):
    """A checked media file: the name the fields and the .apkg use, and the file it is read from."""

    name: str
    path: Path


class Problem(NamedTuple):
    offset: int
    message: str
    severity: str = "error"


_MARKDOWN_IMAGE = re.compile(r"!\[(?:[^\]\\\n]|\\.)*\]\([ \t]*(?:<([^>\n]*)>|([^\s)]+))")
_HTML_SRC = re.compile(r"""<(img|audio|video|source)\b[^>]*?\ssrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""",
                       re.IGNORECASE)
_HTML_TAG = re.compile(r"<(?:img|audio|video|source)\b", re.IGNORECASE)
_URL = re.compile(r"(?i)(?:https?:)?//")
_SCHEME = re.compile(r"(?i)[a-z][a-z0-9+.-]*:")


def references(text: str) -> list[Reference]:
    """Every media reference in ``text`` outside code, in order."""
    if "![" not in text and "<" not in text:
        return []
    found = []
    for m in _MARKDOWN_IMAGE.finditer(text):
        group = 1 if m.group(1) is not None else 2
        found.append(Reference(m.start(group), m.group(group), "image"))
    for m in _HTML_SRC.finditer(text):
        group = next(g for g in (2, 3, 4) if m.group(g) is not None)
        found.append(Reference(m.start(group), html.unescape(m.group(group)), m.group(1).lower()))
    if not found:
        return []
    code = code_ranges(text)
    return sorted(r for r in found if not any(start <= r.offset < end for start, end in code))


def media_name(path: Path, data: bytes) -> str:
    """The name a file goes by in the fields and the .apkg: its stem (for people) and its content's digest."""
    stem = re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-")[:40] or "media"
    return f"{stem}-{hashlib.sha256(data).hexdigest()[:16]}{path.suffix.lower()}"


@dataclass
class MediaIndex:
    """What ``collect`` found: every file by the resolved path it was read from (each read once)."""

    content_root: Path
    limits: MediaLimits = DEFAULT_MEDIA_LIMITS
    files: dict[Path, MediaFile | str] = field(default_factory=dict)  # resolved path -> file, or why not

    def resolve(self, ref: Reference, deck_dir: Path) -> MediaFile | Problem | None:
        """The file ``ref`` names, a problem, or None when the reference is left as written (a URL)."""
        target = ref.target.strip()
        if not target:
            return Problem(ref.offset, "empty media path")
        if target.lower().startswith("data:"):
            return None
        if _URL.match(target):
            return Problem(ref.offset, (
                f"{target!r} is left as a link: the file is not in the deck, so a learner offline (a phone "
                "on the train) sees nothing. Save it next to the deck file and write its path instead"), "warning")
        if _SCHEME.match(target) and not re.match(r"[A-Za-z]:[\\/]", target):
            return Problem(ref.offset, f"{target!r}: only paths to files in the content folder (or https:// links) are supported")
        path_text = unquote(target.split("#", 1)[0].split("?", 1)[0])
        if path_text.startswith(("/", "\\")) or re.match(r"[A-Za-z]:[\\/]", path_text):
            return Problem(ref.offset, f"{target!r} is an absolute path: write the path relative to the deck file")
        suffix = Path(path_text).suffix.lower()
        kind = KINDS.get(suffix)
        if kind is None:
            known = " ".join(sorted(KINDS))
            return Problem(ref.offset, f"{target!r}: unsupported media type {suffix or '(no extension)'!r} (supported: {known})")
        if ref.tag == "image" and kind[1] != "img":
            return Problem(ref.offset, (f"{target!r} is a {kind[0]}, which ![...](...) cannot show: write "
                                        + _TAG_FOR[kind[1]].format(path=target)))
        path = (deck_dir / path_text).resolve()
        if not path.is_relative_to(self.content_root):
            how = "leads" if ".." in Path(path_text).parts else "is a symbolic link that leads"
            return Problem(ref.offset, f"{target!r} {how} outside the content folder: media must be inside it (copy the file in)")
        found = self.files.get(path)
        if found is None:
            found = self.files[path] = self.read(path, kind)
        if isinstance(found, str):
            return Problem(ref.offset, found.replace("\0", target))
        return found

    def read(self, path: Path, kind: tuple[str, str, Callable[[bytes], bool]]) -> MediaFile | str:
        """The checked file, or the problem with it (``\\0`` stands for the path as written)."""
        if not path.exists():
            return "media file '\0' not found"
        if not path.is_file():
            return "'\0' is not a file"
        size = path.stat().st_size
        limit = self.limits.max_file_bytes
        if size > limit:
            return f"'\0' is {size / 2**20:.1f} MiB; the limit is {limit / 2**20:g} MiB per media file (make it smaller)"
        try:
            data = path.read_bytes()
        except OSError as e:
            return f"'\0' cannot be read: {e.strerror}"
        if not kind[2](data):
            return f"'\0' is not a {kind[0]} (its bytes say otherwise): check the file or its extension"
        return MediaFile(media_name(path, data), path)


_REFERENCE_STYLE = re.compile(r"!\[(?:[^\]\\\n]|\\.)*\]\[[^\]\n]*\]")


def collect_piece(index: MediaIndex, text: str, deck_dir: Path) -> tuple[list[tuple[str, MediaFile]], list[Problem]]:
    """The files one piece of card text refers to (path as written, file) and the problems."""
    files, problems = [], []
    if "![" in text and (m := _REFERENCE_STYLE.search(text)) and not any(a <= m.start() < b for a, b in code_ranges(text)):
        problems.append(Problem(m.start(), "write an image's path where it is shown, ![alt](path): a reference-style "
                                           "image ![alt][name] would reach the deck without its file"))
    for ref in references(text):
        found = index.resolve(ref, deck_dir)
        if isinstance(found, Problem):
            problems.append(found)
        elif found is not None:
            files.append((ref.target, found))
    return files, problems


_REWRITE = re.compile(r"""(<(?:img|audio|video|source)\b[^>]*?\ssrc\s*=\s*)(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)


def rewrite(rendered: str, names: dict[str, str]) -> str:
    """The rendered HTML with each media path (as written) replaced by its media name."""
    if not names or "src" not in rendered:
        return rendered

    def swap(m: re.Match) -> str:
        value = m.group(2) if m.group(2) is not None else m.group(3)
        name = names.get(html.unescape(value))
        if name is None:
            name = names.get(unquote(html.unescape(value)))
        return m.group(0) if name is None else f'{m.group(1)}"{name}"'

    return _REWRITE.sub(swap, rendered)


@dataclass
class Collected:
    """The media stage's outcome: the deck files again, each card with its media names (``RawCard.media``)
    and each file with its files (``DeckFile.media``); every file by media name; the problems."""

    decks: "list[DeckFile]" = field(default_factory=list)
    files: dict[str, Path] = field(default_factory=dict)  # media name -> the file, over every deck file
    problems: list[tuple["SourceFile", "Text", Problem]] = field(default_factory=list)


def collect(decks: "list[DeckFile]", content_dir: Path, limits: MediaLimits = DEFAULT_MEDIA_LIMITS) -> Collected:
    """Find, check and name every file the parsed deck files' cards refer to (see the module docstring).

    Returns new deck files (the ones given are left as they are): each card with its ``media``
    (path as written -> media name), each file with its ``media`` (name -> file).
    """
    out = Collected()
    index = MediaIndex(content_dir.resolve(), limits)
    for given in decks:
        deck = dataclasses.replace(given, cards=list(given.cards), media=dict(given.media))
        out.decks.append(deck)
        deck_dir = Path(deck.source.path).parent
        for i, raw in enumerate(deck.cards):
            names: dict[str, str] = {}
            if raw.source is not None and references(raw.source.text):
                out.problems.append((deck.source, raw.source, Problem(references(raw.source.text)[0].offset, (
                    "media in the source: line is not carried into the deck; put the image in the question or the answer"))))
            for piece in (raw.front, raw.back):
                if "![" not in piece.text and ("<" not in piece.text or not _HTML_TAG.search(piece.text)):
                    continue  # no reference: most card text (one C-level scan)
                files, problems = collect_piece(index, piece.text, deck_dir)
                out.problems += [(deck.source, piece, p) for p in problems]
                for target, found in files:
                    names[target] = found.name
                    deck.media[found.name] = out.files[found.name] = found.path
            if names:
                deck.cards[i] = raw._replace(media=tuple(sorted(names.items())))
    return out


def still_current(entries: tuple[tuple[str, str], ...], content_dir: Path,
                  limits: MediaLimits = DEFAULT_MEDIA_LIMITS) -> dict[str, Path] | None:
    """The files (name -> file) of a cached deck file's record (builder/cache.py) when every one still
    checks and still has its recorded name (its bytes are unchanged); else None (the file is parsed)."""
    root = content_dir.resolve()
    index = MediaIndex(root, limits)
    files: dict[str, Path] = {}
    for relative, name in entries:
        path = (root / relative).resolve()
        kind = KINDS.get(path.suffix.lower())
        if kind is None or not path.is_relative_to(root):
            return None
        found = index.read(path, kind)
        if not isinstance(found, MediaFile) or found.name != name:
            return None
        files[name] = path
    return files
