"""Setting up a hub: the database, API roots, collections, accounts, tokens and rights.

Each command is one call into ``stixhub.store``. ``--exist-ok`` on the ``add`` commands lets
a set-up script run again: what exists is reported and left unchanged. A command that takes a
collection accepts its id, alias or title, or ``API_ROOT/NAME`` (``store.resolve_collection``),
like the commands that talk to a remote hub.
"""

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from stixhub.cli._context import HubContext, db_option, pass_hub
from stixhub.cli._errors import BadInput
from stixhub.cli._output import echo_table
from stixhub.stix import MAX_JSON_INTEGER, StixError, format_taxii_timestamp, parse_document

if TYPE_CHECKING:
    from stixhub.store import Collection, SqlStore

__all__ = ["COMMANDS"]

MIN_PASSWORD_LENGTH = 8


def _collection(store: "SqlStore", key: str) -> "Collection":
    """The collection an operator named by id, alias, title or API_ROOT/NAME."""
    from stixhub.store import resolve_collection  # noqa: PLC0415  slow to import, see _context

    return resolve_collection(store, key)


def _when(micros: int) -> str:
    """A stored time to the second: the listing is for people."""
    return format_taxii_timestamp(micros)[:19] + "Z"


def _note(message: str) -> None:
    """Human remarks go to stderr, so stdout carries only what scripts capture."""
    click.echo(message, err=True)


@click.command()
@db_option
@pass_hub
def init(hub: HubContext) -> None:
    """Create the database schema, or migrate it to this version; safe to run again."""
    from stixhub.store import make_engine, migrate  # noqa: PLC0415  slow to import, see _context

    engine = make_engine(hub.settings().db)
    try:
        revision = migrate(engine)
    finally:
        engine.dispose()
    click.echo(f"database ready (schema revision {revision})")


# --- API roots ---------------------------------------------------------------------------


@click.group("api-root")
def api_root() -> None:
    """Add and list API roots (TAXII 2.1 section 4.2): one URL segment each, e.g. /api1/."""


@api_root.command("add")
@click.argument("name")
@click.option("--title", required=True, help="Human-readable title.")
@click.option("--description", default=None, help="Human-readable description.")
@click.option(
    "--max-content-length",
    type=click.IntRange(min=1, max=MAX_JSON_INTEGER),
    default=None,
    metavar="BYTES",
    help="Largest request body accepted and advertised (default: the max_content_length setting).",
)
@click.option("--exist-ok", is_flag=True, help="Succeed, changing nothing, if NAME exists.")
@db_option
@pass_hub
def api_root_add(
    hub: HubContext,
    name: str,
    title: str,
    description: str | None,
    max_content_length: int | None,
    exist_ok: bool,
) -> None:
    """Add the API root NAME, served at /NAME/."""
    from stixhub.store import AlreadyExists  # noqa: PLC0415  slow to import, see _context

    limit = max_content_length or hub.settings().max_content_length
    try:
        hub.store().create_api_root(name, title, description, limit)
    except AlreadyExists:
        if not exist_ok:
            raise
        _note(f"API root {name!r} already exists; left unchanged")
        return
    click.echo(f"API root {name!r} added")


@api_root.command("list")
@db_option
@pass_hub
def api_root_list(hub: HubContext) -> None:
    """List the API roots."""
    roots = hub.store().list_api_roots()
    echo_table(
        ("NAME", "TITLE", "MAX_CONTENT_LENGTH"),
        [(r.name, r.title, r.max_content_length) for r in roots],
    )


# --- collections -------------------------------------------------------------------------


@click.group()
def collection() -> None:
    """Add and list collections (TAXII 2.1 section 5.2)."""


def _existing_collection(
    store: "SqlStore", api_root: str, title: str, collection_id: str | None
) -> "Collection | None":
    """The collection an ``add --exist-ok`` refers to: same id, or without one, same title."""
    collections = store.list_collections(api_root)
    if collection_id is not None:
        return next((c for c in collections if c.id == collection_id.lower()), None)
    return next((c for c in collections if c.title == title), None)


@collection.command("add")
@click.argument("api_root")
@click.option("--title", required=True, help="Title, unique within the API root.")
@click.option("--description", default=None, help="Human-readable description.")
@click.option("--id", "collection_id", metavar="UUID", default=None, help="Fixed id (UUIDv4).")
@click.option("--alias", default=None, help="A second name for the collection in URLs.")
@click.option("--public-read", is_flag=True, help="Anyone may read it, without credentials.")
@click.option("--strict", is_flag=True, help="Refuse custom objects, properties and extensions.")
@click.option(
    "--refuse-warnings", is_flag=True, help="Refuse objects the validator warns about too."
)
@click.option(
    "--sightings-inbox",
    is_flag=True,
    help="Accept only sighting reports, held to the poster's identity (docs/sightings.md).",
)
@click.option(
    "--exist-ok",
    is_flag=True,
    help="If the collection exists (same --id, or without --id the same title), print its id.",
)
@db_option
@pass_hub
def collection_add(
    hub: HubContext,
    api_root: str,
    title: str,
    description: str | None,
    collection_id: str | None,
    alias: str | None,
    public_read: bool,
    strict: bool,
    refuse_warnings: bool,
    sightings_inbox: bool,
    exist_ok: bool,
) -> None:
    """Add a collection to API_ROOT and print its id.

    Objects posted or loaded into it pass the STIX 2.1 validator; --strict and
    --refuse-warnings tighten what it refuses; --sightings-inbox makes it an inbox.
    """
    from stixhub.store import AlreadyExists  # noqa: PLC0415  slow to import, see _context

    store = hub.store()
    try:
        created = store.create_collection(
            api_root,
            title,
            description=description,
            collection_id=collection_id,
            alias=alias,
            public_read=public_read,
            strict=strict,
            refuse_warnings=refuse_warnings,
            sightings_inbox=sightings_inbox,
        )
    except AlreadyExists:
        existing = _existing_collection(store, api_root, title, collection_id) if exist_ok else None
        if existing is None:
            raise
        _note(f"collection {existing.title!r} already exists; left unchanged")
        click.echo(existing.id)
        return
    click.echo(created.id)


@collection.command("list")
@click.argument("api_root", required=False)
@db_option
@pass_hub
def collection_list(hub: HubContext, api_root: str | None) -> None:
    """List the collections of API_ROOT, or of every API root."""
    store = hub.store()
    roots = (
        [store.get_api_root(api_root).name]
        if api_root
        else [r.name for r in store.list_api_roots()]
    )
    rows = [
        (c.id, c.api_root, c.title, c.alias, "yes" if c.public_read else "no",
         "yes" if c.sightings_inbox else "no", store.count_objects(c.id))
        for root in roots
        for c in store.list_collections(root)
    ]  # fmt: skip
    echo_table(("ID", "API_ROOT", "TITLE", "ALIAS", "PUBLIC_READ", "INBOX", "OBJECTS"), rows)


@collection.command("set")
@click.argument("collection_key", metavar="COLLECTION")
@click.option(
    "--sightings-inbox/--no-sightings-inbox",
    "sightings_inbox",
    default=None,
    help="Make it a sightings inbox, or an ordinary collection again.",
)
@db_option
@pass_hub
def collection_set(hub: HubContext, collection_key: str, sightings_inbox: bool | None) -> None:
    """Change a setting of COLLECTION (id, alias, title or API_ROOT/NAME); what it holds is
    left as it is."""
    if sightings_inbox is None:
        raise click.UsageError("say what to change: --sightings-inbox or --no-sightings-inbox")
    store = hub.store()
    changed = store.set_sightings_inbox(_collection(store, collection_key).id, sightings_inbox)
    kind = "a sightings inbox" if changed.sightings_inbox else "an ordinary collection"
    click.echo(f"collection {changed.id} is {kind}")


# --- accounts, tokens, rights ------------------------------------------------------------


@click.group()
def account() -> None:
    """Add, list and delete accounts; set their passwords and identities."""


def _read_password() -> str:
    """A new password: prompted twice without echo on a terminal, else stdin's first line.

    Never an option or an argument, which would leave it in shell history and ``ps``.
    """
    if sys.stdin.isatty():
        password: str = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise click.UsageError(f"the password needs at least {MIN_PASSWORD_LENGTH} characters")
    return password


_IDENTITY_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


def _read_identity(hub: HubContext, path: Path) -> Any:
    """The one identity object of a file (alone, or the only identity of a bundle)."""
    from stixhub.store import check_identity  # noqa: PLC0415  slow to import, see _context

    try:
        objects = parse_document(path.read_bytes(), max_depth=hub.settings().max_json_depth).objects
    except (OSError, StixError) as exc:
        message = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise BadInput(f"{path}: {message}") from None
    identities = [o for o in objects if isinstance(o, dict) and o.get("type") == "identity"]
    if len(identities) != 1 and len(objects) == 1:
        identities = objects  # not an identity: check_identity says why
    if len(identities) != 1:
        raise BadInput(f"{path}: holds {len(identities)} identity objects; give a file with one")
    try:
        check_identity(identities[0])
    except StixError as exc:
        raise BadInput(f"{path}: {exc}") from None
    return identities[0]


@account.command("add")
@click.argument("name")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read a password from stdin (first line). Without it, the account logs in with "
    "API tokens only (see 'token add').",
)
@click.option(
    "--identity",
    "identity_file",
    type=_IDENTITY_FILE,
    default=None,
    metavar="FILE",
    help="Bind the STIX identity in FILE: the account's sightings must name it as creator.",
)
@click.option("--exist-ok", is_flag=True, help="Succeed, changing nothing, if NAME exists.")
@db_option
@pass_hub
def account_add(
    hub: HubContext, name: str, password_stdin: bool, identity_file: Path | None, exist_ok: bool
) -> None:
    """Add the account NAME."""
    from stixhub.store import (  # noqa: PLC0415  slow to import, see _context
        AlreadyExists,
        bind_identity,
        hash_password,
    )

    identity = None if identity_file is None else _read_identity(hub, identity_file)
    password_hash = hash_password(_read_password()) if password_stdin else None
    store = hub.store()
    try:
        store.create_account(name, password_hash)
    except AlreadyExists:
        if not exist_ok:
            raise
        _note(f"account {name!r} already exists; left unchanged")
        return
    login = "password or API token" if password_hash else "API token only"
    if identity is not None:
        bound = bind_identity(store, name, identity)
        login += f", identity {bound.id}"
    click.echo(f"account {name!r} added (login: {login})")


@account.command("identity")
@click.argument("name")
@click.argument("identity_file", metavar="[FILE]", type=_IDENTITY_FILE, required=False)
@click.option("--remove", is_flag=True, help="Unbind the account's identity.")
@db_option
@pass_hub
def account_identity(hub: HubContext, name: str, identity_file: Path | None, remove: bool) -> None:
    """Bind the STIX identity in FILE to the account NAME (replacing any), or --remove it.

    Sightings the account posts to a sightings inbox must name this identity as
    created_by_ref. Without FILE or --remove, print the bound identity's id.
    """
    from stixhub.store import bind_identity  # noqa: PLC0415  slow to import, see _context

    store = hub.store()
    account_id = store.get_account(name).id
    if remove and identity_file is not None:
        raise click.UsageError("give FILE or --remove, not both")
    if remove:
        store.set_identity(name, None)
        click.echo(f"account {name!r} has no identity")
    elif identity_file is not None:
        bound = bind_identity(store, name, _read_identity(hub, identity_file))
        click.echo(f"account {name!r} is bound to {bound.id}")
    else:
        current = store.get_identity(account_id)
        click.echo(current.id if current else "-")


@account.command("list")
@db_option
@pass_hub
def account_list(hub: HubContext) -> None:
    """List the accounts: whether each has a password, its tokens, identity and grants."""
    echo_table(
        ("NAME", "PASSWORD", "TOKENS", "IDENTITY", "GRANTS", "CREATED"),
        [
            (a.name, "yes" if a.has_password else "no", a.tokens, a.identity_ref or "-",
             a.grants, _when(a.created))
            for a in hub.store().list_accounts()
        ],
    )  # fmt: skip


@account.command("delete")
@click.argument("name")
@click.option("--yes", is_flag=True, help="Delete it even though it holds tokens or rights.")
@db_option
@pass_hub
def account_delete(hub: HubContext, name: str, yes: bool) -> None:
    """Delete the account NAME with its tokens, rights and statuses.

    What it posted stays in its collections. An account still holding tokens or rights is
    deleted only with --yes. Its tokens are refused at once; a password login a server
    checked in the last auth_cache_seconds is still recognised until that time is up, with
    no rights left in any collection.
    """
    store = hub.store()
    summary = next((a for a in store.list_accounts() if a.name == name), None)
    if summary is None:
        store.get_account(name)  # NotFound, worded like every other command's
        return
    if (summary.tokens or summary.grants) and not yes:
        raise click.UsageError(
            f"account {name!r} holds {summary.tokens} tokens and rights in {summary.grants} "
            "collections; give --yes to delete it with them"
        )
    store.delete_account(name)
    click.echo(
        f"account {name!r} deleted ({summary.tokens} tokens, rights in {summary.grants} "
        "collections)"
    )


@account.command("password")
@click.argument("name")
@db_option
@pass_hub
def account_password(hub: HubContext, name: str) -> None:
    """Set the password of NAME: prompted on a terminal, else read from stdin (first line)."""
    from stixhub.store import hash_password  # noqa: PLC0415  slow to import, see _context

    store = hub.store()
    store.get_account(name)
    store.set_password(name, hash_password(_read_password()))
    click.echo(f"password of account {name!r} set")


@click.group()
def token() -> None:
    """Make, list and revoke API tokens (sent as 'Authorization: Bearer TOKEN')."""


@token.command("add")
@click.argument("name")
@click.option("--label", default=None, help="A note saying what the token is for.")
@db_option
@pass_hub
def token_add(hub: HubContext, name: str, label: str | None) -> None:
    """Make a new API token for the account NAME and print it, once.

    Only a keyed hash is stored: the token cannot be shown again, only replaced.
    """
    from stixhub.store import hash_token, new_token  # noqa: PLC0415  slow to import, see _context

    store = hub.store()
    store.get_account(name)
    secret = new_token()
    store.add_token(name, hash_token(hub.hub_key(), secret), label)
    _note(f"new API token for account {name!r}; it is shown once, keep it now:")
    click.echo(secret)


@token.command("list")
@click.argument("name", required=False)
@db_option
@pass_hub
def token_list(hub: HubContext, name: str | None) -> None:
    """List the API tokens of the account NAME, or of every account.

    ID is the start of the token's keyed hash, for 'token revoke --id': neither the token
    nor anything it can be recovered from.
    """
    echo_table(
        ("ACCOUNT", "ID", "LABEL", "CREATED"),
        [
            (k.account, k.id, k.label or "-", _when(k.created))
            for k in hub.store().list_tokens(name)
        ],
    )


@token.command("revoke")
@click.argument("name")
@click.option("--label", default=None, help="Revoke the tokens with this label.")
@click.option("--id", "token_id", metavar="ID", default=None, help="Revoke the token ID.")
@click.option("--all", "revoke_all", is_flag=True, help="Revoke every token of the account.")
@db_option
@pass_hub
def token_revoke(
    hub: HubContext, name: str, label: str | None, token_id: str | None, revoke_all: bool
) -> None:
    """Revoke API tokens of the account NAME: by --label, by --id (see 'token list'), or
    --all. A running server refuses a revoked token from its next request on."""
    if sum((label is not None, token_id is not None, revoke_all)) != 1:
        raise click.UsageError("give exactly one of --label, --id or --all")
    count = hub.store().revoke_tokens(name, label=label, token_id=token_id)
    click.echo(f"{count} token{'s' if count != 1 else ''} of account {name!r} revoked")


def _rights(can_read: bool, can_write: bool) -> str:
    return {(True, True): "read and write", (True, False): "read", (False, True): "write"}.get(
        (can_read, can_write), "no rights in"
    )


@click.command()
@click.argument("name")
@click.argument("collection_keys", metavar="COLLECTION...", nargs=-1, required=True)
@click.option("--read", "can_read", is_flag=True, help="May read objects and the manifest.")
@click.option("--write", "can_write", is_flag=True, help="May add (POST) objects.")
@db_option
@pass_hub
def grant(
    hub: HubContext, name: str, collection_keys: tuple[str, ...], can_read: bool, can_write: bool
) -> None:
    """Set the rights of account NAME in collections (replacing its previous rights there).

    Each COLLECTION is an id, alias or title, or API_ROOT/NAME. Every one is looked up
    before any right changes, so a wrong name changes nothing.
    """
    if not (can_read or can_write):
        raise click.UsageError("give --read, --write or both (to take rights away: revoke)")
    store = hub.store()
    store.get_account(name)
    for found in [_collection(store, key) for key in collection_keys]:
        store.grant(name, found.id, can_read, can_write)
        click.echo(f"account {name!r} may {_rights(can_read, can_write)} collection {found.id}")


@click.command()
@click.argument("name")
@click.argument("collection_keys", metavar="COLLECTION...", nargs=-1, required=True)
@db_option
@pass_hub
def revoke(hub: HubContext, name: str, collection_keys: tuple[str, ...]) -> None:
    """Take every right of account NAME in collections away (id, alias, title or
    API_ROOT/NAME each). For API tokens, see 'token revoke'."""
    store = hub.store()
    store.get_account(name)
    for found in [_collection(store, key) for key in collection_keys]:
        store.grant(name, found.id, can_read=False, can_write=False)
        click.echo(f"account {name!r} has no rights in collection {found.id}")


COMMANDS = (init, api_root, collection, account, token, grant, revoke)
