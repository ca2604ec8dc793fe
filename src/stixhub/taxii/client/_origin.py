"""Origins (RFC 6454: scheme, host, port) and which of them may get the credentials.

A discovery resource is the server's word, not the user's: its ``default`` and
``api_roots`` can name any host. Credentials go only to the configured URL's origin and to
origins the user listed (``credential_origins``); an API root on another origin is refused
unless the user allowed following it (``cross_origin``), and then it gets no credentials.
An ``https`` URL that leads to an ``http`` API root is refused whatever the options: the
exchange would leave TLS.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from stixhub.taxii.client._errors import ClientConfigError

__all__ = ["Origin", "OriginPolicy", "origin_of"]

Origin = tuple[str, str, int]
"""(scheme, lower-case host, port with the scheme's default filled in)."""

_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: str | httpx.URL) -> Origin | None:
    """The origin of an absolute http(s) URL, None for anything else."""
    try:
        parts = urlsplit(str(url))
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), port if port is not None else _DEFAULT_PORTS[scheme]


def _shown(origin: Origin) -> str:
    scheme, host, port = origin
    return f"{scheme}://{host}" + ("" if _DEFAULT_PORTS[scheme] == port else f":{port}")


@dataclass(frozen=True, slots=True)
class OriginPolicy:
    """Where the credentials may go, and which API roots may be followed at all."""

    home: Origin
    trusted: frozenset[Origin]
    cross_origin: bool

    @classmethod
    def build(
        cls, url: str, credential_origins: Iterable[str], cross_origin: bool
    ) -> "OriginPolicy":
        """The policy for a configured URL (already checked) and the user's options."""
        home = origin_of(url)
        if home is None:
            raise ClientConfigError("the server URL must be an absolute http:// or https:// URL")
        trusted = {home}
        for item in credential_origins:
            origin = origin_of(item)
            if origin is None:
                raise ClientConfigError(
                    f"credential origin {item!r} is not an absolute http:// or https:// URL"
                )
            trusted.add(origin)
        return cls(home, frozenset(trusted), cross_origin)

    def gets_credentials(self, url: str | httpx.URL) -> bool:
        """Whether a request to ``url`` may carry the Authorization header."""
        return origin_of(url) in self.trusted

    def check_api_root(self, url: str, *, anonymous_ok: bool = True) -> None:
        """Refuse an API root that downgrades https to http, or that is on an origin the
        user did not allow. ``anonymous_ok`` is false when the credentials cannot be held
        back (a client certificate sits in every connection's TLS context)."""
        origin = origin_of(url)
        if origin is None:
            raise ClientConfigError(f"the API root {url} is not an absolute http(s) URL")
        if self.home[0] == "https" and origin[0] == "http":
            raise ClientConfigError(
                f"the API root {url} would leave https for http; refused (give an https URL)"
            )
        if origin in self.trusted:
            return
        if not self.cross_origin:
            raise ClientConfigError(
                f"the API root {url} is on {_shown(origin)}, not on {_shown(self.home)}: "
                "refused; allow that origin (credential_origins, --trust-origin) to send it "
                "the credentials, or cross_origin to follow it without them"
            )
        if not anonymous_ok:
            raise ClientConfigError(
                f"the API root {url} is on {_shown(origin)}, and a client certificate would "
                "be presented there too: list the origin in credential_origins to allow it"
            )
