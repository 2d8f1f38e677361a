"""VideoCreator studio: a thin Gradio front over the ``videocreator`` library.

The page is built once by ``layout`` into a ``Page`` (each step's components, by name); the ``Studio``'s
handler methods call the library and return what changed as dicts keyed by component; ``wire`` connects
the two and names the public API endpoints. Each browser session works in its own project folder, one
change at a time (``studio_step``). The rules (a public server's limits, validation) are the library's:
the studio hands it the ``Limits`` the server runs under and shows its errors as messages naming the
stage. On a public server, ``UploadGuard`` charges each upload to its visitor (``sessions.UploadLedger``)
before it is stored.

    python app.py            # honours GRADIO_SERVER_NAME / GRADIO_SERVER_PORT
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import os
import re
import shutil
import typing
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import gradio as gr
from starlette.middleware import Middleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from videocreator import archive, auto, checks, images, pipeline, registry, report, settings
from videocreator.errors import (
    BackendUnavailable,
    InputError,
    ProviderFailed,
    Stopped,
    VideoCreatorError,
    without_server_paths,
)
from videocreator.files import FULL_DISK, full_disk_is
from videocreator.limits import MB, Limits
from videocreator.project import PROJECT_FILE, CaptionStyle, OwnText, ProjectFolder, Settings
from videocreator.sessions import Charge, SessionStore, UploadLedger, UploadRefused, visitor_of
from videocreator.source import SUFFIXES, check_text, estimate_seconds, read_source
from videocreator.stage import CHOSEN, Stage
from videocreator.writers.parsing import LANGUAGE_NAMES

# How many jobs of each kind run at once: long ones (a script, every picture or voice, a render, a zip) and
# short ones (a 360p preview, one scene's picture or voice), so a short one never waits behind a long one.
# VIDEOCREATOR_CONCURRENCY, else one of each per two cores (ffmpeg and the models use two threads well).
CONCURRENCY = int(os.environ.get("VIDEOCREATOR_CONCURRENCY", "0")) or max(1, (os.cpu_count() or 2) // 2)
log = logging.getLogger("videocreator.studio")
PROJECT = "project"
MUSIC_CHOICES = {"Bundled": "default", "None": "none"}  # "Upload": the file in "Your music"
START_FROM = ("a topic", "my own text")
ESTIMATED_WORDS_PER_SECOND = 2.6  # before a voice has spoken, a typical narrator's pace
DRAFT_NOTE = (
    "**The bundled 270M model writes drafts**: fluent, often wrong. Check and edit every scene, or get a "
    "better script: run Ollama, set `OPENAI_API_KEY`, use g4f online, or start from your own text."
)
MAX_PASTED_CHARS = 200_000

CSS = """
.gradio-container {max-width: 1180px !important; width: 100% !important; margin: auto;}
#vc-title h1 {margin-bottom: 0;}
.vc-status table {font-size: 0.9em;}
"""

Outputs = dict[Any, Any]
FOUND = "auto"  # the language choice that has it found in the person's text
Handler = Callable[..., Any]
UPLOAD_ROUTE = "/gradio_api/upload"
MULTIPART_SLACK = 64 * 1024  # the form's own bytes around an uploaded file
MAX_CALL_BYTES = 4 * MB  # a call's JSON on a public server (50,000 characters of text fit many times)
SWEEP_TICK_S = 1.0  # how often the server asks whether uploads are due a sweep


# ---- the page -------------------------------------------------------------------------------


@dataclass
class ScriptStep:
    start_from: gr.Radio
    topic: gr.Textbox
    scenes: gr.Slider
    own_text: gr.Group
    text: gr.Textbox
    text_file: gr.File
    mode: gr.Radio
    length: gr.Slider
    audience: gr.Textbox
    tone: gr.Textbox
    language: gr.Dropdown
    writer: gr.Dropdown
    write: gr.Button
    make_all: gr.Button
    title: gr.Textbox
    table: gr.Dataframe
    save: gr.Button
    add: gr.Button
    number: gr.Number
    up: gr.Button
    down: gr.Button
    delete: gr.Button
    trace: gr.Markdown


@dataclass
class ImageStep:
    backend: gr.Dropdown
    make: gr.Button
    model: gr.Textbox
    style: gr.Dropdown
    steps: gr.Number
    gallery: gr.Gallery
    selected: gr.Image
    prompt: gr.Textbox
    regenerate: gr.Button
    upload: gr.UploadButton
    undo: gr.Button
    pictograms: gr.Markdown
    pictogram_search: gr.Textbox
    pictogram_choice: gr.Dropdown
    use_pictograms: gr.Button
    auto_pictograms: gr.Button


@dataclass
class VoiceStep:
    backend: gr.Dropdown
    speed: gr.Slider
    model: gr.Textbox
    speaker: gr.Textbox
    recording: gr.Audio
    narrate_all: gr.Button
    narrate_one: gr.Button
    selected: gr.Audio
    waveform: gr.Image
    status: gr.Markdown
    pronunciations: gr.Dataframe
    tighten_pauses: gr.Checkbox


@dataclass
class RenderStep:
    aspect: gr.Radio
    resolution: gr.Radio
    captions: gr.Checkbox
    caption_size: gr.Slider
    caption_position: gr.Radio
    caption_color: gr.ColorPicker
    caption_style: gr.Radio
    highlight_color: gr.ColorPicker
    music: gr.Radio
    music_upload: gr.File
    volume: gr.Slider
    preview: gr.Button
    render: gr.Button
    video: gr.Video
    note: gr.Markdown
    downloads: gr.File


@dataclass
class Page:
    blocks: gr.Blocks
    session: gr.State
    script: ScriptStep
    images: ImageStep
    voice: VoiceStep
    render: RenderStep
    project_zip: gr.File
    stop_buttons: list[gr.Button] = field(default_factory=list)

    @property
    def project_view(self) -> list[Any]:
        """Everything that shows the project: what most steps update."""
        return [
            self.session,
            self.script.title,
            self.script.table,
            self.images.gallery,
            self.images.selected,
            self.images.prompt,
            self.voice.selected,
            self.voice.status,
            self.script.trace,
            self.images.pictograms,
            self.voice.pronunciations,
            self.voice.waveform,
        ]

    @property
    def render_inputs(self) -> list[Any]:
        r = self.render
        return [
            self.session,
            r.aspect,
            r.resolution,
            r.captions,
            r.caption_size,
            r.caption_position,
            r.caption_color,
            r.music,
            r.music_upload,
            r.volume,
            r.caption_style,
            r.highlight_color,
        ]

    @property
    def render_outputs(self) -> list[Any]:
        return [self.render.video, self.render.downloads, self.render.note, *self.project_view]


def _choices(stage: Stage) -> list[tuple[str, str]]:
    rows = [row for row in registry.status() if row.stage == stage and row.name != "text"]
    named = [(f"{row.name}" + ("" if row.ready else " (not ready)"), row.name) for row in rows]
    return [("auto: the best one here", auto.AUTO), *named]


def _stop_button(elem_id: str) -> gr.Button:
    return gr.Button("Stop", variant="stop", scale=0, min_width=90, elem_id=elem_id)


def _script_step(defaults: Settings, limits: Limits, stops: list[gr.Button]) -> ScriptStep:
    start_from = gr.Radio(list(START_FROM), value="a topic", label="Start from", elem_id="start-from")
    with gr.Row():
        topic = gr.Textbox(label="Topic", placeholder="How volcanoes form", max_length=500, scale=3)
        scenes = gr.Slider(1, limits.max_scenes, value=5, step=1, label="Scenes", scale=1)
    with gr.Group(visible=False) as own_text:
        text = gr.Textbox(
            label="Your text: notes, an article, a script (Markdown headings start scenes)",
            lines=10,
            value="",
            max_length=MAX_PASTED_CHARS,
            elem_id="own-text",
        )
        text_file = gr.File(label="…or a file", file_types=list(SUFFIXES), height=80, elem_id="text-file")
        with gr.Row():
            mode = gr.Radio(
                [
                    ("As written: every word, in order", "as-written"),
                    ("Condensed to the length: whole sentences of yours", "condense"),
                    ("Retold by a chat writer (Ollama, OpenAI, g4f): a draft to check", "rewrite"),
                ],
                value="as-written",
                label="Use the text",
                elem_id="text-mode",
            )
            length = gr.Slider(10, 300, value=60, step=5, label="Length of the video (seconds)")
    with gr.Row():
        audience = gr.Textbox(label="Audience", value=defaults.audience)
        tone = gr.Textbox(label="Tone", value=defaults.tone)
        language = gr.Dropdown(
            [("auto: your text's", FOUND), *((code, code) for code in sorted(LANGUAGE_NAMES))],
            value=FOUND,
            label="Language",
        )
        writer = gr.Dropdown(_choices(Stage.SCRIPT), value=defaults.script.backend, label="Script writer")
    with gr.Row():
        write = gr.Button("Write script", variant="primary", elem_id="write-script")
        make_all = gr.Button("Make it all (topic → video)", elem_id="make-all")
        stops.append(_stop_button("stop-script"))
    title = gr.Textbox(label="Title")
    table = gr.Dataframe(
        headers=["Narration", "Image prompt"],
        datatype=["str", "str"],
        type="array",
        interactive=True,
        wrap=True,
        column_widths=["53%", "31%"],  # of the table, beside its 48 px of row numbers: a phone's fits
        show_row_numbers=True,
        label="Scenes (edit any text, then Save edits)",
        elem_id="script",
    )
    with gr.Row():
        save = gr.Button("Save edits", elem_id="save-script")
        add = gr.Button("Add scene")
        number = gr.Number(1, label="Scene #", precision=0, minimum=1, elem_id="scene-number")
        up = gr.Button("Move up")
        down = gr.Button("Move down")
        delete = gr.Button("Delete scene", variant="stop")
    with gr.Accordion("How it works: what each step really did, explained", open=False):
        trace = gr.Markdown(elem_id="how-it-works")
    return ScriptStep(
        start_from=start_from,
        topic=topic,
        scenes=scenes,
        own_text=own_text,
        text=text,
        text_file=text_file,
        mode=mode,
        length=length,
        audience=audience,
        tone=tone,
        language=language,
        writer=writer,
        write=write,
        make_all=make_all,
        title=title,
        table=table,
        save=save,
        add=add,
        number=number,
        up=up,
        down=down,
        delete=delete,
        trace=trace,
    )


def _image_step(defaults: Settings, stops: list[gr.Button]) -> ImageStep:
    with gr.Row():
        backend = gr.Dropdown(_choices(Stage.IMAGES), value=defaults.images.backend, label="Image maker")
        make = gr.Button("Generate all missing", variant="primary", elem_id="make-images")
        stops.append(_stop_button("stop-images"))
    with gr.Row():
        model = gr.Textbox(label="Model (hub id or local folder)", elem_id="image-model")
        style = gr.Dropdown(label="Style", allow_custom_value=True, elem_id="image-style")
        steps = gr.Number(label="Steps", precision=0, minimum=1, maximum=150)
    gallery = gr.Gallery(label="Scenes", columns=5, height="auto", object_fit="contain", elem_id="gallery")
    with gr.Row():
        selected = gr.Image(label="Selected scene", type="filepath", interactive=False, height=360)
        with gr.Column():
            prompt = gr.Textbox(label="Image prompt of the selected scene", lines=3)
            regenerate = gr.Button("Regenerate picture (new seed)", elem_id="regenerate")
            upload = gr.UploadButton("Upload your own picture", file_types=["image"])
            undo = gr.Button("Undo picture")
            pictograms = gr.Markdown(elem_id="pictograms")
            with gr.Row():
                pictogram_search = gr.Textbox(
                    label="Find a pictogram", placeholder="volcano, bee, rocket…", elem_id="pictogram-search"
                )
                pictogram_choice = gr.Dropdown(
                    label="Pictograms to draw (up to 3)",
                    multiselect=True,
                    max_choices=3,
                    choices=[],
                    elem_id="pictogram-choice",
                )
            with gr.Row():
                use_pictograms = gr.Button("Draw these", elem_id="use-pictograms")
                auto_pictograms = gr.Button("Let the words choose")
    return ImageStep(
        backend=backend,
        make=make,
        model=model,
        style=style,
        steps=steps,
        gallery=gallery,
        selected=selected,
        prompt=prompt,
        regenerate=regenerate,
        upload=upload,
        undo=undo,
        pictograms=pictograms,
        pictogram_search=pictogram_search,
        pictogram_choice=pictogram_choice,
        use_pictograms=use_pictograms,
        auto_pictograms=auto_pictograms,
    )


def _voice_step(defaults: Settings, stops: list[gr.Button]) -> VoiceStep:
    with gr.Row():
        backend = gr.Dropdown(_choices(Stage.VOICE), value=defaults.voice.backend, label="Narrator")
        speed = gr.Slider(0.7, 1.4, value=defaults.speed, step=0.05, label="Speed")
    with gr.Row():
        model = gr.Textbox(label="Voice model (file, folder or zoo name)", elem_id="voice-model")
        speaker = gr.Textbox(label="Speaker", elem_id="voice-speaker")
        recording = gr.Audio(
            label="Voice to clone: a short recording",
            type="filepath",
            sources=["upload", "microphone"],
            elem_id="voice-reference",
        )
    with gr.Accordion("Pronunciations and pauses", open=False):
        pronunciations = gr.Dataframe(
            headers=["Written", "Say it as"],
            datatype=["str", "str"],
            type="array",
            interactive=True,
            label="How to say a word (the captions keep the written word)",
            elem_id="pronunciations",
            row_count=(1, "dynamic"),
            column_count=(2, "fixed"),
        )
        tighten_pauses = gr.Checkbox(
            value=defaults.tighten_pauses, label="Tighten pauses (shorter silences; captions stay in sync)"
        )
    with gr.Row():
        narrate_all = gr.Button("Narrate all", variant="primary", elem_id="narrate-all")
        narrate_one = gr.Button("Narrate selected scene again")
        stops.append(_stop_button("stop-voice"))
    selected = gr.Audio(label="Selected scene's narration", type="filepath", interactive=False)
    waveform = gr.Image(
        label="Its sound, with each word marked where the voice starts it (the captions follow these)",
        interactive=False,
        height=160,
        elem_id="waveform",
    )
    status = gr.Markdown(elem_classes="vc-status")
    return VoiceStep(
        backend=backend,
        speed=speed,
        model=model,
        speaker=speaker,
        recording=recording,
        narrate_all=narrate_all,
        narrate_one=narrate_one,
        selected=selected,
        waveform=waveform,
        status=status,
        pronunciations=pronunciations,
        tighten_pauses=tighten_pauses,
    )


def _render_step(defaults: Settings, stops: list[gr.Button]) -> RenderStep:
    aspects, resolutions = _setting_choices(Settings, "aspect"), _setting_choices(Settings, "resolution")
    with gr.Row():
        aspect = gr.Radio(aspects, value=defaults.aspect, label="Aspect ratio")
        resolution = gr.Radio(
            [r for r in resolutions if r != "360p"], value=defaults.resolution, label="Resolution"
        )
    with gr.Row():
        captions = gr.Checkbox(value=defaults.captions.enabled, label="Captions")
        caption_size = gr.Slider(3, 10, value=defaults.captions.size * 100, step=0.5, label="Caption size")
        caption_position = gr.Radio(
            _setting_choices(CaptionStyle, "position"),
            value=defaults.captions.position,
            label="Caption position",
        )
        caption_color = gr.ColorPicker(value=defaults.captions.color, label="Caption colour")
    with gr.Row():
        caption_style = gr.Radio(
            [("Phrase", "phrase"), ("Phrase, spoken word lit", "highlight"), ("One word at a time", "word")],
            value=defaults.captions.style,
            label="Caption style",
            elem_id="caption-style",
        )
        highlight_color = gr.ColorPicker(value=defaults.captions.highlight_color, label="Highlight colour")
    with gr.Row():
        music = gr.Radio([*MUSIC_CHOICES, "Upload"], value="Bundled", label="Background music")
        music_upload = gr.File(label="Your music", file_types=["audio"], height=80)
        volume = gr.Slider(0.0, 0.5, value=defaults.music_volume, step=0.01, label="Music volume")
    with gr.Row():
        preview = gr.Button("Preview (fast, 360p)", elem_id="preview")
        render = gr.Button("Render video", variant="primary", elem_id="render")
        stops.append(_stop_button("stop-render"))
    video = gr.Video(label="Video", elem_id="video", height=540)
    note = gr.Markdown()
    downloads = gr.File(
        label="Downloads: video, captions, project", file_count="multiple", elem_id="downloads"
    )
    return RenderStep(
        aspect=aspect,
        resolution=resolution,
        captions=captions,
        caption_size=caption_size,
        caption_position=caption_position,
        caption_color=caption_color,
        caption_style=caption_style,
        highlight_color=highlight_color,
        music=music,
        music_upload=music_upload,
        volume=volume,
        preview=preview,
        render=render,
        video=video,
        note=note,
        downloads=downloads,
    )


def layout(defaults: Settings, limits: Limits, store: SessionStore) -> Page:
    """Build the page once: four steps and the saved-project opener."""
    stops: list[gr.Button] = []
    max_age = int(store.max_age)
    # Gradio's copies of outputs (and the uploads sessions used) live as long as the sessions.
    with StudioBlocks(
        limits, store.uploads, title="VideoCreator", delete_cache=(max(1, min(3600, max_age // 4)), max_age)
    ) as blocks:
        session = gr.State(None)
        gr.Markdown(
            "# 🎬 VideoCreator\nType a topic, get a short narrated video. Every step can be redone.",
            elem_id="vc-title",
        )
        if problems := checks.environment_problems():
            gr.Markdown("**This installation is incomplete:** " + " · ".join(problems), elem_id="problems")
        with gr.Accordion("1 · Topic & script", open=True):
            script = _script_step(defaults, limits, stops)
        with gr.Accordion("2 · Images", open=True):
            images = _image_step(defaults, stops)
        with gr.Accordion("3 · Voice", open=True):
            voice = _voice_step(defaults, stops)
        with gr.Accordion("4 · Render", open=True):
            render = _render_step(defaults, stops)
        with gr.Accordion("Open a saved project", open=False):
            project_zip = gr.File(label="Project .zip", file_types=[".zip"])
        gr.Markdown(
            "*How it works* (under step 1) explains each step with what really happened in this run: the "
            "prompt and the words the model weighed, the pictures' prompts and pictograms, the sounds and "
            "timings of the voice, and what the render reused. It is also saved in the project as "
            "`how-it-works.md`, to hand out."
        )
    return Page(blocks, session, script, images, voice, render, project_zip, stops)


def _literal_values(annotation: Any) -> list[str]:
    """The strings a ``Literal[...]`` annotation allows."""
    return [arg for arg in typing.get_args(annotation) if isinstance(arg, str)]


def _setting_choices(owner: type, name: str) -> list[str]:
    return _literal_values(typing.get_type_hints(owner)[name])


def picked_scene(event: gr.SelectData) -> int:
    return int(event.index) + 1


# ---- handlers: one writer at a time, errors as messages ---------------------------------------


def studio_step(stage: Stage | None, *, writes: bool = True) -> Callable[[Handler], Handler]:
    """A handler of the page for ``stage``: while it changes its session's project it holds it (a change
    meanwhile is refused, naming this one), a full disk is a message, and errors reach the visitor as one
    line naming the stage, never a traceback (a bug's goes to the server's log)."""

    def decorate(handler: Handler) -> Handler:
        what = handler.__name__.replace("_", " ")

        @functools.wraps(handler)
        def wrapped(studio: Studio, session: str | None, *args: Any, **kwargs: Any) -> Any:
            try:
                with studio.store.writing(session if writes else None, what), full_disk_is(stage):
                    return handler(studio, session, *args, **kwargs)
            except gr.Error:
                raise
            except VideoCreatorError as exc:
                raise studio.error(exc) from None
            except Exception:  # a bug: the visitor gets a message, the operator the traceback
                log.exception("%s failed", what)
                raise gr.Error(
                    f"{stage or 'project'}: something went wrong on the server; what was finished is kept. "
                    "Please report it: the server's log has the details."
                ) from None

        return wrapped

    return decorate


def _offline_hint(exc: VideoCreatorError) -> str:
    """When a model backend fails, name the offline one that works in its place."""
    fallback = registry.default_name(exc.stage) if exc.stage in CHOSEN else None
    return (
        f". The offline {fallback!r} backend works here: choose it in this step."
        if (fallback and fallback != exc.provider)
        else ""
    )


def _file(upload: Any) -> Path | None:
    """The path of a file Gradio received (it passes a path, or an object with ``.name``)."""
    return None if upload is None else Path(getattr(upload, "name", upload))


def _rows(table: Any) -> list[list[Any]]:
    """A Dataframe's rows, whichever form Gradio or an API caller gives them in."""
    if hasattr(table, "values"):
        return table.values.tolist()
    return table.get("data", []) if isinstance(table, dict) else list(table or [])


def _option_fields(stage: Stage, backend: str) -> dict[str, Any]:
    """The options a backend takes, by name (none for an unknown backend)."""
    try:
        return dict(registry.get(stage, backend).Options.model_fields)
    except VideoCreatorError:
        return {}


# ---- what the page shows of a project -------------------------------------------------------


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
    pace = float(folder.project.script_trace.get("words_per_second") or ESTIMATED_WORDS_PER_SECOND)
    lines = ["| scene | picture | voice | seconds |", "|---|---|---|---|"]
    total = 0.0
    for n, (scene, state) in enumerate(zip(folder.project.scenes, states, strict=True), 1):
        picture = "✅" if state.image_current else ("⚠️ out of date" if scene.image else "— missing")
        voice = "✅" if state.audio_current else ("⚠️ out of date" if scene.audio else "— missing")
        measured = scene.duration if scene.duration and state.audio_current else None
        spoken = measured or estimate_seconds(scene.narration, pace)
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


def pictogram_note(scene: pipeline.Scene) -> str:
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


def _scene(folder: ProjectFolder, number: float | None) -> pipeline.Scene:
    scenes = folder.project.scenes
    n = int(number or 1)
    if not 1 <= n <= len(scenes):
        raise InputError(f"choose a scene between 1 and {len(scenes)}")
    return scenes[n - 1]


# ---- handlers -------------------------------------------------------------------------------


class Studio:
    """The page's handlers: each calls the library for one session's project and returns what changed."""

    def __init__(self, page: Page, store: SessionStore, limits: Limits):
        self.page, self.store, self.limits = page, store, limits
        self.stopping: set[str] = set()  # sessions whose running step was asked to stop

    # -- session, project and progress --

    def _session(self, session: str | None) -> Path:
        return Path(session) if session and self.store.owns(session) else self.store.new()

    def _open(self, session: str | None) -> ProjectFolder:
        root = Path(session) / PROJECT if session and self.store.owns(session) else None
        if root is None or not (root / PROJECT_FILE).is_file():
            raise InputError("write a script (step 1) or open a saved project first")
        return ProjectFolder.open(root, self.limits)

    def _reporter(self, session: str | Path, progress: gr.Progress) -> pipeline.Reporter:
        """Progress into the page; a Stop pressed meanwhile ends the running stage at its next report."""
        key = str(Path(session))
        self.stopping.discard(key)
        return pipeline.Reporter(
            lambda fraction, message: progress(fraction, desc=message),
            self._warn,
            stopping=lambda: key in self.stopping,
        )

    def _warn(self, message: str) -> None:
        gr.Warning(without_server_paths(message) if self.limits.public else message)

    def error(self, exc: VideoCreatorError) -> gr.Error:
        """The library's error as the visitor sees it: on a public server without the server's paths or a
        tool's own output, which go to the server's log."""
        message = str(exc)
        if self.limits.public:
            log.warning("%s", message)
            message = exc.for_visitors()
        if isinstance(exc, BackendUnavailable | ProviderFailed):
            message += _offline_hint(exc)
        return gr.Error(message, title="Stopped") if isinstance(exc, Stopped) else gr.Error(message)

    def _keep(self, upload: Path | None) -> None:
        """This upload was taken into the session's project: it stays in the cache as long as the session
        does (the page sends music, a recording or a text file again with each step)."""
        if upload is not None:
            self.store.uploads.claim(upload)

    def _view(self, folder: ProjectFolder, number: float | None = 1) -> Outputs:
        """The project as the page shows it, with scene ``number`` selected."""
        page = self.page
        for note in folder.notes:
            self._warn(note)
        return {
            page.session: str(folder.root.parent),
            page.script.title: folder.project.title,
            page.script.table: script_rows(folder),
            page.images.gallery: gallery(folder),
            page.script.trace: without_pictures(report.how_it_works(folder)),
            page.voice.status: status_table(folder),
            page.voice.pronunciations: [[w, s] for w, s in folder.project.settings.pronunciations.items()],
            **self._scene_view(folder, number),
        }

    def _scene_view(self, folder: ProjectFolder, number: float | None) -> Outputs:
        scene = _scene(folder, number)
        return {
            self.page.images.selected: str(folder.path(scene.image)) if folder.has(scene.image) else None,
            self.page.images.prompt: scene.image_prompt,
            self.page.images.pictograms: pictogram_note(scene),
            self.page.voice.selected: str(folder.path(scene.audio)) if folder.has(scene.audio) else None,
            self.page.voice.waveform: report.waveform(folder, scene),
        }

    # -- step 1: script --

    @studio_step(Stage.SCRIPT)
    def write_script(
        self,
        session: str | None,
        topic: str,
        scenes: float,
        audience: str,
        tone: str,
        language: str,
        writer: str,
        start_from: str = "a topic",
        text: str = "",
        text_file: Any = None,
        mode: str = "as-written",
        length_s: float = 60,
        progress: gr.Progress = gr.Progress(),  # noqa: B008
    ) -> Outputs:
        """Write a new script, replacing this session's project: about `topic` with `scenes` scenes, or,
        with `start_from` "my own text", from `text` (or the uploaded `text_file`: .txt, .md, .docx, .pdf)
        read as written or condensed (`mode`) to a video of `length_s` seconds. `language`: a code such as
        "es", or "auto" for the one the text is in (English for a topic)."""
        own = start_from == "my own text"
        root = self._session(session)
        reporter = self._reporter(root, progress)
        source = _file(text_file) if own else None
        own_text = self._own_text(text, source, mode, length_s, reporter.stopping) if own else None
        chosen = settings.resolve({Stage.SCRIPT: {"backend": writer}, "audience": audience, "tone": tone})

        def build(staging: Path) -> ProjectFolder:
            folder = pipeline.new_project(
                topic,
                staging,
                language=None if language == FOUND else language,
                settings=chosen,
                limits=self.limits,
                own_text=own_text,
            )
            pipeline.write_script(folder, int(scenes or 5), reporter)
            return folder

        folder = self._replace_project(root, build)
        self._keep(source)
        return self._view(folder)

    def _replace_project(self, root: Path, build: Callable[[Path], ProjectFolder]) -> ProjectFolder:
        """The session's new project, built beside the old one, which it replaces only when it is whole
        (a refused topic, a bad zip or a stop keeps the old project)."""
        staging = root / ".new-project"
        shutil.rmtree(staging, ignore_errors=True)
        try:
            notes = build(staging).notes
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        shutil.rmtree(root / PROJECT, ignore_errors=True)
        staging.rename(root / PROJECT)
        folder = ProjectFolder.open(root / PROJECT, self.limits)
        folder.notes = notes
        return folder

    def _own_text(
        self, text: str, source: Path | None, mode: str, length_s: float, stopping: Callable[[], bool]
    ) -> OwnText:
        # a file is read within the limits' budgets (read_source), its words checked there and in new_project
        words = (
            read_source(source, limits=self.limits, stopping=stopping)
            if source is not None
            else check_text(text or "", "the pasted text")
        )
        return OwnText(words, mode, float(length_s) if length_s else None)  # type: ignore[arg-type]

    def start_from(self, start_from: str) -> Outputs:
        """Show the topic's fields or the own text's."""
        own = start_from == "my own text"
        step = self.page.script
        topic = "Title (optional: your text's first heading)" if own else "Topic"
        return {
            step.own_text: gr.Group(visible=own),
            step.scenes: gr.Slider(visible=not own),
            step.topic: gr.Textbox(label=topic),
        }

    @studio_step(Stage.SCRIPT)
    def save_script(self, session: str | None, title: str, scenes: Any, scene: float) -> Outputs:
        """Save the edited title and scene table (rows of narration, image prompt)."""
        folder = self._open(session)
        rows = _rows(scenes)
        pipeline.set_script(folder, title, [(str(r[0] or ""), str(r[1] or "")) for r in rows if len(r) >= 2])
        return self._view(folder, min(scene or 1, len(folder.project.scenes)))

    @studio_step(Stage.SCRIPT)
    def add_scene(self, session: str | None) -> Outputs:
        """Add a scene at the end."""
        folder = self._open(session)
        pipeline.add_scene(folder, "Write this scene's narration here.", folder.project.topic)
        return self._view(folder, len(folder.project.scenes))

    @studio_step(Stage.SCRIPT)
    def delete_scene(self, session: str | None, scene: float) -> Outputs:
        """Delete scene number `scene`."""
        folder = self._open(session)
        pipeline.delete_scene(folder, _scene(folder, scene))
        return self._view(folder, min(scene or 1, len(folder.project.scenes)))

    def _move(self, session: str | None, scene: float, offset: int) -> Outputs:
        folder = self._open(session)
        pipeline.move_scene(folder, _scene(folder, scene), offset)
        return self._view(folder, max(1, min(len(folder.project.scenes), (scene or 1) + offset)))

    @studio_step(Stage.SCRIPT)
    def move_up(self, session: str | None, scene: float) -> Outputs:
        """Move scene number `scene` one place earlier."""
        return self._move(session, scene, -1)

    @studio_step(Stage.SCRIPT)
    def move_down(self, session: str | None, scene: float) -> Outputs:
        """Move scene number `scene` one place later."""
        return self._move(session, scene, 1)

    @studio_step(Stage.SCRIPT, writes=False)
    def select(self, session: str | None, scene: float) -> Outputs:
        """The selected scene; while a step changes the project, no change (opening it then would remove
        the files the step is writing)."""
        return gr.skip() if self.store.busy(session) else self._scene_view(self._open(session), scene)

    # -- step 2: images --

    @studio_step(Stage.IMAGES)
    def make_images(
        self,
        session: str | None,
        image_maker: str,
        scene: float,
        model: str = "",
        style: str = "",
        steps: float | None = None,
        progress: gr.Progress = gr.Progress(),  # noqa: B008
    ) -> Outputs:
        """Make every missing or out-of-date picture with `image_maker` and its options."""
        folder = self._open(session)
        options = {"model": model, "style": style, "steps": steps}
        pipeline.choose_backend(folder, Stage.IMAGES, image_maker, options)
        pipeline.make_images(folder, self._reporter(session, progress))
        return self._view(folder, scene)

    @studio_step(Stage.IMAGES)
    def regenerate_image(
        self,
        session: str | None,
        scene: float,
        prompt: str,
        image_maker: str,
        model: str = "",
        style: str = "",
        steps: float | None = None,
    ) -> Outputs:
        """A new picture for scene number `scene` from `prompt`, with a new seed."""
        folder = self._open(session)
        options = {"model": model, "style": style, "steps": steps}
        pipeline.choose_backend(folder, Stage.IMAGES, image_maker, options)
        chosen = _scene(folder, scene)
        pipeline.update_scene(folder, chosen, image_prompt=prompt)
        pipeline.regenerate_image(folder, chosen)
        return self._view(folder, scene)

    @studio_step(Stage.IMAGES)
    def upload_image(self, session: str | None, scene: float, picture: Any) -> Outputs:
        """Use your own `picture` for scene number `scene`."""
        folder = self._open(session)
        if (source := _file(picture)) is None:
            raise InputError("choose a picture to upload", stage=Stage.IMAGES)
        pipeline.upload_image(folder, _scene(folder, scene), source)
        self._keep(source)
        return self._view(folder, scene)

    @studio_step(Stage.IMAGES)
    def undo_image(self, session: str | None, scene: float) -> Outputs:
        """Go back to the previous picture of scene number `scene`."""
        folder = self._open(session)
        if not pipeline.undo_image(folder, _scene(folder, scene)):
            gr.Warning("There is no earlier picture for this scene.")
        return self._view(folder, scene)

    @studio_step(Stage.IMAGES)
    def choose_pictograms(self, session: str | None, scene: float, pictograms: list[str]) -> Outputs:
        """Draw these `pictograms` (up to three emoji; ["none"] for none; [] to let the scene's words
        choose) in scene number `scene`'s picture, made again now by the offline illustrator."""
        folder = self._open(session)
        chosen = _scene(folder, scene)
        pipeline.choose_pictograms(folder, chosen, list(pictograms or []))
        pipeline.make_image(folder, chosen)
        return self._view(folder, scene)

    def let_words_choose(self, session: str | None, scene: float) -> Outputs:
        """Let the words of scene number `scene` choose its pictograms again."""
        return self.choose_pictograms(session, scene, [])

    def search_pictograms(self, query: str, language: str = "en") -> Outputs:
        """Pictograms whose name or keywords in `language` (or English) start with `query`."""
        found = images.search_pictograms(query or "", language if language in LANGUAGE_NAMES else "en")
        choices = [(f"{p.char} {p.name}", p.char) for p in found] + [("no pictogram", "none")]
        return {self.page.images.pictogram_choice: gr.Dropdown(choices=choices)}

    def picture_options(self, image_maker: str) -> Outputs:
        """The model, style and steps fields, shown only where the chosen picture maker has them."""
        fields, step = _option_fields(Stage.IMAGES, image_maker), self.page.images
        style = fields.get("style")
        return {
            step.model: self._model_field(fields.get("model")),
            step.style: gr.Dropdown(
                choices=_literal_values(style.annotation), value=style.default, visible=True
            )
            if style
            else gr.Dropdown(visible=False),
            step.steps: gr.Number(visible="steps" in fields, value=None),
        }

    # -- step 3: voice --

    @studio_step(Stage.VOICE)
    def narrate(
        self,
        session: str | None,
        narrator: str,
        speed: float,
        scene: float,
        voice_model: str = "",
        speaker: str = "",
        voice_recording: str | None = None,
        pronunciations: Any = None,
        tighten_pauses: bool = False,
        progress: gr.Progress = gr.Progress(),  # noqa: B008
        *,
        only_selected: bool = False,
    ) -> Outputs:
        """Narrate every scene whose narration is missing or out of date, with `narrator` at `speed`;
        `pronunciations` are rows of (written word, how to say it); `tighten_pauses` shortens silences."""
        folder = self._open(session)
        recording = _file(voice_recording)
        reference = pipeline.use_voice_reference(folder, recording) if recording else None
        self._keep(recording)
        options = {"model": voice_model, "speaker": speaker, "speaker_wav": reference}
        pipeline.choose_backend(folder, Stage.VOICE, narrator, options)
        changes: dict[str, Any] = {"speed": float(speed or 1.0), "tighten_pauses": bool(tighten_pauses)}
        if pronunciations is not None:
            rows = _rows(pronunciations)
            changes["pronunciations"] = {
                str(r[0]).strip(): str(r[1]).strip() for r in rows if len(r) >= 2 and r[0]
            }
        pipeline.change_settings(folder, changes)
        report = self._reporter(session, progress)
        if only_selected:
            pipeline.narrate_scene(folder, _scene(folder, scene), report)
        else:
            pipeline.narrate_all(folder, report)
        return self._view(folder, scene)

    def voice_options(self, narrator: str) -> Outputs:
        """The voice model, speaker and recording fields, where the chosen narrator has them."""
        fields, step = _option_fields(Stage.VOICE, narrator), self.page.voice
        return {
            step.model: self._model_field(fields.get("model")),
            step.speaker: gr.Textbox(visible="speaker" in fields, value=""),
            step.recording: gr.Audio(visible="speaker_wav" in fields, value=None),
        }

    def _model_field(self, option: Any) -> gr.Textbox:
        """Where a backend takes a model, a field for it (not on a public server: no visitor models)."""
        hint = str(option.default or "") if option else ""
        return gr.Textbox(visible=option is not None and not self.limits.public, value="", placeholder=hint)

    # -- step 4: render --

    @studio_step(Stage.RENDER)
    def render(
        self,
        session: str | None,
        aspect: str,
        resolution: str,
        captions: bool,
        caption_size: float,
        caption_position: str,
        caption_color: str,
        music: str,
        music_file: Any,
        music_volume: float,
        caption_style: str = "phrase",
        highlight_color: str = "#FFD400",
        progress: gr.Progress = gr.Progress(),  # noqa: B008
        *,
        preview: bool = False,
    ) -> Outputs:
        """Render the final video (MP4), its captions (SRT, and WebVTT with each word's time) and the
        project (zip).

        `music` is "Bundled", "None" or "Upload" (then `music_file` is the audio file); `caption_size` is
        a percentage of the frame's short side; `caption_style` is "phrase", "highlight" (the spoken word
        in `highlight_color`) or "word" (one word at a time).
        """
        folder = self._open(session)
        caption_style = {
            "enabled": bool(captions),
            "size": float(caption_size) / 100,
            "position": caption_position,
            "color": caption_color,
            "style": caption_style,
            "highlight_color": highlight_color,
        }
        pipeline.change_settings(
            folder,
            {
                "aspect": aspect,
                "resolution": resolution,
                "captions": caption_style,
                "music_volume": music_volume,
            },
        )
        self._use_music(folder, music, music_file)
        result = pipeline.render(folder, preview=preview, reporter=self._reporter(session, progress))
        downloads = [str(result.video)]
        if not preview:
            downloads += [str(folder.captions), str(folder.captions_vtt)]
            downloads.append(str(archive.export_zip(folder, folder.root.parent / "project.zip")))
        note = f"{result.duration:.1f} s · {result.encoded_segments} pieces encoded"
        note += f", {result.reused_segments} reused"
        page = self.page
        return {
            page.render.video: str(result.video),
            page.render.downloads: downloads,
            page.render.note: note,
            **self._view(folder),
        }

    def _use_music(self, folder: ProjectFolder, music: str, music_file: Any) -> None:
        if music in MUSIC_CHOICES:
            pipeline.use_music(folder, MUSIC_CHOICES[music])
        elif (source := _file(music_file)) is not None:
            pipeline.use_music(folder, source)
            self._keep(source)
        elif folder.project.settings.music in MUSIC_CHOICES.values():
            raise InputError("choose a music file, or pick the bundled track", stage=Stage.RENDER)

    # -- saved projects, stopping --

    @studio_step(None)
    def open_zip(self, session: str | None, project_zip: Any) -> Outputs:
        """Open a project saved as a zip (the one *Render video* offers), replacing this session's."""
        if (source := _file(project_zip)) is None:
            raise InputError("choose a saved project .zip")
        root = self._session(session)
        folder = self._replace_project(root, lambda staging: archive.import_zip(source, staging, self.limits))
        self._keep(source)
        return self._view(folder)

    def stop(self, session: str | None) -> None:
        """Stop this session's running step at its next progress report (what is finished is kept)."""
        if session and self.store.owns(session):
            self.stopping.add(str(Path(session)))


# ---- the server: uploads ----------------------------------------------------------------------


class StudioBlocks(gr.Blocks):
    """The studio's page. Started with ``launch`` (as app.py and a Space start it), its server refuses
    files over the upload limit, and on a public server checks every upload and call (``UploadGuard``)
    and sweeps the uploads no session used; mounted in another app with ``gr.mount_gradio_app``, it has
    neither: add them there."""

    def __init__(self, limits: Limits, uploads: UploadLedger, **kwargs: Any):
        super().__init__(**kwargs)
        self.limits, self.uploads = limits, uploads

    def launch(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("max_file_size", self.limits.max_upload_bytes)
        if self.limits.public:
            app_kwargs = dict(kwargs.get("app_kwargs") or {})
            if "lifespan" in app_kwargs:
                raise ValueError("the studio's server runs its own lifespan (sweeping uploads)")
            guard = Middleware(UploadGuard, ledger=self.uploads, limits=self.limits)
            app_kwargs["middleware"] = [*app_kwargs.get("middleware", []), guard]
            app_kwargs["lifespan"] = sweeping(self.uploads)
            kwargs["app_kwargs"] = app_kwargs
        return super().launch(*args, **kwargs)


def sweeping(uploads: UploadLedger) -> Callable[[Any], AbstractAsyncContextManager[None]]:
    """The server's lifespan: every ``sweep_every_s`` the uploads no session used in time are removed."""

    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        async def sweep_forever() -> None:
            while True:
                await asyncio.sleep(SWEEP_TICK_S)
                if uploads.sweep_due():
                    await anyio.to_thread.run_sync(uploads.sweep, Path(app.uploaded_file_dir))

        task = asyncio.create_task(sweep_forever())
        try:
            yield
        finally:
            task.cancel()

    return lifespan


class UploadGuard:
    """ASGI middleware in front of Gradio's routes: each upload is charged to its visitor before a byte of
    it is stored, and refused, with a one-line reason, past the public server's limits (per file, per
    visitor, server-wide) or on a full disk; the files it stored are recorded in the ledger. A call that
    names a file by URL (which Gradio would download, past every limit) is refused."""

    def __init__(self, app: ASGIApp, ledger: UploadLedger, limits: Limits):
        self.app, self.ledger, self.limits = app, ledger, limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        try:
            if scope["path"].endswith(UPLOAD_ROUTE):
                charge = self.ledger.admit(visitor_of(client_address(scope)), self._size(scope))
            else:
                await self._no_remote_files(scope, receive, send)
                return
        except UploadRefused as exc:
            await _answer(send, exc.status, str(exc))
            return
        await self._store(charge, scope, receive, send)

    async def _no_remote_files(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A call whose inputs name a file by URL would have the server download it, past every limit:
        refused, whatever its Content-Type. Other calls go on with their body as it came."""
        body = bytearray()
        while True:
            message = await receive()
            body.extend(message.get("body", b""))
            if len(body) > MAX_CALL_BYTES:
                raise UploadRefused(f"a call of over {MAX_CALL_BYTES // MB} MB", 413)
            if not message.get("more_body"):
                break
        try:  # whatever its Content-Type says: FastAPI reads a body without one as JSON too
            named = remote_files(json.loads(body))
        except ValueError:  # not JSON (a form, a file): Gradio's own parsers take it
            named = False
        except RecursionError:
            raise UploadRefused("a call nested too deep", 400) from None
        if named:
            raise UploadRefused("files are uploaded here, never fetched from a URL", 400)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": bytes(body), "more_body": False}

        await self.app(scope, replay, send)

    def _size(self, scope: Scope) -> int:
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if not declared.isdigit():
            raise UploadRefused("an upload must say its size (Content-Length)", 411)
        size = int(declared)
        try:
            self.limits.check_upload(max(0, size - MULTIPART_SLACK), "upload", None)
        except InputError as exc:
            raise UploadRefused(str(exc), 413) from None
        return size

    async def _store(self, charge: Charge, scope: Scope, receive: Receive, send: Send) -> None:
        """Let Gradio store the upload, reading the paths it answers with."""
        status, body = [0], bytearray()

        async def reading(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            elif status[0] == 200:
                body.extend(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, reading)
        except OSError as exc:
            if exc.errno not in FULL_DISK or status[0]:
                raise
            log.error("an upload stopped: %s", exc)
            refused = UploadRefused("the server's disk is full: please try again later", 507)
            await _answer(send, refused.status, str(refused))
        finally:
            self.ledger.settle(charge, _stored(body) if status[0] == 200 else [])


def _stored(body: bytes) -> list[str]:
    """The paths Gradio's upload route answered with (none, when its answer is not such a list)."""
    try:
        paths = json.loads(body)
    except ValueError:
        return []
    return [p for p in paths if isinstance(p, str)] if isinstance(paths, list) else []


def _header(scope: Scope, name: bytes) -> bytes:
    return dict(scope["headers"]).get(name, b"")


def client_address(scope: Scope) -> str:
    """The visitor's address. On a Hugging Face Space every connection comes from its proxy, which adds
    the address it saw at the end of X-Forwarded-For (what stands before it, the visitor may have
    written); elsewhere the connection's own address."""
    forwarded = _header(scope, b"x-forwarded-for").decode("latin-1")
    if os.environ.get("SPACE_ID") and forwarded.strip():
        return forwarded.split(",")[-1].strip()
    return str((scope.get("client") or ("?",))[0])


def remote_files(value: Any) -> bool:
    """Whether a call's inputs name a file by URL (http, https, data): Gradio would fetch it itself."""
    if isinstance(value, dict):
        for key in ("path", "url"):
            named = value.get(key)
            if isinstance(named, str) and named.strip().lower().startswith(("http:", "https:", "data:")):
                return True
        return any(remote_files(item) for item in value.values())
    if isinstance(value, list):
        return any(remote_files(item) for item in value)
    return False


async def _answer(send: Send, status: int, text: str) -> None:
    body = text.encode()
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


# ---- wiring ---------------------------------------------------------------------------------


def _variant(handler: Callable[..., Any], doc: str, **fixed: Any) -> Callable[..., Any]:
    """``handler`` with some parameters fixed: an endpoint of its own, with its own description."""
    variant = functools.partial(handler, **fixed)
    variant.__doc__, variant.__name__ = doc, handler.__name__  # type: ignore[attr-defined]
    return variant


def wire(page: Page, studio: Studio) -> None:
    """Connect the page's events to the studio's handlers; name the public API endpoints."""
    s, p, v, session = page.script, page.images, page.voice, page.session
    view, heavy = page.project_view, {"concurrency_limit": CONCURRENCY, "concurrency_id": "heavy"}
    short = {"concurrency_limit": CONCURRENCY, "concurrency_id": "short"}
    private: dict[str, Any] = {"api_visibility": "private"}

    script_inputs = [session, s.topic, s.scenes, s.audience, s.tone, s.language, s.writer]
    script_inputs += [s.start_from, s.text, s.text_file, s.mode, s.length]
    s.start_from.change(studio.start_from, s.start_from, [s.own_text, s.scenes, s.topic], **private)
    write = s.write.click(studio.write_script, script_inputs, view, api_name="write_script", **heavy)
    s.save.click(studio.save_script, [session, s.title, s.table, s.number], view, api_name="save_script")
    s.add.click(studio.add_scene, [session], view, api_name="add_scene")
    s.delete.click(studio.delete_scene, [session, s.number], view, api_name="delete_scene")
    s.up.click(studio.move_up, [session, s.number], view, api_name="move_up")
    s.down.click(studio.move_down, [session, s.number], view, api_name="move_down")
    s.number.change(
        studio.select,
        [session, s.number],
        [p.selected, p.prompt, p.pictograms, v.selected, v.waveform],
        **private,
    )
    p.gallery.select(picked_scene, None, s.number, **private)

    picture_options = [p.model, p.style, p.steps]
    for trigger in (p.backend.change, page.blocks.load):
        trigger(studio.picture_options, p.backend, picture_options, **private)
    make_images = p.make.click(
        studio.make_images,
        [session, p.backend, s.number, *picture_options],
        view,
        api_name="make_images",
        **heavy,
    )
    regenerate = p.regenerate.click(
        studio.regenerate_image,
        [session, s.number, p.prompt, p.backend, *picture_options],
        view,
        api_name="regenerate_image",
        **short,
    )
    p.upload.upload(
        studio.upload_image, [session, s.number, p.upload], view, api_name="upload_image", **short
    )
    p.pictogram_search.submit(
        studio.search_pictograms,
        [p.pictogram_search, s.language],
        p.pictogram_choice,
        api_name="search_pictograms",
    )
    p.use_pictograms.click(
        studio.choose_pictograms, [session, s.number, p.pictogram_choice], view, api_name="choose_pictograms"
    )
    p.auto_pictograms.click(studio.let_words_choose, [session, s.number], view, api_name="let_words_choose")
    p.undo.click(studio.undo_image, [session, s.number], view, api_name="undo_image")

    voice_options = [v.model, v.speaker, v.recording]
    for trigger in (v.backend.change, page.blocks.load):
        trigger(studio.voice_options, v.backend, voice_options, **private)
    voice_inputs = [session, v.backend, v.speed, s.number, *voice_options, v.pronunciations, v.tighten_pauses]
    narrate_all = v.narrate_all.click(studio.narrate, voice_inputs, view, api_name="narrate_all", **heavy)
    one = _variant(
        studio.narrate,
        "Narrate scene number `scene` again, with the parameters of `narrate_all`.",
        only_selected=True,
    )
    narrate_one = v.narrate_one.click(one, voice_inputs, view, api_name="narrate_scene", **short)

    r_in, r_out = page.render_inputs, page.render_outputs
    quick = _variant(
        studio.render, "A quick 360p preview of the video, with the parameters of `render`.", preview=True
    )
    preview = page.render.preview.click(quick, r_in, r_out, api_name="preview", **short)
    render = page.render.render.click(studio.render, r_in, r_out, api_name="render", **heavy)
    make_all = s.make_all.click(studio.write_script, script_inputs, view, api_name="make_all", **heavy)
    make_all_render = make_all.success(studio.render, r_in, r_out, **heavy, **private)
    page.project_zip.upload(studio.open_zip, [session, page.project_zip], view, api_name="open_zip", **heavy)

    long_steps = [write, make_images, regenerate, narrate_all, narrate_one, preview, render]
    gr.on(
        [button.click for button in page.stop_buttons],
        studio.stop,
        [session],
        None,
        cancels=[*long_steps, make_all, make_all_render],
        queue=False,
        api_name="stop",
    )


def build_app(store: SessionStore | None = None, limits: Limits | None = None) -> gr.Blocks:
    """The studio for one server: its session folders and its limits (by default from the environment)."""
    store = store or SessionStore()
    limits = limits if limits is not None else settings.limits()
    page = layout(settings.resolve(), limits, store)
    with page.blocks:
        wire(page, Studio(page, store, limits))
    page.blocks.queue(default_concurrency_limit=CONCURRENCY)
    return page.blocks


def main() -> None:
    build_app().launch(theme=gr.themes.Soft(primary_hue="indigo", secondary_hue="pink"), css=CSS)


if __name__ == "__main__":
    main()
