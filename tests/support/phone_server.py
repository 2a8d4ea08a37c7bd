"""Serve card sides the way AnkiDroid's default reviewer loads them, for a real headless Chromium.

What is the same as on the phone (ankidroid/Anki-Android ``AbstractFlashcardViewer.kt``,
``ViewerResourceHandler.kt``, see /work/shared/anki-clients.md):
- each side is a **fresh page load** (``loadDataWithBaseURL``) from one origin, ``http://127.0.0.1:<port>/``,
  so only ``sessionStorage`` carries anything from the question to the answer;
- the card's HTML is what the real ``anki`` package renders from the imported ``.apkg``
  (``card.question()`` / ``card.answer()``, the note type's CSS included), inside a page whose
  ``<body>`` has the classes ``card card1`` (plus ``night_mode nightMode`` in night mode);
- MathJax 3 is the ``tex-chtml-full.js`` Anki's own aqt package ships (AnkiDroid bundles the same
  file), loaded only when the card's HTML has ``\\(...\\)`` or ``\\[...\\]``, and it typesets the page at start.
What is not: AnkiDroid's own ``card.js`` (its hooks and gestures) and the Android WebView itself.

The server binds 127.0.0.1 and serves only the registered card pages and files under the MathJax folder.
"""

from __future__ import annotations

import html
import http.server
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional
from urllib.parse import parse_qs, urlsplit

import aqt

MATHJAX_DIR = (Path(aqt.__file__).resolve().parent.parent / "_aqt" / "data" / "web" / "js" / "vendor" / "mathjax").resolve()
# The test Anki desktop (ts/reviewer) and AnkiDroid use to decide whether a card needs MathJax.
_MATH = re.compile(r"\\\[(.*?)\\\]|\\\((.*?)\\\)", re.S)
# Anki desktop's MathJax settings (_aqt/data/web/js/mathjax.js), typesetting at start as a fresh page does.
MATHJAX_CONFIG = (
    "window.MathJax = {tex: {displayMath: [['\\\\[', '\\\\]']], processEscapes: false, processEnvironments: false,"
    " processRefs: false, packages: {'[+]': ['noerrors', 'mathtools'], '[-]': ['textmacros']}},"
    " loader: {load: ['[tex]/noerrors', '[tex]/mathtools'], paths: {mathjax: '/mathjax'}}};"
)


_KINDS = {".js": "text/javascript", ".json": "application/json", ".woff": "font/woff"}


def needs_mathjax(card_html: str) -> bool:
    return bool(_MATH.search(card_html))


def page(card_html: str, night: bool = False) -> str:
    """The page AnkiDroid's viewer builds around one side of a card."""
    body = "card card1" + (" night_mode nightMode" if night else "")
    mathjax = (
        f"<script>{MATHJAX_CONFIG}</script><script src=\"/mathjax/tex-chtml-full.js\"></script>"
        if needs_mathjax(card_html)
        else ""
    )
    return (
        "<!doctype html><html><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"{mathjax}</head><body class=\"{html.escape(body)}\"><div id=\"qa\">{card_html}</div></body></html>"
    )


@dataclass
class PhoneServer:
    """Card pages at ``/card/<name>/<question|answer>`` (``?night=1`` for night mode)."""

    sides: dict[tuple[str, str], str] = field(default_factory=dict)
    _server: Optional[http.server.ThreadingHTTPServer] = None

    def add(self, name: str, question_html: str, answer_html: str) -> None:
        self.sides[(name, "question")] = question_html
        self.sides[(name, "answer")] = answer_html

    def url(self, name: str, side: str, night: bool = False) -> str:
        assert self._server is not None, "start() first"
        return f"http://127.0.0.1:{self._server.server_port}/card/{name}/{side}" + ("?night=1" if night else "")

    def start(self) -> "PhoneServer":
        sides = self.sides

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                url = urlsplit(self.path)
                parts = url.path.strip("/").split("/")
                if len(parts) == 3 and parts[0] == "card" and (parts[1], parts[2]) in sides:
                    night = parse_qs(url.query).get("night") == ["1"]
                    self._send(200, "text/html; charset=utf-8", page(sides[(parts[1], parts[2])], night).encode())
                elif parts[0] == "mathjax" and len(parts) > 1:
                    target = MATHJAX_DIR.joinpath(*parts[1:]).resolve()
                    kind = _KINDS.get(target.suffix)
                    if MATHJAX_DIR in target.parents and target.is_file() and kind:
                        self._send(200, kind, target.read_bytes())
                    else:
                        self._send(404, "text/plain", b"not found")
                elif url.path == "/favicon.ico":  # Chromium asks; a WebView does not
                    self._send(204, "image/x-icon", b"")
                else:
                    self._send(404, "text/plain", b"not found")

            def _send(self, status: int, kind: str, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:  # quiet
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> "PhoneServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
