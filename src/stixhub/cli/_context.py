"""What every command shares: the settings (built once), the store (opened once), ``--db``.

Errors are not caught here: commands let the lower layers' typed errors through and
``HubGroup`` (``cli/_errors.py``) turns each into one line and an exit code.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import click

from stixhub.settings import Settings

if TYPE_CHECKING:
    from stixhub.store import SqlStore

__all__ = ["HubContext", "db_option", "fail", "pass_hub"]

F = TypeVar("F", bound=Callable[..., Any])


def fail(message: str, exit_code: int = 1) -> "click.exceptions.Exit":
    """Print a one-line error to stderr and return the exit to raise."""
    click.echo(f"error: {message}", err=True)
    return click.exceptions.Exit(exit_code)


@dataclass
class HubContext:
    """Global options; settings and store are made on first use, then reused."""

    db: str | None = None
    config: str | None = None
    _settings: Settings | None = field(default=None, repr=False)
    _store: "SqlStore | None" = field(default=None, repr=False)

    def settings(self, **overrides: Any) -> Settings:
        """The settings: file, environment, then ``--db`` and the given overrides.

        A ``SettingsError`` goes up to ``HubGroup``, which reports it as bad usage.
        """
        if self._settings is None or overrides:
            self._settings = Settings.load(self.config, db=self.db, **overrides)
        return self._settings

    def store(self) -> "SqlStore":
        """The store on the configured database, closed when the command ends.

        ``stixhub.store`` (SQLAlchemy, Alembic, the drivers) is imported on first use: a
        command that never opens a database should not pay its half second of start-up.
        """
        if self._store is None:
            from stixhub.store import open_store  # noqa: PLC0415  see above

            self._store = open_store(self.settings().db)
            click.get_current_context().call_on_close(self._close)
        return self._store

    def _close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    def hub_key(self) -> bytes:
        """The key API tokens are hashed with: ``secret_key`` when set, else the database's.

        The server must resolve it the same way, or tokens made here would never match.
        """
        configured = self.settings().secret_key
        return bytes.fromhex(configured) if configured else self.store().secret_key()


pass_hub = click.make_pass_decorator(HubContext, ensure=True)


def _remember_db(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value is not None:
        ctx.ensure_object(HubContext).db = value


def db_option(command: F) -> F:
    """Accept ``--db URL`` after a subcommand too (``stixhub init --db URL``).

    The value lands in the shared context before the command runs, and wins over the
    group's ``--db``, which wins over ``STIXHUB_DB`` and the config file.
    """
    return click.option(
        "--db",
        metavar="URL",
        default=None,
        expose_value=False,
        callback=_remember_db,
        help="Database URL (default: $STIXHUB_DB, then sqlite:///stixhub.db).",
    )(command)
