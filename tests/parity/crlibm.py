"""Correctly rounded exp, pow, log, log2 and log10 for the parity tests (decimal arithmetic at 60 digits).

CPython's math functions call the platform's libm; glibc's are within about 0.52 ulp, so for a rare
argument (about one in a thousand here) their last bit is not the correctly rounded one. engine.js
computes them correctly rounded (double-double arithmetic). ``correctly_rounded_libm()``
swaps the math functions for these while the Python core runs, which tells a libm rounding
difference from a real disagreement: the shared vectors are made this way (so they do not depend on
the machine's libm), and the differential tests explain a difference with it or fail.
"""

from __future__ import annotations

import contextlib
import math
from decimal import Decimal, localcontext
from typing import Iterator

_REAL_EXP, _REAL_POW, _REAL_LOG, _REAL_LOG2, _REAL_LOG10 = math.exp, math.pow, math.log, math.log2, math.log10


def _decimal_log(x: float, base: str | None) -> float:
    if not math.isfinite(x) or x <= 0:
        return {None: _REAL_LOG, "2": _REAL_LOG2, "10": _REAL_LOG10}[base](x)
    with localcontext() as ctx:
        ctx.prec = 60
        d = Decimal(x)
        value = d.ln() if base is None else d.log10() if base == "10" else d.ln() / Decimal(2).ln()
        return float(value)


def cr_log(x: float, base: float | None = None) -> float:
    if base is not None:
        return _decimal_log(x, None) / _decimal_log(base, None)
    return _decimal_log(x, None)


def cr_log2(x: float) -> float:
    return _decimal_log(x, "2")


def cr_log10(x: float) -> float:
    return _decimal_log(x, "10")


def cr_exp(x: float) -> float:
    if math.isnan(x) or math.isinf(x):
        return _REAL_EXP(x)
    with localcontext() as ctx:
        ctx.prec = 60
        ctx.Emax, ctx.Emin = 10**6, -(10**6)
        result = float(Decimal(x).exp())
    if math.isinf(result):
        raise OverflowError("math range error")
    return result


def cr_pow(x: float, y: float) -> float:
    if not (math.isfinite(x) and math.isfinite(y)) or x == 0 or y == 0 or x == 1:
        return _REAL_POW(x, y)
    if x < 0 and y != int(y):
        raise ValueError("math domain error")
    with localcontext() as ctx:
        ctx.prec = 60
        ctx.Emax, ctx.Emin = 10**9, -(10**9)
        magnitude = Decimal(abs(x)) ** Decimal(y)
        result = float(magnitude)
    if x < 0 and int(y) % 2 == 1:
        result = -result
    if math.isinf(result):
        raise OverflowError("math range error")
    return result


@contextlib.contextmanager
def correctly_rounded_libm() -> Iterator[None]:
    """math.exp, pow, log, log2 and log10 correctly rounded inside the block (the core calls them through ``math``)."""
    from addon.core import language

    table = language.FUNCTIONS  # holds exp, log2 and log10 themselves (taken when the module loaded)
    saved = {name: table[name] for name in ("exp", "log2", "log10")}
    math.exp, math.pow, math.log, math.log2, math.log10 = cr_exp, cr_pow, cr_log, cr_log2, cr_log10  # type: ignore[assignment]
    table.update(  # type: ignore[attr-defined]
        exp=(1, 1, cr_exp), log2=(1, 1, language._positive(cr_log2, "log2")), log10=(1, 1, language._positive(cr_log10, "log10"))
    )
    try:
        yield
    finally:
        math.exp, math.pow, math.log, math.log2, math.log10 = _REAL_EXP, _REAL_POW, _REAL_LOG, _REAL_LOG2, _REAL_LOG10  # type: ignore[assignment]
        table.update(saved)  # type: ignore[attr-defined]
