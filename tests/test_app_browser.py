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

from tests.waits import STATE_WAIT_S

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
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, 9)

    request.addfinalizer(stop)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + STATE_WAIT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"app server exited: {proc.stdout.read().decode(errors='replace')[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return url
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"app server did not answer within {STATE_WAIT_S} s")


#: The counters' table as the page shows it: the step and seed it belongs to and every counter, read at once
#: from one rendering (so the numbers all belong to that step).
READ_TABLE = """() => {
    const table = document.querySelector('table.bordersim-counters');
    if (!table) return null;
    const counts = {};
    for (const cell of table.querySelectorAll('td[class^="count-"]')) {
        counts[cell.className.slice('count-'.length)] = Number(cell.innerText);
    }
    return {step: Number(table.dataset.step), seed: Number(table.dataset.seed), counts: counts};
}"""


def _wait_for_step(page, condition: str) -> None:
    """Wait until the page's model is at a step satisfying ``condition`` (a JavaScript test of ``step``)."""
    page.wait_for_function(
        "() => { const t = document.querySelector('table.bordersim-counters');"
        f" if (!t) return false; const step = Number(t.dataset.step); return {condition}; }}",
        timeout=STATE_WAIT_S * 1000,
    )


def _expected_counts(seed: int, steps: int) -> dict[str, int]:
    """The counters of the classroom model at ``seed`` after ``steps`` steps, run here in the test's process."""
    from sim.viz.animate import COUNTERS
    from sim.viz.app import ClassroomModel

    model = ClassroomModel(seed=seed)
    for _ in range(steps):
        model.step()
    return {name: int(model.latest[name]) for name in COUNTERS}


def _early_seed(steps: int = 8) -> int:
    """A seed whose classroom run has recruited a victim within ``steps`` steps (so Play moves a counter soon)."""
    return next(seed for seed in range(1, 50) if _expected_counts(seed, steps)["victims_recruited"] > 0)


def test_app_draws_map_and_steps(app_url, tmp_path):
    """Step, Reset with another seed, Play and Pause, each followed by the model's own step count (never by the
    clock), and the counters the page shows are those of the same model run here for as many steps."""
    from playwright.sync_api import sync_playwright

    screenshot = ROOT / "results" / "app-screenshot.png"
    screenshot.parent.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(STATE_WAIT_S * 1000)
            page.goto(app_url)
            map_img = page.locator("img.bordersim-map")
            map_img.wait_for()
            box = map_img.bounding_box()
            assert box is not None and box["width"] > 300 and box["height"] > 200
            assert page.evaluate("(img) => img.naturalWidth", map_img.element_handle()) > 300
            first_map = map_img.get_attribute("src")
            _wait_for_step(page, "step === 0")
            assert "day 0.0" in page.locator("text=/day \\d+\\.\\d/").first.inner_text()

            # Step: one click, one step (the button is disabled while a step runs, so wait for each)
            step = page.get_by_role("button", name="Step")
            for k in range(1, 7):
                step.click()
                _wait_for_step(page, f"step === {k}")
            assert "day 0.1" in page.locator("text=/day \\d+\\.\\d/").first.inner_text()  # 6 steps of 30 min
            page.wait_for_function("(src) => document.querySelector('img.bordersim-map').src !== src", arg=first_map)
            shown = page.evaluate(READ_TABLE)
            assert shown["counts"] == _expected_counts(0, 6)

            # Reset with a seed whose first victim is recruited within 8 steps
            early = _early_seed()
            seed = page.get_by_label("Seed")
            seed.fill(str(early))
            seed.press("Enter")
            page.get_by_role("button", name="Reset").click()
            page.wait_for_function(
                "(seed) => { const t = document.querySelector('table.bordersim-counters');"
                " return t && t.dataset.seed === String(seed) && t.dataset.step === '0'; }",
                arg=early,
            )

            # Play until the model has passed step 8, then pause; the page stops on some step, whatever the
            # machine's speed, and shows that step's counters
            page.get_by_role("button", name="▶").click()
            _wait_for_step(page, "step >= 8")
            page.get_by_role("button", name="❚❚").click()
            page.get_by_role("button", name="▶").wait_for()  # paused: Play is offered again
            stopped = page.evaluate(READ_TABLE)["step"]  # a step under way when Pause was pressed may still land
            step.click()  # Step is enabled again once paused
            _wait_for_step(page, f"step > {stopped}")
            shown = page.evaluate(READ_TABLE)
            assert shown["seed"] == early
            expected = _expected_counts(early, shown["step"])
            assert shown["counts"] == expected
            assert expected["victims_recruited"] > 0  # the counters moved under Play
            page.screenshot(path=str(screenshot), full_page=True)
        finally:
            browser.close()
    from PIL import Image

    with Image.open(screenshot) as im:
        pixels = np.asarray(im.convert("RGB"), dtype=float)
    assert pixels.shape[0] > 500 and pixels.shape[1] > 1000
    assert pixels.std() > 30  # not a blank page
