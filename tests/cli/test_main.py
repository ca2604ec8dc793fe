"""The entry point: help, bad usage, ``--db`` in both places, and database errors."""

import socket
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from stixhub.cli._errors import EXIT_FAILED, EXIT_USAGE, exit_for
from stixhub.cli.main import main
from stixhub.stix import StixError
from stixhub.store import AlreadyExists, InvalidName, NotFound, StoreError
from tests.cli._helpers import CLEAN_ENV, Cli, one_line_error


def _all_commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [prefix]
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            found += _all_commands(command, (*prefix, name))
        else:
            found.append((*prefix, name))
    return found


def _run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), env=CLEAN_ENV, catch_exceptions=False)


class TestHelpAndUsage:
    """Every command explains itself, and misuse is one line and exit code 2."""

    @pytest.mark.parametrize("path", _all_commands(main), ids=" ".join)
    def test_every_command_has_help(self, path: tuple[str, ...]) -> None:
        """``--help`` on the group and on every (sub)command prints usage and exits 0."""
        result = _run(*path, "--help")
        assert result.exit_code == 0
        assert result.stdout.startswith("Usage: stixhub")

    def test_the_contract_commands_exist(self) -> None:
        """The command names users' scripts rely on are all registered."""
        paths = {" ".join(p) for p in _all_commands(main)}
        for name in (
            "init",
            "api-root add",
            "collection add",
            "account add",
            "token add",
            "grant",
            "load",
            "serve",
        ):
            assert name in paths

    def test_unknown_command_is_one_line_and_exit_2(self) -> None:
        """An unknown command name is reported on one line with exit code 2."""
        result = _run("no-such-command")
        assert result.exit_code == EXIT_USAGE
        assert "No such command" in one_line_error(result)

    def test_missing_option_is_one_line_and_exit_2(self) -> None:
        """A missing required option names the option and the command's help, on one line."""
        result = _run("api-root", "add", "api1")
        assert result.exit_code == EXIT_USAGE
        line = one_line_error(result)
        assert "--title" in line
        assert "stixhub api-root add --help" in line

    def test_bad_option_value_is_one_line_and_exit_2(self) -> None:
        """An option value of the wrong kind is refused before anything runs."""
        result = _run("serve", "--port", "eighty")
        assert result.exit_code == EXIT_USAGE
        one_line_error(result)

    def test_no_arguments_prints_help(self) -> None:
        """``stixhub`` alone lists the commands instead of doing anything."""
        result = _run()
        assert result.exit_code == EXIT_USAGE
        assert "Commands:" in result.stderr

    def test_version(self) -> None:
        """``--version`` prints the package version."""
        result = _run("--version")
        assert result.exit_code == 0
        assert result.stdout.startswith("stixhub, version ")


class TestDatabaseOption:
    """``--db`` works before and after the subcommand, and bad databases are reported."""

    def test_db_on_the_group(self, cli: Cli, api_root: str) -> None:
        """``stixhub --db URL api-root list`` reads that database."""
        result = cli("api-root", "list")
        assert result.exit_code == 0
        assert api_root in result.stdout

    def test_db_after_the_subcommand(self, cli: Cli, api_root: str) -> None:
        """``stixhub api-root list --db URL`` reads that database too."""
        result = cli("api-root", "list", "--db", cli.db_url, db=False)
        assert result.exit_code == 0
        assert api_root in result.stdout

    def test_db_after_the_subcommand_wins(self, cli: Cli, api_root: str, tmp_path: Path) -> None:
        """The subcommand's ``--db`` overrides the group's, as the nearer option should."""
        empty = f"sqlite:///{tmp_path / 'other.db'}"
        assert _run("--db", empty, "init").exit_code == 0
        result = _run("--db", empty, "api-root", "list", "--db", cli.db_url)
        assert api_root in result.stdout

    def test_environment_variable(self, cli: Cli, api_root: str) -> None:
        """Without ``--db``, ``STIXHUB_DB`` names the database."""
        result = CliRunner().invoke(
            main, ["api-root", "list"], env={**CLEAN_ENV, "STIXHUB_DB": cli.db_url}
        )
        assert result.exit_code == 0
        assert api_root in result.stdout

    def test_uninitialised_database_says_run_init(self, tmp_path: Path) -> None:
        """A database without the schema is bad usage: one line that says to run init."""
        result = _run("--db", f"sqlite:///{tmp_path / 'new.db'}", "api-root", "list")
        assert result.exit_code == EXIT_USAGE
        assert "stixhub init" in one_line_error(result)

    def test_a_missing_database_file_is_not_created(self, tmp_path: Path) -> None:
        """A command other than init on a SQLite file that does not exist leaves no file."""
        result = _run("--db", f"sqlite:///{tmp_path / 'none.db'}", "collection", "list", "api1")
        assert result.exit_code == EXIT_USAGE
        assert "stixhub init" in one_line_error(result)
        assert list(tmp_path.iterdir()) == []

    def test_malformed_url(self) -> None:
        """A URL SQLAlchemy cannot parse is bad usage, reported without a traceback."""
        result = _run("--db", "not a url", "api-root", "list")
        assert result.exit_code == EXIT_USAGE
        assert "database URL" in one_line_error(result)

    def test_unsupported_database(self) -> None:
        """A database other than SQLite or PostgreSQL is refused as bad usage."""
        result = _run("--db", "mysql://user@localhost/hub", "api-root", "list")
        assert result.exit_code == EXIT_USAGE
        assert "sqlite or postgresql" in one_line_error(result)

    def test_unreachable_postgresql(self) -> None:
        """A PostgreSQL server that does not answer is a failed job, reported on one line."""
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]  # bound, never listening: connections are refused
            result = _run("--db", f"postgresql://nobody@127.0.0.1:{port}/x", "api-root", "list")
        assert result.exit_code == EXIT_FAILED
        assert "database error" in one_line_error(result)


class TestSettingsErrors:
    """Broken configuration is bad usage, reported on one line."""

    def test_bad_environment_value(self, cli: Cli) -> None:
        """A STIXHUB_* variable of the wrong kind names the setting."""
        result = CliRunner().invoke(
            main, ["--db", cli.db_url, "api-root", "list"], env={**CLEAN_ENV, "STIXHUB_PORT": "x"}
        )
        assert result.exit_code == EXIT_USAGE
        assert "port" in one_line_error(result)

    def test_unreadable_config_file(self, tmp_path: Path) -> None:
        """A config file that is not TOML is named in the error."""
        config = tmp_path / "hub.toml"
        config.write_text("this is = = not toml")
        result = _run("--config", str(config), "api-root", "list")
        assert result.exit_code == EXIT_USAGE
        assert "hub.toml" in one_line_error(result)

    def test_unknown_setting(self, tmp_path: Path) -> None:
        """A config file with a misspelt setting is refused rather than ignored."""
        config = tmp_path / "hub.toml"
        config.write_text("prot = 8000\n")
        result = _run("--config", str(config), "api-root", "list")
        assert result.exit_code == EXIT_USAGE
        assert "prot" in one_line_error(result)


class TestExitFor:
    """The mapping from lower layers' errors to exit codes and one-line messages."""

    def test_classes(self) -> None:
        """Each error class lands in its documented exit code class."""
        assert exit_for(NotFound("no account 'x'")) == (EXIT_USAGE, "no account 'x'")
        assert exit_for(InvalidName("bad")) == (EXIT_USAGE, "bad")
        assert exit_for(StixError("not JSON")) == (EXIT_USAGE, "not JSON")
        assert exit_for(AlreadyExists("dup")) == (EXIT_FAILED, "dup")
        assert exit_for(StoreError("other")) == (EXIT_FAILED, "other")

    def test_messages_are_one_line(self) -> None:
        """A message spread over lines is cut to its first non-empty line."""
        assert exit_for(StoreError("\nfirst line\nsecond line")) == (EXIT_FAILED, "first line")

    def test_unknown_errors_are_not_hidden(self) -> None:
        """Anything else is a bug: no mapping, so the traceback shows."""
        assert exit_for(ZeroDivisionError()) is None
