"""The credits of a video: what the licences of the shipped pictograms, fonts and music ask for, for those
that this video used (``assets/*/LICENSES.md`` and ``assets/music/README.md`` say where each comes from).

The pictograms are credited when the offline illustrator drew any; the bundled track when it plays; each
typeface that draws a word of the video (its title, the cards' headlines, the captions, the credits), by
the family and licence its font file states. A person's own music and pictures are theirs to credit.
"""

from __future__ import annotations

from collections import defaultdict
from functools import lru_cache
from pathlib import Path

from fontTools.ttLib import TTFont

from .project import Project
from .typography import runs

PICTOGRAMS = "Pictograms: Fluent Emoji © Microsoft Corporation (MIT License)"
MUSIC = "Music: “Soft Horizon”, made for VideoCreator (CC0 1.0)"
_LICENCE_NAMES = {
    "scripts.sil.org/OFL": "SIL Open Font License 1.1",
    "apache.org/licenses/LICENSE-2.0": "Apache License 2.0",
}


@lru_cache(maxsize=16)
def typeface(font: Path) -> tuple[str, str]:
    """A font file's family name and licence, as the file itself states them (its name table)."""
    with TTFont(str(font), lazy=True) as loaded:
        names = loaded["name"]
        family, url = names.getDebugName(1) or font.stem, names.getDebugName(14) or ""
    licence = next((name for part, name in _LICENCE_NAMES.items() if part in url), url or "see its licence")
    return family, licence


def typefaces(texts: list[str]) -> list[str]:
    """One line per licence naming the typefaces that draw ``texts``, e.g. "Type: Noto Sans, Noto Sans
    Arabic (SIL Open Font License 1.1)"."""
    fonts = {run.font for text in texts for run in runs(text, "bold")}
    by_licence: dict[str, set[str]] = defaultdict(set)
    for font in fonts:
        family, licence = typeface(font)
        by_licence[licence].add(family)
    return [
        f"Type: {', '.join(sorted(families))} ({licence})" for licence, families in sorted(by_licence.items())
    ]


def shown_texts(project: Project) -> list[str]:
    """Every text the video shows: its title, each card's headline, and the narration as captions."""
    headlines = [str(scene.image_details.get("headline", "")) for scene in project.scenes]
    captions = [scene.narration for scene in project.scenes] if project.settings.captions.enabled else []
    return [project.title or project.topic, *headlines, *captions]


def for_project(project: Project) -> tuple[str, ...]:
    """The lines of the video's end card: the typefaces, and the pictograms and music where used."""
    drawn = any(scene.image_details.get("pictograms") for scene in project.scenes)
    assets = [
        line for line, used in ((PICTOGRAMS, drawn), (MUSIC, project.settings.music == "default")) if used
    ]
    # The credits are shown too: their own typeface counts ("Type" stands for the lines naming them).
    return (*typefaces([*shown_texts(project), *assets, "Type"]), *assets)
