"""The compute language: arithmetic expressions parsed into an allow-listed tree and evaluated by walking it.

Python's own parser (``ast.parse``) reads the text; every node is then converted into one of the
small node classes below or refused. Nothing is ever compiled to a code object or evaluated by
Python. All numbers are floats; every intermediate result must be finite.
"""

from __future__ import annotations

import ast
import math
import re
import warnings
from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

from .diagnostics import ComputeError


@dataclass(frozen=True)
class Limits:
    """Explicit bounds on what one expression or compute block may cost."""

    max_expression_chars: int = 2_000
    max_block_chars: int = 20_000
    max_block_lines: int = 200
    max_nodes: int = 400
    max_depth: int = 32
    max_power_digits: int = 300  # a power whose result would have more decimal digits is refused
    max_steps: int = 50_000  # node evaluations per evaluate() call (argmax loops count)
    max_argmax_range: int = 1_024
    max_parameters: int = 32
    max_presets: int = 64
    max_choices: int = 64
    max_label_chars: int = 60


DEFAULT_LIMITS = Limits()

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


# ---------------------------------------------------------------------------------------------
# The tree. Each node knows where it came from (offset, length) for error messages.


@dataclass(frozen=True)
class Node:
    offset: int
    length: int

    def fail(self, message: str) -> ComputeError:
        return ComputeError(message, self.offset, self.length)


@dataclass(frozen=True)
class Number(Node):
    value: float


@dataclass(frozen=True)
class Name(Node):
    name: str


@dataclass(frozen=True)
class Unary(Node):
    op: str  # "-", "+", "not"
    operand: Node


@dataclass(frozen=True)
class Binary(Node):
    op: str  # + - * / // % ** and or
    left: Node
    right: Node


@dataclass(frozen=True)
class Compare(Node):
    ops: tuple[str, ...]
    operands: tuple[Node, ...]


@dataclass(frozen=True)
class Conditional(Node):
    test: Node
    then: Node
    otherwise: Node


@dataclass(frozen=True)
class Call(Node):
    function: str
    args: tuple[Node, ...]


@dataclass(frozen=True)
class Argmax(Node):
    """``argmax(k, lo, hi, body)``: the integer k in [lo, hi] where body is largest (first on ties)."""

    variable: str
    low: Node
    high: Node
    body: Node


# ---------------------------------------------------------------------------------------------
# Functions: name -> (min args, max args, implementation)


def _round(x: float, digits: float = 0.0) -> float:
    """Round half away from zero (as taught at school), to ``digits`` decimals."""
    if digits != int(digits) or abs(digits) > 15:
        raise ValueError("round(x, n) needs a whole n between -15 and 15")
    scale = float(f"1e{int(digits)}")  # correctly rounded, as engine.js has it (no libm pow)
    if not abs(x) * scale < 2.0**52:  # already whole at this scale (and x * scale may overflow)
        return x
    return math.copysign(math.floor(abs(x) * scale + 0.5), x) / scale


def _log(x: float, base: float = math.e) -> float:
    if x <= 0:
        raise ValueError("log of a number that is not positive")
    if base <= 0 or base == 1:
        raise ValueError("log base must be positive and not 1")
    return math.log(x) / math.log(base)


def _positive(f: Callable[[float], float], what: str) -> Callable[[float], float]:
    def checked(x: float) -> float:
        if x <= 0:
            raise ValueError(f"{what} of a number that is not positive")
        return f(x)

    return checked


def _sqrt(x: float) -> float:
    if x < 0:
        raise ValueError("sqrt of a negative number")
    return math.sqrt(x)


FUNCTIONS: Mapping[str, tuple[int, int, Callable[..., float]]] = {
    "min": (1, 64, lambda *xs: min(xs)),  # min(x) of one number is that number
    "max": (1, 64, lambda *xs: max(xs)),
    "abs": (1, 1, abs),
    "round": (1, 2, _round),
    "floor": (1, 1, lambda x: float(math.floor(x))),
    "ceil": (1, 1, lambda x: float(math.ceil(x))),
    "sqrt": (1, 1, _sqrt),
    "exp": (1, 1, math.exp),
    "log": (1, 2, _log),
    "log2": (1, 1, _positive(math.log2, "log2")),
    "log10": (1, 1, _positive(math.log10, "log10")),
}
SPECIAL_FORMS = frozenset({"argmax"})
RESERVED = frozenset(FUNCTIONS) | SPECIAL_FORMS

_BINARY = {
    ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/",
    ast.FloorDiv: "//", ast.Mod: "%", ast.Pow: "**",
}
_COMPARE = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!="}
_UNARY = {ast.USub: "-", ast.UAdd: "+", ast.Not: "not"}
_BOOL = {ast.And: "and", ast.Or: "or"}

# What to say about the Python constructs the language refuses.
_REFUSED = {
    ast.Attribute: "attribute access ('.name') is not part of the language",
    ast.Subscript: "subscripts ('[...]') are not part of the language",
    ast.Lambda: "lambdas are not part of the language",
    ast.ListComp: "comprehensions are not part of the language",
    ast.SetComp: "comprehensions are not part of the language",
    ast.DictComp: "comprehensions are not part of the language",
    ast.GeneratorExp: "comprehensions are not part of the language",
    ast.JoinedStr: "strings are not part of the language",
    ast.NamedExpr: "':=' is not part of the language; write 'name = expression' on its own line",
    ast.List: "lists are not part of the language",
    ast.Tuple: "tuples are not part of the language (a stray comma?)",
    ast.Dict: "dictionaries are not part of the language",
    ast.Set: "sets are not part of the language",
    ast.Starred: "'*' unpacking is not part of the language",
    ast.Await: "'await' is not part of the language",
    ast.Yield: "'yield' is not part of the language",
    ast.YieldFrom: "'yield' is not part of the language",
    ast.Slice: "slices are not part of the language",
}


# ---------------------------------------------------------------------------------------------
# Parsing


@dataclass(frozen=True)
class Expression:
    """A parsed expression: parse once, evaluate many times."""

    source: str
    root: Node
    names: frozenset[str]

    def evaluate(self, env: Mapping[str, float], limits: Limits = DEFAULT_LIMITS) -> float:
        """The value of the expression with ``env``'s values; raises ComputeError."""
        return _Evaluator(env, limits).value(self.root)


def evaluate_in_order(
    named: "Sequence[tuple[str, Expression, int]]", env: Mapping[str, float], limits: Limits = DEFAULT_LIMITS
) -> dict[str, float]:
    """``env`` plus each ``(name, expression, offset)``'s value, in order, each seeing those before it.

    One step budget (``limits.max_steps``) covers them all, so a block of many lines costs no more
    than one expression may. An error's offset is moved by the failing expression's ``offset`` (its
    place in the enclosing block); raises ComputeError.
    """
    evaluator = _Evaluator(env, limits)
    for name, expression, offset in named:
        try:
            evaluator.env[name] = evaluator.value(expression.root)
        except ComputeError as e:
            raise e.shifted(offset) from None
    return evaluator.env


def parse_expression(source: str, limits: Limits = DEFAULT_LIMITS) -> Expression:
    """Parse one expression into an allow-listed tree; raises ComputeError with an offset."""
    if not isinstance(source, str):
        raise ComputeError("an expression must be text")
    if len(source) > limits.max_expression_chars:
        raise ComputeError(
            f"expression is {len(source):,} characters long; the limit is {limits.max_expression_chars:,}",
            limits.max_expression_chars,
        )
    stripped = source.strip()
    if not stripped:
        raise ComputeError("expected an expression", 0)
    plain = source.isascii() and source.replace("\t", " ").isprintable()
    for i, ch in enumerate("" if plain else source):  # the loop only finds where
        if ord(ch) > 126 or (ord(ch) < 32 and ch not in "\t"):
            raise ComputeError(
                f"unexpected character {ch!r} (U+{ord(ch):04X}); formulas use plain ASCII "
                "(digits 0-9, letters, + - * / ( ) and so on)",
                i,
            )
    _check_bracket_depth(source, limits)
    try:
        with warnings.catch_warnings():  # "1if x else 2", "0x1for 1": refused, not a warning on stderr
            warnings.simplefilter("error", SyntaxWarning)
            warnings.simplefilter("ignore", DeprecationWarning)  # "'\d'": an invalid escape in a string, refused anyway
            tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as e:
        lead = len(source) - len(source.lstrip())
        offset = lead + max(0, (e.offset or 1) - 1) if (e.lineno or 1) == 1 else len(source)
        raise ComputeError(_syntax_message(e), min(offset, len(source)), syntax=True) from None
    except (RecursionError, MemoryError, ValueError, OverflowError):
        raise ComputeError("expression is too deeply nested or too large", 0) from None
    lead = len(source) - len(source.lstrip())
    converter = _Converter(lead, limits)
    root = converter.convert(tree.body, 1)
    return Expression(source, root, frozenset(converter.names))


def _check_bracket_depth(source: str, limits: Limits) -> None:
    if sum(source.count(c) for c in "([{") <= limits.max_depth:
        return  # cannot nest deeper than it has brackets
    depth = 0
    for i, ch in enumerate(source):
        if ch in "([{":
            depth += 1
            if depth > limits.max_depth:
                raise ComputeError(f"brackets nest more than {limits.max_depth} deep", i)
        elif ch in ")]}":
            depth -= 1


def _syntax_message(e: SyntaxError) -> str:
    msg = (e.msg or "invalid syntax").replace("invalid syntax. ", "")
    if "unterminated string" in msg or "string literal" in msg:
        return "strings are not part of the language"
    if msg.startswith("invalid syntax"):
        return "invalid syntax"
    return msg


class _Converter:
    """Turns Python's ast into our node classes, refusing everything not allow-listed."""

    def __init__(self, lead: int, limits: Limits) -> None:
        self.lead = lead
        self.limits = limits
        self.count = 0
        self.names: set[str] = set()
        self.bound: list[str] = []

    def span(self, node: ast.expr) -> tuple[int, int]:
        start, end = node.col_offset, node.end_col_offset  # ast.parse sets all four on every expression
        if end is None or node.end_lineno != node.lineno or end <= start:
            return self.lead + start, 1
        return self.lead + start, end - start

    def convert(self, node: ast.AST, depth: int) -> Node:
        offset, length = self.span(node)
        self.count += 1
        if self.count > self.limits.max_nodes:
            raise ComputeError(f"expression has more than {self.limits.max_nodes} parts", offset, length)
        if depth > self.limits.max_depth:
            raise ComputeError(f"expression nests more than {self.limits.max_depth} deep", offset, length)
        d = depth + 1
        if isinstance(node, ast.Constant):
            return self.constant(node, offset, length)
        if isinstance(node, ast.Name):
            return self.name(node.id, offset, length)
        if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
            return Unary(offset, length, _UNARY[type(node.op)], self.convert(node.operand, d))
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            return Binary(offset, length, _BINARY[type(node.op)], self.convert(node.left, d), self.convert(node.right, d))
        if isinstance(node, ast.BoolOp) and type(node.op) in _BOOL:
            op = _BOOL[type(node.op)]
            # the chain below nests one Binary per extra value: count that depth like '+' chains
            values = [self.convert(v, d + len(node.values) - 2) for v in node.values]
            result = values[0]
            for v in values[1:]:
                result = Binary(offset, length, op, result, v)
            return result
        if isinstance(node, ast.Compare) and all(type(o) in _COMPARE for o in node.ops):
            operands = (self.convert(node.left, d), *(self.convert(c, d) for c in node.comparators))
            return Compare(offset, length, tuple(_COMPARE[type(o)] for o in node.ops), operands)
        if isinstance(node, ast.IfExp):
            return Conditional(offset, length, self.convert(node.test, d), self.convert(node.body, d), self.convert(node.orelse, d))
        if isinstance(node, ast.Call):
            return self.call(node, offset, length, d)
        for kind, message in _REFUSED.items():
            if isinstance(node, kind):
                raise ComputeError(message, offset, length)
        if isinstance(node, ast.BinOp):
            raise ComputeError("'@', bit operators and shifts are not part of the language", offset, length)
        if isinstance(node, ast.UnaryOp):
            raise ComputeError("'~' is not part of the language", offset, length)
        if isinstance(node, ast.Compare):
            raise ComputeError("only < <= > >= == != compare numbers here", offset, length)
        raise ComputeError(f"{type(node).__name__} is not part of the language", offset, length)

    def constant(self, node: ast.Constant, offset: int, length: int) -> Number:
        value = node.value
        if isinstance(value, bool) or value is None or value is Ellipsis:
            raise ComputeError(f"{value!r} is not a number", offset, length)
        if isinstance(value, (str, bytes)):
            raise ComputeError("strings are not part of the language", offset, length)
        if isinstance(value, complex):
            raise ComputeError("complex numbers are not part of the language", offset, length)
        try:
            number = float(value)
        except OverflowError:
            raise ComputeError("number is too large", offset, length) from None
        if not math.isfinite(number):
            raise ComputeError("number is too large (not finite)", offset, length)
        return Number(offset, length, number)

    def name(self, name: str, offset: int, length: int) -> Name:
        if name.startswith("_"):
            raise ComputeError(f"names starting with '_' are not allowed ({name!r})", offset, length)
        if name in ("nan", "inf", "NaN", "Infinity"):
            raise ComputeError(f"{name!r} is not a number here; results must be finite", offset, length)
        if name in RESERVED:
            raise ComputeError(f"{name!r} is a function; call it like {name}(...)", offset, length)
        if name not in self.bound:
            self.names.add(name)
        return Name(offset, length, name)

    def call(self, node: ast.Call, offset: int, length: int, d: int) -> Node:
        if not isinstance(node.func, ast.Name):
            fo, fl = self.span(node.func)
            raise ComputeError("only the built-in functions can be called (min, max, sqrt, ...)", fo, fl)
        fname = node.func.id
        if node.keywords:
            raise ComputeError(f"{fname}() takes no keyword arguments", offset, length)
        if any(isinstance(a, ast.Starred) for a in node.args):
            raise ComputeError("'*' unpacking is not part of the language", offset, length)
        if fname == "argmax":
            return self.argmax(node, offset, length, d)
        if fname not in FUNCTIONS:
            known = ", ".join(sorted(RESERVED))
            fo, fl = self.span(node.func)
            raise ComputeError(f"unknown function {fname!r}; the functions are {known}", fo, fl)
        low, high, _ = FUNCTIONS[fname]
        if not low <= len(node.args) <= high:
            want = str(low) if low == high else f"{low} to {high}"
            raise ComputeError(f"{fname}() takes {want} argument(s), got {len(node.args)}", offset, length)
        return Call(offset, length, fname, tuple(self.convert(a, d) for a in node.args))

    def argmax(self, node: ast.Call, offset: int, length: int, d: int) -> Argmax:
        if len(node.args) != 4 or not isinstance(node.args[0], ast.Name):
            raise ComputeError("argmax takes (name, low, high, expression), e.g. argmax(k, 1, 16, speedup_at(k))", offset, length)
        var = node.args[0].id
        if var.startswith("_") or var in RESERVED:
            vo, vl = self.span(node.args[0])
            raise ComputeError(f"{var!r} cannot be an argmax variable", vo, vl)
        low = self.convert(node.args[1], d)
        high = self.convert(node.args[2], d)
        self.bound.append(var)
        try:
            body = self.convert(node.args[3], d)
        finally:
            self.bound.pop()
        return Argmax(offset, length, var, low, high, body)


# ---------------------------------------------------------------------------------------------
# Evaluation


class _Evaluator:
    def __init__(self, env: Mapping[str, float], limits: Limits) -> None:
        self.env = dict(env)
        self.limits = limits
        self.steps = 0

    def finite(self, node: Node, x: float) -> float:
        if not math.isfinite(x):
            raise node.fail("result is too large (it overflows)")
        return x

    def value(self, node: Node) -> float:
        self.steps += 1
        if self.steps > self.limits.max_steps:
            raise node.fail(f"evaluation takes more than {self.limits.max_steps:,} steps")
        if isinstance(node, Number):
            return node.value
        if isinstance(node, Name):
            try:
                return self.env[node.name]
            except KeyError:
                raise node.fail(f"unknown name {node.name!r}") from None
        if isinstance(node, Unary):
            x = self.value(node.operand)
            return -x if node.op == "-" else x if node.op == "+" else float(not x)
        if isinstance(node, Binary):
            return self.binary(node)
        if isinstance(node, Compare):
            left = self.value(node.operands[0])
            for op, operand in zip(node.ops, node.operands[1:]):
                right = self.value(operand)
                if not _compare(op, left, right):
                    return 0.0
                left = right
            return 1.0
        if isinstance(node, Conditional):
            return self.value(node.then) if self.value(node.test) else self.value(node.otherwise)
        if isinstance(node, Call):
            args = [self.value(a) for a in node.args]
            try:
                return self.finite(node, float(FUNCTIONS[node.function][2](*args)))
            except (ValueError, OverflowError, ZeroDivisionError) as e:
                raise node.fail(f"{node.function}(): {_plain(e)}") from None
        if isinstance(node, Argmax):
            return self.argmax(node)
        raise node.fail("cannot evaluate this")  # unreachable: the converter makes only the nodes above

    def binary(self, node: Binary) -> float:
        a = self.value(node.left)
        if node.op == "and":
            return self.value(node.right) if a else a
        if node.op == "or":
            return a if a else self.value(node.right)
        b = self.value(node.right)
        op = node.op
        if op == "+":
            return self.finite(node, a + b)
        if op == "-":
            return self.finite(node, a - b)
        if op == "*":
            return self.finite(node, a * b)
        if op in ("/", "//", "%") and b == 0:
            raise node.fail("division by zero")
        if op == "/":
            return self.finite(node, a / b)
        if op == "//":
            return float(math.floor(self.finite(node, a / b)))
        if op == "%":
            return self.finite(node, a % b)
        return self.power(node, a, b)

    def power(self, node: Binary, base: float, exponent: float) -> float:
        if base == 0 and exponent < 0:
            raise node.fail("division by zero (0 to a negative power)")
        if base < 0 and exponent != int(exponent):
            raise node.fail("a negative number to a fractional power is not a real number")
        if base not in (0.0, 1.0, -1.0):
            digits = exponent * math.log10(abs(base))
            if digits > self.limits.max_power_digits:  # a tiny result (digits very negative) is just 0
                raise node.fail(
                    f"power is too large: the result would have about {digits:.3g} digits "
                    f"(limit {self.limits.max_power_digits})"
                )
        try:
            return self.finite(node, math.pow(base, exponent))
        except (OverflowError, ValueError):
            raise node.fail("power is too large") from None

    def argmax(self, node: Argmax) -> float:
        low, high = self.value(node.low), self.value(node.high)
        if low != int(low) or high != int(high) or high < low:
            raise node.fail("argmax needs whole numbers low <= high")
        if high - low + 1 > self.limits.max_argmax_range:
            raise node.fail(f"argmax range is larger than {self.limits.max_argmax_range:,}")
        saved = self.env.get(node.variable)
        best_k, best = low, -math.inf
        try:
            for k in range(int(low), int(high) + 1):
                self.env[node.variable] = float(k)
                v = self.value(node.body)
                if v > best:
                    best_k, best = float(k), v
        finally:
            if saved is None:
                self.env.pop(node.variable, None)
            else:
                self.env[node.variable] = saved
        return best_k


def _compare(op: str, a: float, b: float) -> bool:
    return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b, "==": a == b, "!=": a != b}[op]


def _plain(e: Exception) -> str:
    text = str(e)
    return {"math range error": "result is too large", "math domain error": "not defined for this value"}.get(text, text)


def is_name(text: str) -> bool:
    """True for a valid parameter or variable name: a letter, then letters, digits or '_'."""
    return _NAME.fullmatch(text) is not None
