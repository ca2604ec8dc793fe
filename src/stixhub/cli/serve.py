"""``stixhub serve``: the TAXII 2.1 server, over HTTP or HTTPS, in one or several processes."""

from pathlib import Path

import click

from stixhub.cli._context import HubContext, db_option, pass_hub
from stixhub.cli._errors import BadInput

__all__ = ["COMMANDS"]

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.command()
@click.option("--host", default=None, help="Address to listen on (default: 127.0.0.1).")
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="Default: 8000.")
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    metavar="N",
    help="Server processes sharing the port (default: 1). Every state is in the database.",
)
@click.option("--tls-cert", type=_FILE, default=None, metavar="FILE", help="PEM certificate chain.")
@click.option("--tls-key", type=_FILE, default=None, metavar="FILE", help="PEM private key.")
@db_option
@pass_hub
def serve(
    hub: HubContext,
    host: str | None,
    port: int | None,
    workers: int | None,
    tls_cert: Path | None,
    tls_key: Path | None,
) -> None:
    """Serve TAXII 2.1 at /taxii2/ until stopped (Ctrl+C or SIGTERM).

    With --tls-cert and --tls-key it serves HTTPS (TLS 1.2 and 1.3 only). Options override
    the config file and STIXHUB_* variables.
    """
    if (tls_cert is None) != (tls_key is None):
        raise click.UsageError("--tls-cert and --tls-key go together")
    settings = hub.settings(
        host=host,
        port=port,
        workers=workers,
        tls_cert=None if tls_cert is None else str(tls_cert.resolve()),
        tls_key=None if tls_key is None else str(tls_key.resolve()),
    )
    # Imported here so that the other commands start without loading the web stack.
    from stixhub.taxii.server import _serve  # noqa: PLC0415

    # Opening the store checks that the database is reachable and initialised, before any
    # worker starts; one worker then serves on this store.
    store = hub.store()
    try:
        if settings.tls_cert is not None and settings.tls_key is not None:
            _serve.check_tls_files(settings.tls_cert, settings.tls_key)
    except _serve.TlsFileError as exc:
        raise BadInput(str(exc)) from None
    if not store.list_api_roots():
        # TAXII 2.1 section 8.2.1: a server offers at least one API root.
        raise BadInput("the hub has no API root yet: add one with 'stixhub api-root add NAME'")
    if settings.workers > 1:
        store.close()  # each worker opens its own
    scheme = "https" if settings.tls_cert else "http"
    click.echo(
        f"TAXII 2.1 discovery at {scheme}://{settings.host}:{settings.port}/taxii2/", err=True
    )
    try:
        _serve.serve(settings, store if settings.workers == 1 else None)
    except SystemExit as exc:  # uvicorn exits this way when it cannot start
        if exc.code not in (None, 0):
            raise click.ClickException("the server did not start (see the log above)") from None


COMMANDS = (serve,)
