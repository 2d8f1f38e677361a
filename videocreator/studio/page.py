"""The studio's page, built once: four steps and the saved-project opener. Each component is made once,
by its step's builder, as an attribute of the step; handlers and wiring name it there."""

from __future__ import annotations

import typing
from dataclasses import dataclass, field
from typing import Any

import gradio as gr

from .. import checks, pipeline, registry
from ..languages import LANGUAGE_NAMES
from ..limits import Limits
from ..project import CaptionStyle, Settings
from ..sessions import SessionStore
from ..source import SUFFIXES
from ..stage import Stage
from ..stages import auto
from .forms import AS_WRITTEN, MUSIC_CHOICES
from .server import StudioBlocks

START_FROM = ("a topic", "my own text")
TOPIC_EXAMPLE = "How volcanoes form"
FOUND = "auto"  # the language choice that has it found in the person's text
CSS = """
.gradio-container {max-width: 1180px !important; width: 100% !important; margin: auto;}
#vc-title h1 {margin-bottom: 0;}
.vc-status table {font-size: 0.9em;}
/* Text wraps between words, never inside one ("scen/e"), at a phone's width too; a table too wide scrolls. */
.vc-status {overflow-x: auto;}
.vc-status th, .vc-status td {word-break: normal; overflow-wrap: normal;}
#script [role="gridcell"], #script [role="gridcell"] * {word-break: normal !important;
    overflow-wrap: break-word !important;}
/* The gallery is as tall as its rows of scenes, not a fixed 450 px with a gap under one row. */
#gallery .gallery-container, #gallery .grid-wrap.fixed-height {height: auto !important;
    min-height: 0 !important;}
"""


class ScriptStep:
    """Step 1: the topic or the person's own text, and the script's table."""

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


class ImageStep:
    """Step 2: the pictures, one scene's picture, its pictograms."""

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


class VoiceStep:
    """Step 3: the narrator, its options, one scene's narration and its sound."""

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
    voice_name: gr.Textbox
    add_voice: gr.Button
    added: gr.Markdown


class RenderStep:
    """Step 4: the frame, the captions, the music, the video."""

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
    step = ScriptStep()
    step.start_from = gr.Radio(list(START_FROM), value="a topic", label="Start from", elem_id="start-from")
    with gr.Row():
        step.topic = gr.Textbox(label="Topic", placeholder=TOPIC_EXAMPLE, max_length=500, scale=3)
        step.scenes = gr.Slider(1, limits.max_scenes, value=5, step=1, label="Scenes", scale=1)
    with gr.Group(visible=False) as step.own_text:
        step.text = gr.Textbox(
            label="Your text: notes, an article, a script (Markdown headings start scenes)",
            lines=10,
            value="",
            max_length=limits.max_text_chars,
            elem_id="own-text",
        )
        step.text_file = gr.File(
            label="…or a file", file_types=list(SUFFIXES), height=80, elem_id="text-file"
        )
        with gr.Row():
            step.mode = gr.Radio(
                [
                    ("As written: every word, in order", "as-written"),
                    ("Condensed to the length: whole sentences of yours", "condense"),
                    ("Retold by a chat writer (Ollama, OpenAI, g4f): a draft to check", "rewrite"),
                ],
                value=AS_WRITTEN,
                label="Use the text",
                elem_id="text-mode",
            )
            shortest, longest = pipeline.length_range(limits, defaults)
            step.length = gr.Slider(
                shortest, longest, value=60, step=5, label="Length of the video (seconds)", visible=False
            )
    with gr.Row():
        step.audience = gr.Textbox(label="Audience", value=defaults.audience)
        step.tone = gr.Textbox(label="Tone", value=defaults.tone)
        step.language = gr.Dropdown(
            [("auto: your text's", FOUND), *((code, code) for code in sorted(LANGUAGE_NAMES))],
            value=FOUND,
            label="Language",
        )
        step.writer = gr.Dropdown(
            _choices(Stage.SCRIPT), value=defaults.script.backend, label="Script writer"
        )
    with gr.Row():
        step.write = gr.Button("Write script", variant="primary", elem_id="write-script")
        step.make_all = gr.Button("Make it all (topic → video)", elem_id="make-all")
        stops.append(_stop_button("stop-script"))
    step.title = gr.Textbox(label="Title", elem_id="title")
    step.table = gr.Dataframe(
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
        step.save = gr.Button("Save edits", elem_id="save-script")
        step.add = gr.Button("Add scene")
        step.number = gr.Number(1, label="Scene #", precision=0, minimum=1, elem_id="scene-number")
        step.up = gr.Button("Move up")
        step.down = gr.Button("Move down")
        step.delete = gr.Button("Delete scene", variant="stop")
    with gr.Accordion("How it works: what each step really did, explained", open=False):
        step.trace = gr.Markdown(elem_id="how-it-works")
    return step


def _image_step(defaults: Settings, stops: list[gr.Button]) -> ImageStep:
    step = ImageStep()
    with gr.Row():
        step.backend = gr.Dropdown(_choices(Stage.IMAGES), value=defaults.images.backend, label="Image maker")
        step.make = gr.Button("Generate all missing", variant="primary", elem_id="make-images")
        stops.append(_stop_button("stop-images"))
    with gr.Row():
        step.model = gr.Textbox(label="Model (hub id or local folder)", elem_id="image-model")
        step.style = gr.Dropdown(label="Style", allow_custom_value=True, elem_id="image-style")
        step.steps = gr.Number(label="Steps", precision=0, minimum=1, maximum=150)
    step.gallery = gr.Gallery(label="Scenes", columns=5, object_fit="contain", elem_id="gallery")
    with gr.Row():
        step.selected = gr.Image(label="Selected scene", type="filepath", interactive=False, height=360)
        with gr.Column():
            step.prompt = gr.Textbox(label="Image prompt of the selected scene", lines=3)
            step.regenerate = gr.Button("Regenerate picture (new seed)", elem_id="regenerate")
            step.upload = gr.UploadButton("Upload your own picture", file_types=["image"])
            step.undo = gr.Button("Undo picture")
            step.pictograms = gr.Markdown(elem_id="pictograms")
            with gr.Row():
                step.pictogram_search = gr.Textbox(
                    label="Find a pictogram", placeholder="volcano, bee, rocket…", elem_id="pictogram-search"
                )
                step.pictogram_choice = gr.Dropdown(
                    label="Pictograms to draw (up to 3)",
                    multiselect=True,
                    max_choices=3,
                    choices=[],
                    elem_id="pictogram-choice",
                )
            with gr.Row():
                step.use_pictograms = gr.Button("Draw these", elem_id="use-pictograms")
                step.auto_pictograms = gr.Button("Let the words choose")
    return step


def _voice_step(defaults: Settings, limits: Limits, stops: list[gr.Button]) -> VoiceStep:
    step = VoiceStep()
    with gr.Row():
        step.backend = gr.Dropdown(_choices(Stage.VOICE), value=defaults.voice.backend, label="Narrator")
        step.speed = gr.Slider(0.7, 1.4, value=defaults.speed, step=0.05, label="Speed")
    with gr.Row():
        step.model = gr.Textbox(label="Voice model (file, folder or zoo name)", elem_id="voice-model")
        step.speaker = gr.Textbox(label="Speaker", elem_id="voice-speaker")
        step.recording = gr.Audio(
            label="Voice to clone: a short recording",
            type="filepath",
            sources=["upload", "microphone"],
            elem_id="voice-reference",
        )
    with gr.Accordion("Pronunciations and pauses", open=False):
        step.pronunciations = gr.Dataframe(
            headers=["Written", "Say it as"],
            datatype=["str", "str"],
            type="array",
            interactive=True,
            label="How to say a word (the captions keep the written word)",
            elem_id="pronunciations",
            row_count=(1, "dynamic"),
            column_count=(2, "fixed"),
        )
        step.tighten_pauses = gr.Checkbox(
            value=defaults.tighten_pauses, label="Tighten pauses (shorter silences; captions stay in sync)"
        )
    with gr.Accordion(
        "Add a voice (from the Piper voices' repository)", open=False, visible=not limits.public
    ):
        with gr.Row():
            step.voice_name = gr.Textbox(
                label="Voice or language", placeholder="es, de, es_ES-davefx-medium…", elem_id="voice-name"
            )
            step.add_voice = gr.Button("Add voice", scale=0, min_width=120, elem_id="add-voice")
        step.added = gr.Markdown(elem_id="voice-added")
    with gr.Row():
        step.narrate_all = gr.Button("Narrate all", variant="primary", elem_id="narrate-all")
        step.narrate_one = gr.Button("Narrate selected scene again")
        stops.append(_stop_button("stop-voice"))
    step.selected = gr.Audio(label="Selected scene's narration", type="filepath", interactive=False)
    step.waveform = gr.Image(
        label="Its sound, with each word marked where the voice starts it (the captions follow these)",
        interactive=False,
        height=160,
        elem_id="waveform",
    )
    step.status = gr.Markdown(elem_classes="vc-status")
    return step


def _render_step(defaults: Settings, stops: list[gr.Button]) -> RenderStep:
    step = RenderStep()
    aspects, resolutions = _setting_choices(Settings, "aspect"), _setting_choices(Settings, "resolution")
    with gr.Row():
        step.aspect = gr.Radio(aspects, value=defaults.aspect, label="Aspect ratio")
        step.resolution = gr.Radio(
            [r for r in resolutions if r != "360p"], value=defaults.resolution, label="Resolution"
        )
    with gr.Row():
        step.captions = gr.Checkbox(value=defaults.captions.enabled, label="Captions")
        step.caption_size = gr.Slider(
            3, 10, value=defaults.captions.size * 100, step=0.5, label="Caption size"
        )
        step.caption_position = gr.Radio(
            _setting_choices(CaptionStyle, "position"),
            value=defaults.captions.position,
            label="Caption position",
        )
        step.caption_color = gr.ColorPicker(value=defaults.captions.color, label="Caption colour")
    with gr.Row():
        step.caption_style = gr.Radio(
            [("Phrase", "phrase"), ("Phrase, spoken word lit", "highlight"), ("One word at a time", "word")],
            value=defaults.captions.style,
            label="Caption style",
            elem_id="caption-style",
        )
        step.highlight_color = gr.ColorPicker(
            value=defaults.captions.highlight_color, label="Highlight colour"
        )
    with gr.Row():
        step.music = gr.Radio([*MUSIC_CHOICES, "Upload"], value="Bundled", label="Background music")
        step.music_upload = gr.File(label="Your music", file_types=["audio"], height=80)
        step.volume = gr.Slider(0.0, 0.5, value=defaults.music_volume, step=0.01, label="Music volume")
    with gr.Row():
        step.preview = gr.Button("Preview (fast, 360p)", elem_id="preview")
        step.render = gr.Button("Render video", variant="primary", elem_id="render")
        stops.append(_stop_button("stop-render"))
    step.video = gr.Video(label="Video", elem_id="video", height=540)
    step.note = gr.Markdown()
    step.downloads = gr.File(
        label="Downloads: video, captions, project", file_count="multiple", elem_id="downloads"
    )
    return step


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
            voice = _voice_step(defaults, limits, stops)
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


def literal_values(annotation: Any) -> list[str]:
    """The strings a ``Literal[...]`` annotation allows."""
    return [arg for arg in typing.get_args(annotation) if isinstance(arg, str)]


def _setting_choices(owner: type, name: str) -> list[str]:
    return literal_values(typing.get_type_hints(owner)[name])
