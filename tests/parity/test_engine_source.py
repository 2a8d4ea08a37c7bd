"""engine.js as the card template ships it: plain ES5 for old Android WebViews, nothing that runs
text as code, one IIFE that defines a frozen global once (the desktop reviewer re-runs card scripts)."""

from __future__ import annotations

import re
import subprocess

import pytest

from tests.parity.node_engine import HERE

ENGINE = HERE.parents[1] / "addon" / "web" / "engine.js"
SOURCE = ENGINE.read_text(encoding="utf-8")


def code_only(source: str) -> str:
    """engine.js without comments and string literals (regex literals are kept: they hold no quotes)."""
    out, i, n = [], 0, len(source)
    while i < n:
        two = source[i : i + 2]
        if two == "//":
            i = source.find("\n", i)
            i = n if i < 0 else i
        elif two == "/*":
            i = source.index("*/", i) + 2
        elif source[i] in "'\"":
            quote, i = source[i], i + 1
            while source[i] != quote:
                i += 2 if source[i] == "\\" else 1
            i += 1
            out.append('""')
        else:
            out.append(source[i])
            i += 1
    return "".join(out)


CODE = code_only(SOURCE)

FORBIDDEN = {
    r"\beval\b": "eval", r"\bFunction\b": "Function", r"\bsetTimeout\b|\bsetInterval\b": "timers",
    r"innerHTML|outerHTML|insertAdjacentHTML|document\.write": "HTML from text", r"\bimport\b|\bexport\b|\brequire\b": "modules",
    r"\bclass\b": "class", r"=>": "arrow functions", r"`": "template literals", r"\blet\b|\bconst\b": "let/const",
    r"\.\.\.": "spread", r"\*\*": "the ** operator", r"\bfor\s*\([^)]*\bof\b": "for...of", r"\bSymbol\b|\bPromise\b|\bnew (Map|Set|WeakMap)\b": "ES2015 globals",
    r"\.(includes|startsWith|endsWith|repeat|padStart|padEnd|find|findIndex|fill|codePointAt)\(": "ES2015+ methods",
    r"\b(Object\.(assign|values|entries)|Array\.from|Array\.of|Number\.(isFinite|isNaN|isInteger|EPSILON)|String\.fromCodePoint|Math\.(trunc|sign|cbrt|hypot|log10|log2|log1p|expm1))\b": "ES2015+ functions",
    r"\bdocument\b|\bwindow\.location\b|\bXMLHttpRequest\b|\bfetch\b|\blocalStorage\b": "the page (the engine is pure)",
}


@pytest.mark.parametrize("pattern", FORBIDDEN, ids=lambda p: FORBIDDEN[p])
def test_engine_js_has_no(pattern: str) -> None:
    found = [m.group(0) for m in re.finditer(pattern, CODE)]
    assert found == [], f"{FORBIDDEN[pattern]}: {found[:5]}"


def test_the_scan_sees_code_and_skips_strings() -> None:
    assert "parseCompute" in CODE and "strings are not part of the language" not in CODE
    assert code_only('var a = "eval(1)"; // eval\n/* innerHTML */ b(a);') == 'var a = ""; \n b(a);'
    assert re.search(r"\beval\b", code_only("x = eval(y);"))


def test_newer_apis_are_only_used_behind_a_check() -> None:
    # \\p{...} (ES2018) has a fallback; typed arrays are checked for
    for guarded in ('typeof Float64Array !== "undefined"',):
        assert guarded in SOURCE
    assert "new RegExp(\"^[\\\\p{Cc}" in SOURCE and "} catch (e) { NOT_PRINTABLE = null; }" in SOURCE


def test_one_iife_that_defines_a_frozen_global_once(node: str) -> None:
    assert SOURCE.count("(function (root) {") == 1 and 'if (root.ComputeCardsEngine) return;' in SOURCE
    script = f"""
    var vm = require("vm"), fs = require("fs"), src = fs.readFileSync({str(ENGINE)!r}, "utf8");
    var page = {{}}; page.window = page; vm.createContext(page);
    vm.runInContext(src, page);
    var first = page.ComputeCardsEngine;
    vm.runInContext(src, page);  // the desktop reviewer runs the card's scripts again on the answer side
    var names = Object.keys(page).filter(function (k) {{ return k !== "window"; }});
    console.log(JSON.stringify({{same: first === page.ComputeCardsEngine, frozen: Object.isFrozen(first),
      globals: names, limitsFrozen: Object.isFrozen(first.DEFAULT_LIMITS)}}));
    """
    run = subprocess.run([node, "-e", script], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == '{"same":true,"frozen":true,"globals":["ComputeCardsEngine"],"limitsFrozen":true}'


def test_it_parses_as_es5(node: str) -> None:
    # node's own parser with the newer syntax removed by the checks above; this proves the file parses
    run = subprocess.run([node, "--check", str(ENGINE)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
