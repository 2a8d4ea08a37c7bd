"""The command line an author uses: build, check, answer, import-tsv."""

from __future__ import annotations

import json
import shutil

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
