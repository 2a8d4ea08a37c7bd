#!/usr/bin/env python3
"""Figures for ``build.py preview`` on the 10,000-card corpus (bench/corpus.py): save -> page updated,
and the memory of a preview left running for 200 saves.

    .venv/bin/python bench/preview_latency.py [--cards 10000] [--edits 200] [--out bench/results/preview.md]

- The real command line (``build.py --content CORPUS --cache-dir EMPTY preview --port 0``) over a fresh
  copy of the corpus (8 deck files), and a real headless Chromium (tests/support/browser.py) showing
  the edited card's page (/card/ID, question and answer side).
- The saves alternate: an answer edit (``corpus.edit_one_card``: a new sentence in one card's answer, in
  the middle file of 1,250 cards, written whole as an editor does; the question side stays as it is)
  and a question edit (a new sentence at the start of the same card's question: both sides load
  again, the answer side after the question side, as a reviewer shows them). Timed from just before
  the write to when the answer side's frame shows the new sentence with its math typeset (the Python
  clock; the page is polled every 5 ms). One save at a time: the next starts once the page shows the last.
- Also the preview's own share: the time it says it took ("N card(s) ok (X ms)": parse, check and
  render of the saved file, the duplicate check over every file, a new snapshot).
- Memory: the preview process's resident set (VmRSS) after the first render, after 20 saves (warm) and
  after every 20 saves to the end.
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import corpus  # noqa: E402
from tests.support.browser import chromium  # noqa: E402

WAIT_SHOWN = """
const needle = arguments[0], done = arguments[arguments.length - 1];
const started = Date.now();
(function check() {
  const frame = document.getElementById('answer');
  const doc = frame && frame.contentDocument;
  const qa = doc && doc.getElementById('qa');
  if (qa && qa.textContent.includes(needle) && doc.documentElement.dataset.typeset) return done(true);
  if (Date.now() - started > 20000) return done(false);
  setTimeout(check, 5);
})();
"""


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def edited_card(content: Path) -> str:
    """The id of the card ``corpus.edit_one_card`` edits (the middle card of the middle file)."""
    files = sorted(content.glob("deck-*.md"))
    text = files[len(files) // 2].read_text(encoding="utf-8")
    headings = re.findall(r"^## (\S+)$", text, re.M)
    return headings[len(headings) // 2]


def edit_question(content: Path, card_id: str, n: int) -> str:
    """Put a new sentence at the start of the card's question (after its '## id' and setting lines)."""
    files = sorted(content.glob("deck-*.md"))
    path = files[len(files) // 2]
    text = path.read_text(encoding="utf-8")
    start = text.index(f"\n## {card_id}\n")
    blank = text.index("\n\n", start + 1) + 2
    needle = f"Asked ({n}):"
    path.write_text(text[:blank] + needle + " " + text[blank:], encoding="utf-8")
    return needle


def measure(proc: subprocess.Popen, lines: list[str], ready: threading.Event, content: Path, card_id: str,
            edits: int) -> tuple[float, dict[str, list[float]], list[float], list[tuple[int, float]]]:
    started = time.perf_counter()
    if not ready.wait(300):
        raise RuntimeError("the preview did not start:\n" + "\n".join(lines))
    first_render = time.perf_counter() - started
    url = next(line for line in lines if "(Ctrl-C to stop)" in line).split(" at ")[1].split(" ")[0]
    memory = [(0, rss_mib(proc.pid))]
    latencies: dict[str, list[float]] = {"answer": [], "question": []}
    own: list[float] = []
    with chromium() as driver:
        driver.get(f"{url}card/{card_id}")
        if not driver.execute_async_script(WAIT_SHOWN, ""):
            raise RuntimeError("the card page did not show")
        for n in range(1, edits + 1):
            told = len(lines)
            t0 = time.perf_counter()
            if n % 2:
                kind = "answer"
                corpus.edit_one_card(content, seed=n)
                needle = f"Edited ({n}):"
            else:
                kind, needle = "question", edit_question(content, card_id, n)
            if not driver.execute_async_script(WAIT_SHOWN, needle):
                raise RuntimeError(f"save {n} did not show")
            latencies[kind].append((time.perf_counter() - t0) * 1000)
            said = next((line for line in lines[told:] if "card(s) ok (" in line), None)
            if said:
                own.append(float(said.rsplit("(", 1)[1].split(" ms")[0]))
            if n % 20 == 0:
                memory.append((n, rss_mib(proc.pid)))
    return first_render, latencies, own, memory


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cards", type=int, default=10_000)
    parser.add_argument("--edits", type=int, default=200)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "preview.md")
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="preview-bench-"))
    try:
        content, _ = corpus.generate(base / "corpus", args.cards)
        card_id = edited_card(content)
        proc = subprocess.Popen(
            [sys.executable, str(ROOT / "build.py"), "--content", str(content), "--cache-dir", str(base / "cache"),
             "preview", "--port", "0"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
        lines: list[str] = []
        ready = threading.Event()

        def read() -> None:
            assert proc.stdout is not None
            for line in proc.stdout:
                lines.append(line.rstrip("\n"))
                if "(Ctrl-C to stop)" in line:
                    ready.set()

        threading.Thread(target=read, daemon=True).start()
        try:
            figures = measure(proc, lines, ready, content, card_id, args.edits)
        finally:
            if proc.poll() is None:
                proc.send_signal(2)
            code = proc.wait(30)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    first_render, latencies, own, memory = figures

    load = subprocess.run(["cat", "/proc/loadavg"], capture_output=True, text=True).stdout.split()[:3]
    warm = next(mib for n, mib in memory if n == 20)
    report = "\n".join([
        f"# build.py preview on {args.cards:,} cards (bench/preview_latency.py)",
        "",
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; load average at the end {' '.join(load)}; "
        f"2 CPUs shared with other sessions (figures are noisy). Exit code on Ctrl-C: {code}.",
        "",
        f"- first render (start to the URL, empty cache): {first_render:.2f} s",
        *(f"- save -> page updated, {kind} edits ({len(values)} saves): median {statistics.median(values):.0f} ms, "
          f"p95 {percentile(values, 0.95):.0f} ms, min {min(values):.0f} ms, max {max(values):.0f} ms"
          for kind, values in (("all", latencies["answer"] + latencies["question"]), ("answer", latencies["answer"]),
                               ("question", latencies["question"]))),
        f"- of which the preview's own update (parse + check + render of the 1,250-card file, duplicate check, "
        f"snapshot), {len(own)} saves: median {statistics.median(own):.0f} ms, p95 {percentile(own, 0.95):.0f} ms",
        f"- resident memory (MiB) after N saves: " + ", ".join(f"{n}: {mib:.0f}" for n, mib in memory),
        f"- growth from save 20 (warm) to save {memory[-1][0]}: {memory[-1][1] - warm:+.1f} MiB",
        "",
    ])
    args.out.write_text(report, encoding="utf-8")
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
