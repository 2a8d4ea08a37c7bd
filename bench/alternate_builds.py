#!/usr/bin/env python3
"""Cold builds of the bench corpus by two checkouts of the project, alternating, with medians.

    python bench/alternate_builds.py OLD_TREE NEW_TREE CORPUS_DIR [RUNS]

OLD_TREE / NEW_TREE: project folders (e.g. ``git archive <commit> | tar -x -C /tmp/old``); CORPUS_DIR:
``bench/corpus.py OUT`` then ``OUT/ours``. Each run builds a fresh copy of the corpus into an empty
output folder with an empty cache (cold), old first on even runs and new first on odd ones. Prints
wall and CPU seconds (user + sys of the process tree) per run and their medians.
"""

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

PY = sys.executable
TREES = {"old": sys.argv[1], "new": sys.argv[2]}
CORPUS = sys.argv[3]
runs = int(sys.argv[4]) if len(sys.argv) > 4 else 9
res = {"old": [], "new": []}
cpu = {"old": [], "new": []}
for r in range(runs):
    order = ("old", "new") if r % 2 == 0 else ("new", "old")
    for who in order:
        base = tempfile.mkdtemp(prefix=f"alt-{who}-", dir=tempfile.gettempdir())
        content = os.path.join(base, "content"); shutil.copytree(CORPUS, content)
        out = os.path.join(base, "out"); os.mkdir(out)
        cmd = [PY, os.path.join(TREES[who], "build.py"), "--content", content, "--out-dir", out, "-q", "--cache-dir", os.path.join(base, "cache")]
        t = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=TREES[who])
        err = p.stderr.read(); _, status, usage = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t
        assert os.waitstatus_to_exitcode(status) == 0, err[-2000:]
        res[who].append(wall); cpu[who].append(usage.ru_utime + usage.ru_stime)
        shutil.rmtree(base, ignore_errors=True)
    print(f"run {r+1}: old {res['old'][-1]:.2f} s, new {res['new'][-1]:.2f} s", flush=True)
for who in ("old", "new"):
    print(who, "wall median %.3f min %.3f max %.3f | cpu median %.3f" % (statistics.median(res[who]), min(res[who]), max(res[who]), statistics.median(cpu[who])))
print("ratio of medians (wall) %.3f, (cpu) %.3f" % (statistics.median(res["new"]) / statistics.median(res["old"]), statistics.median(cpu["new"]) / statistics.median(cpu["old"])))
