"""The ``stixhub`` entry point and its global options.

Exit codes, by class (so cron jobs and playbooks can branch on them): 0 success, 1 the job
failed, 2 bad usage or unreadable input, 3 access refused (authentication failed, or no right
to do this: a remote hub's 401 or 403), 4 partial success (some objects of a push or a load
were refused). Every error is one ``error: ...`` line on stderr;
``cli/_errors.py`` maps the lower layers' errors to these codes.
"""

import sys

import click

from stixhub import __version__
from stixhub.cli import (
    admin,
    export,
    load,
    pattern,
    remote,
    sense,
    serve,
    sightings,
    sync,
    validate,
)
from stixhub.cli._context import HubContext
from stixhub.cli._errors import HubGroup

__all__ = ["main"]


@click.group("stixhub", cls=HubGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="stixhub")
@click.option(
    "--db",
    metavar="URL",
    default=None,
    help="Database URL (default: $STIXHUB_DB, then sqlite:///stixhub.db).",
)
@click.option(
    "--config",
    metavar="FILE",
    type=click.Path(dir_okay=False),
    default=None,
    help="TOML settings file (default: $STIXHUB_CONFIG).",
)
@click.pass_context
def main(ctx: click.Context, db: str | None, config: str | None) -> None:
    """stixhub: a STIX 2.1 / TAXII 2.1 threat-intelligence exchange hub."""
    ctx.obj = HubContext(db=db, config=config)


def _register() -> None:
    """Attach the command modules; each defines its commands next to its job."""
    for module in (admin, export, load, serve, pattern, validate, sightings, remote, sync, sense):
        for command in module.COMMANDS:
            main.add_command(command)


_register()

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
