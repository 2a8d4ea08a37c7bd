"""Correctly rounded exp and pow for the parity tests (decimal arithmetic at 60 digits).

CPython's math.exp and math.pow call the platform's libm; glibc's are within 0.52 ulp, so for a rare
argument (about one in a thousand here) their last bit is not the correctly rounded one. engine.js
computes exp and pow correctly rounded (double-double arithmetic). ``correctly_rounded_libm()``
swaps math.exp and math.pow for these while the Python core runs, which tells a libm rounding
difference from a real disagreement: the shared vectors are made this way (so they do not depend on
the machine's libm), and the differential tests explain a difference with it or fail.
"""

from __future__ import annotations

import contextlib
import math
from decimal import Decimal, localcontext
from typing import Iterator

_REAL_EXP, _REAL_POW = math.exp, math.pow


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
    """math.exp and math.pow correctly rounded inside the block (the core calls them through ``math``)."""
    math.exp, math.pow = cr_exp, cr_pow  # type: ignore[assignment]
    try:
        yield
    finally:
        math.exp, math.pow = _REAL_EXP, _REAL_POW  # type: ignore[assignment]
