"""``stixhub validate``: check STIX 2.1 files, folders or stdin against the specification.

Exit codes follow the CLI's classes: 0 every document is valid, 1 at least one breaks a MUST
rule (or, with ``--strict``, carries custom content), 2 bad usage or unreadable input.

Inputs are read as ``stixhub load`` and a TAXII POST read them (``parse_document``): a
bundle, an envelope, a single object, or JSON lines whose lines are any of those. Every
input is read and parsed before anything is printed, so a broken file gives exit 2 and no
half report.
"""

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import orjson

from stixhub.cli._errors import BadInput
from stixhub.stix import (
    InvalidJSON,
    JsonLine,
    StixError,
    loads_untrusted,
    parse_json_lines,
    split_document,
)
from stixhub.stix.validation import Report, ValidationOptions, Validator

__all__ = ["COMMANDS", "validate"]

_SUFFIXES = (".json", ".jsonl", ".ndjson")
STDIN = "-"


@dataclass(frozen=True, slots=True)
class _Input:
    """One parsed input: its name, and either one JSON document kept whole or the lines of
    JSON lines (whose objects have the paths ``$[i]``)."""

    name: str
    value: Any = None
    lines: list[JsonLine] | None = None

    @property
    def root(self) -> str:
        return "$" if self.lines is not None or isinstance(self.value, list) else "$.objects"

    def validate(self, validator: Validator) -> Report:
        if self.lines is not None:
            return validator.validate_lines(self.lines)
        return validator.validate_document(self.value)


def _parse(data: bytes, name: str) -> _Input:
    """One JSON document kept whole, or JSON lines kept line by line (so a bundle's own
    properties are checked either way); anything ``parse_document`` refuses is unreadable
    input."""
    try:
        try:
            value = loads_untrusted(data)
        except InvalidJSON:
            return _Input(name, lines=parse_json_lines(data))  # JSON lines, or the error
        if not isinstance(value, list):
            split_document(value)  # the same shapes as load and POST, or NotADocument
        elif not all(isinstance(item, dict) for item in value):
            # A plain list of objects is read, as stix2-validator reads it; anything else
            # in a list is no STIX document at all.
            raise BadInput(f"{name}: a top-level list must hold JSON objects only")
    except StixError as exc:
        raise BadInput(f"{name}: {exc}") from None
    return _Input(name, value)


def _files(path: Path, recursive: bool) -> list[Path]:
    if path.is_dir():
        pattern = "**/*" if recursive else "*"
        found = sorted(p for p in path.glob(pattern) if p.is_file() and p.suffix in _SUFFIXES)
        if not found:
            where = "or its sub-folders " if recursive else ""
            raise BadInput(
                f"no STIX files found in {path} {where}(looked for {', '.join(_SUFFIXES)})"
            )
        return found
    if path.is_file():
        return [path]
    raise BadInput(f"{path}: no such file or folder")


def _inputs(paths: tuple[str, ...], recursive: bool) -> Iterator[_Input]:
    for raw in paths:
        if raw == STDIN:
            yield _parse(sys.stdin.buffer.read(), "<stdin>")
            continue
        for file in _files(Path(raw), recursive):
            try:
                data = file.read_bytes()
            except OSError as exc:
                raise BadInput(f"{file}: {exc.strerror}") from None
            yield _parse(data, str(file))


def _print_text(source: _Input, report: Report) -> None:
    verdict = "valid" if report.valid else "INVALID"
    click.echo(f"{source.name}: {verdict}")
    for entry in report.objects:
        if not entry.findings:
            continue
        label = entry.id or (f"{entry.type} object" if entry.type else "object")
        where = f" ({source.root}[{entry.index}])" if entry.index is not None else ""
        if entry.line is not None:
            where = f" (line {entry.line})"
        click.echo(f"  {label}{where}")
        for f in entry.findings:
            click.echo(f"    {f.severity:<7} {f.code:<22} {f.path}: {f.message}")


@click.command("validate")
@click.argument("paths", nargs=-1, required=True, metavar="PATH... [-]")
@click.option("--strict", is_flag=True, help="Refuse custom objects, properties and extensions.")
@click.option("--json", "as_json", is_flag=True, help="Write one machine-readable JSON report.")
@click.option("--recursive", "-r", is_flag=True, help="Descend into sub-folders of folders.")
def validate(paths: tuple[str, ...], strict: bool, as_json: bool, recursive: bool) -> None:
    """Validate STIX 2.1 bundles, envelopes, objects or JSON lines ('-' reads stdin)."""
    if paths.count(STDIN) > 1:
        raise click.UsageError("'-' (stdin) can be given only once")
    inputs = list(_inputs(paths, recursive))
    validator = Validator(ValidationOptions(strict=strict))
    reports = [(source, source.validate(validator)) for source in inputs]
    valid = all(report.valid for _, report in reports)
    if as_json:
        objects = [
            {**entry.as_dict(), "source": source.name}
            for source, report in reports
            for entry in report.objects
        ]
        click.echo(orjson.dumps({"valid": valid, "objects": objects}).decode())
    else:
        for source, report in reports:
            _print_text(source, report)
    sys.exit(0 if valid else 1)


COMMANDS = (validate,)
