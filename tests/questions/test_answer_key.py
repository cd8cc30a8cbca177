"""The reviewed answer key: QA pairs of real records from seven museums, each read against its record by a reviewer.

A pair reviewed right must still be generated exactly so (same question, same answers); a pair reviewed
wrong must never come back. When generation improves on purpose, the changed pairs are reviewed again
and the key updated (tests/fixtures/answer_key/README.md says how).
"""

from __future__ import annotations

import json
from collections import Counter

import pytest
from answer_key import KEY, build_corpus, pairs_of


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str, str], list[str]]:
    """(museum, accession, question) -> answers, for every pair the current code generates on the corpus."""
    runs = build_corpus(tmp_path_factory.mktemp("answer_key"))
    return {
        (museum, pair["exhibit_id"].split(":", 1)[1], pair["question"]): pair["answers"]
        for museum, run in runs.items()
        for pair in pairs_of(run)
    }


def _key(generated: dict) -> list[dict]:
    museums = {museum for museum, _, _ in generated}
    return [k for k in map(json.loads, KEY.read_text(encoding="utf-8").splitlines()) if k["museum"] in museums]


def test_the_key_covers_six_museums_and_three_hundred_reviewed_pairs(generated: dict) -> None:
    key = _key(generated)
    right = Counter(k["museum"] for k in key if k["verdict"] == "right")
    assert sum(right.values()) >= 300 and len(right) >= 6, right


def test_reviewed_right_pairs_are_generated_unchanged(generated: dict) -> None:
    changed = [
        f"{k['id']}: {k['question']} -> {k['answers']} now {generated.get((k['museum'], k['exhibit'], k['question']))}"
        for k in _key(generated)
        if k["verdict"] == "right" and generated.get((k["museum"], k["exhibit"], k["question"])) != k["answers"]
    ]
    assert not changed, "reviewed-right pairs changed (review them again):\n" + "\n".join(changed[:20])


def test_reviewed_wrong_pairs_never_come_back(generated: dict) -> None:
    back = [
        f"{k['id']}: {k['question']} -> {k['answers']} ({k['why']})"
        for k in _key(generated)
        if k["verdict"] == "wrong" and generated.get((k["museum"], k["exhibit"], k["question"])) == k["answers"]
    ]
    assert not back, "reviewed-wrong pairs are generated again:\n" + "\n".join(back[:20])
