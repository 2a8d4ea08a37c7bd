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
- the tool version (builder/cache.py ``tool_version``: the build's own sources, addon/core, and the
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
import sys
from pathlib import Path

RECORD_VERSION = 1
RECORD_FILE = "uptodate.json"
STATE_FILE = "cards.lock.json"  # builder/state.py uses this name
ROOT = Path(__file__).resolve().parent.parent
_TOOL_SOURCES = (ROOT / "addon" / "core", ROOT / "builder")
_SKIP_DIRS = frozenset({"__pycache__"})
_SKIP_SUFFIXES = (".pyc", ".pyo")
_tool_versions: dict[int, str] = {}
_sources: str | None = None  # digest of the versions and the sources, computed once


def _package_version(name: str) -> str:
    """The version of an installed package, from the name of its ``<name>-<version>.dist-info`` folder
    next to it: what ``importlib.metadata.version`` says, without importing importlib.metadata (about
    20 ms, on every build and every up-to-date check). "?" when it is not installed that way."""
    from importlib.machinery import PathFinder

    try:
        spec = PathFinder.find_spec(name)
        if spec is None:
            return "?"
        if spec.submodule_search_locations:  # a package (anki is a namespace package: no origin)
            site = Path(next(iter(spec.submodule_search_locations))).parent
        elif spec.origin:  # a module
            site = Path(spec.origin).parent
        else:
            return "?"
        wanted = _normalized(name)
        found = sorted(entry.name[: -len(".dist-info")].partition("-")[2] for entry in os.scandir(site)
                       if entry.name.endswith(".dist-info") and _normalized(entry.name.partition("-")[0]) == wanted)
        return ",".join(found) or "?"
    except OSError:
        return "?"


def _normalized(name: str) -> str:
    """A distribution name as its .dist-info folder spells it (PEP 503 normalization, '_' for '-')."""
    return "_".join(name.replace("-", "_").replace(".", "_").lower().split("_"))


def tool_version(cache_version: int = 1) -> str:
    """A digest of the code that turns cards into field values and files (computed once a process)."""
    global _sources
    version = _tool_versions.get(cache_version)
    if version is None:  # one per cache_version: the answer must not depend on which caller came first
        if _sources is None:
            h = hashlib.sha256(f"python {sys.version_info[:2]}; markdown {_package_version('markdown')}; "
                               f"anki {_package_version('anki')}".encode())
            for folder in _TOOL_SOURCES:
                for path in sorted(folder.rglob("*.py")):
                    h.update(b"\0" + path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
            _sources = h.hexdigest()
        version = _tool_versions[cache_version] = hashlib.sha256(f"cache {cache_version}; {_sources}".encode()).hexdigest()[:32]
    return version


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
