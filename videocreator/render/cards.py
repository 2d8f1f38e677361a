"""The cards around a video's scenes: a title card before them and an end card with the credits after.

They are settings of the project (``title_card``, ``end_card``, on by default). Each lasts a few seconds
with the music playing on, joined to the scenes by crossfades; the narration starts after the title, and
the captions with it. Their pictures are drawn at the render's size (``images.title_cards``) when a piece
that shows them is to be encoded (a first render draws its title card ahead, beside the pictures and
voices): a piece's key names what the card says, not its pixels.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from .. import keys
from ..backend import Picture
from ..credits import for_project
from ..images import title_cards
from ..project import Project, Settings

TITLE_S = 2.5
END_S = 3.0


def lengths(settings: Settings) -> dict[str, float]:
    """Seconds of the title and end cards that ``settings`` ask for (``timeline.build``'s arguments)."""
    return _seconds(settings.title_card, settings.end_card)


def _seconds(title_card: bool, end_card: bool) -> dict[str, float]:
    return {"title_s": TITLE_S if title_card else 0.0, "end_s": END_S if end_card else 0.0}


def card_title(project: Project) -> str:
    """What a project's title card says: its title, or its topic."""
    return project.title or project.topic


@dataclass(frozen=True)
class Cards:
    """What the cards of a video say: its title, and the credits of the end card."""

    title: str
    credits: tuple[str, ...] = ()
    title_card: bool = True
    end_card: bool = True

    @classmethod
    def of(cls, project: Project) -> Cards:
        """The cards a project's settings ask for, with its title (a batch's section: its heading)."""
        settings = project.settings
        return cls(card_title(project), for_project(project), settings.title_card, settings.end_card)

    @property
    def lengths(self) -> dict[str, float]:
        """Seconds of its title and end cards (``timeline.build``'s arguments)."""
        return _seconds(self.title_card, self.end_card)

    def key(self, kind: str) -> str:
        """The key of the ``title`` or ``end`` card: what it says."""
        lines = [self.title] if kind == "title" else [self.title, *self.credits]
        return keys.card(kind, lines)

    def draw(self, kind: str, width: int, height: int) -> Picture:
        """The ``title`` or ``end`` card at the frame's size, with its textless layer."""
        if kind == "title":
            return _taken_or_drawn(self.title, width, height)
        return title_cards.end_card(self.title, list(self.credits), width, height)


# Title cards being drawn ahead, by what they say and their size, until a render takes them.
_ahead: dict[tuple[str, int, int], Future[Picture]] = {}
_ahead_lock = threading.Lock()


@contextlib.contextmanager
def title_drawn_ahead(title: str, width: int, height: int) -> Iterator[None]:
    """Within, the title card saying ``title`` at the frame's size is drawn in a thread, for the render to
    take (a first render draws it beside the pictures and narrations, so that its piece, the video's first,
    is encoded at once); on leaving, one no render took (it failed, or was stopped first) is let go."""
    key = (title, width, height)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="title") as drawing:
        drawn = drawing.submit(title_cards.title_card, title, width, height)
        with _ahead_lock:
            _ahead[key] = drawn
        try:
            yield
        finally:
            with _ahead_lock:
                if _ahead.get(key) is drawn:
                    del _ahead[key]


def _taken_or_drawn(title: str, width: int, height: int) -> Picture:
    """The title card drawn ahead (waited for), or drawn now where none is, or its drawing failed."""
    with _ahead_lock:
        drawn = _ahead.pop((title, width, height), None)
    if drawn is not None and drawn.exception() is None:
        return drawn.result()
    return title_cards.title_card(title, width, height)
