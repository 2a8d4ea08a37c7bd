"""Hostile and broken Compute Cards leave the reviewer working: the panel says what is wrong, the card can be answered."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from aqt.qt import Qt

from tests.reviewer.reviewing import start, wait_until
from tests.support.anki_desktop import press_key

MARKER = Path("/tmp/compute-cards-pwned")

BREAKOUT = f"""\
param x = 1 in 0..10
answer = __import__("os").system("touch {MARKER}") + ().__class__.__bases__[0].__subclasses__()
"""

# A card whose own JavaScript floods pycmd: junk, oversized, look-alike and wrongly typed messages.
FLOOD = r"""<p>Flood card</p><script>
(function () {
  var token = (document.querySelector('[data-cc-token]') || {getAttribute: function () { return 'x'; }}).getAttribute('data-cc-token');
  var messages = [
    'cc:', 'cc:{', 'cc:null', 'cc:[]', 'cc:' + 'x'.repeat(200000), 'cc:' + '['.repeat(50000),
    'cc:{"op":"evaluate","token":"' + token + '","values":{"x":1e999}}',
    'cc:{"op":"evaluate","token":"' + token + '","values":{"x":' + '9'.repeat(5000) + '}}',
    'cc:{"op":"evaluate","token":"' + token + '","values":{"__class__":1}}',
    'cc:{"op":"__init__","token":"' + token + '"}',
    'cc:{"op":"check","token":"' + token + '","text":' + JSON.stringify('1'.repeat(5000)) + '}',
    'cc:{"op":"check","token":"' + token + '","values":[1,2],"text":5}',
    'cc:{"op":"random","token":"' + token + '","extra":"__import__(\'os\')"}',
    'cc :{}', 'CC:{}', 'ccx', 'c', ''
  ];
  window.ccFlood = {sent: 0, replies: 0, oursOk: 0};
  for (var round = 0; round < 40; round++) {
    messages.forEach(function (m) {
      window.ccFlood.sent++;
      pycmd(m, function (reply) {
        window.ccFlood.replies++;
        if (reply && reply.ok === true) window.ccFlood.oursOk++;
      });
    });
  }
})();
</script>"""


@pytest.fixture
def reviewer(anki_session, qtbot, built):
    return start(anki_session.mw, qtbot, built.ankiaddon, built.deck)


def _answer_with_keys(reviewer, card: int) -> None:
    reviewer.blur()
    press_key(reviewer.mw, reviewer.qtbot, Qt.Key.Key_Space)
    wait_until(reviewer.qtbot, lambda: reviewer.state() == "answer")
    press_key(reviewer.mw, reviewer.qtbot, Qt.Key.Key_3)
    wait_until(reviewer.qtbot, lambda: reviewer.reps(card) == 1)


@pytest.mark.parametrize(
    "compute, front",
    [
        (BREAKOUT, FLOOD),
        ("", "<p>No compute block</p>"),
        ("param x = 1 in 0..10\nanswer = 9 ** 9 ** 9 ** 9", "<p>Huge power</p>"),
        ("param x = 1 in 0..10\n" + "y = x\n" * 400 + "answer = y", "<p>Too many lines</p>"),
        ("&lt;script&gt;alert(1)&lt;/script&gt;<div><img src=x onerror=pycmd('ans')></div>", "<p>HTML in the Compute field</p>"),
    ],
    ids=["breakout-and-flood", "empty", "huge-power", "too-long", "html"],
)
def test_hostile_card_shows_its_error_and_stays_reviewable(reviewer, compute, front):
    MARKER.unlink(missing_ok=True)
    card = reviewer.add_note({"Front": front, "Back": "Back", "Compute": compute})
    reviewer.review(card)
    reviewer.wait("document.querySelector('#cc-panel')?.getAttribute('data-state') === 'error'")
    assert reviewer.attr("#cc-verdict", "data-state") == "error"
    message = reviewer.text("#cc-verdict")
    assert message.startswith("Compute Cards: ") and len(message) < 200
    if "Flood" in front:
        flood = reviewer.wait("window.ccFlood && window.ccFlood.replies === window.ccFlood.sent && window.ccFlood", timeout=20)
        assert flood["sent"] == 40 * 18 and flood["oursOk"] == 0
    assert not MARKER.exists()
    assert reviewer.state() == "question" and reviewer.reps(card) == 0
    _answer_with_keys(reviewer, card)


def test_flood_of_valid_looking_messages_on_a_good_card_changes_nothing_shown(reviewer):
    """A card's script that knows the panel's token can only ask for what the panel asks for."""
    card = reviewer.card_id("kv-cache-llama-8b")
    reviewer.review(card)
    reviewer.wait_panel()
    token = reviewer.attr("#cc-panel", "data-cc-token")
    bad = [
        {"op": "evaluate", "token": "other-token", "values": {"seq_len": 8192}},
        {"op": "evaluate", "token": token, "values": {"seq_len": 5}},
        {"op": "evaluate", "token": token, "values": {"nope": 1}},
        {"op": "check", "token": token, "values": {"seq_len": True}, "text": "1"},
    ]
    replies = reviewer.js(
        "Promise.all(" + json.dumps(bad) + ".map(m => new Promise(r => pycmd('cc:' + JSON.stringify(m), r))))"
        ".then(rs => { window.ccReplies = rs; }); true"
    )
    assert replies is True
    replies = reviewer.wait("window.ccReplies")
    assert [r["ok"] for r in replies] == [False, False, False, False]
    assert [r["state"] for r in replies] == ["stale", "values", "values", "error"]
    assert reviewer.text('#qa [data-cc-value="seq_len"]') == "4,096"
    _answer_with_keys(reviewer, card)
