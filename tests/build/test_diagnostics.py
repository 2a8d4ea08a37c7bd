"""Diagnostics at the unit level: how one is printed (caret, tabs, long lines), and that an error inside
a compute block or a card's text points at the exact token in the .md file.

Each position test names the token it expects, not a number: the expected line is the line of the file
holding ``line_has`` and the column is where ``token`` starts on it.
"""

from __future__ import annotations

import pytest

from addon.core.diagnostics import ComputeError, Diagnostic, Position
from addon.core.language import DEFAULT_LIMITS
from builder import check, render
from builder.source import SourceFile, parse_deck_file, read_source

# --- Diagnostic.format -------------------------------------------------------------------------


def lines_of(d: Diagnostic) -> list[str]:
    return d.format().split("\n")


def caret_target(d: Diagnostic) -> str:
    """The character printed directly above the caret."""
    _, shown, caret = lines_of(d)
    assert caret.strip() == "^" and caret.startswith("    ")
    return shown[caret.index("^")]


def test_format_is_path_line_col_then_the_line_and_a_caret_under_the_column():
    d = Diagnostic("error", Position("content/deck.md", 16, 14), "unknown name 'm'", "answer = n * m")
    assert lines_of(d) == [
        "content/deck.md:16:14: error: unknown name 'm'",
        "    answer = n * m",
        "                 ^",
    ]
    assert caret_target(d) == "m"


@pytest.mark.parametrize("col, char", [(1, "a"), (8, "="), (14, "m")])
def test_caret_is_under_the_reported_column(col, char):
    assert caret_target(Diagnostic("error", Position("f.md", 1, col), "x", "answer = n * m")) == char


def test_caret_may_stand_just_past_the_end_of_the_line():
    """'one of' with no choices: the caret marks where the missing choice goes."""
    d = Diagnostic("error", Position("f.md", 3, 19), "'one of' needs at least one choice", "param b = 2 one of")
    _, shown, caret = lines_of(d)
    assert caret.index("^") == len(shown)


def test_warning_keeps_its_severity():
    d = Diagnostic("warning", Position("content/cards.lock.json", 1, 1), "2 card(s) removed")
    assert d.format() == "content/cards.lock.json:1:1: warning: 2 card(s) removed"


def test_no_source_line_prints_only_the_head():
    d = Diagnostic("error", Position("content/empty.md", 1, 1), "the file is empty")
    assert d.format() == "content/empty.md:1:1: error: the file is empty"


def test_tabs_print_as_one_space_so_the_caret_stays_under_its_character():
    """Columns count a tab as one character; the printed line shows it as one space, so they agree."""
    line = "\tanswer =\tn *\t\tm"
    col = line.index("m") + 1
    d = Diagnostic("error", Position("f.md", 2, col), "unknown name 'm'", line)
    _, shown, _ = lines_of(d)
    assert "\t" not in shown
    assert caret_target(d) == "m"


@pytest.mark.parametrize("col", [1, 50, 150, 5_000, 9_990, 10_000])
def test_a_very_long_line_is_cut_to_a_window_around_the_caret(col):
    line = "".join("abcdefghij"[i % 10] for i in range(10_000))
    line = line[: col - 1] + "X" + line[col:]
    d = Diagnostic("error", Position("f.md", 7, col), "here", line)
    head, shown, caret = lines_of(d)
    assert head == f"f.md:7:{col}: error: here"  # the real column, not the one in the window
    assert len(shown) <= 4 + 200
    assert caret_target(d) == "X"
    assert len(caret) <= 4 + 200


# --- positions: a deck file through the stages ---------------------------------------------------

HEAD = "---\ndeck: Positions\n---\n\n"


def diagnose(text: str, path: str = "content/deck.md") -> list[Diagnostic]:
    """Every diagnostic of one deck file: split, check (compute blocks), render (math, placeholders)."""
    src = SourceFile(path, text)
    deck, diags = parse_deck_file(src)
    checked, check_diags = check.check([deck] if deck else [], DEFAULT_LIMITS)
    _, render_diags = render.render(checked)
    return diags + check_diags + render_diags


def position_of(text: str, line_has: str, token: str, occurrence: int = 0) -> tuple[int, int]:
    """(line, col) of ``token`` on the first line of ``text`` holding ``line_has``."""
    lines = text.replace("\r\n", "\n").split("\n")
    row = next(i for i, line in enumerate(lines) if line_has in line)
    col = -1
    for _ in range(occurrence + 1):
        col = lines[row].index(token, col + 1)
    return row + 1, col + 1


def card(block: str, front: str = "Q?", back: str = "A: {{answer}}") -> str:
    return HEAD + f"## c1\n\n{front}\n\n---\n\n{back}\n\n```compute\n{block}```\n"


def only_error(text: str) -> Diagnostic:
    errors = [d for d in diagnose(text) if d.severity == "error"]
    assert len(errors) == 1, "\n".join(d.format() for d in errors)
    return errors[0]


COMPUTE_CASES = [
    # (block, line holding the error, the token the error must point at, phrase of the message)
    ("param n = 4 in 1..10\nper = 2 * n * heads_kv\nanswer = per\n", "per =", "heads_kv", "unknown name 'heads_kv'"),
    ("param n = 4 in 1..10\nanswer = sqr(n)\n", "answer", "sqr", "unknown function 'sqr'"),
    ("param n = 4 in 1..10\nanswer = n * * 2\n", "answer", "* 2", "invalid syntax"),
    ("param n = 4 in 1..10\nanswer = n.real\n", "answer", "n.real", "attribute access"),
    ("param n = 4 in 1..10\nanswer = [n][0]\n", "answer", "[n]", "subscripts"),
    ("param n = 4 in 1..10\nanswer = lambda: 1\n", "answer", "lambda", "lambdas are not part of the language"),
    ("param n = 4 in 1..10\nanswer = n * \"abc\"\n", "answer", '"abc"', "strings are not part of the language"),
    ("param n = 4 in 1..10\nanswer = n \u00d7 2\n", "answer", "\u00d7", "unexpected character"),
    ("param n = 4 in 1..10\nanswer = n\nanswer = 2\n", "answer = 2", "answer", "second 'answer' line"),
    ("param n = 40 in 1..10\nanswer = n\n", "param", "40", "default 40 is not allowed"),
    ("param n = 4 in 10..1\nanswer = n\n", "param", "10..1", "empty range"),
    ("param b = 2 one of 1 \"a\", 2 \"b\", 2 \"c\"\nanswer = b\n", "param", "2 \"c\"", "choice 2 appears twice"),
    ("param n = 4 in 1..10\npreset \"X\": m = 3\nanswer = n\n", "preset", "m = 3", "not a parameter"),
    ("param n = 4 in 1..10\npreset \"X\": n = 30\nanswer = n\n", "preset", "30", "preset 'X': n must be between 1 and 10"),
    ("param n = 4 in 1..10\nanswer = n\nunit: furlongs\n", "unit:", "furlongs", "unknown unit 'furlongs'"),
    ("param n = 4 in 1..10\nanswer = n\nunit: B\nshow: ms\n", "show:", "ms", "not the same kind of quantity"),
    ("param n = 4 in 1..10\nanswer = n\nunit: B\ntolerance: 150%\n", "tolerance:", "150%", "relative tolerance"),
    ("param n = 4 in 1..10\nanswer = n\ndigits: 40\n", "digits:", "40", "digits:"),
    ("param n = 4 in 1..10\nanswer = n * 1000\nunit: B\nexpect: 5 kB\n", "expect:", "5 kB", "expect says 5 kB"),
    # evaluation at the defaults: the failing expression's token, on its own line of the block
    ("param n = 0 in 0..10\nanswer = 100 / n\n", "answer", "100 / n", "at the default values: division by zero"),
    ("param n = 0 in 0..10\n  per_n = 1 + 100 / n   # per item\nanswer = per_n\n", "per_n =", "100 / n", "division by zero"),
    ("param n = 4 in 1..10\n\n# a comment\nanswer = sqrt(n - 5) + 1\n", "answer", "sqrt", "sqrt of a negative number"),
    ("param n = 400 in 1..1000\nanswer = 10 ** n\n", "answer", "10 ** n", "power is too large"),
    ("param n = 4 in 1..10\n\tanswer =\tn *\tm\n", "answer", "m", "unknown name 'm'"),
    # the compute-language words a new author needs
    ("param n = 4 in 1..10\nanswer = (n + 1) ^ 2\n", "answer", "^", "'^' is not a power here: write ** for a power"),
    ("param seq_len = 4 in 1..10\nanswer = 2 * seq_lne\n", "answer", "seq_lne", "unknown name 'seq_lne' (did you mean 'seq_len'?)"),
    ("param n = 4 in 1..10\nx = n * 2\n", "param", "param", "this compute block has no 'answer = expression' line"),
]


@pytest.mark.parametrize("block, line_has, token, phrase", COMPUTE_CASES, ids=[c[3][:40] for c in COMPUTE_CASES])
def test_an_error_in_a_compute_block_points_at_its_token(block, line_has, token, phrase):
    text = card(block)
    d = only_error(text)
    assert phrase in d.message
    block_start = text[: text.index("```compute")].count("\n") + 2  # the block's first line in the file
    line_in_block, col = position_of(block, line_has, token)
    assert (d.position.path, d.position.line, d.position.col) == ("content/deck.md", block_start + line_in_block - 1, col)
    assert d.source_line == text.split("\n")[d.position.line - 1]


def test_a_compute_block_before_the_separator_maps_too():
    text = HEAD + "## c1\n\nQ {{n}}\n\n```compute\nparam n = 4 in 1..10\nanswer = n * m\n```\n\n---\n\nA\n"
    d = only_error(text)
    assert (d.position.line, d.position.col) == position_of(text, "answer = n", "m")


def test_a_compute_block_after_other_fences_and_math_maps_too():
    """A ```python fence holding '$' and '---' comes first; the block's lines still map exactly."""
    text = HEAD + (
        "## c1\n\nQ $x$\n\n---\n\nA\n\n```python\ncost = '$5'\n---\n```\n\n$$\\sum_i x_i$$\n\n"
        "```compute\nparam n = 4 in 1..10\nanswer = n * m\n```\n"
    )
    d = only_error(text)
    assert (d.position.line, d.position.col) == position_of(text, "answer = n", "m")


def test_crlf_line_endings_map_to_the_same_positions(tmp_path):
    text = card("param n = 4 in 1..10\nanswer = n * m\n")
    path = tmp_path / "deck.md"
    path.write_bytes(text.replace("\n", "\r\n").encode())
    src, read_diags = read_source(path, "content/deck.md")
    assert src is not None and not read_diags
    deck, _ = parse_deck_file(src)
    checked, diags = check.check([deck], DEFAULT_LIMITS)
    [d] = diags
    assert (d.position.line, d.position.col) == position_of(text, "answer = n", "m")
    assert "\r" not in d.source_line


def test_each_card_maps_its_own_block():
    text = card("param n = 4 in 1..10\nanswer = n\n") + "\n## c2\n\nQ\n\n---\n\nA\n\n```compute\nparam k = 1 in 0..2\nanswer = k / zz\n```\n"
    d = only_error(text)
    assert (d.position.line, d.position.col) == position_of(text, "answer = k / zz", "zz")


# --- positions in a card's text (math, placeholders) -------------------------------------------

TEXT_CASES = [
    ("The cost is $O(n^2) for n tokens.", "The cost", "$", "'$' math is not closed"),
    ("See $$\\sum_i x_i and more", "See", "$$", "'$$' display math is not closed"),
    ("For {{seqlen}} tokens?", "For", "seqlen", "unknown name 'seqlen' in placeholder"),
    ("For {{n:furlong}} tokens?", "For", "furlong", "unknown unit 'furlong' in placeholder"),
    ("For {{ seq len }} tokens?", "For", " seq len ", "a placeholder is {{name}}"),
    ("For {{n tokens?", "For", "{{", "not closed with '}}'"),
    ("Shown in {{answer:GHz}}.", "Shown", "answer:GHz", "not the same kind of quantity"),
    ("A `code $ span` and\t{{n}} and\tan open $math", "A `code", "$math", "'$' math is not closed"),
]


@pytest.mark.parametrize("front, line_has, token, phrase", TEXT_CASES, ids=[c[3][:40] for c in TEXT_CASES])
def test_an_error_in_card_text_points_at_its_token(front, line_has, token, phrase):
    text = card("param n = 4 in 1..10\nanswer = n\nunit: B\n", front=f"Intro line.\n{front}")
    errors = [d for d in diagnose(text) if d.severity == "error"]
    matching = [d for d in errors if phrase in d.message]
    assert len(matching) == 1, "\n".join(d.format() for d in errors)
    d = matching[0]
    assert (d.position.line, d.position.col) == position_of(text, line_has, token)


def test_text_positions_in_the_answer_and_on_later_lines():
    text = HEAD + "## c1\n\nQ\n\n---\n\nFirst paragraph.\n\nSecond, with {{zz}} here.\n"
    d = only_error(text)
    assert "needs a compute block" in d.message
    assert (d.position.line, d.position.col) == position_of(text, "Second", "zz")


# --- positions of problems in the file's structure ---------------------------------------------


def test_duplicate_id_points_at_the_id_in_both_places():
    a = SourceFile("content/a.md", HEAD + "## same\n\nQ\n\n---\n\nA\n")
    b = SourceFile("content/b.md", HEAD + "##    same\n\nQ\n\n---\n\nA\n")
    decks = [parse_deck_file(a)[0], parse_deck_file(b)[0]]
    _, diags = check.check(decks, DEFAULT_LIMITS)
    [d] = diags
    assert (d.position.path, d.position.line, d.position.col) == ("content/b.md", 5, 7)
    assert "also at content/a.md:5:4" in d.message


def test_an_unclosed_fence_does_not_hide_the_errors_of_the_cards_before_it():
    text = HEAD + "## c1\n\nCost $x.\n\n---\n\nA\n\n## c2\n\nQ\n\n---\n\n```python\nprint(1)\n"
    found = {(d.position.line, d.position.col, d.message.split(":")[0][:20]) for d in diagnose(text)}
    assert found == {
        (*position_of(text, "Cost", "$"), "'$' math is not clos"),
        (position_of(text, "```python", "`")[0], 1, "```python block is n"),
    }


def test_front_matter_not_closed_is_said_so_even_with_a_separator_further_down():
    text = "---\ndeck: Positions\n\n## c1\n\nQ\n\n---\n\nA\n"
    [d] = diagnose(text)
    assert (d.position.line, d.position.col) == (1, 1)
    assert d.message.startswith("front matter is not closed")


@pytest.mark.parametrize("data, line, col", [
    (b"---\ndeck: T\n---\n\n## c1\n\nQ: caf\xe9?\n", 7, 7),
    ("---\ndeck: T\n---\n\n## c1\n\nQ: é€ ".encode() + b"\xff\n", 7, 7),  # columns count characters
    (b"\xef\xbb\xbfab\xff", 1, 3),  # the BOM takes no column
    (b"---\r\ndeck: T\r\n---\r\n\r\nx\xc3", 5, 2),  # CRLF lines; a cut-off UTF-8 sequence at the end
])
def test_bytes_that_are_not_utf8_are_named_at_their_line_and_column(tmp_path, data, line, col):
    path = tmp_path / "deck.md"
    path.write_bytes(data)
    src, [d] = read_source(path, "content/deck.md")
    assert src is None
    assert (d.position.line, d.position.col) == (line, col)
    assert "is not UTF-8" in d.message
    assert "\r" not in d.source_line


# --- a compute block over its whole parameter space (addon/core/space.py) ------------------------
# The defaults may be fine while another allowed set of values fails: the build names that point and
# the failing expression's place, as it does at the defaults.

SPACE_CASES = [
    # (block, line holding the error, the token it points at, the whole message)
    ("param draft_cost = 0.1 in 0..1\nparam acceptance_rate = 0.5 in 0..0.99\n"
     "answer = 1 / (1 - acceptance_rate - draft_cost)\n", "answer", "1 / (1",
     "at draft_cost=1, acceptance_rate=0: division by zero"),  # a corner of the two ranges
    ("param n = 4 in 0..10\nper = 100 / n\nanswer = per\n", "per =", "100 / n", "at n=0: division by zero"),
    ("param n = 4 in 1..10\nanswer = sqrt(n - 2)\n", "answer", "sqrt", "at n=1: sqrt(): sqrt of a negative number"),
    ("param n = 40 in 1..1000\nanswer = 10 ** n\n", "answer", "10 ** n",
     "at n=1000: power is too large: the result would have about 1e+03 digits (limit 300)"),
    # a choice (the others at the defaults)
    ("param b = 2 one of 0 \"none\", 1, 2\nparam n = 3 in 1..5\nanswer = n / b\n", "answer", "n / b", "at b=0: division by zero"),
    # a preset: named by its label and the values it changes
    ("param q = 8 in 1..64 integer\nparam kv = 2 in 1..64 integer\npreset \"MQA\": q = 8, kv = 1\n"
     "answer = 1 / (kv - 1)\n", "answer", "1 / (kv", "at the preset \"MQA\" (kv=1): division by zero"),
    # a value inside the range, reached only by the seeded samples (the corners and the defaults pass)
    ("param x = 0 in -1..1\nanswer = sqrt(abs(x - 0.5) - 0.2)\n", "answer", "sqrt", None),
]


@pytest.mark.parametrize("block, line_has, token, message", SPACE_CASES, ids=[c[0][:30] for c in SPACE_CASES])
def test_a_block_that_fails_somewhere_in_its_range_is_an_error_naming_the_point(block, line_has, token, message):
    text = card(block)
    d = only_error(text)
    block_start = text[: text.index("```compute")].count("\n") + 2
    line_in_block, col = position_of(block, line_has, token)
    assert (d.position.line, d.position.col) == (block_start + line_in_block - 1, col)
    if message is not None:
        assert d.message == message
    else:
        assert d.message.endswith(": sqrt(): sqrt of a negative number") and d.message.startswith("at x=")


def test_the_samples_find_a_failure_inside_the_range_and_name_a_point_that_fails():
    """sqrt(|x − 0.5| − 0.2) fails only for 0.3 < x < 0.7: the defaults (0) and corners (±1) pass."""
    from addon.core.compute import parse_compute

    block = "param x = 0 in -1..1\nanswer = sqrt(abs(x - 0.5) - 0.2)\n"
    d = only_error(card(block))
    value = float(d.message.split("=", 1)[1].split(":")[0])
    with pytest.raises(ComputeError):
        parse_compute(block).evaluate({"x": value})


def test_points_that_do_not_meet_a_requirement_are_not_checked():
    """kv <= q: the corner q=1, kv=64 is not an allowed value, so 1 / (q − kv + 63) is never evaluated there."""
    ok = "param q = 8 in 1..64 integer\nparam kv = 2 in 1..64 integer\nrequire kv <= q\nanswer = 1 / (q - kv + 63)\n"
    assert [d for d in diagnose(card(ok)) if d.severity == "error"] == []
    without = ok.replace("require kv <= q\n", "")
    d = only_error(card(without))
    assert d.message == "at q=1, kv=64: division by zero"


def test_the_default_values_still_come_first():
    d = only_error(card("param n = 0 in 0..10\nanswer = 100 / n\n"))
    assert d.message == "at the default values: division by zero"


def test_an_expect_problem_and_a_range_problem_are_both_reported():
    text = card("param n = 4 in 0..10\nanswer = 100 / n\nexpect: 20\n")
    messages = sorted(d.message for d in diagnose(text) if d.severity == "error")
    assert messages == ["at n=0: division by zero", "expect says 20 but the answer at the defaults is 25; tolerance ±1%"]


def test_fewer_samples_in_the_settings_can_miss_what_the_default_finds():
    """The coverage is a frozen setting passed in: with no samples, only the structured points are checked."""
    from addon.core.space import Coverage

    block = "param x = 0 in -1..1\nanswer = sqrt(abs(x - 0.5) - 0.2)\n"
    src = SourceFile("content/deck.md", card(block))
    deck, _ = parse_deck_file(src)
    _, diags = check.check([deck], DEFAULT_LIMITS, coverage=Coverage(samples=0))
    assert diags == []
    _, diags = check.check([deck], DEFAULT_LIMITS)
    assert len(diags) == 1
