"""A process that gets anki ready while the build parses and renders, then writes .apkg files.

Writing one deck's .apkg takes about 0.1 s, but a process that writes its first one also spends about
0.2 s importing anki and starting its backend. On a rebuild that writes one or two decks, that start-up
would sit on the critical path; this writer is forked when the build starts (``start``), does the
start-up on the other core while this process parses, checks and renders, and then writes the
.apkg files it is sent (with ``package.write_apkg``, exactly as the build would in its own process).

Used only by ``build`` with ``jobs`` > 1 on an incremental build (see pipeline.build); a cold build
writes its many decks over ``cache.parallel_map`` as before. Nothing but the jobs and the outcome
crosses the pipe. If the writer fails in any way, the build writes the .apkg files itself. The
process is always stopped (``close``), also when the build fails.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import traceback
from pathlib import Path
from typing import Any

from addon.core.card import Card

Job = tuple[Path, list[Card], Path, str]  # (the .apkg, its cards, a work folder, the cache key)
WAIT_SECONDS = 300.0  # far longer than writing three decks takes; then the build writes them itself


def worth_starting(jobs: int, cache_dir: Path, content_dir: Path) -> bool:
    """Whether a build should start a writer: two cores to use and an incremental build (the cache
    holds deck-file records, so most decks will be reused and few written)."""
    from .cache import has_records

    return jobs > 1 and (os.cpu_count() or 1) > 1 and has_records(cache_dir, content_dir)


class ApkgWriter:
    def __init__(self, conn: Any, process: Any) -> None:
        self._conn = conn
        self._process = process
        self._sender: threading.Thread | None = None
        self._sent = 0
        self._closed = False
        self._stopping = False

    @classmethod
    def start(cls) -> "ApkgWriter | None":
        """A writer process that is getting anki ready; None where fork is unavailable."""
        import multiprocessing

        try:
            context = multiprocessing.get_context("fork")
            parent, child = context.Pipe()
            process = context.Process(target=_serve, args=(child,), daemon=True)
            process.start()
        except (ValueError, OSError):
            return None
        child.close()
        return cls(parent, process)

    def submit(self, jobs: list[Job], note_mtimes: dict[str, int], notetype_mtime: int) -> None:
        """Send the jobs without waiting (the writer may still be importing anki); ``wait`` for them."""
        mtimes = {card.card_id: note_mtimes[card.card_id] for _, cards, _, _ in jobs for card in cards}
        message = ([(apkg, cards, work) for apkg, cards, work, _ in jobs], mtimes, notetype_mtime)
        self._sent += 1
        self._sender = threading.Thread(target=_send, args=(self._conn, message), daemon=True)
        self._sender.start()

    def wait(self, timeout: float = WAIT_SECONDS) -> bool:
        """Until every submitted job is written: True; False when the writer failed, died or took
        longer than ``timeout`` (the caller then writes the jobs itself, so a failure that is real
        is raised there, in the build's own process)."""
        if self._sender is not None:
            self._sender.join()
            self._sender = None
        while self._sent:
            try:
                if not self._conn.poll(timeout):
                    return False
                ok, _ = self._conn.recv()
            except (EOFError, OSError):
                return False
            self._sent -= 1
            if not ok:
                return False
        return True

    def stop(self) -> None:
        """Ask an idle writer to exit, without waiting for it (``close`` waits)."""
        if not self._stopping and not self._closed:
            self._stopping = True
            _send(self._conn, None)

    def close(self) -> None:
        """Stop the process (a busy one is terminated); never raises; a second call does nothing."""
        if self._closed:
            return
        self._closed = True
        if self._sender is not None:
            self._sender.join(timeout=5)
        if self._sent:  # a job is still running (wait failed or was never called): no point finishing it
            self._process.terminate()
        elif not self._stopping:
            self._stopping = True
            _send(self._conn, None)
        self._process.join(timeout=5)
        if self._process.is_alive():
            self._process.kill()
            self._process.join(timeout=5)
        try:
            self._conn.close()
        except OSError:
            pass


def _send(conn: Any, message: Any) -> None:
    try:
        conn.send(message)
    except (OSError, ValueError):  # the writer is gone: ``wait`` reports it
        pass


def _serve(conn: Any) -> None:
    """The writer process: import anki and start its backend, then write what it is sent."""
    try:
        _warm_up()
    except Exception:  # noqa: BLE001 - the job itself will report a real problem
        pass
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        jobs, mtimes, notetype_mtime = message
        try:
            from . import package

            for apkg, cards, work in jobs:
                package.write_apkg(apkg, cards, mtimes, notetype_mtime, work)
            conn.send((True, None))
        except BaseException:  # noqa: BLE001 - reported to the build, which raises it
            conn.send((False, traceback.format_exc()))


def _warm_up() -> None:
    """Import anki and open (then drop) a collection: the backend's one-time start-up."""
    from anki.collection import Collection

    from . import package  # noqa: F401 - imported here so a job starts writing at once

    scratch = Path(tempfile.mkdtemp(prefix="compute-cards-warm-", dir="/dev/shm" if os.access("/dev/shm", os.W_OK) else None))
    try:
        Collection(str(scratch / "warm.anki2")).close()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
