"""The command line an author uses: build, check, answer, import-tsv."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.support.cli import ROOT, run_build

SEED = ROOT / "tests" / "build" / "data" / "ch19-seed.tsv"


@pytest.mark.parametrize("text, verdict", [
    ("1 GiB", "correct"), ("1073741824", "correct"), ("1.07 GB", "correct"),
    ("536 MB", "incorrect"), ("1 GHz", "unit"), ("", "incomplete"),
])
def test_answer_judges_one_answer_as_json(built, text, verdict):
    done = run_build("--content", str(built / "content"), "answer", "kv-cache-llama-8b", text, "--set", "seq_len=8192")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["verdict"] == verdict
    assert result["correct"] is (verdict == "correct")
    assert result["expected"] == 1_073_741_824 and result["unit"] == "B"
    assert result["message"]


def test_answer_refuses_values_outside_the_range(built):
    done = run_build("--content", str(built / "content"), "answer", "kv-cache-llama-8b", "1 GiB", "--set", "seq_len=5")
    assert done.returncode == 2 and "between 128 and 1,048,576" in done.stderr


def test_usage_errors_exit_2(built):
    assert run_build("--content", str(built / "content"), "answer").returncode == 2
    assert run_build("--content", str(built / "content"), "answer", "no-such-card", "1").returncode == 2


def test_check_writes_nothing(tmp_path):
    shutil.copytree(ROOT / "content", tmp_path / "content")
    (tmp_path / "content" / "cards.lock.json").unlink()
    done = run_build("--content", str(tmp_path / "content"), "--out-dir", str(tmp_path / "dist"), "check")
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / "dist").exists()
    assert not (tmp_path / "content" / "cards.lock.json").exists()


def test_import_tsv_turns_the_seed_into_a_deck_that_builds(tmp_path):
    content = tmp_path / "content"
    content.mkdir()
    out = content / "seed.md"
    done = run_build("import-tsv", str(SEED), "--deck", "Seed::Ch 19", "--out", str(out))
    assert done.returncode == 0, done.stderr
    text = out.read_text()
    assert text.startswith("---\ndeck: Seed::Ch 19\n---")
    assert text.count("\n## ") == 10
    assert "## state-the-kv-cache-memory-formula\n" in text
    built = run_build("--content", str(content), "--out-dir", str(tmp_path / "dist"), "-q")
    assert built.returncode == 0, built.stderr
    assert (tmp_path / "dist" / "seed.apkg").exists()
    # Refuses to overwrite.
    again = run_build("import-tsv", str(SEED), "--deck", "Seed", "--out", str(out))
    assert again.returncode == 2 and "exists" in again.stderr


def test_ctrl_c_stops_a_build_cleanly(tmp_path):
    """Ctrl-C in the middle of a cold build (render workers and the .apkg writer running): one line
    'interrupted', exit 130, no traceback from any process, dist/ as it was, nothing left behind."""
    import os
    import signal
    import subprocess
    import sys
    import tempfile
    import time

    sys.path.insert(0, str(ROOT / "bench"))
    import corpus

    corpus.generate(tmp_path / "corpus", 6_000)
    content, dist = tmp_path / "corpus" / "ours", tmp_path / "dist"
    dist.mkdir()
    (dist / "kept.txt").write_text("from the last build")
    shm = [Path("/dev/shm"), Path(tempfile.gettempdir())]

    def writer_folders() -> set[Path]:
        return {p for folder in shm if folder.is_dir() for p in folder.glob("compute-cards-writer-*")}

    before = writer_folders()
    build = subprocess.Popen([sys.executable, str(ROOT / "build.py"), "--content", str(content), "--out-dir", str(dist),
                              "--no-cache", "--jobs", "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             start_new_session=True,
                             # as in a terminal: a test run started in the background (`cmd &` in a script)
                             # inherits SIGINT ignored, and so would the build, which then never stops
                             preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 60
    while not (writer_folders() - before) and build.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)  # the writer has started: the build is under way
    ours = writer_folders() - before  # /dev/shm is shared: other builds on the machine come and go meanwhile
    time.sleep(0.3)  # parsing, or already rendering
    assert build.poll() is None, "the build finished before it could be interrupted"
    os.killpg(build.pid, signal.SIGINT)  # what Ctrl-C in a terminal does: the whole process group
    _, err = build.communicate(timeout=60)
    assert build.returncode == 130, err
    assert err.strip() == "interrupted"
    assert [p.name for p in dist.iterdir()] == ["kept.txt"]
    assert not list(tmp_path.glob(".dist.*"))  # no staging folder
    deadline = time.monotonic() + 30  # the writer process may finish its clean-up just after the build exits
    while [p for p in ours if p.exists()] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert ours and not [p for p in ours if p.exists()]  # the interrupted writer removed its folder
