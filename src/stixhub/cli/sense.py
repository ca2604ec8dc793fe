"""``stixhub sense``: match logs against indicators and report sightings to a hub.

The job is ``stixhub.sensor`` (``sense``, ``commit``, ``deliver``); this module reads the
options, the credentials and the default spool folder from the environment, and makes the
push the sensor hands its outbox to from the TAXII client.

Two servers, two sets of secrets: the ``--report`` hub's credentials (``--user`` with
``--password-stdin``, ``--token``, ``--cert``, or ``STIXHUB_USER`` + ``STIXHUB_PASSWORD``,
``STIXHUB_TOKEN``) and TLS options (``--ca-bundle``, ``--pin-sha256``, ``--insecure``) are
the same as every remote command's; a TAXII ``--indicators`` source has its own
(``--indicators-user``, ``--indicators-token``, ``--indicators-ca-bundle``, ...,
``STIXHUB_INDICATORS_USER`` + ``STIXHUB_INDICATORS_PASSWORD``, ``STIXHUB_INDICATORS_TOKEN``).
The hub's are used for the source only when the source has the hub's origin (scheme, host
and port): a consumer reading a CERT's feed never sends the sector hub's password to the
CERT.

``--token-stdin`` and ``--indicators-token-stdin`` read a token from standard input (one
option at most reads it); a token in argv works but warns, as ``stixhub poll`` does.

The report collection is resolved and its ``can_write`` checked before anything is spooled
or marked reported: a wrong collection or refused credentials leave nothing behind, so the
corrected run reports the same sightings. Only a hub that cannot be reached gets the bundle
spooled unchecked; ``stixhub sense-spool`` lists, retargets or drops what waits.

Exit codes: 0 every report is at the hub (or there was nothing to report, or a dry run);
1 the hub could not be reached or the spool could not be used (the reports wait in the
spool for the next run); 2 bad usage or unreadable input, or a report collection the hub does
not list; 3 the hub or the indicator source refused the credentials, or the account may not
write the report collection; 4 the hub refused some objects (the bundle is kept in
``SPOOL/refused/``), or bundles for this hub stay spooled because this run's privacy policy
does not allow them.
"""

import os
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import click
import orjson

from stixhub.cli._errors import EXIT_AUTH, EXIT_FAILED, EXIT_PARTIAL, BadInput
from stixhub.cli.remote import (
    AuthFailed,
    RemoteOptions,
    client_errors,
    connection_options,
    credentials,
    find_collection,
    open_client,
    remote_failure,
    token_from_stdin,
    warn_insecure,
    warn_token_argument,
)
from stixhub.client import (
    Auth,
    BasicAuth,
    BearerToken,
    Collection,
    ConnectionFailed,
    PinMismatch,
    ServerError,
    TaxiiClient,
    TooManyRequests,
)
from stixhub.sensor import (
    FORMATS,
    Delivery,
    Destination,
    HubUnreachable,
    Ledger,
    ObjectOutcome,
    PrivacyPolicy,
    Push,
    SenseOptions,
    SenseRun,
    SensorError,
    Spool,
    SpoolError,
    commit,
    deliver,
    load_identity,
    parse_period,
    sense,
)
from stixhub.sensor._privacy import SHARE_MODES
from stixhub.sensor._report import for_destination
from stixhub.sensor._spool import Pending
from stixhub.sensor.readers import MAX_LINE_BYTES
from stixhub.stix import StixError
from stixhub.stix.markings import TLP_VERSIONS, TlpVersion, parse_tlp, tlp_marking_id

if TYPE_CHECKING:
    from stixhub.sources import Credentials, Tls

__all__ = ["COMMANDS"]

MAX_REFUSALS_SHOWN = 20


def _default_spool() -> Path:
    """``$XDG_STATE_HOME/stixhub/sense``, else ``~/.local/state/stixhub/sense``."""
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(
        os.path.expanduser("~"), ".local", "state"
    )
    return Path(base) / "stixhub" / "sense"


def _count(n: int, noun: str) -> str:
    """``1 bundle``, ``2 bundles``: every figure the command prints."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _verb(n: int, singular: str, plural: str) -> str:
    return singular if n == 1 else plural


def _unreachable(exc: Exception) -> HubUnreachable:
    return HubUnreachable(str(exc) or type(exc).__name__)


def _push(client: TaxiiClient, collection: str, api_root: str, wait: float) -> Push:
    """The push the sensor delivers through: one add-objects call, its status awaited."""

    def push(objects: list[dict[str, Any]]) -> Sequence[ObjectOutcome]:
        try:
            result = client.add_objects(collection, objects, api_root=api_root, timeout=wait)
        except PinMismatch:
            raise  # not a hub that is down: another server (exit 3)
        except (ConnectionFailed, ServerError, TooManyRequests) as exc:
            raise _unreachable(exc) from None
        return [ObjectOutcome(r.id, r.version, r.outcome, r.message) for r in result.results]

    return push


@dataclass(frozen=True)
class _Target:
    """The report collection as the hub lists it, checked before anything is spooled."""

    root: str
    collection: Collection
    names: frozenset[str]
    """Its alias and title where they name it alone: what a bundle spooled while the hub
    was down records as its collection."""


def _names(listed: Sequence[Collection], target: Collection, root: str) -> frozenset[str]:
    names = set()
    for name in (target.alias, target.title):
        if name:
            try:
                if find_collection(listed, name, root).id == target.id:
                    names.add(name)
            except BadInput:  # a title several collections share names none of them
                pass
    return frozenset(names)


def _find_target(client: TaxiiClient, key: str) -> _Target:
    """The collection ``key`` (id, alias or title) names, which the account may write.

    Raises ``HubUnreachable`` when the hub cannot say (the report is then spooled
    unchecked), and the CLI error of an unknown collection (2), no write right or refused
    credentials (3).
    """
    with client_errors():
        try:
            root = client.resolve_api_root()
            listed = client.collections(root)
        except PinMismatch:
            raise  # not a hub that is down: another server (exit 3)
        except (ConnectionFailed, ServerError, TooManyRequests) as exc:
            raise _unreachable(exc) from None
    target = find_collection(listed, key, root)
    if not target.can_write:
        raise AuthFailed(
            f"the account may not write to the collection {key!r} ({target.id}) of {root}; "
            "name a collection it can write (see 'stixhub collections URL')"
        )
    return _Target(root, target, _names(listed, target, root))


def _deliver(
    spool: Spool,
    client: TaxiiClient,
    target: _Target,
    destination: Destination,
    policy: PrivacyPolicy,
    wait: float,
) -> Delivery:
    """Push the outbox's bundles for the collection; a hub that went down leaves them
    waiting."""
    try:
        with client_errors():
            push = _push(client, target.collection.id, target.root, wait)
            return deliver(spool, push, destination, policy, names=target.names)
    except HubUnreachable as exc:
        return _waiting(spool, destination, str(exc), target.names)


def _waiting(
    spool: Spool, destination: Destination, why: str, names: frozenset[str] = frozenset()
) -> Delivery:
    mine, elsewhere = for_destination(spool, destination, names)
    return Delivery(waiting=len(mine), elsewhere=elsewhere, unreachable=why)


def _stopped(exc: click.ClickException, spool: Spool, spooled: bool) -> click.ClickException:
    """The error of a run the hub stopped (unknown collection, credentials), saying where
    the report is."""
    waiting = len(spool.pending())
    if spooled:
        where = f"{_count(waiting, 'bundle')} {_verb(waiting, 'waits', 'wait')} in {spool.outbox}"
        return remote_failure(f"{exc.message}; {where} for the next run", exc.exit_code)
    where = "nothing was spooled: the next run reports these sightings"
    if waiting:
        where += (
            f" ({_count(waiting, 'bundle')} of earlier runs {_verb(waiting, 'waits', 'wait')} "
            f"in {spool.outbox})"
        )
    return remote_failure(f"{exc.message}; {where}", exc.exit_code)


def _origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) of a URL, the port filled in from the scheme."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    try:
        port = parts.port or {"http": 80, "https": 443}.get(scheme)
    except ValueError:
        port = None
    return scheme, (parts.hostname or "").lower(), port


def same_origin(a: str, b: str) -> bool:
    """Whether two URLs name the same server: scheme, host and port (RFC 6454)."""
    return _origin(a) == _origin(b)


def _as_credentials(auth: Auth | None) -> "Credentials":
    from stixhub.sources import Credentials  # noqa: PLC0415  slow to import, see sense_command

    if isinstance(auth, BasicAuth):
        return Credentials(user=auth.username, password=auth.password)
    if isinstance(auth, BearerToken):
        return Credentials(token=auth.token)
    if auth is not None:
        return Credentials(cert=auth.cert_file, key=auth.key_file)
    return Credentials()


@dataclass(frozen=True)
class _Server:
    """The credentials and certificate checks given for one server."""

    auth: Auth | None
    ca_bundle: str | None
    pin_sha256: str | None
    insecure: bool

    @property
    def checks_given(self) -> bool:
        return bool(self.ca_bundle or self.pin_sha256 or self.insecure)


def _source_access(
    source: str, report_url: str | None, hub: _Server, own: _Server, timeout: float
) -> "tuple[Credentials, Tls]":
    """What a TAXII source is read with: its own options, else the hub's when it is the
    hub's origin, else none (anonymous, the system's CAs)."""
    from stixhub.sources import Tls  # noqa: PLC0415  slow to import, see sense_command

    shared = report_url is not None and same_origin(source, report_url)
    auth = own.auth if own.auth is not None else (hub.auth if shared else None)
    checks = own if own.checks_given else (hub if shared else own)
    if checks.insecure:
        warn_insecure("--indicators-insecure" if checks is own else "--insecure")
    tls = Tls(checks.ca_bundle, checks.pin_sha256, not checks.insecure, timeout)
    return _as_credentials(auth), tls


def _print_summary(run: SenseRun, delivery: Delivery | None, as_json: bool, err: bool) -> None:
    summary = run.summary()
    if delivery is not None:
        summary["delivery"] = {
            "delivered_bundles": len(delivery.delivered),
            "delivered_objects": delivery.objects,
            "waiting_bundles": delivery.waiting,
            "other_destination_bundles": delivery.elsewhere,
            "held_bundles": delivery.held,
            "unreachable": delivery.unreachable,
            "refused": {
                bundle: [{"id": r.id, "version": r.version, "message": r.message} for r in rs]
                for bundle, rs in delivery.refused.items()
            },
        }
    if as_json:
        click.echo(orjson.dumps(summary, option=orjson.OPT_INDENT_2).decode(), err=err)
        return
    for stats in run.files:
        click.echo(
            f"{stats.source}: {stats.format}, {_count(stats.events, 'event')}, "
            f"{_count(stats.malformed, 'malformed line')}",
            err=err,
        )
    click.echo(
        f"{_count(run.indicators, 'indicator')} ({len(run.refused_indicators)} refused), "
        f"{_count(run.events, 'event')}, {run.matched_events} matched, "
        f"{_count(len(run.changes), 'sighting')} to report",
        err=err,
    )
    if delivery is not None:
        click.echo(
            f"{_count(len(delivery.delivered), 'bundle')} delivered "
            f"({_count(delivery.objects, 'object')}), {delivery.waiting} waiting, "
            f"{len(delivery.refused)} refused in part",
            err=err,
        )
        if delivery.elsewhere:
            n = delivery.elsewhere
            click.echo(
                f"{_count(n, 'bundle')} {_verb(n, 'stays', 'stay')} spooled for another hub "
                "or collection (see 'stixhub sense-spool list')",
                err=err,
            )
        for bundle, refusals in delivery.refused.items():
            for refusal in refusals[:MAX_REFUSALS_SHOWN]:
                click.echo(f"refused: {bundle}: {refusal.id}: {refusal.message}", err=True)


_ServerOptions = tuple[
    str | None, bool, str | None, bool, str | None, str | None, str | None, str | None, bool
]
"""user, password_stdin, token, token_stdin, cert, key, ca_bundle, pin_sha256, insecure."""


def _servers(
    is_taxii: bool, hub_options: _ServerOptions, source_options: _ServerOptions
) -> tuple[_Server, _Server]:
    """The hub's and the source's credentials and checks, each from its own options; one
    option at most reads standard input, and a token given in argv warns."""
    names = (("", "STIXHUB_"), ("indicators-", "STIXHUB_INDICATORS_"))
    readers = [
        f"--{prefix}{kind}-stdin"
        for (prefix, _), options in zip(names, (hub_options, source_options), strict=True)
        for kind, given in (("password", options[1]), ("token", options[3]))
        if given
    ]
    if len(readers) > 1:
        raise BadInput(
            f"{' and '.join(readers)} cannot {'both' if len(readers) == 2 else 'all'} read "
            "standard input: give the other secrets "
            "in the environment (STIXHUB_PASSWORD, STIXHUB_TOKEN, STIXHUB_INDICATORS_PASSWORD "
            "or STIXHUB_INDICATORS_TOKEN)"
        )
    if any(source_options) and not is_taxii:
        raise BadInput("the --indicators-* connection options are for a TAXII --indicators URL")
    servers = []
    for (prefix, env_prefix), options in zip(names, (hub_options, source_options), strict=True):
        user, password_stdin, token, token_stdin, cert, key, ca_bundle, pin, insecure = options
        if token_stdin:
            token = token_from_stdin(token, password_stdin, prefix)
        auth = credentials(
            user, password_stdin, token, cert, key, prefix=prefix, env_prefix=env_prefix
        )
        if options[2] is not None:
            warn_token_argument(prefix, env_prefix)
        servers.append(_Server(auth, ca_bundle, pin, insecure))
    return servers[0], servers[1]


@click.command()
@click.option(
    "--indicators",
    "source",
    required=True,
    metavar="SRC",
    help="Folder, file, DATABASE_URL#COLLECTION or TAXII collection URL.",
)
@click.option(
    "--log",
    "logs",
    required=True,
    multiple=True,
    metavar="FILE",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A log file (repeatable).",
)
@click.option(
    "--format",
    "log_format",
    type=click.Choice(FORMATS),
    default="auto",
    show_default=True,
    help="Log format.",
)
@click.option(
    "--mapping",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Field-mapping file for --format jsonl or csv.",
)
@click.option(
    "--max-line-bytes",
    type=click.IntRange(min=1),
    default=MAX_LINE_BYTES,
    show_default=True,
    metavar="N",
    help="A longer log line is counted as malformed and read past.",
)
@click.option(
    "--report",
    nargs=2,
    metavar="URL COLLECTION",
    default=None,
    help="The hub (API root or discovery URL) and its sightings collection.",
)
@click.option(
    "--identity",
    "identity_file",
    required=True,
    metavar="FILE",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The reporting organisation's STIX identity (JSON).",
)
@click.option("--dry-run", is_flag=True, help="Print the bundle that would be sent; send nothing.")
@click.option("--period", default="1h", show_default=True, help="Reporting period (15m, 1h, 1d).")
@click.option("--tlp", default="amber", show_default=True, help="TLP level of every object.")
@click.option(
    "--tlp-version",
    type=click.Choice(TLP_VERSIONS),
    default="1.0",
    show_default=True,
    help="TLP 1.0 (STIX 2.1 markings) or TLP 2.0.",
)
@click.option(
    "--private-range",
    "private_ranges",
    multiple=True,
    metavar="CIDR",
    help="Another internal address range (repeatable).",
)
@click.option(
    "--own-domain",
    "own_domains",
    multiple=True,
    metavar="DOMAIN",
    help="A domain of the organisation (repeatable).",
)
@click.option(
    "--share-observables",
    "share",
    type=click.Choice(SHARE_MODES),
    default="external",
    show_default=True,
    help="Observed-data: none, external values only, or all.",
)
@click.option(
    "--spool",
    "spool_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Outbox and ledger folder (default ~/.local/state/stixhub/sense).",
)
@click.option(
    "--wait",
    "wait_seconds",
    type=click.FloatRange(min=0),
    default=60.0,
    show_default=True,
    help="Seconds to wait for the hub's status.",
)
@connection_options(server="of the --report hub")
@click.option(
    "--token-stdin",
    is_flag=True,
    help="Read the Bearer API token of the --report hub from the first line of standard input.",
)
@connection_options("indicators-", "STIXHUB_INDICATORS_", "of the --indicators server")
@click.option(
    "--indicators-token-stdin",
    is_flag=True,
    help="Read the Bearer API token of the --indicators server from the first line of "
    "standard input.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1),
    default=30.0,
    show_default=True,
    help="Seconds to connect and for each read.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def sense_command(
    source: str,
    logs: tuple[Path, ...],
    log_format: str,
    mapping: Path | None,
    max_line_bytes: int,
    report: tuple[str, str] | None,
    identity_file: Path,
    dry_run: bool,
    period: str,
    tlp: str,
    tlp_version: TlpVersion,
    private_ranges: tuple[str, ...],
    own_domains: tuple[str, ...],
    share: str,
    spool_dir: Path | None,
    wait_seconds: float,
    user: str | None,
    password_stdin: bool,
    token: str | None,
    cert: str | None,
    key: str | None,
    ca_bundle: str | None,
    pin_sha256: str | None,
    insecure: bool,
    token_stdin: bool,
    indicators_user: str | None,
    indicators_password_stdin: bool,
    indicators_token: str | None,
    indicators_cert: str | None,
    indicators_key: str | None,
    indicators_ca_bundle: str | None,
    indicators_pin_sha256: str | None,
    indicators_insecure: bool,
    indicators_token_stdin: bool,
    timeout: float,
    as_json: bool,
) -> None:
    """Match --log files against --indicators and report sightings to --report.

    One sighting per indicator and reporting period, with a deterministic id: a run on
    the same logs changes nothing, more logs of the same period update the count. Nothing
    internal leaves (see --private-range, --own-domain, --share-observables). Reports wait
    in the spool folder while the hub is unreachable and go out on the next run.
    """  # fmt: skip
    # The sources pull in the store (SQLAlchemy, Alembic): half a second of CPU that every
    # other command would pay at start-up if imported at the top.
    from stixhub.sources import (  # noqa: PLC0415  see above
        SourceAuthFailed,
        SourceError,
        read_source,
    )

    if report is None and not dry_run:
        raise click.UsageError("give --report URL COLLECTION, or --dry-run")
    is_taxii = source.lower().startswith(("http://", "https://"))
    hub, own = _servers(
        is_taxii,
        (user, password_stdin, token, token_stdin, cert, key, ca_bundle, pin_sha256, insecure),
        (indicators_user, indicators_password_stdin, indicators_token, indicators_token_stdin,
         indicators_cert, indicators_key, indicators_ca_bundle, indicators_pin_sha256,
         indicators_insecure),
    )  # fmt: skip
    try:
        level = parse_tlp(tlp)
        tlp_marking_id(level, tlp_version)
        options = SenseOptions(
            identity=load_identity(identity_file),
            policy=PrivacyPolicy.make(private_ranges, own_domains, share),
            period=parse_period(period),
            tlp=level,
            tlp_version=tlp_version,
            format=log_format,
            mapping=mapping,
            max_line_bytes=max_line_bytes,
        )
        if is_taxii:
            access = _source_access(source, report[0] if report else None, hub, own, timeout)
            indicators = read_source(source, *access)
        else:
            indicators = read_source(source)
    except SourceAuthFailed as exc:
        raise remote_failure(str(exc), EXIT_AUTH) from None
    except (SensorError, SourceError, StixError) as exc:
        raise BadInput(str(exc)) from None
    now = time.time_ns() // 1000
    folder = spool_dir or _default_spool()
    try:
        if dry_run:
            # No Spool context: it would create the folder, its lock, outbox/ and refused/.
            run = sense(indicators, logs, options, Spool(folder).ledger(), now)
            if run.payload is not None:
                click.echo(run.payload, nl=False)
            _print_summary(run, None, as_json, err=True)
            return
        assert report is not None
        remote = RemoteOptions(
            report[0], hub.auth, ca_bundle, pin_sha256, insecure, timeout, as_json
        )
        with Spool(folder) as spool, open_client(remote) as client:
            ledger = spool.ledger()
            run = sense(indicators, logs, options, ledger, now)
            delivery = _report(run, spool, ledger, client, report, options.policy, wait_seconds,
                               as_json)  # fmt: skip
    except SpoolError as exc:
        raise remote_failure(str(exc), EXIT_FAILED) from None
    except SensorError as exc:
        raise BadInput(str(exc)) from None
    _print_summary(run, delivery, as_json, err=False)
    _exit_for(delivery, folder)


def _report(
    run: SenseRun,
    spool: Spool,
    ledger: Ledger,
    client: TaxiiClient,
    report: tuple[str, str],
    policy: PrivacyPolicy,
    wait: float,
    as_json: bool,
) -> Delivery:
    """Check the report collection, spool the run's bundle for it, deliver the outbox.

    A collection that is unknown or not writable, or credentials the hub refuses, stop the
    run before anything is spooled or marked reported, so the next run reports the same
    sightings; a hub that cannot be reached cannot say, so the bundle is spooled as named.
    """
    url, key = report
    try:
        target: _Target | None = _find_target(client, key)
    except HubUnreachable as exc:
        target, unreachable = None, str(exc)
    except click.ClickException as exc:
        _print_summary(run, None, as_json, err=False)
        raise _stopped(exc, spool, spooled=False) from None
    destination = Destination.make(url, target.collection.id if target else key, policy)
    commit(run, spool, ledger, destination)
    if target is None:
        return _waiting(spool, destination, unreachable)
    try:
        return _deliver(spool, client, target, destination, policy, wait)
    except click.ClickException as exc:
        _print_summary(run, None, as_json, err=False)
        raise _stopped(exc, spool, spooled=bool(for_destination(spool, destination)[0])) from None


def _exit_for(delivery: Delivery, folder: Path) -> None:
    """The error line and exit code of a delivery that did not take everything."""
    outbox = folder / "outbox"
    if delivery.refused:
        n = len(delivery.refused)
        raise remote_failure(
            f"the hub refused objects of {_count(n, 'bundle')}; {_verb(n, 'it is', 'they are')} "
            f"kept in {folder / 'refused'}",
            EXIT_PARTIAL,
        )
    if delivery.unreachable is not None:
        n = delivery.waiting
        raise remote_failure(
            f"the hub could not take the report ({delivery.unreachable}); "
            f"{_count(n, 'bundle')} {_verb(n, 'waits', 'wait')} in {outbox} for the next run",
            EXIT_FAILED,
        )
    if delivery.held:
        n = len(delivery.held)
        first = next(iter(delivery.held.values()))
        raise remote_failure(
            f"{_count(n, 'bundle')} for this hub {_verb(n, 'stays', 'stay')} in {outbox}: this "
            f"run's privacy policy does not let {_verb(n, 'it', 'them')} go ({first}); send "
            f"{_verb(n, 'it', 'them')} with the options {_verb(n, 'it was', 'they were')} built "
            f"with, or remove {_verb(n, 'it', 'them')} with 'stixhub sense-spool drop'",
            EXIT_PARTIAL,
        )


sense_command.name = "sense"

# --- sense-spool ------------------------------------------------------------------------

_spool_option = click.option(
    "--spool",
    "spool_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The sense spool folder (default ~/.local/state/stixhub/sense).",
)


def _destination_text(destination: Destination | None) -> str:
    if destination is None:
        return "no destination record"
    return f"{destination.url} {destination.collection} (share {destination.share})"


@click.group("sense-spool")
def sense_spool() -> None:
    """See the bundles waiting in the sense outbox, send them elsewhere, or drop them.

    A bundle goes only to the hub and collection it was spooled for; one spooled for a
    collection that was wrong (a typo while the hub was down) waits until it is retargeted
    or dropped.
    """


@sense_spool.command("list")
@_spool_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def spool_list(spool_dir: Path | None, as_json: bool) -> None:
    """One line per waiting bundle, oldest first: its file and where it goes."""
    folder = spool_dir or _default_spool()
    if not (folder / "outbox").is_dir():
        waiting = []  # never spooled here: nothing waits, and nothing is created to say so
    else:
        with _spool_errors(), Spool(folder) as spool:
            waiting = spool.pending()
    if as_json:
        rows = [
            {"bundle": p.bundle_id, "file": p.path.name,
             "destination": orjson.loads(p.destination.to_json()) if p.destination else None}
            for p in waiting
        ]  # fmt: skip
        click.echo(orjson.dumps(rows, option=orjson.OPT_INDENT_2).decode())
        return
    for pending in waiting:
        click.echo(f"{pending.path.name}: {_destination_text(pending.destination)}")


@contextmanager
def _spool_errors() -> Iterator[None]:
    try:
        yield
    except SpoolError as exc:
        raise remote_failure(str(exc), EXIT_FAILED) from None


def _named(spool: Spool, names: tuple[str, ...]) -> list[Pending]:
    """The waiting bundles named; a name that is not waiting is bad usage, nothing changes."""
    found = spool.find(names)
    known = {p.bundle_id for p in found} | {p.path.name for p in found}
    missing = sorted(set(names) - known)
    if missing:
        raise BadInput(
            f"no bundle {', '.join(missing)} waits in {spool.outbox} "
            "(see 'stixhub sense-spool list')"
        )
    return found


@sense_spool.command("retarget")
@_spool_option
@click.option(
    "--to",
    "to",
    nargs=2,
    required=True,
    metavar="URL COLLECTION",
    help="The hub and collection the bundles go to instead.",
)
@click.argument("bundles", nargs=-1, required=True, metavar="BUNDLE...")
def spool_retarget(spool_dir: Path | None, to: tuple[str, str], bundles: tuple[str, ...]) -> None:
    """Send waiting BUNDLEs (ids or file names) to another hub or collection.

    The next ``stixhub sense --report URL COLLECTION`` delivers them; its privacy policy
    checks them as any spooled bundle (the share mode they were built with stays).
    """
    folder = spool_dir or _default_spool()
    with _spool_errors(), Spool(folder) as spool:
        found = _named(spool, bundles)
        unrecorded = [p.path.name for p in found if p.destination is None]
        if unrecorded:
            raise BadInput(
                f"{', '.join(unrecorded)}: no destination record says under which privacy "
                "policy it was built; send it with 'stixhub push' or drop it"
            )
        for pending in found:
            assert pending.destination is not None
            moved = spool.retarget(pending, pending.destination.to(*to))
            click.echo(f"{pending.path.name}: {_destination_text(moved.destination)}")


@sense_spool.command("drop")
@_spool_option
@click.argument("bundles", nargs=-1, required=True, metavar="BUNDLE...")
def spool_drop(spool_dir: Path | None, bundles: tuple[str, ...]) -> None:
    """Remove waiting BUNDLEs (ids or file names) unsent; their sightings count as
    reported, so a later run sends them only when their figures change."""
    folder = spool_dir or _default_spool()
    with _spool_errors(), Spool(folder) as spool:
        for pending in _named(spool, bundles):
            spool.drop(pending)
            click.echo(f"{pending.path.name}: dropped")


COMMANDS = (sense_command, sense_spool)
