"""What every command shares: the settings (built once) and the store (opened once)."""

from dataclasses import dataclass, field
from typing import Any

import click

from stixhub.settings import Settings, SettingsError
from stixhub.store import SqlStore, StoreError, open_store

__all__ = ["HubContext", "fail", "pass_hub"]


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
    _store: SqlStore | None = field(default=None, repr=False)

    def settings(self, **overrides: Any) -> Settings:
        """The settings: file, environment, then ``--db`` and the given overrides."""
        if self._settings is None or overrides:
            try:
                self._settings = Settings.load(self.config, db=self.db, **overrides)
            except SettingsError as exc:
                raise fail(str(exc), 2) from None
        return self._settings

    def store(self) -> SqlStore:
        """The store on the configured database; exit 2 with a reason if it cannot open."""
        if self._store is None:
            try:
                self._store = open_store(self.settings().db)
            except StoreError as exc:
                raise fail(str(exc), 2) from None
            click.get_current_context().call_on_close(self._store.close)
        return self._store


pass_hub = click.make_pass_decorator(HubContext)
