/* Compute Cards: the question-side panel (parameter controls, presets, New numbers, Reset, the answer field).
 *
 * Every call to Python goes through one small bridge object:
 *   bridge.evaluate(values, keys) -> Promise<{ok, texts: {key: text}, expected?} | {ok: false, state, message}>
 *   bridge.check(values, text)    -> Promise<{ok, state, message} | {ok: false, state, message}>
 *   bridge.random()               -> Promise<{ok, values} | {ok: false, state, message}>
 *   bridge.showAnswer()           -> reveal the answer side
 *   bridge.focus(inside)          -> the panel got (true) or lost (false) the keyboard focus: the host
 *                                    keeps its own shortcuts (Anki: space, 1-4) away from the panel meanwhile
 * In Anki desktop it is ComputeCards.ankiBridge(token) (pycmd "cc:" messages, checked in Python);
 * inside a card template without the add-on another bridge can implement the same four calls.
 *
 * DOM hooks: #cc-panel, [data-cc-param="NAME"], #cc-answer, #cc-verdict[data-state],
 * placeholders <span class="cc-value" data-cc-value="KEY">.
 */
(function () {
  "use strict";
  if (window.ComputeCards) return;

  var PREFIX = "cc:";
  var MAX_PRESET_BUTTONS = 6;

  function ankiBridge(token) {
    function call(op, payload) {
      return new Promise(function (resolve) {
        var message = PREFIX + JSON.stringify(Object.assign({ op: op, token: token }, payload));
        try {
          pycmd(message, function (reply) {
            resolve(reply && typeof reply === "object" ? reply : { ok: false, state: "error", message: "no reply" });
          });
        } catch (e) {
          resolve({ ok: false, state: "error", message: String(e) });
        }
      });
    }
    return {
      evaluate: function (values, keys) { return call("evaluate", { values: values, keys: keys }); },
      check: function (values, text) { return call("check", { values: values, text: text }); },
      random: function () { return call("random", {}); },
      showAnswer: function () { pycmd("ans"); },
      focus: function (inside) { return call("focus", { focused: !!inside }); },
    };
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") node.textContent = attrs[key];
      else node.setAttribute(key, attrs[key]);
    });
    (children || []).forEach(function (child) { node.appendChild(child); });
    return node;
  }

  function readJSON(panel, name, fallback) {
    try {
      var value = JSON.parse(panel.getAttribute(name) || "null");
      return value === null ? fallback : value;
    } catch (e) {
      return fallback;
    }
  }

  function placeholderKeys(root) {
    var seen = {};
    var keys = [];
    root.querySelectorAll(".cc-value[data-cc-value]").forEach(function (span) {
      var key = span.getAttribute("data-cc-value");
      if (!seen[key]) { seen[key] = true; keys.push(key); }
    });
    return keys;
  }

  // --- placeholders inside math (builder/markup.py math_html): TeX values, typeset again --------
  // <span class="cc-math" data-cc-tex="(the TeX, delimiters included, with placeholders in it)">: each
  // placeholder key is asked for as TEX_KEY + key, whose reply is TeX (addon/core/placeholders.py
  // tex_value). Text only: textContent. (No math delimiter in this file: it goes inline into the
  // note type's templates, and a client loads MathJax for any side whose HTML holds one.)
  var TEX_KEY = "$";
  var MATH_PLACEHOLDER = /\{\{([^{}\n]{1,80})\}\}/g;

  function mathKeys(root) {
    var keys = [];
    root.querySelectorAll(".cc-math[data-cc-tex]").forEach(function (math) {
      (math.getAttribute("data-cc-tex") || "").replace(MATH_PLACEHOLDER, function (whole, key) {
        if (keys.indexOf(TEX_KEY + key) === -1) keys.push(TEX_KEY + key);
        return whole;
      });
    });
    return keys;
  }

  function updateMath(root, texts) {
    var changed = [];
    root.querySelectorAll(".cc-math[data-cc-tex]").forEach(function (math) {
      var complete = true;
      var tex = (math.getAttribute("data-cc-tex") || "").replace(MATH_PLACEHOLDER, function (whole, key) {
        var value = texts[TEX_KEY + key];
        if (typeof value !== "string") complete = false;
        return typeof value === "string" ? value : whole;
      });
      if (!complete || math.getAttribute("data-cc-shown") === tex) return;
      math.setAttribute("data-cc-shown", tex);
      math.textContent = tex;
      changed.push(math);
    });
    if (changed.length) typeset(changed);
  }

  /* Typeset `elements` (their text is new TeX) with the client's MathJax, once it has started (some
   * clients load it late); one the client's own first pass typeset meanwhile is left as it is.
   * Without MathJax the TeX stays readable as text. */
  function typeset(elements) {
    var mathJax = window.MathJax;
    if (!mathJax || typeof mathJax.typesetPromise !== "function") return;
    var started = mathJax.startup && mathJax.startup.promise ? mathJax.startup.promise : Promise.resolve();
    started.then(function () {
      var fresh = elements.filter(function (element) { return !element.querySelector("mjx-container"); });
      if (!fresh.length) return null;
      if (typeof mathJax.typesetClear === "function") mathJax.typesetClear(fresh);
      return mathJax.typesetPromise(fresh);
    }).catch(function () { /* the TeX stays readable as text */ });
  }

  function showError(panel, message) {
    panel.setAttribute("data-state", "error");
    var verdict = panel.querySelector("#cc-verdict");
    if (!verdict) {
      verdict = el("div", { id: "cc-verdict", class: "cc-verdict" });
      panel.appendChild(verdict);
    }
    verdict.setAttribute("data-state", "error");
    verdict.textContent = "Compute Cards: " + message;
  }

  /* The value one tap on a stepper gives: doubling or halving on wide ranges (128..1,048,576),
   * else about a twentieth of the range (1-2-5 rounded); on the parameter's grid, within its range. */
  function stepped(p, value, direction) {
    var low = Number(p.min), high = Number(p.max);
    if (!isFinite(value) || !isFinite(low) || !isFinite(high)) return value;
    var next;
    if (low > 0 && high / low >= 64) {
      next = direction > 0 ? value * 2 : value / 2;
    } else {
      next = value + direction * niceStep(p, high - low);
    }
    if (p.step) next = low + Math.round((next - low) / p.step) * p.step;
    else if (p.integer) next = Math.round(next);
    if (p.step && next === value) next = value + direction * p.step;
    next = Math.min(Math.max(next, low), high);
    if (p.integer && next !== Math.round(next)) next = direction > 0 ? Math.floor(high) : Math.ceil(low);
    return Number(next.toPrecision(12));
  }

  function niceStep(p, span) {
    var raw = span / 20;
    if (!(raw > 0)) return p.step || 1;
    var power = Math.pow(10, Math.floor(Math.log(raw) / Math.LN10));
    var nice = [1, 2, 5, 10].map(function (m) { return m * power; }).filter(function (m) { return m >= raw; })[0];
    if (p.step) nice = Math.max(p.step, Math.round(nice / p.step) * p.step);
    if (p.integer) nice = Math.max(1, Math.round(nice));
    return nice;
  }

  /* Build the controls in `panel` and keep the page's placeholders and the verdict up to date. */
  function mount(panel, bridge, root) {
    if (!panel || panel.getAttribute("data-cc-mounted")) return;
    panel.setAttribute("data-cc-mounted", "1");
    panel.classList.add("tappable"); // AnkiMobile: a tap inside the panel must not flip the card
    root = root || document;
    var model = readJSON(panel, "data-cc-model", null);
    var options = readJSON(panel, "data-cc-options", {});
    if (!model || !Array.isArray(model.parameters)) {
      panel.textContent = "";
      showError(panel, "the panel's data could not be read");
      return;
    }
    var defaults = {};
    model.parameters.forEach(function (p) { defaults[p.name] = p.default; });
    var values = Object.assign({}, defaults, readJSON(panel, "data-cc-values", {}));
    var keys = placeholderKeys(root).concat(mathKeys(root));
    var controls = {};
    var stepButtons = {};
    var evaluating = 0;
    var checking = 0;

    panel.textContent = "";
    var params = el("div", { class: "cc-params" });
    model.parameters.forEach(function (p) {
      var control;
      var steppers = [];
      if (Array.isArray(p.choices)) {
        control = el("select", { "data-cc-param": p.name, id: "cc-param-" + p.name, class: "tappable" },
          p.choices.map(function (c) { return el("option", { value: String(c.value), text: c.label }); }));
      } else {
        control = el("input", {
          type: "number", "data-cc-param": p.name, id: "cc-param-" + p.name, inputmode: "decimal", class: "tappable",
          min: String(p.min), max: String(p.max), step: p.step ? String(p.step) : "any",
        });
        // Taps alone must reach every value: AnkiDroid gives a card's own <input> no keyboard by default.
        steppers = [-1, 1].map(function (direction) {
          var button = el("button", {
            type: "button", class: "cc-step tappable", tabindex: "-1", "data-cc-step": direction < 0 ? "down" : "up",
            "data-cc-for": p.name, "aria-label": (direction < 0 ? "Decrease " : "Increase ") + p.name,
            text: direction < 0 ? "\u2212" : "+",
          });
          button.addEventListener("click", function () {
            var next = stepped(p, values[p.name], direction);
            if (next === values[p.name]) return;
            values[p.name] = next;
            sync();
            update(control);
          });
          return button;
        });
      }
      controls[p.name] = control;
      stepButtons[p.name] = steppers;
      control.addEventListener(control.tagName === "SELECT" ? "change" : "input", function () {
        var number = Number(control.value);
        if (control.value === "" || !isFinite(number)) { note(p.name + " needs a number", control); return; }
        values[p.name] = number;
        update(control);
      });
      var children = [el("label", { class: "cc-param-name", for: control.id, text: p.name })];
      if (steppers.length) children.push(steppers[0], control, steppers[1]);
      else children.push(control);
      params.appendChild(el("div", { class: "cc-param" }, children));
    });
    panel.appendChild(params);

    var presets = Array.isArray(model.presets) ? model.presets : [];
    if (presets.length) {
      var row = el("div", { class: "cc-presets" }, [el("span", { class: "cc-label", text: "Presets" })]);
      if (presets.length <= MAX_PRESET_BUTTONS) {
        presets.forEach(function (preset, i) {
          var button = el("button", { type: "button", class: "cc-preset tappable", "data-cc-preset": String(i), text: preset.label });
          button.addEventListener("click", function () { apply(preset.values); });
          row.appendChild(button);
        });
      } else {
        var select = el("select", { class: "cc-preset-select tappable", "data-cc-preset": "list" },
          [el("option", { value: "", text: "Choose a preset…" })].concat(presets.map(function (preset, i) {
            return el("option", { value: String(i), text: preset.label });
          })));
        select.addEventListener("change", function () {
          if (select.value !== "") apply(presets[Number(select.value)].values);
        });
        row.appendChild(select);
      }
      panel.appendChild(row);
    }

    var newNumbers = el("button", { type: "button", class: "tappable", "data-cc-action": "new", text: "New numbers" });
    var reset = el("button", { type: "button", class: "tappable", "data-cc-action": "reset", text: "Reset" });
    var noteLine = el("span", { class: "cc-note", id: "cc-note", role: "status" });
    panel.appendChild(el("div", { class: "cc-actions" }, [newNumbers, reset, noteLine]));
    newNumbers.addEventListener("click", function () {
      bridge.random().then(function (reply) {
        if (reply.ok) apply(reply.values);
        else if (reply.state !== "stale") note(reply.message);
      });
    });
    reset.addEventListener("click", function () { apply(defaults); });

    var answer = el("input", {
      id: "cc-answer", type: "text", class: "tappable", autocomplete: "off", spellcheck: "false",
      placeholder: model.show ? "e.g. 12.5 " + model.show : "a number", "aria-describedby": "cc-verdict",
    });
    var verdict = el("span", { id: "cc-verdict", class: "cc-verdict", "data-state": "incomplete", role: "status" });
    panel.appendChild(el("div", { class: "cc-answer-row" }, [
      el("label", { class: "cc-label", for: "cc-answer", text: "Your answer" }), answer, verdict,
    ]));
    var expected = el("div", { class: "cc-expected", id: "cc-expected" });
    expected.hidden = true;
    panel.appendChild(expected);
    answer.addEventListener("input", check);

    // Keys typed in the panel are text, never review shortcuts; Enter shows the answer, Escape leaves.
    panel.addEventListener("keydown", function (event) {
      var target = event.target;
      if (event.key === "Escape") {
        event.preventDefault();
        target.blur && target.blur();
      } else if (event.key === "Enter" && target === answer) {
        event.preventDefault();
        check().then(function () { bridge.showAnswer(); });
      } else if (event.key === "Enter" && target.tagName === "INPUT") {
        event.preventDefault();
      }
      event.stopPropagation();
    });
    panel.addEventListener("keypress", function (event) { event.stopPropagation(); });
    // A select or button with the focus does not take keys from Anki's shortcuts the way a text
    // field does: tell the host, which holds its shortcuts back while a control has the focus.
    panel.addEventListener("focusin", function () { bridge.focus(true); });
    panel.addEventListener("focusout", function (event) {
      if (!event.relatedTarget || !panel.contains(event.relatedTarget)) bridge.focus(false);
    });

    function note(message, control) {
      noteLine.textContent = message || "";
      Object.keys(controls).forEach(function (name) {
        controls[name].toggleAttribute("aria-invalid", controls[name] === control && !!message);
      });
    }

    function sync() {
      Object.keys(controls).forEach(function (name) {
        if (values[name] !== undefined) controls[name].value = String(values[name]);
      });
      model.parameters.forEach(function (p) {
        (stepButtons[p.name] || []).forEach(function (button, i) {
          button.disabled = stepped(p, values[p.name], i ? 1 : -1) === values[p.name];
        });
      });
    }

    function apply(newValues) {
      Object.keys(newValues || {}).forEach(function (name) {
        if (name in defaults && typeof newValues[name] === "number") values[name] = newValues[name];
      });
      sync();
      update();
    }

    function update(control) {
      var mine = ++evaluating;
      return bridge.evaluate(Object.assign({}, values), keys).then(function (reply) {
        if (mine !== evaluating) return;
        if (!reply.ok) {
          if (reply.state === "error") showError(panel, reply.message);
          else if (reply.state !== "stale") note(reply.message, control);
          return;
        }
        note("");
        var texts = reply.texts || {};
        root.querySelectorAll(".cc-value[data-cc-value]").forEach(function (span) {
          var text = texts[span.getAttribute("data-cc-value")];
          if (typeof text === "string") span.textContent = text;
        });
        updateMath(root, texts);
        expected.hidden = typeof reply.expected !== "string";
        expected.textContent = expected.hidden ? "" : "Expected: " + reply.expected;
        if (answer.value.trim()) return check();
      });
    }

    function check() {
      var mine = ++checking;
      var text = answer.value;
      if (!text.trim()) {
        verdict.setAttribute("data-state", "incomplete");
        verdict.setAttribute("data-cc-text", text);
        verdict.textContent = "";
      }
      return bridge.check(Object.assign({}, values), text).then(function (reply) {
        if (mine !== checking || !text.trim()) return;
        if (!reply.ok) {
          if (reply.state === "error") showError(panel, reply.message);
          else if (reply.state !== "stale") note(reply.message);
          return;
        }
        verdict.setAttribute("data-state", reply.state);
        verdict.setAttribute("data-cc-text", text);
        verdict.textContent = reply.message;
        panel.setAttribute("data-verdict", reply.state);
      });
    }

    sync();
    panel.setAttribute("data-state", "ready");
    update();
  }

  /* In Anki's reviewer: mount the question panel that card_will_show put on the card. */
  function mountAnki() {
    var panels = document.querySelectorAll('#qa #cc-panel[data-cc-side="question"]');
    var panel = panels[panels.length - 1];
    if (!panel || typeof pycmd !== "function") return;
    try {
      mount(panel, ankiBridge(panel.getAttribute("data-cc-token") || ""), document.getElementById("qa"));
    } catch (e) {
      showError(panel, "the panel could not start (" + String(e).slice(0, 80) + ")");
    }
  }

  Object.defineProperty(window, "ComputeCards", {
    // el, mathKeys, updateMath and typeset are shared with the card template's answer side (template.js).
    value: Object.freeze({
      mount: mount, mountAnki: mountAnki, ankiBridge: ankiBridge,
      el: el, mathKeys: mathKeys, updateMath: updateMath, typeset: typeset,
    }),
    writable: false,
    configurable: false,
  });
})();
