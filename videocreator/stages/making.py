"""A whole make: a new project (its language found when none is given), or the same job continued, each
stage checked before any work, then the script and the video."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..limits import LOCAL, Limits
from ..progress import Reporter
from ..project import PROJECT_FILE, OwnText, Project, ProjectFolder, Settings
from ..source import check_text, find_language, title_from_text
from ..stage import Stage
from ..text import check_topic
from .choosing import check_stages, check_writer_language
from .editing import change_project
from .script import write_script
from .sizing import check_own_text
from .video import render


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
    # The project's own copy: its files' paths become the project's (the caller's settings stay theirs).
    settings = copy.deepcopy(settings) if settings is not None else Settings()
    notes = []
    if own_text is not None:
        limits.check_text(len(own_text.text))
        own_text = replace(own_text, text=check_text(own_text.text))
        check_own_text(own_text, limits, settings)
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
    change_project(folder, {stage.value: choice for stage, choice in (chosen or {}).items()})
    check_stages(folder)
    if not folder.project.scenes:
        write_script(folder, scenes, rep.scaled(0.0, 0.15))
    render(folder, reporter=rep.scaled(0.15, 1.0))
    return folder
