"""``build.py import-tsv``: a drill-card Front/Back TSV export (like the chapter 19 seed) -> a Markdown deck file."""

from __future__ import annotations

import csv
import io
import re
import sys
from pathlib import Path

from .package import slug

_ID_WORDS = 6


def card_id_for(front: str, taken: set[str]) -> str:
    """A readable id from the question's first words, made unique: 'state-the-kv-cache-memory-formula'."""
    words = re.sub(r"<[^>]+>", " ", front).lower()
    base = "-".join(re.findall(r"[a-z0-9]+", words)[:_ID_WORDS])[:60].strip("-") or "card"
    card_id, n = base, 2
    while card_id in taken:
        card_id, n = f"{base}-{n}", n + 1
    taken.add(card_id)
    return card_id


def to_markdown(text: str) -> str:
    """Field HTML as card Markdown: keep the HTML, make '$' and '{{' literal, keep the card structure safe."""
    text = text.replace("\\", "\\\\").replace("$", "\\$").replace("{{", "\\{\\{")
    lines = []
    for line in text.replace("<br>", "<br>\n").splitlines():
        if line.strip() == "---" or line.startswith("##"):
            line = "\\" + line  # would end the card or start a new one
        lines.append(line)
    return "\n".join(lines).strip()


def read_rows(data: str) -> list[list[str]]:
    rows = []
    body = "\n".join(line for line in data.splitlines() if not line.startswith("#"))
    for row in csv.reader(io.StringIO(body), delimiter="\t"):
        if any(cell.strip() for cell in row):
            rows.append(row)
    return rows


def import_tsv(path: Path, deck: str, out: Path | None, content_dir: Path) -> int:
    try:
        data = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        print(f"error: cannot read {path}: {e}", file=sys.stderr)
        return 2
    rows = read_rows(data)
    out = out or content_dir / f"{slug(deck.split('::')[-1])}.md"
    if out.exists():
        print(f"error: {out} exists; choose another path with --out", file=sys.stderr)
        return 2
    taken: set[str] = set()
    parts = [f"---\ndeck: {deck}\n---\n"]
    for n, row in enumerate(rows, 1):
        if len(row) < 2:
            print(f"{path}:{n}: error: expected Front<TAB>Back, found {len(row)} column(s)", file=sys.stderr)
            return 1
        front, back = row[0].strip(), row[1].strip()
        tags = f"tags: {row[2].strip()}\n" if len(row) > 2 and row[2].strip() else ""
        parts.append(f"## {card_id_for(front, taken)}\n{tags}\n{to_markdown(front)}\n\n---\n\n{to_markdown(back)}\n")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(parts), encoding="utf-8")
    print(f"wrote {len(rows)} cards to {out}", file=sys.stderr)
    return 0
