"""The Piper voices on this machine: the bundled voice and the voices folder (each voice a ``.onnx`` file
with its ``.onnx.json`` beside it).

The voices folder is the ``voices_folder`` setting; left empty, it is ``voices`` in the user's data folder
(``~/.local/share/videocreator/voices`` on Linux), where ``videocreator voices add`` puts voices and where
``auto`` looks for one that speaks the script's language.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_data_dir


@dataclass(frozen=True)
class InstalledVoice:
    name: str  # the file's name without ``.onnx``: es_ES-davefx-medium
    path: Path  # the .onnx file
    language: str  # the code of the language it speaks ("es"), "" when its config does not say
    bundled: bool = False


def default_folder() -> Path:
    return Path(user_data_dir("videocreator")) / "voices"


def voices_folder(configured: str = "") -> Path:
    """The voices folder the setting names, or the default one."""
    return Path(configured).expanduser() if configured else default_folder()


def voice_language(voice: Path) -> str:
    """The language code of a Piper voice, from its ``.onnx.json`` ("" if unknown)."""
    try:
        config = json.loads(Path(f"{voice}.json").read_text(encoding="utf-8"))
        code = str(config.get("language", {}).get("code", "") or config.get("espeak", {}).get("voice", ""))
    except (OSError, ValueError, AttributeError):
        return ""
    return code.replace("_", "-").split("-")[0].lower()


def installed(folder: Path) -> list[InstalledVoice]:
    """The bundled voice (if installed), then each voice in ``folder`` whose config is beside it."""
    from .piper import bundled_voice

    voices = []
    bundled = bundled_voice()
    if bundled is not None:
        voices.append(InstalledVoice(bundled.stem, bundled, voice_language(bundled), bundled=True))
    if folder.is_dir():
        for model in sorted(folder.glob("*.onnx")):
            if Path(f"{model}.json").is_file():
                voices.append(InstalledVoice(model.stem, model, voice_language(model)))
    return voices
