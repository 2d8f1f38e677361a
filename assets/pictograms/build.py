"""Builds this folder (``index.json`` and ``svg/``) from three npm packages; not used at run time.

    mkdir /tmp/pictograms && cd /tmp/pictograms
    npm pack emojibase-data@17.0.0 fluentui-emoji@1.3.0 cldr-annotations-full@48.2.0
    for f in *.tgz; do mkdir "${f%.tgz}" && tar xzf "$f" -C "${f%.tgz}"; done
    python assets/pictograms/build.py /tmp/pictograms   # from the repository root, with the .venv active

It keeps a curated subset of concrete things (animals, plants, food, places, transport, objects, body
parts, roles, a few symbols; no faces, flags, skin-tone or gender variants, clock faces), copies their
flat Fluent Emoji SVGs (whitespace collapsed) and writes, per pictogram, its CLDR group (animals-nature,
objects, symbols, ...) and per language the lemmas (simplemma) of its CLDR name, its aliases (English
shortcodes and the curated ALIASES below) and its CLDR keywords (emojibase-data; Arabic, which
emojibase-data lacks, from CLDR's own annotations). Japanese and Chinese are written without spaces: their
names and keywords are kept whole, and the card maker finds them as substrings of a scene. The card maker
matches a scene's lemmas against these.
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from pathlib import Path

import simplemma

LANGUAGES = ("en", "es", "fr", "de", "pt", "it", "nl", "ja", "zh", "ar", "hi", "ru")
UNSPACED = {"ja", "zh"}  # no spaces between words: names and keywords are kept whole
CLDR_ONLY = {"ar"}  # languages emojibase-data does not have: read from CLDR's annotations
SHORT = {"en": 3, "es": 3, "fr": 3, "de": 3, "pt": 3, "it": 3, "nl": 3}  # shortest word kept; others: 2
GROUPS = {3, 4, 5, 6, 7}  # animals-nature, food-drink, travel-places, activities, objects
PEOPLE_SUBGROUPS = {22, 23, 25, 27, 28}  # body parts, person, roles, activities, sport
EXTRA = {"2764", "1F4A5", "1F4AC", "1F4AD", "1F4A4", "26A0", "2622", "2623", "269B", "2695", "267B", "267F"}
SKIP_LABEL = re.compile(r"^(man|woman|men|women|old man|old woman)\b|:|o’clock|-thirty|^(boy|girl)$")
# Generic nouns whose CLDR keywords are shared by many pictograms: the one that stands for them. Words are
# separated by spaces; "_" joins the words of one alias ("fire_truck"). English unless a dict names languages.
ALIASES: dict[str, str | dict[str, str]] = {
    "1F33C": "flower flowers",
    "1F30D": "earth world planet globe",
    "1FAC0": "heart",  # the organ; the red heart (love) and the heart suit share it
    "2600": dict(en="sunlight sunshine sunny", zh="阳光"),
    "1F333": "tree trees forest",
    "1F343": dict(en="leaf leaves foliage", ja="葉", zh="叶"),
    "1F4B0": "money wealth",
    "1F3B5": "music melody song",
    "1F4A7": "water drop droplet",
    "1F30A": "ocean sea waves",
    "1F9A0": "bacteria virus germ",  # "cell" only as a keyword: the wax cells of a comb are no microbes
    "1F697": "car",
    "1F4F1": "phone smartphone",
    "1F4BB": "computer",
    "1F3E0": "home",
    "1F4DA": "books library",
    "1F6E2": "oil petroleum",
    "1F9EA": "experiment chemistry",
    "1F52C": "science",
    "1F3EB": "school",
    "2708": "airplane plane flight",
    "1F680": dict(en="space spaceship", hi="रॉकेट"),  # Hindi's name is "rocket vehicle"
    "1F308": "rainbow",
    "1F321": "temperature heat",
    "1F9CA": "ice",
    "1F331": "plant seed",
    "1F692": dict(en="fire_truck firetruck", es="camión_de_bomberos", pt="caminhão_de_bombeiros"),
    "1F41D": dict(ar="نحل"),  # "bees", as a kind
    "1F30B": "lava magma eruption",
    "1F36F": dict(en="honey", es="miel", fr="miel", de="honig", pt="mel", it="miele", nl="honing"),
}
# Keywords CLDR lacks, per language.
KEYWORDS = {
    "1F9A0": {"en": "cell"},
    "1F41D": dict(en="hive beehive", es="colmena", fr="ruche", de="bienenstock", pt="colmeia", it="alveare"),
}


def slug(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return "-".join(re.sub(r"[^a-z0-9 ]", "", text.replace("-", " ")).split())


def lemmas(text: str, language: str, name: bool = False) -> list[list[str]]:
    """Each word of ``text`` as its forms: as written and its lemma (simplemma is wrong now and then). An
    English name's -ing word is kept as written: "calling" names no "call", "running" no "runs"."""
    words = simplemma.simple_tokenizer(text.replace("_", " ").replace("-", " "))
    shortest = 1 if language in UNSPACED else SHORT.get(language, 2)
    words = [w.casefold() for w in words if len(w) >= shortest and any(c.isalpha() for c in w)]
    if language in UNSPACED:
        return [[w] for w in words]
    action = name and language == "en"
    return [
        [w] if action and w.endswith("ing") else list(dict.fromkeys([w, lemma(w, language)])) for w in words
    ]


def lemma(word: str, language: str) -> str:
    return simplemma.lemmatize(word, lang=language).casefold()


def wanted(record: dict) -> bool:
    if record["hexcode"] in EXTRA:
        return True
    if SKIP_LABEL.search(record["label"]) or "1F3F" in record["hexcode"]:
        return False
    if record.get("subgroup") == 58 and "clock" in record["label"]:
        return record["label"] in {"alarm clock", "mantelpiece clock"}
    return record.get("group") in GROUPS or record.get("subgroup") in PEOPLE_SUBGROUPS


def svg_file(folder: Path, label: str) -> Path | None:
    for name in (slug(label), f"{slug(label)}-default"):
        if (folder / f"{name}.svg").is_file():
            return folder / f"{name}.svg"
    return None


def minified(svg: str) -> str:
    return re.sub(r">\s+<", "><", " ".join(svg.split()))


def terms(record: dict, language: str, shortcodes: list[str]) -> list:
    """``[name, aliases, keywords]``: the name's words, each alias's words and the keywords, every word as
    its forms joined by "|" ("bees|bee")."""
    name = lemmas(record["label"], language, name=True)
    aliases = [lemmas(code, language, name=True) for code in shortcodes]
    aliases += [
        lemmas(word, language, name=True) for word in curated(ALIASES, record["hexcode"], language).split()
    ]
    keywords = [*record.get("tags", []), *curated(KEYWORDS, record["hexcode"], language).split()]
    if language in UNSPACED:  # "地球（ヨーロッパとアフリカ）": the first part names it, the rest are keywords
        name, keywords = name[:1], [*(w for forms in name[1:] for w in forms), *keywords]
    words = [forms for tag in keywords for forms in lemmas(tag, language) if forms not in name]
    tags = list({tuple(forms): forms for forms in words}.values())
    aliases = [a for a in aliases if a and a != name]
    return [packed(name), [packed(a) for a in aliases], packed(tags)]


def packed(words: list[list[str]]) -> list[str]:
    return ["|".join(forms) for forms in words]


def curated(table: dict, hexcode: str, language: str) -> str:
    words = table.get(hexcode, "")
    return words.get(language, "") if isinstance(words, dict) else words if language == "en" else ""


def cldr_records(annotations: Path, english: list[dict]) -> dict[str, dict]:
    """CLDR's annotations of a language as emojibase-data records: its name ("tts") and keywords."""
    found = json.loads(annotations.read_text())["annotations"]["annotations"]
    records = {}
    for record in english:
        words = found.get(record["emoji"]) or found.get(record["emoji"].replace("\ufe0f", ""))
        if words:
            name = words["tts"][0]
            tags = [t for t in words.get("default", []) if t != name]
            records[record["hexcode"]] = {"hexcode": record["hexcode"], "label": name, "tags": tags}
    return records


def shortcodes(codes: dict, record: dict) -> list[str]:
    code = codes.get(record["hexcode"], [])
    return [code] if isinstance(code, str) else code


def build(source: Path, out: Path) -> None:
    data = source / "emojibase-data-17.0.0" / "package"
    cldr = source / "cldr-annotations-full-48.2.0" / "package" / "annotations"
    icons = source / "fluentui-emoji-1.3.0" / "package" / "icons" / "flat"
    english = json.loads((data / "en" / "data.json").read_text())
    local = {
        lang: cldr_records(cldr / lang / "annotations.json", english)
        if lang in CLDR_ONLY
        else {r["hexcode"]: r for r in json.loads((data / lang / "data.json").read_text())}
        for lang in LANGUAGES
    }
    codes = json.loads((data / "en" / "shortcodes" / "emojibase.json").read_text())
    kept = [
        (record, path) for record in english if wanted(record) and (path := svg_file(icons, record["label"]))
    ]
    # one language at a time: simplemma keeps only a few languages' dictionaries loaded
    words = {
        lang: [terms(local[lang].get(r["hexcode"], r), lang, shortcodes(codes, r) if lang == "en" else [])
               for r, _ in kept]
        for lang in LANGUAGES
    }  # fmt: skip
    (out / "svg").mkdir(parents=True, exist_ok=True)
    entries = []
    for n, (record, path) in enumerate(kept):
        file = f"{record['hexcode'].lower()}.svg"
        (out / "svg" / file).write_text(minified(path.read_text()))
        entry = {"char": record["emoji"], "name": record["label"], "file": file, "group": record.get("group")}
        entries.append({**entry, "words": {lang: words[lang][n] for lang in LANGUAGES}})
    about = (
        "Generated by assets/pictograms/build.py from emojibase-data 17.0.0, cldr-annotations-full 48.2.0 "
        "(Arabic) and fluentui-emoji 1.3.0 (flat)."
    )
    index = {"about": about, "languages": list(LANGUAGES), "pictograms": entries}
    (out / "index.json").write_text(json.dumps(index, ensure_ascii=False, separators=(",", ":")))
    print(f"{len(entries)} pictograms")


if __name__ == "__main__":
    build(Path(sys.argv[1]), Path(__file__).resolve().parent)
