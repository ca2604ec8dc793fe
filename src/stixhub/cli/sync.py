"""``stixhub sync``: keep a local copy of a remote collection current (``stixhub.sync``).

The work is in ``stixhub.sync.run_sync``; this module picks the target, resolves the
collection and prints. Exit codes: 0 done, 4 done but some objects were refused by the
target, 3 access refused (authentication failed or no right: 401, 403), 2 bad usage
(unknown collection, a state file of another feed), 1 the server, the network or the target
failed (run again: it resumes).
"""

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import orjson

from stixhub.cli._context import HubContext, pass_hub
from stixhub.cli._errors import EXIT_PARTIAL, BadInput
from stixhub.cli.remote import (
    RemoteFailure,
    RemoteOptions,
    client_errors,
    open_client,
    progress,
    remote_options,
    resolve_collection,
)

if TYPE_CHECKING:
    from stixhub.store import SqlStore
    from stixhub.sync import SyncReport, Target

__all__ = ["COMMANDS"]

MAX_REFUSALS_SHOWN = 50


def _summary(report: "SyncReport") -> dict[str, Any]:
    return {
        "resumed": report.resumed,
        "stopped": report.stopped,
        "run": vars(report.run),
        "totals": vars(report.totals),
        "refusals": [
            {"id": r.id, "version": r.version, "message": r.message} for r in report.refusals
        ],
    }


def _open_target(
    into_dir: Path | None,
    into_db: str | None,
    into_collection: str | None,
    origin: str,
    accept_stix20: bool,
) -> "tuple[Target, str, SqlStore | None]":
    """The target, the name its state file records, and the store to close (if any).

    ``stixhub.sync``, the store and SQLAlchemy are imported here and in ``sync``, not at the
    top: they cost half a second of CPU that every other command would pay at start-up.
    """
    from sqlalchemy.engine import make_url  # noqa: PLC0415  see above

    from stixhub.store import (  # noqa: PLC0415  see above
        AmbiguousName,
        NotFound,
        open_store,
        resolve_collection,
    )
    from stixhub.sync import FolderError, FolderTarget, StoreTarget  # noqa: PLC0415  see above

    if into_dir is not None:
        try:
            return FolderTarget(into_dir), f"folder:{into_dir.resolve()}", None
        except FolderError as exc:
            raise BadInput(str(exc)) from None
    if into_db is None or into_collection is None:
        raise BadInput("--into-db and --into-collection go together")
    store = open_store(into_db)
    try:
        local = resolve_collection(store, into_collection)
    except (NotFound, AmbiguousName):
        store.close()
        raise
    safe_url = make_url(into_db).render_as_string(hide_password=True)
    target = StoreTarget(store, local, origin, accept_stix20=accept_stix20)
    return target, f"db:{safe_url}#{local.id}", store


@click.command()
@remote_options
@click.argument("collection")
@click.option(
    "--into",
    "into_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Keep the objects in this folder (one file per version; docs/sync.md).",
)
@click.option("--into-db", metavar="DBURL", help="Mirror into a collection of this database.")
@click.option(
    "--into-collection",
    metavar="COLLECTION",
    help="The collection of --into-db (id, alias or title).",
)
@click.option(
    "--state",
    "state_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where the position is kept between runs (written after every page).",
)
@click.option("--type", "types", metavar="T", multiple=True, help="Only objects of a type.")
@click.option("--limit", type=click.IntRange(min=1), help="Objects per page to ask for.")
@click.option(
    "--max-pages",
    type=click.IntRange(min=1),
    help="Stop after this many pages; the next run goes on from there.",
)
@pass_hub
def sync(
    hub: HubContext,
    remote: RemoteOptions,
    collection: str,
    into_dir: Path | None,
    into_db: str | None,
    into_collection: str | None,
    state_path: Path,
    types: tuple[str, ...],
    limit: int | None,
    max_pages: int | None,
) -> None:
    """Pull what COLLECTION at URL got since the last run into a folder or a local hub.

    Every version is kept; the position is saved after every page, so a killed sync
    resumes where it stopped and never stores an object twice. Objects the target refuses
    are reported (exit code 4) and the sync goes on past them.
    """
    from stixhub.client import Query  # noqa: PLC0415  slow to import, see _open_target
    from stixhub.sync import (  # noqa: PLC0415  slow to import, see _open_target
        FolderError,
        StateError,
        SyncBusy,
        client_source,
        run_sync,
    )

    if (into_dir is None) == (into_db is None):
        raise BadInput("give exactly one of --into DIR and --into-db DBURL")
    if (into_db is None) != (into_collection is None):
        raise BadInput("--into-db and --into-collection go together")
    settings = hub.settings()
    with open_client(remote) as client:
        with client_errors():
            root = client.resolve_api_root()
        source = resolve_collection(client, collection, root)
        origin = f"{root}collections/{source.id}/"
        target, target_name, store = _open_target(
            into_dir, into_db, into_collection, origin, settings.accept_stix20
        )
        query = Query(limit=limit, types=types, versions=("all",))
        try:
            with progress(f"sync {source.title}") as advance, client_errors():
                report = run_sync(
                    client_source(client, source.id, query, root),
                    target,
                    state_path,
                    server=root,
                    collection=source.id,
                    target_name=target_name,
                    # What decides which objects come (not the page size): a state saved
                    # under other filters is refused rather than continued.
                    query={"types": sorted(set(types)), "versions": ["all"]},
                    max_pages=max_pages,
                    on_page=lambda r: advance(r.run.received),
                )
            if store is not None and report.run.stored:
                store.refresh_statistics()
        except StateError as exc:
            raise BadInput(str(exc)) from None
        except (SyncBusy, FolderError) as exc:
            raise RemoteFailure(str(exc)) from None
        finally:
            target.close()
            if store is not None:
                store.close()
    summary = _summary(report)
    if remote.as_json:
        click.echo(orjson.dumps(summary, option=orjson.OPT_INDENT_2).decode())
    else:
        run = report.run
        click.echo(
            f"{run.received} objects in {run.pages} pages: {run.stored} stored, "
            f"{run.unchanged} unchanged, {run.refused} refused"
            + (" (resumed)" if report.resumed else "")
            + ("; stopped at --max-pages, run again for more" if report.stopped else "")
        )
        for refusal in report.refusals[:MAX_REFUSALS_SHOWN]:
            click.echo(
                f"refused: {refusal.id} {refusal.version or ''}: {refusal.message}", err=True
            )
        if run.refused > MAX_REFUSALS_SHOWN:
            click.echo(f"... and {run.refused - MAX_REFUSALS_SHOWN} more refused", err=True)
    if report.run.refused:
        raise click.exceptions.Exit(EXIT_PARTIAL)


COMMANDS = (sync,)
