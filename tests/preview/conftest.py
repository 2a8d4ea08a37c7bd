"""``python build.py preview`` as an author runs it: the real command line over a copy of content/.

    def test_x(preview):                      # a server on a free port over a fresh copy of content/
        preview.get("/")                      # plain HTTP, Host 127.0.0.1:PORT
        preview.author.replace_in_card(...)   # save an edit (tests/support/content_copy.py)
        preview.wait_for_output("1 error(s)") # what the terminal says
"""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Callable, Iterator, TypeVar

import pytest

from tests.support.content_copy import Author

ROOT = Path(__file__).resolve().parents[2]
T = TypeVar("T")


def wait_until(condition: Callable[[], T], timeout: float = 20.0, what: str = "the condition") -> T:
    """Poll ``condition`` until it returns something true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.02)


class PreviewProcess:
    """``build.py --content COPY --cache-dir CACHE preview --port 0``, its terminal output collected."""

    def __init__(self, author: Author, cache_dir: Path) -> None:
        self.author = author
        self.cache_dir = cache_dir
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "build.py"), "--content", str(author.content), "--cache-dir", str(cache_dir),
             "preview", "--port", "0"],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1,
            env={**os.environ, "PYTHONUNBUFFERED": "1"})
        self.lines: list[str] = []
        self._cond = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()
        line = self.wait_for_output("(Ctrl-C to stop)", timeout=60)
        self.port = int(line.split("http://127.0.0.1:")[1].split("/")[0])
        self.url = f"http://127.0.0.1:{self.port}"

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with self._cond:
                self.lines.append(line.rstrip("\n"))
                self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    @property
    def output(self) -> str:
        with self._cond:
            return "\n".join(self.lines)

    def wait_for_output(self, text: str, timeout: float = 20.0, after: int = 0) -> str:
        """The first line (from line number ``after`` on) that contains ``text``."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for line in self.lines[after:]:
                    if text in line:
                        return line
                left = deadline - time.monotonic()
                if left <= 0 or self.proc.poll() is not None:
                    raise AssertionError(f"no {text!r} in the preview's output:\n" + "\n".join(self.lines))
                self._cond.wait(left)

    def line_count(self) -> int:
        with self._cond:
            return len(self.lines)

    def request(self, path: str, host: str | None = None, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
        """One plain HTTP request (``path`` sent exactly as given); status, headers, body."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            conn.putheader("Host", host if host is not None else f"127.0.0.1:{self.port}")
            conn.endheaders()
            response = conn.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            conn.close()

    def get(self, path: str) -> str:
        status, _, body = self.request(path)
        assert status == 200, f"GET {path}: {status} {body[:200]!r}"
        return body.decode("utf-8")

    def interrupt(self, timeout: float = 20.0) -> int:
        """Ctrl-C, as in the terminal; the exit code."""
        self.proc.send_signal(signal.SIGINT)
        return self.proc.wait(timeout)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


@pytest.fixture(autouse=True, scope="session")
def mathjax_installed() -> None:
    """The preview's MathJax comes from npm (package.json): `make test` installs it; say so plainly."""
    from builder.preview_server import MATHJAX

    if not (MATHJAX / "tex-chtml-full.js").is_file():
        pytest.fail(f"{MATHJAX} is missing: run `make test` (or `npm ci`) first", pytrace=False)


@pytest.fixture
def author(tmp_path: Path) -> Author:
    return Author.copy(tmp_path)


@pytest.fixture
def preview(author: Author, tmp_path: Path) -> Iterator[PreviewProcess]:
    process = PreviewProcess(author, tmp_path / "cache")
    try:
        yield process
    finally:
        process.stop()
