#!/usr/bin/env python3
"""Build benchmarks (``make bench``): our build against markdown-anki-decks, rebuilds, memory, scaling.

    python bench/run.py [--cards 10000] [--runs 3] [--scaling 1000,10000,50000] [--quick]

1. Installs the peer (markdown-anki-decks==1.1.1, click==8.0.4 for its typer) into
   bench/.peer-venv on first run; it is not a dependency of the project. Compiles our modules'
   bytecode (compileall), as pip did the peer's.
2. Generates the corpus (bench/corpus.py): N cards in 8 deck files, ours and the peer's format.
3. Full builds, both tools, alternating (ours first on even runs, the peer first on odd), each run in
   fresh temp folders (a fresh copy of the corpus, an empty output folder and an empty cache: cold).
4. Our rebuild with nothing changed, and after editing one card (the cache from the previous build).
5. Peak memory (max RSS from wait4 of each child process tree) of our full builds.
6. Scaling: our cold full build at 1,000 / 10,000 / 50,000 cards.
7. The same side by side with all N cards in ONE deck file (the shape the peer is slow at).
8. A cProfile of one full build (serial, no cache: the render work in one process) in bench/results/.

Timings are wall-clock seconds of the whole command (Python start-up included); CPU seconds
(user + sys of the process tree) are recorded too, as they vary less when the machine is busy.
Figures go to bench/results/build.json and bench/results/build.md; BENCHMARKS.md quotes them.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT))

import corpus  # noqa: E402

PEER_VENV = BENCH / ".peer-venv"
PEER_REQUIREMENTS = ("markdown-anki-decks==1.1.1", "click==8.0.4")
RESULTS = BENCH / "results"
PY = sys.executable
TARGETS = {"full": 0.25, "no_change": 0.05, "one_edit": 0.10, "memory_mb": 500}


def ensure_peer() -> Path:
    exe = PEER_VENV / "bin" / "mdankideck"
    marker = PEER_VENV / ".installed"
    if exe.exists() and marker.exists() and marker.read_text() == " ".join(PEER_REQUIREMENTS):
        return exe
    print(f"installing the peer into {PEER_VENV.relative_to(ROOT)} ({', '.join(PEER_REQUIREMENTS)}) ...", flush=True)
    shutil.rmtree(PEER_VENV, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
    subprocess.run([str(PEER_VENV / "bin" / "python"), "-m", "pip", "install", "--quiet",
                    "--disable-pip-version-check", *PEER_REQUIREMENTS], check=True)
    marker.write_text(" ".join(PEER_REQUIREMENTS))
    return exe


def timed(cmd: list[str], env: dict[str, str] | None = None) -> dict[str, float]:
    """Run ``cmd``; wall seconds, CPU seconds and max RSS (MB) of its process tree. Fails loudly."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.stderr.write(err.decode(errors="replace")[-3000:])
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(cmd)}")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss_mb": usage.ru_maxrss / 1024}


def ours_cmd(content: Path, out: Path, cache: Path | None, *extra: str) -> list[str]:
    cache_args = ["--cache-dir", str(cache)] if cache else ["--no-cache"]
    return [PY, str(ROOT / "build.py"), "--content", str(content), "--out-dir", str(out), "-q", *cache_args, *extra]


def fresh(base: Path, source: Path, name: str) -> tuple[Path, Path, Path]:
    """A fresh run folder: a copy of ``source`` (the corpus), an output folder, a cache folder."""
    run = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=base))
    content = run / "content"
    shutil.copytree(source, content)
    out = run / "out"
    out.mkdir()  # the peer needs it to exist; ours replaces it whole
    return content, out, run / "cache"


def summary(samples: list[float]) -> dict[str, float]:
    return {"median": statistics.median(samples), "min": min(samples), "max": max(samples), "n": len(samples)}


def side_by_side(base: Path, ours_src: Path, peer_src: Path, peer: Path, runs: int, label: str) -> dict:
    ours, theirs = [], []
    for r in range(runs):
        order = ("ours", "peer") if r % 2 == 0 else ("peer", "ours")
        for who in order:
            if who == "ours":
                content, out, cache = fresh(base, ours_src, f"ours-{label}")
                ours.append(timed(ours_cmd(content, out, cache)))
            else:
                content, out, _ = fresh(base, peer_src, f"peer-{label}")
                theirs.append(timed([str(peer), str(content), str(out)]))
            shutil.rmtree(content.parent, ignore_errors=True)
        print(f"  [{label}] run {r + 1}: ours {ours[-1]['wall']:.2f} s, peer {theirs[-1]['wall']:.2f} s", flush=True)
    return {
        "ours": summary([s["wall"] for s in ours]), "peer": summary([s["wall"] for s in theirs]),
        "ours_cpu": summary([s["cpu"] for s in ours]), "peer_cpu": summary([s["cpu"] for s in theirs]),
        "ours_rss_mb": max(s["rss_mb"] for s in ours), "peer_rss_mb": max(s["rss_mb"] for s in theirs),
    }


def rebuilds(base: Path, ours_src: Path, runs: int) -> dict:
    content, out, cache = fresh(base, ours_src, "rebuild")
    timed(ours_cmd(content, out, cache))  # the full build the rebuilds start from
    no_change, one_edit = [], []
    for r in range(runs):
        no_change.append(timed(ours_cmd(content, out, cache)))
        corpus.edit_one_card(content, seed=r + 1)
        one_edit.append(timed(ours_cmd(content, out, cache)))
        print(f"  [rebuild] run {r + 1}: nothing changed {no_change[-1]['wall']:.2f} s, "
              f"one card edited {one_edit[-1]['wall']:.2f} s", flush=True)
    shutil.rmtree(content.parent, ignore_errors=True)
    return {"no_change": summary([s["wall"] for s in no_change]), "one_edit": summary([s["wall"] for s in one_edit]),
            "no_change_cpu": summary([s["cpu"] for s in no_change]), "one_edit_cpu": summary([s["cpu"] for s in one_edit])}


def scaling(base: Path, sizes: list[int], runs: int) -> list[dict]:
    rows = []
    for n in sizes:
        src = base / f"corpus-{n}"
        if not src.exists():
            corpus.generate(src, n)
        samples = []
        for _ in range(runs):
            content, out, cache = fresh(base, src / "ours", f"scale-{n}")
            samples.append(timed(ours_cmd(content, out, cache)))
            shutil.rmtree(content.parent, ignore_errors=True)
        wall = summary([s["wall"] for s in samples])
        rows.append({"cards": n, "wall": wall, "cpu": summary([s["cpu"] for s in samples]),
                     "rss_mb": max(s["rss_mb"] for s in samples), "us_per_card": wall["median"] / n * 1e6})
        print(f"  [scaling] {n:>6} cards: {wall['median']:.2f} s ({rows[-1]['us_per_card']:.0f} µs/card)", flush=True)
    return rows


def profile(base: Path, ours_src: Path) -> Path:
    import pstats

    content, out, _ = fresh(base, ours_src, "profile")
    prof = RESULTS / "profile-full-10k.prof"
    # build.main() under cProfile, in a process of its own: build.py's own entry point ends with
    # os._exit, which would not leave cProfile the chance to write its file. Same collector thresholds.
    code = (f"import cProfile, gc, sys; sys.path.insert(0, {str(ROOT)!r}); import build; "
            f"gc.set_threshold(200_000, 30, 30); cProfile.run('build.main(sys.argv[1:])', {str(prof)!r})")
    subprocess.run([PY, "-c", code, *ours_cmd(content, out, None, "--jobs", "1")[2:]],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    shutil.rmtree(content.parent, ignore_errors=True)
    text = RESULTS / "profile-full-10k.txt"
    with text.open("w") as f:
        f.write("One full build of the 10,000-card corpus: build.py --no-cache --jobs 1 under cProfile\n"
                "(serial, so the render stage is in this one process; wall times are inflated by the profiler).\n\n")
        stats = pstats.Stats(str(prof), stream=f)
        stats.strip_dirs()
        f.write("== by cumulative time ==\n")
        stats.sort_stats("cumulative").print_stats(30)
        f.write("== by total (own) time ==\n")
        stats.sort_stats("tottime").print_stats(25)
    prof.unlink()  # binary and large; the text is what is kept
    return text


def fast_path_share(ours_src: Path) -> dict:
    """How many pieces of card text (front, back, source line) skip Python-Markdown (markup.fast_html)."""
    from builder import check, markup, pipeline, render

    counts = {"fast": 0, "markdown": 0}
    real = markup.fast_html

    def counting(text: str) -> str | None:
        html_text = real(text)
        counts["fast" if html_text is not None else "markdown"] += 1
        return html_text

    markup.fast_html = counting
    try:
        settings = pipeline.Settings(content_dir=ours_src, out_dir=ours_src.parent / "unused",
                                     addon_dir=ROOT / "addon", manifest_path=ROOT / "manifest.json")
        decks, _ = pipeline.parse(settings)
        checked, _ = check.check(decks, settings.limits)
        render.render(checked)
    finally:
        markup.fast_html = real
    counts["share"] = counts["fast"] / max(1, counts["fast"] + counts["markdown"])
    return counts


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))

    def version(python: str, package: str) -> str:
        code = f"from importlib.metadata import version; print(version({package!r}))"
        return subprocess.run([python, "-c", code], capture_output=True, text=True).stdout.strip() or "?"

    peer_py = str(PEER_VENV / "bin" / "python")
    return {
        "nproc": os.cpu_count(), "cpu": cpu, "ram_gib": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(), "anki": version(PY, "anki"), "markdown": version(PY, "markdown"),
        "peer": {p: version(peer_py, p) for p in ("markdown-anki-decks", "genanki", "markdown", "beautifulsoup4", "click", "typer")},
        "load_average_start": os.getloadavg(),
    }


def verdict(value: float, target: float) -> str:
    return "met" if value <= target else "NOT met"


def report(data: dict) -> str:
    m, full, one = data["machine"], data["full"], data.get("one_file")
    rb, n = data["rebuilds"], data["cards"]
    peer_full = full["peer"]["median"]
    lines = [
        f"# Build benchmark ({n:,} cards, {data['runs']} runs each, {time.strftime('%Y-%m-%d %H:%M', time.localtime(data['started']))})",
        "",
        f"Machine: {m['nproc']} CPUs ({m['cpu']}), {m['ram_gib']} GiB; Python {m['python']}, anki {m['anki']}, "
        f"markdown {m['markdown']}; peer markdown-anki-decks {m['peer']['markdown-anki-decks']} "
        f"(genanki {m['peer']['genanki']}, click {m['peer']['click']}). Load average at start "
        f"{', '.join(f'{x:.1f}' for x in m['load_average_start'])}, at end {', '.join(f'{x:.1f}' for x in data['load_average_end'])}.",
        "",
        "| measurement | ours: median (min–max) s | peer: median (min–max) s | ours / peer | target | |",
        "|---|---|---|---|---|---|",
    ]

    def row(name: str, ours: dict, peer: dict | None, target: float | None) -> str:
        ratio = ours["median"] / peer_full
        peer_text = f"{peer['median']:.2f} ({peer['min']:.2f}–{peer['max']:.2f})" if peer else "—"
        target_text = f"≤ {target}× peer full" if target else ""
        return (f"| {name} | {ours['median']:.2f} ({ours['min']:.2f}–{ours['max']:.2f}) | {peer_text} | "
                f"{ratio:.3f}× | {target_text} | {verdict(ratio, target) if target else ''} |")

    lines.append(row(f"full build, {n:,} cards in 8 files (cold: no cache)", full["ours"], full["peer"], TARGETS["full"]))
    lines.append(row("rebuild, nothing changed", rb["no_change"], None, TARGETS["no_change"]))
    lines.append(row("rebuild, one card edited", rb["one_edit"], None, TARGETS["one_edit"]))
    if one:
        ratio = one["ours"]["median"] / one["peer"]["median"]
        lines.append(f"| full build, {n:,} cards in ONE file (cold) | {one['ours']['median']:.2f} "
                     f"({one['ours']['min']:.2f}–{one['ours']['max']:.2f}) | {one['peer']['median']:.2f} "
                     f"({one['peer']['min']:.2f}–{one['peer']['max']:.2f}) | {ratio:.3f}× | (secondary shape) | |")
    if one:
        peer_one = one["peer"]["median"]
        lines += [
            "",
            f"The same {n:,} cards in ONE file (the shape of the issue's \"about 22 s for 10,000 simple cards\": "
            f"the peer's cost grows with the size of one file): peer {peer_one:.2f} s, ours {one['ours']['median']:.2f} s "
            f"(CPU s: peer {one['peer_cpu']['median']:.2f}, ours {one['ours_cpu']['median']:.2f}). Against that peer time: "
            f"full {one['ours']['median'] / peer_one:.3f}×, nothing changed {rb['no_change']['median'] / peer_one:.3f}×, "
            f"one card edited {rb['one_edit']['median'] / peer_one:.3f}× (the rebuilds ran on the 8-file corpus). "
            "The targets above are judged against the 8-file peer time, the harder case for us.",
        ]
    lines += [
        "",
        f"CPU seconds (user+sys, whole process tree), medians: full build ours {full['ours_cpu']['median']:.2f}, "
        f"peer {full['peer_cpu']['median']:.2f} (ratio {full['ours_cpu']['median'] / full['peer_cpu']['median']:.3f}); "
        f"no-change rebuild {rb['no_change_cpu']['median']:.2f}; one-edit rebuild {rb['one_edit_cpu']['median']:.2f}.",
        "",
        f"Peak memory (max RSS of one process; our render workers are forked and share pages): ours "
        f"{full['ours_rss_mb']:.0f} MB, peer {full['peer_rss_mb']:.0f} MB; target < {TARGETS['memory_mb']} MB: "
        f"{'met' if full['ours_rss_mb'] < TARGETS['memory_mb'] else 'NOT met'}.",
        "",
        "Scaling (ours, cold full build, 8 deck files):",
        "",
        "| cards | median s (min–max) | CPU s | µs per card | max RSS MB |",
        "|---|---|---|---|---|",
    ]
    for s in data["scaling"]:
        lines.append(f"| {s['cards']:,} | {s['wall']['median']:.2f} ({s['wall']['min']:.2f}–{s['wall']['max']:.2f}) | "
                     f"{s['cpu']['median']:.2f} | {s['us_per_card']:.0f} | {s['rss_mb']:.0f} |")
    fast = data.get("fast_path")
    if fast:
        lines += ["", f"Fast path (builder/markup.py fast_html): {fast['fast']:,} of {fast['fast'] + fast['markdown']:,} "
                      f"pieces of card text ({fast['share']:.1%}) are written without Python-Markdown."]
    lines += ["", f"Profile of one full build: {data['profile']}", ""]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description="Build benchmarks: ours vs markdown-anki-decks.")
    parser.add_argument("--cards", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--scaling", default="1000,10000,50000")
    parser.add_argument("--no-one-file", action="store_true", help="skip the single-deck-file side by side")
    parser.add_argument("--quick", action="store_true", help="1,000 cards, 3 runs, small scaling: a smoke run")
    args = parser.parse_args()
    if args.quick:
        args.cards, args.scaling = 1_000, "500,1000"
    peer = ensure_peer()
    # Our modules' bytecode, as the peer has its own from pip (Python does not write it where
    # PYTHONDONTWRITEBYTECODE is set; `make build` and `make bench` do this too).
    subprocess.run([PY, "-m", "compileall", "-q", "build.py", "builder", "addon"], cwd=ROOT, check=True)
    RESULTS.mkdir(exist_ok=True)
    data: dict = {"started": time.time(), "cards": args.cards, "runs": args.runs, "machine": machine()}
    base = Path(tempfile.mkdtemp(prefix="compute-cards-bench-"))
    try:
        src = base / "corpus"
        corpus.generate(src, args.cards)
        print(f"corpus: {args.cards:,} cards in {base}", flush=True)
        data["full"] = side_by_side(base, src / "ours", src / "peer", peer, args.runs, "8 files")
        data["rebuilds"] = rebuilds(base, src / "ours", args.runs)
        data["scaling"] = scaling(base, [int(x) for x in args.scaling.split(",")], args.runs)
        if not args.no_one_file:
            one = base / "corpus-one-file"
            corpus.generate(one, args.cards, decks=1)
            data["one_file"] = side_by_side(base, one / "ours", one / "peer", peer, args.runs, "1 file")
        data["profile"] = str(profile(base, src / "ours").relative_to(ROOT))
        data["fast_path"] = fast_path_share(src / "ours")
    finally:
        shutil.rmtree(base, ignore_errors=True)
    data["load_average_end"] = os.getloadavg()
    name = "build" if not args.quick else "build-quick"
    (RESULTS / f"{name}.json").write_text(json.dumps(data, indent=1) + "\n")
    text = report(data)
    (RESULTS / f"{name}.md").write_text(text)
    print()
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
