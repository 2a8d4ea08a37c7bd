"""Math, code and placeholders in card Markdown: TeX reaches Anki byte for byte, code stays code."""

from __future__ import annotations

import html

import pytest

from addon.core.compute import parse_compute
from builder.markup import new_markdown, render_markdown

MODEL = parse_compute("param seq_len = 4096 in 128..131_072 step 128\nparam b = 2 one of 1 \"INT8\", 2 \"BF16\"\n"
                      "answer = 131_072 * seq_len\nunit: B\nshow: MB\n")


def render(text: str, model=None) -> str:
    values = model.evaluate() if model else None
    out, problems = render_markdown(new_markdown(), text, model, values)
    assert problems == []
    return out


@pytest.mark.parametrize("tex", [
    r"a_1*b_2",
    r"x_{i}^{2} * y_{j}",
    r"\frac{a}{b} \times \sqrt{c}",
    r"\{ x \mid x < 5 \& y > 2 \}",
    r"\text{num\_layers} \cdot 2",
    r"a<b & c>d",
    r"**not bold** _not em_",
])
def test_inline_math_survives_byte_for_byte(tex):
    out = render(f"Before ${tex}$ after.")
    assert "\\(" + html.escape(tex, quote=False) + "\\)" in out
    # What MathJax reads (the text after HTML decoding) is exactly what the author wrote.
    inner = out.split("\\(", 1)[1].split("\\)", 1)[0]
    assert html.unescape(inner) == tex


def test_display_math_spans_lines():
    out = render("Intro\n\n$$\n\\sum_{i=1}^{n} x_i * y_i\n$$\n\nAfter")
    assert "\\[\n\\sum_{i=1}^{n} x_i * y_i\n\\]" in out


def test_escaped_dollar_is_a_literal_dollar():
    out = render(r"It costs \$5 and \$10.")
    assert "It costs $5 and $10." in out
    assert "\\(" not in out


def test_dollars_in_code_stay_as_written():
    out = render("Use `$x$` here.\n\n```\nprice = $5 * $y_1$\n```\n")
    assert "<code>$x$</code>" in out
    assert "price = $5 * $y_1$" in out
    assert "\\(" not in out


def test_raw_html_passes_through():
    out = render('Text <span style="color:red">red</span> and\n\n<div class="x">block</div>\n')
    assert '<span style="color:red">red</span>' in out
    assert '<div class="x">block</div>' in out


def test_markdown_still_works_around_math():
    out = render("**bold** and $a_1$ and *em*")
    assert "<strong>bold</strong>" in out and "<em>em</em>" in out and "\\(a_1\\)" in out


def test_placeholders_show_defaults_in_marked_spans():
    out = render("seq={{seq_len}}, size {{answer}}, {{answer:MiB}}, {{b:label}}", MODEL)
    assert '<span class="cc-value" data-cc-value="seq_len">4,096</span>' in out
    assert '<span class="cc-value" data-cc-value="answer">536.9 MB</span>' in out
    assert '<span class="cc-value" data-cc-value="answer:MiB">512 MiB</span>' in out
    assert '<span class="cc-value" data-cc-value="b:label">BF16</span>' in out


def test_placeholders_are_not_expanded_inside_math_or_code():
    out = render("$x^{{2}}$ and `{{seq_len}}`", MODEL)
    assert "\\(x^{{2}}\\)" in out
    assert "<code>{{seq_len}}</code>" in out


@pytest.mark.parametrize("text, phrase", [
    ("costs $5 only", "'$' math is not closed"),
    ("$$ x + y", "'$$' display math is not closed"),
    ("{{nope}}", "unknown name 'nope'"),
    ("{{seq_len", "not closed"),
    ("{{answer:parsecs}}", "unknown unit 'parsecs'"),
])
def test_problems_are_reported_with_their_offset(text, phrase):
    _, problems = render_markdown(new_markdown(), text, MODEL, MODEL.evaluate())
    assert problems and phrase in problems[0].message
    assert 0 <= problems[0].offset < len(text)


def test_placeholder_without_compute_block_is_a_problem():
    _, problems = render_markdown(new_markdown(), "{{x}}", None, None)
    assert "needs a compute block" in problems[0].message


# --- Anki's own math delimiters, and dollars that are likely a mistake ------------------------------


def problems_of(text: str, model=None):
    values = model.evaluate() if model else None
    return render_markdown(new_markdown(), text, model, values)


@pytest.mark.parametrize("tex", [r"a_1*b_2", r"\frac{a}{b} < c", r"x^{*} \cdot [y]", r"\text{num\_layers} * 2", "a_b_c*d*"])
def test_anki_inline_math_survives_byte_for_byte(tex):
    out = render(f"Before \\({tex}\\) after *em*.")
    inner = out.split("\\(", 1)[1].split("\\)", 1)[0]
    assert html.unescape(inner) == tex
    assert "<em>em</em>" in out


def test_anki_display_math_spans_lines_and_keeps_its_delimiters():
    tex = "\n\\sum_{i=1}^{n} x_i * y_i\n\n= z_1 * z_2\n"
    out = render(f"Intro\n\n\\[{tex}\\]\n\nAfter")
    assert "\\[" + tex + "\\]" in out


def test_anki_math_in_code_stays_code():
    out = render("Use `\\(x_1\\)` here.")
    assert "<code>\\(x_1\\)</code>" in out


@pytest.mark.parametrize("text, phrase", [
    ("An open \\(x_1 and no close.", "'\\(' math is not closed with '\\)' in the same paragraph"),
    ("Open \\(x\n\ny\\) across a blank line", "'\\(' math is not closed"),
    ("An open \\[x_1", "'\\[' math is not closed with '\\]'"),
])
def test_unclosed_anki_math_is_an_error_at_the_opening(text, phrase):
    out, problems = problems_of(text)
    assert [(p.severity, text[p.offset : p.offset + 2]) for p in problems] == [("error", text[text.index("\\"):][:2])]
    assert phrase in problems[0].message


@pytest.mark.parametrize("text, why", [
    ("I paid $5 for the book, and $x$ is the unknown.", "holds a '$'"),
    ("It costs $5 \\$ more than x$ here.", "holds a '$'"),
    ("Between $one and the other$ there is prose.", "runs over prose"),
])
def test_a_likely_mistaken_dollar_span_is_a_warning_suggesting_the_escape(text, why):
    out, problems = problems_of(text)
    assert len(problems) == 1 and problems[0].severity == "warning"
    assert why in problems[0].message and "write \\$" in problems[0].message
    assert text[problems[0].offset] == "$"


@pytest.mark.parametrize("text", [
    r"$\text{KV bytes} = 2 \times L \times H_{kv}$",
    r"$\mathrm{num\_layers} \times \mathrm{head\_dim}$ and $a + b$",
    r"$S = \frac{1 - \alpha^{K+1}}{(1 - \alpha)(K c + 1)}$",
    r"$x \text{ for all } y$",
])
def test_ordinary_math_gives_no_warning(text):
    assert problems_of(text)[1] == []


# --- placeholders inside math, in formula: and in source: ----------------------------------------


def test_placeholders_inside_math_are_tex_values_in_marked_math():
    for text, opener, closer in [(r"Rows: $2 \times {{seq_len}}$.", "\\(", "\\)"),
                                 (r"Rows: \(2 \times {{seq_len}}\).", "\\(", "\\)"),
                                 ("Rows:\n\n$$2 \\times {{seq_len}} = {{answer}}$$", "\\[", "\\]")]:
        out = render(text, MODEL)
        assert '<span class="cc-math" data-cc-tex="' + opener + r"2 \times {{seq_len}}" in out
        assert ">" + opener + r"2 \times 4{,}096" in out
        assert "{{" not in out.split('data-cc-tex="', 1)[0] and "{{" not in out.rsplit('">', 1)[1]
    assert r"= 536.9\,\mathrm{MB}\]</span>" in render("$${{seq_len}} = {{answer}}$$", MODEL)


def test_tex_braces_inside_math_stay_tex():
    assert render(r"$\binom{{n}}{k} + {{n}\choose k}$", MODEL) == "<p>\\(\\binom{{n}}{k} + {{n}\\choose k}\\)</p>"


@pytest.mark.parametrize("text, bad", [(r"$2 \times {{seq_lne}}$", "seq_lne"), (r"\({{ seq_lne }}\)", "seq_lne")])
def test_an_unknown_name_inside_math_is_an_error_at_the_name(text, bad):
    _, problems = problems_of(text, MODEL)
    assert len(problems) == 1 and "unknown name 'seq_lne'" in problems[0].message and "did you mean 'seq_len'" in problems[0].message
    assert text[problems[0].offset :].startswith(bad)


def test_without_the_name_in_the_compute_block_double_braces_in_math_are_tex():
    assert render(r"$2 \times {{seq_len}}$") == "<p>\\(2 \\times {{seq_len}}\\)</p>"  # no compute block
    assert render(r"$\binom{{alpha}}{k}$", MODEL) == "<p>\\(\\binom{{alpha}}{k}\\)</p>"  # no such name, none close


def test_formula_line_holds_placeholders():
    from builder.markup import formula_html

    out, problems = formula_html(r" n = {{seq_len}}, \text{KV} = {{answer:GiB:3}}", MODEL, MODEL.evaluate())
    assert problems == []
    assert out == ('<span class="cc-math" data-cc-tex="\\[n = {{seq_len}}, \\text{KV} = {{answer:GiB:3}}\\]">'
                   "\\[n = 4{,}096, \\text{KV} = 0.500\\,\\mathrm{GiB}\\]</span>")
    text = r"n = {{seq_lne}}"
    _, problems = formula_html(" " + text, MODEL, MODEL.evaluate())
    assert [(p.offset, p.message.split(" (")[0]) for p in problems] == [(7, "unknown name 'seq_lne' in placeholder")]


def test_source_line_holds_placeholders_and_math():
    from builder.markup import render_source

    out, problems = render_source(new_markdown(), "Meta (at seq {{seq_len}}, $n_{kv}$ heads) `x_y`", MODEL, MODEL.evaluate())
    assert problems == []
    assert out == ('Meta (at seq <span class="cc-value" data-cc-value="seq_len">4,096</span>, \\(n_{kv}\\) heads) '
                   "<code>x_y</code>")
    _, problems = render_source(new_markdown(), "Meta {{seq_len}}", None, None)
    assert [p.message for p in problems] == ["placeholder {{seq_len}} needs a compute block in the card"]
