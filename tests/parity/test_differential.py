"""The differential property tests: the same generated expressions, blocks and typed answers through
the Python core and engine.js (node), which must give identical results (differential.py says what
identical means and which two differences are explained instead).

The generators are the fuzzing ones of tests/hostile/ (bench/fuzz_language.py runs them too);
bench/fuzz_parity.py runs these properties for 100,000 examples (`make fuzz`).
"""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from tests.hostile import test_answer_fuzz as answers
from tests.hostile import test_language_attacks as language
from tests.parity.differential import judge
from tests.parity.node_engine import NodeEngine

draws = st.lists(st.floats(min_value=0, max_value=1, exclude_max=True), min_size=1, max_size=8)
UNIT_SPELLINGS = answers.UNIT_TEXTS


def expression_request(source: str, env: dict[str, float]) -> dict:
    return {"source": source, "env": env}


def block_request(source: str, typed: str, random_draws: list[float]) -> dict:
    return {"source": source, "typed": [typed, "536.9 MB", ""], "draws": random_draws}


def answer_request(text: str, expected: float, unit: int, display: int, tolerance) -> dict:  # type: ignore[no-untyped-def]
    return {
        "text": text, "expected": repr(expected), "unit": UNIT_SPELLINGS[unit], "display": UNIT_SPELLINGS[display],
        "tolerance": {"relative": tolerance.relative, "absolute": tolerance.absolute},
    }


def assert_identical(js: NodeEngine, op: str, request: dict) -> str:
    verdict, python, script = judge(js, op, request)
    assert verdict != "DIFFERENT", f"{op} {request!r}\n python: {python!r}\n js:     {script!r}"
    return verdict


def test_unit_symbols_name_their_units() -> None:
    assert [answers.parse_unit(s) for s in UNIT_SPELLINGS] == answers.UNITS


@given(source=language.any_expression, env=language.environments)
def test_expressions_agree(js: NodeEngine, source: str, env: dict[str, float]) -> None:
    assert_identical(js, "expr", expression_request(source, env))


@given(source=language.blocks(), typed=st.text(max_size=30), random_draws=draws)
def test_blocks_agree(js: NodeEngine, source: str, typed: str, random_draws: list[float]) -> None:
    assert_identical(js, "block", block_request(source, typed, random_draws))


@given(text=answers.typed_texts, expected=answers.expected_values, unit=st.integers(0, len(UNIT_SPELLINGS) - 1),
       display=st.integers(0, len(UNIT_SPELLINGS) - 1), tolerance=answers.tolerances)
def test_typed_answers_agree(js: NodeEngine, text: str, expected: float, unit: int, display: int, tolerance) -> None:  # type: ignore[no-untyped-def]
    assert_identical(js, "answer", answer_request(text, expected, unit, display, tolerance))


PLACEHOLDER_BLOCK = 'param p = 2 one of 1 "one", 2 "two"\nparam x = 1.5 in 0..10\nanswer = p * x * 1e9\nunit: B\nshow: MB'
placeholder_inners = st.one_of(
    st.text(max_size=30),
    st.from_regex(r"\s?[a-z_]{1,6}\s?(:\s?[A-Za-z/% ]{0,6}\s?)?(:\s?[0-9]{0,3})?", fullmatch=True),
    st.tuples(st.sampled_from(["p", "x", "answer", "q"]), st.sampled_from(["", ":label", ":MB", ":GB:2", ":s", "::3", ":%"])).map("".join),
)


@given(inner=placeholder_inners)
def test_placeholders_agree(js: NodeEngine, inner: str) -> None:
    assert_identical(js, "placeholder", {"inner": inner, "block": PLACEHOLDER_BLOCK})


# Compute fields as Anki stores them: its editor's markup and the entities it writes (engine.js decodes
# those and numeric references; HTML's other named entities, such as &euro; or &para, it leaves as
# written: see ARCHITECTURE.md). "&" is followed by a space or one of those.
html_pieces = st.sampled_from(["<br>", "<br/>", "<BR />", "<div>", "</div>", "<div class='x'>", "<p>", "</p>", "&nbsp;",
                               "&amp;", "&lt;", "&gt;", "&quot;", "&apos;", "&#65;", "&#x42;", "&#0;", "&#128;", "&#xd800;",
                               "&amp", "&lt", "&gt", "&nbsp", "&#1114112;", "& ", "\u00a0", "\n", "param a = 1 in 0..2",
                               "answer = a", " ", "<b>", "</b>", "#", "<", ">", ";"])


compute_fields = st.lists(st.one_of(html_pieces, st.text(alphabet="ab =<>;#x0123\n", max_size=6)), max_size=12).map("".join)


@given(html=compute_fields)
def test_compute_fields_agree(js: NodeEngine, html: str) -> None:
    assert_identical(js, "source", {"html": html})


# The functions whose results come from libm on the Python side (exp, pow, log...) and the float
# operations with Python's own rules (% and // signs, round half away from zero), on any floats.
FUNCTION_FORMS = ["x ** y", "exp(x)", "exp(y)", "log(x)", "log(x, y)", "log2(x)", "log10(x)", "sqrt(x)", "round(x, 2)",
                  "round(x)", "x % y", "x // y", "x ** 0.5", "x ** 2", "x ** -1", "10 ** y", "y ** 3", "floor(x) + ceil(y)"]
any_floats = st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.floats(-50, 50), st.integers(-40, 40).map(float))


def function_request(form: str, x: float, y: float) -> dict:
    return {"source": form, "env": {"x": x, "y": y}}


@given(form=st.sampled_from(FUNCTION_FORMS), x=any_floats, y=any_floats)
def test_functions_agree(js: NodeEngine, form: str, x: float, y: float) -> None:
    assert_identical(js, "expr", function_request(form, x, y))


@given(value=st.floats(allow_nan=False), digits=st.one_of(st.none(), st.integers(1, 15)), trim=st.sampled_from([None, True, False]))
def test_number_formatting_agrees(js: NodeEngine, value: float, digits: int | None, trim: bool | None) -> None:
    assert math.isfinite(value) or math.isinf(value)
    assert_identical(js, "number", {"value": repr(value), "digits": digits, "trim": trim})


# What the core gained on merge and language.blocks() does not write: 'require' lines, '[unit]' on a
# param or variable line, names close to a defined one (the difflib hint; long ones for its autojunk
# rule at 200 characters and more), refused operators, money. Names from a small alphabet miss each
# other by a letter or two.
near_names = st.one_of(st.text(alphabet="abn_", min_size=1, max_size=7).filter(lambda s: s[0] != "_"),
                       st.tuples(st.sampled_from(["a", "ab", "ba", "n_"]), st.integers(60, 130), st.sampled_from(["", "b", "ab", "nn"]))
                       .map(lambda t: "a" + t[0] * t[1] + t[2]))
UNIT_SUFFIXES = ["", "", "", " [GB]", " [B]", " [ms]", " [$/Mtok]", " [TFLOPS]", " [req/s]", "[tokens]", " [MB]", " [s]"] * 4 + [" []", " [furlong]"]
compare = st.sampled_from(["<", "<=", ">", ">=", "==", "!="])
require_lines = st.one_of(
    st.tuples(near_names, compare, near_names | st.sampled_from(["1", "4", "0.5"])).map(lambda t: f"require {t[0]} {t[1]} {t[2]}"),
    st.tuples(near_names, near_names).map(lambda t: f"require {t[0]} % {t[1]} == 0"),
    st.sampled_from(["require", "require(1)", "require 1 / 0", "require 0", "require 1 ^ 2", "require a [GB]", "requirex 1"]),
)
feature_lines = st.one_of(
    st.tuples(near_names, st.integers(0, 6), st.integers(0, 3), st.integers(4, 9), st.sampled_from(UNIT_SUFFIXES)).map(
        lambda t: f"param {t[0]} = {t[1]} in {t[2]}..{t[3]}{t[4]}"),
    st.tuples(near_names, near_names, st.sampled_from(["*", "+", "^", "&", "|", "<<", ">>", "@", "/"]), near_names, st.sampled_from(UNIT_SUFFIXES))
    .map(lambda t: f"{t[0]} = {t[1]} {t[2]} {t[3]}{t[4]}"),
    require_lines,
    st.tuples(near_names, st.integers(0, 9)).map(lambda t: f'preset "P{t[1]}": {t[0]} = {t[1]}'),
    st.sampled_from(["unit: $", "unit: GB", "unit: $/M tokens", "show: TFLOPS", "unit: FLOP/s", "unit: req/s"]),
)


@st.composite
def feature_blocks(draw: st.DrawFn) -> str:
    """Mostly in the order a block is written (params, presets, requires, variables, answer); sometimes shuffled."""
    params = draw(st.lists(st.tuples(near_names, st.integers(3, 6), st.integers(0, 3), st.integers(6, 9), st.sampled_from(UNIT_SUFFIXES)),
                           min_size=1, max_size=3, unique_by=lambda t: t[0]))
    names = [p[0] for p in params]
    known = st.one_of(st.sampled_from(names), st.sampled_from(names), st.sampled_from(names), near_names)  # mostly defined, or a letter or two off
    lines = [f"param {n} = {d} in {lo}..{hi}{u}" for n, d, lo, hi, u in params]
    lines += [f'preset "P{v}": {n} = {v}' for n, v in draw(st.lists(st.tuples(st.sampled_from(names), st.integers(2, 7)), max_size=2, unique_by=lambda t: t[1]))]
    lines += [f"require {a} {c} {b}" for a, c, b in draw(st.lists(st.tuples(known, compare, known | st.sampled_from(["1", "4", "0.5"])), max_size=3))]
    lines += draw(st.lists(feature_lines, max_size=1)) if draw(st.integers(0, 3)) == 3 else []
    lines += [f"v{i} = {a} {o} {b}{u}" for i, (a, o, b, u) in enumerate(draw(st.lists(
        st.tuples(known, st.sampled_from(["*", "+", "/", "-", "^", "&", "<<"]), known, st.sampled_from(UNIT_SUFFIXES)), max_size=2)))]
    if draw(st.integers(0, 9)) != 9:
        lines.append("answer = " + draw(known))
    if not draw(st.integers(0, 4)):
        lines = draw(st.permutations(lines))
    return "\n".join(lines)


feature_typed = st.one_of(st.text(max_size=20), st.sampled_from(["$2.5", "-$1", "$3/Mtok", "$2 x", "1 TFLOPS", "4 GB", "2 req/s"]))


@given(source=feature_blocks(), typed=feature_typed, random_draws=draws)
def test_require_unit_and_hint_blocks_agree(js: NodeEngine, source: str, typed: str, random_draws: list[float]) -> None:
    assert_identical(js, "block", block_request(source, typed, random_draws))


TEX_BLOCK = 'param p = 2 one of 1 "one_{1}", 2 "two"\nparam x = 1.5 in 0..1e30 [MB]\nused = p * x * 1e9\nanswer = used\nunit: B\nshow: MB'
tex_keys = st.tuples(st.sampled_from(["", "$", "$$"]), placeholder_inners).map("".join)


@given(keys=st.lists(tex_keys, max_size=6), x=st.one_of(st.floats(0, 1e30), st.sampled_from([0.0, 1e-7, 12345.678, 10.0, 1e20])))
def test_tex_keys_agree(js: NodeEngine, keys: list[str], x: float) -> None:
    assert_identical(js, "keys", {"keys": keys, "block": TEX_BLOCK, "values": {"x": x, "p": 1.0}})
