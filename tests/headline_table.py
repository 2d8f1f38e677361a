"""Scene narrations and what a headline drawn from them may not be, for tests/test_headlines.py.

Each row: the language, the video's title (the local writer's prompts start with it: "Volcanoes: ..."),
the picture prompt, its verbs (they neither start nor end a phrase, unless it is the whole sentence)
and, in English and German, its adjectives and adverbs (they may start a phrase, "Black holes", never
end one; in the Romance languages an adjective may end one: "corteza terrestre"). The first rows are the
sentences behind the fragments the cards used to show ("Magma rises through", "Money buys fewer",
"Single large", "Earth starts", "Called photosynthesis", "Clouds to hit", and "Sun shines" three scenes
in a row).
"""

from __future__ import annotations

import re

TABLE: list[tuple[str, str, str, str, str]] = [
    # language, title, picture prompt, its verbs, its adjectives and adverbs (English and German)
    ("en", "", "Magma rises through cracks in the Earth's crust.", "rises", ""),
    ("en", "Volcanoes", "Volcanoes: Magma rises through cracks in the Earth's crust and erupts as lava.",
     "rises erupts", ""),
    ("en", "Inflation", "Inflation: Money buys fewer things when prices go up.", "buys go", "up"),
    ("en", "", "Long ago, all the land on Earth was joined in a single large continent called Pangaea.",
     "joined called", "long ago single large"),
    ("en", "Earthquakes", "Earthquakes: The Earth starts to shake when two plates suddenly slip past each "
     "other.", "starts shake slip", "suddenly past"),
    ("en", "", "Plants make their own food through a process called photosynthesis.", "make called", "own"),
    ("en", "", "Drops of water grow heavy and fall from the clouds to hit the ground.", "grow fall hit",
     "heavy"),
    ("en", "Photosynthesis", "Photosynthesis: The sun shines on the leaves of the plant.", "shines", ""),
    ("en", "Photosynthesis", "Photosynthesis: When the sun shines, the leaves catch its light.",
     "shines catch", ""),
    ("en", "Photosynthesis", "Photosynthesis: As the sun shines, the plant turns light and water into sugar.",
     "shines turns", ""),
    ("en", "", "Light from the sun takes about eight minutes to reach the Earth.", "takes reach", "about"),
    ("en", "", "Rising magma pushes the crust upward, and the melted rock cools into new land.",
     "pushes cools", "upward new"),
    ("en", "", "Bees carry pollen from flower to flower.", "carry", ""),
    ("en", "", "Honey bees store nectar in wax cells and fan it with their wings until it thickens.",
     "store fan thickens", ""),
    ("en", "", "The heart pumps blood through the body about seventy times a minute.", "pumps", "about"),
    ("en", "", "Black holes bend light so strongly that nothing can escape them.", "bend escape",
     "black strongly"),
    ("en", "", "DNA carries the instructions that tell each cell how to grow.", "carries tell grow", ""),
    ("en", "", "Glaciers carve deep valleys as they slowly move downhill.", "carve move",
     "deep slowly downhill"),
    ("en", "", "In 1969, Neil Armstrong became the first person to walk on the Moon.", "became walk",
     "first"),
    ("en", "", "The Roman Empire built roads that stretched across Europe.", "built stretched", "roman"),
    ("en", "", "The printing press, invented by Gutenberg around 1440, made books cheap.", "invented made",
     "around cheap"),
    ("en", "", "Ancient Egyptians built the pyramids as tombs for their kings.", "built", "ancient"),
    ("en", "", "The Berlin Wall fell in 1989, and Germany was united a year later.", "fell united", "later"),
    ("en", "", "Columbus sailed west in 1492, hoping to reach Asia.", "sailed hoping reach", "west"),
    ("en", "", "First, turn off the power at the breaker.", "turn", "first off"),
    ("en", "", "Mix the flour and the water until the dough is smooth.", "mix", "smooth"),
    ("en", "", "Let the bread cool on a rack before you slice it.", "let cool slice", ""),
    ("en", "", "Water the seedlings every morning, but never let the soil get soggy.", "water let get",
     "never soggy"),
    ("en", "", "Tighten each bolt a little at a time, in a star pattern.", "tighten", "little"),
    ("en", "Money", "Money: Saving a small amount every month adds up over the years.", "saving adds",
     "small up"),
    ("es", "", "Las abejas llevan el polen de flor en flor.", "llevan", ""),
    ("es", "", "El magma sube por las grietas de la corteza terrestre.", "sube", ""),
    ("es", "", "Las plantas usan la luz del sol para fabricar su alimento.", "usan fabricar", ""),
    ("fr", "", "La tortue de mer pond ses œufs sur la plage.", "pond", ""),
    ("fr", "", "Les plantes fabriquent leur nourriture grâce à la lumière du soleil.", "fabriquent", ""),
    ("fr", "", "Pendant la Révolution française, le peuple de Paris prend la Bastille.", "prend", ""),
    ("de", "", "Die Rakete fliegt zum Mond und bringt drei Astronauten zurück.", "fliegt bringt", "zurück"),
    ("de", "", "Die Bienen sammeln den Nektar der Blüten.", "sammeln", ""),
    ("de", "", "Vulkane entstehen, wo Magma durch die Erdkruste aufsteigt.", "entstehen aufsteigt", ""),
    ("it", "", "Il magma risale attraverso le fessure della crosta terrestre.", "risale", ""),
    ("pt", "", "As abelhas produzem mel a partir do néctar das flores.", "produzem", ""),
]  # fmt: skip

ARTICLES = {
    "en": "the a an",
    "es": "el la los las un una",
    "fr": "le la les l' un une",
    "de": "der die das den dem des ein eine einen einem einer",
    "it": "il lo la i gli le l' un una",
    "pt": "o a os as um uma",
}
# Words that never end a phrase, nor (articles aside) start one: articles, prepositions, conjunctions,
# pronouns, quantifiers, auxiliaries.
FUNCTION = {
    "en": "of from to in on at by with for through into over under past as and or but when while until "
    "because if so that than then which who what how it its they them their he she his her we our you your "
    "this these those is are was were be been has have had do does did can could will would may might must "
    "should not no some any every each all few fewer many more most much other such very just also only",
    "es": "de del a al en con por para sin sobre entre y o pero que cuando como donde se su sus lo es son "
    "está están fue ha han hay muy más cada todo todos mucho muchos",
    "fr": "de d' du des à au aux en dans avec pour par sur sans et ou mais que qui quand comme où se s' son "
    "sa ses leur leurs est sont a ont été très plus chaque tout tous grâce",
    "de": "von vom zu zum zur in im an am auf mit für durch aus und oder aber wenn als wie wo dass sich sein "
    "seine ihr ihre ist sind war hat haben wird werden sehr auch jede jeder alle",
    "it": "di del della dei delle a al alla in nel nella con per su tra e o ma che quando come dove si suo "
    "sua è sono ha hanno molto ogni tutto tutti attraverso",
    "pt": "de do da dos das a ao em no na com por para sem e ou mas que quando como onde se seu sua é são "
    "foi tem muito cada todo todos partir",
}


def _words(text: str) -> list[str]:
    return re.findall(r"\w+(?:['’]\w+)*'?", text.casefold())


def why_not_a_phrase(headline: str, language: str, prompt: str, verbs: str, modifiers: str) -> str | None:
    """Why ``headline`` does not read as a phrase of ``prompt``, or None when it does: it must stand in the
    prompt, end with neither a function word nor a verb nor a modifier, and start with neither a function
    word (articles aside) nor a verb; a whole sentence may end with its verb ("The sun shines")."""
    if not headline:
        return "no headline"
    if not re.search(rf"(?<!\w){re.escape(headline.casefold())}(?!\w)", prompt.casefold()):
        return "not the scene's own words"
    words = _words(headline)
    function = set(FUNCTION[language].split())
    articles = set(ARTICLES[language].split())
    verb_set, modifier_set = set(verbs.split()), set(modifiers.split())
    if words[-1] in function | articles | modifier_set:
        return f"ends with {words[-1]!r}"
    if words in [_words(sentence) for sentence in re.split(r"[.!?;:]", prompt)]:
        return None
    if words[0] in (function - articles) | verb_set:
        return f"starts with {words[0]!r}"
    if words[-1] in verb_set:
        return f"ends with {words[-1]!r}"
    return None
