"""`questions audit`: real runs built through the real commands, and a QA table with problems planted.

The planted table starts from a real Met run (its exhibits and some of its generated pairs) and adds
rows made from real record values with one problem each, so every check must fire exactly on its
rows and stay silent on the real, clean ones.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from museumvqa.catalog.schema import EXHIBIT_SCHEMA
from museumvqa.cli import app
from museumvqa.errors import UserError
from museumvqa.evaluation.report import write_report
from museumvqa.questions.audit import (
    CHECKS,
    AuditReport,
    AuditSettings,
    audit_run,
    frame_or_duration,
    in_question,
    is_placeholder,
    looks_like,
    settings_from,
    write_audit,
)
from museumvqa.questions.generate import QA_SCHEMA

TATE = Path(__file__).resolve().parents[3] / "shared" / "data" / "tate"
ALL = 10**6  # examples kept per cell: all of them, so tests can compare flagged ids exactly


def _cli(*args: str) -> Any:
    return CliRunner().invoke(app, [str(a) for a in args])


def _build_run(out: Path, inputs: list[Path], languages: str) -> Path:
    """A run folder made the way a user makes one: `ingest` then `questions build`."""
    result = _cli("ingest", *inputs, "--out", out, "--quiet")
    assert result.exit_code == 0, result.output
    result = _cli(
        "questions", "build", "--exhibits", out / "exhibits", "--out", out / "questions", "--languages", languages,
        "--quiet",
    )
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def met_run(tmp_path_factory: pytest.TempPathFactory, sample_dir: Path) -> Path:
    return _build_run(tmp_path_factory.mktemp("met_audit"), [sample_dir / "objects.json"], "en,fr,de,es,it,nl,sv")


@pytest.fixture(scope="module")
def tate_questions_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not (TATE / "artworks.jsonl").is_file():
        pytest.skip("the Tate sample (../shared/data/tate) is not here")
    return _build_run(tmp_path_factory.mktemp("tate_audit"), [TATE / "artworks.jsonl"], "en,sv")


def _flagged(report: AuditReport, check: str) -> set[str]:
    return {e.question_id for c in report.cells if check in c.findings for e in c.findings[check].examples}


# ------------------------------------------------------------------------------------------------
# Real runs: the report agrees with independent SQL over the same files


def _sql(run: Path, query: str) -> Any:
    qa = run / "questions" / "qa.parquet"
    return duckdb.sql(query.replace("QA", f"read_parquet('{qa}')")).fetchall()


def _check_against_sql(run: Path, report: AuditReport) -> None:
    (rows,) = _sql(run, "SELECT count(*) FROM QA")[0]
    assert report.pairs == rows == sum(c.pairs for c in report.cells)
    totals = report.totals()
    (mismatch,) = _sql(run, "SELECT count(*) FROM QA WHERE answer_language NOT IN (language, '*', 'und')")[0]
    assert totals["language_mismatch"]["flagged"] == mismatch
    (und,) = _sql(run, "SELECT count(*) FROM QA WHERE answer_language = 'und' OR answer_language IS NULL")[0]
    assert totals["language_und"]["flagged"] == und
    (dups,) = _sql(run, "SELECT count(*) - count(DISTINCT question_id) FROM QA")[0]
    assert dups == 0 and totals["duplicate_question_id"]["flagged"] == 0
    assert totals["missing_exhibit"]["flagged"] == totals["duplicate_exhibit_id"]["flagged"] == 0
    # every example is a real pair of its cell, at most 3 per cell and check
    by_id = {r[0]: r[1:] for r in _sql(run, "SELECT question_id, exhibit_id, category, language, question FROM QA")}
    for cell in report.cells:
        for finding in cell.findings.values():
            assert 1 <= len(finding.examples) <= 3 and finding.count >= len(finding.examples)
            for e in finding.examples:
                assert by_id[e.question_id] == (e.exhibit_id, cell.category, cell.language, e.question)


def test_met_run_audit_matches_sql_and_writes_files(met_run: Path) -> None:
    result = _cli("questions", "audit", met_run)
    assert result.exit_code == 0, result.output
    assert "| language_mismatch |" in result.stdout and "report:" in result.stdout
    report = audit_run(met_run)
    _check_against_sql(met_run, report)
    assert {c.source for c in report.cells} == {"met-api/met"}
    assert report.exhibits == 174
    saved = json.loads((met_run / "questions" / "audit.json").read_text())
    assert saved["pairs"] == report.pairs and set(saved["checks"]) == set(CHECKS)
    assert "# Questions audit" in (met_run / "questions" / "audit.md").read_text()


def test_small_batches_give_the_same_report(met_run: Path) -> None:
    """Streaming in record batches: the batch size changes nothing (examples are the smallest ids)."""
    assert audit_run(met_run, batch_rows=997).as_dict() == audit_run(met_run).as_dict()


def test_tate_run_audit_matches_sql(tate_questions_run: Path) -> None:
    report = audit_run(tate_questions_run)
    _check_against_sql(tate_questions_run, report)
    assert {c.source for c in report.cells} == {"tate/tate"}
    assert {c.language for c in report.cells} == {"en", "sv"}


# ------------------------------------------------------------------------------------------------
# The planted table


def _pair(exhibit_id: str, qid: str, category: str, language: str, question: str, answers: list[str],
          answer_language: str) -> dict[str, Any]:
    return {
        "question_id": f"{exhibit_id}#{language}:{qid}", "exhibit_id": exhibit_id, "category": category,
        "language": language, "template_id": qid, "question": question, "answers": answers, "visual": False,
        "answer_language": answer_language, "derived": False,
    }


# Real generated pairs of these categories and languages are the clean rows (checked below). Not "en"
# dimensions: the Met sample has a real broken alias there ("... (35.4 cm", "x 11.4 m)"), which the audit finds.
CLEAN = {("en", "title"), ("en", "creator"), ("en", "date"), ("en", "birth_year"),
         ("en", "acquisition"), ("fr", "material"), ("sv", "object_type"), ("de", "dimensions")}


@pytest.fixture(scope="module")
def planted(met_run: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, set[str]], set[str]]:
    """(run, check -> the planted question ids that must fire it, the clean question ids)."""
    run = tmp_path_factory.mktemp("planted")
    shutil.copytree(met_run / "exhibits", run / "exhibits")
    exhibits = pq.read_table(met_run / "exhibits").to_pylist()
    real = pq.read_table(met_run / "questions" / "qa.parquet").to_pylist()
    used = {e["exhibit_id"] for e in exhibits[:6]}  # planted rows go on these; no clean rows there
    clean = [r for r in real if (r["language"], r["category"]) in CLEAN and r["exhibit_id"] not in used][:400]
    e0, e1, e2, e3, e4, e5 = (e["exhibit_id"] for e in exhibits[:6])
    title = next(r for r in real if r["exhibit_id"] == e0 and r["category"] == "title")["answers"][0]
    creator = next(r["answers"][0] for r in real if r["category"] == "creator" and r["language"] == "en")

    # Exhibits with the people real records have: a manufactory (Carnegie's Georg Jensen record), a
    # maker typed as an organisation by its source, a person whose type says person, and a duplicate.
    def exhibit(base: dict[str, Any], new_id: str, people: list[dict[str, Any]]) -> dict[str, Any]:
        person = dict.fromkeys(("role", "person_id", "birth_year", "death_year", "birth_place", "death_place",
                                "nationality", "kind", "qualifier"))
        return {**base, "exhibit_id": new_id, "people": [{**person, **p} for p in people]}

    extra = [
        exhibit(exhibits[1], "met:planted-jensen", [{"name": "Georg Jensen Manufactory", "birth_place": "Copenhagen",
                                                     "birth_year": 1904, "nationality": "Danish"}]),
        exhibit(exhibits[1], "met:planted-rorstrand", [{"name": "Rörstrand", "kind": "organisation",
                                                        "birth_year": 1726}]),
        exhibit(exhibits[1], "met:planted-person", [{"name": "Georg Jensen", "kind": "person", "birth_year": 1866,
                                                     "birth_place": "Raadvad"}]),
        exhibits[5],  # exhibit e5 a second time
    ]
    pq.write_table(pa.Table.from_pylist(extra, EXHIBIT_SCHEMA), run / "exhibits" / "part-99999.parquet")

    p = _pair
    rows = {
        "language_mismatch": [p(e0, "title-1", "title", "en", "What is the title of this painting?", [title], "fr")],
        "language_text": [p(e0, "medium-1", "medium", "en", "What is the medium of this painting?", ["Olja på duk"],
                            "en"),
                          p(e0, "medium-2", "medium", "sv", "Vilken teknik har detta verk?", ["Oil on canvas"], "sv")],
        "language_und": [p(e0, "culture-1", "culture", "en", "Where was this work made?", ["Netherlands"], "und")],
        "unknown_answer": [p(e1, "creator-1", "creator", "en", "Who made this painting?", ["Okänd"], "*"),
                           p(e2, "creator-1", "creator", "en", "Who made this painting?", ["Copy after"], "*")],
        "qualified_creator": [p(e1, "creator-2", "creator", "en", "Who is the artist of this work?",
                                [f"Copy after {creator}"], "*"),
                              p(e2, "creator-2", "creator", "en", "Who is the artist of this work?",
                                [f"{creator}, circle of"], "*")],
        "organisation_person": [
            p("met:planted-jensen", "birth_place-1", "birth_place", "en", "Where was Georg Jensen Manufactory born?",
              ["Copenhagen"], "*"),
            p("met:planted-rorstrand", "birth_year-1", "birth_year", "en", "In which year was Rörstrand born?",
              ["1726"], "*"),
        ],
        "unbalanced_brackets": [p(e1, "title-1", "title", "en", "What is this painting called?",
                                  [f"{title} (sketch"], "en")],
        "long_answer": [p(e2, "title-1", "title", "en", "What is this painting called?",
                          [" ".join([title] * 31)], "en")],
        "answer_in_question": [p(e3, "title-1", "title", "en", f"Is this painting called {title}?", [title], "en")],
        "placeholder": [p(e3, "date-1", "date", "en", "When was this painting made?", ["n.d."], "*"),
                        p(e4, "title-1", "title", "en", "What is this painting called?", ["[no title]"], "en")],
        "dimension_frame": [p(e3, "dimensions-1", "dimensions", "sv", "Hur stort är detta verk?",
                              ["Ram 84 x 100 x 7 cm"], "*"),
                            p(e4, "dimensions-1", "dimensions", "en", "How long is this work?",
                              ["duration: 5min, 50sec"], "*")],
        "duplicate_question_id": [p(e4, "culture-1", "culture", "en", "Where was this work made?", ["Netherlands"],
                                    "en")] * 2,
        "duplicate_exhibit_id": [p(e5, "period-1", "period", "en", "From which period is this work?",
                                   ["Dutch Golden Age"], "en")],
        "missing_exhibit": [p("met:not-in-catalogue", "title-1", "title", "en", "What is this painting called?",
                              [title], "en")],
    }
    # constant: 19 of 20 exhibits in one cell share the museum's department; 85% and 19 exhibits do not count
    ids = [e["exhibit_id"] for e in exhibits[10:30]]
    department = [p(i, "department-1", "department", "en", "Which department holds this work?",
                    ["European Paintings" if n else "The Robert Lehman Collection"], "en") for n, i in enumerate(ids)]
    near = [p(i, "department-1", "department", "fr", "Quel département conserve cette œuvre ?",
              ["European Paintings" if n > 2 else "Asian Art"], "*") for n, i in enumerate(ids)]
    few = [p(i, "department-1", "department", "de", "Welche Abteilung?", ["European Paintings"], "*") for i in ids[:19]]
    rows["constant_category"] = department[1:]
    table = [*clean, *(r for rs in rows.values() for r in rs), department[0], *near, *few,
             # negative controls: a real person of an org-like name, typed person; a real frame-free size
             p("met:planted-person", "birth_year-1", "birth_year", "en", "When was Georg Jensen born?", ["1866"], "*")]
    (run / "questions").mkdir()
    pq.write_table(pa.Table.from_pylist(table, QA_SCHEMA), run / "questions" / "qa.parquet")
    controls = {department[0]["question_id"], *(r["question_id"] for r in near + few), table[-1]["question_id"]}
    planted_ids = {k: {r["question_id"] for r in rs} for k, rs in rows.items()}
    return run, planted_ids, {r["question_id"] for r in clean} | controls


def test_each_check_fires_exactly_on_its_planted_rows(planted: tuple[Path, dict[str, set[str]], set[str]]) -> None:
    run, expected, clean = planted
    report = audit_run(run, AuditSettings(examples=ALL))
    assert len(clean) > 300
    assert set(expected) == set(CHECKS)  # every check has a planted problem
    for check, ids in expected.items():
        assert _flagged(report, check) == ids, check
    flagged_clean = {check: _flagged(report, check) & clean for check in CHECKS}
    assert not any(flagged_clean.values()), flagged_clean


def test_counts_notes_and_constant_details(planted: tuple[Path, dict[str, set[str]], set[str]]) -> None:
    run, expected, _ = planted
    report = audit_run(run, AuditSettings(examples=ALL))
    totals = report.totals()
    assert totals["duplicate_question_id"]["flagged"] == 2  # both rows of the repeated id
    assert totals["constant_category"]["flagged"] == 19 and totals["constant_category"]["cells_over"] == 1
    assert [c["cell"] for c in report.constant] == ["met-api/met en department"]
    assert report.constant[0]["exhibits"] == 19 and report.constant[0]["of"] == 20
    assert report.duplicate_exhibit_ids == 1
    notes = {e.note for c in report.cells for f in [c.findings.get("language_text")] if f for e in f.examples}
    assert notes == {"reads as sv", "reads as en"}
    cell = next(c for c in report.cells if c.language == "en" and c.category == "birth_place")
    (example,) = cell.findings["organisation_person"].examples
    assert example.exhibit_id == "met:planted-jensen" and example.answers == ["Copenhagen"]
    missing = next(c for c in report.cells if "missing_exhibit" in c.findings)
    assert missing.source == "(missing)/met"  # museum from the id's prefix


def test_examples_are_capped_at_three_smallest_ids(planted: tuple[Path, dict[str, set[str]], set[str]]) -> None:
    run, expected, _ = planted
    report = audit_run(run)
    cell = next(c for c in report.cells if c.language == "en" and c.category == "department")
    finding = cell.findings["constant_category"]
    assert finding.count == 19
    assert [e.question_id for e in finding.examples] == sorted(expected["constant_category"])[:3]


def test_thresholds_strict_and_overrides(planted: tuple[Path, dict[str, set[str]], set[str]]) -> None:
    run, _, _ = planted
    result = _cli("questions", "audit", run, "--strict")
    assert result.exit_code == 1
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("audit failed: ") and "threshold" in line
    worst = audit_run(run).breaches()[0]
    assert worst.check in line and worst.cell.key in line
    # nothing can exceed 100%: --threshold 1 passes strict; --set then tightens one check again
    assert _cli("questions", "audit", run, "--strict", "--threshold", "1").exit_code == 0
    tightened = _cli("questions", "audit", run, "--strict", "--threshold", "1", "--set", "placeholder=0")
    assert tightened.exit_code == 1 and "audit failed: placeholder" in tightened.stderr
    assert settings_from(["long_answer=5%", "tokens.title=40"]).thresholds["long_answer"] == 0.05
    loose = audit_run(run, settings_from(["tokens.title=1000", "constant_min_exhibits=21"]))
    assert loose.totals()["long_answer"]["flagged"] == 0 and loose.totals()["constant_category"]["flagged"] == 0
    counts_only = audit_run(run, settings_from(["examples=0"]))
    assert counts_only.totals() == audit_run(run).totals()
    assert not any(f.examples for c in counts_only.cells for f in c.findings.values())
    saved = json.loads((run / "questions" / "audit.json").read_text())
    assert saved["settings"]["thresholds"]["placeholder"] == 0 and saved["over_threshold"][0]["check"] == "placeholder"


def test_strict_passes_on_clean_rows(planted: tuple[Path, dict[str, set[str]], set[str]], tmp_path: Path) -> None:
    run, _, clean = planted
    shutil.copytree(run / "exhibits", tmp_path / "exhibits")
    rows = [r for r in pq.read_table(run / "questions" / "qa.parquet").to_pylist() if r["question_id"] in clean]
    (tmp_path / "questions").mkdir()
    pq.write_table(pa.Table.from_pylist(rows, QA_SCHEMA), tmp_path / "questions" / "qa.parquet")
    result = _cli("questions", "audit", tmp_path, "--strict")
    assert result.exit_code == 0, result.output
    assert sum(t["flagged"] for t in audit_run(tmp_path).totals().values()) == 0


def test_report_has_a_dataset_quality_section(planted: tuple[Path, dict[str, set[str]], set[str]],
                                              tmp_path: Path) -> None:
    run, _, _ = planted
    report = tmp_path / "run"
    shutil.copytree(run, report, ignore=shutil.ignore_patterns("audit.*"))
    assert "Dataset quality" not in write_report(report).read_text()
    write_audit(audit_run(report), report / "questions")
    text = write_report(report).read_text()
    assert "### Dataset quality (questions audit)" in text
    assert "placeholder: 2 pairs" in text and "questions/audit.md" in text


# ------------------------------------------------------------------------------------------------
# Bad input: one line, exit 2


def test_bad_input_is_one_line(tmp_path: Path, met_run: Path) -> None:
    ingested = tmp_path / "ingested"
    shutil.copytree(met_run / "exhibits", ingested / "exhibits")
    cases = {
        tmp_path / "nope": "not a folder",
        tmp_path: "not a run folder",
        ingested: "qa.parquet: not found",
    }
    for run, message in cases.items():
        result = _cli("questions", "audit", run)
        assert result.exit_code == 2, run
        (line,) = result.stderr.strip().splitlines()
        assert line.startswith("error: ") and message in line
    bad = _cli("questions", "audit", met_run, "--set", "nonsense=1")
    assert bad.exit_code == 2 and "unknown audit setting 'nonsense'" in bad.stderr
    (ingested / "questions").mkdir()
    (ingested / "questions" / "qa.parquet").write_text("not parquet")
    with pytest.raises(UserError, match="not a readable Parquet file"):
        audit_run(ingested)
    pq.write_table(pa.table({"question_id": ["x"]}), ingested / "questions" / "qa.parquet")
    with pytest.raises(UserError, match="missing columns exhibit_id"):
        audit_run(ingested)


# ------------------------------------------------------------------------------------------------
# The text heuristics and their documented limits


@pytest.mark.parametrize(
    ("text", "language", "reads_as"),
    [
        ("Olja på duk", "en", "sv"),
        ("Oil on canvas", "sv", "en"),
        ("Huile sur toile", "en", "fr"),
        ("Öl auf Leinwand", "fr", "de"),
        ("Olio su tela", "it", None),  # its own language
        ("Oil on canvas", "en", None),
        ("Fontenay-aux-Roses, France", "en", None),  # words inside hyphenated names are not evidence
        ("Okänd", "en", None),  # limit: a single word without function words carries no evidence
        ("Ångström", "en", None),  # limit: one exclusive letter is not enough
        ("Oil on canvas", "fi", None),  # limit: only the seven supported languages
    ],
)
def test_language_heuristic(text: str, language: str, reads_as: str | None) -> None:
    assert looks_like(text, language) == reads_as


def test_value_checks() -> None:
    assert is_placeholder("n.d.") and is_placeholder("[no title]") and is_placeholder("Unknown")
    assert is_placeholder("Okänd") and not is_placeholder("Untitled") and not is_placeholder("Unknown Woman")
    assert frame_or_duration("Ram 84 x 100 x 7 cm") == "frame" and frame_or_duration("passe-partout: 40 x 30 cm")
    assert frame_or_duration("Rahmen: 50 x 40 cm") == "frame" and frame_or_duration("cadre 50 x 40 cm") == "frame"
    assert frame_or_duration("running time 12:30") == "duration"
    assert frame_or_duration("29 1/2 x 24 1/2 in. (74.9 x 62.2 cm)") is None
    assert in_question("Derby", "Where was Joseph Wright of Derby born?")  # a known false positive, documented
    assert not in_question("Man", "Where was he born, in Manchester?")
