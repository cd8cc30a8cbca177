"""OAI-PMH 2.0 on the wire: request URLs, dates, and responses read into small typed results.

Pure functions (no network), so the parsing rules are tested without a server. A ListRecords page
is read with iterparse and each `<record>` is cleared once counted: the page's bytes are all the
memory a page costs.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
_O = f"{{{OAI_NS}}}"
_ROOT = f"{_O}OAI-PMH"
# `YYYY-MM-DD` or `YYYY-MM-DDThh:mm:ssZ`: the only two granularities OAI-PMH 2.0 allows
_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_SECOND = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T([01]\d|2[0-3]):([0-5]\d):([0-5]\d)Z$")
# errors that mean "an empty answer", not a failure
EMPTY_ERRORS = frozenset({"noRecordsMatch", "noSetHierarchy", "noMetadataFormats"})
_HINTS = {
    "badResumptionToken": "the server no longer accepts the resumption token (tokens expire); "
    "re-run with --restart to harvest from the start",
    "cannotDisseminateFormat": "the repository does not offer this metadata prefix; see --list-formats",
    "badArgument": "check --from/--until (the repository's granularity: see --identify) and --set-spec",
    "badVerb": "the URL answers OAI-PMH but not this request; check the base URL",
    "idDoesNotExist": "no such record",
}


class OaiError(Exception):
    """An `<error code=...>` in a response: the repository refused the request."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}" if message else code)
        self.code = code
        self.message = message

    @property
    def hint(self) -> str | None:
        return _HINTS.get(self.code)


class NotOaiResponse(Exception):
    """A body that is not an OAI-PMH response at all (an HTML page, other XML): retrying will not help."""


class BrokenPage(Exception):
    """A body that starts like an OAI-PMH response but is not well-formed XML: worth another try."""


@dataclass(frozen=True)
class Page:
    """What one ListRecords response holds: counts and where the list goes on."""

    records: int = 0
    deleted: int = 0
    token: str | None = None  # None: this was the last page
    complete_list_size: int | None = None
    response_date: str | None = None
    empty: bool = False  # noRecordsMatch: nothing to harvest, a clean result


@dataclass(frozen=True)
class MetadataFormat:
    prefix: str
    schema: str | None
    namespace: str | None


@dataclass(frozen=True)
class SetInfo:
    spec: str
    name: str | None


@dataclass(frozen=True)
class SetsPage:
    sets: list[SetInfo] = field(default_factory=list)
    token: str | None = None


def request_url(base_url: str, params: Mapping[str, str]) -> str:
    """`base_url?verb=...&...`; a base URL that already has a query keeps it."""
    joiner = "&" if urlsplit(base_url).query else "?"
    return base_url + joiner + urlencode(params)


def check_base_url(url: str) -> None:
    """ValueError for a URL that is not http(s)://host/...: caught before any request."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{url!r}: give the repository's http(s) base URL, e.g. https://example.org/oai")


def check_dates(from_date: str | None, until_date: str | None) -> None:
    """ValueError unless each date is an OAI-PMH date (day or second granularity), both alike and in order."""
    for flag, value in (("--from", from_date), ("--until", until_date)):
        if value is not None and not _valid_date(value):
            raise ValueError(f"{flag} {value!r}: expected YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ (UTC)")
    if from_date and until_date:
        if len(from_date) != len(until_date):
            raise ValueError(f"--from {from_date} and --until {until_date}: give both with the same granularity")
        if from_date > until_date:
            raise ValueError(f"--from {from_date} is after --until {until_date}")


def _valid_date(value: str) -> bool:
    found = _DAY.match(value) or _SECOND.match(value)
    if found is None:
        return False
    try:
        dt.date(*(int(part) for part in found.groups()[:3]))
    except ValueError:
        return False
    return True


def list_records_params(
    metadata_prefix: str, set_spec: str | None, from_date: str | None, until_date: str | None
) -> dict[str, str]:
    """The first ListRecords request's arguments (later pages send only the resumption token)."""
    params = {"verb": "ListRecords", "metadataPrefix": metadata_prefix}
    for name, value in (("set", set_spec), ("from", from_date), ("until", until_date)):
        if value is not None:
            params[name] = value
    return params


def _root(body: bytes) -> ET.Element:
    """The parsed OAI-PMH root of a small response (Identify, formats, sets), its errors raised."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError as e:
        raise _parse_failure(body, e) from None
    if root.tag != _ROOT:
        raise NotOaiResponse(f"not an OAI-PMH response (root element <{_local(root.tag)}>)")
    errors = root.findall(f"{_O}error")
    if errors:
        raise _error(errors[0])
    return root


def _parse_failure(body: bytes, error: Exception) -> Exception:
    """Broken OAI-PMH (retry) or not OAI-PMH at all (give up), told apart by the namespace near the start."""
    if OAI_NS.encode() in body[:4096]:
        return BrokenPage(f"not well-formed XML ({error})")
    if not body.strip():
        return BrokenPage("an empty response")  # a server hiccup more often than a wrong URL
    start = body[:60].decode("utf-8", errors="replace").strip().splitlines()
    shown = start[0][:60] if start else "an empty body"
    return NotOaiResponse(f"not an OAI-PMH response (not XML; it starts {shown!r})")


def _error(element: ET.Element) -> OaiError:
    return OaiError(element.get("code", "unknown"), " ".join("".join(element.itertext()).split()))


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _text(element: ET.Element | None) -> str | None:
    if element is None:
        return None
    text = " ".join("".join(element.itertext()).split())
    return text or None


def parse_page(body: bytes) -> Page:
    """A ListRecords response: record and deletion counts, the next token; errors raised as OaiError.

    `noRecordsMatch` is an empty page (`empty=True`), not an error.
    """
    records = deleted = 0
    token: str | None = None
    size: int | None = None
    date: str | None = None
    root: ET.Element | None = None
    listed = False
    try:
        for event, element in ET.iterparse(io.BytesIO(body), events=("start", "end")):
            if event == "start":
                if root is None:
                    root = element
                    if element.tag != _ROOT:
                        raise NotOaiResponse(f"not an OAI-PMH response (root element <{_local(element.tag)}>)")
                continue
            tag = element.tag
            if tag == f"{_O}header":
                deleted += element.get("status") == "deleted"
            elif tag == f"{_O}record":
                records += 1
                element.clear()  # counted: the page's text is on disk, the tree need not stay
            elif tag == f"{_O}resumptionToken":
                token = (element.text or "").strip() or None
                size = _int(element.get("completeListSize"))
            elif tag == f"{_O}responseDate":
                date = (element.text or "").strip() or None
            elif tag == f"{_O}ListRecords":
                listed = True
            elif tag == f"{_O}error":
                error = _error(element)
                if error.code == "noRecordsMatch":
                    return Page(empty=True, response_date=date)
                raise error
    except ET.ParseError as e:
        raise _parse_failure(body, e) from None
    if not listed:
        raise NotOaiResponse("an OAI-PMH response without ListRecords or an error")
    return Page(records, deleted, token, size, date)


def _int(value: str | None) -> int | None:
    return int(value) if value is not None and value.strip().isdigit() else None


def parse_identify(body: bytes) -> dict[str, list[str]]:
    """Identify's fields (repositoryName, baseURL, granularity, adminEmail...) in document order."""
    found = _root(body).find(f"{_O}Identify")
    if found is None:
        raise NotOaiResponse("an OAI-PMH response without Identify")
    fields: dict[str, list[str]] = {}
    for child in found:
        if child.tag.startswith(_O):  # `description` blocks hold other schemas: not shown
            text = _text(child)
            if text is not None and _local(child.tag) != "description":
                fields.setdefault(_local(child.tag), []).append(text)
    return fields


def parse_formats(body: bytes) -> list[MetadataFormat]:
    try:
        root = _root(body)
    except OaiError as e:
        if e.code in EMPTY_ERRORS:
            return []
        raise
    return [
        MetadataFormat(
            _text(f.find(f"{_O}metadataPrefix")) or "?",
            _text(f.find(f"{_O}schema")),
            _text(f.find(f"{_O}metadataNamespace")),
        )
        for f in root.iter(f"{_O}metadataFormat")
    ]


def parse_sets(body: bytes) -> SetsPage:
    """One ListSets page: its sets and the token of the next (noSetHierarchy: no sets)."""
    try:
        root = _root(body)
    except OaiError as e:
        if e.code in EMPTY_ERRORS:
            return SetsPage()
        raise
    sets = [SetInfo(_text(s.find(f"{_O}setSpec")) or "?", _text(s.find(f"{_O}setName"))) for s in root.iter(f"{_O}set")]
    token = _text(root.find(f"{_O}ListSets/{_O}resumptionToken"))
    return SetsPage(sets, token)
