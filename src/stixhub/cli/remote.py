"""``stixhub discover``, ``collections``, ``poll`` and ``push``: talking to any TAXII 2.1 server.

URL is a discovery endpoint or an API root (``stixhub.client.TaxiiClient`` decides which);
COLLECTION is a collection's id, title or alias, looked up in the API root's list.
Credentials come from ``--user`` with ``--password-stdin``, ``--token-stdin``, ``--token``
(which warns: a secret in argv shows in ``ps`` and shell history), or the environment
(``STIXHUB_USER`` + ``STIXHUB_PASSWORD``, ``STIXHUB_TOKEN``): this layer reads them and
passes them down explicitly. No output, log line or error message carries one.

Exit codes: 0 done; 4 a push where some objects were not stored; 3 authentication failed
(401, 403, a certificate pin that does not match); 2 bad usage (an unknown collection, a bad
URL, an unreadable file); 1 the server or the network failed.
"""

import functools
import os
import sys
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, TypeVar

import click
import orjson
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from stixhub.cli._context import HubContext, pass_hub
from stixhub.cli._errors import EXIT_AUTH, EXIT_FAILED, EXIT_PARTIAL, EXIT_USAGE, BadInput
from stixhub.cli._output import echo_table
from stixhub.client import (
    Auth,
    BasicAuth,
    BearerToken,
    ClientCertificate,
    ClientConfigError,
    Collection,
    Forbidden,
    InvalidCursor,
    InvalidInput,
    NotFound,
    PinMismatch,
    PushResult,
    Query,
    TaxiiClient,
    TaxiiClientError,
    Unauthorized,
)
from stixhub.stix import InvalidTimestamp, StixError, parse_document, parse_rfc3339_micros

__all__ = [
    "COMMANDS",
    "AuthFailed",
    "PartlyDone",
    "RemoteFailure",
    "RemoteOptions",
    "client_errors",
    "connection_options",
    "credentials",
    "find_collection",
    "open_client",
    "progress",
    "remote_failure",
    "remote_options",
    "resolve_collection",
    "token_from_stdin",
    "warn_insecure",
    "warn_token_argument",
]

F = TypeVar("F", bound=Callable[..., Any])
MAX_FAILURES_SHOWN = 50


class RemoteFailure(click.ClickException):
    """The server or the network failed (exit code 1)."""

    exit_code = EXIT_FAILED


class AuthFailed(click.ClickException):
    """The server refused the credentials, or its certificate is not the pinned one."""

    exit_code = EXIT_AUTH


class PartlyDone(click.ClickException):
    """Part of the job was done and part was not (exit code 4)."""

    exit_code = EXIT_PARTIAL


def remote_failure(message: str, exit_code: int) -> click.ClickException:
    """The CLI error for a message and the exit code of its class."""
    kinds = {EXIT_AUTH: AuthFailed, EXIT_USAGE: BadInput, EXIT_PARTIAL: PartlyDone}
    kind = kinds.get(exit_code, RemoteFailure)
    return kind(message)


def exit_code_for(exc: TaxiiClientError) -> int:
    """Authentication failures are 3, what the caller got wrong is 2, the rest 1."""
    if isinstance(exc, Unauthorized | Forbidden | PinMismatch):
        return EXIT_AUTH
    if isinstance(exc, ClientConfigError | InvalidInput | InvalidCursor | NotFound):
        return EXIT_USAGE
    return EXIT_FAILED


@contextmanager
def client_errors() -> Iterator[None]:
    """Turn the client's typed errors into one ``error:`` line and the exit code of their
    class (the client's messages carry no credentials by contract)."""
    try:
        yield
    except TaxiiClientError as exc:
        raise remote_failure(str(exc) or type(exc).__name__, exit_code_for(exc)) from None


@dataclass(frozen=True)
class RemoteOptions:
    """What every remote command takes: where, who, and how TLS is checked."""

    url: str
    auth: Auth | None
    ca_bundle: str | None
    pin_sha256: str | None
    insecure: bool
    timeout: float
    as_json: bool
    trusted_origins: tuple[str, ...] = ()


def credentials(
    user: str | None,
    password_stdin: bool,
    token: str | None,
    cert: str | None,
    key: str | None,
    *,
    prefix: str = "",
    env_prefix: str = "STIXHUB_",
) -> Auth | None:
    """One kind of credentials: the options win over the environment.

    ``prefix`` and ``env_prefix`` name the options and variables in messages and say which
    variables are read, so a command talking to two servers keeps each one's secrets apart
    (``--indicators-user`` with ``STIXHUB_INDICATORS_PASSWORD``).
    """
    opt = f"--{prefix}"
    given = [f"{opt}{n}" for n, v in (("user", user), ("token", token), ("cert", cert)) if v]
    if len(given) > 1:
        raise BadInput(f"give one kind of credentials, not {' and '.join(given)}")
    if key and not cert:
        raise BadInput(f"{opt}key needs {opt}cert")
    if password_stdin and (token or cert):
        raise BadInput(f"{opt}password-stdin goes with {opt}user")
    if cert:
        return ClientCertificate(cert, key)
    if token:
        return BearerToken(token)
    if user or password_stdin:
        return _basic(user or os.environ.get(f"{env_prefix}USER"), password_stdin, opt, env_prefix)
    return _from_environment(opt, env_prefix)


def _basic(user: str | None, password_stdin: bool, opt: str, env: str) -> BasicAuth:
    if not user:
        raise BadInput(f"{opt}password-stdin needs {opt}user (or {env}USER)")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise BadInput(f"{opt}password-stdin read no password from standard input")
        return BasicAuth(user, password)
    password = os.environ.get(f"{env}PASSWORD")
    if not password:
        raise BadInput(f"{opt}user needs {opt}password-stdin (or {env}PASSWORD)")
    return BasicAuth(user, password)


def _from_environment(opt: str, env: str) -> Auth | None:
    user, token = os.environ.get(f"{env}USER"), os.environ.get(f"{env}TOKEN")
    if token and user:
        raise BadInput(f"both {env}TOKEN and {env}USER are set: unset one")
    if token:
        return BearerToken(token)
    if user:
        if not os.environ.get(f"{env}PASSWORD"):
            raise BadInput(f"{env}USER is set but {env}PASSWORD is not")
        return _basic(user, False, opt, env)
    return None


def connection_options(
    prefix: str = "", env_prefix: str = "STIXHUB_", server: str = ""
) -> Callable[[F], F]:
    """Add the credential and TLS options of one server, ``--{prefix}user`` and so on.

    The command gets them as parameters named ``{prefix}user``, ``{prefix}password_stdin``,
    ``{prefix}token``, ``{prefix}cert``, ``{prefix}key``, ``{prefix}ca_bundle``,
    ``{prefix}pin_sha256`` and ``{prefix}insecure`` (dashes as underscores) and turns them
    into an ``Auth`` with ``credentials``. ``server`` ends each help text ("of the --indicators
    server"). Every remote command takes the same options this way.
    """
    of = f" {server}" if server else ""

    def name(option: str) -> str:
        return f"--{prefix}{option}"

    options = [
        click.option(
            name("user"), metavar="NAME", help=f"HTTP Basic user{of} (or ${env_prefix}USER)."
        ),
        click.option(
            name("password-stdin"),
            is_flag=True,
            help=f"Read the password{of} from the first line of standard input.",
        ),
        click.option(
            name("token"), metavar="TOKEN", help=f"Bearer API token{of} (or ${env_prefix}TOKEN)."
        ),
        click.option(
            name("cert"),
            metavar="FILE",
            type=click.Path(dir_okay=False),
            help=f"TLS client certificate{of} (PEM).",
        ),
        click.option(
            name("key"),
            metavar="FILE",
            type=click.Path(dir_okay=False),
            help=f"Key of {name('cert')}, if not in the same file.",
        ),
        click.option(
            name("ca-bundle"),
            metavar="FILE",
            type=click.Path(dir_okay=False),
            help=f"Trust these CA certificates (PEM){of} instead of the system's.",
        ),
        click.option(
            name("pin-sha256"),
            metavar="HEX",
            help=f"Accept only a server certificate{of} with this SHA-256 fingerprint.",
        ),
        click.option(
            name("insecure"), is_flag=True, help=f"Do not check the certificate{of} (warns)."
        ),
    ]

    def decorate(command: F) -> F:
        decorated: Any = command
        for option in reversed(options):
            decorated = option(decorated)
        return decorated  # type: ignore[no-any-return]

    return decorate


def remote_options(command: F) -> F:
    """Add the connection options and turn them into one ``RemoteOptions`` argument."""
    options = [
        click.option(
            "--timeout",
            type=click.FloatRange(min=0.1),
            default=30.0,
            show_default=True,
            help="Seconds to connect and for each read.",
        ),
        click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text."),
        click.option(
            "--trust-origin",
            "trusted_origins",
            metavar="ORIGIN",
            multiple=True,
            help="Also send the credentials to this origin (https://host[:port]) when "
            "discovery names an API root there.",
        ),
        click.option(
            "--token-stdin",
            is_flag=True,
            help="Read the Bearer API token from the first line of standard input.",
        ),
    ]

    @functools.wraps(command)  # carries the command's own click parameters over
    def wrapper(
        *args: Any,
        url: str,
        user: str | None,
        password_stdin: bool,
        token: str | None,
        cert: str | None,
        key: str | None,
        ca_bundle: str | None,
        pin_sha256: str | None,
        insecure: bool,
        timeout: float,
        as_json: bool,
        token_stdin: bool,
        trusted_origins: tuple[str, ...],
        **kwargs: Any,
    ) -> Any:
        argv_token = token is not None and not token_stdin
        if token_stdin:
            token = token_from_stdin(token, password_stdin)
        auth = credentials(user, password_stdin, token, cert, key)
        if argv_token:
            warn_token_argument()
        remote = RemoteOptions(
            url, auth, ca_bundle, pin_sha256, insecure, timeout, as_json, trusted_origins
        )
        return command(*args, remote=remote, **kwargs)

    decorated: Any = wrapper
    for option in reversed(options):
        decorated = option(decorated)
    decorated = connection_options()(decorated)
    return click.argument("url")(decorated)  # type: ignore[no-any-return]


def token_from_stdin(token: str | None, password_stdin: bool, prefix: str = "") -> str:
    """The token of ``--{prefix}token-stdin``: the first line of standard input."""
    opt = f"--{prefix}"
    if token:
        raise BadInput(f"give one of {opt}token and {opt}token-stdin")
    if password_stdin:
        raise BadInput(f"{opt}token-stdin and {opt}password-stdin both read standard input")
    read = sys.stdin.readline().strip()
    if not read:
        raise BadInput(f"{opt}token-stdin read no token from standard input")
    return read


def warn_token_argument(prefix: str = "", env_prefix: str = "STIXHUB_") -> None:
    """Say on stderr that a secret on the command line is not kept secret."""
    click.echo(
        f"warning: --{prefix}token: a token on the command line shows in ps and shell "
        f"history; use --{prefix}token-stdin or {env_prefix}TOKEN",
        err=True,
    )


def warn_insecure(flag: str = "--insecure") -> None:
    """Say on stderr what turning certificate checks off gives away."""
    click.echo(
        f"warning: {flag}: the server's certificate is not checked; anyone on the "
        "path can read and change this exchange",
        err=True,
    )


def open_client(remote: RemoteOptions) -> TaxiiClient:
    """The client for the options; ``--insecure`` says on stderr what it turns off."""
    if remote.insecure:
        warn_insecure()
    with client_errors():
        return TaxiiClient(
            remote.url,
            auth=remote.auth,
            verify=not remote.insecure,
            ca_bundle=remote.ca_bundle,
            pin_sha256=remote.pin_sha256,
            timeout=remote.timeout,
            credential_origins=remote.trusted_origins,
        )


def resolve_collection(client: TaxiiClient, key: str, api_root: str) -> Collection:
    """A collection by id, else by alias, else by title; bad usage if none or ambiguous."""
    with client_errors():
        collections = client.collections(api_root)
    return find_collection(collections, key, api_root)


def find_collection(collections: Sequence[Collection], key: str, api_root: str) -> Collection:
    """``resolve_collection`` in a list already fetched (a caller that also needs the other
    names one collection goes by)."""
    for attribute in ("id", "alias", "title"):
        found = [c for c in collections if getattr(c, attribute) == key]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            ids = ", ".join(c.id for c in found)
            raise BadInput(f"{len(found)} collections are titled {key!r} ({ids}): give the id")
    raise BadInput(f"no collection {key!r} in {api_root} (see 'stixhub collections URL')")


@contextmanager
def progress(label: str) -> Iterator[Callable[[int], None]]:
    """A counter on stderr while a person is watching; a no-op otherwise."""
    if not sys.stderr.isatty():
        yield lambda _count: None
        return
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}: {task.completed} objects"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=None)
        yield lambda count: bar.update(task, completed=count)


def _echo_json(value: Any) -> None:
    click.echo(orjson.dumps(value, option=orjson.OPT_INDENT_2).decode())


# --- discover, collections -------------------------------------------------------------


@click.command()
@remote_options
def discover(remote: RemoteOptions) -> None:
    """Show the discovery resource at URL: title, default and API roots."""
    with open_client(remote) as client, client_errors():
        found = client.discover()
    if remote.as_json:
        _echo_json(
            {
                "title": found.title,
                "description": found.description,
                "contact": found.contact,
                "default": found.default,
                "api_roots": list(found.api_roots),
            }
        )
        return
    click.echo(f"title: {found.title}")
    for name, value in (
        ("description", found.description),
        ("contact", found.contact),
        ("default", found.default),
    ):
        if value:
            click.echo(f"{name}: {value}")
    click.echo("api roots:")
    for root in found.api_roots:
        click.echo(f"  {root}")


@click.command()
@remote_options
def collections(remote: RemoteOptions) -> None:
    """List the collections of the API root at URL (or of discovery's default one)."""
    with open_client(remote) as client, client_errors():
        listed = client.collections()
    if remote.as_json:
        _echo_json(
            [
                {
                    "id": c.id,
                    "title": c.title,
                    "alias": c.alias,
                    "description": c.description,
                    "can_read": c.can_read,
                    "can_write": c.can_write,
                    "media_types": list(c.media_types),
                }
                for c in listed
            ]
        )
        return
    echo_table(
        ("id", "title", "alias", "read", "write"),
        [
            (c.id, c.title, c.alias, "yes" if c.can_read else "no", "yes" if c.can_write else "no")
            for c in listed
        ],
    )


# --- poll ---------------------------------------------------------------------------------


def _check_added_after(value: str | None) -> str | None:
    if value is not None:
        try:
            parse_rfc3339_micros(value)
        except InvalidTimestamp as exc:
            raise BadInput(f"--added-after: {exc}") from None
    return value


@contextmanager
def _output(path: Path | None) -> Iterator[IO[bytes]]:
    """stdout, or a file that appears only whole (a failed poll leaves the old one)."""
    if path is None:
        yield sys.stdout.buffer
        return
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        with temporary.open("wb") as out:
            yield out
        temporary.replace(path)
    except OSError as exc:
        raise BadInput(f"{path}: {exc.strerror or exc}") from None
    finally:
        temporary.unlink(missing_ok=True)


@click.command()
@remote_options
@click.argument("collection")
@click.option("--added-after", metavar="T", help="Only objects added after this timestamp.")
@click.option("--type", "types", metavar="T", multiple=True, help="Only objects of a type.")
@click.option(
    "--version",
    "versions",
    metavar="V",
    multiple=True,
    help="match[version]: all, first, last (the server's default) or a timestamp.",
)
@click.option("--limit", type=click.IntRange(min=1), help="Objects per page to ask for.")
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), help="Write here, not stdout."
)
@click.option("--jsonl", is_flag=True, help="One object per line instead of a bundle.")
def poll(
    remote: RemoteOptions,
    collection: str,
    added_after: str | None,
    types: tuple[str, ...],
    versions: tuple[str, ...],
    limit: int | None,
    out: Path | None,
    jsonl: bool,
) -> None:
    """Get the objects of COLLECTION, every page, as a STIX bundle (or JSON lines).

    Each object version comes once even where the server pages without ``next``.
    """
    query = Query(
        added_after=_check_added_after(added_after), limit=limit, types=types, versions=versions
    )
    count = 0
    with open_client(remote) as client:
        with client_errors():
            root = client.resolve_api_root()
        target = resolve_collection(client, collection, root)
        with _output(out) as stream, progress(f"poll {target.title}") as advance, client_errors():
            if not jsonl:
                stream.write(b'{"type":"bundle","id":"bundle--%s","objects":[' % _uuid4())
            for page in client.objects_pages(target.id, query, api_root=root):
                for obj in page.items:
                    if jsonl:
                        stream.write(orjson.dumps(obj) + b"\n")
                    else:
                        stream.write((b"," if count else b"") + orjson.dumps(obj))
                    count += 1
                advance(count)
            if not jsonl:
                stream.write(b"]}\n")
            stream.flush()
    if out is not None:
        click.echo(f"{count} objects written to {out}", err=True)


def _uuid4() -> bytes:
    return str(uuid.uuid4()).encode()


# --- push ---------------------------------------------------------------------------------


def _read_objects(path: Path, max_depth: int) -> list[Any]:
    try:
        return parse_document(path.read_bytes(), max_depth=max_depth).objects
    except (OSError, StixError) as exc:
        message = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise BadInput(f"{path}: {message}") from None


def _push_summary(result: PushResult) -> dict[str, Any]:
    return {
        "total": len(result.results),
        "success": result.success_count,
        "failure": result.failure_count,
        "pending": result.pending_count,
        "unknown": result.unknown_count,
        "statuses": [s.id for s in result.statuses],
        "failures": [
            {"id": r.id, "version": r.version, "outcome": r.outcome, "message": r.message}
            for r in result.results
            if r.outcome != "success"
        ],
    }


@click.command()
@remote_options
@click.argument("collection")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--wait",
    "wait_seconds",
    type=click.FloatRange(min=0),
    default=60.0,
    show_default=True,
    help="Seconds to wait for the status to complete.",
)
@pass_hub
def push(
    hub: HubContext,
    remote: RemoteOptions,
    collection: str,
    files: tuple[Path, ...],
    wait_seconds: float,
) -> None:
    """Add the objects of FILES to COLLECTION and print the status.

    FILES are bundles, TAXII envelopes, single objects or JSON lines; all are read before
    anything is sent. Exit code 4 when some objects were not stored (failed, still pending
    at the end of --wait, or not listed by the server's status).
    """
    max_depth = hub.settings().max_json_depth
    objects = [obj for path in files for obj in _read_objects(path, max_depth)]
    with open_client(remote) as client:
        with client_errors():
            root = client.resolve_api_root()
        target = resolve_collection(client, collection, root)
        with client_errors():
            result = client.add_objects(target.id, objects, api_root=root, timeout=wait_seconds)
    summary = _push_summary(result)
    if remote.as_json:
        _echo_json(summary)
    else:
        click.echo(
            f"{summary['total']} objects: {summary['success']} stored, "
            f"{summary['failure']} failed, {summary['pending']} pending, "
            f"{summary['unknown']} not reported (status {', '.join(summary['statuses']) or '-'})"
        )
        for failure in summary["failures"][:MAX_FAILURES_SHOWN]:
            click.echo(
                f"{failure['outcome']}: {failure['id']} {failure['version'] or ''}: "
                f"{failure['message'] or ''}".rstrip(": "),
                err=True,
            )
        more = len(summary["failures"]) - MAX_FAILURES_SHOWN
        if more > 0:
            click.echo(f"... and {more} more", err=True)
    if not result.ok:
        raise click.exceptions.Exit(EXIT_PARTIAL)


COMMANDS = (discover, collections, poll, push)
