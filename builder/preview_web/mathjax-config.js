// MathJax 3 as Anki 26.9 configures it for the reviewer (aqt's web/js/mathjax.js, from ts/mathjax in
// ankitects/anki): \(...\) inline, \[...\] display, no $...$, the noerrors and mathtools packages,
// no typesetting at start (frame.js typesets #qa, as the reviewer does). Only the path differs: the
// preview serves npm's mathjax 3.2.2 (the same bytes as Anki's tex-chtml-full.js) under /_preview/mathjax.
window.MathJax = {
  tex: {
    displayMath: [["\\[", "\\]"]],
    processEscapes: false,
    processEnvironments: false,
    processRefs: false,
    packages: { "[+]": ["noerrors", "mathtools"], "[-]": ["textmacros"] },
  },
  loader: { load: ["[tex]/noerrors", "[tex]/mathtools"], paths: { mathjax: "/_preview/mathjax" } },
  startup: { typeset: false },
};
