"""The classroom app in a real browser: served from outside the repository, it places towers by clicking, runs
both sides, keeps the rounds, exports them, answers the keyboard and fetches nothing from the internet."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import replace
from pathlib import Path

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
def app_url(request, tmp_path):
    _need_browser()
    port = _free_port()
    log = (tmp_path / "app.log").open("w")  # the server's output, read by the test (no noise, no traceback)
    request.addfinalizer(log.close)
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim.cli", "app", "--host", "127.0.0.1", "--port", str(port)],
        cwd=tmp_path,  # outside the repository: the shipped scenarios
        stdout=log,
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
            pytest.fail(f"app server exited: {(tmp_path / 'app.log').read_text(errors='replace')[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return url
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"app server did not answer within {STATE_WAIT_S} s")


def _click_map(page, side: str, x_km: float, y_km: float) -> None:
    """Click the map of ``side`` at (x_km, y_km), where the page says that map lies in its picture."""
    maps = json.loads(page.locator("span.bordersim-map-geometry").get_attribute("data-maps"))
    geometry = next(m for m in maps if m["side"] == side)
    left, top, right, bottom = geometry["box"]
    (x0, x1), (y0, y1) = geometry["xlim"], geometry["ylim"]
    box = page.locator("img.bordersim-map").bounding_box()
    fx = left + (x_km - x0) / (x1 - x0) * (right - left)
    fy = top + (y_km - y0) / (y1 - y0) * (bottom - top)
    page.mouse.click(box["x"] + fx * box["width"], box["y"] + fy * box["height"])


#: The scoreboards as the page shows them: the step, day and round they belong to and every score of both runs,
#: read at once from one rendering.
READ_SCORES = """() => {
    const table = document.querySelector('table.bordersim-scores');
    if (!table) return null;
    const scores = {baseline: {}, plan: {}};
    for (const cell of table.querySelectorAll('td[class^="score-"]')) {
        const [, side, name] = cell.className.split('-');
        scores[side][name] = Number(cell.dataset.value);
    }
    return {step: Number(table.dataset.step), day: Number(table.dataset.day), round: Number(table.dataset.round),
            scores: scores};
}"""


def _wait_for(page, condition: str) -> None:
    """Wait until the scoreboards' table satisfies ``condition`` (JavaScript on ``t``, the table's dataset)."""
    page.wait_for_function(
        "() => { const e = document.querySelector('table.bordersim-scores');"
        f" if (!e) return false; const t = e.dataset; return {condition}; }}",
        timeout=STATE_WAIT_S * 1000,
    )


def test_app_plays_the_defender(app_url, tmp_path):
    """Started outside the repository: two towers placed by clicking (a hidden site refused), step and reset keys,
    run to day 14, both scoreboards against the same game run here, the next round, the rounds' CSV, large text,
    Play and Pause; and every request stays on this computer."""
    from playwright.sync_api import sync_playwright

    from sim.viz.classroom import Classroom, history_columns

    screenshot = ROOT / "results" / "app-screenshot.png"
    screenshot.parent.mkdir(exist_ok=True)
    requests: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 1100}, accept_downloads=True)
            page.set_default_timeout(STATE_WAIT_S * 1000)
            page.on("request", lambda r: requests.append(r.url))
            page.goto(app_url)
            page.locator("img.bordersim-map").wait_for()
            _wait_for(page, "t.step === '0' && t.round === '1'")
            assert page.evaluate("(img) => img.naturalWidth", page.locator("img.bordersim-map").element_handle()) > 800

            # Two towers by clicking the plan's map (and the baseline's: either map places on the plan)
            _click_map(page, "plan", 9.5, 6.5)
            page.get_by_text("Tower 1 at (9.5, 6.5) km").wait_for()
            _click_map(page, "baseline", 4.5, 6.5)
            page.get_by_text("Tower 2 at (4.5, 6.5) km").wait_for()
            page.get_by_text("Budget used: 700,000 of 700,000 a year").wait_for()
            _click_map(page, "plan", 2.5, 3.5)  # north of the western range, in its shadow
            page.get_by_text("no line of sight to the border from (2.5, 3.").wait_for()  # the click, to 0.1 km

            # One patrol unit moved from the west third to the east third by the sliders' keys (cost-neutral)
            thumbs = page.locator(".v-slider-thumb")  # speed, run to day, west, centre, east, courts
            thumbs.nth(2).focus()
            page.keyboard.press("ArrowLeft")
            page.get_by_text("west third: 1 unit(s)").wait_for()
            thumbs.nth(4).focus()
            page.keyboard.press("ArrowRight")
            page.get_by_text("east third: 2 unit(s)").wait_for()
            page.get_by_text("Patrol units: 4 (your split").wait_for()
            page.get_by_text("Budget used: 700,000 of 700,000 a year").wait_for()

            # Step and reset by key
            page.keyboard.press("s")
            _wait_for(page, "t.step === '1'")
            page.keyboard.press("r")
            _wait_for(page, "t.step === '0'")

            # Run to day 14: both runs, without drawing each step
            page.get_by_role("button", name="Run to day 14").click()
            _wait_for(page, "Number(t.day) >= 14")
            shown = page.evaluate(READ_SCORES)
            game = Classroom("classroom", seed=0)
            game.add_tower(9.5, 6.5)
            game.add_tower(4.5, 6.5)
            game.set_plan(replace(game.plan, patrol_units=(1, 1, 2)))
            game.play_to_end()
            assert shown["scores"] == game.run.scores()
            base, plan = shown["scores"]["baseline"], shown["scores"]["plan"]
            assert base["crossings"] > 0 and base["cost"] > 0  # the scoreboards moved from 0
            assert plan != base and plan["cost"] > base["cost"]  # and differ: the plan pays for two towers

            # The next round, its history, the CSV
            page.keyboard.press("n")
            _wait_for(page, "t.round === '2' && t.step === '0'")
            page.locator("table.bordersim-history").wait_for()
            with page.expect_download() as download:
                page.locator("a.bordersim-download", has_text="CSV").click()
            rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text())))
            assert list(rows[0]) == history_columns() and len(rows) == 1
            assert rows[0]["towers"] == "9.5;6.5 4.5;6.5" and float(rows[0]["plan_crossings"]) == plan["crossings"]

            # Large text by key, then Play and Pause by key
            size = "() => parseFloat(getComputedStyle(document.querySelector('table.bordersim-scores td')).fontSize)"
            normal = page.evaluate(size)
            page.keyboard.press("l")
            page.wait_for_function(f"() => ({size})() > {normal} * 1.2")
            page.keyboard.press(" ")
            _wait_for(page, "Number(t.step) >= 24")
            page.keyboard.press(" ")
            page.get_by_role("button", name="▶ Play").wait_for()
            page.screenshot(path=str(screenshot), full_page=True)
        finally:
            browser.close()
    local = ("http://127.0.0.1:", "ws://127.0.0.1:", "blob:http://127.0.0.1:", "data:")
    assert requests and [u for u in requests if not u.startswith(local)] == []
    said = (tmp_path / "app.log").read_text(errors="replace")
    shipped = ROOT / "sim" / "examples" / "scenarios" / "classroom.toml"  # from outside the repository: the package's
    assert f"bordersim app: {shipped}" in said
    assert "Traceback" not in said and "Warning" not in said and "warn" not in said.lower()
