"""The TAXII 2.1 client protocol, written once for the sync and the async client.

Every operation is a generator ("steps") that yields what it needs done, an
``httpx.Request`` to send or a :class:`Sleep`, and receives the ``httpx.Response`` (or has
the transport's exception thrown in). It holds all the logic: URLs, headers, response
checks, retries, paging state, push splitting and status polling. The two clients only run
the steps with their own I/O (``_sync.py``, ``_async.py``), so nothing is written twice and
tests can drive either over the same scripted servers.
"""

from collections.abc import Callable, Generator, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import quote, urljoin, urlsplit

import httpx

from stixhub import __version__
from stixhub.stix import InvalidTimestamp, parse_rfc3339_micros
from stixhub.taxii.client._errors import (
    BadRequest,
    ClientConfigError,
    ConnectionFailed,
    InvalidResponse,
    NotFound,
    PayloadTooLarge,
    PinMismatch,
    error_class_for,
)
from stixhub.taxii.client._models import (
    ApiRoot,
    Collection,
    Discovery,
    ManifestRecord,
    ObjectResult,
    Page,
    PushResult,
    Query,
    Status,
)
from stixhub.taxii.client._origin import OriginPolicy
from stixhub.taxii.client._paging import ItemKey, PageCursor, StallWatch, advance
from stixhub.taxii.client._parse import (
    error_resource,
    is_api_root,
    json_body,
    parse_api_root,
    parse_collection,
    parse_collections,
    parse_discovery,
    parse_manifest_record,
    parse_status,
)
from stixhub.taxii.client._push import object_results, object_version, prepare_push
from stixhub.taxii.client._retry import RETRY_STATUSES, RetryPolicy, parse_retry_after
from stixhub.taxii.client._tls import PinFailure

__all__ = ["TAXII_21", "USER_AGENT", "Protocol", "Sleep", "Steps"]

TAXII_21 = "application/taxii+json;version=2.1"
"""The media type of every request's Accept header and of every request body."""

USER_AGENT = f"stixhub/{__version__}"

DATE_ADDED_FIRST = "X-TAXII-Date-Added-First"
DATE_ADDED_LAST = "X-TAXII-Date-Added-Last"

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Sleep:
    """A step asking its runner to wait this many seconds."""

    seconds: float


Steps = Generator[httpx.Request | Sleep, Any, T]
"""An operation: yields requests and sleeps, receives responses, returns its result."""

# How a status is waited for: first pause, growth factor, longest pause (seconds).
_STATUS_FIRST_WAIT = 0.25
_STATUS_MAX_WAIT = 5.0


def base_url(url: str) -> str:
    """The configured URL, checked, with the trailing slash TAXII URLs end in."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ClientConfigError("the server URL must be an absolute http:// or https:// URL")
    if parts.username is not None or parts.password is not None:
        raise ClientConfigError("put credentials in auth=, not in the server URL")
    if parts.query or parts.fragment:
        raise ClientConfigError("the server URL must not have a query or a fragment")
    return url if url.endswith("/") else url + "/"


def _pinned(exc: BaseException) -> PinFailure | None:
    seen: set[int] = set()
    item: BaseException | None = exc
    while item is not None and id(item) not in seen:
        if isinstance(item, PinFailure):
            return item
        seen.add(id(item))
        item = item.__cause__ or item.__context__
    return None


def http_error(response: httpx.Response) -> Exception:
    """The typed exception for an error answer, with its TAXII error resource."""
    resource = error_resource(response)
    what = f"{response.request.method} {response.request.url}"
    text = f"{response.status_code} {response.reason_phrase}".strip()
    if resource is not None:
        text = resource.title + (f": {resource.description}" if resource.description else "")
        text = f"{response.status_code} {text}"
    cls = error_class_for(response.status_code)
    return cls(f"{what}: {text}", response.status_code, resource)


def _object_key(obj: Mapping[str, Any]) -> ItemKey:
    return str(obj["id"]), object_version(obj) or ""


def _objects(body: Mapping[str, Any], name: str) -> list[Any]:
    items = body.get(name, [])
    if items is None:
        return []
    if not isinstance(items, list):
        raise InvalidResponse(f"'{name}' must be a list")
    return items


def _stix_objects(body: Mapping[str, Any]) -> list[dict[str, Any]]:
    items = _objects(body, "objects")
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            raise InvalidResponse("an envelope holds an entry that is not a STIX object with an id")
    return items


def _latest(dates: list[str]) -> str | None:
    best: tuple[int, str] | None = None
    for value in dates:
        try:
            instant = parse_rfc3339_micros(value)
        except InvalidTimestamp:
            raise InvalidResponse(f"date_added {value!r} is not an RFC 3339 timestamp") from None
        if best is None or instant > best[0]:
            best = (instant, value)
    return best[1] if best else None


class Protocol:
    """The protocol logic for one configured server URL (discovery or an API root)."""

    def __init__(
        self,
        url: str,
        *,
        retry: RetryPolicy,
        clock: Callable[[], float],
        rng: Callable[[], float],
        user_agent: str = USER_AGENT,
        credential_origins: Iterable[str] = (),
        cross_origin: bool = False,
        client_certificate: bool = False,
    ) -> None:
        self.url = base_url(url)
        self.origins = OriginPolicy.build(self.url, credential_origins, cross_origin)
        self._certificate = client_certificate
        self.retry = retry
        self.clock = clock
        self.rng = rng
        self.user_agent = user_agent
        self._api_root: str | None = None
        self._roots: dict[str, ApiRoot] = {}

    # --- requests -------------------------------------------------------------------

    def request(
        self,
        method: str,
        url: str,
        params: Mapping[str, str] | None = None,
        body: bytes | None = None,
        ok: tuple[int, ...] = (200,),
    ) -> Steps[httpx.Response]:
        """Send one request, retrying connection errors, 429 and 503 per the policy."""
        headers = {"Accept": TAXII_21, "User-Agent": self.user_agent}
        if body is not None:
            headers["Content-Type"] = TAXII_21
        attempt = 1
        while True:
            request = httpx.Request(method, url, params=params, headers=headers, content=body)
            try:
                response: httpx.Response = yield request
            except httpx.HTTPError as exc:
                pin = _pinned(exc)
                if pin is not None:
                    raise PinMismatch(f"{method} {request.url}: {pin.args[0]}") from None
                if attempt >= self.retry.attempts or not isinstance(exc, httpx.TransportError):
                    raise ConnectionFailed(
                        f"{method} {request.url}: {type(exc).__name__}: {exc or 'no answer'}"
                    ) from None
                wait = self.retry.delay(attempt, self.rng())
            else:
                if response.status_code in ok:
                    return response
                if response.status_code not in RETRY_STATUSES or attempt >= self.retry.attempts:
                    raise http_error(response)
                after = parse_retry_after(response.headers.get("retry-after"), self.clock())
                if after is not None and after > self.retry.max_retry_after:
                    raise http_error(response)
                wait = after if after is not None else self.retry.delay(attempt, self.rng())
            attempt += 1
            yield Sleep(wait)

    def get_json(self, url: str, params: Mapping[str, str] | None = None) -> Steps[dict[str, Any]]:
        """GET a TAXII resource and return its JSON object."""
        response = yield from self.request("GET", url, params)
        return json_body(response)

    # --- URLs -----------------------------------------------------------------------

    def api_root_url(self, api_root: str | None) -> Steps[str]:
        """An API root's URL: as given (relative to the configured URL), or resolved;
        checked against the origin policy before anything is sent there."""
        if api_root is not None:
            url = urljoin(self.url, api_root)
            url = url if url.endswith("/") else url + "/"
            self.origins.check_api_root(url, anonymous_ok=not self._certificate)
            return url
        return (yield from self.resolve_api_root())

    def resolve_api_root(self) -> Steps[str]:
        """The configured URL if it is an API root, else discovery's default, else its only
        API root (section 4.1). Remembered after the first call."""
        if self._api_root is None:
            body = yield from self.get_json(self.url)
            if is_api_root(body):
                self._roots[self.url] = parse_api_root(body, self.url)
                self._api_root = self.url
            else:
                found = parse_discovery(body, self.url)
                if found.default:
                    self._api_root = found.default
                elif len(found.api_roots) == 1:
                    self._api_root = found.api_roots[0]
                else:
                    raise ClientConfigError(
                        f"discovery lists {len(found.api_roots)} API roots and no default; "
                        "give the URL of the API root to use"
                    )
                self.origins.check_api_root(self._api_root, anonymous_ok=not self._certificate)
        return self._api_root

    def _collection_url(
        self, collection_id: str, api_root: str | None, rest: str = ""
    ) -> Steps[str]:
        root = yield from self.api_root_url(api_root)
        return f"{root}collections/{quote(collection_id, safe='')}/{rest}"

    # --- resources ------------------------------------------------------------------

    def discover(self) -> Steps[Discovery]:
        """Section 4.1: the discovery resource at the configured URL."""
        body = yield from self.get_json(self.url)
        if is_api_root(body):
            raise ClientConfigError(f"{self.url} is an API root, not a discovery endpoint")
        return parse_discovery(body, self.url)

    def api_root(self, api_root: str | None) -> Steps[ApiRoot]:
        """Section 4.2: the API root resource (fetched afresh, then remembered for push)."""
        url = yield from self.api_root_url(api_root)
        body = yield from self.get_json(url)
        root = parse_api_root(body, url)
        self._roots[url] = root
        return root

    def collections(self, api_root: str | None) -> Steps[list[Collection]]:
        """Section 5.1."""
        root = yield from self.api_root_url(api_root)
        return parse_collections((yield from self.get_json(f"{root}collections/")))

    def collection(self, collection_id: str, api_root: str | None) -> Steps[Collection]:
        """Section 5.2."""
        url = yield from self._collection_url(collection_id, api_root)
        return parse_collection((yield from self.get_json(url)))

    def status(self, status_id: str, api_root: str | None) -> Steps[Status]:
        """Section 4.3."""
        root = yield from self.api_root_url(api_root)
        return parse_status(
            (yield from self.get_json(f"{root}status/{quote(status_id, safe='')}/"))
        )

    def delete_object(
        self, collection_id: str, object_id: str, query: Query, api_root: str | None
    ) -> Steps[None]:
        """Section 5.7; ``query`` may carry ``match[version]`` and ``match[spec_version]``."""
        url = yield from self._collection_url(
            collection_id, api_root, f"objects/{quote(object_id, safe='')}/"
        )
        yield from self.request("DELETE", url, query.params(), ok=(200, 202, 204))

    # --- paging ---------------------------------------------------------------------

    def _page(self, url: str, query: Query, cursor: PageCursor) -> Steps[httpx.Response]:
        try:
            return (yield from self.request("GET", url, cursor.params(query.params())))
        except (BadRequest, NotFound):
            # A server may forget its next tokens (medallion keeps them in memory with a
            # timeout); the date position continues without loss, the dedup without repeats.
            if cursor.next is None or cursor.date_added_last is None:
                raise
        return (yield from self.request("GET", url, cursor.without_next().params(query.params())))

    def _paged(
        self,
        url: str,
        query: Query,
        cursor: PageCursor,
        items_of: Callable[[dict[str, Any]], list[T]],
        key_of: Callable[[T], ItemKey],
        dates_of: Callable[[list[T]], str | None] | None = None,
        watch: StallWatch | None = None,
    ) -> Steps[Page[T]]:
        response = yield from self._page(url, query, cursor)
        sent = response.request.url.params
        body = json_body(response)
        items = items_of(body)
        more = body.get("more", False)
        if not isinstance(more, bool):
            raise InvalidResponse("'more' must be a boolean")
        token = body.get("next")
        if isinstance(token, int) and not isinstance(token, bool):
            token = str(token)
        if token is not None and not isinstance(token, str):
            raise InvalidResponse("'next' must be a string")
        first = response.headers.get(DATE_ADDED_FIRST)
        last = response.headers.get(DATE_ADDED_LAST)
        if last is None and dates_of is not None:
            last = dates_of(items)
        limit_sent = sent.get("limit")
        was_next = "next" in sent
        state = cursor if was_next else cursor.without_next()
        keys = [key_of(item) for item in items]
        new_cursor, fresh = advance(
            state,
            keys,
            more=more,
            next_token=token or None,
            date_added_last=last,
            requested_limit=int(limit_sent) if limit_sent and limit_sent.isdigit() else None,
            requested_after=None if was_next else sent.get("added_after"),
        )
        if watch is not None:
            watch.observe(keys, fresh, cursor, new_cursor)
        kept = tuple(item for item, new in zip(items, fresh, strict=True) if new)
        return Page(kept, new_cursor.more, token or None, first, last, new_cursor)

    def objects_page(
        self,
        collection_id: str,
        query: Query,
        cursor: PageCursor,
        api_root: str | None,
        watch: StallWatch | None = None,
    ) -> Steps[Page[dict[str, Any]]]:
        """Section 5.3 Get Objects: the page that follows ``cursor``."""
        url = yield from self._collection_url(collection_id, api_root, "objects/")
        return (yield from self._paged(url, query, cursor, _stix_objects, _object_key, watch=watch))

    def object_page(
        self,
        collection_id: str,
        object_id: str,
        query: Query,
        cursor: PageCursor,
        api_root: str | None,
        watch: StallWatch | None = None,
    ) -> Steps[Page[dict[str, Any]]]:
        """Section 5.6 Get An Object: versions of one object, paged like Get Objects."""
        url = yield from self._collection_url(
            collection_id, api_root, f"objects/{quote(object_id, safe='')}/"
        )
        return (yield from self._paged(url, query, cursor, _stix_objects, _object_key, watch=watch))

    def manifest_page(
        self,
        collection_id: str,
        query: Query,
        cursor: PageCursor,
        api_root: str | None,
        watch: StallWatch | None = None,
    ) -> Steps[Page[ManifestRecord]]:
        """Section 5.4 Get Object Manifests; records carry their own ``date_added``, which
        stands in for a missing ``X-TAXII-Date-Added-Last``."""
        url = yield from self._collection_url(collection_id, api_root, "manifest/")

        def records(body: dict[str, Any]) -> list[ManifestRecord]:
            return [parse_manifest_record(item) for item in _objects(body, "objects")]

        return (
            yield from self._paged(
                url,
                query,
                cursor,
                records,
                lambda r: (r.id, r.version),
                lambda rs: _latest([r.date_added for r in rs]),
                watch,
            )
        )

    def versions_page(
        self,
        collection_id: str,
        object_id: str,
        query: Query,
        cursor: PageCursor,
        api_root: str | None,
        watch: StallWatch | None = None,
    ) -> Steps[Page[str]]:
        """Section 5.8 Get Object Versions."""
        url = yield from self._collection_url(
            collection_id, api_root, f"objects/{quote(object_id, safe='')}/versions/"
        )

        def versions(body: dict[str, Any]) -> list[str]:
            items = _objects(body, "versions")
            if not all(isinstance(v, str) for v in items):
                raise InvalidResponse("'versions' must be a list of strings")
            return items

        return (
            yield from self._paged(
                url, query, cursor, versions, lambda v: (object_id, v), watch=watch
            )
        )

    # --- push -----------------------------------------------------------------------

    def _known_root(self, url: str) -> Steps[ApiRoot]:
        root = self._roots.get(url)
        if root is None:
            root = yield from self.api_root(url)
        return root

    def add_objects(
        self,
        collection_id: str,
        objects: Any,
        api_root: str | None,
        wait: bool,
        timeout: float,
    ) -> Steps[PushResult]:
        """Section 5.5 Add Objects: envelopes within ``max_content_length``, then the
        statuses polled (backing off) until complete or ``timeout`` seconds have passed."""
        root_url = yield from self.api_root_url(api_root)
        root = yield from self._known_root(root_url)
        prepared = prepare_push(objects, root.max_content_length)
        url = yield from self._collection_url(collection_id, root_url, "objects/")
        results: list[ObjectResult | None] = [None] * len(prepared.objects)
        for index, size in prepared.too_large.items():
            obj = prepared.objects[index]
            results[index] = ObjectResult(
                str(obj["id"]),
                object_version(obj),
                "failure",
                f"not sent: the object alone is {size} bytes, more than the API root's "
                f"max_content_length of {root.max_content_length}",
            )
        sent: list[tuple[tuple[int, ...], Status]] = []
        for envelope, body in zip(prepared.envelopes, prepared.bodies, strict=True):
            try:
                response = yield from self.request("POST", url, body=body, ok=(200, 201, 202))
            except PayloadTooLarge as exc:
                for index in envelope:
                    obj = prepared.objects[index]
                    results[index] = ObjectResult(
                        str(obj["id"]), object_version(obj), "failure", str(exc)
                    )
                continue
            sent.append((envelope, parse_status(json_body(response))))
        deadline = self.clock() + timeout
        pause = _STATUS_FIRST_WAIT
        while wait and any(not s.complete for _, s in sent):
            left = deadline - self.clock()
            if left <= 0:
                break
            yield Sleep(min(pause, left))
            pause = min(pause * 2, _STATUS_MAX_WAIT)
            for n, (envelope, status) in enumerate(sent):
                if not status.complete:
                    fresh = yield from self.status(status.id, root_url)
                    sent[n] = (envelope, fresh)
        for envelope, status in sent:
            objs = [prepared.objects[i] for i in envelope]
            for index, result in zip(envelope, object_results(objs, status), strict=True):
                results[index] = result
        # Every index is in exactly one envelope or too large, so none is left None.
        return PushResult(tuple(r for r in results if r is not None), tuple(s for _, s in sent))
