"""Answer checking: what a learner types, read as a number and unit, judged within tolerance."""

from __future__ import annotations

import pytest

from addon.core.answers import MAX_ANSWER_CHARS, Tolerance, Typed, Verdict, check_answer, read_answer
from addon.core.units import parse_unit

B, MB, X, PLAIN, PCT, MS = (parse_unit(u) for u in ("B", "MB", "x", "", "%", "ms"))
KV = 536_870_912.0  # the KV cache of Llama-3.1-8B at 4,096 tokens, in bytes


def kv(text: str) -> Verdict:
    return check_answer(text, KV, B, Tolerance(), MB)


# ---------------------------------------------------------------------------------------------
# Every way issue 2 says a person writes the KV-cache answer


@pytest.mark.parametrize(
    "text",
    [
        "536870912", "536,870,912", "536 870 912", "5.37e8", "5.37E8", "536.9 MB", "536.9MB", "536.9 mb",
        "537 MB", "512 MiB", "512 mib", "0.5 GiB", "0.5 gib", "536870912 bytes", "536870912 B", "536870912 Bytes",
        "0.537 GB", "524288 KiB", "4294967296 bits", "4 Gibit", "536.9 megabytes", "5.37×10^8", "5.37 × 10⁸ B",
        "≈ 537 MB", " 536.9 MB ", "536.9\u00a0MB", "536.9 MB.", "536.9",  # a bare number in the display unit
        "+536870912",
    ],
)
def test_kv_cache_answers_are_correct(text: str) -> None:
    verdict = kv(text)
    assert verdict.state == "correct", (text, verdict)
    assert verdict.correct
    assert verdict.value == pytest.approx(KV, rel=0.01)  # the value is in base units (bytes)


def test_a_bare_number_says_how_it_was_read() -> None:
    assert kv("536.9").message == "Correct (read as MB)."
    assert kv("536870912").message == "Correct."


@pytest.mark.parametrize(
    "text",
    ["560 MB", "536.9 GB", "-536870912", "0", "5.37e9", "1 MB", "500 MiB", "600"],
)
def test_wrong_numbers_are_incorrect(text: str) -> None:
    verdict = kv(text)
    assert verdict.state == "incorrect", (text, verdict)
    assert verdict.message.startswith("Not quite.")
    assert "536" not in verdict.message  # the message never gives the answer away


@pytest.mark.parametrize(
    "text, hint",
    [
        ("524.3 MiB", "decimal (MB, GB) against binary (MiB, GiB)"),  # 536.9 MB typed as MiB
        ("536.9 Mb", "Off by 8: bits against bytes?"),
        ("53.69 MB", "Off by a power of ten"),
        ("536.9 kB", "Off by a power of ten"),
    ],
)
def test_classic_slips_get_a_hint(text: str, hint: str) -> None:
    verdict = kv(text)
    assert verdict.state == "incorrect"
    assert hint in verdict.message


def test_mb_lower_case_is_megabytes_but_Mb_is_megabits_and_says_so() -> None:
    assert kv("536.9 mb").message == "Correct."
    verdict = kv("536.9 Mb")
    assert verdict.state == "incorrect"
    assert "'Mb' is megabits" in verdict.message
    assert "megabytes are 'MB'" in verdict.message
    verdict = kv("4295 Mb")  # right, in megabits: correct, and still told what Mb means
    assert verdict.state == "correct"
    assert "'Mb' is megabits" in verdict.message


def test_the_kilobit_note_names_the_spelling_that_means_bits() -> None:
    verdict = check_answer("8 Kb", 1000, B)
    assert verdict.correct
    assert "'Kb' is kilobits" in verdict.message  # 'kb' (lower case) would be kilobytes
    assert check_answer("1 kb", 1000, B).message == "Correct."


# ---------------------------------------------------------------------------------------------
# Ratios and percentages


@pytest.mark.parametrize("text", ["2.4x", "2.4×", "2.4 x", "2.40 X", "2.4", "240%", "2.4 times"])
def test_speedup_answers(text: str) -> None:
    assert check_answer(text, 2.4, X).state == "correct", text


@pytest.mark.parametrize("text", ["75%", "75 %", "0.75", "75", "75 percent", "75\uff05"])
def test_percentage_answers(text: str) -> None:
    assert check_answer(text, 0.75, PLAIN, Tolerance(), PCT).state == "correct", text


def test_percentage_wrong() -> None:
    assert check_answer("80%", 0.75, PLAIN, Tolerance(), PCT).state == "incorrect"


# ---------------------------------------------------------------------------------------------
# Prefixes and units


@pytest.mark.parametrize(
    "text, bytes_",
    [
        ("1 kB", 1e3), ("1 KB", 1e3), ("1 MB", 1e6), ("1 GB", 1e9), ("1 TB", 1e12), ("1 PB", 1e15),
        ("1 KiB", 2**10), ("1 MiB", 2**20), ("1 GiB", 2**30), ("1 TiB", 2**40), ("1 PiB", 2**50),
        ("8 bit", 1), ("8 b", 1), ("8 kbit", 1e3), ("8 Kb", 1e3), ("8 Mb", 1e6), ("8 Gb", 1e9), ("8 Tb", 1e12),
        ("8 Pb", 1e15), ("8 Kibit", 2**10), ("8 Mib", 2**20), ("8 Gibit", 2**30), ("8 Tib", 2**40), ("8 Pib", 2**50),
        ("1 kilobyte", 1e3), ("1 gibibyte", 2**30), ("8 megabits", 1e6),
    ],
)
def test_si_and_iec_prefixes_on_bytes_and_bits(text: str, bytes_: float) -> None:
    verdict = check_answer(text, bytes_, B)
    assert verdict.state == "correct", (text, verdict)
    assert verdict.value == pytest.approx(bytes_)


@pytest.mark.parametrize(
    "text", ["1.5 s", "1.5 sec", "1500 ms", "1500000 µs", "1500000 μs", "1500000 us", "1500000000 ns", "1500"],
)
def test_time_units(text: str) -> None:
    verdict = check_answer(text, 1500, MS)  # 1.5 s, expected in ms
    assert verdict.state == "correct", (text, verdict)
    assert verdict.value == pytest.approx(1.5)  # seconds


@pytest.mark.parametrize(
    "text, expected, unit, kind, answer_kind",
    [
        ("536 ms", KV, B, "a time (ms)", "a data size"),
        ("2.4 s", 2.4, X, "a time (s)", "a plain number"),
        ("1.5 MB", 1.5, MS, "a data size (MB)", "a time"),
        ("0.5 GiB/s", KV, B, "a bandwidth (GiB/s)", "a data size"),
        ("3 GHz", 1.5, MS, "a frequency (GHz)", "a time"),
        ("100 tokens", KV, B, "a number of tokens", "a data size"),
        ("2.4x", KV, B, "a plain number (×)", "a data size"),
    ],
)
def test_wrong_unit_says_which_kind(text: str, expected: float, unit, kind: str, answer_kind: str) -> None:
    verdict = check_answer(text, expected, unit)
    assert verdict.state == "unit"
    assert kind in verdict.message
    assert f"the answer is {answer_kind}" in verdict.message
    assert verdict.value is None


# ---------------------------------------------------------------------------------------------
# Incomplete: nothing that can be judged yet


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "Type a number."),
        ("   ", "Type a number."),
        ("≈", "Type a number."),
        ("-", "Start with a number."),
        ("+", "Start with a number."),
        (".", "Start with a number."),
        ("MB", "Start with a number."),
        ("e8", "Start with a number."),
        ("five", "Start with a number."),
        ("536 furlongs", "Unknown unit 'furlongs'."),
        ("536 M B s", "Unknown unit 'M B s'."),
        ("1e999", "That number is too large."),
        ("5×10^999", "That number is too large."),
        ("5×10⁻", "That number cannot be read."),
        ("5" * (MAX_ANSWER_CHARS + 1), "That is longer than an answer can be (100 characters)."),
    ],
)
def test_incomplete_answers(text: str, message: str) -> None:
    verdict = kv(text)
    assert verdict == Verdict("incomplete", message, None)


def test_unknown_unit_is_cut_short_in_the_message() -> None:
    verdict = kv("1 " + "z" * 60)
    assert verdict.state == "incomplete"
    assert "z" * 21 not in verdict.message and "…" in verdict.message


def test_non_text_is_incomplete() -> None:
    assert check_answer(None, KV, B).state == "incomplete"  # type: ignore[arg-type]
    assert check_answer(536870912, KV, B).state == "incomplete"  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# read_answer


def test_read_answer() -> None:
    assert read_answer("536.9 MB") == Typed(536.9, MB, False)
    assert read_answer("4,096") == Typed(4096.0, PLAIN, True)
    assert read_answer("536M") == Typed(536e6, PLAIN, True)  # a bare multiplier
    assert read_answer("2.4×") == Typed(2.4, X, False)
    assert read_answer("1.5e-3 s") == Typed(1.5e-3, parse_unit("s"), False)
    assert read_answer("nope") == "Start with a number."


# ---------------------------------------------------------------------------------------------
# Tolerance: relative by default (1%), absolute allowed; applied after unit conversion


def test_default_tolerance_is_one_percent_relative() -> None:
    assert kv(f"{KV * 1.0099:.0f}").correct
    assert kv(f"{KV * 0.9901:.0f}").correct
    assert not kv(f"{KV * 1.0101:.0f}").correct
    assert not kv(f"{KV * 0.9899:.0f}").correct


def test_relative_tolerance_after_unit_conversion() -> None:
    tight = Tolerance(relative=0.0001)  # 0.01%
    assert check_answer("512 MiB", KV, B, tight, MB).correct  # exact after conversion
    assert check_answer("536.9 MB", KV, B, tight, MB).correct  # 0.0054% off
    assert not check_answer("537 MB", KV, B, tight, MB).correct  # 0.024% off
    assert not check_answer("512.1 MiB", KV, B, tight, MB).correct  # 0.02% off


def test_absolute_tolerance_in_base_units() -> None:
    half_mb = Tolerance(absolute=500_000)  # bytes
    assert check_answer("537.3 MB", KV, B, half_mb, MB).correct
    assert check_answer("536.4 MB", KV, B, half_mb, MB).correct
    assert not check_answer("537.4 MB", KV, B, half_mb, MB).correct
    assert check_answer("0.5 GiB", KV, B, half_mb, MB).correct
    assert check_answer("512.4 MiB", KV, B, half_mb, MB).correct  # 419 kB off
    assert not check_answer("512.5 MiB", KV, B, half_mb, MB).correct  # 524 kB off


def test_zero_expected() -> None:
    assert check_answer("0", 0.0, PLAIN).correct
    assert not check_answer("0.001", 0.0, PLAIN).correct
    assert check_answer("0.001", 0.0, PLAIN, Tolerance(absolute=0.01)).correct


def test_negative_expected() -> None:
    assert check_answer("-5", -5.0, PLAIN).correct
    assert not check_answer("5", -5.0, PLAIN).correct


def test_tolerance_describe() -> None:
    assert Tolerance().describe(B) == "±1%"
    assert Tolerance(relative=0.005).describe(B) == "±0.5%"
    assert Tolerance(absolute=500_000).describe(B) == "±500,000 B"


def test_extreme_expected_values_still_get_a_real_verdict() -> None:
    # the hint compares magnitudes; a subnormal or NaN target must not break it
    for expected in (5e-324, float("nan"), float("inf"), -float("inf")):
        verdict = check_answer("1", expected, PLAIN)
        assert verdict == Verdict("incorrect", "Not quite.", 1.0), expected


# --- datasheet units and money, as a learner types them --------------------------------------------

from addon.core.answers import read_answer  # noqa: E402
from addon.core.units import parse_unit as _unit  # noqa: E402


@pytest.mark.parametrize("text, number, symbol", [
    ("$2.50", 2.5, "$"), ("-$1", -1.0, "$"), ("$3/Mtok", 3.0, "$/M tokens"), ("2.5 USD", 2.5, "$"),
    ("989 TFLOPS", 989.0, "TFLOP/s"), ("989 TFLOPs", 989.0, "TFLOP/s"), ("40 tok/s", 40.0, "tokens/s"),
    ("3 req/s", 3.0, "requests/s"), ("$4/h", 4.0, "$/h"),
])
def test_datasheet_units_and_money_are_read(text, number, symbol):
    typed = read_answer(text)
    assert not isinstance(typed, str), typed
    assert (typed.number, typed.unit.symbol) == (number, symbol)


def test_a_dollar_amount_with_another_unit_after_it_is_not_read():
    assert read_answer("$5 h") == "Unknown unit 'h' after a dollar amount."


def test_a_price_answer_is_checked_with_its_unit():
    verdict = check_answer("$3/Mtok", 3e-6, _unit("$/token"))
    assert verdict.state == "correct", verdict
    assert check_answer("3 tok/s", 3e-6, _unit("$/token")).state == "unit"
