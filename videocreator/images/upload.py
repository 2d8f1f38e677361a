"""A person's own picture for a scene: any common format and size, fitted to the frame."""

from __future__ import annotations

import io
import struct
import warnings
from pathlib import Path
from typing import Literal

import numpy as np
from PIL import Image, ImageFilter, ImageOps, UnidentifiedImageError

from ..errors import InputError
from ..stage import Stage

MAX_PIXELS = 80_000_000  # larger claims are refused as possible decompression bombs
MPX = 1_000_000
MAX_BYTES = 50 * 1024 * 1024


def _error(message: str) -> InputError:
    return InputError(message, stage=Stage.IMAGES, provider="upload")


def _read(source: Path | str | bytes) -> bytes:
    if isinstance(source, bytes):
        data = source
    else:
        path = Path(source)
        if not path.is_file():
            raise _error(f"{path.name} not found")
        if path.stat().st_size > MAX_BYTES:
            raise _error(f"{path.name} is larger than {MAX_BYTES // 2**20} MB")
        data = path.read_bytes()
    if not data:
        raise _error("the file is empty")
    return data


def _to_rgb(image: Image.Image) -> Image.Image:
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        values = np.asarray(image, dtype=np.float64)
        span = float(values.max() - values.min()) or 1.0
        image = Image.fromarray(((values - values.min()) * 255 / span).astype(np.uint8))
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        backdrop = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(backdrop, rgba).convert("RGB")
    return image.convert("RGB")


def claimed_size(data: bytes) -> tuple[int, int] | None:
    """The size a picture's header claims, read without decoding it (and before Pillow's own check for
    decompression bombs, which refuses to say it); None when no format Pillow reads recognises it."""
    Image.init()
    for name in Image.ID:
        factory, accept = Image.OPEN[name]
        try:
            accepted = not accept or accept(data[:16])  # as Pillow asks: a string is a warning
            if accepted and not isinstance(accepted, str):
                return factory(io.BytesIO(data)).size
        except (SyntaxError, IndexError, TypeError, ValueError, OSError, EOFError, struct.error):
            continue
    return None


def check_size(data: bytes) -> None:
    """Refuse a picture larger than ``MAX_PIXELS``, saying how large it is."""
    size = claimed_size(data)
    if size and size[0] * size[1] > MAX_PIXELS:
        width, height = size
        raise _error(
            f"the picture is {width} x {height} ({width * height / MPX:,.0f} Mpx); the limit is "
            f"{MAX_PIXELS // MPX} Mpx"
        )


def open_image(source: Path | str | bytes) -> Image.Image:
    """Decode an upload fully (first frame of animations, EXIF rotation applied) as RGB."""
    data = _read(source)
    check_size(data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.seek(0)
                image.load()
                return _to_rgb(ImageOps.exif_transpose(image))
    except InputError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _error(
            "this file is not an image we can read (use PNG, JPEG, WebP, GIF, BMP or TIFF)"
        ) from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise _error(f"the image is damaged or truncated ({exc})") from None


def fit_image(
    source: Path | str | bytes, width: int, height: int, mode: Literal["cover", "contain"] = "cover"
) -> Image.Image:
    """The picture at exactly width x height: cropped to fill ("cover"), or whole on a blurred copy."""
    image = open_image(source)
    if mode == "cover":
        return ImageOps.fit(image, (width, height), Image.Resampling.LANCZOS)
    backdrop = ImageOps.fit(image, (width // 8 or 1, height // 8 or 1), Image.Resampling.BILINEAR)
    backdrop = backdrop.filter(ImageFilter.GaussianBlur(6)).resize((width, height), Image.Resampling.BILINEAR)
    inner = ImageOps.contain(image, (width, height), Image.Resampling.LANCZOS)
    backdrop.paste(inner, ((width - inner.width) // 2, (height - inner.height) // 2))
    return backdrop
