"""Choosing each stage's backend: the person's choice checked before any work, or what ``auto`` finds best
here, recorded with why; the writers to fall back on; a backend built with the project's files."""

from __future__ import annotations

from typing import Any

from .. import registry
from ..backend import Backend, ImageMaker, Narrator, ScriptWriter
from ..errors import BackendUnavailable, InputError
from ..languages import language_name
from ..limits import FILE_OPTIONS
from ..project import ProjectFolder, StageChoice
from ..stage import CHOSEN, Stage
from . import auto

FALLBACK_WRITERS = ("local", "template")


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


def resolve(folder: ProjectFolder, stage: Stage, *, record: bool = False) -> StageChoice:
    """The backend a stage uses now: the person's choice, or what ``auto`` finds best here. ``record``
    (when the stage runs): keep which one and why in ``project.ran``."""
    choice: StageChoice = getattr(folder.project.settings, stage.value)
    if choice.backend != auto.AUTO:
        if record:
            record_ran(folder, stage, choice.backend, "chosen in the settings")
        return choice
    project = folder.project
    if stage == Stage.SCRIPT:
        found = auto.script(choice.options)
    elif stage == Stage.IMAGES:
        found = auto.images(choice.options)
    else:
        found = auto.voice(project.language, project.settings.voices_folder)
    if record:
        record_ran(folder, stage, found.backend, found.why)
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


def record_ran(folder: ProjectFolder, stage: Stage, backend: str, why: str) -> None:
    """Keep in ``project.ran`` which backend ran ``stage``, and why."""
    entry = {"backend": backend, "why": why}
    with folder.changing:
        if folder.project.ran.get(stage.value) != entry:
            folder.project.ran[stage.value] = entry
            folder.save()


def backend_for(folder: ProjectFolder, stage: Stage, record: bool = False) -> Backend:
    """The stage's backend, with the project's files among its options resolved in the folder."""
    choice = resolve(folder, stage, record=record)
    options = dict(choice.options)
    for name in FILE_OPTIONS & options.keys():
        if options[name]:
            options[name] = str(folder.path(options[name]))
    return registry.create(stage, choice.backend, options)


def image_maker(folder: ProjectFolder, record: bool = False) -> ImageMaker:
    maker = backend_for(folder, Stage.IMAGES, record)
    assert isinstance(maker, ImageMaker)
    return maker


def narrator(folder: ProjectFolder, record: bool = False) -> Narrator:
    chosen = backend_for(folder, Stage.VOICE, record)
    assert isinstance(chosen, Narrator)
    return chosen


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
