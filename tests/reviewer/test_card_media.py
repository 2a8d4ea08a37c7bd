"""An image in a card, in a real Anki: the chapter's kv-cache-formula card shows the diagram of the KV
cache's shape on its answer side, loaded from the collection's media folder where the import put it."""

from __future__ import annotations

from pathlib import Path

from tests.reviewer.reviewing import start, wait_until
from tests.support.anki_desktop import screenshot

ROOT = Path(__file__).resolve().parents[2]


def test_the_diagram_is_imported_and_shown_on_the_answer_side(anki_session, qtbot, built):
    reviewer = start(anki_session.mw, qtbot, built.ankiaddon, built.deck)
    reviewer.mw.resize(980, 860)
    card = reviewer.card_id("kv-cache-formula")
    reviewer.review(card)
    reviewer.wait_panel()
    reviewer.mw.reviewer._showAnswer()
    wait_until(qtbot, lambda: reviewer.state() == "answer")
    image = "#qa .cc-answer img"
    reviewer.wait(f"(() => {{ const i = document.querySelector('{image}'); return !!i && i.complete && i.naturalWidth > 0; }})()")
    name = reviewer.attr(image, "src")
    assert name.startswith("kv-cache-shape-") and name.endswith(".svg")
    media = Path(reviewer.col.media.dir()) / name
    assert media.read_bytes() == (ROOT / "content" / "img" / "kv-cache-shape.svg").read_bytes()
    assert reviewer.js(f"document.querySelector('{image}').naturalWidth") == 600
    reviewer.js(f"document.querySelector('{image}').scrollIntoView({{block: 'center'}}); true")
    reviewer.wait(f"(() => {{ const r = document.querySelector('{image}').getBoundingClientRect();"
                  " return r.top >= 0 && r.top < innerHeight; })()")  # scrolled into view: then the screenshot
    screenshot(reviewer.mw, "card_image_answer.png")
