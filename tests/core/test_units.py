"""Units and number formatting: what a written unit means, and how a card writes a number."""

from __future__ import annotations

import pytest

from addon.core.units import DATA, FREQUENCY, MONEY, NONE, TIME, dim, format_number, format_quantity, kind_name, parse_unit


@pytest.mark.parametrize(
    "text, symbol, factor, dimension",
    [
        ("", "", 1.0, NONE),
        ("B", "B", 1.0, DATA), ("bytes", "B", 1.0, DATA),
        ("kB", "kB", 1e3, DATA), ("KB", "kB", 1e3, DATA), ("kb", "kB", 1e3, DATA),
        ("MB", "MB", 1e6, DATA), ("mb", "MB", 1e6, DATA), ("mB", "MB", 1e6, DATA),
        ("GiB", "GiB", 2.0**30, DATA), ("gib", "GiB", 2.0**30, DATA), ("GIB", "GiB", 2.0**30, DATA),
        ("Mb", "Mbit", 1e6 / 8, DATA), ("Mbit", "Mbit", 1e6 / 8, DATA), ("b", "bit", 0.125, DATA),
        ("Gib", "Gibit", 2.0**30 / 8, DATA),
        ("s", "s", 1.0, TIME), ("ms", "ms", 1e-3, TIME), ("µs", "µs", 1e-6, TIME), ("μs", "µs", 1e-6, TIME),
        ("us", "µs", 1e-6, TIME), ("ns", "ns", 1e-9, TIME),
        ("GHz", "GHz", 1e9, FREQUENCY),
        ("x", "×", 1.0, NONE), ("×", "×", 1.0, NONE), ("%", "%", 0.01, NONE),
        ("GB/s", "GB/s", 1e9, dim(B=1, s=-1)), ("GB per s", "GB/s", 1e9, dim(B=1, s=-1)),
        ("B/token", "B/tokens", 1.0, dim(B=1, token=-1)),
        # datasheet spellings: a compute rate, prefixed FLOPS or FLOPs; unprefixed FLOPs is an amount
        ("TFLOPS", "TFLOP/s", 1e12, dim(FLOP=1, s=-1)), ("TFLOPs", "TFLOP/s", 1e12, dim(FLOP=1, s=-1)),
        ("PFLOPS", "PFLOP/s", 1e15, dim(FLOP=1, s=-1)), ("tflops", "TFLOP/s", 1e12, dim(FLOP=1, s=-1)),
        ("TFLOP/s", "TFLOP/s", 1e12, dim(FLOP=1, s=-1)), ("FLOPS", "FLOP/s", 1.0, dim(FLOP=1, s=-1)),
        ("FLOPs", "FLOP", 1.0, dim(FLOP=1)), ("TFLOP", "TFLOP", 1e12, dim(FLOP=1)),
        ("tok/s", "tokens/s", 1.0, dim(token=1, s=-1)), ("Mtok", "M tokens", 1e6, dim(token=1)),
        ("req/s", "requests/s", 1.0, dim(request=1, s=-1)), ("requests", "requests", 1.0, dim(request=1)),
        ("$", "$", 1.0, MONEY), ("USD", "$", 1.0, MONEY), ("usd", "$", 1.0, MONEY),
        ("$/Mtok", "$/M tokens", 1e-6, dim(USD=1, token=-1)), ("$/h", "$/h", 1 / 3600, dim(USD=1, s=-1)),
        ("  MB  ", "MB", 1e6, DATA),
    ],
)
def test_parse_unit(text: str, symbol: str, factor: float, dimension: tuple) -> None:
    unit = parse_unit(text)
    assert unit is not None, text
    assert (unit.symbol, unit.dimension) == (symbol, dimension)
    assert unit.factor == pytest.approx(factor)


@pytest.mark.parametrize("text", ["furlongs", "MB/", "M B", "x" * 41, "Mbb", "KIB/furlong"])
def test_unknown_units(text: str) -> None:
    assert parse_unit(text) is None


def test_bits_carry_a_note_bytes_do_not() -> None:
    assert "megabits" in parse_unit("Mb").note
    assert parse_unit("MB").note == "" and parse_unit("mb").note == ""


def test_kind_names() -> None:
    assert kind_name(DATA) == "a data size"
    assert kind_name(dim(B=1, s=-1)) == "a bandwidth"
    assert kind_name(dim(B=2)) == "a quantity in B^2"
    assert kind_name(dim(FLOP=1, s=-1)) == "a compute rate (FLOP/s)"
    assert kind_name(MONEY) == "an amount of money" and kind_name(dim(USD=1, token=-1)) == "a price per token"
    assert kind_name(dim(request=1, s=-1)) == "a request rate"


@pytest.mark.parametrize("value, unit, text", [
    (2.5, "$", "$2.5"), (-1, "USD", "-$1"), (3e-6, "$/Mtok", "$3/M tokens"), (2 / 3600, "$/h", "$2/h"),
    (989e12, "TFLOPS", "989 TFLOP/s"),
])
def test_money_is_written_before_the_number(value, unit, text):
    assert format_quantity(value, parse_unit(unit)) == text


@pytest.mark.parametrize(
    "value, digits, text",
    [
        (0, None, "0"), (-0.0, None, "0"), (4096, None, "4,096"), (536_870_912, None, "536,870,912"),
        (-1, None, "-1"), (0.8, None, "0.8"), (2.396, None, "2.396"), (536.870912, None, "536.9"),
        (0.30000000000000004, None, "0.3"), (1234.5678, None, "1,235"), (999.96, None, "1,000"),
        (0.00012345, None, "0.0001234"), (1e-5, None, "0.00001"), (-0.5, None, "-0.5"),
        (1e15, None, "1.000e+15"), (1e-7, None, "1.000e-07"),
        (0.8, 3, "0.800"), (2.396, 3, "2.40"), (1, 3, "1.00"), (0.0001234, 2, "0.00012"),
        (536_870_912, 3, "536,870,912"),  # never rounds away whole digits
        (-0.0004, 1, "-0.0004"),
        (-0.00004, 1, "-0.00004"),
    ],
)
def test_format_number(value: float, digits: int | None, text: str) -> None:
    assert format_number(value, digits) == text


def test_format_number_no_negative_zero() -> None:
    assert format_number(-1e-9, 2) == "-1.0e-09"  # tiny numbers go scientific, keeping the sign
    assert format_number(-0.0001, 1) == "-0.0001"
    assert not format_number(-0.0, 3).startswith("-")


@pytest.mark.parametrize(
    "value, unit, digits, text",
    [
        (536_870_912, "MB", None, "536.9 MB"),
        (536_870_912, "MB", 3, "537 MB"),
        (536_870_912, "GiB", None, "0.5 GiB"),
        (536_870_912, "B", None, "536,870,912 B"),
        (2.4, "x", None, "2.4×"),
        (0.75, "%", None, "75%"),
        (4096, "", None, "4,096"),
        (0.0015, "ms", None, "1.5 ms"),
        (1e9, "GB/s", None, "1 GB/s"),
    ],
)
def test_format_quantity(value: float, unit: str, digits: int | None, text: str) -> None:
    u = parse_unit(unit)
    assert u is not None
    assert format_quantity(value, u, digits) == text
