from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from museumvqa.errors import UserError
from museumvqa.questions.stats import qa_stats


def test_counts_per_category_language_and_kind(tmp_path: Path) -> None:
    path = tmp_path / "qa.parquet"
    rows = [("title", "en", False, False), ("title", "fr", False, False), ("medium", "fr", True, False)]
    rows.append(("credit_line", "en", False, True))
    pq.write_table(
        pa.table(
            {
                "category": [r[0] for r in rows],
                "language": [r[1] for r in rows],
                "visual": [r[2] for r in rows],
                "knowledge": [r[3] for r in rows],
                "answers": [["x"]] * 4,
            }
        ),
        path,
    )
    stats = qa_stats(path)
    assert stats["category"] == [("title", 2), ("credit_line", 1), ("medium", 1)]
    assert stats["language"] == [("en", 2), ("fr", 2)]
    assert stats["kind"] == [("catalogue", 2), ("knowledge", 1), ("visual", 1)]
    assert ("title fr", 1) in stats["category x language"]


def test_not_a_qa_table(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no such QA Parquet file"):
        qa_stats(tmp_path / "missing.parquet")
    pq.write_table(pa.table({"question": ["?"]}), tmp_path / "other.parquet")
    with pytest.raises(UserError, match="missing columns category, language, visual, knowledge, answers"):
        qa_stats(tmp_path / "other.parquet")
    (tmp_path / "junk.parquet").write_text("not parquet")
    with pytest.raises(UserError, match="not a readable Parquet file"):
        qa_stats(tmp_path / "junk.parquet")
