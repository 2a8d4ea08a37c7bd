"""The built .ankiaddon is ready for AnkiWeb, and what the listing (docs/ankiweb.md) promises is true.

AnkiWeb's rules for an upload (docs.ankiweb.net, "Sharing Add-ons"): a zip named .ankiaddon with
the add-on's files at its root, not inside a folder, and no ``__pycache__`` folders (both checked
in test_package.py); a ``manifest.json`` with at least ``package`` (the folder name Anki installs
into: a-z, 0-9 and _ are safe for Python's import system, "Add-on Folders") and a non-empty
``name``. The docs set no size limit; the project holds the package under SIZE_BUDGET.
"""

from __future__ import annotations

import ast
import json
import re
import zipfile
from pathlib import Path

from tests.support.cli import ROOT

SIZE_BUDGET = 1024 * 1024  # bytes, compressed; the package is about 42 KB
ADDON_SUFFIXES = {".py", ".json", ".md", ".js", ".css"}
NETWORK_MODULES = {"socket", "ssl", "http", "urllib", "urllib3", "requests", "ftplib", "smtplib", "xmlrpc", "websocket", "aiohttp"}
NETWORK_JS = re.compile(r"\bfetch\s*\(|XMLHttpRequest|WebSocket|sendBeacon|EventSource|\bimport\s*\(|https?://")


def _package(built: Path) -> zipfile.ZipFile:
    return zipfile.ZipFile(built / "dist" / "compute_cards.ankiaddon")


def _point_version(version: str) -> int:
    """Anki's point version of a release name: 24.11 -> 241100, 25.09.5 -> 250905."""
    parts = [int(p) for p in version.split(".")] + [0, 0]
    return parts[0] * 10000 + parts[1] * 100 + parts[2]


def _tested_lines() -> list[str]:
    """The Anki lines make test-compat runs: requirements-compat/<version>.txt, then the pinned aqt."""
    older = sorted((p.stem for p in (ROOT / "requirements-compat").glob("*.txt")), key=_point_version)
    current = re.search(r"^aqt==(\S+)$", (ROOT / "requirements-test.txt").read_text(), re.M).group(1)
    return older + [current]


def test_manifest_is_what_anki_and_ankiweb_read(built):
    with _package(built) as zf:
        manifest = json.loads(zf.read("manifest.json"))
    assert re.fullmatch(r"[a-z0-9_]+", manifest["package"]), manifest["package"]
    assert isinstance(manifest["name"], str) and manifest["name"].strip()
    assert isinstance(manifest["min_point_version"], int) and "max_point_version" not in manifest
    assert re.fullmatch(r"\d+\.\d+\.\d+", manifest["human_version"])


def test_package_holds_only_the_addon_and_stays_small(built):
    with _package(built) as zf:
        infos = zf.infolist()
        config = json.loads(zf.read("config.json"))
    names = [i.filename for i in infos]
    assert sum(i.compress_size for i in infos) < SIZE_BUDGET
    assert not [n for n in names if n.startswith("/") or ".." in n.split("/") or any(p.startswith(".") for p in n.split("/"))]
    assert not [n for n in names if Path(n).suffix not in ADDON_SUFFIXES], names
    assert not [n for n in names if n.split("/")[0] in {"tests", "builder", "content", "bench"}]
    assert set(config) == {"new_numbers_every_show", "show_expected_on_question", "tolerance_percent"}


def test_supported_range_is_the_tested_range_everywhere_it_is_stated():
    manifest = json.loads((ROOT / "manifest.json").read_text())
    lines = _tested_lines()
    oldest = lines[0]
    assert manifest["min_point_version"] == _point_version(oldest), (manifest["min_point_version"], oldest)
    assert len(lines) >= 3, lines  # the oldest, one in between, the newest
    listing = (ROOT / "docs" / "ankiweb.md").read_text()
    readme = (ROOT / "README.md").read_text()
    config = (ROOT / "addon" / "config.md").read_text()
    assert f"Anki {oldest} and newer" in listing and f"Supported Anki versions: {oldest} and newer" in readme
    assert f"Anki {oldest} and newer" in config
    for line in lines:
        assert line in listing and line in readme, line


def test_changelog_has_the_version_being_published():
    manifest = json.loads((ROOT / "manifest.json").read_text())
    changelog = (ROOT / "CHANGELOG.md").read_text()
    versions = re.findall(r"^## (\d+\.\d+\.\d+)\b", changelog, re.M)
    assert versions and versions[0] == manifest["human_version"], versions


def test_the_addon_sends_nothing_as_the_listing_says():
    """No network module imported by the add-on's Python, no request API or remote URL in its JS or CSS."""
    assert "sends nothing" in (ROOT / "docs" / "ankiweb.md").read_text()
    addon = ROOT / "addon"
    for path in addon.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                modules = [node.module or ""]
            else:
                continue
            for module in modules:
                assert module.split(".")[0] not in NETWORK_MODULES, f"{path.relative_to(ROOT)} imports {module}"
    for path in list(addon.rglob("*.js")) + list(addon.rglob("*.css")):
        text = path.read_text(encoding="utf-8")
        assert not NETWORK_JS.search(text), f"{path.relative_to(ROOT)}: {NETWORK_JS.search(text).group(0)}"
        if path.suffix == ".css":
            assert "@import" not in text and not re.search(r"url\(\s*['\"]?(https?:)?//", text), path
