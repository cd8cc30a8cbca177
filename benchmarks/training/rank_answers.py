"""Does answer ranking rescue the demo model on unseen paintings? (issue 16, item 1)

BLIP's own VQA inference can rank a closed list of candidate answers instead of generating freely. Here
each General (and validation) question's candidates are the training answers of its (category, language);
a candidate's score is the model's log-likelihood of its tokens given the image and question, plus
`lambda` times the log of its training frequency (lambda 0: BLIP's ranking; large: the majority answer).
Two ways to choose: one lambda for all, or per category the model only where it beat the majority on
the validation paintings (the majority elsewhere). Scored by normalised exact match against any gold
answer, paired with the majority answer on the same rows (bootstrap 95% interval, 1,000 resamples).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/training/rank_answers.py --run RUN --model MODEL_DIR
"""

from __future__ import annotations

import argparse
import math
import random
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import torch

from museumvqa.evaluation.majority import most_frequent
from museumvqa.evaluation.normalize import normalize_answer
from museumvqa.images.reader import load_images
from museumvqa.models.blip import load_blip

LAMBDAS = (0.0, 0.25, 0.5, 1.0, 2.0, 4.0, 100.0)


def candidate_scores(model: Any, processor: Any, rows: list[dict], counts: dict, shards: Path) -> list[dict]:
    """Each row with its candidates (training answers of its category and language), their training counts
    and the model's log-likelihood of each."""
    tokenizer, text = processor.tokenizer, model.config.text_config
    images = load_images(shards, {r["image_key"] for r in rows})
    scored = []
    for row in rows:
        pool = counts[(row["category"], row["language"])]
        candidates = sorted(pool)
        pixels = processor.image_processor(images[row["image_key"]].convert("RGB"), return_tensors="pt")
        question = torch.tensor([tokenizer(row["question"], truncation=True, max_length=64)["input_ids"]])
        ids = [[text.bos_token_id, *x[1:]] for x in tokenizer(candidates, truncation=True, max_length=32)["input_ids"]]
        width = max(map(len, ids))
        decoder = torch.tensor([x + [text.pad_token_id] * (width - len(x)) for x in ids])
        mask = (torch.arange(width)[None] < torch.tensor([len(x) for x in ids])[:, None]).long()
        with torch.no_grad():
            image = model.vision_model(pixel_values=pixels["pixel_values"])[0]
            asked = model.text_encoder(
                input_ids=question,
                encoder_hidden_states=image,
                encoder_attention_mask=torch.ones(image.shape[:-1], dtype=torch.long),
                return_dict=False,
            )[0]
            logits = model.text_decoder(
                input_ids=decoder,
                attention_mask=mask,
                encoder_hidden_states=asked.expand(len(ids), -1, -1),
                encoder_attention_mask=torch.ones(len(ids), asked.shape[1], dtype=torch.long),
                return_dict=True,
            ).logits
        token_logp = torch.log_softmax(logits[:, :-1].float(), -1).gather(-1, decoder[:, 1:, None])[..., 0]
        likelihood = (token_logp * mask[:, 1:]).sum(1).tolist()
        scored.append({**row, "candidates": candidates, "counts": [pool[c] for c in candidates], "ll": likelihood})
    return scored


def ranked(row: dict, weight: float) -> str:
    total = sum(row["counts"])
    scores = [ll + weight * math.log(c / total) for ll, c in zip(row["ll"], row["counts"])]
    return row["candidates"][max(range(len(scores)), key=lambda i: (scores[i], row["counts"][i]))]


def majority(row: dict) -> str:
    return most_frequent(Counter(dict(zip(row["candidates"], row["counts"]))))


def correct(answer: str, row: dict) -> float:
    return float(normalize_answer(answer) in {normalize_answer(g) for g in row["answers"]})


def paired(diffs: list[float], resamples: int = 1000) -> str:
    rng, n = random.Random(0), len(diffs)
    means = sorted(sum(rng.choice(diffs) for _ in range(n)) / n * 100 for _ in range(resamples))
    wins, losses = diffs.count(1.0), diffs.count(-1.0)
    return f"{sum(diffs) / n * 100:+.1f} [{means[25]:+.1f}, {means[975]:+.1f}] ({wins} won, {losses} lost)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run", type=Path, required=True, help="run folder with benchmarks/ and shards/")
    parser.add_argument("--model", type=Path, required=True, help="a trained BLIP folder")
    args = parser.parse_args()
    torch.set_num_threads(1)
    model, processor = load_blip(args.model)
    model.eval()
    tables = args.run / "benchmarks"
    counts: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for row in pq.read_table(tables / "train.parquet", columns=["category", "language", "answers"]).to_pylist():
        counts[(row["category"], row["language"])][row["answers"][0]] += 1
    val, test = (
        candidate_scores(model, processor, pq.read_table(tables / f"{name}.parquet").to_pylist(), counts, args.run / "shards")
        for name in ("val", "general")
    )
    print(f"{args.model}: General n={len(test)}, validation n={len(val)}; exact match minus the majority's")
    for weight in LAMBDAS:
        diffs = [correct(ranked(r, weight), r) - correct(majority(r), r) for r in test]
        print(f"  rank, lambda {weight:g}: {paired(diffs)}")
    for weight in (0.0, 0.5, 1.0):
        gain: Counter[str] = Counter()
        for r in val:
            gain[r["category"]] += correct(ranked(r, weight), r) - correct(majority(r), r)
        chosen = {c for c, g in gain.items() if g > 0}
        diffs = [correct(ranked(r, weight), r) - correct(majority(r), r) if r["category"] in chosen else 0.0 for r in test]
        print(f"  per-category choice on validation, lambda {weight:g} (model for {sorted(chosen)}): {paired(diffs)}")


if __name__ == "__main__":
    main()
