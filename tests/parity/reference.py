"""The parity operations on the Python side: the same names, inputs and JSON outputs as ops.js.

Each op takes a request dict and returns plain JSON data, computed by the Python core (the reference).
generate_vectors.py records these outputs as the shared vectors; the differential tests compare them
with engine.js's, through node (node_engine.py).
"""

from __future__ import annotations

import math
from typing import Any

from addon.core import answer_side
from addon.core.answers import Tolerance, Verdict, check_answer
from addon.core.compute import ComputeModel, parse_compute
from addon.core.diagnostics import ComputeError
from addon.core.language import DEFAULT_LIMITS, parse_expression
from addon.core.notetype import compute_source
from addon.core.placeholders import format_keys, format_placeholder, parse_placeholder, placeholder_problem
from addon.core.units import _EXACT, format_number, format_quantity, parse_unit


STRINGS_REFUSED = "strings are not part of the language"


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def limits() -> dict[str, int]:
    return {camel(k): v for k, v in DEFAULT_LIMITS.__dict__.items()}


def spellings() -> list[str]:
    return sorted(_EXACT)


def number(value: Any) -> float:
    """A float from JSON: non-finite values travel as their repr ('inf', '-inf', 'nan')."""
    return float(value)


def error(e: ComputeError) -> dict[str, Any]:
    return {"error": {"message": e.message, "offset": e.offset, "length": e.length, "syntax": e.syntax}}


def verdict(v: Verdict) -> dict[str, Any]:
    return {"state": v.state, "message": v.message, "value": v.value}


class Draws:
    """An rng that returns the given numbers in turn (random_value only calls random())."""

    def __init__(self, draws: list[float]) -> None:
        self.draws, self.i = draws, 0

    def random(self) -> float:
        value = self.draws[self.i % len(self.draws)]
        self.i += 1
        return value


def _evaluation(model: ComputeModel, values: dict[str, float] | None, typed: list[str]) -> dict[str, Any]:
    try:
        env = model.evaluate(values)
    except ComputeError as e:
        return error(e)
    return {
        "env": env,
        "expected": model.expected_text(env),
        "exact": model.exact_text(env),
        "worked": model.worked(env),
        "worked_tex": model.worked(env, latex=True),
        "worked_latex": answer_side.worked_latex(model, env),
        "used": [list(u) for u in answer_side.used_values(model, env)],
        "checks": [verdict(model.check(t, values)) for t in typed],
        "answer_side": verdict(answer_side.answer_verdict(model, typed[0] if typed else "", env)),
    }


def op_expr(req: dict[str, Any]) -> Any:
    try:
        parsed = parse_expression(req["source"])
    except ComputeError as e:
        return error(e)
    try:
        return {"value": parsed.evaluate(req.get("env") or {})}
    except ComputeError as e:
        return error(e)


def op_block(req: dict[str, Any]) -> Any:
    try:
        model = parse_compute(req["source"])
    except ComputeError as e:
        return error(e)
    typed = req.get("typed") or []
    out: dict[str, Any] = {"model": model.to_json(), "names": sorted(model.names), "at_defaults": _evaluation(model, None, typed)}
    if "env" in out["at_defaults"]:
        try:
            out["expect_problem"] = model.expect_problem(out["at_defaults"]["env"])
        except ComputeError as e:
            out["expect_problem"] = error(e)
    if req.get("draws"):
        values = model.random_values(rng=Draws(req["draws"]))
        out["random"] = {"values": values, "evaluation": _evaluation(model, values, typed)}
    return out


def op_answer(req: dict[str, Any]) -> Any:
    t = req.get("tolerance") or {}
    tolerance = Tolerance(relative=t.get("relative") if t.get("relative") is not None else 0.01, absolute=t.get("absolute"))
    unit, display = parse_unit(req["unit"]), parse_unit(req["display"])
    return verdict(check_answer(req["text"], number(req["expected"]), unit, tolerance, display))


def op_unit(req: dict[str, Any]) -> Any:
    u = parse_unit(req["text"])
    return None if u is None else {"symbol": u.symbol, "factor": u.factor, "dimension": list(u.dimension), "note": u.note}


def op_number(req: dict[str, Any]) -> Any:
    return format_number(number(req["value"]), req.get("digits"), req.get("trim"))


def op_quantity(req: dict[str, Any]) -> Any:
    return format_quantity(number(req["value"]), parse_unit(req["unit"]), req.get("digits"), req.get("trim"))


def op_placeholder(req: dict[str, Any]) -> Any:
    try:
        p = parse_placeholder(req["inner"])
    except ComputeError as e:
        return error(e)
    out: dict[str, Any] = {"placeholder": {"name": p.name, "unit": p.unit, "digits": p.digits, "key": p.key}}
    if "block" in req:
        model = None if req["block"] is None else parse_compute(req["block"])
        out["problem"] = placeholder_problem(p, model)
        out["text"] = format_placeholder(p, model, model.evaluate()) if out["problem"] is None else None
    return out


def op_keys(req: dict[str, Any]) -> Any:
    model = parse_compute(req["block"])
    return format_keys(req["keys"], model, model.evaluate(req.get("values")))


def op_source(req: dict[str, Any]) -> Any:
    return compute_source(req["html"])


OPS = {
    "expr": op_expr, "block": op_block, "answer": op_answer, "unit": op_unit, "number": op_number,
    "quantity": op_quantity, "placeholder": op_placeholder, "keys": op_keys, "source": op_source,
}


def run(op: str, req: dict[str, Any]) -> Any:
    return OPS[op](req)


def same(py: Any, js: Any) -> bool:
    """ops.js's same(): equal JSON, numbers as numbers, a Python syntax refusal matched by any JS syntax refusal."""
    if isinstance(py, bool) or py is None or isinstance(py, str):
        return type(js) is type(py) and js == py
    if isinstance(py, (int, float)):
        if isinstance(js, bool) or not isinstance(js, (int, float)):
            return False
        return py == js or (math.isnan(py) and math.isnan(js))
    if isinstance(py, list):
        return isinstance(js, list) and len(py) == len(js) and all(same(a, b) for a, b in zip(py, js))
    if isinstance(py, dict):
        if not isinstance(js, dict):
            return False
        if py.get("syntax") is True and "message" in py and "offset" in py:
            if py["message"].startswith(("(unicode error)", "(value error)")):  # CPython's string decoder
                return js.get("syntax") is True or js.get("message") == STRINGS_REFUSED
            return js.get("syntax") is True
        return py.keys() == js.keys() and all(same(py[k], js[k]) for k in py)
    return False
