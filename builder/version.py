"""The tool version: one digest of the code that turns cards into field values and files.

Standard library only (build.py's up-to-date check uses it before anything else is imported). The
build cache (builder/cache.py) keys every entry with it and the up-to-date check
(builder/uptodate.py) hashes it into its inputs: a change to addon/core or builder/, or another
Python, Markdown or anki version, makes every cached card and the "dist/ is up to date" record stale.
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = (ROOT / "addon" / "core", ROOT / "builder")  # the code whose output is cached

_version: str | None = None  # computed once a process (tests set another version here)


def tool_version() -> str:
    """A digest of the Python, markdown and anki versions and every .py file under SOURCES."""
    global _version
    if _version is None:
        h = hashlib.sha256(f"python {sys.version_info[:2]}; markdown {package_version('markdown')}; "
                           f"anki {package_version('anki')}".encode())
        for folder in SOURCES:
            for path in sorted(folder.rglob("*.py")):
                h.update(b"\0" + path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
        _version = h.hexdigest()[:32]
    return _version


def package_version(name: str) -> str:
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
