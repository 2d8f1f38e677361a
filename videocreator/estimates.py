"""How long a job takes on this machine, before it runs: for the queue's first estimates (the studio's).

It reads the renderer's speed remembered from its renders here; it belongs beside ``stages.video.render``,
which chooses the same frame size and encoder.
"""

from __future__ import annotations

from .project import Settings, frame_size
from .render import encoder
from .render.renderer import _Speed


def render_seconds(settings: Settings, video_s: float, *, preview: bool = False) -> float:
    """About how long this machine takes to render ``video_s`` seconds of video with ``settings`` (a
    preview at 360p): the renderer's speed remembered from its renders here, a two-core guess before
    the first."""
    width, height = frame_size(settings.aspect, "360p") if preview else settings.size
    return _Speed(width, height, encoder.choose(preview)).estimate(round(video_s * settings.fps))
