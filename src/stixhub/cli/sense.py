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

Exit codes: 0 every report is at the hub (or there was nothing to report, or a dry run);
1 the hub could not be reached or the spool could not be used (the reports wait in the
spool for the next run); 2 bad usage or unreadable input; 3 the hub or the indicator source
refused the credentials; 4 the hub refused some objects (the bundle is kept in
``SPOOL/refused/``), or bundles for this hub stay spooled because this run's privacy policy
does not allow them.
"""

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import click
import orjson

from stixhub.cli._errors import EXIT_AUTH, EXIT_FAILED, EXIT_PARTIAL, BadInput
from stixhub.cli.remote import (
    RemoteOptions,
    client_errors,
    connection_options,
    credentials,
    open_client,
    remote_failure,
    resolve_collection,
    warn_insecure,
)
from stixhub.client import (
    Auth,
    BasicAuth,
    BearerToken,
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


def _push(client: TaxiiClient, collection: str, api_root: str, wait: float) -> Push:
    """The push the sensor delivers through: one add-objects call, its status awaited."""

    def push(objects: list[dict[str, Any]]) -> Sequence[ObjectOutcome]:
        try:
            result = client.add_objects(collection, objects, api_root=api_root, timeout=wait)
        except PinMismatch:
            raise  # not a hub that is down: another server (exit 3)
        except (ConnectionFailed, ServerError, TooManyRequests) as exc:
            raise HubUnreachable(str(exc) or type(exc).__name__) from None
        return [ObjectOutcome(r.id, r.version, r.outcome, r.message) for r in result.results]

    return push


def _deliver(
    spool: Spool,
    remote: RemoteOptions,
    destination: Destination,
    policy: PrivacyPolicy,
    wait: float,
) -> Delivery:
    """Find the collection and push the outbox's bundles for it; an unreachable hub leaves
    them waiting."""
    with open_client(remote) as client:
        try:
            with client_errors():
                try:
                    root = client.resolve_api_root()
                except PinMismatch:
                    raise  # not a hub that is down: another server (exit 3)
                except (ConnectionFailed, ServerError, TooManyRequests) as exc:
                    raise HubUnreachable(str(exc) or type(exc).__name__) from None
                target = resolve_collection(client, destination.collection, root)
                push = _push(client, target.id, root, wait)
                return deliver(spool, push, destination, policy)
        except HubUnreachable as exc:
            mine, elsewhere = for_destination(spool, destination)
            return Delivery(waiting=len(mine), elsewhere=elsewhere, unreachable=str(exc))


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
            f"{stats.source}: {stats.format}, {stats.events} events, "
            f"{stats.malformed} malformed lines",
            err=err,
        )
    click.echo(
        f"{run.indicators} indicators ({len(run.refused_indicators)} refused), "
        f"{run.events} events, {run.matched_events} matched, "
        f"{len(run.changes)} sightings to report",
        err=err,
    )
    if delivery is not None:
        click.echo(
            f"{len(delivery.delivered)} bundles delivered ({delivery.objects} objects), "
            f"{delivery.waiting} waiting, {len(delivery.refused)} refused in part",
            err=err,
        )
        if delivery.elsewhere:
            click.echo(
                f"{delivery.elsewhere} bundles stay spooled for another hub or collection",
                err=err,
            )
        for bundle, refusals in delivery.refused.items():
            for refusal in refusals[:MAX_REFUSALS_SHOWN]:
                click.echo(f"refused: {bundle}: {refusal.id}: {refusal.message}", err=True)


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
@connection_options("indicators-", "STIXHUB_INDICATORS_", "of the --indicators server")
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
    indicators_user: str | None,
    indicators_password_stdin: bool,
    indicators_token: str | None,
    indicators_cert: str | None,
    indicators_key: str | None,
    indicators_ca_bundle: str | None,
    indicators_pin_sha256: str | None,
    indicators_insecure: bool,
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
    if password_stdin and indicators_password_stdin:
        raise BadInput(
            "--password-stdin and --indicators-password-stdin cannot both read standard "
            "input: give one password in the environment (STIXHUB_PASSWORD or "
            "STIXHUB_INDICATORS_PASSWORD)"
        )
    own_given = [
        indicators_user, indicators_password_stdin, indicators_token, indicators_cert,
        indicators_key, indicators_ca_bundle, indicators_pin_sha256, indicators_insecure,
    ]  # fmt: skip
    is_taxii = source.lower().startswith(("http://", "https://"))
    if any(own_given) and not is_taxii:
        raise BadInput("the --indicators-* connection options are for a TAXII --indicators URL")
    hub = _Server(
        credentials(user, password_stdin, token, cert, key), ca_bundle, pin_sha256, insecure
    )
    own = _Server(
        credentials(
            indicators_user, indicators_password_stdin, indicators_token, indicators_cert,
            indicators_key, prefix="indicators-", env_prefix="STIXHUB_INDICATORS_",
        ),
        indicators_ca_bundle, indicators_pin_sha256, indicators_insecure,
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
        with Spool(folder) as spool:
            ledger = spool.ledger()
            run = sense(indicators, logs, options, ledger, now)
            if dry_run:
                if run.payload is not None:
                    click.echo(run.payload, nl=False)
                _print_summary(run, None, as_json, err=True)
                return
            assert report is not None
            destination = Destination.make(report[0], report[1], options.policy)
            commit(run, spool, ledger, destination)
            remote = RemoteOptions(
                report[0], hub.auth, ca_bundle, pin_sha256, insecure, timeout, as_json
            )
            delivery = _deliver(spool, remote, destination, options.policy, wait_seconds)
    except SpoolError as exc:
        raise remote_failure(str(exc), EXIT_FAILED) from None
    except SensorError as exc:
        raise BadInput(str(exc)) from None
    _print_summary(run, delivery, as_json, err=False)
    _exit_for(delivery, folder)


def _exit_for(delivery: Delivery, folder: Path) -> None:
    """The error line and exit code of a delivery that did not take everything."""
    outbox = folder / "outbox"
    if delivery.refused:
        raise remote_failure(
            f"the hub refused objects of {len(delivery.refused)} bundles; they are kept in "
            f"{folder / 'refused'}",
            EXIT_PARTIAL,
        )
    if delivery.unreachable is not None:
        raise remote_failure(
            f"the hub could not take the report ({delivery.unreachable}); "
            f"{delivery.waiting} bundles wait in {outbox} for the next run",
            EXIT_FAILED,
        )
    if delivery.held:
        first = next(iter(delivery.held.values()))
        raise remote_failure(
            f"{len(delivery.held)} bundles for this hub stay in {outbox}: this run's privacy "
            f"policy does not let them go ({first}); send them with the options they were "
            "built with, or remove them",
            EXIT_PARTIAL,
        )


sense_command.name = "sense"
COMMANDS = (sense_command,)
