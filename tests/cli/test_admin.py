"""Setting up a hub from the command line, on SQLite and on PostgreSQL."""

import base64
import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from starlette.testclient import TestClient

from stixhub.cli._errors import EXIT_FAILED, EXIT_USAGE
from stixhub.settings import Settings
from stixhub.store import (
    TOKEN_ID_LENGTH,
    Rights,
    SqlStore,
    hash_token,
    make_engine,
    verify_password,
)
from stixhub.taxii.server import TAXII_21, create_app
from tests.cli._helpers import Cli, one_line_error


class TestInit:
    """``stixhub init`` creates or migrates the schema, any number of times."""

    def test_creates_a_new_database(self, tmp_path: Path) -> None:
        """On a new SQLite file, init makes a database the other commands can use."""
        cli = Cli(f"sqlite:///{tmp_path / 'sub' / 'hub.db'}")
        result = cli("init")
        assert result.exit_code == 0
        assert "schema revision" in result.stdout
        assert cli("api-root", "list").exit_code == 0

    def test_is_idempotent(self, cli: Cli, api_root: str) -> None:
        """Running init again on a current database succeeds and keeps the data."""
        assert cli("init").exit_code == 0
        second = cli("init")
        assert second.exit_code == 0
        assert api_root in cli("api-root", "list").stdout


class TestApiRoot:
    """``stixhub api-root add`` and ``list``."""

    def test_add_and_list(self, cli: Cli, hub_store: SqlStore) -> None:
        """An added API root has the given title, description and content limit."""
        result = cli(
            "api-root", "add", "intel", "--title", "Intel", "--description", "D",
            "--max-content-length", "5000",
        )  # fmt: skip
        assert result.exit_code == 0
        root = hub_store.get_api_root("intel")
        assert (root.title, root.description, root.max_content_length) == ("Intel", "D", 5000)
        listing = cli("api-root", "list").stdout.splitlines()
        assert listing[0].split() == ["NAME", "TITLE", "MAX_CONTENT_LENGTH"]
        assert listing[1].split() == ["intel", "Intel", "5000"]

    def test_default_content_limit_comes_from_settings(self, cli: Cli, hub_store: SqlStore) -> None:
        """Without the option, the API root takes the max_content_length setting."""
        assert cli("api-root", "add", "intel", "--title", "Intel").exit_code == 0
        assert hub_store.get_api_root("intel").max_content_length == 10 * 1024 * 1024

    def test_duplicate_fails(self, cli: Cli, api_root: str) -> None:
        """Adding an existing API root is a failed job (exit 1), reported on one line."""
        result = cli("api-root", "add", api_root, "--title", "Again")
        assert result.exit_code == EXIT_FAILED
        assert "already exists" in one_line_error(result)

    def test_exist_ok_leaves_it_unchanged(
        self, cli: Cli, api_root: str, hub_store: SqlStore
    ) -> None:
        """With ``--exist-ok`` a re-run succeeds and does not change the API root."""
        result = cli("api-root", "add", api_root, "--title", "Other", "--exist-ok")
        assert result.exit_code == 0
        assert hub_store.get_api_root(api_root).title == "API 1"

    def test_invalid_name(self, cli: Cli) -> None:
        """A name with a dot is bad usage (exit 2) with the reason on one line."""
        result = cli("api-root", "add", "a.b", "--title", "T")
        assert result.exit_code == EXIT_USAGE
        assert "no dots" in one_line_error(result)

    def test_zero_content_length_is_refused(self, cli: Cli) -> None:
        """A content limit below one byte is refused by the option itself."""
        result = cli("api-root", "add", "intel", "--title", "T", "--max-content-length", "0")
        assert result.exit_code == EXIT_USAGE
        one_line_error(result)

    @pytest.mark.parametrize("size", [str(2**53), "9999999999999999999"])
    def test_content_length_beyond_json_integers_is_refused(self, cli: Cli, size: str) -> None:
        """TAXII 2: a max_content_length beyond 2^53-1 could not be advertised; exit 2, one line."""
        result = cli("api-root", "add", "intel", "--title", "T", "--max-content-length", size)
        assert result.exit_code == EXIT_USAGE
        one_line_error(result)


class TestCollection:
    """``stixhub collection add`` and ``list``."""

    def test_add_prints_only_the_id(self, cli: Cli, api_root: str, hub_store: SqlStore) -> None:
        """The id is the whole of stdout, so scripts can capture it."""
        result = cli(
            "collection", "add", api_root, "--title", "Intel", "--description", "D",
            "--alias", "intel", "--public-read",
        )  # fmt: skip
        assert result.exit_code == 0
        collection_id = result.stdout.strip()
        assert result.stdout == collection_id + "\n"
        c = hub_store.find_collection(collection_id)
        assert (c.api_root, c.title, c.description, c.alias, c.public_read) == (
            api_root, "Intel", "D", "intel", True,
        )  # fmt: skip

    def test_validation_policy(self, cli: Cli, api_root: str, hub_store: SqlStore) -> None:
        """``--strict`` and ``--refuse-warnings`` are kept as the collection's policy."""
        result = cli(
            "collection", "add", api_root, "--title", "Strict", "--strict", "--refuse-warnings"
        )
        c = hub_store.find_collection(result.stdout.strip())
        assert (c.strict, c.refuse_warnings) == (True, True)
        default = hub_store.find_collection(
            cli("collection", "add", api_root, "--title", "Lenient").stdout.strip()
        )
        assert (default.strict, default.refuse_warnings) == (False, False)

    def test_fixed_id(self, cli: Cli, api_root: str) -> None:
        """``--id`` gives the collection that id."""
        fixed = str(uuid.uuid4())
        result = cli("collection", "add", api_root, "--title", "Intel", "--id", fixed)
        assert result.stdout.strip() == fixed

    def test_exist_ok_with_id_prints_the_existing_id(self, cli: Cli, api_root: str) -> None:
        """A re-run with the same ``--id`` and ``--exist-ok`` prints that id and succeeds."""
        fixed = str(uuid.uuid4())
        cli("collection", "add", api_root, "--title", "Intel", "--id", fixed)
        again = cli("collection", "add", api_root, "--title", "Intel", "--id", fixed, "--exist-ok")
        assert again.exit_code == 0
        assert again.stdout.strip() == fixed

    def test_exist_ok_without_id_finds_the_title(self, cli: Cli, collection: str) -> None:
        """Without ``--id``, ``--exist-ok`` recognises the collection by its title."""
        again = cli("collection", "add", "api1", "--title", "Intel", "--exist-ok")
        assert again.exit_code == 0
        assert again.stdout.strip() == collection

    def test_exist_ok_does_not_hide_another_clash(self, cli: Cli, collection: str) -> None:
        """A new id whose title is taken by another collection still fails."""
        result = cli(
            "collection", "add", "api1", "--title", "Intel", "--id", str(uuid.uuid4()),
            "--exist-ok",
        )  # fmt: skip
        assert result.exit_code == EXIT_FAILED
        one_line_error(result)

    def test_duplicate_title_fails(self, cli: Cli, collection: str) -> None:
        """Titles are unique within an API root (OpenCTI relies on it): exit 1."""
        result = cli("collection", "add", "api1", "--title", "Intel")
        assert result.exit_code == EXIT_FAILED
        assert "already exists" in one_line_error(result)

    def test_unknown_api_root(self, cli: Cli) -> None:
        """A collection in an API root that does not exist is bad usage."""
        result = cli("collection", "add", "nope", "--title", "Intel")
        assert result.exit_code == EXIT_USAGE
        assert "nope" in one_line_error(result)

    def test_id_that_is_not_a_uuid(self, cli: Cli, api_root: str) -> None:
        """An ``--id`` that is not a UUIDv4 is bad usage."""
        result = cli("collection", "add", api_root, "--title", "Intel", "--id", "intel")
        assert result.exit_code == EXIT_USAGE
        assert "UUID" in one_line_error(result)

    def test_list(self, cli: Cli, collection: str) -> None:
        """The listing shows id, API root, title, alias, public and inbox flags, object count."""
        cli("api-root", "add", "other", "--title", "Other")
        other = cli(
            "collection", "add", "other", "--title", "Else", "--sightings-inbox"
        ).stdout.strip()
        every = cli("collection", "list").stdout.splitlines()
        assert every[0].split() == [
            "ID", "API_ROOT", "TITLE", "ALIAS", "PUBLIC_READ", "INBOX", "OBJECTS",
        ]  # fmt: skip
        assert [line.split() for line in every[1:]] == [
            [collection, "api1", "Intel", "-", "no", "no", "0"],
            [other, "other", "Else", "-", "no", "yes", "0"],
        ]
        one_root = cli("collection", "list", "other").stdout.splitlines()
        assert [line.split()[0] for line in one_root[1:]] == [other]

    def test_list_of_unknown_api_root(self, cli: Cli) -> None:
        """Listing the collections of an unknown API root is bad usage."""
        result = cli("collection", "list", "nope")
        assert result.exit_code == EXIT_USAGE
        one_line_error(result)


class TestAccount:
    """``stixhub account add`` and ``account password``."""

    def test_add_with_password_from_stdin(self, cli: Cli, hub_store: SqlStore) -> None:
        """The password is read from stdin, stored as an argon2 hash and never printed."""
        result = cli("account", "add", "alice", "--password-stdin", input="correct horse\n")
        assert result.exit_code == 0
        assert "correct horse" not in result.output
        stored = hub_store.get_account("alice").password_hash
        assert stored is not None
        assert stored.startswith("$argon2")
        assert verify_password(stored, "correct horse")

    def test_add_without_password_is_token_only(self, cli: Cli, hub_store: SqlStore) -> None:
        """Without ``--password-stdin`` the account has no password at all."""
        assert cli("account", "add", "sensor-1").exit_code == 0
        assert hub_store.get_account("sensor-1").password_hash is None

    def test_short_password_is_refused(self, cli: Cli, hub_store: SqlStore) -> None:
        """A password under 8 characters is bad usage and creates no account."""
        result = cli("account", "add", "alice", "--password-stdin", input="short\n")
        assert result.exit_code == EXIT_USAGE
        assert "8 characters" in one_line_error(result)
        assert cli("account", "add", "alice").exit_code == 0

    def test_duplicate_fails_unless_exist_ok(self, cli: Cli, hub_store: SqlStore) -> None:
        """A second add fails with exit 1; with ``--exist-ok`` it succeeds, changing nothing."""
        cli("account", "add", "alice", "--password-stdin", input="first password\n")
        result = cli("account", "add", "alice")
        assert result.exit_code == EXIT_FAILED
        assert "already exists" in one_line_error(result)
        again = cli(
            "account", "add", "alice", "--password-stdin", "--exist-ok", input="other pw 2\n"
        )
        assert again.exit_code == 0
        stored = hub_store.get_account("alice").password_hash
        assert stored is not None
        assert verify_password(stored, "first password")

    def test_invalid_name(self, cli: Cli) -> None:
        """A name with a colon (which HTTP Basic cannot carry) is bad usage."""
        result = cli("account", "add", "a:b")
        assert result.exit_code == EXIT_USAGE
        one_line_error(result)

    def test_password_replaces_the_old_one(self, cli: Cli, hub_store: SqlStore) -> None:
        """``account password`` sets a new password read from stdin."""
        cli("account", "add", "alice")
        result = cli("account", "password", "alice", input="new password\n")
        assert result.exit_code == 0
        assert "new password" not in result.output
        stored = hub_store.get_account("alice").password_hash
        assert stored is not None
        assert verify_password(stored, "new password")

    def test_password_of_unknown_account(self, cli: Cli) -> None:
        """Setting the password of an account that does not exist is bad usage."""
        result = cli("account", "password", "nobody", input="new password\n")
        assert result.exit_code == EXIT_USAGE
        assert "nobody" in one_line_error(result)


class TestToken:
    """``stixhub token add`` prints a new token once and stores only its keyed hash."""

    def test_add_prints_a_token_that_logs_in(self, cli: Cli, hub_store: SqlStore) -> None:
        """The printed token, hashed with the hub's key, finds the account."""
        cli("account", "add", "alice")
        result = cli("token", "add", "alice", "--label", "ci")
        assert result.exit_code == 0
        token = result.stdout.strip()
        assert result.stdout == token + "\n"
        assert token not in result.stderr
        account = hub_store.account_for_token(hash_token(hub_store.secret_key(), token))
        assert account is not None
        assert account.name == "alice"

    def test_tokens_are_different_each_time(self, cli: Cli) -> None:
        """Two tokens for the same account are two different secrets."""
        cli("account", "add", "alice")
        first = cli("token", "add", "alice").stdout
        second = cli("token", "add", "alice").stdout
        assert first != second

    def test_token_hash_uses_the_configured_secret_key(
        self, cli: Cli, hub_store: SqlStore, tmp_path: Path
    ) -> None:
        """With ``secret_key`` set, tokens are hashed with it rather than the database's key."""
        key = "ab" * 32
        config = tmp_path / "hub.toml"
        config.write_text(f'secret_key = "{key}"\n')
        cli("account", "add", "alice")
        token = cli("--config", str(config), "token", "add", "alice").stdout.strip()
        assert hub_store.account_for_token(hash_token(bytes.fromhex(key), token)) is not None
        assert hub_store.account_for_token(hash_token(hub_store.secret_key(), token)) is None

    def test_unknown_account(self, cli: Cli) -> None:
        """A token for an account that does not exist is bad usage; nothing is printed."""
        result = cli("token", "add", "nobody")
        assert result.exit_code == EXIT_USAGE
        assert result.stdout == ""
        one_line_error(result)


class TestGrant:
    """``stixhub grant`` and ``revoke`` set an account's rights per collection."""

    def test_grant_read(self, cli: Cli, collection: str, hub_store: SqlStore) -> None:
        """``--read`` alone gives read and not write."""
        cli("account", "add", "alice")
        result = cli("grant", "alice", collection, "--read")
        assert result.exit_code == 0
        account = hub_store.get_account("alice")
        assert hub_store.rights(account.id) == {collection: Rights(True, False)}

    def test_grant_replaces_previous_rights(
        self, cli: Cli, collection: str, hub_store: SqlStore
    ) -> None:
        """A second grant sets the rights anew, so ``--write`` alone removes read."""
        cli("account", "add", "alice")
        cli("grant", "alice", collection, "--read", "--write")
        cli("grant", "alice", collection, "--write")
        account = hub_store.get_account("alice")
        assert hub_store.rights(account.id) == {collection: Rights(False, True)}

    def test_grant_several_collections(self, cli: Cli, api_root: str, hub_store: SqlStore) -> None:
        """One grant can name several collections."""
        first = cli("collection", "add", api_root, "--title", "One").stdout.strip()
        second = cli("collection", "add", api_root, "--title", "Two").stdout.strip()
        cli("account", "add", "alice")
        assert cli("grant", "alice", first, second, "--read").exit_code == 0
        account = hub_store.get_account("alice")
        assert set(hub_store.rights(account.id)) == {first, second}

    def test_grant_needs_a_right(self, cli: Cli, collection: str) -> None:
        """A grant without ``--read`` or ``--write`` is bad usage, not a silent revoke."""
        cli("account", "add", "alice")
        result = cli("grant", "alice", collection)
        assert result.exit_code == EXIT_USAGE
        assert "--read" in one_line_error(result)

    def test_grant_unknown_account_or_collection(self, cli: Cli, collection: str) -> None:
        """Naming an account or a collection that does not exist is bad usage."""
        cli("account", "add", "alice")
        for args in (("nobody", collection), ("alice", str(uuid.uuid4()))):
            result = cli("grant", *args, "--read")
            assert result.exit_code == EXIT_USAGE
            one_line_error(result)

    def test_revoke(self, cli: Cli, collection: str, hub_store: SqlStore) -> None:
        """``revoke`` removes every right the account had in the collection."""
        cli("account", "add", "alice")
        cli("grant", "alice", collection, "--read", "--write")
        assert cli("revoke", "alice", collection).exit_code == 0
        assert hub_store.rights(hub_store.get_account("alice").id) == {}


def _identity_file(folder: Path, n: int = 1, **extra: object) -> Path:
    """A file holding one organisation identity."""
    obj = {
        "type": "identity",
        "spec_version": "2.1",
        "id": f"identity--{uuid.UUID(int=n, version=4)}",
        "created": "2024-05-01T10:00:00.000Z",
        "modified": "2024-05-01T10:00:00.000Z",
        "name": f"Organisation {n}",
        "identity_class": "organization",
        **extra,
    }
    path = folder / f"identity-{n}.json"
    path.write_text(json.dumps(obj))
    return path


class TestSightingsInbox:
    """``collection add --sightings-inbox`` and ``collection set``."""

    def test_add_as_inbox(self, cli: Cli, api_root: str, hub_store: SqlStore) -> None:
        """``--sightings-inbox`` makes the new collection an inbox; the default is not."""
        inbox = cli("collection", "add", api_root, "--title", "S", "--sightings-inbox")
        assert inbox.exit_code == 0, inbox.output
        assert hub_store.find_collection(inbox.stdout.strip()).sightings_inbox
        plain = cli("collection", "add", api_root, "--title", "P").stdout.strip()
        assert not hub_store.find_collection(plain).sightings_inbox

    def test_set_on_and_off(self, cli: Cli, collection: str, hub_store: SqlStore) -> None:
        """``collection set`` switches an existing collection either way."""
        on = cli("collection", "set", collection, "--sightings-inbox")
        assert on.exit_code == 0, on.output
        assert "is a sightings inbox" in on.stdout
        assert hub_store.find_collection(collection).sightings_inbox
        off = cli("collection", "set", collection, "--no-sightings-inbox")
        assert "is an ordinary collection" in off.stdout
        assert not hub_store.find_collection(collection).sightings_inbox

    def test_set_needs_a_change(self, cli: Cli, collection: str) -> None:
        """``collection set`` without an option is bad usage."""
        result = cli("collection", "set", collection)
        assert result.exit_code == EXIT_USAGE
        assert "--sightings-inbox" in one_line_error(result)

    def test_set_unknown_collection(self, cli: Cli, api_root: str) -> None:
        """An unknown collection is bad usage with one error line."""
        result = cli("collection", "set", str(uuid.uuid4()), "--sightings-inbox")
        assert result.exit_code == EXIT_USAGE
        one_line_error(result)


class TestAccountIdentity:
    """``account add --identity`` and ``account identity``."""

    def test_add_with_identity(self, cli: Cli, hub_store: SqlStore, tmp_path: Path) -> None:
        """The identity in the file is bound to the new account and named in the output."""
        result = cli("account", "add", "org1", "--identity", str(_identity_file(tmp_path)))
        assert result.exit_code == 0, result.output
        bound = hub_store.get_identity(hub_store.get_account("org1").id)
        assert bound is not None
        assert bound.id == f"identity--{uuid.UUID(int=1, version=4)}"
        assert bound.id in result.stdout

    def test_bad_identity_adds_nothing(self, cli: Cli, hub_store: SqlStore, tmp_path: Path) -> None:
        """An invalid identity is bad usage naming the file, and no account is made."""
        path = _identity_file(tmp_path, identity_class=5)
        result = cli("account", "add", "org1", "--identity", str(path))
        assert result.exit_code == EXIT_USAGE
        assert str(path) in one_line_error(result)
        assert "identity_class" in one_line_error(result)
        assert cli("account", "identity", "org1").exit_code == EXIT_USAGE

    @pytest.mark.parametrize(
        ("content", "expected"),
        [
            ("{not json", "error: "),
            ('{"type": "bundle", "id": "bundle--6b0e3856-95ad-4e6a-a5a4-8a2d4b6a2c3e", '
             '"objects": []}', "0 identity objects"),
            ('{"type": "indicator", "id": "indicator--6b0e3856-95ad-4e6a-a5a4-8a2d4b6a2c3e"}',
             "not to a indicator"),
        ],
    )  # fmt: skip
    def test_file_without_one_identity(
        self, cli: Cli, tmp_path: Path, content: str, expected: str
    ) -> None:
        """A broken file, or one without exactly one identity, is bad usage."""
        path = tmp_path / "identity.json"
        path.write_text(content)
        cli("account", "add", "org1")
        result = cli("account", "identity", "org1", str(path))
        assert result.exit_code == EXIT_USAGE
        assert expected in one_line_error(result)

    def test_bind_change_show_remove(self, cli: Cli, hub_store: SqlStore, tmp_path: Path) -> None:
        """``account identity`` binds, rebinds, prints and removes the identity."""
        cli("account", "add", "org1")
        assert cli("account", "identity", "org1").stdout.strip() == "-"
        first = cli("account", "identity", "org1", str(_identity_file(tmp_path, 1)))
        assert first.exit_code == 0, first.output
        second = cli("account", "identity", "org1", str(_identity_file(tmp_path, 2)))
        assert second.exit_code == 0, second.output
        expected = f"identity--{uuid.UUID(int=2, version=4)}"
        assert cli("account", "identity", "org1").stdout.strip() == expected
        removed = cli("account", "identity", "org1", "--remove")
        assert removed.exit_code == 0
        assert hub_store.get_identity(hub_store.get_account("org1").id) is None

    def test_file_and_remove_together(self, cli: Cli, tmp_path: Path) -> None:
        """A file and ``--remove`` at once is bad usage."""
        cli("account", "add", "org1")
        result = cli("account", "identity", "org1", str(_identity_file(tmp_path)), "--remove")
        assert result.exit_code == EXIT_USAGE
        one_line_error(result)

    def test_unknown_account(self, cli: Cli, tmp_path: Path) -> None:
        """Binding to an account that does not exist is bad usage."""
        result = cli("account", "identity", "nobody", str(_identity_file(tmp_path)))
        assert result.exit_code == EXIT_USAGE
        assert "nobody" in one_line_error(result)


class TestTokenAdministration:
    """``stixhub token list`` shows tokens without secrets; ``token revoke`` removes them."""

    def test_list_shows_id_and_label_never_the_token(self, cli: Cli, hub_store: SqlStore) -> None:
        """The list names account, label and the hash's first hex digits, not the token."""
        cli("account", "add", "alice")
        cli("account", "add", "bob")
        token = cli("token", "add", "alice", "--label", "sentinel").stdout.strip()
        cli("token", "add", "bob")
        result = cli("token", "list", "alice")
        assert result.exit_code == 0
        token_id = hash_token(hub_store.secret_key(), token)[:TOKEN_ID_LENGTH]
        header, row = result.stdout.splitlines()
        assert header.split() == ["ACCOUNT", "ID", "LABEL", "CREATED"]
        assert row.split()[:3] == ["alice", token_id, "sentinel"]
        assert token not in result.output
        assert len(cli("token", "list").stdout.splitlines()) == 3

    def test_revoke_by_id_label_all(self, cli: Cli, hub_store: SqlStore) -> None:
        """Each of --id, --label and --all revokes what it names and says how many."""
        cli("account", "add", "alice")
        key = hub_store.secret_key()
        one = cli("token", "add", "alice", "--label", "a").stdout.strip()
        two = cli("token", "add", "alice", "--label", "b").stdout.strip()
        cli("token", "add", "alice", "--label", "c")
        cli("token", "add", "alice", "--label", "c")
        result = cli("token", "revoke", "alice", "--id", hash_token(key, one)[:TOKEN_ID_LENGTH])
        assert (result.exit_code, result.stdout) == (0, "1 token of account 'alice' revoked\n")
        assert hub_store.account_for_token(hash_token(key, one)) is None
        assert hub_store.account_for_token(hash_token(key, two)) is not None
        assert cli("token", "revoke", "alice", "--label", "c").stdout.startswith("2 tokens")
        assert cli("token", "revoke", "alice", "--all").stdout.startswith("1 token ")
        assert hub_store.list_tokens("alice") == []

    @pytest.mark.parametrize(
        "options", [(), ("--all", "--label", "x"), ("--id", "abcdef12", "--all")]
    )
    def test_revoke_needs_exactly_one_choice(self, cli: Cli, options: tuple[str, ...]) -> None:
        """Revoking without a choice, or with two, is bad usage and revokes nothing."""
        cli("account", "add", "alice")
        cli("token", "add", "alice", "--label", "x")
        result = cli("token", "revoke", "alice", *options)
        assert result.exit_code == EXIT_USAGE
        assert "exactly one" in one_line_error(result)
        assert len(cli("token", "list", "alice").stdout.splitlines()) == 2

    @pytest.mark.parametrize(
        "args", [("nobody", "--all"), ("alice", "--label", "x"), ("alice", "--id", "xyz")]
    )
    def test_revoke_nothing_is_bad_usage(self, cli: Cli, args: tuple[str, ...]) -> None:
        """An unknown account, label or a malformed id ends with exit 2 and one error line."""
        cli("account", "add", "alice")
        result = cli("token", "revoke", *args)
        assert result.exit_code == EXIT_USAGE
        one_line_error(result)

    def test_list_of_unknown_account(self, cli: Cli) -> None:
        """Listing an unknown account's tokens is bad usage."""
        result = cli("token", "list", "nobody")
        assert result.exit_code == EXIT_USAGE
        assert "nobody" in one_line_error(result)


class TestAccountAdministration:
    """``stixhub account list`` and ``account delete``."""

    def test_list(self, cli: Cli, collection: str, tmp_path: Path) -> None:
        """The list shows password presence, token count, bound identity and grant count."""
        cli("account", "add", "alice", "--password-stdin", input="correct horse\n")
        cli("account", "add", "svc", "--identity", str(_identity_file(tmp_path)))
        cli("token", "add", "svc")
        cli("grant", "svc", collection, "--read")
        result = cli("account", "list")
        assert result.exit_code == 0
        header, alice, svc = (line.split() for line in result.stdout.splitlines())
        assert header == ["NAME", "PASSWORD", "TOKENS", "IDENTITY", "GRANTS", "CREATED"]
        assert alice[:5] == ["alice", "yes", "0", "-", "0"]
        assert svc[:5] == ["svc", "no", "1", f"identity--{uuid.UUID(int=1, version=4)}", "1"]

    def test_delete_unused_account(self, cli: Cli, hub_store: SqlStore) -> None:
        """An account without tokens or rights is deleted without --yes."""
        cli("account", "add", "alice")
        result = cli("account", "delete", "alice")
        assert result.exit_code == 0
        assert [a.name for a in hub_store.list_accounts()] == []

    def test_delete_in_use_needs_yes(
        self, cli: Cli, collection: str, hub_store: SqlStore, tmp_path: Path
    ) -> None:
        """Tokens or rights make delete refuse without --yes; with it all go, objects stay."""
        cli("account", "add", "alice")
        cli("token", "add", "alice")
        cli("grant", "alice", collection, "--read", "--write")
        assert cli("load", collection, str(_identity_file(tmp_path, 2))).exit_code == 0
        refused = cli("account", "delete", "alice")
        assert refused.exit_code == EXIT_USAGE
        assert "--yes" in one_line_error(refused)
        assert hub_store.get_account("alice").name == "alice"
        result = cli("account", "delete", "alice", "--yes")
        assert result.exit_code == 0
        assert "1 tokens, rights in 1 collections" in result.stdout
        assert hub_store.list_accounts() == []
        assert hub_store.list_tokens() == []
        assert hub_store.count_objects(collection) == 1

    def test_delete_unknown(self, cli: Cli) -> None:
        """Deleting an account that does not exist is bad usage."""
        result = cli("account", "delete", "nobody", "--yes")
        assert result.exit_code == EXIT_USAGE
        assert "nobody" in one_line_error(result)


_CHEAP = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture
def server(db_url: str, collection: str) -> Iterator[TestClient]:
    """A running TAXII server on the CLI's database, keeping its login cache across requests."""
    store = SqlStore(make_engine(db_url))
    with TestClient(create_app(Settings(db=db_url), store)) as client:
        yield client
    store.close()


class TestRevocationOnARunningServer:
    """What a running server does with a token or account revoked while it serves."""

    def test_revoked_token_is_refused_at_once(
        self, cli: Cli, collection: str, server: TestClient
    ) -> None:
        """The request after ``token revoke`` is refused: bearer tokens are never cached."""
        cli("account", "add", "siem")
        cli("grant", "siem", collection, "--read")
        token = cli("token", "add", "siem").stdout.strip()
        headers = {"Accept": TAXII_21, "Authorization": f"Bearer {token}"}
        url = f"/api1/collections/{collection}/objects/"
        assert server.get(url, headers=headers).status_code == 200
        assert cli("token", "revoke", "siem", "--all").exit_code == 0
        assert server.get(url, headers=headers).status_code == 401

    def test_deleted_account_has_no_rights_at_once(
        self, cli: Cli, collection: str, server: TestClient, hub_store: SqlStore
    ) -> None:
        """A password login the server remembers (auth_cache_seconds) reaches nothing once the
        account is deleted: its collection is invisible (404), not merely 401 later."""
        cli("account", "add", "alice")
        hub_store.set_password("alice", _CHEAP.hash("alice-pw"))
        cli("grant", "alice", collection, "--read")
        basic = base64.b64encode(b"alice:alice-pw").decode()
        headers = {"Accept": TAXII_21, "Authorization": f"Basic {basic}"}
        url = f"/api1/collections/{collection}/objects/"
        assert server.get(url, headers=headers).status_code == 200
        assert cli("account", "delete", "alice", "--yes").exit_code == 0
        assert server.get(url, headers=headers).status_code == 404


class TestCollectionNames:
    """Admin commands accept a collection's id, alias, title or API_ROOT/NAME alike."""

    @pytest.fixture
    def indicators(self, cli: Cli, api_root: str) -> str:
        """A collection titled Indicators with the alias ``indicators``; returns its id."""
        result = cli(
            "collection", "add", api_root, "--title", "Indicators", "--alias", "indicators"
        )
        return result.stdout.strip()

    def test_grant_and_revoke_by_alias_title_and_root(
        self, cli: Cli, indicators: str, hub_store: SqlStore
    ) -> None:
        """The README's ``grant siem indicators`` works, as do the title and api1/ALIAS."""
        cli("account", "add", "siem")
        account_id = hub_store.get_account("siem").id
        result = cli("grant", "siem", "indicators", "--read")
        assert result.exit_code == 0, result.output
        assert result.stdout == f"account 'siem' may read collection {indicators}\n"
        assert cli("grant", "siem", "Indicators", "--read", "--write").exit_code == 0
        assert hub_store.rights(account_id) == {indicators: Rights(True, True)}
        assert cli("revoke", "siem", "api1/indicators").exit_code == 0
        assert hub_store.rights(account_id) == {}

    def test_collection_set_by_alias(self, cli: Cli, indicators: str, hub_store: SqlStore) -> None:
        """``collection set`` takes an alias too."""
        assert cli("collection", "set", "indicators", "--sightings-inbox").exit_code == 0
        assert hub_store.find_collection(indicators).sightings_inbox

    def test_ambiguous_name_lists_candidates(
        self, cli: Cli, indicators: str, hub_store: SqlStore
    ) -> None:
        """An alias used in two API roots is bad usage naming both; API_ROOT/ALIAS picks one."""
        cli("api-root", "add", "api2", "--title", "API 2")
        other = cli("collection", "add", "api2", "--title", "Other", "--alias", "indicators")
        other_id = other.stdout.strip()
        cli("account", "add", "siem")
        result = cli("grant", "siem", "indicators", "--read")
        assert result.exit_code == EXIT_USAGE
        line = one_line_error(result)
        assert f"api1/{indicators}" in line
        assert f"api2/{other_id}" in line
        assert hub_store.rights(hub_store.get_account("siem").id) == {}
        assert cli("grant", "siem", "api2/indicators", "--read").exit_code == 0
        assert set(hub_store.rights(hub_store.get_account("siem").id)) == {other_id}

    def test_one_wrong_name_grants_nothing(
        self, cli: Cli, indicators: str, hub_store: SqlStore
    ) -> None:
        """A grant naming one unknown collection among good ones changes no right."""
        cli("account", "add", "siem")
        result = cli("grant", "siem", "indicators", "nonesuch", "--read")
        assert result.exit_code == EXIT_USAGE
        assert "'nonesuch'" in one_line_error(result)
        assert hub_store.rights(hub_store.get_account("siem").id) == {}
