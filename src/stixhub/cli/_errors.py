"""Exit codes by class, and the one place where errors become a one-line message and a code.

Commands raise the lower layers' typed errors (``NotFound``, ``AlreadyExists``, ...) and
click's own usage errors; ``HubGroup.main`` turns every one of them into ``error: ...`` on
stderr and an exit code, the way the TAXII server has one handler that turns domain errors
into error resources. Cron jobs and playbooks branch on the code, so a message never spans
lines and a code never depends on the message.
"""

import sys
from collections.abc import Sequence
from typing import Any, NoReturn

import click

from stixhub.settings import SettingsError
from stixhub.stix import StixError

__all__ = [
    "EXIT_AUTH",
    "EXIT_FAILED",
    "EXIT_OK",
    "EXIT_PARTIAL",
    "EXIT_USAGE",
    "BadInput",
    "HubGroup",
    "exit_for",
]

EXIT_OK = 0
EXIT_FAILED = 1
"""The job was understood but could not be done (a duplicate, a database failure)."""
EXIT_USAGE = 2
"""Bad usage or unreadable input: a wrong option, a name that does not exist, a broken file."""
EXIT_AUTH = 3
"""Access refused: a remote hub or source did not accept the credentials (401), or the
account has no right to do this (403), or a certificate is not the pinned one."""
EXIT_PARTIAL = 4
"""Partial success: some objects were refused while the others were stored."""


class BadInput(click.ClickException):
    """Raised by a command when an input it was given cannot be read or understood."""

    exit_code = EXIT_USAGE


def exit_for(exc: BaseException) -> tuple[int, str] | None:
    """The exit code and one-line message for an error of a lower layer; None if unknown.

    A name that does not exist or fits several things is bad usage (the caller named it); a
    duplicate is a job that could not be done. Database errors are reported by their first
    line: the rest is SQL and links, and would spread one error over many lines.

    The store and SQLAlchemy are imported here, not at the top: they cost half a second of
    CPU, which every command that never opens a database (``--help``, ``validate``) would
    pay. A process that has not imported SQLAlchemy cannot have raised one of their errors.
    """
    if isinstance(exc, SettingsError | StixError):
        return EXIT_USAGE, _one_line(str(exc))
    if "sqlalchemy" not in sys.modules:
        return None
    from sqlalchemy.exc import ArgumentError, SQLAlchemyError  # noqa: PLC0415  see above

    from stixhub.store import (  # noqa: PLC0415  see above
        AlreadyExists,
        AmbiguousName,
        DatabaseNotReady,
        InvalidName,
        NotFound,
        StoreError,
    )

    code: int
    if isinstance(exc, NotFound | AmbiguousName | InvalidName | DatabaseNotReady):
        code = EXIT_USAGE
    elif isinstance(exc, AlreadyExists | StoreError):
        code = EXIT_FAILED
    elif isinstance(exc, ArgumentError):
        return EXIT_USAGE, "the database URL is not valid (sqlite:///FILE or postgresql://...)"
    elif isinstance(exc, SQLAlchemyError):
        cause = getattr(exc, "orig", None) or exc
        return EXIT_FAILED, f"database error: {_one_line(str(cause))}"
    else:
        return None
    return code, _one_line(str(exc))


def _one_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[0] if lines else "unknown error"


def _joined(text: str) -> str:
    """A usage message on one line: click puts the choices of a missing argument on lines
    of their own, and the first line alone would end in an empty "Choose from:"."""
    return " ".join(line.strip() for line in text.splitlines() if line.strip()) or "unknown error"


def _exit(code: int, message: str) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


class HubGroup(click.Group):
    """The top-level group: every failure ends as one ``error:`` line and an exit code."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        """Run the command line; with ``standalone_mode=False`` behave exactly like click."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.exceptions.NoArgsIsHelpError as exc:
            exc.show()  # the group's help, as a bare "stixhub" should print
            sys.exit(exc.exit_code)
        except click.UsageError as exc:
            hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx is not None else ""
            _exit(exc.exit_code, _joined(exc.format_message()) + hint)
        except click.ClickException as exc:
            _exit(exc.exit_code, _one_line(exc.format_message()))
        except click.Abort:
            _exit(EXIT_FAILED, "aborted")
        except Exception as exc:
            mapped = exit_for(exc)
            if mapped is None:
                raise
            _exit(*mapped)
        sys.exit(rv if isinstance(rv, int) else EXIT_OK)
