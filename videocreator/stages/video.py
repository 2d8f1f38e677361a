"""The render stage: pictures and narrations brought up to date, the length checked against the limits and
the disk's room, then our own renderer makes ``video.mp4`` (or a small ``preview.mp4``)."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path

from .. import checks, report
from ..assets import bundled_music
from ..errors import InputError
from ..files import full_disk_is
from ..progress import Reporter, reporter_at
from ..project import ProjectFolder, Settings, frame_size, textless_file
from ..render import cards, encoder, renderer, timeline
from ..stage import Stage
from .overlap import pictures_and_narrations


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
                textless=folder.path(textless_file(str(scene.image))),
                duration=float(timings["duration"]),
                sentences=tuple((str(t), float(a), float(b)) for t, a, b in timings["sentences"]),
                words=tuple((str(w), float(a), float(b)) for w, a, b in timings.get("words", [])),
                keep_clear=renderer.keep_clear_of(scene.image_details),
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


def _frame_size(settings: Settings, preview: bool) -> tuple[int, int]:
    """The video's frame size: the settings', or a preview's (360p)."""
    return frame_size(settings.aspect, "360p") if preview else settings.size


def render_seconds(settings: Settings, video_s: float, *, preview: bool = False) -> float:
    """About how long this machine takes to render ``video_s`` seconds of video with ``settings`` (a
    preview at 360p), before it runs: the renderer's speed remembered from its renders here, a two-core
    guess before the first."""
    width, height = _frame_size(settings, preview)
    return renderer.Speed(width, height, encoder.choose(preview)).estimate(round(video_s * settings.fps))


@full_disk_is(Stage.RENDER)
def render(
    folder: ProjectFolder, *, preview: bool = False, reporter: Reporter | None = None
) -> renderer.RenderResult:
    """Bring images and narration up to date (a narration whose recording or timings cannot be used is
    made again, with a warning), check the video's length against the limits and the disk's room for it,
    then render ``video.mp4`` (or ``preview.mp4``)."""
    rep = reporter_at(reporter, Stage.RENDER)
    project = folder.project
    if not project.scenes:
        raise InputError("the project has no scenes: write the script first", stage=Stage.RENDER)
    music = music_path(folder)
    for note in folder.drop_unusable_voices():
        rep.warning(note)
    settings = project.settings
    width, height = _frame_size(settings, preview)
    # A first render: its first piece shows the title card, drawn beside the pictures and narrations.
    first = settings.title_card and not renderer.any_piece_kept(folder.cache)
    title_ahead = (
        cards.title_drawn_ahead(cards.card_title(project), width, height) if first else nullcontext()
    )
    with title_ahead:  # taken by the render, or let go
        pictures_and_narrations(folder, rep.scaled(0.0, 0.2))
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
