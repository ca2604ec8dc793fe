"""``stixhub export FORMAT --from SRC``: active indicators in the formats of other tools.

The behaviour lives in :mod:`stixhub.export` and :mod:`stixhub.sources`; this module reads
the options (and, for TAXII sources, ``STIXHUB_USER`` / ``STIXHUB_PASSWORD`` /
``STIXHUB_TOKEN``: the CLI is the only layer that reads the environment), writes the output
and prints one summary line on stderr (``--json``: a JSON object on stdout when the export
goes to ``--out``, else on stderr).

Exit codes: 0 done (even when some indicators were skipped: the summary counts them);
2 bad usage, an unknown source or collection, an output that cannot be written; 3 a TAXII
source refused the credentials.
"""

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click
import orjson

from stixhub.cli._errors import EXIT_AUTH, BadInput
from stixhub.export import (
    FORMATS,
    MIN_PREFIX4,
    MIN_PREFIX6,
    ExportError,
    ExportOptions,
    ExportOutput,
    Filters,
    export,
    join_plain,
    write_atomic,
    write_tree,
)
from stixhub.stix import InvalidTimestamp
from stixhub.stix.indicators import timestamp_key
from stixhub.stix.markings import TLP_LEVELS, UnknownTlp, parse_tlp

if TYPE_CHECKING:
    from stixhub.sources import Credentials

__all__ = ["COMMANDS"]


class AuthFailed(click.ClickException):
    """Raised when a TAXII source refuses the credentials (exit 3)."""

    exit_code = EXIT_AUTH


def _credentials() -> "Credentials":
    from stixhub.sources import Credentials  # noqa: PLC0415  slow to import, see export_command

    env = os.environ
    return Credentials(
        user=env.get("STIXHUB_USER") or None,
        password=env.get("STIXHUB_PASSWORD") or None,
        token=env.get("STIXHUB_TOKEN") or None,
    )


def _summary(output: ExportOutput) -> str:
    skipped = sum(output.skipped.values())
    reasons = "; ".join(f"{reason}: {n}" for reason, n in sorted(output.skipped.items()))
    return f"exported {output.exported}, skipped {skipped}" + (f" ({reasons})" if reasons else "")


def _write(output: ExportOutput, out: Path | None, format_name: str) -> list[str]:
    if out is None:
        if not output.single and format_name != "plain":
            raise BadInput(f"{format_name} writes several files: give --out DIR")
        data = join_plain(output) if format_name == "plain" else next(iter(output.files.values()))
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return []
    if output.single:
        if out.is_dir():
            raise BadInput(f"{out} is a directory: {format_name} writes one file, give its name")
        write_atomic(out, next(iter(output.files.values())))
        return [str(out)]
    return [str(p) for p in write_tree(out, output.files, output.owned)]


@click.command("export")
@click.argument("format_name", metavar="FORMAT", type=click.Choice(list(FORMATS)))
@click.option(
    "--from",
    "source",
    required=True,
    metavar="SRC",
    help="A synced folder, a STIX file, DB_URL#COLLECTION or a TAXII collection URL.",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    help="Output file (or directory for suricata and plain); default standard output.",
)
@click.option(
    "--since",
    metavar="T",
    default=None,
    help="Only indicators modified at or after T: a delta, so standard output only.",
)
@click.option(
    "--type",
    "types",
    multiple=True,
    metavar="SCO_TYPE",
    help="Only these observable types (ipv4-addr, domain-name, url, file, ...); repeatable.",
)
@click.option("--min-confidence", type=click.IntRange(0, 100), default=None)
@click.option(
    "--max-tlp",
    metavar="LEVEL",
    default=None,
    help=f"At most this TLP ({', '.join(TLP_LEVELS)}; white = clear). "
    "Indicators without TLP count as red.",
)
@click.option(
    "--label", "labels", multiple=True, help="Only indicators with this label; repeatable."
)
@click.option(
    "--source-label", default="stixhub", help="Zeek meta.source, CSV collection, rule msg."
)
@click.option(
    "--min-prefix4",
    type=click.IntRange(0, 32),
    default=MIN_PREFIX4,
    show_default=True,
    help="Widest IPv4 network exported (/N); wider ones are skipped and counted.",
)
@click.option(
    "--min-prefix6",
    type=click.IntRange(0, 128),
    default=MIN_PREFIX6,
    show_default=True,
    help="Widest IPv6 network exported (/N); wider ones are skipped and counted.",
)
@click.option(
    "--csv-raw",
    is_flag=True,
    help="csv: write cells exactly, without the ' before = + - @ that stops spreadsheet formulas.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def export_command(
    format_name: str,
    source: str,
    out: Path | None,
    since: str | None,
    types: tuple[str, ...],
    min_confidence: int | None,
    max_tlp: str | None,
    labels: tuple[str, ...],
    source_label: str,
    min_prefix4: int,
    min_prefix6: int,
    csv_raw: bool,
    as_json: bool,
) -> None:
    """Export the active indicators of SRC as FORMAT."""
    if since is not None and out is not None:
        # Every format replaces its whole file(s): a delta written there would drop the
        # older indicators still in force from the sensor or firewall reading it.
        raise BadInput(
            "--since exports only what changed since T; writing that over --out would drop "
            "the older indicators still in force: write the delta to standard output"
        )
    try:
        level = parse_tlp(max_tlp) if max_tlp is not None else None
        if since is not None:
            timestamp_key(since)
    except (UnknownTlp, InvalidTimestamp) as exc:
        raise BadInput(str(exc)) from None
    filters = Filters(
        types=types,
        min_confidence=min_confidence,
        max_tlp=level,
        labels=labels,
        since=since,
        min_prefix4=min_prefix4,
        min_prefix6=min_prefix6,
    )
    options = ExportOptions(source_label=source_label, csv_formula_guard=not csv_raw)
    # The sources pull in the store and the TAXII client (SQLAlchemy, httpx): most of a
    # second of CPU that every other command would pay at start-up if imported at the top.
    from stixhub.sources import (  # noqa: PLC0415  see above
        SourceAuthFailed,
        SourceError,
        read_source,
    )

    try:
        objects = read_source(source, _credentials())
        output = export(format_name, objects, filters, options)
        written = _write(output, out, format_name)
    except SourceAuthFailed as exc:
        raise AuthFailed(str(exc)) from None
    except (SourceError, ExportError) as exc:
        raise BadInput(str(exc)) from None
    if as_json:
        report = {
            "format": format_name,
            "exported": output.exported,
            "skipped": dict(sorted(output.skipped.items())),
            "files": written,
        }
        click.echo(orjson.dumps(report).decode(), err=out is None)
    else:
        click.echo(_summary(output), err=True)


COMMANDS = (export_command,)
