"""VideoCreator studio: a thin Gradio front over the ``videocreator`` library.

Every stage is a step the visitor can redo: write the script, fix it, regenerate one picture, upload
their own, narrate, render a quick preview, then the final video. Handlers validate, call the library,
report progress and turn the library's errors into readable messages; each browser session works in its
own project folder.

    python app.py            # honours GRADIO_SERVER_NAME / GRADIO_SERVER_PORT
"""

from __future__ import annotations

import functools
import os
import shutil
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gradio as gr

from videocreator import archive, checks, pipeline, registry, settings
from videocreator.backend import Stage
from videocreator.errors import BackendUnavailable, InputError, ProviderFailed, Stopped, VideoCreatorError
from videocreator.project import ProjectFolder, StageChoice
from videocreator.sessions import SessionStore
from videocreator.writers.parsing import LANGUAGE_NAMES

PUBLIC = os.environ.get("VIDEOCREATOR_PUBLIC", "").lower() in ("1", "true", "yes") or "SPACE_ID" in os.environ
MAX_SCENES = 10 if PUBLIC else pipeline.MAX_SCENES
UPLOAD_LIMIT = "25mb" if PUBLIC else "200mb"
CONCURRENCY = int(os.environ.get("VIDEOCREATOR_CONCURRENCY", "1"))
PROJECT = "project"

CSS = """
.gradio-container {max-width: 1180px !important; margin: auto;}
#vc-title h1 {margin-bottom: 0;}
.vc-status table {font-size: 0.9em;}
"""


# ---- session and errors ---------------------------------------------------------------------


def friendly(handler: Callable[..., Any]) -> Callable[..., Any]:
    """Show the library's errors as messages that name the stage, never as tracebacks."""

    @functools.wraps(handler)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        try:
            return handler(*args, **kwargs)
        except Stopped as exc:
            raise gr.Error(str(exc), title="Stopped") from None
        except (BackendUnavailable, ProviderFailed) as exc:
            raise gr.Error(f"{exc}{_offline_hint(exc)}") from None
        except VideoCreatorError as exc:
            raise gr.Error(str(exc)) from None

    return wrapped


def _offline_hint(exc: VideoCreatorError) -> str:
    """When a model backend fails, name the offline one that works in its place."""
    stage = next((stage for stage in Stage if stage.label == exc.stage), None)
    fallback = registry.default_name(stage) if stage else None
    return (
        f". The offline {fallback!r} backend works here: choose it in this step."
        if (fallback and fallback != exc.provider)
        else ""
    )


def _open(store: SessionStore, session: str | None) -> ProjectFolder:
    if not session or not store.owns(session) or not (Path(session) / PROJECT / "project.json").is_file():
        raise InputError("write a script (step 1) or open a saved project first", stage="project")
    return ProjectFolder.open(Path(session) / PROJECT)


def _scene(folder: ProjectFolder, number: float | None) -> pipeline.Scene:
    scenes = folder.project.scenes
    n = int(number or 1)
    if not 1 <= n <= len(scenes):
        raise InputError(f"choose a scene between 1 and {len(scenes)}", stage="project")
    return scenes[n - 1]


# ---- what the page shows of a project -------------------------------------------------------


def script_rows(folder: ProjectFolder) -> list[list[str]]:
    return [[s.narration, s.image_prompt] for s in folder.project.scenes]


def gallery(folder: ProjectFolder) -> list[tuple[str, str]]:
    items = []
    for n, scene in enumerate(folder.project.scenes, 1):
        if folder.has(scene.image):
            items.append((str(folder.path(scene.image)), f"Scene {n}"))
    return items


def status_table(folder: ProjectFolder) -> str:
    states = pipeline.scene_states(folder)
    lines = ["| scene | picture | voice | seconds |", "|---|---|---|---|"]
    for n, (scene, state) in enumerate(zip(folder.project.scenes, states, strict=True), 1):
        picture = "✅" if state.image_current else ("⚠️ out of date" if scene.image else "— missing")
        voice = "✅" if state.audio_current else ("⚠️ out of date" if scene.audio else "— missing")
        seconds = f"{scene.duration:.1f}" if scene.duration and state.audio_current else ""
        lines.append(f"| {n} | {picture} | {voice} | {seconds} |")
    return "\n".join(lines)


def how_it_works(folder: ProjectFolder) -> dict[str, Any]:
    project = folder.project
    return {
        "script": project.script_trace,
        "images": {
            "backend": project.settings.images.backend,
            "options": project.settings.images.options,
            "scenes": [
                {
                    "scene": n,
                    "prompt": s.image_prompt,
                    "seed": s.image_seed,
                    "source": s.image_source,
                    "file": s.image,
                }
                for n, s in enumerate(project.scenes, 1)
            ],
        },
        "voice": {
            "backend": project.settings.voice.backend,
            "options": project.settings.voice.options,
            "speed": project.settings.speed,
            "scenes": [
                {"scene": n, "seconds": s.duration, "file": s.audio} for n, s in enumerate(project.scenes, 1)
            ],
        },
    }


def scene_view(folder: ProjectFolder, number: float | None) -> tuple[Any, str, Any]:
    """The selected scene's picture, prompt and narration audio."""
    scene = _scene(folder, number)
    image = str(folder.path(scene.image)) if folder.has(scene.image) else None
    voice = str(folder.path(scene.audio)) if folder.has(scene.audio) else None
    return image, scene.image_prompt, voice


def everything(folder: ProjectFolder, number: float | None = 1) -> tuple[Any, ...]:
    """Values for the outputs listed in ``ALL_OUTPUTS``."""
    image, prompt, voice = scene_view(folder, number)
    return (
        str(folder.root.parent),
        folder.project.title,
        script_rows(folder),
        gallery(folder),
        image,
        prompt,
        voice,
        status_table(folder),
        how_it_works(folder),
    )


# ---- handlers -------------------------------------------------------------------------------


class Studio:
    def __init__(self, store: SessionStore):
        self.store = store
        self.stopping: set[str] = set()  # sessions whose running step was asked to stop

    def _session(self, session: str | None) -> Path:
        return Path(session) if session and self.store.owns(session) else self.store.new()

    def _reporter(self, session: str | Path, stage: str, progress: gr.Progress) -> pipeline.Reporter:
        """Progress into the page; a Stop pressed meanwhile ends the step at its next progress report."""
        key = str(Path(session))
        self.stopping.discard(key)

        def report(fraction: float, message: str) -> None:
            if key in self.stopping:
                self.stopping.discard(key)
                raise Stopped(stage)
            progress(fraction, desc=message)

        return pipeline.Reporter(report, gr.Warning)

    def stop(self, session: str | None) -> None:
        if session and self.store.owns(session):
            self.stopping.add(str(Path(session)))

    @friendly
    def write_script(
        self, session: str | None, topic: str, scenes: float, audience: str, tone: str, language: str,
        writer: str, progress: gr.Progress = gr.Progress(),  # noqa: B008 (Gradio injects it)
    ) -> tuple[Any, ...]:  # fmt: skip
        root = self._session(session)
        shutil.rmtree(root / PROJECT, ignore_errors=True)
        chosen = settings.resolve({"writer": {"backend": writer}, "audience": audience, "tone": tone})
        folder = pipeline.new_project(topic, root / PROJECT, language=language, settings=chosen)
        pipeline.write_script(folder, min(int(scenes), MAX_SCENES), self._reporter(root, "script", progress))
        return everything(folder)

    @friendly
    def save_script(self, session: str | None, title: str, rows: Any, number: float) -> tuple[Any, ...]:
        folder = _open(self.store, session)
        table = rows.values.tolist() if hasattr(rows, "values") else rows
        pipeline.set_script(folder, title, [(str(r[0] or ""), str(r[1] or "")) for r in table if len(r) >= 2])
        return everything(folder, min(number, len(folder.project.scenes)))

    @friendly
    def add_scene(self, session: str | None) -> tuple[Any, ...]:
        folder = _open(self.store, session)
        if len(folder.project.scenes) >= MAX_SCENES:
            raise InputError(f"at most {MAX_SCENES} scenes here", stage="script")
        pipeline.add_scene(folder, "Write this scene's narration here.", folder.project.topic)
        return everything(folder, len(folder.project.scenes))

    @friendly
    def delete_scene(self, session: str | None, number: float) -> tuple[Any, ...]:
        folder = _open(self.store, session)
        pipeline.delete_scene(folder, _scene(folder, number))
        return everything(folder, min(number, len(folder.project.scenes)))

    @friendly
    def move_scene(self, session: str | None, number: float, offset: int) -> tuple[Any, ...]:
        folder = _open(self.store, session)
        pipeline.move_scene(folder, _scene(folder, number), offset)
        return (*everything(folder, max(1, min(len(folder.project.scenes), number + offset))),)

    @friendly
    def select(self, session: str | None, number: float) -> tuple[Any, str, Any]:
        return scene_view(_open(self.store, session), number)

    @friendly
    def make_images(
        self, session: str | None, backend: str, number: float, model: str = "", style: str = "",
        steps: float | None = None, progress: gr.Progress = gr.Progress(),  # noqa: B008
    ) -> tuple[Any, ...]:  # fmt: skip
        folder = _open(self.store, session)
        self._choose(folder, Stage.IMAGES, backend, {"model": model, "style": style, "steps": steps})
        pipeline.make_images(folder, self._reporter(session, "images", progress))
        return everything(folder, number)

    @friendly
    def regenerate_image(
        self, session: str | None, number: float, prompt: str, backend: str, model: str = "",
        style: str = "", steps: float | None = None,
    ) -> tuple[Any, ...]:  # fmt: skip
        folder = _open(self.store, session)
        self._choose(folder, Stage.IMAGES, backend, {"model": model, "style": style, "steps": steps})
        scene = _scene(folder, number)
        pipeline.update_scene(folder, scene, image_prompt=prompt)
        pipeline.regenerate_image(folder, scene)
        return everything(folder, number)

    @friendly
    def upload_image(self, session: str | None, number: float, upload: Any) -> tuple[Any, ...]:
        folder = _open(self.store, session)
        if upload is None:
            raise InputError("choose a picture to upload", stage="images")
        pipeline.upload_image(folder, _scene(folder, number), Path(getattr(upload, "name", upload)))
        return everything(folder, number)

    @friendly
    def undo_image(self, session: str | None, number: float) -> tuple[Any, ...]:
        folder = _open(self.store, session)
        if not pipeline.undo_image(folder, _scene(folder, number)):
            gr.Warning("There is no earlier picture for this scene.")
        return everything(folder, number)

    @friendly
    def narrate(
        self, session: str | None, backend: str, speed: float, number: float, only_selected: bool,
        model: str = "", speaker: str = "", reference: str | None = None,
        progress: gr.Progress = gr.Progress(),  # noqa: B008
    ) -> tuple[Any, ...]:  # fmt: skip
        folder = _open(self.store, session)
        if reference:  # kept inside the project, so that it travels with it
            copy = folder.root / f"voice-reference{Path(reference).suffix.lower()[:6]}"
            shutil.copyfile(reference, copy)
            reference = str(copy)
        options = {"model": model, "speaker": speaker, "speaker_wav": reference}
        self._choose(folder, Stage.VOICE, backend, options)
        folder.project.settings.speed = float(speed)
        folder.save()
        report = self._reporter(session, "narration", progress)
        if only_selected:
            pipeline.narrate_scene(folder, _scene(folder, number), report)
        else:
            pipeline.narrate_all(folder, report)
        return everything(folder, number)

    @friendly
    def render(
        self, session: str | None, preview: bool, aspect: str, resolution: str, captions: bool,
        caption_size: float, caption_position: str, caption_color: str, music: str, music_upload: Any,
        volume: float, progress: gr.Progress = gr.Progress(),  # noqa: B008
    ) -> tuple[Any, ...]:  # fmt: skip
        folder = _open(self.store, session)
        chosen = folder.project.settings
        if (chosen.aspect, chosen.resolution) != (aspect, resolution):
            chosen.aspect, chosen.resolution = aspect, resolution  # type: ignore[assignment]
        chosen.captions.enabled, chosen.captions.size = bool(captions), float(caption_size) / 100
        chosen.captions.position, chosen.captions.color = caption_position, caption_color  # type: ignore[assignment]
        chosen.music_volume = float(volume)
        chosen.music = self._music(folder, music, music_upload)
        folder.save()
        result = pipeline.render(
            folder, preview=preview, reporter=self._reporter(session, "render", progress)
        )
        downloads = [str(result.video)]
        if not preview:
            downloads.append(str(folder.captions))
            downloads.append(str(archive.export_zip(folder, folder.root.parent / "project.zip")))
        note = f"{result.duration:.1f} s · {result.encoded_segments} pieces encoded"
        note += f", {result.reused_segments} reused"
        return (str(result.video), downloads, note, *everything(folder))

    @friendly
    def open_zip(self, session: str | None, upload: Any) -> tuple[Any, ...]:
        if upload is None:
            raise InputError("choose a saved project .zip", stage="project")
        root = self._session(session)
        shutil.rmtree(root / PROJECT, ignore_errors=True)
        try:
            folder = archive.import_zip(Path(getattr(upload, "name", upload)), root / PROJECT)
        except VideoCreatorError:
            shutil.rmtree(root / PROJECT, ignore_errors=True)
            raise
        return everything(folder)

    def _music(self, folder: ProjectFolder, music: str, upload: Any) -> str:
        if music == "Upload":
            if upload is None:
                raise InputError("choose a music file, or pick the bundled track", stage="render")
            source = Path(getattr(upload, "name", upload))
            target = folder.root / f"music{source.suffix.lower()[:6]}"
            shutil.copyfile(source, target)
            return str(target)
        return "none" if music == "None" else "default"

    @staticmethod
    def _choose(folder: ProjectFolder, stage: Stage, backend: str, given: dict[str, Any]) -> None:
        """Use ``backend`` with the options the page gave (blank ones keep what the project had)."""
        current: StageChoice = getattr(folder.project.settings, stage.value)
        backend = backend or current.backend
        maker = registry.get(stage, backend)  # an unknown name is refused here, naming the stage
        fields = maker.Options.model_fields
        if PUBLIC:  # visitors may not point the server at models or files of their choosing
            given = {name: value for name, value in given.items() if name != "model"}
        options = dict(current.options) if backend == current.backend else {}
        options.update({k: v for k, v in given.items() if k in fields and v not in (None, "")})
        maker.parse_options(options)  # a bad value is named before any work
        choice = StageChoice(backend, options)
        if choice != current:
            setattr(folder.project.settings, stage.value, choice)
            folder.save()


def option_fields(stage: Stage, backend: str) -> dict[str, Any]:
    """The options a backend takes, by name (none for an unknown backend)."""
    try:
        return dict(registry.get(stage, backend).Options.model_fields)
    except VideoCreatorError:
        return {}


def _literal_choices(field: Any) -> list[str]:
    return [arg for arg in typing.get_args(field.annotation) if isinstance(arg, str)]


def _model_input(field: Any) -> Any:
    """Where a backend takes a model, a field for it (not in public mode: no visitor-chosen models)."""
    hint = str(field.default or "") if field else ""
    return gr.Textbox(visible=field is not None and not PUBLIC, value="", placeholder=hint)


def image_option_inputs(backend: str) -> tuple[Any, Any, Any]:
    """The model, style and steps fields, shown only where the chosen picture maker has them."""
    fields = option_fields(Stage.IMAGES, backend)
    style = fields.get("style")
    return (
        _model_input(fields.get("model")),
        gr.Dropdown(choices=_literal_choices(style), value=style.default, visible=True)
        if style
        else gr.Dropdown(visible=False),
        gr.Number(visible="steps" in fields, value=None),
    )


def voice_option_inputs(backend: str) -> tuple[Any, Any, Any]:
    """The voice model, speaker and reference recording fields, where the chosen narrator has them."""
    fields = option_fields(Stage.VOICE, backend)
    return (
        _model_input(fields.get("model")),
        gr.Textbox(visible="speaker" in fields, value=""),
        gr.Audio(visible="speaker_wav" in fields, value=None),
    )


def picked_scene(event: gr.SelectData) -> int:
    return int(event.index) + 1


def _choices(stage: Stage) -> list[tuple[str, str]]:
    rows = [row for row in registry.status() if row.stage == stage]
    return [(f"{row.name}" + ("" if row.ready else " (not ready)"), row.name) for row in rows]


def _stop_button(elem_id: str) -> gr.Button:
    return gr.Button("Stop", variant="stop", scale=0, min_width=90, elem_id=elem_id)


def build_app(store: SessionStore | None = None) -> gr.Blocks:
    studio = Studio(store or SessionStore())
    defaults = settings.resolve()
    max_age = int(studio.store.max_age)  # Gradio's copies of outputs live as long as the sessions
    with gr.Blocks(title="VideoCreator", delete_cache=(max(1, min(3600, max_age // 4)), max_age)) as app:
        session = gr.State(None)
        gr.Markdown("# 🎬 VideoCreator\nType a topic, get a short narrated video. Every step can be redone.",
                    elem_id="vc-title")  # fmt: skip
        if problems := checks.environment_problems():
            gr.Markdown("**This installation is incomplete:** " + " · ".join(problems), elem_id="problems")

        with gr.Accordion("1 · Topic & script", open=True):
            with gr.Row():
                topic = gr.Textbox(label="Topic", placeholder="How volcanoes form", max_length=500, scale=3)
                scenes = gr.Slider(1, MAX_SCENES, value=5, step=1, label="Scenes", scale=1)
            with gr.Row():
                audience = gr.Textbox(label="Audience", value=defaults.audience)
                tone = gr.Textbox(label="Tone", value=defaults.tone)
                language = gr.Dropdown(sorted(LANGUAGE_NAMES), value="en", label="Language")
                writer = gr.Dropdown(
                    _choices(Stage.WRITER), value=defaults.writer.backend, label="Script writer"
                )
            with gr.Row():
                write_btn = gr.Button("Write script", variant="primary", elem_id="write-script")
                make_all_btn = gr.Button("Make it all (topic → video)", elem_id="make-all")
                stop_buttons = [_stop_button("stop-script")]
            title = gr.Textbox(label="Title")
            table = gr.Dataframe(
                headers=["Narration", "Image prompt"], datatype=["str", "str"], type="array",
                interactive=True, wrap=True, show_row_numbers=True,
                label="Scenes (edit any text, then Save edits)", elem_id="script",
            )  # fmt: skip
            with gr.Row():
                save_btn = gr.Button("Save edits", elem_id="save-script")
                add_btn = gr.Button("Add scene")
                number = gr.Number(1, label="Scene #", precision=0, minimum=1, elem_id="scene-number")
                up_btn = gr.Button("Move up")
                down_btn = gr.Button("Move down")
                del_btn = gr.Button("Delete scene", variant="stop")
            with gr.Accordion("How it works: the language model's prompt and reply", open=False):
                trace = gr.JSON(label="What was sent and used")

        with gr.Accordion("2 · Pictures", open=True):
            with gr.Row():
                image_backend = gr.Dropdown(
                    _choices(Stage.IMAGES), value=defaults.images.backend, label="Pictures"
                )
                images_btn = gr.Button("Generate all missing", variant="primary", elem_id="make-images")
                stop_buttons.append(_stop_button("stop-images"))
            with gr.Row():
                image_model = gr.Textbox(label="Model (hub id or local folder)", elem_id="image-model")
                image_style = gr.Dropdown(label="Style", allow_custom_value=True, elem_id="image-style")
                image_steps = gr.Number(label="Steps", precision=0, minimum=1, maximum=150)
            pictures = gr.Gallery(
                label="Scenes", columns=5, height="auto", object_fit="contain", elem_id="gallery"
            )
            with gr.Row():
                picture = gr.Image(label="Selected scene", type="filepath", interactive=False, height=360)
                with gr.Column():
                    prompt = gr.Textbox(label="Image prompt of the selected scene", lines=3)
                    regen_btn = gr.Button("Regenerate picture (new seed)", elem_id="regenerate")
                    upload_btn = gr.UploadButton("Upload your own picture", file_types=["image"])
                    undo_btn = gr.Button("Undo picture")

        with gr.Accordion("3 · Voice", open=True):
            with gr.Row():
                voice_backend = gr.Dropdown(
                    _choices(Stage.VOICE), value=defaults.voice.backend, label="Narrator"
                )
                speed = gr.Slider(0.7, 1.4, value=defaults.speed, step=0.05, label="Speed")
            with gr.Row():
                voice_model = gr.Textbox(
                    label="Voice model (file, folder or zoo name)", elem_id="voice-model"
                )
                voice_speaker = gr.Textbox(label="Speaker", elem_id="voice-speaker")
                voice_reference = gr.Audio(
                    label="Voice to clone: a short recording", type="filepath",
                    sources=["upload", "microphone"], elem_id="voice-reference",
                )  # fmt: skip
            with gr.Row():
                narrate_btn = gr.Button("Narrate all", variant="primary", elem_id="narrate-all")
                narrate_one_btn = gr.Button("Narrate selected scene again")
                stop_buttons.append(_stop_button("stop-voice"))
            voice = gr.Audio(label="Selected scene's narration", type="filepath", interactive=False)
            status = gr.Markdown(elem_classes="vc-status")

        with gr.Accordion("4 · Render", open=True):
            with gr.Row():
                aspect = gr.Radio(["9:16", "16:9", "1:1"], value=defaults.aspect, label="Aspect ratio")
                resolution = gr.Radio(["1080p", "720p"], value=defaults.resolution, label="Resolution")
            with gr.Row():
                captions = gr.Checkbox(value=True, label="Captions")
                caption_size = gr.Slider(
                    3, 10, value=defaults.captions.size * 100, step=0.5, label="Caption size"
                )
                caption_position = gr.Radio(
                    ["bottom", "middle", "top"], value="bottom", label="Caption position"
                )
                caption_color = gr.ColorPicker(value=defaults.captions.color, label="Caption colour")
            with gr.Row():
                music = gr.Radio(["Bundled", "None", "Upload"], value="Bundled", label="Background music")
                music_upload = gr.File(label="Your music", file_types=["audio"], height=80)
                volume = gr.Slider(0.0, 0.5, value=defaults.music_volume, step=0.01, label="Music volume")
            with gr.Row():
                preview_btn = gr.Button("Preview (fast, 360p)", elem_id="preview")
                render_btn = gr.Button("Render video", variant="primary", elem_id="render")
                stop_buttons.append(_stop_button("stop-render"))
            video = gr.Video(label="Video", elem_id="video", height=540)
            render_note = gr.Markdown()
            downloads = gr.File(
                label="Downloads: video, captions, project", file_count="multiple", elem_id="downloads"
            )

        with gr.Accordion("Open a saved project", open=False):
            project_zip = gr.File(label="Project .zip", file_types=[".zip"])

        gr.Markdown("How it works: the panel under step 1 shows the exact prompt, the raw reply, and each "
                    "picture's prompt, seed and backend, and each narration's length.")  # fmt: skip

        all_outputs = [session, title, table, pictures, picture, prompt, voice, status, trace]
        heavy = {"concurrency_limit": CONCURRENCY, "concurrency_id": "heavy"}
        script_inputs = [session, topic, scenes, audience, tone, language, writer]
        write_evt = write_btn.click(studio.write_script, script_inputs, all_outputs, **heavy)
        save_btn.click(studio.save_script, [session, title, table, number], all_outputs)
        add_btn.click(studio.add_scene, [session], all_outputs)
        del_btn.click(studio.delete_scene, [session, number], all_outputs)
        up_btn.click(
            lambda s, n: studio.move_scene(s, n, -1), [session, number], all_outputs, api_name="move_up"
        )
        down_btn.click(
            lambda s, n: studio.move_scene(s, n, 1), [session, number], all_outputs, api_name="move_down"
        )
        number.change(studio.select, [session, number], [picture, prompt, voice])
        pictures.select(picked_scene, None, number)
        image_options = [image_model, image_style, image_steps]
        image_backend.change(image_option_inputs, image_backend, image_options)
        app.load(image_option_inputs, image_backend, image_options)
        images_evt = images_btn.click(
            studio.make_images, [session, image_backend, number, *image_options], all_outputs, **heavy
        )
        regen_evt = regen_btn.click(
            studio.regenerate_image, [session, number, prompt, image_backend, *image_options], all_outputs,
            **heavy,
        )  # fmt: skip
        upload_btn.upload(studio.upload_image, [session, number, upload_btn], all_outputs)
        undo_btn.click(studio.undo_image, [session, number], all_outputs)
        voice_options = [voice_model, voice_speaker, voice_reference]
        voice_backend.change(voice_option_inputs, voice_backend, voice_options)
        app.load(voice_option_inputs, voice_backend, voice_options)
        voice_inputs = [session, voice_backend, speed, number, *voice_options]
        narrate_evt = narrate_btn.click(
            lambda s, b, sp, n, m, k, r, p=gr.Progress(): studio.narrate(s, b, sp, n, False, m, k, r, p),  # noqa: B008
            voice_inputs, all_outputs, **heavy, api_name="narrate_all",
        )  # fmt: skip
        narrate_one_evt = narrate_one_btn.click(
            lambda s, b, sp, n, m, k, r, p=gr.Progress(): studio.narrate(s, b, sp, n, True, m, k, r, p),  # noqa: B008
            voice_inputs, all_outputs, **heavy, api_name="narrate_scene",
        )  # fmt: skip
        render_inputs = [aspect, resolution, captions, caption_size, caption_position, caption_color, music]
        render_inputs += [music_upload, volume]
        render_outputs = [video, downloads, render_note, *all_outputs]
        preview_evt = preview_btn.click(
            lambda s, *a, p=gr.Progress(): studio.render(s, True, *a, progress=p),  # noqa: B008
            [session, *render_inputs], render_outputs, **heavy, api_name="preview",
        )  # fmt: skip
        render_evt = render_btn.click(
            lambda s, *a, p=gr.Progress(): studio.render(s, False, *a, progress=p),  # noqa: B008
            [session, *render_inputs], render_outputs, **heavy, api_name="render",
        )  # fmt: skip
        make_all = make_all_btn.click(
            studio.write_script, script_inputs, all_outputs, api_name="make_all", **heavy
        )
        make_all_render = make_all.success(
            lambda s, *a, p=gr.Progress(): studio.render(s, False, *a, progress=p),  # noqa: B008
            [session, *render_inputs], render_outputs, **heavy, api_name="make_all_render",
        )  # fmt: skip
        project_zip.upload(studio.open_zip, [session, project_zip], all_outputs)
        long_steps = [write_evt, images_evt, regen_evt, narrate_evt, narrate_one_evt, preview_evt, render_evt]
        gr.on(
            [button.click for button in stop_buttons], studio.stop, [session], None,
            cancels=[*long_steps, make_all, make_all_render], queue=False, api_name="stop",
        )  # fmt: skip
    app.queue(default_concurrency_limit=CONCURRENCY)
    return app


def main() -> None:
    build_app().launch(
        theme=gr.themes.Soft(primary_hue="indigo", secondary_hue="pink"),
        css=CSS,
        max_file_size=UPLOAD_LIMIT,
    )


if __name__ == "__main__":
    main()
