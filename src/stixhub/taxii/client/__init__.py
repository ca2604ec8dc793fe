"""The TAXII 2.1 client: discovery, API roots, collections, paged objects, manifests and
versions, get and delete, push with status, over httpx, sync and async.

The protocol is written once (``_protocol``) as steps that both clients run; see
docs/client.md for the paging cursor's exact semantics. This package imports neither
``taxii.server`` nor ``store``.
"""

from stixhub.taxii.client._async import AsyncTaxiiClient
from stixhub.taxii.client._auth import Auth, BasicAuth, BearerToken, ClientCertificate
from stixhub.taxii.client._errors import (
    BadRequest,
    ClientConfigError,
    ConnectionFailed,
    ErrorResource,
    Forbidden,
    InvalidCursor,
    InvalidInput,
    InvalidResponse,
    NotAcceptable,
    NotFound,
    PagingStalled,
    PayloadTooLarge,
    PinMismatch,
    ServerError,
    TaxiiClientError,
    TaxiiHttpError,
    TooManyRequests,
    Unauthorized,
    Unprocessable,
    UnsupportedMediaType,
)
from stixhub.taxii.client._models import (
    ApiRoot,
    Collection,
    Discovery,
    ManifestRecord,
    ObjectResult,
    Outcome,
    Page,
    PushResult,
    Query,
    Status,
    StatusDetail,
)
from stixhub.taxii.client._paging import PageCursor
from stixhub.taxii.client._protocol import TAXII_21, USER_AGENT
from stixhub.taxii.client._retry import RetryPolicy
from stixhub.taxii.client._sync import TaxiiClient

__all__ = [
    "TAXII_21",
    "USER_AGENT",
    "ApiRoot",
    "AsyncTaxiiClient",
    "Auth",
    "BadRequest",
    "BasicAuth",
    "BearerToken",
    "ClientCertificate",
    "ClientConfigError",
    "Collection",
    "ConnectionFailed",
    "Discovery",
    "ErrorResource",
    "Forbidden",
    "InvalidCursor",
    "InvalidInput",
    "InvalidResponse",
    "ManifestRecord",
    "NotAcceptable",
    "NotFound",
    "ObjectResult",
    "Outcome",
    "Page",
    "PageCursor",
    "PagingStalled",
    "PayloadTooLarge",
    "PinMismatch",
    "PushResult",
    "Query",
    "RetryPolicy",
    "ServerError",
    "Status",
    "StatusDetail",
    "TaxiiClient",
    "TaxiiClientError",
    "TaxiiHttpError",
    "TooManyRequests",
    "Unauthorized",
    "Unprocessable",
    "UnsupportedMediaType",
]
