"""A loopback OAI-PMH 2.0 repository for harvest tests: real records in pages, scripted faults, a request log.

Records are served as they are in their source files: a LIDO record is the verbatim text of its
`<lido:lido>` element (the namespaces its file declares are declared on `<metadata>`); a file that is
already an OAI `<record>` (the Europeana EDM fixtures) is served whole. Resumption tokens carry the
request and the offset (base64 JSON), so the server keeps no session and a forged token is refused.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape, quoteattr

from helpers.loopback import start_server

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
LIDO_NS = "http://www.lido-schema.org"
EDM_NS = "http://www.europeana.eu/schemas/edm/"
_DECLARATION = re.compile(r'xmlns:([\w.-]+)="([^"]*)"')
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>\s*")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class OaiRecord:
    """One record: `metadata` is the XML put in `<metadata>` (None: a deleted record), or `whole` a full `<record>`."""

    identifier: str
    datestamp: str
    metadata: str | None = None
    sets: tuple[str, ...] = ()
    whole: str | None = None

    @property
    def deleted(self) -> bool:
        return self.metadata is None and self.whole is None


@dataclass(frozen=True)
class Format:
    """A metadata prefix the server offers and the namespaces declared on each record's `<metadata>`."""

    prefix: str
    namespace: str
    schema: str
    declarations: dict[str, str] = field(default_factory=dict)


@dataclass
class Fault:
    """One scripted misbehaviour of a ListRecords page, answered instead of (or before) the page.

    `delay` seconds pass first (a slow reply: the page follows unless something else is set); then
    `status` (with `headers`) is answered, or the OAI `error` code, or the page cut in half
    (`broken`). `repeat`: answered every time (a server down for good) until the fault is removed.
    """

    delay: float = 0.0
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    broken: bool = False
    repeat: bool = False


def lido_records(path: Path) -> tuple[list[str], dict[str, str]]:
    """The verbatim text of each `<lido:lido>` record of a LIDO file, and the namespaces the file declares."""
    text = path.read_text(encoding="utf-8")
    records = re.findall(r"<lido:lido[\s>].*?</lido:lido>", text, flags=re.DOTALL)
    return records, declarations(text)


def declarations(text: str) -> dict[str, str]:
    """Every `xmlns:prefix="uri"` of a text (the first one of each prefix)."""
    found: dict[str, str] = {}
    for prefix, uri in _DECLARATION.findall(text):
        found.setdefault(prefix, uri)
    return found


def file_records(paths: list[Path]) -> list[OaiRecord]:
    """One record per file, served as the file has it.

    A file holding an OAI `<record>` (alone, or in a GetRecord/ListRecords response) is served whole,
    with its own identifier and datestamp; any other file (a bare `<rdf:RDF>`) becomes the record's
    metadata, its identifier made from the file name.
    """
    out = []
    for path in paths:
        text = _XML_DECL.sub("", path.read_text(encoding="utf-8")).strip()
        record = re.search(r"<record[\s>].*</record>", text, flags=re.DOTALL)
        if record is None:
            out.append(OaiRecord(f"oai:fixture:{path.parent.name}/{path.stem}", "2024-01-01", text))
            continue
        identifier = re.search(r"<identifier>(.*?)</identifier>", record[0], flags=re.DOTALL)
        datestamp = re.search(r"<datestamp>(.*?)</datestamp>", record[0], flags=re.DOTALL)
        assert identifier and datestamp, f"{path}: an OAI record without identifier or datestamp"
        out.append(OaiRecord(identifier[1].strip(), datestamp[1].strip()[:10], whole=record[0]))
    return out


def encode_token(state: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(state, sort_keys=True).encode()).decode().rstrip("=")


def decode_token(token: str) -> dict | None:
    try:
        state = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except ValueError:
        return None
    return state if isinstance(state, dict) and isinstance(state.get("offset"), int) else None


class OaiServer:
    """A loopback OAI-PMH repository at `url`: `records[prefix]`, pages of `page_size`, `sets` {spec: name}.

    `faults[page]` (0 = the first page of a list) is answered in turn before that page; `requests`
    logs each request's arguments and `times` when it came.
    """

    def __init__(
        self,
        formats: dict[str, tuple[Format, list[OaiRecord]]],
        sets: dict[str, str] | None = None,
        page_size: int = 15,
        set_page_size: int = 2,
    ) -> None:
        self.formats = formats
        self.sets = sets or {}
        self.page_size = page_size
        self.set_page_size = set_page_size
        self.faults: dict[int, list[Fault]] = {}
        self.requests: list[dict[str, str]] = []
        self.times: list[float] = []
        self.agents: set[str] = set()
        self._lock = threading.Lock()
        self.httpd, self.thread = start_server(self._answer)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_port}/oai"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def list_requests(self) -> list[dict[str, str]]:
        return [r for r in self.requests if r.get("verb") == "ListRecords"]

    # -- answering -------------------------------------------------------------------------------------

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        query = parse_qs(parts.query, keep_blank_values=True)
        args = {key: values[-1] for key, values in query.items()}
        with self._lock:
            self.requests.append(args)
            self.times.append(time.monotonic())
            self.agents.add(handler.headers.get("User-Agent", ""))
        status, body, headers = 200, b"", {}
        try:
            if parts.path != "/oai":
                status, body = 404, b"<html><body>Not found</body></html>"
                headers = {"Content-Type": "text/html"}
            elif any(len(values) > 1 for values in query.values()):
                body = self._error(args, "badArgument", "an argument is repeated")
            else:
                status, body, headers = self._verb(args)
            self._send(handler, status, body, headers)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (a timeout test)

    @staticmethod
    def _send(handler: BaseHTTPRequestHandler, status: int, body: bytes, headers: dict[str, str]) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", headers.pop("Content-Type", "text/xml; charset=utf-8"))
        handler.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(body)

    def _verb(self, args: dict[str, str]) -> tuple[int, bytes, dict[str, str]]:
        verb = args.get("verb")
        if verb == "Identify":
            return 200, self._identify(args), {}
        if verb == "ListMetadataFormats":
            return 200, self._formats(args), {}
        if verb == "ListSets":
            return 200, self._list_sets(args), {}
        if verb == "ListRecords":
            return self._list_records(args)
        return 200, self._error(args, "badVerb", f"illegal verb {verb!r}"), {}

    def _envelope(self, args: dict[str, str], inner: str) -> bytes:
        request = " ".join(f"{k}={quoteattr(v)}" for k, v in args.items())
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<OAI-PMH xmlns="{OAI_NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
            f"<responseDate>{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}</responseDate>\n"
            f"<request {request}>{escape(self.url)}</request>\n{inner}\n</OAI-PMH>\n"
        ).encode()

    def _error(self, args: dict[str, str], code: str, message: str) -> bytes:
        return self._envelope(args, f'<error code="{code}">{escape(message)}</error>')

    def _identify(self, args: dict[str, str]) -> bytes:
        return self._envelope(
            args,
            "<Identify><repositoryName>museumvqa loopback repository</repositoryName>"
            f"<baseURL>{escape(self.url)}</baseURL><protocolVersion>2.0</protocolVersion>"
            "<adminEmail>nobody@example.org</adminEmail><earliestDatestamp>2024-01-01</earliestDatestamp>"
            "<deletedRecord>persistent</deletedRecord><granularity>YYYY-MM-DD</granularity></Identify>",
        )

    def _formats(self, args: dict[str, str]) -> bytes:
        shown = "".join(
            f"<metadataFormat><metadataPrefix>{f.prefix}</metadataPrefix><schema>{escape(f.schema)}</schema>"
            f"<metadataNamespace>{escape(f.namespace)}</metadataNamespace></metadataFormat>"
            for f, _ in self.formats.values()
        )
        return self._envelope(args, f"<ListMetadataFormats>{shown}</ListMetadataFormats>")

    def _list_sets(self, args: dict[str, str]) -> bytes:
        offset = 0
        if "resumptionToken" in args:
            state = decode_token(args["resumptionToken"])
            if state is None:
                return self._error(args, "badResumptionToken", "unknown token")
            offset = state["offset"]
        if not self.sets:
            return self._error(args, "noSetHierarchy", "this repository has no sets")
        specs = sorted(self.sets)
        shown = "".join(
            f"<set><setSpec>{escape(s)}</setSpec><setName>{escape(self.sets[s])}</setName></set>"
            for s in specs[offset : offset + self.set_page_size]
        )
        following = offset + self.set_page_size
        token = (
            f"<resumptionToken>{encode_token({'offset': following})}</resumptionToken>"
            if following < len(specs)
            else ""
        )
        return self._envelope(args, f"<ListSets>{shown}{token}</ListSets>")

    def _list_records(self, args: dict[str, str]) -> tuple[int, bytes, dict[str, str]]:
        if "resumptionToken" in args:
            if set(args) != {"verb", "resumptionToken"}:
                return 200, self._error(args, "badArgument", "resumptionToken is an exclusive argument"), {}
            state = decode_token(args["resumptionToken"])
            if state is None:
                return 200, self._error(args, "badResumptionToken", "unknown or expired token"), {}
        else:
            state = {k: args.get(k) for k in ("metadataPrefix", "set", "from", "until")} | {"offset": 0}
            problem = self._check_arguments(args)
            if problem is not None:
                return 200, self._error(args, *problem), {}
        page_number = state["offset"] // self.page_size
        queue = self.faults.get(page_number, [])
        if queue:
            fault = queue[0] if queue[0].repeat else queue.pop(0)
            time.sleep(fault.delay)
            if fault.status != 200:
                return (
                    fault.status,
                    b"<html><body>unavailable</body></html>",
                    {"Content-Type": "text/html"} | fault.headers,
                )
            if fault.error is not None:
                return 200, self._error(args, fault.error, "scripted by the test"), {}
            if fault.broken:
                page = self._page(args, state)
                return 200, page[: len(page) // 2], {}
        matching = self._matching(state)
        if not matching:
            return 200, self._error(args, "noRecordsMatch", "no records match"), {}
        return 200, self._page(args, state), {}

    def _check_arguments(self, args: dict[str, str]) -> tuple[str, str] | None:
        known = {"verb", "metadataPrefix", "set", "from", "until"}
        if set(args) - known:
            return "badArgument", f"unknown arguments {sorted(set(args) - known)}"
        if "metadataPrefix" not in args:
            return "badArgument", "metadataPrefix is required"
        if args["metadataPrefix"] not in self.formats:
            return "cannotDisseminateFormat", f"no format {args['metadataPrefix']!r}"
        for name in ("from", "until"):
            if name in args and not _DAY.match(args[name]):
                return "badArgument", f"{name}={args[name]!r}: this repository's granularity is YYYY-MM-DD"
        if "set" in args and args["set"] not in self.sets:
            return "badArgument", f"no set {args['set']!r}"
        return None

    def _matching(self, state: dict) -> list[OaiRecord]:
        _, records = self.formats[state["metadataPrefix"]]
        return [
            r
            for r in records
            if (state["set"] is None or state["set"] in r.sets)
            and (state["from"] is None or r.datestamp >= state["from"])
            and (state["until"] is None or r.datestamp <= state["until"])
        ]

    def _page(self, args: dict[str, str], state: dict) -> bytes:
        fmt, _ = self.formats[state["metadataPrefix"]]
        matching = self._matching(state)
        offset = state["offset"]
        shown = [self._record(fmt, r) for r in matching[offset : offset + self.page_size]]
        following = offset + self.page_size
        size = f'completeListSize="{len(matching)}" cursor="{offset}"'
        if following < len(matching):
            token = f"<resumptionToken {size}>{encode_token(state | {'offset': following})}</resumptionToken>"
        else:
            token = f"<resumptionToken {size}/>" if offset else ""  # the last page of a list that had tokens
        return self._envelope(args, "<ListRecords>\n" + "\n".join(shown) + f"\n{token}</ListRecords>")

    @staticmethod
    def _record(fmt: Format, record: OaiRecord) -> str:
        if record.whole is not None:
            return record.whole
        specs = "".join(f"<setSpec>{escape(s)}</setSpec>" for s in record.sets)
        status = ' status="deleted"' if record.deleted else ""
        header = (
            f"<header{status}><identifier>{escape(record.identifier)}</identifier>"
            f"<datestamp>{record.datestamp}</datestamp>{specs}</header>"
        )
        if record.deleted:
            return f"<record>{header}</record>"
        xmlns = "".join(f" xmlns:{p}={quoteattr(u)}" for p, u in fmt.declarations.items())
        return f"<record>{header}\n<metadata{xmlns}>\n{record.metadata}\n</metadata></record>"
