"""What each cached artifact is made of: one function per artifact, naming every ingredient.

A generated file is named by the hash of its ingredients, and each list includes the version of the code
that makes the artifact (a backend's ``version``, ``RENDERER_VERSION`` for video pieces and sound), so
changing an input, or how something is drawn or spoken, remakes exactly the artifacts it touches and
nothing else.
"""

from __future__ import annotations

import hashlib
from pathlib import Path, PurePath
from typing import Any

from platformdirs import user_cache_dir

from .backend import Backend, ImageMaker, ImageRequest, Narrator, stable_hash
from .limits import FILE_OPTIONS

# 2: zoom about a fixed point; 3: captions in balanced lines, clear of headlines; 4: the zoom by one
# affine warp (pixels within a level of 3's). It keys the sound too: a new version mixes it again.
RENDERER_VERSION = 4
UPLOAD_VERSION = 1  # how an uploaded picture is fitted to the frame
CARDS_VERSION = 1  # how the title and end cards are drawn


def backend(made_by: Backend) -> dict[str, Any]:
    """A backend's part: its name, version and options. A file among the options counts by its name in
    the project, which carries a hash of its content, so the key is the same wherever the project is."""
    key = made_by.settings_key()
    options = key.get("options", {})
    for name in FILE_OPTIONS & options.keys():
        if options[name]:
            options[name] = PurePath(options[name]).name
    return key


def picture(maker: ImageMaker, request: ImageRequest) -> str:
    """A generated picture: the maker (name, version, options) and what of the request it uses."""
    return stable_hash(backend(maker), maker.request_key(request))


def upload(pixels: bytes, size: tuple[int, int]) -> str:
    """A person's picture, fitted to the frame."""
    return stable_hash(b"upload", UPLOAD_VERSION, pixels, list(size))


def narration(
    narrator: Narrator, text: str, said: str, speed: float, language: str, max_pause_s: float | None
) -> str:
    """A scene's narration and its timings: the narrator (name, version, options), the written text
    (captions) and what the narrator was given (pronunciations applied), speed, language, pause limit."""
    return stable_hash(backend(narrator), text, said, speed, language, max_pause_s)


def pace(narrator: Narrator, speed: float, language: str, paragraph: str) -> str:
    """A voice's measured pace: the voice, its speed and language, and the paragraph it read."""
    return stable_hash("letters", backend(narrator), round(speed, 3), language, paragraph)


def card(kind: str, lines: list[str]) -> str:
    """A title or end card: which, and what it says (its pieces key its size too)."""
    return stable_hash("card", CARDS_VERSION, kind, lines)


def frame_format(width: int, height: int, fps: int) -> dict[str, Any]:
    return {"v": RENDERER_VERSION, "size": [width, height], "fps": fps}


def scene_piece(
    frame: dict[str, Any],
    encoder: dict[str, Any],
    image_key: str,
    span: list[int],
    cue_frames: list[list[Any]],
    style: dict[str, Any],
) -> str:
    """A scene's body: its picture and motion, where it starts and ends, its captions and their style."""
    return stable_hash("body", frame, encoder, image_key, span, cue_frames, style)


def crossfade_piece(
    frame: dict[str, Any], encoder: dict[str, Any], before: list[Any], after: list[Any], count: int
) -> str:
    """A crossfade: both pictures with their scene lengths (which fix the motion) and whether each fades
    its text apart (it has a textless layer), and its length."""
    return stable_hash("fade", frame, encoder, before, after, count)


def sound(voices_at: list[list[Any]], music: list[Any] | None, volume: float, duration: float) -> str:
    """The mixed sound track: each narration and where it starts, the music file and its volume."""
    return stable_hash("sound", RENDERER_VERSION, voices_at, music, volume, duration)


def video(piece_keys: list[str], sound_name: str) -> str:
    """The finished video: its pieces in order and its sound."""
    return stable_hash(piece_keys, sound_name)


def code_digest(module_file: str) -> str:
    """The version of the code in ``module_file`` (a module's ``__file__``): a hash of its text."""
    return hashlib.sha256(Path(module_file).read_bytes()).hexdigest()


def kept_in_cache(folder: str, source: Path, suffix: str, *made_by: Any) -> Path:
    """Where something made from the file ``source`` (a model) is kept for the next process, in the
    user's cache: ``NAME-KEY``. NAME is the source's stem and a hash of where it is (the same name
    elsewhere keeps its own); KEY hashes the source's size and time and ``made_by`` (what else made it:
    libraries' versions, ``code_digest``), so that another version is another file, which replaces this
    one (``files.drop_older``)."""
    status = source.stat()
    name = f"{source.stem}.{stable_hash(str(source.resolve()))[:8]}"
    key = stable_hash(source.name, status.st_size, status.st_mtime_ns, made_by)
    return Path(user_cache_dir("videocreator")) / folder / f"{name}-{key}{suffix}"
