"""Hypothesis profiles for the hostile-input tests; pick one with HYPOTHESIS_PROFILE (default "ci").

- ci:    300 examples per property, the same examples on every run (derandomized), no deadline: a
         modest, repeatable run for every `make test`. Speed is measured in bench/, not asserted here.
- dev:   3,000 random examples per property, 200 ms deadline, for a longer look while changing the core.
- bench: used by bench/fuzz_language.py (100,000+ examples, no deadline: it records times itself).
"""

from __future__ import annotations

import os
from datetime import timedelta

from hypothesis import HealthCheck, settings

_COMMON = dict(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large], print_blob=True)
settings.register_profile("ci", max_examples=300, deadline=None, derandomize=True, database=None, **_COMMON)
settings.register_profile("dev", max_examples=3_000, deadline=timedelta(milliseconds=200), **_COMMON)
settings.register_profile("bench", max_examples=100_000, deadline=None, database=None, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
