"""What the page shows of a project: the script's table, the gallery, each scene's state, the selected
scene's pictograms and its narration's waveform, all drawn here from the library's data."""

from __future__ import annotations

import re

import numpy as np
from PIL import Image, ImageDraw

from .. import pipeline
from ..errors import InputError
from ..project import ProjectFolder, Scene
from ..source import estimate_seconds, words_per_second
from ..speech.pace import USUAL_LETTERS_PER_SECOND
from ..speech.wav import read_wav
from ..stage import Stage

DRAFT_NOTE = (
    "**The bundled 270M model writes drafts**: fluent, often wrong. Check and edit every scene, or get a "
    "better script: run Ollama, set `OPENAI_API_KEY`, use g4f online, or start from your own text."
)


def script_rows(folder: ProjectFolder) -> list[list[str]]:
    return [[s.narration, s.image_prompt] for s in folder.project.scenes]


def gallery(folder: ProjectFolder) -> list[tuple[str, str]]:
    return [
        (str(folder.path(scene.image)), f"Scene {n}")
        for n, scene in enumerate(folder.project.scenes, 1)
        if folder.has(scene.image)
    ]


def status_table(folder: ProjectFolder) -> str:
    states = pipeline.scene_states(folder)
    measured_pace = folder.project.script_trace.get("words_per_second")
    lines = ["| scene | picture | voice | seconds |", "|---|---|---|---|"]
    total = 0.0
    for n, (scene, state) in enumerate(zip(folder.project.scenes, states, strict=True), 1):
        picture = "✅" if state.image_current else ("⚠️ out of date" if scene.image else "— missing")
        voice = "✅" if state.audio_current else ("⚠️ out of date" if scene.audio else "— missing")
        measured = scene.duration if scene.duration and state.audio_current else None
        pace = measured_pace or words_per_second(scene.narration, USUAL_LETTERS_PER_SECOND)
        spoken = measured or estimate_seconds(scene.narration, float(pace))
        total += spoken
        seconds = f"{spoken:.1f}" if measured else f"~{spoken:.0f} (estimate)"
        lines.append(f"| {n} | {picture} | {voice} | {seconds} |")
    lines.append(f"| all | | | {total:.0f} s of speech |")
    ran = [f"- {line}" for line in pipeline.what_ran(folder)]
    if folder.project.ran.get(Stage.SCRIPT.value, {}).get("backend") == "local":
        ran.append(f"- {DRAFT_NOTE}")
    return "\n".join([*lines, "", *ran])


def without_pictures(markdown: str) -> str:
    """The report for the page: its pictures are files of the project (the gallery shows them), which a
    page cannot link to, so their links are left out here; the saved how-it-works.md keeps them."""
    return re.sub(r"!\[[^\]]*\]\([^)]*\)", "", markdown)


def pictogram_note(scene: Scene) -> str:
    """Which pictograms the selected scene's picture shows, and the words that chose them."""
    drawn = scene.image_details.get("pictograms")
    if drawn is None:
        return ""
    if not drawn:
        return "No pictogram: no word of this scene names a thing the set has. Find one below."
    parts = [
        f"{p['char']} {p['name']}" + (f" (from *{', '.join(p['words'])}*)" if p["words"] else "")
        for p in drawn
    ]
    return f"Pictograms, chosen by {scene.image_details.get('chosen_by', 'the scene')}: " + " · ".join(parts)


def numbered_scene(folder: ProjectFolder, number: float | None) -> Scene:
    """Scene ``number`` (from 1, as the page numbers them); an error naming the range otherwise."""
    scenes = folder.project.scenes
    n = int(number or 1)
    if not 1 <= n <= len(scenes):
        raise InputError(f"choose a scene between 1 and {len(scenes)}")
    return scenes[n - 1]


def waveform(folder: ProjectFolder, scene: Scene, width: int = 1000, height: int = 220) -> Image.Image | None:
    """The scene's narration as a waveform with each word marked where it starts (None before it is
    narrated): what the program knows of when each word is said, which is what the captions follow."""
    if not scene.audio or not folder.has(scene.audio):
        return None
    samples, rate = read_wav(folder.path(scene.audio))
    words = folder.timings(scene).get("words", [])
    duration = max(len(samples) / rate, 1e-3)
    image = Image.new("RGB", (width, height), "#FFFFFF")
    draw = ImageDraw.Draw(image)
    middle, top = height * 0.6, height * 0.25
    columns = np.array_split(np.abs(samples), width) if len(samples) >= width else [np.abs(samples)]
    peak = max(1e-6, float(np.abs(samples).max()))
    for x, column in enumerate(columns):
        level = (float(column.max()) if column.size else 0.0) / peak * (height - middle - 8)
        draw.line([(x, middle - level), (x, middle + level * 0.5)], fill="#6366F1")
    for n, (word, start, _) in enumerate(words):
        x = round(float(start) / duration * (width - 1))
        draw.line([(x, top), (x, height - 4)], fill="#F97316")
        draw.text((x + 2, 4 + (n % 3) * 16), str(word)[:16], fill="#111827")
    return image
