"""The settings object: defaults, TOML file, STIXHUB_* environment and overrides."""

import dataclasses
from pathlib import Path

import pytest

from stixhub.settings import DEFAULT_DB_URL, Settings, SettingsError

KEY = "00112233445566778899aabbccddeeff"


def toml(tmp_path: Path, text: str) -> Path:
    """A TOML file with the given content."""
    path = tmp_path / "stixhub.toml"
    path.write_text(text, encoding="utf-8")
    return path


class TestDefaults:
    """What a process gets with no file, no environment and no overrides."""

    def test_defaults(self) -> None:
        """Loading nothing gives the production-safe defaults."""
        s = Settings.load(environ={})
        assert s == Settings()
        assert s.db == DEFAULT_DB_URL
        assert (s.host, s.port, s.workers) == ("127.0.0.1", 8000, 1)
        assert s.tls_cert is None
        assert s.tls_key is None
        assert s.public_discovery is False
        assert s.default_page_size <= s.max_page_size
        assert s.max_content_length == 10 * 1024 * 1024
        assert s.max_json_depth == 64
        assert s.secret_key is None

    def test_process_environment_ignored_when_environ_given(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """With an explicit environ, the process environment is not read at all."""
        monkeypatch.setenv("STIXHUB_PORT", "9999")
        monkeypatch.setenv("STIXHUB_CONFIG", "/nonexistent/stixhub.toml")
        assert Settings.load(environ={}).port == 8000

    def test_frozen(self) -> None:
        """Settings cannot be changed after they are built."""
        s = Settings.load(environ={})
        with pytest.raises(dataclasses.FrozenInstanceError):
            s.port = 1  # type: ignore[misc]


class TestFile:
    """The TOML configuration file."""

    def test_values_read(self, tmp_path: Path) -> None:
        """Strings, integers and booleans are read from the file with their types."""
        path = toml(
            tmp_path,
            'db = "postgresql://hub@db/hub"\nport = 8443\npublic_discovery = true\n'
            'discovery_title = "CERT hub"\n',
        )
        s = Settings.load(path, environ={})
        assert s.db == "postgresql://hub@db/hub"
        assert s.port == 8443
        assert s.public_discovery is True
        assert s.discovery_title == "CERT hub"

    def test_file_named_by_environment(self, tmp_path: Path) -> None:
        """STIXHUB_CONFIG names the file when no file is passed."""
        path = toml(tmp_path, "port = 8111\n")
        assert Settings.load(environ={"STIXHUB_CONFIG": str(path)}).port == 8111

    def test_explicit_file_beats_environment_file(self, tmp_path: Path) -> None:
        """A file passed explicitly is used instead of the one STIXHUB_CONFIG names."""
        chosen = toml(tmp_path, "port = 8222\n")
        other = tmp_path / "other.toml"
        other.write_text("port = 8333\n", encoding="utf-8")
        assert Settings.load(chosen, environ={"STIXHUB_CONFIG": str(other)}).port == 8222

    def test_unknown_keys_refused(self, tmp_path: Path) -> None:
        """Keys the settings do not have are refused, all of them named."""
        path = toml(tmp_path, "prot = 1\nhost = 'x'\n[server]\nport = 2\n")
        with pytest.raises(SettingsError, match="prot, server"):
            Settings.load(path, environ={})

    def test_missing_file(self, tmp_path: Path) -> None:
        """A file that does not exist is a SettingsError naming it."""
        with pytest.raises(SettingsError, match=r"missing\.toml"):
            Settings.load(tmp_path / "missing.toml", environ={})

    def test_invalid_toml(self, tmp_path: Path) -> None:
        """A file that is not TOML is a SettingsError."""
        with pytest.raises(SettingsError, match="cannot read"):
            Settings.load(toml(tmp_path, "port = = 1\n"), environ={})

    @pytest.mark.parametrize("text", ["port = 80.5\n", "port = true\n", 'port = "80x"\n'])
    def test_wrong_kind_for_a_number(self, tmp_path: Path, text: str) -> None:
        """A float, a boolean or a non-numeric string for a whole-number setting is refused."""
        with pytest.raises(SettingsError, match="port"):
            Settings.load(toml(tmp_path, text), environ={})

    @pytest.mark.parametrize("text", ["host = [1, 2]\n", "host = { a = 1 }\n"])
    def test_wrong_kind_for_a_string(self, tmp_path: Path, text: str) -> None:
        """A list or a table for a text setting is refused rather than turned into text."""
        with pytest.raises(SettingsError, match="host"):
            Settings.load(toml(tmp_path, text), environ={})

    @pytest.mark.parametrize(
        ("text", "name"),
        [
            ("status_retention_hours = 23\n", "status_retention_hours"),
            ("status_retention_hours = -1\n", "status_retention_hours"),
            ("max_content_length = 9007199254740992\n", "max_content_length"),
            ("max_content_length = 0\n", "max_content_length"),
            ("auth_cache_seconds = -5\n", "auth_cache_seconds"),
        ],
    )
    def test_out_of_range_values_are_refused(self, tmp_path: Path, text: str, name: str) -> None:
        """Statuses kept under 24 h (TAXII 4.3), bodies beyond 2^53-1 bytes or a negative
        cache time are refused at start-up, naming the setting."""
        with pytest.raises(SettingsError, match=name):
            Settings.load(toml(tmp_path, text), environ={})

    def test_wrong_kind_for_a_boolean(self, tmp_path: Path) -> None:
        """A number other than 0 or 1 for a boolean setting is refused."""
        with pytest.raises(SettingsError, match="public_discovery"):
            Settings.load(toml(tmp_path, "public_discovery = 7\n"), environ={})


class TestEnvironment:
    """STIXHUB_<NAME> environment variables."""

    def test_values_converted(self) -> None:
        """Environment text is converted to each setting's type."""
        s = Settings.load(
            environ={
                "STIXHUB_PORT": "9000",
                "STIXHUB_PUBLIC_DISCOVERY": "yes",
                "STIXHUB_DB": "sqlite:///x.db",
                "STIXHUB_MAX_JSON_DEPTH": " 32 ",
            }
        )
        assert (s.port, s.public_discovery, s.db, s.max_json_depth) == (
            9000,
            True,
            "sqlite:///x.db",
            32,
        )

    @pytest.mark.parametrize(
        ("text", "value"),
        [
            ("1", True), ("true", True), ("TRUE", True), ("yes", True), ("on", True),
            (" On ", True), ("0", False), ("false", False), ("No", False), ("off", False),
        ],
    )  # fmt: skip
    def test_boolean_spellings(self, text: str, value: bool) -> None:
        """The usual spellings of true and false are understood, in any case."""
        assert Settings.load(environ={"STIXHUB_PUBLIC_DISCOVERY": text}).public_discovery is value

    @pytest.mark.parametrize("text", ["maybe", "", "2", "truee"])
    def test_bad_boolean(self, text: str) -> None:
        """Anything else for a boolean is a SettingsError naming the setting."""
        with pytest.raises(SettingsError, match="public_discovery must be true or false"):
            Settings.load(environ={"STIXHUB_PUBLIC_DISCOVERY": text})

    @pytest.mark.parametrize("text", ["eighty", "80.0", "", "0x50"])
    def test_bad_integer(self, text: str) -> None:
        """Text that is not a whole number is a SettingsError naming the setting."""
        with pytest.raises(SettingsError, match="port must be a whole number"):
            Settings.load(environ={"STIXHUB_PORT": text})

    def test_unrelated_variables_ignored(self) -> None:
        """Other STIXHUB_* variables and other variables do not disturb loading."""
        s = Settings.load(environ={"STIXHUB_TEST_POSTGRES_URL": "x", "PORT": "1"})
        assert s == Settings()


class TestPrecedence:
    """Defaults, then file, then environment, then overrides."""

    def test_environment_beats_file(self, tmp_path: Path) -> None:
        """An environment variable overrides the file."""
        path = toml(tmp_path, "port = 1111\nhost = '192.0.2.1'\n")
        s = Settings.load(path, environ={"STIXHUB_PORT": "2222"})
        assert (s.port, s.host) == (2222, "192.0.2.1")

    def test_override_beats_environment_and_file(self, tmp_path: Path) -> None:
        """An explicit override beats both the environment and the file."""
        path = toml(tmp_path, "port = 1111\n")
        assert Settings.load(path, environ={"STIXHUB_PORT": "2222"}, port=3333).port == 3333

    def test_none_override_leaves_value(self, tmp_path: Path) -> None:
        """An override of None (an option not given) keeps the value from below."""
        path = toml(tmp_path, "port = 1111\n")
        assert Settings.load(path, environ={}, port=None).port == 1111

    def test_override_converted(self) -> None:
        """Overrides are converted like any other source."""
        assert Settings.load(environ={}, port="4444").port == 4444

    def test_unknown_override_refused(self) -> None:
        """An override that names no setting is refused rather than silently ignored."""
        with pytest.raises((SettingsError, TypeError)):
            Settings.load(environ={}, prot=1)


class TestChecks:
    """Range and consistency checks after loading."""

    @pytest.mark.parametrize("name", ["port", "workers", "default_page_size", "max_page_size"])
    @pytest.mark.parametrize("value", ["0", "-1"])
    def test_positive_numbers(self, name: str, value: str) -> None:
        """Ports, workers and page sizes must be positive."""
        with pytest.raises(SettingsError, match=name):
            Settings.load(environ={f"STIXHUB_{name.upper()}": value})

    def test_port_above_65535_refused(self) -> None:
        """A port beyond the TCP range is refused."""
        with pytest.raises(SettingsError, match="port"):
            Settings.load(environ={"STIXHUB_PORT": "70000"})

    @pytest.mark.parametrize("name", ["max_content_length", "max_json_depth"])
    def test_limits_positive(self, name: str) -> None:
        """The body size and JSON depth limits must be positive."""
        with pytest.raises(SettingsError):
            Settings.load(environ={}, **{name: 0})

    def test_default_page_size_not_above_max(self) -> None:
        """The default page size may equal but not exceed the maximum."""
        assert Settings.load(environ={}, default_page_size=50, max_page_size=50).max_page_size == 50
        with pytest.raises(SettingsError, match="default_page_size"):
            Settings.load(environ={}, default_page_size=51, max_page_size=50)

    def test_tls_pair(self) -> None:
        """A TLS certificate and key go together: both or neither."""
        s = Settings.load(environ={}, tls_cert="c.pem", tls_key="k.pem")
        assert (s.tls_cert, s.tls_key) == ("c.pem", "k.pem")
        with pytest.raises(SettingsError, match="tls_cert and tls_key"):
            Settings.load(environ={}, tls_cert="c.pem")
        with pytest.raises(SettingsError, match="tls_cert and tls_key"):
            Settings.load(environ={"STIXHUB_TLS_KEY": "k.pem"})

    @pytest.mark.parametrize("key", [KEY, KEY.upper(), KEY * 2])
    def test_good_secret_keys(self, key: str) -> None:
        """A secret key of at least 32 hex digits is accepted as given."""
        assert Settings.load(environ={"STIXHUB_SECRET_KEY": key}).secret_key == key

    @pytest.mark.parametrize("key", [KEY[:-2], "zz" * 16, KEY + "0", "", "not hex at all!"])
    def test_bad_secret_keys(self, key: str) -> None:
        """A secret key that is short, odd-length or not hex is refused."""
        with pytest.raises(SettingsError, match="secret_key"):
            Settings.load(environ={"STIXHUB_SECRET_KEY": key})
