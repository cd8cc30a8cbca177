"""Random crops and mirror images of the training photographs, drawn per batch position.

Why: a model trained from scratch on a catalogue's few hundred photographs learns each photograph by
heart (its titles, its dates) and nothing that carries to a painting it has not seen; shown a different
crop and side of each photograph every epoch, it has to learn what the crops share (silk or canvas,
scroll or framed panel). Each batch's draws come from the run's seed and the batch's position in the
plan, so a resumed run sees the same crops as an uninterrupted one.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from museumvqa.models.family import Batch


@dataclass(frozen=True)
class Augmentation:
    """A crop keeping `min_scale`..1 of the picture's area (aspect 3:4..4:3), resized back, then a mirror
    image half of the time."""

    seed: int
    min_scale: float = 0.6
    flip: bool = True

    def __call__(self, batch: Batch, position: int) -> Batch:
        pixels = batch.get("pixel_values")
        if pixels is None or pixels.ndim != 4:
            return batch
        generator = torch.Generator().manual_seed(self.seed * 1_000_003 + position)
        out = torch.stack([self._one(image, generator) for image in pixels])
        return {**batch, "pixel_values": out.to(pixels.dtype)}

    def _one(self, image: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        _, height, width = image.shape
        draws = torch.rand(5, generator=generator).tolist()
        area = self.min_scale + (1 - self.min_scale) * draws[0]
        aspect = (3 / 4) * (16 / 9) ** draws[1]  # log-uniform between 3/4 and 4/3
        h = max(1, min(height, round(height * (area / aspect) ** 0.5)))
        w = max(1, min(width, round(width * (area * aspect) ** 0.5)))
        top, left = round((height - h) * draws[2]), round((width - w) * draws[3])
        crop = image[:, top : top + h, left : left + w].unsqueeze(0).float()
        resized = F.interpolate(crop, size=(height, width), mode="bilinear", align_corners=False)[0]
        return resized.flip(-1) if self.flip and draws[4] < 0.5 else resized
