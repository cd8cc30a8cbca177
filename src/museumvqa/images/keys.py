"""WebDataset sample keys for exhibit images.

webdataset groups tar members into samples by splitting each file name at its FIRST dot, so a key
must be dot-free; `/` would become a folder and `:` or spaces upset shells and URLs. Accession
numbers (`met:1987.123.4`) break all of these, so a key is a readable ASCII slug of the exhibit id
plus a hash of the exact id (two ids that slug alike still get different keys) plus the image's
position in the exhibit's image list.
"""

from __future__ import annotations

import hashlib
import re

_UNSAFE = re.compile(r"[^A-Za-z0-9-]+")
_SLUG_CHARS = 40
_PART = re.compile(r"[a-z0-9]{1,8}")
_HASH_CHARS = 16  # 64 bits: a collision among 65M exhibits has odds of about 1 in 10,000


def sample_key(exhibit_id: str, view_index: int, part: str | None = None) -> str:
    """`<slug>_<sha1 of exhibit_id>_v<view_index>[-<part>]`: only `[A-Za-z0-9_-]`, stable across runs.

    `part` tells apart several images that come from one image reference: the canvases of a IIIF
    manifest (`c1`, `c2`, ...) and generated views (`g0`, `g1`, ...).
    """
    if not exhibit_id:
        raise ValueError("exhibit_id must not be empty")
    if view_index < 0:
        raise ValueError(f"view_index must be >= 0, got {view_index}")
    if part is not None and not _PART.fullmatch(part):
        raise ValueError(f"key part must be short and alphanumeric, got {part!r}")
    slug = _UNSAFE.sub("-", exhibit_id).strip("-")[:_SLUG_CHARS].rstrip("-") or "x"
    digest = hashlib.sha1(exhibit_id.encode("utf-8")).hexdigest()[:_HASH_CHARS]
    key = f"{slug}_{digest}_v{view_index}"
    return key if part is None else f"{key}-{part}"
