/* Compute Cards add-on: loaded into the pages the add-on serves (reviewer, previewer, card layout)
 * before any card. The note type's templates carry a panel of their own (template.js) for Anki
 * clients without the add-on; here the add-on's panel is the one panel, so the template's stays off:
 * its start() does nothing (template.js defines ComputeCardsTemplate only when it is missing). */
(function () {
  "use strict";
  if (window.ComputeCardsTemplate) return;
  Object.defineProperty(window, "ComputeCardsTemplate", {
    value: Object.freeze({ start: function () {}, host: "addon" }),
    writable: false,
    configurable: false,
  });
})();
