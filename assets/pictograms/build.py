"""Builds this folder (``index.json`` and ``svg/``) from two npm packages; not used at run time.

    mkdir /tmp/pictograms && cd /tmp/pictograms
    npm pack emojibase-data@17.0.0 fluentui-emoji@1.3.0
    for f in *.tgz; do mkdir "${f%.tgz}" && tar xzf "$f" -C "${f%.tgz}"; done
    python assets/pictograms/build.py /tmp/pictograms   # from the repository root, with the .venv active

It keeps a curated subset of concrete things (animals, plants, food, places, transport, objects, body
parts, roles, a few symbols; no faces, flags, skin-tone or gender variants, clock faces), copies their
flat Fluent Emoji SVGs (whitespace collapsed) and writes, per pictogram and per language, the lemmas
(simplemma) of its CLDR name, its aliases (English shortcodes and the curated ALIASES below) and its CLDR
keywords (emojibase-data). The card maker matches a scene's lemmas against these.
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from pathlib import Path

import simplemma

LANGUAGES = ("en", "es", "fr", "de", "pt", "it", "nl")
GROUPS = {3, 4, 5, 6, 7}  # animals-nature, food-drink, travel-places, activities, objects
PEOPLE_SUBGROUPS = {22, 23, 25, 27, 28}  # body parts, person, roles, activities, sport
EXTRA = {"2764", "1F4A5", "1F4AC", "1F4AD", "1F4A4", "26A0", "2622", "2623", "269B", "2695", "267B", "267F"}
SKIP_LABEL = re.compile(r"^(man|woman|men|women|old man|old woman)\b|:|o’clock|-thirty|^(boy|girl)$")
# Generic nouns whose CLDR keywords are shared by many pictograms: the one that stands for them. Words are
# separated by spaces; "_" joins the words of one alias ("fire_truck"). English unless a dict names languages.
ALIASES: dict[str, str | dict[str, str]] = {
    "1F33C": "flower flowers",
    "1F30D": "earth world planet globe",
    "2600": "sunlight sunshine sunny",
    "1F333": "tree trees forest",
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
    "1F680": "space spaceship",
    "1F308": "rainbow",
    "1F321": "temperature heat",
    "1F9CA": "ice",
    "1F331": "plant seed",
    "1F692": dict(en="fire_truck firetruck", es="camión_de_bomberos", pt="caminhão_de_bombeiros"),
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


def lemmas(text: str, language: str) -> list[list[str]]:
    """Each word of ``text`` as its forms: as written and its lemma (simplemma is wrong now and then)."""
    words = simplemma.simple_tokenizer(text.replace("_", " ").replace("-", " "))
    words = [w.casefold() for w in words if len(w) > 2 and any(c.isalpha() for c in w)]
    return [list(dict.fromkeys([w, simplemma.lemmatize(w, lang=language).casefold()])) for w in words]


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


def terms(record: dict, language: str, shortcodes: list[str]) -> dict[str, list]:
    """The name's words, each alias's words and the keywords, every word as its forms."""
    name = lemmas(record["label"], language)
    aliases = [lemmas(code, language) for code in shortcodes]
    aliases += [lemmas(word, language) for word in curated(ALIASES, record["hexcode"], language).split()]
    keywords = [*record.get("tags", []), *curated(KEYWORDS, record["hexcode"], language).split()]
    words = [forms for tag in keywords for forms in lemmas(tag, language) if forms not in name]
    tags = list({tuple(forms): forms for forms in words}.values())
    return {"name": name, "aliases": [a for a in aliases if a and a != name], "tags": tags}


def curated(table: dict, hexcode: str, language: str) -> str:
    words = table.get(hexcode, "")
    return words.get(language, "") if isinstance(words, dict) else words if language == "en" else ""


def build(source: Path, out: Path) -> None:
    data = source / "emojibase-data-17.0.0" / "package"
    icons = source / "fluentui-emoji-1.3.0" / "package" / "icons" / "flat"
    english = json.loads((data / "en" / "data.json").read_text())
    local = {
        lang: {r["hexcode"]: r for r in json.loads((data / lang / "data.json").read_text())}
        for lang in LANGUAGES
    }
    codes = json.loads((data / "en" / "shortcodes" / "emojibase.json").read_text())
    (out / "svg").mkdir(parents=True, exist_ok=True)
    entries = []
    for record in english:
        path = svg_file(icons, record["label"]) if wanted(record) else None
        if path is None:
            continue
        code = codes.get(record["hexcode"], [])
        shortcodes = [code] if isinstance(code, str) else code
        words = {
            lang: terms(local[lang].get(record["hexcode"], record), lang, shortcodes if lang == "en" else [])
            for lang in LANGUAGES
        }
        file = f"{record['hexcode'].lower()}.svg"
        (out / "svg" / file).write_text(minified(path.read_text()))
        entries.append({"char": record["emoji"], "name": record["label"], "file": file, "words": words})
    about = (
        "Generated by assets/pictograms/build.py from emojibase-data 17.0.0 and fluentui-emoji 1.3.0 (flat)."
    )
    index = {"about": about, "languages": list(LANGUAGES), "pictograms": entries}
    (out / "index.json").write_text(json.dumps(index, ensure_ascii=False, separators=(",", ":")))
    print(f"{len(entries)} pictograms")


if __name__ == "__main__":
    build(Path(sys.argv[1]), Path(__file__).resolve().parent)
