"""Coqui TTS (the maintained ``coqui-tts`` fork): any model of its zoo, or a local model folder.

Zoo models (``tts_models/en/ljspeech/vits``, ``tts_models/multilingual/multi-dataset/xtts_v2``...) are
downloaded by Coqui on first use, so they need the network once; a local folder with ``model.pth`` and
``config.json`` works offline. Multi-speaker and multilingual models take a speaker and a language, and
XTTS clones a voice from a short recording (``speaker_wav``). Each model is loaded once and reused.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import Field

from ..backend import Narrator, Options, Speech, missing_packages, speak_sentences
from ..errors import BackendUnavailable, InputError, ProviderFailed
from ..gpu import on_gpu
from ..loaded import Loaded, ModelCache
from ..registry import register

DEFAULT_MODEL = "tts_models/en/ljspeech/vits"
INSTALL = "pip install coqui-tts torch torchaudio torchcodec"


class CoquiOptions(Options):
    model: str = Field(
        DEFAULT_MODEL, description="Zoo model name, or a folder with model.pth and config.json"
    )
    speaker: str | None = Field(None, description="Speaker name, for multi-speaker models")
    speaker_wav: str | None = Field(None, description="Reference recording to clone (XTTS)")
    device: Literal["auto", "cpu", "cuda"] = "auto"
    sentence_pause: float = Field(0.22, ge=0.0, le=2.0)


# By (model, device). XTTS takes gigabytes: two models are kept (unbounded before), each with its own lock.
_models: ModelCache[tuple[str, str], Any] = ModelCache(max_models=2)


def zoo_folder(model: str) -> Path:
    """Where Coqui keeps a downloaded zoo model."""
    from TTS.utils.manage import ModelManager

    return Path(ModelManager(progress_bar=False).output_prefix) / model.replace("/", "--")


def _local_files(model: str) -> tuple[Path, Path] | None:
    folder = Path(model).expanduser()
    if folder.is_dir():
        return folder / "model.pth", folder / "config.json"
    return None


@register
class CoquiNarrator(Narrator):
    name = "coqui"
    description = f"Coqui TTS models: the zoo (default {DEFAULT_MODEL}), XTTS voice cloning, or a local model"
    Options = CoquiOptions

    @classmethod
    def readiness(cls) -> str | None:
        missing = missing_packages("torch", "torchaudio", "TTS")
        if missing:
            return f"needs {', '.join(missing)}: {INSTALL}"
        if not zoo_folder(DEFAULT_MODEL).is_dir():
            return (
                f"{DEFAULT_MODEL} is not downloaded (Coqui fetches it on first use, online), "
                "or pass --voice-model FOLDER with model.pth and config.json"
            )
        return None

    def _device(self) -> str:
        import torch

        if self.options.device != "auto":
            return self.options.device
        return "cuda" if torch.cuda.is_available() else "cpu"

    def model(self) -> Loaded[Any]:
        try:
            name, device = self.options.model, self._device()
            return _models.get((name, device), lambda: self._load(name, device))
        except ImportError as exc:  # chosen where it is not installed (or installed broken)
            raise BackendUnavailable(
                f"Coqui TTS is not installed here ({exc.name or exc} is missing): {INSTALL}",
                stage=self.stage,
                provider=self.name,
            ) from None

    def _load(self, name: str, device: str) -> Any:
        from TTS.api import TTS

        local = _local_files(name)
        try:
            if local:
                model_path, config_path = local
                if not (model_path.is_file() and config_path.is_file()):
                    raise BackendUnavailable(
                        f"{name} needs model.pth and config.json", stage=self.stage, provider=self.name
                    )
                tts = TTS(model_path=str(model_path), config_path=str(config_path), progress_bar=False)
            else:
                tts = TTS(model_name=name, progress_bar=False)
        except BackendUnavailable:
            raise
        except Exception as exc:  # Coqui raises many kinds (network, missing files, bad configs)
            raise BackendUnavailable(
                f"cannot load {name}: {exc} (zoo models download on first use and need the network)",
                stage=self.stage,
                provider=self.name,
            ) from None
        return tts.to(device)

    def settings_key(self) -> dict[str, Any]:
        key = super().settings_key()
        if self.options.speaker_wav:
            reference = Path(self.options.speaker_wav)
            key["reference"] = [reference.name, reference.stat().st_size] if reference.is_file() else None
        return key

    def narrate(self, text: str, *, speed: float = 1.0, language: str = "en") -> Speech:
        tts, lock = self.model()
        kwargs: dict[str, Any] = {}
        if tts.is_multi_speaker and not self.options.speaker_wav:
            speakers = tts.speakers or []
            if self.options.speaker and self.options.speaker not in speakers:
                raise InputError(
                    f"unknown speaker {self.options.speaker!r}; this model has: {', '.join(speakers[:12])}",
                    stage=self.stage,
                    provider=self.name,
                )
            kwargs["speaker"] = self.options.speaker or (speakers[0] if speakers else None)
        if tts.is_multi_lingual:
            kwargs["language"] = language
        if self.options.speaker_wav:
            if not Path(self.options.speaker_wav).is_file():
                raise InputError(
                    f"reference recording {self.options.speaker_wav} not found",
                    stage=self.stage,
                    provider=self.name,
                )
            kwargs["speaker_wav"] = self.options.speaker_wav
        rate = tts.synthesizer.output_sample_rate

        def synthesize(sentence: str) -> np.ndarray:
            try:
                return np.asarray(tts.tts(text=sentence, speed=speed, **kwargs), dtype=np.float32)
            except (RuntimeError, ValueError, KeyError) as exc:
                raise ProviderFailed(
                    f"synthesis failed: {exc}", stage=self.stage, provider=self.name
                ) from None

        with lock:
            return on_gpu(
                lambda: speak_sentences(
                    text, synthesize, rate, self.options.sentence_pause, provider=self.name
                )
            )
