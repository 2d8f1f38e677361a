"""Cutting a raw H.264 stream (Annex B) into files of so many frames each, as the bytes arrive.

An access unit (one frame) starts at an access unit delimiter, SEI, SPS or PPS that follows a slice, or
at a slice whose first macroblock is 0 (H.264 7.4.1.2.3). The pieces, put back together, are the
stream byte for byte.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import BinaryIO

from ..files import temp_name

START = b"\x00\x00\x01"
SLICES = {1, 5}  # non-IDR and IDR slices
HEADERS = {6, 7, 8, 9, 14, 15, 16, 17, 18}  # SEI, SPS, PPS, delimiter, prefix and reserved units


class StreamError(ValueError):
    """The stream does not hold the frames it should."""


class StreamCutter:
    """Writes ``pieces`` (a destination and its frame count each), in order, from one stream.

    Each file is written under a temporary name and renamed into place once its last frame has
    arrived, so a stream cut short leaves only whole pieces.
    """

    def __init__(self, pieces: list[tuple[Path, int]]):
        self.pieces = pieces
        self.buffer = bytearray()  # bytes not yet written, starting at stream offset `self.written`
        self.written = 0
        self.scan = 0  # stream offset where the search for the next start code resumes
        self.slice_seen = False  # the current frame has a slice already
        self.frames = 0  # frames complete in the current piece
        self.piece = 0
        self.out: BinaryIO | None = None
        self.tmp: Path | None = None

    def feed(self, data: bytes) -> None:
        self.buffer += data
        while True:
            at = self.buffer.find(START, self.scan - self.written)
            if at < 0 or at + 4 >= len(self.buffer):  # the unit's header bytes have not arrived yet
                self.scan = self.written + (max(0, len(self.buffer) - 2) if at < 0 else at)
                break
            self.scan = self.written + at + 3
            kind, first_mb_zero = self.buffer[at + 3] & 0x1F, bool(self.buffer[at + 4] & 0x80)
            starts_frame = self.slice_seen and (kind in HEADERS or (kind in SLICES and first_mb_zero))
            if kind in SLICES or kind in HEADERS:
                self.slice_seen = kind in SLICES
            if starts_frame:
                self._frame_done(at - 1 if at > 0 and self.buffer[at - 1] == 0 else at)
        self._write(max(0, self.scan - self.written - 1))

    def finish(self) -> None:
        """The stream ended: complete the last frame, and check every piece got all its frames."""
        if self.slice_seen:
            self._frame_done(len(self.buffer))
        self.slice_seen = False
        if self.piece != len(self.pieces) or self.buffer:
            done = sum(count for _, count in self.pieces[: self.piece]) + self.frames
            expected = sum(count for _, count in self.pieces)
            raise StreamError(f"the encoder returned {done} frames, {expected} were sent")

    def abort(self) -> None:
        """Drop the piece being written."""
        if self.out is not None:
            self.out.close()
            self.out = None
        if self.tmp is not None:
            self.tmp.unlink(missing_ok=True)

    def _frame_done(self, cut: int) -> None:
        self._check_room()
        self.frames += 1
        if self.frames == self.pieces[self.piece][1]:
            self._write(cut)
            self._close_piece()

    def _write(self, upto: int) -> None:
        """Write the buffer's first ``upto`` bytes to the current piece."""
        if upto <= 0:
            return
        self._check_room()
        if self.out is None:
            self.tmp = temp_name(self.pieces[self.piece][0])
            self.out = open(self.tmp, "wb")  # noqa: SIM115 - closed in _close_piece or abort
        self.out.write(self.buffer[:upto])
        del self.buffer[:upto]
        self.written += upto

    def _check_room(self) -> None:
        if self.piece >= len(self.pieces):
            raise StreamError("the encoder returned more frames than were sent")

    def _close_piece(self) -> None:
        assert self.out is not None and self.tmp is not None
        self.out.flush()
        os.fsync(self.out.fileno())  # a piece in the cache is whole, even after a power cut
        self.out.close()
        os.replace(self.tmp, self.pieces[self.piece][0])
        self.out = self.tmp = None
        self.piece += 1
        self.frames = 0
