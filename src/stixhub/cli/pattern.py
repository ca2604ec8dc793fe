"""``stixhub pattern``: check a STIX pattern, or match it against an observed-data file.

Exit codes: 0 valid / matched, 1 invalid / no match, 2 bad usage or unreadable input (for
``match`` also a pattern that is not valid, or data the pattern cannot be evaluated on).
"""

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from stixhub.cli._errors import EXIT_USAGE, BadInput
from stixhub.stix import StixError, loads_untrusted
from stixhub.stix.patterns import PatternError, PatternIssue, check_pattern, match

__all__ = ["COMMANDS", "pattern"]

F = TypeVar("F", bound=Callable[..., Any])


def _version_option(command: F) -> F:
    option = click.option(
        "--stix-version",
        type=click.Choice(["2.0", "2.1"]),
        default="2.1",
        show_default=True,
        help="STIX version of the pattern: 2.0 also allows START/STOP with plain strings.",
    )
    return option(command)


def _show(text: str, issues: list[PatternIssue], *, err: bool) -> None:
    """Each issue as the pattern, a caret under its column, and ``severity: column N: ...``."""
    for issue in issues:
        click.echo(text, err=err)
        click.echo(" " * (issue.column - 1) + "^", err=err)
        click.echo(f"{issue.severity}: column {issue.column}: {issue.message}", err=err)


@click.group()
def pattern() -> None:
    """Check STIX patterns and match them against observed data."""


@pattern.command("check")
@click.argument("text", metavar="PATTERN")
@_version_option
def check(text: str, stix_version: str) -> None:
    """Check PATTERN; show each problem with a caret under its column."""
    issues = check_pattern(text, stix_version=stix_version)
    _show(text, issues, err=False)
    if any(issue.severity == "error" for issue in issues):
        sys.exit(1)
    click.echo("valid")


@pattern.command("match")
@click.argument("text", metavar="PATTERN")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_version_option
def match_command(text: str, file: Path, stix_version: str) -> None:
    """Match PATTERN against FILE (a bundle or observed-data); print which objects bound.

    PATTERN is checked first: its problems are shown on stderr with a caret under each, and a
    pattern with errors exits 2 without matching (warnings alone do not stop the match).
    """
    issues = check_pattern(text, stix_version=stix_version)
    _show(text, issues, err=True)
    if any(issue.severity == "error" for issue in issues):
        sys.exit(EXIT_USAGE)
    try:
        observed = loads_untrusted(file.read_bytes())
    except (StixError, OSError) as exc:
        raise BadInput(f"{file}: {exc}") from None
    try:
        result = match(text, observed, stix_version=stix_version)
    except PatternError as exc:
        # Data the pattern cannot be evaluated on: a malformed observed-data object, a
        # MATCHES expression beyond the linear-time engine, a search beyond the step limit.
        raise BadInput(f"{file}: {exc.message}") from None
    if not result.matched:
        click.echo("no match")
        sys.exit(1)
    click.echo("match")
    for observed_id, key in result.objects:
        click.echo(f"  {observed_id} object {key}")


COMMANDS = (pattern,)
