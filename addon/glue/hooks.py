"""Anki's gui_hooks for Compute Cards: the panel on Compute Card notes, the static JS/CSS, the pycmd bridge.

Hooks only (no monkey-patching). Config is read with ``getConfig`` each time a card is shown.
The panel appears in the reviewer; in Browse > Preview and the card layout screen it is absent and
the card reads as the build wrote it (placeholders at their default values). In all three, host.js
keeps the note type's own template panel (template.js) off: with the add-on there is one panel.

An Anki that lacks a hook or an API the add-on uses gets the add-on without that feature and one
line in the add-on's log saying so, never an error dialog: without everything the panel needs
(``PANEL_NEEDS``) the add-on adds nothing and cards run the note type's own panel, as on a phone.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import aqt
from aqt import gui_hooks
from aqt.reviewer import Reviewer
from aqt.webview import WebContent

from ..core.diagnostics import ComputeError
from ..core.notetype import COMPUTE_FIELD, NOTETYPE_ID, NOTETYPE_NAME
from . import PREFIX

if TYPE_CHECKING:
    from . import bridge as bridge_module
    from .panel import Settings

# The compute language, units and panel code load on the first Compute Card, not at Anki's start:
# registering the hooks is all the add-on does while Anki starts.

WEB_CSS, WEB_JS = "panel.css", "panel.js"
WEB_HOST_JS = "host.js"  # keeps the note type's own template panel off in the add-on's pages: one panel
REVIEW_KINDS = ("reviewQuestion", "reviewAnswer")
# What the panel cannot work without: its JS/CSS served and added to the reviewer page, its HTML
# added to the card, and the pycmd bridge. One missing: no panel at all (a half panel would not answer).
PANEL_NEEDS = ("webview_will_set_content", "card_will_show", "webview_did_receive_js_message")
# Nice to have: state_did_change gives the review shortcuts back when the reviewer is left while a
# panel control has the focus (card_will_show gives them back on every new card anyway).
SHORTCUTS_HOOK = "state_did_change"


def anki_version() -> str:
    try:
        from anki.buildinfo import version

        return version
    except Exception:  # noqa: BLE001
        return "?"


def addon_logger(package: str) -> logging.Logger:
    """The add-on's own log (logs/addons/<package>/ in Anki's data folder); Ankis without AddonManager.get_logger (23.10 and older) get Python's logging."""
    get_logger = getattr(aqt.mw.addonManager, "get_logger", None)
    if get_logger is not None:
        return get_logger(package)
    return logging.getLogger(f"addon.{package}")


def is_compute_card(card: Any) -> bool:
    """A card of the "Compute Card" note type (matched by its fixed id, or by name)."""
    notetype = card.note_type()
    return bool(notetype) and (notetype.get("id") == NOTETYPE_ID or notetype.get("name") == NOTETYPE_NAME)


class ComputeCardsAddon:
    """The add-on inside Anki: its package name, its logger and the card on screen."""

    def __init__(self, package: str) -> None:
        self.package = package
        self.log = addon_logger(package)
        self._session: "bridge_module.Session | None" = None

    @property
    def session(self) -> "bridge_module.Session":
        if self._session is None:
            from .bridge import Session

            self._session = Session()
        return self._session

    def register(self) -> bool:
        """Register the panel's hooks; returns False (panel off, one log line) when this Anki lacks one of PANEL_NEEDS."""
        missing = [f"gui_hooks.{name}" for name in PANEL_NEEDS if getattr(gui_hooks, name, None) is None]
        if not callable(getattr(aqt.mw.addonManager, "setWebExports", None)):
            missing.append("AddonManager.setWebExports")
        if missing:
            self.log.warning(
                "Compute Cards: this Anki (%s) has no %s: the panel is off; cards use the note type's own panel (template.js), as on a phone",
                anki_version(), ", ".join(missing),
            )
            return False
        aqt.mw.addonManager.setWebExports(self.package, r"web/.*\.(js|css)")
        gui_hooks.webview_will_set_content.append(self.on_webview_will_set_content)
        gui_hooks.card_will_show.append(self.on_card_will_show)
        gui_hooks.webview_did_receive_js_message.append(self.on_js_message)
        state_hook = getattr(gui_hooks, SHORTCUTS_HOOK, None)
        if state_hook is None:
            self.log.warning(
                "Compute Cards: this Anki (%s) has no gui_hooks.%s: review shortcuts come back on the next card, not on leaving the reviewer",
                anki_version(), SHORTCUTS_HOOK,
            )
        else:
            state_hook.append(self.on_state_did_change)
        return True

    def settings(self) -> "Settings":
        from .panel import Settings

        try:
            return Settings.from_config(aqt.mw.addonManager.getConfig(self.package))
        except Exception:  # noqa: BLE001
            self.log.exception("Compute Cards: could not read the config; using the defaults")
            return Settings()

    # -- hooks --------------------------------------------------------------------------

    def on_webview_will_set_content(self, web_content: WebContent, context: Any) -> None:
        from aqt.browser.previewer import Previewer
        from aqt.clayout import CardLayout

        base = f"/_addons/{self.package}/web/"
        if isinstance(context, (Reviewer, Previewer, CardLayout)):
            web_content.js.append(base + WEB_HOST_JS)
        if isinstance(context, Reviewer):
            web_content.css.append(base + WEB_CSS)
            web_content.js.append(base + WEB_JS)

    def on_card_will_show(self, text: str, card: Any, kind: str) -> str:
        if kind not in REVIEW_KINDS:
            return text
        self.hold_shortcuts(False)  # a new side: the panel's controls no longer have the focus
        try:
            if not is_compute_card(card):
                return text
        except Exception:  # noqa: BLE001
            self.log.exception("Compute Cards: could not read the card's note type")
            return text
        from .panel import error_panel, short_error

        try:
            return self._with_panel(text, card, kind)
        except ComputeError as e:  # an empty, malformed or hostile compute block
            self.log.warning("Compute Cards: card %s: %s", getattr(card, "id", "?"), short_error(e))
            return text + error_panel(short_error(e))
        except Exception as e:  # noqa: BLE001 - a bug here must never break a review
            self.log.exception("Compute Cards: card %s: could not show the panel", getattr(card, "id", "?"))
            return text + error_panel(short_error(e))

    def _with_panel(self, text: str, card: Any, kind: str) -> str:
        from .panel import answer_panel, initial_values, load_model, question_panel, rewrite_values

        model = load_model(card.note()[COMPUTE_FIELD])
        settings = self.settings()
        if kind == "reviewQuestion":
            shown = self.session.show_question(card.id, initial_values(model, settings))
            return rewrite_values(text, model, shown.values) + question_panel(model, shown.token, shown.values, settings)
        shown = self.session.for_card(card.id)
        values = shown.values if shown else model.defaults()
        typed = shown.typed if shown else ""
        return rewrite_values(text, model, values) + answer_panel(model, values, typed, settings)

    def on_js_message(self, handled: tuple[bool, Any], message: str, context: Any) -> tuple[bool, Any]:
        if handled[0] or not (isinstance(message, str) and message.startswith(PREFIX)):
            return handled
        from . import bridge

        if not isinstance(context, Reviewer) or context is not aqt.mw.reviewer:
            return True, bridge.error("error", "the panel only works in the reviewer")
        reply = bridge.route(message, aqt.mw.reviewer.card, self.session, self.settings(), self.log)
        if reply.get("ok") and "focused" in reply:
            self.hold_shortcuts(reply["focused"])
        return True, reply

    def on_state_did_change(self, new_state: str, old_state: str) -> None:
        self.hold_shortcuts(False)

    def hold_shortcuts(self, hold: bool) -> None:
        """Hold the reviewer's key shortcuts (space, 1-4, ...) back while a panel control has the focus.

        A focused text field keeps keys from Anki by itself; a select or a button does not. Anki
        makes these shortcuts anew on every state change, so holding them back never outlasts a review.
        """
        for shortcut in getattr(aqt.mw, "stateShortcuts", None) or []:
            shortcut.setEnabled(not hold)
