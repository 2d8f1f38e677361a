"""End to end in a real headless Chromium: topic → script → edit → pictures → voice → preview → download.

Uses Debian's chromium driven by Playwright (the machine cannot download a browser); screenshots of every
step go to test-artifacts/.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import unavailable
from tests.test_app import free_port

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None:
    unavailable("Debian's chromium is not installed (apt-get install chromium)")
ROOT = Path(__file__).resolve().parent.parent
TIMEOUT_MS = 90_000


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    port = free_port()
    env = {
        **os.environ,
        "GRADIO_SERVER_NAME": "127.0.0.1",
        "GRADIO_SERVER_PORT": str(port),
        "GRADIO_TEMP_DIR": str(tmp_path_factory.mktemp("gradio")),
        "VIDEOCREATOR_SESSIONS": str(tmp_path_factory.mktemp("sessions")),
        "VIDEOCREATOR_WRITER": "template",
        "GRADIO_ANALYTICS_ENABLED": "False",
    }
    proc = subprocess.Popen(
        [sys.executable, "app.py"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail(f"the app did not start: {proc.stdout.read().decode(errors='replace')[-2000:]}")
    yield url
    proc.terminate()
    proc.wait(10)


@pytest.fixture
def page(server: str):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )  # fmt: skip
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(server)
        yield page
        browser.close()


def shot(page, artifacts: Path, name: str) -> None:
    page.screenshot(path=str(artifacts / f"browser-{name}.png"), full_page=True)


def test_topic_to_video_in_a_browser(page, artifacts: Path):
    from playwright.sync_api import expect

    page.get_by_label("Topic").fill("How bees make honey")
    page.locator("#write-script").click()
    expect(page.get_by_label("Title", exact=True)).to_have_value("How bees make honey", timeout=TIMEOUT_MS)
    expect(page.locator("#script")).to_contain_text("how bees make honey")
    shot(page, artifacts, "1-script")

    page.locator("#make-images").click()
    page.locator("#gallery img").nth(4).wait_for()
    first_picture = page.locator("#gallery img").first.get_attribute("src")

    prompt = page.get_by_label("Image prompt of the selected scene")
    prompt.fill("a golden honeycomb dripping with honey")
    page.locator("#regenerate").click()
    page.wait_for_function(
        "src => document.querySelector('#gallery img') && document.querySelector('#gallery img').src !== src",
        arg=first_picture,
    )
    shot(page, artifacts, "2-pictures")

    page.locator("#narrate-all").click()
    page.wait_for_function("() => (document.body.innerText.match(/✅/g) || []).length >= 10")
    shot(page, artifacts, "3-voice")

    page.locator("#preview").click()
    video = page.locator("#video video")
    video.wait_for()
    page.wait_for_function("() => document.querySelector('#video video').readyState >= 1")
    duration = page.evaluate("() => document.querySelector('#video video').duration")
    assert duration > 10
    shot(page, artifacts, "4-preview")

    link = page.locator("#downloads a").first
    link.wait_for()
    response = page.request.get(link.get_attribute("href"))
    assert response.status == 200
    assert response.body()[4:8] == b"ftyp", "the download is an MP4"


def test_phone_layout_has_no_horizontal_scroll(server: str, page, artifacts: Path):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(server)
    page.get_by_label("Topic").wait_for()
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    shot(page, artifacts, "phone")
    assert overflow <= 1
