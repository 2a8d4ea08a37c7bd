"""Compute Cards: change a formula card's parameters and check typed answers live in Anki's reviewer.

Importing this package outside Anki (the build imports ``addon.core`` through it) does nothing.
Inside Anki it registers ``gui_hooks`` and the add-on's web exports; see ``glue.initialize_addon``.
"""

from __future__ import annotations

import sys


def _inside_anki() -> bool:
    """True when imported by a running Anki (aqt already imported and its main window created)."""
    aqt = sys.modules.get("aqt")
    return aqt is not None and getattr(aqt, "mw", None) is not None


if _inside_anki():
    from .glue import initialize_addon

    initialize_addon(__name__)
