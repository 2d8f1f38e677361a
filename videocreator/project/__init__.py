"""The project: a folder a person can read and edit (``model``: what project.json holds; ``folder``: the
folder, its file names and paths; ``timings``: a narration's timings; ``stored``: reading project.json).

``project.json`` holds the topic, the settings and the scenes; media live beside it:
``scenes/NN/image-<hash>.png``, ``scenes/NN/voice-<hash>.wav`` (+ ``.json`` sentence and word timings),
``media/`` for the person's own files, ``cache/`` for rendered segments, and the results ``video.mp4``,
``captions.srt`` and ``captions.vtt``. Each generated file is named by a hash of what produced it, so
editing ``project.json`` and re-rendering redoes only what changed.
"""

from .folder import ProjectFolder, image_file, step_file, textless_file, upload_file, voice_file
from .model import (
    FORMAT_VERSION,
    MEDIA,
    PROJECT_FILE,
    Aspect,
    CaptionStyle,
    ImageVersion,
    OwnText,
    Project,
    Resolution,
    Scene,
    Settings,
    StageChoice,
    frame_size,
)
from .stored import MAX_NESTING, read_json
from .timings import Timings, read_timings, timings_path, write_timings

__all__ = [
    "FORMAT_VERSION",
    "MAX_NESTING",
    "MEDIA",
    "PROJECT_FILE",
    "Aspect",
    "CaptionStyle",
    "ImageVersion",
    "OwnText",
    "Project",
    "ProjectFolder",
    "Resolution",
    "Scene",
    "Settings",
    "StageChoice",
    "Timings",
    "frame_size",
    "image_file",
    "read_json",
    "read_timings",
    "step_file",
    "textless_file",
    "timings_path",
    "upload_file",
    "voice_file",
    "write_timings",
]
