"""Anki's own sync server on loopback, and headless "devices" that sync with it.

The server is the one shipped in the ``anki`` wheel (``python -m anki.syncserver``), i.e. the
protocol AnkiWeb speaks. A ``Device`` is a headless ``anki.collection.Collection`` at its own
path; two devices against one server model a user's desktop and laptop.

    def test_x(sync_server, tmp_path):
        with Device(tmp_path / "a", sync_server) as a, Device(tmp_path / "b", sync_server) as b:
            a.login(); b.login()
            ...; assert a.sync() is SyncKind.NORMAL

Signatures read from anki 26.9.3: ``Collection.sync_login(username, password, endpoint)``,
``sync_collection(auth, sync_media) -> SyncCollectionResponse`` (``required`` is NO_CHANGES when
the normal sync went through, else FULL_SYNC / FULL_DOWNLOAD / FULL_UPLOAD),
``close_for_full_sync()``, ``full_upload_or_download(auth=, server_usn=, upload=)``,
``reopen(after_full_sync=True)`` -- the same sequence as aqt/sync.py.
"""

from __future__ import annotations

import enum
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Literal, Optional

import pytest

USERNAME = "user"
PASSWORD = "pass"
START_TIMEOUT_S = 20.0


@dataclass(frozen=True)
class SyncServer:
    """A running sync server: where it listens, its one account, its data folder and log."""

    url: str  # "http://127.0.0.1:<port>/" -- the endpoint for Collection.sync_login
    username: str
    password: str
    port: int
    base_dir: Path  # SYNC_BASE: the server's stored collections
    log_path: Path  # server stdout+stderr

    def log(self) -> str:
        """The server's output so far (for failure messages)."""
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _accepts_connections(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _loopback_env(extra: dict[str, str]) -> dict[str, str]:
    env = dict(os.environ)
    # never send loopback traffic through a proxy (the Rust HTTP client honours *_PROXY)
    for key in ("NO_PROXY", "no_proxy"):
        hosts = [h for h in env.get(key, "").split(",") if h]
        env[key] = ",".join(hosts + ["127.0.0.1", "localhost"])
    env.update(extra)
    return env


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


def start_sync_server(
    base_dir: Path, *, username: str = USERNAME, password: str = PASSWORD
) -> tuple[subprocess.Popen, SyncServer]:
    """Start ``python -m anki.syncserver`` (this venv's python) on a free loopback port; returns once it accepts connections (raises after START_TIMEOUT_S)."""
    base_dir = Path(base_dir)
    data = base_dir / "data"
    data.mkdir(parents=True, exist_ok=True)
    last_error = ""
    for attempt in range(3):  # a port can be taken between free_port() and the server's bind
        port = free_port()
        log_path = base_dir / f"server-{attempt}.log"
        env = _loopback_env(
            {
                "SYNC_USER1": f"{username}:{password}",
                "SYNC_BASE": str(data),
                "SYNC_HOST": "127.0.0.1",
                "SYNC_PORT": str(port),
                "RUST_LOG": os.environ.get("RUST_LOG", "anki=info"),
                "NO_COLOR": "1",
            }
        )
        log = open(log_path, "wb")
        proc = subprocess.Popen(
            [sys.executable, "-m", "anki.syncserver"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        log.close()  # the child holds its own copy
        server = SyncServer(
            url=f"http://127.0.0.1:{port}/",
            username=username,
            password=password,
            port=port,
            base_dir=data,
            log_path=log_path,
        )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                break
            if _accepts_connections(port):
                return proc, server
            time.sleep(0.05)
        _stop(proc)
        last_error = (
            f"sync server exited with {proc.returncode}"
            if proc.returncode not in (None, -15)
            else f"sync server did not accept connections within {START_TIMEOUT_S}s"
        )
        last_error += f" (port {port}); log:\n{server.log()}"
    raise RuntimeError(last_error)


@pytest.fixture
def sync_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SyncServer]:
    """A fresh Anki sync server for one test (account user:pass); stopped at teardown."""
    proc, server = start_sync_server(tmp_path_factory.mktemp("syncserver"))
    try:
        yield server
    finally:
        _stop(proc)


class SyncKind(str, enum.Enum):
    """What one ``Device.sync()`` did."""

    NORMAL = "normal"  # incremental sync (or nothing to do); no full sync was required
    FULL_UPLOAD = "full_upload"  # this device's collection replaced the server's
    FULL_DOWNLOAD = "full_download"  # the server's collection replaced this device's

    @property
    def is_full(self) -> bool:
        return self is not SyncKind.NORMAL


class FullSyncConflict(AssertionError):
    """The server asked for a one-way full sync in either direction and the test did not choose."""


class Device:
    """A headless Anki collection at ``path`` (a folder) that syncs with a SyncServer."""

    def __init__(self, path: os.PathLike | str, server: Optional[SyncServer] = None) -> None:
        from anki.collection import Collection

        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        self.server = server
        self.col = Collection(str(folder / "collection.anki2"))
        self.auth = None
        self.last_output = None  # SyncCollectionResponse of the last sync()
        self.history: list[SyncKind] = []

    # -- lifecycle -------------------------------------------------------------------------
    def close(self) -> None:
        """Close the collection (idempotent)."""
        if self.col is not None and self.col.db is not None:
            self.col.close()

    def __enter__(self) -> "Device":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- sync ------------------------------------------------------------------------------
    def login(self, server: Optional[SyncServer] = None):
        """Log in to the server (col.sync_login) and keep the SyncAuth; returns it."""
        server = server or self.server
        if server is None:
            raise ValueError("Device has no server")
        self.server = server
        auth = self.col.sync_login(server.username, server.password, server.url)
        if not auth.endpoint:
            auth.endpoint = server.url
        self.auth = auth
        return auth

    def sync(
        self, *, on_conflict: Optional[Literal["upload", "download"]] = None
    ) -> SyncKind:
        """Sync like the desktop's Sync button (collection only, no media); performs a required full sync and returns which kind of sync happened.

        When the server reports FULL_SYNC (both sides changed incompatibly; the desktop asks the
        user), ``on_conflict`` chooses the direction; without it FullSyncConflict is raised.
        """
        if self.auth is None:
            self.login()
        col = self.col
        out = col.sync_collection(self.auth, False)
        col._load_scheduler()  # as aqt/sync.py does: the scheduler version may have changed
        self.last_output = out
        if out.new_endpoint:
            self.auth.endpoint = out.new_endpoint
        if out.required == out.NO_CHANGES:
            kind = SyncKind.NORMAL
        elif out.required == out.FULL_UPLOAD:
            kind = SyncKind.FULL_UPLOAD
        elif out.required == out.FULL_DOWNLOAD:
            kind = SyncKind.FULL_DOWNLOAD
        elif out.required == out.FULL_SYNC:
            if on_conflict == "upload":
                kind = SyncKind.FULL_UPLOAD
            elif on_conflict == "download":
                kind = SyncKind.FULL_DOWNLOAD
            else:
                raise FullSyncConflict(
                    "server requires a full sync in either direction (FULL_SYNC); "
                    "pass on_conflict='upload' or 'download'"
                )
        else:  # NORMAL_SYNC is only a sync_status() answer
            raise AssertionError(f"unexpected sync result required={out.required}")
        if kind.is_full:
            col.close_for_full_sync()
            try:
                col.full_upload_or_download(
                    auth=self.auth, server_usn=None, upload=kind is SyncKind.FULL_UPLOAD
                )
            finally:
                col.reopen(after_full_sync=True)
        col.models._clear_cache()  # as the desktop does after a sync: note types may have changed
        self.history.append(kind)
        return kind

    def status(self):
        """col.sync_status(auth): what a sync would do now (NO_CHANGES / NORMAL_SYNC / FULL_SYNC)."""
        if self.auth is None:
            self.login()
        return self.col.sync_status(self.auth)
