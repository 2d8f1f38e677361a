"""A voice's pace: letters per second, measured once per voice on a calibration paragraph and remembered."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

from platformdirs import user_cache_dir

from .. import keys
from ..backend import Narrator
from ..files import write_json
from ..languages import language_code
from ..source.pace import count_letters

USUAL_LETTERS_PER_SECOND = 14.0  # a narrator's pace before one has been measured
# Explanatory prose like the texts people turn into videos: plain and long words, a list, a number.
CALIBRATION = {
    "en": "Scientists have studied volcanoes for more than two hundred years. Deep underground, rock melts "
    "into magma, which is lighter than the solid rock around it, so it slowly rises toward the surface. "
    "When the pressure becomes too great, the volcano erupts, releasing ash, gas and lava. Some eruptions "
    "last only a few hours, while others continue for several months and change the landscape completely.",
    "es": "Los científicos estudian los volcanes desde hace más de doscientos años. Bajo tierra, la roca se "
    "funde y forma magma, que es más ligero que la roca sólida que lo rodea, así que sube poco a poco hacia "
    "la superficie. Cuando la presión es demasiado grande, el volcán entra en erupción y expulsa ceniza, "
    "gases y lava. Algunas erupciones duran solo unas horas, mientras que otras continúan durante varios "
    "meses y cambian el paisaje por completo.",
    "de": "Wissenschaftler erforschen Vulkane seit mehr als zweihundert Jahren. Tief unter der Erde schmilzt "
    "Gestein zu Magma, das leichter ist als das feste Gestein um es herum, und steigt deshalb langsam zur "
    "Oberfläche auf. Wenn der Druck zu groß wird, bricht der Vulkan aus und schleudert Asche, Gas und Lava "
    "heraus. Manche Ausbrüche dauern nur wenige Stunden, andere halten mehrere Monate an und verändern die "
    "Landschaft vollständig.",
    "fr": "Les scientifiques étudient les volcans depuis plus de deux cents ans. Sous terre, la roche fond "
    "et devient du magma, plus léger que la roche solide qui l'entoure, si bien qu'il remonte lentement vers "
    "la surface. Quand la pression devient trop forte, le volcan entre en éruption et rejette des cendres, "
    "des gaz et de la lave. Certaines éruptions ne durent que quelques heures, tandis que d'autres se "
    "poursuivent pendant plusieurs mois et transforment complètement le paysage.",
}


def _cache_file() -> Path:
    return Path(user_cache_dir("videocreator")) / "pace.json"


def measure_pace(
    narrator: Narrator, speed: float = 1.0, language: str = "en", cache_file: Path | None = None
) -> float:
    """Letters per second of this voice, measured once on a calibration paragraph and then remembered."""
    file = cache_file or _cache_file()
    paragraph = CALIBRATION.get(language_code(language), CALIBRATION["en"])
    key = keys.pace(narrator, speed, language, paragraph)
    try:
        known: dict[str, float] = json.loads(file.read_text())
    except (OSError, ValueError):
        known = {}
    if key in known:
        return known[key]
    speech = narrator.narrate(paragraph, speed=speed, language=language)
    pace = round(count_letters(paragraph) / speech.duration, 3)
    with contextlib.suppress(OSError):
        write_json(file, {**known, key: pace})
    return pace
