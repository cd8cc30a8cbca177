"""Where an image reference's bytes come from: a local file, an http(s) URL or a IIIF service.

A reference may stand for several images: a IIIF Presentation manifest lists every canvas (every
view of the object). A IIIF Image API service (`.../info.json`) is asked only for the size the shard
needs (`{id}/full/!S,S/0/default.jpg`), so a 10,000 px master is never transferred whole.
IIIF resources are recognised by their JSON content, not by URL conventions, which vary by museum.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

from museumvqa.images.fetch import Fetcher
from museumvqa.images.process import ImageError

_URL_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
MAX_CANVASES = 64


@dataclass(frozen=True)
class Fetched:
    """Encoded image bytes, the URL or path they came from, and a view label when the source gives one."""

    data: bytes
    url: str
    label: str | None = None


def fetch_source(uri: str, *, size: int, fetcher: Fetcher, root: Path | None = None) -> list[Fetched]:
    """The image(s) `uri` names; raises `ImageError` (a reason) when there are none."""
    scheme = urlsplit(uri).scheme.lower() if _URL_SCHEME.match(uri) else ""
    if scheme in ("http", "https"):
        return _remote(uri, size, fetcher)
    path = local_path(uri, root)
    try:
        return [Fetched(path.read_bytes(), str(path))]
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        raise ImageError("missing file") from None
    except PermissionError:
        raise ImageError("unreadable file: permission denied") from None


def local_path(uri: str, root: Path | None = None) -> Path:
    """The file a URI names: plain paths (relative to `root`) and `file://` URIs.

    With a `root`, the file must lie inside it once `..` and symlinks are resolved, so a catalogue
    cannot make the build read `../../etc/passwd` or any other file outside the image folder.
    """
    if uri.lower().startswith("file:"):
        parts = urlsplit(uri)
        if parts.netloc not in ("", "localhost"):
            raise ImageError(f"unsupported source: file URI on host {parts.netloc}")
        path = Path(url2pathname(parts.path))
    elif _URL_SCHEME.match(uri):
        raise ImageError(f"unsupported source: {urlsplit(uri).scheme} URL")
    else:
        path = Path(uri)
    if root is None:
        return path
    path = (root / path).resolve()
    if not path.is_relative_to(root.resolve()):
        raise ImageError(f"outside the image root: {uri} is not inside {root}")
    return path


def _remote(url: str, size: int, fetcher: Fetcher) -> list[Fetched]:
    reply = fetcher.get(url)
    if "json" not in reply.content_type.lower() and not reply.data.lstrip()[:1] == b"{":
        return [Fetched(reply.data, url)]
    try:
        doc = json.loads(reply.data)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ImageError("not an image: invalid JSON") from None
    if not isinstance(doc, dict):
        raise ImageError("not an image: JSON that is not IIIF")
    if _is_image_service(doc):
        sized = image_request(doc, size)
        return [Fetched(fetcher.get(sized).data, sized)]
    if _is_manifest(doc):
        return _canvases(doc, size, fetcher)
    raise ImageError("not an image: JSON that is not IIIF")


def _context(doc: dict[str, Any]) -> str:
    context = doc.get("@context", "")
    return " ".join(context) if isinstance(context, list) else str(context)


def _is_image_service(doc: dict[str, Any]) -> bool:
    return "iiif.io/api/image" in _context(doc) or str(doc.get("protocol", "")).endswith("iiif.io/api/image")


def _is_manifest(doc: dict[str, Any]) -> bool:
    return doc.get("type") == "Manifest" or doc.get("@type") == "sc:Manifest"


def image_request(info: dict[str, Any], size: int) -> str:
    """The Image API URL of the whole image fitted into `size`x`size` (never upscaled)."""
    base = str(info.get("id") or info.get("@id") or "").rstrip("/")
    if not base:
        raise ImageError("not an image: IIIF image service without an id")
    v3 = "iiif.io/api/image/3" in _context(info)
    width, height = info.get("width"), info.get("height")
    if isinstance(width, int) and isinstance(height, int) and max(width, height) <= size:
        region_size = "max" if v3 else "full"
    else:
        region_size = f"!{size},{size}"
    return f"{base}/full/{region_size}/0/default.jpg"


def _canvases(manifest: dict[str, Any], size: int, fetcher: Fetcher) -> list[Fetched]:
    """One image per canvas (v2 `sequences[].canvases[]` or v3 `items[]`), in manifest order."""
    if isinstance(manifest.get("items"), list):
        canvases = manifest["items"]
    else:
        sequences = manifest.get("sequences") or [{}]
        canvases = sequences[0].get("canvases") or []
    if not canvases:
        raise ImageError("no images: IIIF manifest without canvases")
    fetched = []
    for canvas in canvases[:MAX_CANVASES]:
        url = _canvas_image_url(canvas, size)
        fetched.append(Fetched(fetcher.get(url).data, url, _label(canvas.get("label"))))
    return fetched


def _canvas_image_url(canvas: dict[str, Any], size: int) -> str:
    """The canvas's image: a sized request to its image service when it has one, else the image itself."""
    try:
        if "images" in canvas:  # Presentation 2
            resource = canvas["images"][0]["resource"]
        else:  # Presentation 3: Canvas > AnnotationPage > Annotation > body
            resource = canvas["items"][0]["items"][0]["body"]
    except (KeyError, IndexError, TypeError):
        raise ImageError("no images: IIIF canvas without an image") from None
    service = resource.get("service")
    if isinstance(service, list):
        service = service[0] if service else None
    if isinstance(service, dict) and (service.get("id") or service.get("@id")):
        info = {**service, "@context": service.get("@context") or service.get("type", "")}
        if "ImageService3" in str(service.get("type", "")):
            info["@context"] = "http://iiif.io/api/image/3/context.json"
        return image_request(info, size)
    url = resource.get("id") or resource.get("@id")
    if not url:
        raise ImageError("no images: IIIF canvas image without an id")
    return str(url)


def _label(label: Any) -> str | None:
    """A canvas label as text: v2 gives a string, v3 a language map `{"en": ["front"]}`."""
    if isinstance(label, str):
        return label or None
    if isinstance(label, dict):
        for values in label.values():
            if values:
                return str(values[0])
    if isinstance(label, list) and label:
        return _label(label[0])
    return None
