"""A render's pictures in motion, each made one ahead in a thread of its own.

Making a shot (a scene's picture decoded to an I420 frame, or a card drawn, and the picture under its text
where a crossfade fades that text) takes a few hundred milliseconds. Made when its first frame is due, the
encoder would drain its queue and wait; made while the frames of the shot before are made and encoded, it
is ready when its turn comes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor

from .frames import LayeredShot
from .timeline import Slot

KEPT = 2  # a slot's body and the crossfades on either side come in order: the last two shots are kept


class ShotLoader:
    """Each slot's shot, made by ``make`` once and kept while a piece may still need it.

    ``ahead`` names the slots in the order the pieces to encode will need them (and whether a crossfade
    will fade the slot's text): from then on, the next of them is made in a thread while the frames of
    the one before are made. A slot asked for out of that order is made when asked, and nothing is made
    ahead of it. ``close`` waits for the shot being made, if any, ends the thread and lets the shots go.
    """

    def __init__(self, make: Callable[[Slot], LayeredShot]):
        self._make = make
        self._kept: dict[Slot, LayeredShot] = {}
        self._order: list[Slot] = []
        self._fades_text: set[Slot] = set()
        self._coming: tuple[Slot, Future[LayeredShot]] | None = None
        self._pool: ThreadPoolExecutor | None = None

    def ahead(self, needs: Iterable[tuple[Slot, bool]]) -> None:
        """Make the shots of ``needs`` (each a slot and whether its text will fade) one ahead, in order,
        starting with the first."""
        for slot, fades_text in needs:
            if slot not in self._order:
                self._order.append(slot)
            if fades_text:
                self._fades_text.add(slot)
        if self._order:
            self._pool = self._pool or ThreadPoolExecutor(max_workers=1, thread_name_prefix="shots")
            self._make_next(0)

    def get(self, slot: Slot) -> LayeredShot:
        """The slot's shot: kept, made ahead (waited for), or made now."""
        if slot not in self._kept:
            if self._coming is not None and self._coming[0] == slot:
                shot, self._coming = self._coming[1].result(), None
            else:
                shot = self._made(slot)
            if len(self._kept) == KEPT:
                del self._kept[next(iter(self._kept))]
            self._kept[slot] = shot
            if slot in self._order:
                self._make_next(self._order.index(slot) + 1)
        return self._kept[slot]

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        self._coming = None
        self._kept.clear()

    def _made(self, slot: Slot) -> LayeredShot:
        shot = self._make(slot)
        if slot in self._fades_text:
            _ = shot.under_text  # decoded here rather than at the crossfade's first frame
        return shot

    def _make_next(self, start: int) -> None:
        """Start making the first slot of the order from ``start`` on that is not kept, unless one of them
        is being made already (one before them, which no piece asked for, is let go)."""
        if self._pool is None:
            return
        if self._coming is not None:
            if self._coming[0] in self._order[start:]:
                return
            self._coming = None
        slot = next((s for s in self._order[start:] if s not in self._kept), None)
        if slot is not None:
            self._coming = (slot, self._pool.submit(self._made, slot))
