"""Reading the shapes STIX content arrives in: bundles, TAXII envelopes, single objects and
JSON lines. Every tool that takes files or bodies (load, push, validate, POST) uses this, so
they all accept the same inputs and refuse the same way.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from stixhub.stix._errors import InvalidJSON, StixError
from stixhub.stix._json import DEFAULT_MAX_DEPTH, loads_untrusted

__all__ = [
    "Document",
    "JsonLine",
    "NotADocument",
    "parse_document",
    "parse_json_lines",
    "split_document",
]

DocumentKind = Literal["bundle", "envelope", "object", "jsonl"]


class NotADocument(StixError):
    """Raised when JSON is valid but is none of bundle, envelope, object or JSON lines."""


@dataclass(frozen=True, slots=True)
class Document:
    """The objects of one input, and which of the accepted shapes it had."""

    kind: DocumentKind
    objects: list[Any]


@dataclass(frozen=True, slots=True)
class JsonLine:
    """One line of JSON lines: its number (from 1), the parsed value (a bundle, an envelope
    or an object) and the objects taken out of it."""

    number: int
    value: Any
    document: Document


def split_document(value: Any, *, allow_single: bool = True) -> Document:
    """Classify a parsed JSON value and take its objects out.

    A bundle or an envelope must hold an ``objects`` list; TAXII 2.1 section 3.7 and STIX 2.1
    section 8 both forbid an empty one, but an empty envelope is harmless to read, so it is
    returned empty and the caller decides.
    """
    if not isinstance(value, dict):
        raise NotADocument("expected a JSON object (a bundle, an envelope or a STIX object)")
    if value.get("type") == "bundle" or ("objects" in value and "type" not in value):
        objects = value.get("objects", [])
        if not isinstance(objects, list):
            raise NotADocument("'objects' must be a list")
        return Document("bundle" if value.get("type") == "bundle" else "envelope", objects)
    if allow_single and "type" in value:
        return Document("object", [value])
    raise NotADocument("expected a bundle or an envelope with an 'objects' list")


def parse_document(
    data: bytes, *, max_depth: int = DEFAULT_MAX_DEPTH, allow_single: bool = True
) -> Document:
    """Parse bytes holding one JSON document, or JSON lines (one object per line)."""
    try:
        return split_document(loads_untrusted(data, max_depth), allow_single=allow_single)
    except InvalidJSON:
        lines = data.splitlines()
        if _one_line(lines):
            raise
    objects: list[Any] = []
    for line in _json_lines(lines, max_depth):
        objects.extend(line.document.objects)
    return Document("jsonl", objects)


def parse_json_lines(data: bytes, *, max_depth: int = DEFAULT_MAX_DEPTH) -> list[JsonLine]:
    """Parse JSON lines keeping each line, for callers that check a line's own bundle
    (``stixhub validate``); the lines and refusals are those of ``parse_document``.

    Input of fewer than two non-empty lines is read as one JSON document (one line), so its
    error is the whole input's, as with ``parse_document``.
    """
    lines = data.splitlines()
    if _one_line(lines):
        value = loads_untrusted(data, max_depth)
        return [JsonLine(1, value, split_document(value))]
    return list(_json_lines(lines, max_depth))


def _one_line(lines: list[bytes]) -> bool:
    return sum(1 for line in lines if line.strip()) < 2


def _json_lines(lines: list[bytes], max_depth: int) -> Iterator[JsonLine]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            value = loads_untrusted(line, max_depth)
            document = split_document(value)
        except (InvalidJSON, NotADocument) as exc:
            raise type(exc)(f"line {number}: {exc}") from None
        yield JsonLine(number, value, document)
