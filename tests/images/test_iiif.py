"""IIIF sources served from a loopback server: sized Image API requests, every canvas of a manifest."""

from __future__ import annotations

import io
import json

import pyarrow.parquet as pq
import pytest
from helpers.loopback import Reply
from PIL import Image

from museumvqa.catalog.schema import ImageRef
from museumvqa.images.keys import sample_key
from museumvqa.images.process import ImageError
from museumvqa.images.shards import build_shards
from museumvqa.images.sources import image_request
from museumvqa.settings import ShardsConfig

V2_IMAGE = "http://iiif.io/api/image/2/context.json"
V3_IMAGE = "http://iiif.io/api/image/3/context.json"


def _jpeg(size: tuple[int, int], colour: tuple[int, int, int]) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, format="JPEG")
    return buf.getvalue()


def _json(doc: dict) -> Reply:
    return Reply(json.dumps(doc).encode(), content_type="application/ld+json")


def test_image_request_asks_only_for_the_needed_size() -> None:
    info = {"@context": V2_IMAGE, "@id": "https://x.org/iiif/abc/", "width": 6000, "height": 4000}
    assert image_request(info, 384) == "https://x.org/iiif/abc/full/!384,384/0/default.jpg"
    small = {"@context": V3_IMAGE, "id": "https://x.org/iiif/abc", "width": 300, "height": 200}
    assert image_request(small, 384) == "https://x.org/iiif/abc/full/max/0/default.jpg"  # never upscaled
    assert image_request({**small, "@context": V2_IMAGE}, 384).endswith("/full/full/0/default.jpg")
    with pytest.raises(ImageError, match="without an id"):
        image_request({"@context": V2_IMAGE}, 384)


def test_iiif_services_and_manifests(tmp_path, image_server, exhibits_folder) -> None:
    base = image_server.url("/iiif")
    image_server.routes.update(
        {
            "/iiif/one/info.json": _json({"@context": V2_IMAGE, "@id": f"{base}/one", "width": 4000, "height": 3000}),
            "/iiif/one/full/!96,96/0/default.jpg": Reply(_jpeg((96, 72), (200, 0, 0))),
            "/iiif/front/full/!96,96/0/default.jpg": Reply(_jpeg((80, 96), (0, 200, 0))),
            "/iiif/back/full/!96,96/0/default.jpg": Reply(_jpeg((80, 96), (0, 0, 200))),
            "/plain/side.jpg": Reply(_jpeg((50, 40), (90, 90, 90))),
            "/v2/manifest.json": _json(
                {
                    "@context": "http://iiif.io/api/presentation/2/context.json",
                    "@type": "sc:Manifest",
                    "sequences": [
                        {
                            "canvases": [
                                _v2_canvas("front", {"@context": V2_IMAGE, "@id": f"{base}/front", "width": 5000}),
                                _v2_canvas("back", {"@context": V2_IMAGE, "@id": f"{base}/back"}),
                            ]
                        }
                    ],
                }
            ),
            "/v3/manifest": _json(
                {
                    "@context": "http://iiif.io/api/presentation/3/context.json",
                    "type": "Manifest",
                    "items": [
                        _v3_canvas(
                            "recto",
                            {
                                "id": image_server.url("/x.jpg"),
                                "service": [{"id": f"{base}/back", "type": "ImageService3"}],
                            },
                        ),
                        _v3_canvas("side", {"id": image_server.url("/plain/side.jpg")}),
                    ],
                }  # fmt: skip
            ),
            "/other.json": _json({"hello": "world"}),
            "/empty/manifest": _json({"type": "Manifest", "items": []}),
        }
    )
    specs = [
        ("m:1", [ImageRef(image_server.url("/iiif/one/info.json"))]),
        ("m:2", [ImageRef(image_server.url("/v2/manifest.json"))]),
        ("m:3", [ImageRef(image_server.url("/v3/manifest"), view="front")]),
        ("m:4", [ImageRef(image_server.url("/other.json"))]),
        ("m:5", [ImageRef(image_server.url("/empty/manifest"))]),
    ]
    stats = build_shards(exhibits_folder(specs), tmp_path / "out", ShardsConfig(image_size=96), progress=False)
    assert (stats.images_ok, stats.rejected) == (5, 2)
    assert image_server.hits["/iiif/back/full/max/0/default.jpg"] == 0
    assert image_server.hits["/iiif/back/full/!96,96/0/default.jpg"] == 2  # v2 and v3 manifests both use it

    index = pq.read_table(tmp_path / "out" / "index.parquet").to_pylist()
    got = [(r["key"], r["role"], r["view"], r["width"], r["height"]) for r in index]
    assert got == [
        (sample_key("m:1", 0), "primary", None, 96, 72),
        (sample_key("m:2", 0), "primary", "front", 80, 96),
        (sample_key("m:2", 0, "c1"), "additional", "back", 80, 96),
        (sample_key("m:3", 0), "primary", "front", 80, 96),  # the catalogue's label wins over the canvas's
        (sample_key("m:3", 0, "c1"), "additional", "side", 50, 40),
    ]
    assert index[1]["url"] == f"{base}/front/full/!96,96/0/default.jpg"
    rejects = pq.read_table(tmp_path / "out" / "rejects.parquet").to_pylist()
    assert [r["reason"] for r in rejects] == [
        "not an image: JSON that is not IIIF",
        "no images: IIIF manifest without canvases",
    ]


def _v2_canvas(label: str, service: dict) -> dict:
    return {"label": label, "images": [{"resource": {"@id": "https://unused.invalid/x.jpg", "service": service}}]}


def _v3_canvas(label: str, body: dict) -> dict:
    return {"type": "Canvas", "label": {"en": [label]}, "items": [{"items": [{"body": body}]}]}
