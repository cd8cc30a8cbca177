"""Near-duplicate leak check on real paintings: recall on generated re-photographs, false positives between
different paintings, time per image; the `orb-ransac` check (museumvqa.tasks.leaks) against the old one
(64-bit dHash, or the index's 64-bit pHash, within 4 bits) in the same run, on the same pixels.

Data: the 174 Met paintings of the built-in sample, stored as the shard build stores them (long side
`--image-size`, JPEG quality 90, the product's `resize` and `encode_jpeg`). Each painting gets one copy
per transform kind, made from the full-size original with parameters seeded by its object ID and the
kind, then stored the same way:
- crop, rotation, perspective, lighting: the product's generated views (images/views.py): a 60-85% window
  resized to full size; turned 4-12 degrees with white fill; far edge squeezed 6-16%; brightness x0.65-0.85
  or x1.15-1.35 with contrast x0.8-1.2;
- border: a white or black frame 2-8% of the long side wide on every side;
- colour: brightness and contrast x0.7-1.3, saturation x0.5-1.5, hue turned by up to 28 degrees;
- reencode: resized to 40-100% and saved at JPEG quality 30-90;
- combined: three different kinds of the above in a row (a harsh re-photograph: reported, not a target).

Recall: copies are the test split, the 174 stored originals train; a copy counts when the check pairs it
with its own painting. False positives: every unordered pair of different paintings (15,051), each
painting checked as a test image against the other 173 (candidates, then verification, as the build
does); also copies paired with a painting other than their own. `--all-pairs` also verifies every
ordered pair of different paintings without the candidate stage (the highest scores show the margin
under the threshold; 2-3 minutes). Time: fingerprints per image, the check per test image, and the
demo's scale end to end (174 exhibits with 4 generated views each, a 20% test split).

    .venv/bin/python benchmarks/leaks/bench_leaks.py [--image-size 384] [--all-pairs] [--json out.json]
"""

from __future__ import annotations

import argparse
import io
import json
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageEnhance, ImageOps

from museumvqa.images.fingerprint import Fingerprint, fingerprint, matches
from museumvqa.images.phash import phash
from museumvqa.images.process import encode_jpeg, resize
from museumvqa.images.views import generated_views
from museumvqa.sample import met_sample_dir
from museumvqa.tasks.leaks import CANDIDATES, DEFAULT_MIN_MATCHES, MISSES, WordIndex, find_leaks, visual_words

OWN_KINDS = ("border", "colour", "reencode")
VIEW_KINDS = ("crop", "rotation", "perspective", "lighting")
KINDS = (*VIEW_KINDS, *OWN_KINDS, "combined")
OLD_MAX_BITS = 4
SWEEP = (12, 14, 16, 20, 25, 30)


# --- the pictures -------------------------------------------------------------------------------------------


def stored(img: Image.Image, size: int) -> Image.Image:
    """`img` as a shard holds it: long side `size`, JPEG quality 90, decoded again."""
    return Image.open(io.BytesIO(encode_jpeg(resize(img.convert("RGB"), size), 90))).convert("RGB")


def _view(img: Image.Image, kind: str, seed: str) -> Image.Image:
    return dict(generated_views(img, len(VIEW_KINDS), seed))[f"generated:{kind}"]


def _border(img: Image.Image, rng: random.Random) -> Image.Image:
    width = round(rng.uniform(0.02, 0.08) * max(img.size))
    return ImageOps.expand(img, width, fill=rng.choice(((255, 255, 255), (0, 0, 0))))


def _colour(img: Image.Image, rng: random.Random) -> Image.Image:
    img = ImageEnhance.Brightness(img).enhance(rng.uniform(0.7, 1.3))
    img = ImageEnhance.Contrast(img).enhance(rng.uniform(0.7, 1.3))
    img = ImageEnhance.Color(img).enhance(rng.uniform(0.5, 1.5))
    hsv = np.asarray(img.convert("HSV")).copy()
    hsv[..., 0] = (hsv[..., 0].astype(np.int16) + rng.randint(-20, 20)) % 256  # 20/256 of a turn: 28 degrees
    return Image.fromarray(hsv, "HSV").convert("RGB")


def _reencode(img: Image.Image, rng: random.Random) -> Image.Image:
    share = rng.uniform(0.4, 1.0)
    smaller = img.resize(
        (max(1, round(img.width * share)), max(1, round(img.height * share))), Image.Resampling.BILINEAR
    )
    return Image.open(io.BytesIO(encode_jpeg(smaller, rng.randint(30, 90)))).convert("RGB")


_OWN: dict[str, Callable[[Image.Image, random.Random], Image.Image]] = {
    "border": _border,
    "colour": _colour,
    "reencode": _reencode,
}


def transformed(img: Image.Image, kind: str, seed: str) -> Image.Image:
    """One copy of `img` under `kind`, its parameters drawn from `seed`."""
    rng = random.Random(f"{seed}:{kind}")
    if kind in VIEW_KINDS:
        return _view(img, kind, f"{seed}:{kind}")
    if kind in _OWN:
        return _OWN[kind](img, rng)
    for step in rng.sample([*VIEW_KINDS, *OWN_KINDS], 3):
        img = transformed(img, step, f"{seed}:{kind}:{step}")
    return img


# --- the old check -----------------------------------------------------------------------------------------


def dhash(image: Image.Image) -> int:
    """The old build's 64-bit difference hash (tasks/leaks.py before this change)."""
    grey = np.asarray(image.convert("L").resize((9, 8), Image.Resampling.LANCZOS), dtype=np.int16)
    bits = 0
    for brighter in (grey[:, :-1] > grey[:, 1:]).ravel():
        bits = (bits << 1) | int(brighter)
    return bits


OLD_HASHES: dict[str, Callable[[Image.Image], int]] = {
    "dHash": dhash,
    "pHash": lambda image: int(phash(image), 16),  # what the index's phash column holds
}


def within(a: int, b: int) -> bool:
    return (a ^ b).bit_count() <= OLD_MAX_BITS


# --- measurements ------------------------------------------------------------------------------------------


def timed_fingerprints(images: dict[str, Image.Image]) -> tuple[dict[str, Fingerprint], float]:
    began = time.perf_counter()
    fingerprints = {key: fingerprint(img) for key, img in images.items()}
    return fingerprints, time.perf_counter() - began


def recall(originals: dict[str, Image.Image], copies: dict[str, Image.Image], fps: dict[str, Fingerprint]) -> dict:
    """Copies (test) against the originals (train): own painting found, wrong paintings, per kind and check."""
    split_of = {**{k: "train" for k in originals}, **{k: "test" for k in copies}}
    began = time.perf_counter()
    pairs = find_leaks(fps, split_of)
    seconds = time.perf_counter() - began
    own = {copy: f"o:{copy.split(':', 1)[1]}" for copy in copies}
    found = {t for t, o, _ in pairs if o == own[t]}
    wrong = [(t, o, s) for t, o, s in pairs if o != own[t]]
    direct = {c: matches(fps[c], fps[own[c]]) for c in copies}  # own pair, without the candidate stage
    index = WordIndex()
    for key in sorted(originals):
        index.add(key, visual_words(fps[key]))
    rank = {}
    for c in copies:
        ranked = [o for o, _ in index.candidates(visual_words(fps[c]), CANDIDATES)]
        rank[c] = ranked.index(own[c]) if own[c] in ranked else CANDIDATES
    result: dict[str, Any] = {"check_seconds": seconds, "kinds": {}, "wrong": wrong}
    old, result["old_ms"] = {}, {}
    for name, fn in OLD_HASHES.items():
        began = time.perf_counter()
        old[name] = {k: fn(img) for k, img in {**originals, **copies}.items()}
        result["old_ms"][name] = 1000 * (time.perf_counter() - began) / len(old[name])
    for kind in KINDS:
        mine = [c for c in copies if c.startswith(f"{kind}:")]
        row = {
            "copies": len(mine),
            "found": sum(c in found for c in mine),
            "first_candidate": sum(rank[c] == 0 for c in mine),
            "sweep": {t: sum(direct[c] >= t for c in mine) for t in SWEEP},
            "direct_min": min(direct[c] for c in mine),
            "direct_median": float(np.median([direct[c] for c in mine])),
        }
        for name, hashes in old.items():
            row[name] = sum(within(hashes[c], hashes[own[c]]) for c in mine)
        result["kinds"][kind] = row
    for name, hashes in old.items():
        result[f"{name}_wrong"] = sum(within(hashes[c], hashes[o]) for c in copies for o in originals if o != own[c])
    return result


def distinct_pairs(originals: dict[str, Image.Image], fps: dict[str, Fingerprint]) -> dict:
    """Pairs of different paintings flagged: each painting checked against the other 173, as the build does."""
    index = WordIndex()
    keys = sorted(originals)
    for key in keys:
        index.add(key, visual_words(fps[key]))
    flagged: dict[tuple[str, str], int] = {}
    for key in keys:
        for other, _ in index.candidates(visual_words(fps[key]), CANDIDATES + 1):
            if other != key:
                score = matches(fps[key], fps[other])
                pair = (min(key, other), max(key, other))
                flagged[pair] = max(flagged.get(pair, 0), score)
    total = len(keys) * (len(keys) - 1) // 2
    result: dict[str, Any] = {"pairs": total, "verified": len(flagged), "flagged": {}}
    for t in SWEEP:
        result["flagged"][t] = sorted((p, s) for p, s in flagged.items() if s >= t)
    for name, fn in OLD_HASHES.items():
        hashes = {k: fn(originals[k]) for k in keys}
        result[name] = [(a, b) for i, a in enumerate(keys) for b in keys[i + 1 :] if within(hashes[a], hashes[b])]
    return result


def all_pairs(fps: dict[str, Fingerprint], keys: list[str]) -> list[tuple[int, str, str]]:
    """The score of every ordered pair of different paintings, highest first."""
    return sorted(((matches(fps[a], fps[b]), a, b) for a in keys for b in keys if a != b), reverse=True)


def demo_scale(stored_originals: dict[str, Image.Image], views: int, seed: int = 0) -> dict:
    """The build's check at the demo's size: each painting plus its generated views, 20% of exhibits test."""
    images = {}
    for key, img in stored_originals.items():
        images[key] = img
        for n, (_, view) in enumerate(generated_views(img, views, key)):
            images[f"{key}:g{n}"] = Image.open(io.BytesIO(encode_jpeg(view, 90))).convert("RGB")
    exhibits = sorted(stored_originals)
    test = set(random.Random(seed).sample(exhibits, round(0.2 * len(exhibits))))
    split_of = {k: "test" if k.split(":g")[0] in test else "train" for k in images}
    wall, cpu = time.perf_counter(), time.process_time()
    fps = {k: fingerprint(img) for k, img in images.items()}
    pairs = find_leaks(fps, split_of)
    return {
        "images": len(images),
        "test_images": sum(v == "test" for v in split_of.values()),
        "seconds": time.perf_counter() - wall,
        "cpu_seconds": time.process_time() - cpu,
        "pairs": len(pairs),
    }


# --- report ------------------------------------------------------------------------------------------------


def titles() -> dict[str, str]:
    records = json.loads((met_sample_dir() / "objects.json").read_text())["objects"]
    return {f"o:{r['objectID']}": f"{r['title'][:60]} ({r.get('artistDisplayName') or 'unknown'})" for r in records}


def report(size: int, rec: dict, neg: dict, fp_seconds: float, n_images: int, demo: dict, ranked: list | None) -> None:
    print(f"\n### Recall on generated copies (stored at {size} px; threshold {DEFAULT_MIN_MATCHES} matches)\n")
    print(f"| kind | copies | orb-ransac | dHash <= {OLD_MAX_BITS} | pHash <= {OLD_MAX_BITS} "
          "| own painting first candidate | own-pair matches: min / median |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    totals = dict.fromkeys(("copies", "found", "dHash", "pHash"), 0)
    for kind, row in rec["kinds"].items():
        if kind != "combined":
            for k in totals:
                totals[k] += row[k]
        n = row["copies"]
        print(f"| {kind} | {n} | {row['found'] / n:.1%} | {row['dHash'] / n:.1%} | {row['pHash'] / n:.1%} "
              f"| {row['first_candidate'] / n:.1%} | {row['direct_min']} / {row['direct_median']:.0f} |")  # fmt: skip
    n = totals["copies"]
    print(f"| **all but combined** | {n} | **{totals['found'] / n:.1%}** | {totals['dHash'] / n:.1%} "
          f"| {totals['pHash'] / n:.1%} | | |")  # fmt: skip
    wrong = [w for w in rec["wrong"] if w[2] >= DEFAULT_MIN_MATCHES]
    copies = sum(r["copies"] for r in rec["kinds"].values())
    print(f"\nCopies paired with a different painting: orb-ransac {len(wrong)}, dHash {rec['dHash_wrong']}, "
          f"pHash {rec['pHash_wrong']} (of {copies} copies x 173 other paintings).")  # fmt: skip
    print(f"\n### Different paintings flagged ({neg['pairs']:,} unordered pairs; each painting's {CANDIDATES} best "
          f"candidates among the other 173 all verified, {neg['verified']} pairs: at least what the build verifies)\n")  # fmt: skip
    print("| check | pairs flagged | false-positive rate |")
    print("|---|---|---|")
    for t in SWEEP:
        flagged = len(neg["flagged"][t])
        mark = " (default)" if t == DEFAULT_MIN_MATCHES else ""
        print(f"| orb-ransac >= {t} matches{mark} | {flagged} | {flagged / neg['pairs']:.4%} |")
    for name in OLD_HASHES:
        print(f"| {name} <= {OLD_MAX_BITS} bits | {len(neg[name])} | {len(neg[name]) / neg['pairs']:.4%} |")
    names = titles()
    for t in SWEEP:
        for (a, b), score in neg["flagged"][t]:
            if t == SWEEP[0]:
                print(f"- {score} matches: {a} {names.get(a, '')} / {b} {names.get(b, '')}")
    for name in OLD_HASHES:
        for a, b in neg[name]:
            print(f"- {name}: {a} {names.get(a, '')} / {b} {names.get(b, '')}")
    print(
        "\n### Threshold sweep (recall: each copy against its own painting, all kinds but combined; flagged: as above)\n"
    )
    print("| min matches | recall | flagged |")
    print("|---|---|---|")
    for t in SWEEP:
        found = sum(r["sweep"][t] for k, r in rec["kinds"].items() if k != "combined")
        print(f"| {t} | {found / n:.1%} | {len(neg['flagged'][t])} |")
    if ranked:
        top = ", ".join(f"{s} ({a[2:]}/{b[2:]})" for s, a, b in ranked[:8])
        print(f"\nAll {len(ranked):,} ordered pairs of different paintings verified: highest scores {top}.")
    test_images = sum(r["copies"] for r in rec["kinds"].values())
    print("\n### Time\n")
    print(f"- fingerprint: {1000 * fp_seconds / n_images:.1f} ms per image ({n_images} images)")
    print("- old check, hash per image: " + ", ".join(f"{n} {ms:.2f} ms" for n, ms in rec["old_ms"].items()))
    print(
        f"- check (index of 174; up to {CANDIDATES} candidates, {MISSES} misses in a row end the search): "
        f"{1000 * rec['check_seconds'] / test_images:.1f} ms per test image ({test_images} test images)"
    )
    print(f"- demo scale: {demo['images']} images ({demo['test_images']} test), fingerprints + check "
          f"{demo['seconds']:.1f} s wall, {demo['cpu_seconds']:.1f} s CPU; {demo['pairs']} pairs flagged")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--image-size", type=int, default=384, help="Long side of the stored images (shards).")
    parser.add_argument("--views", type=int, default=4, help="Generated views per painting at demo scale.")
    parser.add_argument("--all-pairs", action="store_true", help="Also verify every pair of different paintings.")
    parser.add_argument("--json", type=Path, help="Also write the numbers here.")
    args = parser.parse_args()

    folder = met_sample_dir()
    full = {f"o:{p.stem}": Image.open(p).convert("RGB") for p in sorted(folder.glob("*.jpg"))}
    originals = {k: stored(img, args.image_size) for k, img in full.items()}
    copies = {
        f"{kind}:{key[2:]}": stored(transformed(img, kind, key[2:]), args.image_size)
        for kind in KINDS
        for key, img in full.items()
    }
    fps, fp_seconds = timed_fingerprints({**originals, **copies})
    rec = recall(originals, copies, fps)
    neg = distinct_pairs(originals, fps)
    ranked = all_pairs(fps, sorted(originals)) if args.all_pairs else None
    demo = demo_scale(originals, args.views)
    report(args.image_size, rec, neg, fp_seconds, len(fps), demo, ranked)
    if args.json:
        summary = {
            "image_size": args.image_size,
            "threshold": DEFAULT_MIN_MATCHES,
            "kinds": rec["kinds"],
            "wrong_copies": len([w for w in rec["wrong"] if w[2] >= DEFAULT_MIN_MATCHES]),
            "distinct_pairs": neg["pairs"],
            "flagged": {str(t): neg["flagged"][t] for t in SWEEP},
            "old_flagged": {name: neg[name] for name in OLD_HASHES},
            "fingerprint_ms": 1000 * fp_seconds / len(fps),
            "demo": demo,
            "all_pairs_top": ranked[:20] if ranked else None,
        }
        args.json.write_text(json.dumps(summary, indent=1, default=str))


if __name__ == "__main__":
    main()
