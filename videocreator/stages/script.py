"""The script stage: from a topic with the chosen writer (falling back to the offline ones), or from the
person's own text (cut, condensed, or retold by a chat writer)."""

from __future__ import annotations

import time
from dataclasses import replace
from functools import partial

from .. import registry, report
from ..backend import Script, ScriptRequest, ScriptWriter
from ..errors import BackendUnavailable, InputError, ProviderFailed, VideoCreatorError
from ..files import full_disk_is
from ..progress import Reporter, reporter_at
from ..project import OwnText, ProjectFolder
from ..render import cards, timeline
from ..source import words_per_second
from ..speech.pace import USUAL_LETTERS_PER_SECOND, measure_pace
from ..stage import Stage
from ..text import check_topic
from ..writers.chat import ChatWriter
from .choosing import narrator, record_ran, resolve, writer_chain
from .editing import new_scene
from .sizing import scenes_for_length, speech_for_video


@full_disk_is(Stage.SCRIPT)
def write_script(folder: ProjectFolder, scenes: int = 5, reporter: Reporter | None = None) -> None:
    """Write the script: from the person's own text when the project has one (``scenes`` is then decided
    by the text), else from the topic with the chosen writer, falling back to the offline writers."""
    rep = reporter_at(reporter, Stage.SCRIPT)
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
    for draft in script.scenes:  # one by one: each new scene's id follows the ones before it
        project.scenes.append(new_scene(project, draft.narration, draft.image_prompt, draft.heading))
    project.script_trace = {"writer": name, "seconds": round(time.monotonic() - started, 2), **script.trace}
    folder.save()
    report.write_report(folder)
    rep.progress(1.0, "script written")


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
            record_ran(folder, Stage.SCRIPT, name, "; ".join(failures))
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
    record_ran(folder, Stage.SCRIPT, "text", "your own text")
    rep.progress(0.05, "measuring the voice's pace (once per voice)")
    try:
        letters = measure_pace(narrator(folder), folder.project.settings.speed, folder.project.language)
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
    pauses = timeline.pauses_s(len(script.scenes), **cards.lengths(folder.project.settings))
    video_s = float(script.trace.get("estimated_seconds", 0.0)) + pauses
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
