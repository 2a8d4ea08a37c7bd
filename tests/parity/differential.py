"""Running one example through both engines and judging the two results (the differential tests and
bench/fuzz_parity.py).

Identical means reference.same() (ops.js has the same function). Two differences are explained,
counted and reported, not failed, each by a stated, checkable cause:

- "libm": the Python core re-run with a correctly rounded math.exp and math.pow (crlibm.py) gives
  exactly engine.js's result: glibc rounded the last bit of an exp or pow differently.
- "unicode": the results are the same once every character that Python's Unicode database (Unicode
  14 in Python 3.11) does not know is taken as itself, on both sides: Python's repr escapes it as
  unassigned, the JavaScript engine's newer Unicode may show it.

Anything else is a disagreement: the test fails with both results.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from tests.parity import reference
from tests.parity.crlibm import correctly_rounded_libm
from tests.parity.node_engine import NodeEngine

_ESCAPE = re.compile(r"\\U([0-9a-f]{8})|\\u([0-9a-f]{4})|\\x([0-9a-f]{2})")


def _unknown_to_python(ch: str) -> bool:
    return unicodedata.category(ch) == "Cn"


def _unescape_unknown(text: str) -> str:
    def put(m: re.Match[str]) -> str:
        ch = chr(int(m.group(1) or m.group(2) or m.group(3), 16))
        return ch if not 0xD800 <= ord(ch) <= 0xDFFF and _unknown_to_python(ch) else m.group(0)

    return _ESCAPE.sub(put, text)


def _normalized(value: Any) -> Any:
    if isinstance(value, str):
        return _unescape_unknown(value)
    if isinstance(value, list):
        return [_normalized(v) for v in value]
    if isinstance(value, dict):
        return {k: _normalized(v) for k, v in value.items()}
    return value


def judge(js: NodeEngine, op: str, request: dict[str, Any]) -> tuple[str, Any, Any]:
    """("same" | "libm" | "unicode" | "DIFFERENT", python's result, engine.js's result)."""
    python = reference.run(op, dict(request))
    reply = js.request(op, **request)
    if "crash" in reply:
        return "DIFFERENT", python, {"crash": reply["crash"]}
    script = reply["ok"]
    if reference.same(python, script):
        return "same", python, script
    with correctly_rounded_libm():
        rounded = reference.run(op, dict(request))
    if reference.same(rounded, script):
        return "libm", python, script
    if reference.same(_normalized(python), _normalized(script)):
        return "unicode", python, script
    return "DIFFERENT", python, script
