#!/usr/bin/env node
/*
 * engine.js as a long-lived process for the differential tests: one JSON request per line on stdin,
 * one JSON reply per line on stdout: {"op": ..., ...} -> {"ok": result, "trace": [...]} or {"crash": text}.
 * "trace" lists every Math.pow/exp/log/log2/log10 call (name, arguments, result) the request made, so
 * that a difference can be traced to the platform's libm (see ARCHITECTURE.md).
 */
"use strict";
var readline = require("readline");
var parity = require("./ops.js");

var trace = null;
["pow", "exp", "log", "log2", "log10"].forEach(function (name) {
  var real = Math[name];
  Math[name] = function () {
    var result = real.apply(Math, arguments);
    if (trace && trace.length < 200) trace.push([name, Array.prototype.slice.call(arguments), result]);
    return result;
  };
});
var ops = parity.makeOps(parity.loadEngine());

function encode(value) {  // JSON without losing non-finite numbers (they travel as strings)
  return JSON.stringify(value, function (k, v) {
    if (typeof v === "number" && !isFinite(v)) return { nonfinite: v !== v ? "nan" : v > 0 ? "inf" : "-inf" };
    return v;
  });
}

var rl = readline.createInterface({ input: process.stdin, terminal: false, crlfDelay: Infinity });
rl.on("line", function (line) {
  var reply;
  try {
    var req = JSON.parse(line);
    trace = [];
    reply = { ok: ops[req.op](req) };
    reply.trace = trace;
  } catch (e) {
    reply = { crash: String(e && e.stack || e) };
  }
  trace = null;
  process.stdout.write(encode(reply) + "\n");
});
