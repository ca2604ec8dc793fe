"""The one settings object: read once at start-up from a TOML file and the environment.

Precedence, lowest first: defaults, the TOML file (``--config`` or ``STIXHUB_CONFIG``), then
``STIXHUB_<NAME>`` environment variables, then explicit overrides (command-line options).
Nothing else in stixhub reads the environment; the object is frozen and passed down.
"""

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from stixhub.stix import MAX_JSON_INTEGER

__all__ = ["DEFAULT_DB_URL", "Settings", "SettingsError"]

DEFAULT_DB_URL = "sqlite:///stixhub.db"


class SettingsError(ValueError):
    """Raised when a setting has a value of the wrong kind or out of range."""


MIN_STATUS_RETENTION_HOURS = 24


@dataclass(frozen=True, slots=True)
class Settings:
    """Every knob of a stixhub process, with production-safe defaults."""

    db: str = DEFAULT_DB_URL
    # Serving.
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    tls_cert: str | None = None
    tls_key: str | None = None
    # Base URL that clients see (behind a reverse proxy); None means "as requested".
    public_base_url: str | None = None
    # Discovery and API root resources may be read without credentials.
    public_discovery: bool = False
    discovery_title: str = "stixhub"
    discovery_description: str | None = "STIX 2.1 threat intelligence over TAXII 2.1"
    discovery_contact: str | None = None
    default_api_root: str | None = None
    # Paging: the page size when the client sends no limit, and the most a page may hold.
    default_page_size: int = 1000
    max_page_size: int = 10000
    # New API roots advertise and enforce this many bytes per request body.
    max_content_length: int = 10 * 1024 * 1024
    max_json_depth: int = 64
    # STIX 2.0 objects are refused unless this is set; they then get the door checks only
    # (the validator checks STIX 2.1).
    accept_stix20: bool = False
    status_retention_hours: int = 72
    # Seconds a successful HTTP Basic login is remembered, so polls do not pay argon2 each time.
    auth_cache_seconds: int = 60
    # Key for paging tokens and API-token hashes; hex. None: a key kept in the database.
    secret_key: str | None = None

    @classmethod
    def load(
        cls,
        config_file: str | os.PathLike[str] | None = None,
        environ: Mapping[str, str] | None = None,
        **overrides: Any,
    ) -> "Settings":
        """Build the settings from a file, the environment and explicit overrides."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        path = config_file or env.get("STIXHUB_CONFIG")
        if path:
            try:
                values.update(tomllib.loads(Path(path).read_text(encoding="utf-8")))
            except (OSError, tomllib.TOMLDecodeError) as exc:
                raise SettingsError(f"cannot read config file {path}: {exc}") from None
        known = {f.name: f for f in fields(cls)}
        unknown = set(values) - set(known)
        if unknown:
            raise SettingsError(f"unknown settings in {path}: {', '.join(sorted(unknown))}")
        for name in known:
            raw = env.get(f"STIXHUB_{name.upper()}")
            if raw is not None:
                values[name] = raw
        typos = set(overrides) - set(known)
        if typos:
            raise SettingsError(f"unknown settings: {', '.join(sorted(typos))}")
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls()._with(values)

    def _with(self, values: Mapping[str, Any]) -> "Settings":
        converted: dict[str, Any] = {}
        for f in fields(self):
            if f.name in values:
                converted[f.name] = _convert(f.name, values[f.name], getattr(self, f.name))
        settings = replace(self, **converted)
        settings._check()
        return settings

    def _check(self) -> None:
        for name in ("port", "workers", "default_page_size", "max_page_size"):
            if getattr(self, name) <= 0:
                raise SettingsError(f"{name} must be positive")
        if self.port > 65535:
            raise SettingsError("port must be at most 65535")
        if self.default_page_size > self.max_page_size:
            raise SettingsError("default_page_size cannot exceed max_page_size")
        if not 0 < self.max_content_length <= MAX_JSON_INTEGER:
            raise SettingsError(f"max_content_length must be from 1 to {MAX_JSON_INTEGER}")
        if self.max_json_depth <= 0:
            raise SettingsError("max_json_depth must be positive")
        if self.status_retention_hours < MIN_STATUS_RETENTION_HOURS:
            # TAXII 2.1 section 4.3: a client may fetch a status for at least 24 hours.
            raise SettingsError(
                f"status_retention_hours must be at least {MIN_STATUS_RETENTION_HOURS}"
            )
        if self.auth_cache_seconds < 0:
            raise SettingsError("auth_cache_seconds cannot be negative")
        if (self.tls_cert is None) != (self.tls_key is None):
            raise SettingsError("tls_cert and tls_key go together")
        if self.secret_key is not None:
            try:
                if len(bytes.fromhex(self.secret_key)) < 16:
                    raise ValueError
            except ValueError:
                raise SettingsError("secret_key must be at least 32 hex digits") from None


def _convert(name: str, value: Any, default: Any) -> Any:
    if value is None:
        return None
    if isinstance(default, bool):
        return _convert_bool(name, value)
    if isinstance(default, int):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lstrip("+-").isdigit():
            return int(value)
        raise SettingsError(f"{name} must be a whole number, not {value!r}")
    if not isinstance(value, str):
        raise SettingsError(f"{name} must be text, not {value!r}")
    return value


def _convert_bool(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{name} must be true or false, not {value!r}")
