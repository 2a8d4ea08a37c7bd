"""The shared vectors: made by the Python core, replayed by engine.js in node, and kept fresh."""

from __future__ import annotations

import dataclasses
import json
import subprocess

import pytest

from addon.core.language import DEFAULT_LIMITS, Limits
from addon.core.units import _EXACT
from tests.parity import generate_vectors, reference
from tests.parity.node_engine import NO_NODE, HERE, NodeEngine, node_binary

VECTORS = HERE / "data" / "vectors.json"


def test_the_committed_vectors_are_what_the_python_core_gives_now() -> None:
    fresh = generate_vectors.generate()
    assert VECTORS.read_text(encoding="utf-8") == fresh, "stale: run python tests/parity/generate_vectors.py"


def test_engine_js_replays_every_vector(node: str) -> None:
    run = subprocess.run([node, str(HERE / "replay.js"), str(VECTORS)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert " 0 differences" in run.stdout


def test_the_replay_fails_on_a_wrong_vector(node: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    data = json.loads(VECTORS.read_text(encoding="utf-8"))
    wrong = next(v for v in data["vectors"] if v["op"] == "expr" and "value" in v["output"])
    wrong["output"]["value"] += 1
    data["spellings"].append("furlong")
    broken = tmp_path / "vectors.json"
    broken.write_text(json.dumps(data), encoding="utf-8")
    run = subprocess.run([node, str(HERE / "replay.js"), str(broken)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 1
    assert "1 differences" not in run.stdout and "furlong" in run.stdout  # the unit and the value both reported


def test_every_unit_spelling_of_the_python_table_is_a_vector() -> None:
    data = json.loads(VECTORS.read_text(encoding="utf-8"))
    assert data["spellings"] == sorted(_EXACT)
    texts = {v["input"]["text"] for v in data["vectors"] if v["op"] == "unit"}
    assert set(_EXACT) <= texts


def test_the_javascript_limits_are_pythons(js: NodeEngine) -> None:
    fields = [f.name for f in dataclasses.fields(Limits)]
    python = {reference.camel(name): getattr(DEFAULT_LIMITS, name) for name in fields}
    assert js.request("limits")["ok"] == python
    assert reference.limits() == python


def test_no_node_is_a_clear_failure_not_a_skip(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NODE", raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(RuntimeError) as info:
        node_binary()
    assert str(info.value) == NO_NODE and "system-deps.sh" in NO_NODE
