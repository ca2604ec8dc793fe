"""Who is calling: HTTP Basic and Bearer tokens, with a short cache for Basic logins.

argon2 costs tens of milliseconds on purpose; a poller paging through a collection would pay
it on every page. A successful login is therefore remembered for a few seconds, keyed by a
SHA-256 of the name and password (the password itself is never kept). A changed password
takes effect when the entry expires. Scheme names are matched case-insensitively (RFC 7235;
MISP sends ``basic``).

argon2id is memory-hard: each check takes 64 MiB (the hash's ``m=65536``). Sixteen pollers
starting together once made one server process peak at 1.1 GB, and anybody can send wrong
passwords. So at most ``_CONCURRENT_PASSWORD_CHECKS`` checks run at once per process, and
requests carrying the same credentials while a check of them runs wait for its result
instead of computing it again. A request that cannot start its check within
``_CHECK_WAIT_SECONDS`` (a flood of wrong passwords) gets 503 with Retry-After rather than
holding one of the server's worker threads indefinitely.
"""

import base64
import binascii
import hashlib
import threading
import time
from dataclasses import dataclass, field

from stixhub.store import (
    Account,
    NotFound,
    Rights,
    Store,
    hash_token,
    verify_password,
)
from stixhub.taxii.server._errors import Overloaded, Unauthenticated

__all__ = ["WWW_AUTHENTICATE", "Authenticator", "Caller"]

WWW_AUTHENTICATE = 'Basic realm="stixhub", Bearer realm="stixhub"'
_CACHE_LIMIT = 10_000
_CONCURRENT_PASSWORD_CHECKS = 2
_CHECK_WAIT_SECONDS = 5.0


class _Flight:
    """One password check in progress, and the account it found (None for a refusal)."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.account: Account | None = None


@dataclass
class Caller:
    """The authenticated account, or None for an anonymous request, and its rights."""

    account: Account | None
    _rights: dict[str, Rights] | None = field(default=None, repr=False)

    @property
    def anonymous(self) -> bool:
        """True when the request carried no credentials at all."""
        return self.account is None


class Authenticator:
    """Turns an Authorization header into a Caller, or raises Unauthenticated."""

    def __init__(self, store: Store, secret_key: bytes, cache_seconds: int) -> None:
        self._store = store
        self._secret_key = secret_key
        self._cache_seconds = cache_seconds
        self._cache: dict[bytes, tuple[float, Account]] = {}
        self._lock = threading.Lock()
        self._checks = threading.BoundedSemaphore(_CONCURRENT_PASSWORD_CHECKS)
        self._checking: dict[bytes, _Flight] = {}

    def authenticate(self, authorization: str | None) -> Caller:
        """Identify the caller; blocking (argon2, database), so run it in a worker thread."""
        if authorization is None or not authorization.strip():
            return Caller(None)
        scheme, _, credentials = authorization.strip().partition(" ")
        scheme = scheme.lower()
        credentials = credentials.strip()
        if scheme == "basic":
            return Caller(self._basic(credentials))
        if scheme == "bearer":
            account = self._store.account_for_token(hash_token(self._secret_key, credentials))
            if account is None:
                raise Unauthenticated("the bearer token is not valid")
            return Caller(account)
        raise Unauthenticated("use HTTP Basic or a Bearer token")

    def _basic(self, credentials: str) -> Account:
        try:
            decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise Unauthenticated("the Basic credentials are not valid base64 UTF-8") from None
        name, sep, password = decoded.partition(":")
        if not sep:
            raise Unauthenticated("the Basic credentials have no ':' between name and password")
        key = hashlib.sha256(f"{name}\x00{password}".encode()).digest()
        cached = self._cached(key)
        if cached is not None:
            return cached
        with self._lock:
            cached = self._cached(key)  # a check may have finished since the look above
            if cached is not None:
                return cached
            running = self._checking.get(key)
            if running is None:
                flight = self._checking[key] = _Flight()
        if running is not None:
            # The same credentials are being checked: take that answer if it was a yes.
            if not running.done.wait(2 * _CHECK_WAIT_SECONDS):  # its wait, then its check
                raise Overloaded("the server is busy checking passwords; retry later")
            if running.account is not None:
                return running.account
            return self._check(key, name, password)
        try:
            flight.account = self._check(key, name, password)
            return flight.account
        finally:
            with self._lock:
                self._checking.pop(key)
            flight.done.set()

    def _cached(self, key: bytes) -> Account | None:
        hit = self._cache.get(key)
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
        return None

    def _check(self, key: bytes, name: str, password: str) -> Account:
        """Verify a password with argon2, a bounded number at a time, and remember a yes."""
        try:
            account = self._store.get_account(name)
        except NotFound:
            account = None
        if not self._checks.acquire(timeout=_CHECK_WAIT_SECONDS):
            raise Overloaded("the server is busy checking passwords; retry later")
        try:
            if account is None or account.password_hash is None:
                # The same argon2 time as a real check, so timing does not tell names apart.
                verify_password(_DUMMY_HASH, password)
                raise Unauthenticated("wrong name or password")
            if not verify_password(account.password_hash, password):
                raise Unauthenticated("wrong name or password")
        finally:
            self._checks.release()
        now = time.monotonic()
        with self._lock:
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache = {k: v for k, v in self._cache.items() if v[0] > now}
                if len(self._cache) >= _CACHE_LIMIT:
                    self._cache.clear()
            self._cache[key] = (now + self._cache_seconds, account)
        return account

    def rights(self, caller: Caller) -> dict[str, Rights]:
        """The caller's rights by collection id (loaded once per request)."""
        if caller.account is None:
            return {}
        if caller._rights is None:
            caller._rights = self._store.rights(caller.account.id)
        return caller._rights


_DUMMY_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4$c3RpeGh1Yi1kdW1teQ$2Vp1c2l2ZWx5LWR1bW15LWhhc2gtZm9yLXRpbWluZw"
)
