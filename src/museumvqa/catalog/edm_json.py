"""Europeana's JSON (Record API `object` / full bean, Search API items) as EDM nodes (see edm_model).

The Record API writes each EDM class as a list of objects (`proxies`, `aggregations`, `agents`,
`places`, `concepts`, `timespans`) with camel-cased property names (`dcTitle`, `edmIsShownBy`) and
values as language maps (`{"en": [...], "def": [...]}`, "def" meaning untagged), plain lists, or
`{"@lang": ..., "#value": ...}` objects (older exports). A Search API item is flat: one set of
fields per CHO, titles and descriptions as `...LangAware` maps, the aggregation's links as lists.
"""

from __future__ import annotations

from typing import Any

from museumvqa.catalog.edm_model import EdmRecord, Lit, Node, clean_uri, edm_lang
from museumvqa.catalog.schema import clean_text

# Record API lists and the EDM class of their objects.
_CLASSES = {
    "providedCHOs": "ProvidedCHO",
    "proxies": "Proxy",
    "aggregations": "Aggregation",
    "europeanaAggregation": "EuropeanaAggregation",
    "agents": "Agent",
    "places": "Place",
    "concepts": "Concept",
    "timespans": "TimeSpan",
    "organizations": "Organization",
}
_WEB_RESOURCES = ("webResources", "edm:WebResource")  # inside an aggregation (newer / older full beans)
_PREFIXES = ("dcterms", "dc", "edm", "rdaGr2", "skos", "ore", "foaf", "owl", "ebucore")
_PLAIN = {
    "prefLabel": "skos:prefLabel", "altLabel": "skos:altLabel", "note": "skos:note", "begin": "edm:begin",
    "end": "edm:end", "hasView": "edm:hasView", "aggregatedCHO": "edm:aggregatedCHO", "proxyFor": "ore:proxyFor",
    "proxyIn": "ore:proxyIn", "europeanaProxy": "edm:europeanaProxy", "year": "edm:year",
    "isPartOf": "dcterms:isPartOf", "webResourceEdmRights": "edm:rights", "webResourceDcRights": "dc:rights",
}  # fmt: skip
# Properties whose values are links, never text.
_LINKS = frozenset({
    "edm:aggregatedCHO", "ore:proxyFor", "ore:proxyIn", "edm:isShownBy", "edm:isShownAt", "edm:object",
    "edm:hasView", "edm:rights", "edm:preview", "edm:landingPage",
})  # fmt: skip
# Search API item fields as EDM properties of the item's proxy (P) or aggregation (A); LangAware maps first.
_ITEM_FIELDS = (
    ("P", "dc:title", ("dcTitleLangAware", "title")),
    ("P", "dc:description", ("dcDescriptionLangAware", "dcDescription")),
    ("P", "dc:creator", ("dcCreatorLangAware", "dcCreator")),
    ("P", "dcterms:spatial", ("edmPlaceLabelLangAware", "edmPlaceLabel")),
    ("P", "edm:year", ("year",)),
    ("A", "edm:dataProvider", ("dataProviderLangAware", "dataProvider")),
    ("A", "edm:provider", ("providerLangAware", "provider")),
    ("A", "edm:isShownBy", ("edmIsShownBy",)),
    ("A", "edm:isShownAt", ("edmIsShownAt",)),
    ("A", "edm:rights", ("rights",)),
)


def is_europeana_json(data: Any) -> bool:
    """Whether a JSON object is a Europeana record, full bean or Search API item."""
    if not isinstance(data, dict):
        return False
    if "proxies" in data or "aggregations" in data:
        return True
    return "dcTitleLangAware" in data or "edmIsShownBy" in data or "europeanaCompleteness" in data


def unwrap(data: Any) -> list[Any]:
    """The records of one JSON value: a Record API answer's `object`, a Search API answer's `items`."""
    if isinstance(data, dict):
        if isinstance(data.get("object"), dict):
            return [data["object"]]
        if isinstance(data.get("items"), list):
            return list(data["items"])
    return [data]


def record_from_json(data: dict[str, Any]) -> EdmRecord:
    """A Record API object (full bean) or a Search API item as an EDM record."""
    if "proxies" in data or "aggregations" in data:
        return EdmRecord(_bean_nodes(data))
    return EdmRecord(_item_nodes(data))


def _bean_nodes(data: dict[str, Any]) -> list[Node]:
    nodes: list[Node] = []
    seen: set[tuple[str, str | None]] = set()  # some exports repeat a proxy verbatim
    for key, kind in _CLASSES.items():
        objects = data.get(key) or []
        for obj in objects if isinstance(objects, list) else [objects]:
            if not isinstance(obj, dict):
                continue
            node = _node(kind, obj)
            if (kind, node.about) in seen and node.about is not None:
                continue
            seen.add((kind, node.about))
            nodes.append(node)
            webs = [w for k in _WEB_RESOURCES for w in obj.get(k) or []] if kind == "Aggregation" else []
            nodes.extend(_node("WebResource", web) for web in webs if isinstance(web, dict))
    return nodes


def _node(kind: str, obj: dict[str, Any]) -> Node:
    node = Node(kind, clean_uri(obj.get("about")) if isinstance(obj.get("about"), str) else None)
    for key, value in obj.items():
        name = json_prop(key)
        if name is None or key == "about":
            continue
        for lit in json_values(value, name in _LINKS):
            node.add(name, lit)
    return node


def _item_nodes(item: dict[str, Any]) -> list[Node]:
    about = clean_text(item.get("id"))
    proxy, aggregation = Node("Proxy", about), Node("Aggregation", about)
    for target, name, keys in _ITEM_FIELDS:
        node = proxy if target == "P" else aggregation
        key = next((k for k in keys if item.get(k)), None)
        for lit in json_values(item.get(key), name in _LINKS) if key else []:
            node.add(name, lit)
    if about:
        aggregation.add("edm:aggregatedCHO", Lit(None, None, about))
    return [Node("ProvidedCHO", about), proxy, aggregation]


def json_prop(key: str) -> str | None:
    """'dctermsIsPartOf' -> 'dcterms:isPartOf', 'prefLabel' -> 'skos:prefLabel'; None for bookkeeping keys."""
    if key in _PLAIN:
        return _PLAIN[key]
    for prefix in _PREFIXES:
        rest = key[len(prefix) :]
        if key.startswith(prefix) and rest[:1].isupper():
            return f"{prefix}:{rest[0].lower()}{rest[1:]}"
    return None


def json_values(value: Any, link: bool = False) -> list[Lit]:
    """Values as written: a language map, a list, {"@lang", "#value"}, a string; URIs become references."""
    if value is None or value == [] or value == {}:
        return []
    if isinstance(value, list):
        return [lit for item in value for lit in json_values(item, link)]
    if isinstance(value, dict):
        if "#value" in value:
            return _lit(value.get("#value"), edm_lang(value.get("@lang")), link)
        if "@resource" in value or "@id" in value:
            return _lit(value.get("@resource") or value.get("@id"), None, True)
        out: list[Lit] = []
        for tag, items in value.items():
            lang = edm_lang(tag)
            for item in items if isinstance(items, list) else [items]:
                out.extend(_lit(item, lang, link))
        return out
    if isinstance(value, bool):
        return [Lit("true" if value else "false")]
    return _lit(value, None, link)


def _lit(value: Any, lang: str | None, link: bool) -> list[Lit]:
    if not isinstance(value, (str, int, float)):
        return []
    text = clean_text(value)
    if text is None:
        return []
    if link or text.startswith(("http://", "https://")):
        return [Lit(None, None, clean_uri(text))]
    return [Lit(text, lang)]
