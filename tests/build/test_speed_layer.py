"""The speed layer (builder/fast.py: the cache, the worker processes, the .apkg writer, the up-to-date
record) changes how fast a build is, never what it builds.

``build.py --no-cache --jobs 1`` runs the stages alone (builder/pipeline.py); ``build.py`` with its
defaults runs them through the speed layer (a cache, one job per core, the writer process). For the
real content and for a generated corpus big enough that the cards are checked and rendered over
worker processes, both must give what a learner gets: the same notes, note type, decks and media
once the .apkg files are imported, the same .tsv, media folder and .ankiaddon bytes, and the same
state file. Then a rebuild through the warm cache (every deck file reused, every .apkg restored)
must give the same again.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from tests.support.learner import imported

REPO = Path(__file__).resolve().parents[2]
NOW = "1800000000"
SPEED_MODULES = ("builder.fast", "builder.cache", "builder.parallel", "builder.apkg_writer", "builder.uptodate")


def build(content: Path, out: Path, *flags: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "SOURCE_DATE_EPOCH": NOW}
    env.pop("CI", None)
    done = subprocess.run([sys.executable, str(REPO / "build.py"), "--content", str(content), "--out-dir", str(out),
                           "-q", *flags], capture_output=True, text=True, env=env, cwd=content.parent)
    assert done.returncode == 0, done.stderr
    return done


def files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def assert_same_outputs(plain: Path, fast: Path, tmp: Path) -> None:
    plain_files, fast_files = files(plain), files(fast)
    assert sorted(fast_files) == sorted(plain_files)
    apkgs = [name for name in plain_files if name.endswith(".apkg")]
    assert apkgs
    for name in plain_files:
        if name.endswith(".apkg"):
            assert imported(fast / name, tmp) == imported(plain / name, tmp), name
        else:  # .tsv, the media folders, .ankiaddon: byte for byte
            assert fast_files[name] == plain_files[name], name


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """1,200 generated cards in 3 deck files (enough for the worker processes: parallel.PARALLEL_MIN_ITEMS)."""
    sys.path.insert(0, str(REPO / "bench"))
    import corpus as generator

    where = tmp_path_factory.mktemp("corpus")
    generator.generate(where, 1_200, decks=3, seed=11)
    return where / "ours"


@pytest.mark.parametrize("which", ["content", "corpus"])
def test_the_stages_alone_build_what_the_speed_layer_builds(which, corpus, tmp_path):
    source = REPO / "content" if which == "content" else corpus
    for name in ("plain", "fast"):
        shutil.copytree(source, tmp_path / name / "content")
        (tmp_path / name / "content" / "cards.lock.json").unlink(missing_ok=True)  # both start as a first build
    plain, fast = tmp_path / "plain", tmp_path / "fast"
    build(plain / "content", plain / "dist", "--no-cache", "--jobs", "1")
    build(fast / "content", fast / "dist", "--cache-dir", str(fast / "cache"), "--jobs", "2")
    assert (fast / "cache").is_dir() and not (plain / "cache").exists()
    assert_same_outputs(plain / "dist", fast / "dist", tmp_path)
    assert (fast / "content" / "cards.lock.json").read_bytes() == (plain / "content" / "cards.lock.json").read_bytes()
    # Through the warm cache: every deck file's record reused, every .apkg restored from the cache.
    shutil.rmtree(fast / "dist")
    build(fast / "content", fast / "dist", "--cache-dir", str(fast / "cache"), "--jobs", "2")
    assert_same_outputs(plain / "dist", fast / "dist", tmp_path)


def test_no_cache_and_one_job_import_no_part_of_the_speed_layer(tmp_path):
    """The plain build is the stages alone: none of the speed layer's modules is even imported."""
    shutil.copytree(REPO / "content", tmp_path / "content")
    script = (f"import sys; sys.argv = ['build.py', '--content', {str(tmp_path / 'content')!r}, '--out-dir', "
              f"{str(tmp_path / 'dist')!r}, '-q', '--no-cache', '--jobs', '1']; sys.path.insert(0, {str(REPO)!r}); "
              "import build; code = build.main(); "
              "print(' '.join(sorted(m for m in sys.modules if m.startswith('builder.')))); sys.exit(code)")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path,
                          env={**os.environ, "SOURCE_DATE_EPOCH": NOW})
    assert done.returncode == 0, done.stderr
    loaded = set(done.stdout.split())
    assert {"builder.pipeline", "builder.check", "builder.render", "builder.package"} <= loaded
    assert not loaded & set(SPEED_MODULES), loaded & set(SPEED_MODULES)
    assert (tmp_path / "dist" / "ch19-kv-cache.apkg").is_file()
