"""Saving a project as one zip, and opening such a zip again, safely.

Import refuses anything that is not plainly a project: absolute or ``..`` paths, links, too many or too
large members (zip bombs), and zips without a valid ``project.json`` (nested absurdly deep included). It
unpacks into an empty folder and opens the project under the caller's limits (on a public server: the
scene cap, and no file, model or server named from outside the project); a zip that is refused leaves
nothing behind. What the project says of its files is checked against the files: every picture it names
(the current one, its history, a model's steps) as an upload is, and every narration's recording and
timings (``ProjectFolder.drop_unusable_voices``); what does not pass is dropped with a note.
"""

from __future__ import annotations

import shutil
import stat
import warnings
import zipfile
from pathlib import Path, PurePosixPath
from typing import Any

from PIL import Image

from .errors import DiskFull, InputError
from .files import FULL_DISK, atomic_path
from .images.upload import MAX_PIXELS
from .limits import LOCAL, Limits
from .project import PROJECT_FILE, ImageVersion, ProjectFolder, Scene

MAX_MEMBERS = 2000
MAX_TOTAL_BYTES = 2 * 1024**3
CACHE = "cache/"
SKIPPED = (CACHE, "preview.mp4")
PICTURE_FORMATS = ("PNG", "JPEG", "WEBP", "GIF", "BMP", "TIFF")  # what an upload may be


def export_zip(folder: ProjectFolder, dest: Path, *, cache: bool = False) -> Path:
    """Zip the project to ``dest``, without the render cache unless ``cache`` (a batch's section sent back
    from a worker keeps it, so a rerun reuses its pieces)."""
    skipped = tuple(s for s in SKIPPED if not (cache and s == CACHE))
    with atomic_path(dest) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.root.rglob("*")):
            relative = path.relative_to(folder.root).as_posix()
            hidden = path.name.startswith(".")  # partial files of an interrupted write
            if path.is_file() and not path.is_symlink() and not hidden and not relative.startswith(skipped):
                archive.write(path, relative)
    return dest


def _error(message: str) -> InputError:
    return InputError(message, provider="zip")


def _check_member(info: zipfile.ZipInfo) -> PurePosixPath:
    name = PurePosixPath(info.filename)
    if name.is_absolute() or ".." in name.parts or "\\" in info.filename or ":" in info.filename:
        raise _error(f"refusing a zip entry outside the project: {info.filename!r}")
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        raise _error(f"refusing a link in the zip: {info.filename!r}")
    return name


def import_zip(source: Path, dest: Path, limits: Limits = LOCAL, *, own: bool = False) -> ProjectFolder:
    """Unpack a saved project zip into the empty folder ``dest`` and open it (``folder.notes`` says what
    was dropped: what the limits do not allow here, and pictures and narrations that cannot be used).
    An ``own`` zip (a batch's section sent to or back from the person's own worker) passes the same
    checks, but keeps the models and servers its settings name, and is not an upload: a whole project (a
    long 1080p video and its render cache) may unpack to MAX_TOTAL_BYTES, whatever the upload limit."""
    if not Path(source).is_file():
        raise _error(f"{source} not found")
    if not own:
        limits.check_upload(Path(source).stat().st_size, "project zip", None)
    dest.mkdir(parents=True, exist_ok=True)
    if any(dest.iterdir()):
        raise _error(f"{dest} is not empty")
    try:
        _unpack(
            Path(source), dest, MAX_TOTAL_BYTES if own else min(MAX_TOTAL_BYTES, 4 * limits.max_upload_bytes)
        )
        folder = ProjectFolder.open(dest, limits, from_elsewhere=not own)
        _drop_unusable_pictures(folder)
        folder.notes += folder.drop_unusable_voices()
        return folder
    except OSError as exc:
        shutil.rmtree(dest, ignore_errors=True)
        if exc.errno in FULL_DISK:  # said as such (and a batch's worker is retried elsewhere)
            raise DiskFull(exc.filename or str(dest), stage=None) from exc
        raise _error(f"the zip cannot be unpacked here ({exc.strerror or exc})") from None
    except BaseException:
        shutil.rmtree(dest, ignore_errors=True)
        raise


def _drop_unusable_pictures(folder: ProjectFolder) -> None:
    """Every picture a zip's project names is checked like an upload: a file that is not a picture, or
    claims more pixels than an upload may have (a decompression bomb), is dropped with a note, and its
    file removed. The current picture is made again; one in the history is no longer gone back to."""
    notes = [note for scene in folder.project.scenes for note in _scene_pictures(folder, scene)]
    folder.notes += notes
    if notes:
        folder.save()


def _scene_pictures(folder: ProjectFolder, scene: Scene) -> list[str]:
    """What was dropped of one scene's pictures: its current one, its history and their steps."""
    notes = [f"scene {scene.id}: {note}" for note in _drop_steps(folder, scene.image_details)]
    if scene.image and _drop_if_unusable(folder, scene.image):
        notes.append(f"scene {scene.id}: {scene.image} is not a picture that can be used; dropped")
        scene.image, scene.image_source = None, "generated"
    history: list[ImageVersion] = []
    for version in scene.image_history:
        notes += [f"scene {scene.id}: {note}" for note in _drop_steps(folder, version.details)]
        if _drop_if_unusable(folder, version.path):
            notes.append(f"scene {scene.id}: {version.path} in the picture history cannot be used; dropped")
        else:
            history.append(version)
    scene.image_history = history
    return notes


def _drop_steps(folder: ProjectFolder, details: dict[str, Any]) -> list[str]:
    """The pictures of a model's steps (``details["steps"]``) that cannot be used, dropped and said."""
    if "steps" not in details:
        return []
    steps = details["steps"] if isinstance(details["steps"], list) else []
    kept = [s for s in steps if isinstance(s, dict) and not _drop_if_unusable(folder, s.get("file"))]
    if kept == details["steps"]:
        return []
    details["steps"] = kept
    return ["a picture of the model's steps cannot be used; dropped"]


def _drop_if_unusable(folder: ProjectFolder, relative: Any) -> bool:
    """Whether ``relative`` names a file that is not a picture an upload could be: not a path inside the
    project, not one of the upload formats, or more pixels than an upload may have; such a file is
    removed. A file that is gone is not unusable (it is made again, or skipped)."""
    if not (isinstance(relative, str) and relative):
        return True
    try:
        path = folder.path(relative)
    except InputError:
        return True
    if not path.is_file() or _fits(path):
        return False
    path.unlink()
    return True


def _fits(path: Path) -> bool:
    """Whether ``path`` is a picture of an upload's format and at most MAX_PIXELS (only its header read)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # the limit here is lower
            with Image.open(path, formats=PICTURE_FORMATS) as picture:
                return picture.width * picture.height <= MAX_PIXELS
    except (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError):
        return False


def _unpack(source: Path, dest: Path, max_bytes: int) -> None:
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as exc:
        raise _error(f"not a zip file ({exc})") from None
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise _error(f"the zip has {len(members)} entries; a project has fewer than {MAX_MEMBERS}")
        if sum(m.file_size for m in members) > max_bytes:
            raise _error(f"the zip unpacks to more than {max_bytes / 1024**2:,.0f} MB")
        names = [_check_member(m) for m in members]
        if PurePosixPath(PROJECT_FILE) not in names:
            raise _error("this zip is not a VideoCreator project (no project.json at its top)")
        for member, name in zip(members, names, strict=True):
            if member.is_dir():
                continue
            target = dest.joinpath(*name.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(member) as src, open(target, "wb") as out:
                copied = 0
                while chunk := src.read(1 << 20):
                    copied += len(chunk)
                    if copied > member.file_size:
                        raise _error(f"{member.filename} is larger than the zip says")
                    out.write(chunk)
