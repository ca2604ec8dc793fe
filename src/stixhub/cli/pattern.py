"""``stixhub pattern``: check a STIX pattern, or match it against an observed-data file.

Exit codes: 0 valid / matched, 1 invalid / no match, 2 bad usage or unreadable input.
"""

import sys
from pathlib import Path

import click

from stixhub.stix import StixError, loads_untrusted
from stixhub.stix.patterns import check_pattern, match

__all__ = ["COMMANDS", "pattern"]


@click.group()
def pattern() -> None:
    """Check STIX patterns and match them against observed data."""


@pattern.command("check")
@click.argument("text", metavar="PATTERN")
def check(text: str) -> None:
    """Check PATTERN; show each problem with a caret under its column."""
    issues = check_pattern(text)
    for issue in issues:
        click.echo(text)
        click.echo(" " * (issue.column - 1) + "^")
        click.echo(f"{issue.severity}: column {issue.column}: {issue.message}")
    if any(issue.severity == "error" for issue in issues):
        sys.exit(1)
    click.echo("valid")


@pattern.command("match")
@click.argument("text", metavar="PATTERN")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def match_command(text: str, file: Path) -> None:
    """Match PATTERN against FILE (a bundle or observed-data); print which objects bound."""
    try:
        observed = loads_untrusted(file.read_bytes())
        result = match(text, observed)
    except StixError as exc:
        raise click.UsageError(str(exc)) from exc
    if not result.matched:
        click.echo("no match")
        sys.exit(1)
    click.echo("match")
    for observed_id, key in result.objects:
        click.echo(f"  {observed_id} object {key}")


COMMANDS = (pattern,)
