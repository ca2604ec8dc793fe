"""Errors of the TAXII client. Every failure of a call leaves as one of these, never as an
httpx, ssl or JSON exception, and no message, repr or argument carries a credential.

- ``TaxiiClientError``: base of every error raised by :mod:`stixhub.taxii.client`.
    - ``ClientConfigError``: the client was configured in a way that cannot work.
    - ``InvalidInput``: objects handed to ``add_objects`` are not STIX objects, bundles or
      envelopes.
    - ``InvalidCursor``: a saved paging cursor cannot be read back.
    - ``ConnectionFailed``: no HTTP answer (refused, reset, timed out, TLS handshake failed),
      after the retries.
        - ``PinMismatch``: the server's leaf certificate is not the pinned one; nothing was
          sent.
    - ``InvalidResponse``: an answer is not JSON, not TAXII, or lacks what the spec requires.
        - ``PagingStalled``: ``added_after`` paging cannot get past one ``date_added``
          shared by more objects than the server puts in a page, or the server keeps
          saying ``more`` with pages that repeat what the walk already had.
    - ``TaxiiHttpError``: the server answered 4xx or 5xx; carries the status and the parsed
      TAXII error resource.
        - ``BadRequest`` (400), ``Unauthorized`` (401), ``Forbidden`` (403),
          ``NotFound`` (404), ``NotAcceptable`` (406), ``PayloadTooLarge`` (413),
          ``UnsupportedMediaType`` (415), ``Unprocessable`` (422),
          ``TooManyRequests`` (429, after the retries), ``ServerError`` (5xx).
"""

from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "BadRequest",
    "ClientConfigError",
    "ConnectionFailed",
    "ErrorResource",
    "Forbidden",
    "InvalidCursor",
    "InvalidInput",
    "InvalidResponse",
    "NotAcceptable",
    "NotFound",
    "PagingStalled",
    "PayloadTooLarge",
    "PinMismatch",
    "ServerError",
    "TaxiiClientError",
    "TaxiiHttpError",
    "TooManyRequests",
    "Unauthorized",
    "Unprocessable",
    "UnsupportedMediaType",
    "error_class_for",
]


class TaxiiClientError(Exception):
    """Base class: raised when a client call cannot be carried out."""


class ClientConfigError(TaxiiClientError):
    """Raised when the client's options cannot work (a bad URL, a pin that is not SHA-256,
    credentials inside the URL, an unreadable certificate file)."""


class InvalidInput(TaxiiClientError):
    """Raised when ``add_objects`` is given something that is not a STIX object, a bundle, an
    envelope or an iterable of them; nothing is sent."""


class InvalidCursor(TaxiiClientError):
    """Raised when a saved cursor is not one this client wrote."""


class ConnectionFailed(TaxiiClientError):
    """Raised when no HTTP answer arrives (after the retries): DNS, refused, reset, timeout,
    or a failed TLS handshake."""


class PinMismatch(ConnectionFailed):
    """Raised when the server's leaf certificate does not have the pinned SHA-256
    fingerprint; the check runs in the TLS handshake, before any request byte is sent."""


class InvalidResponse(TaxiiClientError):
    """Raised when an answer is not JSON, has a media type that is not TAXII or JSON, or
    lacks a property the spec requires."""


class PagingStalled(InvalidResponse):
    """Raised when a server without ``next`` tokens puts more objects on one ``date_added``
    than it returns in a page even for a larger ``limit`` (continuing would skip objects),
    or when pages keep saying ``more`` while repeating what the walk already had (it would
    never end)."""


@dataclass(frozen=True, slots=True)
class ErrorResource:
    """The TAXII error resource of section 3.6.1, as far as the server sent one.

    ``http_status`` is kept as text: the spec says string, several servers send a number.
    """

    title: str
    description: str | None = None
    error_id: str | None = None
    error_code: str | None = None
    http_status: str | None = None
    external_details: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


class TaxiiHttpError(TaxiiClientError):
    """Raised when the server answers with a 4xx or 5xx status."""

    def __init__(self, message: str, status_code: int, error: ErrorResource | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.error = error


class BadRequest(TaxiiHttpError):
    """Raised on 400: a malformed filter, or a ``next`` token the server no longer knows."""


class Unauthorized(TaxiiHttpError):
    """Raised on 401: credentials missing or wrong."""


class Forbidden(TaxiiHttpError):
    """Raised on 403: the account may not do this (read or write) to the collection."""


class NotFound(TaxiiHttpError):
    """Raised on 404: no such API root, collection, object or status (or not visible)."""


class NotAcceptable(TaxiiHttpError):
    """Raised on 406: the server will not answer in TAXII 2.1."""


class PayloadTooLarge(TaxiiHttpError):
    """Raised on 413: an envelope exceeded what the server takes."""


class UnsupportedMediaType(TaxiiHttpError):
    """Raised on 415: the server refused the request body's media type."""


class Unprocessable(TaxiiHttpError):
    """Raised on 422: the server could not process the envelope."""


class TooManyRequests(TaxiiHttpError):
    """Raised on 429 once the retries are used up."""


class ServerError(TaxiiHttpError):
    """Raised on 5xx (503 once the retries are used up)."""


_BY_STATUS: dict[int, type[TaxiiHttpError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    406: NotAcceptable,
    413: PayloadTooLarge,
    415: UnsupportedMediaType,
    422: Unprocessable,
    429: TooManyRequests,
}


def error_class_for(status_code: int) -> type[TaxiiHttpError]:
    """The exception class for an HTTP error status."""
    if status_code >= 500:
        return ServerError
    return _BY_STATUS.get(status_code, TaxiiHttpError)
