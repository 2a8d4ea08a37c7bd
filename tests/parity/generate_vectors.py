#!/usr/bin/env python3
"""Write tests/parity/data/vectors.json: inputs and the Python core's outputs, for engine.js to replay.

    python tests/parity/generate_vectors.py [--check]

The core runs with math.exp and math.pow correctly rounded (crlibm.py), as engine.js computes them,
so the file does not depend on this machine's libm. Every op of reference.py gets curated inputs (each statement, setting, refusal and limit of the
language and the block; every spelling in the unit table, so a unit added in Python is a failing
vector until engine.js has it) plus systematic combinations. Deterministic: no randomness, so the
committed file equals a fresh generation (test_vectors.py checks that). --check: exit 1 if the
committed file is stale.
"""

from __future__ import annotations

import itertools
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))

from tests.parity import reference  # noqa: E402
from tests.parity.crlibm import correctly_rounded_libm  # noqa: E402

OUT = HERE / "data" / "vectors.json"
ENV = {"x": 2.0, "y": 3.0, "a": 1.0, "b": -0.5, "c": 1e300, "k": 4.0}

EXPRESSIONS = [
    # numbers as Python writes them
    "0", "7", "0.5", ".5", "5.", "1_000", "1_000.000_1", "1e3", "2.5E-3", "1e308", "1e-308", "1e-320", "4096",
    "0.1", "999999999999999999999", "0x1f", "0X1F", "0o17", "0b101", "0x_ff", "0xffff_ffff_ffff_ffff_f",
    "0b" + "1" * 60, "0o7777777777777777777777", "1" + "0" * 308, "1" + "0" * 309, "9" * 400, "1" + "0" * 400 + ".0",
    "1e999", "1e309", "-1e400", "00", "0_0", "09", "09.5", "09e1", "0_1", "1_", "1__0", "1.e5", "1._", "1e", "1e+",
    "1ex", "0e0", "0x", "0xg", "0o8", "0b2", "1j", "1.5j", "1e999j", "1if 1 else 2", "0x1for 1", "1else 2", "1or 2",
    "1 .real", "1.real", "1..2", "5.j",
    # operators and precedence
    "-2**2", "2**-1", "2**3**2", "(-2)**2", "-(2)**2", "2*3+4", "2+3*4", "7//2", "-7//2", "7%3", "-7%3", "7%-3",
    "-0.0%5", "0.0%-5", "7.5//2", "1/3", "2/3", "not 0", "not 1 + 1", "not not 0", "1 and 2", "0 and 2", "0 or 3",
    "2 or 3", "1 < 2 < 3", "3 > 2 > 2", "1 == 1.0", "1 != 2", "1 <= 1 >= 1", "1 if 0 else 2",
    "1 if 1 else 2 if 0 else 3", "a if b else c", "x ** 0.5", "0 ** 0", "0 ** -1", "0.0 ** 2", "(-8) ** (1/3)",
    "(-8) ** 3", "(-1) ** 0.5", "2 ** 1023", "2 ** 1024", "10 ** 300", "10 ** 301", "1.5 ** 2000", "0.1 ** -400",
    "x ** 99999", "(-10) ** 1001", "(-1) ** 1.7976931348623157e+308", "(-1) ** 9007199254740993", "(-1) ** 3", "(-1) ** -3",
    "(-2) ** 1e300", "0.5 ** 1e300", "1.0000000001 ** 1e300", "9**9**9", "- - 1", "+-+1", "-x", "--x", "2 - -1", "1e308 * 10", "1e308 + 1e308",
    "c * c", "1e308 / 1e-10", "1e308 // 1e-10", "x / (x - x)", "a // 0", "a % 0", "1 / 0",
    # functions
    "min(3, 1, 2)", "max(1)", "min()", "max(-0.0, 0.0)", "min(0.0, -0.0)", "abs(-3)", "abs(-0.0)", "round(2.5)",
    "round(-2.5)", "round(0.5)", "round(1.5)", "round(3.14159, 2)", "round(1234.5, -2)", "round(1, 0.5)", "round(1, 16)",
    "round(1e300, 2)", "round(-0.4)", "round(2.675, 2)", "floor(-0.5)", "ceil(-0.5)", "floor(2.5)", "ceil(1e300)",
    "sqrt(2)", "sqrt(-1)", "sqrt(-0.0)", "sqrt(0)", "exp(0)", "exp(1)", "exp(710)", "exp(-1000)", "log(0)", "log(1)",
    "log(8, 2)", "log(8, 1)", "log(8, -2)", "log(-1)", "log2(8)", "log2(0)", "log10(1000)", "log10(0)", "log10(0.001)",
    # where glibc's log10, log and pow are not correctly rounded (engine.js is; the vectors are made so)
    "log10(1.7179643361961898)", "log10(2.3511318217814687)", "log10(2.8117397823426304)", "log(3.3378078828986526)",
    "log(2.831957107121622)", "log(0.6738839153511028)", "log10(1000)", "log10(1e-300)", "log2(1024)", "log2(5e-324)",
    "log(1e308, 10)", "10 ** 23", "2.5 ** 23", "3 ** 40", "x ** -1", "1.7976931348623157e308 ** 0.5",
    "max(1, 2, 3, 4, 5, 6, 7, 8, 9, 10)", "max(" + "1," * 63 + "1)", "max(" + "1," * 64 + "1)", "abs(1, 2)",
    "round()", "sqrt()", "log(1, 2, 3)",
    "argmax(k, 1, 10, -(k-3)**2)", "argmax(k, 1, 1.5, k)", "argmax(k, 5, 1, k)", "argmax(k, 0, 2000, k)",
    "argmax(k, 1, 1024, k)", "argmax(k, 1, 1025, k)", "argmax(k, -3, 3, -k*k)", "argmax(k, 1, 3, 0)",
    "argmax(1, 1, 2, 3)", "argmax(_k, 1, 2, 3)", "argmax(max, 1, 2, 3)", "argmax(k, 1, 2)", "argmax(k, 1, 2, k, 5)",
    "argmax(k, 1, 1024, argmax(j, 1, 1024, j*k))", "argmax(k, 1, 3, k) + k", "argmax(q, 1, 3, q) + q",
    "argmax(k, 1, 3, argmax(k, 1, 2, k))",
    # found by the differential fuzz: above 2^53 engine.js's k + 1 was k, an endless loop to the step limit
    "argmax(j, 999999999999999999999, 999999999999999999999, 1 + j)", "argmax(k, 2**53, 2**53 + 2, -(k - 2**53 - 1)**2)",
    "argmax(k, -2**53 - 4, -2**53, k * 0)", "argmax(k, c, c, k) > argmax(k, 1, 3, k) == answer", "argmax(k, 1e308, 1e308, k)",
    # names
    "x", "zz", "answer", "_x", "__class__", "__import__", "nan", "inf", "NaN", "Infinity", "-nan", "1 / inf", "max",
    "sqrt + 1", "print", "True", "False", "None", "None + 1", "...", "match", "case", "_",
    # what the language refuses, as Python parses it
    "'s'", '"s"', "b'x'", "rb'x'", "u'x'", "f'{x}'", "f'{x!r:>{y}}'", "f'{}'", "f'}'", "f'{x=}'", "'a' 'b'", "b'a' 'b'",
    "'''a'''", "'''a''", "'a", "'\\x4'", "'\\N{foo}'", "'\\N{LATIN SMALL LETTER A}'", "'\\d'",
    "[1]", "[]", "[1, 2,]", "[*x]", "(1, 2)", "()", "(1,)", "1,", "1, 2", "(*x,)", "(*x)", "{1}", "{}", "{1: 2}",
    "{**x}", "{*x}", "{1: 2, **x}", "{1, 2: 3}", "[x for x in y]", "[1 for 1 in y]", "[1 for x.y in z]",
    "(x for x in y)", "{x for x in y}", "{x: 1 for x in y}", "[x async for x in y]", "lambda: 1", "lambda x: x",
    "lambda *: 1", "lambda x=1, y: 0", "lambda x, /, y: 0", "lambda **k, a: 0", "(lambda: 1)()", "(x := 1)", "x := 1",
    "x[0]", "x[0:1]", "x[:]", "x[a:b, c]", "x[*a]", "x.y", "x.y()", "x.__class__", "().__class__", "(1).__add__",
    "*x", "await x", "(yield)", "(yield x)", "(yield from x)", "~x", "x @ y", "x << 1", "x >> 1", "x | y", "x & y",
    "x ^ y", "x is y", "x in y", "x not in y", "x is not y", "1 <> 2", "f(x for x in y)", "max(x for x in y)",
    "max(x for x in y, 1)", "max(x=1)", "max(*a)", "max(**a)", "max(1,)", "max(,)", "max(a=1, b)", "max(**a, *b)",
    "max(a=1, *b)", "open('x')", "sin(1)", "eval('1')", "1(2)", "max(1)(2)",
    # syntax
    "1 + 2 # comment", "  1 + 2  ", "\t1", "", "   ", "#", "1 +", ")", "((1)", "1 2", "x y", "1; 2", "x = 1",
    "import os", "\\", "1 + \\", "1 ! 2", "!x", "$", "`1`", "x if y", "not", "1 + not 2", "-not 1",
    # size, depth, nodes
    "(" * 32 + "1" + ")" * 32, "(" * 33 + "1" + ")" * 33, "-" * 31 + "1", "-" * 40 + "1", "1" + "+1" * 31,
    "1" + "+1" * 40, "1" + " or 1" * 40, "2" + "**2" * 40, "x" + "<x" * 450, "x" + "+x" * 399, "x" + "+x" * 400,
    "1" * 2000, "1" * 2001, " " * 1999 + "1", "abs(" * 40 + "1" + ")" * 40,
    # characters
    "１", "3 − 2", "2 × 3", "\x00", "1\x002", "1\t+\t2", "café", "𝟏", "1 + \udcff", "\u200b1", "\ufeff1", "1\n+2",
    "\x7f", "x\x1b",
]
COMBO_LEAVES = ["0", "1", "2.5", "-3", "1e308", "0.1", "x", "b"]
COMBO_OPS = ["+", "-", "*", "/", "//", "%", "**", "and", "or", "<", "<=", ">", ">=", "==", "!="]

BLOCKS = [
    'param seq_len = 4096 in 128..1_048_576 step 128\nparam bytes_per_element = 2 one of 0.5 "FP4", 1 "INT8", 2 "BF16", 4 "FP32"\n'
    'preset "Llama-3.1-8B": seq_len = 8192, bytes_per_element = 1\nparam num_layers = 32 in 1..128 integer\n'
    "per_token = 2 * num_layers * 8 * 128 * bytes_per_element\nanswer = per_token * seq_len\nunit: B\nshow: MB\n"
    "digits: 4\ntolerance: 1%\nexpect: 536.9 MB",
    "answer = 1", "answer = 2 + 3 # five", "# only a comment", "", "answer = 1\nanswer = 2", "x = 1\nx = 2\nanswer = x",
    "answer = y", "y = answer\nanswer = 1", "answer = 1\nx = answer", "param a = 1 in 0..10\nanswer = a * 2",
    "param a = 11 in 0..10\nanswer = a", "param a = 1 in 10..0\nanswer = a", "param a = 1 in 0..10 step 0\nanswer = a",
    "param a = 1 in 0..10 step 0.5\nanswer = a", "param a = 1.5 in 0..10 integer\nanswer = a",
    "param a = 2 in 0..10 step 2\nanswer = a", "param a = 1 in 0..10 banana\nanswer = a", "param a = 1 in 0..1e999\nanswer = a",
    "param a = 1e999 in 0..1\nanswer = a", "param a = 1 one of 1, 2, 3\nanswer = a", 'param a = 2 one of 1 "one", 2 "two"\nanswer = a',
    "param a = 4 one of 1, 2\nanswer = a", "param a = 1 one of 1, 1\nanswer = a", "param a = 1 one of\nanswer = a",
    'param a = 1 one of 1 "' + "x" * 61 + '"\nanswer = a', "param a = 1 one of " + ", ".join(str(i) for i in range(65)) + "\nanswer = a",
    "param a = x in 0..1\nanswer = a", "param a\nanswer = 1", "param sqrt = 1 in 0..2\nanswer = 1", "param unit = 1 in 0..2\nanswer = 1",
    "param 1a = 1 in 0..2\nanswer = 1", "param _a = 1 in 0..2\nanswer = 1",
    "\n".join(f"param p{i} = 1 in 0..2" for i in range(33)) + "\nanswer = 1",
    'param a = 1 in 0..10\npreset "P": a = 5\nanswer = a', 'param a = 1 in 0..10\npreset "P": a = 50\nanswer = a',
    'param a = 1 in 0..10\npreset "P": b = 5\nanswer = a', 'param a = 1 in 0..10\npreset "P":\nanswer = a',
    'param a = 1 in 0..10\npreset "P": a = 1\npreset "P": a = 2\nanswer = a', "param a = 1 in 0..10\npreset P: a = 1\nanswer = a",
    'param a = 1 in 0..10\npreset "P": a = x\nanswer = a', 'param a = 1 in 0..10\npreset "' + "L" * 61 + '": a = 1\nanswer = a',
    'param a = 1 in 0..10\npreset "é": a = 2\nanswer = a', "answer = 1\nunit: B", "answer = 1\nunit: MB\nshow: GB",
    "answer = 1\nunit: B\nshow: s", "answer = 1\nunit: furlong", "answer = 1\nshow: MB", "answer = 1\nunit B",
    "answer = 1\nunit: B\nunit: MB", "answer = 1\nunit:", "answer = 1\ndigits: 3", "answer = 1.23456\ndigits: 3",
    "answer = 1\ndigits: 0", "answer = 1\ndigits: 16", "answer = 1\ndigits: x", "answer = 1\ntolerance: 5%",
    "answer = 1\ntolerance: 100%", "answer = 1\ntolerance: -1%", "answer = 1\ntolerance: x%", "answer = 1\ntolerance: inf%",
    "answer = 1\nunit: B\ntolerance: 1 MB", "answer = 1\nunit: B\ntolerance: 1 s", "answer = 1\nunit: B\ntolerance: -1 B",
    "answer = 1\nunit: B\ntolerance: 1", "answer = 1\ntolerance: abc", "answer = 1\nexpect: 1", "answer = 1\nexpect: 2",
    "answer = 1\nunit: B\nexpect: 1 s", "answer = 1\nexpect: abc", "answer = 536870912\nunit: B\nshow: MB\nexpect: 512 MiB",
    "answer = 2.4\nunit: x\nexpect: 2.4x", "answer = 0.75\nunit: %", "answer = 0.75\nshow: %", "answer = 75\nunit: %",
    "answer = 1\nbanana", "answer = 1\nimport os", "max = 1\nanswer = max", "answer = ().__class__", "answer = 1 +",
    "answer = 1\nx = 1 +* 2", "x = 1e300\ny = x * x\nanswer = y", "x = 9**9\nanswer = x**x", "answer = １",
    "param a = 1 in −2..2\nanswer = a", "answer = 1\x00", "\ufeffanswer = 1", "answer = 1 # é 𝟏 comment",
    'param a = 1 one of 1 "𝟏𝟏", 2 "two"\nanswer = a', "answer = 1\r\nunit: B\r", "answer = 1\nunit: \"é\"",
    "\n".join("# x" for _ in range(201)) + "\nanswer = 1", "answer = 1 # " + "x" * 20000,
    "\n".join(f"v{i} = argmax(k, 1, 1024, argmax(j, 1, 4, j * k))" for i in range(4)) + "\nanswer = 1",
    "a = 2\nb = a * a\nc = b * b\nanswer = c * c + a", "v1 = 3\n" + "\n".join(f"v{i + 1} = v{i} * v{i}" for i in range(1, 12)) + "\nanswer = v12 ** 0",
    "param n = 4 in 1..16 integer\nanswer = argmax(k, 1, n, -(k - 3) ** 2)", "param a = 3 in 1..9\nanswer = a if a > 2 else -a",
    "param a = 3 in 1..9\nanswer = not a < 2 and a or 0", "param a = 3 in 1..9\nanswer = a // 2 + a % 2 - floor(a / 2)",
    "param a = 3 in 1..9\nanswer = sqrt(a) + log(a, 2) + exp(1) + log10(a) + log2(a)",
    "param a = 3 in 1..9\nanswer = min(a, 2) * max(a, 2) - round(a / 7, 2) + ceil(a / 2) - abs(-a)",
    "param a = -3 in -9..9\nanswer = a - -a + (a * -1) ** 2", "answer = 1 < 2 <= 3 != 4", "param r = 0.001 in 0.0001..0.1\nanswer = r * 1e6\nunit: ms\nshow: s",
    "param x = 1e9 in 1..1e12\nanswer = x\nunit: FLOP\nshow: TFLOP", "answer = 1e15 + 0.5", "answer = 123456789.123456789",
    "answer = 1/3\nunit: GB/s", "answer = 2e-7\nunit: s\nshow: µs", "answer = 1\nunit: tokens/s", "answer = 1\nunit: B per token",
    "param a = 1 in 0..10\n  answer = a  \n\tunit: B  ", "answer=1", "answer =1\nunit:B", "x=1\nanswer=x",
]
# require lines, '[unit]' on a line, close-name hints (difflib), the new units: what the core gained on merge
REQUIRE_BLOCKS = [
    "param kv = 8 in 1..64 integer\nparam q = 32 in 1..128 integer\nrequire kv <= q\nrequire q % kv == 0\nanswer = q / kv",
    "param kv = 8 in 1..64 integer\nparam q = 32 in 1..128 integer\nrequire kv > 1000\nanswer = q",
    "param a = 2 in 0..10\nrequire a > 1\nrequire a < 3\nanswer = a",  # draws: most miss, some meet
    "param a = 2 in 0..10\nrequire a > 9.99999\nanswer = a", "param a = 1 in 0..10\nrequire\nanswer = a",
    "param a = 1 in 0..10\nrequirex a\nanswer = a", "param a = 1 in 0..10\nrequire(a > 0)\nanswer = a",
    "param a = 1 in 0..10\nrequire   a > 0   # c\nanswer = a", "param a = 1 in 0..10\nb = a\nrequire a > 0\nanswer = b",
    "param a = 1 in 0..10\nanswer = a\nrequire a > 0", "param a = 1 in 0..10\nrequire a > 5\nanswer = a",
    'param a = 1 in 0..10\npreset "P": a = 7\nrequire a < 5\nanswer = a', 'param a = 1 in 0..10\npreset  "Pé𝟏":  a = 7\nrequire a < 5\nanswer = a',
    'param a = 1 in 0..10\npreset "é𝟏": a = 7\nrequire a < 5\nanswer = a', "param a = 1 in 0..10\nrequire b > 0\nanswer = a",
    "param alpha = 1 in 0..10\nrequire alpah > 0\nanswer = alpha", "param a = 1 in 0..10\nrequire 1 / (a - 1) > 0\nanswer = a",
    "param a = 0 in 0..10\nrequire a\nanswer = a", "param a = 1 in 0..10\nrequire a [GB]\nanswer = a",
    "param a = 1 in 0..10\nrequire a ^ 2 > 0\nanswer = a", "param a = 1 in 0..10\nrequire require > 0\nanswer = a",
    "param require = 1 in 0..10\nanswer = 1", "param a = 1 in 0..10\nrequire a == a and a or 0\nanswer = a",
    "param w = 16 in 1..80 [GB]\nkv = w * 2 [GB]\nanswer = kv\nunit: GB", "param w = 16 in 1..80 [furlong]\nanswer = w",
    "param w = 16 in 1..80 []\nanswer = w", "param w = 16 in 1..80 [  ]\nanswer = w", "param w = 16 in 1..80[GB]\nanswer = w",
    "param w = 16 in 1..80 [GB] [MB]\nanswer = w", "param a = 1 in 0..9\nx = a[0]\nanswer = x", "answer = 1 [GB]",
    "param a = 1 in 0..9\nx = a [Mtok]\nanswer = x", "param p = 2 one of 1 \"a\", 2 \"b [x]\" [B]\nanswer = p", "unit: B [GB]\nanswer = 1",
    'preset "P": a = 1 [GB]\nanswer = 1', "banana [GB]\nanswer = 1", "param a = 1 in 0..9 [$/Mtok]\nanswer = a\nunit: $/Mtok",
    "param seq_len = 1 in 0..9\nanswer = seq_lne", "param seq_len = 1 in 0..9\nparam seq_lem = 1 in 0..9\nanswer = seq_lne",
    "param abc = 1 in 0..9\nparam abd = 1 in 0..9\nanswer = abx", "param abc = 1 in 0..9\nanswer = xyz", "x = 1\nanswer = answr",
    "param " + "ab" * 150 + " = 1 in 0..9\nanswer = " + "ab" * 149 + "b", "param " + "a" * 250 + " = 1 in 0..9\nanswer = " + "a" * 251,
    "param " + "a" * 100 + "b" * 120 + " = 1 in 0..9\nanswer = " + "a" * 99 + "b" * 121,
    "param n = 1 in 0..9\nanswer = n ^ 2", "param n = 1 in 0..9\nanswer = (n) @ (n)", "param n = 1 in 0..9\nanswer = n<<2 >> 1",
    "param a = 1 in 0..9", "\nparam a = 1 in 0..9", "param é = 1", "# é\nparam a = 1 in 0..9",
    "answer = 2.5\nunit: $", "answer = 3e-6\nunit: $/token\nshow: $/M tokens", "answer = -1\nunit: USD", "answer = 1e15\nunit: FLOP/s\nshow: TFLOPS",
    "answer = 1e15\nunit: FLOPs\nshow: TFLOPs", "answer = 2\nunit: req/s", "answer = 1\nunit: furlong/s",
]
TYPED = ["536.9 MB", "512 MiB", "", "abc", "1 s", "5e8", "1", "0.75", "75%", "2.4x", "about 1", "1 B"]
DRAWS = [0.1, 0.5, 0.9, 0.0, 0.999999, 0.33, 0.5, 0.75]

ANSWER_TEXTS = [
    "", " ", "1", "536.9 MB", "536.9MB", "536,870,912 B", "536 870 912", "536_870_912 B", "512 MiB", "0.5 GiB", "4294967296 bit",
    "4.295 Gb", "536.9 mb", "536.9 Mb", "537M", "0.537G", "5.369e8", "5.369E8 B", "5.369×10^8 B", "5.369 x 10^8", "5.369·10⁸",
    "5.369×10⁻", "5×10^999", "1e308 PB", "1e400", "≈ 536.9 MB", "~537 MB", "= 536.9 MB", "about 536.9 MB", "536.9 MB.",
    "−536.9 MB", "–1", "536.9\u00a0MB", "536.9\u2009MB", "1 s", "1 token", "1 FLOP", "536.9 furlongs", "MB", "-", "+", ".", ",5",
    "5,", "1,5", "1.5", "1,000.5", "12,34", "١٢٣", "٣ MB", "75%", "75 %", "75\uff05", "0.75", "2.4x", "2.4×", "2.4 times",
    "x" * 101, "1" * 100, "1" * 101, "1 " + "B" * 30, "5 €", "5 \U0001d7cf", "1 GB/s", "1 MB/ms", "8 Mb/s", "1 kB",
    "1 KB", "1 kb", "1 Kb", "1 kbit", "1 KiB", "1 µs", "1 μs", "1 us", "1 min", "1 h", "1 Hz", "1 GHz", "1 ms",
    "nan", "inf", "1e", "1e5e5", "0", "-0", "0.0001", "1e-9", "5.368709e8", "536.8 MB", "549.7 MB", "4.295e9 B", "53.69 MB",
    "$2.50", "$ 2.5", "-$1", "- $1", "$-1", "$3/Mtok", "$3 / M tokens", "$2.5/h", "$2 abc", "$2 " + "x" * 30, "$", "-$", "$$2",
    "2 $", "2 USD", "2 dollars", "1 TFLOPS", "989 TFLOPs", "1 FLOPS", "1 flops", "1 PFLOP/s", "1 EFLOPS", "3 Mtok", "3 ktoks",
    "1 req/s", "5 requests", "≈ $2.5", "about $2.5",
]
ANSWER_CASES = [  # expected (repr), unit, display, tolerance
    ("536870912.0", "B", "MB", {}), ("0.75", "", "%", {}), ("75.0", "%", "%", {}), ("2.4", "x", "x", {}),
    ("1.0", "s", "ms", {"relative": 0.05}), ("0.0", "", "", {}), ("1.0", "B", "B", {"absolute": 0.5}),
    ("inf", "B", "B", {}), ("nan", "", "", {}), ("1e-9", "s", "ns", {}), ("5e-324", "", "", {}), ("-1.0", "", "", {}),
    ("1.0", "GB/s", "GB/s", {}), ("123.0", "", "", {"relative": 0.0}),
    ("2.5", "$", "$", {}), ("3e-06", "$/token", "$/M tokens", {}), ("1e+15", "FLOP/s", "TFLOPS", {}), ("-1.0", "USD", "USD", {}),
]
NUMBER_VALUES = [
    "0.0", "-0.0", "1.0", "4096.0", "1.0625", "0.5", "2.5", "1e+15", "100000000000000.5", "999999999999999.9",
    "999.9999999999999", "99.99999999999999", "0.09999999999999999", "123456.789", "1e-05", "1.5e-06", "-2.345",
    "1e+300", "5e-324", "inf", "-inf", "nan", "0.3333333333333333", "0.6666666666666666", "0.125", "0.375", "1e+21",
    "1.2345678901234567e+19", "536.870912", "0.00012345", "-0.00001", "0.000001", "1234567.5", "-1234567.5",
    "0.1", "0.2", "0.30000000000000004", "2.675", "1.005", "8.5", "9.5", "-9.5", "12345.5", "0.0625", "1e-06",
    "9.999999999999999e+14", "1e+16", "123456789012345.6",
]
NUMBER_DIGITS = [None, 1, 2, 3, 4, 10, 15]
QUANTITY_UNITS = ["", "B", "MB", "MiB", "%", "x", "s", "ms", "µs", "GB/s", "tokens", "k tokens", "bit", "Mb",
                  "$", "$/M tokens", "$/h", "TFLOPS", "req/s", "Mtok"]
PLACEHOLDERS = [
    "x", " x ", "x:MB", "x:MB:3", "x::3", "x:label", "x :  MB  : 3 ", "answer", "answer:GB", "answer:GB:2",
    "answer:s", "answer::2", "answer:label", "1x", "x:foo", "x:MB:0", "x:MB:16", "x:MB:123", "x\n", "x:٣",
    "x:MB:٣", "", ":", "x:MB:3:4", "p", "p:label", "p:MB", "q", "q:label", "used", "used:GB:3", "zz", "_x",
    "x:a:b", "x:a/b", "x:GB/s:2",
]
UNIT_BLOCK = "param w = 16 in 1..80 [GB]\nparam t = 2 in 1..9 [ms]\nkv = w * 2 [GB]\nbig = w * 1e20\nanswer = kv / t\nunit: GB/ms"
UNIT_PLACEHOLDERS = ["w", "w:MB", "w:GB:2", "w:ms", "w:B/s", "t:s", "t:MB", "kv:TB", "kv:label", "big", "big:MB", "answer:GB/s", "answer:GB"]
TEX_KEYS = ["$x", "$x:MB", "$x:MB:3", "$p:label", "$p", "$answer", "$used:GB:3", "$$x", "$", "$zz", "$ x", "$x:%", "$x:x",
            "$x:$", "$x:$/h", "$x::1", "$used"]
PLACEHOLDER_BLOCK = 'param p = 2 one of 1 "one", 2 "two"\nparam x = 1.5 in 0..10\nused = p * x * 1e9\nanswer = used\nunit: B\nshow: MB\ndigits: 3'
SOURCES = [
    "answer = 1", "param a = 1 in 0..2<br>answer = a", "param a = 1 in 0..2<br/>answer = a", "a<BR />b",
    "<div>param a = 1 in 0..2</div><div>answer = a</div>", "a</div> <div class=\"x\">b", "<p>a</p><p>b</p>",
    "a&nbsp;=&nbsp;1", "x &lt; 2 &amp;&amp; y &gt; 1", "&quot;A&quot; &apos;B&apos;", "&amp;lt;", "&#65;&#x42;&#X43;",
    "&#0;", "&#128;&#150;", "&#xd800;", "&#1114112;", "&#1;", "&#65", "&ampx", "&lt", "&nbsp", "<b>answer</b> = 1",
    "\n\nanswer = 1\n\n", "<br><br>answer = 1<br>", "a\u00a0b", "<span style=\"x\">1</span> + 2", "&unknownentity;",
    "&#x;", "&#;", "a & b", "&#13;",
]


def vectors() -> list[dict]:
    out: list[dict] = []

    def add(op: str, **input_: object) -> None:
        out.append({"op": op, "input": input_, "output": reference.run(op, dict(input_))})

    for source in EXPRESSIONS:
        add("expr", source=source, env=ENV)
    for left, op, right in itertools.product(COMBO_LEAVES, COMBO_OPS, COMBO_LEAVES):
        add("expr", source=f"{left} {op} {right}", env=ENV)
    for source in BLOCKS:
        add("block", source=source, typed=TYPED, draws=DRAWS)
    for text in ANSWER_TEXTS:
        for expected, unit, display, tolerance in ANSWER_CASES:
            add("answer", text=text, expected=expected, unit=unit, display=display, tolerance=tolerance)
    for spelling in reference.spellings():
        for text in sorted({spelling, spelling.lower(), spelling.upper(), f" {spelling} ", f"{spelling}/s", f"k{spelling}"}):
            add("unit", text=text)
    for text in ["", "  ", "GB/s", "MiB / s", "tokens/s", "B per token", "k tokens/s", "/s", "GB/", "a/b", "GB/s/s",
                 "M B", "Mb", "mb", "MB", "x" * 41, "µs", "μs", "\u212aB", "GB per", "per s", "B per token per s"]:
        add("unit", text=text)
    for value, digits, trim in itertools.product(NUMBER_VALUES, NUMBER_DIGITS, [None, True, False]):
        add("number", value=value, digits=digits, trim=trim)
    for value, unit, digits in itertools.product(NUMBER_VALUES[:20], QUANTITY_UNITS, [None, 3]):
        add("quantity", value=value, unit=unit, digits=digits, trim=None)
    for inner in PLACEHOLDERS:
        add("placeholder", inner=inner, block=PLACEHOLDER_BLOCK)
    add("placeholder", inner="x", block=None)
    add("keys", keys=PLACEHOLDERS + [None, 5, "x" * 81], block=PLACEHOLDER_BLOCK)
    add("keys", keys=["answer", "x:MB"], block=PLACEHOLDER_BLOCK, values={"x": 7.25, "p": 1.0})
    for source in REQUIRE_BLOCKS:
        add("block", source=source, typed=TYPED + ["$2.5", "2.5 USD"], draws=DRAWS)
    for inner in UNIT_PLACEHOLDERS:
        add("placeholder", inner=inner, block=UNIT_BLOCK)
    add("keys", keys=UNIT_PLACEHOLDERS + ["$" + k for k in UNIT_PLACEHOLDERS], block=UNIT_BLOCK)
    add("keys", keys=TEX_KEYS, block=PLACEHOLDER_BLOCK)
    add("keys", keys=TEX_KEYS, block=PLACEHOLDER_BLOCK, values={"x": 0.000123, "p": 1.0})
    add("keys", keys=TEX_KEYS, block='param p = 1 one of 1 "a_b {c} 50% $#&~^\\\\", 2 "ok"\nparam x = 10 in 0..1e30\nused = x * 1e18\nanswer = used')
    for html in SOURCES:
        add("source", html=html)
    return out


def vectors_correctly_rounded() -> list[dict]:
    """The vectors with math.exp and math.pow correctly rounded: the same file on any machine's libm."""
    with correctly_rounded_libm():
        return vectors()


def generate() -> str:
    data = {
        "about": "Made by tests/parity/generate_vectors.py from the Python core; replayed by tests/parity/replay.js.",
        "limits": reference.limits(),
        "spellings": reference.spellings(),
        "vectors": vectors_correctly_rounded(),
    }
    def dump(value: object) -> str:
        return json.dumps(value, ensure_ascii=True, allow_nan=False, sort_keys=True, separators=(",", ":"))

    head = {k: v for k, v in data.items() if k != "vectors"}
    lines = [f"{dump(k)}:{dump(v)}," for k, v in sorted(head.items())]
    body = ",\n".join(dump(v) for v in data["vectors"])  # one vector a line: a change is a one-line diff
    return "{\n" + "\n".join(lines) + '\n"vectors":[\n' + body + "\n]}\n"


def main() -> int:
    text = generate()
    if "--check" in sys.argv[1:]:
        current = OUT.read_text(encoding="utf-8") if OUT.exists() else ""
        if current != text:
            print(f"{OUT.relative_to(ROOT)} is stale: run python tests/parity/generate_vectors.py")
            return 1
        return 0
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text, encoding="utf-8")
    count = len(json.loads(text)["vectors"])
    print(f"wrote {OUT.relative_to(ROOT)}: {count:,} vectors, {len(text):,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
