"""Benchmark task sets: the exhibit-level split and the task tables scored by evaluation.

Importing the package declares the paper's five tasks (`definitions`) in the registry (`registry`)."""

from museumvqa.tasks import definitions as definitions  # noqa: F401  (registers the five tasks)
