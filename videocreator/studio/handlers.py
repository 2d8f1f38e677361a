"""The studio's handlers: each calls the library for one session's project (one library call per form,
``change_project``, as the command line's make does) and returns what it changed, as a dict keyed by
component."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gradio as gr

from .. import archive, images, pipeline, report, settings
from ..errors import InputError, without_server_paths
from ..languages import LANGUAGE_NAMES
from ..limits import Limits
from ..progress import Reporter
from ..project import ProjectFolder
from ..sessions import SessionStore
from ..stage import Stage
from ..voices import catalog
from . import forms
from .page import FOUND, START_FROM, TOPIC_EXAMPLE, Page, literal_values
from .running import studio_step
from .views import (
    gallery,
    numbered_scene,
    pictogram_note,
    script_rows,
    status_table,
    waveform,
    without_pictures,
)

Outputs = dict[Any, Any]


class Studio:
    """The page's handlers: each calls the library for one session's project and returns what changed."""

    def __init__(self, page: Page, store: SessionStore, limits: Limits):
        self.page, self.store, self.limits = page, store, limits
        self.stopping: set[str] = set()  # sessions whose running step was asked to stop

    # -- session, project and progress --

    def _session(self, session: str | None) -> Path:
        return Path(session) if session and self.store.owns(session) else self.store.new()

    def _open(self, session: str | None) -> ProjectFolder:
        return self.store.project(session, self.limits)

    def _reporter(self, session: str | Path, progress: gr.Progress) -> Reporter:
        """Progress into the page; a Stop pressed meanwhile ends the running stage at its next report."""
        key = str(Path(session))
        self.stopping.discard(key)
        return Reporter(
            lambda fraction, message: progress(fraction, desc=message),
            self._warn,
            stopping=lambda: key in self.stopping,
        )

    def _warn(self, message: str) -> None:
        gr.Warning(without_server_paths(message) if self.limits.public else message)

    def _keep(self, upload: Path | None) -> None:
        """This upload was taken into the session's project: it stays in the cache as long as the session
        does (the page sends music, a recording or a text file again with each step)."""
        if upload is not None:
            self.store.uploads.claim(upload)

    def _view(
        self,
        folder: ProjectFolder,
        number: float | None = 1,
        *,
        script: bool = True,
        pictures: bool = True,
        voice: bool = True,
    ) -> Outputs:
        """What the page shows of the project, with scene ``number`` selected: the state of every scene
        and How it works always; the script, the pictures and the voice where the handler changed them."""
        page = self.page
        for note in folder.notes:
            self._warn(note)
        shown: Outputs = {
            page.session: str(folder.root.parent),
            page.script.trace: without_pictures(report.how_it_works(folder)),
            page.voice.status: status_table(folder),
        }
        if script:
            shown |= {page.script.title: folder.project.title, page.script.table: script_rows(folder)}
        if pictures:
            shown |= {page.images.gallery: gallery(folder), **self._picture_view(folder, number)}
        if voice:
            pronunciations = folder.project.settings.pronunciations.items()
            shown |= {page.voice.pronunciations: [[w, s] for w, s in pronunciations]}
            shown |= self._voice_view(folder, number)
        return shown

    def _picture_view(self, folder: ProjectFolder, number: float | None) -> Outputs:
        scene = numbered_scene(folder, number)
        return {
            self.page.images.selected: str(folder.path(scene.image)) if folder.has(scene.image) else None,
            self.page.images.prompt: scene.image_prompt,
            self.page.images.pictograms: pictogram_note(scene),
        }

    def _voice_view(self, folder: ProjectFolder, number: float | None) -> Outputs:
        scene = numbered_scene(folder, number)
        return {
            self.page.voice.selected: str(folder.path(scene.audio)) if folder.has(scene.audio) else None,
            self.page.voice.waveform: waveform(folder, scene),
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
        start_from: str = START_FROM[0],
        text: str = "",
        text_file: Any = None,
        mode: str = forms.AS_WRITTEN,
        length_s: float = 60,
        progress: gr.Progress = gr.Progress(),  # noqa: B008
    ) -> Outputs:
        """Write a new script, replacing this session's project: about `topic` with `scenes` scenes, or,
        with `start_from` "my own text", from `text` (or the uploaded `text_file`: .txt, .md, .docx, .pdf)
        read as written or condensed (`mode`) to a video of `length_s` seconds. `language`: a code such as
        "es", or "auto" for the one the text is in (English for a topic)."""
        own = start_from == START_FROM[1]
        root = self._session(session)
        reporter = self._reporter(root, progress)
        source = forms.received_file(text_file) if own else None
        own_text = (
            forms.own_text(text, source, mode, length_s, self.limits, reporter.stopping) if own else None
        )
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

        folder = self.store.replace_project(root, build, self.limits)
        self._keep(source)
        return self._view(folder)

    def start_from(self, start_from: str) -> Outputs:
        """Show the topic's fields or the own text's."""
        own = start_from == START_FROM[1]
        step = self.page.script
        topic = "Title (optional: your text's first heading)" if own else "Topic"
        return {
            step.own_text: gr.Group(visible=own),
            step.scenes: gr.Slider(visible=not own),
            step.topic: gr.Textbox(label=topic, placeholder="" if own else TOPIC_EXAMPLE),
        }

    def text_mode(self, mode: str) -> Outputs:
        """The length applies where the text is condensed or retold, not where it is used as written."""
        return {self.page.script.length: gr.Slider(visible=mode != forms.AS_WRITTEN)}

    @studio_step(Stage.SCRIPT)
    def save_script(self, session: str | None, title: str, scenes: Any, scene: float) -> Outputs:
        """Save the edited title and scene table (rows of narration, image prompt)."""
        folder = self._open(session)
        pipeline.set_script(folder, title, forms.pairs(scenes))
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
        pipeline.delete_scene(folder, numbered_scene(folder, scene))
        return self._view(folder, min(scene or 1, len(folder.project.scenes)))

    def _move(self, session: str | None, scene: float, offset: int) -> Outputs:
        folder = self._open(session)
        pipeline.move_scene(folder, numbered_scene(folder, scene), offset)
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
        if self.store.busy(session):
            return gr.skip()
        folder = self._open(session)
        return self._picture_view(folder, scene) | self._voice_view(folder, scene)

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
        choice = forms.stage_choice(image_maker, model=model, style=style, steps=steps)
        pipeline.change_project(folder, {Stage.IMAGES: choice})
        pipeline.make_images(folder, self._reporter(session, progress))
        return self._view(folder, scene, script=False, voice=False)

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
        choice = forms.stage_choice(image_maker, model=model, style=style, steps=steps)
        pipeline.change_project(folder, {Stage.IMAGES: choice})
        pipeline.regenerate_image(folder, numbered_scene(folder, scene), prompt=prompt)
        return self._view(folder, scene, voice=False)

    @studio_step(Stage.IMAGES)
    def upload_image(self, session: str | None, scene: float, picture: Any) -> Outputs:
        """Use your own `picture` for scene number `scene`."""
        folder = self._open(session)
        if (source := forms.received_file(picture)) is None:
            raise InputError("choose a picture to upload", stage=Stage.IMAGES)
        pipeline.upload_image(folder, numbered_scene(folder, scene), source)
        self._keep(source)
        return self._view(folder, scene, script=False, voice=False)

    @studio_step(Stage.IMAGES)
    def undo_image(self, session: str | None, scene: float) -> Outputs:
        """Go back to the previous picture of scene number `scene`."""
        folder = self._open(session)
        if not pipeline.undo_image(folder, numbered_scene(folder, scene)):
            gr.Warning("There is no earlier picture for this scene.")
        return self._view(folder, scene, script=False, voice=False)

    @studio_step(Stage.IMAGES)
    def choose_pictograms(self, session: str | None, scene: float, pictograms: list[str]) -> Outputs:
        """Draw these `pictograms` (up to three emoji; ["none"] for none; [] to let the scene's words
        choose) in scene number `scene`'s picture, made again now by the offline illustrator."""
        folder = self._open(session)
        chosen = numbered_scene(folder, scene)
        pipeline.choose_pictograms(folder, chosen, list(pictograms or []))
        pipeline.make_image(folder, chosen)
        return self._view(folder, scene, script=False, voice=False)

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
        fields, step = forms.option_fields(Stage.IMAGES, image_maker), self.page.images
        style = fields.get("style")
        return {
            step.model: self._model_field(fields.get("model")),
            step.style: gr.Dropdown(
                choices=literal_values(style.annotation), value=style.default, visible=True
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
        recording = forms.received_file(voice_recording)
        reference = pipeline.use_voice_reference(folder, recording) if recording else None
        self._keep(recording)
        changes: dict[str, Any] = {
            Stage.VOICE: forms.stage_choice(
                narrator, model=voice_model, speaker=speaker, speaker_wav=reference
            ),
            "speed": float(speed or 1.0),
            "tighten_pauses": bool(tighten_pauses),
        }
        if pronunciations is not None:
            changes["pronunciations"] = {
                written.strip(): said.strip()
                for written, said in forms.pairs(pronunciations)
                if written.strip()
            }
        pipeline.change_project(folder, changes)
        reporter = self._reporter(session, progress)
        if only_selected:
            pipeline.narrate_scene(folder, numbered_scene(folder, scene), reporter)
        else:
            pipeline.narrate_all(folder, reporter)
        return self._view(folder, scene, script=False, pictures=False)

    @studio_step(Stage.VOICE, writes=False)
    def add_voice(
        self,
        session: str | None,
        voice_name: str,
        progress: gr.Progress = gr.Progress(),  # noqa: B008
    ) -> Outputs:
        """Fetch the Piper voice `voice_name` (a voice's name, or a language such as "es" for its usual
        voice) into the voices folder, where "auto" finds it; not on a public server. Stop ends the
        download (what came is kept, and the next try continues it)."""
        root = self._session(session)
        reporter = self._reporter(root, progress).at(Stage.VOICE)
        added = catalog.add_voice(voice_name or "", progress=reporter.progress, limits=self.limits)
        return {self.page.session: str(root), self.page.voice.added: added.line}

    def voice_options(self, narrator: str) -> Outputs:
        """The voice model, speaker and recording fields, where the chosen narrator has them."""
        fields, step = forms.option_fields(Stage.VOICE, narrator), self.page.voice
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
        upload = forms.received_file(music_file)
        changes: dict[str, Any] = {
            "aspect": aspect,
            "resolution": resolution,
            "music_volume": music_volume,
            "captions": {
                "enabled": bool(captions),
                "size": float(caption_size) / 100,
                "position": caption_position,
                "color": caption_color,
                "style": caption_style,
                "highlight_color": highlight_color,
            },
        }
        if (chosen_music := forms.music(music, upload, folder.project.settings.music)) is not None:
            changes["music"] = chosen_music
        pipeline.change_project(folder, changes)
        self._keep(upload if music not in forms.MUSIC_CHOICES else None)
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

    # -- saved projects, stopping --

    @studio_step(None)
    def open_zip(self, session: str | None, project_zip: Any) -> Outputs:
        """Open a project saved as a zip (the one *Render video* offers), replacing this session's."""
        if (source := forms.received_file(project_zip)) is None:
            raise InputError("choose a saved project .zip")
        root = self._session(session)
        folder = self.store.replace_project(
            root, lambda staging: archive.import_zip(source, staging, self.limits), self.limits
        )
        self._keep(source)
        return self._view(folder)

    def stop(self, session: str | None) -> None:
        """Stop this session's running step at its next progress report (what is finished is kept)."""
        if session and self.store.owns(session):
            self.stopping.add(str(Path(session)))
