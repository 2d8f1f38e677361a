"""The sound: narration placed on the timeline, background music ducked under it, muxed with the video."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..backend import Speech
from ..files import atomic_path, temp_name
from ..speech.wav import read_wav, write_wav
from . import ffmpeg
from .timeline import Timeline

OUTPUT_RATE = 48000
# FFmpeg's own AAC encoder with its fast coder: at 160 kb/s it stays as close to the source as the
# default two-loop search (bundled music: SNR 59 dB against 39 dB) in half the time, and the sound is
# mixed while the video encodes, so its time comes out of the encoder's CPU.
AAC = ["-c:a", "aac", "-aac_coder", "fast"]


def _resample(samples: np.ndarray, rate: int, target: int) -> np.ndarray:
    if rate == target:
        return samples
    positions = np.arange(round(len(samples) * target / rate)) * rate / target
    return np.interp(positions, np.arange(len(samples)), samples).astype(np.float32)


def _voice_track(timeline: Timeline, voices: list[Path], dest: Path) -> None:
    """One WAV holding every scene's narration at its place on the timeline."""
    clips = [read_wav(path) for path in voices]
    rate = clips[0][1] if clips else OUTPUT_RATE
    track = np.zeros(round(timeline.duration * rate) + 1, dtype=np.float32)
    for slot, (samples, clip_rate) in zip(timeline.slots, clips, strict=True):
        samples = _resample(samples, clip_rate, rate)
        at = round(slot.voice_start * rate)
        room = max(0, len(track) - at)
        track[at : at + min(room, len(samples))] = samples[:room]
    write_wav(dest, Speech(samples=track, sample_rate=rate, sentences=[]))


def sound_track(
    timeline: Timeline,
    voices: list[Path],
    dest: Path,
    *,
    music: Path | None,
    music_volume: float,
    bitrate: str = "160k",
) -> None:
    """The narration on the timeline with the (ducked) music under it, encoded once as AAC.

    It needs no frames, so the renderer makes it while the video is being encoded.
    """
    d = f"{timeline.duration:.6f}"
    to_stereo = f"aresample={OUTPUT_RATE},aformat=channel_layouts=stereo"
    voice = temp_name(dest.with_suffix(".wav"))
    inputs: list[str | Path] = ["-i", voice]
    if music is None:
        graph = f"[0:a]{to_stereo},apad,atrim=0:{d}[a]"
    else:
        fade_out = max(0.0, timeline.duration - 2.0)
        inputs += ["-stream_loop", "-1", "-i", music]
        graph = (
            f"[0:a]{to_stereo},apad,atrim=0:{d},asplit=2[voice][key];"
            f"[1:a]{to_stereo},volume={music_volume:.3f},atrim=0:{d},"
            f"afade=t=in:d=1,afade=t=out:st={fade_out:.3f}:d=2[bed];"
            "[bed][key]sidechaincompress=threshold=0.02:ratio=6:attack=20:release=400[ducked];"
            "[voice][ducked]amix=inputs=2:duration=first:normalize=0,alimiter=limit=0.95[a]"
        )
    try:
        _voice_track(timeline, voices, voice)
        with atomic_path(dest) as tmp:
            mixed = [*inputs, "-filter_complex", graph, "-map", "[a]", *AAC, "-b:a", bitrate]
            ffmpeg.run([*mixed, "-f", "mp4", tmp], what="mixing narration and music")
    finally:
        voice.unlink(missing_ok=True)


def mux(video: Path, sound: Path, dest: Path, *, fps: int) -> None:
    """Join the H.264 stream and the sound into a faststart MP4, copying both."""
    inputs: list[str | Path] = ["-f", "h264", "-framerate", str(fps), "-i", video, "-i", sound]
    streams = [*inputs, "-map", "0:v", "-map", "1:a", "-c", "copy"]
    # Raw H.264 carries no timestamps: give frame N exactly N/fps, on an exact time scale.
    timing = ["-bsf:v", f"setts=ts=N/({fps}*TB)", "-video_track_timescale", str(fps * 512)]
    with atomic_path(dest) as tmp:
        ffmpeg.run([*streams, *timing, "-movflags", "+faststart", tmp], what="joining video and sound")
