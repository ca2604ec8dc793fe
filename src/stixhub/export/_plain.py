"""Plain block lists: one value per line, UTF-8, LF; one file per kind with ``--out DIR``.

Firewalls and proxies read these line by line and know no escaping, so a value holding a
line break or another control character cannot be written without changing it: it is left
out and counted. To standard output every value goes in one list (use ``--type`` for one
kind); in a directory each kind has its file (``ipv4.txt``, ``domain.txt``, ...), networks
next to the addresses of their family (``ipv4-net.txt``). Every kind's file is written on
every run, empty when nothing of that kind is in force: a list whose last value was revoked
must be emptied, not left holding it (with ``--type``, the kinds of those types).
"""

import re
from collections import Counter

from stixhub.export._listing import listed
from stixhub.export._model import ExportOptions, ExportOutput, Selection
from stixhub.export._observables import KINDS, Kind, Observable

__all__ = ["export_plain", "join_plain"]

_CONTROL = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]")
# The observable type each kind comes from (_observables), for --type.
_TYPE_OF: dict[Kind, str] = {
    "ipv4": "ipv4-addr", "ipv4-net": "ipv4-addr", "ipv6": "ipv6-addr", "ipv6-net": "ipv6-addr",
    "domain": "domain-name", "url": "url", "md5": "file", "sha1": "file", "sha256": "file",
    "sha512": "file", "file-name": "file", "email": "email-addr", "user-name": "user-account",
    "cert-sha1": "x509-certificate", "software": "software",
}  # fmt: skip


def _line_safe(observable: Observable) -> str | None:
    if _CONTROL.search(observable.value):
        return "value has a line break or control character a plain list cannot carry"
    return None


def export_plain(selection: Selection, options: ExportOptions) -> ExportOutput:
    """The values, one file per kind, each sorted and without duplicates."""
    del options  # plain lists carry values only
    skipped: Counter[str] = Counter(selection.skipped)
    by_kind: dict[str, set[str]] = {
        kind: set() for kind in KINDS if not selection.types or _TYPE_OF[kind] in selection.types
    }
    exported = 0
    for item in listed(selection, skipped, _line_safe):
        exported += 1
        for observable in item.observables:
            by_kind[observable.kind].add(observable.value)
    files = {
        f"{kind}.txt": "".join(f"{v}\n" for v in sorted(values)).encode()
        for kind, values in sorted(by_kind.items())
    }
    return ExportOutput(files, exported, skipped, single=False)


def join_plain(output: ExportOutput) -> bytes:
    """Every list of a plain export as one, for standard output or a single file."""
    return b"".join(output.files[name] for name in sorted(output.files))
