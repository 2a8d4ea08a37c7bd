// The preview page's own script (builder/preview_server.py serves it): it follows the server's events
// and, after each save, fetches this page again and puts its live part in place. The HTML comes from
// our own server, which escapes every piece of card text in it; DOMParser makes an inert document of
// it (no script in it runs). The card sides stay in their frames, each a fresh page per side as on
// AnkiDroid: a frame is loaded again only when its card changed, the answer side after the question.
(function () {
  "use strict";
  const root = document.documentElement;
  let refreshing = false;
  let again = false;

  function frames() {
    return { question: document.getElementById("question"), answer: document.getElementById("answer") };
  }

  let questionLoading = false;
  let answerLoading = false;

  function loadAnswer(reload) {
    const { answer } = frames();
    answerLoading = true;
    if (reload) answer.contentWindow.location.reload();
    else answer.src = answer.dataset.src;
  }

  // A side's frame loads again only when its address (the side's version) changed; after the question
  // side, the answer side always loads again too, as a reviewer shows it after the question.
  function load() {
    const { question, answer } = frames();
    if (question.getAttribute("src") !== question.dataset.src) {
      questionLoading = true;
      question.src = question.dataset.src;
    } else if (!questionLoading && answer.getAttribute("src") !== answer.dataset.src) {
      loadAnswer(false);
    }
  }

  function start() {
    const { question, answer } = frames();
    if (!question) {
      root.dataset.shown = document.getElementById("live").dataset.version || "";
      return;
    }
    question.addEventListener("load", () => {
      questionLoading = false;
      loadAnswer(answer.getAttribute("src") === answer.dataset.src);
    });
    answer.addEventListener("load", () => {
      answerLoading = false;
    });
    load();
  }

  window.addEventListener("message", (event) => {
    if (event.origin !== location.origin || typeof event.data !== "object" || event.data === null) return;
    const { kind, side, height } = event.data;
    if (kind !== "cc-preview-side" || (side !== "question" && side !== "answer")) return;
    const frame = frames()[side];
    if (!frame || event.source !== frame.contentWindow) return;
    if (Number.isFinite(height)) frame.style.height = Math.ceil(height) + "px";
    if (side === "answer" && frame.contentDocument && frame.contentDocument.documentElement.dataset.typeset) {
      root.dataset.shown = document.getElementById("live").dataset.version || "";
    }
  });

  // The card's own scripts keep the state of a review in sessionStorage (the live panel's values, the
  // typed answer), which the frames share as a reviewer's sides do: when the question side changes it
  // while the learner uses it, the answer side is shown again, as if the learner turned the card now.
  // (What the question side writes while it loads, the answer side reads when it loads after it.)
  let answerAgain = 0;
  window.addEventListener("storage", (event) => {
    const { question, answer } = frames();
    if (event.storageArea !== sessionStorage || !question || !answer || questionLoading || answerLoading) return;
    if (!question.contentWindow || event.url !== question.contentWindow.location.href) return;
    clearTimeout(answerAgain);
    answerAgain = setTimeout(() => {
      if (!questionLoading && !answerLoading) loadAnswer(true);
    }, 150);
  });

  async function refresh() {
    if (refreshing) {
      again = true;
      return;
    }
    refreshing = true;
    try {
      do {
        again = false;
        const response = await fetch(location.href, { cache: "no-store" });
        const page = new DOMParser().parseFromString(await response.text(), "text/html");
        const fresh = page.getElementById("live");
        const current = document.getElementById("live");
        if (!fresh || !current) continue;
        const sides = document.getElementById("sides");
        const incoming = fresh.querySelector("#sides");
        if (sides && incoming) {
          // The frames stay where they are (a frame moved in the document loads again): the parts
          // around them are replaced, and each frame gets its new address, loaded if it changed.
          for (const child of [...current.children]) if (child !== sides) child.remove();
          for (const child of [...fresh.children]) {
            if (child.id !== "sides") current.insertBefore(document.importNode(child, true), sides);
          }
          sides.className = incoming.className;
          for (const side of ["question", "answer"]) {
            const frame = document.getElementById(side), next = incoming.querySelector("#" + side);
            if (frame && next) frame.dataset.src = next.dataset.src;
          }
          current.dataset.version = fresh.dataset.version || "";
          load();
        } else {
          current.replaceWith(document.importNode(fresh, true));
          start();
        }
        root.dataset.refreshed = fresh.dataset.version || "";
        document.title = page.title;
      } while (again);
    } catch (error) {
      console.warn("preview: refresh failed", error);
    } finally {
      refreshing = false;
    }
  }

  function progress(data) {
    const box = document.getElementById("progress");
    if (!box) return;
    box.hidden = data.done >= data.total;
    box.textContent = data.what + ": " + data.done.toLocaleString("en") + "/" + data.total.toLocaleString("en");
  }

  const events = new EventSource("/events");
  events.addEventListener("update", refresh);
  events.addEventListener("hello", (event) => {
    const live = document.getElementById("live");
    if (live && JSON.parse(event.data).version !== Number(live.dataset.version)) refresh();
  });
  events.addEventListener("progress", (event) => progress(JSON.parse(event.data)));
  start();
})();
