"""Pictograms of each scene of a script, by what sets it apart from the others; never for a verb alone; and
in Japanese and Chinese (written without spaces), Arabic, Hindi and Russian."""

from __future__ import annotations

from dataclasses import replace
from itertools import pairwise
from pathlib import Path

import pytest

from videocreator import pipeline, registry
from videocreator.backend import ImageRequest
from videocreator.images import pictograms
from videocreator.project import Settings, StageChoice
from videocreator.stage import Stage
from videocreator.stages.images import image_request

SKY = (
    "Why is the sky blue? It starts with sunlight, which looks white but holds every colour of the rainbow",
    "When sunlight enters the air, it hits tiny molecules of nitrogen and oxygen",
    "Blue light scatters off those molecules far more than red light, so it spreads across the whole sky",
    "Wherever you look, scattered blue light reaches your eyes, so the sky looks blue",
    "At sunset, sunlight crosses much more air, the blue is scattered away, and the sky glows red and orange",
)
PHOTOSYNTHESIS = (
    "Plants make their own food from sunlight, water and air",
    "Inside each leaf, a green pigment called chlorophyll catches the sunlight",
    "Roots pull water up from the soil, through the stem, into the leaves",
    "In 1779, Dr. Jan Ingenhousz found that leaves give off oxygen, but only in sunlight",
    "The sugar feeds the plant, and the oxygen it releases is the air we breathe",
)
VOLCANO = (
    "Deep under a volcano lies a chamber full of hot magma",
    "Gas bubbles in the magma build up enormous pressure",
    "The pressure breaks the rock above, and the volcano erupts",
    "Red hot lava flows down the mountain and burns the forest",
    "Clouds of ash rise high into the sky and fall on towns far away",
)
LEAF = "leaf fluttering in wind"
# Per scene, pictograms that fit it: at least one is drawn (an empty set: drawing none is fine).
SCRIPTS = {
    "sky": (SKY, [{"rainbow"}, {"sun"}, set(), {"eyes"}, {"sunset"}]),
    "photosynthesis": (PHOTOSYNTHESIS, [{"seedling"}, {LEAF}, {"droplet"}, {LEAF, "sun"}, {"seedling"}]),
    "volcano": (VOLCANO, [{"volcano"}, {"bubbles"}, {"rock"}, {"mountain", "volcano"}, {"cloud"}]),
}
# Scenes that alone would draw what the scene before them draws.
SAME_SUN = (
    "The sun rises over the hills",
    "The sun warms the hills and the fields",
    "At noon the sun stands high over the fields",
)
# (language, scene, pictograms that fit it)
LANGUAGES = [
    ("ja", "火山は地下のマグマが地表に噴き出すことでできる山です", {"volcano"}),
    ("ja", "ミツバチは花から花へ花粉を運びます", {"honeybee"}),
    ("ja", "太陽の光が地球に届くまで八分かかります", {"sun"}),
    ("ja", "ゾウは水飲み場を何十年も覚えています", {"elephant"}),
    ("ja", "葉は日光を浴びて酸素を作ります", {LEAF}),
    ("zh", "火山喷发时，岩浆从地下涌出", {"volcano"}),
    ("zh", "蜜蜂把花粉从一朵花带到另一朵花", {"honeybee"}),
    ("zh", "阳光照在树叶上", {"sun"}),
    ("zh", "大象能记住水源的位置几十年", {"elephant"}),
    ("zh", "火箭飞向太空", {"rocket"}),
    ("ar", "البركان يقذف الحمم الساخنة", {"volcano"}),
    ("ar", "النحل ينقل حبوب اللقاح من زهرة إلى زهرة", {"honeybee"}),
    ("ar", "الفيل يشرب الماء من النهر", {"elephant"}),
    ("ar", "الصاروخ ينطلق إلى الفضاء", {"rocket"}),
    ("hi", "ज्वालामुखी से गर्म लावा निकलता है", {"volcano"}),
    ("hi", "मधुमक्खियाँ फूलों से पराग ले जाती हैं", {"honeybee"}),
    ("hi", "हाथी नदी से पानी पीता है", {"elephant"}),
    ("hi", "रॉकेट अंतरिक्ष की ओर उड़ता है", {"rocket"}),
    ("ru", "Вулкан извергает горячую лаву", {"volcano"}),
    ("ru", "Пчёлы переносят пыльцу с цветка на цветок", {"honeybee"}),
    ("ru", "Слон пьёт воду из реки", {"elephant"}),
    ("ru", "Ракета летит в космос", {"rocket"}),
]
# Scenes whose verbs ("called", "rang", "running", "it starts") have pictures of their own (a phone calling,
# a ring, a person running, ...): (scene, the verb).
VERBS = [
    ("He called his mother from the station", "called"),
    ("Alexander Graham Bell called his assistant on the telephone", "called"),
    ("Scientists called it a breakthrough", "called"),
    ("The bell rang twice", "rang"),
    ("He was running late", "running"),
    ("When it starts, they swim to the shore", "starts"),
]


def _drawn(script: tuple[str, ...], language: str = "en") -> list[list[str]]:
    return [
        [p.name for p in pictograms(text, language, script=script, position=n)]
        for n, text in enumerate(script)
    ]


@pytest.mark.parametrize("name", SCRIPTS)
def test_each_scene_of_a_script_draws_what_fits_it(name: str):
    script, fitting = SCRIPTS[name]
    drawn = _drawn(script)
    assert all(not wanted or wanted & set(names) for names, wanted in zip(drawn, fitting, strict=True)), drawn


@pytest.mark.parametrize("script", [SAME_SUN, SKY, PHOTOSYNTHESIS, VOLCANO], ids=["sun", *SCRIPTS])
def test_neighbouring_scenes_never_draw_the_same_set(script: tuple[str, ...]):
    drawn = _drawn(script)
    assert all(not a or set(a) != set(b) for a, b in pairwise(drawn)), drawn


def test_scenes_that_alone_draw_the_same_draw_something_else_in_their_script():
    alone = [[p.name for p in pictograms(text)] for text in SAME_SUN]
    assert alone == [["sun"]] * 3, "each scene alone draws the sun"
    drawn = _drawn(SAME_SUN)
    assert drawn[0] == ["sun"] and drawn[1] != ["sun"] and drawn[2] != drawn[1], drawn


def test_a_picture_most_scenes_fit_is_not_drawn_in_most_of_them():
    """ "Why the sky is blue": sunlight in three scenes, the sunset in a fourth; the sun once or twice."""
    alone = [[p.name for p in pictograms(text)] for text in SKY]
    assert sum("sun" in names for names in alone) >= 3
    assert sum("sun" in names for names in _drawn(SKY)) <= 2, _drawn(SKY)


def test_a_word_every_scene_says_ranks_below_one_only_this_scene_says():
    script = (
        "The volcano sleeps under the snow",
        "Inside the volcano, the magma rises slowly",
        "The volcano throws rock and ash into the air",
        "People watch the volcano from the safe valley",
    )
    assert pictograms(script[2])[0].name == "volcano", "alone, the volcano comes first"
    assert _drawn(script)[2][0] == "rock", "in the script, what only this scene shows comes first"


def test_a_scene_whose_words_other_scenes_share_still_draws_them():
    """The scene of Jan Ingenhousz (a name that has no picture) shares sunlight, oxygen and leaves with the
    rest of the script: it still draws what fits it."""
    assert {LEAF, "sun"} <= set(_drawn(PHOTOSYNTHESIS)[3])


@pytest.mark.parametrize(("scene", "verb"), VERBS)
def test_a_verb_never_picks_a_picture_alone(scene: str, verb: str):
    found = pictograms(scene)
    assert all(set(p.words) != {verb} for p in found), [(p.name, p.words) for p in found]
    assert not any(p.name in {"mobile phone with arrow", "ring", "person running"} for p in found)


def test_things_come_before_symbols():
    """CLDR's symbols (the medical staff, the wheelchair sign) count for less than things."""
    assert [p.name for p in pictograms("Doctors use medical tools in the hospital")] == ["hospital", "x-ray"]
    assert pictograms("The wheelchair ramp leads to the library")[0].name == "books"


@pytest.mark.parametrize(("language", "scene", "wanted"), LANGUAGES)
def test_languages_in_other_scripts_get_fitting_pictograms(language: str, scene: str, wanted: set[str]):
    found = pictograms(scene, language)
    assert wanted & {p.name for p in found}, [(p.name, p.words) for p in found]
    assert all(p.words and all(word in scene for word in p.words) for p in found), "the words it stands for"


def test_words_without_spaces_are_found_longest_first_and_whole():
    assert [p.name for p in pictograms("火山が見える", "ja")] == ["volcano"], "火山, not 火 (fire) and 山"
    assert pictograms("経済はゆっくりと成長した", "ja") == [], "no chestnut (くり) inside ゆっくり (slowly)"
    assert [p.name for p in pictograms("くりを食べる", "ja")] == ["chestnut"]
    assert [p.name for p in pictograms("火山", "zh-CN")] == ["volcano"], "a regional code is its language"


def test_the_card_maker_pictures_a_scene_within_its_script():
    maker = registry.create(Stage.IMAGES, "card")
    request = ImageRequest(SAME_SUN[1], 540, 960, seed=1, index=1, total=3, script=SAME_SUN)
    assert [p["name"] for p in maker.details(request)["pictograms"]] != ["sun"]
    alone = replace(request, script=(), index=0, total=1)
    assert [p["name"] for p in maker.details(alone)["pictograms"]] == ["sun"]
    chosen = replace(request, pictograms=("☀️",))
    assert [p["name"] for p in maker.details(chosen)["pictograms"]] == ["sun"], "a person's choice stands"
    edited = replace(request, script=(SAME_SUN[0], SAME_SUN[1], "A storm hits the coast"))
    assert maker.request_key(edited) == maker.request_key(request), "an edit that changes nothing drawn here"
    without = replace(request, script=())
    assert maker.request_key(without) != maker.request_key(request), "what the script makes it draw is keyed"


def test_the_pipeline_gives_the_card_maker_every_scene_of_the_script(tmp_path: Path):
    folder = pipeline.new_project("Owls", tmp_path / "p", settings=Settings(script=StageChoice("template")))
    pipeline.write_script(folder, 3)
    first, _, last = folder.project.scenes
    pipeline.update_scene(folder, last, image_prompt="A storm hits the coast")
    sent = image_request(folder.project, first)
    assert sent.script == tuple(s.image_prompt or s.narration for s in folder.project.scenes)
    assert sent.script[-1] == "A storm hits the coast" and sent.index == 0
