"""The asyncio TAXII 2.1 client: runs the protocol's steps over an ``httpx.AsyncClient``."""

import asyncio
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from types import TracebackType
from typing import Any, TypeVar

import httpx

from stixhub.taxii.client._auth import Auth
from stixhub.taxii.client._body import DEFAULT_MAX_RESPONSE_BYTES, aread_capped
from stixhub.taxii.client._models import (
    ApiRoot,
    Collection,
    Discovery,
    ManifestRecord,
    Page,
    PushResult,
    Query,
    Status,
)
from stixhub.taxii.client._options import DEFAULT_TIMEOUT, client_setup
from stixhub.taxii.client._paging import PageCursor, StallWatch
from stixhub.taxii.client._protocol import USER_AGENT, Sleep, Steps
from stixhub.taxii.client._retry import RetryPolicy

__all__ = ["AsyncTaxiiClient"]

T = TypeVar("T")

_ALL = Query()


class AsyncTaxiiClient:
    """The asyncio twin of ``TaxiiClient``: the same methods, as coroutines (and async
    iterators for the pages), for one server URL: a discovery endpoint or an API root.

    Methods that take ``api_root`` accept an API root URL, absolute or relative to the
    configured URL; None means the configured API root, or discovery's default (or only)
    one. ``transport`` replaces the network (an in-process app, a scripted server);
    ``sleep``, ``clock`` and ``rng`` replace waiting, the wall clock and the jitter source.

    Header credentials go only to the configured URL's origin and to
    ``credential_origins``; an API root elsewhere is refused unless ``cross_origin``
    (followed without credentials), and https never leads to http (docs/client.md).
    A response body larger than ``max_response_bytes`` raises ``InvalidResponse``.
    """

    def __init__(
        self,
        url: str,
        *,
        auth: Auth | None = None,
        verify: bool = True,
        ca_bundle: str | None = None,
        pin_sha256: str | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        user_agent: str = USER_AGENT,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.time,
        rng: Callable[[], float] = random.random,
        credential_origins: Iterable[str] = (),
        cross_origin: bool = False,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        self._protocol, options = client_setup(
            url,
            auth=auth,
            verify=verify,
            ca_bundle=ca_bundle,
            pin_sha256=pin_sha256,
            timeout=timeout,
            retry=retry,
            user_agent=user_agent,
            clock=clock,
            rng=rng,
            credential_origins=credential_origins,
            cross_origin=cross_origin,
            max_response_bytes=max_response_bytes,
        )
        self._max_response_bytes = max_response_bytes
        self._http = httpx.AsyncClient(transport=transport, **options)
        self._sleep = sleep

    def __repr__(self) -> str:
        return f"<AsyncTaxiiClient {self._protocol.url}>"

    @property
    def url(self) -> str:
        """The configured server URL, with its trailing slash."""
        return self._protocol.url

    async def _run(self, steps: Steps[T]) -> T:
        try:
            action = next(steps)
            while True:
                if isinstance(action, Sleep):
                    await self._sleep(action.seconds)
                    action = steps.send(None)
                    continue
                try:
                    streamed = await self._http.send(action, stream=True)
                    try:
                        response = await aread_capped(streamed, self._max_response_bytes)
                    finally:
                        await streamed.aclose()
                except httpx.HTTPError as exc:
                    action = steps.throw(exc)
                else:
                    action = steps.send(response)
        except StopIteration as stop:
            result: T = stop.value
            return result

    async def aclose(self) -> None:
        """Close the connections."""
        await self._http.aclose()

    async def __aenter__(self) -> "AsyncTaxiiClient":
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    # --- resources ------------------------------------------------------------------

    async def discover(self) -> Discovery:
        """The discovery resource at the configured URL (TAXII 2.1 section 4.1)."""
        return await self._run(self._protocol.discover())

    async def resolve_api_root(self) -> str:
        """The URL of the API root calls use when they get no ``api_root``."""
        return await self._run(self._protocol.resolve_api_root())

    async def api_root(self, api_root: str | None = None) -> ApiRoot:
        """The API root resource (section 4.2), with its ``max_content_length``."""
        return await self._run(self._protocol.api_root(api_root))

    async def collections(self, api_root: str | None = None) -> list[Collection]:
        """The collections the account can see (section 5.1)."""
        return await self._run(self._protocol.collections(api_root))

    async def collection(self, collection_id: str, api_root: str | None = None) -> Collection:
        """One collection (section 5.2)."""
        return await self._run(self._protocol.collection(collection_id, api_root))

    async def status(self, status_id: str, api_root: str | None = None) -> Status:
        """A status resource (section 4.3)."""
        return await self._run(self._protocol.status(status_id, api_root))

    # --- objects --------------------------------------------------------------------

    async def objects_page(
        self,
        collection_id: str,
        query: Query = _ALL,
        cursor: PageCursor | None = None,
        api_root: str | None = None,
    ) -> Page[dict[str, Any]]:
        """The one page of Get Objects (section 5.3) that follows ``cursor``."""
        return await self._run(
            self._protocol.objects_page(collection_id, query, cursor or PageCursor(), api_root)
        )

    async def objects_pages(
        self,
        collection_id: str,
        query: Query = _ALL,
        cursor: PageCursor | None = None,
        api_root: str | None = None,
    ) -> AsyncIterator[Page[dict[str, Any]]]:
        """Every page of Get Objects from ``cursor`` on; each page's ``cursor`` resumes after
        it. A finished cursor gives what was added since (docs/client.md)."""
        position = cursor or PageCursor()
        watch = StallWatch()
        while True:
            page = await self._run(
                self._protocol.objects_page(collection_id, query, position, api_root, watch)
            )
            yield page
            position = page.cursor
            if not position.more:
                return

    async def iter_objects(
        self, collection_id: str, query: Query = _ALL, api_root: str | None = None
    ) -> AsyncIterator[dict[str, Any]]:
        """Every object of Get Objects, each (id, version) once, following all pages."""
        async for page in self.objects_pages(collection_id, query, None, api_root):
            for item in page.items:
                yield item

    async def manifest_pages(
        self,
        collection_id: str,
        query: Query = _ALL,
        cursor: PageCursor | None = None,
        api_root: str | None = None,
    ) -> AsyncIterator[Page[ManifestRecord]]:
        """Every page of Get Object Manifests (section 5.4) from ``cursor`` on."""
        position = cursor or PageCursor()
        watch = StallWatch()
        while True:
            page = await self._run(
                self._protocol.manifest_page(collection_id, query, position, api_root, watch)
            )
            yield page
            position = page.cursor
            if not position.more:
                return

    async def get_object(
        self,
        collection_id: str,
        object_id: str,
        query: Query = _ALL,
        api_root: str | None = None,
    ) -> list[dict[str, Any]]:
        """The versions of one object that match ``query`` (section 5.6), all pages read."""
        position = PageCursor()
        watch = StallWatch()
        found: list[dict[str, Any]] = []
        while True:
            page = await self._run(
                self._protocol.object_page(
                    collection_id, object_id, query, position, api_root, watch
                )
            )
            found.extend(page.items)
            position = page.cursor
            if not position.more:
                return found

    async def versions_pages(
        self,
        collection_id: str,
        object_id: str,
        query: Query = _ALL,
        cursor: PageCursor | None = None,
        api_root: str | None = None,
    ) -> AsyncIterator[Page[str]]:
        """Every page of Get Object Versions (section 5.8) from ``cursor`` on."""
        position = cursor or PageCursor()
        watch = StallWatch()
        while True:
            page = await self._run(
                self._protocol.versions_page(
                    collection_id, object_id, query, position, api_root, watch
                )
            )
            yield page
            position = page.cursor
            if not position.more:
                return

    async def delete_object(
        self,
        collection_id: str,
        object_id: str,
        query: Query = _ALL,
        api_root: str | None = None,
    ) -> None:
        """Delete an object, or the versions ``query`` matches (section 5.7)."""
        await self._run(self._protocol.delete_object(collection_id, object_id, query, api_root))

    async def add_objects(
        self,
        collection_id: str,
        objects: Any,
        *,
        api_root: str | None = None,
        wait: bool = True,
        timeout: float = 60.0,
    ) -> PushResult:
        """Add objects (section 5.5): dicts, ``stix2`` objects, bundles, envelopes, or an
        iterable of them, in envelopes within ``max_content_length``. With ``wait``, polls
        the statuses until complete or ``timeout`` seconds; returns per-object results."""
        return await self._run(
            self._protocol.add_objects(collection_id, objects, api_root, wait, timeout)
        )
