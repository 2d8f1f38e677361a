"""The command line: ``videocreator make | render | pack | unpack | backends``."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from . import archive, checks, pipeline, registry, settings
from .errors import VideoCreatorError
from .files import full_disk_is
from .project import ProjectFolder


class ProgressLine:
    """A one-line progress bar on a terminal; plain lines (one per change of message) otherwise."""

    def __init__(self, stream: Any = sys.stderr):
        self.stream = stream
        self.tty = stream.isatty()
        self.last_message = ""
        self.started = time.monotonic()

    def __call__(self, fraction: float, message: str) -> None:
        if self.tty:
            filled = round(24 * fraction)
            elapsed = time.monotonic() - self.started
            line = (
                f"\r[{'#' * filled}{'.' * (24 - filled)}] {fraction:4.0%} {elapsed:5.0f}s  {message[:60]:<60}"
            )
            self.stream.write(line)
            self.stream.flush()
        elif message != self.last_message:
            self.stream.write(f"{fraction:4.0%} {message}\n")
        self.last_message = message

    def warn(self, message: str) -> None:
        self.stream.write(("\n" if self.tty else "") + f"warning: {message}\n")

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")


def _stage_overrides(args: argparse.Namespace) -> dict[str, Any]:
    overrides: dict[str, Any] = {}
    for stage, name, model in (
        ("writer", args.writer, args.writer_model),
        ("images", args.images, args.image_model),
        ("voice", args.voice, args.voice_model),
    ):
        if name or model:
            choice: dict[str, Any] = {}
            if name:
                choice["backend"] = name
            if model:
                choice["options"] = {"model": model}
            overrides[stage] = choice
    for key in ("aspect", "resolution", "seed", "music", "speed"):
        value = getattr(args, key)
        if value is not None:
            overrides[key] = value
    if args.no_captions:
        overrides["captions"] = {"enabled": False}
    return overrides


def _make(args: argparse.Namespace, progress: ProgressLine) -> int:
    chosen = settings.resolve(_stage_overrides(args))
    reporter = pipeline.Reporter(progress, progress.warn)
    folder = pipeline.make_video(
        args.topic,
        Path(args.out),
        scenes=args.scenes,
        language=args.language,
        settings=chosen,
        reporter=reporter,
    )
    if args.preview:
        pipeline.render(folder, preview=True, reporter=reporter)
    progress.close()
    print(f"{folder.video}  ({folder.project.title})")
    return 0


def _render(args: argparse.Namespace, progress: ProgressLine) -> int:
    folder = ProjectFolder.open(Path(args.dir))
    result = pipeline.render(
        folder, preview=args.preview, reporter=pipeline.Reporter(progress, progress.warn)
    )
    progress.close()
    reused = f", {result.reused_segments} reused" if result.reused_segments else ""
    print(f"{result.video}  ({result.duration:.1f} s, {result.encoded_segments} pieces encoded{reused})")
    return 0


@full_disk_is("project")
def _pack(args: argparse.Namespace, progress: ProgressLine) -> int:
    del progress
    folder = ProjectFolder.open(Path(args.dir))
    dest = Path(args.zip) if args.zip else folder.root.with_suffix(".zip")
    print(archive.export_zip(folder, dest))
    return 0


@full_disk_is("project")
def _unpack(args: argparse.Namespace, progress: ProgressLine) -> int:
    del progress
    folder = archive.import_zip(Path(args.zip), Path(args.dir))
    for note in folder.notes:
        print(f"note: {note}", file=sys.stderr)
    project = folder.project
    print(f"{folder.root}  ({project.title or project.topic}, {len(project.scenes)} scenes)")
    return 0


def _backends(args: argparse.Namespace, progress: ProgressLine) -> int:
    del args, progress
    for row in registry.status():
        marks = " (default)" if row.offline_default else ""
        marks += " [online]" if row.needs_network else ""
        state = "ready" if row.ready else f"not ready: {row.reason}"
        print(f"{row.stage.value:<7} {row.name:<10} {state}{marks}")
        print(f"{'':<18} {row.description}")
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="videocreator", description="Type a topic, get a short narrated video."
    )
    top.add_argument("--debug", action="store_true", help="show the full traceback on errors")
    sub = top.add_subparsers(dest="command", required=True)

    make = sub.add_parser("make", help="write, illustrate, narrate and render a video about TOPIC")
    make.add_argument("topic")
    make.add_argument("--out", required=True, help="project folder to create (or continue)")
    make.add_argument("--scenes", type=int, default=5)
    make.add_argument("--aspect", choices=["9:16", "16:9", "1:1"])
    make.add_argument("--resolution", choices=["1080p", "720p"])
    make.add_argument("--language", default="en")
    make.add_argument("--writer", help="script writer backend (see `videocreator backends`)")
    make.add_argument("--writer-model", help="model id or path for the writer")
    make.add_argument("--images", help="image backend")
    make.add_argument("--image-model", help="model id or path for the image backend")
    make.add_argument("--voice", help="narrator backend")
    make.add_argument("--voice-model", help="voice model id or path")
    make.add_argument("--seed", type=int)
    make.add_argument("--speed", type=float, help="narration speed (1.0 = normal)")
    make.add_argument("--music", help="background music file, or 'none'")
    make.add_argument("--no-captions", action="store_true")
    make.add_argument("--preview", action="store_true", help="also render a quick 360p preview.mp4")
    make.set_defaults(run=_make)

    render = sub.add_parser("render", help="re-render a (possibly hand-edited) project folder")
    render.add_argument("dir")
    render.add_argument("--preview", action="store_true", help="quick 360p preview.mp4 instead")
    render.set_defaults(run=_render)

    pack = sub.add_parser("pack", help="save a project folder as one zip (without the render cache)")
    pack.add_argument("dir")
    pack.add_argument("zip", nargs="?", help="where to write it (default: DIR.zip)")
    pack.set_defaults(run=_pack)

    unpack = sub.add_parser("unpack", help="open a saved project zip into a new, empty folder")
    unpack.add_argument("zip")
    unpack.add_argument("dir")
    unpack.set_defaults(run=_unpack)

    listing = sub.add_parser("backends", help="every backend per stage: ready, or why not")
    listing.set_defaults(run=_backends)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    progress = ProgressLine()
    if args.command in ("make", "render") and (problems := checks.environment_problems()):
        for problem in problems:
            print(f"error: {problem}", file=sys.stderr)
        return 2
    try:
        return args.run(args, progress)
    except VideoCreatorError as exc:
        progress.close()
        if args.debug:
            raise
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        progress.close()
        print("interrupted: run the same command again to continue where it stopped", file=sys.stderr)
        return 130
