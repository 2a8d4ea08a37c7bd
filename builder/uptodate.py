"""A whole-build up-to-date check: when nothing a build reads has changed and ``dist/`` holds exactly
what the last successful build wrote, ``build.py`` says so and does nothing.

Standard library only, and no import of the rest of the build (no anki, no markdown): this runs
first on every ``build.py`` build, and a no-change rebuild should cost little more than Python's
start-up and reading the inputs once.

What a build reads (its *inputs*), all hashed into one digest:
- every file under the content folder (not only the deck files: a superset is safe), by path and
  bytes, read before the build starts; the state file (``cards.lock.json``) as the build leaves it
  (``with_state``), since the build itself writes it;
- ``manifest.json`` and every file under the add-on folder (zipped into the .ankiaddon), except
  ``__pycache__`` and compiled files;
- the tool version (builder/version.py: the build's own sources, addon/core, and the
  Python, markdown and anki versions), the limits, and where the outputs go.

What it wrote (its *outputs*): every file in the output folder (and in its decks' media folders),
with its size, mtime_ns and SHA-256.

A successful build with no diagnostics at all records both (``record``), in the cache folder of its
content folder; the record is written last, after the state file. ``check_up_to_date`` answers yes
only if the inputs digest is the recorded one, and the output folder holds exactly the recorded files
with the recorded size, mtime_ns and SHA-256. Anything missing, unreadable or different means no,
and the ordinary build runs. ``build.py --no-cache`` never reads or writes a record.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from .version import tool_version

RECORD_VERSION = 1
RECORD_FILE = "uptodate.json"
_SKIP_DIRS = frozenset({"__pycache__"})
_SKIP_SUFFIXES = (".pyc", ".pyo")


def cache_folder(cache_dir: Path, content_dir: Path) -> Path:
    """The cache folder of one content folder (shared with builder/cache.py)."""
    return cache_dir / hashlib.sha256(str(content_dir.resolve()).encode()).hexdigest()[:16]


def _files(folder: Path) -> list[Path]:
    out = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS)
        out += [Path(dirpath) / name for name in sorted(filenames) if not name.endswith(_SKIP_SUFFIXES)]
    return out


_memo: tuple[tuple, str] | None = None  # (what inputs_digest hashed: paths, sizes, mtimes; its digest)


def inputs_digest(content_dir: Path, addon_dir: Path, manifest_path: Path, out_dir: Path, limits: str,
                  state_path: Path) -> str:
    """A digest of everything a build reads except the state file (see the module docstring).

    ``build.py`` computes it twice when a build follows a failed up-to-date check (once to compare,
    once for the build's record): the second time, when no input's size or mtime_ns changed in
    between, the first digest is used again. (Were a file changed so that neither did, the record
    would describe the older bytes, and the next up-to-date check would answer no: a rebuild.)
    """
    global _memo
    head = f"uptodate {RECORD_VERSION}\0{tool_version()}\0{limits}\0{out_dir.resolve()}"
    files = [(label, folder, path) for label, folder in (("content", content_dir), ("addon", addon_dir))
             for path in _files(folder) if path != state_path]  # the state file is hashed on its own (with_state)
    files.append(("manifest", manifest_path.parent, manifest_path))
    try:
        stats = [os.stat(path) for _, _, path in files]
        seen = (head, tuple((str(path), st.st_size, st.st_mtime_ns) for (_, _, path), st in zip(files, stats)))
    except OSError:
        seen = None
    if seen is not None and _memo is not None and _memo[0] == seen:
        return _memo[1]
    h = hashlib.sha256(head.encode())
    for label, folder, path in files:
        data = path.read_bytes()
        if label == "manifest":
            h.update(b"\0manifest\0%d\0" % len(data))
        else:
            h.update(f"\0{label}\0{path.relative_to(folder).as_posix()}\0{len(data)}\0".encode())
        h.update(data)
    digest = h.hexdigest()
    _memo = (seen, digest) if seen is not None else None
    return digest


def with_state(digest: str, state: bytes | None) -> str:
    """The inputs digest completed with the state file's bytes (None: there is no state file)."""
    h = hashlib.sha256(digest.encode())
    h.update(b"\0no state" if state is None else b"\0state\0" + state)
    return h.hexdigest()


def _read_state(state_path: Path) -> bytes | None:
    try:
        return state_path.read_bytes()
    except FileNotFoundError:
        return None


def _outputs(out_dir: Path, prefix: str = "") -> dict[str, list]:
    """Every output file by its path in ``out_dir``; a folder (a deck's media, one level) is entered."""
    found = {}
    for entry in sorted(os.scandir(out_dir), key=lambda e: e.name):
        if not prefix and entry.is_dir(follow_symlinks=False):
            found[entry.name + "/"] = []
            found.update(_outputs(Path(entry.path), entry.name + "/"))
            continue
        if not entry.is_file(follow_symlinks=False):
            raise OSError(f"{entry.path} is not a file")
        st = entry.stat(follow_symlinks=False)
        found[prefix + entry.name] = [st.st_size, st.st_mtime_ns, _sha256(Path(entry.path))]
    return found


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def record(cache_dir: Path, content_dir: Path, digest: str, out_dir: Path, cards: int, decks: int) -> None:
    """Remember that ``out_dir`` is what the inputs with ``digest`` build to; never raises for I/O."""
    try:
        folder = cache_folder(cache_dir, content_dir)
        folder.mkdir(parents=True, exist_ok=True)
        data = {"version": RECORD_VERSION, "inputs": digest, "outputs": _outputs(out_dir), "cards": cards, "decks": decks}
        tmp = folder / f".{RECORD_FILE}.{os.getpid()}.tmp"
        tmp.write_text(json.dumps(data), encoding="utf-8")
        tmp.replace(folder / RECORD_FILE)
    except OSError:
        forget(cache_dir, content_dir)


def forget(cache_dir: Path, content_dir: Path) -> None:
    try:
        (cache_folder(cache_dir, content_dir) / RECORD_FILE).unlink(missing_ok=True)
    except OSError:
        pass


def check_up_to_date(cache_dir: Path, content_dir: Path, addon_dir: Path, manifest_path: Path, out_dir: Path,
                     limits: str, state_path: Path) -> dict | None:
    """The record (cards, decks) when the last build's outputs are current and intact; else None."""
    try:
        data = json.loads((cache_folder(cache_dir, content_dir) / RECORD_FILE).read_text(encoding="utf-8"))
        if not isinstance(data, dict) or data.get("version") != RECORD_VERSION or not isinstance(data.get("outputs"), dict):
            return None
        if not out_dir.is_dir() or _outputs(out_dir) != data["outputs"]:
            return None
        digest = inputs_digest(content_dir, addon_dir, manifest_path, out_dir, limits, state_path)
        if with_state(digest, _read_state(state_path)) != data.get("inputs"):
            return None
        return data
    except (OSError, ValueError, UnicodeDecodeError):
        return None
