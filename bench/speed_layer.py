#!/usr/bin/env python3
"""Two checkouts of the project built alternately, for the measurements issue 16 holds steady:
the cold build, the rebuild with nothing changed and the rebuild after one edited card at 10,000
cards, and the peak memory (max RSS of the build's process tree) of a cold build at 50,000.

    python bench/speed_layer.py OLD_TREE NEW_TREE [--runs 9] [--memory-runs 3]

OLD_TREE / NEW_TREE: project folders (e.g. ``git archive <commit> | tar -x -C /tmp/old``). Each run
starts from a fresh copy of the corpus (bench/corpus.py, 8 deck files), an empty output folder and
an empty cache: a cold build, then a rebuild with nothing changed, then one card edited
(``corpus.edit_one_card``) and a rebuild. Old first on even runs, new first on odd ones. Prints the
medians (wall seconds; CPU seconds, user + sys of the process tree) and new/old ratios, and writes
them to bench/results/speed_layer.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import corpus  # noqa: E402

PY = sys.executable


def timed(tree: Path, content: Path, out: Path, cache: Path) -> tuple[float, float, float]:
    cmd = [PY, str(tree / "build.py"), "--content", str(content), "--out-dir", str(out), "-q", "--cache-dir", str(cache)]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=tree)
    err = proc.stderr.read()  # type: ignore[union-attr]
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    assert os.waitstatus_to_exitcode(status) == 0, err[-2000:]
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def sequence(tree: Path, source: Path, base: Path, with_rebuilds: bool) -> dict[str, tuple[float, float, float]]:
    run = Path(tempfile.mkdtemp(prefix="speed-", dir=base))
    content, out, cache = run / "content", run / "out", run / "cache"
    shutil.copytree(source, content)
    try:
        got = {"cold": timed(tree, content, out, cache)}
        if with_rebuilds:
            got["unchanged"] = timed(tree, content, out, cache)
            corpus.edit_one_card(content, seed=1)
            got["one_edit"] = timed(tree, content, out, cache)
        return got
    finally:
        shutil.rmtree(run, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--memory-runs", type=int, default=3)
    parser.add_argument("--cards", type=int, default=10_000)
    parser.add_argument("--memory-cards", type=int, default=50_000)
    args = parser.parse_args()
    trees = {"old": args.old.resolve(), "new": args.new.resolve()}
    for tree in trees.values():  # bytecode compiled, as an installed tool would have it
        subprocess.run([PY, "-m", "compileall", "-q", "build.py", "builder", "addon"], cwd=tree, check=True)
    base = Path(tempfile.mkdtemp(prefix="speed-layer-"))
    load_before = os.getloadavg()
    try:
        small, _ = corpus.generate(base / "corpus-10k", args.cards)
        big, _ = corpus.generate(base / "corpus-50k", args.memory_cards)
        samples: dict[str, dict[str, list]] = {who: {} for who in trees}
        for r in range(args.runs):
            for who in (("old", "new") if r % 2 == 0 else ("new", "old")):
                for key, value in sequence(trees[who], small, base, True).items():
                    samples[who].setdefault(key, []).append(value)
            print(f"run {r + 1}: " + ", ".join(f"{who} cold {samples[who]['cold'][-1][0]:.2f} s" for who in trees), flush=True)
        for r in range(args.memory_runs):
            for who in (("old", "new") if r % 2 == 0 else ("new", "old")):
                samples[who].setdefault("memory", []).append(sequence(trees[who], big, base, False)["cold"])
            print(f"memory run {r + 1}: " + ", ".join(f"{who} {samples[who]['memory'][-1][2]:.0f} MB" for who in trees), flush=True)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    load_after = os.getloadavg()
    rows = []
    for key, label in (("cold", f"cold build, {args.cards:,} cards"), ("unchanged", "rebuild, nothing changed"),
                       ("one_edit", "rebuild, one card edited")):
        old = statistics.median(s[0] for s in samples["old"][key])
        new = statistics.median(s[0] for s in samples["new"][key])
        old_cpu = statistics.median(s[1] for s in samples["old"][key])
        new_cpu = statistics.median(s[1] for s in samples["new"][key])
        rows.append(f"| {label} | {old:.3f} s (CPU {old_cpu:.2f} s) | {new:.3f} s (CPU {new_cpu:.2f} s) | {new / old:.3f} |")
    old_mb = statistics.median(s[2] for s in samples["old"]["memory"])
    new_mb = statistics.median(s[2] for s in samples["new"]["memory"])
    rows.append(f"| peak memory, cold build, {args.memory_cards:,} cards | {old_mb:.0f} MB | {new_mb:.0f} MB | {new_mb / old_mb:.3f} |")
    text = "\n".join([
        "# The speed layer around the stages (issue 16): old tree against new, alternating",
        "",
        f"`python bench/speed_layer.py {args.old} {args.new} --runs {args.runs} --memory-runs {args.memory_runs}`, "
        f"{time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC; load average {load_before[0]:.1f} before, "
        f"{load_after[0]:.1f} after. Medians of {args.runs} runs ({args.memory_runs} for memory).",
        "",
        "| measurement | old | new | new / old |",
        "|---|---|---|---|",
        *rows,
        "",
    ])
    print(text)
    (BENCH / "results" / "speed_layer.md").write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
