"""`museumvqa calibrate`: the recognition threshold measured on a museum's own catalogue, saved beside it.

The default threshold (`catalogue.CALIBRATED`) comes from the 174 sample paintings. A collection of
near-identical objects (prints of one plate, coins of one die, a series photographed on one table) lets
different exhibits agree on many keypoints, so it needs its own: `serving/open_set.py`'s calibration on
the run's shard images, saved as `open_set.json`, which `serve` and `ask --catalog` then use.
"""

from __future__ import annotations

from pathlib import Path

from museumvqa.errors import UserError
from museumvqa.layout import RunLayout
from museumvqa.serving.catalogue import catalogue_images
from museumvqa.serving.open_set import MIN_PRECISION, Calibration, Scored, calibrate, save_threshold

CONFUSIONS_SHOWN = 3


def calibrate_catalogue(
    run_dir: str | Path,
    seed: int = 0,
    views: int = 2,
    min_precision: float = MIN_PRECISION,
    progress: bool = True,
) -> Calibration:
    """Calibrate on the run's catalogue and save the threshold (`RunLayout.open_set`).

    Fails, saving nothing, when no threshold recognises any visitor photo at `min_precision`: then photos
    of some exhibits match other exhibits as strongly as their own, and the error names them."""
    layout = RunLayout(Path(run_dir))
    _, images = catalogue_images(layout.root)
    exhibits = len({exhibit for exhibit, _ in images.values()})
    measured_on = f"{len(images)} images of {exhibits} exhibits in {layout.root}, half indexed (seed {seed})"
    result = calibrate(
        images, seed=seed, views=views, min_precision=min_precision, measured_on=measured_on, progress=progress
    )
    if any(s.positive for s in result.scored) and result.threshold.recall == 0.0:
        raise UserError(
            f"{layout.root}: no threshold recognises visitor photos at precision {min_precision}: "
            f"{_confusions(result.scored)}; exhibits that share an image cannot be told apart by their photos "
            "(merge or drop duplicate records, or lower --min-precision)"
        )
    save_threshold(result.threshold, layout.open_set)
    return result


def _confusions(scored: list[Scored]) -> str:
    """The strongest photos recognised as another exhibit than the one they show, as 'A -> B (N matches)'."""
    wrong = [s for s in scored if s.shows and s.found and s.found != s.shows]
    if not wrong:
        return "no visitor photo reached enough matches"
    wrong.sort(key=lambda s: (-s.inliers, s.shows))
    strongest = [f"{s.shows} -> {s.found} ({s.inliers} matches)" for s in wrong[:CONFUSIONS_SHOWN]]
    return f"{len(wrong)} photos matched another exhibit, the strongest " + "; ".join(strongest)
