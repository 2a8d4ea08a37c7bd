"""The add-on's glue to Anki: the only modules that import aqt (``hooks``); ``panel`` and ``bridge`` are pure."""

from __future__ import annotations

PREFIX = "cc:"  # every pycmd message of the panel starts with this; anything else is not ours


def initialize_addon(package: str) -> None:
    """Register the add-on's gui_hooks and web exports (called once, from the package's __init__ inside Anki).

    An Anki whose aqt lacks a module or name the glue imports gets no panel and one line in the
    log, not the "add-on failed to load" dialog (hooks.py handles missing hooks the same way).
    """
    try:
        from .hooks import ComputeCardsAddon
    except Exception:  # noqa: BLE001 - an older or newer aqt than the add-on knows
        import logging

        import aqt

        get_logger = getattr(getattr(aqt.mw, "addonManager", None), "get_logger", None)
        log = get_logger(package) if get_logger is not None else logging.getLogger(f"addon.{package}")
        log.exception("Compute Cards: this Anki lacks what the panel needs: the panel is off; cards use the note type's own panel (template.js), as on a phone")
        return
    ComputeCardsAddon(package).register()
