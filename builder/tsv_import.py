"""``build.py import-tsv``: Anki's "Notes in Plain Text" export (or a drill-card Front/Back TSV like the
chapter 19 seed) -> Markdown deck files.

Read as Anki's own text importer reads it (rslib ``import_export/text/csv``): header lines at the
top, ``#key:value`` (``separator``, ``html``, ``tags``, ``columns``, ``notetype``, ``deck``, and the
``notetype column``, ``deck column``, ``tags column``, ``guid column`` numbers, counted from 1);
then records, with quoted fields that may hold the separator, quotes (``""``) and newlines. A first
record whose cells are all column names (``Front``, ``Back``, ``Tags`` ...) is a header row. The
columns that are not deck, note type, tags or GUID are the note's fields: the first is the question,
the second the answer.

Nothing is written unless the whole file reads clean: every problem is reported at its line, and the
ids generated for the new cards are checked against every card id in ``content/`` first.
"""

from __future__ import annotations

import csv
import html
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .package import slug

_ID_WORDS = 6
SEPARATORS = {"comma": ",", "semicolon": ";", "tab": "\t", "space": " ", "pipe": "|", "colon": ":"}
HEADER_KEYS = ("separator", "html", "tags", "columns", "notetype", "deck", "notetype column", "deck column",
               "tags column", "guid column", "if matches")
_COLUMN_KEYS = {"notetype column": "notetype", "deck column": "deck", "tags column": "tags", "guid column": "guid"}
COLUMN_NAMES = frozenset({"front", "back", "question", "answer", "text", "extra", "back extra", "tags", "deck",
                          "notetype", "note type", "guid"})
_CLOZE = re.compile(r"\{\{c\d+::")
_MEDIA = re.compile(r"""<(?:img|audio|video|source)\b[^>]*?\ssrc\s*=\s*["']?([^"'\s>]+)|\[sound:([^\]]+)\]""", re.IGNORECASE)


class ImportFailed(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__(f"{len(problems)} error(s)")
        self.problems = problems


@dataclass
class Header:
    separator: str = "\t"
    html: bool = True  # a file without '#html:' (the seed): its fields are taken as HTML, as before
    tags: tuple[str, ...] = ()
    notetype: str = ""
    deck: str = ""
    columns: dict[str, int] = field(default_factory=dict)  # "deck" | "notetype" | "tags" | "guid" -> 0-based column
    names: list[str] = field(default_factory=list)  # from '#columns:'
    lines: int = 0  # how many lines the header takes


@dataclass(frozen=True)
class Row:
    line: int
    deck: str
    notetype: str
    tags: tuple[str, ...]
    fields: tuple[str, ...]


def card_id_for(front: str, taken: set[str]) -> str:
    """A readable id from the question's first words, made unique: 'state-the-kv-cache-memory-formula'."""
    words = re.sub(r"<[^>]+>", " ", html.unescape(front)).lower()
    base = "-".join(re.findall(r"[a-z0-9]+", words)[:_ID_WORDS])[:60].strip("-") or "card"
    card_id, n = base, 2
    while card_id in taken:
        card_id, n = f"{base}-{n}", n + 1
    taken.add(card_id)
    return card_id


_MARKDOWN_TEXT = re.compile(r"[\\`*_$]|\{\{")
_LINE_START = re.compile(r"^(\s*)(#|>|[-+*](?=\s)|\d+[.)](?=\s)|---\s*$|={3,}\s*$)")


def to_markdown(text: str, is_html: bool = True) -> str:
    """A field as card Markdown that renders to the same text: HTML kept (``is_html``) or escaped,
    and outside the tags every character Markdown, math or placeholders would take is escaped
    (``\\$``, ``\\{\\{``, ``\\*``, ``&#91;`` ...), as are line openings that would make a heading, list or rule."""
    if not is_html:
        text = html.escape(text, quote=False).replace("\n", "<br>")
    parts = re.split(r"(<[^>]*>)", text)
    for i in range(0, len(parts), 2):  # the text between tags
        parts[i] = _MARKDOWN_TEXT.sub(lambda m: "\\{\\{" if m.group() == "{{" else "\\" + m.group(), parts[i])
        parts[i] = parts[i].replace("\t", "&#9;").replace("[", "&#91;").replace("]", "&#93;")  # a tab Markdown
        # would make spaces of; brackets that would make links (and '\\[' is display math)
    text = "".join(parts)
    lines = []
    for line in text.replace("<br>", "<br>\n").replace("<br/>", "<br/>\n").replace("<br />", "<br />\n").splitlines():
        m = _LINE_START.match(line)
        if m:
            line = m.group(1) + "\\" + line[len(m.group(1)):]
        lines.append(line.rstrip())
    return "\n".join(lines).strip()


def read_header(lines: list[str], where: str, problems: list[str]) -> Header:
    header = Header()
    for n, line in enumerate(lines, 1):
        if not line.startswith("#"):
            break
        header.lines = n
        key, colon, value = line[1:].partition(":")
        key = key.strip().lower()
        if not colon or key not in HEADER_KEYS:
            continue  # Anki ignores other '#' lines at the top
        value = value.rstrip("\r")
        if key == "separator":
            sep = SEPARATORS.get(value.strip().lower(), value if len(value) == 1 else None)
            if sep is None:
                problems.append(f"{where}:{n}:12: error: unknown separator {value!r} (Tab, Comma, Semicolon, Space, Pipe, Colon, or one character)")
            else:
                header.separator = sep
        elif key == "html":
            if value.strip().lower() not in ("true", "false"):
                problems.append(f"{where}:{n}:7: error: #html: takes true or false, not {value!r}")
            header.html = value.strip().lower() == "true"
        elif key == "tags":
            header.tags = tuple(value.split())
        elif key == "columns":
            header.names = value.split(header.separator)
        elif key in ("notetype", "deck"):
            setattr(header, key, value.strip())
        elif key in _COLUMN_KEYS:
            if not value.strip().isdigit() or int(value) < 1:
                problems.append(f"{where}:{n}:{len(key) + 3}: error: #{key}: takes a column number from 1, not {value!r}")
            else:
                header.columns[_COLUMN_KEYS[key]] = int(value) - 1
    for i, name in enumerate(header.names):  # '#columns:' may name them instead
        known = name.strip().lower().replace(" ", "")
        if known in ("tags", "deck", "guid", "notetype") and known not in header.columns:
            header.columns[known] = i
    return header


def read_rows(data: str, where: str, deck: str | None) -> tuple[Header, list[Row], list[str]]:
    """The header and the notes of an export, and the problems (``where:line:col: error: ...``)."""
    problems: list[str] = []
    lines = data.split("\n")
    header = read_header(lines, where, problems)
    body = [line + "\n" for line in lines[header.lines:]]  # with their ends: a quoted field keeps its newlines
    reader = csv.reader(body, delimiter=header.separator, quotechar='"', doublequote=True, strict=False)
    rows: list[Row] = []
    start = header.lines + 1
    first = True
    special = set(header.columns.values())
    try:
        for record in reader:
            line, start = start, header.lines + reader.line_num + 1
            record = [cell.rstrip("\r") for cell in record]
            if not any(cell.strip() for cell in record):
                continue
            if first and not header.names and all(cell.strip().lower() in COLUMN_NAMES for cell in record if cell.strip()):
                first = False
                for i, cell in enumerate(record):  # a header row names the columns, as #columns: does
                    name = cell.strip().lower().replace(" ", "")
                    if name in ("tags", "deck", "guid", "notetype") and name not in header.columns:
                        header.columns[name] = i
                special = set(header.columns.values())
                continue
            first = False
            for kind, column in header.columns.items():
                if column >= len(record):
                    problems.append(f"{where}:{line}:1: error: the header puts the {kind} in column {column + 1}, "
                                    f"but this line has {len(record)} column(s)")
            cells = {kind: record[column].strip() for kind, column in header.columns.items() if column < len(record)}
            fields = tuple(cell for i, cell in enumerate(record) if i not in special)
            while fields and not fields[-1].strip() and len(fields) > 2:
                fields = fields[:-1]
            row_deck = deck or cells.get("deck") or header.deck
            tags = header.tags + tuple(cells.get("tags", "").split())
            row = Row(line, row_deck, cells.get("notetype") or header.notetype, tags, fields)
            problem = _row_problem(row)
            if problem:
                problems.append(f"{where}:{line}:1: error: {problem}")
            rows.append(row)
    except csv.Error as e:
        problems.append(f"{where}:{start}:1: error: {e}")
    return header, rows, problems


def _row_problem(row: Row) -> str | None:
    if any(_CLOZE.search(f) for f in row.fields) or "cloze" in row.notetype.lower():
        return ("a cloze note ({{c1::...}}): cloze deletions are not supported by the Compute Card note "
                "type; write the card as a question and an answer instead (the hidden part goes on the answer side)")
    if len(row.fields) < 2 or not row.fields[0].strip():
        return f"expected a question and an answer (Front, Back), found {sum(1 for f in row.fields if f.strip())} field(s)"
    if len(row.fields) > 2:
        return (f"this note has {len(row.fields)} fields; a card takes two, the question and the answer "
                "(merge the others into them, or leave them out of the export)")
    if not row.deck:
        return "no deck: give one with --deck, or export with the deck column (Anki's 'Include deck name')"
    return None


def existing_ids(content_dir: Path) -> set[str]:
    """Every card id in the deck files of ``content_dir`` (parsed where they parse, else read by line)."""
    from .source import discover, parse_deck_file, read_source

    ids: set[str] = set()
    if not content_dir.is_dir():
        return ids
    for path in discover(content_dir):
        src, _ = read_source(path, str(path))
        if src is None:
            continue
        deck, _ = parse_deck_file(src)
        ids |= {raw.card_id for raw in deck.cards} if deck is not None else set()
        ids |= set(re.findall(r"^##(?!#)\s*(\S+)", "\n".join(src.lines), re.M))
    return ids


def import_tsv(path: Path, deck: str | None, out: Path | None, content_dir: Path) -> int:
    try:
        data = path.read_text(encoding="utf-8-sig").replace("\r\n", "\n")
    except (OSError, UnicodeDecodeError) as e:
        print(f"error: cannot read {path}: {e}", file=sys.stderr)
        return 2
    header, rows, problems = read_rows(data, str(path), deck)
    if problems:
        print("\n".join(problems), file=sys.stderr)
        print(f"import failed: {len(problems)} error(s); nothing was written", file=sys.stderr)
        return 1
    if not rows:
        print(f"error: {path} holds no notes", file=sys.stderr)
        return 1
    by_deck: dict[str, list[Row]] = {}
    for row in rows:
        by_deck.setdefault(row.deck, []).append(row)
    if out is not None and len(by_deck) > 1:
        print(f"error: {path} holds {len(by_deck)} decks ({', '.join(by_deck)}); leave out --out (each goes to "
              f"{content_dir}/<deck>.md), or put them all in one with --deck", file=sys.stderr)
        return 2
    targets = {name: out or content_dir / f"{slug(name.split('::')[-1])}.md" for name in by_deck}
    if len(set(targets.values())) < len(targets):
        print("error: two decks would be written to the same file; import them one at a time with --deck and --out",
              file=sys.stderr)
        return 2
    for target in targets.values():
        if target.exists():
            print(f"error: {target} exists; choose another path with --out", file=sys.stderr)
            return 2
    taken = existing_ids(content_dir)  # no new id may be one that content/ already has
    files: dict[Path, str] = {}
    media: set[str] = set()
    for name, deck_rows in by_deck.items():
        parts = [f"---\ndeck: {name}\n---\n"]
        for row in deck_rows:
            front, back = row.fields[0].strip(), row.fields[1].strip()
            for m in _MEDIA.finditer(front + back):
                media.add(m.group(1) or m.group(2))
            tags = f"tags: {' '.join(row.tags)}\n" if row.tags else ""
            parts.append(f"## {card_id_for(front, taken)}\n{tags}\n{to_markdown(front, header.html)}\n\n---\n\n"
                         f"{to_markdown(back, header.html)}\n")
        files[targets[name]] = "\n".join(parts)
    for target, text in files.items():
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        print(f"wrote {text.count(chr(10) + '## ')} cards to {target}", file=sys.stderr)
    if "guid" in header.columns:
        print("note: the notes' Anki GUIDs are not kept: a Compute Card's GUID comes from its card id, so "
              "learners get these as new notes (with new reviews)", file=sys.stderr)
    if media:
        print(f"note: the notes refer to {len(media)} media file(s) ({', '.join(sorted(media)[:5])}"
              f"{', ...' if len(media) > 5 else ''}): copy them from your Anki profile's collection.media folder "
              "next to the deck file, and write [sound:x.mp3] as <audio controls src=\"x.mp3\"></audio>", file=sys.stderr)
    print("review the generated ids before publishing: they become permanent", file=sys.stderr)
    return 0
