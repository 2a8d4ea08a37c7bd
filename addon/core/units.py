"""Units: what a written unit means (its kind of quantity and its size in the base unit), and number formatting.

A unit's *dimension* is a tuple of exponents over ``BASES``: bytes, seconds, tokens, FLOPs, blocks.
``GB/s`` is (1, -1, 0, 0, 0); ``%`` and ``x`` are dimensionless.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

BASES = ("B", "s", "token", "FLOP", "block")
Dimension = tuple[int, int, int, int, int]
NONE: Dimension = (0, 0, 0, 0, 0)
DATA: Dimension = (1, 0, 0, 0, 0)
TIME: Dimension = (0, 1, 0, 0, 0)
FREQUENCY: Dimension = (0, -1, 0, 0, 0)

# What a kind of quantity is called in a message ("you typed a time; the answer is a data size").
KIND_NAMES: dict[Dimension, str] = {
    NONE: "a plain number",
    DATA: "a data size",
    TIME: "a time",
    FREQUENCY: "a frequency",
    (1, -1, 0, 0, 0): "a bandwidth",
    (0, 0, 1, 0, 0): "a number of tokens",
    (0, -1, 1, 0, 0): "a token rate",
    (0, 0, 0, 1, 0): "an amount of compute (FLOPs)",
    (0, -1, 0, 1, 0): "a compute rate (FLOP/s)",
    (0, 0, 0, 0, 1): "a number of blocks",
    (1, 0, -1, 0, 0): "a data size per token",
}


def kind_name(dim: Dimension) -> str:
    return KIND_NAMES.get(dim, "a quantity in " + " ".join(f"{b}^{e}" for b, e in zip(BASES, dim) if e))


@dataclass(frozen=True)
class Unit:
    """A written unit: its canonical symbol, its size in base units, its dimension, and a note to show."""

    symbol: str
    factor: float
    dimension: Dimension
    note: str = ""


def _dim(**exponents: int) -> Dimension:
    return tuple(exponents.get(b, 0) for b in BASES)  # type: ignore[return-value]


_SI = {"k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15}
_IEC = {"Ki": 2.0**10, "Mi": 2.0**20, "Gi": 2.0**30, "Ti": 2.0**40, "Pi": 2.0**50}
_PREFIX_WORDS = {"k": "kilo", "M": "mega", "G": "giga", "T": "tera", "P": "peta",
                 "Ki": "kibi", "Mi": "mebi", "Gi": "gibi", "Ti": "tebi", "Pi": "pebi"}


def _build_table() -> tuple[dict[str, Unit], dict[str, Unit]]:
    exact: dict[str, Unit] = {}
    folded: dict[str, Unit] = {}  # lower-cased spelling -> unit, for "mb", "GIB", "Ms" ...

    def add(spellings: list[str], unit: Unit, fold: bool = True) -> None:
        for s in spellings:
            exact.setdefault(s, unit)
            if fold:
                folded.setdefault(s.lower(), unit)

    data, time = DATA, TIME
    add(["B", "byte", "bytes"], Unit("B", 1.0, data))
    for p, f in {**_SI, **_IEC}.items():
        sym = f"{p}B"
        spellings = [sym, f"{_PREFIX_WORDS[p]}byte", f"{_PREFIX_WORDS[p]}bytes"]
        if p == "k":
            spellings.append("KB")  # common spelling of kilobyte
        add(spellings, Unit(sym, f, data))
    # Bits: exact spellings only, so that a lower-case "mb" stays a megabyte.
    add(["b"], Unit("bit", 0.125, data, "'b' is bits (1 B = 8 b); bytes are 'B'"), fold=False)
    add(["bit", "bits"], Unit("bit", 0.125, data))
    for p, f in {**_SI, **_IEC}.items():
        word = f"{_PREFIX_WORDS[p]}bit"
        short = ["Kb"] if p == "k" else [f"{p}b"]  # an all-lower-case "kb"/"mb" is read as bytes
        unit = Unit(f"{p}bit", f / 8, data, f"'{short[0]}' is {word}s (1 {p}B = 8 {short[0]}); {_PREFIX_WORDS[p]}bytes are '{p}B'")
        add(short, unit, fold=False)
        add([f"{p}bit", f"{p}bits", word, word + "s"], Unit(f"{p}bit", f / 8, data))

    add(["s", "sec", "secs", "second", "seconds"], Unit("s", 1.0, time))
    add(["ms", "msec", "millisecond", "milliseconds"], Unit("ms", 1e-3, time))
    add(["µs", "μs", "us", "microsecond", "microseconds"], Unit("µs", 1e-6, time))
    add(["ns", "nanosecond", "nanoseconds"], Unit("ns", 1e-9, time))
    add(["min", "minute", "minutes"], Unit("min", 60.0, time))
    add(["h", "hr", "hour", "hours"], Unit("h", 3600.0, time))

    add(["Hz", "hertz"], Unit("Hz", 1.0, FREQUENCY))
    for p in ("k", "M", "G", "T"):
        add([f"{p}Hz"], Unit(f"{p}Hz", _SI[p], FREQUENCY))

    add(["x", "×", "X", "times"], Unit("×", 1.0, NONE))
    add(["%", "percent", "pct"], Unit("%", 0.01, NONE))

    add(["token", "tokens", "tok", "toks"], Unit("tokens", 1.0, _dim(token=1)))
    for p in ("k", "M", "G", "T"):
        add([f"{p} tokens", f"{p}tokens"], Unit(f"{p} tokens", _SI[p], _dim(token=1)))
    add(["FLOP", "FLOPs", "flop", "flops"], Unit("FLOP", 1.0, _dim(FLOP=1)))
    for p in ("k", "M", "G", "T", "P"):
        add([f"{p}FLOP", f"{p}FLOPs"], Unit(f"{p}FLOP", _SI[p], _dim(FLOP=1)))
    add(["block", "blocks"], Unit("blocks", 1.0, _dim(block=1)))
    return exact, folded


_EXACT, _FOLDED = _build_table()
PLAIN = Unit("", 1.0, NONE)


def parse_unit(text: str) -> Unit | None:
    """The unit ``text`` names ("MB", "mb", "GiB/s", "ms", "%", ""), or None if it names none."""
    text = " ".join(text.split())
    if text == "":
        return PLAIN
    if len(text) > 40:
        return None
    unit = _EXACT.get(text) or _FOLDED.get(text.lower())
    if unit is not None:
        return unit
    for sep in ("/", " per "):
        if sep in text:
            top, _, bottom = text.partition(sep)
            a, b = parse_unit(top.strip()), parse_unit(bottom.strip())
            if a is None or b is None or not bottom.strip():
                return None
            dim = tuple(x - y for x, y in zip(a.dimension, b.dimension))
            return Unit(f"{a.symbol}/{b.symbol}", a.factor / b.factor, dim, a.note)  # type: ignore[arg-type]
    return None


# ---------------------------------------------------------------------------------------------
# Formatting numbers the way a card shows them


def format_number(value: float, digits: int | None = None, trim: bool | None = None) -> str:
    """``4,096`` for whole numbers; otherwise ``digits`` significant figures (default 4), with separators."""
    if not math.isfinite(value):
        return str(value)
    if trim is None:
        trim = digits is None  # default: 4 significant figures without trailing zeros (0.8, not 0.8000)
    if digits is None:
        if value == int(value) and abs(value) < 1e15:
            return f"{int(value):,}"
        digits = 4
    if value == 0:
        return "0"
    magnitude = _decimal_exponent(value, digits)
    if magnitude >= 15 or magnitude < -5:
        return f"{value:.{max(0, digits - 1)}e}"
    decimals = max(0, digits - 1 - magnitude)
    text = f"{value:,.{decimals}f}"
    if trim and "." in text:
        text = text.rstrip("0").rstrip(".")
    if text.lstrip("-").strip("0.,") == "":
        text = text.lstrip("-")
    return text


def _decimal_exponent(value: float, digits: int) -> int:
    """The decimal exponent of ``value`` once rounded to ``digits`` significant figures, exactly.

    9.9996 to 4 figures is 10.00 (exponent 1), 999.9999999999999 is 1,000: the figures shown are the
    figures asked for. (math.floor(math.log10(x)) saw the exponent before rounding, and its last bit
    depends on the platform's libm.)
    """
    return int(f"{abs(value):.{max(0, digits - 1)}e}".rpartition("e")[2])


def format_quantity(value: float, unit: Unit, digits: int | None = None, trim: bool | None = None) -> str:
    """``value`` (in base units) written in ``unit``: ``536.9 MB``, ``2.396×``, ``75%``, ``4,096``."""
    number = format_number(value / unit.factor, digits, trim)
    if not unit.symbol:
        return number
    if unit.symbol in ("%", "×"):
        return number + unit.symbol
    return f"{number} {unit.symbol}"
