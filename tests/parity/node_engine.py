"""engine.js in node, as one long-lived subprocess speaking JSON lines (tests/parity/server.js).

    with NodeEngine() as js:
        reply = js.request("expr", source="1 + 2", env={})   # {"ok": ..., "trace": [...]}

No node on the machine is a failure with a clear message, never a skip: the JavaScript engine is
what phones run, and parity with the Python core is a requirement (scripts/system-deps.sh installs
node, as `make test` runs it).
"""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
NO_NODE = (
    "node (JavaScript) is not installed: the parity tests run addon/web/engine.js in node. "
    "Install it with `bash scripts/system-deps.sh` (Debian's nodejs), or put node on PATH."
)


def node_binary() -> str:
    """The node executable; raises RuntimeError with NO_NODE when there is none."""
    found = os.environ.get("NODE") or shutil.which("node") or shutil.which("nodejs")
    if not found:
        raise RuntimeError(NO_NODE)
    return found


def _decode(obj: dict[str, Any]) -> Any:
    if set(obj) == {"nonfinite"}:
        return float(obj["nonfinite"])
    return obj


def _int(text: str) -> int | float:
    """JSON.stringify writes a large float without a point (1e20 as 100000000000000000000): a float."""
    return int(text) if len(text) <= 15 else float(text)


class NodeEngine:
    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [node_binary(), str(HERE / "server.js")], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            text=True, encoding="utf-8", bufsize=1,
        )

    def request(self, op: str, timeout: float = 60.0, **fields: Any) -> dict[str, Any]:
        """One request, one reply; no reply within ``timeout`` seconds is a hang: TimeoutError."""
        assert self.process.stdin and self.process.stdout
        self.process.stdin.write(json.dumps({"op": op, **fields}, allow_nan=False) + "\n")
        self.process.stdin.flush()
        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        if not ready:
            self.process.kill()
            raise TimeoutError(f"engine.js gave no answer within {timeout:.0f} s (a hang?) on {op} {str(fields)[:200]}")
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"node exited (code {self.process.poll()}) on {op} {str(fields)[:200]}")
        return json.loads(line, object_hook=_decode, parse_int=_int)

    def close(self) -> None:
        assert self.process.stdin and self.process.stdout
        self.process.stdin.close()  # node's readline ends: the process exits by itself
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process.stdout.close()

    def __enter__(self) -> "NodeEngine":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
