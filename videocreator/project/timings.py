"""A narration's timings: the ``.json`` beside its ``.wav`` (its length, what was said, when each sentence
and word is said), written in one shape and read back only where they fit the recording."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, TypeAdapter, ValidationError

from .. import files
from ..backend import Speech
from ..errors import InputError, invalid
from ..speech.wav import wav_seconds
from .stored import read_json

# A narration's timings fit its recording when the length they state is its real length within this, and
# no sentence or word of them ends more than SPAN_SLACK_S after it.
DURATION_TOLERANCE_S = 0.05
SPAN_SLACK_S = 0.25


Seconds = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Span = tuple[str, Seconds, Seconds]  # a sentence or a word of a narration: its text, start and end


@dataclass
class Timings:
    """What a narration's ``.json`` holds beside its ``.wav``: its length, what was said, and when each
    sentence and word is said, in seconds from its start (read with ``read_timings``)."""

    duration: Seconds
    sentences: list[Span]
    words: list[Span] = field(default_factory=list)
    said: str = ""
    phonemes: list[Any] = field(default_factory=list)


_timings_adapter = TypeAdapter(Timings)


def timings_path(audio: str | None) -> str | None:
    """The ``.json`` of sentence and word timings kept beside a narration's ``.wav``."""
    return audio[: -len(".wav")] + ".json" if audio else None


def write_timings(path: Path, speech: Speech, said: str) -> None:
    """Write the timings of ``speech`` (what was ``said``, each sentence and word) at ``path``."""
    record = Timings(speech.duration, speech.sentences, speech.words, said, speech.phonemes)
    files.write_json(path, asdict(record))


def read_timings(voice: Path, timings: Path) -> dict[str, Any]:
    """A narration's timings checked against its recording: finite and not negative, the length they
    state within DURATION_TOLERANCE_S of the recording's real one (the length returned), and every
    sentence and word ending after it starts and by SPAN_SLACK_S after the recording. An InputError naming
    what does not fit."""
    seconds = wav_seconds(voice)
    try:
        stated = _timings_adapter.validate_python(read_json(timings))
    except ValidationError as exc:
        raise InputError(f"{timings.name}: {invalid(exc)}") from None
    if abs(stated.duration - seconds) > DURATION_TOLERANCE_S:
        raise InputError(
            f"{timings.name} says {stated.duration:,.2f} s but {voice.name} lasts {seconds:.2f} s"
        )
    for text, start, end in (*stated.sentences, *stated.words):
        if not start <= end <= seconds + SPAN_SLACK_S:
            raise InputError(
                f"{timings.name} times {text[:40]!r} outside {voice.name}, or ending before it starts"
            )
    return {**asdict(stated), "duration": seconds}
