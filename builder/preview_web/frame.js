// In each card side's frame, after the card's own HTML and scripts: typeset the math as Anki's
// reviewer does (MathJax.typesetPromise on #qa once MathJax has started), then tell the page this
// side is shown and how tall it is (and again whenever its height changes: fonts, the live panel).
(function () {
  "use strict";
  const root = document.documentElement;
  const side = location.pathname.split("/")[3];

  function tell() {
    if (parent === window) return;
    // The document's own height (its scrollHeight is never less than the frame's).
    const height = root.getBoundingClientRect().height;
    parent.postMessage({ kind: "cc-preview-side", side: side, height: height }, location.origin);
  }

  function shown(state) {
    root.dataset.typeset = state;
    performance.mark("cc-preview-shown");
    tell();
    new ResizeObserver(tell).observe(document.body);
  }

  if (typeof MathJax === "undefined" || !MathJax.startup || !MathJax.startup.promise) {
    shown("none");
    return;
  }
  MathJax.startup.promise
    .then(() => MathJax.typesetPromise([document.getElementById("qa")]))
    .then(() => shown("done"), (error) => {
      console.error("MathJax:", error);
      shown("failed");
    });
})();
