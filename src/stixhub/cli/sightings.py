"""``stixhub sightings summary``: what the organisations reported back, per indicator.

The numbers come from ``stixhub.store.sightings_summary`` (docs/sightings.md says how each is
counted); this module only prints them, as a table for people or JSON for scripts.

The INDICATOR column names the sighted indicator by its ``name``, else by its pattern cut to
``_PATTERN_WIDTH`` characters (``--json`` has both, whole). Both come from a feed, so they
are printed as plain text: control characters become spaces and rich markup is not read
(a name ``[link=...]`` stays those characters).
"""

import sys
from typing import TYPE_CHECKING

import click
import orjson
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from stixhub.cli._context import HubContext, db_option, pass_hub

if TYPE_CHECKING:
    from stixhub.store import SightingSummary

__all__ = ["COMMANDS"]

# Wide enough for a 48-character indicator id, five more columns and a name or pattern of
# _PATTERN_WIDTH without wrapping, when stdout is not a terminal whose width rich could ask.
_PIPE_WIDTH = 200
_PATTERN_WIDTH = 40


@click.group()
def sightings() -> None:
    """What organisations reported to the hub's sightings inboxes."""


def _plain(text: str) -> str:
    """One line of printable text: a feed's tab, newline or escape sequence cannot move the
    cursor or break the row."""
    return "".join(c if c.isprintable() else " " for c in text)


def _title(row: "SightingSummary") -> str:
    """The name, else the pattern shortened to ``_PATTERN_WIDTH``, else ``-``."""
    if row.name is not None and row.name.strip():
        return _plain(row.name)
    if row.pattern is None:
        return "-"
    pattern = _plain(row.pattern)
    if len(pattern) <= _PATTERN_WIDTH:
        return pattern
    return pattern[: _PATTERN_WIDTH - 1] + "\N{HORIZONTAL ELLIPSIS}"


def _table(rows: "list[SightingSummary]") -> Table:
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("SIGHTING_OF_REF", no_wrap=True)
    for name in ("ORGANISATIONS", "SIGHTINGS", "COUNT"):
        table.add_column(name, justify="right", no_wrap=True)
    table.add_column("FIRST_SEEN", no_wrap=True)
    table.add_column("LAST_SEEN", no_wrap=True)
    table.add_column("INDICATOR", no_wrap=True, overflow="ellipsis")
    for row in rows:
        table.add_row(
            row.sighting_of_ref,
            str(row.organisations),
            str(row.sightings),
            str(row.count),
            row.first_seen,
            row.last_seen,
            Text(_title(row)),
        )
    return table


@sightings.command("summary")
@click.option(
    "--since",
    metavar="TIMESTAMP",
    default=None,
    help="Only sightings last seen at or after this STIX timestamp (2024-05-01T00:00:00Z).",
)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list instead of a table.")
@db_option
@pass_hub
def summary(hub: HubContext, since: str | None, as_json: bool) -> None:
    """Per sighted indicator: organisations, sightings, total count, first and last seen,
    and its name (else its pattern) when the hub publishes it.

    Newest last_seen first. Organisations are distinct created_by_ref identities.
    """
    from stixhub.store import sightings_summary  # noqa: PLC0415  slow to import, see _context

    rows = sightings_summary(hub.store(), since=since)
    if as_json:
        items = [
            {
                "sighting_of_ref": r.sighting_of_ref,
                "organisations": r.organisations,
                "sightings": r.sightings,
                "count": r.count,
                "first_seen": r.first_seen,
                "last_seen": r.last_seen,
                "name": r.name,
                "pattern": r.pattern,
            }
            for r in rows
        ]
        click.echo(orjson.dumps(items, option=orjson.OPT_INDENT_2).decode())
        return
    if not rows:
        click.echo("no sightings" + (f" since {since}" if since else ""), err=True)
        return
    width = None if sys.stdout.isatty() else _PIPE_WIDTH
    Console(width=width, highlight=False).print(_table(rows))


COMMANDS = (sightings,)
