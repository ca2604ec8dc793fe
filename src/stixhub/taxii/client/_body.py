"""Reading a response body from an untrusted server without letting it fill the memory.

Both clients send with ``stream=True`` and read the body here, decoded (so a small gzip
bomb counts as what it unpacks to), stopping as soon as it passes the cap: a server that
sends a gigabyte, or never stops, costs at most the cap and then ``InvalidResponse``.
"""

from collections.abc import Iterable

import httpx

from stixhub.taxii.client._errors import InvalidResponse

__all__ = ["DEFAULT_MAX_RESPONSE_BYTES", "aread_capped", "read_capped"]

DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024
"""The largest response body read (decoded): far above any sane page of a TAXII server."""

# The body is handed on decoded; these headers described the encoded one.
_ENCODING_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})


def _too_large(response: httpx.Response, cap: int) -> InvalidResponse:
    request = response.request
    return InvalidResponse(
        f"{request.method} {request.url}: the answer is larger than {cap} bytes "
        "(max_response_bytes); not read further"
    )


def _announced_too_large(response: httpx.Response, cap: int) -> bool:
    length = response.headers.get("content-length", "")
    return length.isdigit() and int(length) > cap


def _whole(response: httpx.Response, chunks: Iterable[bytes]) -> httpx.Response:
    headers = [
        (k, v) for k, v in response.headers.multi_items() if k.lower() not in _ENCODING_HEADERS
    ]
    return httpx.Response(
        response.status_code,
        headers=headers,
        content=b"".join(chunks),
        request=response.request,
        extensions=response.extensions,
    )


def read_capped(response: httpx.Response, cap: int) -> httpx.Response:
    """The response with its body read, or ``InvalidResponse`` past ``cap`` bytes."""
    if _announced_too_large(response, cap):
        raise _too_large(response, cap)
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > cap:
            raise _too_large(response, cap)
        chunks.append(chunk)
    return _whole(response, chunks)


async def aread_capped(response: httpx.Response, cap: int) -> httpx.Response:
    """``read_capped`` for a response of an ``httpx.AsyncClient``."""
    if _announced_too_large(response, cap):
        raise _too_large(response, cap)
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > cap:
            raise _too_large(response, cap)
        chunks.append(chunk)
    return _whole(response, chunks)
