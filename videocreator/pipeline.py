"""The stages over a project folder: write the script, make images, narrate, render.

Every function takes a ``ProjectFolder``, does its stage for what is missing or out of date, saves
``project.json`` and returns. Generated files are named by a hash of their inputs, so calling a stage
again after an edit redoes only what the edit touched, and a crash loses nothing finished.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from . import auto, checks, keys, registry, report
from . import settings as settings_model
from .assets import bundled_music
from .backend import (
    Backend,
    ImageMaker,
    ImageRequest,
    Narrator,
    Script,
    ScriptRequest,
    ScriptWriter,
    Speech,
)
from .errors import BackendUnavailable, InputError, ProviderFailed, Stopped, VideoCreatorError
from .files import atomic_path, full_disk_is, write_json
from .images.layers import under_text
from .images.pictograms import known as pictogram_known
from .images.upload import fit_image
from .limits import FILE_OPTIONS, LOCAL, MAX_SCENES, Limits
from .project import (
    PROJECT_FILE,
    ImageVersion,
    OwnText,
    Project,
    ProjectFolder,
    Scene,
    Settings,
    StageChoice,
    frame_size,
    textless_path,
    timings_path,
)
from .render import audio, cards, renderer, timeline
from .render.word_timing import word_timings
from .source import check_text, find_language, measure_pace, title_from_text, words_per_second
from .stage import CHOSEN, FORMER_NAMES, Stage
from .text import check_scene_text, check_topic
from .voices import speaking
from .writers import own_text as own_text_writer
from .writers.chat import ChatWriter
from .writers.parsing import language_name

FALLBACK_WRITERS = ("local", "template")
SECONDS_PER_SCENE = 10  # what a scene of a topic's script lasts, roughly
MIN_VIDEO_S = 10.0  # the shortest video a text is condensed to
MAX_REWRITE_CHARS = 30_000  # what a chat writer is sent in one request to retell
USUAL_LETTERS_PER_SECOND = 14.0  # a narrator's pace before one has been measured
B = TypeVar("B", bound=Backend)


def _quiet_progress(fraction: float, message: str) -> None:
    del fraction, message


def _quiet_warn(message: str) -> None:
    del message


def _never() -> bool:
    return False


@dataclass
class Reporter:
    """Where a stage reports progress (0..1 with a message) and warnings the user should see.
    ``stopping`` says whether the person asked to stop: the stage running then ends at its next
    report, with ``Stopped`` naming it (what it finished is kept)."""

    progress: Callable[[float, str], None] = _quiet_progress
    warn: Callable[[str], None] = _quiet_warn
    warnings: list[str] = field(default_factory=list)
    stopping: Callable[[], bool] = _never

    def warning(self, message: str) -> None:
        self.warnings.append(message)
        self.warn(message)

    def scaled(self, start: float, end: float) -> Reporter:
        """A reporter for one part of this step: its 0..1 lands in ``start``..``end`` of this one."""
        return Reporter(
            lambda f, m: self.progress(start + (end - start) * f, m), self.warning, stopping=self.stopping
        )

    def at(self, stage: Stage) -> Reporter:
        """This reporter while ``stage`` runs: a stop asked for meanwhile ends that stage, naming it."""

        def progress(fraction: float, message: str) -> None:
            if self.stopping():
                raise Stopped(stage)
            self.progress(fraction, message)

        return Reporter(progress, self.warning, stopping=self.stopping)


def _reporter(reporter: Reporter | None, stage: Stage) -> Reporter:
    return (reporter if reporter is not None else Reporter()).at(stage)


# ---- project --------------------------------------------------------------------------------


def new_project(
    topic: str,
    out_dir: Path,
    *,
    language: str | None = None,
    settings: Settings | None = None,
    limits: Limits = LOCAL,
    own_text: OwnText | None = None,
) -> ProjectFolder:
    """A new project folder; files named by ``settings`` (music, a voice recording) are copied into it.

    With ``own_text`` the script comes from the person's words; the topic may then be empty (the text's
    first heading, or first line, stands in). ``language`` None: the one the text is written in, found
    and said in ``folder.notes`` (a topic's is English).
    """
    settings = settings or Settings()
    notes = []
    if own_text is not None:
        limits.check_text(len(own_text.text))
        own_text = replace(own_text, text=check_text(own_text.text))
        _check_length(own_text, limits, settings)
        topic = topic or title_from_text(own_text.text)
        if language is None:
            found = find_language(own_text.text)
            language = found.code if found.sure else "en"
            notes.append(found.line)
    language = language or "en"
    if own_text is None:
        check_writer_language(settings.script.backend, language)
    project = Project(topic=check_topic(topic), language=language, settings=settings, own_text=own_text)
    folder = ProjectFolder.create(Path(out_dir), project, limits)
    folder.notes[:0] = notes
    return folder


def scenes_for_length(seconds: float) -> int:
    """How many scenes a topic's script gets for a video of about ``seconds``."""
    return max(1, min(MAX_SCENES, round(seconds / SECONDS_PER_SCENE)))


def choose_backend(folder: ProjectFolder, stage: Stage, backend: str, given: dict[str, Any]) -> None:
    """Use ``backend`` for ``stage`` with the ``given`` options (blank ones keep what the project had).

    Unknown backends and bad option values are refused before any work, naming them; on a public
    server, so are models, files and servers the operator did not configure.
    """
    current: StageChoice = getattr(folder.project.settings, stage.value)
    backend = backend or current.backend
    if backend == auto.AUTO:
        if current.backend != auto.AUTO:
            setattr(folder.project.settings, stage.value, StageChoice(auto.AUTO))
            folder.save()
        return
    maker = registry.get(stage, backend)  # an unknown name is refused here, naming the stage
    given = {k: v for k, v in given.items() if v not in (None, "")}
    unknown = sorted(set(given) - set(maker.Options.model_fields))
    if unknown:
        raise InputError(f"{backend!r} has no option {', '.join(unknown)}", stage=stage, provider=backend)
    if refused := folder.limits.visitor_options(stage, backend, given):
        raise InputError(
            f"{', '.join(refused)}: visitors cannot choose models, files or servers on this public server",
            stage=stage,
            provider=backend,
        )
    for name in FILE_OPTIONS & given.keys():  # a file of the project's (use_voice_reference puts it there)
        folder.path(str(given[name]))
    options = dict(current.options) if backend == current.backend else {}
    if backend != current.backend:
        options.update(folder.limits.operator_values(stage, backend))
    options.update(given)
    maker.parse_options(options)  # a bad value is named before any work
    choice = StageChoice(backend, options)
    if choice != current:
        setattr(folder.project.settings, stage.value, choice)
        folder.save()


def change_settings(folder: ProjectFolder, changes: dict[str, Any]) -> None:
    """Change project settings (nested like the config file: ``{"captions": {"size": 0.05}}``),
    validated as a whole before anything is saved. Stage choices go through ``choose_backend``."""
    if refused := set(changes) & {*CHOSEN, *FORMER_NAMES}:
        raise InputError(f"choose {', '.join(sorted(refused))} with choose_backend")
    if "music" in changes:
        raise InputError("choose the music with use_music")
    if folder.limits.public and "voices_folder" in changes:
        raise InputError("the voices folder is the operator's on this public server")
    folder.project.settings = settings_model.updated(folder.project.settings, changes)
    folder.save()


def _checked_upload(folder: ProjectFolder, source: Path, what: str, stage: Stage) -> Path:
    if not source.is_file():
        raise InputError(f"the {what} {source.name} was not received; upload it again", stage=stage)
    folder.limits.check_upload(source.stat().st_size, what, stage)
    return source


@full_disk_is(Stage.RENDER)
def use_music(folder: ProjectFolder, music: str | Path) -> None:
    """Background music: "default" (the bundled track), "none", or the person's file (copied in)."""
    settings = folder.project.settings
    if str(music) in ("default", "none"):
        settings.music = str(music)
    else:
        source = _checked_upload(folder, Path(music), "music file", Stage.RENDER)
        settings.music = folder.adopt(source, "music")
    folder.save()


@full_disk_is(Stage.VOICE)
def use_voice_reference(folder: ProjectFolder, recording: Path) -> str:
    """Copy a recording of the voice to clone into the project; its path there (for ``speaker_wav``)."""
    return folder.adopt(
        _checked_upload(folder, Path(recording), "voice recording", Stage.VOICE), "voice-reference"
    )


# ---- script ---------------------------------------------------------------------------------


@full_disk_is(Stage.SCRIPT)
def write_script(folder: ProjectFolder, scenes: int = 5, reporter: Reporter | None = None) -> None:
    """Write the script: from the person's own text when the project has one (``scenes`` is then decided
    by the text), else from the topic with the chosen writer, falling back to the offline writers."""
    rep = _reporter(reporter, Stage.SCRIPT)
    project = folder.project
    if project.own_text is None:
        if scenes < 1:
            raise InputError(f"a script needs at least one scene, not {scenes}", stage=Stage.SCRIPT)
        folder.limits.check_scene_count(scenes)
    request = ScriptRequest(
        topic=check_topic(project.topic),
        scenes=scenes if project.own_text is None else folder.limits.max_scenes,
        audience=project.settings.audience,
        tone=project.settings.tone,
        language=project.language,
        seed=project.settings.seed,
    )
    started = time.monotonic()
    if project.own_text is None:
        name, script = _write_from_topic(folder, request, rep)
    else:
        name, script = _write_from_own_text(folder, request, rep)
    project.title = script.title
    project.scenes = []
    for draft in script.scenes:
        project.scenes.append(_new_scene(project, draft.narration, draft.image_prompt))
    project.script_trace = {"writer": name, "seconds": round(time.monotonic() - started, 2), **script.trace}
    folder.save()
    report.write_report(folder)
    rep.progress(1.0, "script written")


def _writes(name: str, language: str) -> bool:
    if name == auto.AUTO:
        return True  # auto only picks writers that can
    writer = registry.get(Stage.SCRIPT, name)
    return not issubclass(writer, ScriptWriter) or writer.writes(language)


def check_writer_language(writer: str, language: str) -> None:
    """Refuse a writer that cannot write ``language``, naming those that can."""
    if not _writes(writer, language):
        able = sorted(n for n in registry.backends(Stage.SCRIPT) if n != "text" and _writes(n, language))
        raise InputError(
            f"the {writer} writer cannot write {language_name(language)} ({language}); choose "
            f"{' or '.join(able)}, or start from your own text",
            stage=Stage.SCRIPT,
            provider=writer,
        )


def writer_chain(folder: ProjectFolder) -> list[tuple[str, dict[str, Any]]]:
    """The chosen (or ``auto``'s) writer, then the offline ones that write the project's language."""
    choice, language = resolve(folder, Stage.SCRIPT, record=True), folder.project.language
    check_writer_language(choice.backend, language)
    fallbacks = [n for n in FALLBACK_WRITERS if n != choice.backend and _writes(n, language)]
    return [(choice.backend, choice.options)] + [(n, {}) for n in fallbacks]


def _write_from_topic(folder: ProjectFolder, request: ScriptRequest, rep: Reporter) -> tuple[str, Script]:
    """The chosen writer, then the offline ones that write the project's language; a writer that cannot
    write it is refused before any work, naming those that can."""
    chain = writer_chain(folder)
    failures: list[str] = []
    for position, (name, options) in enumerate(chain):
        writer = registry.create(Stage.SCRIPT, name, options)
        assert isinstance(writer, ScriptWriter)
        rep.progress(0.05, f"writing the script with {name}")
        writer.listener = partial(_show_streaming, rep, name)
        writer.stopping = rep.stopping
        try:
            script = writer.write(request)
        except (ProviderFailed, BackendUnavailable) as exc:
            if position == len(chain) - 1:
                raise
            rep.warning(f"{exc}; continuing with the {chain[position + 1][0]} writer")
            failures.append(str(exc))
            continue
        if failures:
            _record(folder, Stage.SCRIPT, name, "; ".join(failures))
        return name, script
    raise AssertionError("the writer chain always ends in an offline writer")


def _show_streaming(rep: Reporter, writer: str, text: str) -> None:
    """The end of the reply so far, as the progress message: the script appears as it is written."""
    rep.progress(0.5, f"{writer} writes: …{' '.join(text.split())[-70:]}")


def _write_from_own_text(folder: ProjectFolder, request: ScriptRequest, rep: Reporter) -> tuple[str, Script]:
    """The person's text cut into scenes (or condensed), timed with the chosen voice's measured pace;
    or retold by a chat writer. The writer's name, and its script."""
    own = folder.project.own_text
    assert own is not None
    if own.mode == "rewrite":
        return _rewrite_own_text(folder, request, own, rep)
    _record(folder, Stage.SCRIPT, "text", "your own text")
    rep.progress(0.05, "measuring the voice's pace (once per voice)")
    try:
        letters = measure_pace(_narrator(folder), folder.project.settings.speed, folder.project.language)
    except VideoCreatorError as exc:  # the script does not need the voice: estimate its pace instead
        rep.warning(f"{exc}; the length is estimated at a usual pace")
        letters = USUAL_LETTERS_PER_SECOND
    rep.progress(0.5, "cutting your text into scenes")
    writer = registry.create(Stage.SCRIPT, "text")
    assert isinstance(writer, ScriptWriter)
    speech_s = speech_for_video(own.length_s, folder.project.settings) if own.length_s else None
    script = writer.write(
        replace(
            request, text=own.text, mode=own.mode, length_s=speech_s,
            words_per_second=words_per_second(own.text, letters),
        )
    )  # fmt: skip
    video_s = float(script.trace.get("estimated_seconds", 0.0)) + timeline.pauses_s(
        len(script.scenes), **cards.lengths(folder.project.settings)
    )
    script.trace["estimated_video_seconds"] = round(video_s, 1)
    if own.mode == "as-written" and own.length_s and video_s > own.length_s * 1.15:
        rep.warning(
            f"your text makes a video of about {video_s:.0f} s, over the {own.length_s:.0f} s you asked for: "
            "as written keeps every word; choose condense to shorten it"
        )
    return writer.name, script


def _rewrite_own_text(
    folder: ProjectFolder, request: ScriptRequest, own: OwnText, rep: Reporter
) -> tuple[str, Script]:
    """The person's text retold in scenes by the chosen (or ``auto``'s) chat writer; no fallback to a
    writer that would ignore the text."""
    choice = resolve(folder, Stage.SCRIPT, record=True)
    writer = registry.create(Stage.SCRIPT, choice.backend, choice.options)
    if not isinstance(writer, ChatWriter):
        raise InputError(
            f"rewrite needs a chat writer (an OpenAI-compatible server, Ollama or g4f), and the writer here "
            f"is {choice.backend}: connect one, or choose as-written or condense",
            stage=Stage.SCRIPT,
            provider=choice.backend,
        )
    scenes = min(folder.limits.max_scenes, scenes_for_length(own.length_s or 60))
    rep.progress(0.05, f"{choice.backend} retells your text in {scenes} scenes")
    writer.listener = partial(_show_streaming, rep, choice.backend)
    writer.stopping = rep.stopping
    return choice.backend, writer.write(
        replace(request, text=own.text, mode="rewrite", length_s=own.length_s, scenes=scenes)
    )


def _check_length(own: OwnText, limits: Limits, settings: Settings) -> None:
    if own.mode not in ("as-written", "condense", "rewrite"):
        raise InputError(
            f"unknown mode {own.mode!r}; choose as-written, condense or rewrite", stage=Stage.SCRIPT
        )
    if own.mode == "rewrite" and len(own.text) > MAX_REWRITE_CHARS:
        raise InputError(
            f"rewrite sends the whole text to the writer in one request: at most {MAX_REWRITE_CHARS:,} "
            f"characters, not {len(own.text):,}; condense it, or make one video per section (batch)",
            stage=Stage.SCRIPT,
        )
    longest = own_text_writer.max_length_s(limits.max_scenes) + timeline.pauses_s(
        limits.max_scenes, **cards.lengths(settings)
    )
    if own.length_s is not None and not MIN_VIDEO_S <= own.length_s <= longest:
        raise InputError(
            f"the length must be between {MIN_VIDEO_S:g} and {longest:.0f} s here, not {own.length_s:g}",
            stage=Stage.SCRIPT,
        )


def speech_for_video(seconds: float, settings: Settings) -> float:
    """How much narration a video of ``seconds`` holds, once the pauses around its scenes and its cards
    are counted."""
    scenes = scenes_for_length(seconds)
    return max(1.0, seconds - timeline.pauses_s(scenes, **cards.lengths(settings)))


def _new_scene(project: Project, narration: str, image_prompt: str) -> Scene:
    scene_id = project.new_scene_id()
    seed = project.settings.seed * 1000 + int(scene_id)
    return Scene(id=scene_id, narration=narration, image_prompt=image_prompt, image_seed=seed)


def add_scene(folder: ProjectFolder, narration: str, image_prompt: str, position: int | None = None) -> Scene:
    project = folder.project
    folder.limits.check_scene_count(len(project.scenes) + 1)
    scene = _new_scene(
        project,
        check_scene_text(narration, "narration"),
        check_scene_text(image_prompt, "image prompt", required=False),
    )
    project.scenes.insert(len(project.scenes) if position is None else position, scene)
    folder.save()
    return scene


def update_scene(
    folder: ProjectFolder, scene: Scene, *, narration: str | None = None, image_prompt: str | None = None
) -> None:
    """Edit a scene's texts; its image and voice become out of date and are redone when next needed."""
    if narration is not None:
        scene.narration = check_scene_text(narration, "narration")
    if image_prompt is not None:
        scene.image_prompt = check_scene_text(image_prompt, "image prompt", required=False)
    folder.save()


@full_disk_is(Stage.SCRIPT)
def set_script(folder: ProjectFolder, title: str, rows: list[tuple[str, str]]) -> None:
    """Make the scenes match an edited table of (narration, image prompt) rows, position by position.

    Existing scenes keep their pictures and voices where their texts did not change; extra rows become
    new scenes, missing rows delete scenes. Empty rows are ignored.
    """
    rows = [(n, p) for n, p in rows if (n or "").strip() or (p or "").strip()]
    if not rows:
        raise InputError("the script has no scenes", stage=Stage.SCRIPT)
    folder.limits.check_scene_count(len(rows))
    project = folder.project
    project.title = check_scene_text(title, "title", required=False)[:120] or project.title
    checked = [
        (check_scene_text(n, f"narration of scene {i}"), check_scene_text(p, "image prompt", required=False))
        for i, (n, p) in enumerate(rows, 1)
    ]
    del project.scenes[len(checked) :]
    for scene, (narration, prompt) in zip(project.scenes, checked, strict=False):
        scene.narration, scene.image_prompt = narration, prompt
    for narration, prompt in checked[len(project.scenes) :]:
        project.scenes.append(_new_scene(project, narration, prompt))
    folder.save()


def delete_scene(folder: ProjectFolder, scene: Scene) -> None:
    if len(folder.project.scenes) == 1:
        raise InputError("a video needs at least one scene", stage=Stage.SCRIPT)
    folder.project.scenes.remove(scene)
    folder.save()


def move_scene(folder: ProjectFolder, scene: Scene, offset: int) -> None:
    """Move a scene ``offset`` places (negative: earlier), clamped to the ends."""
    scenes = folder.project.scenes
    position = scenes.index(scene)
    scenes.insert(max(0, min(len(scenes) - 1, position + offset)), scenes.pop(position))
    folder.save()


@dataclass(frozen=True)
class SceneState:
    image_current: bool
    audio_current: bool


def scene_states(folder: ProjectFolder) -> list[SceneState]:
    """Which scenes' image and narration are up to date (edits make them stale; so does a stage whose
    backend cannot run here, such as no voice for the script's language)."""
    maker, narrator = _available(_image_maker, folder), _available(_narrator, folder)
    return [
        SceneState(
            maker is not None and image_is_current(folder, s, maker),
            narrator is not None and audio_is_current(folder, s, narrator),
        )
        for s in folder.project.scenes
    ]


def _available(make: Callable[[ProjectFolder], Backend], folder: ProjectFolder) -> Any:
    try:
        return make(folder)
    except BackendUnavailable:
        return None


def scene_by_id(folder: ProjectFolder, scene_id: str) -> Scene:
    for scene in folder.project.scenes:
        if scene.id == scene_id:
            return scene
    raise InputError(f"there is no scene {scene_id!r}")


# ---- images ---------------------------------------------------------------------------------


def resolve(folder: ProjectFolder, stage: Stage, *, record: bool = False) -> StageChoice:
    """The backend a stage uses now: the person's choice, or what ``auto`` finds best here. ``record``
    (when the stage runs): keep which one and why in ``project.ran``."""
    choice: StageChoice = getattr(folder.project.settings, stage.value)
    if choice.backend != auto.AUTO:
        if record:
            _record(folder, stage, choice.backend, "chosen in the settings")
        return choice
    project = folder.project
    if stage == Stage.SCRIPT:
        found = auto.script(choice.options)
    elif stage == Stage.IMAGES:
        found = auto.images(choice.options)
    else:
        found = auto.voice(project.language, project.settings.voices_folder)
    if record:
        _record(folder, stage, found.backend, found.why)
    return StageChoice(found.backend, found.options)


def check_stages(folder: ProjectFolder) -> None:
    """Refuse before any work a project whose pictures or voice cannot be made here (the script always
    can: its writers fall back to the offline ones), naming what to add."""
    for stage in (Stage.IMAGES, Stage.VOICE):
        choice = resolve(folder, stage)  # auto with no voice for the language says what to add
        if choice.options.get("model"):
            continue  # readiness speaks of the backend's own model; one named is checked as it loads
        if reason := registry.get(stage, choice.backend).readiness():
            raise BackendUnavailable(reason, stage=stage, provider=choice.backend)


def what_ran(folder: ProjectFolder) -> list[str]:
    """One line per stage that ran: which backend, and why (``"script: local — no server ..."``)."""
    return [
        f"{stage}: {entry['backend']} — {entry['why']}"
        for stage in CHOSEN
        if (entry := folder.project.ran.get(stage.value))
    ]


def _record(folder: ProjectFolder, stage: Stage, backend: str, why: str) -> None:
    entry = {"backend": backend, "why": why}
    if folder.project.ran.get(stage.value) != entry:
        folder.project.ran[stage.value] = entry
        folder.save()


def _backend(folder: ProjectFolder, stage: Stage, record: bool = False) -> Backend:
    """The stage's backend, with the project's files among its options resolved in the folder."""
    choice = resolve(folder, stage, record=record)
    options = dict(choice.options)
    for name in FILE_OPTIONS & options.keys():
        if options[name]:
            options[name] = str(folder.path(options[name]))
    return registry.create(stage, choice.backend, options)


def _image_maker(folder: ProjectFolder, record: bool = False) -> ImageMaker:
    maker = _backend(folder, Stage.IMAGES, record)
    assert isinstance(maker, ImageMaker)
    return maker


def _image_request(project: Project, scene: Scene) -> ImageRequest:
    width, height = project.settings.size
    return ImageRequest(
        prompt=scene.image_prompt or scene.narration,
        width=width,
        height=height,
        seed=scene.image_seed,
        title=project.title,
        index=project.scenes.index(scene),
        total=len(project.scenes),
        language=project.language,
        pictograms=tuple(scene.pictograms),
    )


def image_key(folder: ProjectFolder, scene: Scene, maker: ImageMaker | None = None) -> str:
    maker = maker or _image_maker(folder)
    return keys.picture(maker, _image_request(folder.project, scene))


def image_is_current(folder: ProjectFolder, scene: Scene, maker: ImageMaker | None = None) -> bool:
    if not folder.has(scene.image):
        return False
    if scene.image_source != "generated":
        return True  # an upload, or a picture the person went back to: kept until they regenerate
    return scene.image_key == image_key(folder, scene, maker)


def _set_image(
    scene: Scene, relative: str, key: str, source: str, details: dict[str, Any] | None = None
) -> None:
    if scene.image and scene.image != relative:
        before = ImageVersion(scene.image, scene.image_key or "", scene.image_source, scene.image_details)
        scene.image_history = [*scene.image_history, before][-10:]
    scene.image, scene.image_key, scene.image_source = relative, key, source  # type: ignore[assignment]
    scene.image_details = details or {}


@full_disk_is(Stage.IMAGES)
def make_image(
    folder: ProjectFolder, scene: Scene, reporter: Reporter | None = None, maker: ImageMaker | None = None
) -> None:
    """(Re)make one scene's image if it is missing or out of date."""
    project = folder.project
    maker = maker or _image_maker(folder, record=True)
    if image_is_current(folder, scene, maker):
        return
    key = image_key(folder, scene, maker)
    relative = f"{scene.folder}/image-{key}.png"
    request = _image_request(project, scene)
    details = maker.details(request)
    if not folder.has(relative):
        _reporter(reporter, Stage.IMAGES).progress(0.0, f"image for scene {scene.id} with {maker.name}")
        started = time.monotonic()
        picture = maker.make_picture(request)
        details["seconds"] = round(time.monotonic() - started, 3)
        if picture.textless is not None:  # first: a picture on disk is taken as made, with its layer
            with atomic_path(folder.path(textless_path(relative))) as tmp:
                under_text(picture.image, picture.textless).save(tmp, format="PNG", compress_level=1)
        with atomic_path(folder.path(relative)) as tmp:
            picture.image.convert("RGB").save(tmp, format="PNG", compress_level=1)
        for step in getattr(maker, "last_steps", []):  # the model's steps, where it was asked to keep them
            name = f"{scene.folder}/step-{key}-{step.step:02d}-of-{step.steps:02d}.png"
            with atomic_path(folder.path(name)) as tmp:
                step.image.save(tmp, format="PNG")
    strip = sorted(folder.path(scene.folder).glob(f"step-{key}-*.png"))
    if strip:
        numbers = [p.stem.removeprefix(f"step-{key}-").split("-of-") for p in strip]
        details["steps"] = [
            {"step": int(n), "steps": int(of), "file": f"{scene.folder}/{p.name}"}
            for p, (n, of) in zip(strip, numbers, strict=True)
        ]
    _set_image(scene, relative, key, "generated", details)
    folder.save()


def _bring_up_to_date(
    folder: ProjectFolder,
    backend: B,
    is_current: Callable[[ProjectFolder, Scene, B], bool],
    make: Callable[[ProjectFolder, Scene, B], None],
    what: str,
    reporter: Reporter | None,
) -> None:
    """Make each scene's artifact (picture or narration) that is missing or out of date, in order; then
    How it works tells of the project, if it changed since it was told."""
    rep, scenes = _reporter(reporter, backend.stage), folder.project.scenes
    for n, scene in enumerate(scenes):
        if not is_current(folder, scene, backend):
            rep.progress(n / len(scenes), f"{what} {n + 1}/{len(scenes)} ({backend.name})")
            make(folder, scene, backend)
    rep.progress(1.0, f"{what}s ready")
    if not report.is_current(folder):
        report.write_report(folder)


def make_images(folder: ProjectFolder, reporter: Reporter | None = None) -> None:
    """Make every picture that is missing or out of date."""
    _bring_up_to_date(
        folder, _image_maker(folder, record=True), image_is_current,
        lambda f, scene, maker: make_image(f, scene, maker=maker), "picture", reporter,
    )  # fmt: skip


def choose_pictograms(folder: ProjectFolder, scene: Scene, chars: list[str]) -> None:
    """The pictograms the offline illustrator draws for a scene: up to three, ["none"] for none, or []
    to let the scene's words decide. The picture is made again when next needed."""
    chars = [c for c in (c.strip() for c in chars) if c]
    unknown = [c for c in chars if c != "none" and not pictogram_known(c)]
    if unknown or len(chars) > 3 or ("none" in chars and len(chars) > 1):
        raise InputError(
            f"choose up to three pictograms the set has, or none; not {', '.join(unknown or chars)}",
            stage=Stage.IMAGES,
        )
    scene.pictograms = chars
    folder.save()


def regenerate_image(folder: ProjectFolder, scene: Scene, seed: int | None = None) -> None:
    """A new picture for a scene: a new seed (random unless given), generated again."""
    scene.image_seed = seed if seed is not None else random.randrange(2**31)
    scene.image_source = "generated"
    make_image(folder, scene)


@full_disk_is(Stage.IMAGES)
def upload_image(folder: ProjectFolder, scene: Scene, source: Path | bytes) -> None:
    """Use the person's own picture for a scene, fitted to the frame."""
    width, height = folder.project.settings.size
    if isinstance(source, bytes):
        folder.limits.check_upload(len(source), "picture", Stage.IMAGES)
    else:
        _checked_upload(folder, Path(source), "picture", Stage.IMAGES)
    image = fit_image(source, width, height)
    key = keys.upload(image.tobytes(), (width, height))
    relative = f"{scene.folder}/upload-{key}.png"
    with atomic_path(folder.path(relative)) as tmp:
        image.save(tmp, format="PNG", compress_level=1)
    _set_image(scene, relative, key, "upload")
    folder.save()


def undo_image(folder: ProjectFolder, scene: Scene) -> bool:
    """Go back to the scene's previous picture. False when there is none."""
    while scene.image_history:
        previous = scene.image_history.pop()
        if folder.has(previous.path):
            scene.image, scene.image_key, scene.image_details = previous.path, previous.key, previous.details
            # a generated picture gone back to is kept as it is, until the person regenerates
            scene.image_source = "upload" if previous.source == "upload" else "kept"
            folder.save()
            return True
    folder.save()
    return False


# ---- narration ------------------------------------------------------------------------------


def _narrator(folder: ProjectFolder, record: bool = False) -> Narrator:
    narrator = _backend(folder, Stage.VOICE, record)
    assert isinstance(narrator, Narrator)
    return narrator


def audio_key(folder: ProjectFolder, scene: Scene, narrator: Narrator | None = None) -> str:
    narrator = narrator or _narrator(folder)
    settings = folder.project.settings
    said = speaking.spoken(scene.narration, settings.pronunciations)
    pause = settings.max_pause_s if settings.tighten_pauses else None
    return keys.narration(narrator, scene.narration, said, settings.speed, folder.project.language, pause)


def audio_is_current(folder: ProjectFolder, scene: Scene, narrator: Narrator | None = None) -> bool:
    return (
        folder.has(scene.audio)
        and folder.has(timings_path(scene.audio))
        and scene.audio_key == audio_key(folder, scene, narrator)
    )


@full_disk_is(Stage.VOICE)
def narrate_scene(
    folder: ProjectFolder, scene: Scene, reporter: Reporter | None = None, narrator: Narrator | None = None
) -> None:
    project = folder.project
    narrator = narrator or _narrator(folder, record=True)
    if audio_is_current(folder, scene, narrator):
        return
    check_scene_text(scene.narration, f"narration of scene {scene.id}")
    key = audio_key(folder, scene, narrator)
    relative = f"{scene.folder}/voice-{key}.wav"
    timings = timings_path(relative)
    if not (folder.has(relative) and folder.has(timings)):
        rep = _reporter(reporter, Stage.VOICE)
        rep.progress(0.0, f"narrating scene {scene.id} with {narrator.name}")
        if reporter is not None:  # narrate_all hands its narrator in with its own Stop
            narrator.stopping = rep.stopping
        said = speaking.spoken(scene.narration, project.settings.pronunciations)
        speech = _speak(narrator, scene.narration, said, project.settings, project.language)
        audio.write_wav(folder.path(relative), speech)
        record = {
            "duration": speech.duration, "said": said, "sentences": speech.sentences,
            "phonemes": speech.phonemes, "words": speech.words or word_timings(speech),
        }  # fmt: skip
        write_json(folder.path(timings), record)
    scene.audio, scene.audio_key = relative, key
    scene.duration = round(folder.timings(scene)["duration"], 3)
    folder.save()


def _speak(narrator: Narrator, text: str, said: str, settings: Settings, language: str) -> Speech:
    """The narration of ``text``, given as ``said`` (the pronunciations applied), pauses tightened if
    asked, and timed in the written words (what the captions show)."""
    speech = narrator.narrate(said, speed=settings.speed, language=language)
    if not speech.words:  # timed once, from the audio, for the pauses and the captions alike
        speech = replace(speech, words=word_timings(speech))
    if settings.tighten_pauses:
        speech = speaking.tightened(speech, settings.max_pause_s)
    return speaking.written(speech, text, settings.pronunciations)


def narrate_all(folder: ProjectFolder, reporter: Reporter | None = None) -> None:
    """Narrate every scene whose narration is missing or out of date."""
    narrator = _narrator(folder, record=True)
    narrator.stopping = _reporter(reporter, Stage.VOICE).stopping
    _bring_up_to_date(
        folder, narrator, audio_is_current,
        lambda f, scene, narrator: narrate_scene(f, scene, narrator=narrator), "narration", reporter,
    )  # fmt: skip


# ---- render ---------------------------------------------------------------------------------


def music_path(folder: ProjectFolder) -> Path | None:
    """The music file to mix under the narration (inside the project, or the bundled track), or None."""
    music = folder.project.settings.music
    if music in ("", "none"):
        return None
    path = bundled_music() if music == "default" else folder.path(music)
    if not path.is_file():
        raise InputError(
            f"music file {music} not found in the project (choose other music, or none)", stage=Stage.RENDER
        )
    return path


def scene_inputs(folder: ProjectFolder) -> list[renderer.SceneInput]:
    """What the renderer needs of each scene (its picture, narration and timings)."""
    inputs = []
    for scene in folder.project.scenes:
        timings = folder.timings(scene)
        inputs.append(
            renderer.SceneInput(
                image=folder.path(scene.image),
                image_key=scene.image_key or "",
                voice=folder.path(scene.audio),
                voice_key=scene.audio_key or "",
                textless=folder.path(textless_path(scene.image)),
                duration=float(timings["duration"]),
                sentences=tuple((str(t), float(a), float(b)) for t, a, b in timings["sentences"]),
                words=tuple((str(w), float(a), float(b)) for w, a, b in timings.get("words", [])),
            )
        )
    return inputs


def _checked_length(folder: ProjectFolder, scenes: list[renderer.SceneInput]) -> float:
    """The seconds the video of ``scenes`` lasts, laid out as the renderer lays it out; an error naming
    the length and the limit when it is longer than the limits allow."""
    settings = folder.project.settings
    durations = [scene.duration for scene in scenes]
    seconds = timeline.build(
        durations, settings.fps, tight=settings.tighten_pauses, **cards.lengths(settings)
    ).duration
    folder.limits.check_video_length(seconds)
    return seconds


@full_disk_is(Stage.RENDER)
def render(
    folder: ProjectFolder, *, preview: bool = False, reporter: Reporter | None = None
) -> renderer.RenderResult:
    """Bring images and narration up to date (a narration whose recording or timings cannot be used is
    made again, with a warning), check the video's length against the limits and the disk's room for it,
    then render ``video.mp4`` (or ``preview.mp4``)."""
    rep = _reporter(reporter, Stage.RENDER)
    project = folder.project
    if not project.scenes:
        raise InputError("the project has no scenes: write the script first", stage=Stage.RENDER)
    music = music_path(folder)
    for note in folder.drop_unusable_voices():
        rep.warning(note)
    make_images(folder, rep.scaled(0.0, 0.1))
    narrate_all(folder, rep.scaled(0.1, 0.2))
    settings = project.settings
    width, height = frame_size(settings.aspect, "360p") if preview else settings.size
    scenes = scene_inputs(folder)
    seconds = _checked_length(folder, scenes)
    checks.ensure_space(folder.root, checks.needed_bytes(round(seconds * settings.fps), width, height))
    result = renderer.render(
        scenes,
        out=folder.root / ("preview.mp4" if preview else "video.mp4"),
        srt=None if preview else folder.captions,
        cache=folder.cache,
        width=width,
        height=height,
        fps=settings.fps,
        style=settings.captions,
        music=music,
        music_volume=settings.music_volume,
        preview=preview,
        tight=settings.tighten_pauses,
        language=project.language,
        cards=cards.Cards.of(project),
        progress=rep.scaled(0.2, 1.0).progress,
    )
    project.render_trace = {"preview": preview, "pieces": result.pieces}
    folder.save()
    report.write_report(folder)
    return result


def _continue(out_dir: Path, topic: str, own_text: OwnText | None) -> ProjectFolder | None:
    """The project already in ``out_dir`` when it is the same job; an error if it is another one."""
    if not (out_dir / PROJECT_FILE).is_file():
        if out_dir.is_dir() and any(out_dir.iterdir()):
            raise InputError(f"{out_dir} is not empty and holds no project; choose another --out")
        return None
    folder = ProjectFolder.open(out_dir)
    same_text = own_text is None or (
        folder.project.own_text is not None and folder.project.own_text.text == check_text(own_text.text)
    )
    if not same_text or (topic and folder.project.topic != check_topic(topic)):
        raise InputError(
            f"{out_dir} already holds a project about {folder.project.topic!r}; choose another --out "
            f"or run `videocreator render {out_dir}`",
        )
    return folder


def make_video(
    topic: str,
    out_dir: Path | str,
    *,
    scenes: int = 5,
    language: str | None = None,
    settings: Settings | None = None,
    chosen: Mapping[Stage, Mapping[str, Any]] | None = None,
    own_text: OwnText | None = None,
    reporter: Reporter | None = None,
) -> ProjectFolder:
    """Topic (or your own text) in, finished project folder (``video.mp4``, ``captions.srt``) out.

    Run again on the same folder (after a crash, or an interruption), it continues: the script already
    written is kept and every finished picture, voice and video piece is reused; the stage backends in
    ``chosen`` (``{Stage.VOICE: {"backend": "piper", "options": {...}}}``: what the person named this
    time) replace the project's. Before any work, each stage still to run is checked: a missing voice
    stops the run at once, naming the voice to add.
    """
    rep = reporter if reporter is not None else Reporter()
    folder = _continue(Path(out_dir), topic, own_text)
    if folder is None:
        folder = new_project(topic, Path(out_dir), language=language, settings=settings, own_text=own_text)
    for stage, choice in (chosen or {}).items():
        choose_backend(folder, stage, choice.get("backend", ""), dict(choice.get("options", {})))
    check_stages(folder)
    if not folder.project.scenes:
        write_script(folder, scenes, rep.scaled(0.0, 0.15))
    render(folder, reporter=rep.scaled(0.15, 1.0))
    return folder
