"""A placeholder inside math in a real Anki reviewer: shown as TeX at the defaults, typeset by Anki's
MathJax, and typeset again with the new value when the learner changes a parameter."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.reviewer.reviewing import start

ROOT = Path(__file__).resolve().parents[2]
DECK = r"""---
deck: Math placeholders
---

## math-live
formula: \text{rows} = 2 \times {{seq_len}}

The cache holds $2 \times {{seq_len}}$ rows, \({{seq_len}}\) per tensor.

---

{{answer}}.

```compute
param seq_len = 4096 in 128..131_072 step 128
answer = 2 * seq_len
unit: B
```
"""
MATH = "#qa .cc-question .cc-math"


@pytest.fixture
def deck(tmp_path) -> Path:
    content = tmp_path / "content"
    content.mkdir()
    (content / "math.md").write_text(DECK, encoding="utf-8")
    run = subprocess.run([sys.executable, "build.py", "--content", str(content), "--out-dir", str(tmp_path / "dist"),
                          "--no-cache", "-q"], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    return tmp_path / "dist" / "math.apkg"


def test_math_placeholders_are_typeset_and_follow_the_parameters(anki_session, qtbot, built, deck):
    reviewer = start(anki_session.mw, qtbot, built.ankiaddon, deck)
    reviewer.review(reviewer.card_id("math-live"))
    reviewer.wait_panel()
    assert reviewer.js(f"document.querySelectorAll('{MATH}').length") == 2
    assert reviewer.attr(MATH, "data-cc-tex") == r"\(2 \times {{seq_len}}\)"
    reviewer.wait(f"document.querySelectorAll('{MATH} mjx-container').length === 2")  # Anki's MathJax typeset it

    reviewer.set_parameter("seq_len", "8192")
    reviewer.wait(f"[...document.querySelectorAll('{MATH}')].map(e => e.getAttribute('data-cc-shown')).join('|') === "
                  r"'\\(2 \\times 8{,}192\\)|\\(8{,}192\\)'")
    reviewer.wait(f"document.querySelectorAll('{MATH} mjx-container').length === 2")  # typeset again
    question = reviewer.text("#qa .cc-question")
    assert "\\(" not in question and "{{" not in question and "8{,}192" not in question
