"""The README's multi-source tour: every real fixture source in one run, each detected, audited together.

The numbers the README's table gives are those of this run; the cells it explains are the only ones over a
threshold, and "Where was this made?" is asked only of works whose record says where they were made.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from catalog_helpers import FIXTURES, read_exhibits
from source_audit import LANGUAGES, breaches

from museumvqa.catalog.ingest import ingest
from museumvqa.io import read_parquet_dir
from museumvqa.questions.audit import audit_run
from museumvqa.questions.generate import generate_questions

REAL = FIXTURES.parents[1] / "fixtures" / "real"
TOUR = [
    REAL / "europeana-edm",
    REAL / "dpla" / "ingestion3-json-retcon",
    REAL / "dpla" / "dpla-api" / "elasticSearchItemList.json",
    REAL / "smithsonian",
    REAL / "linked-art",
    REAL / "inp-romania",
    REAL / "nationalmuseum-se",
]


def test_the_tour_run(tmp_path: Path) -> None:
    run = tmp_path / "run"
    stats = ingest(TOUR, run, progress=False)
    assert (stats.records, stats.exhibits, stats.rejects) == (102, 101, 1)  # the eSbírky object, twice
    adapters = {e.exhibit_id: e.source_adapter for e in read_exhibits(run).values()}
    assert Counter(adapters.values()) == {"edm": 34, "dpla": 7, "smithsonian": 13, "linked-art": 6, "lido": 41}
    generate_questions(run / "exhibits", run / "questions", languages=LANGUAGES, progress=False)
    assert sorted(breaches(audit_run(run))) == [
        "language_text edm/national-library-of-albania fr title 1.00>0.05",  # the source's own tag, note 1
        "long_answer edm/national-library-of-albania fr title 1.00>0.05",
        "unbalanced_brackets lido/nationalmuseum sv inscription 1.00>0.01",  # the catalogue's "[...}", note 3
    ]
    where = Counter(adapters[r["exhibit_id"]] for r in read_parquet_dir(run / "questions").to_pylist()
                    if r["category"] == "culture")  # fmt: skip
    assert where == {"edm": 19, "smithsonian": 7, "linked-art": 5}  # DPLA's spatial is never a making place
