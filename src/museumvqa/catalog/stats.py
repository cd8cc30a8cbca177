"""What an ingested catalogue holds: counts per museum, object type and language, and attribute coverage."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from museumvqa.catalog.query import connect
from museumvqa.catalog.schema import ATTRIBUTES


def catalog_stats(run_dir: str | Path, top: int = 10) -> dict[str, Any]:
    """Aggregates computed in DuckDB, so they stream over catalogues larger than memory."""
    con = connect(run_dir)
    try:
        total = con.execute("SELECT count(*) FROM exhibits").fetchone()[0]
        museums = dict(con.execute("SELECT museum, count(*) FROM exhibits GROUP BY 1 ORDER BY 2 DESC, 1").fetchall())
        object_types = con.execute(
            "SELECT coalesce(attributes.object_type[1].value, attributes.classification[1].value) AS t, count(*) "
            "FROM exhibits GROUP BY 1 ORDER BY 2 DESC, 1 NULLS LAST LIMIT ?",
            [top],
        ).fetchall()
        values = " UNION ALL ".join(f"SELECT unnest(attributes.{a}) AS v FROM exhibits" for a in ATTRIBUTES)
        languages = dict(
            con.execute(
                f"SELECT coalesce(v.lang, '(none)'), count(*) FROM ({values}) GROUP BY 1 ORDER BY 2 DESC, 1"
            ).fetchall()
        )
        present = ", ".join(f"count(*) FILTER (WHERE len(attributes.{a}) > 0)" for a in ATTRIBUTES)
        counts = con.execute(
            f"SELECT {present}, count(*) FILTER (WHERE len(images) > 0), count(*) FILTER (WHERE len(images) > 1), "
            "count(*) FILTER (WHERE len(people) > 0) FROM exhibits"
        ).fetchone()
        names = (*ATTRIBUTES, "images", "multiple views", "people")
        coverage = {name: (count / total if total else 0.0) for name, count in zip(names, counts, strict=True)}
        people = con.execute("SELECT count(*) FROM people").fetchone()[0] if _has(con, "people") else 0
        rejects = con.execute("SELECT count(*) FROM rejects").fetchone()[0] if _has(con, "rejects") else 0
    finally:
        con.close()
    return {
        "exhibits": total,
        "rejects": rejects,
        "people": people,
        "museums": museums,
        "object_types": [(t or "(none)", n) for t, n in object_types],
        "languages": languages,
        "coverage": coverage,
    }


def _has(con: Any, table: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM duckdb_views() WHERE view_name = ?", [table]).fetchone()[0])


def format_stats(stats: dict[str, Any]) -> str:
    """A plain-text report of catalog_stats."""
    lines = [f"exhibits {stats['exhibits']}  rejects {stats['rejects']}  people {stats['people']}", "", "museums:"]
    lines += [f"  {name:<30} {n}" for name, n in stats["museums"].items()]
    lines += ["", "object types (top):"] + [f"  {name[:40]:<40} {n}" for name, n in stats["object_types"]]
    lines += ["", "value languages:"] + [f"  {lang:<10} {n}" for lang, n in stats["languages"].items()]
    lines += ["", "attribute coverage (share of exhibits):"]
    lines += [f"  {name:<18} {share:6.1%}" for name, share in stats["coverage"].items()]
    return "\n".join(lines)
