"""The blocks a report is assembled from; each is rendered to Markdown and to HTML (report.py)."""

from __future__ import annotations

from dataclasses import dataclass

from museumvqa.evaluation.gallery import GalleryItem
from museumvqa.evaluation.tables import Table


@dataclass(frozen=True)
class Heading:
    level: int
    text: str


@dataclass(frozen=True)
class Text:
    lines: list[str]  # each a paragraph; lines starting with "- " form a list


@dataclass(frozen=True)
class Plot:
    name: str
    png: bytes
    caption: str


@dataclass(frozen=True)
class Gallery:
    title: str
    items: list[GalleryItem]


Block = Heading | Text | Table | Plot | Gallery
