/* Compute Cards: the card template's own live panel, for every Anki without the add-on
 * (AnkiDroid, AnkiMobile, AnkiWeb, Anki desktop without it, the previewer).
 *
 * The note type's templates carry engine.js, panel.js and this file inline, then call
 *   ComputeCardsTemplate.start("question" | "answer")
 * It reads the note's Compute field from the template element #cc-compute (inert: nothing in it runs or
 * loads; read as DOM text, never as HTML), parses it with ComputeCardsEngine and
 *   - question side: mounts the same panel as the add-on (ComputeCards.mount) with a bridge backed
 *     by the engine, and keeps the learner's values and typed answer in sessionStorage;
 *   - answer side: shows the values used, the typed answer and its verdict, the expected value and
 *     the worked formula (typeset by the client's MathJax), from what the question side stored.
 * The state is written anew when a question is shown, for that card only, so nothing leaks to the
 * next card; an answer side whose card does not match the stored state shows the defaults.
 *
 * With the add-on's panel on the page (Anki desktop with the add-on) it does nothing: one panel.
 * Any failure leaves the card as built (default values in the HTML) with a short message.
 * Classic script, ES5, no globals but ComputeCardsTemplate: Anki desktop re-runs a card's scripts
 * on every side of its long-lived page.
 */
(function () {
  "use strict";
  if (window.ComputeCardsTemplate) return;

  var STORE_KEY = "compute-cards:shown";
  var MAX_MESSAGE_CHARS = 160;
  // The display-math delimiters built from pieces: clients load MathJax only for a card whose HTML holds a math
  // delimiter, and this file is inlined in the question side too, which needs none.
  var DISPLAY_MATH = ["\\" + "[", "\\" + "]"];
  var memory = {}; // where sessionStorage is missing or refuses (the desktop page lives on: enough there)

  var store = {
    load: function () {
      var text = null;
      try { text = window.sessionStorage.getItem(STORE_KEY); } catch (e) { text = memory[STORE_KEY] || null; }
      if (text === null && memory[STORE_KEY]) text = memory[STORE_KEY];
      try { return text ? JSON.parse(text) : null; } catch (e) { return null; }
    },
    save: function (state) {
      var text = JSON.stringify(state);
      memory[STORE_KEY] = text;
      try { window.sessionStorage.setItem(STORE_KEY, text); } catch (e) { /* memory has it */ }
    },
    // what clear() then save() leaves, with one storage call instead of two when the write succeeds
    replace: function (state) {
      var text = JSON.stringify(state);
      memory[STORE_KEY] = text;
      try { window.sessionStorage.setItem(STORE_KEY, text); } catch (e) {
        try { window.sessionStorage.removeItem(STORE_KEY); } catch (e2) { /* nothing stored */ }
      }
    },
  };

  function el(tag, attrs, children) { return window.ComputeCards.el(tag, attrs, children); }

  function short(error) {
    var message = (error && error.message) || String(error);
    message = String(message).replace(/\s+/g, " ").trim();
    return message.length <= MAX_MESSAGE_CHARS ? message : message.slice(0, MAX_MESSAGE_CHARS - 1) + "\u2026";
  }

  /* The compute block from the field's DOM: text as text, <br> and block boundaries as new lines
   * (what addon/core/notetype.py compute_source does with the field's HTML). */
  function fieldText(root) {
    var out = "";
    function newline() { if (out && out.charAt(out.length - 1) !== "\n") out += "\n"; }
    function walk(node) {
      for (var child = node.firstChild; child; child = child.nextSibling) {
        if (child.nodeType === 3) out += child.nodeValue;
        else if (child.nodeType === 1) {
          var tag = child.nodeName.toUpperCase();
          if (tag === "BR") { out += "\n"; continue; }
          var block = tag === "DIV" || tag === "P";
          if (block) newline();
          walk(child);
          if (block) newline();
        }
      }
    }
    walk(root);
    return out.replace(/\u00a0/g, " ").replace(/^\n+|\n+$/g, "");
  }

  /* Which card this is: the block and the question as built. Values stored for another card are never used. */
  function cardIdentity(source, questionText) {
    var text = source + "\u0000" + questionText;
    var hash = 0x811c9dc5;
    for (var i = 0; i < text.length; i++) {
      hash ^= text.charCodeAt(i);
      hash = (hash * 0x01000193) >>> 0;
    }
    return text.length + ":" + hash.toString(16);
  }

  function parameterValues(model, env) {
    var values = {};
    model.parameters.forEach(function (p) { values[p.name] = env[p.name]; });
    return values;
  }

  function placeholderKeys(root) {
    var seen = {};
    var keys = [];
    Array.prototype.forEach.call(root.querySelectorAll(".cc-value[data-cc-value]"), function (span) {
      var key = span.getAttribute("data-cc-value");
      if (!seen[key]) { seen[key] = true; keys.push(key); }
    });
    return keys;
  }

  function rewritePlaceholders(root, texts) {
    Array.prototype.forEach.call(root.querySelectorAll(".cc-value[data-cc-value]"), function (span) {
      var text = texts[span.getAttribute("data-cc-value")];
      if (typeof text === "string") span.textContent = text;
    });
  }

  function isComputeError(error) { return !!error && error.name === "ComputeError"; }

  function reply(work) {
    try {
      return Promise.resolve(work());
    } catch (e) {
      return Promise.resolve({ ok: false, state: isComputeError(e) ? "values" : "error", message: short(e) });
    }
  }

  /* The panel's bridge (see panel.js), answered by the JavaScript engine instead of the add-on. */
  function engineBridge(engine, model, state) {
    return {
      evaluate: function (values, keys) {
        return reply(function () {
          var env = model.evaluate(model.validateValues(values));
          state.values = parameterValues(model, env);
          store.save(state);
          return { ok: true, texts: engine.formatKeys(keys, model, env) };
        });
      },
      check: function (values, text) {
        return reply(function () {
          var checked = model.validateValues(values);
          var verdict = model.check(text, checked);
          state.values = checked;
          state.typed = text;
          store.save(state);
          return { ok: true, state: verdict.state, message: verdict.message };
        });
      },
      random: function () {
        return reply(function () { return { ok: true, values: model.randomValues(Math.random) }; });
      },
      showAnswer: function () {
        store.save(state);
        // Anki desktop (no add-on): its reviewer's own "show answer" link; elsewhere the learner taps
        // the client's Show answer button (the state is stored already).
        if (typeof window.pycmd === "function") window.pycmd("ans");
      },
      focus: function () { return Promise.resolve({ ok: true }); },
    };
  }

  function errorPanel(panel, message) {  // also when panel.js did not load: no ComputeCards.el here
    var verdict = document.createElement("div");
    verdict.id = "cc-verdict";
    verdict.className = "cc-verdict";
    verdict.setAttribute("data-state", "error");
    verdict.textContent = "Compute Cards: " + message;
    panel.textContent = "";
    panel.setAttribute("data-state", "error");
    panel.appendChild(verdict);
  }

  function showQuestion(engine, panel, model, identity) {
    // a question shown anew starts from its defaults, whatever was stored before
    var state = { card: identity, values: model.defaults(), typed: "" };
    store.replace(state);
    panel.setAttribute("data-cc-model", JSON.stringify(model.toJSON()));
    panel.setAttribute("data-cc-values", JSON.stringify(state.values));
    window.ComputeCards.mount(panel, engineBridge(engine, model, state), document);
  }

  function showAnswer(engine, panel, model, identity) {
    var state = store.load();
    var values = model.defaults();
    var typed = "";
    var origin = "defaults";
    if (state && state.card === identity) {
      try {
        values = model.validateValues(state.values || {});
        typed = typeof state.typed === "string" ? state.typed : "";
        origin = "question";
      } catch (e) { /* stored values this card refuses: its defaults */ }
    }
    var env = model.evaluate(values);
    var texts = engine.formatKeys(placeholderKeys(document).concat(window.ComputeCards.mathKeys(document)), model, env);
    rewritePlaceholders(document, texts);
    window.ComputeCards.updateMath(document, texts);  // placeholders inside math: written anew, typeset again
    // the same pieces as the add-on's answer panel (addon/core/answer_side.py, mirrored in engine.js)
    var used = el("div", { class: "cc-used" }, engine.usedValues(model, env).map(function (u) {
      return el("span", { class: "cc-chip", "data-cc-used": u.name }, [
        el("code", { text: u.name }), document.createTextNode(" = " + u.text),
      ]);
    }));
    var verdict = engine.answerVerdict(model, typed, env);
    var state_ = verdict.state;
    var worked = el("div", { id: "cc-worked", class: "cc-worked" });
    worked.textContent = DISPLAY_MATH[0] + engine.workedLatex(model, env) + DISPLAY_MATH[1];

    panel.textContent = "";
    panel.setAttribute("data-state", state_);
    panel.setAttribute("data-cc-origin", origin);
    panel.appendChild(used);
    panel.appendChild(el("div", { class: "cc-row" }, [
      el("span", { class: "cc-label", text: "Your answer" }),
      el("span", { id: "cc-typed", text: typed.trim() || "\u2014" }),
      el("span", { id: "cc-verdict", class: "cc-verdict", "data-state": state_, text: verdict.message }),
    ]));
    panel.appendChild(el("div", { class: "cc-row" }, [
      el("span", { class: "cc-label", text: "Expected" }),
      el("span", { id: "cc-expected", text: model.expectedText(env) }),
      el("span", { id: "cc-exact", text: "(" + model.exactText(env) + ")" }),
    ]));
    panel.appendChild(worked);
    window.ComputeCards.typeset([worked]);
  }

  /* Run by the template's inline script on each side. */
  function start(side) {
    var holder = document.getElementById("cc-compute");
    if (!holder || (side !== "question" && side !== "answer")) return;
    // Anki desktop with the add-on: its panel (Python-checked, with its config) is the one panel.
    if (document.querySelector('#cc-panel:not([data-cc-host="template"])')) return;
    var old = document.querySelectorAll('#cc-panel[data-cc-host="template"]');
    for (var i = 0; i < old.length; i++) old[i].parentNode.removeChild(old[i]);
    var panel = document.createElement("div");  // not el(): panel.js may be what failed to load
    panel.id = "cc-panel";
    panel.className = "cc-panel tappable";
    panel.setAttribute("data-cc-host", "template");
    panel.setAttribute("data-cc-side", side);
    panel.setAttribute("data-state", "loading");
    holder.parentNode.insertBefore(panel, holder);
    try {
      var engine = window.ComputeCardsEngine;
      if (!engine || !window.ComputeCards) { errorPanel(panel, "the live panel could not load here; the card shows its default values"); return; }
      var source = fieldText(holder.content || holder);
      var question = document.querySelector(".cc-question");
      var identity = cardIdentity(source, question ? question.textContent : "");
      var model;
      try {
        model = engine.parseCompute(source);
      } catch (e) {
        errorPanel(panel, short(e));
        return;
      }
      if (side === "question") showQuestion(engine, panel, model, identity);
      else showAnswer(engine, panel, model, identity);
    } catch (e) {
      errorPanel(panel, "the live panel stopped (" + short(e) + "); the card shows its default values");
    }
  }

  Object.defineProperty(window, "ComputeCardsTemplate", {
    value: Object.freeze({ start: start, fieldText: fieldText }),
    writable: false,
    configurable: false,
  });
})();
