"""The TAXII 2.1 endpoints (sections 4 and 5), as methods of one service object.

GET and DELETE handlers are plain functions: Starlette runs them in its worker threads, where
blocking database calls belong. POST reads its body asynchronously (to enforce
max_content_length while reading) and then does the blocking work in a worker thread.
"""

import time
import uuid
from collections.abc import Callable
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

import orjson
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from stixhub.settings import Settings
from stixhub.stix import (
    InvalidJSON,
    NotADocument,
    format_taxii_timestamp,
    loads_untrusted,
    split_document,
)
from stixhub.store import (
    AddOutcome,
    AddResult,
    ApiRoot,
    Collection,
    NotFound,
    ObjectQuery,
    Rights,
    StatusRecord,
    Store,
    add_objects,
)
from stixhub.taxii.server._auth import Authenticator, Caller
from stixhub.taxii.server._errors import (
    BadCursor,
    Forbidden,
    NotAcceptable,
    PayloadTooLarge,
    ResourceNotFound,
    Unauthenticated,
    Unprocessable,
    UnsupportedMediaType,
)
from stixhub.taxii.server._filters import (
    DELETE_PARAMS,
    OBJECT_PARAMS,
    OBJECTS_PARAMS,
    VERSIONS_PARAMS,
    Filters,
)
from stixhub.taxii.server._media_types import (
    STIX_20,
    TAXII_21,
    accepts_taxii_21,
    is_acceptable_content_type,
)
from stixhub.taxii.server._paging import Cursor, CursorCodec
from stixhub.taxii.server._responses import (
    date_added_headers,
    envelope_bytes,
    taxii_json,
    taxii_raw,
)

__all__ = ["TaxiiService"]

_COLLECTION_NOT_FOUND = "no such collection in this API root, or it is not visible to you"
_STATUS_PURGE_INTERVAL = 60.0


def _micros() -> int:
    return time.time_ns() // 1000


def api_root_url(base: str, name: str) -> str:
    """How discovery names an API root (section 4.1.1).

    An entry must be an absolute HTTPS URL or a path: so a hub reached over plain HTTP (a
    test bed, or behind a proxy whose ``public_base_url`` was not set) lists paths, which
    clients resolve against the discovery URL, instead of an ``http://`` URL the spec forbids.
    """
    parts = urlsplit(base)
    path = f"{parts.path.rstrip('/')}/{name}/"
    if parts.scheme == "https":
        return f"https://{parts.netloc}{path}"
    return path


class TaxiiService:
    """Serves the TAXII 2.1 API from a Store, for one set of settings."""

    def __init__(
        self, settings: Settings, store: Store, clock: Callable[[], int] = _micros
    ) -> None:
        self.settings = settings
        self.store = store
        key = bytes.fromhex(settings.secret_key) if settings.secret_key else store.secret_key()
        self.auth = Authenticator(store, key, settings.auth_cache_seconds)
        self.cursors = CursorCodec(key)
        self._clock = clock
        # Microseconds a status is served after its POST (section 4.3).
        self._status_retention = settings.status_retention_hours * 3600 * 1_000_000
        self._next_purge = 0.0

    # --- shared steps -------------------------------------------------------------------

    def _begin(self, request: Request) -> Caller:
        """Negotiate (section 3.1) and authenticate; every endpoint starts here."""
        if not accepts_taxii_21(request.headers.get("accept")):
            raise NotAcceptable(f"this server answers only with {TAXII_21}")
        return self.auth.authenticate(request.headers.get("authorization"))

    def _api_root(self, caller: Caller, name: str) -> ApiRoot:
        if caller.anonymous and not self.settings.public_discovery:
            raise Unauthenticated("this API root requires authentication")
        try:
            return self.store.get_api_root(name)
        except NotFound:
            raise ResourceNotFound(f"no API root {name!r}") from None

    def _collection(self, caller: Caller, api_root: str, key: str) -> tuple[Collection, Rights]:
        """The collection and the caller's own rights in it; hidden ones look missing."""
        account_id = caller.account.id if caller.account else None
        try:
            collection, granted = self.store.get_collection_access(api_root, key, account_id)
        except NotFound:
            if caller.anonymous:
                raise Unauthenticated("this collection requires authentication") from None
            raise ResourceNotFound(_COLLECTION_NOT_FOUND) from None
        if caller.anonymous:
            if not collection.public_read:
                raise Unauthenticated("this collection requires authentication")
            return collection, Rights(can_read=True, can_write=False)
        rights = Rights(granted.can_read or collection.public_read, granted.can_write)
        if not (rights.can_read or rights.can_write):
            raise ResourceNotFound(_COLLECTION_NOT_FOUND)
        return collection, rights

    def _readable(self, request: Request) -> Collection:
        caller = self._begin(request)
        params = request.path_params
        collection, rights = self._collection(caller, params["api_root"], params["collection"])
        if not rights.can_read:
            raise Forbidden("you may write to this collection but not read it")
        return collection

    def _query(
        self, request: Request, collection: Collection, endpoint: str, allowed: frozenset[str]
    ) -> tuple[ObjectQuery, dict[str, str]]:
        """Turn the query string (and a ``next`` token) into a store query.

        Also returns the filters a follow-up ``next`` token must carry: those of the first
        request, even when a client drops them on later pages (Elastic and OpenCTI do).
        """
        filters = Filters.parse(request.query_params.multi_items(), allowed)
        after = filters.added_after
        requested_limit = filters.limit
        if filters.next is not None:
            cursor = self.cursors.decode(filters.next, collection.id, endpoint)
            if any(cursor.filters.get(name) != value for name, value in filters.raw.items()):
                raise BadCursor("the next token was issued for other filters than these")
            filters = Filters.from_raw(cursor.filters)
            after = cursor.after
        limit = min(requested_limit or self.settings.default_page_size, self.settings.max_page_size)
        query = ObjectQuery(
            limit=limit,
            after=after,
            ids=filters.ids,
            types=filters.types,
            versions=filters.versions,
            spec_versions=filters.spec_versions,
        )
        return query, filters.raw

    def _page(
        self,
        filters: dict[str, str],
        collection: Collection,
        endpoint: str,
        key: str,
        items: list[bytes],
        dates: list[int],
        more: bool,
    ) -> Response:
        token = None
        if more and dates:
            token = self.cursors.encode(Cursor(collection.id, endpoint, filters, dates[-1]))
        headers = date_added_headers(dates[0], dates[-1]) if dates else None
        return taxii_raw(envelope_bytes(key, items, more, token), headers=headers)

    # --- section 4: discovery, API root, status -----------------------------------------

    def discovery(self, request: Request) -> Response:
        """Server discovery (section 4.1): the API roots this caller can use."""
        caller = self._begin(request)
        if caller.anonymous and not self.settings.public_discovery:
            raise Unauthenticated("discovery requires authentication")
        base = self.settings.public_base_url or f"{request.url.scheme}://{request.url.netloc}"
        roots = [root.name for root in self.store.list_api_roots()]
        resource: dict[str, Any] = {"title": self.settings.discovery_title}
        if self.settings.discovery_description:
            resource["description"] = self.settings.discovery_description
        if self.settings.discovery_contact:
            resource["contact"] = self.settings.discovery_contact
        urls = [api_root_url(base, name) for name in roots]
        if self.settings.default_api_root in roots:
            resource["default"] = urls[roots.index(self.settings.default_api_root)]
        if urls:
            resource["api_roots"] = urls
        return taxii_json(resource)

    def api_root(self, request: Request) -> Response:
        """API root information (section 4.2)."""
        caller = self._begin(request)
        root = self._api_root(caller, request.path_params["api_root"])
        resource: dict[str, Any] = {"title": root.title}
        if root.description:
            resource["description"] = root.description
        resource["versions"] = [TAXII_21]
        resource["max_content_length"] = root.max_content_length
        return taxii_json(resource)

    def status(self, request: Request) -> Response:
        """A status resource (section 4.3), visible only to the account that posted."""
        caller = self._begin(request)
        if caller.account is None:
            raise Unauthenticated("statuses require authentication")
        params = request.path_params
        try:
            record = self.store.get_status(params["api_root"], params["status_id"])
        except NotFound:
            record = None
        if (
            record is None
            or record.account_id != caller.account.id
            or record.created < self._clock() - self._status_retention
        ):
            raise ResourceNotFound("no such status, or it has expired")
        return taxii_raw(record.body)

    # --- section 5: collections ---------------------------------------------------------

    def _media_types(self, collection: Collection) -> list[str]:
        """What the collection can hold (5.2.1): STIX 2.0 too when the hub accepts it."""
        listed = list(collection.media_types)
        if self.settings.accept_stix20 and STIX_20 not in listed:
            listed.append(STIX_20)
        return listed

    def _collection_resource(self, collection: Collection, rights: Rights) -> dict[str, Any]:
        resource: dict[str, Any] = {"id": collection.id, "title": collection.title}
        if collection.description:
            resource["description"] = collection.description
        if collection.alias:
            resource["alias"] = collection.alias
        resource["can_read"] = rights.can_read
        resource["can_write"] = rights.can_write
        resource["media_types"] = self._media_types(collection)
        return resource

    def collections(self, request: Request) -> Response:
        """The collections the caller can see (section 5.1); ``{}`` when none."""
        caller = self._begin(request)
        root = self._api_root(caller, request.path_params["api_root"])
        granted = self.auth.rights(caller)
        visible = []
        for collection in self.store.list_collections(root.name):
            own = granted.get(collection.id, Rights())
            rights = Rights(own.can_read or collection.public_read, own.can_write)
            if rights.can_read or rights.can_write:
                visible.append(self._collection_resource(collection, rights))
        return taxii_json({"collections": visible} if visible else {})

    def collection(self, request: Request) -> Response:
        """One collection (section 5.2), with the caller's own can_read/can_write."""
        caller = self._begin(request)
        params = request.path_params
        collection, rights = self._collection(caller, params["api_root"], params["collection"])
        return taxii_json(self._collection_resource(collection, rights))

    def manifest(self, request: Request) -> Response:
        """The manifest (section 5.3): one record per stored version, paged."""
        collection = self._readable(request)
        query, filters = self._query(request, collection, "manifest", OBJECTS_PARAMS)
        page = self.store.get_manifest(collection.id, query)
        listed = set(self._media_types(collection))
        items = [
            orjson.dumps(
                {
                    "id": r.id,
                    "date_added": format_taxii_timestamp(r.date_added),
                    "version": r.version,
                    # 5.3.1: if present, one of the collection's media types.
                    **({"media_type": r.media_type} if r.media_type in listed else {}),
                }
            )
            for r in page.records
        ]
        dates = [r.date_added for r in page.records]
        return self._page(filters, collection, "manifest", "objects", items, dates, page.more)

    def get_objects(self, request: Request) -> Response:
        """Objects (section 5.4): an envelope of stored bytes, joined, never re-parsed."""
        collection = self._readable(request)
        query, filters = self._query(request, collection, "objects", OBJECTS_PARAMS)
        page = self.store.get_objects(collection.id, query)
        items = [r.body for r in page.records]
        dates = [r.date_added for r in page.records]
        return self._page(filters, collection, "objects", "objects", items, dates, page.more)

    def get_object(self, request: Request) -> Response:
        """An object's versions as an envelope (section 5.6); 404 if it is not stored."""
        collection = self._readable(request)
        object_id = request.path_params["object_id"]
        if not self.store.object_exists(collection.id, object_id):
            raise ResourceNotFound(f"no object {object_id} in this collection")
        endpoint = f"object:{object_id}"
        query, filters = self._query(request, collection, endpoint, OBJECT_PARAMS)
        query = ObjectQuery(
            limit=query.limit,
            after=query.after,
            ids=(object_id,),
            versions=query.versions,
            spec_versions=query.spec_versions,
        )
        page = self.store.get_objects(collection.id, query)
        items = [r.body for r in page.records]
        dates = [r.date_added for r in page.records]
        return self._page(filters, collection, endpoint, "objects", items, dates, page.more)

    def versions(self, request: Request) -> Response:
        """An object's versions (section 5.8), in date_added order."""
        collection = self._readable(request)
        object_id = request.path_params["object_id"]
        if not self.store.object_exists(collection.id, object_id):
            raise ResourceNotFound(f"no object {object_id} in this collection")
        endpoint = f"versions:{object_id}"
        query, filters = self._query(request, collection, endpoint, VERSIONS_PARAMS)
        page = self.store.get_versions(collection.id, object_id, query)
        items = [orjson.dumps(r.version) for r in page.records]
        dates = [r.date_added for r in page.records]
        return self._page(filters, collection, endpoint, "versions", items, dates, page.more)

    def delete_object(self, request: Request) -> Response:
        """Delete an object (section 5.7); without match[version], every version goes."""
        caller = self._begin(request)
        if caller.anonymous:
            raise Unauthenticated("deleting objects requires authentication")
        params = request.path_params
        collection, rights = self._collection(caller, params["api_root"], params["collection"])
        if not (rights.can_read and rights.can_write):
            raise Forbidden("deleting needs both read and write rights in this collection")
        filters = Filters.parse(request.query_params.multi_items(), DELETE_PARAMS)
        object_id = params["object_id"]
        removed = self.store.delete_object(
            collection.id,
            object_id,
            filters.versions if "match[version]" in filters.raw else None,
            filters.spec_versions,
        )
        if not removed and not self.store.object_exists(collection.id, object_id):
            raise ResourceNotFound(f"no object {object_id} in this collection")
        return Response(status_code=HTTPStatus.OK, media_type=TAXII_21)

    async def add_objects(self, request: Request) -> Response:
        """Add objects (section 5.5): check at the door, store atomically, answer 202."""
        received = self._clock()
        caller, collection, root = await run_in_threadpool(self._writable, request)
        if not is_acceptable_content_type(request.headers.get("content-type")):
            raise UnsupportedMediaType(f"send the envelope as {TAXII_21}")
        body = await _read_body(request, root.max_content_length)
        return await run_in_threadpool(self._add, caller, collection, root, body, received)

    def _writable(self, request: Request) -> tuple[Caller, Collection, ApiRoot]:
        caller = self._begin(request)
        params = request.path_params
        root = self._api_root(caller, params["api_root"])
        collection, rights = self._collection(caller, root.name, params["collection"])
        if caller.anonymous:
            raise Unauthenticated("adding objects requires authentication")
        if not rights.can_write:
            raise Forbidden("you may read this collection but not write to it")
        return caller, collection, root

    def _add(
        self, caller: Caller, collection: Collection, root: ApiRoot, body: bytes, received: int
    ) -> Response:
        try:
            document = split_document(
                loads_untrusted(body, self.settings.max_json_depth), allow_single=False
            )
        except (InvalidJSON, NotADocument) as exc:
            raise Unprocessable(f"the body must be a TAXII envelope: {exc}") from None
        if not document.objects:
            raise Unprocessable("the envelope's objects list is empty")
        account_id = caller.account.id if caller.account else None
        results = add_objects(
            self.store,
            collection,
            document.objects,
            accept_stix20=self.settings.accept_stix20,
            account_id=account_id,  # a sightings inbox holds it to its bound identity
        )
        status_id = str(uuid.uuid4())
        body_out = orjson.dumps(_status_resource(status_id, received, results))
        self.store.save_status(StatusRecord(status_id, root.name, account_id, received, body_out))
        self._purge_statuses()
        return taxii_raw(body_out, HTTPStatus.ACCEPTED)

    def _purge_statuses(self) -> None:
        now = time.monotonic()
        if now >= self._next_purge:
            self._next_purge = now + _STATUS_PURGE_INTERVAL
            self.store.purge_statuses(self._clock() - self._status_retention)


async def _read_body(request: Request, limit: int) -> bytes:
    """Read a body, refusing it as soon as it exceeds ``limit`` bytes (section 4.2.1)."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.strip().isdigit():
            raise Unprocessable("the Content-Length header is not a number")
        if int(declared) > limit:
            raise PayloadTooLarge(f"the body is larger than max_content_length ({limit} bytes)")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"the body is larger than max_content_length ({limit} bytes)")
        chunks.append(chunk)
    return b"".join(chunks)


def _status_resource(status_id: str, received: int, results: list[AddResult]) -> dict[str, Any]:
    """The status of a finished POST (section 4.3.1); every object is accounted for."""
    successes: list[dict[str, str]] = []
    failures: list[dict[str, str]] = []
    for index, result in enumerate(results):
        detail = {"id": result.id or f"objects[{index}]"}
        if result.version is not None:
            detail["version"] = result.version
        if result.outcome == AddOutcome.FAILED:
            detail["message"] = result.message or "refused"
            failures.append(detail)
        else:
            if result.outcome == AddOutcome.UNCHANGED:
                detail["message"] = "already stored; nothing changed"
            successes.append(detail)
    resource: dict[str, Any] = {
        "id": status_id,
        "status": "complete",
        "request_timestamp": format_taxii_timestamp(received),
        "total_count": len(results),
        "success_count": len(successes),
        "failure_count": len(failures),
        "pending_count": 0,
    }
    if successes:
        resource["successes"] = successes
    if failures:
        resource["failures"] = failures
    return resource
