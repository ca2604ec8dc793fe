"""CSV for SIEM threat lists and lookups: a header row and RFC 4180 quoting, one row per value.

Columns (docs/integrations.md 2.4): ``value,type,stix_id,name,confidence,valid_from,
valid_until,labels,tlp,collection``. A field holding a comma, a quote, CR or LF is quoted
and its quotes doubled (RFC 4180 section 2), so every RFC 4180 reader gets the exact value
back and a line break inside a value can never start a new record. Rows end in CRLF as RFC
4180 says. ``labels`` are joined with ``|``.

Formula injection: a spreadsheet runs a cell starting with ``=``, ``+``, ``-``, ``@``, TAB
or CR as a formula (a feed's name ``=HYPERLINK(...)`` would run on the analyst's machine),
so by default such a cell gets a leading ``'``, which spreadsheets read as "this is text"
(OWASP, "CSV Injection"). The value is then no longer exact: machine consumers turn the
guard off (``ExportOptions.csv_formula_guard``, ``--csv-raw``).
"""

import csv
import io
from collections import Counter

from stixhub.export._listing import listed
from stixhub.export._model import ExportOptions, ExportOutput, Selection

__all__ = ["COLUMNS", "FILE_NAME", "export_csv"]

FILE_NAME = "stixhub.csv"
COLUMNS = (
    "value", "type", "stix_id", "name", "confidence", "valid_from", "valid_until", "labels",
    "tlp", "collection",
)  # fmt: skip


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _text(value: object) -> str:
    return "" if value is None else str(value)


def defuse(cell: str) -> str:
    """The cell as text a spreadsheet will not evaluate: a leading ``'`` before a formula."""
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


def export_csv(selection: Selection, options: ExportOptions) -> ExportOutput:
    """One CSV of every listable value of the selected indicators."""
    skipped: Counter[str] = Counter(selection.skipped)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(COLUMNS)
    exported = 0
    for item in listed(selection, skipped):
        exported += 1
        ind = item.selected.indicator
        labels = ind.get("labels")
        label_text = (
            "|".join(x for x in labels if isinstance(x, str)) if isinstance(labels, list) else ""
        )
        for observable in item.observables:
            row = [
                observable.value,
                observable.kind,
                item.selected.id,
                _text(ind.get("name")),
                _text(ind.get("confidence")),
                _text(ind.get("valid_from")),
                _text(ind.get("valid_until")),
                label_text,
                _text(item.selected.tlp),
                options.source_label,
            ]
            writer.writerow([defuse(c) for c in row] if options.csv_formula_guard else row)
    return ExportOutput({FILE_NAME: buffer.getvalue().encode()}, exported, skipped)
