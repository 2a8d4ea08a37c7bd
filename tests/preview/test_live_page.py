"""The preview page in a real headless Chromium (Debian's chromium + chromedriver): the card as Anki
renders it, with typeset math, following each save without a reload, a broken save shown and cleared."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.preview.conftest import PreviewProcess, wait_until
from tests.support.browser import as_phone, chromium, console_errors, screenshot
from tests.support.cli import run_build

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
QUESTION = "State the KV-cache memory formula for a transformer."

FRAME_STATE = """
const frame = document.getElementById(arguments[0]);
const doc = frame && frame.contentDocument;
if (!doc || !doc.getElementById('qa')) return null;
const body = doc.body;
return {
  text: doc.getElementById('qa').innerText,
  typeset: doc.documentElement.dataset.typeset || '',
  math: doc.querySelectorAll('mjx-container').length,
  rawTex: doc.getElementById('qa').innerText.includes('\\\\('),
  classes: body.className,
  background: getComputedStyle(body).backgroundColor,
  width: frame.getBoundingClientRect().width,
  height: frame.getBoundingClientRect().height,
};
"""


@pytest.fixture
def driver(tmp_path):
    with chromium(tmp_path) as d:
        yield d


def side(driver, name: str) -> dict | None:
    return driver.execute_script(FRAME_STATE, name)


def shown(driver, name: str, needle: str) -> dict | None:
    """The side ``name`` once it shows ``needle`` and its math is typeset (or it has none)."""
    state = side(driver, name)
    return state if state and needle in state["text"] and state["typeset"] in ("done", "none") else None


def diagnostics(driver) -> list[str]:
    return driver.execute_script(
        "return [...document.querySelectorAll('#live pre.diagnostic')].map(p => p.textContent);")


def test_a_card_renders_as_anki_shows_it_with_typeset_math(preview: PreviewProcess, driver) -> None:
    driver.get(f"{preview.url}/card/kv-cache-formula")
    question = wait_until(lambda: shown(driver, "question", QUESTION), what="the question side")
    answer = wait_until(lambda: shown(driver, "answer", "the 2 is one key and one value vector"), what="the answer side")
    assert question["classes"].split()[:2] == ["card", "card1"]  # the reviewer's body classes
    assert "80 layers" in question["text"]  # placeholders at their default values, as built
    assert answer["typeset"] == "done" and answer["math"] >= 2 and not answer["rawTex"]  # MathJax typeset \(..\) and \[..\]
    assert "2,684,354,560 B" in answer["text"]
    mathjax = driver.execute_script("return document.getElementById('answer').contentWindow.MathJax.version")
    assert mathjax.startswith("3.")  # the major version Anki bundles, from the local copy
    assert console_errors(driver) == []
    screenshot(driver, ARTIFACTS / "preview_card_light.png")


def test_night_mode_and_phone_width_are_toggles_in_the_page(preview: PreviewProcess, driver) -> None:
    driver.get(f"{preview.url}/card/kv-cache-llama-8b")
    light = wait_until(lambda: shown(driver, "answer", "536,870,912 B"), what="the answer side")
    assert "nightMode" not in light["classes"] and light["background"] == "rgb(255, 255, 255)"
    driver.find_element("link text", "Night").click()
    night = wait_until(lambda: (s := shown(driver, "answer", "536,870,912 B")) and "nightMode" in s["classes"] and s,
                       what="the night side")
    assert "night_mode" in night["classes"] and night["background"] == "rgb(30, 30, 30)"  # the note type's night CSS
    driver.find_element("link text", "Phone").click()
    phone = wait_until(lambda: (s := shown(driver, "question", "KV-cache size of one request")) and s["width"] < 420 and s,
                       what="the phone width")
    inner = driver.execute_script("return document.getElementById('question').contentWindow.innerWidth")
    assert inner == 412 and "nightMode" in phone["classes"]  # a phone's 412 CSS px, night mode kept
    assert console_errors(driver) == []
    screenshot(driver, ARTIFACTS / "preview_card_night_phone.png")


def test_the_page_also_reads_on_a_phone(preview: PreviewProcess, driver) -> None:
    as_phone(driver)
    driver.get(f"{preview.url}/card/kv-cache-llama-8b?width=phone")
    state = wait_until(lambda: shown(driver, "answer", "536,870,912 B"), what="the answer side")
    assert state["width"] <= driver.execute_script("return innerWidth")
    overflow = driver.execute_script("return document.documentElement.scrollWidth - innerWidth")
    assert overflow <= 0


def test_a_save_appears_without_a_reload(preview: PreviewProcess, driver) -> None:
    driver.get(f"{preview.url}/card/kv-cache-formula")
    wait_until(lambda: shown(driver, "answer", "the 2 is one key"), what="the card")
    driver.execute_script("window.stillThisPage = true;")
    preview.author.replace_in_card("kv-cache-formula", QUESTION, "Write down the KV-cache formula.")
    wait_until(lambda: shown(driver, "question", "Write down the KV-cache formula."), what="the edited question")
    wait_until(lambda: shown(driver, "answer", "Write down the KV-cache formula."), what="the edited answer side")
    assert driver.execute_script("return window.stillThisPage") is True  # the same page: no reload
    assert QUESTION not in side(driver, "question")["text"]
    # The index follows too.
    driver.get(f"{preview.url}/")
    driver.execute_script("window.stillThisPage = true;")
    preview.author.replace_in_card("gqa", "Why does GQA (grouped-query attention) reduce KV-cache size?",
                                   "Why does grouped-query attention shrink the cache?")
    wait_until(lambda: "Why does grouped-query attention shrink the cache?" in driver.execute_script(
        "return document.getElementById('live').innerText"), what="the index row")
    assert driver.execute_script("return window.stillThisPage") is True


def test_a_broken_save_shows_its_place_above_the_last_good_render_then_clears(
        preview: PreviewProcess, driver) -> None:
    driver.get(f"{preview.url}/card/kv-cache-llama-8b")
    wait_until(lambda: shown(driver, "answer", "536,870,912 B"), what="the card")
    assert diagnostics(driver) == []
    before = preview.line_count()
    preview.author.replace_in_card("kv-cache-llama-8b", "expect: 536,870,912 B", "expect: 536 GB")
    preview.author.replace_in_card("kv-cache-llama-8b", "in {{bytes_per_element:label}}?", "in {{bytes_per_elemnt:label}}?")
    found = wait_until(lambda: len(diagnostics(driver)) == 2 and diagnostics(driver), what="the diagnostics")
    # The same text as the terminal: the preview's own output and `build.py check` on the same files.
    preview.wait_for_output("2 error(s)", after=before)
    terminal = preview.output
    check = run_build("--content", str(preview.author.content), "--no-cache", "check")
    assert check.returncode == 1
    for text in found:
        assert text in terminal and text in check.stderr, text
    placeholder = next(t for t in found if "bytes_per_elemnt" in t)
    head, source_line, caret = placeholder.split("\n")
    path, line, col = head.split(": error: ")[0].rsplit(":", 2)
    assert path.endswith("ch19-kv-cache.md") and int(line) > 180 and int(col) > 1
    assert source_line.strip().startswith("{{num_kv_heads}} KV heads") and caret.strip() == "^"
    assert caret.index("^") - 4 == int(col) - 1  # the caret under the column, as in the terminal
    # Above the last good render: the frames still show the card as it last built.
    heading = driver.execute_script("return document.querySelector('#live .diagnostics h3').textContent")
    assert "2 error(s)" in heading and "last good render" in heading
    assert shown(driver, "question", "in BF16?")
    assert driver.execute_script(
        "const d = document.querySelector('#live .diagnostics'), s = document.getElementById('sides');"
        "return d.getBoundingClientRect().bottom <= s.getBoundingClientRect().top;")
    screenshot(driver, ARTIFACTS / "preview_card_broken.png")
    # Fixed: the diagnostics go, the new text comes.
    preview.author.replace_in_card("kv-cache-llama-8b", "expect: 536 GB", "expect: 536.9 MB")
    preview.author.replace_in_card("kv-cache-llama-8b", "{{bytes_per_elemnt:label}}?", "{{bytes_per_element:label}} (fixed)?")
    wait_until(lambda: diagnostics(driver) == [], what="the diagnostics to clear")
    wait_until(lambda: shown(driver, "question", "in BF16 (fixed)?"), what="the fixed card")
    assert console_errors(driver) == []


def test_an_image_of_the_content_folder_shows_in_the_card(preview: PreviewProcess, driver) -> None:
    from tests.preview.test_not_an_open_door import PNG

    (preview.author.content / "dot.png").write_bytes(PNG)
    preview.author.append_card("## picture\n\nWhat is this? <img id=\"pic\" src=\"dot.png\">\n\n---\n\nA dot.\n")
    wait_until(lambda: preview.request("/card/picture")[0] == 200, what="the new card")
    driver.get(f"{preview.url}/card/picture")
    wait_until(lambda: shown(driver, "question", "What is this?"), what="the card")
    width = wait_until(lambda: driver.execute_script(
        "const img = document.getElementById('question').contentDocument.getElementById('pic');"
        "return img && img.complete && img.naturalWidth;"), what="the image")
    assert width == 1
    source = "return document.getElementById('question').contentDocument.getElementById('pic').getAttribute('src');"
    first = driver.execute_script(source)
    # An edited image with the Markdown unchanged: the card refers to it by a new media name (as the
    # build's field will), and the open card shows the new file.
    (preview.author.content / "dot.png").write_bytes(PNG_2X1)
    wait_until(lambda: driver.execute_script(
        "const img = document.getElementById('question').contentDocument.getElementById('pic');"
        "return img && img.complete && img.naturalWidth === 2;"), what="the edited image")
    second = driver.execute_script(source)
    assert first.startswith("dot-") and second.startswith("dot-") and second != first


def _png(width: int, height: int) -> bytes:
    """A valid grey PNG of that size (the one-pixel PNG, edited)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


PNG_2X1 = _png(2, 1)


SCRIPTED_CARD = """\
## scripted

Pick one: <button id="pick" onclick="sessionStorage.setItem('picked', 'seven')">seven</button>
<script>document.getElementById('qa').dataset.ran = 'question';</script>

---

You picked <b id="picked">nothing</b>.
<script>
document.getElementById('picked').textContent = sessionStorage.getItem('picked') || 'nothing yet';
</script>
"""


def test_the_card_s_own_scripts_run_and_its_sides_share_a_review_s_state(preview: PreviewProcess, driver) -> None:
    """What the template's JavaScript engine needs (it keeps the panel's values in sessionStorage): the
    side's inline scripts run, as in Anki, and a change on the question side shows on the answer side."""
    preview.author.append_card(SCRIPTED_CARD)
    wait_until(lambda: preview.request("/card/scripted")[0] == 200, what="the new card")
    driver.get(f"{preview.url}/card/scripted")
    wait_until(lambda: shown(driver, "answer", "nothing yet"), what="the answer side")
    assert driver.execute_script("return document.getElementById('question').contentDocument"
                                 ".getElementById('qa').dataset.ran") == "question"
    driver.switch_to.frame("question")
    driver.find_element("id", "pick").click()
    driver.switch_to.default_content()
    wait_until(lambda: shown(driver, "answer", "You picked seven"), what="the answer side to follow the question")
    assert console_errors(driver) == []
