"""A response body is read only up to max_response_bytes: a huge or endless answer is an
InvalidResponse after at most that much, never a memory blow-up."""

import asyncio
import gzip
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from stixhub.client import AsyncTaxiiClient, ClientConfigError, InvalidResponse, TaxiiClient
from tests.taxii.client.conftest import API_ROOT

URL = "https://taxii.example/api1/"
CHUNK = b" " * 4096
TAXII = {"Content-Type": "application/taxii+json;version=2.1"}


class Endless:
    """A body that never ends, counting the chunks it was asked for."""

    def __init__(self) -> None:
        self.sent = 0

    def __iter__(self) -> Iterator[bytes]:
        while True:
            self.sent += 1
            yield CHUNK

    async def chunks(self) -> AsyncIterator[bytes]:
        """The same body for an async transport."""
        while True:
            self.sent += 1
            yield CHUNK


class TestBodyCap:
    """The cap on what one answer may weigh."""

    def test_endless_body_stops_at_the_cap(self) -> None:
        """A body without Content-Length that never ends raises after the cap."""
        body = Endless()
        transport = httpx.MockTransport(lambda r: httpx.Response(200, headers=TAXII, content=body))
        client = TaxiiClient(URL, transport=transport, max_response_bytes=100_000)
        with client, pytest.raises(InvalidResponse, match="larger than 100000 bytes"):
            client.api_root()
        assert body.sent * len(CHUNK) <= 100_000 + len(CHUNK)

    def test_announced_length_over_the_cap_is_not_read(self) -> None:
        """A Content-Length above the cap is refused before the body is read."""
        big = httpx.Response(200, headers={**TAXII, "Content-Length": "9999999"}, content=b"{}")
        client = TaxiiClient(
            URL, transport=httpx.MockTransport(lambda r: big), max_response_bytes=1000
        )
        with client, pytest.raises(InvalidResponse, match="max_response_bytes"):
            client.api_root()

    def test_decoded_size_counts(self) -> None:
        """A small gzip body that unpacks past the cap is refused (the cap is on what is
        held, not on the wire); under the cap a gzip body is read normally."""
        bomb = gzip.compress(b"[" + b"0," * 500_000 + b"0]")
        small = gzip.compress(httpx.Response(200, json=API_ROOT).content)

        def answer(body: bytes) -> httpx.MockTransport:
            headers = {**TAXII, "Content-Encoding": "gzip"}
            return httpx.MockTransport(lambda r: httpx.Response(200, headers=headers, content=body))

        with TaxiiClient(URL, transport=answer(bomb), max_response_bytes=100_000) as client:
            assert len(bomb) < 100_000
            with pytest.raises(InvalidResponse, match="larger than"):
                client.api_root()
        with TaxiiClient(URL, transport=answer(small), max_response_bytes=100_000) as client:
            assert client.api_root().max_content_length == API_ROOT["max_content_length"]

    def test_error_bodies_are_capped_too(self) -> None:
        """An error answer's body is held to the same cap."""
        body = Endless()
        transport = httpx.MockTransport(lambda r: httpx.Response(404, headers=TAXII, content=body))
        client = TaxiiClient(URL, transport=transport, max_response_bytes=50_000)
        with client, pytest.raises(InvalidResponse, match="larger than"):
            client.api_root()

    def test_cap_must_be_positive(self) -> None:
        """A cap of zero is a configuration error."""
        with pytest.raises(ClientConfigError):
            TaxiiClient(URL, max_response_bytes=0)

    def test_async_endless_body_stops_at_the_cap(self) -> None:
        """The async client stops an endless body at the cap too."""
        body = Endless()

        async def go() -> None:
            transport = httpx.MockTransport(
                lambda r: httpx.Response(200, headers=TAXII, content=body.chunks())
            )
            async with AsyncTaxiiClient(
                URL, transport=transport, max_response_bytes=100_000
            ) as client:
                await client.api_root()

        with pytest.raises(InvalidResponse, match="larger than"):
            asyncio.run(go())
        assert body.sent * len(CHUNK) <= 100_000 + len(CHUNK)
