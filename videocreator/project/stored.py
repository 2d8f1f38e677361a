"""Reading a project.json: JSON that cannot exhaust the reader, and older versions brought up to date."""

from __future__ import annotations

import json
from pathlib import Path, PurePath
from typing import Any

from ..errors import InputError
from ..stage import current_names
from .model import FORMAT_VERSION

MAX_NESTING = 64  # lists and objects inside each other in a project's JSON; what this program writes: < 10


def read_json(path: Path) -> Any:
    """The JSON in a project's file; an InputError naming the file when it is not JSON, or nests lists
    and objects more than MAX_NESTING deep (never a RecursionError later)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise InputError(f"{path.name} is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{path.name} is not valid JSON: {exc}") from None
    except RecursionError:
        raise _nested_too_deep(path) from None
    if _nests_deeper(data, MAX_NESTING):
        raise _nested_too_deep(path)
    return data


def _nested_too_deep(path: Path) -> InputError:
    return InputError(f"{path.name} nests lists or objects more than {MAX_NESTING} deep")


def _nests_deeper(data: Any, limit: int) -> bool:
    """Whether ``data`` holds lists and objects more than ``limit`` inside each other (walked level by
    level, without recursion)."""
    level = [data]
    for _ in range(limit):
        level = [
            child
            for item in level
            if isinstance(item, dict | list)
            for child in (item.values() if isinstance(item, dict) else item)
        ]
        if not level:
            return False
    return any(isinstance(item, dict | list) for item in level)


def upgraded(data: Any) -> Any:
    """An older project.json as this version reads it. Version 1: picture history entries were bare
    paths (the key was the file name's hash; "upload-" files were uploads). Version 2: two stages had
    their former names. Version 3 and before: a project that names no title or end card was made before
    there were cards, and its video keeps having none. Paths are settled after validation."""
    version = data.get("version", 1) if isinstance(data, dict) else FORMAT_VERSION
    if isinstance(version, str) and version.isdigit():  # pydantic reads "2" as 2 too
        version = int(version)
    if not isinstance(version, int) or version >= FORMAT_VERSION:
        return data
    if isinstance(data.get("settings"), dict):
        for card in ("title_card", "end_card"):
            data["settings"].setdefault(card, False)
    for part in ("settings", "ran"):
        if isinstance(data.get(part), dict):
            data[part] = current_names(data[part])
    if version >= 2:
        return data
    for scene in data.get("scenes", []) if isinstance(data.get("scenes"), list) else []:
        if isinstance(scene, dict) and isinstance(scene.get("image_history"), list):
            scene["image_history"] = [
                _old_version(p) if isinstance(p, str) else p for p in scene["image_history"]
            ]
    return data


def _old_version(path: str) -> dict[str, str]:
    name = PurePath(path).name
    return {
        "path": path,
        "key": PurePath(path).stem.split("-", 1)[-1],
        "source": "upload" if name.startswith("upload-") else "kept",
    }
