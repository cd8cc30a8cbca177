from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from museumvqa.images.process import (
    ImageError,
    encode_jpeg,
    load_image,
    process_image,
    resize_keep_ratio,
)


def _save(img: Image.Image, path: Path, **params) -> Path:
    img.save(path, **params)
    return path


def _close(pixel: tuple[int, ...], expected: tuple[int, int, int], tol: int = 12) -> bool:
    return all(abs(a - b) <= tol for a, b in zip(pixel, expected))


def _reason(source, **kwargs) -> str:
    with pytest.raises(ImageError) as info:
        load_image(source, **kwargs)
    assert isinstance(info.value, ValueError)
    return info.value.reason


def test_real_met_jpeg(met_data: Path) -> None:
    img = load_image(met_data / "36029.jpg")
    assert img.mode == "RGB" and img.size == (320, 624)
    jpeg, size = process_image(met_data / "36029.jpg", size=128)
    assert size == (66, 128)
    assert Image.open(io.BytesIO(jpeg)).size == size


def test_missing_file(tmp_path: Path) -> None:
    assert _reason(tmp_path / "nope.jpg") == "missing file"
    assert _reason(tmp_path) == "missing file"  # a folder is not an image file


def test_text_file_named_jpg(tmp_path: Path) -> None:
    path = tmp_path / "notes.jpg"
    path.write_text("this is a catalogue note, not a photograph\n")
    assert _reason(path) == "not an image"
    assert _reason(b"") == "not an image"


def test_truncated_jpeg(tmp_path: Path, met_data: Path) -> None:
    data = (met_data / "36029.jpg").read_bytes()
    path = tmp_path / "cut.jpg"
    path.write_bytes(data[: len(data) // 2])
    assert _reason(path) == "truncated image"
    assert _reason(data[: len(data) // 2]) == "truncated image"


def test_pixel_guard_refuses_before_decoding(tmp_path: Path) -> None:
    path = _save(Image.new("RGB", (100, 80), "white"), tmp_path / "big.png")
    assert _reason(path, max_pixels=5000) == "too many pixels: 100x80 > 5000"
    assert load_image(path, max_pixels=8000).size == (100, 80)


@pytest.mark.parametrize("side", [40, 100])  # PIL warns above its limit and raises above twice it
def test_pils_own_bomb_limit_becomes_image_error(tmp_path: Path, monkeypatch, side: int) -> None:
    path = _save(Image.new("L", (side, side)), tmp_path / "bomb.png")
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    assert _reason(path).startswith("too many pixels")


@pytest.mark.parametrize("fmt", ["JPEG", "TIFF"])
def test_cmyk_becomes_rgb(tmp_path: Path, fmt: str) -> None:
    path = _save(Image.new("CMYK", (16, 16), (0, 255, 255, 0)), tmp_path / f"cmyk.{fmt.lower()}", format=fmt)
    with Image.open(path) as raw:
        assert raw.mode == "CMYK"
    img = load_image(path)
    assert img.mode == "RGB" and _close(img.getpixel((8, 8)), (255, 0, 0))


def test_16_bit_grey_is_scaled_not_clipped(tmp_path: Path) -> None:
    ramp = np.tile(np.array([0, 257 * 64, 257 * 128, 65535], dtype=np.uint16), (4, 1))
    path = _save(Image.fromarray(ramp), tmp_path / "deep.png")
    with Image.open(path) as raw:
        assert raw.mode.startswith("I")
    img = load_image(path)
    assert img.mode == "RGB"
    assert [img.getpixel((x, 0)) for x in range(4)] == [(v, v, v) for v in (0, 64, 128, 255)]


def test_32_bit_and_float_grey(tmp_path: Path) -> None:
    assert load_image(_save(Image.new("I", (2, 2), 200), tmp_path / "i.tiff")).getpixel((0, 0)) == (200,) * 3
    assert load_image(_save(Image.new("F", (2, 2), 0.5), tmp_path / "f.tiff")).getpixel((0, 0)) == (128,) * 3


def test_palette_with_transparency_is_flattened_on_white(tmp_path: Path) -> None:
    img = Image.new("P", (4, 4), 0)
    img.putpalette([255, 0, 0, 0, 0, 255] + [0, 0, 0] * 254)
    img.putpixel((1, 1), 1)
    path = _save(img, tmp_path / "pal.png", transparency=0)
    loaded = load_image(path)
    assert loaded.mode == "RGB"
    assert loaded.getpixel((0, 0)) == (255, 255, 255)  # transparent red -> white
    assert loaded.getpixel((1, 1)) == (0, 0, 255)


@pytest.mark.parametrize("mode,colour", [("RGBA", (0, 0, 0, 0)), ("LA", (0, 0)), ("RGBA", (0, 0, 0, 128))])
def test_alpha_is_flattened_on_white(tmp_path: Path, mode: str, colour: tuple[int, ...]) -> None:
    path = _save(Image.new(mode, (4, 4), colour), tmp_path / "alpha.png")
    expected = 255 if colour[-1] == 0 else 127
    assert _close(load_image(path).getpixel((2, 2)), (expected,) * 3, tol=1)


def test_exif_orientation_is_applied(tmp_path: Path) -> None:
    img = Image.new("RGB", (80, 40), (255, 0, 0))
    img.paste((0, 0, 255), (40, 0, 80, 40))  # left red, right blue
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to display"
    path = _save(img, tmp_path / "sideways.jpg", exif=exif.tobytes(), quality=95)
    upright = load_image(path)
    assert upright.size == (40, 80)
    assert _close(upright.getpixel((20, 10)), (255, 0, 0))  # the left half is now on top
    assert _close(upright.getpixel((20, 70)), (0, 0, 255))


def test_large_jpeg_is_reduced_on_decode(tmp_path: Path) -> None:
    path = _save(Image.new("RGB", (2000, 1000), (10, 120, 200)), tmp_path / "large.jpg")
    assert load_image(path).size == (2000, 1000)
    assert load_image(path, size=256).size == (500, 250)  # 1/4 scale: the largest not below 256
    assert load_image(path, size=1500).size == (2000, 1000)
    jpeg, size = process_image(path, size=256)
    assert size == (256, 128)


def test_crop_mode_reduces_on_decode_only_to_the_short_side(tmp_path: Path) -> None:
    path = _save(Image.new("RGB", (2000, 1000), (10, 120, 200)), tmp_path / "wide.jpg")
    assert load_image(path, size=256, mode="crop").size == (1000, 500)  # 1/4 would leave a 250 px short side
    jpeg, size = process_image(path, size=256, mode="crop")
    assert size == (256, 256)


def test_fast_resize_stays_close_to_a_full_decode(met_data: Path, tmp_path: Path) -> None:
    """Reduce-on-decode plus the short remainder filter against a full decode shrunk with Lanczos."""
    with Image.open(met_data / "36029.jpg") as painting:
        big = painting.convert("RGB").resize((1280, 2496), Image.Resampling.BICUBIC)
    path = _save(big, tmp_path / "big.jpg", quality=90)
    fast = np.asarray(resize_keep_ratio(load_image(path, size=256), 256), dtype=np.float64)
    reference = np.asarray(resize_keep_ratio(load_image(path), 256), dtype=np.float64)  # 9.75x: Lanczos
    assert fast.shape == reference.shape == (256, 131, 3)
    psnr = 10 * np.log10(255**2 / np.mean((fast - reference) ** 2))
    assert psnr > 30


def test_resize_keep_ratio() -> None:
    assert resize_keep_ratio(Image.new("RGB", (1000, 500)), 384).size == (384, 192)
    assert resize_keep_ratio(Image.new("RGB", (500, 1000)), 384).size == (192, 384)
    assert resize_keep_ratio(Image.new("RGB", (3, 1000)), 100).size == (1, 100)
    small = Image.new("RGB", (100, 50))
    assert resize_keep_ratio(small, 384) is small  # never upscaled
    with pytest.raises(ValueError):
        resize_keep_ratio(small, 0)


def test_encode_jpeg() -> None:
    img = Image.new("RGBA", (30, 20), (0, 128, 0, 255))
    data = encode_jpeg(img, quality=80)
    assert data[:2] == b"\xff\xd8" and data == encode_jpeg(img, quality=80)
    decoded = Image.open(io.BytesIO(data))
    assert decoded.format == "JPEG" and decoded.mode == "RGB" and decoded.size == (30, 20)
    with pytest.raises(ValueError):
        encode_jpeg(img, quality=0)
