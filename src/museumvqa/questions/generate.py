"""Exhibits -> QA table. Deterministic for a seed: the same inputs give byte-identical output.

Per exhibit, each category's facts are read once and turned into answers for all its languages at
once; each requested language (plus the record's own languages, e.g. a Swedish LIDO title) then
picks up to `max_per_category` of its templates, chosen by a hash of (seed, exhibit, language,
category), and fills them in. Rows are written column-wise in batches, so memory stays flat however
large the collection is.

Speed (see benchmarks/questions): per pair, Python only picks a template slot and keeps its question
and answer; the columns that follow from the slot (ids, category, language, visual) and the exhibit id
are expanded by Arrow when a batch is written.

A language gets a pair only when the category has answers in it (see `answers`: never a question
whose gold is in another language). A category whose answer is the same for nearly every exhibit of
a museum (the museum's own name as acquisition, "artist" as every role) teaches nothing there. The
pass over the exhibits also counts, per (museum, category), how concentrated the answers are (a
bounded summary, not the answers); a second pass over the written pairs (Arrow, no Python per row)
then leaves out the (museum, category) found constant. Counting while generating, not in a pass of
its own, keeps each exhibit's facts computed once. The manifest lists them with share and answer.
"""

from __future__ import annotations

import tempfile
import zlib
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from tqdm import tqdm

from museumvqa.catalog.schema import Exhibit
from museumvqa.errors import UserError
from museumvqa.io import atomic_path, write_json
from museumvqa.questions.answers import Facts, Gold, golds, language_of, words
from museumvqa.questions.categories import CATEGORIES
from museumvqa.questions.glossary import Glossary, Term, load_glossary
from museumvqa.questions.records import iter_exhibits
from museumvqa.questions.templates import LanguageSpec, Template, available_languages, load_language

QA_SCHEMA = pa.schema(
    [
        ("question_id", pa.string()),
        ("exhibit_id", pa.string()),
        ("category", pa.string()),
        ("language", pa.string()),
        ("template_id", pa.string()),
        ("question", pa.string()),
        ("answers", pa.list_(pa.string())),
        ("visual", pa.bool_()),
        ("knowledge", pa.bool_()),  # no photograph answers it and it names no one (questions/categories.py)
        ("answer_language", pa.string()),  # the question's language, or "*" when every answer is language-neutral
        ("derived", pa.bool_()),  # answers computed from the record (century, 'canvas' from 'Oil on canvas')
    ]
)
_ROWS_PER_BATCH = 65536
_UNASKED = Gold([], "", False)
# Answers are cached per distinct facts (vocabularies repeat); the cache starts afresh when this full.
_ANSWER_CACHE_SIZE = 1 << 16
# Distinct answers counted per (museum, category) in the survey (Misra-Gries): memory is bounded by
# museums x categories x this, and a dominant answer's share is undercounted by at most 1/this.
_SURVEY_COUNTERS = 64


@dataclass(frozen=True)
class ConstantCategory:
    """A category not asked for one museum: `answer` answers `share` of its `exhibits` that have the category."""

    museum: str
    category: str
    answer: str
    share: float
    exhibits: int


class _Concentration:
    """Exhibits with the category, and the heavy hitters among their answers (Misra-Gries summary)."""

    __slots__ = ("total", "counts")

    def __init__(self) -> None:
        self.total = 0
        self.counts: dict[str, int] = {}  # answer (first candidate, as written) -> count lower bound

    def add(self, answer: str) -> None:
        self.total += 1
        counts = self.counts
        if answer in counts:
            counts[answer] += 1
        elif len(counts) < _SURVEY_COUNTERS:
            counts[answer] = 1
        else:
            for other in list(counts):
                counts[other] -= 1
                if not counts[other]:
                    del counts[other]

    def replay(self, answers: _Answers) -> None:
        """Count a piece's answers, in its order, after those counted so far: what `add` would have counted
        (the summary depends on order, so merging two summaries would not be)."""
        counts = self.counts
        if len(counts.keys() | answers.index.keys()) <= _SURVEY_COUNTERS:  # no counter ever evicted: plain sums
            for number, n in Counter(answers.order).items():
                answer = answers.distinct[number]
                counts[answer] = counts.get(answer, 0) + n
            self.total += len(answers.order)
            return
        for number in answers.order:
            self.add(answers.distinct[number])

    def top(self) -> tuple[str, int]:
        """The most frequent answer and a lower bound of its count ("", 0 when none)."""
        if not self.counts:
            return "", 0
        answer = max(sorted(self.counts), key=self.counts.__getitem__)
        return answer, self.counts[answer]


class _Answers:
    """Every answer one piece counted for a (museum, category), in order (numbered), for the driver to replay."""

    __slots__ = ("distinct", "index", "order")

    def __init__(self) -> None:
        self.distinct: list[str] = []
        self.index: dict[str, int] = {}
        self.order = array("I")

    def add(self, answer: str) -> None:
        number = self.index.get(answer)
        if number is None:
            number = self.index[answer] = len(self.distinct)
            self.distinct.append(answer)
        self.order.append(number)


def _gives_away(answers: list[str], named: frozenset[str]) -> bool:
    """Whether the question's noun phrase already says an answer (every word of it)."""
    return any((said := words(answer)) and set(said) <= named for answer in answers)


@dataclass(frozen=True)
class QAPair:
    question_id: str
    exhibit_id: str
    category: str
    language: str
    template_id: str
    question: str
    answers: list[str]
    visual: bool
    knowledge: bool
    answer_language: str
    derived: bool


class _Cell(NamedTuple):
    """One language and category, for one kind of object: all that choosing and filling in a template needs."""

    salt: bytes  # spreads the choice: crc32 of it, continued from the exhibit's hash
    size: int
    asked: int
    slots: tuple[int, ...]  # each template's row in the slot table
    texts: tuple[str | None, ...]  # each template filled in with the noun phrases; None: it names someone
    templates: tuple[Template, ...]


class _Slots:
    """One row per (language, template): the output columns that follow from the template alone."""

    def __init__(self) -> None:
        self.suffixes: list[str] = []  # question id after the exhibit id: '#fr:title-2'
        self.columns: dict[str, list[str | bool]] = {
            "category": [], "language": [], "template_id": [], "visual": [], "knowledge": []
        }

    def add(self, lang: str, t: Template) -> int:
        self.suffixes.append(f"#{lang}:{t.id}")
        for name, value in (
            ("category", t.category), ("language", lang), ("template_id", t.id), ("visual", t.visual),
            ("knowledge", t.knowledge),
        ):
            self.columns[name].append(value)
        return len(self.suffixes) - 1


class _Batch:
    """QA pairs not yet written: per exhibit its id and pair count, per pair its slot, question and answer.

    An answer is an index into `golds`, which holds each distinct fact's answers (all its languages) once.
    """

    def __init__(self) -> None:
        self.exhibit_ids: list[str] = []
        self.museums: list[str] = []
        self.runs: list[int] = []
        self.slots: list[int] = []
        self.questions: list[str] = []
        self.answers: list[int] = []
        self.golds: list[Gold] = []
        self._first: dict[int, tuple[int, list[Gold]]] = {}  # id of a fact's answers -> (its first index, them)

    def __len__(self) -> int:
        return len(self.slots)

    def first(self, per_language: list[Gold | None]) -> int:
        """Where the fact's answers start in `golds`, added on first sight (the tuple keeps `id` unique)."""
        found = self._first.get(id(per_language))
        if found is None:
            found = self._first[id(per_language)] = (len(self.golds), per_language)
            self.golds += [g or _UNASKED for g in per_language]  # a language without answers is never pointed at
        return found[0]

    def table(self, slots: _Slots, museum: bool = False) -> pa.Table:
        """The QA_SCHEMA table of the batch; with `museum`, plus each pair's museum (to leave constant ones out)."""
        rows = pa.array(self.slots, pa.int32())
        per_slot = {
            name: pa.array(values, QA_SCHEMA.field(name).type).take(rows) for name, values in slots.columns.items()
        }
        per_exhibit = np.repeat(np.arange(len(self.runs)), self.runs)
        exhibit_ids = pa.array(self.exhibit_ids, pa.string()).take(per_exhibit)
        question_ids = pc.binary_join_element_wise(exhibit_ids, pa.array(slots.suffixes, pa.string()).take(rows), "")
        answers = pa.array(self.answers, pa.int32())
        columns = {
            "question_id": question_ids,
            "exhibit_id": exhibit_ids,
            **per_slot,
            "question": pa.array(self.questions, pa.string()),
            "answers": pa.array([g.answers for g in self.golds], QA_SCHEMA.field("answers").type).take(answers),
            "answer_language": pa.array([g.language for g in self.golds], pa.string()).take(answers),
            "derived": pa.array([g.derived for g in self.golds], pa.bool_()).take(answers),
        }
        table = pa.table([columns[name] for name in QA_SCHEMA.names], schema=QA_SCHEMA)
        return table.append_column("museum", pa.array(self.museums, pa.string()).take(per_exhibit)) if museum else table

    def clear(self) -> None:
        for values in (self.exhibit_ids, self.museums, self.runs, self.slots, self.questions, self.answers, self.golds):
            values.clear()
        self._first.clear()


class QuestionGenerator:
    """Turns exhibits into QA pairs; holds the loaded templates and glossary.

    Everything that does not depend on the record is worked out once and kept: each language's template
    pools, each template filled in for each kind of object ('this painting'), and the answers of facts
    already seen; per exhibit only its facts and the template choice remain.
    """

    tally: type[_Concentration] | type[_Answers] = _Concentration  # what `add` counts answers in

    def __init__(
        self,
        languages: Sequence[str] = ("en",),
        categories: Sequence[str] | None = None,
        max_per_category: int = 1,
        seed: int = 0,
        record_languages: bool = True,
        glossary: Glossary | None = None,
        constant_share: float = 0.9,
        constant_min_exhibits: int = 20,
    ) -> None:
        self.categories = list(categories or CATEGORIES)
        unknown = sorted(set(self.categories) - set(CATEGORIES))
        if unknown:
            raise UserError(f"unknown question categories {unknown}; known: {', '.join(CATEGORIES)}")
        if max_per_category < 1:
            raise UserError("max_per_category must be at least 1")
        if not languages:
            raise UserError("at least one question language is needed")
        self.languages = list(dict.fromkeys(languages))
        self.specs = {lang: load_language(lang) for lang in self.languages}
        self.extra_languages = set(available_languages()) - set(self.languages) if record_languages else set()
        if not 0 < constant_share <= 1:
            raise UserError("constant_share must be in (0, 1]")
        self.max_per_category = max_per_category
        self.seed = seed
        self.constant_share = constant_share
        self.constant_min_exhibits = constant_min_exhibits
        self.constant: list[ConstantCategory] = []  # set by `survey` or `decide`
        self._skip: frozenset[tuple[str, str]] = frozenset()
        self._census: dict[tuple[str, str], _Concentration | _Answers] = {}  # what `add` has seen, per (museum, category)
        self.glossary = glossary or load_glossary()
        self.slots = _Slots()
        self._slots_of: dict[tuple[str, str], tuple[int, ...]] = {}
        self._cells_of: dict[tuple[str, str | None], tuple[dict[str, str], dict[str, _Cell]]] = {}
        self._answers: dict[tuple[object, ...], list[Gold | None]] = {}
        self._named: dict[tuple[str, str | None], frozenset[str]] = {}

    def _spec(self, lang: str) -> LanguageSpec:
        if lang not in self.specs:
            self.specs[lang] = load_language(lang)
        return self.specs[lang]

    def _slot_ids(self, lang: str, pool: tuple[Template, ...]) -> tuple[int, ...]:
        key = (lang, pool[0].category, pool[0].names_someone)
        if key not in self._slots_of:
            self._slots_of[key] = tuple(self.slots.add(lang, t) for t in pool)
        return self._slots_of[key]

    def _cells(self, lang: str, term: Term | None) -> tuple[dict[str, str], dict[tuple[str, bool], _Cell]]:
        """The language's noun phrases for this kind of object, and its cells per (category, names someone):
        templates that name someone from the record ({creator}, {person}, filled in per exhibit) are asked
        when the facts give that name, the others when they give none (a person asked about as "the maker")."""
        key = (lang, term.english if term else None)
        if key not in self._cells_of:
            spec = self._spec(lang)
            forms = term.translate(lang) if term else None
            noun, gender = (forms[0], term.genders.get(lang)) if forms and term else (None, None)
            phrases = {name: spec.noun_phrase(name, noun, gender) for name in spec.noun_phrases}
            cells = {}
            for category in self.categories:
                for naming in (False, True):
                    pool = tuple(t for t in spec.templates if t.category == category and t.names_someone == naming)
                    if not pool:
                        continue
                    names = CATEGORIES[category].slots
                    cells[category, naming] = _Cell(
                        f"|{lang}|{category}".encode(),
                        len(pool),
                        min(self.max_per_category, len(pool)),
                        self._slot_ids(lang, pool),
                        tuple(None if t.placeholders & names else t.text.format_map(phrases) for t in pool),
                        pool,
                    )
            self._cells_of[key] = (phrases, cells)
        return self._cells_of[key]

    def _named_words(self, lang: str, term: Term | None) -> frozenset[str]:
        """Words the object's noun phrases add to the language's default ('paper' in 'this work on paper')."""
        key = (lang, term.english if term else None)
        found = self._named.get(key)
        if found is None:
            phrases = self._cells(lang, term)[0]
            plain = self._cells(lang, None)[0]
            found = self._named[key] = frozenset(words(" ".join(phrases.values()))) - set(words(" ".join(plain.values())))
        return found

    def _golds(self, fact: Facts, languages: tuple[str, ...]) -> list[Gold | None]:
        """`golds` of the fact in these languages, cached per distinct facts (names for templates aside)."""
        key = (fact.candidates, fact.section, fact.century, fact.composed, languages)
        found = self._answers.get(key)
        if found is None:
            if len(self._answers) >= _ANSWER_CACHE_SIZE:
                self._answers.clear()
            found = self._answers[key] = golds(fact, [self._spec(lang) for lang in languages], self.glossary)
        return found

    def languages_for(self, ex: Exhibit) -> list[str]:
        """The requested languages, then the record's own languages (of any value) that have templates."""
        if not self.extra_languages:
            return self.languages
        tags = {v.lang for values in ex.attributes.values() for v in values}
        own = {lang for tag in tags if (lang := language_of(tag)) in self.extra_languages}
        return self.languages + sorted(own)

    def survey(self, exhibits: Iterable[Exhibit]) -> list[ConstantCategory]:
        """First pass: the (museum, category) whose top answer is `constant_share` of at least
        `constant_min_exhibits` exhibits; they are not asked from then on. Streams: keeps only counters."""
        self._census = {}
        glossary = self.glossary
        for ex in exhibits:
            self._count(ex.museum, [(c, f) for c in self.categories if (f := CATEGORIES[c].facts(ex, glossary)) is not None])
        return self.decide()

    def _count(self, museum: str, facts: list[tuple[str, Facts]]) -> None:
        census = self._census
        for category, fact in facts:
            found = census.get((museum, category))
            if found is None:
                found = census[museum, category] = self.tally()
            found.add(fact.candidates[0].text)

    def replay(self, census: dict[tuple[str, str], _Answers]) -> None:
        """Count a piece's answers (`_PieceGenerator`) as if `add` had met its exhibits here, after those so far."""
        for key, answers in census.items():
            found = self._census.get(key)
            if found is None:
                found = self._census[key] = _Concentration()
            found.replay(answers)

    def decide(self) -> list[ConstantCategory]:
        """The constant (museum, category) among those counted so far; not asked from then on."""
        self.constant = []
        for (museum, category), found in sorted(self._census.items()):
            answer, count = found.top()
            if found.total >= self.constant_min_exhibits and count >= self.constant_share * found.total:
                self.constant.append(ConstantCategory(museum, category, answer, count / found.total, found.total))
        self._skip = frozenset((c.museum, c.category) for c in self.constant)
        return self.constant

    def add(self, ex: Exhibit, batch: _Batch) -> None:
        """Append the exhibit's QA pairs to `batch`."""
        glossary = self.glossary
        skip, museum = self._skip, ex.museum
        facts = [
            (c, f)
            for c in self.categories
            if not (skip and (museum, c) in skip) and (f := CATEGORIES[c].facts(ex, glossary)) is not None
        ]
        if not facts:
            return
        self._count(museum, facts)
        eid = ex.exhibit_id
        exhibit_hash = zlib.crc32(f"{self.seed}|{eid}".encode())
        kinds = ex.attributes.get("object_type") or ex.attributes.get("classification") or ()
        term = next((t for v in kinds if (t := glossary.find("object_types", v.value))), None)
        languages = tuple(self.languages_for(ex))
        found = []
        for category, fact in facts:
            per_language = self._golds(fact, languages)
            found.append((category, fact, batch.first(per_language), per_language))
        slots, questions, answers = batch.slots.append, batch.questions.append, batch.answers.append
        crc32 = zlib.crc32
        before = len(batch)
        for position, lang in enumerate(languages):
            phrases, cells = self._cells(lang, term)
            named = self._named_words(lang, term)
            for category, fact, first, per_language in found:
                gold = per_language[position]
                naming = bool(fact.slots)
                cell = cells.get((category, naming))
                if cell is None or gold is None:
                    continue
                said = phrases
                if named and _gives_away(gold.answers, named):  # "this work on paper" -> "paper": say "this work"
                    said, plain_cells = self._cells(lang, None)
                    cell = plain_cells[category, naming]
                salt, size, asked, slot_ids, texts, templates = cell
                start = crc32(salt, exhibit_hash)
                for k in range(asked):
                    j = (start + k) % size
                    slots(slot_ids[j])
                    text = texts[j]
                    questions(templates[j].text.format_map({**said, **fact.slots}) if text is None else text)
                    answers(first + position)
        if len(batch) > before:
            batch.exhibit_ids.append(eid)
            batch.museums.append(museum)
            batch.runs.append(len(batch) - before)

    def pairs(self, ex: Exhibit) -> list[QAPair]:
        """The exhibit's QA pairs as objects (for inspection and tests)."""
        batch = _Batch()
        self.add(ex, batch)
        return [QAPair(**row) for row in batch.table(self.slots).to_pylist()]


def generate_questions(
    exhibits_dir: str | Path,
    out_dir: str | Path,
    languages: Sequence[str] = ("en",),
    categories: Sequence[str] | None = None,
    max_per_category: int = 1,
    seed: int = 0,
    progress: bool = True,
    record_languages: bool = True,
    constant_share: float = 0.9,
    constant_min_exhibits: int = 20,
    workers: int = 1,
    ray: bool = False,
    ray_address: str | None = None,
) -> dict[str, int]:
    """Write `out_dir/qa.parquet` and `out_dir/manifest.json`; returns counts per category.

    One pass over the exhibits writes every pair, with its museum, to a temporary file while counting
    answer concentration; a pass over that file leaves out the constant (museum, category).

    With `workers` > 1 each exhibit part file is a piece, `workers` at once: in processes, or as Ray tasks
    with `ray` (a local Ray) or `ray_address` (a cluster: the exhibits and `out_dir` on shared storage).
    A piece writes its pairs and keeps every answer it counted; this process replays the answers in part
    order, so the constant categories and every output byte are those of a run on its own.
    """
    options = {
        "languages": languages,
        "categories": categories,
        "max_per_category": max_per_category,
        "seed": seed,
        "record_languages": record_languages,
        "constant_share": constant_share,
        "constant_min_exhibits": constant_min_exhibits,
    }
    generator = QuestionGenerator(**options)
    files = sorted(Path(exhibits_dir).glob("*.parquet"))
    if not files:
        raise UserError(f"{exhibits_dir}: no exhibit Parquet files (run `museumvqa ingest` first)")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".qa-", dir=out) as scratch:  # the unfiltered pairs: not an output
        if workers != 1 or ray or ray_address:
            task = partial(_generate_piece, scratch=Path(scratch).resolve(), options=options)
            rows, pairs = _pairs_of_pieces(generator, task, files, progress, workers, ray, ray_address)
        else:
            rows, pairs = _pairs_here(generator, files, Path(scratch) / "all.parquet", progress)
        if rows == 0:  # refused before qa.parquet is touched
            raise UserError(
                f"{exhibits_dir}: 0 QA pairs (languages {','.join(generator.languages)}, categories "
                f"{','.join(categories) if categories else 'all'}); check that the records have titles, makers or "
                "dates in those languages"
            )
        counts, per_language = _without_constant(pairs, out / "qa.parquet", generator.decide(), Path(exhibits_dir))
    write_json(
        {
            "languages": generator.languages,
            "record_languages": record_languages,
            "categories": generator.categories,
            "max_per_category": max_per_category,
            "seed": seed,
            "pairs": sum(counts.values()),
            "per_category": dict(sorted(counts.items())),
            "per_language": dict(sorted(per_language.items())),
            "constant_share": constant_share,
            "constant_min_exhibits": constant_min_exhibits,
            "dropped_constant": [
                {**vars(c), "share": round(c.share, 4), "reason": "same answer for nearly every exhibit of the museum"}
                for c in generator.constant
            ],
        },
        out / "manifest.json",
    )
    return dict(counts)


_PAIRS_SCHEMA = QA_SCHEMA.append(pa.field("museum", pa.string()))  # a pair before constant ones are left out


def _pairs(generator: QuestionGenerator, exhibits: Iterable[list[Exhibit]]) -> Iterator[pa.Table]:
    """The exhibits' pairs with their museum, at least `_ROWS_PER_BATCH` at a time (the last table fewer)."""
    batch = _Batch()
    for some in exhibits:
        for ex in some:
            generator.add(ex, batch)
            if len(batch) >= _ROWS_PER_BATCH:
                yield batch.table(generator.slots, museum=True)
                batch.clear()
    if len(batch):
        yield batch.table(generator.slots, museum=True)


def _batches(files: list[Path], progress: bool) -> Iterator[list[Exhibit]]:
    for file in files:
        yield from tqdm(iter_exhibits(file), desc="questions", unit="batch", disable=not progress)


def _pairs_here(
    generator: QuestionGenerator, files: list[Path], every: Path, progress: bool
) -> tuple[int, Iterator[pa.RecordBatch]]:
    """Every pair written to `every` by this process; their number and batches of them."""
    with pq.ParquetWriter(every, _PAIRS_SCHEMA) as writer:
        for table in _pairs(generator, _batches(files, progress)):
            writer.write_table(table)
    written = pq.ParquetFile(every)
    return written.metadata.num_rows, written.iter_batches(batch_size=_ROWS_PER_BATCH)


class _Piece(NamedTuple):
    """One part file's pairs (an Arrow IPC file) and every answer counted for them."""

    pairs: Path
    rows: int
    census: dict[tuple[str, str], _Answers]


class _PieceGenerator(QuestionGenerator):
    """Keeps every answer it counts, not a bounded summary: the driver replays them in part order."""

    tally = _Answers


def _generate_piece(file: Path, scratch: Path, options: dict[str, Any]) -> _Piece:
    """One piece of a parallel run: the pairs of one exhibit part file, written beside the others in `scratch`."""
    generator = _PieceGenerator(**options)
    target = scratch / f"{file.name}.arrow"
    rows = 0
    with pa.OSFile(str(target), "wb") as sink, pa.ipc.new_file(sink, _PAIRS_SCHEMA) as writer:
        for table in _pairs(generator, iter_exhibits(file)):
            writer.write_table(table)
            rows += len(table)
    return _Piece(target, rows, generator._census)  # type: ignore[arg-type]  # a _PieceGenerator tallies _Answers


def _pairs_of_pieces(
    generator: QuestionGenerator,
    task: Callable[[Path], _Piece],
    files: list[Path],
    progress: bool,
    workers: int,
    ray: bool,
    address: str | None,
) -> tuple[int, Iterator[pa.RecordBatch]]:
    """Every part file's pairs written by a piece, its answers replayed into `generator` in part order; their
    number and batches of them as `_pairs_here` gives them."""
    from museumvqa.pieces import run_pieces

    paths, rows = [], 0
    absolute = [file.resolve() for file in files]  # a Ray worker's working folder is not this process's
    for piece in tqdm(run_pieces(task, absolute, workers, ray, address), "questions", len(files), disable=not progress):
        generator.replay(piece.census)
        paths.append(piece.pairs)
        rows += piece.rows
    return rows, _rebatched(_read_pieces(paths), _ROWS_PER_BATCH)


def _read_pieces(paths: list[Path]) -> Iterator[pa.RecordBatch]:
    for path in paths:
        with pa.memory_map(str(path)) as source:
            reader = pa.ipc.open_file(source)
            for i in range(reader.num_record_batches):
                yield reader.get_batch(i)


def _rebatched(batches: Iterable[pa.RecordBatch], size: int) -> Iterator[pa.RecordBatch]:
    """The rows of `batches` in batches of `size` (the last fewer), as one Parquet file's `iter_batches` gives them."""
    pending: list[pa.RecordBatch] = []
    rows = 0
    for batch in batches:
        pending.append(batch)
        rows += len(batch)
        if rows >= size:
            whole = pa.concat_batches(pending)
            while len(whole) >= size:
                yield whole.slice(0, size)
                whole = whole.slice(size)
            pending, rows = [whole], len(whole)
    if rows:
        yield pa.concat_batches(pending)


def _without_constant(
    batches: Iterable[pa.RecordBatch], target: Path, constant: list[ConstantCategory], exhibits_dir: Path
) -> tuple[Counter[str], Counter[str]]:
    """Copy the pairs of `batches` to `target` (QA_SCHEMA) but those of a constant (museum, category); their counts."""
    dropped = pa.array([f"{c.museum}\x1f{c.category}" for c in constant], pa.string())
    counts: Counter[str] = Counter()
    per_language: Counter[str] = Counter()
    with atomic_path(target) as tmp, pq.ParquetWriter(tmp, QA_SCHEMA) as writer:
        for record_batch in batches:
            table = pa.Table.from_batches([record_batch])
            if len(dropped):
                keys = pc.binary_join_element_wise(table["museum"], table["category"], "\x1f")
                table = table.filter(pc.invert(pc.is_in(keys, value_set=dropped)))
            table = table.drop_columns(["museum"])
            for counter, name in ((counts, "category"), (per_language, "language")):
                for item in table[name].value_counts().to_pylist():
                    counter[item["values"]] += item["counts"]
            writer.write_table(table)
        if not counts:
            raise UserError(
                f"{exhibits_dir}: every QA pair belongs to a constant category; lower constant_share to keep some"
            )
    return counts, per_language
