#!/usr/bin/env python3
"""What checking every compute block over its parameter space costs (addon/core/space.py).

    python bench/space_check.py [--cards 10000] [--seed 19] [--repeat 5]

Generates the bench corpus (bench/corpus.py), parses its compute blocks once, then times, in this
process (CPU seconds, median of ``--repeat``): evaluating every block at its defaults (what the check
stage did before), and ``space_problem`` on every block (what it adds). Also says how many blocks the
interval proof settles and what the points would cost if no block could be proven (``points`` for
each, evaluated). The cold build's own time, old against new, is measured by alternating
``build.py`` runs (bench/results/space_check.md says how).
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent))

import corpus  # noqa: E402

from addon.core.compute import parse_compute  # noqa: E402
from addon.core.diagnostics import ComputeError  # noqa: E402
from addon.core.space import points, proves_safe, space_problem  # noqa: E402


def cpu(f, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.process_time()
        f()
        samples.append(time.process_time() - start)
    return statistics.median(samples)


def all_points(models) -> None:  # type: ignore[no-untyped-def]
    for m in models:
        for _, values in points(m):
            try:
                m.evaluate(values)
            except ComputeError:
                pass


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cards", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ours, _ = corpus.generate(Path(tmp), args.cards, seed=args.seed)
        blocks = [b for f in sorted(ours.glob("*.md")) for b in re.findall(r"```compute\n(.*?)```", f.read_text(), re.S)]
    models = [parse_compute(b) for b in blocks]
    defaults = cpu(lambda: [m.evaluate() for m in models], args.repeat)
    space = cpu(lambda: [space_problem(m) for m in models], args.repeat)
    proven = sum(proves_safe(m) for m in models)
    unproven = cpu(lambda: all_points(models), 1)
    print(f"{args.cards:,} cards, {len(models):,} compute blocks; {proven:,} proven safe by the interval pass")
    print(f"evaluate at the defaults: {defaults * 1e3:.0f} ms CPU; space_problem: {space * 1e3:.0f} ms CPU "
          f"({space / len(models) * 1e6:.1f} µs per block)")
    print(f"if no block could be proven (every point evaluated): {unproven * 1e3:.0f} ms CPU")
    return 0


if __name__ == "__main__":
    sys.exit(main())
