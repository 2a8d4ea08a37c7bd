"""What a build reads and writes, its limits and how fast it may go: frozen values, passed in.

Light on purpose (the standard library and addon/core only): build.py makes its Settings before the
up-to-date check, which must not import the build.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from addon.core.language import DEFAULT_LIMITS, Limits
from addon.core.coverage import DEFAULT_COVERAGE, Coverage

STATE_FILE = "cards.lock.json"  # in the content folder: builder/state.py


@dataclass(frozen=True)
class MediaLimits:
    """How big one media file may be (a learner's phone downloads every file with the deck)."""

    max_file_bytes: int = 10 * 1024 * 1024


DEFAULT_MEDIA_LIMITS = MediaLimits()

Progress = Callable[[str, int, int], None]  # (what, done, total)


@dataclass(frozen=True)
class Settings:
    """Where the build reads and writes, and its limits: passed in, never global.

    The stages take what they need of it (limits, coverage, media limits); ``cache_dir`` and ``jobs``
    are for the speed layer only (builder/fast.py). ``cache_dir=None`` and ``jobs=1`` is the plain
    build: the stages alone (builder/pipeline.py).
    """

    content_dir: Path
    out_dir: Path
    addon_dir: Path
    manifest_path: Path
    limits: Limits = DEFAULT_LIMITS
    coverage: Coverage = DEFAULT_COVERAGE  # which values of its parameters each compute block is checked at
    media_limits: MediaLimits = DEFAULT_MEDIA_LIMITS  # how big an image, sound or video may be
    progress: Progress | None = None
    cache_dir: Path | None = None  # the build cache (builder/cache.py); None: no cache
    jobs: int = 1  # processes for checking and rendering the cards the cache does not hold

    @property
    def state_path(self) -> Path:
        return self.content_dir / STATE_FILE

    @property
    def plain(self) -> bool:
        """No cache and one process: the stages alone, with no speed layer around them."""
        return self.cache_dir is None and self.jobs <= 1

    def inputs(self) -> tuple:
        """The arguments of ``uptodate.inputs_digest`` and ``uptodate.check_up_to_date`` for this build.
        (The coverage is not among them: it changes whether a build passes, never what it writes.)"""
        return (self.content_dir, self.addon_dir, self.manifest_path, self.out_dir, repr(self.limits), self.state_path)
