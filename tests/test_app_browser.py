"""The classroom app in a real browser: it serves, draws the map, steps when Step is clicked, and plays."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parents[1]


def _need_browser() -> None:
    if Path(CHROMIUM).exists() or shutil.which("chromium"):
        return
    message = f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    if os.environ.get("BORDERSIM_REQUIRE_BROWSER") == "1":
        pytest.fail(message + "; BORDERSIM_REQUIRE_BROWSER=1 requires it")
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def app_url(request):
    _need_browser()
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim.cli", "app", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )

    def stop():
        if proc.poll() is None:
            os.killpg(proc.pid, 15)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, 9)

    request.addfinalizer(stop)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 45
    while time.time() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"app server exited: {proc.stdout.read().decode(errors='replace')[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return url
        except OSError:
            time.sleep(0.5)
    pytest.fail("app server did not answer within 45 s")


def test_app_draws_map_and_steps(app_url, tmp_path):
    from playwright.sync_api import sync_playwright

    screenshot = ROOT / "results" / "app-screenshot.png"
    screenshot.parent.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(app_url, timeout=45_000)
            map_img = page.locator("img.bordersim-map")
            map_img.wait_for(timeout=45_000)
            box = map_img.bounding_box()
            assert box is not None and box["width"] > 300 and box["height"] > 200
            assert page.evaluate("(img) => img.naturalWidth", map_img.element_handle()) > 300
            first_map = map_img.get_attribute("src")
            day = page.locator("text=/day \\d+\\.\\d/").first
            assert "day 0.0" in day.inner_text()
            step = page.get_by_role("button", name="Step")
            for _ in range(6):
                step.click()
                page.wait_for_timeout(200)
            page.wait_for_function("() => !document.body.innerText.includes('day 0.0')", timeout=20_000)
            assert "day 0.1" in page.locator("text=/day \\d+\\.\\d/").first.inner_text()  # 6 steps of 30 min
            page.wait_for_timeout(500)
            assert map_img.get_attribute("src") != first_map  # the clock and patrols moved
            recruited = page.locator("td.count-victims_recruited")
            before = int(recruited.inner_text().strip())
            # Play until the counter moves (victims are recruited at a few a day), then pause
            page.get_by_role("button", name="▶").click()
            page.wait_for_function(
                f"() => Number(document.querySelector('td.count-victims_recruited').innerText) > {before}",
                timeout=60_000,
            )
            page.get_by_role("button", name="❚❚").click()
            assert int(recruited.inner_text()) > before
            page.screenshot(path=str(screenshot), full_page=True)
        finally:
            browser.close()
    from PIL import Image

    with Image.open(screenshot) as im:
        pixels = np.asarray(im.convert("RGB"), dtype=float)
    assert pixels.shape[0] > 500 and pixels.shape[1] > 1000
    assert pixels.std() > 30  # not a blank page
