"""The voice stage: each scene's narration by the chosen narrator, what it is given (pronunciations),
its pauses tightened if asked, and its timings in the written words (what the captions show)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from .. import keys
from ..backend import Narrator, Speech
from ..files import full_disk_is
from ..progress import Reporter
from ..project import ProjectFolder, Scene, Settings, timings_path, voice_file, write_timings
from ..speech import speaking
from ..speech.wav import write_wav
from ..speech.word_timing import word_timings
from ..stage import Stage
from ..text import check_scene_text
from .artifacts import SceneArtifact, bring_all_up_to_date, bring_up_to_date
from .choosing import narrator as chosen_narrator


def audio_key(folder: ProjectFolder, scene: Scene, narrator: Narrator | None = None) -> str:
    narrator = narrator or chosen_narrator(folder)
    settings = folder.project.settings
    said = speaking.spoken(scene.narration, settings.pronunciations)
    pause = settings.max_pause_s if settings.tighten_pauses else None
    return keys.narration(narrator, scene.narration, said, settings.speed, folder.project.language, pause)


def audio_is_current(folder: ProjectFolder, scene: Scene, narrator: Narrator | None = None) -> bool:
    return (
        folder.has(scene.audio)
        and folder.has(timings_path(scene.audio))
        and scene.audio_key == audio_key(folder, scene, narrator)
    )


class SceneNarration(SceneArtifact[Narrator]):
    stage = Stage.VOICE
    what = "narration"

    def backend(self, folder: ProjectFolder, record: bool = False) -> Narrator:
        return chosen_narrator(folder, record)

    def key(self, folder: ProjectFolder, scene: Scene, backend: Narrator) -> str:
        return audio_key(folder, scene, backend)

    def is_current(self, folder: ProjectFolder, scene: Scene, backend: Narrator) -> bool:
        return audio_is_current(folder, scene, backend)

    def files(self, scene: Scene, key: str) -> tuple[str, ...]:
        voice = voice_file(scene, key)
        return (voice, str(timings_path(voice)))

    def make(self, folder: ProjectFolder, scene: Scene, backend: Narrator, key: str) -> dict[str, Any]:
        check_scene_text(scene.narration, f"narration of scene {scene.id}")
        settings = folder.project.settings
        said = speaking.spoken(scene.narration, settings.pronunciations)
        speech = _speak(backend, scene.narration, said, settings, folder.project.language)
        voice, timings = self.files(scene, key)
        write_wav(folder.path(voice), speech)
        write_timings(folder.path(timings), speech, said)
        return {}

    def adopt(
        self, folder: ProjectFolder, scene: Scene, backend: Narrator, key: str, made: dict[str, Any]
    ) -> None:
        scene.audio, scene.audio_key = voice_file(scene, key), key
        scene.duration = round(folder.timings(scene)["duration"], 3)


NARRATION = SceneNarration()


def _speak(narrator: Narrator, text: str, said: str, settings: Settings, language: str) -> Speech:
    """The narration of ``text``, given as ``said`` (the pronunciations applied), pauses tightened if
    asked, and timed in the written words (what the captions show)."""
    speech = narrator.narrate(said, speed=settings.speed, language=language)
    if not speech.words:  # timed once, from the audio, for the pauses and the captions alike
        speech = replace(speech, words=word_timings(speech))
    if settings.tighten_pauses:
        speech = speaking.tightened(speech, settings.max_pause_s)
    return speaking.written(speech, text, settings.pronunciations)


@full_disk_is(Stage.VOICE)
def narrate_scene(
    folder: ProjectFolder, scene: Scene, reporter: Reporter | None = None, narrator: Narrator | None = None
) -> None:
    """(Re)narrate one scene if its narration is missing or out of date."""
    bring_up_to_date(folder, NARRATION, scene, reporter, narrator)


@full_disk_is(Stage.VOICE)
def narrate_all(folder: ProjectFolder, reporter: Reporter | None = None, *, tell: bool = True) -> None:
    """Narrate every scene whose narration is missing or out of date (``tell``: then write How it works,
    if it changed)."""
    bring_all_up_to_date(folder, NARRATION, reporter, tell=tell)
