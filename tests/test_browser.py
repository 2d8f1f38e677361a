"""End to end in a real headless Chromium: topic → script → edit → pictures → voice → preview → download.

Uses Debian's chromium driven by Playwright (the machine cannot download a browser); screenshots of every
step go to test-artifacts/.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import free_port, unavailable

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
        "VIDEOCREATOR_SCRIPT": "template",
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

    page.get_by_label("Topic", exact=True).fill("How bees make honey")
    page.locator("#write-script").click()
    expect(page.get_by_label("Title", exact=True)).to_have_value("How bees make honey", timeout=TIMEOUT_MS)
    expect(page.locator("#script")).to_contain_text("how bees make honey")
    shot(page, artifacts, "1-script")

    page.locator("#make-images").click()
    page.locator("#gallery img").nth(4).wait_for()
    first_picture = page.locator("#gallery img").first.get_attribute("src")
    assert _gap_under_the_gallery(page) < 40, "the gallery ends with its pictures"

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

    page.get_by_text("How it works: what each step really did").click()
    report = page.locator("#how-it-works")
    for part in ("Written by template", "Pictograms drawn", "When each word starts", "pieces were reused"):
        report.get_by_text(part).first.wait_for()
    assert page.locator("#waveform img").count() == 1, "the selected scene's sound, word by word"
    report.screenshot(path=str(artifacts / "browser-5-how-it-works.png"))


OWN_TEXT = """# How Rockets Fly

A rocket pushes hot gas out of its engine. The gas goes down, so the rocket goes up.
Engineers call this push thrust. A rocket carries its own oxygen to burn fuel in space.

## The Trip to the Moon

In 1969 a rocket carried three astronauts to the Moon. The trip took about three days.
Two of them walked on the dusty surface. They came home safely and landed in the ocean.
"""
OWN_HEADINGS = ("How Rockets Fly", "The Trip to the Moon")


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", " ".join(text.split())) if s]


def test_own_text_condensed_then_a_pictogram_of_my_choice(page, artifacts: Path):
    """A teacher pastes notes with Markdown headings, has them condensed, then picks a scene's pictogram."""
    from playwright.sync_api import expect

    page.locator("#start-from").get_by_label("my own text").check()
    page.locator("#own-text textarea").fill(OWN_TEXT)
    page.locator("#text-mode").get_by_label("Condensed to the length", exact=False).check()
    page.wait_for_timeout(500)  # the radio's colour transition, for a true picture of it
    shot(page, artifacts, "own-text-1-pasted")
    page.locator("#write-script").click()
    narration = page.locator('#script [role="gridcell"][data-col="0"]')
    expect(narration.first).to_contain_text("rocket", timeout=TIMEOUT_MS)
    shot(page, artifacts, "own-text-2-script")
    assert _cells_off_the_table(page) == 0, "every narration and prompt wraps inside the table"

    cells = narration.all_inner_texts()
    pasted = set(sentences(" ".join(line for line in OWN_TEXT.splitlines() if not line.startswith("#"))))
    read_out = [s for cell in cells for s in sentences(cell)]
    assert read_out, "the scene table has narration"
    assert set(read_out) <= pasted, f"not a sentence of the pasted text: {set(read_out) - pasted}"
    assert not any(h in cell or "#" in cell for cell in cells for h in OWN_HEADINGS), "a heading is read out"

    page.locator("#make-images").click()
    page.locator("#gallery img").nth(narration.count() - 1).wait_for()
    note = page.locator("#pictograms")
    expect(note).to_contain_text(re.compile("pictogram", re.I), timeout=TIMEOUT_MS)
    expect(note).to_contain_text("chosen by the scene's words")  # scene 1 says "rocket" three times
    selected = page.locator(".image-container img")  # the "Selected scene" picture: scene 1
    before = selected.get_attribute("src")
    shot(page, artifacts, "own-text-3-pictures")

    search = page.get_by_label("Find a pictogram")
    search.fill("astronaut")
    search.press("Enter")
    page.locator("#pictogram-choice input").click()
    page.get_by_role("option", name="🧑‍🚀 astronaut").click()
    page.keyboard.press("Escape")
    expect(page.get_by_role("listbox")).to_be_hidden()
    expect(page.locator("#pictogram-choice")).to_contain_text("astronaut")
    shot(page, artifacts, "own-text-4-chosen")
    page.locator("#use-pictograms").click()
    expect(note).to_contain_text("chosen by you", timeout=TIMEOUT_MS)
    expect(note).to_contain_text("astronaut")
    page.wait_for_function(
        "src => document.querySelector('.image-container img')?.src !== src", arg=before, timeout=TIMEOUT_MS
    )
    after = selected.get_attribute("src")
    assert page.request.get(after).body() != page.request.get(before).body(), "the picture itself changed"
    shot(page, artifacts, "own-text-5-drawn")


def _progress_shown_in(page) -> set[str]:
    """The ids of the components now showing a progress bar or a queue's place (Gradio's overlay)."""
    return set(
        page.evaluate(
            """() => [...document.querySelectorAll('.progress-text, .eta-bar, .meta-text')]
                .filter(el => el.getBoundingClientRect().height > 0)
                .map(el => el.closest('[id]')?.id ?? '?')"""
        )
    )


def test_make_it_all_from_my_own_text_as_written(page, artifacts: Path):
    """Own text used as written: no length applies (no slider, no warning against it), the title shows no
    topic's example; Make it all shows its progress where it works (the table, then the video), never over
    the title; at the end the selected scene's narration is heard and drawn."""
    from playwright.sync_api import expect

    page.locator("#start-from").get_by_label("my own text").check()
    title = page.locator("#title")
    expect(page.get_by_label("Title (optional: your text's first heading)")).to_have_attribute(
        "placeholder", ""
    )
    expect(page.get_by_label("Length of the video (seconds)")).to_be_hidden()
    page.locator("#own-text textarea").fill(OWN_TEXT)
    page.get_by_label("720p").check()
    page.locator("#make-all").click()
    seen: set[str] = set()
    video = page.locator("#video video")
    for _ in range(int(TIMEOUT_MS / 250)):
        seen |= _progress_shown_in(page)
        if video.count():
            break
        page.wait_for_timeout(250)
    video.wait_for()
    shot(page, artifacts, "make-all-own-text")
    assert seen and seen <= {"script", "video"}, f"progress shown on {seen}"
    assert "title" not in seen
    assert "over the" not in page.locator("body").inner_text(), "no warning against a length never asked"
    expect(title).to_be_visible()
    waveform = page.locator("#waveform img")
    waveform.scroll_into_view_if_needed()
    page.wait_for_function(
        "() => document.querySelector('#waveform img')?.naturalWidth > 0", timeout=TIMEOUT_MS
    )  # the waveform is drawn after Make it all
    waveform.screenshot(path=str(artifacts / "browser-make-all-waveform.png"))


def _gap_under_the_gallery(page) -> float:
    """How far the gallery reaches below its last picture (an empty band before the next step)."""
    return page.evaluate(
        """() => {
            const gallery = document.querySelector('#gallery');
            const bottoms = [...gallery.querySelectorAll('img')].map(i => i.getBoundingClientRect().bottom);
            const last = Math.max(...bottoms);
            return gallery.getBoundingClientRect().bottom - last;
        }"""
    )


def _cells_off_the_table(page) -> int:
    """How many cells of the scene table reach past its right edge (to be scrolled to)."""
    return page.evaluate(
        """() => {
            const edge = (document.querySelector('#script .table-wrap') ?? document.querySelector('#script'))
                .getBoundingClientRect().right;
            return [...document.querySelectorAll('#script [role="gridcell"]')]
                .filter(cell => cell.getBoundingClientRect().right > edge + 1).length;
        }"""
    )


def _words_broken(page, selector: str) -> list[str]:
    """The words inside ``selector`` that the page breaks across two lines ("scen/e", "photosynt/hesis")."""
    return page.evaluate(
        """(selector) => {
            const broken = [];
            for (const root of document.querySelectorAll(selector)) {
                const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
                for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                    for (const word of node.data.matchAll(/\\S+/g)) {
                        const range = document.createRange();
                        range.setStart(node, word.index);
                        range.setEnd(node, word.index + word[0].length);
                        const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
                        if (tops.size > 1) broken.push(word[0]);
                    }
                }
            }
            return broken;
        }""",
        selector,
    )


def test_phone_layout_has_no_horizontal_scroll(server: str, page, artifacts: Path):
    from playwright.sync_api import expect

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(server)
    page.get_by_label("Topic", exact=True).fill("How bees make honey")
    page.locator("#write-script").click()
    expect(page.locator('#script [role="gridcell"][data-col="0"]').first).to_contain_text(
        "honey", timeout=TIMEOUT_MS
    )
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    shot(page, artifacts, "phone")
    assert overflow <= 1
    assert _cells_off_the_table(page) == 0, "the scene table's text wraps on a phone too"
    page.locator(".vc-status table").wait_for()
    assert _words_broken(page, "#script [role='gridcell']") == [], "cells wrap between words"
    assert _words_broken(page, ".vc-status table") == [], "the scenes' state wraps between words"
    page.locator("#make-images").click()
    page.locator("#gallery img").nth(4).wait_for()
    shot(page, artifacts, "phone-pictures")
    assert _gap_under_the_gallery(page) < 40, "the gallery ends with its pictures on a phone too"
