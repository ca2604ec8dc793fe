"""Plain-text output for listings: aligned columns that read well and still grep and cut.

A rich table would wrap or cut 36-character collection ids on a narrow terminal; these
lines never change shape with the terminal, so scripts can parse them.
"""

from collections.abc import Sequence

import click

__all__ = ["echo_table"]


def echo_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """Print a header line and one line per row, columns separated by two spaces."""
    cells = [[str(h) for h in headers]] + [["-" if v is None else str(v) for v in r] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for row in cells:
        click.echo(
            "  ".join(value.ljust(width) for value, width in zip(row, widths, strict=True)).rstrip()
        )
