"""Password and API-token hashing.

Passwords are hashed with argon2id. Tokens are long random strings, so a slow hash adds
nothing: they are stored as HMAC-SHA256 under the hub's secret key, which makes a stolen
database alone useless for forging or recognising tokens when the key lives outside it.
"""

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

__all__ = ["TOKEN_PREFIX", "hash_password", "hash_token", "new_token", "verify_password"]

TOKEN_PREFIX = "sth_"  # noqa: S105  (a public prefix, not a secret)
_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    """Hash a password for storage (argon2id, library defaults)."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Check a password against its stored hash, in the time argon2 takes either way."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    """Create a new API token: a recognisable prefix and 256 random bits."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(secret_key: bytes, token: str) -> str:
    """The keyed hash a token is stored and looked up by."""
    return hmac.new(secret_key, token.encode(), hashlib.sha256).hexdigest()
