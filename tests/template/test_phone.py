"""The card template's own panel on a phone: real Chromium, each side loaded as AnkiDroid loads it.

412x915 viewport with touch emulation; each side a fresh page from one 127.0.0.1 origin
(tests/support/phone_server.py); the card HTML rendered by the real anki package from the built .apkg.
Parameters change by taps (steppers, choices, presets, New numbers, Reset) and by typing.
"""

from __future__ import annotations

import json

import pytest
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.support.browser import as_phone, chromium, console_errors, screenshot, tap
from tests.template.conftest import KV, MEDUSA, SCREENSHOTS, SPEC

READY = "!!document.querySelector('#cc-panel[data-cc-host=\"template\"][data-cc-mounted]')"


@pytest.fixture
def driver(tmp_path):
    with chromium(tmp_path) as driver:
        as_phone(driver)
        yield driver


def js(driver, code: str):
    return driver.execute_script("return (" + code + ");")


def wait(driver, code: str, timeout: float = 20):
    """Wait until ``code`` is truthy in the page; returns its value."""
    return WebDriverWait(driver, timeout).until(lambda d: js(d, code), message=f"stayed falsy: {code}")


def text(driver, selector: str):
    return js(driver, f"(e => e ? e.innerText : null)(document.querySelector({json.dumps(selector)}))")


def value_of(driver, key: str):
    return text(driver, f'.cc-question [data-cc-value="{key}"]')


def show(driver, phone, name: str, side: str, night: bool = False, ready: bool = True) -> None:
    driver.get(phone.url(name, side, night))
    if ready and side == "question":
        wait(driver, READY)
    elif ready:
        wait(driver, "!!document.querySelector('#cc-panel[data-cc-side=\"answer\"] #cc-expected')")


def type_answer(driver, typed: str) -> str:
    box = driver.find_element("id", "cc-answer")
    box.clear()
    box.send_keys(typed)
    wait(driver, f"document.getElementById('cc-verdict').getAttribute('data-cc-text') === {json.dumps(typed)}")
    return driver.find_element("id", "cc-verdict").get_attribute("data-state")


def tap_step(driver, name: str, direction: str) -> None:
    tap(driver, driver.find_element("css selector", f'[data-cc-step="{direction}"][data-cc-for="{name}"]'))


def nothing_cut_off(driver) -> None:
    """At phone width the page never scrolls sideways: wide things scroll inside their own box."""
    width = js(driver, "document.documentElement.scrollWidth")
    assert width <= 412, f"the page is {width}px wide on a 412px phone"


def test_taps_alone_change_every_kind_of_parameter(driver, phone):
    show(driver, phone, KV, "question")
    assert value_of(driver, "seq_len") == "4,096"
    tap_step(driver, "seq_len", "up")  # a wide range doubles: 4,096 -> 8,192
    wait(driver, "document.querySelector('.cc-question [data-cc-value=\"seq_len\"]').innerText === '8,192'")
    assert js(driver, "document.querySelector('[data-cc-param=\"seq_len\"]').value") == "8192"
    tap_step(driver, "num_layers", "down")
    wait(driver, "document.querySelector('.cc-question [data-cc-value=\"num_layers\"]').innerText === '16'")

    # a choice: the select a finger opens
    Select(driver.find_element("css selector", '[data-cc-param="bytes_per_element"]')).select_by_visible_text("FP32")
    wait(driver, "document.querySelector('.cc-question [data-cc-value=\"bytes_per_element:label\"]').innerText === 'FP32'")

    # a preset
    presets = driver.find_element("css selector", "[data-cc-preset]")
    if presets.tag_name == "select":
        Select(presets).select_by_visible_text("Llama-3.1-70B")
    else:
        tap(driver, driver.find_element("xpath", "//button[@data-cc-preset and text()='Llama-3.1-70B']"))
    wait(driver, "document.querySelector('.cc-question [data-cc-value=\"num_layers\"]').innerText === '80'")

    tap(driver, driver.find_element("css selector", '[data-cc-action="reset"]'))
    wait(driver, "document.querySelector('.cc-question [data-cc-value=\"num_layers\"]').innerText === '32'")
    assert value_of(driver, "seq_len") == "4,096"
    tap(driver, driver.find_element("css selector", '[data-cc-action="new"]'))
    wait(driver, "[...document.querySelectorAll('[data-cc-param]')].some(e => e.value !== String({num_layers: 32, num_kv_heads: 8, head_dim: 128, seq_len: 4096, bytes_per_element: 2}[e.getAttribute('data-cc-param')]))")
    # every control a finger touches is marked for AnkiMobile, where other taps flip the card
    untappable = js(driver, "[...document.querySelectorAll('#cc-panel button, #cc-panel select, #cc-panel input')].filter(e => !e.classList.contains('tappable')).length")
    assert untappable == 0
    nothing_cut_off(driver)
    assert console_errors(driver) == []


def test_stepper_stops_at_the_end_of_the_range(driver, phone):
    show(driver, phone, SPEC, "question")
    for _ in range(30):
        button = driver.find_element("css selector", '[data-cc-step="up"][data-cc-for="acceptance_rate"]')
        if not button.is_enabled():
            break
        tap(driver, button)
    wait(driver, "document.querySelector('[data-cc-param=\"acceptance_rate\"]').value === '0.99'")
    assert not driver.find_element("css selector", '[data-cc-step="up"][data-cc-for="acceptance_rate"]').is_enabled()
    assert driver.find_element("css selector", "#cc-note").text == ""
    assert console_errors(driver) == []


def test_typed_answers_are_checked_live_with_units(driver, phone):
    show(driver, phone, KV, "question")
    tap_step(driver, "seq_len", "up")
    wait(driver, "document.querySelector('[data-cc-param=\"seq_len\"]').value === '8192'")
    verdicts = {typed: type_answer(driver, typed) for typed in ["1 GiB", "1073741824", "1.07 GB", "536 MB", "1 GHz"]}
    assert verdicts == {"1 GiB": "correct", "1073741824": "correct", "1.07 GB": "correct",
                        "536 MB": "incorrect", "1 GHz": "unit"}
    # typing a parameter works too (where the client gives the card a keyboard)
    box = driver.find_element("css selector", '[data-cc-param="seq_len"]')
    box.clear()
    box.send_keys("4096")
    wait(driver, "document.querySelector('.cc-question [data-cc-value=\"seq_len\"]').innerText === '4,096'")
    assert type_answer(driver, "536.9 MB") == "correct"
    # the question side never gives the expected value away
    assert "536,870,912" not in text(driver, "#cc-panel")
    assert console_errors(driver) == []


def test_only_the_answer_side_makes_the_client_load_mathjax(deck):
    """Clients load MathJax only for a card with math in its HTML: the panel's code must not look like math."""
    from tests.support.phone_server import needs_mathjax

    question, answer = deck.sides(KV)  # a question without math of its own
    assert not needs_mathjax(question)
    assert needs_mathjax(answer)  # for the worked formula


def test_answer_side_is_a_fresh_page_with_the_values_used(driver, phone):
    show(driver, phone, KV, "question")
    tap_step(driver, "seq_len", "up")
    wait(driver, "document.querySelector('[data-cc-param=\"seq_len\"]').value === '8192'")
    assert type_answer(driver, "1 GiB") == "correct"
    js(driver, "window.ccSamePage = true")

    show(driver, phone, KV, "answer")
    assert js(driver, "window.ccSamePage === undefined")  # a fresh page, as on AnkiDroid
    assert js(driver, "document.getElementById('cc-panel').getAttribute('data-cc-origin')") == "question"
    used = js(driver, "[...document.querySelectorAll('[data-cc-used]')].map(e => e.innerText)")
    assert "seq_len = 8,192" in used and "bytes_per_element = 2 (BF16)" in used
    assert text(driver, "#cc-typed") == "1 GiB"
    assert js(driver, "document.getElementById('cc-verdict').getAttribute('data-state')") == "correct"
    assert text(driver, "#cc-expected") == "1,074 MB"
    assert text(driver, "#cc-exact") == "(1,073,741,824 B)"
    # the card's own text shows the same values, on both halves
    assert value_of(driver, "seq_len") == "8,192"
    assert text(driver, '.cc-answer [data-cc-value="answer:B"]') == "1,073,741,824 B"
    # the worked formula, typeset by the client's MathJax
    wait(driver, "!!document.querySelector('#cc-worked mjx-container')", timeout=20)
    source = js(driver, "(() => { const m = MathJax.startup.document.getMathItemsWithin(document.getElementById('cc-worked')); return m.length ? m[0].math : ''; })()")
    assert source.startswith(r"2 \times 32 \times 8 \times 128 \times 2 \times 8{,}192 = \text{1,073,741,824 B}"), source
    nothing_cut_off(driver)
    # the formula is wider than the phone: it scrolls inside its own box, and a finger can scroll it
    box = js(driver, "(w => [w.scrollWidth, w.clientWidth, getComputedStyle(w).overflowX])(document.getElementById('cc-worked'))")
    assert box[0] > box[1] and box[2] == "auto", box
    js(driver, "document.getElementById('cc-worked').scrollLeft = 10000")
    assert js(driver, "document.getElementById('cc-worked').scrollLeft") > 0
    assert console_errors(driver) == []


def test_nothing_leaks_to_the_next_card_or_the_next_showing(driver, phone):
    show(driver, phone, KV, "question")
    tap_step(driver, "seq_len", "up")
    wait(driver, "document.querySelector('[data-cc-param=\"seq_len\"]').value === '8192'")
    type_answer(driver, "1 GiB")
    show(driver, phone, KV, "answer")
    assert text(driver, "#cc-typed") == "1 GiB"

    # the next card: its answer shows its own defaults, not the last card's values
    show(driver, phone, SPEC, "answer")
    assert js(driver, "document.getElementById('cc-panel').getAttribute('data-cc-origin')") == "defaults"
    assert text(driver, "#cc-typed") == "\u2014"
    # the same card shown again later starts from its defaults, with an empty answer
    show(driver, phone, KV, "question")
    assert value_of(driver, "seq_len") == "4,096"
    assert js(driver, "document.getElementById('cc-answer').value") == ""
    show(driver, phone, KV, "answer")
    assert text(driver, "#cc-typed") == "\u2014"
    assert js(driver, "[...document.querySelectorAll('[data-cc-used]')].map(e => e.innerText)")[3] == "seq_len = 4,096"
    assert console_errors(driver) == []


def test_a_card_without_a_compute_block_gets_no_panel(driver, phone):
    show(driver, phone, MEDUSA, "question", ready=False)
    wait(driver, "document.readyState === 'complete'")
    assert js(driver, "document.getElementById('cc-panel')") is None
    assert console_errors(driver) == []


@pytest.mark.parametrize("name", ["broken", "hostile"])
def test_a_broken_or_hostile_block_shows_a_short_message_and_runs_nothing(driver, phone, deck, name):
    show(driver, phone, name, "question", ready=False)
    wait(driver, "document.querySelector('#cc-panel[data-state]') && document.getElementById('cc-panel').getAttribute('data-state') !== 'loading'")
    assert js(driver, "window.ccPwned === undefined")  # the field's markup never ran
    message = text(driver, "#cc-panel")
    if name == "broken":
        assert js(driver, "document.getElementById('cc-verdict').getAttribute('data-state')") == "error"
        assert message.startswith("Compute Cards: ") and len(message) < 200
    assert "Broken block" in text(driver, ".cc-question") or "Hostile block" in text(driver, ".cc-question")
    show(driver, phone, name, "answer", ready=False)
    wait(driver, "document.readyState === 'complete'")
    assert js(driver, "window.ccPwned === undefined")
    assert "The back." in text(driver, ".cc-answer")
    assert console_errors(driver) == []


def test_with_scripts_off_the_card_reads_as_the_release_did(tmp_path, phone, deck):
    """No JavaScript at all: the question and answer read exactly as the current release's static
    templates show the same note (its fields as this build writes them)."""
    from anki.collection import Collection

    from addon.core.card import guid_for
    from tests.template.conftest import RELEASE_APKG, import_deck

    current = deck.col.get_note(deck.col.db.scalar("select id from notes where guid = ?", guid_for(KV)))
    release = Collection(str(tmp_path / "release.anki2"))
    try:
        import_deck(release, RELEASE_APKG)
        note = release.get_note(release.db.scalar("select id from notes where guid = ?", guid_for(KV)))
        note.fields = list(current.fields)  # today's card in the release's (static) templates
        release.update_note(note)
        card = note.cards()[0]
        old_sides = {"question": card.question(reload=True), "answer": card.answer()}
        assert "ComputeCardsTemplate" not in old_sides["question"]  # the static card
    finally:
        release.close()
    from tests.support.phone_server import PhoneServer

    with PhoneServer() as old, chromium(tmp_path) as driver:
        old.add("release", old_sides["question"], old_sides["answer"])
        as_phone(driver)
        driver.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
        for side in ("question", "answer"):
            driver.get(old.url("release", side))
            before = driver.find_element("tag name", "body").text
            driver.get(phone.url(KV, side))
            after = driver.find_element("tag name", "body").text
            assert after == before, side


@pytest.mark.parametrize("night", [False, True], ids=["light", "night"])
def test_phone_screenshots(driver, phone, night):
    mode = "night" if night else "light"
    show(driver, phone, KV, "question", night=night)
    tap_step(driver, "seq_len", "up")
    wait(driver, "document.querySelector('[data-cc-param=\"seq_len\"]').value === '8192'")
    type_answer(driver, "1 GiB" if not night else "536 MB")
    if night:
        colour = js(driver, "getComputedStyle(document.getElementById('cc-panel')).color")
        assert colour == "rgb(230, 230, 230)", colour
    nothing_cut_off(driver)
    screenshot(driver, SCREENSHOTS / f"phone_question_{mode}.png")
    show(driver, phone, KV, "answer", night=night)
    wait(driver, "!!document.querySelector('#cc-worked mjx-container')", timeout=20)
    nothing_cut_off(driver)
    screenshot(driver, SCREENSHOTS / f"phone_answer_{mode}.png")
    assert console_errors(driver) == []


def math_source(driver, selector: str) -> str:
    """The TeX MathJax typeset in ``selector`` (once it has typeset it)."""
    wait(driver, f"!!document.querySelector({json.dumps(selector + ' mjx-container')})", timeout=20)
    return js(driver, f"(() => {{ const m = MathJax.startup.document.getMathItemsWithin(document.querySelector({json.dumps(selector)})); "
                      "return m.length ? m[0].math : ''; })()")


def test_placeholders_inside_math_follow_the_values_on_both_sides(driver, phone):
    show(driver, phone, "math", "question")
    assert math_source(driver, ".cc-question .cc-math") == r"2 \times 1.5 = 3\,\mathrm{MB}"
    tap_step(driver, "x", "up")
    shown = wait(driver, "(v => v !== '1.5' && v)(document.querySelector('[data-cc-param=\"x\"]').value)")
    x = float(shown)
    expected = rf"2 \times {x:g} = {2 * x:g}\,\mathrm{{MB}}"
    delimited = "\\(" + expected + "\\)"  # data-cc-shown: the math as written, with its delimiters
    wait(driver, f"(e => e && e.getAttribute('data-cc-shown') === {json.dumps(delimited)})(document.querySelector('.cc-question .cc-math'))")
    assert math_source(driver, ".cc-question .cc-math") == expected

    show(driver, phone, "math", "answer")  # a fresh page: the math is written from the stored values
    assert js(driver, "document.getElementById('cc-panel').getAttribute('data-cc-origin')") == "question"
    assert text(driver, '.cc-question [data-cc-value="x"]') == f"{x:g}"  # the answer side shows the front too
    wait(driver, f"(e => e && e.getAttribute('data-cc-shown') === {json.dumps(delimited)})(document.querySelector('.cc-question .cc-math'))")
    assert math_source(driver, ".cc-question .cc-math") == expected
    assert console_errors(driver) == []
