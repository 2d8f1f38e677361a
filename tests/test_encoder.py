"""One encoder run cut into pieces: each piece is a whole, independently decodable H.264 stream."""

from __future__ import annotations

import random
import time
from pathlib import Path

import av
import numpy as np
import pytest

from videocreator.render import encoder
from videocreator.render.annexb import StreamCutter, StreamError

W, H, FPS = 64, 48, 30
COUNTS = [7, 1, 12, 3, 20]


def _frame(index: int) -> np.ndarray:
    """An I420 frame whose brightness tells which frame it is."""
    frame = np.full((H * 3 // 2, W), 128, np.uint8)
    frame[:H] = 16 + 3 * index
    return frame


def _pieces(folder: Path, counts: list[int]) -> list[encoder.Piece]:
    starts = encoder.first_frames(counts)
    assert starts == [sum(counts[:n]) for n in range(len(counts))]
    return [
        encoder.Piece(folder / f"piece{n}.h264", count, lambda i, first=first: _frame(first + i))
        for n, (count, first) in enumerate(zip(counts, starts, strict=True))
    ]


def _decoded(path: Path) -> list[tuple[int, bool]]:
    """(frame index read back from its brightness, is it a key frame) for each frame of a raw H.264 file."""
    with av.open(str(path), format="h264") as container:
        return [
            (round((frame.to_ndarray()[:H].mean() - 16) / 3), frame.key_frame)
            for frame in container.decode(video=0)
        ]


@pytest.fixture
def pieces(tmp_path: Path) -> list[encoder.Piece]:
    pieces = _pieces(tmp_path, COUNTS)
    encoder.encode(pieces, width=W, height=H, fps=FPS, settings=encoder.FINAL)
    return pieces


def test_each_piece_holds_its_own_frames_from_a_key_frame(pieces):
    first = 0
    for piece in pieces:
        frames = _decoded(piece.dest)
        assert [index for index, _ in frames] == list(range(first, first + piece.frames))
        assert frames[0][1], f"{piece.dest.name} starts on a key frame"
        first += piece.frames
    assert not list(pieces[0].dest.parent.glob(".*part*")), "no temporary file is left"


def test_pieces_join_by_concatenation_in_any_order(pieces, tmp_path: Path):
    order = [3, 0, 4, 1, 2]
    joined = tmp_path / "joined.h264"
    joined.write_bytes(b"".join(pieces[n].dest.read_bytes() for n in order))
    starts = encoder.first_frames(COUNTS)
    expected = [starts[n] + i for n in order for i in range(COUNTS[n])]
    assert [index for index, _ in _decoded(joined)] == expected


def test_cutting_does_not_depend_on_how_the_bytes_arrive(pieces, tmp_path: Path):
    stream = b"".join(piece.dest.read_bytes() for piece in pieces)
    again = [(tmp_path / f"again{n}.h264", piece.frames) for n, piece in enumerate(pieces)]
    cutter = StreamCutter(again)
    rng = random.Random(3)
    at = 0
    while at < len(stream):
        step = rng.choice([1, 2, 3, 5, 4096])
        cutter.feed(stream[at : at + step])
        at += step
    cutter.finish()
    for (path, _), piece in zip(again, pieces, strict=True):
        assert path.read_bytes() == piece.dest.read_bytes()


def test_a_stream_short_of_frames_is_an_error_and_leaves_no_partial_piece(pieces, tmp_path: Path):
    stream = b"".join(piece.dest.read_bytes() for piece in pieces[:2])
    targets = [(tmp_path / "a.h264", COUNTS[0]), (tmp_path / "b.h264", COUNTS[1] + 1)]
    cutter = StreamCutter(targets)
    cutter.feed(stream)
    with pytest.raises(StreamError, match="returned 8 frames, 9 were sent"):
        cutter.finish()
    cutter.abort()
    assert targets[0][0].is_file() and not targets[1][0].exists()
    assert not list(tmp_path.glob(".b*")), "the unfinished piece's temporary file is removed"


def test_a_stream_with_more_frames_than_sent_is_an_error(pieces, tmp_path: Path):
    stream = b"".join(piece.dest.read_bytes() for piece in pieces[:3])
    cutter = StreamCutter([(tmp_path / "a.h264", COUNTS[0] + COUNTS[1])])
    with pytest.raises(StreamError, match="more frames than were sent"):
        cutter.feed(stream)
        cutter.finish()
    cutter.abort()
    assert not list(tmp_path.glob(".a*")), "no temporary file is left"


class Stop(Exception):
    pass


def test_a_stopped_run_keeps_the_pieces_it_finished(tmp_path: Path):
    # Frames made at a render's pace (a few ms each), so the encoder keeps up as it does in a render.
    pieces = [
        encoder.Piece(p.dest, p.frames, lambda i, f=p.frame_at: (time.sleep(0.005), f(i))[1])
        for p in _pieces(tmp_path, [5, 60, 10])
    ]

    def on_frame(piece: int) -> None:
        if piece == 2:
            raise Stop

    with pytest.raises(Stop):
        encoder.encode(pieces, width=W, height=H, fps=FPS, settings=encoder.FINAL, on_frame=on_frame)
    assert [index for index, _ in _decoded(pieces[0].dest)] == list(range(5))
    assert not pieces[2].dest.exists()
    assert not list(tmp_path.glob(".*part*")), "no temporary file is left"


def test_an_encoder_failure_names_the_step(tmp_path: Path):
    broken = encoder.EncoderSettings(preset="no-such-preset")
    with pytest.raises(Exception, match="encoding failed") as error:
        encoder.encode(_pieces(tmp_path, [3]), width=W, height=H, fps=FPS, settings=broken)
    assert getattr(error.value, "stage", None) == "render"
    assert not list(tmp_path.iterdir()), "nothing is left behind"


def test_the_chosen_encoder_is_one_that_works_here():
    # Hardware encoders are tried on a few frames with the render's own arguments before use; on a
    # machine without them (CI) the trial fails and libx264 is chosen.
    assert encoder.works(encoder.FINAL) and encoder.works(encoder.PREVIEW)
    assert not encoder.works(encoder.EncoderSettings(preset="no-such-preset"))
    for preview in (False, True):
        assert encoder.works(encoder.choose(preview))
