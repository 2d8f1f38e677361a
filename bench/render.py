"""Render speed, in ratios measured in one run on this machine.

    python bench/render.py [--reps 3] [--scenes 8] [--skip-naive] [--no-cards] [--out bench/RESULTS.md]

Builds a fixed project with the offline backends (8 scenes, about a minute, 1080x1920, captions,
crossfades, music, the title and end cards unless ``--no-cards``), then times: (a) our full render;
(b) the encode-only floor: ffmpeg encoding the same frames, read from a raw file, with our encoder
command, and (b') the same on the frames decoded back from (a); (c) a naive moviepy render of the same
scenes; (d) a re-render with nothing changed; (e) a re-render after one scene's narration changed; (f)
the peak memory of (a); and the 360p preview.
Medians of ``--reps`` repetitions.
"""

from __future__ import annotations

import argparse
import contextlib
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import videocreator as vc
from videocreator import settings
from videocreator.project import StageChoice
from videocreator.render import encoder, ffmpeg, renderer
from videocreator.render.cards import Cards

TOPIC = "How volcanoes form"


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def median_of(reps: int, prepare, action) -> float:
    return medians_in_turn(reps, (prepare, action))[0]


def medians_in_turn(reps: int, *steps) -> list[float]:
    """Median seconds of each (prepare, action) step, the steps taken in turn in each repetition."""
    times: list[list[float]] = [[] for _ in steps]
    for rep in range(reps):
        for (prepare, action), seen in zip(steps, times, strict=True):
            prepare(rep)
            seen.append(timed(action))
    return [statistics.median(seen) for seen in times]


def build_project(root: Path, scenes: int, cards: bool) -> vc.ProjectFolder:
    settings = vc.Settings(script=StageChoice("template"), title_card=cards, end_card=cards)
    folder = vc.new_project(TOPIC, root, settings=settings)
    vc.write_script(folder, scenes=scenes)
    vc.make_images(folder)
    vc.narrate_all(folder)
    return folder


def clear_render(folder: vc.ProjectFolder) -> None:
    shutil.rmtree(folder.cache, ignore_errors=True)
    folder.video.unlink(missing_ok=True)


def read_through(path: Path) -> None:
    """Read a file once, so that the timed run finds it in the page cache rather than on disk."""
    with open(path, "rb") as handle:
        while handle.read(1 << 24):
            pass


def write_frames(folder: vc.ProjectFolder, raw: Path) -> tuple[list[str], int]:
    """The frames exactly as the renderer makes them, written to ``raw`` (yuv420p), and ffmpeg's command
    for the encode-only floor (ours: settings and forced IDR frames at the joins, reading the file named
    by its ``-i``); the number of frames."""
    settings = folder.project.settings
    width, height = settings.size
    plan = renderer.Plan(
        vc.pipeline.scene_inputs(folder), width, height, settings.fps, settings.captions,
        tight=settings.tighten_pauses, language=folder.project.language, cards=Cards.of(folder.project),
    )  # fmt: skip
    codec = encoder.choose(preview=False)
    pieces = list(plan.segments(codec))
    with open(raw, "wb") as out:
        for piece in pieces:
            for i in range(piece.frames):
                out.write(piece.frame_at(i))
    keyframes = encoder.first_frames([piece.frames for piece in pieces])
    command = encoder.encode_command(
        width, height, settings.fps, codec, str(raw.with_suffix(".h264")), keyframes=keyframes
    )
    return command, sum(piece.frames for piece in pieces)


def floor_inputs(folder: vc.ProjectFolder) -> tuple[Path, Path, list[str], int]:
    """Raw yuv420p files for the encode-only floor, and ffmpeg's command (``write_frames``): the frames
    exactly as the renderer makes them, and the frames decoded back from a render (smoothed by the
    encoder, so cheaper to encode again: the floor earlier versions of this bench reported)."""
    exact, decoded = folder.root / "frames.yuv", folder.root / "decoded.yuv"
    command, frames = write_frames(folder, exact)
    vc.render(folder)
    ffmpeg.run(["-i", folder.video, "-f", "rawvideo", "-pix_fmt", "yuv420p", decoded], what="dumping frames")
    return exact, decoded, command, frames


def encode_from(command: list[str], raw: Path) -> None:
    at = command.index("-")  # the input: a file instead of the pipe
    subprocess.run([*command[:at], str(raw), *command[at + 1 :]], check=True)


def naive_moviepy(folder: vc.ProjectFolder) -> float:
    """The usual moviepy approach: resized ImageClips, text clips, CompositeVideoClip, write_videofile."""
    import numpy as np
    from moviepy import AudioFileClip, CompositeVideoClip, ImageClip, concatenate_videoclips, vfx

    from videocreator.render import captions as cap
    from videocreator.typography import render_text

    project = folder.project
    width, height = project.settings.size

    def build() -> None:
        clips = []
        for scene in project.scenes:
            voice = AudioFileClip(str(folder.path(scene.audio)))
            length = voice.duration + 0.7
            still = (
                ImageClip(str(folder.path(scene.image)))
                .with_duration(length)
                .resized(lambda t, d=length: 1.0 + 0.1 * t / d)
                .with_position("center")
            )
            timings = folder.timings(scene)
            texts = []
            for cue in cap.cues_for(
                [tuple(s) for s in timings["sentences"]], 0.25, 5, language=project.language
            ):
                rgba = np.asarray(
                    render_text(
                        cue.text, size=round(0.06 * width), max_width=int(width * 0.84), stroke_width=8
                    )
                )
                clip = ImageClip(rgba).with_start(cue.start).with_duration(cue.end - cue.start)
                texts.append(clip.with_position(("center", int(height * 0.75))))
            scene_clip = CompositeVideoClip([still, *texts], size=(width, height)).with_duration(length)
            clips.append(scene_clip.with_audio(voice.with_start(0.25)).with_effects([vfx.CrossFadeIn(0.4)]))
        video = concatenate_videoclips(clips, method="compose", padding=-0.4)
        video.write_videofile(
            str(folder.root / "naive.mp4"), fps=30, codec="libx264", preset=encoder.FINAL.preset,
            audio_codec="aac", logger=None, threads=2,
            temp_audiofile=str(folder.root / "naive-audio.m4a"),
        )  # fmt: skip

    return timed(build)


def edit_one_scene(folder: vc.ProjectFolder, rep: int) -> None:
    """Change the middle scene's narration and say it again (the voice step, as in the studio), so the
    timed re-render starts, like (a), from a project whose pictures and voices are ready."""
    scene = folder.project.scenes[len(folder.project.scenes) // 2]
    vc.pipeline.update_scene(folder, scene, narration=f"{scene.narration.split(' Take ')[0]} Take {rep + 2}.")
    vc.narrate_scene(folder, scene)


def peak_memory(root: Path) -> tuple[float, float]:
    """Peak RSS (MB) of a full render in a fresh process: Python alone, and with its ffmpeg children.

    Sampled every 20 ms from outside (getrusage would count a child's memory from before its exec).
    """
    code = (
        "import sys, shutil; sys.path.insert(0, sys.argv[2]); import videocreator as vc\n"
        "f = vc.load_project(sys.argv[1]); shutil.rmtree(f.cache, ignore_errors=True); vc.render(f)"
    )
    repo = str(Path(__file__).resolve().parent.parent)
    proc = psutil.Popen([sys.executable, "-c", code, str(root), repo])
    own = total = 0
    while proc.poll() is None:
        with contextlib.suppress(psutil.Error):
            mine = proc.memory_info().rss
            children = sum(c.memory_info().rss for c in proc.children(recursive=True))
            own, total = max(own, mine), max(total, mine + children)
        time.sleep(0.02)
    if proc.returncode:
        raise SystemExit(f"the render for the memory figure failed ({proc.returncode})")
    return own / 2**20, total / 2**20


def three_times_longer(folder: vc.ProjectFolder, root: Path) -> vc.ProjectFolder:
    """The same project with every narration said three times: a video about three times as long."""
    shutil.copytree(folder.root, root)
    longer = vc.load_project(root)
    for scene in longer.project.scenes:
        vc.pipeline.update_scene(longer, scene, narration=" ".join([scene.narration] * 3))
    vc.narrate_all(longer)
    return longer


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--scenes", type=int, default=8)
    parser.add_argument("--skip-naive", action="store_true")
    parser.add_argument("--no-cards", action="store_true", help="without the title and end cards")
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("RESULTS.md"))
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        folder = build_project(Path(tmp) / "bench", args.scenes, not args.no_cards)
        exact, decoded, command, frames = floor_inputs(folder)
        # (a), (b) and (b') taken in turn in each repetition, so that a slow spell of the machine
        # weighs on all three alike.
        full, floor, floor_decoded = medians_in_turn(
            args.reps,
            (lambda rep: clear_render(folder), lambda: vc.render(folder)),
            (lambda rep: read_through(exact), lambda: encode_from(command, exact)),
            (lambda rep: read_through(decoded), lambda: encode_from(command, decoded)),
        )
        exact.unlink()
        decoded.unlink()
        result = vc.render(folder)
        unchanged = median_of(args.reps, lambda rep: None, lambda: vc.render(folder))
        one_scene = median_of(args.reps, lambda rep: edit_one_scene(folder, rep), lambda: vc.render(folder))
        preview = median_of(
            args.reps, lambda rep: shutil.rmtree(folder.cache, ignore_errors=True),
            lambda: vc.render(folder, preview=True),
        )  # fmt: skip
        naive = None if args.skip_naive else naive_moviepy(folder)
        own_mb, total_mb = peak_memory(folder.root)
        longer = three_times_longer(folder, Path(tmp) / "longer")
        long_own_mb, long_total_mb = peak_memory(longer.root)
        long_duration = sum(scene.duration or 0 for scene in longer.project.scenes)

    width, height = folder.project.settings.size
    rows = [
        ("(a) full render", f"{full:.1f} s", f"{frames / full:.1f} fps", f"a/b = {full / floor:.2f}"),
        ("(b) encode-only floor", f"{floor:.1f} s", f"{frames / floor:.1f} fps", ""),
        (
            "(b') same, on frames decoded from (a)",
            f"{floor_decoded:.1f} s",
            f"{frames / floor_decoded:.1f} fps",
            f"a/b' = {full / floor_decoded:.2f}",
        ),
        (
            "(c) naive moviepy",
            "skipped" if naive is None else f"{naive:.1f} s",
            "" if naive is None else f"{frames / naive:.1f} fps",
            "" if naive is None else f"c/a = {naive / full:.1f}",
        ),
        ("(d) re-render, nothing changed", f"{unchanged:.2f} s", "", f"d/a = {unchanged / full:.3f}"),
        ("(e) re-render, one narration changed", f"{one_scene:.1f} s", "", f"e/a = {one_scene / full:.2f}"),
        ("(f) peak memory of (a)", f"{total_mb:.0f} MB", f"{own_mb:.0f} MB in Python", "with ffmpeg"),
        (
            f"(f) same, a {long_duration:.0f} s video",
            f"{long_total_mb:.0f} MB",
            f"{long_own_mb:.0f} MB in Python",
            f"{long_total_mb / total_mb:.2f}x (a)",
        ),
        ("360p preview", f"{preview:.1f} s", "", ""),
    ]
    table = "\n".join(f"| {' | '.join(row)} |" for row in rows)
    machine = f"{platform.machine()}, {settings.cores()} cores, Python {platform.python_version()}"
    report = (
        f"# Render benchmark\n\n`python bench/render.py --reps {args.reps}` on {machine}.\n"
        f"{args.scenes} scenes, {result.duration:.1f} s, {width}x{height} at 30 fps ({frames} frames), "
        f"captions, crossfades, music{'' if args.no_cards else ', title and end cards'}; encoder "
        f"{encoder.choose(False).codec} preset {encoder.FINAL.preset} crf {encoder.FINAL.crf}. Medians of "
        f"{args.reps} runs (the naive moviepy render: one run).\n\n"
        f"| what | time | speed | ratio |\n|---|---|---|---|\n{table}\n"
    )
    args.out.write_text(report, encoding="utf-8")
    print(report)


if __name__ == "__main__":
    main()
