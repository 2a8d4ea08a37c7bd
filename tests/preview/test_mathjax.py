"""The preview typesets with Anki's own MathJax: the same version and bytes, configured as Anki's reviewer."""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

import _aqt  # the aqt wheel's web files (installed for the tests only)

from builder import preview_server

AQT_WEB = Path(list(_aqt.__path__)[0]) / "data" / "web" / "js"
READ_CONFIG = """
const fs = require('fs'), vm = require('vm');
const window = {};
vm.runInNewContext(fs.readFileSync(process.argv[1], 'utf8'), { window });
process.stdout.write(JSON.stringify(window.MathJax));
"""  # in node, on our own file and the aqt wheel's (never on card content)


def _config(path: Path) -> dict:
    out = subprocess.run(["node", "-e", READ_CONFIG, "--", str(path)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_the_local_mathjax_is_the_one_anki_bundles() -> None:
    ours = preview_server.MATHJAX / "tex-chtml-full.js"
    anki = AQT_WEB / "vendor" / "mathjax" / "tex-chtml-full.js"
    assert hashlib.sha256(ours.read_bytes()).digest() == hashlib.sha256(anki.read_bytes()).digest()
    package = json.loads((preview_server.MATHJAX.parent / "package.json").read_text(encoding="utf-8"))
    assert package["version"] == "3.2.2"


def test_mathjax_is_configured_as_anki_s_reviewer_configures_it() -> None:
    ours, anki = _config(preview_server.WEB / "mathjax-config.js"), _config(AQT_WEB / "mathjax.js")
    assert ours["loader"].pop("paths") == {"mathjax": "/_preview/mathjax"}
    anki["loader"].pop("paths")
    assert ours == anki
