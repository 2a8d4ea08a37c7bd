"""The browser harness itself: Debian's Chromium starts headless, loads a page from 127.0.0.1, emulates a phone."""

from __future__ import annotations

import http.server
import threading

from tests.support.browser import as_phone, chromium, console_errors, tap


class _Page(http.server.BaseHTTPRequestHandler):
    BODY = (
        b"<!doctype html><meta name=viewport content='width=device-width'>"
        b"<button id=b onclick=\"this.textContent='tapped:'+innerWidth\">tap me</button>"
    )

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(self.BODY)

    def log_message(self, *args) -> None:  # quiet
        pass


def test_chromium_loads_a_loopback_page_as_a_phone_and_takes_a_tap(tmp_path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with chromium(tmp_path) as driver:
            as_phone(driver)
            driver.get(f"http://127.0.0.1:{server.server_port}/")
            button = driver.find_element("id", "b")
            tap(driver, button)
            assert button.text == "tapped:412"
            assert console_errors(driver) == []
    finally:
        server.shutdown()
        server.server_close()
