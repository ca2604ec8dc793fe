"""A TAXII source: one collection of a TAXII 2.1 server, read with stixhub's client.

The URL is the collection's (``https://HOST/ROOT/collections/<id>/``); its API root is the
part before ``collections/``. Objects come page by page (``Get Objects``, TAXII 2.1 section
5.3) with the server's default ``match[version]=last``. Credentials come from the caller
(the CLI reads them from the environment): a token is sent as ``Bearer``, else a user and
password as HTTP Basic, else a TLS client certificate; ``Tls`` says how the server's own
certificate is checked (CA bundle, SHA-256 pin, or not at all).
"""

from typing import TYPE_CHECKING, Any

from stixhub.sources._errors import BadSource, SourceAuthFailed, SourceNotFound
from stixhub.sources._redact import redact
from stixhub.taxii.client import (
    Auth,
    BasicAuth,
    BearerToken,
    ClientCertificate,
    Forbidden,
    NotFound,
    PinMismatch,
    TaxiiClient,
    TaxiiClientError,
    Unauthorized,
)

if TYPE_CHECKING:
    from stixhub.sources._open import Tls

__all__ = ["split_collection_url", "taxii_objects"]


def split_collection_url(url: str) -> tuple[str, str]:
    """(API root URL with its trailing slash, collection id) of a collection URL."""
    head, sep, tail = url.rpartition("/collections/")
    collection_id = tail.strip("/")
    if not sep or not collection_id or "/" in collection_id:
        raise BadSource(
            f"{redact(url)!r} is no TAXII collection URL (https://HOST/ROOT/collections/ID/)"
        )
    return head + "/", collection_id


def _auth(
    user: str | None, password: str | None, token: str | None, cert: tuple[str | None, str | None]
) -> Auth | None:
    if token:
        return BearerToken(token)
    if user:
        if password is None:
            raise BadSource("a TAXII user needs a password (STIXHUB_PASSWORD)")
        return BasicAuth(user, password)
    if cert[0]:
        return ClientCertificate(cert[0], cert[1])
    return None


def taxii_objects(
    url: str,
    user: str | None = None,
    password: str | None = None,
    token: str | None = None,
    *,
    cert: tuple[str | None, str | None] = (None, None),
    tls: "Tls | None" = None,
) -> list[dict[str, Any]]:
    """Every object (latest versions) of the TAXII collection at ``url``."""
    root, collection_id = split_collection_url(url)
    checks: dict[str, Any] = {}
    if tls is not None:
        checks = {"verify": tls.verify, "ca_bundle": tls.ca_bundle, "pin_sha256": tls.pin_sha256}
        if tls.timeout is not None:
            checks["timeout"] = tls.timeout
    try:
        with TaxiiClient(root, auth=_auth(user, password, token, cert), **checks) as client:
            return list(client.iter_objects(collection_id, api_root=root))
    except (Unauthorized, Forbidden, PinMismatch) as exc:
        raise SourceAuthFailed(redact(f"{url}: {_one_line(exc)}")) from None
    except NotFound as exc:
        raise SourceNotFound(redact(f"{url}: {_one_line(exc)}")) from None
    except TaxiiClientError as exc:
        raise BadSource(redact(f"{url}: {_one_line(exc)}")) from None


def _one_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__
