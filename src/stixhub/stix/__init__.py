"""The STIX 2.1 core: pure functions on plain dicts and bytes, no I/O.

This package imports nothing else of stixhub; every other layer may import it.
"""

from stixhub.stix._documents import (
    Document,
    JsonLine,
    NotADocument,
    parse_document,
    parse_json_lines,
    split_document,
)
from stixhub.stix._door import SCO_TYPES, DoorFailure, PreparedObject, prepare_object
from stixhub.stix._errors import InvalidJSON, InvalidTimestamp, StixError
from stixhub.stix._json import MAX_JSON_INTEGER, loads_untrusted
from stixhub.stix._timestamps import (
    format_taxii_timestamp,
    parse_rfc3339_micros,
    parse_stix_timestamp_key,
)

__all__ = [
    "MAX_JSON_INTEGER",
    "SCO_TYPES",
    "Document",
    "DoorFailure",
    "InvalidJSON",
    "InvalidTimestamp",
    "JsonLine",
    "NotADocument",
    "PreparedObject",
    "StixError",
    "format_taxii_timestamp",
    "loads_untrusted",
    "parse_document",
    "parse_json_lines",
    "parse_rfc3339_micros",
    "parse_stix_timestamp_key",
    "prepare_object",
    "split_document",
]
