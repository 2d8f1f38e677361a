"""Saving a project as one zip, and opening such a zip again, safely.

Import refuses anything that is not plainly a project: absolute or ``..`` paths, links, too many or too
large members (zip bombs), and zips without a valid ``project.json``. It unpacks into an empty folder and
opens the project under the caller's limits (on a public server: the scene cap, and no file, model or
server named from outside the project); a zip that is refused leaves nothing behind.
"""

from __future__ import annotations

import shutil
import stat
import zipfile
from pathlib import Path, PurePosixPath

from PIL import Image

from .errors import InputError
from .files import atomic_path
from .images.upload import MAX_PIXELS
from .limits import LOCAL, Limits
from .project import PROJECT_FILE, ProjectFolder

MAX_MEMBERS = 2000
MAX_TOTAL_BYTES = 2 * 1024**3
SKIPPED = ("cache/", "preview.mp4")


def export_zip(folder: ProjectFolder, dest: Path) -> Path:
    """Zip the project (without the render cache) to ``dest``."""
    with atomic_path(dest) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.root.rglob("*")):
            relative = path.relative_to(folder.root).as_posix()
            hidden = path.name.startswith(".")  # partial files of an interrupted write
            if path.is_file() and not path.is_symlink() and not hidden and not relative.startswith(SKIPPED):
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


def import_zip(source: Path, dest: Path, limits: Limits = LOCAL) -> ProjectFolder:
    """Unpack a saved project zip into the empty folder ``dest`` and open it (``folder.notes`` says what
    the limits dropped)."""
    if not Path(source).is_file():
        raise _error(f"{source} not found")
    limits.check_upload(Path(source).stat().st_size, "project zip", None)
    dest.mkdir(parents=True, exist_ok=True)
    if any(dest.iterdir()):
        raise _error(f"{dest} is not empty")
    try:
        _unpack(Path(source), dest, min(MAX_TOTAL_BYTES, 4 * limits.max_upload_bytes))
        folder = ProjectFolder.open(dest, limits, from_elsewhere=True)
        _drop_unreadable_pictures(folder)
        return folder
    except OSError as exc:
        shutil.rmtree(dest, ignore_errors=True)
        raise _error(f"the zip cannot be unpacked here ({exc.strerror or exc})") from None
    except BaseException:
        shutil.rmtree(dest, ignore_errors=True)
        raise


def _drop_unreadable_pictures(folder: ProjectFolder) -> None:
    """Pictures from a zip are checked like uploads: a file that is not a picture, or claims more pixels
    than an upload may have (a decompression bomb), is dropped with a note and made again."""
    dropped = False
    for scene in folder.project.scenes:
        if not scene.image or not folder.has(scene.image):
            continue
        try:
            with Image.open(folder.path(scene.image)) as picture:
                fine = picture.width * picture.height <= MAX_PIXELS
        except (OSError, Image.DecompressionBombError):
            fine = False
        if not fine:
            folder.notes.append(f"scene {scene.id}: {scene.image} is not a picture that can be used; dropped")
            scene.image, scene.image_source, dropped = None, "generated", True
    if dropped:
        folder.save()


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
