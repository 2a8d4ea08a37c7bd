"""How much of a compute block's parameter space the build checks: a frozen setting, passed in.

Its own module, standard library only, so the build's settings (builder/settings.py) can name it
without importing the checker (addon/core/space.py).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Coverage:
    """How much of a block's parameter space the build checks (``space_problem``)."""

    samples: int = 16  # seeded random points, after the defaults, presets, choices and corners
    seed: int = 19  # the same block always gets the same points
    max_corners: int = 256  # all 2^n corners up to this many (n <= 8); beyond, a pairwise covering set
    max_tries: int = 4  # random draws per sample that may miss the ``require`` lines


DEFAULT_COVERAGE = Coverage()
