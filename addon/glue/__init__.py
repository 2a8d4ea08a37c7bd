"""The add-on's glue to Anki: the only modules that import aqt (``hooks``); ``panel`` and ``bridge`` are pure."""

from __future__ import annotations

PREFIX = "cc:"  # every pycmd message of the panel starts with this; anything else is not ours


def initialize_addon(package: str) -> None:
    """Register the add-on's gui_hooks and web exports (called once, from the package's __init__ inside Anki)."""
    from .hooks import ComputeCardsAddon

    ComputeCardsAddon(package).register()
