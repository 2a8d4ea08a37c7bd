#!/usr/bin/env python3
"""The differential fuzz: generated expressions, blocks and typed answers through the Python core and
engine.js (node), and the figures, in bench/results/fuzz_parity.md.

    python bench/fuzz_parity.py [--examples 100000] [--seed 0]

The generators are tests/hostile/'s (as bench/fuzz_language.py runs them); the judge is
tests/parity/differential.py (identical, or a difference explained by libm rounding or the Unicode
version, else a disagreement). Unlike the pytest properties this does not stop at the first
disagreement: it runs every example and lists them all. Exit 1 on any disagreement.
"""

from __future__ import annotations

import argparse
import collections
import platform
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))

from hypothesis import HealthCheck, Phase, given, seed, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from tests.hostile import test_answer_fuzz as answers  # noqa: E402
from tests.hostile import test_language_attacks as language  # noqa: E402
from tests.parity import test_differential as props  # noqa: E402
from tests.parity.differential import judge  # noqa: E402
from tests.parity.node_engine import NodeEngine, node_binary  # noqa: E402

RESULTS = BENCH / "results" / "fuzz_parity.md"


class Tally:
    def __init__(self, name: str) -> None:
        self.name = name
        self.verdicts: collections.Counter[str] = collections.Counter()
        self.kinds: collections.Counter[str] = collections.Counter()
        self.differences: list[str] = []
        self.explained: list[str] = []
        self.seconds = 0.0

    def row(self) -> str:
        n = sum(self.verdicts.values())
        kinds = ", ".join(f"{k} {v:,}" for k, v in self.kinds.most_common())
        per = self.seconds / n * 1e3 if n else 0.0
        return (f"| {self.name} | {n:,} | {self.verdicts['same']:,} | {self.verdicts['libm']:,} | "
                f"{self.verdicts['unicode']:,} | **{self.verdicts['DIFFERENT']:,}** | {kinds} | {per:.2f} |")


def outcome_kind(result: object) -> str:
    if isinstance(result, dict) and "error" in result:
        return "syntax refusal" if result["error"].get("syntax") else "refusal"
    if isinstance(result, dict) and "state" in result:
        return str(result["state"])
    return "result"


def run(js: NodeEngine, tally: Tally, strategy: st.SearchStrategy, examples: int, op: str, to_request, base_seed: int) -> None:  # type: ignore[no-untyped-def]
    @seed(base_seed)
    @settings(max_examples=examples, deadline=None, database=None, phases=[Phase.generate], suppress_health_check=list(HealthCheck))
    @given(strategy)
    def fuzz(example) -> None:  # type: ignore[no-untyped-def]
        request = to_request(*example) if isinstance(example, tuple) else to_request(example)
        verdict, python, script = judge(js, op, request)
        tally.verdicts[verdict] += 1
        tally.kinds[outcome_kind(python)] += 1
        line = f"`{str(request)[:160]}`: python `{str(python)[:200]}`, js `{str(script)[:200]}`"
        if verdict == "DIFFERENT" and len(tally.differences) < 30:
            tally.differences.append(line)
        elif verdict in ("libm", "unicode") and len(tally.explained) < 5:
            tally.explained.append(f"{verdict}: {line}")

    started = time.perf_counter()
    fuzz()
    tally.seconds = time.perf_counter() - started
    print(f"  {tally.name}: {sum(tally.verdicts.values()):,} examples in {tally.seconds:.0f} s, {tally.verdicts['DIFFERENT']} different", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--examples", type=int, default=100_000, help="examples in all (default 100,000)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    n = args.examples
    node = node_binary()
    version = subprocess.run([node, "--version"], capture_output=True, text=True).stdout.strip()
    ints = st.integers(0, len(props.UNIT_SPELLINGS) - 1)
    plan = [
        (Tally("expressions (grammar, broken, random text)"), st.tuples(language.any_expression, language.environments), n * 40 // 100, "expr", props.expression_request),
        (Tally("functions and float operations on any floats"), st.tuples(st.sampled_from(props.FUNCTION_FORMS), props.any_floats, props.any_floats), n * 5 // 100, "expr", props.function_request),
        (Tally("compute blocks (+ typed answer, new numbers)"), st.tuples(language.blocks(), st.text(max_size=30), props.draws), n * 20 // 100, "block", props.block_request),
        (Tally("typed answers"), st.tuples(answers.typed_texts, answers.expected_values, ints, ints, answers.tolerances), n * 25 // 100, "answer", props.answer_request),
        (Tally("number formatting"), st.tuples(st.floats(allow_nan=False), st.one_of(st.none(), st.integers(1, 15)), st.sampled_from([None, True, False])), n * 5 // 100, "number", lambda v, d, t: {"value": repr(v), "digits": d, "trim": t}),
        (Tally("placeholders"), props.placeholder_inners, n * 3 // 100, "placeholder", lambda inner: {"inner": inner, "block": props.PLACEHOLDER_BLOCK}),
        (Tally("Compute fields (HTML)"), props.compute_fields, n - n * 98 // 100, "source", lambda html: {"html": html}),
    ]
    print(f"differential fuzz, {n:,} examples (seed {args.seed}), node {version} ...", flush=True)
    started = time.perf_counter()
    with NodeEngine() as js:
        for i, (tally, strategy, count, op, to_request) in enumerate(plan):
            run(js, tally, strategy, max(1, count), op, to_request, args.seed + i)
    wall = time.perf_counter() - started
    total = sum(sum(t.verdicts.values()) for t, *_ in plan)
    different = sum(t.verdicts["DIFFERENT"] for t, *_ in plan)
    lines = [
        "# Differential fuzz: the Python core against engine.js (bench/fuzz_parity.py)",
        "",
        f"Python {platform.python_version()}, node {version}, {platform.machine()}; seed {args.seed}; {wall:.0f} s wall clock "
        f"(one node process, JSON lines). Generators: tests/hostile/ (as bench/fuzz_language.py); judge: "
        "tests/parity/differential.py. *libm*: Python's glibc rounded an exp or pow differently from the correctly "
        "rounded value engine.js computes (the core re-run with a correctly rounded exp/pow agrees exactly). "
        "*unicode*: a character Python 3.11's Unicode 14 does not know, which node's newer Unicode shows.",
        "",
        f"**{total:,} examples: {different:,} disagreements.**",
        "",
        "| generator | examples | identical | libm | unicode | different | Python's outcomes | ms per example |",
        "|---|---:|---:|---:|---:|---:|---|---:|",
        *[t.row() for t, *_ in plan],
        "",
        "## Disagreements",
        "",
        *(["None."] if not different else [f"- {d}" for t, *_ in plan for d in t.differences]),
        "",
        "## Explained differences (first few of each generator)",
        "",
        *([f"- {e}" for t, *_ in plan for e in t.explained] or ["None."]),
        "",
    ]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))
    return 1 if different else 0


if __name__ == "__main__":
    sys.exit(main())
