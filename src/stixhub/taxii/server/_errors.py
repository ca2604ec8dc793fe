"""Errors of the TAXII layer, raised by request handling and turned into error resources.

Only ``_handlers`` knows which HTTP status each class means (STYLE: HTTP at the edge).

- ``TaxiiError``: base; carries a title and a description for the error resource.
    - ``InvalidParameter``: a query parameter is malformed or repeated (section 3.4).
    - ``BadCursor``: a ``next`` token is malformed, tampered, foreign or for another query.
    - ``Unauthenticated``: credentials are missing or wrong.
    - ``Forbidden``: the caller may see the collection but not do this to it.
    - ``ResourceNotFound``: no such resource, or one the caller may not see.
    - ``NotAcceptable``: the Accept header admits no TAXII 2.1 response.
    - ``UnsupportedMediaType``: a POST body's Content-Type is not TAXII 2.1.
    - ``PayloadTooLarge``: a body exceeds the API root's max_content_length.
    - ``Unprocessable``: a body is not JSON, not an envelope, or nests too deep.
    - ``Overloaded``: too many password checks are waiting; the client should retry later.
"""

__all__ = [
    "BadCursor",
    "Forbidden",
    "InvalidParameter",
    "NotAcceptable",
    "Overloaded",
    "PayloadTooLarge",
    "ResourceNotFound",
    "TaxiiError",
    "Unauthenticated",
    "Unprocessable",
    "UnsupportedMediaType",
]


class TaxiiError(Exception):
    """Base class: raised when a request cannot be served; becomes a TAXII error resource."""

    title = "Error"

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


class InvalidParameter(TaxiiError):
    """Raised when a query parameter is malformed or given twice."""

    title = "Invalid query parameter"


class BadCursor(TaxiiError):
    """Raised when a ``next`` token cannot be trusted for this request."""

    title = "Invalid next token"


class Unauthenticated(TaxiiError):
    """Raised when credentials are missing or wrong."""

    title = "Authentication required"


class Forbidden(TaxiiError):
    """Raised when the caller may see a collection but lacks the right for this action."""

    title = "Forbidden"


class ResourceNotFound(TaxiiError):
    """Raised for a missing resource and, identically, for one the caller may not see."""

    title = "Not found"


class NotAcceptable(TaxiiError):
    """Raised when the Accept header admits no TAXII 2.1 response."""

    title = "Not acceptable"


class UnsupportedMediaType(TaxiiError):
    """Raised when a POST body is not sent as TAXII 2.1."""

    title = "Unsupported media type"


class PayloadTooLarge(TaxiiError):
    """Raised when a request body exceeds the API root's max_content_length."""

    title = "Payload too large"


class Unprocessable(TaxiiError):
    """Raised when a body is not a JSON envelope the server can process."""

    title = "Unprocessable content"


class Overloaded(TaxiiError):
    """Raised when a password check could not start in time (argon2 is rationed)."""

    title = "Service unavailable"
