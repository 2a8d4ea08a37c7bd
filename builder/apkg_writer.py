"""A process that gets anki ready while the build parses, then writes each deck's .apkg and .tsv as it renders.

Writing a deck's .apkg takes about 0.07 s per 1,250 cards, and a process that writes its first one
also spends about 0.1 s importing anki and starting its backend. The writer is forked when the
build starts (``start``) and does that start-up on the other core while the build reads and parses
the deck files. Then, while the cards render, the build sends it each deck's notes in batches as
they come (``add``: the process adds them to its one collection, ``package.PackageWriter``) and
asks for the deck's .apkg once all its cards rendered clean (``export``), and its .tsv with it (the
process has the deck's cards; the build then has less to do once the last card is rendered). So when
the last card is rendered, only the last deck's export is left to do.

Started by a build with two jobs or more on two cores or more (``wanted``). build.py also has it
compute the inputs digest of the up-to-date check first (``inputs_digest``). Nothing but that
digest, the cards, their mtimes, the paths of the media files and the outcome crosses the pipe. If the writer fails in any way,
the build writes the .apkg and .tsv files itself (``package.write_apkg``). The process is always
stopped (``close``), also when the build fails, and its collection folder removed.
"""

from __future__ import annotations

import os
import queue
import shutil
import signal
import tempfile
import threading
import traceback
from pathlib import Path
from typing import Any

from addon.core.card import Card

Job = tuple[Path, list[Card], Path, str]  # (the .apkg, its cards, a work folder, the cache key)
WAIT_SECONDS = 300.0  # far longer than the writer's work left after the last card; then the build writes the decks itself


def wanted(jobs: int, content_dir: Path) -> bool:
    """Whether a build should start a writer: two jobs and two cores to use, and a deck file to write."""
    from .source import discover

    if min(jobs, os.cpu_count() or 1) < 2:
        return False
    try:
        return bool(discover(content_dir))
    except OSError:
        return False


class ApkgWriter:
    """One writer process, and the thread that sends it jobs in order (so ``submit`` never blocks)."""

    def __init__(self, conn: Any, process: Any, scratch: Path, digest_of: tuple | None = None) -> None:
        self._conn = conn
        self._digest_of = digest_of  # the inputs_digest arguments the process hashes first, if any
        self._process = process
        self._scratch = scratch  # the process's collection lives here; removed by ``close``
        self._open: set[str] = set()  # decks with notes added and no export asked for yet
        self._outbox: queue.SimpleQueue = queue.SimpleQueue()  # messages for the process; _SENDER_DONE ends the thread
        self._sender: threading.Thread | None = None
        self._sent = 0  # jobs submitted whose outcome has not been received
        self._closed = False
        self._stopping = False

    @classmethod
    def start(cls, digest_of: tuple | None = None) -> "ApkgWriter | None":
        """A writer process that is getting anki ready; None where fork is unavailable.

        ``digest_of``: the arguments of ``uptodate.inputs_digest``, which the process computes before
        anything else (``inputs_digest``), while this one imports the build.
        """
        import multiprocessing

        try:
            scratch = Path(tempfile.mkdtemp(prefix="compute-cards-writer-", dir=_SHM if os.access(_SHM, os.W_OK) else None))
        except OSError:
            return None
        try:
            context = multiprocessing.get_context("fork")
            parent, child = context.Pipe()
            process = context.Process(target=_serve, args=(child, scratch, digest_of), daemon=True)
            process.start()
        except (ValueError, OSError):
            shutil.rmtree(scratch, ignore_errors=True)
            return None
        child.close()
        return cls(parent, process, scratch, digest_of)

    def inputs_digest(self, digest_of: tuple, timeout: float = WAIT_SECONDS) -> str | None:
        """``uptodate.inputs_digest(*digest_of)`` as the process computed it when it started, before the
        build read its inputs; None when it was started for other arguments, or failed."""
        if self._digest_of is None:
            return None
        asked, self._digest_of = self._digest_of, None
        try:
            if not self._conn.poll(timeout):
                return None
            kind, digest = self._conn.recv()
        except (EOFError, OSError, ValueError, TypeError):
            return None
        return digest if kind == "digest" and asked == digest_of and isinstance(digest, str) else None

    def prepare(self, notetype_mtime: int) -> None:
        """Let the process make its collection and the note type now (it is idle while the build
        parses), rather than when the first notes come."""
        self._post(("prepare", notetype_mtime))

    def add_media(self, files: dict[str, Path]) -> None:
        """Queue media files (name -> file, builder/media.py) for the collection: each export carries
        those its notes refer to. Sent before the notes that refer to them."""
        if files:
            self._post(("media", dict(files)))

    def add(self, deck: str, cards: list[Card], note_mtimes: dict[str, int], notetype_mtime: int) -> None:
        """Queue notes for the deck ``deck`` (any name, unique in this build); the process adds them
        to its collection at once, so that ``export`` later has only the package left to write."""
        mtimes = {card.card_id: note_mtimes[card.card_id] for card in cards}
        self._post(("add", deck, cards, mtimes, notetype_mtime))
        self._open.add(deck)

    def export(self, deck: str, apkg: Path, tsv: Path | None = None) -> None:
        """Queue writing the .apkg of every note added for ``deck``, and with ``tsv`` its .tsv
        (``package.tsv_text``, named after the cards' deck); ``wait`` for the outcome."""
        self._post(("export", deck, apkg, tsv))
        self._open.discard(deck)
        self._sent += 1

    def submit(self, jobs: list[Job], note_mtimes: dict[str, int], notetype_mtime: int) -> None:
        """Queue whole decks (``add``, then ``export``) without waiting; ``wait`` for them."""
        for apkg, cards, _, _ in jobs:
            self.add(str(apkg), cards, note_mtimes, notetype_mtime)
            self.export(str(apkg), apkg)

    def _post(self, message: Any) -> None:
        self._outbox.put(message)
        if self._sender is None:
            self._sender = threading.Thread(target=self._send_all, daemon=True)
            self._sender.start()

    def _send_all(self) -> None:
        while True:
            message = self._outbox.get()
            if message is _SENDER_DONE:
                return
            _send(self._conn, message)
            if message is None:  # the process was told to exit: nothing more to send
                return

    def wait(self, timeout: float = WAIT_SECONDS) -> bool:
        """Until every submitted job is written: True; False when the writer failed, died or took
        longer than ``timeout`` (the caller then writes the jobs itself, so a failure that is real
        is raised there, in the build's own process)."""
        if self._digest_of is not None:  # the digest nobody asked for comes first
            self.inputs_digest(self._digest_of, timeout)
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
        """Ask the writer to exit once its queued jobs are written, without waiting (``close`` waits)."""
        if not self._stopping and not self._closed:
            self._stopping = True
            self._post(None)

    def close(self) -> None:
        """Stop the process (a busy one is terminated); never raises; a second call does nothing."""
        if self._closed:
            return
        self._closed = True
        if self._sent or self._open:  # work still queued or running (the build failed or wait did): no point finishing it
            self._process.terminate()
        elif not self._stopping:
            self._stopping = True
            self._post(None)
        self._process.join(timeout=5)
        if self._process.is_alive():
            self._process.kill()
            self._process.join(timeout=5)
        self._outbox.put(_SENDER_DONE)  # a sender blocked on a dead process's pipe fails and then sees this
        try:
            self._conn.close()
        except OSError:
            pass
        if self._sender is not None:
            self._sender.join(timeout=5)
        shutil.rmtree(self._scratch, ignore_errors=True)


_SENDER_DONE = object()
_SHM = "/dev/shm"  # SQLite syncs a collection to disk many times per .apkg: in memory when possible


def _send(conn: Any, message: Any) -> None:
    try:
        conn.send(message)
    except (OSError, ValueError):  # the writer is gone: ``wait`` reports it
        pass


def _serve(conn: Any, scratch: Path, digest_of: tuple | None = None) -> None:
    """The writer process: import anki and start its backend, then add and export what it is sent.

    One collection (``package.PackageWriter``) serves the whole build. Messages: ``("prepare",
    notetype_mtime)``, answered by nothing (makes the collection); ``("add", deck, cards, mtimes,
    notetype_mtime)``, answered by nothing (a failure is kept for the deck's export);
    ``("media", {name: path})``, answered by nothing (copied into the collection's media folder with
the next notes); ``("export", deck, apkg, tsv)``, answered by ``(ok, traceback or None)``; None: exit.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the build process's to handle: it stops this one
    if digest_of is not None:
        try:
            from . import uptodate

            _send(conn, ("digest", uptodate.inputs_digest(*digest_of)))
        except Exception:  # noqa: BLE001 - the build computes it itself
            _send(conn, ("digest", None))
    try:
        _warm_up(scratch)
    except Exception:  # noqa: BLE001 - the job itself will report a real problem
        pass
    writer = None
    note_ids: dict[str, list[int]] = {}
    cards_of: dict[str, list[Card]] = {}  # deck -> its cards added so far, for its .tsv
    failed: dict[str, str] = {}  # deck -> why adding its notes failed
    media: dict[str, Path] = {}  # media files sent before the collection was made
    media_failed: str | None = None  # why copying media failed: every export then fails (the build writes them)
    try:
        while True:
            try:
                message = conn.recv()
            except (EOFError, OSError):
                return
            if message is None:
                return
            if message[0] == "prepare":
                try:
                    from .package import PackageWriter

                    writer = writer or PackageWriter(scratch, message[1])
                except Exception:  # noqa: BLE001 - the first "add" makes it again and reports a failure
                    pass
                continue
            if message[0] == "media":
                media.update(message[1])
                continue
            if message[0] == "add":
                _, deck, cards, mtimes, notetype_mtime = message
                if deck in failed:
                    continue
                try:
                    from .package import PackageWriter

                    if writer is None:
                        writer = PackageWriter(scratch, notetype_mtime)
                    if writer.notetype_mtime != notetype_mtime:
                        raise ValueError("one build has one note type mtime")
                    if media and media_failed is None:
                        try:
                            writer.add_media(media)
                        except BaseException:  # noqa: BLE001 - reported with every export
                            media_failed = traceback.format_exc()
                        media = {}
                    note_ids.setdefault(deck, []).extend(writer.add(cards, mtimes))
                    cards_of.setdefault(deck, []).extend(cards)
                except BaseException:  # noqa: BLE001 - reported with the deck's export
                    failed[deck] = traceback.format_exc()
                continue
            _, deck, apkg, tsv = message
            try:
                cards = cards_of.pop(deck, [])
                if deck in failed:
                    raise RuntimeError(failed.pop(deck))
                if media_failed is not None:
                    raise RuntimeError(media_failed)
                if writer is None or deck not in note_ids:
                    raise RuntimeError(f"no notes were added for {deck}")
                writer.export(apkg, note_ids.pop(deck))
                if tsv is not None:
                    from .package import tsv_text

                    tsv.write_text(tsv_text(cards[0].deck, cards), encoding="utf-8")  # a complete deck: cards
                conn.send((True, None))
            except BaseException:  # noqa: BLE001 - reported to the build, which writes the deck itself
                conn.send((False, traceback.format_exc()))
    finally:
        if writer is not None:
            writer.close()


def _warm_up(scratch: Path) -> None:
    """Import anki and open (then drop) a collection: the backend's one-time start-up."""
    from . import package  # imported here so a job starts writing at once

    package.quiet_backtraces()
    from anki.collection import Collection

    folder = Path(tempfile.mkdtemp(prefix="warm-", dir=scratch))
    try:
        Collection(str(folder / "warm.anki2")).close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
