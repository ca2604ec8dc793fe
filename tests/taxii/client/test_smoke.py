"""The client against our own hub, in-process, sync and async: the whole round trip."""

import asyncio
from collections.abc import Callable

from stixhub.client import AsyncTaxiiClient, Query, TaxiiClient
from tests.taxii.client.conftest import BASE, INTEL, indicator


class TestRoundTrip:
    """Discovery, collections, push with status and paged reads against our hub."""

    def test_sync_push_then_poll(self, make_client: Callable[..., TaxiiClient]) -> None:
        """Objects pushed through the sync client come back, each once, over several pages."""
        with make_client() as client:
            assert client.discover().api_roots == (f"{BASE}/api1/",)
            assert client.resolve_api_root() == f"{BASE}/api1/"
            assert INTEL in {c.id for c in client.collections()}
            result = client.add_objects(INTEL, [indicator(n) for n in range(1, 26)])
            assert result.ok
            assert result.success_count == 25
            got = [o["id"] for o in client.iter_objects(INTEL, Query(limit=10))]
            assert got == [indicator(n)["id"] for n in range(1, 26)]

    def test_async_push_then_poll(self, make_async_client: Callable[..., AsyncTaxiiClient]) -> None:
        """The async client does the same round trip over the ASGI transport."""

        async def run() -> list[str]:
            async with make_async_client() as client:
                result = await client.add_objects(INTEL, [indicator(n) for n in range(1, 8)])
                assert result.ok
                return [o["id"] async for o in client.iter_objects(INTEL, Query(limit=3))]

        assert asyncio.run(run()) == [indicator(n)["id"] for n in range(1, 8)]
