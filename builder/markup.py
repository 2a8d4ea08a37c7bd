"""Stage 4: card Markdown to HTML, with math and placeholders kept away from Markdown.

Before Python-Markdown runs, one scan (which knows where every character came from) cuts out:
``$...$`` -> ``\\(...\\)``, ``$$...$$`` -> ``\\[...\\]`` (the TeX byte for byte, HTML-escaped only),
``\\$`` -> ``$``, and ``{{placeholder}}`` -> a marked span holding its value at the defaults.
Code spans and fenced code are left exactly as written. Each cut-out piece is replaced by a token
Markdown does not touch, and put back into the HTML afterwards.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Callable

import markdown

from addon.core.compute import ComputeModel
from addon.core.diagnostics import ComputeError
from addon.core.placeholders import format_placeholder, parse_placeholder, placeholder_problem, span

from .source import Text

TOKEN_OPEN, TOKEN_CLOSE = "\ue000", "\ue001"
_TOKEN = re.compile(f"{TOKEN_OPEN}(\\d+){TOKEN_CLOSE}")
_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
MARKDOWN_EXTENSIONS = ("extra", "sane_lists")


@dataclass(frozen=True)
class Problem:
    """A problem in a piece of text, at ``offset`` characters into it."""

    offset: int
    message: str


def new_markdown() -> markdown.Markdown:
    return markdown.Markdown(extensions=list(MARKDOWN_EXTENSIONS), output_format="html")


def cut_out(text: str, model: ComputeModel | None, values: dict[str, float] | None,
            compute_failed: bool = False) -> tuple[str, list[str], list[Problem]]:
    """Replace math, escaped dollars and placeholders with tokens; return the text, the pieces, problems.

    ``compute_failed``: the card has a compute block, but it has errors (reported on their own); then a
    placeholder is only checked for its syntax, not reported as needing a compute block.
    """
    pieces: list[str] = []
    problems: list[Problem] = []
    out: list[str] = []
    closers: dict[int, int | None] = {}  # _closing_dollar's memo, shared by all '$' of this text

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
            else:
                out.append(text[i : i + 2])
            i += 2
            continue
        if ch == "$":
            i = _math(text, i, stash, problems, closers)
            continue
        if text.startswith("{{", i):
            i = _placeholder(text, i, model, values, stash, problems, compute_failed)
            continue
        out.append(ch)
        i += 1
    return "".join(out), pieces, problems


def _math(text: str, i: int, stash: Callable[[str], None], problems: list[Problem], closers: dict[int, int | None]) -> int:
    if text.startswith("$$", i):
        end = text.find("$$", i + 2)
        if end == -1:
            problems.append(Problem(i, "'$$' display math is not closed (write \\$ for a dollar sign)"))
            return len(text)
        stash(r"\[" + html.escape(text[i + 2 : end], quote=False) + r"\]")
        return end + 2
    j = i + 1
    if j < len(text) and not text[j].isspace():
        close = _closing_dollar(text, j, closers)
        if close is not None:
            stash(r"\(" + html.escape(text[i + 1 : close], quote=False) + r"\)")
            return close + 1
    problems.append(Problem(i, "'$' math is not closed: close it with '$', or write \\$ for a dollar sign"))
    return i + 1


def _closing_dollar(text: str, j: int, memo: dict[int, int | None]) -> int | None:
    """The '$' that closes inline math when the scan starts at ``j``, or None (none before a blank line).

    The scan depends on ``j`` only, so every position it passes is remembered in ``memo``: a paragraph
    with thousands of unclosed '$' costs one pass, not one pass per '$'.
    """
    passed: list[int] = []
    found: int | None = None
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
            break  # a blank line ends the paragraph
        if c == "$" and not text[j - 1].isspace() and not (j + 1 < len(text) and text[j + 1].isdigit()):
            found = j
            break
        j += 1
    for k in passed:
        memo[k] = found
    return found


def _placeholder(text: str, i: int, model: ComputeModel | None, values: dict[str, float] | None,
                 stash: Callable[[str], None], problems: list[Problem], compute_failed: bool = False) -> int:
    line_end = text.find("\n", i)
    end = text.find("}}", i + 2, len(text) if line_end == -1 else line_end)  # this line only: linear
    if end == -1:
        problems.append(Problem(i, "'{{' placeholder is not closed with '}}' on the same line"))
        return i + 2
    inner = text[i + 2 : end]
    try:
        placeholder = parse_placeholder(inner)
    except ComputeError as e:
        problems.append(Problem(i + 2 + e.offset, e.message))
        return end + 2
    if compute_failed and model is None:
        stash(html.escape(text[i : end + 2], quote=False))  # left as written: the build fails anyway
        return end + 2
    problem = placeholder_problem(placeholder, model)
    if problem or model is None or values is None:
        problems.append(Problem(i + 2 + max(0, len(inner) - len(inner.lstrip())), problem or "placeholder needs a compute block"))
        return end + 2
    stash(span(placeholder, format_placeholder(placeholder, model, values)))
    return end + 2


def put_back(rendered: str, pieces: list[str]) -> str:
    return _TOKEN.sub(lambda m: pieces[int(m.group(1))], rendered)


def render_markdown(md: markdown.Markdown, text: str, model: ComputeModel | None,
                    values: dict[str, float] | None, compute_failed: bool = False) -> tuple[str, list[Problem]]:
    """Card Markdown to HTML (math, placeholders, raw HTML kept); problems carry offsets into ``text``."""
    prepared, pieces, problems = cut_out(text, model, values, compute_failed)
    md.reset()
    return put_back(md.convert(prepared), pieces), problems


def render_inline(md: markdown.Markdown, text: str) -> str:
    """One line of Markdown (a source citation) without the surrounding <p>."""
    md.reset()
    html_text = md.convert(text)
    if html_text.startswith("<p>") and html_text.endswith("</p>") and html_text.count("<p>") == 1:
        html_text = html_text[3:-4]
    return html_text


def formula_field(piece: Text) -> str:
    """The Formula field: the LaTeX as display math for Anki's MathJax."""
    tex = piece.text.strip()
    if tex.startswith("$$") and tex.endswith("$$") and len(tex) >= 4:
        tex = tex[2:-2]
    return r"\[" + html.escape(tex, quote=False) + r"\]"
