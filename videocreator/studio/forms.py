"""What the page's forms send, as the library takes it: received files, a table's rows, a backend's
options, the person's own text, a stage's choice and the render's settings."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from .. import registry
from ..errors import InputError, VideoCreatorError
from ..limits import Limits
from ..project import OwnText
from ..source import check_text, read_source
from ..stage import Stage

MUSIC_CHOICES = {"Bundled": "default", "None": "none"}  # "Upload": the file in "Your music"
AS_WRITTEN = "as-written"  # every word of the text, in order: a length does not apply


def received_file(upload: Any) -> Path | None:
    """The path of a file Gradio received (it passes a path, or an object with ``.name``)."""
    return None if upload is None else Path(getattr(upload, "name", upload))


def table_rows(table: Any) -> list[list[Any]]:
    """A Dataframe's rows, whichever form Gradio or an API caller gives them in."""
    if hasattr(table, "values"):
        return table.values.tolist()
    return table.get("data", []) if isinstance(table, dict) else list(table or [])


def pairs(table: Any) -> list[tuple[str, str]]:
    """A two-column table's rows as pairs of text (a short row counts as missing)."""
    return [(str(r[0] or ""), str(r[1] or "")) for r in table_rows(table) if len(r) >= 2]


def option_fields(stage: Stage, backend: str) -> dict[str, Any]:
    """The options a backend takes, by name (none for an unknown backend)."""
    try:
        return dict(registry.get(stage, backend).Options.model_fields)
    except VideoCreatorError:
        return {}


def stage_choice(backend: str, **options: Any) -> dict[str, Any]:
    """A stage's backend and options as ``change_project`` takes them."""
    return {"backend": backend, "options": options}


def own_text(
    text: str, source: Path | None, mode: str, length_s: float, limits: Limits, stopping: Callable[[], bool]
) -> OwnText:
    """The person's words: the uploaded file (read within the limits' budgets) or the pasted text; the
    length asked for where it applies (the slider sends one in every mode)."""
    words = (
        read_source(source, limits=limits, stopping=stopping)
        if source is not None
        else check_text(text or "", "the pasted text")
    )
    length = float(length_s) if length_s and mode != AS_WRITTEN else None
    return OwnText(words, mode, length)  # type: ignore[arg-type]


def music(choice: str, upload: Path | None, current: str) -> str | Path | None:
    """What ``use_music`` is given for the music radio: the bundled track, none, or the uploaded file;
    None to keep the file the project already has."""
    if choice in MUSIC_CHOICES:
        return MUSIC_CHOICES[choice]
    if upload is not None:
        return upload
    if current in MUSIC_CHOICES.values():
        raise InputError("choose a music file, or pick the bundled track", stage=Stage.RENDER)
    return None
