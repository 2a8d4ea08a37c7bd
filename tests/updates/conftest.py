"""Fixtures for the update tests: an author with a copy of content/, a learner's fresh collection."""

from __future__ import annotations

import pytest
from anki.collection import Collection

from tests.support.content_copy import Author


@pytest.fixture
def author(tmp_path) -> Author:
    """An author working on a copy of content/ (edits never touch the real deck)."""
    return Author.copy(tmp_path / "author")


@pytest.fixture
def learner(tmp_path):
    """A learner's collection: a fresh one, as after installing Anki."""
    folder = tmp_path / "learner"
    folder.mkdir()
    col = Collection(str(folder / "collection.anki2"))
    yield col
    col.close()
