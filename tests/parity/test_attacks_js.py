"""The attack corpus (tests/hostile/data/attacks/) through engine.js: the same refusals as the Python
core, and an answer for each (no hang: a reply within the time limit; no crash: a ComputeError)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.hostile.test_language_attacks import BLOCK_ATTACKS, BYTE_ATTACKS, ENV, EXPRESSION_ATTACKS, Attack
from tests.parity.differential import judge
from tests.parity.node_engine import NodeEngine

ANSWER_LINE = "param x = 2 in 0..10\nparam y = 3 in 0..10\nparam a = 1 in 0..10\nanswer = "


def refused_alike(js: NodeEngine, op: str, request: dict, phrase: str | None = None) -> None:
    verdict, python, script = judge(js, op, request)
    assert verdict in ("same", "libm", "unicode"), f"python {python!r}\njs     {script!r}"
    python, script = refusal(python), refusal(script)  # a block is refused by parsing or by evaluating
    assert python is not None and script is not None, (python, script)
    if phrase is not None and not python["syntax"]:
        assert phrase in script["message"]


def refusal(result: dict) -> dict | None:
    if "error" in result:
        return result["error"]
    return result.get("at_defaults", {}).get("error")


@pytest.mark.parametrize("attack", EXPRESSION_ATTACKS, ids=lambda a: a.where)
def test_expression_attack_is_refused_alike(js: NodeEngine, attack: Attack) -> None:
    refused_alike(js, "expr", {"source": attack.source, "env": ENV}, attack.phrase)


@pytest.mark.parametrize("attack", EXPRESSION_ATTACKS, ids=lambda a: a.where)
def test_expression_attack_as_the_answer_of_a_block_is_refused_alike(js: NodeEngine, attack: Attack) -> None:
    refused_alike(js, "block", {"source": ANSWER_LINE + attack.source})


@pytest.mark.parametrize("attack", BLOCK_ATTACKS, ids=lambda a: a.where)
def test_block_attack_is_refused_alike(js: NodeEngine, attack: Attack) -> None:
    refused_alike(js, "block", {"source": attack.source}, attack.phrase)


@pytest.mark.parametrize("path", BYTE_ATTACKS, ids=lambda p: p.name)
@pytest.mark.parametrize("errors", ["surrogateescape", "replace"])
def test_non_utf8_bytes_are_refused_alike(js: NodeEngine, path: Path, errors: str) -> None:
    text = path.read_bytes().decode("utf-8", errors=errors)
    op = "block" if path.name.startswith("block_") else "expr"
    refused_alike(js, op, {"source": text, "env": ENV} if op == "expr" else {"source": text}, "unexpected character")


def test_the_corpus_is_all_here() -> None:
    assert len(EXPRESSION_ATTACKS) + len(BLOCK_ATTACKS) >= 200 and len(BYTE_ATTACKS) >= 5
