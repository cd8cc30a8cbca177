"""Decode one image safely and normalise it: RGB, upright, bounded size, JPEG bytes.

Every failure becomes an `ImageError` with a short reason, so a build can record the image as a
reject and go on instead of dying on the millionth photograph.
"""

from __future__ import annotations

import io
import math
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

DEFAULT_MAX_PIXELS = 89_478_485  # PIL's own default limit (a 0.25 GB 24-bit image)
# Bumped whenever decoding, resizing or hashing changes the bytes a build writes, so that a resumed build
# never mixes units made by two versions (it is part of the shards' build settings).
PROCESSING_VERSION = 2
_WHITE = (255, 255, 255)


class ImageError(ValueError):
    """An image that cannot be used; `reason` is short and meant for a rejects table."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def load_image(
    source: str | Path | bytes,
    *,
    size: int | tuple[int, int] | None = None,
    mode: str = "keep",
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> Image.Image:
    """Decode `source` (a path or encoded bytes) to an upright RGB image.

    `size` and `mode` are what the caller will `resize` to, or `size` is the exact (width, height)
    it will stretch to (a model processor's input): a JPEG at least twice as large is decoded at
    1/2, 1/4 or 1/8 scale (`Image.draft`), which is much faster and never goes below what the
    resize needs (the long side for "keep"/"pad", the short side for "crop", both sides of a pair).
    Images with more than `max_pixels` pixels are refused from the header, before decoding.
    PIL's own bomb limit (`Image.MAX_IMAGE_PIXELS`) still applies on top of `max_pixels`.
    """
    if isinstance(source, (bytes, bytearray, memoryview)):
        fp: io.BytesIO | Path = io.BytesIO(source)
    else:
        fp = Path(source)
        if not fp.is_file():
            raise ImageError("missing file")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(fp) as img:
                _check_pixels(img.size, max_pixels)
                if size is not None and img.format == "JPEG":
                    img.draft(None, _draft_box(img.size, size, cover=mode == "crop"))
                ImageOps.exif_transpose(img, in_place=True)  # loads the pixels; no copy when upright
        except ImageError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ImageError("too many pixels: over PIL's decompression-bomb limit") from None
        except UnidentifiedImageError:
            raise ImageError("not an image") from None
        except PermissionError:
            raise ImageError("unreadable file: permission denied") from None
        except OSError as e:
            if "truncated" in str(e):
                raise ImageError("truncated image") from None
            raise ImageError(f"corrupt image: {e}") from None
        except (SyntaxError, ValueError, EOFError) as e:
            raise ImageError(f"corrupt image: {e}") from None
    return to_rgb(img)


def _check_pixels(dims: tuple[int, int], max_pixels: int) -> None:
    width, height = dims
    if width * height > max_pixels:
        raise ImageError(f"too many pixels: {width}x{height} > {max_pixels}")


def _draft_box(dims: tuple[int, int], size: int | tuple[int, int], cover: bool) -> tuple[int, int]:
    """The smallest box the decoded image must cover: with the image's shape, its long side (short
    side if `cover`) is `size`; a (width, height) pair is that box itself."""
    if isinstance(size, tuple):
        return size
    width, height = dims
    scale = size / (min(width, height) if cover else max(width, height))
    return max(1, math.ceil(width * scale)), max(1, math.ceil(height * scale))


def to_rgb(img: Image.Image) -> Image.Image:
    """RGB for any mode: alpha flattened onto white, 16/32-bit and float scaled to 8 bit."""
    if img.mode in ("I", "F") or img.mode.startswith("I;"):
        img = _to_8bit(img)
    bands = img.getbands()
    if "A" in bands or "a" in bands or "transparency" in img.info:
        rgba = img.convert("RGBA")
        flat = Image.new("RGB", rgba.size, _WHITE)
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return img if img.mode == "RGB" else img.convert("RGB")


def _to_8bit(img: Image.Image) -> Image.Image:
    """Grey levels of a wide-range image mapped to 0..255 (PIL's own convert clips instead)."""
    pixels = np.asarray(img, dtype=np.float64)
    if img.mode.startswith("I;16"):
        top = 65535.0
    else:
        pixels = np.clip(pixels, 0, None)
        peak = float(pixels.max()) if pixels.size else 0.0
        if img.mode == "F" and peak <= 1.0:
            top = 1.0
        else:
            top = 255.0 if peak <= 255 else 65535.0 if peak <= 65535 else peak
    return Image.fromarray(np.rint(pixels * (255.0 / top)).astype(np.uint8))


def resize_keep_ratio(img: Image.Image, size: int) -> Image.Image:
    """Shrink so the long side is `size`, keeping the aspect ratio; smaller images are kept as they are."""
    if size < 1:
        raise ValueError(f"size must be >= 1, got {size}")
    width, height = img.size
    long_side = max(width, height)
    if long_side <= size:
        return img
    scale = size / long_side
    target = (max(1, round(width * scale)), max(1, round(height * scale)))
    return img.resize(target, _filter(long_side / size), reducing_gap=3.0)


def _filter(factor: float) -> Image.Resampling:
    """The resampling filter for shrinking by `factor`.

    After reduce-on-decode a JPEG is at most 2x too large. Below 2x, Pillow's Hamming filter
    (support 1, widened by the factor) still covers every source pixel, and costs a third of
    Lanczos (1.3 vs 3.0 ms for a 700 px image; 0.6 dB PSNR less after JPEG q90). Larger
    reductions (PNG/TIFF sources, no draft) keep Lanczos, whose wider lobes then matter.
    """
    return Image.Resampling.HAMMING if factor < 2 else Image.Resampling.LANCZOS


RESIZE_MODES: tuple[str, ...] = ("keep", "crop", "pad")


def resize(img: Image.Image, size: int, mode: str = "keep") -> Image.Image:
    """`keep`: long side `size`, ratio kept; `crop`: centre square `size`x`size`; `pad`: ratio kept,
    padded with white to a `size`x`size` square (models that need squares see the whole object)."""
    if mode == "keep":
        return resize_keep_ratio(img, size)
    if mode == "crop":
        return ImageOps.fit(img, (size, size), _filter(min(img.size) / size))
    if mode == "pad":
        inner = resize_keep_ratio(img, size)
        square = Image.new("RGB", (size, size), _WHITE)
        square.paste(inner, ((size - inner.width) // 2, (size - inner.height) // 2))
        return square
    raise ValueError(f"resize mode must be one of {', '.join(RESIZE_MODES)}, got {mode!r}")


def encode_jpeg(img: Image.Image, quality: int = 90) -> bytes:
    """Baseline JPEG bytes without metadata, so equal pixels give equal bytes."""
    if not 1 <= quality <= 100:
        raise ValueError(f"JPEG quality must be 1..100, got {quality}")
    buf = io.BytesIO()
    to_rgb(img).save(buf, format="JPEG", quality=quality)
    return buf.getvalue()


def process_image(
    source: str | Path | bytes,
    *,
    size: int,
    quality: int = 90,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    mode: str = "keep",
) -> tuple[bytes, tuple[int, int]]:
    """The shard pipeline for one image: decode, shrink to `size`, encode; returns (JPEG, (w, h))."""
    img = resize(load_image(source, size=size, mode=mode, max_pixels=max_pixels), size, mode)
    return encode_jpeg(img, quality), img.size
