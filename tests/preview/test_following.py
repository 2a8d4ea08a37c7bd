"""The preview follows the content folder: added, removed and renamed deck files, progress on long
renders, Ctrl-C; and it writes nothing (plain HTTP against the real ``build.py preview``)."""

from __future__ import annotations

import hashlib
import re
import socket
import time
from pathlib import Path

from tests.preview.conftest import ROOT, PreviewProcess, wait_until
from tests.support.cli import run_build
from tests.support.content_copy import Author

EXTRA = """\
---
deck: Extra
---

## extra-card

What does the extra deck file ask?

---

Something new.
"""


def index(preview: PreviewProcess) -> str:
    return preview.get("/")


def test_added_renamed_and_removed_deck_files_are_followed(preview: PreviewProcess) -> None:
    content = preview.author.content
    (content / "extra.md").write_text(EXTRA, encoding="utf-8")
    wait_until(lambda: "extra-card" in index(preview), what="the added deck file")
    assert "What does the extra deck file ask?" in preview.get("/")
    assert preview.request("/card/extra-card")[0] == 200
    (content / "extra.md").rename(content / "renamed.md")
    wait_until(lambda: "renamed.md" in (page := index(preview)) and "extra.md" not in page, what="the renamed deck file")
    assert preview.request("/card/extra-card")[0] == 200
    (content / "sub").mkdir()
    (content / "renamed.md").rename(content / "sub" / "moved.md")  # deck files in sub-folders count, as in the build
    wait_until(lambda: "moved.md" in index(preview), what="the moved deck file")
    (content / "sub" / "moved.md").unlink()
    wait_until(lambda: preview.request("/card/extra-card")[0] == 404, what="the removed deck file's card to go")
    assert "extra-card" not in index(preview) and "kv-cache-formula" in index(preview)


def test_a_long_render_shows_progress_in_the_page(preview: PreviewProcess) -> None:
    import sys

    sys.path.insert(0, str(ROOT / "bench"))
    import corpus  # bench/corpus.py: the synthetic cards of the benchmarks

    corpus.generate(preview.author.root / "corpus", cards=700, decks=1)
    big = (preview.author.root / "corpus" / "ours" / "deck-01.md").read_text(encoding="utf-8")
    with socket.create_connection(("127.0.0.1", preview.port), timeout=30) as stream:
        stream.sendall(f"GET /events HTTP/1.1\r\nHost: 127.0.0.1:{preview.port}\r\n\r\n".encode())
        received = b""
        while b"event: hello" not in received:
            received += stream.recv(65536)
        (preview.author.content / "big.md").write_text(big, encoding="utf-8")  # 700 new cards to render
        deadline = time.monotonic() + 60
        while b"event: update" not in received and time.monotonic() < deadline:
            received += stream.recv(65536)
    text = received.decode()
    steps = [(int(a), int(b)) for a, b in re.findall(r'"what": "Rendering cards", "done": (\d+), "total": (\d+)', text)]
    assert steps and steps[-1] == (700, 700), text[-2000:]
    assert len(steps) >= 3 and steps == sorted(steps)  # shown while it renders, not only at the end
    assert text.index("event: progress") < text.index("event: update")


def _tree(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_the_preview_writes_nothing(tmp_path: Path) -> None:
    author = Author.copy(tmp_path)
    dist, cache = tmp_path / "dist", tmp_path / "cache"
    built = run_build("--content", str(author.content), "--out-dir", str(dist), "--cache-dir", str(cache))
    assert built.returncode == 0, built.stderr
    before = {name: _tree(folder) for name, folder in (("dist", dist), ("content", author.content), ("cache", cache))}
    lock = (author.content / "cards.lock.json").read_bytes()
    root_files = sorted(p.name for p in ROOT.iterdir())
    preview = PreviewProcess(author, cache)  # the build's own cache folder: read, never written
    try:
        author.replace_in_card("gqa", "reduce KV-cache size", "shrink the KV cache")
        wait_until(lambda: "shrink the KV cache" in preview.get("/"), what="the edit")
        author.replace_in_card("gqa", "shrink the KV cache", "shrink the KV cache {{nope}}")
        wait_until(lambda: "unknown name" in preview.get("/card/gqa"), what="the broken edit")
        preview.get("/frame/gqa/answer")
        assert preview.interrupt() == 130
    finally:
        preview.stop()
    assert _tree(dist) == before["dist"]
    assert (author.content / "cards.lock.json").read_bytes() == lock
    after = _tree(author.content)
    assert set(after) == set(before["content"])  # no file added to content/
    assert {k: v for k, v in after.items() if k != "ch19-kv-cache.md"} == {
        k: v for k, v in before["content"].items() if k != "ch19-kv-cache.md"}
    assert _tree(cache) == before["cache"]
    assert sorted(p.name for p in ROOT.iterdir()) == root_files  # nothing next to build.py either


def test_ctrl_c_stops_it_cleanly_with_a_page_open(preview: PreviewProcess) -> None:
    with socket.create_connection(("127.0.0.1", preview.port), timeout=30) as stream:
        stream.sendall(f"GET /events HTTP/1.1\r\nHost: 127.0.0.1:{preview.port}\r\n\r\n".encode())
        received = b""
        while b"event: hello" not in received:
            received += stream.recv(65536)
        code = preview.interrupt()
    assert code == 130  # as the build's own "interrupted"
    assert preview.output.splitlines()[-1] == "interrupted"
    assert "Traceback" not in preview.output
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", preview.port)) != 0  # the port is closed


def test_a_closed_terminal_or_kill_stops_it_as_ctrl_c_does(author: Author, tmp_path: Path) -> None:
    """SIGTERM (and SIGHUP) stop it as Ctrl-C does, and its throw-away Anki collection goes with it."""
    import signal
    import tempfile

    def folders() -> set[Path]:
        return {p for base in (Path("/dev/shm"), Path(tempfile.gettempdir())) if base.is_dir()
                for p in base.glob("compute-cards-preview-*")}

    before = folders()
    preview = PreviewProcess(author, tmp_path / "cache")
    try:
        assert len(folders() - before) == 1  # where it renders with anki: outside the project
        preview.proc.send_signal(signal.SIGTERM)
        assert preview.proc.wait(20) == 130
    finally:
        preview.stop()
    assert folders() - before == set()
    assert "Traceback" not in preview.output
