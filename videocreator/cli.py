"""The command line: ``videocreator make | batch | render | pack | unpack | backends | voices``."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path
from typing import Any, get_args, get_type_hints

from . import archive, batch, checks, cluster, pipeline, registry, settings
from .errors import InputError, VideoCreatorError
from .files import full_disk_is
from .languages import language_name
from .project import Aspect, CaptionStyle, OwnText, ProjectFolder, Resolution
from .source import check_text, read_source
from .stage import CHOSEN, Stage
from .stages import auto
from .voices import catalog
from .voices.folder import installed, voices_folder


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
        (Stage.SCRIPT, args.writer, args.writer_model),
        (Stage.IMAGES, args.images, args.image_model),
        (Stage.VOICE, args.voice, args.voice_model),
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
    if args.pronounce:
        overrides["pronunciations"] = dict(_pronunciation(item) for item in args.pronounce)
    if args.tighten_pauses:
        overrides["tighten_pauses"] = True
    for card in ("title_card", "end_card"):
        if getattr(args, f"no_{card}"):
            overrides[card] = False
    if args.no_captions:
        overrides["captions"] = {"enabled": False}
    elif args.captions:
        overrides["captions"] = {"style": args.captions}
    return overrides


def _pronunciation(item: str) -> tuple[str, str]:
    written, _, said = item.partition("=")
    if not written.strip() or not said.strip():
        raise InputError(f"--pronounce takes WORD=HOW_TO_SAY_IT, not {item!r}", stage=Stage.VOICE)
    return written.strip(), said.strip()


def _own_text(args: argparse.Namespace) -> OwnText | None:
    """The person's text from ``--text FILE`` (``-``: standard input), with the mode and length."""
    if not args.text:
        return None
    text = (
        check_text(sys.stdin.read(), "standard input") if args.text == "-" else read_source(Path(args.text))
    )
    return OwnText(text, args.mode, args.length)


def _scenes(args: argparse.Namespace) -> int:
    return args.scenes or (pipeline.scenes_for_length(args.length) if args.length else 5)


def _make(args: argparse.Namespace, progress: ProgressLine) -> int:
    own_text = _own_text(args)
    if not args.topic and own_text is None:
        raise InputError(
            "the topic is empty: give a topic, or your own text with --text FILE", stage=Stage.SCRIPT
        )
    overrides = _stage_overrides(args)
    reporter = pipeline.Reporter(progress, progress.warn)
    folder = pipeline.make_video(
        args.topic or "",
        Path(args.out),
        scenes=_scenes(args),
        language=args.language,
        settings=settings.resolve(overrides),
        chosen={stage: overrides[stage] for stage in CHOSEN if stage in overrides},
        own_text=own_text,
        reporter=reporter,
    )
    if args.preview:
        pipeline.render(folder, preview=True, reporter=reporter)
    progress.close()
    for line in [*folder.notes, *pipeline.what_ran(folder)]:
        print(line, file=sys.stderr)
    print(f"{folder.video}  ({folder.project.title})")
    return 0


def _batch(args: argparse.Namespace, progress: ProgressLine) -> int:
    """One project and video per section, in folders named after them; a failed section does not
    stop the others. Run again, it continues where it stopped. Exit status 1 if any section failed."""
    del progress
    course = OwnText(read_source(Path(args.file)), args.mode, args.length)
    runner = cluster.RayRunner(args.cluster) if args.cluster else batch.LocalRunner(args.jobs)
    jobs = batch.section_jobs(
        course, Path(args.out), language=args.language, settings=settings.resolve(_stage_overrides(args))
    )
    results = batch.run(jobs, runner, lambda line: print(line, file=sys.stderr))
    print("\n".join(batch.table(results)))
    return 1 if any(r.error for r in results) else 0


def _render(args: argparse.Namespace, progress: ProgressLine) -> int:
    folder = ProjectFolder.open(Path(args.dir))
    result = pipeline.render(
        folder, preview=args.preview, reporter=pipeline.Reporter(progress, progress.warn)
    )
    progress.close()
    reused = f", {result.reused_segments} reused" if result.reused_segments else ""
    print(f"{result.video}  ({result.duration:.1f} s, {result.encoded_segments} pieces encoded{reused})")
    return 0


@full_disk_is(None)
def _pack(args: argparse.Namespace, progress: ProgressLine) -> int:
    del progress
    folder = ProjectFolder.open(Path(args.dir))
    dest = Path(args.zip) if args.zip else folder.root.with_suffix(".zip")
    print(archive.export_zip(folder, dest))
    return 0


@full_disk_is(None)
def _unpack(args: argparse.Namespace, progress: ProgressLine) -> int:
    del progress
    folder = archive.import_zip(Path(args.zip), Path(args.dir))
    for note in folder.notes:
        print(f"note: {note}", file=sys.stderr)
    project = folder.project
    print(f"{folder.root}  ({project.title or project.topic}, {len(project.scenes)} scenes)")
    return 0


def _backends(args: argparse.Namespace, progress: ProgressLine) -> int:
    del progress
    chosen = settings.resolve()
    print(f"auto picks now ({language_name(args.language)}):")
    for found in (auto.script(chosen.script.options), auto.images(chosen.images.options)):
        print(f"  {found.line}")
    try:
        print(f"  {auto.voice(args.language, chosen.voices_folder).line}")
    except VideoCreatorError as exc:
        print(f"  {exc}")
    print()
    for row in registry.status():
        marks = " (default)" if row.offline_default else ""
        marks += " [online]" if row.needs_network else ""
        state = "ready" if row.ready else f"not ready: {row.reason}"
        print(f"{row.stage.value:<7} {row.name:<10} {state}{marks}")
        print(f"{'':<18} {row.description}")
    return 0


def _voices(args: argparse.Namespace, progress: ProgressLine) -> int:
    if args.action == "add":
        added = catalog.add_voice(args.name, progress=progress)
        progress.close()
        print(added.line)
        return 0
    here = voices_folder(settings.resolve().voices_folder)
    print(f"voices folder: {here}")
    names = set()
    for voice in installed(here):
        names.add(voice.name)
        print(f"  {voice.name:<36} {language_name(voice.language)}{' (bundled)' if voice.bundled else ''}")
    if args.remote:
        print(f"to add (videocreator voices add NAME), from {catalog.source_url()}:")
        for remote in sorted(catalog.fetch_catalog().values(), key=lambda v: v.name):
            if remote.name not in names and args.language in ("", remote.code):
                print(f"  {remote.name:<36} {remote.language_name}, {remote.size / catalog.MB:.0f} MB")
    return 0


def _add_make_options(parser: argparse.ArgumentParser, *, single: bool = True) -> None:
    """The options of ``make``; ``batch`` (not ``single``) reads its text from its file, one video per
    section, and takes neither a topic's scene count nor a preview."""
    if single:
        parser.add_argument(
            "--text", help="make the video from your own text: a .txt, .md, .docx or .pdf file (- for stdin)"
        )
    parser.add_argument(
        "--mode",
        choices=get_args(get_type_hints(OwnText)["mode"]),
        default="as-written",
        help="your text read as written, condensed to --length (your sentences), or rewritten by a chat "
        "writer (a draft to check)",
    )
    parser.add_argument(
        "--length", type=float, help="the length wanted, in seconds (with a topic: sets the number of scenes)"
    )
    if single:
        parser.add_argument("--scenes", type=int, help="number of scenes of a topic's script (default 5)")
    parser.add_argument("--aspect", choices=get_args(Aspect))
    parser.add_argument("--resolution", choices=[r for r in get_args(Resolution) if r != "360p"])
    parser.add_argument(
        "--language", help="the script's language (en, es, ...); default: the one your text is in, else en"
    )
    parser.add_argument("--writer", help="script writer backend (see `videocreator backends`)")
    parser.add_argument("--writer-model", help="model id or path for the writer")
    parser.add_argument("--images", help="image backend")
    parser.add_argument("--image-model", help="model id or path for the image backend")
    parser.add_argument("--voice", help="narrator backend")
    parser.add_argument("--voice-model", help="voice model id or path")
    parser.add_argument("--seed", type=int)
    parser.add_argument("--speed", type=float, help="narration speed (1.0 = normal)")
    parser.add_argument("--music", help="background music file, or 'none'")
    parser.add_argument(
        "--pronounce", action="append", metavar="WORD=SAY",
        help="how the narrator says a word (the captions keep it written), e.g. GIF=jif; repeatable",
    )  # fmt: skip
    parser.add_argument("--tighten-pauses", action="store_true", help="shorter silences in the narration")
    parser.add_argument("--no-captions", action="store_true")
    parser.add_argument("--no-title-card", action="store_true", help="no card with the title first")
    parser.add_argument("--no-end-card", action="store_true", help="no card with the credits last")
    parser.add_argument(
        "--captions", choices=get_args(get_type_hints(CaptionStyle)["style"]),
        help="phrase (default), highlight (the spoken word lights up) or word (one big word at a time)",
    )  # fmt: skip
    if single:
        parser.add_argument("--preview", action="store_true", help="also render a quick 360p preview.mp4")


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="videocreator", description="Type a topic, get a short narrated video."
    )
    top.add_argument("--debug", action="store_true", help="show the full traceback on errors")
    sub = top.add_subparsers(dest="command", required=True)

    make = sub.add_parser(
        "make", help="write, illustrate, narrate and render a video about TOPIC, or from your own text"
    )
    make.add_argument("topic", nargs="?", help="what the video is about (with --text: its first heading)")
    make.add_argument("--out", required=True, help="project folder to create (or continue)")
    _add_make_options(make)
    make.set_defaults(run=_make)

    course = sub.add_parser("batch", help="one video per top-level section (# heading) of a text file")
    course.add_argument("file", help="a .md, .txt, .docx or .pdf file; each # section becomes a video")
    course.add_argument("--out", required=True, help="folder for the projects, one per section")
    where = course.add_mutually_exclusive_group()
    where.add_argument("--jobs", type=int, default=1, help="sections made at once here (default 1)")
    where.add_argument(
        "--cluster", metavar="HEAD:PORT",
        help="make the sections as tasks on this Ray cluster (needs the cluster extra: see README)",
    )  # fmt: skip
    _add_make_options(course, single=False)
    course.set_defaults(run=_batch)

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

    listing = sub.add_parser("backends", help="every backend per stage: ready, or why not; what auto picks")
    listing.add_argument("--language", default="en", help="the script's language, for the voice auto picks")
    listing.set_defaults(run=_backends)

    voices = sub.add_parser("voices", help="the Piper voices here; add one from the Piper voices repository")
    actions = voices.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="download a voice into the voices folder (the one network step)")
    add.add_argument("name", help="a voice (es_ES-davefx-medium) or a language for its usual voice (es)")
    shown = actions.add_parser("list", help="the voices here (with --remote, those you can add)")
    shown.add_argument("--remote", action="store_true", help="also list the repository's voices (online)")
    shown.add_argument("--language", default="", help="with --remote: only this language's (es, ...)")
    voices.set_defaults(run=_voices)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    # What goes to a server's log (a model's traceback) is not for this terminal, unless debugging.
    logging.getLogger("videocreator").setLevel(logging.DEBUG if args.debug else logging.ERROR)
    progress = ProgressLine()
    if args.command in ("make", "batch", "render") and (problems := checks.environment_problems()):
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
