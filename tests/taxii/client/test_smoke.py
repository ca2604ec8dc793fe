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


class TestObjectEndpoints:
    """Get An Object, versions, the manifest and delete against our hub, sync and async."""

    def test_sync(self, make_client: Callable[..., TaxiiClient]) -> None:
        """Two versions of one object are listed, read, and deleted one version at a time."""
        old, new = indicator(1), indicator(1, modified="2024-03-02T10:00:00.000Z")
        with make_client() as client:
            assert client.add_objects(INTEL, [old, new, indicator(2)]).ok
            oid = old["id"]
            versions = [v for p in client.versions_pages(INTEL, oid) for v in p.items]
            assert versions == [old["modified"], new["modified"]]
            all_versions = client.get_object(INTEL, oid, Query(versions=["all"]))
            assert [o["modified"] for o in all_versions] == versions
            records = [r for p in client.manifest_pages(INTEL, Query(limit=1)) for r in p.items]
            assert [(r.id, r.version) for r in records] == [
                (oid, new["modified"]),
                (indicator(2)["id"], indicator(2)["modified"]),
            ]
            client.delete_object(INTEL, oid, Query(versions=[old["modified"]]))
            assert [
                o["modified"] for o in client.get_object(INTEL, oid, Query(versions=["all"]))
            ] == [new["modified"]]

    def test_async(self, make_async_client: Callable[..., AsyncTaxiiClient]) -> None:
        """The async client reads the same endpoints and pages."""

        async def run() -> tuple[list[str], list[str], str]:
            async with make_async_client() as client:
                assert (await client.add_objects(INTEL, [indicator(3)])).ok
                oid = indicator(3)["id"]
                versions = [v async for p in client.versions_pages(INTEL, oid) for v in p.items]
                records = [r.id async for p in client.manifest_pages(INTEL) for r in p.items]
                got = await client.get_object(INTEL, oid)
                await client.delete_object(INTEL, oid)
                root = await client.api_root()
                assert (await client.collection(INTEL)).can_write
                assert (await client.discover()).title
                return versions, records, f"{len(got)} {root.max_content_length}"

        versions, records, summary = asyncio.run(run())
        assert versions == [indicator(3)["modified"]]
        assert records == [indicator(3)["id"]]
        assert summary == f"1 {1 << 20}"
