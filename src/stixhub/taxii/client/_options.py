"""Building the httpx client options both clients share: TLS, auth, timeouts, limits."""

from collections.abc import Callable, Iterable
from typing import Any

import httpx

from stixhub.taxii.client._auth import Auth, ClientCertificate, httpx_auth
from stixhub.taxii.client._errors import ClientConfigError
from stixhub.taxii.client._protocol import Protocol
from stixhub.taxii.client._retry import RetryPolicy
from stixhub.taxii.client._tls import ssl_context

__all__ = ["DEFAULT_TIMEOUT", "client_setup", "httpx_options"]

DEFAULT_TIMEOUT = 30.0
"""Seconds for connecting, and for each read or write, unless the caller says otherwise."""


def httpx_options(
    *,
    auth: Auth | None,
    verify: bool,
    ca_bundle: str | None,
    pin_sha256: str | None,
    timeout: float | httpx.Timeout,
    send_credentials_to: Callable[[httpx.URL], bool],
) -> dict[str, Any]:
    """Keyword arguments for ``httpx.Client`` / ``httpx.AsyncClient``.

    Redirects are followed (a server may move ``/taxii2`` to ``/taxii2/``); httpx drops the
    Authorization header when a redirect leaves the origin. Proxies from the environment
    are honoured as httpx does by default. Header credentials go only to the URLs
    ``send_credentials_to`` accepts (the origin policy, ``_origin``).
    """
    return {
        "auth": httpx_auth(auth, send_credentials_to),
        "verify": ssl_context(verify, ca_bundle, pin_sha256, auth),
        "timeout": timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout),
        "follow_redirects": True,
    }


def client_setup(
    url: str,
    *,
    auth: Auth | None,
    verify: bool,
    ca_bundle: str | None,
    pin_sha256: str | None,
    timeout: float | httpx.Timeout,
    retry: RetryPolicy | None,
    user_agent: str,
    clock: Callable[[], float],
    rng: Callable[[], float],
    credential_origins: Iterable[str],
    cross_origin: bool,
    max_response_bytes: int,
) -> tuple[Protocol, dict[str, Any]]:
    """A client's protocol state and its httpx options, checked.

    ``TaxiiClient`` and ``AsyncTaxiiClient`` both build theirs here, so the two cannot drift
    apart on what a setting means (which origins get credentials, the body cap ...).
    """
    if max_response_bytes <= 0:
        raise ClientConfigError("max_response_bytes must be positive")
    protocol = Protocol(
        url,
        retry=retry or RetryPolicy(),
        clock=clock,
        rng=rng,
        user_agent=user_agent,
        credential_origins=credential_origins,
        cross_origin=cross_origin,
        client_certificate=isinstance(auth, ClientCertificate),
    )
    options = httpx_options(
        auth=auth,
        verify=verify,
        ca_bundle=ca_bundle,
        pin_sha256=pin_sha256,
        timeout=timeout,
        send_credentials_to=protocol.origins.gets_credentials,
    )
    return protocol, options
