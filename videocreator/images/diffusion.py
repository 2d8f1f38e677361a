"""Text-to-image with diffusers: SD-Turbo by default, any hub id or local pipeline folder.

The pipeline is loaded once per (model, device, dtype) and reused across scenes and sessions (the two last
used are kept). Pictures are generated near the model's native size in the video's aspect ratio, then scaled
to the frame.

With ``preview_steps`` on (for a class), the maker also keeps small pictures of a few intermediate
denoising steps, decoded from the latents the pipeline holds after each of those steps, in ``last_steps``.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from PIL import Image
from pydantic import Field

from ..backend import ImageMaker, ImageRequest, Options, missing_packages
from ..errors import BackendUnavailable, ProviderFailed
from ..gpu import on_gpu
from ..loaded import Loaded, ModelCache
from ..registry import register

DEFAULT_MODEL = "stabilityai/sd-turbo"

STYLES = {
    "none": "",
    "photo": "professional photograph, natural light, sharp focus, high detail",
    "illustration": "clean digital illustration, vibrant colours, soft shading",
    "watercolor": "watercolor painting, soft edges, paper texture",
    "cinematic": "cinematic still, dramatic lighting, shallow depth of field, film grain",
    "3d": "3d render, soft studio lighting, octane render",
}
DEFAULT_NEGATIVE = "text, watermark, logo, blurry, deformed, lowres"
PREVIEWS = 4  # intermediate pictures kept when preview_steps is on
PREVIEW_SIDE = 256  # their longest side, in pixels


@dataclass(frozen=True)
class Family:
    """Defaults that differ between model families."""

    steps: int
    guidance: float
    native: int  # the side length (pixels) the model was trained at


def family_of(model: str, pipeline_class: str = "") -> Family:
    name = f"{model} {pipeline_class}".lower()
    if "flux" in name:
        return Family(steps=4, guidance=0.0, native=1024)
    if "turbo" in name or "lcm" in name or "lightning" in name:
        return Family(steps=2, guidance=0.0, native=1024 if "xl" in name else 512)
    if "xl" in name:
        return Family(steps=30, guidance=6.0, native=1024)
    return Family(steps=25, guidance=7.5, native=512)


def generation_size(width: int, height: int, native: int) -> tuple[int, int]:
    """About native*native pixels in the frame's aspect ratio, multiples of 64."""
    scale = (native * native / (width * height)) ** 0.5
    return max(64, round(width * scale / 64) * 64), max(64, round(height * scale / 64) * 64)


class DiffusersOptions(Options):
    model: str = Field(DEFAULT_MODEL, description="Hub model id or a local pipeline folder")
    steps: int | None = Field(None, ge=1, le=150, description="Denoising steps (default: per model family)")
    guidance: float | None = Field(None, ge=0.0, le=30.0, description="Classifier-free guidance scale")
    style: Literal["none", "photo", "illustration", "watercolor", "cinematic", "3d"] = "illustration"
    negative_prompt: str = DEFAULT_NEGATIVE
    device: Literal["auto", "cuda", "mps", "cpu"] = "auto"
    dtype: Literal["auto", "float32", "float16", "bfloat16"] = "auto"
    cpu_offload: bool = Field(False, description="Keep weights in RAM, move each part to the GPU when used")
    preview_steps: bool = Field(False, description="Keep small pictures of a few intermediate steps (slower)")


@dataclass(frozen=True)
class StepPicture:
    """What the picture looked like after ``step`` of the ``steps`` denoising steps."""

    step: int
    steps: int
    image: Image.Image


def preview_indices(steps: int, count: int = PREVIEWS) -> list[int]:
    """Which steps (0-based) to show: ``count`` of them evenly spread, the first and last included."""
    if steps <= count:
        return list(range(steps))
    return sorted({round(k * (steps - 1) / (count - 1)) for k in range(count)})


def decode_latents(pipe: Any, latents: Any) -> Image.Image:
    """The picture the pipeline's latents stand for, decoded by its VAE, at most ``PREVIEW_SIDE`` pixels."""
    import torch

    vae = pipe.vae
    scaled = latents / vae.config.scaling_factor + (vae.config.get("shift_factor") or 0.0)
    with torch.no_grad():
        pixels = vae.decode(scaled.to(vae.dtype), return_dict=False)[0]
    image: Image.Image = pipe.image_processor.postprocess(pixels, output_type="pil")[0]
    image.thumbnail((PREVIEW_SIDE, PREVIEW_SIDE))
    return image


# By (model, device, dtype). Pipelines take gigabytes, often of GPU memory: two are kept (unbounded before).
# They share one lock, so one pipeline loads or generates at a time.
_pipelines: ModelCache[tuple[str, str, str], Any] = ModelCache(max_models=2, shared_lock=True)


def _is_local(model: str) -> bool:
    return Path(model).expanduser().is_dir()


def _downloaded(model: str) -> bool:
    from huggingface_hub import try_to_load_from_cache
    from huggingface_hub.errors import HFValidationError

    try:
        return isinstance(try_to_load_from_cache(model, "model_index.json"), str)
    except HFValidationError:  # neither a hub id nor an existing folder, e.g. a mistyped path
        return False


def model_problem(model: str) -> str | None:
    """Why ``model`` cannot be loaded here, or None: a pipeline folder, or a hub id already downloaded."""
    if _is_local(model):
        found = (Path(model).expanduser() / "model_index.json").is_file()
        return None if found else f"{model} is not a pipeline folder (it has no model_index.json)"
    if Path(model).expanduser().is_absolute() or model.startswith("."):
        return f"model folder {model} not found"
    if not _downloaded(model):
        return (
            f"{model} is not downloaded (it is neither a local folder nor downloaded to the hub cache): run "
            f"`hf download {model}` once while online, or pass --image-model PATH to a saved pipeline folder"
        )
    return None


@register
class DiffusersImages(ImageMaker):
    name = "diffusers"
    description = f"Stable Diffusion family via diffusers (default {DEFAULT_MODEL}; GPU recommended)"
    Options = DiffusersOptions

    def __init__(self, options: Options | None = None):
        super().__init__(options)
        self.last_steps: list[StepPicture] = []  # the last make()'s intermediate pictures (preview_steps)

    @classmethod
    def readiness(cls) -> str | None:
        missing = missing_packages("torch", "diffusers", "transformers")
        if missing:
            return f"needs {', '.join(missing)}: pip install torch diffusers transformers"
        return model_problem(DEFAULT_MODEL)

    def _device_and_dtype(self) -> tuple[str, Any]:
        import torch

        device = self.options.device
        if device == "auto":
            device = (
                "cuda" if torch.cuda.is_available() else "mps" if torch.backends.mps.is_available() else "cpu"
            )
        dtype_name = self.options.dtype
        if dtype_name == "auto":
            dtype_name = "float16" if device in ("cuda", "mps") else "float32"
        return device, getattr(torch, dtype_name)

    def pipeline(self) -> Loaded[Any]:
        """The pipeline for these options, loaded once, with the lock to hold while generating."""
        model = self.options.model
        if problem := model_problem(model):
            raise BackendUnavailable(problem, stage=self.stage, provider=self.name)
        local = _is_local(model)
        device, dtype = self._device_and_dtype()
        key = (str(Path(model).expanduser().resolve()) if local else model, device, str(dtype))
        return _pipelines.get(key, lambda: self._load(key[0], device, dtype))

    def _load(self, model: str, device: str, dtype: Any) -> Any:
        from diffusers import AutoPipelineForText2Image
        from diffusers.utils import logging as diffusers_logging

        diffusers_logging.disable_progress_bar()
        try:
            pipe = AutoPipelineForText2Image.from_pretrained(model, torch_dtype=dtype, local_files_only=True)
        except (OSError, ValueError) as exc:
            raise BackendUnavailable(
                f"cannot load {model}: {exc}", stage=self.stage, provider=self.name
            ) from None
        pipe.set_progress_bar_config(disable=True)
        if self.options.cpu_offload and device == "cuda":
            pipe.enable_model_cpu_offload()
        else:
            pipe.to(device)
        if device != "cuda":
            pipe.enable_attention_slicing()
        return pipe

    def prompt(self, request: ImageRequest) -> str:
        """The prompt the model gets: the scene's, with the style's words added."""
        style = STYLES[self.options.style]
        return f"{request.prompt}, {style}" if style else request.prompt

    def details(self, request: ImageRequest) -> dict[str, Any]:
        return {"prompt_sent": self.prompt(request)}

    def make(self, request: ImageRequest) -> Image.Image:
        import torch

        pipe, lock = self.pipeline()
        family = family_of(self.options.model, type(pipe).__name__)
        width, height = generation_size(request.width, request.height, family.native)
        guidance = family.guidance if self.options.guidance is None else self.options.guidance
        steps = self.options.steps or family.steps
        kwargs: dict[str, Any] = {}
        if guidance > 1.0:
            kwargs["negative_prompt"] = self.options.negative_prompt
        self.last_steps = []
        if self.options.preview_steps and "callback_on_step_end" in inspect.signature(pipe).parameters:
            kwargs["callback_on_step_end"] = self._step_recorder(steps)
        generator = torch.Generator("cpu").manual_seed(request.seed)
        try:
            with lock:
                result = on_gpu(
                    lambda: pipe(
                        prompt=self.prompt(request),
                        width=width,
                        height=height,
                        num_inference_steps=steps,
                        guidance_scale=guidance,
                        generator=generator,
                        **kwargs,
                    )
                )
        except (RuntimeError, ValueError) as exc:
            raise ProviderFailed(f"generation failed: {exc}", stage=self.stage, provider=self.name) from None
        image = result.images[0]
        return image.convert("RGB").resize((request.width, request.height), Image.Resampling.LANCZOS)

    def _step_recorder(self, steps: int) -> Any:
        """A step callback that decodes the latents after the steps ``preview_indices`` chooses."""
        shown = set(preview_indices(steps))

        def record(pipe: Any, index: int, timestep: Any, tensors: dict[str, Any]) -> dict[str, Any]:
            del timestep
            latents = tensors.get("latents")
            if index in shown and latents is not None and latents.ndim == 4:  # packed latents (Flux): none
                self.last_steps.append(StepPicture(index + 1, steps, decode_latents(pipe, latents)))
            return tensors

        return record
