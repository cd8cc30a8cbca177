"""The settings of every stage, one dataclass each, and the demo's, which is made of them.

Each command loads its stage's settings with `load_config` (defaults, `--config FILE`, its own
options, then `--set key=value`), so a typo is refused before torch or transformers load; this
module therefore imports nothing heavy. Training's settings live in `training/config.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from museumvqa.config import setting
from museumvqa.errors import UserError
from museumvqa.evaluation.api_answerer import ApiSettings
from museumvqa.images.fetch import FetchSettings
from museumvqa.images.process import DEFAULT_MAX_PIXELS
from museumvqa.training.config import TinyModel, TrainConfig

# the skeleton's seven categories and two that no photograph shows (Visually unanswerable): within minutes
DEMO_CATEGORIES = (
    "title", "creator", "date", "medium", "culture", "department", "object_type", "acquisition", "birth_year"
)


@dataclass
class IngestConfig:
    """`museumvqa ingest`: how catalogue records are read into exhibits."""

    format: str | None = setting(
        None, "Format of inputs without their own (met-api | met-csv | tate | lido | mapping)."
    )
    mapping: Path | None = setting(None, "YAML mapping for inputs without their own format (implies format mapping).")
    image_dir: Path | None = setting(None, "Folder of local <objectID>.jpg images (met-api).")
    museum: str | None = setting(None, "Museum name for every exhibit (its id becomes MUSEUM:accession).")
    mode: Literal["new", "append", "replace"] = setting(
        "new", "new refuses an existing catalogue; append or replace it."
    )
    allow_rejects: bool = setting(False, "Keep going when one reject reason covers many records.")
    max_reject_share: float = setting(
        0.05, "Share of a file's records one reject reason may cover before ingest fails."
    )
    workers: int = setting(1, "Inputs read at once (processes, or Ray tasks with --ray); same output for any number.")
    ray: bool = setting(False, "Read the inputs as tasks on a local Ray instance.")
    ray_address: str | None = setting(None, "Join this Ray cluster (inputs and --out must be on shared storage).")

    def __post_init__(self) -> None:
        if not 0 <= self.max_reject_share <= 1:
            raise UserError(f"--max-reject-share {self.max_reject_share}: give a share between 0 and 1 (e.g. 0.05)")


@dataclass
class HarvestConfig:
    """`museumvqa harvest`: what is asked of an OAI-PMH repository, and how politely."""

    metadata_prefix: str | None = setting(
        None, "OAI-PMH metadataPrefix to harvest, e.g. lido or edm (see --list-formats)."
    )
    set_spec: str | None = setting(None, "OAI-PMH set to harvest, its setSpec (see --list-sets); null = all records.")
    from_date: str | None = setting(
        None, "Only records changed on or after this date: YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ (quote it in YAML)."
    )
    until_date: str | None = setting(None, "Only records changed on or before this date (same form as --from).")
    rate: float = setting(1.0, "Requests per second at most (0 = no limit).")
    timeout: float = setting(60.0, "Seconds to wait for a response before retrying it.")
    retries: int = setting(5, "Retries of a request that timed out, got a 5xx/429 or a page that is not XML.")
    backoff: float = setting(2.0, "Seconds before the first retry; doubles with each retry.")
    max_wait: float = setting(600.0, "Longest pause before a retry, in seconds (a longer Retry-After is cut to it).")
    max_pages: int | None = setting(None, "Pages to fetch in this run at most (re-run to continue); null = all.")

    def __post_init__(self) -> None:
        for flag, value, ok in (
            ("--rate", self.rate, self.rate >= 0),
            ("--timeout", self.timeout, self.timeout > 0),
            ("--retries", self.retries, self.retries >= 0),
            ("--backoff", self.backoff, self.backoff >= 0),
            ("--max-wait", self.max_wait, self.max_wait >= 0),
            ("--max-pages", self.max_pages, self.max_pages is None or self.max_pages >= 1),
        ):
            if not ok:
                raise UserError(
                    f"{flag} {value}: out of range; --rate, --retries, --backoff and --max-wait take 0 or more, "
                    "--timeout above 0, --max-pages 1 or more"
                )


@dataclass
class QuestionsConfig:
    """`museumvqa questions build`: which question/answer pairs are generated from the exhibits."""

    languages: list[str] = setting(help="Languages to ask in: en, fr, de, es, it, nl, sv.", factory=lambda: ["en"])
    categories: list[str] | None = setting(None, "Question categories; null = every category.")
    max_per_category: int = setting(1, "Questions per exhibit, category and language.")
    seed: int = setting(0, "Seed of template choice.")
    record_languages: bool = setting(True, "Also ask in the languages of a record's own titles (e.g. Swedish LIDO).")
    constant_share: float = setting(
        0.9, "A category whose top answer covers this share of a museum's exhibits is not asked."
    )
    constant_min_exhibits: int = setting(20, "Exhibits a (museum, category) needs before it can count as constant.")
    workers: int = setting(
        1, "Exhibit part files turned into questions at once (processes, or Ray tasks with --ray); same output."
    )
    ray: bool = setting(False, "Generate each exhibit part's questions as a task on a local Ray instance.")
    ray_address: str | None = setting(None, "Join this Ray cluster (--exhibits and --out must be on shared storage).")


@dataclass
class ShardsConfig:
    """`museumvqa shards`: how the exhibits' images are fetched, resized and packed."""

    image_size: int = setting(384, "Long side of stored images, in pixels.")
    per_shard: int = setting(1000, "Source images per tar shard.")
    roles: tuple[str, ...] = setting(
        ("primary",), "Image roles to keep (primary, additional; comma-separated on the command line)."
    )
    quality: int = setting(90, "JPEG quality of stored images.")
    resize_mode: str = setting("keep", "keep (ratio), crop (centre square) or pad (square).")
    generated_views: int = setting(0, "Generated views (crop, rotation, ...) per exhibit with a single photo.")
    image_root: Path | None = setting(None, "Folder that relative image paths start from (and must stay in).")
    max_pixels: int = setting(DEFAULT_MAX_PIXELS, "Largest decoded image, in pixels (larger ones are rejected).")
    retry_failed: bool = setting(False, "Retry the items that failed before.")
    workers: int = setting(1, "Processes building shards in parallel (with --ray: Ray tasks at once).")
    threads: int = setting(8, "Download/decode threads per process.")
    fetch: FetchSettings = setting(help="Download policy: timeout, retries, per_host, ...", factory=FetchSettings)
    min_success_rate: float = setting(
        0.5, "Fail (exit 2, no manifest) when fewer than this share of the images is stored."
    )
    ray: bool = setting(False, "Run on a local Ray instance.")
    ray_address: str | None = setting(None, "Join this Ray cluster (the output folder must be shared storage).")


@dataclass
class BenchmarksConfig:
    """`museumvqa benchmarks`: the split and the task sets."""

    seed: int = setting(0, "Split seed.")
    val_fraction: float = setting(0.1, "Share of exhibits for validation.")
    test_fraction: float = setting(0.2, "Share of exhibits for test (exhibit split).")
    tasks: list[str] | None = setting(None, "Task sets to build; null = all.")
    test_museums: list[str] = setting(help="Museums held out whole as the test set.", factory=list)
    train_languages: list[str] | None = setting(
        None, "Languages of the train/val questions; null = all. [en] is the paper's setting: train in English, test in others."
    )
    leak_min_matches: int | None = setting(
        20,
        "Near-duplicate threshold: keypoint matches between a test and a train/val image that agree on one "
        "camera mapping (ORB + RANSAC, calibrated in BENCHMARKS.md); -1 or null skips the check.",
    )
    memory_limit: str = setting(
        "256MB",
        "DuckDB's memory for sorting the QA pairs by question and joining their exhibits (e.g. 512MB, 2GB); "
        "beyond it, it spills to a folder inside --out. With batch_rows it bounds the stage's memory; what "
        "is held per exhibit (views, split) comes on top.",
    )
    batch_rows: int = setting(16_384, "QA pairs held in Python at once; also rows per row group of each output file.")
    workers: int = setting(1, "Shards the leak check fingerprints at once (processes, or Ray tasks with --ray).")
    ray: bool = setting(False, "Fingerprint the leak check's shards as tasks on a local Ray instance.")
    ray_address: str | None = setting(None, "Join this Ray cluster (the shards must be on shared storage).")

    @property
    def leak_check(self) -> int | None:
        """The threshold `build_benchmarks` takes: None when the check is skipped."""
        return None if self.leak_min_matches is None or self.leak_min_matches < 0 else self.leak_min_matches


@dataclass
class EvaluateConfig:
    """`museumvqa evaluate`: how the task sets are answered and scored."""

    tasks: list[str] | None = setting(None, "Task sets to answer; null = all (empty ones are skipped).")
    batch_size: int = setting(16, "Questions per batch.")
    bootstrap: int = setting(1000, "Bootstrap resamples for the 95% intervals.")
    seed: int = setting(0, "Seed (recorded with every prediction).")
    semantic: bool = setting(False, "Add semantic match (all-MiniLM-L6-v2, offline).")
    max_new_tokens: int | None = setting(
        None,
        "Longest model answer, in tokens; null = sized from the task sets' gold answers (recorded with every "
        "prediction).",
    )
    api: ApiSettings = setting(
        help="How openai:MODEL@URL answerers are asked: concurrency, timeout, retries, backoff, max_wait.",
        factory=ApiSettings,
    )
    workers: int = setting(
        1, "Slices of the questions answered at once, each by its own answerer (processes, or Ray tasks with --ray)."
    )
    ray: bool = setting(False, "Answer the slices as tasks on a local Ray instance (on the CPU).")
    ray_address: str | None = setting(None, "Join this Ray cluster (the run folder must be shared storage).")


@dataclass
class ServeConfig:
    """`museumvqa serve`: where the visitor page listens and how much load it takes."""

    host: str = setting("127.0.0.1", "Address to bind; only this machine by default.")
    port: int = setting(8000, "TCP port.")
    max_upload_mb: float = setting(10.0, "Largest accepted photo, in MiB (413 above).")
    timeout: float = setting(30.0, "Seconds one answer may take (504 after).")
    concurrency: int = setting(4, "Answers computed at once.")
    queue: int = setting(8, "Requests that may wait for a slot; more get 503 with Retry-After.")
    min_inliers: int | None = setting(
        None,
        "Open-set threshold: keypoint matches agreeing on one camera mapping that a photo needs with a catalogue "
        "image to be recognised; fewer: 'not in this collection'. null = the catalogue's own (`museumvqa calibrate`), "
        "else 15, calibrated on the sample (BENCHMARKS.md).",
    )

    def __post_init__(self) -> None:
        if self.concurrency < 1 or self.queue < 0 or self.timeout <= 0 or self.max_upload_mb <= 0:
            raise UserError(
                "--concurrency must be at least 1, --queue 0 or more, --timeout and --max-upload-mb above 0"
            )
        if self.min_inliers is not None and self.min_inliers < 1:
            raise UserError("--min-inliers must be at least 1 (or null for the calibrated threshold)")


@dataclass
class DemoConfig:
    """`museumvqa demo`: every stage's settings, with the demo's own values where they differ (minutes on a CPU)."""

    records: str | None = setting(None, "Met API JSON; null = the built-in 174-painting sample.")
    ingest: IngestConfig = setting(
        help="Ingest settings.", factory=lambda: IngestConfig(format="met-api", mode="replace")
    )
    questions: QuestionsConfig = setting(
        help="Question settings.", factory=lambda: QuestionsConfig(categories=list(DEMO_CATEGORIES))
    )
    shards: ShardsConfig = setting(help="Shard settings.", factory=lambda: ShardsConfig(image_size=224))
    benchmarks: BenchmarksConfig = setting(help="Split and task settings.", factory=BenchmarksConfig)
    # the demo's model: the training texts' tokens only and cropped, mirrored photos (BENCHMARKS.md, "The demo model")
    train: TrainConfig = setting(
        help="Training settings.", factory=lambda: TrainConfig(tiny=TinyModel(vocabulary="data"), augment=True)
    )
    evaluate: EvaluateConfig = setting(help="Evaluation settings.", factory=EvaluateConfig)
