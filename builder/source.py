"""Stage 1-2: discover the deck files and split each into front matter and raw cards, keeping positions.

A deck file::

    ---
    deck: Tokens to Embodied Minds::Ch 19
    tags: ch19 inference
    ---

    ## kv-cache-llama-8b
    tags: kv-cache
    source: Meta, llama-models
    formula: 2 \\, L \\, H_{kv} \\, d \\, n \\, b

    The question, in Markdown.

    ---

    The answer, in Markdown.

    ```compute
    param seq_len = 4096 in 128..131_072 step 128
    answer = ...
    ```
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from addon.core.card import CARD_ID
from addon.core.diagnostics import Diagnostic, Position

DOC_FILES = frozenset({"FORMAT.md", "README.md"})
FRONT_MATTER_KEYS = ("deck", "tags")
CARD_KEYS = ("tags", "source", "formula")
MAX_FILE_BYTES = 8 * 1024 * 1024
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})\s*([\w-]*)")
_HEADING = re.compile(r"^##(?!#)\s*(.*?)\s*#*\s*$")
_META = re.compile(r"^([A-Za-z][\w-]*)\s*:\s*(.*)$")
_TAG = re.compile(r"^[^\s\"]+$")


@dataclass
class SourceFile:
    """A content file's text with its lines, for positions and carets."""

    path: str
    text: str
    lines: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.lines = self.text.split("\n")

    def diagnostic(self, line: int, col: int, message: str, severity: str = "error") -> Diagnostic:
        source_line = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        return Diagnostic(severity, Position(self.path, line, max(1, col)), message, source_line)  # type: ignore[arg-type]


class Text(NamedTuple):
    """A piece of a card (front, back, compute block, a metadata value) and where it starts.

    Named tuples (this and RawCard), not frozen dataclasses: as immutable, and a third of the cost to
    make (a cold build of 10,000 cards makes some 60,000 of them before anything can render)."""

    text: str
    line: int  # 1-based line of the first character
    col: int = 1  # 1-based column of the first character (on its first line)


class RawCard(NamedTuple):
    card_id: str
    line: int
    deck: str
    tags: tuple[str, ...]
    front: Text
    back: Text
    compute: Text | None
    source: Text | None
    formula: Text | None
    media: tuple[tuple[str, str], ...] = ()  # (path as written, media name) of the files it refers to (builder/media.py)


@dataclass
class DeckFile:
    source: SourceFile
    deck: str
    tags: tuple[str, ...]
    cards: list[RawCard]
    digest: str = ""  # SHA-256 of the file's bytes (``file_digest``)
    media: dict[str, Path] = field(default_factory=dict)  # media name -> file, for every file its cards refer to


def discover(content_dir: Path) -> list[Path]:
    """Every deck file under ``content_dir``: ``*.md`` except the documentation (FORMAT.md, README.md)."""
    return sorted(p for p in content_dir.rglob("*.md") if p.name not in DOC_FILES and p.is_file())


def read_source(path: Path, shown: str) -> tuple[SourceFile | None, list[Diagnostic]]:
    """Read a file as UTF-8 (a BOM and CRLF line endings are fine); report bytes that are not UTF-8."""
    data, diags = read_bytes(path, shown)
    if data is None:
        return None, diags
    return decode_source(data, shown)


def read_bytes(path: Path, shown: str) -> tuple[bytes | None, list[Diagnostic]]:
    """A file's bytes, or a diagnostic when it is over the size limit."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        return None, [Diagnostic("error", Position(shown, 1, 1), f"file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,} (split the deck)")]
    return path.read_bytes(), []


def decode_source(data: bytes, shown: str) -> tuple[SourceFile | None, list[Diagnostic]]:
    """A file's bytes as text (see ``read_source``)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        before = data[: e.start]
        line = before.count(b"\n") + 1
        col_bytes = before[before.rfind(b"\n") + 1 :]
        col = len(col_bytes.decode("utf-8", "replace")) + 1
        lines = data.split(b"\n")
        shown_line = lines[line - 1].decode("utf-8", "replace") if line <= len(lines) else ""
        return None, [Diagnostic("error", Position(shown, line, col), f"byte 0x{data[e.start]:02x} is not UTF-8; save the file as UTF-8", shown_line)]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return SourceFile(shown, text), []


def split_tags(value: str) -> tuple[str, ...]:
    value = value.strip()
    if value.startswith("[") and value.endswith("]"):
        value = value[1:-1].replace(",", " ")
    return tuple(value.split())  # split() without a separator gives no empty strings


def parse_deck_file(src: SourceFile) -> tuple[DeckFile | None, list[Diagnostic]]:
    """Split a deck file into its front matter and raw cards; every problem becomes a diagnostic."""
    diags: list[Diagnostic] = []
    lines = src.lines
    if not src.text.strip():
        return None, [src.diagnostic(1, 1, "the file is empty; a deck file starts with front matter (---, deck: Name, ---)")]
    if lines[0].strip() != "---":
        return None, [src.diagnostic(1, 1, "a deck file starts with front matter: a line '---', then 'deck: Name', then '---'")]
    end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---" or _HEADING.match(lines[i])), None)
    if end is None or lines[end].strip() != "---":
        # no '---' before the first '## card-id': the front matter was never closed (a later '---'
        # is a card's question/answer separator, not the end of the front matter)
        return None, [src.diagnostic(1, 1, "front matter is not closed: add a line '---' after 'deck: ...'")]
    meta: dict[str, str] = {}
    for i in range(1, end):
        line = lines[i]
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        m = _META.match(line)
        if not m:
            diags.append(src.diagnostic(i + 1, 1, "front matter lines are 'key: value' (keys: deck, tags)"))
            continue
        key = m.group(1)
        if key not in FRONT_MATTER_KEYS:
            diags.append(src.diagnostic(i + 1, 1, f"unknown front matter key {key!r} (known: {', '.join(FRONT_MATTER_KEYS)})"))
        elif key in meta:
            diags.append(src.diagnostic(i + 1, 1, f"{key!r} is given twice"))
        else:
            meta[key] = m.group(2).strip()
    deck = meta.get("deck", "")
    if "deck" not in meta:
        diags.append(src.diagnostic(1, 1, "front matter needs 'deck: Name' (subdecks with '::')"))
    elif not deck or any(not part.strip() for part in deck.split("::")):
        row = next(i for i in range(1, end) if lines[i].lstrip().startswith("deck"))
        diags.append(src.diagnostic(row + 1, 1, f"deck name {deck!r} has an empty part; write 'Parent::Child'"))
    deck = "::".join(part.strip() for part in deck.split("::"))
    tags = split_tags(meta.get("tags", ""))
    cards, card_diags = _split_cards(src, end + 1, deck, tags)
    diags.extend(card_diags)
    if not cards and not card_diags:
        diags.append(src.diagnostic(end + 1, 1, "the deck has no cards; start each card with a line '## card-id'"))
    return DeckFile(src, deck, tags, cards), diags


def _split_cards(src: SourceFile, start: int, deck: str, deck_tags: tuple[str, ...]) -> tuple[list[RawCard], list[Diagnostic]]:
    """Cut the body (from 0-based line ``start``) at '## id' headings outside code fences."""
    lines = src.lines
    diags: list[Diagnostic] = []
    marked = _marked_lines(src, start)
    headings: list[int] = []
    ids: list[str] = []  # the text of each heading (its card id, if valid)
    fence: tuple[str, int] | None = None
    for i in marked:
        line = lines[i]
        m = _FENCE.match(line)
        if fence is None and m:
            fence = (m.group(1), i)
        elif fence is not None and m and line.strip().startswith(fence[0][0] * len(fence[0])) and not m.group(2):
            fence = None
        elif fence is None and line.startswith("##") and (heading := _HEADING.match(line)):
            headings.append(i)
            ids.append(heading.group(1))
    end = len(lines)
    if fence is not None:
        kind = _FENCE.match(lines[fence[1]])
        what = f"```{kind.group(2)}" if kind and kind.group(2) else "code fence"
        diags.append(src.diagnostic(fence[1] + 1, 1, f"{what} block is never closed (add a line {fence[0]})"))
        # The cards before the one holding the open fence are whole: check them too, so their
        # errors are reported with this one. The card holding the fence runs to the end: skip it.
        end = headings.pop() if headings else fence[1]
    first = headings[0] if headings else end
    for i in range(start, first):
        if lines[i].strip() and not lines[i].strip().startswith("<!--"):
            diags.append(src.diagnostic(i + 1, 1, "text before the first card; start each card with a line '## card-id'"))
            break
    cards = []
    at = 0  # index into marked: the first marked line of the next card
    for n, h in enumerate(headings):
        stop = headings[n + 1] if n + 1 < len(headings) else end
        while at < len(marked) and marked[at] <= h:
            at += 1
        until = at
        while until < len(marked) and marked[until] < stop:
            until += 1
        card, card_diags = _parse_card(src, h, ids[n], stop, deck, deck_tags, marked[at:until])
        diags.extend(card_diags)
        if card:
            cards.append(card)
    return cards, diags


# A line that can open or close a fence, start a card, or separate question from answer; every other
# line is only text, so the parser looks at these alone (one regex scan of the file, not a loop over
# its lines). A superset: each candidate is then tested with the same per-line rules as before. It
# matches the newline before such a line: a pattern that starts with a literal is scanned for fast.
_MARKED = re.compile(r"\n(?:##| {0,3}(?:```|~~~)|[^\S\n]*---[^\S\n]*(?=\n|\Z))")


def _marked_lines(src: SourceFile, start: int) -> list[int]:
    """The 0-based indexes of the lines from ``start`` (at least 1) on that ``_MARKED`` finds, in order."""
    text, lines = src.text, src.lines
    offset = sum(len(line) + 1 for line in lines[:start]) - 1  # the newline that ends line start - 1
    count = text.count
    marked, index = [], start - 1  # the line that the newline at ``offset`` ends
    for m in _MARKED.finditer(text, offset):
        index += count("\n", offset, m.start())
        offset = m.start()
        marked.append(index + 1)
    return marked


def _parse_card(src: SourceFile, h: int, card_id: str, stop: int, deck: str, deck_tags: tuple[str, ...],
                marked: list[int]) -> tuple[RawCard | None, list[Diagnostic]]:
    """One card: lines ``h`` (its '## ' line, whose text is ``card_id``) to ``stop``; ``marked``: its
    lines that ``_MARKED`` finds."""
    lines = src.lines
    diags: list[Diagnostic] = []
    if not CARD_ID.fullmatch(card_id):
        col = lines[h].find(card_id) + 1 if card_id else 3
        why = "is missing" if not card_id else f"{card_id!r} is not a valid id"
        diags.append(src.diagnostic(h + 1, col, f"card id {why}: use lower-case letters, digits and '-', e.g. '## kv-cache-formula'"))
        return None, diags
    meta: dict[str, Text] = {}
    i = h + 1
    while i < stop and lines[i].strip():
        m = _META.match(lines[i])
        if not m or m.group(1) not in CARD_KEYS:
            name = m.group(1) if m else lines[i].strip()[:20]
            diags.append(src.diagnostic(i + 1, 1, f"unknown card setting {name!r} (known: {', '.join(CARD_KEYS)}); leave a blank line between the '## id' line and the question"))
        elif m.group(1) in meta:
            diags.append(src.diagnostic(i + 1, 1, f"{m.group(1)!r} is given twice"))
        else:
            meta[m.group(1)] = Text(m.group(2).strip(), i + 1, m.start(2) + 1)
        i += 1
    body_start = i
    first = next((k for k in range(body_start, stop) if lines[k].strip()), None)
    if first is not None and first > body_start and (m := _META.match(lines[first])) and m.group(1) in CARD_KEYS:
        diags.append(src.diagnostic(first + 1, 1, (
            f"this '{m.group(1)}:' line is part of the question, because a blank line is above it: card settings "
            "go right under the '## id' line, with no blank line between"), "warning"))
    # Find the compute block and the '---' between question and answer, outside other fences.
    separator = None
    compute: Text | None = None
    compute_span: tuple[int, int] | None = None
    fence: tuple[str, int, str] | None = None
    for j in marked:
        if j < body_start:
            continue
        line = lines[j]
        m = _FENCE.match(line)
        if fence is None and m:
            fence = (m.group(1), j, m.group(2))
        elif fence is not None and m and not m.group(2) and lines[j].strip().startswith(fence[0]):
            if fence[2] == "compute":
                if compute is not None:
                    diags.append(src.diagnostic(fence[1] + 1, 1, "a card has one compute block; this is the second"))
                else:
                    compute = Text("\n".join(lines[fence[1] + 1 : j]), fence[1] + 2)
                    compute_span = (fence[1], j)
            fence = None
        elif fence is None and lines[j].strip() == "---":
            if separator is not None:
                diags.append(src.diagnostic(j + 1, 1, "second '---' in this card; a card has one '---' between question and answer"))
            else:
                separator = j
    if separator is None:
        diags.append(src.diagnostic(h + 1, 1, f"card {card_id!r} has no line '---' between question and answer"))
        return None, diags

    front, back = _piece(lines, body_start, separator, compute_span), _piece(lines, separator + 1, stop, compute_span)
    if not front.text.strip():
        diags.append(src.diagnostic(h + 1, 1, f"card {card_id!r} has an empty question"))
    if not back.text.strip():
        diags.append(src.diagnostic(separator + 1, 1, f"card {card_id!r} has an empty answer"))
    tags = list(deck_tags)
    if "tags" in meta:
        for t in split_tags(meta["tags"].text):
            if t not in tags:
                tags.append(t)
    return RawCard(card_id, h + 1, deck, tuple(tags), front, back, compute, meta.get("source"), meta.get("formula")), diags


def _piece(lines: list[str], a: int, b: int, compute_span: tuple[int, int] | None) -> Text:
    """Lines ``a`` to ``b`` (0-based, ``b`` excluded); the lines of the compute block, if in them, left empty."""
    if compute_span is None or not a <= compute_span[0] < b:  # the compute block lies in one piece
        return Text("\n".join(lines[a:b]), a + 1)
    first, last = compute_span
    return Text("\n".join(lines[a:first] + [""] * (min(last, b - 1) - first + 1) + lines[last + 1 : b]), a + 1)


def at(src: SourceFile, piece: Text, offset: int, message: str, severity: str = "error") -> Diagnostic:
    """A diagnostic at ``offset`` characters into ``piece`` of ``src``."""
    offset = max(0, min(offset, len(piece.text)))
    line = piece.line + piece.text.count("\n", 0, offset)
    start = piece.text.rfind("\n", 0, offset) + 1
    col = offset - start + 1 + (piece.col - 1 if start == 0 else 0)
    return src.diagnostic(line, col, message, severity)


def file_digest(data: bytes) -> str:
    """The SHA-256 of a deck file's bytes (``DeckFile.digest``)."""
    return hashlib.sha256(data).hexdigest()
