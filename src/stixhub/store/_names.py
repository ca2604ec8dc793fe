"""Rules for the names operators give to API roots and accounts."""

import re

from stixhub.store._errors import InvalidName

__all__ = ["RESERVED_API_ROOT_NAMES", "check_account_name", "check_api_root_name"]

# Path segments the server uses for itself, so no API root may take them.
RESERVED_API_ROOT_NAMES = frozenset({"taxii2", "ui", "static", "health"})
# One URL path segment without dots: consumers derive the root from the last segment and some
# (the OpenCTI connector) split on dots.
_API_ROOT = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,99}")
_ACCOUNT = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@-]{0,99}")


def check_api_root_name(name: str) -> None:
    """Refuse API root names that are not one safe URL segment, or that are reserved."""
    if _API_ROOT.fullmatch(name) is None:
        raise InvalidName(
            f"API root name {name!r} must be 1 to 100 letters, digits, '-' or '_' (no dots)"
        )
    if name.lower() in RESERVED_API_ROOT_NAMES:
        raise InvalidName(f"API root name {name!r} is reserved by the server")


def check_account_name(name: str) -> None:
    """Refuse account names that cannot be used with HTTP Basic (no ':') or in logs."""
    if _ACCOUNT.fullmatch(name) is None:
        raise InvalidName(
            f"account name {name!r} must be 1 to 100 letters, digits, '.', '@', '-' or '_'"
        )
