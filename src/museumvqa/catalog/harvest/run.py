"""`harvest`: every page of a ListRecords list into a folder that `ingest` reads like any catalogue files."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from museumvqa.catalog.harvest.client import HarvestError, OaiClient
from museumvqa.catalog.harvest.protocol import Page, check_base_url, check_dates, parse_page
from museumvqa.catalog.harvest.state import HarvestRequest, HarvestState, open_folder, page_name
from museumvqa.errors import UserError
from museumvqa.io import atomic_path
from museumvqa.settings import HarvestConfig


@dataclass(frozen=True)
class HarvestStats:
    """A harvest folder's totals (over every run) and what this run did."""

    out: Path
    pages: int
    records: int
    deleted: int
    complete: bool
    seconds: float  # this run
    requests: int  # this run, retries included
    retries: int
    resumed_after: int  # pages already in the folder when this run began

    def summary(self) -> str:
        resumed = f" (resumed after page {self.resumed_after})" if self.resumed_after else ""
        end = "complete" if self.complete else "not complete: re-run the same command to continue"
        return (
            f"{_count(self.pages, 'page')}, {_count(self.records, 'record')} ({self.deleted} deleted){resumed} in {self.seconds:.1f} s, "
            f"{self.requests} requests ({self.retries} retried); {end}"
        )


def harvest(
    url: str,
    out: str | Path,
    config: HarvestConfig | None = None,
    *,
    restart: bool = False,
    progress: bool = True,
    client: OaiClient | None = None,
) -> HarvestStats:
    """ListRecords of `config.metadata_prefix` (and set, from, until) from `url` into `out`, page by page.

    Each page is stored as the repository sent it (`page-NNNNNN.xml`, an OAI-PMH ListRecords
    response); `harvest_state.json` records the request, the pages, the counts and the next token, so
    re-running the same call continues where a killed or failed one stopped. noRecordsMatch is an
    empty, complete harvest. Raises UserError for bad input and for a request that fails for good.
    """
    config = config or HarvestConfig()
    if not config.metadata_prefix:
        raise UserError("give --metadata-prefix (the repository's formats: --list-formats)")
    try:
        check_base_url(url)
        check_dates(config.from_date, config.until_date)
    except ValueError as e:
        raise UserError(str(e)) from None
    out = Path(out)
    request = HarvestRequest(url, config.metadata_prefix, config.set_spec, config.from_date, config.until_date)
    state = open_folder(out, request, restart)
    client = client or OaiClient(url, config)
    started, resumed_after = time.monotonic(), state.pages
    mark, fetched = started, 0
    with tqdm(
        total=state.complete_list_size, initial=state.records, desc="harvest", unit="rec", disable=not progress
    ) as bar:
        while not state.complete and (config.max_pages is None or fetched < config.max_pages):
            params = {"verb": "ListRecords", "resumptionToken": state.token} if state.token else request.params()
            try:
                body, page = client.call(params, parse_page)
            except HarvestError as e:
                _save(state, out, mark)
                raise _stopped(e, state, out) from None
            _store(out, state, body, page)
            mark = _save(state, out, mark)
            fetched += 1
            if state.complete_list_size is not None and bar.total != state.complete_list_size:
                bar.total = state.complete_list_size
            bar.update(page.records)
    return HarvestStats(
        out,
        state.pages,
        state.records,
        state.deleted,
        state.complete,
        time.monotonic() - started,
        client.requests,
        client.retries,
        resumed_after,
    )


def _store(out: Path, state: HarvestState, body: bytes, page: Page) -> None:
    """Write the page (when it holds records) and advance the state; the caller saves the state after."""
    if page.empty:
        state.token, state.complete = None, True
        return
    if page.token is not None and page.token == state.token:
        raise UserError(
            f"{state.request.url}: the repository sent resumption token {page.token!r} again; "
            "it would loop, so the harvest stops here"
        )
    if page.records:
        with atomic_path(out / page_name(state.pages + 1)) as tmp:
            tmp.write_bytes(body)
        state.pages += 1
    state.records += page.records
    state.deleted += page.deleted
    state.token, state.complete = page.token, page.token is None
    state.complete_list_size = page.complete_list_size or state.complete_list_size
    state.response_date = state.response_date or page.response_date


def _save(state: HarvestState, out: Path, since: float) -> float:
    """Save the state with the time since the last save added; returns now, the next save's `since`."""
    now = time.monotonic()
    state.seconds = round(state.seconds + now - since, 3)
    state.save(out)
    return now


def _stopped(error: HarvestError, state: HarvestState, out: Path) -> UserError:
    """The failure, with what is kept and how to go on from it."""
    if state.pages == 0 or not error.retryable:
        return error
    kept = f"{_count(state.pages, 'page')} {'is' if state.pages == 1 else 'are'} kept"
    return UserError(f"{error}; {kept} in {out}: re-run the same command to resume")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
