"""The ASGI application: routes, the trailing-slash rule, and the one error handler.

Every failure, including unknown paths and wrong methods, leaves as a TAXII error resource
with the TAXII media type (section 3.6.1); 500s say nothing about the cause, which is logged.
"""

import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from http import HTTPStatus

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from stixhub.settings import Settings
from stixhub.store import NotFound, Store, open_store
from stixhub.taxii.server._auth import WWW_AUTHENTICATE
from stixhub.taxii.server._errors import (
    BadCursor,
    Forbidden,
    InvalidParameter,
    NotAcceptable,
    Overloaded,
    PayloadTooLarge,
    ResourceNotFound,
    TaxiiError,
    Unauthenticated,
    Unprocessable,
    UnsupportedMediaType,
)
from stixhub.taxii.server._responses import error_response
from stixhub.taxii.server._routes import TaxiiService

__all__ = ["app_factory", "create_app"]

log = logging.getLogger("stixhub.taxii.server")

_STATUS: Mapping[type[TaxiiError], HTTPStatus] = {
    InvalidParameter: HTTPStatus.BAD_REQUEST,
    BadCursor: HTTPStatus.BAD_REQUEST,
    Unauthenticated: HTTPStatus.UNAUTHORIZED,
    Forbidden: HTTPStatus.FORBIDDEN,
    ResourceNotFound: HTTPStatus.NOT_FOUND,
    NotAcceptable: HTTPStatus.NOT_ACCEPTABLE,
    UnsupportedMediaType: HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
    PayloadTooLarge: HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
    Unprocessable: HTTPStatus.UNPROCESSABLE_ENTITY,
    Overloaded: HTTPStatus.SERVICE_UNAVAILABLE,
}
# Seconds a client is asked to wait before retrying a request the server was too busy for.
_RETRY_AFTER_SECONDS = 5


async def _taxii_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, TaxiiError)
    status = _STATUS.get(type(exc), HTTPStatus.BAD_REQUEST)
    headers: dict[str, str] | None = None
    if status == HTTPStatus.UNAUTHORIZED:
        headers = {"WWW-Authenticate": WWW_AUTHENTICATE}
    elif status == HTTPStatus.SERVICE_UNAVAILABLE:
        headers = {"Retry-After": str(_RETRY_AFTER_SECONDS)}
    return error_response(status, exc.title, exc.description, headers)


async def _store_not_found(_request: Request, exc: Exception) -> Response:
    # A resource vanished between the checks and the work (for example a collection deleted
    # while a POST was running): it is gone for this request too.
    return error_response(HTTPStatus.NOT_FOUND, "Not found", str(exc))


async def _http_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    status = HTTPStatus(exc.status_code)
    description = {
        HTTPStatus.NOT_FOUND: "no TAXII resource at this URL",
        HTTPStatus.METHOD_NOT_ALLOWED: "this TAXII endpoint does not support that method",
    }.get(status, status.description)
    return error_response(status, status.phrase, description, exc.headers)


async def _server_error(_request: Request, exc: Exception) -> Response:
    log.exception("unhandled error while serving a request", exc_info=exc)
    return error_response(
        HTTPStatus.INTERNAL_SERVER_ERROR,
        "Internal server error",
        "the server could not complete the request; the error was logged",
    )


class _TrailingSlash:
    """Serves ``/api1/collections`` as ``/api1/collections/``: clients configured without
    the slash (integrations.md, item 1) work instead of being redirected."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope["path"].endswith("/"):
            scope = dict(scope)
            scope["path"] = scope["path"] + "/"
            raw = scope.get("raw_path")
            if raw is not None:
                scope["raw_path"] = raw + b"/"
        await self.app(scope, receive, send)


def create_app(settings: Settings, store: Store | None = None) -> Starlette:
    """Build the TAXII 2.1 application; it opens (and closes) the store itself if not given."""
    own_store = store is None
    the_store: Store = open_store(settings.db) if store is None else store
    service = TaxiiService(settings, the_store)
    root = "/{api_root}/"
    collection = root + "collections/{collection}/"
    obj = collection + "objects/{object_id}/"
    routes = [
        Route("/taxii2/", service.discovery, methods=["GET"]),
        Route(root, service.api_root, methods=["GET"]),
        Route(root + "status/{status_id}/", service.status, methods=["GET"]),
        Route(root + "collections/", service.collections, methods=["GET"]),
        Route(collection, service.collection, methods=["GET"]),
        Route(collection + "manifest/", service.manifest, methods=["GET"]),
        Route(collection + "objects/", service.get_objects, methods=["GET"]),
        Route(collection + "objects/", service.add_objects, methods=["POST"]),
        Route(obj, service.get_object, methods=["GET"]),
        Route(obj, service.delete_object, methods=["DELETE"]),
        Route(obj + "versions/", service.versions, methods=["GET"]),
    ]

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        yield
        if own_store:
            the_store.close()

    app = Starlette(
        routes=routes,
        exception_handlers={
            TaxiiError: _taxii_error,
            NotFound: _store_not_found,
            HTTPException: _http_error,
            Exception: _server_error,
        },
        lifespan=lifespan,
    )
    app.add_middleware(_TrailingSlash)
    app.state.service = service
    return app


def app_factory() -> Starlette:
    """Build the app from the environment and STIXHUB_CONFIG: the entry for uvicorn workers."""
    return create_app(Settings.load())
