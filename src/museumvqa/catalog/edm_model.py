"""Europeana EDM as read from RDF/XML or Europeana's JSON: resources with language-tagged values.

The EDM adapter reads two serialisations (RDF/XML records, dumps and OAI-PMH pages; the Record and
Search API JSON) into this one small model, so its mapping to `Exhibit` is written once. A record is
the resources that describe one ProvidedCHO (the CHO itself, its proxies and aggregations, and any
contextual entities and web resources that came with it); `index` holds the contextual entities of
the whole file, so a reference to an agent, place, concept or timespan defined elsewhere in a dump
still resolves.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from museumvqa.catalog.schema import clean_text

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
EDM = "http://www.europeana.eu/schemas/edm/"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
ABOUT, RESOURCE = f"{{{RDF}}}about", f"{{{RDF}}}resource"
# Namespaces as the prefixes property names are written with ("dc:title"); JSON keys map onto the same names.
PREFIXES = {
    "http://purl.org/dc/elements/1.1/": "dc",
    "http://purl.org/dc/terms/": "dcterms",
    EDM: "edm",
    "http://www.openarchives.org/ore/terms/": "ore",
    "http://www.w3.org/2004/02/skos/core#": "skos",
    "http://rdvocab.info/ElementsGr2/": "rdaGr2",
    "http://xmlns.com/foaf/0.1/": "foaf",
    "http://www.w3.org/2002/07/owl#": "owl",
    RDF: "rdf",
    "http://www.w3.org/2003/01/geo/wgs84_pos#": "wgs84_pos",
    "http://www.ebu.ch/metadata/ontologies/ebucore/ebucore#": "ebucore",
}
# Resource classes that other records may point at by URI: indexed for the whole file.
ENTITY_KINDS = frozenset({"Agent", "Place", "Concept", "TimeSpan", "Organization"})
# Classes that belong to one CHO: the record is their group.
RECORD_KINDS = frozenset({"ProvidedCHO", "Proxy", "Aggregation", "EuropeanaAggregation"})

# Untagged in EDM: no attribute, Europeana JSON's "def", or "no linguistic content".
_NO_LANGUAGE = frozenset({"", "def", "zxx", "und", "mul", "mis"})
_TAG = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{1,8})*$", re.IGNORECASE)
# Language names some providers write in xml:lang ("German": the Albertina's OAI feed), as BCP-47.
_LANGUAGE_NAMES = {
    "german": "de", "deutsch": "de", "allemand": "de", "english": "en", "englisch": "en", "anglais": "en",
    "french": "fr", "französisch": "fr", "français": "fr", "francais": "fr", "italian": "it", "italienisch": "it",
    "italiano": "it", "italien": "it", "spanish": "es", "spanisch": "es", "español": "es", "espagnol": "es",
    "dutch": "nl", "niederländisch": "nl", "nederlands": "nl", "swedish": "sv", "schwedisch": "sv",
    "svenska": "sv", "czech": "cs", "tschechisch": "cs", "polish": "pl", "polnisch": "pl", "hungarian": "hu",
    "ungarisch": "hu", "latin": "la", "latein": "la", "portuguese": "pt", "portugiesisch": "pt", "danish": "da",
    "dänisch": "da", "finnish": "fi", "finnisch": "fi", "greek": "el", "griechisch": "el", "russian": "ru",
    "russisch": "ru",
}  # fmt: skip


def edm_lang(tag: str | None) -> str | None:
    """A value's language: a BCP-47 tag as written, a language name as its tag, None when untagged or unclear."""
    if tag is None:
        return None
    text = tag.strip()
    if text.lower() in _NO_LANGUAGE:
        return None
    if _TAG.match(text):
        primary, _, rest = text.partition("-")
        return primary.lower() + (f"-{rest}" if rest else "")
    return _LANGUAGE_NAMES.get(text.casefold())


def clean_uri(uri: str | None) -> str | None:
    """A URI as written, trimmed; '&amp;' once more unescaped (feeds that escape URLs twice)."""
    text = (uri or "").strip()
    if not text:
        return None
    return text.replace("&amp;", "&") if "&amp;" in text else text


class Lit(NamedTuple):
    """One property value: a literal (`text`, `lang`), a reference (`ref`), or both (a labelled link).

    `extra` keeps a provider's own attributes on the element (the Albertina's `creatordated`).
    """

    text: str | None
    lang: str | None = None
    ref: str | None = None
    extra: Mapping[str, str] | None = None


@dataclass
class Node:
    """One RDF resource: its class (local name), its URI, and its properties by prefixed name."""

    kind: str
    about: str | None
    props: dict[str, list[Lit]] = field(default_factory=dict)

    def get(self, prop: str) -> list[Lit]:
        return self.props.get(prop, [])

    def add(self, prop: str, value: Lit) -> None:
        self.props.setdefault(prop, []).append(value)

    def flag(self, prop: str) -> bool:
        """A boolean property (edm:europeanaProxy) as written: 'true' in XML, true in JSON."""
        return any((v.text or "").lower() == "true" for v in self.get(prop))


@dataclass
class EdmRecord:
    """The resources of one CHO, plus the file's contextual entities by URI and the OAI-PMH identifier."""

    nodes: list[Node]
    index: Mapping[str, Node] = field(default_factory=dict)
    header_id: str | None = None

    def of_kind(self, *kinds: str) -> list[Node]:
        return [n for n in self.nodes if n.kind in kinds]

    def entity(self, uri: str | None) -> Node | None:
        """The resource a reference points at: in this record first, else anywhere in the file."""
        if not uri:
            return None
        for node in self.nodes:
            if node.about == uri and node.kind not in RECORD_KINDS:
                return node
        return self.index.get(uri)


def prop_name(tag: str) -> str:
    """'{http://purl.org/dc/elements/1.1/}title' -> 'dc:title'; an unknown namespace -> its local name."""
    if tag[:1] != "{":
        return tag
    namespace, _, local = tag[1:].partition("}")
    prefix = PREFIXES.get(namespace)
    return f"{prefix}:{local}" if prefix else local


def local_name(tag: str) -> str:
    return tag.rpartition("}")[2]


def xml_nodes(element: ET.Element, lang: str | None = None) -> list[Node]:
    """A resource element as a Node, followed by the nodes of resources nested in its properties.

    rdflib's pretty-xml nests resources (`<edm:isShownBy><edm:WebResource rdf:about=...>`): the
    property then refers to the nested resource, which becomes a node of its own. An aggregation that
    names itself with rdf:resource instead of rdf:about (seen in a provider's OAI feed) is read alike.
    """
    own_lang = element.get(XML_LANG, lang)
    about = clean_uri(element.get(ABOUT) or element.get(RESOURCE))
    node = Node(local_name(element.tag), about)
    nested: list[Node] = []
    for child in element:
        if not isinstance(child.tag, str):  # a comment or processing instruction
            continue
        name = prop_name(child.tag)
        child_lang = edm_lang(child.get(XML_LANG, own_lang))
        inner = [c for c in child if isinstance(c.tag, str)]
        if inner:
            for resource in inner:
                found = xml_nodes(resource, child.get(XML_LANG, own_lang))
                nested.extend(found)
                node.add(name, Lit(None, None, found[0].about))
            continue
        text = clean_text(child.text)
        ref = clean_uri(child.get(RESOURCE))
        extra = {local_name(k): v for k, v in child.attrib.items() if not k.startswith(("{", "xmlns"))}
        if text is not None or ref is not None:
            node.add(name, Lit(text, child_lang, ref, extra or None))
    return [node, *nested]
