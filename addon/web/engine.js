/*
 * Compute Cards engine: the Python core (addon/core) in plain ES5 JavaScript, for the card template.
 *
 * One behaviour: the Python core is the reference. tests/parity/ proves this file agrees with it
 * (shared vectors generated from Python, a differential fuzz through node, the attack corpus);
 * ARCHITECTURE.md "The JavaScript engine" says what "agrees" means.
 *
 * Rules for this file: ES5 only (old Android WebViews): no modules, no build step, no dependencies,
 * no class / arrow functions / template literals / let / const. Never eval, Function,
 * setTimeout(string) or innerHTML. One IIFE; it defines the frozen global ComputeCardsEngine once and
 * does nothing if it is already defined (the desktop reviewer re-runs card scripts on every side).
 *
 * API (names mirror Python, camelCase):
 *   ComputeCardsEngine.DEFAULT_LIMITS                      frozen; equal to language.DEFAULT_LIMITS
 *   ComputeCardsEngine.parseCompute(source[, limits]) -> model        (compute.parse_compute)
 *       throws {name: "ComputeError", message, offset, length, syntax}   offsets in code points
 *   model.parameters, model.presets, model.names            as Python (names: sorted array)
 *   model.answer: {unit, display, digits, tolerance, ...}   as Python's AnswerSpec
 *   model.defaults() -> {name: number}
 *   model.validateValues(values) -> {name: number}         (ComputeModel.resolve; throws ComputeError)
 *   model.evaluate(values) -> {param..., variable..., answer: number}   (throws ComputeError)
 *   model.check(text, values) -> {state, message, value}   (value null when nothing could be read)
 *   model.expectedText(env), model.exactText(env)          env: evaluate()'s result
 *   model.worked(env, latex) -> string
 *   model.expectProblem([env]) -> string | null
 *   model.toJSON() -> the shape of ComputeModel.to_json (the panel's data-cc-model)
 *   model.randomValues([rng]) -> {name: number}            rng(): a number in [0, 1) (default Math.random)
 *   ComputeCardsEngine.parseExpression(source[, limits]) -> {names, evaluate(env)}
 *   ComputeCardsEngine.checkAnswer(text, expected, unit, tolerance, displayUnit) -> verdict
 *       units from parseUnit; tolerance from Tolerance(relative, absolute) (relative 0.01 = 1%;
 *       absolute in base units, or null); a card's own: model.answer.tolerance
 *   ComputeCardsEngine.readAnswer(text) -> {number, unit, bare} | reason string
 *   ComputeCardsEngine.parseUnit(text) -> unit {symbol, factor, dimension, note} | null
 *   ComputeCardsEngine.formatNumber(value[, digits[, trim]]), formatQuantity(value, unit[, digits[, trim]])
 *   ComputeCardsEngine.parsePlaceholder(inner) -> {name, unit, digits, key}   (throws ComputeError)
 *   ComputeCardsEngine.placeholderProblem(placeholder, model) -> string | null
 *   ComputeCardsEngine.formatPlaceholder(placeholder, model, env) -> string
 *   ComputeCardsEngine.formatKeys(keys, model, env) -> {key: text}   a key TEX_KEY + k ("$seq_len") -> TeX
 *   ComputeCardsEngine.TEX_KEY, texValue(text) -> TeX               (placeholders.TEX_KEY, tex_value)
 *   model.requires, model.units, model.unitOf(name)        as Python (require lines; '[unit]' on a line)
 *   ComputeCardsEngine.computeSource(fieldHtml) -> block source   (notetype.compute_source)
 *   ComputeCardsEngine.workedLatex(model, env) -> LaTeX            (answer_side.worked_latex)
 *   ComputeCardsEngine.usedValues(model, env) -> [{name, text}]    (answer_side.used_values)
 *   ComputeCardsEngine.answerVerdict(model, typed, env[, tolerance]) -> verdict  (answer_side.answer_verdict)
 *   ComputeCardsEngine.UNIT_SPELLINGS -> every exact spelling of the unit table, sorted
 */
(function (root) {
  "use strict";
  if (root.ComputeCardsEngine) return;

  var hasOwn = Object.prototype.hasOwnProperty;
  function has(obj, key) { return hasOwn.call(obj, key); }
  function dict() { return Object.create(null); }
  function freeze(o) { return Object.freeze ? Object.freeze(o) : o; }

  // ---------------------------------------------------------------------------------------------
  // Limits (language.Limits; the numbers are Python's, tests/parity proves they are equal)

  var DEFAULT_LIMITS = freeze({
    maxExpressionChars: 2000,
    maxBlockChars: 20000,
    maxBlockLines: 200,
    maxNodes: 400,
    maxDepth: 32,
    maxPowerDigits: 300,
    maxSteps: 50000,
    maxArgmaxRange: 1024,
    maxParameters: 32,
    maxPresets: 64,
    maxChoices: 64,
    maxLabelChars: 60
  });

  function limitsOf(limits) {
    if (!limits) return DEFAULT_LIMITS;
    var out = {};
    for (var k in DEFAULT_LIMITS) if (has(DEFAULT_LIMITS, k)) out[k] = has(limits, k) ? limits[k] : DEFAULT_LIMITS[k];
    return freeze(out);
  }

  // ---------------------------------------------------------------------------------------------
  // Errors. Inside the engine offsets are UTF-16 indices; at the API they become code points, as Python counts.

  function ComputeError(message, offset, length) {
    return { name: "ComputeError", message: message, offset: offset || 0, length: Math.max(1, length || 1), syntax: false };
  }
  function isComputeError(e) { return e !== null && typeof e === "object" && e.name === "ComputeError"; }

  function cpCount(s, end) {  // code points in s.slice(0, end)
    var n = 0;
    for (var i = 0; i < end && i < s.length; i++) {
      var c = s.charCodeAt(i);
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && i + 1 < end) {
        var d = s.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) i++;
      }
      n++;
    }
    return n + Math.max(0, end - s.length);
  }
  function cpLength(s) { return cpCount(s, s.length); }
  function cpToIndex(s, cp) {  // the UTF-16 index of code point cp
    var i = 0, n = 0;
    while (i < s.length && n < cp) { i += isPairAt(s, i) ? 2 : 1; n++; }
    return i + (cp - n);
  }
  function isPairAt(s, i) {
    var c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdbff || i + 1 >= s.length) return false;
    var d = s.charCodeAt(i + 1);
    return d >= 0xdc00 && d <= 0xdfff;
  }
  function cpSlice(s, n) { return s.slice(0, cpToIndex(s, n)); }
  function codePointAt(s, i) {
    return isPairAt(s, i) ? (s.charCodeAt(i) - 0xd800) * 0x400 + (s.charCodeAt(i + 1) - 0xdc00) + 0x10000 : s.charCodeAt(i);
  }
  function publicError(e, source) {  // offsets into source: UTF-16 -> code points
    var start = e.offset, end = e.offset + e.length;
    var out = ComputeError(e.message, e.cpOffset !== undefined ? e.cpOffset : cpCount(source, start),
      e.cpLength !== undefined ? e.cpLength : cpCount(source, end) - cpCount(source, start));
    out.syntax = !!e.syntax;
    return out;
  }

  // ---------------------------------------------------------------------------------------------
  // Python's text semantics: whitespace (str.isspace), strip/split, repr, isprintable

  var WS = "\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
  var S = "[" + WS + "]";  // Python's \s for str patterns
  var LEAD_WS = new RegExp("^" + S + "+"), TRAIL_WS = new RegExp(S + "+$"), WS_RUN = new RegExp(S + "+");
  function strip(s) { return s.replace(LEAD_WS, "").replace(TRAIL_WS, ""); }
  function lstrip(s) { return s.replace(LEAD_WS, ""); }
  function rstrip(s) { return s.replace(TRAIL_WS, ""); }
  function splitWs(s) { var t = strip(s); return t === "" ? [] : t.split(WS_RUN); }
  function stripChars(s, chars) {
    var a = 0, b = s.length;
    while (a < b && chars.indexOf(s.charAt(a)) >= 0) a++;
    while (b > a && chars.indexOf(s.charAt(b - 1)) >= 0) b--;
    return s.slice(a, b);
  }
  function rstripChars(s, chars) {
    var b = s.length;
    while (b > 0 && chars.indexOf(s.charAt(b - 1)) >= 0) b--;
    return s.slice(0, b);
  }

  // Built on first use (repr() of a non-ASCII character, an error message): reading \p{Cn} and the
  // other classes costs about a millisecond on a phone, which a card's first render does not need.
  var NOT_PRINTABLE;
  function notPrintable() {
    if (NOT_PRINTABLE === undefined) {
      try { NOT_PRINTABLE = new RegExp("^[\\p{Cc}\\p{Cf}\\p{Cs}\\p{Co}\\p{Cn}\\p{Zl}\\p{Zp}\\p{Zs}]$", "u"); } catch (e) { NOT_PRINTABLE = null; }
    }
    return NOT_PRINTABLE;
  }
  function isPrintableCp(cp) {  // str.isprintable for one character (without \p support: ASCII only)
    if (cp === 0x20) return true;
    if (cp < 0x7f) return cp >= 0x20;
    var re = notPrintable();
    if (!re) return false;
    return !re.test(fromCodePoint(cp));
  }
  function fromCodePoint(cp) {
    if (cp < 0x10000) return String.fromCharCode(cp);
    cp -= 0x10000;
    return String.fromCharCode(0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
  }
  function hex(n, width) { var h = n.toString(16); while (h.length < width) h = "0" + h; return h; }
  function upperHex(n, width) { return hex(n, width).toUpperCase(); }
  function repr(s) {  // Python's repr() of a str
    var quote = s.indexOf("'") >= 0 && s.indexOf('"') < 0 ? '"' : "'";
    var out = quote;
    for (var i = 0; i < s.length; i++) {
      var cp = codePointAt(s, i);
      if (cp > 0xffff) i++;
      var ch = fromCodePoint(cp);
      if (ch === quote || ch === "\\") out += "\\" + ch;
      else if (ch === "\t") out += "\\t";
      else if (ch === "\n") out += "\\n";
      else if (ch === "\r") out += "\\r";
      else if (cp < 0x20 || cp === 0x7f) out += "\\x" + hex(cp, 2);
      else if (cp < 0x7f) out += ch;
      else if (isPrintableCp(cp)) out += ch;
      else if (cp <= 0xff) out += "\\x" + hex(cp, 2);
      else if (cp <= 0xffff) out += "\\u" + hex(cp, 4);
      else out += "\\U" + hex(cp, 8);
    }
    return out + quote;
  }

  // ---------------------------------------------------------------------------------------------
  // Numbers formatted exactly as Python formats floats: exact decimal expansion, round half to even

  var F64 = typeof Float64Array !== "undefined" ? new Float64Array(1) : null;
  var U32 = F64 ? new Uint32Array(F64.buffer) : null;
  var LITTLE = U32 ? (function () { F64[0] = 1; return U32[1] === 0x3ff00000; })() : true;

  function bigMulSmall(limbs, m) {  // limbs: little-endian base 1e7
    var carry = 0;
    for (var i = 0; i < limbs.length; i++) {
      var v = limbs[i] * m + carry;
      carry = Math.floor(v / 1e7);
      limbs[i] = v - carry * 1e7;
    }
    while (carry > 0) { var c = Math.floor(carry / 1e7); limbs.push(carry - c * 1e7); carry = c; }
  }
  function bigToString(limbs) {
    var s = String(limbs[limbs.length - 1]);
    for (var i = limbs.length - 2; i >= 0; i--) { var part = String(limbs[i]); s += "0000000".slice(part.length) + part; }
    return s;
  }
  function decompose(x) {  // x > 0 finite -> [m, e2] with x = m * 2^e2, m an integer < 2^53
    if (F64) {
      F64[0] = x;
      var hi = U32[LITTLE ? 1 : 0], lo = U32[LITTLE ? 0 : 1];
      var ex = (hi >>> 20) & 0x7ff, mant = (hi & 0xfffff) * 4294967296 + lo;
      return ex === 0 ? [mant, -1074] : [mant + 4503599627370496, ex - 1075];
    }
    var e2 = 0, m = x;  // without typed arrays: scale by powers of two (exact)
    while (m !== Math.floor(m)) { m *= 2; e2--; }
    while (m >= 9007199254740992) { m /= 2; e2++; }
    return [m, e2];
  }
  function exactDecimal(x) {  // x > 0: {d: significant digits (no trailing zeros), p: exponent of d[0]}
    var me = decompose(x), m = me[0], e2 = me[1];
    var limbs = [m % 1e7, Math.floor(m / 1e7) % 1e7, Math.floor(m / 1e14)];
    while (limbs.length > 1 && limbs[limbs.length - 1] === 0) limbs.pop();
    var shift = 0;
    if (e2 > 0) {
      var k = e2;
      while (k >= 20) { bigMulSmall(limbs, 1048576); k -= 20; }
      if (k > 0) bigMulSmall(limbs, Math.pow(2, k));
    } else if (e2 < 0) {
      var j = -e2;
      while (j >= 9) { bigMulSmall(limbs, 1953125); j -= 9; }
      if (j > 0) bigMulSmall(limbs, Math.pow(5, j));
      shift = e2;
    }
    var s = bigToString(limbs);
    var p = s.length - 1 + shift;
    s = s.replace(/0+$/, "");
    return { d: s, p: p };
  }
  function roundDigits(dec, n) {  // keep n significant digits, half to even -> {d, p} (d may be "" for zero)
    var d = dec.d, p = dec.p;
    if (n >= d.length) return { d: d, p: p };
    if (n < 0) return { d: "", p: p };
    var next = d.charCodeAt(n) - 48, up;
    if (next > 5) up = true;
    else if (next < 5) up = false;
    else if (d.length > n + 1) up = true;
    else up = n > 0 && (d.charCodeAt(n - 1) - 48) % 2 === 1;
    var kept = d.slice(0, n);
    if (!up) return { d: kept.replace(/0+$/, ""), p: p };
    var digits = kept.split(""), i = digits.length - 1;
    while (i >= 0 && digits[i] === "9") { digits[i] = "0"; i--; }
    if (i < 0) { digits.unshift("1"); p += 1; } else digits[i] = String.fromCharCode(digits[i].charCodeAt(0) + 1);
    return { d: digits.join("").replace(/0+$/, ""), p: p };
  }
  function trunc(x) { return x < 0 ? Math.ceil(x) : Math.floor(x); }  // Math.trunc is ES2015
  function isNegative(x) { return x < 0 || (x === 0 && 1 / x < 0); }
  function group3(intPart) {
    var out = "";
    while (intPart.length > 3) { out = "," + intPart.slice(-3) + out; intPart = intPart.slice(0, -3); }
    return intPart + out;
  }
  function pyFixed(x, decimals, grouping) {  // f"{x:.{decimals}f}" / f"{x:,.{decimals}f}"
    if (x !== x) return "nan";
    if (x === Infinity) return "inf";
    if (x === -Infinity) return "-inf";
    var sign = isNegative(x) ? "-" : "", intPart, frac;
    var a = Math.abs(x);
    if (a === 0) { intPart = "0"; frac = ""; }
    else {
      var r = roundDigits(exactDecimal(a), exactDecimal(a).p + 1 + decimals);
      var digits = r.d, p = r.p;
      if (digits === "") { intPart = "0"; frac = ""; }
      else if (p >= 0) {
        while (digits.length < p + 1) digits += "0";
        intPart = digits.slice(0, p + 1);
        frac = digits.slice(p + 1);
      } else {
        intPart = "0";
        frac = new Array(-p).join("0") + digits;
      }
    }
    while (frac.length < decimals) frac += "0";
    if (grouping) intPart = group3(intPart);
    return sign + intPart + (decimals > 0 ? "." + frac : "");
  }
  function expSuffix(p) { var a = Math.abs(p); return "e" + (p < 0 ? "-" : "+") + (a < 10 ? "0" : "") + a; }
  function pyExp(x, decimals) {  // f"{x:.{decimals}e}"
    if (x !== x) return "nan";
    if (x === Infinity) return "inf";
    if (x === -Infinity) return "-inf";
    var sign = isNegative(x) ? "-" : "", a = Math.abs(x), digits, p;
    if (a === 0) { digits = ""; p = 0; }
    else { var r = roundDigits(exactDecimal(a), decimals + 1); digits = r.d; p = r.p; }
    while (digits.length < decimals + 1) digits += "0";
    return sign + digits.charAt(0) + (decimals > 0 ? "." + digits.slice(1) : "") + expSuffix(p);
  }
  function pyG(x, precision) {  // f"{x:.{precision}g}" (and :g with precision 6)
    if (x !== x) return "nan";
    if (x === Infinity) return "inf";
    if (x === -Infinity) return "-inf";
    var prec = precision === 0 ? 1 : precision;
    var sign = isNegative(x) ? "-" : "", a = Math.abs(x);
    if (a === 0) return sign + "0";
    var r = roundDigits(exactDecimal(a), prec), digits = r.d, p = r.p, text;
    if (p >= -4 && p < prec) {
      if (p >= 0) {
        while (digits.length < p + 1) digits += "0";
        text = digits.slice(0, p + 1) + (digits.length > p + 1 ? "." + digits.slice(p + 1) : "");
      } else text = "0." + new Array(-p).join("0") + digits;
    } else text = digits.charAt(0) + (digits.length > 1 ? "." + digits.slice(1) : "") + expSuffix(p);
    return sign + text;
  }
  function pyStr(x) {  // str(float) for the non-finite values format_number passes through
    return x !== x ? "nan" : x > 0 ? "inf" : "-inf";
  }
  function fmtInt(n) { return group3(String(n)); }
  function decimalExponent(a, digits) {  // units._decimal_exponent: the exponent once rounded to `digits` figures
    return roundDigits(exactDecimal(a), Math.max(1, digits)).p;
  }

  function formatNumber(value, digits, trim) {
    if (digits === undefined) digits = null;
    if (trim === undefined) trim = null;
    if (!isFinite(value)) return pyStr(value);
    if (trim === null) trim = digits === null;
    if (digits === null) {
      if (value === Math.floor(value) && Math.abs(value) < 1e15) return value === 0 ? "0" : pyFixed(value, 0, true);
      digits = 4;
    }
    if (value === 0) return "0";
    var magnitude = decimalExponent(Math.abs(value), digits);
    if (magnitude >= 15 || magnitude < -5) return pyExp(value, Math.max(0, digits - 1));
    var decimals = Math.max(0, digits - 1 - magnitude);
    var text = pyFixed(value, decimals, true);
    if (trim && text.indexOf(".") >= 0) text = rstripChars(rstripChars(text, "0"), ".");
    if (stripChars(text.replace(/^-+/, ""), "0.,") === "") text = text.replace(/^-+/, "");
    return text;
  }

  function formatQuantity(value, unit, digits, trim) {
    var number = formatNumber(value / unit.factor, digits, trim);
    if (!unit.symbol) return number;
    if (unit.symbol === "%" || unit.symbol === "\u00d7") return number + unit.symbol;
    if (unit.symbol.charAt(0) === "$") {  // money is written before the number: $2.5, $3/M tokens, -$1
      return (number.charAt(0) === "-" ? "-" : "") + "$" + number.replace(/^-+/, "") + unit.symbol.slice(1);
    }
    return number + " " + unit.symbol;
  }

  // Python's round(x) for a float: to the nearest whole number, ties to even
  function roundHalfEven(x) {
    var f = Math.floor(x), diff = x - f;
    if (diff > 0.5) return f + 1;
    if (diff < 0.5) return f;
    return f % 2 === 0 ? f : f + 1;
  }

  // float(text) for the texts the block's regexes pass it: ASCII, underscores already removed
  var FLOAT_TEXT = /^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;
  var FLOAT_SPECIAL = /^([+-]?)(inf|infinity|nan)$/i;
  function pyFloat(text) {  // NaN for "cannot be read" (ValueError); a NaN value itself comes back as NaN too
    var t = strip(text);
    if (FLOAT_TEXT.test(t)) return Number(t);
    var m = FLOAT_SPECIAL.exec(t);
    if (m) return m[2].toLowerCase() === "nan" ? NaN : (m[1] === "-" ? -Infinity : Infinity);
    return undefined;
  }

  // ---------------------------------------------------------------------------------------------
  // exp, pow and log, correctly rounded (but for results within ~2^-100 of a midpoint): CPython calls
  // the platform's libm (glibc's are within 0.52 ulp, correctly rounded in all but rare cases); V8's
  // Math.pow and Math.exp differ from it in the last bit for about one argument in eight.
  // Double-double arithmetic (a value as hi + lo), no FMA needed.

  var SPLITTER = 134217729;  // 2^27 + 1
  function twoSum(a, b) { var s = a + b, bb = s - a; return [s, (a - (s - bb)) + (b - bb)]; }
  function quickTwoSum(a, b) { var s = a + b; return [s, b - (s - a)]; }
  function split(a) {
    if (Math.abs(a) > 6.69692879491417e+299) { var h = split(a * 3.7252902984e-09); return [h[0] * 268435456, h[1] * 268435456]; }
    var c = SPLITTER * a, hi = c - (c - a);
    return [hi, a - hi];
  }
  function twoProd(a, b) {
    var p = a * b, as = split(a), bs = split(b);
    return [p, ((as[0] * bs[0] - p) + as[0] * bs[1] + as[1] * bs[0]) + as[1] * bs[1]];
  }
  function ddMul(a, b) { var p = twoProd(a[0], b[0]); return quickTwoSum(p[0], p[1] + (a[0] * b[1] + a[1] * b[0])); }
  function ddAdd(a, b) {
    var s = twoSum(a[0], b[0]), t = twoSum(a[1], b[1]);
    s = quickTwoSum(s[0], s[1] + t[0]);
    return quickTwoSum(s[0], s[1] + t[1]);
  }
  function ddDivInt(a, n) {
    var q1 = a[0] / n, p = twoProd(q1, n);
    return quickTwoSum(q1, (((a[0] - p[0]) - p[1]) + a[1]) / n);
  }
  var LN2_DD = [0.6931471805599453, 2.3190468138462996e-17];
  function expDD(x) {  // x: [hi, lo], |x| < 746; returns [hi, lo] and the power of two to scale by
    var k = Math.round(x[0] / LN2_DD[0]);
    var r = ddAdd(x, ddAdd(twoProd(-k, LN2_DD[0]), twoProd(-k, LN2_DD[1])));
    r = [r[0] / 256, r[1] / 256];
    var sum = [1, 0], term = [1, 0];
    for (var i = 1; i <= 11; i++) { term = ddDivInt(ddMul(term, r), i); sum = ddAdd(sum, term); }
    for (var j = 0; j < 8; j++) sum = ddMul(sum, sum);
    return { dd: sum, k: k };
  }
  function scaled(dd, k) {  // round hi + lo, then times 2^k (two steps, so 2^k itself never overflows)
    var v = dd[0] + dd[1], half = Math.floor(k / 2);
    var r = v * Math.pow(2, half) * Math.pow(2, k - half);
    if (Math.abs(r) >= 2.2250738585072014e-308 || r !== r) return r;
    // a subnormal result: round hi + lo once, to the multiple of 2^-1074 (not to 53 bits, then again)
    var s = k + 1074, qh = dd[0] * Math.pow(2, s), ql = dd[1] * Math.pow(2, s);
    var n = Math.floor(qh), frac = (qh - n) + ql, whole = Math.floor(frac);
    if (frac - whole === 0.5) n = (n + whole) % 2 === 0 ? n + whole : n + whole + 1;
    else n = n + Math.round(frac);
    return n * 5e-324;
  }
  function expCR(x) {
    if (x !== x) return x;
    if (x > 709.8) return Infinity;
    if (x < -746) return 0;
    if (x === 0) return 1;
    var e = expDD([x, 0]);
    return scaled(e.dd, e.k);
  }
  function mantissaLog(x) {  // x > 0 finite -> {l: log(m) as [hi, lo], e: e} with x = m * 2^e, m in [1, 2)
    var me = decompose(x), m = me[0], e2 = me[1];
    while (m >= 2) { m /= 2; e2 += 1; }
    while (m < 1) { m *= 2; e2 -= 1; }
    // one Newton step from Math.log (within an ulp): l + (m - exp(l)) / exp(l), in double-double
    var l0 = Math.log(m), ex = expDD([l0, 0]), ev = [ex.dd[0] * Math.pow(2, ex.k), ex.dd[1] * Math.pow(2, ex.k)];
    var d = twoSum(m, -ev[0]), corr = (d[0] + (d[1] - ev[1])) / ev[0];
    return { l: twoSum(l0, corr), e: e2 };
  }
  function logDD(x) {  // log(x) as [hi, lo]
    var ml = mantissaLog(x);
    return ddAdd(ml.l, ddAdd(twoProd(ml.e, LN2_DD[0]), twoProd(ml.e, LN2_DD[1])));
  }
  function ddDiv(a, b) {
    var q1 = a[0] / b[0], p = twoProd(q1, b[0]);
    return quickTwoSum(q1, (((a[0] - p[0]) - p[1]) + a[1] - q1 * b[1]) / b[0]);
  }
  var LN10_DD = [2.302585092994046, -2.1707562233822494e-16];
  // Math.log, Math.log2 and Math.log10 differ from glibc's (nearly always correctly rounded) for about
  // one argument in twenty, one in four hundred and one in eighty: these are correctly rounded too.
  function logCR(x) {
    if (!(x > 0) || !isFinite(x)) return Math.log(x);
    var l = logDD(x);
    return l[0] + l[1];
  }
  function log2CR(x) {
    if (!(x > 0) || !isFinite(x)) return Math.log(x) / Math.LN2;
    var ml = mantissaLog(x), r = ddAdd([ml.e, 0], ddDiv(ml.l, LN2_DD));
    return r[0] + r[1];
  }
  function log10CR(x) {
    if (!(x > 0) || !isFinite(x)) return Math.log(x) / Math.LN10;
    var r = ddDiv(logDD(x), LN10_DD);
    return r[0] + r[1];
  }
  function exactIntegerPower(x, y) {
    // x = m * 2^e with m odd, y a whole number from 2 to 64, m^y below 2^62: m^y exactly (it may need
    // exactly 54 bits, a tie only exact arithmetic rounds to even), else null. Any other x ** y is not
    // within 2^-100 of a tie, which the double-double path below rounds correctly.
    if (y !== Math.floor(y) || y < 2 || y > 64) return null;
    var me = decompose(x), m = me[0], e2 = me[1];
    while (m % 2 === 0) { m /= 2; e2 += 1; }
    if (m > 536870912 || y * Math.log(m) / Math.LN2 > 62) return null;
    var limbs = [m % 1e7, Math.floor(m / 1e7)];
    if (limbs[1] === 0) limbs.pop();
    for (var i = 1; i < y; i++) bigMulSmall(limbs, m);
    var v = Number(bigToString(limbs)), shift = e2 * y, half = Math.floor(shift / 2);
    return v * Math.pow(2, half) * Math.pow(2, shift - half);
  }
  function powCR(x, y) {  // the language's x ** y once its checks passed (not 0 ** negative, not negative ** fraction)
    if (y === 0 || x === 1) return 1;
    if (x === 0 || x !== x || y !== y || !isFinite(x) || !isFinite(y)) return Math.pow(x, y);
    if (y === 1) return x;
    // IEEE's own correctly rounded operations where they are x ** y (no near-tie can fool them:
    // 1.7976931348623157e308 ** 0.5 lies 1e-20 ulp from a midpoint)
    if (y === 0.5 && x > 0) return Math.sqrt(x);
    if (y === 2) return x * x;
    if (y === -1) return 1 / x;
    var sign = 1;
    if (x < 0) { x = -x; if (Math.abs(y) < 9007199254740992 && y % 2 !== 0) sign = -1; }
    if (x === 1) return sign;  // (-1) ** y, y whole
    var exact = exactIntegerPower(x, y);
    if (exact !== null) return sign * exact;
    var l = logDD(x), rough = y * l[0];
    if (rough > 710) return sign * Infinity;
    if (rough < -746) return sign * 0;
    var t = twoProd(y, l[0]);
    t = quickTwoSum(t[0], t[1] + y * l[1]);
    if (t[0] > 709.8) return sign * Infinity;
    if (t[0] < -746) return sign * 0;
    var e = expDD(t);
    return sign * scaled(e.dd, e.k);
  }

  // ---------------------------------------------------------------------------------------------
  // Units (units.py): a dimension is exponents over BASES

  var BASES = ["B", "s", "token", "FLOP", "block", "request", "USD"];
  var NDIM = BASES.length;
  function dim(exponents) {  // units.dim: {B: 1, s: -1} -> [1, -1, 0, 0, 0, 0, 0]
    var d = [];
    for (var i = 0; i < NDIM; i++) d.push(exponents && has(exponents, BASES[i]) ? exponents[BASES[i]] : 0);
    return d;
  }
  var NONE = dim(), DATA = dim({ B: 1 }), TIME = dim({ s: 1 }), FREQUENCY = dim({ s: -1 }), MONEY = dim({ USD: 1 });
  var KIND_NAMES = [
    [NONE, "a plain number"], [DATA, "a data size"], [TIME, "a time"], [FREQUENCY, "a frequency"],
    [dim({ B: 1, s: -1 }), "a bandwidth"], [dim({ token: 1 }), "a number of tokens"], [dim({ token: 1, s: -1 }), "a token rate"],
    [dim({ FLOP: 1 }), "an amount of compute (FLOPs)"], [dim({ FLOP: 1, s: -1 }), "a compute rate (FLOP/s)"],
    [dim({ block: 1 }), "a number of blocks"], [dim({ B: 1, token: -1 }), "a data size per token"],
    [dim({ request: 1 }), "a number of requests"], [dim({ request: 1, s: -1 }), "a request rate"],
    [MONEY, "an amount of money"], [dim({ USD: 1, token: -1 }), "a price per token"], [dim({ USD: 1, s: -1 }), "a price per time"]
  ];
  function sameDim(a, b) { for (var i = 0; i < NDIM; i++) if (a[i] !== b[i]) return false; return true; }
  function kindName(d) {
    for (var i = 0; i < KIND_NAMES.length; i++) if (sameDim(KIND_NAMES[i][0], d)) return KIND_NAMES[i][1];
    var parts = [];
    for (var j = 0; j < NDIM; j++) if (d[j]) parts.push(BASES[j] + "^" + d[j]);
    return "a quantity in " + parts.join(" ");
  }
  function Unit(symbol, factor, dimension, note) {
    return freeze({ symbol: symbol, factor: factor, dimension: freeze(dimension), note: note || "" });
  }
  function dimOf(base) { var e = {}; e[base] = 1; return dim(e); }

  var SI = [["k", 1e3], ["M", 1e6], ["G", 1e9], ["T", 1e12], ["P", 1e15]];
  var IEC = [["Ki", Math.pow(2, 10)], ["Mi", Math.pow(2, 20)], ["Gi", Math.pow(2, 30)], ["Ti", Math.pow(2, 40)], ["Pi", Math.pow(2, 50)]];
  var PREFIX_WORDS = { k: "kilo", M: "mega", G: "giga", T: "tera", P: "peta", Ki: "kibi", Mi: "mebi", Gi: "gibi", Ti: "tebi", Pi: "pebi" };
  function siFactor(p) { for (var i = 0; i < SI.length; i++) if (SI[i][0] === p) return SI[i][1]; }

  var EXACT = dict(), FOLDED = dict();
  (function buildTable() {  // the same add() calls, in the same order, as units._build_table
    function add(spellings, unit, fold) {
      for (var i = 0; i < spellings.length; i++) {
        var s = spellings[i];
        if (!has(EXACT, s)) EXACT[s] = unit;
        if (fold !== false && !has(FOLDED, s.toLowerCase())) FOLDED[s.toLowerCase()] = unit;
      }
    }
    var both = SI.concat(IEC), i, p, f;
    add(["B", "byte", "bytes"], Unit("B", 1.0, DATA));
    for (i = 0; i < both.length; i++) {
      p = both[i][0]; f = both[i][1];
      var spellings = [p + "B", PREFIX_WORDS[p] + "byte", PREFIX_WORDS[p] + "bytes"];
      if (p === "k") spellings.push("KB");
      add(spellings, Unit(p + "B", f, DATA));
    }
    add(["b"], Unit("bit", 0.125, DATA, "'b' is bits (1 B = 8 b); bytes are 'B'"), false);
    add(["bit", "bits"], Unit("bit", 0.125, DATA));
    for (i = 0; i < both.length; i++) {
      p = both[i][0]; f = both[i][1];
      var word = PREFIX_WORDS[p] + "bit", short = p === "k" ? "Kb" : p + "b";
      add([short], Unit(p + "bit", f / 8, DATA, "'" + short + "' is " + word + "s (1 " + p + "B = 8 " + short + "); " + PREFIX_WORDS[p] + "bytes are '" + p + "B'"), false);
      add([p + "bit", p + "bits", word, word + "s"], Unit(p + "bit", f / 8, DATA));
    }
    add(["s", "sec", "secs", "second", "seconds"], Unit("s", 1.0, TIME));
    add(["ms", "msec", "millisecond", "milliseconds"], Unit("ms", 1e-3, TIME));
    add(["\u00b5s", "\u03bcs", "us", "microsecond", "microseconds"], Unit("\u00b5s", 1e-6, TIME));
    add(["ns", "nanosecond", "nanoseconds"], Unit("ns", 1e-9, TIME));
    add(["min", "minute", "minutes"], Unit("min", 60.0, TIME));
    add(["h", "hr", "hour", "hours"], Unit("h", 3600.0, TIME));
    add(["Hz", "hertz"], Unit("Hz", 1.0, FREQUENCY));
    var four = ["k", "M", "G", "T"];
    for (i = 0; i < four.length; i++) add([four[i] + "Hz"], Unit(four[i] + "Hz", siFactor(four[i]), FREQUENCY));
    add(["x", "\u00d7", "X", "times"], Unit("\u00d7", 1.0, NONE));
    add(["%", "percent", "pct"], Unit("%", 0.01, NONE));
    add(["token", "tokens", "tok", "toks"], Unit("tokens", 1.0, dimOf("token")));
    for (i = 0; i < four.length; i++) add([four[i] + " tokens", four[i] + "tokens"], Unit(four[i] + " tokens", siFactor(four[i]), dimOf("token")));
    for (i = 0; i < four.length; i++) add([four[i] + "tok", four[i] + "toks"], Unit(four[i] + " tokens", siFactor(four[i]), dimOf("token")));
    // TFLOPS / TFLOPs are compute rates; unprefixed FLOPS is a rate, FLOPs an amount (as units.py)
    var rate = dim({ FLOP: 1, s: -1 }), six = ["k", "M", "G", "T", "P", "E"];
    add(["FLOPS"], Unit("FLOP/s", 1.0, rate), false);
    for (i = 0; i < six.length; i++) {
      p = six[i];
      add([p + "FLOPS", p + "FLOPs", p + "FLOP/s"], Unit(p + "FLOP/s", p === "E" ? 1e18 : siFactor(p), rate));
    }
    add(["FLOP", "FLOPs", "flop", "flops"], Unit("FLOP", 1.0, dimOf("FLOP")));
    var five = ["k", "M", "G", "T", "P"];
    for (i = 0; i < five.length; i++) add([five[i] + "FLOP"], Unit(five[i] + "FLOP", siFactor(five[i]), dimOf("FLOP")));
    add(["block", "blocks"], Unit("blocks", 1.0, dimOf("block")));
    add(["req", "reqs", "request", "requests"], Unit("requests", 1.0, dimOf("request")));
    add(["$", "USD", "usd", "dollar", "dollars"], Unit("$", 1.0, MONEY));
  })();
  var PLAIN = Unit("", 1.0, NONE);

  function parseUnit(text) {
    text = splitWs(text).join(" ");
    if (text === "") return PLAIN;
    if (cpLength(text) > 40) return null;
    var unit = (has(EXACT, text) && EXACT[text]) || (has(FOLDED, text.toLowerCase()) && FOLDED[text.toLowerCase()]) || null;
    if (unit) return unit;
    var seps = ["/", " per "];
    for (var i = 0; i < seps.length; i++) {
      var at = text.indexOf(seps[i]);
      if (at >= 0) {
        var top = text.slice(0, at), bottom = text.slice(at + seps[i].length);
        var a = parseUnit(strip(top)), b = parseUnit(strip(bottom));
        if (a === null || b === null || !strip(bottom)) return null;
        var d = [];
        for (var j = 0; j < NDIM; j++) d.push(a.dimension[j] - b.dimension[j]);
        return Unit(a.symbol + "/" + b.symbol, a.factor / b.factor, d, a.note);
      }
    }
    return null;
  }
  var UNIT_SPELLINGS = freeze(Object.keys(EXACT).sort());

  // ---------------------------------------------------------------------------------------------
  // The compute language (language.py). Python reads the text with ast.parse; this file has its own
  // tokenizer and parser for Python 3.11's expression grammar, accepting exactly what ast.parse
  // accepts (constructs the language refuses are parsed too, so that they get Python's message), then
  // the same converter (allow-list, node and depth limits) and the same evaluator.

  var KEYWORDS = {};
  ("False None True and as assert async await break class continue def del elif else except finally for from " +
   "global if import in is lambda nonlocal not or pass raise return try while with yield").split(" ").forEach(function (k) { KEYWORDS[k] = true; });
  var OPS3 = ["**=", "//=", ">>=", "<<=", "..."];
  var OPS2 = ["!=", "%=", "&=", "**", "*=", "+=", "-=", "->", "//", "/=", ":=", "<<", "<=", "<>", "==", ">=", ">>", "@=", "^=", "|="];
  var OPS1 = "()[]:,;+-*/|&<>=.%{}~^@";

  function SyntaxFail(message, offset) {
    var e = ComputeError(message || "invalid syntax", offset, 1);
    e.syntax = true;
    return e;
  }
  function isDigit(c) { return c >= "0" && c <= "9"; }
  function isIdStart(c) { return (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c === "_"; }
  function isIdChar(c) { return isIdStart(c) || isDigit(c); }
  function isHex(c) { return isDigit(c) || (c >= "a" && c <= "f") || (c >= "A" && c <= "F"); }

  // Tokens: {k: "num"|"name"|"str"|"op"|"end", v: text, s: start, e: end}
  function tokenize(src) {
    var toks = [], i = 0, n = src.length;
    while (true) {
      while (i < n && (src.charAt(i) === " " || src.charAt(i) === "\t")) i++;
      if (i >= n) break;
      var c = src.charAt(i), start = i;
      if (c === "#") break;  // a comment runs to the end of the line (the line is the whole text)
      if (c === "\\") throw SyntaxFail("unexpected character after line continuation character", i);
      if (isDigit(c) || (c === "." && isDigit(src.charAt(i + 1)))) {
        var num = readNumber(src, i);
        toks.push({ k: "num", v: src.slice(i, num.end), s: i, e: num.end, kind: num.kind });
        i = num.end;
        continue;
      }
      if (isIdStart(c)) {
        var j = i + 1;
        while (j < n && isIdChar(src.charAt(j))) j++;
        var word = src.slice(i, j);
        var q = src.charAt(j);
        if ((q === "'" || q === '"') && /^(?:[rRuUfFbB]|[rR][bBfF]|[bBfF][rR])$/.test(word)) {
          var str = readString(src, j, word.toLowerCase());
          toks.push({ k: "str", v: src.slice(i, str.end), s: i, e: str.end, prefix: word.toLowerCase(), body: str.body });
          i = str.end;
          continue;
        }
        toks.push({ k: has(KEYWORDS, word) ? "kw" : "name", v: word, s: i, e: j });
        i = j;
        continue;
      }
      if (c === "'" || c === '"') {
        var st = readString(src, i, "");
        toks.push({ k: "str", v: src.slice(i, st.end), s: i, e: st.end, prefix: "", body: st.body });
        i = st.end;
        continue;
      }
      var three = src.substr(i, 3), two = src.substr(i, 2);
      if (OPS3.indexOf(three) >= 0) { toks.push({ k: "op", v: three, s: i, e: i + 3 }); i += 3; continue; }
      if (OPS2.indexOf(two) >= 0) { toks.push({ k: "op", v: two, s: i, e: i + 2 }); i += 2; continue; }
      if (OPS1.indexOf(c) >= 0) { toks.push({ k: "op", v: c, s: i, e: i + 1 }); i += 1; continue; }
      throw SyntaxFail("invalid syntax", i);  // ! $ ? ` and the like
    }
    toks.push({ k: "end", v: "", s: n, e: n });
    return toks;
  }

  function readNumber(src, i) {  // Python 3.11's tokenizer rules for a number; returns {end, kind}
    var n = src.length;
    function ch(k) { return k < n ? src.charAt(k) : ""; }
    function fail(at) { throw SyntaxFail("invalid decimal literal", at); }
    function endCheck(k) { if (isIdChar(ch(k))) fail(k); return k; }
    function decimalTail(k) {  // digits with single underscores between
      while (true) {
        while (isDigit(ch(k))) k++;
        if (ch(k) !== "_") return k;
        k++;
        if (!isDigit(ch(k))) fail(k);
      }
    }
    function radix(k, test, name) {
      do {
        if (ch(k) === "_") k++;
        if (!test(ch(k))) throw SyntaxFail("invalid " + name + " literal", k);
        while (test(ch(k))) k++;
      } while (ch(k) === "_");
      if (isDigit(ch(k))) throw SyntaxFail("invalid digit in " + name + " literal", k);
      return endCheck(k);
    }
    function exponentOrEnd(k, kind) {
      var c = ch(k);
      if (c === "e" || c === "E") {
        var e = k + 1;
        if (ch(e) === "+" || ch(e) === "-") { e++; if (!isDigit(ch(e))) fail(e); }
        else if (!isDigit(ch(e))) fail(k);  // "1e", "1else": both refused (a SyntaxWarning is an error here)
        k = decimalTail(e);
        kind = "float";
      }
      if (ch(k) === "j" || ch(k) === "J") return { end: endCheck(k + 1), kind: "imag" };
      return { end: endCheck(k), kind: kind };
    }
    var c0 = ch(i);
    if (c0 === ".") return exponentOrEnd(decimalTail(i + 1), "float");
    if (c0 === "0") {
      var x = ch(i + 1);
      if (x === "x" || x === "X") return { end: radix(i + 2, isHex, "hexadecimal"), kind: "hex" };
      if (x === "o" || x === "O") return { end: radix(i + 2, function (d) { return d >= "0" && d <= "7"; }, "octal"), kind: "oct" };
      if (x === "b" || x === "B") return { end: radix(i + 2, function (d) { return d === "0" || d === "1"; }, "binary"), kind: "bin" };
      var k = i + 1, nonzero = false;
      while (true) {
        if (ch(k) === "_") { k++; if (!isDigit(ch(k))) fail(k); }
        if (ch(k) !== "0") break;
        k++;
      }
      if (isDigit(ch(k))) { nonzero = true; k = decimalTail(k); }
      var c1 = ch(k);
      if (c1 === ".") return exponentOrEnd(decimalTail(k + 1), "float");
      if (c1 === "e" || c1 === "E" || c1 === "j" || c1 === "J") return exponentOrEnd(k, "int");
      if (nonzero) throw SyntaxFail("leading zeros in decimal integer literals are not permitted", k);
      return { end: endCheck(k), kind: "int" };
    }
    var t = decimalTail(i);
    if (ch(t) === ".") return exponentOrEnd(decimalTail(t + 1), "float");
    return exponentOrEnd(t, "int");
  }

  function readString(src, q, prefix) {  // q: index of the opening quote; returns {end, body, triple, quote}
    var quote = src.charAt(q), n = src.length, triple = src.substr(q, 3) === quote + quote + quote;
    var k = q + (triple ? 3 : 1), bodyStart = k;
    while (k < n) {
      var c = src.charAt(k);
      if (c === "\\") { k += 2; continue; }
      if (c === quote && (!triple || src.substr(k, 3) === quote + quote + quote)) {
        return { end: k + (triple ? 3 : 1), body: src.slice(bodyStart, k) };
      }
      k++;
    }
    throw SyntaxFail("strings are not part of the language", q);  // unterminated string literal
  }

  // String literal contents: the escapes Python's decoder refuses, and f-string fields
  function checkEscapes(body, bytes, at) {
    for (var i = 0; i < body.length; i++) {
      if (body.charAt(i) !== "\\") continue;
      var e = body.charAt(i + 1), need = 0;
      if (e === "x") need = 2;
      else if (!bytes && e === "u") need = 4;
      else if (!bytes && e === "U") need = 8;
      else if (!bytes && e === "N") {
        var close = body.indexOf("}", i);
        if (body.charAt(i + 2) !== "{" || close < 0 || !/^[A-Za-z0-9 \-]+$/.test(body.slice(i + 3, close))) throw SyntaxFail("(unicode error) malformed \\N character escape", at);
        i = close;
        continue;
      }
      if (need) {
        var digits = body.substr(i + 2, need);
        if (digits.length < need || !/^[0-9a-fA-F]+$/.test(digits)) throw SyntaxFail("(unicode error) truncated escape", at);
        if (need === 8 && parseInt(digits, 16) > 0x10ffff) throw SyntaxFail("(unicode error) illegal Unicode character", at);
        i += 1 + need;
        continue;
      }
      i++;  // any other escape (or an unknown one, which Python keeps with a DeprecationWarning)
    }
  }

  function checkFString(body, raw, at, limits) {  // Python 3.11's string_parser.c rules
    var pos = 0, end = body.length;
    function fail(msg) { throw SyntaxFail("f-string: " + msg, at); }
    function literal(level) {  // scan literal text; stop at an expression's '{' or (level > 0) the spec's '}'
      while (pos < end) {
        var c = body.charAt(pos++);
        if (!raw && c === "\\" && pos < end) {
          c = body.charAt(pos++);
          if (c === "N") {
            if (pos < end && body.charAt(pos++) === "{") { while (pos < end && body.charAt(pos++) !== "}") { /* skip */ } }
            continue;
          }
        }
        if (c === "{" || c === "}") {
          if (level === 0) {
            if (pos < end && body.charAt(pos) === c) { pos++; continue; }
            if (c === "}") fail("single '}' is not allowed");
          }
          pos--;
          return;
        }
      }
    }
    function field(level) {  // at '{'
      if (level >= 2) fail("expressions nested too deeply");
      pos++;
      var exprStart = pos, quote = "", tripleQ = false, stack = [];
      for (; pos < end; pos++) {
        var c = body.charAt(pos);
        if (c === "\\") fail("expression part cannot include a backslash");
        if (quote) {
          if (c === quote) {
            if (tripleQ) { if (pos + 2 < end && body.charAt(pos + 1) === c && body.charAt(pos + 2) === c) { pos += 2; quote = ""; } }
            else quote = "";
          }
          continue;
        }
        if (c === "'" || c === '"') {
          if (pos + 2 < end && body.charAt(pos + 1) === c && body.charAt(pos + 2) === c) { tripleQ = true; pos += 2; } else tripleQ = false;
          quote = c;
        } else if (c === "[" || c === "{" || c === "(") {
          if (stack.length >= 200) fail("too many nested parenthesis");
          stack.push(c);
        } else if (c === "#") {
          fail("expression part cannot include '#'");
        } else if (stack.length === 0 && "!:}=<>".indexOf(c) >= 0) {
          var next = pos + 1 < end ? body.charAt(pos + 1) : "";
          if (next === "=" && (c === "!" || c === "=" || c === "<" || c === ">")) { pos++; continue; }
          if (c === "<" || c === ">") continue;
          break;
        } else if (c === "]" || c === "}" || c === ")") {
          if (!stack.length) fail("unmatched '" + c + "'");
          var open = stack.pop();
          if (!((open === "(" && c === ")") || (open === "[" && c === "]") || (open === "{" && c === "}"))) fail("closing parenthesis does not match");
        }
      }
      if (quote) fail("unterminated string");
      if (stack.length) fail("unmatched '" + stack[stack.length - 1] + "'");
      if (pos >= end) fail("expecting '}'");
      var expr = body.slice(exprStart, pos);
      if (/^[ \t]*$/.test(expr)) fail("empty expression not allowed");
      try { parseTree("(" + expr + ")", limits); } catch (e) { if (isComputeError(e)) fail("invalid syntax"); throw e; }
      if (body.charAt(pos) === "=") {
        pos++;
        while (pos < end && (body.charAt(pos) === " " || body.charAt(pos) === "\t")) pos++;
        if (pos >= end) fail("expecting '}'");
      }
      if (body.charAt(pos) === "!") {
        pos++;
        if (pos >= end) fail("expecting '}'");
        var conv = body.charAt(pos++);
        if (conv !== "s" && conv !== "r" && conv !== "a") fail("invalid conversion character: expected 's', 'r', or 'a'");
      }
      if (pos < end && body.charAt(pos) === ":") {
        pos++;
        if (pos >= end) fail("expecting '}'");
        parts(level + 1);
      }
      if (pos >= end || body.charAt(pos) !== "}") fail("expecting '}'");
      pos++;
    }
    function parts(level) {
      while (true) {
        literal(level);
        if (pos >= end) return;
        if (body.charAt(pos) === "}") return;  // the end of a format spec (level > 0)
        field(level);
      }
    }
    parts(0);
    if (!raw) checkEscapes(literalText(body), false, at);
  }
  function literalText(body) {  // the literal parts of an f-string, for the escape check (fields replaced)
    return body.replace(/\{[^{}]*\}/g, "");
  }

  // The parser: Python's ast shapes, with col offsets. Node: {t, s, e, ...}

  function Parser(src, limits) {
    this.src = src;
    this.toks = tokenize(src);
    this.p = 0;
    this.limits = limits;
  }
  Parser.prototype = {
    tok: function () { return this.toks[this.p]; },
    peek: function (k) { return this.toks[Math.min(this.p + (k || 1), this.toks.length - 1)]; },
    at: function (v) { var t = this.toks[this.p]; return (t.k === "op" || t.k === "kw") && t.v === v; },
    atIn: function (list) { var t = this.toks[this.p]; return (t.k === "op" || t.k === "kw") && list.indexOf(t.v) >= 0; },
    eat: function (v) { if (this.at(v)) { this.p++; return true; } return false; },
    expect: function (v) { if (!this.eat(v)) this.fail(); },
    fail: function () { throw SyntaxFail("invalid syntax", this.tok().s); },
    node: function (t, startTok, props) {
      var n = props || {};
      n.t = t;
      n.s = this.toks[startTok].s;
      n.e = this.toks[this.p - 1].e;
      return n;
    },

    evalInput: function () {
      if (this.tok().k === "end") this.fail();
      var e = this.expressions();
      if (this.tok().k !== "end") this.fail();
      return e;
    },
    expressions: function () {
      var start = this.p, first = this.expression();
      if (!this.at(",")) return first;
      var elts = [first];
      while (this.eat(",")) {
        if (this.tok().k === "end") break;
        elts.push(this.expression());
      }
      return this.node("Tuple", start, { elts: elts });
    },
    expression: function () {
      if (this.at("lambda")) return this.lambdef();
      var start = this.p, body = this.disjunction();
      if (this.at("if")) {
        this.p++;
        var test = this.disjunction();
        this.expect("else");
        var orelse = this.expression();
        return this.node("IfExp", start, { test: test, body: body, orelse: orelse });
      }
      return body;
    },
    boolChain: function (op, sub) {
      var start = this.p, first = sub.call(this);
      if (!this.at(op)) return first;
      var values = [first];
      while (this.eat(op)) values.push(sub.call(this));
      return this.node("BoolOp", start, { op: op, values: values });
    },
    disjunction: function () { return this.boolChain("or", this.conjunction); },
    conjunction: function () { return this.boolChain("and", this.inversion); },
    inversion: function () {
      if (this.at("not")) {
        var start = this.p;
        this.p++;
        return this.node("UnaryOp", start, { op: "not", operand: this.inversion() });
      }
      return this.comparison();
    },
    compareOp: function () {
      var t = this.tok();
      if (t.k === "op" && ["==", "!=", "<", "<=", ">", ">=", "<>"].indexOf(t.v) >= 0) {
        if (t.v === "<>") this.fail();
        this.p++;
        return t.v;
      }
      if (t.k === "kw" && t.v === "in") { this.p++; return "in"; }
      if (t.k === "kw" && t.v === "not" && this.peek().k === "kw" && this.peek().v === "in") { this.p += 2; return "not in"; }
      if (t.k === "kw" && t.v === "is") {
        this.p++;
        if (this.eat("not")) return "is not";
        return "is";
      }
      return null;
    },
    comparison: function () {
      var start = this.p, left = this.bitor(), ops = [], operands = [left], op;
      while ((op = this.compareOp()) !== null) { ops.push(op); operands.push(this.bitor()); }
      if (!ops.length) return left;
      return this.node("Compare", start, { ops: ops, operands: operands });
    },
    binaryLevel: function (ops, sub) {
      var start = this.p, left = sub.call(this);
      while (this.tok().k === "op" && ops.indexOf(this.tok().v) >= 0) {
        var op = this.tok().v;
        this.p++;
        var right = sub.call(this);
        left = this.node("BinOp", start, { op: op, left: left, right: right });
      }
      return left;
    },
    bitor: function () { return this.binaryLevel(["|"], this.bitxor); },
    bitxor: function () { return this.binaryLevel(["^"], this.bitand); },
    bitand: function () { return this.binaryLevel(["&"], this.shift); },
    shift: function () { return this.binaryLevel(["<<", ">>"], this.sum); },
    sum: function () { return this.binaryLevel(["+", "-"], this.term); },
    term: function () { return this.binaryLevel(["*", "/", "//", "%", "@"], this.factor); },
    factor: function () {
      var t = this.tok();
      if (t.k === "op" && (t.v === "+" || t.v === "-" || t.v === "~")) {
        var start = this.p;
        this.p++;
        return this.node("UnaryOp", start, { op: t.v, operand: this.factor() });
      }
      return this.power();
    },
    power: function () {
      var start = this.p, base = this.awaitPrimary();
      if (this.at("**")) {
        this.p++;
        var exponent = this.factor();
        return this.node("BinOp", start, { op: "**", left: base, right: exponent });
      }
      return base;
    },
    awaitPrimary: function () {
      if (this.at("await")) {
        var start = this.p;
        this.p++;
        return this.node("Await", start, { value: this.primary() });
      }
      return this.primary();
    },
    primary: function () {
      var start = this.p, value = this.atom();
      while (true) {
        if (this.at(".")) {
          this.p++;
          if (this.tok().k !== "name") this.fail();
          this.p++;
          value = this.node("Attribute", start, { value: value });
        } else if (this.at("(")) {
          value = this.call(start, value);
        } else if (this.at("[")) {
          this.p++;
          this.slices();
          this.expect("]");
          value = this.node("Subscript", start, { value: value });
        } else return value;
      }
    },
    call: function (start, func) {
      var open = this.p;
      this.p++;
      var args = [], keywords = 0, sawKeyword = false, sawDoubleStar = false;
      while (!this.at(")")) {
        var argStart = this.p;
        if (this.at("*")) {
          if (sawDoubleStar) this.fail();
          this.p++;
          var v = this.expression();
          args.push(this.node("Starred", argStart, { value: v }));
        } else if (this.at("**")) {
          this.p++;
          this.expression();
          keywords++;
          sawDoubleStar = true;
        } else if (this.tok().k === "name" && this.peek().k === "op" && this.peek().v === "=") {
          this.p += 2;
          this.expression();
          keywords++;
          sawKeyword = true;
        } else {
          if (sawKeyword || sawDoubleStar) this.fail();
          var a = this.namedExpression();
          if (this.at("for") || this.at("async")) {  // a generator expression: the only argument
            if (args.length) this.fail();
            this.forIfClauses();
            if (!this.at(")")) this.fail();
            this.p++;
            var gen = this.node("GeneratorExp", open, {});
            return this.node("Call", start, { func: func, args: [gen], keywords: 0 });
          }
          args.push(a);
        }
        if (!this.eat(",")) break;
      }
      this.expect(")");
      return this.node("Call", start, { func: func, args: args, keywords: keywords });
    },
    slices: function () {
      if (this.at("]")) this.fail();
      while (true) {
        if (this.at("*")) { this.p++; this.expression(); }
        else this.slice();
        if (!this.eat(",")) return;
        if (this.at("]")) return;
      }
    },
    slice: function () {
      if (!this.at(":")) {
        var first = this.namedExpression();
        if (!this.at(":")) return;
        if (first.t === "NamedExpr") this.fail();
      }
      this.p++;
      if (!this.atIn([":", ",", "]"])) this.expression();
      if (this.eat(":")) { if (!this.atIn([",", "]"])) this.expression(); }
    },
    namedExpression: function () {
      var start = this.p;
      if (this.tok().k === "name" && this.peek().k === "op" && this.peek().v === ":=") {
        this.p += 2;
        var v = this.expression();
        return this.node("NamedExpr", start, { value: v });
      }
      var e = this.expression();
      if (this.at(":=")) this.fail();
      return e;
    },
    starNamed: function () {  // star_named_expression: '*' bitwise_or | named_expression
      if (this.at("*")) {
        var start = this.p;
        this.p++;
        return this.node("Starred", start, { value: this.bitor() });
      }
      return this.namedExpression();
    },
    atom: function () {
      var t = this.tok(), start = this.p;
      if (t.k === "name") { this.p++; return this.node("Name", start, { id: t.v }); }
      if (t.k === "num") { this.p++; return this.node("Num", start, { text: t.v, kind: t.kind }); }
      if (t.k === "str") return this.strings();
      if (t.k === "kw") {
        if (t.v === "True" || t.v === "False" || t.v === "None") { this.p++; return this.node("Const", start, { repr: t.v }); }
        this.fail();
      }
      if (t.k !== "op") this.fail();
      if (t.v === "...") { this.p++; return this.node("Const", start, { repr: "Ellipsis" }); }
      if (t.v === "(") return this.parenthesized();
      if (t.v === "[") return this.bracketed();
      if (t.v === "{") return this.braced();
      this.fail();
    },
    strings: function () {
      var start = this.p, bytes = null, joined = false;
      while (this.tok().k === "str") {
        var t = this.tok(), isBytes = t.prefix.indexOf("b") >= 0, raw = t.prefix.indexOf("r") >= 0;
        if (bytes !== null && bytes !== isBytes) throw SyntaxFail("cannot mix bytes and nonbytes literals", t.s);
        bytes = isBytes;
        if (t.prefix.indexOf("f") >= 0) { joined = true; checkFString(t.body, raw, t.s, this.limits); }
        else if (!raw) checkEscapes(t.body, isBytes, t.s);
        this.p++;
      }
      return this.node(joined ? "JoinedStr" : "Str", start, {});
    },
    parenthesized: function () {
      var start = this.p;
      this.p++;
      if (this.eat(")")) return this.node("Tuple", start, { elts: [] });
      if (this.at("yield")) {
        var y = this.yieldExpr();
        this.expect(")");
        return y;
      }
      var first = this.starNamed();
      if ((this.at("for") || this.at("async")) && first.t !== "Starred") {
        this.forIfClauses();
        this.expect(")");
        return this.node("GeneratorExp", start, {});
      }
      if (this.at(",")) {
        var elts = [first];
        while (this.eat(",")) {
          if (this.at(")")) break;
          elts.push(this.starNamed());
        }
        this.expect(")");
        return this.node("Tuple", start, { elts: elts });
      }
      if (first.t === "Starred") this.fail();
      this.expect(")");
      return first;
    },
    bracketed: function () {
      var start = this.p;
      this.p++;
      if (this.eat("]")) return this.node("List", start, { elts: [] });
      var first = this.starNamed();
      if ((this.at("for") || this.at("async")) && first.t !== "Starred") {
        this.forIfClauses();
        this.expect("]");
        return this.node("ListComp", start, {});
      }
      var elts = [first];
      while (this.eat(",")) {
        if (this.at("]")) break;
        elts.push(this.starNamed());
      }
      this.expect("]");
      return this.node("List", start, { elts: elts });
    },
    braced: function () {
      var start = this.p;
      this.p++;
      if (this.eat("}")) return this.node("Dict", start, {});
      var isDict, first = null;
      if (this.at("**")) { this.p++; this.bitor(); isDict = true; first = "**"; }
      else if (this.at("*")) { this.starNamed(); isDict = false; first = "*"; }
      else {
        var key = this.namedExpression();
        if (this.at(":")) {
          if (key.t === "NamedExpr") this.fail();
          this.p++;
          this.expression();
          isDict = true;
        } else isDict = false;
      }
      if ((this.at("for") || this.at("async")) && first === null) {
        this.forIfClauses();
        this.expect("}");
        return this.node(isDict ? "DictComp" : "SetComp", start, {});
      }
      while (this.eat(",")) {
        if (this.at("}")) break;
        if (isDict) {
          if (this.eat("**")) this.bitor();
          else { this.expression(); this.expect(":"); this.expression(); }
        } else this.starNamed();
      }
      this.expect("}");
      return this.node(isDict ? "Dict" : "Set", start, {});
    },
    forIfClauses: function () {
      if (!(this.at("for") || this.at("async"))) this.fail();
      while (this.at("for") || this.at("async")) {
        if (this.eat("async")) { if (!this.at("for")) this.fail(); }
        this.p++;
        this.starTargets();
        this.expect("in");
        this.disjunction();
        while (this.eat("if")) this.disjunction();
      }
    },
    starTargets: function () {
      while (true) {
        this.starTarget();
        if (!this.eat(",")) return;
        if (this.at("in")) return;
      }
    },
    starTarget: function () {
      if (this.at("*")) {
        this.p++;
        if (this.at("*")) this.fail();
        this.starTarget();
        return;
      }
      var at = this.tok().s, target = this.primary();
      if (!validTarget(target)) throw SyntaxFail("cannot assign to expression", at);
    },
    lambdef: function () {
      var start = this.p;
      this.p++;
      var sawDefault = false, sawSlash = false, sawStar = false, bareStar = false, kwonly = 0, sawKwargs = false, count = 0;
      while (!this.at(":")) {
        if (sawKwargs) this.fail();
        if (this.at("/")) {
          if (!count || sawSlash || sawStar) this.fail();
          this.p++;
          sawSlash = true;
        } else if (this.at("*")) {
          if (sawStar) this.fail();
          this.p++;
          sawStar = true;
          if (this.tok().k === "name") { this.p++; bareStar = false; } else bareStar = true;
        } else if (this.at("**")) {
          this.p++;
          if (this.tok().k !== "name") this.fail();
          this.p++;
          sawKwargs = true;
        } else if (this.tok().k === "name") {
          this.p++;
          count++;
          if (this.eat("=")) { this.expression(); if (!sawStar) sawDefault = true; }
          else if (!sawStar && sawDefault) this.fail();
          if (sawStar) kwonly++;
        } else this.fail();
        if (!this.eat(",")) break;
      }
      if (bareStar && !kwonly) this.fail();
      this.expect(":");
      var body = this.expression();
      return this.node("Lambda", start, { body: body });
    },
    yieldExpr: function () {
      var start = this.p;
      this.p++;
      if (this.eat("from")) { this.expression(); return this.node("YieldFrom", start, {}); }
      if (this.atIn([")"])) return this.node("Yield", start, {});
      while (true) {
        if (this.at("*")) { this.p++; this.bitor(); } else this.expression();
        if (!this.eat(",")) break;
        if (this.at(")")) break;
      }
      return this.node("Yield", start, {});
    }
  };
  function validTarget(node) {
    if (node.t === "Name" || node.t === "Attribute" || node.t === "Subscript") return true;
    if (node.t === "Tuple" || node.t === "List") {
      for (var i = 0; i < node.elts.length; i++) {
        var el = node.elts[i];
        if (el.t === "Starred") el = el.value;
        if (!validTarget(el)) return false;
      }
      return true;
    }
    return false;
  }

  function parseTree(src, limits) {
    return new Parser(src, limits).evalInput();
  }

  // Number literal -> value, as float(int) or float(text) in Python
  function radixValue(digits, bitsPerDigit) {  // correctly rounded, like float(int)
    var bits = "";
    for (var i = 0; i < digits.length; i++) {
      var b = parseInt(digits.charAt(i), 16).toString(2);
      while (b.length < bitsPerDigit) b = "0" + b;
      bits += b;
    }
    bits = bits.replace(/^0+/, "");
    if (bits.length <= 53) return bits ? parseInt(bits, 2) : 0;
    var top = parseInt(bits.slice(0, 53), 2), roundBit = bits.charAt(53) === "1", sticky = /1/.test(bits.slice(54));
    if (roundBit && (sticky || top % 2 === 1)) top += 1;
    return top * Math.pow(2, bits.length - 53);
  }
  function literalValue(node) {  // {value} or {error, message}
    var text = node.text.replace(/_/g, "");
    if (node.kind === "imag") return { message: "complex numbers are not part of the language" };
    var value;
    if (node.kind === "hex") value = radixValue(text.slice(2), 4);
    else if (node.kind === "oct") value = radixValue(text.slice(2), 3);
    else if (node.kind === "bin") value = radixValue(text.slice(2), 1);
    else value = Number(text);
    if (!isFinite(value)) return { message: node.kind === "float" ? "number is too large (not finite)" : "number is too large" };
    return { value: value };
  }

  // The converter: Python's _Converter, the same checks in the same order

  var FUNCTIONS = {
    min: [1, 64], max: [1, 64], abs: [1, 1], round: [1, 2], floor: [1, 1], ceil: [1, 1],
    sqrt: [1, 1], exp: [1, 1], log: [1, 2], log2: [1, 1], log10: [1, 1]
  };
  var RESERVED = { argmax: true };
  for (var fname in FUNCTIONS) if (has(FUNCTIONS, fname)) RESERVED[fname] = true;
  var RESERVED_LIST = Object.keys(RESERVED).sort();
  var REFUSED = {
    Attribute: "attribute access ('.name') is not part of the language",
    Subscript: "subscripts ('[...]') are not part of the language",
    Lambda: "lambdas are not part of the language",
    ListComp: "comprehensions are not part of the language",
    SetComp: "comprehensions are not part of the language",
    DictComp: "comprehensions are not part of the language",
    GeneratorExp: "comprehensions are not part of the language",
    JoinedStr: "strings are not part of the language",
    NamedExpr: "':=' is not part of the language; write 'name = expression' on its own line",
    List: "lists are not part of the language",
    Tuple: "tuples are not part of the language (a stray comma?)",
    Dict: "dictionaries are not part of the language",
    Set: "sets are not part of the language",
    Starred: "'*' unpacking is not part of the language",
    Await: "'await' is not part of the language",
    Yield: "'yield' is not part of the language",
    YieldFrom: "'yield' is not part of the language"
  };
  var ALLOWED_BINARY = { "+": 1, "-": 1, "*": 1, "/": 1, "//": 1, "%": 1, "**": 1 };
  var ALLOWED_COMPARE = { "<": 1, "<=": 1, ">": 1, ">=": 1, "==": 1, "!=": 1 };

  // Operators Python has and the language does not (language._REFUSED_OPERATORS): the error points at the operator
  var REFUSED_OPERATORS = {
    "^": "'^' is not a power here: write ** for a power (2 ** 10)",
    "&": "'&' is not part of the language; write 'and' for both conditions",
    "|": "'|' is not part of the language; write 'or' for either condition",
    "<<": "'<<' is not part of the language; write * 2 ** n to shift by n bits",
    ">>": "'>>' is not part of the language; write / 2 ** n (or // 2 ** n) to shift by n bits",
    "@": "'@' is not part of the language; write * to multiply"
  };

  function Converter(lead, limits, text) {
    this.lead = lead;
    this.text = text || "";  // the stripped source the tree was parsed from (to point at an operator)
    this.limits = limits;
    this.count = 0;
    this.names = dict();
    this.bound = [];
  }
  Converter.prototype = {
    span: function (node) {
      if (node.e <= node.s) return [this.lead + node.s, 1];
      return [this.lead + node.s, node.e - node.s];
    },
    fail: function (message, node) { var sp = this.span(node); return ComputeError(message, sp[0], sp[1]); },
    convert: function (node, depth) {
      var sp = this.span(node), offset = sp[0], length = sp[1], L = this.limits;
      this.count += 1;
      if (this.count > L.maxNodes) throw ComputeError("expression has more than " + L.maxNodes + " parts", offset, length);
      if (depth > L.maxDepth) throw ComputeError("expression nests more than " + L.maxDepth + " deep", offset, length);
      var d = depth + 1, i;
      var mk = function (props) { props.offset = offset; props.length = length; return props; };
      switch (node.t) {
        case "Num":
          var lit = literalValue(node);
          if (lit.message) throw ComputeError(lit.message, offset, length);
          return mk({ t: "Number", value: lit.value });
        case "Str":
          throw ComputeError("strings are not part of the language", offset, length);
        case "Const":
          throw ComputeError(node.repr + " is not a number", offset, length);
        case "Name":
          return mk(this.name(node.id, offset, length));
        case "UnaryOp":
          if (node.op === "~") throw ComputeError("'~' is not part of the language", offset, length);
          return mk({ t: "Unary", op: node.op, operand: this.convert(node.operand, d) });
        case "BinOp":
          if (!has(ALLOWED_BINARY, node.op)) {
            if (!has(REFUSED_OPERATORS, node.op)) throw ComputeError("bit operators and shifts are not part of the language", offset, length);
            var at = this.text.indexOf(node.op, node.left.e);  // between the operands (one line: the engine refuses newlines)
            if (at < 0 || at + node.op.length > node.right.s) throw ComputeError(REFUSED_OPERATORS[node.op], offset, length);
            throw ComputeError(REFUSED_OPERATORS[node.op], this.lead + at, node.op.length);
          }
          var left = this.convert(node.left, d);
          return mk({ t: "Binary", op: node.op, left: left, right: this.convert(node.right, d) });
        case "BoolOp":
          var values = [];
          for (i = 0; i < node.values.length; i++) values.push(this.convert(node.values[i], d + node.values.length - 2));
          var result = values[0];
          for (i = 1; i < values.length; i++) result = { t: "Binary", op: node.op, left: result, right: values[i], offset: offset, length: length };
          return result;
        case "Compare":
          for (i = 0; i < node.ops.length; i++) if (!has(ALLOWED_COMPARE, node.ops[i])) throw ComputeError("only < <= > >= == != compare numbers here", offset, length);
          var operands = [];
          for (i = 0; i < node.operands.length; i++) operands.push(this.convert(node.operands[i], d));
          return mk({ t: "Compare", ops: node.ops.slice(), operands: operands });
        case "IfExp":
          var test = this.convert(node.test, d), then = this.convert(node.body, d);
          return mk({ t: "Conditional", test: test, then: then, otherwise: this.convert(node.orelse, d) });
        case "Call":
          return this.call(node, offset, length, d);
      }
      if (has(REFUSED, node.t)) throw ComputeError(REFUSED[node.t], offset, length);
      throw ComputeError(node.t + " is not part of the language", offset, length);
    },
    name: function (name, offset, length) {
      if (name.charAt(0) === "_") throw ComputeError("names starting with '_' are not allowed (" + repr(name) + ")", offset, length);
      if (name === "nan" || name === "inf" || name === "NaN" || name === "Infinity") throw ComputeError(repr(name) + " is not a number here; results must be finite", offset, length);
      if (has(RESERVED, name)) throw ComputeError(repr(name) + " is a function; call it like " + name + "(...)", offset, length);
      if (this.bound.indexOf(name) < 0) this.names[name] = true;
      return { t: "Name", name: name };
    },
    call: function (node, offset, length, d) {
      if (node.func.t !== "Name") throw this.fail("only the built-in functions can be called (min, max, sqrt, ...)", node.func);
      var fname = node.func.id, i;
      if (node.keywords) throw ComputeError(fname + "() takes no keyword arguments", offset, length);
      for (i = 0; i < node.args.length; i++) if (node.args[i].t === "Starred") throw ComputeError("'*' unpacking is not part of the language", offset, length);
      if (fname === "argmax") return this.argmax(node, offset, length, d);
      if (!has(FUNCTIONS, fname)) throw this.fail("unknown function " + repr(fname) + "; the functions are " + RESERVED_LIST.join(", "), node.func);
      var low = FUNCTIONS[fname][0], high = FUNCTIONS[fname][1];
      if (node.args.length < low || node.args.length > high) {
        var want = low === high ? String(low) : low + " to " + high;
        throw ComputeError(fname + "() takes " + want + " argument(s), got " + node.args.length, offset, length);
      }
      var args = [];
      for (i = 0; i < node.args.length; i++) args.push(this.convert(node.args[i], d));
      return { t: "Call", fn: fname, args: args, offset: offset, length: length };
    },
    argmax: function (node, offset, length, d) {
      if (node.args.length !== 4 || node.args[0].t !== "Name") throw ComputeError("argmax takes (name, low, high, expression), e.g. argmax(k, 1, 16, speedup_at(k))", offset, length);
      var v = node.args[0].id;
      if (v.charAt(0) === "_" || has(RESERVED, v)) throw this.fail(repr(v) + " cannot be an argmax variable", node.args[0]);
      var low = this.convert(node.args[1], d), high = this.convert(node.args[2], d);
      this.bound.push(v);
      try { var body = this.convert(node.args[3], d); } finally { this.bound.pop(); }
      return { t: "Argmax", variable: v, low: low, high: high, body: body, offset: offset, length: length };
    }
  };

  function Expression(source, root, names) {
    this.source = source;
    this.root = root;
    this.names = names;
  }
  Expression.prototype.evaluate = function (env, limits) {
    return new Evaluator(env, limitsOf(limits)).value(this.root);
  };

  function bracketDepth(source, limits) {
    var count = 0, i;
    for (i = 0; i < source.length; i++) { var c = source.charAt(i); if (c === "(" || c === "[" || c === "{") count++; }
    if (count <= limits.maxDepth) return;
    var depth = 0;
    for (i = 0; i < source.length; i++) {
      var ch = source.charAt(i);
      if (ch === "(" || ch === "[" || ch === "{") {
        depth++;
        if (depth > limits.maxDepth) throw ComputeError("brackets nest more than " + limits.maxDepth + " deep", i, 1);
      } else if (ch === ")" || ch === "]" || ch === "}") depth--;
    }
  }

  function parseExpressionInner(source, limits) {  // offsets: UTF-16 into source
    if (typeof source !== "string") throw ComputeError("an expression must be text", 0, 1);
    var chars = cpLength(source);
    if (chars > limits.maxExpressionChars) {
      throw ComputeError("expression is " + fmtInt(chars) + " characters long; the limit is " + fmtInt(limits.maxExpressionChars), cpToIndex(source, limits.maxExpressionChars), 1);
    }
    var stripped = strip(source);
    if (!stripped) throw ComputeError("expected an expression", 0, 1);
    for (var i = 0; i < source.length; i++) {
      var code = source.charCodeAt(i);
      if (code > 126 || (code < 32 && code !== 9)) {
        var cp = codePointAt(source, i), ch = fromCodePoint(cp);
        var e = ComputeError("unexpected character " + repr(ch) + " (U+" + upperHex(cp, 4) + "); formulas use plain ASCII " +
          "(digits 0-9, letters, + - * / ( ) and so on)", i, ch.length);
        e.cpLength = 1;
        throw e;
      }
    }
    bracketDepth(source, limits);
    var lead = source.length - lstrip(source).length, tree;
    try {
      tree = parseTree(stripped, limits);
    } catch (err) {
      if (isComputeError(err)) { err.offset = Math.min(lead + err.offset, source.length); throw err; }
      if (err instanceof RangeError) throw ComputeError("expression is too deeply nested or too large", 0, 1);
      throw err;
    }
    var converter = new Converter(lead, limits, stripped);
    var root = converter.convert(tree, 1);
    return new Expression(source, root, Object.keys(converter.names));
  }

  function parseExpression(source, limits) {
    try { return parseExpressionInner(source, limitsOf(limits)); }
    catch (e) { if (isComputeError(e)) throw publicError(e, source); throw e; }
  }

  // Evaluation

  function pyMod(a, b) {  // float % float with Python's sign rule (CPython float_rem)
    var m = a % b;
    if (m) { if ((b < 0) !== (m < 0)) m += b; }
    else m = b < 0 ? -0 : 0;
    return m;
  }
  function copysign(x, y) { return isNegative(y) ? -Math.abs(x) : Math.abs(x); }
  function PyValueError(message) { this.message = message; }
  var POW10 = [];
  for (var p10 = -15; p10 <= 15; p10++) POW10.push(Number("1e" + p10));
  function pyRound(x, digits) {
    if (digits === undefined) digits = 0.0;
    if (digits !== trunc(digits) || Math.abs(digits) > 15) throw new PyValueError("round(x, n) needs a whole n between -15 and 15");
    var scale = POW10[trunc(digits) + 15];  // float(f"1e{n}"): exact, no libm
    if (!(Math.abs(x) * scale < 4503599627370496)) return x;
    return copysign(Math.floor(Math.abs(x) * scale + 0.5), x) / scale;
  }
  var log10 = log10CR, log2 = log2CR;
  function pyMin(xs) { var best = xs[0]; for (var i = 1; i < xs.length; i++) if (xs[i] < best) best = xs[i]; return best; }
  function pyMax(xs) { var best = xs[0]; for (var i = 1; i < xs.length; i++) if (xs[i] > best) best = xs[i]; return best; }
  var IMPL = {
    min: pyMin,
    max: pyMax,
    abs: function (xs) { return Math.abs(xs[0]); },
    round: function (xs) { return pyRound(xs[0], xs[1]); },
    floor: function (xs) { return Math.floor(xs[0]) + 0; },
    ceil: function (xs) { return Math.ceil(xs[0]) + 0; },
    sqrt: function (xs) { if (xs[0] < 0) throw new PyValueError("sqrt of a negative number"); return Math.sqrt(xs[0]); },
    exp: function (xs) { var r = expCR(xs[0]); if (!isFinite(r)) throw new PyValueError("result is too large"); return r; },
    log: function (xs) {
      var x = xs[0], base = xs.length > 1 ? xs[1] : Math.E;
      if (x <= 0) throw new PyValueError("log of a number that is not positive");
      if (base <= 0 || base === 1) throw new PyValueError("log base must be positive and not 1");
      return logCR(x) / logCR(base);
    },
    log2: function (xs) { if (xs[0] <= 0) throw new PyValueError("log2 of a number that is not positive"); return log2(xs[0]); },
    log10: function (xs) { if (xs[0] <= 0) throw new PyValueError("log10 of a number that is not positive"); return log10(xs[0]); }
  };

  function Evaluator(env, limits) {
    this.env = dict();
    for (var k in env) if (has(env, k)) this.env[k] = env[k];
    this.limits = limits;
    this.steps = 0;
  }
  function nodeFail(node, message) { return ComputeError(message, node.offset, node.length); }
  Evaluator.prototype = {
    finite: function (node, x) {
      if (!isFinite(x)) throw nodeFail(node, "result is too large (it overflows)");
      return x;
    },
    value: function (node) {
      this.steps += 1;
      if (this.steps > this.limits.maxSteps) throw nodeFail(node, "evaluation takes more than " + fmtInt(this.limits.maxSteps) + " steps");
      switch (node.t) {
        case "Number": return node.value;
        case "Name":
          if (!(node.name in this.env)) throw nodeFail(node, "unknown name " + repr(node.name));
          return this.env[node.name];
        case "Unary":
          var x = this.value(node.operand);
          return node.op === "-" ? -x : node.op === "+" ? x : (x ? 0.0 : 1.0);
        case "Binary": return this.binary(node);
        case "Compare":
          var left = this.value(node.operands[0]);
          for (var i = 0; i < node.ops.length; i++) {
            var right = this.value(node.operands[i + 1]);
            if (!compare(node.ops[i], left, right)) return 0.0;
            left = right;
          }
          return 1.0;
        case "Conditional":
          return this.value(node.test) ? this.value(node.then) : this.value(node.otherwise);
        case "Call":
          var args = [];
          for (var j = 0; j < node.args.length; j++) args.push(this.value(node.args[j]));
          var r;
          try { r = IMPL[node.fn](args); } catch (e) {
            if (e instanceof PyValueError) throw nodeFail(node, node.fn + "(): " + e.message);
            throw e;
          }
          return this.finite(node, r);
        case "Argmax": return this.argmax(node);
      }
      throw nodeFail(node, "cannot evaluate this");
    },
    binary: function (node) {
      var a = this.value(node.left), op = node.op;
      if (op === "and") return a ? this.value(node.right) : a;
      if (op === "or") return a ? a : this.value(node.right);
      var b = this.value(node.right);
      if (op === "+") return this.finite(node, a + b);
      if (op === "-") return this.finite(node, a - b);
      if (op === "*") return this.finite(node, a * b);
      if ((op === "/" || op === "//" || op === "%") && b === 0) throw nodeFail(node, "division by zero");
      if (op === "/") return this.finite(node, a / b);
      if (op === "//") return Math.floor(this.finite(node, a / b)) + 0;
      if (op === "%") return this.finite(node, pyMod(a, b));
      return this.power(node, a, b);
    },
    power: function (node, base, exponent) {
      if (base === 0 && exponent < 0) throw nodeFail(node, "division by zero (0 to a negative power)");
      if (base < 0 && exponent !== trunc(exponent)) throw nodeFail(node, "a negative number to a fractional power is not a real number");
      if (base !== 0 && base !== 1 && base !== -1) {
        var digits = exponent * log10(Math.abs(base));
        if (digits > this.limits.maxPowerDigits) {
          throw nodeFail(node, "power is too large: the result would have about " + pyG(digits, 3) + " digits (limit " + this.limits.maxPowerDigits + ")");
        }
      }
      var r = powCR(base, exponent);
      if (!isFinite(r)) throw nodeFail(node, "power is too large");
      return r;
    },
    argmax: function (node) {
      var low = this.value(node.low), high = this.value(node.high);
      if (low !== trunc(low) || high !== trunc(high) || high < low) throw nodeFail(node, "argmax needs whole numbers low <= high");
      if (high - low + 1 > this.limits.maxArgmaxRange) throw nodeFail(node, "argmax range is larger than " + fmtInt(this.limits.maxArgmaxRange));
      var v = node.variable, hadSaved = v in this.env, saved = this.env[v];
      var bestK = low, best = -Infinity;
      try {
        // Python walks range(int(low), int(high) + 1): count, do not step k (above 2^53, k + 1 is k)
        for (var i = 0, count = high - low + 1; i < count; i++) {
          var k = low + i + 0;  // float(k): the same rounding, half to even
          this.env[v] = k;
          var val = this.value(node.body);
          if (val > best) { bestK = k; best = val; }
        }
      } finally {
        if (!hadSaved) delete this.env[v]; else this.env[v] = saved;
      }
      return bestK;
    }
  };
  function compare(op, a, b) {
    switch (op) {
      case "<": return a < b;
      case "<=": return a <= b;
      case ">": return a > b;
      case ">=": return a >= b;
      case "==": return a === b;
      default: return a !== b;
    }
  }

  function evaluateInOrder(named, env, limits) {
    var ev = new Evaluator(env, limits);
    for (var i = 0; i < named.length; i++) {
      try { ev.env[named[i][0]] = ev.value(named[i][1].root); }
      catch (e) { if (isComputeError(e)) { e.offset += named[i][2]; } throw e; }
    }
    return ev.env;
  }
  var NAME_RE = /^[A-Za-z][A-Za-z0-9_]*$/;
  function isName(text) { return NAME_RE.test(text); }

  // ---------------------------------------------------------------------------------------------
  // Answer checking (answers.py): check_answer always returns a verdict, never throws

  var MAX_ANSWER_CHARS = 100;
  function Tolerance(relative, absolute) {
    return freeze({ relative: relative === undefined || relative === null ? 0.01 : relative, absolute: absolute === undefined ? null : absolute });
  }
  function toleranceAllows(t, value, expected) {
    if (!isFinite(expected)) return false;
    if (t.absolute !== null && t.absolute !== undefined) return Math.abs(value - expected) <= t.absolute;
    return Math.abs(value - expected) <= t.relative * Math.abs(expected) + 1e-12 * (expected === 0 ? 1 : 0);
  }
  function toleranceDescribe(t, unit) {
    if (t.absolute !== null && t.absolute !== undefined) return "\u00b1" + formatQuantity(t.absolute, unit.symbol ? unit : PLAIN);
    return "\u00b1" + pyG(t.relative * 100, 6) + "%";
  }
  function Verdict(state, message, value) {
    return { state: state, message: message, value: value === undefined ? null : value };
  }

  var SPACES = { "\u00a0": " ", "\u2009": " ", "\u202f": " ", "\u2007": " ", "\u3000": " ", "\t": " ", "\u2212": "-", "\u2013": "-", "\uff05": "%" };
  var SPACES_RE = /[\u00a0\u2009\u202f\u2007\u3000\t\u2212\u2013\uff05]/g;
  var ANSWER_NUMBER = /^([+-]?) ?([0-9]{1,3}(?:,[0-9]{3})+(?![0-9])|[0-9]{1,3}(?:[ _][0-9]{3})+(?![0-9])|[0-9]+)?([.,][0-9]*)?([eE][+-]?[0-9]+)?/;
  var SUPERSCRIPTS = "\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079\u207b\u207a", SUPER_PLAIN = "0123456789-+";
  var TIMES_TEN = new RegExp("^[\u00d7x*\u00b7]" + S + "*10" + S + "*(?:\\^|\\*\\*)" + S + "*([+-]?[0-9]{1,3})|^[\u00d7x*\u00b7]" + S + "*10([" + SUPERSCRIPTS + "]{1,4})");
  var BARE_PREFIX = { k: 1e3, K: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15 };
  var INT_TEXT = /^[+-]?[0-9]+$/;

  function readAnswer(text) {  // {number, unit, bare} or a short reason string
    if (typeof text !== "string") return "Type a number.";
    if (cpLength(text) > MAX_ANSWER_CHARS) return "That is longer than an answer can be (" + MAX_ANSWER_CHARS + " characters).";
    var s = strip(text.replace(SPACES_RE, function (c) { return SPACES[c]; }));
    var leads = ["\u2248", "~", "=", "about "];
    for (var i = 0; i < leads.length; i++) if (s.indexOf(leads[i]) === 0) s = strip(s.slice(leads[i].length));
    var money = s.charAt(0) === "$" || s.slice(0, 2) === "-$";  // "$2.50", "$3/Mtok", "-$1"
    if (money) s = (s.charAt(0) === "-" ? "-" : "") + strip(s.slice(s.indexOf("$") + 1));
    if (!s) return "Type a number.";
    var m = ANSWER_NUMBER.exec(s);
    if (!m || !(m[2] || (m[3] || "").slice(1))) return "Start with a number.";
    var digits = (m[2] || "0").replace(/[, _]/g, "");
    var frac = (m[3] || "").replace(",", ".");
    var number = Number(m[1] + digits + frac + (m[4] || ""));
    var rest = strip(s.slice(m[0].length));
    var sci = TIMES_TEN.exec(rest);
    if (sci) {
      var expText = sci[1] !== undefined ? sci[1] : sci[2].replace(/./g, function (c) { return SUPER_PLAIN.charAt(SUPERSCRIPTS.indexOf(c)); });
      if (!INT_TEXT.test(expText)) return "That number cannot be read.";
      number *= Number("1e" + parseInt(expText, 10));  // float(f"1e{n}"): correctly rounded, no libm
      rest = strip(rest.slice(sci[0].length));
    }
    if (!isFinite(number)) return "That number is too large.";
    rest = strip(rstripChars(rest, "."));
    if (money) {
      if (rest && rest.charAt(0) !== "/") {
        var shownMoney = cpLength(rest) <= 20 ? rest : cpSlice(rest, 20) + "\u2026";
        return "Unknown unit " + repr(shownMoney) + " after a dollar amount.";
      }
      rest = "$" + rest;
    }
    if (has(BARE_PREFIX, rest)) {
      number *= BARE_PREFIX[rest];
      return isFinite(number) ? { number: number, unit: PLAIN, bare: true } : "That number is too large.";
    }
    var unit = parseUnit(rest);
    if (unit === null) {
      var shown = cpLength(rest) <= 20 ? rest : cpSlice(rest, 20) + "\u2026";
      return "Unknown unit " + repr(shown) + ".";
    }
    return { number: number, unit: unit, bare: rest === "" };
  }

  function checkAnswer(text, expected, unit, tolerance, displayUnit) {
    try {
      return check(text, expected, unit, tolerance || Tolerance(), displayUnit || unit);
    } catch (e) {
      return Verdict("incomplete", "That answer cannot be read.");
    }
  }
  function check(text, expected, unit, tolerance, display) {
    var typed = readAnswer(text);
    if (typeof typed === "string") return Verdict("incomplete", typed);
    var target = expected * unit.factor;
    if (!typed.bare && !sameDim(typed.unit.dimension, unit.dimension)) {
      return Verdict("unit", "That is " + kindName(typed.unit.dimension) + " (" + typed.unit.symbol + "); the answer is " + kindName(unit.dimension) + ".");
    }
    var readings = typed.bare
      ? [[typed.number, null], [typed.number * unit.factor, unit], [typed.number * display.factor, display]]
      : [[typed.number * typed.unit.factor, typed.unit]];
    readings = readings.filter(function (r) { return isFinite(r[0]); });
    if (!readings.length) return Verdict("incomplete", "That number is too large.");
    var note = typed.unit.note ? " Note: " + typed.unit.note + "." : "";
    for (var i = 0; i < readings.length; i++) {
      var value = readings[i][0], readAs = readings[i][1];
      if (toleranceAllows(tolerance, value, target)) {
        var how = typed.bare && readAs !== null && readAs.symbol && !sameDim(unit.dimension, NONE) ? " (read as " + readAs.symbol + ")" : "";
        return Verdict("correct", "Correct" + how + "." + note, value);
      }
    }
    var first = readings[0][0];
    return Verdict("incorrect", "Not quite." + note + hint(first, target), first);
  }
  function hint(value, target) {
    if (value === 0 || target === 0 || (value < 0) !== (target < 0)) return "";
    var ratio = Math.abs(value / target);
    if (!(isFinite(ratio) && ratio > 0)) return "";
    for (var n = 1; n <= 4; n++) {
      var rs = [powCR(1.024, n), 1 / powCR(1.024, n)];
      for (var j = 0; j < 2; j++) if (Math.abs(ratio / rs[j] - 1) < 0.005) return " Close: check decimal (MB, GB) against binary (MiB, GiB) units.";
    }
    if (Math.abs(ratio / 8 - 1) < 0.01 || Math.abs(ratio * 8 - 1) < 0.01) return " Off by 8: bits against bytes?";
    var exponent = log10(ratio);
    if (Math.abs(exponent - roundHalfEven(exponent)) < 0.004 && roundHalfEven(exponent) !== 0) return " Off by a power of ten: check the prefix or the units.";
    return "";
  }

  // ---------------------------------------------------------------------------------------------
  // The compute block (compute.py)

  var RANDOM_TRIES = 100;  // draws of "New numbers" that may miss a block's require lines
  var BLOCK_KEYWORDS = { param: 1, preset: 1, "require": 1, answer: 1, unit: 1, show: 1, digits: 1, tolerance: 1, expect: 1 };
  // (the brackets as \x5b \x5d: a backslash and a bracket in the inlined text would make clients load MathJax)
  var UNIT_SUFFIX_RE = new RegExp(S + "*\\x5b([^\\x5b\\x5d]*)\\x5d$");  // 'param w = 16 in 1..80 [GB]', 'kv = 2 * n [B]'
  var SETTINGS = ["unit", "show", "digits", "tolerance", "expect"];
  var NUM = "[+-]?(?:[0-9][0-9_]*(?:\\.[0-9]*)?|\\.[0-9]+)(?:[eE][+-]?[0-9]+)?";
  var NUM_FULL = new RegExp("^" + NUM + "$");
  var ANY = "[^\\n]*";  // Python's '.': anything but a line break
  var PARAM_RE = new RegExp("^(param" + S + "+)(\\w+)(" + S + "*=" + S + "*)(" + NUM + ")(" + S + "+)(" + ANY + ")$");
  var RANGE_RE = new RegExp("^(in" + S + "+)(" + NUM + ")(" + S + "*\\.\\." + S + "*)(" + NUM + ")(" + ANY + ")$");
  var CHOICE_RE = new RegExp("^(" + S + "*)(" + NUM + ")(" + S + "*)(?:\"([^\"]*)\")?(" + S + "*)(?:,|$)");
  var PRESET_RE = new RegExp("^(preset" + S + "+\")([^\"]+)(\"" + S + "*:" + S + "*)(" + ANY + ")$");
  var ASSIGN_RE = new RegExp("^(" + S + "*)(\\w+)(" + S + "*=" + S + "*)(" + NUM + ")(" + S + "*(?:,|$))");
  var SETTING_RE = new RegExp("^([a-z]+)(" + S + "*:" + S + "*)(" + ANY + ")$");
  var WORD_RE = /^[A-Za-z_]\w*/;
  var VARIABLE_RE = new RegExp("^([A-Za-z_]\\w*)(" + S + "*=(?!=)" + S + "*)(" + ANY + ")$");

  function blockNumber(text, at) {  // compute._number: not finite raises ComputeError at `at` (a ValueError without)
    var value = pyFloat(text.replace(/_/g, ""));
    if (value === undefined) throw new PyValueError(text);
    if (!isFinite(value)) {
      if (at === undefined) throw new PyValueError(text);
      throw ComputeError("number " + text + " is too large (not finite)", at, text.length);
    }
    return value;
  }

  function Parameter(name, defaultValue, low, high, step, integer, choices) {
    this.name = name;
    this["default"] = defaultValue;
    this.low = low === undefined ? null : low;
    this.high = high === undefined ? null : high;
    this.step = step === undefined ? null : step;
    this.integer = !!integer;
    this.choices = choices || [];
  }
  Parameter.prototype = {
    problem: function (value) {
      if (this.choices.length) {
        for (var i = 0; i < this.choices.length; i++) if (value === this.choices[i].value) return null;
        return this.name + " must be one of " + this.choices.map(function (c) { return formatNumber(c.value); }).join(", ");
      }
      if (this.integer && value !== trunc(value)) return this.name + " must be a whole number";
      if (this.low !== null && this.high !== null && !(this.low <= value && value <= this.high)) {
        return this.name + " must be between " + formatNumber(this.low) + " and " + formatNumber(this.high);
      }
      return null;
    },
    randomValue: function (rng) {  // only rng() (a float in [0, 1)): Python's random_value draws the same way
      if (this.choices.length) return this.choices[Math.min(Math.floor(rng() * this.choices.length), this.choices.length - 1)].value;
      var low = this.low, high = this.high, value;
      if (low > 0 && high / low > 100) {
        var a = logCR(low), b = logCR(high);
        value = expCR(a + (b - a) * rng());
      } else value = low + (high - low) * rng();
      if (this.step) {
        var count = Math.floor((high - low) / this.step + 1e-9);
        value = low + Math.min(Math.max(roundHalfEven((value - low) / this.step), 0), count) * this.step;
      } else if (this.integer) {
        value = Math.min(Math.max(roundHalfEven(value), Math.ceil(low)), Math.floor(high)) + 0;
      } else {
        value = Number(pyG(value, 3));
      }
      return Math.min(Math.max(value, low), high);
    },
    toJSON: function () {
      var data = { name: this.name, "default": this["default"] };
      if (this.choices.length) data.choices = this.choices.map(function (c) { return { value: c.value, label: c.label }; });
      else {
        data.min = this.low;
        data.max = this.high;
        data.step = this.step || (this.integer ? 1 : null);
        data.integer = this.integer;
      }
      return data;
    }
  };

  function stripComment(line) {
    if (line.indexOf("#") < 0) return line;
    var inQuotes = false;
    for (var i = 0; i < line.length; i++) {
      var ch = line.charAt(i);
      if (ch === '"') inQuotes = !inQuotes;
      else if (ch === "#" && !inQuotes) return line.slice(0, i);
    }
    return line;
  }
  function inQuotes(line, index) {
    var n = 0;
    for (var i = 0; i < index; i++) if (line.charAt(i) === '"') n++;
    return n % 2 === 1;
  }
  function isAscii(s) { return !/[^\x00-\x7f]/.test(s); }

  // difflib.get_close_matches(word, possibilities, n=1, cutoff) as CPython 3.11 has it: SequenceMatcher's
  // ratio() (no junk function; autojunk drops the popular characters of a word of 200 or more). The
  // quick_ratio and real_quick_ratio filters are upper bounds of ratio(), so leaving them out changes nothing.
  function matchingCharacters(a, b) {  // the sum of get_matching_blocks() sizes for SequenceMatcher(None, a, b)
    var b2j = dict(), i, j, elt;
    for (j = 0; j < b.length; j++) { elt = b.charAt(j); if (!has(b2j, elt)) b2j[elt] = []; b2j[elt].push(j); }
    if (b.length >= 200) {
      var ntest = Math.floor(b.length / 100) + 1, popular = [];
      for (elt in b2j) if (b2j[elt].length > ntest) popular.push(elt);
      for (i = 0; i < popular.length; i++) delete b2j[popular[i]];
    }
    function longest(alo, ahi, blo, bhi) {
      var besti = alo, bestj = blo, bestsize = 0, j2len = dict();
      for (var i = alo; i < ahi; i++) {
        var newj2len = dict(), js = has(b2j, a.charAt(i)) ? b2j[a.charAt(i)] : [];
        for (var n = 0; n < js.length; n++) {
          var jj = js[n];
          if (jj < blo) continue;
          if (jj >= bhi) break;
          var k = newj2len[jj] = (has(j2len, jj - 1) ? j2len[jj - 1] : 0) + 1;
          if (k > bestsize) { besti = i - k + 1; bestj = jj - k + 1; bestsize = k; }
        }
        j2len = newj2len;
      }
      while (besti > alo && bestj > blo && a.charAt(besti - 1) === b.charAt(bestj - 1)) { besti--; bestj--; bestsize++; }
      while (besti + bestsize < ahi && bestj + bestsize < bhi && a.charAt(besti + bestsize) === b.charAt(bestj + bestsize)) bestsize++;
      return [besti, bestj, bestsize];
    }
    var queue = [[0, a.length, 0, b.length]], total = 0;
    while (queue.length) {
      var q = queue.pop(), m = longest(q[0], q[1], q[2], q[3]);
      if (m[2]) {
        total += m[2];
        if (q[0] < m[0] && q[2] < m[1]) queue.push([q[0], m[0], q[2], m[1]]);
        if (m[0] + m[2] < q[1] && m[1] + m[2] < q[3]) queue.push([m[0] + m[2], q[1], m[1] + m[2], q[3]]);
      }
    }
    return total;
  }
  function closeMatch(word, possibilities, cutoff) {  // the best of get_close_matches(word, possibilities, 1, cutoff), or null
    var best = null, bestRatio = -1;
    for (var i = 0; i < possibilities.length; i++) {
      var x = possibilities[i], length = x.length + word.length;
      var ratio = length ? 2.0 * matchingCharacters(x, word) / length : 1.0;
      if (ratio >= cutoff && (ratio > bestRatio || (ratio === bestRatio && x > best))) { best = x; bestRatio = ratio; }
    }
    return best;
  }

  function BlockParser(source, limits) {
    this.source = source;
    this.limits = limits;
    this.parameters = [];
    this.presets = [];
    this.variables = [];
    this.defined = dict();
    this.answer = null;
    this.answerOffset = 0;
    this.settings = dict();
    this.requires = [];
    this.units = [];
  }
  BlockParser.prototype = {
    parse: function () {
      var offset = 0, lines = this.source.split("\n");
      if (lines.length > this.limits.maxBlockLines) throw ComputeError("compute block has more than " + this.limits.maxBlockLines + " lines", 0, 1);
      for (var i = 0; i < lines.length; i++) {
        this.statement(lines[i], offset);
        offset += lines[i].length + 1;
      }
      return this.finish();
    },
    statement: function (raw, start) {
      var code = stripComment(rstripChars(raw, "\r"));
      var stripped = strip(code);
      if (!stripped) return;
      var at = start + (code.length - lstrip(code).length);
      if (!isAscii(code)) {
        for (var i = 0; i < code.length; i++) {
          var cp = codePointAt(code, i);
          if (cp > 126 && !inQuotes(code, i)) {
            var e = ComputeError("unexpected character " + repr(fromCodePoint(cp)) + " (U+" + upperHex(cp, 4) + "); use plain ASCII outside quotes", start + i, 1);
            throw e;
          }
          if (cp > 0xffff) i++;
        }
      }
      var first = WORD_RE.exec(stripped), word = first ? first[0] : "";
      var unit = null, u;
      if (stripped.charAt(stripped.length - 1) === "]" && SETTINGS.indexOf(word) < 0 && word !== "answer" && word !== "preset" &&
          (u = UNIT_SUFFIX_RE.exec(stripped))) {
        var unitText = u[1], unitAt = u.index + u[0].length - 1 - unitText.length;
        unit = parseUnit(unitText);
        if (unit === null || !strip(unitText)) {
          throw ComputeError("unknown unit " + repr(strip(unitText)) + " in '[...]' (a unit such as [B], [GB/s], [tokens])",
            at + unitAt, Math.max(1, unitText.length));
        }
        stripped = rstrip(stripped.slice(0, u.index));
      }
      if (word === "param") {
        this.param(stripped, at);
        if (unit !== null) this.units.push([this.parameters[this.parameters.length - 1].name, unit]);
        return;
      }
      if (word === "preset") { this.preset(stripped, at); return; }
      if (word === "require") { this.requirement(stripped, at); return; }
      var m = SETTINGS.indexOf(word) < 0 ? VARIABLE_RE.exec(stripped) : null;
      if (word === "answer" && m) {
        if (this.answer !== null) throw ComputeError("the block has a second 'answer' line; a card has one answer", at, stripped.length);
        var exprAt = at + m[1].length + m[2].length;
        this.answer = this.expression(m[3], exprAt);
        this.answerOffset = exprAt;
      } else if (SETTINGS.indexOf(word) >= 0) {
        var sm = SETTING_RE.exec(stripped);
        if (!sm || sm[1] !== word) throw ComputeError("write settings as '" + word + ": value'", at, stripped.length);
        if (has(this.settings, word)) throw ComputeError("'" + word + "' is set twice", at, word.length);
        var value = strip(sm[3]);
        if (!value) throw ComputeError("'" + word + ":' needs a value", at, stripped.length);
        var valueAt = at + sm[1].length + sm[2].length + (sm[3].length - lstrip(sm[3]).length);
        this.settings[word] = [value, valueAt, value.length];
      } else if (m) {
        var name = this.define(m[1], at);
        var off = at + m[1].length + m[2].length;
        this.variables.push({ name: name, expression: this.expression(m[3], off), offset: off });
        if (unit !== null) this.units.push([name, unit]);
      } else {
        throw ComputeError("expected 'param ...', 'preset ...', 'name = expression', 'answer = expression' " +
          "or a setting (" + SETTINGS.map(function (s) { return s + ":"; }).join(", ") + ")", at, stripped.length);
      }
    },
    define: function (name, at) {
      if (!isName(name)) throw ComputeError(repr(name) + " is not a valid name (a letter, then letters, digits or '_')", at, name.length);
      if (has(BLOCK_KEYWORDS, name) || has(RESERVED, name)) throw ComputeError(repr(name) + " is a reserved word and cannot be a name", at, name.length);
      if (has(this.defined, name)) throw ComputeError(repr(name) + " is already defined", at, name.length);
      this.defined[name] = at;
      return name;
    },
    expression: function (text, at) {
      var expr;
      try { expr = parseExpressionInner(text, this.limits); }
      catch (e) { if (isComputeError(e)) { e.offset += at; } throw e; }
      var names = expr.names.slice().sort();
      for (var i = 0; i < names.length; i++) {
        var n = names[i];
        if (!has(this.defined, n)) {
          var close = closeMatch(n, Object.keys(this.defined).sort(), 0.6);
          var hintText = close !== null ? " (did you mean " + repr(close) + "?)" : n !== "answer" ? " (names must be defined on an earlier line)" : "";
          throw ComputeError("unknown name " + repr(n) + hintText, at + findName(text, n), n.length);
        }
      }
      return expr;
    },
    param: function (line, at) {
      if (this.parameters.length >= this.limits.maxParameters) throw ComputeError("more than " + this.limits.maxParameters + " parameters", at, line.length);
      var m = PARAM_RE.exec(line);
      if (!m) {
        throw ComputeError("write a parameter as 'param name = default in low..high [step s] [integer]' " +
          "or 'param name = default one of 1 \"label\", 2 \"label\"'", at, line.length);
      }
      var nameAt = at + m[1].length, defaultAt = nameAt + m[2].length + m[3].length, restAt = defaultAt + m[4].length + m[5].length;
      var name = this.define(m[2], nameAt);
      var defaultValue = blockNumber(m[4], defaultAt);
      var rest = m[6], parameter;
      if (rest.indexOf("one of") === 0) parameter = new Parameter(name, defaultValue, null, null, null, false, this.choices(rest.slice(6), restAt + 6));
      else parameter = this.range(name, defaultValue, rest, restAt);
      var problem = parameter.problem(defaultValue);
      if (problem) throw ComputeError("default " + formatNumber(defaultValue) + " is not allowed: " + problem, defaultAt, m[4].length);
      this.parameters.push(parameter);
    },
    range: function (name, defaultValue, rest, at) {
      var m = RANGE_RE.exec(rest);
      if (!m) throw ComputeError("expected 'in low..high' or 'one of ...' after the default", at, rest.length);
      var lowAt = at + m[1].length, highAt = lowAt + m[2].length + m[3].length, optsAt = highAt + m[4].length;
      var low = blockNumber(m[2], lowAt), high = blockNumber(m[4], highAt);
      if (low > high) throw ComputeError("empty range: " + m[2] + " is above " + m[4], lowAt, highAt + m[4].length - lowAt);
      var step = null, integer = false, optsText = m[5], opts = splitWs(optsText), i = 0;
      while (i < opts.length) {
        if (opts[i] === "integer") { integer = true; i += 1; }
        else if (opts[i] === "step" && i + 1 < opts.length && NUM_FULL.test(opts[i + 1])) {
          step = blockNumber(opts[i + 1], optsAt + optsText.indexOf(opts[i + 1]));
          if (step <= 0) throw ComputeError("step must be positive", optsAt, optsText.length);
          i += 2;
        } else {
          throw ComputeError("unexpected " + repr(opts[i]) + "; after a range come 'step N' and 'integer'", optsAt + optsText.indexOf(opts[i]), opts[i].length);
        }
      }
      if (step !== null && step === trunc(step) && low === trunc(low)) integer = true;
      return new Parameter(name, defaultValue, low, high, step, integer, []);
    },
    choices: function (text, at) {
      var choices = [], pos = 0;
      while (pos < text.length && strip(text.slice(pos))) {
        var m = CHOICE_RE.exec(text.slice(pos));
        if (!m || m[0].length === 0) throw ComputeError('write choices as: one of 0.5 "FP4", 1 "INT8", 2 "BF16"', at + pos, Math.max(1, text.length - pos));
        var valueAt = at + pos + m[1].length, labelRaw = m[4] === undefined ? "" : m[4], label = strip(labelRaw);
        if (cpLength(label) > this.limits.maxLabelChars) {
          var labelAt = valueAt + m[2].length + m[3].length + 1;
          var err = ComputeError("label longer than " + this.limits.maxLabelChars + " characters", labelAt, label.length);
          err.cpLength = cpLength(label);
          throw err;
        }
        var value = blockNumber(m[2], valueAt);
        for (var i = 0; i < choices.length; i++) if (choices[i].value === value) throw ComputeError("choice " + m[2] + " appears twice", valueAt, m[2].length);
        choices.push(freeze({ value: value, label: label || formatNumber(value) }));
        pos += m[0].length;
      }
      if (!choices.length) throw ComputeError("'one of' needs at least one choice", at, 1);
      if (choices.length > this.limits.maxChoices) throw ComputeError("more than " + this.limits.maxChoices + " choices", at, text.length);
      return choices;
    },
    preset: function (line, at) {
      if (this.presets.length >= this.limits.maxPresets) throw ComputeError("more than " + this.limits.maxPresets + " presets", at, line.length);
      var m = PRESET_RE.exec(line);
      if (!m) throw ComputeError('write a preset as: preset "Label": name = value, name = value', at, line.length);
      var label = strip(m[2]), labelAt = at + m[1].length;
      if (cpLength(label) > this.limits.maxLabelChars) {
        var err = ComputeError("label longer than " + this.limits.maxLabelChars + " characters", labelAt, label.length);
        err.cpLength = cpLength(label);
        throw err;
      }
      for (var i = 0; i < this.presets.length; i++) {
        if (this.presets[i].label === label) {
          var dup = ComputeError("preset " + repr(label) + " is defined twice", labelAt, label.length);
          dup.cpLength = cpLength(label);
          throw dup;
        }
      }
      var rest = m[4], restAt = labelAt + m[2].length + m[3].length, values = [], pos = 0;
      while (pos < rest.length && strip(rest.slice(pos))) {
        var a = ASSIGN_RE.exec(rest.slice(pos));
        if (!a || a[0].length === 0) throw ComputeError("write preset values as: name = number, name = number", restAt + pos, Math.max(1, rest.length - pos));
        var nameAt = restAt + pos + a[1].length, valueAt = nameAt + a[2].length + a[3].length;
        var name = a[2], value = blockNumber(a[4], valueAt), parameter = null;
        for (var j = 0; j < this.parameters.length; j++) if (this.parameters[j].name === name) { parameter = this.parameters[j]; break; }
        if (parameter === null) throw ComputeError("preset sets " + repr(name) + ", which is not a parameter defined above", nameAt, name.length);
        var problem = parameter.problem(value);
        if (problem) throw ComputeError("preset " + repr(label) + ": " + problem, valueAt, a[4].length);
        values.push([name, value]);
        pos += a[0].length;
      }
      if (!values.length) throw ComputeError("a preset needs at least one 'name = value'", at, line.length);
      this.presets.push({ label: label, values: values });
    },
    requirement: function (line, at) {  // a "require EXPRESSION" line
      var text = line.slice("require".length);
      if (!strip(text) || !new RegExp("^" + S).test(text)) throw ComputeError("write a requirement as: require num_kv_heads <= num_q_heads", at, line.length);
      if (this.variables.length || this.answer !== null) throw ComputeError("'require' lines come before the variables and the answer", at, line.length);
      var offset = at + "require".length + (text.length - lstrip(text).length);
      var expression = this.expression(strip(text), offset);  // only parameters are defined before it
      this.requires.push({ text: strip(text), expression: expression, offset: offset });
    },
    unitSetting: function (key) {
      if (!has(this.settings, key)) return null;
      var s = this.settings[key], unit = parseUnit(s[0]);
      if (unit === null) {
        throw ComputeError("unknown unit " + repr(s[0]) + " (known: B, kB, MB, GB, KiB, MiB, GiB, bit, s, ms, \u00b5s, ns, Hz, GHz, x, %, tokens, FLOP, TFLOPS, blocks, requests, $ and a/b)", s[1], s[2]);
      }
      return [unit, s[1], s[2]];
    },
    finish: function () {
      if (this.answer === null) {
        throw ComputeError("this compute block has no 'answer = expression' line: add one, the value the " +
          "learner computes (answer = ...)", 0, this.source.split("\n")[0].length);
      }
      var unitSetting = this.unitSetting("unit"), unit = unitSetting ? unitSetting[0] : PLAIN;
      var displaySetting = this.unitSetting("show"), display = displaySetting ? displaySetting[0] : unit;
      if (displaySetting && !sameDim(display.dimension, unit.dimension)) {
        throw ComputeError("show: " + display.symbol + " is not the same kind of quantity as unit: " + (unit.symbol || "(none)"), displaySetting[1], displaySetting[2]);
      }
      var digits = null;
      if (has(this.settings, "digits")) {
        var d = this.settings.digits;
        if (!/^[0-9]+$/.test(d[0]) || !(parseInt(d[0], 10) >= 1 && parseInt(d[0], 10) <= 15)) {
          throw ComputeError("digits: takes a whole number of significant figures from 1 to 15", d[1], d[2]);
        }
        digits = parseInt(d[0], 10);
      }
      var tolerance = this.tolerance(unit), expect = null;
      if (has(this.settings, "expect")) { var x = this.settings.expect; expect = { text: x[0], offset: x[1], length: x[2] }; }
      var model = new ComputeModel(this.source, this.parameters, this.presets, this.variables,
        { expression: this.answer, unit: unit, display: display, digits: digits, tolerance: tolerance, offset: this.answerOffset }, expect, this.limits,
        this.requires, this.units);
      this.checkRequirements(model);
      return model;
    },
    checkRequirements: function (model) {  // the defaults, and every preset put over them, meet every require line
      if (!model.requires.length) return;
      var defaults = model.defaults(), unmet = model.unmet(defaults);
      if (unmet !== null) throw ComputeError("the default values: " + model.requirementProblem(defaults), unmet.offset, unmet.text.length);
      for (var i = 0; i < model.presets.length; i++) {
        var preset = model.presets[i], values = {}, k;
        for (k in defaults) values[k] = defaults[k];
        for (k = 0; k < preset.values.length; k++) values[preset.values[k][0]] = preset.values[k][1];
        var problem = model.requirementProblem(values);
        if (problem) {
          var text = 'preset "' + preset.label + '"', where = this.source.indexOf(text);
          var err = ComputeError("preset " + repr(preset.label) + " (with the defaults for the rest): " + problem, Math.max(where, 0), text.length);
          if (where < 0) err.cpLength = cpLength(text);
          throw err;
        }
      }
    },
    tolerance: function (unit) {
      if (!has(this.settings, "tolerance")) return Tolerance();
      var s = this.settings.tolerance, text = s[0], at = s[1], length = s[2];
      if (text.charAt(text.length - 1) === "%") {
        var relative;
        try { relative = blockNumber(strip(text.slice(0, -1))) / 100; }
        catch (e) {
          if (e instanceof PyValueError) throw ComputeError("tolerance: write a percentage like 1% or an amount like 0.5 MB", at, length);
          throw e;
        }
        if (!(relative >= 0 && relative < 1)) throw ComputeError("tolerance: a relative tolerance must be from 0% to below 100%", at, length);
        return Tolerance(relative, null);
      }
      var typed = readAnswer(text);
      if (typeof typed === "string") throw ComputeError("tolerance: " + typed, at, length);
      var tUnit = typed.bare ? unit : typed.unit;
      if (!sameDim(tUnit.dimension, unit.dimension)) throw ComputeError("tolerance: " + typed.unit.symbol + " is not the same kind of quantity as unit: " + unit.symbol, at, length);
      if (typed.number < 0) throw ComputeError("tolerance: must not be negative", at, length);
      return Tolerance(0.01, typed.number * tUnit.factor);
    }
  };
  function findName(text, name) {  // re.search(rf"(?<![\w.]){name}(?!\w)", text): no lookbehind in ES5
    var from = 0;
    while (true) {
      var i = text.indexOf(name, from);
      if (i < 0) return 0;
      var before = i > 0 ? text.charAt(i - 1) : "", after = text.charAt(i + name.length);
      if (!/[\w.]/.test(before) && !/\w/.test(after)) return i;
      from = i + 1;
    }
  }

  function ComputeModel(source, parameters, presets, variables, answer, expect, limits, requires, units) {
    this.source = source;
    this.requires = requires || [];
    this.units = units || [];  // [name, unit] of the parameters and variables written with a '[unit]'
    this.parameters = parameters;
    this.presets = presets;
    this.variables = variables;
    this.answer = answer;
    this.expect = expect;
    this.limits = limits;
    var names = parameters.map(function (p) { return p.name; }).concat(variables.map(function (v) { return v.name; }));
    names.push("answer");
    this.names = names.filter(function (n, i) { return names.indexOf(n) === i; }).sort();
  }
  ComputeModel.prototype = {
    parameter: function (name) {
      for (var i = 0; i < this.parameters.length; i++) if (this.parameters[i].name === name) return this.parameters[i];
      return null;
    },
    defaults: function () {
      var out = {};
      for (var i = 0; i < this.parameters.length; i++) out[this.parameters[i].name] = this.parameters[i]["default"];
      return out;
    },
    unitOf: function (name) {  // the answer's unit:, a '[unit]' on the name's line, else null
      if (name === "answer") return this.answer.unit;
      for (var i = 0; i < this.units.length; i++) if (this.units[i][0] === name) return this.units[i][1];
      return null;
    },
    unmet: function (values) {  // the first require line that values fail, or null; throws ComputeError (internal offsets)
      if (!this.requires.length) return null;
      var named = this.requires.map(function (r, i) { return [" require" + i, r.expression, r.offset]; });
      var env = evaluateInOrder(named, values, this.limits);  // one step budget for all of them
      for (var i = 0; i < this.requires.length; i++) {
        var v = env[" require" + i];
        if (v === 0 || v === false) return this.requires[i];
      }
      return null;
    },
    requirementProblem: function (values) {
      var r = this.unmet(values);
      if (r === null) return null;
      var names = r.expression.names.slice().sort();
      return "these values do not meet 'require " + r.text + "' (" + names.map(function (n) { return n + " = " + formatNumber(values[n]); }).join(", ") + ")";
    },
    validateValues: function (values) {
      var self = this;
      return guard(function () { return self.resolve(values); }, this.source);
    },
    resolve: function (values) {
      var resolved = this.defaults();
      if (values) {
        for (var name in values) {
          if (!has(values, name)) continue;
          var raw = values[name], parameter = this.parameter(name);
          if (parameter === null) throw ComputeError("unknown parameter " + repr(cpSlice(String(name), 40)), 0, 1);
          if (typeof raw !== "number" || !isFinite(raw)) throw ComputeError(name + " must be a number", 0, 1);
          var problem = parameter.problem(raw);
          if (problem) throw ComputeError(problem, 0, 1);
          resolved[name] = raw;
        }
      }
      var unmetProblem = this.requirementProblem(resolved);
      if (unmetProblem) throw ComputeError(unmetProblem, 0, 1);
      return resolved;
    },
    evaluate: function (values) {
      var named = this.variables.map(function (v) { return [v.name, v.expression, v.offset]; });
      named.push(["answer", this.answer.expression, this.answer.offset]);
      var self = this;
      return guard(function () {
        var env = evaluateInOrder(named, self.resolve(values), self.limits), out = {};
        for (var k in env) out[k] = env[k];
        return out;
      }, this.source);
    },
    check: function (text, values) {
      var expected = this.evaluate(values).answer, a = this.answer;
      return checkAnswer(text, expected, a.unit, a.tolerance, a.display);
    },
    expectedText: function (env) {
      var a = this.answer;
      return formatQuantity(env.answer * a.unit.factor, a.display, a.digits);
    },
    exactText: function (env) {
      var a = this.answer, value = env.answer;
      return formatQuantity(value * a.unit.factor, a.unit, value === trunc(value) ? null : 10, true);
    },
    expectProblem: function (env) {
      if (this.expect === null) return null;
      var typed = readAnswer(this.expect.text);
      if (typeof typed === "string") return "expect: " + typed;
      if (!env) env = this.evaluate();
      var a = this.answer, verdict = checkAnswer(this.expect.text, env.answer, a.unit, a.tolerance, a.display);
      if (verdict.state === "correct") return null;
      if (verdict.state === "unit") return "expect: " + verdict.message;
      var shown = this.expectedText(env), exact = this.exactText(env);
      var both = shown === exact ? shown : shown + " (" + exact + ")";
      return "expect says " + strip(this.expect.text) + " but the answer at the defaults is " + both + "; tolerance " + toleranceDescribe(a.tolerance, a.unit);
    },
    randomValues: function (rng) {
      rng = rng || Math.random;
      var self = this;
      return guard(function () {
        for (var t = 0; t < (self.requires.length ? RANDOM_TRIES : 1); t++) {
          var out = {};
          for (var i = 0; i < self.parameters.length; i++) out[self.parameters[i].name] = self.parameters[i].randomValue(rng);
          if (!self.requires.length || self.requirementProblem(out) === null) return out;
        }
        return self.defaults();
      }, this.source);
    },
    worked: function (env, latex) {
      var inline = dict(), sizes = dict();
      for (var i = 0; i < this.variables.length; i++) {
        var v = this.variables[i], sd = expanded(v.expression.root, sizes);
        if (sd[0] <= WORKED_MAX_NODES && sd[1] <= WORKED_MAX_DEPTH) { inline[v.name] = v.expression.root; sizes[v.name] = sd; }
      }
      if (expanded(this.answer.expression.root, sizes)[0] > WORKED_MAX_ANSWER_NODES) inline = dict();
      return new Renderer(env, inline, !!latex).render(this.answer.expression.root, 0);
    },
    toJSON: function () {
      return {
        parameters: this.parameters.map(function (p) { return p.toJSON(); }),
        presets: this.presets.map(function (p) {
          var values = {};
          for (var i = 0; i < p.values.length; i++) values[p.values[i][0]] = p.values[i][1];
          return { label: p.label, values: values };
        }),
        unit: this.answer.unit.symbol,
        show: this.answer.display.symbol
      };
    }
  };
  function guard(f, source) {  // internal UTF-16 offsets -> public code points
    try { return f(); } catch (e) { if (isComputeError(e) && !e.isPublic) { var p = publicError(e, source); p.isPublic = true; throw p; } throw e; }
  }

  function parseCompute(source, limits) {
    limits = limitsOf(limits);
    if (typeof source !== "string") throw ComputeError("the compute block must be text", 0, 1);
    var chars = cpLength(source);
    if (chars > limits.maxBlockChars) {
      throw ComputeError("compute block is " + fmtInt(chars) + " characters; the limit is " + fmtInt(limits.maxBlockChars), limits.maxBlockChars, 1);
    }
    return guard(function () { return new BlockParser(source, limits).parse(); }, source);
  }

  // ---------------------------------------------------------------------------------------------
  // The worked formula (compute._Renderer)

  var WORKED_MAX_NODES = 120, WORKED_MAX_DEPTH = 40, WORKED_MAX_ANSWER_NODES = 400;
  var PRECEDENCE = { or: 1, and: 2, not: 3, cmp: 4, "+": 5, "-": 5, "*": 6, "/": 6, "//": 6, "%": 6, neg: 7, "**": 8 };
  var TEXT_OPS = { "*": " \u00d7 ", "/": " / ", "+": " + ", "-": " \u2212 ", "//": " // ", "%": " mod ", and: " and ", or: " or " };
  var LATEX_OPS = { "*": " \\times ", "+": " + ", "-": " - ", "//": " \\mathbin{//} ", "%": " \\bmod ", and: " \\land ", or: " \\lor " };
  var CMP_TEXT = { "<": " < ", "<=": " \u2264 ", ">": " > ", ">=": " \u2265 ", "==": " = ", "!=": " \u2260 " };
  var CMP_LATEX = { "<": " < ", "<=": " \\le ", ">": " > ", ">=": " \\ge ", "==": " = ", "!=": " \\ne " };
  var LATEX_FUNCTIONS = { min: "\\min", max: "\\max", exp: "\\exp", log: "\\log", log2: "\\log_2", log10: "\\log_{10}" };

  function children(node) {
    switch (node.t) {
      case "Unary": return [node.operand];
      case "Binary": return [node.left, node.right];
      case "Compare": return node.operands;
      case "Conditional": return [node.test, node.then, node.otherwise];
      case "Call": return node.args;
      case "Argmax": return [node.low, node.high, node.body];
    }
    return [];
  }
  function expanded(node, inlined) {
    if (node.t === "Name" && node.name in inlined) return inlined[node.name];
    var size = 1, depth = 0, kids = children(node);
    for (var i = 0; i < kids.length; i++) {
      var sd = expanded(kids[i], inlined);
      size += sd[0];
      depth = Math.max(depth, sd[1]);
    }
    return [size, depth + 1];
  }
  function Renderer(values, inline, latex) {
    this.values = values;
    this.inline = inline;
    this.latex = latex;
  }
  Renderer.prototype = {
    number: function (value) {
      var text = formatNumber(value);
      if (this.latex) text = text.replace(/,/g, "{,}");
      return value < 0 ? "(" + text + ")" : text;
    },
    render: function (node, parent) {
      var r = this.node(node), text = r[0], own = r[1];
      if (own < (parent || 0)) return this.latex ? "\\left(" + text + "\\right)" : "(" + text + ")";
      return text;
    },
    node: function (node) {
      var latex = this.latex, self = this;
      switch (node.t) {
        case "Number": return [this.number(node.value), 9];
        case "Name":
          if (node.name in this.inline) return this.node(this.inline[node.name]);
          var has_ = this.values && has(this.values, node.name) && this.values[node.name] !== null && this.values[node.name] !== undefined;
          return [has_ ? this.number(this.values[node.name]) : node.name, 9];
        case "Unary":
          if (node.op === "not") return [(latex ? "\\lnot " : "not ") + this.render(node.operand, 3), 3];
          return [(node.op === "-" ? (latex ? "-" : "\u2212") : node.op) + this.render(node.operand, 7), 7];
        case "Binary":
          var p = PRECEDENCE[node.op];
          if (latex && node.op === "/") return ["\\frac{" + this.render(node.left) + "}{" + this.render(node.right) + "}", 9];
          if (node.op === "**") {
            var base = this.render(node.left, 9), exponent = this.render(node.right, latex ? 0 : 8);
            return [latex ? base + "^{" + exponent + "}" : base + "^" + exponent, 8];
          }
          var ops = latex ? LATEX_OPS : TEXT_OPS;
          return [this.render(node.left, p) + ops[node.op] + this.render(node.right, p + 1), p];
        case "Compare":
          var cmp = latex ? CMP_LATEX : CMP_TEXT, parts = [this.render(node.operands[0], 5)];
          for (var i = 0; i < node.ops.length; i++) parts.push(cmp[node.ops[i]] + this.render(node.operands[i + 1], 5));
          return [parts.join(""), 4];
        case "Conditional":
          var word = latex ? ["\\text{ if }", "\\text{ else }"] : [" if ", " else "];
          return [this.render(node.then, 1) + word[0] + this.render(node.test, 1) + word[1] + this.render(node.otherwise, 1), 0];
        case "Call":
          var args = node.args.map(function (a) { return self.render(a); }).join(", ");
          if (latex) {
            if (node.fn === "sqrt") return ["\\sqrt{" + args + "}", 9];
            if (node.fn === "floor" || node.fn === "ceil") return ["\\l" + node.fn + args + "\\r" + node.fn, 9];
            var name = has(LATEX_FUNCTIONS, node.fn) ? LATEX_FUNCTIONS[node.fn] : "\\operatorname{" + node.fn + "}";
            return [name + "\\left(" + args + "\\right)", 9];
          }
          return [node.fn + "(" + args + ")", 9];
        case "Argmax":
          var saved = this.values, without = {};
          for (var k in saved) if (has(saved, k) && k !== node.variable) without[k] = saved[k];
          this.values = without;
          var body;
          try { body = this.render(node.body); } finally { this.values = saved; }
          var lo = this.render(node.low), hi = this.render(node.high);
          if (latex) return ["\\operatorname*{argmax}_{" + node.variable + " \\in [" + lo + ", " + hi + "]} " + body, 9];
          return ["argmax over " + node.variable + " in " + lo + ".." + hi + " of " + body, 9];
      }
      return ["?", 9];
    }
  };

  // ---------------------------------------------------------------------------------------------
  // Placeholders (placeholders.py)

  var INNER_RE = new RegExp("^(" + S + "*)([A-Za-z][A-Za-z0-9_]*)(" + S + "*)(?:(:" + S + "*)([^:]*?)(" + S + "*))?(?:(:" + S + "*)([0-9]{1,2})(" + S + "*))?$");

  function Placeholder(name, unit, digits) {
    var key = digits !== null ? name + ":" + unit + ":" + digits : unit ? name + ":" + unit : name;
    return freeze({ name: name, unit: unit, digits: digits, key: key });
  }
  function parsePlaceholder(inner) {
    var m = INNER_RE.exec(inner);
    if (!m) throw ComputeError("a placeholder is {{name}}, {{name:unit}}, {{name:unit:digits}} or {{name:label}}", 0, cpLength(inner));
    var unit = m[5] || "", unitAt = m[1].length + m[2].length + m[3].length + (m[4] || "").length;
    if (unit && unit !== "label" && parseUnit(unit) === null) {
      throw publicError(ComputeError("unknown unit " + repr(unit) + " in placeholder", unitAt, unit.length), inner);
    }
    var digits = m[8] ? parseInt(m[8], 10) : null;
    if (digits !== null && !(digits >= 1 && digits <= 15)) {
      var digitsAt = unitAt + (m[5] || "").length + (m[6] || "").length + m[7].length;
      throw publicError(ComputeError("digits must be from 1 to 15", digitsAt, m[8].length), inner);
    }
    return Placeholder(m[2], unit, digits);
  }
  function placeholderProblem(placeholder, model) {
    if (!model) return "placeholder {{" + placeholder.name + "}} needs a compute block in the card";
    if (model.names.indexOf(placeholder.name) < 0) {
      return "unknown name " + repr(placeholder.name) + " in placeholder (this card has: " + model.names.join(", ") + ")";
    }
    if (placeholder.unit === "label") {
      var parameter = model.parameter(placeholder.name);
      if (parameter === null || !parameter.choices.length) return "{{" + placeholder.name + ":label}} needs a parameter with choices";
      return null;
    }
    if (placeholder.unit) {
      var unit = parseUnit(placeholder.unit), base = model.unitOf(placeholder.name);
      if (unit !== null && base !== null && !sameDim(unit.dimension, base.dimension)) {
        var whose = placeholder.name === "answer" ? "the answer's unit" : placeholder.name + "'s unit";
        return placeholder.unit + " is not the same kind of quantity as " + whose + " " + (base.symbol || "(none)");
      }
    }
    return null;
  }
  function formatPlaceholder(placeholder, model, env) {
    var value = env[placeholder.name];
    if (placeholder.unit === "label") {
      var parameter = model.parameter(placeholder.name);
      if (parameter) for (var i = 0; i < parameter.choices.length; i++) if (parameter.choices[i].value === value) return parameter.choices[i].label;
      return formatNumber(value);
    }
    if (placeholder.name === "answer") {
      var a = model.answer, unit = placeholder.unit ? parseUnit(placeholder.unit) : a.display;
      var digits = placeholder.digits !== null ? placeholder.digits : a.digits;
      return formatQuantity(value * a.unit.factor, unit || a.display, digits);
    }
    if (placeholder.unit) {
      var u = parseUnit(placeholder.unit);
      if (u !== null) {
        var base = model.unitOf(placeholder.name);  // a '[unit]' on its line: its values are in that unit
        return formatQuantity(value * (base ? base.factor : 1.0), u, placeholder.digits);
      }
    }
    return formatNumber(value, placeholder.digits);
  }

  // Placeholders inside math (placeholders.tex_value, TEX_KEY): the value as TeX
  var TEX_KEY = "$";  // a key asked for with this in front gets its value as TeX
  var TEX_NUMBER = /^(-?[0-9][0-9,]*(?:\.[0-9]+)?)(?:e([+-]?[0-9]+))?/;
  var TEX_TEXT_ESCAPES = { "{": "\\{", "}": "\\}", "%": "\\%", "$": "\\$", "#": "\\#", "&": "\\&", "_": "\\_",
    "\\": "\\textbackslash{}", "^": "\\hat{}", "~": "\\sim{}" };
  function texText(text) {
    var out = "";
    for (var i = 0; i < text.length; i++) { var c = text.charAt(i); out += has(TEX_TEXT_ESCAPES, c) ? TEX_TEXT_ESCAPES[c] : c; }
    return out;
  }
  function texValue(text) {  // "4,096" -> "4{,}096", "536.9 MB" -> "536.9\\,\\mathrm{MB}", a label -> "\\text{...}"
    var m = TEX_NUMBER.exec(text);
    if (m === null) return "\\text{" + texText(text) + "}";
    var number = m[1].replace(/,/g, "{,}");
    if (m[2] !== undefined && m[2] !== "") number += " \\times 10^{" + String(parseInt(m[2], 10)) + "}";
    var rest = text.slice(m[0].length);
    if (!rest) return number;
    if (rest === "%") return number + "\\%";
    if (rest === "\u00d7") return number + "{\\times}";
    return number + "\\,\\mathrm{" + texText(strip(rest)) + "}";
  }
  function formatKeys(keys, model, env) {
    var texts = {};
    for (var i = 0; i < keys.length && i < 200; i++) {
      var key = keys[i];
      if (typeof key !== "string" || cpLength(key) > 80) continue;
      var placeholder, tex = key.charAt(0) === TEX_KEY;
      try { placeholder = parsePlaceholder(tex ? key.slice(TEX_KEY.length) : key); } catch (e) { if (isComputeError(e)) continue; throw e; }
      if (placeholderProblem(placeholder, model) === null) {
        var text = formatPlaceholder(placeholder, model, env);
        texts[key] = tex ? texValue(text) : text;
      }
    }
    return texts;
  }

  // ---------------------------------------------------------------------------------------------
  // The Compute field's HTML -> the block's source (notetype.compute_source), with regexes only

  var NAMED_REFS = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: "\u00a0" };
  var LEGACY_REFS = { amp: "&", lt: "<", gt: ">", quot: '"', nbsp: "\u00a0" };  // also without ';'
  var WINDOWS_1252 = {
    0x00: "\ufffd", 0x0d: "\r", 0x80: "\u20ac", 0x81: "\x81", 0x82: "\u201a", 0x83: "\u0192", 0x84: "\u201e", 0x85: "\u2026",
    0x86: "\u2020", 0x87: "\u2021", 0x88: "\u02c6", 0x89: "\u2030", 0x8a: "\u0160", 0x8b: "\u2039", 0x8c: "\u0152", 0x8d: "\x8d",
    0x8e: "\u017d", 0x8f: "\x8f", 0x90: "\x90", 0x91: "\u2018", 0x92: "\u2019", 0x93: "\u201c", 0x94: "\u201d", 0x95: "\u2022",
    0x96: "\u2013", 0x97: "\u2014", 0x98: "\u02dc", 0x99: "\u2122", 0x9a: "\u0161", 0x9b: "\u203a", 0x9c: "\u0153", 0x9d: "\x9d",
    0x9e: "\u017e", 0x9f: "\u0178"
  };
  function invalidCodepoint(n) {
    return (n >= 0x1 && n <= 0x8) || (n >= 0xe && n <= 0x1f) || (n >= 0x7f && n <= 0x9f) || (n >= 0xfdd0 && n <= 0xfdef) ||
      n === 0xb || (n & 0xfffe) === 0xfffe;
  }
  var CHARREF = /&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)/g;
  function htmlUnescape(s) {  // html.unescape for numeric references and the entities Anki's editor writes
    if (s.indexOf("&") < 0) return s;
    return s.replace(CHARREF, function (all, ref) {
      if (ref.charAt(0) === "#") {
        var n = ref.charAt(1) === "x" || ref.charAt(1) === "X" ? parseInt(ref.slice(2).replace(";", ""), 16) : parseInt(ref.slice(1).replace(";", ""), 10);
        if (has(WINDOWS_1252, n)) return WINDOWS_1252[n];
        if ((n >= 0xd800 && n <= 0xdfff) || n > 0x10ffff) return "\ufffd";
        if (invalidCodepoint(n)) return "";
        return fromCodePoint(n);
      }
      if (ref.charAt(ref.length - 1) === ";" && has(NAMED_REFS, ref.slice(0, -1))) return NAMED_REFS[ref.slice(0, -1)];
      for (var x = ref.length - 1; x > 1; x--) if (has(LEGACY_REFS, ref.slice(0, x))) return LEGACY_REFS[ref.slice(0, x)] + ref.slice(x);
      if (has(LEGACY_REFS, ref)) return LEGACY_REFS[ref];
      return "&" + ref;
    });
  }
  var FIELD_BREAKS = /<br\s*\/?>|<\/div>\s*<div[^>]*>|<div[^>]*>|<\/div>|<\/p>\s*<p[^>]*>/gi;
  function computeSource(fieldHtml) {
    var text = fieldHtml.replace(FIELD_BREAKS, "\n").replace(/<[^>]*>/g, "");
    return stripChars(htmlUnescape(text).replace(/\u00a0/g, " "), "\n");
  }

  // ---------------------------------------------------------------------------------------------
  // The answer side (answer_side.py): what the add-on's answer panel shows, for the template

  function latexText(text) {
    var escaped = text.replace(/\\/g, "").replace(/\^/g, "").replace(/~/g, "").replace(/([%&#$_{}])/g, "\\$1");
    return "\\text{" + escaped + "}";
  }
  function workedLatex(model, env) {
    var exact = model.exactText(env), expected = model.expectedText(env);
    var latex = model.worked(env, true) + " = " + latexText(exact);
    if (expected !== exact) latex += " \\approx " + latexText(expected);
    return latex;
  }
  function usedValues(model, env) {
    var keys = [];
    model.parameters.forEach(function (p) { keys.push(p.name); if (p.choices.length) keys.push(p.name + ":label"); });
    var texts = formatKeys(keys, model, env);
    return model.parameters.map(function (p) {
      var shown = has(texts, p.name) ? texts[p.name] : "", label = has(texts, p.name + ":label") ? texts[p.name + ":label"] : "";
      if (label && label !== shown) shown = shown + " (" + label + ")";
      return { name: p.name, text: shown };
    });
  }
  function answerVerdict(model, typed, env, tolerance) {
    var a = model.answer;
    if (!strip(typed)) return Verdict("incomplete", "No answer typed.");
    return checkAnswer(typed, env.answer, a.unit, tolerance || a.tolerance, a.display);
  }

  root.ComputeCardsEngine = freeze({
    DEFAULT_LIMITS: DEFAULT_LIMITS,
    UNIT_SPELLINGS: UNIT_SPELLINGS,
    parseCompute: parseCompute,
    parseExpression: parseExpression,
    checkAnswer: checkAnswer,
    readAnswer: readAnswer,
    Tolerance: Tolerance,
    parseUnit: parseUnit,
    formatNumber: formatNumber,
    formatQuantity: formatQuantity,
    parsePlaceholder: parsePlaceholder,
    placeholderProblem: placeholderProblem,
    formatPlaceholder: formatPlaceholder,
    formatKeys: formatKeys,
    TEX_KEY: TEX_KEY,
    texValue: texValue,
    computeSource: computeSource,
    workedLatex: workedLatex,
    usedValues: usedValues,
    answerVerdict: answerVerdict
  });
})(typeof window !== "undefined" ? window : typeof globalThis !== "undefined" ? globalThis : this);
