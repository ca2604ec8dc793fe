"""``stixhub validate``: check STIX 2.1 files, folders or stdin against the specification.

Exit codes follow the CLI's classes: 0 every document is valid, 1 at least one breaks a MUST
rule (or, with ``--strict``, carries custom content), 2 bad usage or unreadable input.
"""

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import orjson

from stixhub.stix import StixError, loads_untrusted
from stixhub.stix.validation import Report, ValidationOptions, Validator

__all__ = ["COMMANDS", "validate"]

_SUFFIXES = (".json", ".jsonl", ".ndjson")


class _Unreadable(Exception):
    """An input that is not a file, not readable, or not JSON: usage error class, exit 2."""


def _parse(data: bytes, name: str) -> Any:
    """One JSON document, or JSON lines (one object per line) when that fails."""
    try:
        return loads_untrusted(data)
    except StixError as exc:
        lines = [line for line in data.splitlines() if line.strip()]
        if len(lines) < 2:
            raise _Unreadable(f"{name}: {exc}") from None
        objects = []
        for number, line in enumerate(lines, start=1):
            try:
                objects.append(loads_untrusted(line))
            except StixError as line_exc:
                if number == 1:  # not JSON lines either: report the document's own error
                    raise _Unreadable(f"{name}: {exc}") from None
                raise _Unreadable(f"{name}: line {number}: {line_exc}") from None
        return objects


def _files(path: Path, recursive: bool) -> Iterator[Path]:
    if path.is_dir():
        pattern = "**/*" if recursive else "*"
        found = sorted(p for p in path.glob(pattern) if p.is_file() and p.suffix in _SUFFIXES)
        yield from found
    elif path.is_file():
        yield path
    else:
        raise _Unreadable(f"{path}: no such file or folder")


def _documents(paths: tuple[str, ...], recursive: bool) -> Iterator[tuple[str, Any]]:
    for raw in paths:
        if raw == "-":
            yield "<stdin>", _parse(sys.stdin.buffer.read(), "<stdin>")
            continue
        for file in _files(Path(raw), recursive):
            try:
                data = file.read_bytes()
            except OSError as exc:
                raise _Unreadable(f"{file}: {exc.strerror}") from None
            yield str(file), _parse(data, str(file))


def _print_text(name: str, report: Report) -> None:
    verdict = "valid" if report.valid else "INVALID"
    click.echo(f"{name}: {verdict}")
    for entry in report.objects:
        if not entry.findings:
            continue
        label = entry.id or (f"{entry.type} object" if entry.type else "object")
        where = f" (objects[{entry.index}])" if entry.index is not None else ""
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
    validator = Validator(ValidationOptions(strict=strict))
    combined = Report()
    try:
        for name, doc in _documents(paths, recursive):
            report = validator.validate_document(doc)
            combined.objects.extend(report.objects)
            if not as_json:
                _print_text(name, report)
    except _Unreadable as exc:
        click.echo(f"stixhub validate: {exc}", err=True)
        sys.exit(2)
    if as_json:
        click.echo(orjson.dumps(combined.as_dict()).decode())
    sys.exit(0 if combined.valid else 1)


COMMANDS = (validate,)
