"""The "Compute Card" note type: fixed ids, fields, the card template and its CSS.

The ids never change: Anki matches note types, fields and templates by id on import, so a fixed id
is what lets an updated deck update notes in place instead of adding a second note type.
Adding, removing or reordering fields or templates forces every learner into a full sync; the
build warns when ``SCHEMA`` changes (see README, "Publishing changes").
"""

from __future__ import annotations

import functools
import hashlib
import html
import json
import re
import sys
from pathlib import Path

NOTETYPE_NAME = "Compute Card"
NOTETYPE_ID = 1_764_288_000_019  # 2025-11-28, chosen once; never change it
TEMPLATE_NAME = "Compute"
TEMPLATE_ID = 7_113_935_610_544_172_211

# (name, fixed id, what it holds)
FIELDS: tuple[tuple[str, int, str], ...] = (
    ("Front", 4_102_664_955_180_340_371, "the question (HTML, MathJax, placeholders at their default values)"),
    ("Back", 6_215_830_517_327_712_137, "the answer"),
    ("Formula", 2_745_902_116_694_016_009, "the formula in LaTeX, as \\[...\\]"),
    ("Compute", 5_531_870_322_900_417_143, "the compute block, verbatim: the add-on reads it"),
    ("Source", 8_301_146_987_210_733_541, "where the facts come from"),
)
FIELD_NAMES = tuple(name for name, _, _ in FIELDS)
COMPUTE_FIELD = "Compute"
SORT_FIELD = 0

# The card template runs the compute engine itself (AnkiDroid, AnkiMobile, AnkiWeb, desktop without
# the add-on): engine.js, panel.js and template.js are inlined, so a new build's code always travels
# with the note type (see ARCHITECTURE.md, "The live card template"). The Compute field sits in an
# inert <template>: nothing in it runs or loads; template.js reads it as DOM text.
# All three files and the start call are ONE <script>: after a long script the HTML parser yields, and
# the browser renders a frame and comes back later (16 ms on a throttled phone-class CPU, a third of
# the question side's start-up; bench/template_phone.py). Each file keeps its own try, so one that
# throws still leaves the others running (as separate scripts did), and its error is still reported.
WEB_DIR = Path(__file__).resolve().parent.parent / "web"
TEMPLATE_SCRIPTS = ("engine.js", "panel.js", "template.js")  # in load order
TEMPLATE_STYLES = ("panel.css",)
TEMPLATE_START = 'window.ComputeCardsTemplate && ComputeCardsTemplate.start("{side}");'
# around each file inside the one script: an exception escapes as an uncaught error, a moment later
_PART = "try {{\n{code}\n}} catch (e) {{ setTimeout(function () {{ throw e; }}, 0); }}\n"


@functools.lru_cache(maxsize=None)
def _web_asset(name: str) -> str:
    """A file of addon/web, made safe to inline in a card template (or refused)."""
    text = (WEB_DIR / name).read_text(encoding="utf-8").strip()
    if name.endswith(".js"):
        text = _without_field_braces(text, name)
    # Anki's template language would read {{ as a field; </script or <!-- ends or hides a script.
    for bad in ("{{", "</script", "<!--", "</style"):
        if bad in text.lower():
            raise ValueError(f"addon/web/{name} contains {bad!r}, which cannot go inline in a card template")
    return text


# A JavaScript string, a comment, or a {{ outside both (regex literals are not told apart: a quote in
# one would be read as a string, which a test of the inlined code would show).
_JS_PIECE = re.compile(r""""(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|//[^\n]*|/\*.*?\*/|\{\{""", re.S)


def _without_field_braces(code: str, name: str) -> str:
    """``{{`` inside a JavaScript string written ``{\\u007b`` (the same string for JavaScript, no field
    for Anki's template language), inside a comment ``{ {``; ``{{`` in code itself is refused."""

    def piece(m: re.Match[str]) -> str:
        text = m.group(0)
        if text == "{{":
            line = code.count("\n", 0, m.start()) + 1
            raise ValueError(f"addon/web/{name}:{line}: '{{{{' in code cannot go inline in a card template")
        if text.startswith("/"):
            return text.replace("{{", "{ {")
        return text.replace("{{", "{\\u007b")

    return code if "{{" not in code else _JS_PIECE.sub(piece, code)


def _live(side: str) -> str:
    """The live panel of one side: the Compute field (inert) and the scripts that read it."""
    parts = "".join(_PART.format(code=_web_asset(name)) for name in TEMPLATE_SCRIPTS)
    return (
        "{{#Compute}}\n"
        '<template id="cc-compute">{{Compute}}</template>\n'
        + "<script>\n" + parts + TEMPLATE_START.format(side=side) + "\n</script>\n"
        + "{{/Compute}}\n"
    )


_QUESTION_CARD = """\
<div class="cc-card cc-question">{{Front}}</div>
"""

# The hidden \(\) makes every client load its MathJax on the answer side, for the worked formula.
_ANSWER_CARD = """\
<div class="cc-card cc-question">{{Front}}</div>
<hr id="answer">
<div class="cc-card cc-answer">{{Back}}</div>
{{#Formula}}<div class="cc-card cc-formula">{{Formula}}</div>{{/Formula}}
{{#Source}}<div class="cc-card cc-source">Source: {{Source}}</div>{{/Source}}
{{#Compute}}<span class="cc-mathjax-hint" hidden>\\(\\)</span>{{/Compute}}
"""

_CARD_CSS = """\
.card {
  font-family: -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  font-size: 20px;
  line-height: 1.5;
  text-align: left;
  color: #1d1d1f;
  background-color: #ffffff;
}
.card.nightMode, .nightMode .card, .night_mode .card { color: #e6e6e6; background-color: #1e1e1e; }
.cc-card { max-width: 920px; margin: 0 auto; }
.cc-card code, .cc-card pre { font-family: ui-monospace, "SF Mono", Menlo, Consolas, monospace; font-size: 0.85em; }
.cc-card pre { padding: 0.6em 0.8em; overflow-x: auto; border-radius: 6px; background: rgba(127, 127, 127, 0.12); }
.cc-card table { border-collapse: collapse; }
.cc-card th, .cc-card td { border: 1px solid rgba(127, 127, 127, 0.4); padding: 0.2em 0.6em; }
.cc-value { font-weight: 600; font-variant-numeric: tabular-nums; }
.cc-formula { margin-top: 0.8em; padding: 0.4em 0.8em; border-left: 3px solid #4f7cff; background: rgba(79, 124, 255, 0.08); overflow-x: auto; }
.cc-source { margin-top: 1em; font-size: 0.7em; color: #6e6e73; }
.nightMode .cc-source, .night_mode .cc-source { color: #a1a1a6; }
.nightMode .cc-formula, .night_mode .cc-formula { border-left-color: #8aa8ff; background: rgba(138, 168, 255, 0.12); }
.cc-card table { display: block; max-width: 100%; overflow-x: auto; }
.cc-card mjx-container[display="true"] { max-width: 100%; overflow-x: auto; overflow-y: hidden; }
.cc-card img { max-width: 100%; height: auto; }
"""


@functools.lru_cache(maxsize=1)
def _look() -> dict[str, str]:
    """The templates and CSS with the web assets inlined: read on first use (the build), not when the add-on starts."""
    return {
        "QUESTION_TEMPLATE": _QUESTION_CARD + _live("question"),
        "ANSWER_TEMPLATE": _ANSWER_CARD + _live("answer"),
        "CSS": _CARD_CSS + "\n".join(_web_asset(name) for name in TEMPLATE_STYLES) + "\n",
    }


def __getattr__(name: str) -> str:
    """``QUESTION_TEMPLATE``, ``ANSWER_TEMPLATE`` and ``CSS``, assembled on first use (PEP 562)."""
    if name in ("QUESTION_TEMPLATE", "ANSWER_TEMPLATE", "CSS"):
        value = _look()[name]
        globals()[name] = value  # later reads (and a test's monkeypatch) see a plain attribute
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# What forces a full sync when it changes: fields and templates (names, ids, order) and the sort field.
SCHEMA = {
    "notetype_id": NOTETYPE_ID,
    "fields": [[name, field_id] for name, field_id, _ in FIELDS],
    "templates": [[TEMPLATE_NAME, TEMPLATE_ID]],
    "sort_field": SORT_FIELD,
}


def schema_fingerprint() -> str:
    """A digest of the schema: when it changes, every learner will need a full sync."""
    return hashlib.sha256(json.dumps(SCHEMA, sort_keys=True).encode()).hexdigest()[:16]


def look_fingerprint() -> str:
    """A digest of templates and CSS: when it changes, the note type gets a newer mtime."""
    this = sys.modules[__name__]  # the attributes (assembled on first use, or a test's edit)
    blob = json.dumps([NOTETYPE_NAME, this.QUESTION_TEMPLATE, this.ANSWER_TEMPLATE, this.CSS, SCHEMA], sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def compute_field(source: str) -> str:
    """The Compute field's HTML for a block's source: escaped text, one line per <br>, editable in Anki."""
    return html.escape(source.strip("\n"), quote=False).replace("\n", "<br>")


def compute_source(field_html: str) -> str:
    """The block's source back from the Compute field, also after edits in Anki's editor (<div>, &nbsp;)."""
    text = re.sub(r"(?i)<br\s*/?>|</div>\s*<div[^>]*>|<div[^>]*>|</div>|</p>\s*<p[^>]*>", "\n", field_html)
    text = re.sub(r"<[^>]*>", "", text)
    return html.unescape(text).replace("\u00a0", " ").strip("\n")
