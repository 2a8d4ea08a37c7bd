"""The build's fast paths give exactly the bytes of the slow ones.

- ``markup.is_plain`` / ``markup.plain_html``: for a text the fast path accepts, its HTML is Python-
  Markdown's output byte for byte (generated texts from the allowed characters, and near misses that
  mix in the characters and line openings Markdown treats specially).
- ``markup.cut_out`` jumps between special characters with a regex; it gives the same text, pieces
  and problem offsets as the original character-by-character scan, kept below as the reference.
- A whole render (the real content and a generated corpus) with the fast path on and off: the same.
- ``source._marked_lines`` (one regex scan of a deck file) finds every line that the per-line rules of
  the deck-file parser can act on: a fence, a '##' line, a '---' line.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import sys
from pathlib import Path
from typing import Callable

import pytest
from hypothesis import HealthCheck, example, given, seed, settings, strategies as st

from addon.core.compute import parse_compute
from addon.core.diagnostics import ComputeError
from addon.core.placeholders import format_placeholder, parse_placeholder, placeholder_problem, span
from builder import check, fast, markup, pipeline, render, source
from builder.markup import TOKEN_CLOSE, TOKEN_OPEN, Problem

ROOT = Path(__file__).resolve().parents[2]
MD = markup.new_markdown()


def slow(text: str) -> str:
    MD.reset()
    return MD.convert(text)


# --- the plain-Markdown fast path ---------------------------------------------------------------

TOKENS = [f"{TOKEN_OPEN}{n}{TOKEN_CLOSE}" for n in (0, 1, 12)]
SAFE_PUNCT = list(".,;:?'\"()/%@+=^$-")
UNICODE = list("éßΩ中·–—≥×→²µ") + ["\u0301", "😀"]  # letters, symbols, a combining mark, an emoji
WORD_CHARS = list("abcxyzABQ0123456789") + SAFE_PUNCT + UNICODE
OPENERS = list("aZé中(\"'") + TOKENS + ["7 x", "12 GB", "4096 tokens", "3a"]

word = st.lists(st.sampled_from(WORD_CHARS + TOKENS), min_size=1, max_size=6).map("".join)
# snake_case inside words: an underscore with a word character on both sides (head_dim, a__b, é_中)
word = st.one_of(word, word, st.tuples(word.filter(lambda w: w[-1].isalnum()), st.sampled_from(["_", "__"]),
                                       word.filter(lambda w: w[0].isalnum())).map("".join))
line = st.tuples(st.sampled_from(OPENERS), st.lists(st.tuples(st.sampled_from([" ", "  ", ""]), word), max_size=6)).map(
    lambda t: t[0] + "".join(sep + w for sep, w in t[1]))
paragraph = st.lists(line, min_size=1, max_size=4).map("\n".join)
plain_text = st.tuples(
    st.sampled_from(["", "\n", "\n\n"]),
    st.lists(st.tuples(paragraph, st.sampled_from(["\n\n", "\n\n\n", "\n\n\n\n"])), min_size=1, max_size=4),
    st.sampled_from(["", "\n", "\n\n"]),
).map(lambda t: t[0] + "".join(p + sep for p, sep in t[1])[: -len(t[1][-1][1])] + t[2])


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plain_text)
def test_plain_texts_take_the_fast_path_and_match_markdown(text):
    assert markup.is_plain(text), repr(text)
    assert markup.plain_html(text) == slow(text), repr(text)


# Near misses: plain text with Markdown's special characters, line openings, whitespace and control
# characters mixed in. Whatever the fast path accepts must match Markdown byte for byte.
SPECIALS = (
    list("*_[]<>&#!|~`\\{}\t\r\x02\x03\x7f\u00a0\u2028\ufeff\ue005 \n")
    + ["  \n", " \n", "\n ", "\n    ", "\n\t", "\n1. ", "\n1) ", "\n- ", "\n+ ", "\n* ", "\n> ", "\n# ", "\n: ",
       "\n---", "\n===", "\n-", "\n=", "*[HTML]: x", "{: .c}", "[^1]", "[^1]: n", "&amp;", "&#38;", "&copy;",
       "<b>", "<!-- c -->", "__", "**", "1.", "\n12.", "\n(1)", "\n_", "\n\u00a0", "\n\n    code", "a|b\n-|-",
       "\n~~~\n", "\n```\n", "http://x.y", "<http://x.y>", "a@b.c", "\n\ufeff", "\nTerm\n: def"]
)
near_miss = st.lists(st.one_of(word, word, word, st.sampled_from([" ", "\n", "\n\n"] + OPENERS), st.sampled_from(SPECIALS)),
                     max_size=14).map("".join)


@settings(max_examples=4000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(near_miss)
@example("1. item")
@example("a  \nb")
@example("    code")
@example("a\n: definition")
@example("Title\n===")
@example("Title\n---")
@example("*[HTML]: Hyper Text")
def test_whatever_the_fast_path_accepts_matches_markdown(text):
    if markup.is_plain(text):
        assert markup.plain_html(text) == slow(text), repr(text)


# Simple inline markup and bullet lists (markup.fast_html): built from the same words.
CODE_CHARS = list("abz_019.()/=+-:,$'\"") + ["é", TOKEN_OPEN + "3" + TOKEN_CLOSE]
code = st.lists(st.sampled_from(CODE_CHARS + [" "]), min_size=1, max_size=8).map("".join).filter(lambda c: c == c.strip())
rich_word = st.tuples(st.sampled_from(list("abQé中7") + TOKENS), st.lists(st.sampled_from(WORD_CHARS + TOKENS), max_size=4)).map(
    lambda t: t[0] + "".join(t[1]))
inner = st.lists(st.tuples(st.sampled_from([" ", " ", ""]), rich_word), min_size=1, max_size=3).map(
    lambda parts: "".join(sep + w for sep, w in parts).strip()).filter(bool)
marked = st.one_of(rich_word, rich_word, inner.map(lambda w: f"**{w}**"), inner.map(lambda w: f"*{w}*"), code.map(lambda c: f"`{c}`"))
rich_line = st.tuples(st.one_of(st.sampled_from(OPENERS), marked), st.lists(st.tuples(st.sampled_from([" ", " ", " ", ""]), marked), max_size=4)).map(
    lambda t: t[0] + "".join(sep + w for sep, w in t[1]))
rich_paragraph = st.lists(rich_line, min_size=1, max_size=3).map("\n".join)
bullets = st.lists(rich_line.map(lambda line: "- " + line), min_size=1, max_size=3).map("\n".join)


def _no_adjacent_lists(blocks: list[str]) -> list[str]:
    out: list[str] = []
    for block in blocks:
        if out and out[-1].startswith("- ") and block.startswith("- "):
            out.append("Between.")
        out.append(block)
    return out


rich_text = st.lists(st.one_of(rich_paragraph, rich_paragraph, bullets), min_size=1, max_size=3).map(
    lambda blocks: "\n\n".join(_no_adjacent_lists(blocks)))


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(rich_text)
@example("Consider `target_1` in **allocator** and *Note:* this.\n\n- one **b**\n- `two`\n\nEnd.")
def test_simple_inline_markup_and_lists_take_the_fast_path_and_match_markdown(text):
    fast = markup.fast_html(text)
    want = slow(text)
    if fast is None:  # the generator makes a few texts the fast path rightly refuses ('**a****b**', 'a**b** *c*' ...)
        return
    assert fast == want, repr(text)


def test_the_rich_generator_mostly_takes_the_fast_path():
    """A property of the generator (the tests above see enough texts the fast path takes), so drawn
    with a fixed seed: with a random one, 300 draws fell below half about one run in twelve."""
    taken = []

    @seed(20261128)
    @settings(max_examples=1000, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(rich_text)
    def count(text):
        taken.append(markup.fast_html(text) is not None)

    count()
    assert sum(taken) / len(taken) > 0.5, sum(taken) / len(taken)


RICH_SPECIALS = ["*", "**", "***", "`", "``", " *", "* ", "` ", " `", "_", "- ", "\n- ", "\n-  ", "\n\n- ", "\n  - ",
                 "\n\n  ", "\\", "&", "<", ">", "\n* ", "\n1. ", "\n\n", "\n", " "]
rich_near_miss = st.lists(st.one_of(marked, marked, st.sampled_from(RICH_SPECIALS), bullets, rich_paragraph),
                          max_size=10).map("".join)


@settings(max_examples=4000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rich_near_miss)
@example("- a\n\n- b")
@example("- a\n- b\nc")
@example("**a* b**")
@example("*a `b* c`")
@example("`a*b` *c*")
@example("- 1. x")
@example("x\n- a")
@example("2 * 3 * 4")
@example("**a****b**")
@example("\n- \n- ")
@example("- a\n- ")
def test_whatever_the_rich_fast_path_accepts_matches_markdown(text):
    fast = markup.fast_html(text)
    if fast is not None:
        assert fast == slow(text), repr(text)


@pytest.mark.parametrize("text", [
    "1. item", "12) item", "- item", "+ item", "* item", "> quote", "# heading", "a\n===", "a\n---", "---",
    "    code", "\tcode", " lead", "a  \nb", "a \nb", "trailing ", "a\n: definition", "*[HTML]: x", "a {: .c}",
    "x[^1]", "&amp;", "a & b", "a < b", "a > b", "a*b*", "`c`", "a\\b", "a!b", "a|b", "~~s~~",
    "a\u00a0b", "a\u2028b", "\ufeffa", "a\x02b", "a\rb", "a\ue005b", "_a", "a\n\n_b", "1.5 GB", "a\n2. b",
    "a_", "a _b_ c", "a_ b", "(_a_)", "a_.", "___", "a\n___", "__a__", "a_\ue000", "\ue001_b",
])
def test_special_markdown_is_never_plain(text):
    assert not markup.is_plain(text)


@pytest.mark.parametrize("text", ["head_dim", "a_b_c", "a__b", "x_1 and y_2 = 3", "é_中", "seq_len x head_dim tokens"])
def test_underscores_inside_words_are_plain_and_match_markdown(text):
    assert markup.is_plain(text)
    assert markup.plain_html(text) == slow(text) == f"<p>{text}</p>"


def test_render_markdown_and_inline_use_the_plain_path_only_for_plain_text(monkeypatch):
    seen = []
    real = markup.plain_html
    monkeypatch.setattr(markup, "plain_html", lambda text: seen.append(text) or real(text))
    assert markup.render_inline(MD, "Meta, Llama 3.1 model card, section 9.8") == "Meta, Llama 3.1 model card, section 9.8"
    html_text, problems = markup.render_markdown(MD, "It costs \\$5 at $x_1$.\n\nNext one.", None, None)
    assert html_text == "<p>It costs $5 at \\(x_1\\).</p>\n<p>Next one.</p>" and problems == []
    assert len(seen) == 2
    assert markup.render_markdown(MD, "**bold** and $x$", None, None)[0] == "<p><strong>bold</strong> and \\(x\\)</p>"
    assert markup.render_markdown(MD, "# Heading", None, None)[0] == "<h1>Heading</h1>"
    assert len(seen) == 2


# --- cut_out: the regex scan against the original character-by-character scan -------------------

_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")


def reference_cut_out(text, model, values, compute_failed=False):
    """The original per-character cut_out (before the regex scan), kept to pin the new one."""
    pieces: list[str] = []
    problems: list[Problem] = []
    out: list[str] = []
    closers: dict[int, int | None] = {}

    def stash(html_text: str) -> None:
        out.append(f"{TOKEN_OPEN}{len(pieces)}{TOKEN_CLOSE}")
        pieces.append(html_text)

    for bad in (TOKEN_OPEN, TOKEN_CLOSE):
        if bad in text:
            return text, [], [Problem(text.index(bad), f"character U+{ord(bad):04X} is reserved by the build")]
    i, n = 0, len(text)
    at_line_start = True
    while i < n:
        if at_line_start:
            fence = _FENCE.match(text, i)
            if fence:
                marker = fence.group(1)
                close = re.compile(rf"^ {{0,3}}{re.escape(marker[0])}{{{len(marker)},}}\s*$", re.M)
                end_of_line = text.find("\n", i)
                m = close.search(text, end_of_line + 1) if end_of_line != -1 else None
                stop = m.end() if m else n
                out.append(text[i:stop])
                i = stop
                at_line_start = False
                continue
        ch = text[i]
        at_line_start = ch == "\n"
        if ch == "`":
            run = next(k for k in range(i, n + 1) if k == n or text[k] != "`") - i
            close = re.compile(rf"(?<!`)`{{{run}}}(?!`)")
            m = close.search(text, i + run)
            stop = m.end() if m else i + run
            out.append(text[i:stop])
            i = stop
            continue
        if ch == "\\" and i + 1 < n:
            if text[i + 1] == "$":
                stash("$")
            elif text[i + 1] in "([":
                i = _ref_anki_math(text, i, stash, problems, (model, values, compute_failed))
                continue
            else:
                out.append(text[i : i + 2])
            i += 2
            continue
        if ch == "$":
            i = _ref_math(text, i, stash, problems, closers, (model, values, compute_failed))
            continue
        if text.startswith("{{", i):
            i = _ref_placeholder(text, i, model, values, stash, problems, compute_failed)
            continue
        out.append(ch)
        i += 1
    return "".join(out), pieces, problems


def _ref_math(text, i, stash: Callable[[str], None], problems, closers, context) -> int:
    if text.startswith("$$", i):
        end = text.find("$$", i + 2)
        if end == -1:
            problems.append(Problem(i, "'$$' display math is not closed (write \\$ for a dollar sign)"))
            return len(text)
        stash(markup.math_html("\\[", text[i + 2 : end], "\\]", i + 2, problems, *context))  # TeX and its placeholders
        return end + 2
    j = i + 1
    if j < len(text) and not text[j].isspace():
        close = _ref_closing_dollar(text, j, closers)
        if close is not None:
            why = markup.mistaken_dollar(text[i + 1 : close])
            if why:
                problems.append(Problem(i, f"{why}: if these '$' are dollar signs, write \\$ for each", "warning"))
            stash(markup.math_html("\\(", text[i + 1 : close], "\\)", i + 1, problems, *context))
            return close + 1
    problems.append(Problem(i, "'$' math is not closed: close it with '$', or write \\$ for a dollar sign"))
    return i + 1


def _ref_anki_math(text, i, stash, problems, context) -> int:
    opener, closer = text[i + 1], "\\)" if text[i + 1] == "(" else "\\]"
    j = i + 2
    while j < len(text) - 1 and text[j : j + 2] != closer:
        if opener == "(" and text[j : j + 2] == "\n\n":
            j = len(text)
            break
        j += 1
    if text[j : j + 2] != closer:
        problems.append(Problem(i, f"'\\{opener}' math is not closed with '{closer}'" + (" in the same paragraph" if opener == "(" else "")
                                + f" (for a literal '{opener}', write it without the backslash)"))
        return i + 2
    stash(markup.math_html(text[i : i + 2], text[i + 2 : j], closer, i + 2, problems, *context))
    return j + 2


def _ref_closing_dollar(text, j, memo):
    passed, found = [], None
    while j < len(text):
        if j in memo:
            found = memo[j]
            break
        passed.append(j)
        c = text[j]
        if c == "\\":
            j += 2
            continue
        if c == "\n" and text[j + 1 : j + 2] == "\n":
            break
        if c == "$" and not text[j - 1].isspace() and not (j + 1 < len(text) and text[j + 1].isdigit()):
            found = j
            break
        j += 1
    for k in passed:
        memo[k] = found
    return found


def _ref_placeholder(text, i, model, values, stash, problems, compute_failed=False) -> int:
    line_end = text.find("\n", i)
    end = text.find("}}", i + 2, len(text) if line_end == -1 else line_end)
    if end == -1:
        problems.append(Problem(i, "'{{' placeholder is not closed with '}}' on the same line" + markup.ESCAPE_HINT))
        return i + 2
    inner = text[i + 2 : end]
    try:
        placeholder = parse_placeholder(inner)
    except ComputeError as e:
        offset, message = markup.unparsable_placeholder(inner, e)  # the words; the scan is what is pinned
        problems.append(Problem(i + 2 + offset, message))
        return end + 2
    if compute_failed and model is None:
        stash(html.escape(text[i : end + 2], quote=False))
        return end + 2
    problem = placeholder_problem(placeholder, model)
    if problem or model is None or values is None:
        problems.append(Problem(i + 2 + max(0, len(inner) - len(inner.lstrip())), problem or "placeholder needs a compute block"))
        return end + 2
    stash(span(placeholder, format_placeholder(placeholder, model, values)))
    return end + 2


MODEL = parse_compute("param seq_len = 4096 in 128..131_072 step 128\nanswer = 131_072 * seq_len\nunit: B\nshow: MB\n")
VALUES = MODEL.evaluate()
CUT_ALPHABET = list("ab $\\`{}\n~ 1:") + ["```", "~~~", "$$", "{{", "}}", "{{seq_len}}", "{{answer:MB}}", "{{ x }}",
                                          "\n\n", "   ", "\\$", "\\\n", TOKEN_OPEN, "\\(", "\\)", "\\[", "\\]", "x y z"]


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(CUT_ALPHABET), max_size=40).map("".join), st.booleans(), st.booleans())
@example("a\\\n```\nx $y$\n```", True, False)
@example("```\n$x$\n\n\n```\n$y$", False, False)
@example("$a \\$ b$ $$c$$ \\", False, False)
def test_cut_out_matches_the_character_scan(text, with_model, compute_failed):
    model, values = (MODEL, VALUES) if with_model else (None, None)
    new = markup.cut_out(text, model, values, compute_failed)
    old = reference_cut_out(text, model, values, compute_failed)
    assert new[:2] == old[:2], repr(text)
    assert [(p.offset, p.message, p.severity) for p in new[2]] == [(p.offset, p.message, p.severity) for p in old[2]], repr(text)


def test_cut_out_stays_linear_on_many_unclosed_dollars():
    import time

    text = "$a " * 40_000
    start = time.perf_counter()
    _, _, problems = markup.cut_out(text, None, None)
    assert len(problems) == 40_000
    assert time.perf_counter() - start < 5


# --- whole renders: fast path on and off ----------------------------------------------------------


def _fields(content: Path, monkeypatch, fast: bool) -> list[tuple]:
    if not fast:
        monkeypatch.setattr(markup, "fast_html", lambda text: None)
    settings_ = pipeline.Settings(content_dir=content, out_dir=content.parent / "dist", addon_dir=ROOT / "addon",
                                  manifest_path=ROOT / "manifest.json")
    decks, _ = pipeline.parse(settings_)
    checked, _ = check.check(decks, settings_.limits)
    cards, diags = render.render(checked)
    monkeypatch.undo()
    return [c.fields() for c in cards] + [d.format() for d in diags]


@pytest.mark.parametrize("which", ["content", "corpus"])
def test_a_whole_render_is_the_same_with_and_without_the_fast_path(which, tmp_path, monkeypatch):
    if which == "content":
        content = tmp_path / "content"
        shutil.copytree(ROOT / "content", content)
    else:
        sys.path.insert(0, str(ROOT / "bench"))
        import corpus

        corpus.generate(tmp_path / "corpus", 600)
        content = tmp_path / "corpus" / "ours"
    fast = _fields(content, monkeypatch, True)
    assert fast == _fields(content, monkeypatch, False)


# --- the deck-file scanner: every line the parser can act on is marked --------------------------

DECK_LINES = ["## c1", "##c2", "## c-3 ##", "### sub", "## Bad Id", "##", "##\tc4", "#", "# ## no",
              "```", "```compute", "~~~", "~~~compute", "   ```", "    ```", "\t```", "````", "```python",
              "``` compute", "``` ", "~~~~", "`` `", "---", " --- ", "\t---", "----", "--- x", "\u00a0---",
              "---\u2003", "\x1c---", "-- -", "---\f", "tags: a b", "source: S", "", " ", "text $x$", "- item",
              "<!-- c -->", "param a = 1 in 0..2"]


def _acted_on(line: str) -> bool:
    """The lines the parser's per-line rules look at (source._split_cards and source._parse_card)."""
    return bool(source._FENCE.match(line)) or line.startswith("##") or line.strip() == "---"


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(DECK_LINES), max_size=30), st.integers(1, 4), st.booleans())
def test_the_scan_marks_every_line_the_parser_acts_on(body, start, final_newline):
    lines = ["---", "deck: D", "---", ""][:start] + body
    src = source.SourceFile("deck.md", "\n".join(lines) + ("\n" if final_newline else ""))
    marked = source._marked_lines(src, start)
    assert marked == sorted(set(marked)) and all(start <= i < len(src.lines) for i in marked)
    assert {i for i in range(start, len(src.lines)) if _acted_on(src.lines[i])} <= set(marked)


# --- the state file's fast serializer -------------------------------------------------------------

from builder.state import State  # noqa: E402

ids = st.text(alphabet=st.sampled_from(list("ab-z09é\"\\\n\u2028\x00😀")), min_size=1, max_size=8)
entries = st.fixed_dictionaries({"hash": st.text(max_size=6), "mtime": st.integers(-(2**40), 2**62)})


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(ids, entries, max_size=6), st.sampled_from([{}, {"look": "x\"é", "schema": "y", "mtime": 3}]))
def test_state_dumps_is_json_dumps_with_indent_1(cards, notetype):
    state_ = State(notetype, cards)
    want = json.dumps({"version": 1, "notetype": notetype, "cards": dict(sorted(cards.items()))}, indent=1, ensure_ascii=False) + "\n"
    assert state_.dumps() == want


def test_state_dumps_falls_back_for_other_entries():
    odd = State({}, {"a": {"mtime": 1, "hash": "h"}, "b": {"hash": "h", "mtime": 2.5}, "c": {"hash": "h", "mtime": True}})
    want = json.dumps({"version": 1, "notetype": {}, "cards": dict(sorted(odd.cards.items()))}, indent=1, ensure_ascii=False) + "\n"
    assert odd.dumps() == want


# --- the whole-build up-to-date check (build.py) --------------------------------------------------


def _cli(content: Path, out: Path, cache: Path, *extra: str):
    from tests.support.cli import run_build

    return run_build("--content", str(content), "--out-dir", str(out), "--cache-dir", str(cache), "-q", *extra)


def _snapshot(folder: Path) -> dict[str, tuple[int, bytes]]:
    return {p.relative_to(folder).as_posix(): (p.stat().st_mtime_ns, p.read_bytes()) for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def built_once(tmp_path):
    content, out, cache = tmp_path / "content", tmp_path / "dist", tmp_path / "cache"
    shutil.copytree(ROOT / "content", content)
    done = _cli(content, out, cache)
    assert done.returncode == 0 and "built" in done.stderr, done.stderr
    return content, out, cache


def test_an_unchanged_rebuild_does_nothing(built_once):
    content, out, cache = built_once
    before, state_before = _snapshot(out), (content / "cards.lock.json").read_bytes()
    done = _cli(content, out, cache)
    assert done.returncode == 0 and "is up to date" in done.stderr, done.stderr
    assert _snapshot(out) == before and (content / "cards.lock.json").read_bytes() == state_before


def test_the_up_to_date_path_imports_neither_anki_nor_markdown(built_once):
    import subprocess

    content, out, cache = built_once
    code = ("import sys, runpy; sys.argv = ['build.py', '--content', sys.argv[1], '--out-dir', sys.argv[2], "
            "'--cache-dir', sys.argv[3], '-q']\n"
            "try:\n    runpy.run_path(sys.argv[0] if False else %r, run_name='__main__')\n"
            "except SystemExit as e:\n    assert e.code == 0, e.code\n"
            "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('anki', 'markdown', 'aqt'))\n"
            "print(','.join(heavy))\n") % str(ROOT / "build.py")
    done = subprocess.run([sys.executable, "-c", code, str(content), str(out), str(cache)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "is up to date" in done.stderr
    assert done.stdout.strip() == ""


@pytest.mark.parametrize("change", ["edit card", "new file", "state file", "dist file", "dist extra", "dist missing",
                                    "dist touched", "manifest elsewhere", "image edited", "dist media file"])
def test_any_change_in_inputs_or_outputs_means_a_real_build(built_once, change):
    import os

    content, out, cache = built_once
    deck = next(p for p in sorted(content.glob("*.md")) if p.name not in ("FORMAT.md", "README.md"))
    if change == "edit card":
        deck.write_text(deck.read_text(encoding="utf-8") + "\n## a-new-card\n\nWhat is new?\n\n---\n\nThis.\n", encoding="utf-8")
    elif change == "new file":
        (content / "notes.txt").write_text("not a deck, but an input all the same")
    elif change == "state file":
        state_file = content / "cards.lock.json"
        state_file.write_text(state_file.read_text().replace('"mtime": ', '"mtime": 1', 1))
    elif change == "dist file":
        victim = next(out.glob("*.tsv"))
        victim.write_bytes(victim.read_bytes().replace(b"#html:true", b"#html:TRUE"))
        os.utime(victim, ns=(victim.stat().st_atime_ns, victim.stat().st_mtime_ns))
    elif change == "dist extra":
        (out / "stray.txt").write_text("x")
    elif change == "dist missing":
        next(out.glob("*.apkg")).unlink()
    elif change == "image edited":  # the Markdown is unchanged: only the picture is redrawn
        image = content / "img" / "kv-cache-shape.svg"
        image.write_bytes(image.read_bytes().replace(b"#dbe6fb", b"#dbe6fc"))
    elif change == "dist media file":
        next(out.glob("*-media/*")).write_bytes(b"<svg/>")
    elif change == "dist touched":
        victim = next(out.glob("*.apkg"))
        os.utime(victim, ns=(victim.stat().st_atime_ns, victim.stat().st_mtime_ns + 1))
    else:
        out_other = out.parent / "dist-elsewhere"
        done = _cli(content, out_other, cache)
        assert "is up to date" not in done.stderr and done.returncode == 0
        return
    done = _cli(content, out, cache)
    assert "is up to date" not in done.stderr and "built" in done.stderr, done.stderr
    again = _cli(content, out, cache)
    assert "is up to date" in again.stderr, again.stderr


def test_a_failed_build_keeps_dist_and_the_record(built_once):
    content, out, cache = built_once
    before = _snapshot(out)
    deck = next(p for p in sorted(content.glob("*.md")) if p.name not in ("FORMAT.md", "README.md"))
    good = deck.read_text(encoding="utf-8")
    deck.write_text(good + "\n## broken card without a separator\n", encoding="utf-8")
    failed = _cli(content, out, cache)
    assert failed.returncode == 1 and _snapshot(out) == before
    deck.write_text(good, encoding="utf-8")
    done = _cli(content, out, cache)
    assert done.returncode == 0 and "is up to date" in done.stderr, done.stderr


def test_no_cache_and_check_never_use_the_record(built_once):
    content, out, cache = built_once
    assert "is up to date" not in _cli(content, out, cache, "--no-cache").stderr
    done = _cli(content, out, cache, "check")
    assert done.returncode == 0 and "ok:" in done.stderr


def test_a_corrupt_record_means_a_real_build(built_once):
    content, out, cache = built_once
    for record in cache.glob("*/uptodate.json"):
        record.write_text("{not json")
    done = _cli(content, out, cache)
    assert done.returncode == 0 and "is up to date" not in done.stderr and "built" in done.stderr


# --- memory: a build releases the raw cards before writing ------------------------------------------


@pytest.mark.parametrize("speed", ["plain", "fast"])
def test_build_releases_raw_cards_and_lines_before_writing(tmp_path, monkeypatch, speed):
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    seen = []
    module, name = (pipeline, "write_package") if speed == "plain" else (fast, "write_outputs")
    real = getattr(module, name)

    def spy(settings_, staged, decks, cards, stamped, *args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append([(len(d.cards), len(d.source.lines), d.source.text) for d in decks])
        return real(settings_, staged, decks, cards, stamped, *args, **kwargs)

    monkeypatch.setattr(module, name, spy)
    s = pipeline.Settings(content_dir=content, out_dir=tmp_path / "dist", addon_dir=ROOT / "addon",
                          manifest_path=ROOT / "manifest.json", jobs=1 if speed == "plain" else 2)
    result = pipeline.build(s, now=1_800_000_000)
    assert seen and all(entry == (0, 0, "") for entry in seen[0]) and result.cards