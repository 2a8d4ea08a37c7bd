"""The core imports only the standard library: the build and the add-on both load it, Anki or not."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORE = ROOT / "addon" / "core"
MODULES = sorted(p.stem for p in CORE.glob("*.py") if p.stem != "__init__")
BLOCKED = ("anki", "aqt", "markdown", "PyQt6", "PyQt5", "builder", "genanki")

# Runs in a fresh interpreter: block the third-party packages, import every core module, report
# every top-level module that got loaded and is not part of the standard library.
PROBE = r"""
import importlib, json, sys
BLOCKED = set(json.loads(sys.argv[1]))

class Refuse:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"the core must not import {name}")
        return None

sys.meta_path.insert(0, Refuse())
before = set(sys.modules)
for name in json.loads(sys.argv[2]):
    importlib.import_module("addon.core." + name)
loaded = {m.split(".")[0] for m in set(sys.modules) - before}
foreign = sorted(m for m in loaded if m not in sys.stdlib_module_names and m not in ("addon", "_distutils_hack"))
print(json.dumps(foreign))
"""


def test_core_modules_import_with_third_party_packages_blocked() -> None:
    assert {"language", "compute", "answers", "units", "placeholders", "diagnostics", "card", "notetype"} <= set(MODULES)
    result = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(ROOT)!r});" + PROBE,
         json.dumps(BLOCKED), json.dumps(MODULES)],
        capture_output=True, text=True, timeout=60, cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [], "the core loaded modules outside the standard library"


def test_the_probe_would_catch_a_forbidden_import(tmp_path: Path) -> None:
    # the same probe, on a fake package that imports markdown: it must fail
    fake = tmp_path / "addon" / "core"
    fake.mkdir(parents=True)
    (tmp_path / "addon" / "__init__.py").write_text("")
    (fake / "__init__.py").write_text("")
    (fake / "bad.py").write_text("import markdown\n")
    result = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(tmp_path)!r});" + PROBE,
         json.dumps(BLOCKED), json.dumps(["bad"])],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode != 0
    assert "the core must not import markdown" in result.stderr


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "__import__":
            names.add("__import__")
        elif isinstance(node, ast.Attribute) and node.attr == "import_module":
            names.add("importlib.import_module")
    return names


def test_every_import_statement_in_the_core_names_the_standard_library() -> None:
    for path in sorted(CORE.glob("*.py")):
        foreign = {m for m in imported_modules(path) if m not in sys.stdlib_module_names and m != "__future__"}
        assert not foreign, f"{path.name} imports {sorted(foreign)}"


def test_static_check_sees_imports_inside_functions(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import math\n\ndef f():\n    from aqt import mw\n    import anki.collection\n")
    assert imported_modules(sample) == {"math", "aqt", "anki"}
