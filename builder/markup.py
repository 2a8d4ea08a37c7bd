"""Stage 4: card Markdown to HTML, with math and placeholders kept away from Markdown.

Before Python-Markdown runs, one scan (which knows where every character came from) cuts out:
``$...$`` -> ``\\(...\\)``, ``$$...$$`` -> ``\\[...\\]`` (the TeX byte for byte, HTML-escaped only),
Anki's own ``\\(...\\)`` and ``\\[...\\]`` as they are, ``\\$`` -> ``$``, and ``{{placeholder}}`` -> a
marked span holding its value at the defaults.
Code spans and fenced code are left exactly as written. Each cut-out piece is replaced by a token
Markdown does not touch, and put back into the HTML afterwards.

The scan jumps from one special character to the next with one regex. Most card text is then plain
paragraphs, perhaps with `code`, **strong**, *emphasis* or a simple bullet list: ``fast_html`` writes
Python-Markdown's output for those directly (byte for byte, tests/build/test_fast_paths.py), and
everything else goes to Python-Markdown, which is imported only when it is needed.
"""

from __future__ import annotations

import difflib
import html
import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from addon.core.compute import ComputeModel
from addon.core.diagnostics import ComputeError
from addon.core.placeholders import (PLACEHOLDER, format_placeholder, math_span, parse_placeholder, placeholder_problem,
                                     span, tex_value)

from .source import Text

if TYPE_CHECKING:
    import markdown

TOKEN_OPEN, TOKEN_CLOSE = "\ue000", "\ue001"
_TOKEN = re.compile(f"{TOKEN_OPEN}(\\d+){TOKEN_CLOSE}")
_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
# Where cut_out has something to do: a backtick, a backslash, a dollar, "{{", or a newline that a
# fence may follow (cut_out checks for a fence at a line start; elsewhere a line start is plain).
_SPECIAL = re.compile(r"[`\\$]|\{\{|\n(?= {0,3}(?:```|~~~))")
_BACKTICKS = re.compile(r"`+")
_DOLLAR_STOP = re.compile(r"[\\$]|\n\n")
MARKDOWN_EXTENSIONS = ("extra", "sane_lists")


@dataclass(frozen=True)
class Problem:
    """A problem in a piece of text, at ``offset`` characters into it."""

    offset: int
    message: str
    severity: str = "error"


def new_markdown() -> "markdown.Markdown":
    import markdown  # here, not at the top: plain text and the up-to-date check never need it

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
    context = (model, values, compute_failed)  # for placeholders inside math
    # The scan jumps from one special place to the next (_SPECIAL): everything between is copied
    # as it is. A line start matters only where a fence may begin; a line start is one reached by
    # copying a newline (a newline inside a code span, math or after a backslash is not one).
    i, n = 0, len(text)
    at_line_start = True
    search = _SPECIAL.search
    while i < n:
        if at_line_start:
            at_line_start = False
            fence = _FENCE.match(text, i)
            if fence:
                stop = fence_end(text, i, fence.group(1))
                out.append(text[i:stop])
                i = stop
                continue
        m = search(text, i)
        if m is None:
            out.append(text[i:])
            break
        j = m.start()
        if j > i:
            out.append(text[i:j])
        ch = text[j]
        if ch == "\n":  # a newline before a possible fence: the next line is a line start
            out.append(ch)
            i = j + 1
            at_line_start = True
            continue
        if ch == "`":
            run = _BACKTICKS.match(text, j).end() - j
            close = re.compile(rf"(?<!`)`{{{run}}}(?!`)")
            mc = close.search(text, j + run)
            stop = mc.end() if mc else j + run
            out.append(text[j:stop])
            i = stop
            continue
        if ch == "\\":
            if j + 1 < n:
                if text[j + 1] == "$":
                    stash("$")
                elif text[j + 1] in "([":
                    i = _anki_math(text, j, stash, problems, context)
                    continue
                else:
                    out.append(text[j : j + 2])
                i = j + 2
            else:
                out.append(ch)
                i = j + 1
            continue
        if ch == "$":
            i = _math(text, j, stash, problems, closers, context)
            continue
        i = _placeholder(text, j, model, values, stash, problems, compute_failed)  # "{{"
    return "".join(out), pieces, problems


Context = tuple  # (model, values, compute_failed): what placeholders inside math are filled from


def _math(text: str, i: int, stash: Callable[[str], None], problems: list[Problem], closers: dict[int, int | None],
          context: Context = (None, None, False)) -> int:
    if text.startswith("$$", i):
        end = text.find("$$", i + 2)
        if end == -1:
            problems.append(Problem(i, "'$$' display math is not closed (write \\$ for a dollar sign)"))
            return len(text)
        stash(math_html("\\[", text[i + 2 : end], "\\]", i + 2, problems, *context))
        return end + 2
    j = i + 1
    if j < len(text) and not text[j].isspace():
        close = _closing_dollar(text, j, closers)
        if close is not None:
            tex = text[i + 1 : close]
            why = mistaken_dollar(tex)
            if why:
                problems.append(Problem(i, f"{why}: if these '$' are dollar signs, write \\$ for each", "warning"))
            stash(math_html("\\(", tex, "\\)", i + 1, problems, *context))
            return close + 1
    problems.append(Problem(i, "'$' math is not closed: close it with '$', or write \\$ for a dollar sign"))
    return i + 1


def _anki_math(text: str, i: int, stash: Callable[[str], None], problems: list[Problem],
               context: Context = (None, None, False)) -> int:
    """Anki's own delimiters: ``\\(...\\)`` inline (one paragraph), ``\\[...\\]`` display (may span
    lines), kept byte for byte like ``$...$`` (only HTML-escaped)."""
    opener = text[i + 1]
    closer = "\\)" if opener == "(" else "\\]"
    end = text.find(closer, i + 2)
    if opener == "(" and end != -1 and "\n\n" in text[i + 2 : end]:
        end = -1
    if end == -1:
        problems.append(Problem(i, f"'\\{opener}' math is not closed with '{closer}'"
                                   + (" in the same paragraph" if opener == "(" else "")
                                   + f" (for a literal '{opener}', write it without the backslash)"))
        return i + 2
    stash(math_html(text[i : i + 2], text[i + 2 : end], closer, i + 2, problems, *context))
    return end + 2


def math_html(opener: str, tex: str, closer: str, offset: int, problems: list[Problem], model: ComputeModel | None = None,
              values: dict[str, float] | None = None, compute_failed: bool = False) -> str:
    """One piece of math as HTML: the TeX byte for byte (HTML-escaped), between its delimiters.

    A ``{{name}}`` inside it whose name the card's compute block has is its value as TeX
    (``4{,}096``), and the math is then marked for the add-on (``placeholders.math_span``). Any other
    ``{{`` is TeX's own braces (``\\binom{{n}}{k}``), except a name close to one the card has
    (``{{seq_lne}}``): that is an error, as outside math. ``offset``: where ``tex`` starts in the
    text the problems are about.
    """
    if "{{" not in tex:
        return opener + html.escape(tex, quote=False) + closer
    shown, template, last = [], [], 0
    for m in PLACEHOLDER.finditer(tex):
        inner = m.group("inner")
        try:
            placeholder = parse_placeholder(inner)
        except ComputeError:
            continue  # TeX's own braces ({{n}\choose k}), not a placeholder
        if model is None or values is None:
            continue  # no compute block (or one with errors, reported on their own): TeX braces
        if placeholder.name not in model.names:
            close = difflib.get_close_matches(placeholder.name, sorted(model.names), n=1, cutoff=0.75)
            if close:
                problems.append(Problem(offset + m.start() + 2 + len(inner) - len(inner.lstrip()), (
                    f"unknown name {placeholder.name!r} in placeholder (did you mean {close[0]!r}?); "
                    "for TeX braces, write them with a space: { {x} }")))
            continue
        problem = placeholder_problem(placeholder, model)
        if problem:
            problems.append(Problem(offset + m.start() + 2 + len(inner) - len(inner.lstrip()), problem))
            continue
        before = tex[last : m.start()]
        shown += [before, tex_value(format_placeholder(placeholder, model, values))]
        template += [before, "{{" + placeholder.key + "}}"]
        last = m.end()
    if not shown:
        return opener + html.escape(tex, quote=False) + closer
    return math_span(opener + "".join(template) + tex[last:] + closer, opener + "".join(shown) + tex[last:] + closer)


_PROSE = re.compile(r"(?<![\\A-Za-z])[A-Za-z]{2,}(?:[ ,]+[A-Za-z]{2,}){2,}(?![A-Za-z])")
_TEX_WORDS = re.compile(r"\\[A-Za-z]+\*?\s*(?:\{[^{}]*\})?")


def mistaken_dollar(tex: str) -> str | None:
    """Why inline math ``$tex$`` looks like a mistake (prose between two dollar signs), or None."""
    if "$" in tex:
        return "this inline math holds a '$' (or '\\$')"
    if _PROSE.search(_TEX_WORDS.sub(" ", tex)):
        return "this inline math runs over prose"
    return None


def _closing_dollar(text: str, j: int, memo: dict[int, int | None]) -> int | None:
    """The '$' that closes inline math when the scan starts at ``j``, or None (none before a blank line).

    The scan depends on ``j`` only, so every place it stops at (it jumps from one backslash, '$' or
    blank line to the next) is remembered in ``memo``: a paragraph with thousands of unclosed '$'
    costs one pass, not one pass per '$'.
    """
    passed: list[int] = []
    found: int | None = None
    n = len(text)
    search = _DOLLAR_STOP.search
    while j < n:
        if j in memo:
            found = memo[j]
            break
        passed.append(j)
        m = search(text, j)  # the next place that matters: a backslash, a '$' or a blank line
        if m is None:
            break
        k = m.start()
        if k != j:
            if k in memo:
                found = memo[k]
                break
            passed.append(k)
        c = text[k]
        if c == "\\":
            j = k + 2
            continue
        if c == "\n":
            break  # a blank line ends the paragraph
        if not text[k - 1].isspace() and not (k + 1 < n and text[k + 1].isdigit()):
            found = k
            break
        j = k + 1
    for k in passed:
        memo[k] = found
    return found


ESCAPE_HINT = r" (to write double braces as text, write \{\{)"
_CLOZE = re.compile(r"\s*c\d+::")


def unparsable_placeholder(inner: str, e: ComputeError) -> tuple[int, str]:
    """Where (into ``inner``) and why ``{{inner}}`` is not a placeholder, in the author's words."""
    if _CLOZE.match(inner):
        return 0, ("cloze deletions ({{c1::...}}) are not supported by the Compute Card note type: ask the "
                   "question and put the hidden part on the answer side, after '---'" + ESCAPE_HINT)
    return e.offset, e.message + ESCAPE_HINT


def _placeholder(text: str, i: int, model: ComputeModel | None, values: dict[str, float] | None,
                 stash: Callable[[str], None], problems: list[Problem], compute_failed: bool = False) -> int:
    line_end = text.find("\n", i)
    end = text.find("}}", i + 2, len(text) if line_end == -1 else line_end)  # this line only: linear
    if end == -1:
        problems.append(Problem(i, "'{{' placeholder is not closed with '}}' on the same line" + ESCAPE_HINT))
        return i + 2
    inner = text[i + 2 : end]
    try:
        placeholder = parse_placeholder(inner)
    except ComputeError as e:
        offset, message = unparsable_placeholder(inner, e)
        problems.append(Problem(i + 2 + offset, message))
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


def fence_end(text: str, start: int, marker: str) -> int:
    """Where the fenced code opened at ``start`` by ``marker`` (```` ``` ```` or ``~~~``) ends: after its
    closing fence, or at the end of ``text`` when it is never closed (as Python-Markdown reads it)."""
    close = re.compile(rf"^ {{0,3}}{re.escape(marker[0])}{{{len(marker)},}}\s*$", re.M)
    end_of_line = text.find("\n", start)
    m = close.search(text, end_of_line + 1) if end_of_line != -1 else None
    return m.end() if m else len(text)


def code_ranges(text: str) -> list[tuple[int, int]]:
    """Where ``text`` has fenced code or code spans, as (start, end) offsets: what ``cut_out`` leaves as written."""
    ranges: list[tuple[int, int]] = []
    i, n = 0, len(text)
    while i < n:
        fence = _FENCE.match(text, i) if i == 0 or text[i - 1] == "\n" else None
        if fence:
            stop = fence_end(text, i, fence.group(1))
            ranges.append((i, stop))
            i = stop
            continue
        line_end = text.find("\n", i)
        line_end = n if line_end == -1 else line_end + 1
        j = text.find("`", i, line_end)
        while j != -1:
            run = _BACKTICKS.match(text, j).end() - j
            mc = re.compile(rf"(?<!`)`{{{run}}}(?!`)").search(text, j + run)
            if mc is None:
                j = text.find("`", j + run, line_end)
                continue
            ranges.append((j, mc.end()))
            if mc.end() > line_end:
                line_end = text.find("\n", mc.end())
                line_end = n if line_end == -1 else line_end + 1
            j = text.find("`", mc.end(), line_end)
        i = line_end
    return ranges


# --- the fast path for plain Markdown --------------------------------------------------------------
#
# Most card text is prose: paragraphs of words, numbers and math tokens. For such text Python-Markdown
# does nothing but wrap each paragraph (the text between blank lines) in <p>...</p> and join them
# with a newline, and ``plain_html`` does exactly that without it. "Plain" is judged conservatively;
# anything else goes to Python-Markdown. tests/build/test_fast_paths.py compares the two, byte for
# byte, on generated texts (the allowed characters and the near misses).
#
# Not plain when the text has:
# - an ASCII character outside letters, digits, space, newline, _ and . , ; : ? ' " ( ) / % @ + = ^ $ -
#   (so no * [ ] < > & # ! | ~ ` \ { }: emphasis, links, HTML, entities, headings, tables,
#   fences, escapes, attribute lists, footnotes and abbreviations all need one of these);
# - an underscore that is not inside a word (a word character on both sides, as in head_dim):
#   Python-Markdown's "smart" underscore emphasis opens and closes only at a word's edge, and a
#   rule (___) opens a line;
# - a space before a newline or at the end (a hard break; a line of spaces), a space or a tab
#   opening a line (indented code, list continuation);
# - a line that opens with anything but a letter, a digit, a math token or ( " ' (lists, quotes,
#   headings, rules, setext underlines, definition lists), or with digits then "." or ")" (an
#   ordered list);
# - a control or format character, any other whitespace, or a private-use character other than
#   the tokens (Python-Markdown strips or uses some of them).
_NOT_PLAIN_CHAR = re.compile("[^A-Za-z0-9_ \n.,;:?'\"()/%@+=^$\\-\x80-\U0010ffff]")  # an ASCII character outside the set
_UNDERSCORE_AT_EDGE = re.compile(r"(?<!\w)_|_(?!\w)")  # an underscore with a non-word character (or nothing) beside it
_NOT_PLAIN_OPENING = "[^\\w\n" + TOKEN_OPEN + "(\"']|_|\\d+[.)]"  # how a line may not open
_NOT_PLAIN_FIRST_LINE = re.compile(_NOT_PLAIN_OPENING)
_NOT_PLAIN_NEXT_LINE = re.compile("\n(?:" + _NOT_PLAIN_OPENING + ")")
_NON_ASCII = re.compile("[^\x00-\x7f]")
_TOKEN_CHARS = frozenset((TOKEN_OPEN, TOKEN_CLOSE))
_PARAGRAPH_BREAK = re.compile("\n{2,}")


def is_plain(text: str) -> bool:
    """True when Python-Markdown would only wrap the paragraphs of ``text`` (see above)."""
    # Cheap scans, not one regex with alternatives (which tries each at every character).
    if (_NOT_PLAIN_CHAR.search(text) or " \n" in text or text.endswith(" ")
            or _NOT_PLAIN_FIRST_LINE.match(text) or _NOT_PLAIN_NEXT_LINE.search(text)
            or ("_" in text and _UNDERSCORE_AT_EDGE.search(text))):
        return False
    if text.isascii():
        return True
    for m in _NON_ASCII.finditer(text):
        c = m.group()
        if c not in _TOKEN_CHARS and (c.isspace() or unicodedata.category(c)[0] in "CZ"):
            return False
    return True


def plain_html(text: str) -> str:
    """Python-Markdown's output for a text ``is_plain`` accepts."""
    return "\n".join(f"<p>{p}</p>" for p in _PARAGRAPH_BREAK.split(text.strip("\n")) if p)


# Beyond plain text, two more shapes are common in cards and cheap to get right:
# - simple inline markup: `code`, **strong** and *emphasis* that neither nest nor overlap. Each is
#   cut out (like math), what is left must be plain, and the HTML is put back in:
#   - a code span: one backtick each side (none next to it), on one line, no backtick, '*', '\\', '&', '<', '>' inside,
#     no space at either end (Markdown strips those) -> <code>...</code>;
#   - **strong** / *emphasis*: on one line, no '*' next to them, inside only what plain text allows
#     (so no backtick, '_' or '*'), no space at either end -> <strong>...</strong> / <em>...</em>;
# - a simple bullet list: a block (between blank lines) whose every line is "- " and then an item
#   that would be plain (or simple inline markup) as a line of its own, and no list block right
#   before or after it (Markdown would join them into one loose list) -> <ul>, one <li> per line.
# Anything else with a '*', a backtick or a '-' opening a line (a nested or loose list, '2 * 3',
# '***', '``', an unclosed one ...) goes to Python-Markdown. tests/build/test_fast_paths.py compares
# the two on generated texts, byte for byte.
_INLINE = re.compile(r"(?<!`)`([^`\n]+)`(?!`)|(?<!\*)\*\*([^*\n]+)\*\*(?!\*)|(?<!\*)\*([^*\n]+)\*(?!\*)")
_CODE_OK = re.compile(r"[^`*\\&<>\n]+")
_INLINE_TOKEN = re.compile(TOKEN_OPEN + "i(\\d+)" + TOKEN_CLOSE)


def _inline_block(block: str) -> str | None:
    """The HTML inside the <p> of one block (no blank line in it) of plain text and simple inline
    markup, or None when it is anything else."""
    if "*" not in block and "`" not in block:
        return block if is_plain(block) else None
    spans: list[str] = []

    def cut(m: re.Match) -> str:
        code, strong, em = m.groups()
        inner = code if code is not None else strong if strong is not None else em
        if not inner or inner != inner.strip():
            raise ValueError
        if code is not None:
            if not _CODE_OK.fullmatch(code) or not (code.isascii() or is_plain(code)):
                raise ValueError
            spans.append(f"<code>{code}</code>")
        else:
            if not is_plain(inner):
                raise ValueError
            tag = "strong" if strong is not None else "em"
            spans.append(f"<{tag}>{inner}</{tag}>")
        return f"{TOKEN_OPEN}i{len(spans) - 1}{TOKEN_CLOSE}"

    try:
        rest = _INLINE.sub(cut, block)
    except ValueError:
        return None
    if "*" in rest or "`" in rest or not is_plain(rest):
        return None
    return _INLINE_TOKEN.sub(lambda m: spans[int(m.group(1))], rest)


def fast_html(text: str) -> str | None:
    """Python-Markdown's output for ``text`` when a fast path knows it (see above), else None."""
    if is_plain(text):
        return plain_html(text)
    if "*" not in text and "`" not in text and "- " not in text:
        return None
    out: list[str] = []
    after_list = False
    for block in _PARAGRAPH_BREAK.split(text.strip("\n")):
        if not block:
            continue
        lines = block.split("\n")
        if all(line.startswith("- ") for line in lines):
            if after_list:
                return None
            items = []
            for line in lines:
                item = _inline_block(line[2:]) if len(line) > 2 else None
                if item is None:
                    return None
                items.append(f"<li>{item}</li>")
            out.append("<ul>\n" + "\n".join(items) + "\n</ul>")
            after_list = True
        else:
            inner = _inline_block(block)
            if inner is None:
                return None
            out.append(f"<p>{inner}</p>")
            after_list = False
    return "\n".join(out)


def convert(md: "markdown.Markdown", text: str) -> str:
    """``md.convert(text)``, without Python-Markdown when a fast path knows the answer."""
    html_text = fast_html(text)
    if html_text is not None:
        return html_text
    md.reset()
    return md.convert(text)


def put_back(rendered: str, pieces: list[str]) -> str:
    return _TOKEN.sub(lambda m: pieces[int(m.group(1))], rendered)


def render_markdown(md: markdown.Markdown, text: str, model: ComputeModel | None,
                    values: dict[str, float] | None, compute_failed: bool = False) -> tuple[str, list[Problem]]:
    """Card Markdown to HTML (math, placeholders, raw HTML kept); problems carry offsets into ``text``."""
    prepared, pieces, problems = cut_out(text, model, values, compute_failed)
    if "\n " in text:
        problems += list_problems(text)
    return put_back(convert(md, prepared), pieces), problems


# --- Markdown traps: what Python-Markdown does that an author does not expect ---------------------

_LIST_ITEM = re.compile(r"( *)(?:[-*+]|\d{1,9}[.)])[ \t]")


def list_problems(text: str) -> list[Problem]:
    """A list item indented 1-3 spaces more than the item above: Python-Markdown nests lists only at
    4 spaces, so it would stay at the outer level (a warning at the item)."""
    problems: list[Problem] = []
    code = code_ranges(text)
    above: int | None = None  # the indentation of the list item above, in this list
    offset = 0
    for line in text.split("\n"):
        start, offset = offset, offset + len(line) + 1
        if any(a <= start < b for a, b in code):
            continue
        m = _LIST_ITEM.match(line)
        if m is None:
            if line.strip() and not line.startswith(" "):
                above = None  # a paragraph: the list is over
            continue
        indent = len(m.group(1))
        if above is not None and 0 < indent - above < 4:
            problems.append(Problem(start + indent, (
                f"this list item is indented {indent - above} space(s) more than the one above: Python-Markdown "
                "nests a list only when it is indented 4 spaces, so this item stays in the outer list; indent it "
                "4 spaces to nest it"), "warning"))
            continue
        above = indent
    return problems


_FOOTNOTE_REF = re.compile(r"\[\^([^\]\s]+)\](?!:)")
_FOOTNOTE_TEXT = re.compile(r"^ {0,3}\[\^([^\]\s]+)\]:", re.M)


def footnote_problems(question: str, answer: str) -> list[tuple[int, Problem]]:
    """Footnote references whose text is not on their side (0: the question, 1: the answer): each side
    is its own Markdown document, so such a reference shows as ``[^1]`` (a warning at it)."""
    if "[^" not in question and "[^" not in answer:
        return []
    sides = (question, answer)
    texts = [set(_FOOTNOTE_TEXT.findall(side)) for side in sides]
    found = []
    for n, side in enumerate(sides):
        code = code_ranges(side)
        for m in _FOOTNOTE_REF.finditer(side):
            label = m.group(1)
            if label in texts[n] or any(a <= m.start() < b for a, b in code):
                continue
            if label in texts[1 - n]:
                where = "answer" if n == 0 else "question"
                message = (f"the text of footnote [^{label}] is on the {where} side: each side is rendered on its "
                           f"own, so this shows as '[^{label}]'; put a line '[^{label}]: ...' on this side too")
            else:
                message = f"footnote [^{label}] has no text: add a line '[^{label}]: ...' on this side"
            found.append((n, Problem(m.start(), message, "warning")))
    return found


def render_inline(md: markdown.Markdown, text: str) -> str:
    """One line of Markdown (a source citation) without the surrounding <p>."""
    html_text = convert(md, text)
    if html_text.startswith("<p>") and html_text.endswith("</p>") and html_text.count("<p>") == 1:
        html_text = html_text[3:-4]
    return html_text


def formula_field(piece: Text) -> str:
    """The Formula field: the LaTeX as display math for Anki's MathJax."""
    return formula_html(piece.text)[0]


def formula_html(text: str, model: ComputeModel | None = None, values: dict[str, float] | None = None,
                 compute_failed: bool = False) -> tuple[str, list[Problem]]:
    """The Formula field (display math) with its placeholders (``math_html``); problems at offsets into ``text``."""
    start = len(text) - len(text.lstrip())
    tex = text.strip()
    if tex.startswith("$$") and tex.endswith("$$") and len(tex) >= 4:
        tex, start = tex[2:-2], start + 2
    problems: list[Problem] = []
    return math_html(r"\[", tex, r"\]", start, problems, model, values, compute_failed), problems


def render_source(md: "markdown.Markdown", text: str, model: ComputeModel | None = None,
                  values: dict[str, float] | None = None, compute_failed: bool = False) -> tuple[str, list[Problem]]:
    """The Source field: one line of Markdown, with math and placeholders as in the card's text."""
    rendered, problems = render_markdown(md, text, model, values, compute_failed)
    if rendered.startswith("<p>") and rendered.endswith("</p>") and rendered.count("<p>") == 1:
        rendered = rendered[3:-4]
    return rendered, problems
