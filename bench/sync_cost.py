#!/usr/bin/env python3
"""What a deck update costs a learner's sync: a text-only update (normal sync) vs a full sync.

Runs Anki's own sync server (``python -m anki.syncserver``, the protocol AnkiWeb speaks) on
127.0.0.1, and two headless devices (``anki.collection.Collection``) that talk to it through a small
TCP proxy on loopback which counts every byte in each direction. The figures are bytes on the wire
(HTTP headers + Anki's zstd-compressed bodies; no TLS, which AnkiWeb adds), collection sync only
(media sync off: the deck has no media).

Two learner collections:
  * "deck only": just this deck (14 notes), the smallest possible collection;
  * "with 10,000 other notes": the same plus 10,000 Basic notes, each with a review, standing in for
    a learner's other decks. A full sync moves the whole collection; a normal sync only what changed.

The update is the one tests/updates measures: three cards' text and the note type's CSS edited.
A full sync is what a schema change (a new field, imported with "Merge note types") requires.

    .venv/bin/python bench/sync_cost.py            # writes bench/results/sync_cost.md
"""

from __future__ import annotations

import dataclasses
import os
import platform
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from addon.core import notetype as spec  # noqa: E402
from tests.support.content_copy import TEXT_EDITS, Author  # noqa: E402
from tests.support.sync_server import Device, SyncKind, _stop, start_sync_server  # noqa: E402
from tests.updates.learner import EASY, counts, import_apkg, study  # noqa: E402

T0 = 1_800_000_000
OTHER_NOTES = 10_000
EDITS = TEXT_EDITS
RESULTS = ROOT / "bench" / "results" / "sync_cost.md"


class CountingProxy:
    """A TCP forwarder 127.0.0.1:<port> -> 127.0.0.1:<target> that counts bytes each way."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.lock = threading.Lock()
        self.up = 0  # device -> server
        self.down = 0  # server -> device
        self.requests = 0  # connections opened
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def reset(self) -> None:
        with self.lock:
            self.up = self.down = self.requests = 0

    def read(self) -> tuple[int, int]:
        with self.lock:
            return self.up, self.down

    def close(self) -> None:
        self._closed = True
        self.sock.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            with self.lock:
                self.requests += 1
            threading.Thread(target=self._pump, args=(client, upstream, "up"), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, "down"), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, direction: str) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                with self.lock:
                    if direction == "up":
                        self.up += len(data)
                    else:
                        self.down += len(data)
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


def measured_sync(proxy: CountingProxy, device: Device, **kw) -> dict:
    proxy.reset()
    start = time.perf_counter()
    kind = device.sync(**kw)
    seconds = time.perf_counter() - start
    up, down = proxy.read()
    return {"kind": kind.value, "up": up, "down": down, "seconds": seconds}


def add_other_notes(col, n: int) -> None:
    """n Basic notes in another deck, each reviewed once (a learner's other decks)."""
    from anki.collection import AddNoteRequest

    basic = col.models.by_name("Basic")
    did = col.decks.id("Other decks")
    requests = []
    for i in range(n):
        note = col.new_note(basic)
        note["Front"] = f"Other question {i}: what is {i} squared, in words?"
        note["Back"] = f"The square of {i} is {i * i}."
        requests.append(AddNoteRequest(note=note, deck_id=did))
    col.add_notes(requests)
    # one review per card, written the way the scheduler writes them (fast path: SQL for the bulk)
    now_ms = int(time.time() * 1000)
    rows = col.db.all("select c.id from cards c join notes n on n.id = c.nid where n.mid = ?", basic["id"])
    col.db.executemany(
        "insert into revlog (id, cid, usn, ease, ivl, lastIvl, factor, time, type) values (?,?,?,?,?,?,?,?,?)",
        [(now_ms - 10 * n + i, cid, -1, 3, 1, 0, 2500, 4000, 0) for i, (cid,) in enumerate(rows)],
    )
    col.db.execute("update cards set type = 2, queue = 2, ivl = 1, due = ?, reps = 1, factor = 2500 where nid in "
                   "(select id from notes where mid = ?)", col.sched.today + 1, basic["id"])


def scenario(name: str, tmp: Path, server, other_notes: int) -> dict:
    author = Author.copy(tmp / f"author-{name}")
    v1 = author.build(now=T0)
    for card_id, old, new in EDITS:
        author.replace_in_card(card_id, old, new)
    proxy = CountingProxy(server.port)
    via_proxy = dataclasses.replace(server, url=f"http://127.0.0.1:{proxy.port}/")
    out: dict = {"name": name, "other_notes": other_notes}
    css = spec.CSS
    try:
        with Device(tmp / f"{name}-a", via_proxy) as a, Device(tmp / f"{name}-b", via_proxy) as b:
            a.login()
            b.login()
            if other_notes:
                add_other_notes(a.col, other_notes)
            import_apkg(a.col, v1.apkg)
            out["notes"] = a.col.note_count()
            out["first_upload"] = measured_sync(proxy, a)
            out["first_download"] = measured_sync(proxy, b)
            study(b.col, ["gqa", "kv-cache-formula"], EASY)
            out["reviews_b"] = measured_sync(proxy, b)
            out["idle_a"] = measured_sync(proxy, a)  # pulls B's reviews
            out["nothing"] = measured_sync(proxy, a)  # nothing changed anywhere

            spec.CSS = css + "\n.cc-answer strong { color: #b8002e; }\n"
            v2 = author.build(now=T0)
            spec.CSS = css
            log = import_apkg(a.col, v2.apkg)
            out["updated"] = counts(log)["updated"]
            out["update_a"] = measured_sync(proxy, a)
            out["update_b"] = measured_sync(proxy, b)
            assert out["update_a"]["kind"] == out["update_b"]["kind"] == SyncKind.NORMAL.value

            # a full sync of the same collection: what a schema change imported with merge on costs
            a.col.mod_schema(check=False)  # what Anki does when fields/templates change
            out["full_upload"] = measured_sync(proxy, a, on_conflict="upload")
            out["full_download"] = measured_sync(proxy, b, on_conflict="download")
            assert out["full_upload"]["kind"] == SyncKind.FULL_UPLOAD.value
            assert out["full_download"]["kind"] == SyncKind.FULL_DOWNLOAD.value
            a.col.close()
            out["collection_file"] = os.path.getsize(tmp / f"{name}-a" / "collection.anki2")
    finally:
        spec.CSS = css
        proxy.close()
    return out


def kib(n: int) -> str:
    return f"{n / 1024:,.1f} KiB"


def report(results: list[dict]) -> str:
    lines = [
        "# Sync cost of a deck update",
        "",
        "Written by `bench/sync_cost.py` "
        f"(anki {_anki_version()}, Python {platform.python_version()}, {platform.system()} {platform.machine()}, "
        f"{time.strftime('%Y-%m-%d')}).",
        "",
        "Bytes are counted by a TCP proxy on 127.0.0.1 between each headless device and Anki's own sync",
        "server: HTTP requests and responses as sent (Anki compresses bodies with zstd), collection sync",
        "only (media sync off; the deck has no media), no TLS. Time is wall-clock for the sync call on",
        "loopback, so it shows work done, not network latency.",
        "",
        "The update: three cards' text and the note type's CSS edited (the same edit tests/updates checks).",
        "The full sync: the same collection after a schema change (`col.mod_schema`, what adding a field",
        "does); every device then uploads or downloads the whole collection.",
        "",
    ]
    for r in results:
        lines += [
            f"## Learner collection: {r['name']} ({r['notes']:,} notes; collection file {kib(r['collection_file'])})",
            "",
            f"Import of the update: {r['updated']} notes updated.",
            "",
            "| sync | kind | device → server | server → device | time |",
            "|---|---|---:|---:|---:|",
        ]
        rows = [
            ("nothing changed", "nothing"),
            ("B syncs 2 reviews", "reviews_b"),
            ("**A syncs the text update**", "update_a"),
            ("**B receives the text update**", "update_b"),
            ("**full upload (A)**", "full_upload"),
            ("**full download (B)**", "full_download"),
            ("first sync of A (initial upload)", "first_upload"),
            ("first sync of B (initial download)", "first_download"),
        ]
        for label, key in rows:
            m = r[key]
            lines.append(f"| {label} | {m['kind']} | {kib(m['up'])} | {kib(m['down'])} | {m['seconds'] * 1000:,.0f} ms |")
        text_update = r["update_a"]["up"] + r["update_a"]["down"] + r["update_b"]["up"] + r["update_b"]["down"]
        full = sum(r[k]["up"] + r[k]["down"] for k in ("full_upload", "full_download"))
        lines += [
            "",
            f"Two devices, total bytes: text update {kib(text_update)} vs full sync {kib(full)} "
            f"({full / max(text_update, 1):,.0f}x).",
            "",
        ]
    lines += [
        "## Reading it",
        "",
        "- A text-only update is a normal sync: its size follows the number of changed notes (plus the",
        "  note type when the CSS or templates changed), not the size of the collection.",
        "- A full sync moves the learner's whole collection (all decks, all review history) up from one",
        "  device and down to every other one, and discards whatever another device had not synced.",
        "  The 10,000-note collection here (one review per card, no media) is small next to a real",
        "  learner's, so its full-sync figures are a lower bound.",
        "",
    ]
    return "\n".join(lines)


def _anki_version() -> str:
    from anki.buildinfo import version

    return version


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="sync-cost-") as tmp_name:
        tmp = Path(tmp_name)
        proc, server = start_sync_server(tmp / "server")
        try:
            results = []
            for name, n in (("deck only", 0), (f"with {OTHER_NOTES:,} other notes", OTHER_NOTES)):
                # a fresh server account per scenario: one user, so reset the server between them
                results.append(scenario(name.replace(" ", "-").replace(",", ""), tmp, server, n))
                results[-1]["name"] = name
                _stop(proc)
                proc, server = start_sync_server(tmp / f"server-{len(results)}")
        finally:
            _stop(proc)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(report(results), encoding="utf-8")
    print(RESULTS.read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
