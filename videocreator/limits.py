"""What the people using the library may do: everything on their own machine, less on a public server.

A public server (``VIDEOCREATOR_PUBLIC=1``, or any Hugging Face Space) serves visitors it does not know.
They may not point it at models, files or URLs of their choosing (only the operator's configuration
names those), and scene counts and upload sizes are capped. The rules are checked by the library calls
every way in goes through (project opening, the stages, uploads, zips), not by one front end.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import InputError
from .stage import Stage

MB = 1024**2
MAX_SCENES = 20  # on a person's own machine

# Backend options that name a model, a file, a server, a secret's variable or the machine's resources:
# on a public server only the operator sets them. The names are shared by every backend that has them.
OPERATOR_OPTIONS = frozenset({"model", "base_url", "api_key_env", "device", "threads"})
# Backend options that name a file of the project (stored relative to its folder).
FILE_OPTIONS = frozenset({"speaker_wav"})


@dataclass(frozen=True)
class Limits:
    public: bool = False
    max_scenes: int = MAX_SCENES
    max_upload_bytes: int = 200 * MB
    # What the operator configured per stage ({"script": {"backend": ..., "options": {...}}, ...}): on a
    # public server these are the only values the operator-only options may take.
    operator: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    operator_voices_folder: str = ""  # the voices folder the operator configured
    max_text_chars: int = 200_000  # a person's own text (about 30,000 words)
    # Reading a document (.docx, .pdf): budgets checked while it is read, so a small file that inflates
    # to gigabytes, or one stream shared by thousands of pages, is stopped early.
    max_document_bytes: int = 200 * MB  # what a document's parts may inflate to, in all
    max_document_pages: int = 2_000
    max_document_s: float = 120.0
    max_video_s: float = 3_600.0  # a video's whole length, checked before rendering

    @classmethod
    def public_server(
        cls, operator: Mapping[str, Mapping[str, Any]] | None = None, voices_folder: str = ""
    ) -> Limits:
        return cls(
            public=True, max_scenes=10, max_upload_bytes=25 * MB, operator=operator or {},
            operator_voices_folder=voices_folder, max_text_chars=50_000, max_document_bytes=50 * MB,
            max_document_pages=300, max_document_s=20.0, max_video_s=600.0,
        )  # fmt: skip

    def check_text(self, chars: int) -> None:
        if chars > self.max_text_chars:
            where = " on this public server" if self.public else ""
            raise InputError(
                f"your text has {chars:,} characters; at most {self.max_text_chars:,}{where}: shorten it, "
                "or make one video per section with batch",
                stage=Stage.SCRIPT,
            )

    def check_scene_count(self, count: int) -> None:
        if count > self.max_scenes:
            where = " on this public server" if self.public else ""
            raise InputError(
                f"a project has at most {self.max_scenes} scenes{where}, not {count}", stage=Stage.SCRIPT
            )

    def check_video_length(self, seconds: float) -> None:
        if seconds > self.max_video_s:
            where = " on this public server" if self.public else ""
            raise InputError(
                f"the video would last {seconds:,.0f} s; at most {self.max_video_s:,.0f} s{where}: shorten "
                "the narration, or make several videos",
                stage=Stage.RENDER,
            )

    def check_upload(self, size: int, what: str, stage: Stage | None) -> None:
        if size > self.max_upload_bytes:
            raise InputError(
                f"the {what} is {size / MB:.1f} MB; the limit here is {self.max_upload_bytes // MB} MB",
                stage=stage,
            )

    def operator_values(self, stage: Stage, backend: str) -> dict[str, Any]:
        """The operator-only options the operator set for ``backend`` (none if they chose another)."""
        configured = self.operator.get(stage, {})
        if configured.get("backend") != backend:
            return {}
        options = configured.get("options", {})
        return {k: v for k, v in options.items() if k in OPERATOR_OPTIONS}

    def visitor_options(self, stage: Stage, backend: str, options: Mapping[str, Any]) -> list[str]:
        """The options a visitor may not set here (empty on a private machine)."""
        if not self.public:
            return []
        allowed = self.operator_values(stage, backend)
        return sorted(k for k, v in options.items() if k in OPERATOR_OPTIONS and allowed.get(k) != v)


@dataclass(frozen=True)
class UploadLimits:
    """What the visitors of a public server may keep in its upload cache (Gradio's), before any session
    claims an upload: the web server charges each one to its visitor (``sessions.UploadLedger``)."""

    files_per_visitor: int = 30  # uploads from one address (an IPv6 /64) in `window_s`
    bytes_per_visitor: int = 100 * MB
    window_s: float = 3600.0
    unclaimed_s: float = 900.0  # an upload no session has used is removed after this
    cache_bytes: int = 2048 * MB  # what all visitors' uploads hold at once
    cache_files: int = 5_000
    sweep_every_s: float = 60.0  # how often the server looks for uploads to remove


PUBLIC_UPLOADS = UploadLimits()


LOCAL = Limits()
