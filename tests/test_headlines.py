"""The offline card's headline: a phrase of the scene that reads on its own (never a fragment such as "Magma
rises through"), different from the scene before's, or the heading the person wrote over the scene."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from tests.headline_table import TABLE, why_not_a_phrase
from videocreator import pipeline
from videocreator.backend import ImageRequest
from videocreator.images.card import scene_headline
from videocreator.images.headlines import candidates
from videocreator.project import OwnText, ProjectFolder, Settings, StageChoice
from videocreator.report import how_it_works


@pytest.mark.parametrize(("language", "title", "prompt", "verbs", "modifiers"), TABLE)
def test_a_scenes_headline_reads_as_a_phrase_of_it(
    language: str, title: str, prompt: str, verbs: str, modifiers: str
):
    request = ImageRequest(prompt, 540, 960, seed=1, title=title, language=language)
    headline = scene_headline(request).text
    assert why_not_a_phrase(headline, language, prompt, verbs, modifiers) is None, headline


def _lemmas(headline: str, language: str) -> frozenset[str]:
    found = [p.lemmas for p in candidates(headline, language) if p.text.casefold() == headline.casefold()]
    return found[0] if found else frozenset(headline.casefold().split())


def _script_headlines(folder: ProjectFolder) -> list[str]:
    return [scene.image_details["headline"] for scene in folder.project.scenes]


def _drawn(folder: ProjectFolder) -> list[tuple[str, list[str]]]:
    """Each card's headline and pictograms: what a scene's card shows of the script around it."""
    return [
        (scene.image_details["headline"], [p["char"] for p in scene.image_details["pictograms"]])
        for scene in folder.project.scenes
    ]


def test_neighbouring_scenes_never_share_a_headline(tmp_path: Path):
    """Three scenes in a row where the sun shines (the cards all read "Sun shines"), made by the pipeline:
    each card's headline differs from the one before (no lemma set holding the other), and an edit remakes
    the cards whose headline (or pictograms) it changes and no other."""
    settings = Settings(resolution="360p", images=StageChoice("card"))
    folder = pipeline.new_project("Photosynthesis", tmp_path / "project", settings=settings)
    rows = [
        ("The sun shines on the leaves of the plant.", ""),
        ("When the sun shines, the leaves catch its light.", ""),
        ("As the sun shines, the plant turns light and water into sugar.", ""),
        ("The sun shines, and the sugar feeds the plant.", ""),
        ("Sugar feeds the plant.", ""),
    ]
    pipeline.set_script(folder, "Photosynthesis", rows)
    pipeline.make_images(folder)
    shown = _script_headlines(folder)
    assert all(shown[:4]), shown
    for before, after in itertools.pairwise(shown):
        if before and after:
            a, b = _lemmas(before, "en"), _lemmas(after, "en")
            assert not (a <= b or b <= a), f"{before!r} then {after!r}"
    assert "sun shines" not in " ".join(shown).casefold()

    scenes = folder.project.scenes
    pipeline.update_scene(folder, scenes[4], narration="Sugar feeds the growing plant.")
    assert [pipeline.image_is_current(folder, s) for s in scenes] == [True] * 4 + [False]
    before = _drawn(folder)
    pipeline.update_scene(folder, scenes[0], narration="Light falls on the leaves.")
    remade = [not pipeline.image_is_current(folder, s) for s in scenes]
    pipeline.make_images(folder)
    changed = [a != b for a, b in zip(before, _drawn(folder), strict=True)]
    assert changed[1], "the second card no longer repeats 'Light'"
    assert remade[:4] == changed[:4], "a card is remade exactly when what it shows or its own text changes"


SOURCE = """# Rivers

Rivers carry water from the hills down to the sea, and they carve deep valleys on the way.

## Why this matters to us

Most towns were built beside a river. People drink its water, grow food with it and move goods on it.

Floods can ruin a harvest in one night, so farmers watch the river all year round.
"""


def test_a_heading_of_the_persons_text_becomes_that_scenes_headline(tmp_path: Path):
    settings = Settings(resolution="360p", script=StageChoice("text"), images=StageChoice("card"))
    folder = pipeline.new_project(
        "", tmp_path / "project", settings=settings, own_text=OwnText(SOURCE), language="en"
    )
    pipeline.write_script(folder)
    pipeline.make_images(folder)
    scenes = folder.project.scenes
    assert [scene.heading for scene in scenes][:1] == ["Rivers"]
    (n,) = [n for n, scene in enumerate(scenes) if scene.heading == "Why this matters to us"]
    assert scenes[n].image_details["headline"] == "Why this matters to us"
    assert scenes[n].image_details["headline_from"] == "your heading"
    assert all(not scene.heading for scene in scenes[n + 1 :]), "only the first scene under a heading"
    # The first heading is the video's title, shown above every card: the first scene says something else.
    assert scenes[0].image_details["headline_from"] == "the scene's words"
    assert scenes[0].image_details["headline"] not in ("", "Rivers")
    assert "- Headline: Why this matters to us (your heading)" in how_it_works(folder)

    stored = json.loads((folder.root / "project.json").read_text())
    for scene in stored["scenes"]:
        del scene["heading"]  # a project saved before scenes had headings
    (folder.root / "project.json").write_text(json.dumps(stored))
    assert [s.heading for s in ProjectFolder.open(folder.root).project.scenes] == [""] * len(scenes)


def test_a_negative_contraction_is_a_verb_never_a_headline():
    """The local model wrote "they can't see"; HanTa, not knowing "can't", tagged it a noun, and a card's
    headline read "Can't" where the scene before had taken the better phrases."""
    said = "The layers are so thin that they can't see. The rock isn't hot, and it won’t melt."
    found = [phrase.text for phrase in candidates(said, "en")]
    assert found and not [text for text in found if "n't" in text or "n’t" in text], found
