"""The compute block of a card: parameters, presets, variables, the answer, and what the card expects.

One statement per line (``#`` starts a comment)::

    param seq_len = 4096 in 128..1_048_576 step 128
    param bytes_per_element = 2 one of 0.5 "FP4", 1 "INT8", 2 "BF16", 4 "FP32"
    preset "Llama-3.1-8B": num_layers = 32, num_kv_heads = 8
    per_token = 2 * num_layers * num_kv_heads * head_dim * bytes_per_element
    answer = per_token * seq_len
    unit: B
    show: MB
    digits: 4
    tolerance: 1%
    expect: 536.9 MB

Errors are ComputeError with an offset into the block's source.
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass, field
from typing import Any, Mapping

from .answers import Tolerance, Verdict, check_answer, read_answer, Typed
from .diagnostics import ComputeError
from .language import (
    DEFAULT_LIMITS, RESERVED, Argmax, Binary, Call, Compare, Conditional, Expression, Limits, Name,
    Node, Number, Unary, evaluate_in_order, is_name, parse_expression,
)
from .units import PLAIN, Unit, format_number, format_quantity, parse_unit

KEYWORDS = frozenset({"param", "preset", "answer", "unit", "show", "digits", "tolerance", "expect"})
SETTINGS = ("unit", "show", "digits", "tolerance", "expect")


@dataclass(frozen=True)
class Choice:
    value: float
    label: str


def _uniform(rng: random.Random, low: float, high: float) -> float:
    """random.Random.uniform's own formula, drawing with rng.random() only."""
    return low + (high - low) * rng.random()


@dataclass(frozen=True)
class Parameter:
    """A value the learner can change: a default and either a range or a set of choices."""

    name: str
    default: float
    low: float | None = None
    high: float | None = None
    step: float | None = None
    integer: bool = False
    choices: tuple[Choice, ...] = ()

    def problem(self, value: float) -> str | None:
        """Why ``value`` is not allowed for this parameter, or None."""
        if self.choices:
            if not any(value == c.value for c in self.choices):
                return f"{self.name} must be one of {', '.join(format_number(c.value) for c in self.choices)}"
            return None
        if self.integer and value != int(value):
            return f"{self.name} must be a whole number"
        if self.low is not None and self.high is not None and not self.low <= value <= self.high:
            return f"{self.name} must be between {format_number(self.low)} and {format_number(self.high)}"
        return None

    def random_value(self, rng: random.Random) -> float:
        """A value a learner could have picked: a choice, or a point of the range (log-uniform when wide)."""
        if self.choices:  # rng.random() only (not rng.choice): engine.js draws the same from the same numbers
            return self.choices[min(int(rng.random() * len(self.choices)), len(self.choices) - 1)].value
        low, high = float(self.low), float(self.high)  # type: ignore[arg-type]
        if low > 0 and high / low > 100:
            value = math.exp(_uniform(rng, math.log(low), math.log(high)))
        else:
            value = _uniform(rng, low, high)
        if self.step:  # a point of the grid low, low + step, ... that lies within the range
            count = math.floor((high - low) / self.step + 1e-9)
            value = low + min(max(round((value - low) / self.step), 0), count) * self.step
        elif self.integer:  # a whole number within the range
            value = float(min(max(round(value), math.ceil(low)), math.floor(high)))
        else:
            value = float(f"{value:.3g}")
        return min(max(value, low), high)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self.name, "default": self.default}
        if self.choices:
            data["choices"] = [{"value": c.value, "label": c.label} for c in self.choices]
        else:
            data.update(min=self.low, max=self.high, step=self.step or (1 if self.integer else None), integer=self.integer)
        return data


@dataclass(frozen=True)
class Preset:
    """A named set of parameter values, e.g. a real model's shape."""

    label: str
    values: tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class Variable:
    name: str
    expression: Expression
    offset: int = 0  # where the expression starts in the block: evaluation errors point there


@dataclass(frozen=True)
class AnswerSpec:
    """The answer: its expression, the unit of its value, how it is shown and how close is close enough."""

    expression: Expression
    unit: Unit = PLAIN
    display: Unit = PLAIN
    digits: int | None = None
    tolerance: Tolerance = Tolerance()
    offset: int = 0  # where the expression starts in the block


@dataclass(frozen=True)
class Expect:
    text: str
    offset: int
    length: int


@dataclass(frozen=True)
class ComputeModel:
    """A parsed compute block: parse once, evaluate for any parameter values."""

    source: str
    parameters: tuple[Parameter, ...]
    presets: tuple[Preset, ...]
    variables: tuple[Variable, ...]
    answer: AnswerSpec
    expect: Expect | None = None
    limits: Limits = field(default=DEFAULT_LIMITS, repr=False, compare=False)

    @property
    def names(self) -> frozenset[str]:
        """Every name a placeholder may show: parameters, variables and ``answer``."""
        return frozenset([p.name for p in self.parameters] + [v.name for v in self.variables] + ["answer"])

    def parameter(self, name: str) -> Parameter | None:
        return next((p for p in self.parameters if p.name == name), None)

    def defaults(self) -> dict[str, float]:
        return {p.name: p.default for p in self.parameters}

    def resolve(self, values: Mapping[str, Any] | None = None) -> dict[str, float]:
        """The parameter values to use: defaults overridden by ``values``, each checked; raises ComputeError."""
        resolved = self.defaults()
        for name, raw in (values or {}).items():
            parameter = self.parameter(name) if isinstance(name, str) else None
            if parameter is None:
                raise ComputeError(f"unknown parameter {str(name)[:40]!r}")
            if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not math.isfinite(raw):
                raise ComputeError(f"{name} must be a number")
            problem = parameter.problem(float(raw))
            if problem:
                raise ComputeError(problem)
            resolved[name] = float(raw)
        return resolved

    def evaluate(self, values: Mapping[str, Any] | None = None) -> dict[str, float]:
        """Parameters, every variable and ``answer`` at ``values``; raises ComputeError."""
        named = [(v.name, v.expression, v.offset) for v in self.variables]
        named.append(("answer", self.answer.expression, self.answer.offset))
        return evaluate_in_order(named, self.resolve(values), self.limits)

    def check(self, text: str, values: Mapping[str, Any] | None = None) -> Verdict:
        """Judge a typed answer at ``values``."""
        expected = self.evaluate(values)["answer"]
        return check_answer(text, expected, self.answer.unit, self.answer.tolerance, self.answer.display)

    def expected_text(self, values: Mapping[str, float]) -> str:
        """The answer as the card shows it: ``536.9 MB``."""
        a = self.answer
        return format_quantity(values["answer"] * a.unit.factor, a.display, a.digits)

    def exact_text(self, values: Mapping[str, float]) -> str:
        """The answer in its own unit, unrounded: ``536,870,912 B``."""
        a = self.answer
        value = values["answer"]
        return format_quantity(value * a.unit.factor, a.unit, None if value == int(value) else 10, trim=True)

    def expect_problem(self, values: Mapping[str, float] | None = None) -> str | None:
        """Why ``expect`` disagrees with the answer at the defaults (or cannot be read), or None.

        ``values``: ``evaluate()``'s result, when the caller has it already (the build does).
        """
        if self.expect is None:
            return None
        typed = read_answer(self.expect.text)
        if isinstance(typed, str):
            return f"expect: {typed}"
        if values is None:
            values = self.evaluate()
        a = self.answer
        verdict = check_answer(self.expect.text, values["answer"], a.unit, a.tolerance, a.display)
        if verdict.correct:
            return None
        if verdict.state == "unit":
            return f"expect: {verdict.message}"
        shown, exact = self.expected_text(values), self.exact_text(values)
        both = shown if shown == exact else f"{shown} ({exact})"
        tolerance = self.answer.tolerance.describe(self.answer.unit)
        return f"expect says {self.expect.text.strip()} but the answer at the defaults is {both}; tolerance {tolerance}"

    def random_values(self, seed: int | None = None, rng: random.Random | None = None) -> dict[str, float]:
        """New numbers: a random value for every parameter (a preset's parameters included).

        ``rng``: any object with ``random()`` (default ``random.Random(seed)``); nothing else is drawn.
        """
        rng = rng or random.Random(seed)
        return {p.name: p.random_value(rng) for p in self.parameters}

    def worked(self, values: Mapping[str, float], latex: bool = False) -> str:
        """The answer's formula with the values put in: ``2 × 32 × 8 × 128 × 4096 × 2``."""
        # Inline a variable's formula only while the result stays readable (and cheap: a chain of
        # 'v2 = v1 * v1' lines would otherwise double the text per line); else show its value.
        inline: dict[str, Node] = {}
        sizes: dict[str, tuple[int, int]] = {}
        for v in self.variables:
            size, depth = _expanded(v.expression.root, sizes)
            if size <= _WORKED_MAX_NODES and depth <= _WORKED_MAX_DEPTH:
                inline[v.name] = v.expression.root
                sizes[v.name] = (size, depth)
        if _expanded(self.answer.expression.root, sizes)[0] > _WORKED_MAX_ANSWER_NODES:
            inline = {}  # the answer uses big variables many times: show their values
        return _Renderer(values, inline, latex).render(self.answer.expression.root)

    def to_json(self) -> dict[str, Any]:
        """What the panel needs to draw its controls."""
        return {
            "parameters": [p.to_json() for p in self.parameters],
            "presets": [{"label": p.label, "values": dict(p.values)} for p in self.presets],
            "unit": self.answer.unit.symbol,
            "show": self.answer.display.symbol,
        }


# ---------------------------------------------------------------------------------------------
# Parsing the block

_NUMBER = r"[+-]?(?:\d[\d_]*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_PARAM = re.compile(rf"param\s+(?P<name>\w+)\s*=\s*(?P<default>{_NUMBER})\s+(?P<rest>.*)$")
_RANGE = re.compile(rf"in\s+(?P<low>{_NUMBER})\s*\.\.\s*(?P<high>{_NUMBER})(?P<opts>.*)$")
_CHOICE = re.compile(rf"\s*(?P<value>{_NUMBER})\s*(?:\"(?P<label>[^\"]*)\")?\s*(?:,|$)")
_PRESET = re.compile(r"preset\s+\"(?P<label>[^\"]+)\"\s*:\s*(?P<rest>.*)$")
_ASSIGN = re.compile(rf"\s*(?P<name>\w+)\s*=\s*(?P<value>{_NUMBER})\s*(?:,|$)")
_SETTING = re.compile(r"(?P<key>[a-z]+)\s*:\s*(?P<value>.*)$")
_WORD = re.compile(r"[A-Za-z_]\w*")
_VARIABLE = re.compile(r"(?P<name>[A-Za-z_]\w*)\s*=(?!=)\s*(?P<expr>.*)$")


def _number(text: str, at: int | None = None) -> float:
    """A number the block's regexes matched; not finite raises ComputeError at ``at`` (ValueError without)."""
    value = float(text.replace("_", ""))
    if not math.isfinite(value):
        if at is None:
            raise ValueError(text)
        raise ComputeError(f"number {text} is too large (not finite)", at, len(text))
    return value


class _BlockParser:
    def __init__(self, source: str, limits: Limits) -> None:
        self.source = source
        self.limits = limits
        self.parameters: list[Parameter] = []
        self.presets: list[Preset] = []
        self.variables: list[Variable] = []
        self.defined: dict[str, int] = {}
        self.answer: Expression | None = None
        self.answer_offset = 0
        self.settings: dict[str, tuple[str, int, int]] = {}

    def parse(self) -> ComputeModel:
        offset = 0
        lines = self.source.split("\n")
        if len(lines) > self.limits.max_block_lines:
            raise ComputeError(f"compute block has more than {self.limits.max_block_lines} lines", 0)
        for line in lines:
            self.statement(line, offset)
            offset += len(line) + 1
        return self.finish()

    def statement(self, raw: str, start: int) -> None:
        code = _strip_comment(raw.rstrip("\r"))
        stripped = code.strip()
        if not stripped:
            return
        at = start + (len(code) - len(code.lstrip()))
        for i, ch in enumerate("" if code.isascii() else code):  # the loop only finds where
            if ord(ch) > 126 and not _in_quotes(code, i):
                raise ComputeError(f"unexpected character {ch!r} (U+{ord(ch):04X}); use plain ASCII outside quotes", start + i)
        first = _WORD.match(stripped)
        word = first.group() if first else ""
        if word == "param":
            self.param(stripped, at)
            return
        if word == "preset":
            self.preset(stripped, at)
            return
        m = _VARIABLE.match(stripped) if word not in SETTINGS else None
        if word == "answer" and m:
            if self.answer is not None:
                raise ComputeError("the block has a second 'answer' line; a card has one answer", at, len(stripped))
            self.answer = self.expression(m.group("expr"), at + m.start("expr"))
            self.answer_offset = at + m.start("expr")
        elif word in SETTINGS:
            m = _SETTING.match(stripped)
            if not m or m.group("key") != word:
                raise ComputeError(f"write settings as '{word}: value'", at, len(stripped))
            if word in self.settings:
                raise ComputeError(f"'{word}' is set twice", at, len(word))
            value = m.group("value").strip()
            if not value:
                raise ComputeError(f"'{word}:' needs a value", at, len(stripped))
            self.settings[word] = (value, at + m.start("value"), len(value))
        elif m:
            name = self.define(m.group("name"), at)
            offset = at + m.start("expr")
            self.variables.append(Variable(name, self.expression(m.group("expr"), offset), offset))
        else:
            raise ComputeError(
                "expected 'param ...', 'preset ...', 'name = expression', 'answer = expression' "
                f"or a setting ({', '.join(s + ':' for s in SETTINGS)})",
                at, len(stripped),
            )

    def define(self, name: str, at: int) -> str:
        if not is_name(name):
            raise ComputeError(f"{name!r} is not a valid name (a letter, then letters, digits or '_')", at, len(name))
        if name in KEYWORDS or name in RESERVED:
            raise ComputeError(f"{name!r} is a reserved word and cannot be a name", at, len(name))
        if name in self.defined:
            raise ComputeError(f"{name!r} is already defined", at, len(name))
        self.defined[name] = at
        return name

    def expression(self, text: str, at: int) -> Expression:
        try:
            expression = parse_expression(text, self.limits)
        except ComputeError as e:
            raise e.shifted(at) from None
        for name in sorted(expression.names):
            if name not in self.defined:
                where = _find_name(text, name)
                hint = " (names must be defined on an earlier line)" if name not in ("answer",) else ""
                raise ComputeError(f"unknown name {name!r}{hint}", at + where, len(name))
        return expression

    def param(self, line: str, at: int) -> None:
        if len(self.parameters) >= self.limits.max_parameters:
            raise ComputeError(f"more than {self.limits.max_parameters} parameters", at, len(line))
        m = _PARAM.match(line)
        if not m:
            raise ComputeError(
                "write a parameter as 'param name = default in low..high [step s] [integer]' "
                "or 'param name = default one of 1 \"label\", 2 \"label\"'",
                at, len(line),
            )
        name = self.define(m.group("name"), at + m.start("name"))
        default = _number(m.group("default"), at + m.start("default"))
        rest, rest_at = m.group("rest"), at + m.start("rest")
        if rest.startswith("one of"):
            parameter = Parameter(name, default, choices=self.choices(rest[6:], rest_at + 6))
        else:
            parameter = self.range(name, default, rest, rest_at)
        problem = parameter.problem(default)
        if problem:
            raise ComputeError(f"default {format_number(default)} is not allowed: {problem}", at + m.start("default"), len(m.group("default")))
        self.parameters.append(parameter)

    def range(self, name: str, default: float, rest: str, at: int) -> Parameter:
        m = _RANGE.match(rest)
        if not m:
            raise ComputeError("expected 'in low..high' or 'one of ...' after the default", at, len(rest))
        low, high = _number(m.group("low"), at + m.start("low")), _number(m.group("high"), at + m.start("high"))
        if low > high:
            raise ComputeError(f"empty range: {m.group('low')} is above {m.group('high')}", at + m.start("low"), m.end("high") - m.start("low"))
        step, integer = None, False
        opts = m.group("opts").split()
        i, opts_at = 0, at + m.start("opts")
        while i < len(opts):
            if opts[i] == "integer":
                integer = True
                i += 1
            elif opts[i] == "step" and i + 1 < len(opts) and re.fullmatch(_NUMBER, opts[i + 1]):
                step = _number(opts[i + 1], opts_at + m.group("opts").find(opts[i + 1]))
                if step <= 0:
                    raise ComputeError("step must be positive", opts_at, len(m.group("opts")))
                i += 2
            else:
                raise ComputeError(f"unexpected {opts[i]!r}; after a range come 'step N' and 'integer'", opts_at + m.group("opts").find(opts[i]), len(opts[i]))
        if step is not None and step == int(step) and low == int(low):
            integer = True
        return Parameter(name, default, low, high, step, integer)

    def choices(self, text: str, at: int) -> tuple[Choice, ...]:
        choices: list[Choice] = []
        pos = 0
        while pos < len(text) and text[pos:].strip():
            m = _CHOICE.match(text, pos)
            if not m or m.end() == pos:
                raise ComputeError('write choices as: one of 0.5 "FP4", 1 "INT8", 2 "BF16"', at + pos, max(1, len(text) - pos))
            label = (m.group("label") or "").strip()
            if len(label) > self.limits.max_label_chars:
                raise ComputeError(f"label longer than {self.limits.max_label_chars} characters", at + m.start("label"), len(label))
            value = _number(m.group("value"), at + m.start("value"))
            if any(c.value == value for c in choices):
                raise ComputeError(f"choice {m.group('value')} appears twice", at + m.start("value"), len(m.group("value")))
            choices.append(Choice(value, label or format_number(value)))
            pos = m.end()
        if not choices:
            raise ComputeError("'one of' needs at least one choice", at, 1)
        if len(choices) > self.limits.max_choices:
            raise ComputeError(f"more than {self.limits.max_choices} choices", at, len(text))
        return tuple(choices)

    def preset(self, line: str, at: int) -> None:
        if len(self.presets) >= self.limits.max_presets:
            raise ComputeError(f"more than {self.limits.max_presets} presets", at, len(line))
        m = _PRESET.match(line)
        if not m:
            raise ComputeError('write a preset as: preset "Label": name = value, name = value', at, len(line))
        label = m.group("label").strip()
        if len(label) > self.limits.max_label_chars:
            raise ComputeError(f"label longer than {self.limits.max_label_chars} characters", at + m.start("label"), len(label))
        if any(p.label == label for p in self.presets):
            raise ComputeError(f"preset {label!r} is defined twice", at + m.start("label"), len(label))
        rest, rest_at = m.group("rest"), at + m.start("rest")
        values: list[tuple[str, float]] = []
        pos = 0
        while pos < len(rest) and rest[pos:].strip():
            a = _ASSIGN.match(rest, pos)
            if not a or a.end() == pos:
                raise ComputeError("write preset values as: name = number, name = number", rest_at + pos, max(1, len(rest) - pos))
            name, value = a.group("name"), _number(a.group("value"), rest_at + a.start("value"))
            parameter = next((p for p in self.parameters if p.name == name), None)
            if parameter is None:
                raise ComputeError(f"preset sets {name!r}, which is not a parameter defined above", rest_at + a.start("name"), len(name))
            problem = parameter.problem(value)
            if problem:
                raise ComputeError(f"preset {label!r}: {problem}", rest_at + a.start("value"), len(a.group("value")))
            values.append((name, value))
            pos = a.end()
        if not values:
            raise ComputeError("a preset needs at least one 'name = value'", at, len(line))
        self.presets.append(Preset(label, tuple(values)))

    def unit_setting(self, key: str) -> tuple[Unit, int, int] | None:
        if key not in self.settings:
            return None
        text, at, length = self.settings[key]
        unit = parse_unit(text)
        if unit is None:
            raise ComputeError(f"unknown unit {text!r} (known: B, kB, MB, GB, KiB, MiB, GiB, bit, s, ms, µs, ns, Hz, GHz, x, %, tokens, FLOP, blocks and a/b)", at, length)
        return unit, at, length

    def finish(self) -> ComputeModel:
        if self.answer is None:
            raise ComputeError("the compute block needs an 'answer = expression' line", max(0, len(self.source.rstrip()) - 1))
        unit_setting = self.unit_setting("unit")
        unit = unit_setting[0] if unit_setting else PLAIN
        display_setting = self.unit_setting("show")
        display = display_setting[0] if display_setting else unit
        if display_setting and display.dimension != unit.dimension:
            _, at, length = display_setting
            raise ComputeError(f"show: {display.symbol} is not the same kind of quantity as unit: {unit.symbol or '(none)'}", at, length)
        digits = None
        if "digits" in self.settings:
            text, at, length = self.settings["digits"]
            if not text.isdigit() or not 1 <= int(text) <= 15:
                raise ComputeError("digits: takes a whole number of significant figures from 1 to 15", at, length)
            digits = int(text)
        tolerance = self.tolerance(unit)
        expect = None
        if "expect" in self.settings:
            text, at, length = self.settings["expect"]
            expect = Expect(text, at, length)
        return ComputeModel(
            self.source, tuple(self.parameters), tuple(self.presets), tuple(self.variables),
            AnswerSpec(self.answer, unit, display, digits, tolerance, self.answer_offset), expect, self.limits,
        )

    def tolerance(self, unit: Unit) -> Tolerance:
        if "tolerance" not in self.settings:
            return Tolerance()
        text, at, length = self.settings["tolerance"]
        if text.endswith("%"):
            try:
                relative = _number(text[:-1].strip()) / 100
            except ValueError:
                raise ComputeError("tolerance: write a percentage like 1% or an amount like 0.5 MB", at, length) from None
            if not 0 <= relative < 1:
                raise ComputeError("tolerance: a relative tolerance must be from 0% to below 100%", at, length)
            return Tolerance(relative=relative)
        typed = read_answer(text)
        if not isinstance(typed, Typed):
            raise ComputeError(f"tolerance: {typed}", at, length)
        t_unit = unit if typed.bare else typed.unit
        if t_unit.dimension != unit.dimension:
            raise ComputeError(f"tolerance: {typed.unit.symbol} is not the same kind of quantity as unit: {unit.symbol}", at, length)
        if typed.number < 0:
            raise ComputeError("tolerance: must not be negative", at, length)
        return Tolerance(absolute=typed.number * t_unit.factor)


def parse_compute(source: str, limits: Limits = DEFAULT_LIMITS) -> ComputeModel:
    """Parse a compute block; raises ComputeError with an offset into ``source``."""
    if not isinstance(source, str):
        raise ComputeError("the compute block must be text")
    if len(source) > limits.max_block_chars:
        raise ComputeError(f"compute block is {len(source):,} characters; the limit is {limits.max_block_chars:,}", limits.max_block_chars)
    return _BlockParser(source, limits).parse()


def _strip_comment(line: str) -> str:
    if "#" not in line:
        return line
    in_quotes = False
    for i, ch in enumerate(line):
        if ch == '"':
            in_quotes = not in_quotes
        elif ch == "#" and not in_quotes:
            return line[:i]
    return line


def _in_quotes(line: str, index: int) -> bool:
    return line.count('"', 0, index) % 2 == 1


def _find_name(text: str, name: str) -> int:
    m = re.search(rf"(?<![\w.]){re.escape(name)}(?!\w)", text)
    return m.start() if m else 0


# ---------------------------------------------------------------------------------------------
# The worked formula: the answer's expression with the values put in


_PRECEDENCE = {"or": 1, "and": 2, "not": 3, "cmp": 4, "+": 5, "-": 5, "*": 6, "/": 6, "//": 6, "%": 6, "neg": 7, "**": 8}
_TEXT_OPS = {"*": " × ", "/": " / ", "+": " + ", "-": " − ", "//": " // ", "%": " mod ", "and": " and ", "or": " or "}
_LATEX_OPS = {"*": r" \times ", "+": " + ", "-": " - ", "//": r" \mathbin{//} ", "%": r" \bmod ", "and": r" \land ", "or": r" \lor "}
_CMP_TEXT = {"<": " < ", "<=": " ≤ ", ">": " > ", ">=": " ≥ ", "==": " = ", "!=": " ≠ "}
_CMP_LATEX = {"<": " < ", "<=": r" \le ", ">": " > ", ">=": r" \ge ", "==": " = ", "!=": r" \ne "}


_WORKED_MAX_NODES = 120
_WORKED_MAX_DEPTH = 40
_WORKED_MAX_ANSWER_NODES = 400


def _children(node: Node) -> tuple[Node, ...]:
    if isinstance(node, Unary):
        return (node.operand,)
    if isinstance(node, Binary):
        return (node.left, node.right)
    if isinstance(node, Compare):
        return node.operands
    if isinstance(node, Conditional):
        return (node.test, node.then, node.otherwise)
    if isinstance(node, Call):
        return node.args
    if isinstance(node, Argmax):
        return (node.low, node.high, node.body)
    return ()


def _expanded(node: Node, inlined: Mapping[str, tuple[int, int]]) -> tuple[int, int]:
    """Node count and depth of ``node`` once the ``inlined`` variables are put in."""
    if isinstance(node, Name) and node.name in inlined:
        return inlined[node.name]
    size, depth = 1, 0
    for child in _children(node):
        s, d = _expanded(child, inlined)
        size, depth = size + s, max(depth, d)
    return size, depth + 1


class _Renderer:
    def __init__(self, values: Mapping[str, float], inline: Mapping[str, Node], latex: bool) -> None:
        self.values = values
        self.inline = inline
        self.latex = latex

    def number(self, value: float) -> str:
        text = format_number(value)
        if self.latex:
            text = text.replace(",", "{,}")
        return f"({text})" if value < 0 else text  # 2 − (−1), not 2 − -1

    def render(self, node: Node, parent: int = 0) -> str:
        text, own = self.node(node)
        if own < parent:
            return rf"\left({text}\right)" if self.latex else f"({text})"
        return text

    def node(self, node: Node) -> tuple[str, int]:
        latex = self.latex
        if isinstance(node, Number):
            return self.number(node.value), 9
        if isinstance(node, Name):
            if node.name in self.inline:
                return self.node(self.inline[node.name])
            value = self.values.get(node.name)
            return (self.number(value) if value is not None else node.name), 9
        if isinstance(node, Unary):
            if node.op == "not":
                return (r"\lnot " if latex else "not ") + self.render(node.operand, 3), 3
            return node.op.replace("-", "-" if latex else "−") + self.render(node.operand, 7), 7
        if isinstance(node, Binary):
            p = _PRECEDENCE[node.op]
            if latex and node.op == "/":
                return rf"\frac{{{self.render(node.left)}}}{{{self.render(node.right)}}}", 9
            if node.op == "**":
                base = self.render(node.left, 9)
                exponent = self.render(node.right, 0 if latex else 8)
                return (f"{base}^{{{exponent}}}" if latex else f"{base}^{exponent}"), 8
            ops = _LATEX_OPS if latex else _TEXT_OPS
            return self.render(node.left, p) + ops[node.op] + self.render(node.right, p + 1), p
        if isinstance(node, Compare):
            ops = _CMP_LATEX if latex else _CMP_TEXT
            parts = [self.render(node.operands[0], 5)]
            for op, operand in zip(node.ops, node.operands[1:]):
                parts.append(ops[op] + self.render(operand, 5))
            return "".join(parts), 4
        if isinstance(node, Conditional):
            word = (r"\text{ if }", r"\text{ else }") if latex else (" if ", " else ")
            return self.render(node.then, 1) + word[0] + self.render(node.test, 1) + word[1] + self.render(node.otherwise, 1), 0
        if isinstance(node, Call):
            args = ", ".join(self.render(a) for a in node.args)
            if latex:
                if node.function == "sqrt":
                    return rf"\sqrt{{{args}}}", 9
                if node.function in ("floor", "ceil"):
                    return rf"\l{node.function}{args}\r{node.function}", 9
                name = {"min": r"\min", "max": r"\max", "exp": r"\exp", "log": r"\log", "log2": r"\log_2", "log10": r"\log_{10}"}.get(node.function, rf"\operatorname{{{node.function}}}")
                return rf"{name}\left({args}\right)", 9
            return f"{node.function}({args})", 9
        if isinstance(node, Argmax):
            # the loop variable stays a name: show it unsubstituted
            saved = self.values
            self.values = {k: v for k, v in saved.items() if k != node.variable}
            try:
                body = self.render(node.body)
            finally:
                self.values = saved
            lo, hi = self.render(node.low), self.render(node.high)
            if latex:
                return rf"\operatorname*{{argmax}}_{{{node.variable} \in [{lo}, {hi}]}} {body}", 9
            return f"argmax over {node.variable} in {lo}..{hi} of {body}", 9
        return "?", 9
