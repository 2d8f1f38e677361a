"""Files shipped in ``assets/``: fonts and the bundled music."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def assets_dir() -> Path:
    """The repository's ``assets/`` folder, or the copy a wheel installs as ``videocreator_assets``."""
    beside = Path(__file__).resolve().parent.parent / "assets"
    if beside.is_dir():
        return beside
    return Path(str(resources.files("videocreator_assets")))


def bundled_music() -> Path:
    return assets_dir() / "music" / "soft-horizon.ogg"
