"""``stixhub load``: import STIX files into a collection through the same door as TAXII POST.

Files are bundles, TAXII envelopes, single objects or JSON lines (``stixhub.stix.
parse_document``). Every file is read and parsed before anything is stored, so a broken file
stores nothing at all. Objects then go through ``stixhub.store.add_objects`` in batches of
``BATCH_SIZE``: each batch is one transaction, so a load that stops half-way keeps whole
batches, and running it again stores only what is missing.

Exit codes: 0 every object stored or already there; 4 some objects refused, the others
stored; 1 every object refused; 2 bad usage, an unknown collection or an unreadable file.
"""

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

from stixhub.cli._context import HubContext, db_option, pass_hub
from stixhub.cli._errors import EXIT_FAILED, EXIT_PARTIAL, BadInput
from stixhub.stix import StixError, parse_document

if TYPE_CHECKING:
    from stixhub.store import AddResult, Collection, Store

__all__ = ["BATCH_SIZE", "COMMANDS"]

BATCH_SIZE = 2000
"""Objects per transaction: large enough to amortise the commit, small enough to hold the
collection's write lock only briefly while TAXII clients post to it."""
MAX_FAILURES_SHOWN = 50


@dataclass
class _Tally:
    """Outcome counts of one file or of the whole load."""

    stored: int = 0
    unchanged: int = 0
    failed: int = 0
    failures: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.stored + self.unchanged + self.failed

    def add(self, results: "Sequence[AddResult]", offset: int, label: str) -> None:
        from stixhub.store import AddOutcome  # noqa: PLC0415  slow to import, see _context

        for index, result in enumerate(results, start=offset + 1):
            if result.outcome == AddOutcome.STORED:
                self.stored += 1
            elif result.outcome == AddOutcome.UNCHANGED:
                self.unchanged += 1
            else:
                self.failed += 1
                self.failures.append(f"{label}: object {index} ({result.id}): {result.message}")

    def absorb(self, other: "_Tally") -> None:
        self.stored += other.stored
        self.unchanged += other.unchanged
        self.failed += other.failed
        self.failures += other.failures

    def summary(self) -> str:
        return (
            f"{self.total} objects: {self.stored} stored, {self.unchanged} unchanged, "
            f"{self.failed} failed"
        )


def _read(path: Path, max_depth: int) -> list[Any]:
    """The objects of one file; exit 2 naming the file when it cannot be read or parsed."""
    try:
        return parse_document(path.read_bytes(), max_depth=max_depth).objects
    except (OSError, StixError) as exc:
        message = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise BadInput(f"{path}: {message}") from None


def add_objects(
    store: "Store", collection: "Collection", objects: Sequence[Any], *, accept_stix20: bool
) -> "list[AddResult]":
    """``stixhub.store.add_objects``, imported on first use: the store is slow to import."""
    from stixhub.store import add_objects as add  # noqa: PLC0415  see the docstring

    return add(store, collection, objects, accept_stix20=accept_stix20)


@contextmanager
def _progress(enabled: bool) -> Iterator[Progress | None]:
    """A progress bar on stderr, only when a person is watching it."""
    if not enabled:
        yield None
        return
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
    ) as progress:
        yield progress


@click.command()
@click.argument("collection_key", metavar="COLLECTION")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@db_option
@pass_hub
def load(hub: HubContext, collection_key: str, files: tuple[Path, ...]) -> None:
    """Load the STIX objects of FILES into COLLECTION (id, alias, title or API_ROOT/NAME).

    FILES are bundles, TAXII envelopes, single objects or JSON lines. Objects pass the same
    checks as a TAXII POST (the collection's validation policy, the accept_stix20 setting);
    an object already stored is counted as unchanged. Exit code 4 when some objects were
    refused, 1 when all were.
    """
    settings = hub.settings()
    store = hub.store()
    from stixhub.store import resolve_collection  # noqa: PLC0415  slow to import, see _context

    collection = resolve_collection(store, collection_key)
    documents = [(path, _read(path, settings.max_json_depth)) for path in files]

    total = _Tally()
    with _progress(sys.stderr.isatty()) as progress:
        for path, objects in documents:
            tally = _Tally()
            task = progress.add_task(path.name, total=len(objects)) if progress else None
            for start in range(0, len(objects), BATCH_SIZE):
                batch = objects[start : start + BATCH_SIZE]
                results = add_objects(
                    store, collection, batch, accept_stix20=settings.accept_stix20
                )
                tally.add(results, start, str(path))
                if progress is not None and task is not None:
                    progress.advance(task, len(batch))
            click.echo(f"{path}: {tally.summary()}")
            total.absorb(tally)

    if total.stored:
        store.refresh_statistics()
    for line in total.failures[:MAX_FAILURES_SHOWN]:
        click.echo(line, err=True)
    if len(total.failures) > MAX_FAILURES_SHOWN:
        click.echo(f"... and {len(total.failures) - MAX_FAILURES_SHOWN} more failures", err=True)
    if len(files) > 1:
        click.echo(f"total: {total.summary()}")
    if total.failed:
        raise click.exceptions.Exit(EXIT_PARTIAL if total.failed < total.total else EXIT_FAILED)


COMMANDS = (load,)
