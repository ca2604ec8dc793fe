"""The load driver: N concurrent TAXII clients, each paging a whole collection.

Why raw ``http.client`` and threads: the clients share the 2-core machine with the server
under test, so they must cost as little CPU as possible. ``http.client`` with one kept-alive
connection per client, and orjson for the envelope, is far cheaper per page than a
full-featured client; the socket reads release the GIL, so 16 threads do wait in parallel.
The same driver polls every server, so whatever it costs, it costs all of them alike.

Each client does what a real consumer does: GET objects with ``limit``, then follow ``next``
while ``more`` is true (falling back to ``added_after`` = the page's
``X-TAXII-Date-Added-Last`` when a server says ``more`` without ``next``), until the end.
Each client checks that it received every object exactly once. A run stops at a deadline so
a slow server cannot hold the bench hostage; then it is reported as partial.
"""

import http.client
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

import orjson

__all__ = ["STILL_WAITING", "ClientResult", "RunResult", "percentile", "poll_collection"]

ACCEPT = "application/taxii+json;version=2.1"
STILL_WAITING = "still waiting for a page at the time limit"


@dataclass
class ClientResult:
    """What one client saw."""

    objects: int = 0
    unique_ids: int = 0
    pages: int = 0
    latencies: list[float] = field(default_factory=list)
    bytes: int = 0
    complete: bool = False
    error: str | None = None


@dataclass
class RunResult:
    """All clients of one run, with the wall-clock time from first request to last byte."""

    clients: list[ClientResult]
    seconds: float

    @property
    def objects(self) -> int:
        """Objects received by all clients together."""
        return sum(c.objects for c in self.clients)

    @property
    def pages(self) -> int:
        """Pages received by all clients together."""
        return sum(c.pages for c in self.clients)

    @property
    def latencies(self) -> list[float]:
        """Every page's latency (seconds), all clients."""
        return [value for c in self.clients for value in c.latencies]

    @property
    def complete(self) -> bool:
        """Whether every client received the whole collection exactly once."""
        return all(c.complete for c in self.clients)

    @property
    def errors(self) -> list[str]:
        """The distinct errors clients met."""
        return sorted({c.error for c in self.clients if c.error})


def percentile(values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile; None for no values (a run that got no page at all)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[rank]


def _client(
    host: str,
    port: int,
    path: str,
    headers: dict[str, str],
    limit: int,
    expected: int,
    deadline: float,
    timeout: float,
    result: ClientResult,
    start_barrier: threading.Barrier,
) -> None:
    seen: set[str] = set()
    params: dict[str, str] = {"limit": str(limit)}
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        start_barrier.wait()
        while True:
            if time.monotonic() > deadline:
                result.error = "stopped at the time limit"
                return
            target = f"{path}?{urlencode(params, quote_via=quote)}"
            begin = time.perf_counter()
            connection.request("GET", target, headers=headers)
            response = connection.getresponse()
            body = response.read()
            result.latencies.append(time.perf_counter() - begin)
            if response.will_close:
                connection.close()
            if response.status != 200:
                result.error = f"HTTP {response.status}: {body[:200]!r}"
                return
            result.bytes += len(body)
            envelope: dict[str, Any] = orjson.loads(body) if body.strip() else {}
            objects = envelope.get("objects") or []
            result.pages += 1
            result.objects += len(objects)
            seen.update(obj["id"] + "|" + obj.get("modified", "") for obj in objects)
            if not envelope.get("more"):
                break
            token = envelope.get("next")
            if token:
                params = {"limit": str(limit), "next": str(token)}
            else:
                last = response.getheader("X-TAXII-Date-Added-Last")
                if not last:
                    result.error = "more=true without next nor X-TAXII-Date-Added-Last"
                    return
                params = {"limit": str(limit), "added_after": last}
        result.unique_ids = len(seen)
        result.complete = result.objects == expected and len(seen) == expected
        if not result.complete:
            result.error = (
                f"received {result.objects} objects ({len(seen)} unique), expected {expected}"
            )
    except (OSError, http.client.HTTPException, orjson.JSONDecodeError) as exc:
        result.error = f"{type(exc).__name__}: {exc}"
    finally:
        result.unique_ids = result.unique_ids or len(seen)
        connection.close()


def poll_collection(
    base_url: str,
    objects_path: str,
    authorization: str | None,
    clients: int,
    expected: int,
    limit: int = 1000,
    time_limit: float = 60.0,
    grace: float = 2.0,
) -> RunResult:
    """Run ``clients`` concurrent clients, each paging the whole collection once.

    ``base_url`` is ``http://127.0.0.1:PORT``; ``objects_path`` the absolute path of the
    collection's objects endpoint. All clients start together (a barrier), so the first
    pages really are concurrent. The run ends after ``time_limit`` (+ ``grace``) seconds at
    the latest; clients stopped by it make the run partial.
    """
    request_timeout = time_limit + grace + 30.0
    host, _, port = base_url.removeprefix("http://").partition(":")
    headers = {"Accept": ACCEPT, "Connection": "keep-alive"}
    if authorization:
        headers["Authorization"] = authorization
    results = [ClientResult() for _ in range(clients)]
    barrier = threading.Barrier(clients + 1)
    begin = time.monotonic()
    deadline = begin + time_limit
    threads = [
        threading.Thread(
            target=_client,
            args=(
                host,
                int(port),
                objects_path,
                headers,
                limit,
                expected,
                deadline,
                request_timeout,
                results[i],
                barrier,
            ),
            name=f"client-{i}",
            daemon=True,
        )
        for i in range(clients)
    ]
    for thread in threads:
        thread.start()
    barrier.wait()
    start = time.perf_counter()
    for thread in threads:
        # The deadline is hard: a client still waiting for a page then is abandoned (its
        # daemon thread ends with its socket), so one slow server cannot stretch the bench.
        thread.join(timeout=max(0.0, deadline + grace - time.monotonic()))
    seconds = time.perf_counter() - start
    for thread, result in zip(threads, results, strict=True):
        if thread.is_alive():
            result.error = STILL_WAITING
    return RunResult(clients=results, seconds=seconds)
