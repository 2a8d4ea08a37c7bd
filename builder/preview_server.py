"""The preview's HTTP server on 127.0.0.1: the pages, each card side as Anki shows it, its media, the events.

    /                           every deck file and card (ids, question text, diagnostics count)
    /card/CARD_ID               one card: the diagnostics of its deck file, its question and answer side
    /frame/CARD_ID/SIDE         one side (question|answer) as Anki renders it (builder/preview_cards.py):
                                the note type's templates and CSS, MathJax 3.2.2, the reviewer's body classes
    /media/CARD_ID/NAME         a file of the content folder that this card references (or the templates do)
    /events                     server-sent events: ``update`` after each save, ``progress`` while rendering
    /_preview/NAME              the page's own script and styles; /_preview/mathjax/... MathJax

Not an open door: only GET and HEAD, only requests whose Host is 127.0.0.1 or localhost on this port
(a page of another site that resolves its own name to 127.0.0.1 is refused), path segments decoded once
and refused when they hold a separator or are '.'/'..', media only by name from the content folder itself
(no folders, no symlinks, nothing a card does not reference), and a Content-Security-Policy on
every page: the card's own inline scripts run in its frame, but it can fetch nothing and post nothing.
"""

from __future__ import annotations

import hashlib
import html
import json
import mimetypes
import os
import re
import threading
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from addon.core.card import CARD_ID, Card

from .preview import DeckView, Preview
from .preview_cards import AnkiCards, Side

ROOT = Path(__file__).resolve().parent.parent
WEB = Path(__file__).resolve().parent / "preview_web"  # the page's own assets
MATHJAX = ROOT / "node_modules" / "mathjax" / "es5"  # npm's mathjax 3.2.2 (package.json), the version Anki bundles
DEFAULT_PORT = 8319
SIDES = ("question", "answer")
KEEPALIVE_SECONDS = 15.0

PAGE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
            "frame-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
# A card side: its template's inline scripts run (as in Anki), MathJax's styles and fonts load; nothing
# is fetched, posted or framed, and no eval (the project's JavaScript never needs it).
FRAME_CSP = ("default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
             "img-src 'self' data:; font-src 'self' data:; media-src 'self'; connect-src 'none'; "
             "base-uri 'self'; form-action 'none'; frame-ancestors 'self'")
MEDIA_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox"  # an SVG opened by itself runs nothing
MEDIA_TYPES = {
    ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif", ".webp": "image/webp",
    ".svg": "image/svg+xml", ".avif": "image/avif", ".mp3": "audio/mpeg", ".ogg": "audio/ogg", ".wav": "audio/wav",
    ".mp4": "video/mp4", ".webm": "video/webm", ".js": "text/javascript", ".mjs": "text/javascript",
    ".css": "text/css", ".woff": "font/woff", ".woff2": "font/woff2", ".ttf": "font/ttf",
}
ASSETS = {"preview.js": "text/javascript", "preview.css": "text/css", "frame.js": "text/javascript",
          "mathjax-config.js": "text/javascript", "reviewer.css": "text/css"}
_MATHJAX_PART = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]*")
_BREAK = re.compile(r"(?i)<(?:br|/p|/div|/li|/h\d|/tr|/td|hr)\b[^>]*>")  # where the text of the next block starts
_TAG = re.compile(r"<[^>]*>")


# --- the events --------------------------------------------------------------------------------


class Events:
    """What the pages are told: a short history of numbered events, waited for by each /events stream."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._recent: deque[tuple[int, str, str]] = deque(maxlen=64)
        self._seq = 0
        self.stopping = False

    def publish(self, kind: str, data: dict) -> None:
        with self._cond:
            self._seq += 1
            self._recent.append((self._seq, kind, json.dumps(data)))
            self._cond.notify_all()

    def stop(self) -> None:
        with self._cond:
            self.stopping = True
            self._cond.notify_all()

    def latest(self) -> int:
        with self._cond:
            return self._seq

    def after(self, seq: int, timeout: float) -> list[tuple[int, str, str]]:
        """The events after ``seq`` (waiting up to ``timeout`` seconds for one); [] on time-out or stop."""
        with self._cond:
            self._cond.wait_for(lambda: self._seq > seq or self.stopping, timeout)
            return [event for event in self._recent if event[0] > seq] if not self.stopping else []


# --- the server --------------------------------------------------------------------------------


class PreviewServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, preview: Preview, port: int, cards: AnkiCards | None = None) -> None:
        super().__init__(("127.0.0.1", port), Handler)
        self.preview = preview
        self.port = self.server_address[1]
        self.hosts = {f"127.0.0.1:{self.port}", f"localhost:{self.port}"}
        self.cards = cards or AnkiCards()
        self.events = Events()
        self.content = preview.settings.content_dir.resolve()
        self.mathjax = MATHJAX.resolve() if (MATHJAX / "tex-chtml-full.js").is_file() else None
        self._index_parts: dict[tuple[Path, int, str], str] = {}
        self._index_lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def index_part(self, view: DeckView, query: str) -> str:
        """One deck file's section of the index, made once per version of its view (and look)."""
        key = (view.path, view.version, query)
        with self._index_lock:
            part = self._index_parts.get(key)
        if part is None:
            part = _deck_section(view, query)
            live = {(v.path, v.version) for v in self.preview.snapshot.decks}
            with self._index_lock:
                self._index_parts = {k: v for k, v in self._index_parts.items() if k[:2] in live}
                self._index_parts[key] = part
        return part

    def close(self) -> None:
        self.events.stop()
        self.shutdown()
        self.server_close()
        self.cards.close()


class Handler(BaseHTTPRequestHandler):
    server: PreviewServer
    protocol_version = "HTTP/1.1"  # keep-alive: a save's refresh reuses the page's connections
    disable_nagle_algorithm = True  # headers and body are two writes: without it each response waits ~40 ms for an ACK
    server_version = "compute-cards-preview"
    sys_version = ""

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - http.server's name
        pass  # the terminal shows what saves did, not every request

    def do_HEAD(self) -> None:  # noqa: N802
        self.do_GET(head=True)

    def do_GET(self, head: bool = False) -> None:  # noqa: N802
        self._head = head
        if self.headers.get("Host", "").lower() not in self.server.hosts:
            return self._text(403, "forbidden: this preview answers only to 127.0.0.1 and localhost on its port\n")
        if not self.path.startswith("/"):
            return self._text(400, "bad request\n")
        split = urlsplit(self.path)
        parts = split.path.split("/")[1:]
        try:
            segments = [unquote(part, errors="strict") for part in parts]
        except UnicodeDecodeError:
            return self._text(404, "not found\n")
        if any(s in (".", "..") or "/" in s or "\\" in s or "\0" in s for s in segments):
            return self._text(404, "not found\n")
        query = parse_qs(split.query)
        try:
            self._route(segments, query)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    # --- routes ----------------------------------------------------------------------------------

    def _route(self, segments: list[str], query: dict[str, list[str]]) -> None:
        night = query.get("night") == ["1"]
        phone = query.get("width") == ["phone"]
        match segments:
            case [""]:
                return self._html(200, _index_page(self.server, night))
            case ["card", card_id] if CARD_ID.fullmatch(card_id):
                found = self.server.preview.snapshot.card(card_id)
                if found is None:
                    return self._html(404, _missing_page(card_id, night))
                return self._html(200, _card_page(self.server, *found, night=night, phone=phone))
            case ["frame", card_id, side] if CARD_ID.fullmatch(card_id) and side in SIDES:
                found = self.server.preview.snapshot.card(card_id)
                if found is None:
                    return self._text(404, "no such card\n")
                rendered = self.server.cards.side(found[1], side)
                body = _frame(card_id, rendered, night, self.server.mathjax is not None)
                return self._send(200, "text/html; charset=utf-8", body.encode("utf-8"), FRAME_CSP)
            case ["media", card_id, name] if CARD_ID.fullmatch(card_id):
                return self._media(card_id, name)
            case ["favicon.ico"]:
                return self._send(204, "image/x-icon", b"", None)
            case ["events"]:
                return self._events()
            case ["_preview", name] if name in ASSETS:
                return self._file(WEB / name, ASSETS[name] + "; charset=utf-8", cache=False)
            case ["_preview", "mathjax", *rest] if self.server.mathjax is not None and rest:
                return self._mathjax(rest)
        self._text(404, "not found\n")

    def _media(self, card_id: str, name: str) -> None:
        found = self.server.preview.snapshot.card(card_id)
        if found is None or name.startswith(".") or name not in self.server.cards.side(found[1], "answer").media:
            return self._text(404, "not found\n")
        named = self.server.preview.media_file(name)  # a media name (builder/media.py) of a card on show
        path = named if named is not None else self.server.content / name
        try:
            real = Path(os.path.realpath(path))
            inside = self.server.content in real.parents if named is not None else real.parent == self.server.content
            if not inside or not real.is_file() or (named is None and path.is_symlink()):
                return self._text(404, "not found\n")
        except OSError:
            return self._text(404, "not found\n")
        kind = MEDIA_TYPES.get(path.suffix.lower(), "application/octet-stream")
        self._file(path, kind, cache=False, csp=MEDIA_CSP)

    def _mathjax(self, rest: list[str]) -> None:
        root = self.server.mathjax
        assert root is not None
        if not all(_MATHJAX_PART.fullmatch(part) for part in rest):
            return self._text(404, "not found\n")
        path = root.joinpath(*rest)
        real = Path(os.path.realpath(path))
        if root not in real.parents or not real.is_file():
            return self._text(404, "not found\n")
        kind = MEDIA_TYPES.get(real.suffix.lower()) or mimetypes.guess_type(real.name)[0] or "application/octet-stream"
        self._file(real, kind, cache=True)

    def _events(self) -> None:
        events = self.server.events
        seq = events.latest()
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        if self._head:
            return
        version = self.server.preview.snapshot.version
        self.wfile.write(f"retry: 500\nevent: hello\ndata: {json.dumps({'version': version})}\n\n".encode())
        self.wfile.flush()
        while not events.stopping:
            batch = events.after(seq, KEEPALIVE_SECONDS)
            if not batch:
                self.wfile.write(b": keep-alive\n\n")  # also finds a closed page out
            for seq, kind, data in batch:
                self.wfile.write(f"event: {kind}\ndata: {data}\n\n".encode())
            self.wfile.flush()

    # --- responses ---------------------------------------------------------------------------------

    def _file(self, path: Path, kind: str, cache: bool, csp: str | None = None) -> None:
        try:
            data = path.read_bytes()
        except OSError:
            return self._text(404, "not found\n")
        self._send(200, kind, data, csp, cache)

    def _html(self, status: int, body: str) -> None:
        self._send(status, "text/html; charset=utf-8", body.encode("utf-8"), PAGE_CSP)

    def _text(self, status: int, body: str) -> None:
        self._send(status, "text/plain; charset=utf-8", body.encode("utf-8"), "default-src 'none'")

    def _send(self, status: int, kind: str, body: bytes, csp: str | None, cache: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "max-age=86400" if cache else "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        if csp:
            self.send_header("Content-Security-Policy", csp)
        self.end_headers()
        if not self._head:
            self.wfile.write(body)


# --- pages -----------------------------------------------------------------------------------------

e = html.escape


def _shell(title: str, body: str, night: bool, live: bool = True) -> str:
    theme = " night" if night else ""
    return (f'<!doctype html>\n<html lang="en" class="preview{theme}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{e(title)}</title>'
            f'<link rel="stylesheet" href="/_preview/preview.css"></head><body>{body}'
            f'<div id="progress" role="status" hidden></div>'
            + ('<script src="/_preview/preview.js"></script>' if live else "") + "</body></html>\n")


def _toggles(night: bool, phone: bool, base: str, widths: bool = True) -> str:
    def link(label: str, on: bool, n: bool, p: bool) -> str:
        query = "&".join(q for q in ("night=1" if n else "", "width=phone" if p else "") if q)
        href = base + ("?" + query if query else "")
        current = ' aria-current="true"' if on else ""
        return f'<a class="toggle" href="{e(href)}"{current}>{label}</a>'

    themes = f'<span class="group">{link("Light", not night, False, phone)}{link("Night", night, True, phone)}</span>'
    sizes = f'<span class="group">{link("Desktop", not phone, night, False)}{link("Phone", phone, night, True)}</span>'
    return f'<nav class="toggles" aria-label="look">{themes}{sizes if widths else ""}</nav>'


def _index_page(server: PreviewServer, night: bool) -> str:
    snapshot = server.preview.snapshot
    cards = sum(len(view.cards) for view in snapshot.decks)
    errors = sum(view.errors for view in snapshot.decks)
    summary = f"{cards:,} cards in {len(snapshot.decks)} deck file(s)" + (f", {errors} error(s)" if errors else "")
    query = "?night=1" if night else ""
    parts = "".join(server.index_part(view, query) for view in snapshot.decks)
    body = (f'<header><h1>Compute Cards preview</h1>{_toggles(night, False, "/", widths=False)}</header>'
            f'<main id="live" data-version="{snapshot.version}" data-query="{e(query)}">'
            f'<p class="summary">{e(summary)}</p>{parts}</main>')
    return _shell("Compute Cards preview", body, night)


def _deck_section(view: DeckView, query: str) -> str:
    rows = []
    for card in view.cards:
        count = view.counts.get(card.card_id, 0)
        rows.append(f'<tr><td><a class="card-link" href="/card/{card.card_id}{query}">{card.card_id}</a></td>'
                    f'<td>{e(question_text(card))}</td><td class="count{" bad" if count else ""}">{count}</td></tr>')
    return (f'<section class="deck" data-path="{e(view.shown)}"><h2>{e(view.deck or view.shown)} '
            f'<small>{e(view.shown)} · {len(view.cards)} card(s)</small></h2>{_diagnostics(view)}'
            '<table><thead><tr><th>card id</th><th>question</th><th>diagnostics</th></tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></section>')


def _diagnostics(view: DeckView) -> str:
    if not view.diagnostics:
        return ""
    head = f"{view.shown}: {view.errors} error(s)" if view.errors else f"{view.shown}: {len(view.diagnostics)} warning(s)"
    if view.stale:
        head += " — showing the last good render"
    blocks = "".join(_diagnostic(d) for d in view.diagnostics)
    return f'<section class="diagnostics" role="alert"><h3>{e(head)}</h3>{blocks}</section>'


def _diagnostic(d) -> str:  # type: ignore[no-untyped-def]
    """The build's text of one diagnostic (``Diagnostic.format``): its first line may wrap, the source
    line and the caret under it never do."""
    head, newline, rest = d.format().partition("\n")
    return (f'<pre class="diagnostic {d.severity}"><span class="message">{e(head)}</span>'
            f'{newline}{e(rest)}</pre>')


def _card_page(server: PreviewServer, view: DeckView, card: Card, night: bool, phone: bool) -> str:
    query = "&night=1" if night else ""
    frames = "".join(
        f'<figure class="side"><figcaption>{side.capitalize()}</figcaption>'
        f'<iframe id="{side}" title="{side}" data-src="/frame/{card.card_id}/{side}?v={_side_version(server, card, side)}{query}">'
        "</iframe></figure>"
        for side in SIDES)
    snapshot = server.preview.snapshot
    body = (f'<header><h1><a href="/{"?night=1" if night else ""}">Compute Cards preview</a> / {card.card_id}</h1>'
            f'{_toggles(night, phone, f"/card/{card.card_id}")}</header>'
            f'<main id="live" data-version="{snapshot.version}">'
            f'<p class="where">{e(view.shown)}:{card.line} · deck {e(card.deck)}'
            + (f' · tags {e(" ".join(card.tags))}' if card.tags else "") + "</p>"
            f'{_diagnostics(view)}<div id="sides" class="sides {"phone" if phone else "desktop"}">{frames}</div></main>')
    return _shell(f"{card.card_id} · Compute Cards preview", body, night)


def _missing_page(card_id: str, night: bool) -> str:
    body = (f'<header><h1><a href="/">Compute Cards preview</a> / {e(card_id)}</h1></header>'
            f'<main id="live"><p class="summary">No card {e(card_id)!s} in the content folder (yet): '
            'this page follows the saves and shows it when a deck file has it.</p></main>')
    return _shell(card_id, body, night)


def _side_version(server: PreviewServer, card: Card, side: str) -> str:
    """Changes when what the side's frame shows may change (its HTML, CSS, media): the page loads the
    frame again only then (a save that changed the answer leaves the question side as it is)."""
    rendered = server.cards.side(card, side)
    digest = hashlib.sha256("\0".join((rendered.html, rendered.css)).encode("utf-8", "surrogatepass")).hexdigest()
    return f"{digest[:12]}.{server.preview.snapshot.media}"


def _frame(card_id: str, side: Side, night: bool, mathjax: bool) -> str:
    """One side as Anki's reviewer shows it: the note type's CSS, the side's HTML in ``#qa`` on a body
    with the reviewer's classes (``card card1``, ``nightMode night_mode`` at night: aqt/theme.py), MathJax
    (loaded, as Anki loads it, only when the side has ``\\(`` or ``\\[``), media names relative to the
    media folder."""
    classes = "card card1 isLin" + (" nightMode night_mode" if night else "")
    scripts = ""
    if mathjax and ("\\(" in side.html or "\\[" in side.html):
        scripts = ('<script src="/_preview/mathjax-config.js"></script>'
                   '<script src="/_preview/mathjax/tex-chtml-full.js"></script>')
    return (f'<!doctype html>\n<html><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<base href="/media/{card_id}/"><link rel="stylesheet" href="/_preview/reviewer.css">'
            f'<style>{side.css}</style>{scripts}</head>'
            f'<body class="{classes}"><div id="qa">{side.html}</div>'
            '<script src="/_preview/frame.js"></script></body></html>\n')


def question_text(card: Card, limit: int = 140) -> str:
    """The question as plain text, for the index (tags removed, entities decoded, cut at ``limit``)."""
    text = " ".join(html.unescape(_TAG.sub("", _BREAK.sub(" ", card.front))).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
