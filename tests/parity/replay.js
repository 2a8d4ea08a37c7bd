#!/usr/bin/env node
/*
 * Replay the shared test vectors (tests/parity/data/vectors.json, made by generate_vectors.py from
 * the Python core) through engine.js; print every difference; exit 1 if there is one.
 *     node tests/parity/replay.js [vectors.json]
 */
"use strict";
var fs = require("fs");
var path = require("path");
var parity = require("./ops.js");

var file = process.argv[2] || path.join(__dirname, "data", "vectors.json");
var data = JSON.parse(fs.readFileSync(file, "utf8"));
var E = parity.loadEngine();
var ops = parity.makeOps(E);
var failures = [], counts = {};

if (!parity.same(data.limits, ops.limits())) failures.push("DEFAULT_LIMITS differ: python " + JSON.stringify(data.limits) + " js " + JSON.stringify(ops.limits()));
if (!parity.same(data.spellings, ops.spellings())) {
  var missing = data.spellings.filter(function (s) { return E.UNIT_SPELLINGS.indexOf(s) < 0; });
  var extra = E.UNIT_SPELLINGS.filter(function (s) { return data.spellings.indexOf(s) < 0; });
  failures.push("unit spellings differ: missing in engine.js " + JSON.stringify(missing) + ", only in engine.js " + JSON.stringify(extra));
}
data.vectors.forEach(function (v, i) {
  counts[v.op] = (counts[v.op] || 0) + 1;
  var got;
  try { got = ops[v.op](v.input); } catch (e) { got = { crash: String(e && e.stack || e) }; }
  if (!parity.same(v.output, got)) {
    failures.push("#" + i + " " + v.op + " " + JSON.stringify(v.input).slice(0, 300) +
      "\n    python: " + JSON.stringify(v.output).slice(0, 600) + "\n    js:     " + JSON.stringify(got).slice(0, 600));
  }
});
var total = data.vectors.length;
console.log("replayed " + total + " vectors (" + Object.keys(counts).sort().map(function (k) { return k + " " + counts[k]; }).join(", ") + "): " + failures.length + " differences");
failures.slice(0, 60).forEach(function (f) { console.log(f); });
process.exit(failures.length ? 1 : 0);
