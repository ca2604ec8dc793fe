"""Zeek Intelligence Framework files (zeek ``scripts/base/frameworks/intel/main.zeek``).

One ``#fields`` header, then one line per value with exactly five TAB-separated fields:
``indicator indicator_type meta.source meta.desc meta.url``. Zeek's ASCII input reader
unescapes ``\\xHH``, so every character that could break a line or a field (TAB, CR, LF,
other C0 controls, DEL) and the backslash itself are written as ``\\xHH``. The reader's other
rules (``input/readers/ascii/Ascii.cc``, ``threading/formatters/Ascii.cc``) shape the rest:

* a line starting with ``#`` is a comment or header and is skipped whole, so a field
  starting with ``#`` starts with ``\\x23`` (the value survives, the line is read);
* a field that is exactly ``-`` is compared *before* unescaping with the unset marker and
  read as unset, so a value ``-`` is written ``\\x2d``;
* ``(empty)`` means an empty set or vector only; every intel field is a string, read as
  its text, so an empty value is an empty field and ``(empty)`` is written ``\\x28empty)``
  (the same text, never mistaken for the marker should a field become a set);
* the set separator ``,`` splits set and vector fields only, so a ``,`` in these string
  fields stays as it is.

Non-ASCII text stays UTF-8. A URL is written without its scheme, as Zeek matches it.
"""

import re
from collections import Counter

from stixhub.export._listing import listed
from stixhub.export._model import ExportOptions, ExportOutput, Selection
from stixhub.export._observables import Kind, Observable

__all__ = ["FILE_NAME", "ZEEK_TYPES", "export_zeek", "zeek_escape"]

FILE_NAME = "stixhub.intel"
HEADER = "#fields\tindicator\tindicator_type\tmeta.source\tmeta.desc\tmeta.url\n"
ZEEK_TYPES: dict[Kind, str] = {
    "ipv4": "Intel::ADDR",
    "ipv6": "Intel::ADDR",
    "ipv4-net": "Intel::SUBNET",
    "ipv6-net": "Intel::SUBNET",
    "domain": "Intel::DOMAIN",
    "url": "Intel::URL",
    "md5": "Intel::FILE_HASH",
    "sha1": "Intel::FILE_HASH",
    "sha256": "Intel::FILE_HASH",
    "sha512": "Intel::FILE_HASH",
    "file-name": "Intel::FILE_NAME",
    "email": "Intel::EMAIL",
    "user-name": "Intel::USER_NAME",
    "cert-sha1": "Intel::CERT_HASH",
    "software": "Intel::SOFTWARE",
}
_UNSAFE = re.compile(r"[\x00-\x1f\x7f\\]")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")


def zeek_escape(text: str) -> str:
    """One Zeek string field that reads back as ``text``: no TAB or line break, never the
    unset marker, never the start of a comment line (the module docstring has the rules)."""
    out = _UNSAFE.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    if out == "-":
        return "\\x2d"
    if out.startswith("#"):
        return "\\x23" + out[1:]
    if out == "(empty)":
        return "\\x28empty)"
    return out


def zeek_value(observable: Observable) -> str:
    """The indicator text Zeek matches: URLs without the scheme."""
    if observable.kind == "url":
        return _SCHEME.sub("", observable.value, count=1)
    return observable.value


def export_zeek(selection: Selection, options: ExportOptions) -> ExportOutput:
    """One intel file of every listable value of the selected indicators."""
    skipped: Counter[str] = Counter(selection.skipped)
    lines = [HEADER]
    exported = 0
    for item in listed(selection, skipped):
        exported += 1
        desc = zeek_escape(f"{item.selected.id} {item.selected.name}")
        for observable in item.observables:
            fields = [
                zeek_escape(zeek_value(observable)),
                ZEEK_TYPES[observable.kind],
                zeek_escape(options.source_label),
                desc,
                "-",
            ]
            lines.append("\t".join(fields) + "\n")
    return ExportOutput({FILE_NAME: "".join(lines).encode()}, exported, skipped)
