"""When a photo shows no exhibit of the collection: the threshold on agreeing keypoint matches
(images/recognition.py) below which `serve` answers "not in this collection", and how to calibrate it.

Calibration needs no photos from visitors. The catalogue's images are split by exhibit into two halves;
one half is indexed. Positives are visitor-like photos of the indexed half (`visitor_photo`: a 60-90%
crop, turned up to 15 degrees, rescaled, brighter or darker, re-encoded as JPEG); they count as found
when the best match is their own exhibit with at least the threshold. Negatives are pictures the index
must refuse: the other half's paintings (real paintings, just not in the index) and visitor photos of
them, and synthetic non-photos (`synthetic_negatives`: noise, blank and solid colours, gradients, a 1x1
pixel). The threshold picked is the lowest count whose precision (right exhibit, of everything accepted)
reaches `min_precision` (so the highest recall there), raised where needed to `MARGIN` times the
strongest negative: a collection larger than the calibration set gives chance agreements more chances
(the leak check, comparing all 30,102 ordered pairs of the 174 sample paintings, saw up to 13 where the
calibration's few hundred negatives see 8-10).
"""

from __future__ import annotations

import io
import json
import math
import random
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageEnhance
from tqdm import tqdm

from museumvqa.errors import UserError
from museumvqa.images.fingerprint import MIN_PAIRS
from museumvqa.images.process import encode_jpeg
from museumvqa.images.recognition import ImageIndex
from museumvqa.io import write_json

MIN_PRECISION = 0.99
MARGIN = 1.5  # the threshold is at least this many times the strongest negative's count


@dataclass(frozen=True)
class Threshold:
    """A minimum of agreeing keypoint matches, with what it measured and on what."""

    min_inliers: int
    precision: float
    recall: float
    false_accepts: float  # share of the negatives accepted as some exhibit
    measured_on: str


@dataclass(frozen=True)
class Scored:
    """One calibration query: its kind, whether it shows an indexed exhibit, the best match's inliers and
    whether that match is the right exhibit."""

    kind: str
    positive: bool
    inliers: int
    right: bool
    seconds: float = 0.0
    found: str | None = None  # the exhibit of the best match, right or not
    shows: str | None = None  # the exhibit the query pictures (indexed or held out); None for a non-photo


@dataclass
class Calibration:
    threshold: Threshold
    scored: list[Scored] = field(default_factory=list)


def visitor_photo(image: Image.Image, rng: random.Random) -> Image.Image:
    """`image` as a visitor might photograph it: cropped to 60-90% of each side, turned up to 15 degrees
    (the corners filled grey, like a wall), scaled to 50-150%, brightness x0.7-1.3, JPEG quality 40-90."""
    rgb = image.convert("RGB")
    share = rng.uniform(0.6, 0.9)
    w, h = max(1, round(rgb.width * share)), max(1, round(rgb.height * share))
    left, top = rng.randint(0, rgb.width - w), rng.randint(0, rgb.height - h)
    view = rgb.crop((left, top, left + w, top + h))
    view = view.rotate(rng.uniform(-15.0, 15.0), Image.Resampling.BICUBIC, expand=True, fillcolor=(128, 128, 128))
    scale = rng.uniform(0.5, 1.5)
    view = view.resize((max(1, round(view.width * scale)), max(1, round(view.height * scale))), Image.Resampling.BICUBIC)
    view = ImageEnhance.Brightness(view).enhance(rng.uniform(0.7, 1.3))
    return Image.open(io.BytesIO(encode_jpeg(view, rng.randint(40, 90)))).convert("RGB")


def synthetic_negatives(rng: random.Random, count: int = 24) -> list[tuple[str, Image.Image]]:
    """`count` (kind, picture) pairs that are no photograph of anything: uniform and Gaussian noise, blank
    white/black/grey, random solid colours, linear and radial gradients, and a 1x1 red pixel."""
    np_rng = np.random.default_rng(rng.getrandbits(32))
    makers = {
        "noise": lambda w, h: np_rng.integers(0, 256, (h, w, 3), dtype=np.uint8),
        "gaussian noise": lambda w, h: np.clip(np_rng.normal(128, 40, (h, w, 3)), 0, 255).astype(np.uint8),
        "blank": lambda w, h: np.full((h, w, 3), rng.choice((0, 128, 255)), np.uint8),
        "solid colour": lambda w, h: np.broadcast_to(np_rng.integers(0, 256, 3, dtype=np.uint8), (h, w, 3)).copy(),
        "gradient": _linear_gradient,
        "radial gradient": _radial_gradient,
    }
    kinds = list(makers)
    out = [("1x1 pixel", Image.new("RGB", (1, 1), (255, 0, 0)))]
    for n in range(count - 1):
        kind = kinds[n % len(kinds)]
        w, h = rng.randint(64, 800), rng.randint(64, 800)
        out.append((kind, Image.fromarray(makers[kind](w, h), "RGB")))
    return out


def _linear_gradient(w: int, h: int) -> np.ndarray:
    ramp = np.linspace(0.0, 1.0, w)[None, :, None] * np.ones((h, 1, 1))
    return (ramp * np.array([255, 180, 60]) + (1 - ramp) * np.array([20, 40, 200])).astype(np.uint8)


def _radial_gradient(w: int, h: int) -> np.ndarray:
    y, x = np.mgrid[0:h, 0:w]
    r = np.hypot(x - w / 2, y - h / 2) / np.hypot(w / 2, h / 2)
    return np.repeat((255 * (1 - r))[..., None], 3, axis=2).astype(np.uint8)


def calibrate(
    images: Mapping[str, tuple[str, Image.Image]],
    sources: Mapping[str, Image.Image] | None = None,
    *,
    seed: int = 0,
    views: int = 2,
    min_precision: float = MIN_PRECISION,
    measured_on: str = "",
    progress: bool = False,
) -> Calibration:
    """The threshold for a catalogue of `images` (key -> (exhibit id, stored image)).

    `sources` (key -> a larger picture of the same image, e.g. the museum's original) are what visitor
    photos are made from where given; each image gets `views` of them. Half the exhibits (drawn with
    `seed`) are indexed, the rest serve as paintings not in the collection.
    """
    exhibits = sorted({exhibit for exhibit, _ in images.values()})
    if len(exhibits) < 2:
        raise UserError("calibration needs images of at least two exhibits (half are held out as unknown)")
    rng = random.Random(seed)
    held_out = set(rng.sample(exhibits, len(exhibits) // 2))
    index, owner = ImageIndex(), {}
    for key, (exhibit, image) in sorted(images.items()):
        if exhibit not in held_out:
            index.add(key, image)
            owner[key] = exhibit
    queries: list[tuple[str, bool, str | None, Image.Image]] = []  # kind, indexed, the exhibit shown, picture
    for key, (exhibit, image) in sorted(images.items()):
        source = (sources or {}).get(key, image)
        known = exhibit not in held_out
        if not known:
            queries.append(("painting not in the index", False, exhibit, source))
        kind = "visitor photo" if known else "visitor photo, not in the index"
        queries += [(kind, known, exhibit, visitor_photo(source, rng)) for _ in range(views)]
    queries += [(kind, False, None, image) for kind, image in synthetic_negatives(rng)]
    bar = tqdm(queries, desc="calibrate", unit="photo", disable=not progress)
    scored = [_score(index, owner, kind, indexed, exhibit, image) for kind, indexed, exhibit, image in bar]
    return Calibration(choose_threshold(scored, min_precision, measured_on), scored)


def _score(
    index: ImageIndex, owner: dict[str, str], kind: str, indexed: bool, exhibit: str | None, image: Image.Image
) -> Scored:
    began = time.perf_counter()
    found = index.best(image)
    seconds = time.perf_counter() - began
    inliers = found.inliers if found else 0
    matched = owner[found.key] if found else None
    right = indexed and matched == exhibit
    return Scored(kind, indexed, inliers, right, seconds, matched, exhibit)


def save_threshold(threshold: Threshold, path: Path) -> Path:
    """Write a calibrated threshold (atomically) where `Catalogue.load` finds it."""
    return write_json(asdict(threshold), path)


def load_threshold(path: Path) -> Threshold | None:
    """The threshold saved at `path`, or None when there is none; a damaged file is a one-line error."""
    if not path.is_file():
        return None
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
        threshold = Threshold(**saved)
        if not isinstance(threshold.min_inliers, int) or threshold.min_inliers < 1:
            raise ValueError(f"min_inliers {threshold.min_inliers!r} is not a positive whole number")
    except (ValueError, TypeError) as error:
        raise UserError(f"{path}: not a saved recognition threshold ({error}); run `museumvqa calibrate` again") from None
    return threshold


def measure(scored: list[Scored], min_inliers: int) -> tuple[float, float, float]:
    """(precision, recall, false-accept share of negatives) when `min_inliers` or more are accepted."""
    accepted = [s for s in scored if s.inliers >= min_inliers]
    right = sum(s.positive and s.right for s in accepted)
    positives = sum(s.positive for s in scored)
    negatives = sum(not s.positive for s in scored)
    precision = right / len(accepted) if accepted else 1.0
    recall = right / positives if positives else 0.0
    return precision, recall, sum(not s.positive for s in accepted) / negatives if negatives else 0.0


def choose_threshold(scored: list[Scored], min_precision: float = MIN_PRECISION, measured_on: str = "") -> Threshold:
    """The lowest count reaching `min_precision`, at least `MARGIN` times the strongest negative and
    `MIN_PAIRS` (a fit from fewer pairs is never scored)."""
    top = max((s.inliers for s in scored), default=0) + 1
    lowest = next((t for t in range(1, top + 1) if measure(scored, t)[0] >= min_precision), top)
    strongest = max((s.inliers for s in scored if not s.positive), default=0)
    chosen = max(lowest, math.ceil(MARGIN * strongest), MIN_PAIRS)
    return Threshold(chosen, *measure(scored, chosen), measured_on=measured_on)
