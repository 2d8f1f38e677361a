"""Saving a project as one zip, and opening such a zip again, safely.

Import refuses anything that is not plainly a project: absolute or ``..`` paths, links, too many or too
large members (zip bombs), and zips without a valid ``project.json``. It unpacks into an empty folder.
"""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path, PurePosixPath

from .errors import InputError
from .files import atomic_path
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
    return InputError(message, stage="project", provider="zip")


def _check_member(info: zipfile.ZipInfo) -> PurePosixPath:
    name = PurePosixPath(info.filename)
    if name.is_absolute() or ".." in name.parts or "\\" in info.filename or ":" in info.filename:
        raise _error(f"refusing a zip entry outside the project: {info.filename!r}")
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        raise _error(f"refusing a link in the zip: {info.filename!r}")
    return name


def import_zip(source: Path, dest: Path) -> ProjectFolder:
    """Unpack a saved project zip into the empty folder ``dest`` and open it."""
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as exc:
        raise _error(f"not a zip file ({exc})") from None
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise _error(f"the zip has {len(members)} entries; a project has fewer than {MAX_MEMBERS}")
        if sum(m.file_size for m in members) > MAX_TOTAL_BYTES:
            raise _error("the zip unpacks to more than 2 GB")
        names = [_check_member(m) for m in members]
        if PurePosixPath(PROJECT_FILE) not in names:
            raise _error("this zip is not a VideoCreator project (no project.json at its top)")
        dest.mkdir(parents=True, exist_ok=True)
        if any(dest.iterdir()):
            raise _error(f"{dest} is not empty")
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
    return ProjectFolder.open(dest)
