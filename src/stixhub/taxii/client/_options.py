"""Building the httpx client options both clients share: TLS, auth, timeouts, limits."""

from collections.abc import Callable
from typing import Any

import httpx

from stixhub.taxii.client._auth import Auth, httpx_auth
from stixhub.taxii.client._tls import ssl_context

__all__ = ["DEFAULT_TIMEOUT", "httpx_options"]

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
