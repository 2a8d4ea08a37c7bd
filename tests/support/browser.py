"""A REAL headless Chromium for tests: Debian's ``chromium`` driven by Selenium through ``chromedriver``.

Installed by ``scripts/system-deps.sh`` (apt packages ``chromium`` and ``chromium-driver``; the
Python bindings are pinned in requirements-test.txt). Selenium's own driver download
(selenium-manager) is never used: the service is always ``/usr/bin/chromedriver``.

    from tests.support.browser import chromium, as_phone, throttle

    def test_x(tmp_path):
        with chromium(tmp_path) as driver:
            as_phone(driver)               # 412x915, mobile, touch events, as AnkiDroid's WebView
            throttle(driver, 4)            # 4x slower CPU: a mid-range phone
            driver.get("http://127.0.0.1:PORT/card")

The flags are the ones this machine needs: no sandbox (root), no GPU, and no background
networking (the network is closed; Chromium otherwise keeps trying to reach Google's hosts).
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from pathlib import Path
from typing import Iterator, Optional

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
PHONE = {"width": 412, "height": 915, "deviceScaleFactor": 2.625, "mobile": True}
DESKTOP = {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False}

FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--hide-scrollbars",
    "--window-size=1280,900",
)


def available() -> Optional[str]:
    """Why Chromium cannot run here, or None when it can."""
    for path in (CHROMIUM, CHROMEDRIVER):
        if not Path(path).exists():
            return f"{path} is missing: run scripts/system-deps.sh (make test does)"
    return None


@contextlib.contextmanager
def chromium(profile_dir: Optional[Path] = None) -> Iterator["object"]:
    """A fresh headless Chromium (its own empty profile) as a Selenium WebDriver; quit on exit."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    problem = available()
    if problem:
        raise RuntimeError(problem)
    owned = profile_dir is None
    folder = Path(tempfile.mkdtemp(prefix="cc-chromium-")) if owned else Path(profile_dir) / "chromium-profile"
    folder.mkdir(parents=True, exist_ok=True)
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={folder}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    try:
        driver.set_page_load_timeout(30)
        driver.set_script_timeout(30)
        yield driver
    finally:
        driver.quit()
        if owned:
            shutil.rmtree(folder, ignore_errors=True)


def as_phone(driver, width: int = PHONE["width"], height: int = PHONE["height"]) -> None:
    """Emulate a phone the size of a mid-range Android (412x915 CSS px), with touch input."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", dict(PHONE, width=width, height=height))
    driver.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": True, "maxTouchPoints": 5})
    driver.execute_cdp_cmd("Emulation.setEmitTouchEventsForMouse", {"enabled": True, "configuration": "mobile"})


def as_desktop(driver) -> None:
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", DESKTOP)
    driver.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": False})


def throttle(driver, rate: float) -> None:
    """Slow the page's CPU down ``rate`` times (1 = no throttling)."""
    driver.execute_cdp_cmd("Emulation.setCPUThrottlingRate", {"rate": rate})


def tap(driver, element) -> None:
    """A real touch tap in the middle of ``element`` (touchStart/touchEnd through CDP), as a finger does."""
    rect = driver.execute_script(
        "const r = arguments[0].getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2];",
        element,
    )
    point = [{"x": rect[0], "y": rect[1]}]
    driver.execute_cdp_cmd("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": point})
    driver.execute_cdp_cmd("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def console_errors(driver) -> list[str]:
    """The page's console messages at level SEVERE since the last call (uncaught errors among them)."""
    return [entry["message"] for entry in driver.get_log("browser") if entry.get("level") == "SEVERE"]


def screenshot(driver, path: Path, full_page: bool = True) -> Path:
    """A PNG of the page (the whole page height when ``full_page``)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if full_page:
        metrics = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})
        size = metrics["cssContentSize"]
        shot = driver.execute_cdp_cmd(
            "Page.captureScreenshot",
            {"format": "png", "captureBeyondViewport": True,
             "clip": {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}},
        )
        import base64

        path.write_bytes(base64.b64decode(shot["data"]))
    else:
        driver.save_screenshot(str(path))
    return path
