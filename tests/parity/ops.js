/*
 * The parity operations on the JavaScript side: the same names, inputs and JSON outputs as
 * tests/parity/reference.py on the Python side. Used by replay.js (the shared vectors) and
 * server.js (the differential tests). Node only; this is test code, not shipped.
 */
"use strict";
var fs = require("fs");
var path = require("path");
var vm = require("vm");

var ENGINE_PATH = path.join(__dirname, "..", "..", "addon", "web", "engine.js");

function loadEngine() {
  // A fresh context per load, like a card page: the script defines window.ComputeCardsEngine.
  var sandbox = { Math: Math };
  sandbox.window = sandbox;
  vm.createContext(sandbox);
  vm.runInContext(fs.readFileSync(ENGINE_PATH, "utf8"), sandbox, { filename: "engine.js" });
  return sandbox.ComputeCardsEngine;
}

function number(text) {  // Python's repr of a float back to a number (inf, -inf, nan included)
  if (typeof text === "number") return text;
  if (text === "inf") return Infinity;
  if (text === "-inf") return -Infinity;
  if (text === "nan") return NaN;
  return Number(text);
}

function error(e) {
  if (!e || e.name !== "ComputeError") throw e;
  return { error: { message: e.message, offset: e.offset, length: e.length, syntax: !!e.syntax } };
}

function verdict(v) { return { state: v.state, message: v.message, value: v.value }; }

function makeOps(E) {
  function unitOf(text) { return E.parseUnit(text); }
  function evaluation(model, values, typed) {
    var env;
    try { env = model.evaluate(values); } catch (e) { return error(e); }
    var used = E.usedValues(model, env).map(function (u) { return [u.name, u.text]; });
    return {
      env: env,
      expected: model.expectedText(env),
      exact: model.exactText(env),
      worked: model.worked(env, false),
      worked_tex: model.worked(env, true),
      worked_latex: E.workedLatex(model, env),
      used: used,
      checks: typed.map(function (t) { return verdict(model.check(t, values)); }),
      answer_side: verdict(E.answerVerdict(model, typed.length ? typed[0] : "", env))
    };
  }
  return {
    limits: function () { return E.DEFAULT_LIMITS; },
    spellings: function () { return E.UNIT_SPELLINGS; },
    expr: function (req) {
      var parsed;
      try { parsed = E.parseExpression(req.source); } catch (e) { return error(e); }
      try { return { value: parsed.evaluate(req.env || {}) }; } catch (e) { return error(e); }
    },
    block: function (req) {
      var model;
      try { model = E.parseCompute(req.source); } catch (e) { return error(e); }
      var typed = req.typed || [];
      var out = { model: model.toJSON(), names: model.names, at_defaults: evaluation(model, null, typed) };
      if (out.at_defaults.env) {
        try { out.expect_problem = model.expectProblem(out.at_defaults.env); } catch (e) { out.expect_problem = error(e); }
      }
      if (req.draws) {
        var draws = req.draws.slice(), i = 0;
        var values = model.randomValues(function () { return draws[i++ % draws.length]; });
        out.random = { values: values, evaluation: evaluation(model, values, typed) };
      }
      return out;
    },
    answer: function (req) {
      var t = req.tolerance || {};
      var tolerance = E.Tolerance(t.relative === undefined ? null : t.relative, t.absolute === undefined ? null : t.absolute);
      return verdict(E.checkAnswer(req.text, number(req.expected), unitOf(req.unit), tolerance, unitOf(req.display)));
    },
    unit: function (req) {
      var u = E.parseUnit(req.text);
      return u === null ? null : { symbol: u.symbol, factor: u.factor, dimension: u.dimension.slice(), note: u.note };
    },
    number: function (req) {
      return E.formatNumber(number(req.value), req.digits === undefined ? null : req.digits, req.trim === undefined ? null : req.trim);
    },
    quantity: function (req) {
      return E.formatQuantity(number(req.value), unitOf(req.unit), req.digits === undefined ? null : req.digits, req.trim === undefined ? null : req.trim);
    },
    placeholder: function (req) {
      var p;
      try { p = E.parsePlaceholder(req.inner); } catch (e) { return error(e); }
      var out = { placeholder: { name: p.name, unit: p.unit, digits: p.digits, key: p.key } };
      if (req.block !== undefined) {
        var model = req.block === null ? null : E.parseCompute(req.block);
        out.problem = E.placeholderProblem(p, model);
        out.text = out.problem === null ? E.formatPlaceholder(p, model, model.evaluate()) : null;
      }
      return out;
    },
    keys: function (req) {
      var model = E.parseCompute(req.block);
      return E.formatKeys(req.keys, model, model.evaluate(req.values || null));
    },
    source: function (req) { return E.computeSource(req.html); }
  };
}

// "Identical" (ARCHITECTURE.md, "The JavaScript engine"): the same JSON, numbers equal as numbers
// (0 and -0 alike), and a refusal by Python's own parser (syntax: true) matched by any refusal of the
// JavaScript parser (syntax: true), whatever its wording (and a string CPython's decoder refuses by a
// refusal of the string); every other refusal the same message, offset and length.
function same(py, js) {
  if (py === null || typeof py !== "object") {
    if (typeof py === "number" && typeof js === "number") return py === js || (py !== py && js !== js);
    return py === js;
  }
  if (js === null || typeof js !== "object") return false;
  if (Array.isArray(py)) {
    if (!Array.isArray(js) || py.length !== js.length) return false;
    for (var i = 0; i < py.length; i++) if (!same(py[i], js[i])) return false;
    return true;
  }
  if (py.syntax === true && "message" in py && "offset" in py) {
    // CPython's string decoder ("(unicode error) ... unknown Unicode character name"): engine.js has no
    // Unicode name table; it refuses the string either way.
    if (/^\((unicode|value) error\)/.test(py.message)) return js.syntax === true || js.message === "strings are not part of the language";
    return js.syntax === true;
  }
  var keys = Object.keys(py), jsKeys = Object.keys(js);
  if (keys.length !== jsKeys.length) return false;
  for (var k = 0; k < keys.length; k++) {
    if (!Object.prototype.hasOwnProperty.call(js, keys[k]) || !same(py[keys[k]], js[keys[k]])) return false;
  }
  return true;
}

module.exports = { loadEngine: loadEngine, makeOps: makeOps, same: same, ENGINE_PATH: ENGINE_PATH };
