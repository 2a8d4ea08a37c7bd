"""Route the panel's ``pycmd`` messages to the core. Every message is untrusted: any card's JavaScript can call pycmd.

A message is ``cc:`` + JSON ``{"op": ..., "token": ..., ...}`` of at most ``MAX_MESSAGE_CHARS``.
Anything without the prefix is not ours and is left alone; anything with it that does not have the
expected shape and types gets ``{"ok": false, "state": "error"}`` and does nothing else.
The card is never named by the message: the caller passes the card the reviewer is showing.
"""

from __future__ import annotations

import itertools
import json
import logging
import math
from dataclasses import dataclass, field
from typing import Any, Callable

from ..core.diagnostics import ComputeError
from ..core.notetype import COMPUTE_FIELD
from ..core.placeholders import format_keys
from . import PREFIX
from .panel import Settings, load_model, short_error, verdict

MAX_MESSAGE_CHARS = 16_384
MAX_TEXT_CHARS = 200
MAX_VALUES = 64
MAX_KEYS = 200
MAX_KEY_CHARS = 80
MAX_TOKEN_CHARS = 64


class BadMessage(ValueError):
    """A ``cc:`` message without the expected shape or types."""


@dataclass
class Shown:
    """What the learner has done with the card on screen: its token, values and typed answer."""

    card_id: int
    token: str
    values: dict[str, float]
    typed: str = ""


@dataclass
class Session:
    """Per-process state shared by the reviewer hooks and the bridge: the card being shown."""

    shown: Shown | None = None
    _tokens: itertools.count = field(default_factory=lambda: itertools.count(1))

    def show_question(self, card_id: int, values: dict[str, float]) -> Shown:
        self.shown = Shown(card_id, f"{card_id}-{next(self._tokens)}", dict(values))
        return self.shown

    def for_card(self, card_id: int) -> Shown | None:
        return self.shown if self.shown is not None and self.shown.card_id == card_id else None


def is_ours(message: Any) -> bool:
    return isinstance(message, str) and message.startswith(PREFIX)


def _reject_constant(name: str) -> Any:
    raise BadMessage(f"{name} is not a number")


def parse_message(message: str) -> dict[str, Any]:
    """The checked request in a ``cc:`` message; raises BadMessage."""
    if len(message) > MAX_MESSAGE_CHARS:
        raise BadMessage("message too large")
    try:
        data = json.loads(message[len(PREFIX):], parse_constant=_reject_constant)
    except (ValueError, RecursionError) as e:
        raise BadMessage("not JSON") from e
    if not isinstance(data, dict) or not set(data) <= {"op", "token", "values", "text", "keys", "focused"}:
        raise BadMessage("unexpected shape")
    op, token = data.get("op"), data.get("token")
    if op not in HANDLERS:
        raise BadMessage("unknown op")
    if not isinstance(token, str) or not 0 < len(token) <= MAX_TOKEN_CHARS:
        raise BadMessage("bad token")
    request: dict[str, Any] = {"op": op, "token": token, "values": {}, "text": "", "keys": []}
    values = data.get("values", {})
    if not isinstance(values, dict) or len(values) > MAX_VALUES:
        raise BadMessage("bad values")
    for name, raw in values.items():
        if len(name) > MAX_KEY_CHARS or isinstance(raw, bool) or not isinstance(raw, (int, float)):
            raise BadMessage("bad value")
        try:
            number = float(raw)
        except OverflowError as e:
            raise BadMessage("bad value") from e
        if not math.isfinite(number):
            raise BadMessage("bad value")
        request["values"][name] = number
    text = data.get("text", "")
    if not isinstance(text, str) or len(text) > MAX_TEXT_CHARS:
        raise BadMessage("bad text")
    request["text"] = text
    keys = data.get("keys", [])
    if not isinstance(keys, list) or len(keys) > MAX_KEYS or not all(isinstance(k, str) and len(k) <= MAX_KEY_CHARS for k in keys):
        raise BadMessage("bad keys")
    request["keys"] = keys
    focused = data.get("focused", False)
    if not isinstance(focused, bool):
        raise BadMessage("bad focused")
    request["focused"] = focused
    return request


# -- handlers: a few lines each, calling the core --------------------------------------------


def _remember(model, shown: Shown, env: dict[str, float]) -> None:
    """The values the learner is looking at, read off an evaluation (which checked them)."""
    shown.values = {p.name: env[p.name] for p in model.parameters}


def _evaluate(model, request, shown: Shown, settings: Settings) -> dict[str, Any]:
    env = model.evaluate(request["values"])  # validates every value; raises ComputeError
    _remember(model, shown, env)
    reply: dict[str, Any] = {"ok": True, "texts": format_keys(request["keys"], model, env)}
    if settings.show_expected_on_question:
        reply["expected"] = model.expected_text(env)
    return reply


def _check(model, request, shown: Shown, settings: Settings) -> dict[str, Any]:
    shown.typed = request["text"]
    env = model.evaluate(request["values"])  # validates every value; raises ComputeError
    judged = verdict(model, request["text"], env, settings)
    _remember(model, shown, env)
    return {"ok": True, "state": judged.state, "message": judged.message}


def _random(model, request, shown: Shown, settings: Settings) -> dict[str, Any]:
    return {"ok": True, "values": model.random_values()}


def _focus(model, request, shown: Shown, settings: Settings) -> dict[str, Any]:
    return {"ok": True, "focused": request["focused"]}  # the hooks hold Anki's shortcuts back meanwhile


HANDLERS: dict[str, Callable[..., dict[str, Any]]] = {"evaluate": _evaluate, "check": _check, "random": _random, "focus": _focus}


def error(state: str, message: str) -> dict[str, Any]:
    return {"ok": False, "state": state, "message": message}


def route(message: str, card: Any, session: Session, settings: Settings, log: logging.Logger) -> dict[str, Any]:
    """Answer one ``cc:`` message about ``card`` (the reviewer's current card, or None); never raises."""
    try:
        request = parse_message(message)
    except BadMessage as e:
        return error("error", f"ignored: {e}")
    try:
        shown = session.for_card(card.id) if card is not None else None
        if shown is None or shown.token != request["token"]:
            return error("stale", "not the card on screen")
        try:
            model = load_model(card.note()[COMPUTE_FIELD])
        except ComputeError as e:
            return error("error", short_error(e))
        return HANDLERS[request["op"]](model, request, shown, settings)
    except ComputeError as e:
        return error("values", short_error(e))
    except Exception as e:  # noqa: BLE001 - logged, returned as an error state, never raised into Anki
        log.exception("Compute Cards: %s failed", request["op"])
        return error("error", short_error(e))
