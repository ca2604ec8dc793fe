"""Credentials: HTTP Basic, a Bearer token, or a client certificate (TLS).

The secret fields are left out of every repr, and the httpx auth flows built from them put
the secret into the ``Authorization`` header only, which no log line or error prints.
"""

import base64
from collections.abc import Callable, Generator
from dataclasses import dataclass, field

import httpx

__all__ = ["Auth", "BasicAuth", "BearerToken", "ClientCertificate", "httpx_auth"]


@dataclass(frozen=True, slots=True)
class BasicAuth:
    """HTTP Basic credentials (RFC 7617), what most TAXII servers take."""

    username: str
    password: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class BearerToken:
    """An ``Authorization: Bearer`` API token (RFC 6750)."""

    token: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class ClientCertificate:
    """A TLS client certificate (PEM) with its key, which may be in the same file."""

    cert_file: str
    key_file: str | None = None
    password: str | None = field(default=None, repr=False)


Auth = BasicAuth | BearerToken | ClientCertificate


class _HeaderAuth(httpx.Auth):
    """Sets one precomputed ``Authorization`` value on the requests ``allowed`` says may
    carry it (their origin, ``_origin``); its repr shows the scheme only."""

    def __init__(self, scheme: str, value: str, allowed: Callable[[httpx.URL], bool]) -> None:
        self._scheme = scheme
        self._value = value
        self._allowed = allowed

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if self._allowed(request.url):
            request.headers["Authorization"] = self._value
        yield request

    def __repr__(self) -> str:
        return f"<{self._scheme} credentials>"


def httpx_auth(auth: Auth | None, allowed: Callable[[httpx.URL], bool]) -> httpx.Auth | None:
    """The httpx auth flow for header credentials (a certificate goes into TLS instead),
    attached only to requests whose URL ``allowed`` accepts."""
    if isinstance(auth, BasicAuth):
        raw = f"{auth.username}:{auth.password}".encode()
        return _HeaderAuth("Basic", "Basic " + base64.b64encode(raw).decode("ascii"), allowed)
    if isinstance(auth, BearerToken):
        return _HeaderAuth("Bearer", f"Bearer {auth.token}", allowed)
    return None
