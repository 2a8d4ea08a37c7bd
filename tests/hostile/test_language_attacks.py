"""The compute language under attack: every escape refused with a clear message, nothing runs as Python.

The attack corpus lives in tests/hostile/data/attacks/ (format in its README.md). The property
tests generate expressions from the language's grammar, valid and broken, plus random text: the
only outcomes are a finite number or a ComputeError. bench/fuzz_language.py runs the same
generators for 100,000+ examples and records the times; these tests assert outcomes only.
"""

from __future__ import annotations

import ast
import builtins
import math
import re
import string
import warnings
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from addon.core.compute import parse_compute
from addon.core.language import FUNCTIONS, ComputeError, parse_expression

pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")
ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data" / "attacks"
ENV = {"x": 2.0, "y": 3.0, "a": 1.0}  # names an attack may use, so that "unknown name" is never the reason
MAX_MESSAGE = 300  # a refusal is a short sentence, never an echo of a huge input


# ---------------------------------------------------------------------------------------------
# The corpus


@dataclass(frozen=True)
class Attack:
    where: str  # file:line, the test id
    phrase: str  # what the refusal's message must contain
    source: str  # the attack, decoded


_REPEAT = re.compile(r"⟨(\d+)\*(.*?)⟩", re.S)
_ESCAPE = re.compile(r"\\(n|r|t|\\|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4})")
_SIMPLE = {"n": "\n", "r": "\r", "t": "\t", "\\": "\\"}


def decode(text: str) -> str:
    """Expand ``⟨N*text⟩`` repeats, then the ``\\n \\r \\t \\xNN \\uNNNN \\\\`` escapes."""
    text = _REPEAT.sub(lambda m: m.group(2) * int(m.group(1)), text)
    return _ESCAPE.sub(lambda m: _SIMPLE.get(m.group(1)) or chr(int(m.group(1)[1:], 16)), text)


def load_attacks(*names: str) -> list[Attack]:
    attacks: list[Attack] = []
    for name in names:
        for number, line in enumerate((DATA / name).read_text(encoding="utf-8").split("\n"), 1):
            if not line.strip() or line.startswith("#"):
                continue
            phrase, tab, attack = line.partition("\t")
            if not tab or not phrase or not attack:
                raise ValueError(f"{name}:{number}: expected 'phrase<TAB>attack'")
            attacks.append(Attack(f"{name}:{number}", phrase, decode(attack)))
    return attacks


EXPRESSION_ATTACKS = load_attacks("expressions.txt", "resources.txt", "lookalikes.txt")
BLOCK_ATTACKS = load_attacks("blocks.txt")
BYTE_ATTACKS = sorted((DATA / "bytes").glob("*.bin"))


def evaluate_expression(source: str) -> float:
    return parse_expression(source).evaluate(ENV)


def evaluate_block(source: str) -> dict[str, float]:
    return parse_compute(source).evaluate()


def assert_clear(err: ComputeError, source: str, phrase: str | None = None) -> None:
    """A refusal an author can act on: a short message, and a place inside the source."""
    assert isinstance(err.message, str) and err.message.strip()
    assert len(err.message) <= MAX_MESSAGE, err.message[:400]
    assert str(err) == err.message
    assert 0 <= err.offset <= len(source), (err.offset, len(source))
    assert err.length >= 1
    if phrase is not None:
        assert phrase in err.message, f"expected {phrase!r} in {err.message!r}"


def test_the_corpus_covers_what_issue_5_names() -> None:
    sources = [a.source for a in EXPRESSION_ATTACKS]
    for needle in ["().__class__", "x.__class__.__bases__", "x[0]", "__import__('os')", "open('x')", "eval('1')",
                   "lambda: 1", "[x for x in (1, 2)]", "f'{x}'", "'abc'", "(x := 1)", "import os", "9**9**9**9",
                   "10**10**6", "1e308*10", "exp(1000)", "1e999", "nan", "inf", "１２", "3 − 2", "2 × 3", "٣", "ѕqrt(4)"]:
        assert needle in sources, needle
    assert "(" * 10_000 + "1" + ")" * 10_000 in sources  # 10,000-deep parentheses
    assert "-" * 10_000 + "1" in sources  # 10,000-deep unary minus
    assert any(len(s) >= 1_000_000 for s in sources)  # a 1 MB expression
    assert any("\x00" in s for s in sources)  # NUL
    assert any("import os" in a.source for a in BLOCK_ATTACKS)  # import as a compute-block line
    assert len(BYTE_ATTACKS) >= 5  # non-UTF-8 bytes
    assert len(EXPRESSION_ATTACKS) + len(BLOCK_ATTACKS) >= 200


@pytest.mark.parametrize("attack", EXPRESSION_ATTACKS, ids=lambda a: a.where)
def test_expression_attack_is_refused(attack: Attack) -> None:
    with pytest.raises(ComputeError) as info:
        evaluate_expression(attack.source)
    assert_clear(info.value, attack.source, attack.phrase)


@pytest.mark.parametrize("attack", EXPRESSION_ATTACKS, ids=lambda a: a.where)
def test_expression_attack_is_refused_as_the_answer_of_a_block(attack: Attack) -> None:
    block = "param x = 2 in 0..10\nparam y = 3 in 0..10\nparam a = 1 in 0..10\nanswer = " + attack.source
    with pytest.raises(ComputeError) as info:
        evaluate_block(block)
    assert_clear(info.value, block)
    if len(block) <= 20_000 and "\n" not in attack.source and "\r" not in attack.source:
        # refused while parsing or while evaluating, the offset is into the block, on the answer line
        assert info.value.offset >= block.index("answer = ")


@pytest.mark.parametrize("attack", BLOCK_ATTACKS, ids=lambda a: a.where)
def test_block_attack_is_refused(attack: Attack) -> None:
    with pytest.raises(ComputeError) as info:
        evaluate_block(attack.source)
    assert_clear(info.value, attack.source, attack.phrase)


@pytest.mark.parametrize("path", BYTE_ATTACKS, ids=lambda p: p.name)
@pytest.mark.parametrize("errors", ["surrogateescape", "replace"])
def test_non_utf8_bytes_are_refused(path: Path, errors: str) -> None:
    raw = path.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # the file really is not UTF-8
    text = raw.decode("utf-8", errors=errors)
    run = evaluate_block if path.name.startswith("block_") else evaluate_expression
    with pytest.raises(ComputeError) as info:
        run(text)
    assert_clear(info.value, text, "unexpected character")


@pytest.mark.parametrize("path", BYTE_ATTACKS, ids=lambda p: p.name)
def test_bytes_instead_of_text_are_refused(path: Path) -> None:
    with pytest.raises(ComputeError, match="must be text"):
        parse_expression(path.read_bytes())  # type: ignore[arg-type]
    with pytest.raises(ComputeError, match="must be text"):
        parse_compute(path.read_bytes())  # type: ignore[arg-type]


def test_refusals_point_at_the_offending_character() -> None:
    for source, char in [("1 + 2 − 3", "−"), ("max(1, ２)", "２"), ("1 +\x002", "\x00"), ("x.__class__", "x")]:
        with pytest.raises(ComputeError) as info:
            evaluate_expression(source)
        assert info.value.offset == source.index(char), (source, info.value.offset)


# ---------------------------------------------------------------------------------------------
# Nothing is ever run as Python


class Forbidden(BaseException):
    """Raised by the patched builtins; a BaseException so that no `except Exception` hides it."""


def test_evaluation_never_calls_eval_exec_or_compiles_code(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real_compile = builtins.compile

    def no_eval(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append("eval/exec")
        raise Forbidden("the core called eval/exec")

    def ast_only_compile(source, filename, mode, flags=0, *args, **kwargs):  # type: ignore[no-untyped-def]
        if not flags & ast.PyCF_ONLY_AST:  # ast.parse calls compile(..., PyCF_ONLY_AST): that makes a tree, no code
            calls.append(f"compile({mode})")
            raise Forbidden("the core compiled code")
        return real_compile(source, filename, mode, flags, *args, **kwargs)

    monkeypatch.setattr(builtins, "eval", no_eval)
    monkeypatch.setattr(builtins, "exec", no_eval)
    monkeypatch.setattr(builtins, "compile", ast_only_compile)

    for attack in EXPRESSION_ATTACKS + BLOCK_ATTACKS:
        with pytest.raises(ComputeError):
            (evaluate_block if attack in BLOCK_ATTACKS else evaluate_expression)(attack.source)
    # and the language still works with eval/exec gone
    assert evaluate_expression("argmax(k, 1, 8, -(k - x) ** 2) + max(x, y) * sqrt(16)") == 14.0
    model = parse_compute("param s = 4096 in 128..8192 step 128\nanswer = 2 * 32 * 8 * 128 * 2 * s\nunit: B\nshow: MB")
    assert model.check("536.9 MB").correct
    assert "×" in model.worked(model.evaluate())
    assert calls == []


FORBIDDEN_NAMES = {"eval", "exec", "compile", "__import__", "breakpoint", "literal_eval"}
FORBIDDEN_MODULES = {"builtins", "importlib", "code", "codeop", "subprocess", "pickle", "marshal", "ctypes"}


def forbidden_uses(source: str, filename: str) -> list[str]:
    """Every place a module names eval/exec/compile (other than re.compile) or imports a code-running module."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source, filename)):
        where = f"{filename}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Name) and node.id in FORBIDDEN_NAMES:
            found.append(f"{where}: {node.id}")
        elif isinstance(node, ast.Attribute) and node.attr in FORBIDDEN_NAMES:
            if not (node.attr == "compile" and isinstance(node.value, ast.Name) and node.value.id == "re"):
                found.append(f"{where}: .{node.attr}")
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            modules = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            names = [a.name for a in node.names]
            if any(m.split(".")[0] in FORBIDDEN_MODULES for m in modules) or FORBIDDEN_NAMES & set(names):
                found.append(f"{where}: import {', '.join(modules)}")
    return found


def test_the_core_never_names_eval_exec_or_compile() -> None:
    core = ROOT / "addon" / "core"
    files = sorted(core.glob("*.py"))
    assert len(files) >= 8
    problems = [p for f in files for p in forbidden_uses(f.read_text(encoding="utf-8"), f.name)]
    assert problems == []
    # the one way in: ast.parse, in eval mode, once
    parses = [
        node for f in files for node in ast.walk(ast.parse(f.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "parse"
        and isinstance(node.func.value, ast.Name) and node.func.value.id == "ast"
    ]
    assert len(parses) == 1
    assert [(k.arg, getattr(k.value, "value", None)) for k in parses[0].keywords] == [("mode", "eval")]


def test_the_static_check_would_catch_them() -> None:
    sample = (
        "import re, importlib\nfrom ast import literal_eval\nre.compile('x')\n"
        "def f(s):\n    eval(s)\n    builtins.exec(s)\n    compile(s, 'x', 'exec')\n    getattr(__builtins__, 'eval')\n"
    )
    found = forbidden_uses(sample, "sample.py")
    assert [f.split(": ", 1)[1] for f in found] == [
        "import re, importlib", "import ast", "eval", ".exec", "compile",
    ] or len(found) == 5, found


# ---------------------------------------------------------------------------------------------
# Generators: the language's grammar, valid and broken, plus random text
# (bench/fuzz_language.py imports these)

NAMES = ["a", "b", "c"]  # the names the environment defines
LITERALS = [
    "0", "1", "2", "7", "10", "0.5", ".5", "5.", "1_000", "1e3", "2.5E-3", "1e308", "1e-308", "1e-320",
    "999999999999999999999", "0x1f", "1e999", "4096", "0.1",
]
ODD_NAMES = ["zz", "k", "_x", "__class__", "nan", "inf", "max", "True", "None", "answer"]
BINARY = ["+", "-", "*", "/", "//", "%", "**", "and", "or"]
COMPARE = ["<", "<=", ">", ">=", "==", "!="]
CALLABLE = sorted(FUNCTIONS) + ["sin", "open", "eval", "__import__"]
JUNK = [
    "[", "]", ".", "'", '"', "lambda", "lambda:", ":=", "@", "~", "<<", ",", "**", "(", ")", "__class__", ".__class__",
    "−", "×", "１", "٣", "\x00", "\n", "\t", "import ", "f'", "{", "}", "*", ";", ":", "=", " if ", " else ",
    " in ", " is ", "not ", " ", "1e999", "j", "\udcff", "\ufeff", "9**9**9", "#", "\\", "$", "!",
]

numbers = st.one_of(
    st.sampled_from(LITERALS),
    st.integers(min_value=0, max_value=10**30).map(str),
    st.floats(min_value=0, allow_nan=False, allow_infinity=False).map(repr),
)
leaves = st.one_of(numbers, numbers, st.sampled_from(NAMES), st.sampled_from(NAMES), st.sampled_from(ODD_NAMES))


def _grow(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    args = st.lists(children, min_size=0, max_size=4).map(", ".join)
    return st.one_of(
        st.tuples(st.sampled_from(["-", "+", "not ", "- -"]), children).map("".join),
        st.tuples(children, st.sampled_from(BINARY), children).map(" ".join),
        children.map(lambda c: f"({c})"),
        st.tuples(children, st.lists(st.tuples(st.sampled_from(COMPARE), children), min_size=1, max_size=3)).map(
            lambda t: t[0] + "".join(f" {op} {c}" for op, c in t[1])
        ),
        st.tuples(children, children, children).map(lambda t: f"{t[0]} if {t[1]} else {t[2]}"),
        st.tuples(st.sampled_from(CALLABLE), args).map(lambda t: f"{t[0]}({t[1]})"),
        st.tuples(st.sampled_from(["k", "j"]), children, children, children).map(
            lambda t: f"argmax({t[0]}, {t[1]}, {t[2]}, {t[3]} + {t[0]})"
        ),
        st.tuples(st.integers(-3, 3), st.integers(-3, 40), children).map(
            lambda t: f"argmax(k, {t[0]}, {t[1]}, {t[2]} * k)"
        ),
    )


grammar_expressions = st.recursive(leaves, _grow, max_leaves=40)


@st.composite
def broken_expressions(draw: st.DrawFn) -> str:
    """A grammar expression with a few insertions of junk and deletions of characters."""
    text = draw(grammar_expressions)
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(text)))
        if draw(st.booleans()) or not text:
            text = text[:at] + draw(st.sampled_from(JUNK)) + text[at:]
        else:
            text = text[:at] + text[at + 1 :]
    return text


random_text = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=string.printable, max_size=300),
    st.text(alphabet="0123456789+-*/%().e_ <>=!andortifelsx", max_size=300),
)
any_expression = st.one_of(grammar_expressions, broken_expressions(), random_text)
environments = st.fixed_dictionaries(
    {name: st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.integers(-10, 10).map(float)) for name in NAMES}
)


@dataclass(frozen=True)
class Outcome:
    kind: str  # "number" | "error" | "other"
    value: float | None = None
    error: BaseException | None = None


def run_expression(source: str, env: dict[str, float]) -> Outcome:
    """Parse and evaluate; the kind of outcome, never raising (bench counts "other")."""
    try:
        value = parse_expression(source).evaluate(env)
    except ComputeError as e:
        return Outcome("error", error=e)
    except Exception as e:  # noqa: BLE001 - anything else is a bug, reported by the caller
        return Outcome("other", error=e)
    return Outcome("number", value=value)


def check_outcome(source: str, outcome: Outcome) -> None:
    if outcome.kind == "other":
        raise AssertionError(f"{type(outcome.error).__name__} escaped for {source!r}") from outcome.error
    if outcome.kind == "number":
        assert type(outcome.value) is float and math.isfinite(outcome.value), (source, outcome.value)
    else:
        assert isinstance(outcome.error, ComputeError)
        assert_clear(outcome.error, source)


@given(source=any_expression, env=environments)
def test_any_expression_is_a_finite_number_or_a_compute_error(source: str, env: dict[str, float]) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        outcome = run_expression(source, env)
    check_outcome(source, outcome)
    assert [str(w.message) for w in caught] == []  # nothing for Anki's stderr


@given(source=grammar_expressions, env=environments)
def test_evaluation_is_repeatable(source: str, env: dict[str, float]) -> None:
    try:
        expression = parse_expression(source)
    except ComputeError:
        return
    first, second = run_expression(source, env), run_expression(source, env)
    assert first.kind == second.kind
    if first.kind == "number":
        assert first.value == second.value
    assert expression.names <= set(NAMES) | {"zz", "k", "answer"}  # only the names it was given


# An oracle: on plain float arithmetic the language means what Python means. (The test, not the
# core, calls eval, on text it generated itself from digits and operators.)

float_leaves = st.one_of(
    st.floats(min_value=0, max_value=1e6, allow_nan=False).map(repr),
    st.sampled_from(["0.0", "1.0", "2.0", "0.5", "1e308", "1e-300", "3.0"]),
    st.sampled_from(NAMES),
)
ORACLE_BINARY = ["+", "-", "*", "/", "%", "**", "and", "or"]


def _oracle_grow(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(st.sampled_from(["-", "+", "not "]), children).map(lambda t: f"{t[0]}({t[1]})"),
        st.tuples(children, st.sampled_from(ORACLE_BINARY), children).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(children, st.sampled_from(COMPARE), children, st.sampled_from(COMPARE), children).map(
            lambda t: f"({' '.join(t)})"
        ),
        st.tuples(children, children, children).map(lambda t: f"({t[0]} if {t[1]} else {t[2]})"),
    )


oracle_expressions = st.recursive(float_leaves, _oracle_grow, max_leaves=12)
# Python may go on with an infinity or a complex number and still end finite ("1e308*10 > 1",
# "0 == (-1)**0.5"); the language stops there, by its stated rules.
LIMIT_PHRASES = ("power is too large", "overflows", "nest", "more than", "the limit is", "not a real number")


@given(source=oracle_expressions, env=environments)
def test_arithmetic_agrees_with_python_floats(source: str, env: dict[str, float]) -> None:
    assume(len(source) <= 2_000)
    ours = run_expression(source, env)
    try:
        python = eval(source, {"__builtins__": {}}, dict(env))  # noqa: S307 - generated arithmetic only
        python = float(python) if isinstance(python, (bool, int, float)) else python  # bools do int arithmetic
    except (ZeroDivisionError, OverflowError, ValueError, TypeError, RecursionError, MemoryError):
        python = None  # TypeError: a complex number (a negative to a fractional power) went on into '%'
    except SyntaxError:  # e.g. "1 < not 2": Python refuses it too
        python = None
        assert ours.kind == "error", (source, ours)
    python_finite = isinstance(python, float) and math.isfinite(python)
    if ours.kind == "number":
        assert python_finite and ours.value == python, (source, ours.value, python)
    else:
        check_outcome(source, ours)
        if python_finite:  # the language may refuse what Python computes only by its stated limits
            assert any(p in ours.error.message for p in LIMIT_PHRASES), (source, ours.error, python)  # type: ignore[union-attr]


# Whole compute blocks: parse, evaluate, check, render; only ComputeError may come out.

block_lines = st.one_of(
    st.tuples(st.sampled_from(["p", "q", "a"]), numbers, numbers, numbers).map(
        lambda t: f"param {t[0]} = {t[1]} in {t[2]}..{t[3]}"
    ),
    st.tuples(st.sampled_from(["p", "q", "r"]), numbers, numbers).map(lambda t: f'param {t[0]} = {t[1]} one of {t[1]} "x", {t[2]}'),
    st.tuples(st.sampled_from(["v", "w", "u"]), grammar_expressions).map(lambda t: f"{t[0]} = {t[1]}"),
    st.sampled_from(["unit: B", "unit: x", "show: MB", "show: %", "digits: 3", "tolerance: 5%", "tolerance: 1 MB",
                     "expect: 536.9 MB", "expect: 2.4x", 'preset "P": p = 1', "# comment"]),
    st.text(max_size=40),
)


@st.composite
def blocks(draw: st.DrawFn) -> str:
    lines = draw(st.lists(block_lines, max_size=8))
    lines.insert(draw(st.integers(0, len(lines))), "answer = " + draw(any_expression))
    return "\n".join(lines)


@given(source=blocks(), answer=st.text(max_size=30), seed=st.integers(0, 2**32))
def test_any_block_parses_evaluates_and_renders_or_says_why(source: str, answer: str, seed: int) -> None:
    try:
        model = parse_compute(source)
    except ComputeError as e:
        assert_clear(e, source)
        return
    for values in ({}, model.random_values(seed)):
        try:
            evaluated = model.evaluate(values)
        except ComputeError as e:
            assert_clear(e, source)
            continue
        assert all(type(v) is float and math.isfinite(v) for v in evaluated.values()), evaluated
        assert isinstance(model.worked(evaluated), str)
        assert isinstance(model.worked(evaluated, latex=True), str)
        assert isinstance(model.expected_text(evaluated), str)
        assert model.check(answer, values).state in ("correct", "incorrect", "incomplete", "unit")
    try:
        problem = model.expect_problem()
    except ComputeError as e:
        assert_clear(e, source)
    else:
        assert problem is None or isinstance(problem, str)
