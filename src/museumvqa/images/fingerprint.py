"""Local-feature fingerprint of an image, and the geometric check that says two fingerprints show one object.

Why local features: a re-photographed painting comes back cropped, tilted, framed, seen from the side,
lit and encoded differently. Each of these moves a whole-image hash (a 64-bit dHash finds none of 160
crops or rotations), but the keypoints of the painted surface stay on the surface: two photographs of
one object share many descriptor matches that agree on one mapping from one picture to the other, and
two different paintings share only a few that agree on nothing.

Fingerprint: the grey image brought to a long side of `WORK_SIDE` px (a small stored image is enlarged:
a 64-px shard still gives keypoints), histogram-equalised (so brightness, contrast and colour shifts
barely change it), then ORB's `FEATURES` strongest corners over 8 scales 1.2 apart, each with a 256-bit
binary descriptor. `visual_words` cuts each descriptor into short exact keys for a candidate index.

Check (`matches`): each query descriptor's nearest descriptor of the other image, kept when clearly nearer
than the second nearest (ratio `RATIO`); RANSAC then fits a homography (perspective) and a similarity
(crop, tilt, resize) to those pairs within `REPROJECTION_PX`, and a fit counts only if a camera could
give it (see `_plausible_homography`, `_plausible_similarity`). The score is the larger inlier count.
OpenCV's RANSAC seeds its generator the same way on every call, so the score is deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

WORK_SIDE = 320
FEATURES = 500
RATIO = 0.8
REPROJECTION_PX = 4.0
MIN_PAIRS = 8  # fewer ratio-test pairs than this: no fit is tried, the score is 0
SCALE_RANGE = (0.25, 4.0)  # how much larger or smaller one picture of an object may show it than another
MIN_STRETCH = 0.3  # smaller / larger singular value of a homography's linear part (3:1 at most)
WORD_TABLES = 8
WORD_BITS = 24

# Which descriptor bits make each table's word: a fixed odd stride (it visits each of the 256 bits once),
# so an image's words depend on its descriptors only, never on a random draw.
_WORD_BIT_POSITIONS = ((np.arange(WORD_TABLES * WORD_BITS) * 97) % 256).reshape(WORD_TABLES, WORD_BITS)


@dataclass(frozen=True)
class Fingerprint:
    """ORB keypoints of one image: positions in the work image, their descriptors, the work image's size."""

    points: np.ndarray  # (n, 2) float32, x and y in work-image pixels
    descriptors: np.ndarray  # (n, 32) uint8: 256-bit descriptors
    shape: tuple[int, int]  # (height, width) of the work image

    def __len__(self) -> int:
        return len(self.points)


def work_image(image: Image.Image) -> np.ndarray:
    """The grey, `WORK_SIDE`-px, histogram-equalised picture the keypoints are found on."""
    grey = np.asarray(image.convert("L"))
    scale = WORK_SIDE / max(grey.shape)
    size = (max(1, round(grey.shape[1] * scale)), max(1, round(grey.shape[0] * scale)))
    resized = cv2.resize(grey, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)
    return cv2.equalizeHist(resized)


def fingerprint(image: Image.Image) -> Fingerprint:
    """The keypoints and descriptors of `image` (none for a blank picture)."""
    grey = work_image(image)
    orb = cv2.ORB_create(
        nfeatures=FEATURES, scaleFactor=1.2, nlevels=8, edgeThreshold=15, patchSize=31, fastThreshold=10
    )
    keypoints, descriptors = orb.detectAndCompute(grey, None)
    if descriptors is None or not keypoints:
        return Fingerprint(np.zeros((0, 2), np.float32), np.zeros((0, 32), np.uint8), grey.shape)
    points = np.array([k.pt for k in keypoints], dtype=np.float32)
    return Fingerprint(points, descriptors, grey.shape)


def visual_words(fp: Fingerprint) -> np.ndarray:
    """Distinct int64 keys, `WORD_TABLES` per descriptor: its bits at fixed positions, tagged by table.

    Two descriptors of one surface point differ in a few of their 256 bits, so they often agree on all
    `WORD_BITS` bits of at least one table; two unrelated descriptors seldom do.
    """
    if not len(fp):
        return np.zeros(0, np.int64)
    bits = np.unpackbits(fp.descriptors, axis=1)[:, _WORD_BIT_POSITIONS].astype(np.int64)  # (n, tables, bits)
    values = bits @ (np.int64(1) << np.arange(WORD_BITS, dtype=np.int64))
    tagged = values + (np.arange(WORD_TABLES, dtype=np.int64) << WORD_BITS)
    return np.unique(tagged)


def matches(query: Fingerprint, other: Fingerprint, at_least: int = MIN_PAIRS) -> int:
    """How many keypoint matches of `query` in `other` agree on one plausible camera mapping.

    0 when none do, or when fewer than `at_least` (and `MIN_PAIRS`) pairs pass the ratio test: no fit
    could then reach `at_least`, so a caller with a threshold skips the costly part.
    """
    floor = max(at_least, MIN_PAIRS)
    if len(query) < floor or len(other) < 2:
        return 0
    pairs = [p[0] for p in cv2.BFMatcher(cv2.NORM_HAMMING).knnMatch(query.descriptors, other.descriptors, k=2)
             if len(p) == 2 and p[0].distance < RATIO * p[1].distance]  # fmt: skip
    if len(pairs) < floor:
        return 0
    source = query.points[[p.queryIdx for p in pairs]]
    target = other.points[[p.trainIdx for p in pairs]]
    return max(_homography_inliers(source, target, query.shape), _similarity_inliers(source, target))


def _homography_inliers(source: np.ndarray, target: np.ndarray, shape: tuple[int, int]) -> int:
    homography, inliers = cv2.findHomography(
        source, target, cv2.RANSAC, REPROJECTION_PX, maxIters=2000, confidence=0.995
    )
    if homography is None or inliers is None or not _plausible_homography(homography, shape):
        return 0
    return int(inliers.sum())


def _similarity_inliers(source: np.ndarray, target: np.ndarray) -> int:
    similarity, inliers = cv2.estimateAffinePartial2D(
        source, target, method=cv2.RANSAC, ransacReprojThreshold=REPROJECTION_PX
    )
    if similarity is None or inliers is None or not _plausible_similarity(similarity):
        return 0
    return int(inliers.sum())


def _plausible_similarity(similarity: np.ndarray) -> bool:
    """A zoom within `SCALE_RANGE` (any rotation: a photograph may be turned on its side)."""
    scale = float(np.sqrt(abs(np.linalg.det(similarity[:, :2]))))
    return SCALE_RANGE[0] <= scale <= SCALE_RANGE[1]


def _plausible_homography(homography: np.ndarray, shape: tuple[int, int]) -> bool:
    """The query frame lands as a convex, unmirrored quadrilateral, zoomed within `SCALE_RANGE` and
    stretched at most 1/`MIN_STRETCH`: random matches between two paintings fit folded or flattened ones."""
    if abs(homography[2, 2]) < 1e-9:  # the frame corner (0, 0) sent to infinity: no camera does that
        return False
    height, width = shape
    frame = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float64)
    corners = cv2.perspectiveTransform(frame.reshape(-1, 1, 2), homography).reshape(-1, 2)
    edges = np.roll(corners, -1, axis=0) - corners
    turns = edges[:, 0] * np.roll(edges, -1, axis=0)[:, 1] - edges[:, 1] * np.roll(edges, -1, axis=0)[:, 0]
    if not np.all(turns > 0):  # the frame's own turns are all positive (y points down)
        return False
    scale = np.sqrt(_area(corners) / (width * height))
    low, high = np.linalg.svd(homography[:2, :2] / homography[2, 2], compute_uv=False)[::-1]
    return bool(SCALE_RANGE[0] <= scale <= SCALE_RANGE[1] and low >= MIN_STRETCH * high)


def _area(corners: np.ndarray) -> float:
    """Area of a simple polygon (shoelace formula)."""
    x, y = corners[:, 0], corners[:, 1]
    return 0.5 * abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))
