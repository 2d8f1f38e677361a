"""Piper voices a person can add in one step, from the public repository of Piper voices
(rhasspy/piper-voices on Hugging Face), whose ``voices.json`` names every voice with its files, their sizes
and MD5 digests.

``add_voice("es")`` (a language: its usual voice) or ``add_voice("es_ES-davefx-medium")`` fetches the
voice's ``.onnx`` and ``.onnx.json`` into the voices folder (``folder.py``), where ``auto`` finds it for a
script in that language. Nothing here runs unless a person asks (``videocreator voices add``, a studio
button): making videos never touches the network for a voice. The repository is ``source``, else
``$VIDEOCREATOR_VOICES_URL`` (a mirror; the tests' loopback server), else ``DEFAULT_SOURCE``.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

import httpx

from ..errors import BackendUnavailable, InputError, ProviderFailed
from ..files import full_disk_is
from ..languages import language_name
from ..limits import LOCAL, MB, Limits
from ..stage import Stage
from . import download
from .download import PROVIDER
from .folder import installed, voices_folder

DEFAULT_SOURCE = "https://huggingface.co/rhasspy/piper-voices/resolve/v1.0.0"
SOURCE_VARIABLE = "VIDEOCREATOR_VOICES_URL"
CATALOG = "voices.json"
MAX_CATALOG_BYTES = 16 * MB  # the real one is about 0.3 MB
MAX_VOICE_BYTES = 400 * MB  # the largest Piper voices (high quality) are about 120 MB
QUALITIES = ("medium", "low", "high", "x_low")  # a language's voice: the first quality it has
# The voice a language's code chooses, where several speak it (else the first by QUALITIES, then name).
DEFAULT_VOICES = {
    "en": "en_US-lessac-medium", "de": "de_DE-thorsten-medium", "es": "es_ES-davefx-medium",
    "fr": "fr_FR-siwis-medium", "it": "it_IT-paola-medium", "pt": "pt_BR-faber-medium",
    "nl": "nl_NL-mls-medium", "pl": "pl_PL-gosia-medium", "ru": "ru_RU-irina-medium",
    "uk": "uk_UA-ukrainian_tts-medium", "tr": "tr_TR-dfki-medium", "ar": "ar_JO-kareem-medium",
    "zh": "zh_CN-huayan-medium", "hi": "hi_IN-pratham-medium",
}  # fmt: skip
_ASKED = re.compile(r"[\w-]{2,80}")  # a voice's name or a language's code, as a person types it
_NAME = re.compile(r"(?P<language>[a-z]{2,3}_[A-Z]{2})-\w+-(?P<quality>x_low|low|medium|high)")
_MD5 = re.compile(r"[0-9a-fA-F]{32}")

Progress = Callable[[float, str], None]
_adding = threading.Lock()  # one download at a time in a process (two visitors adding one voice)


@dataclass(frozen=True)
class RemoteFile:
    path: str  # in the repository: es/es_ES/davefx/medium/es_ES-davefx-medium.onnx
    size: int
    md5: str


@dataclass(frozen=True)
class RemoteVoice:
    """A voice of the catalogue: its name, language, quality and two files (the model, its config)."""

    name: str
    language: str  # es_ES
    language_name: str  # Spanish
    quality: str
    model: RemoteFile
    config: RemoteFile
    aliases: tuple[str, ...] = ()

    @property
    def code(self) -> str:
        return self.language.split("_")[0].lower()

    @property
    def size(self) -> int:
        return self.model.size + self.config.size


@dataclass(frozen=True)
class AddedVoice:
    name: str
    path: Path  # the .onnx in the voices folder
    language: str  # the code of the language it speaks
    fetched: bool  # False: it was there already

    @property
    def line(self) -> str:
        speaks = f"{self.name} ({language_name(self.language)})"
        if not self.fetched:
            return f"{speaks} is already in {self.path.parent}"
        return f"added {speaks}: {self.path}"


def source_url(source: str | None = None) -> str:
    url = (source or os.environ.get(SOURCE_VARIABLE) or DEFAULT_SOURCE).rstrip("/")
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        parsed = None
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.host:
        message = f"the voices' repository must be an http(s) URL, not {url!r}"
        raise InputError(message, stage=Stage.VOICE, provider=PROVIDER)
    return url


def fetch_catalog(source: str | None = None) -> dict[str, RemoteVoice]:
    """Every voice the repository lists, by name (this asks the network)."""
    url = source_url(source)
    with download.client() as session:
        return _offline_named(lambda: _catalog(session, url), _configured_folder())


def add_voice(
    name: str,
    folder: Path | None = None,
    *,
    source: str | None = None,
    progress: Progress | None = None,
    limits: Limits = LOCAL,
) -> AddedVoice:
    """Fetch the Piper voice ``name`` (``es_ES-davefx-medium``; or a language, ``es`` or ``es_MX``, for its
    usual voice, medium quality where it has one) into ``folder`` (default: the voices folder of the
    settings). A voice already there (for a language: any voice there that speaks it) is not fetched
    again; a download cut short is continued, now or by the next call. ``progress(fraction, message)``
    is told as it goes; raising in it (a Stop) stops the download and keeps what came. On a public server
    the voices are the operator's: refused."""
    if limits.public:
        raise InputError(
            "the voices are the operator's on this public server: they add one with "
            "`videocreator voices add`",
            stage=Stage.VOICE,
            provider=PROVIDER,
        )
    if not _ASKED.fullmatch(name.strip()):
        raise InputError(
            f"{name!r} is no voice name (such as es_ES-davefx-medium) or language code (es)",
            stage=Stage.VOICE,
            provider=PROVIDER,
        )
    target = folder if folder is not None else _configured_folder()
    name = name.strip()
    kept = _already_there(name, target)
    if kept is not None:
        return kept
    url = source_url(source)
    with _adding, full_disk_is(Stage.VOICE), download.client() as session:
        voice = choose(name, _offline_named(lambda: _catalog(session, url), target))
        kept = _already_there(voice.name, target)
        if kept is not None:
            return kept
        _offline_named(lambda: _fetch(session, voice, target, url, progress), target)
    return AddedVoice(voice.name, target / f"{voice.name}.onnx", voice.code, fetched=True)


def choose(asked: str, voices: dict[str, RemoteVoice]) -> RemoteVoice:
    """The voice named ``asked`` (or one of its aliases), or the usual voice of the language it names."""
    lowered = asked.lower()
    for voice in voices.values():
        if lowered == voice.name.lower() or lowered in (a.lower() for a in voice.aliases):
            return voice
    code = lowered.replace("-", "_")
    family, _, region = code.partition("_")
    speaking = [v for v in voices.values() if v.code == family and (not region or v.language.lower() == code)]
    usual = voices.get(DEFAULT_VOICES.get(family, ""))
    if usual in speaking:
        return usual
    if speaking:
        return min(speaking, key=lambda v: (QUALITIES.index(v.quality), v.name))
    close = difflib.get_close_matches(asked, list(voices), n=3, cutoff=0.6)
    hint = f"did you mean {', '.join(close)}?" if close else "`videocreator voices list --remote` lists them"
    raise InputError(f"no Piper voice is named {asked!r}: {hint}", stage=Stage.VOICE, provider=PROVIDER)


def parse_catalog(data: bytes, url: str) -> dict[str, RemoteVoice]:
    """The voices of a ``voices.json``; an entry that is not a whole voice is left out."""
    try:
        listed = json.loads(data)
    except (ValueError, RecursionError):
        raise _junk(url, "it is not JSON") from None
    if not isinstance(listed, dict):
        raise _junk(url, "it is not an object of voices")
    voices = {name: voice for name, entry in listed.items() if (voice := _voice(name, entry)) is not None}
    if not voices:
        raise _junk(url, "it names no voice with its .onnx and .onnx.json files")
    return voices


def _voice(name: str, entry: Any) -> RemoteVoice | None:
    named = _NAME.fullmatch(name)
    if named is None or not isinstance(entry, dict) or not isinstance(entry.get("files"), dict):
        return None
    files = entry["files"].items()
    found = {PurePosixPath(path).name: _file(path, about) for path, about in files if isinstance(path, str)}
    model, config = found.get(f"{name}.onnx"), found.get(f"{name}.onnx.json")
    if model is None or config is None:
        return None
    language = entry.get("language")
    english = language.get("name_english") if isinstance(language, dict) else None
    aliases = entry.get("aliases")
    return RemoteVoice(
        name,
        named["language"],
        english if isinstance(english, str) else language_name(named["language"].split("_")[0]),
        named["quality"],
        model,
        config,
        tuple(a for a in aliases if isinstance(a, str)) if isinstance(aliases, list) else (),
    )


def _file(path: str, about: Any) -> RemoteFile | None:
    """A file of the repository, if its entry is whole and its path stays inside the repository."""
    parts = PurePosixPath(path).parts
    if not parts or path.startswith("/") or "\\" in path or ".." in parts or not isinstance(about, dict):
        return None
    size, md5 = about.get("size_bytes"), about.get("md5_digest")
    if type(size) is not int or size < 0 or not isinstance(md5, str) or not _MD5.fullmatch(md5):
        return None
    return RemoteFile(path, size, md5)


def _catalog(session: httpx.Client, url: str) -> dict[str, RemoteVoice]:
    listing = f"{url}/{CATALOG}"
    return parse_catalog(download.get_small(session, listing, MAX_CATALOG_BYTES), listing)


def _fetch(
    session: httpx.Client, voice: RemoteVoice, target: Path, url: str, progress: Progress | None
) -> None:
    """Both files to their verified parts, then both renamed into place (the config last: a voice is
    found by its config beside its model)."""
    if voice.size > MAX_VOICE_BYTES:
        raise ProviderFailed(
            f"{voice.name} is {voice.size / MB:.0f} MB, over the {MAX_VOICE_BYTES // MB} MB a voice may be",
            stage=Stage.VOICE,
            provider=PROVIDER,
        )
    wanted = [
        download.Wanted(f"{url}/{quote(file.path)}", target / f"{voice.name}{suffix}", file.size, file.md5)
        for file, suffix in ((voice.model, ".onnx"), (voice.config, ".onnx.json"))
    ]
    tell, done = _Percent(progress, voice.size), 0
    for file in wanted:
        download.fetch(
            session, file, partial(tell, done, f"downloading {file.dest.name} ({file.size / MB:.1f} MB)")
        )
        done += file.size
    for file in wanted:
        download.install(file)


@dataclass
class _Percent:
    """``progress`` told each whole percent of a download of ``total`` bytes, once."""

    progress: Progress | None
    total: int
    told: int = -1

    def __call__(self, start: int, message: str, size: int) -> None:
        """A file that starts at byte ``start`` of the download has ``size`` bytes here."""
        percent = min(100 * (start + size) // max(self.total, 1), 100)
        if self.progress is not None and percent > self.told:
            self.told = percent
            self.progress(percent / 100, message)


def _offline_named(ask: Callable[[], Any], target: Path) -> Any:
    """``ask()``; when the repository does not answer, the error names the voices that work offline."""
    try:
        return ask()
    except download.Unreachable as exc:
        here = ", ".join(f"{v.name} ({language_name(v.language)})" for v in installed(target)) or "none"
        raise BackendUnavailable(
            f"{exc.detail}; offline voices: {here}", stage=Stage.VOICE, provider=PROVIDER
        ) from None


def _already_there(asked: str, target: Path) -> AddedVoice | None:
    """The voice in ``target`` named ``asked``, or one that speaks the language ``asked`` names."""
    language = asked.lower().replace("-", "_")
    for voice in installed(target):
        named = _NAME.fullmatch(voice.name)
        if voice.bundled or named is None:
            continue
        speaks = named["language"].lower()
        if voice.name.lower() == asked.lower() or language in (speaks, speaks.split("_")[0]):
            return AddedVoice(voice.name, voice.path, speaks.split("_")[0], fetched=False)
    return None


def _configured_folder() -> Path:
    from ..settings import resolve

    return voices_folder(resolve().voices_folder)


def _junk(url: str, why: str) -> ProviderFailed:
    message = f"the voice list at {url} is not a Piper voices.json: {why}"
    return ProviderFailed(message, stage=Stage.VOICE, provider=PROVIDER)
