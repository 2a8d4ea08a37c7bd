"""Fixtures for the build tests: the real content, built once into a temporary folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.support.cli import ROOT, run_build


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Path:
    """A copy of content/ built with the CLI; returns the folder holding content/ and dist/."""
    where = tmp_path_factory.mktemp("built")
    shutil.copytree(ROOT / "content", where / "content")
    done = run_build("--content", str(where / "content"), "--out-dir", str(where / "dist"), "-q")
    assert done.returncode == 0, done.stderr
    return where
