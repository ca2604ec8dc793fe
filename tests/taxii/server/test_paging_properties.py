"""Property tests of paging (TAXII 2.1 sections 3.4 and 3.5) with and without writers.

The guarantee under test: following ``next``, or resuming with ``added_after`` set to the
last ``X-TAXII-Date-Added-Last``, returns every matching object exactly once, in date_added
order, whatever the page sizes and however writes interleave with the reads.
"""

import threading
import uuid
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stixhub.stix import parse_rfc3339_micros
from tests.taxii.server.conftest import Hub, indicator

_SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _new_collection(hub: Hub) -> str:
    cid = str(uuid.uuid4())
    hub.store.create_collection("api1", f"prop {cid}", collection_id=cid)
    hub.store.grant("admin", cid, True, True)
    return cid


class _Writer:
    """Posts batches of fresh indicators and remembers their ids in posting order."""

    def __init__(self, hub: Hub, collection: str) -> None:
        self.hub = hub
        self.collection = collection
        self.ids: list[str] = []
        self._n = 0

    def write(self, count: int) -> None:
        if count == 0:
            return
        batch = []
        for _ in range(count):
            self._n += 1
            batch.append(indicator(self._n + 10_000 * len(self.collection)))
            batch[-1]["id"] = f"indicator--{uuid.uuid4()}"
        r = self.hub.post_objects(batch, collection=self.collection)
        assert r.status_code == 202, r.text
        assert r.json()["success_count"] == count
        self.ids.extend(o["id"] for o in batch)


def _page(hub: Hub, collection: str, params: dict[str, Any]) -> Any:
    r = hub.get(hub.url(collection, "objects/"), params=params)
    assert r.status_code == 200, r.text
    return r


class TestPagingProperties:
    """Paging returns each object exactly once in date_added order."""

    @_SETTINGS
    @given(
        initial=st.integers(0, 40),
        limits=st.lists(st.integers(1, 15), min_size=1, max_size=30),
        writes=st.lists(st.integers(0, 5), max_size=30),
    )
    def test_next_paging_with_interleaved_writes(
        self, hub: Hub, initial: int, limits: list[int], writes: list[int]
    ) -> None:
        """3.4/3.5: following next with any limits, while writes land between pages, returns
        every object once, in date_added order, the new ones after the old."""
        collection = _new_collection(hub)
        writer = _Writer(hub, collection)
        writer.write(initial)
        seen: list[str] = []
        dates: list[int] = []
        params: dict[str, Any] = {}
        for step in range(10_000):
            params["limit"] = limits[step % len(limits)]
            r = _page(hub, collection, params)
            body = r.json()
            objects = body.get("objects", [])
            assert len(objects) <= params["limit"]
            seen.extend(o["id"] for o in objects)
            if objects:
                dates.append(parse_rfc3339_micros(r.headers["X-TAXII-Date-Added-First"]))
                dates.append(parse_rfc3339_micros(r.headers["X-TAXII-Date-Added-Last"]))
            if not body["more"]:
                assert "next" not in body
                break
            params = {"next": body["next"]}
            if step < len(writes):
                writer.write(writes[step])
        assert seen == writer.ids
        assert dates == sorted(dates)

    @_SETTINGS
    @given(
        initial=st.integers(1, 40),
        limits=st.lists(st.integers(1, 15), min_size=1, max_size=30),
        writes=st.lists(st.integers(0, 5), max_size=30),
    )
    def test_added_after_resume_with_interleaved_writes(
        self, hub: Hub, initial: int, limits: list[int], writes: list[int]
    ) -> None:
        """3.5: resuming with added_after = the last X-TAXII-Date-Added-Last misses nothing
        and repeats nothing, with writes between the pages."""
        collection = _new_collection(hub)
        writer = _Writer(hub, collection)
        writer.write(initial)
        seen: list[str] = []
        params: dict[str, Any] = {}
        for step in range(10_000):
            params["limit"] = limits[step % len(limits)]
            r = _page(hub, collection, params)
            objects = r.json().get("objects", [])
            seen.extend(o["id"] for o in objects)
            if not objects:
                break
            if step < len(writes):
                writer.write(writes[step])
            params = {"added_after": r.headers["X-TAXII-Date-Added-Last"]}
        assert seen == writer.ids


class TestConcurrentWriters:
    """Writers in parallel threads never make a poller skip an object."""

    def test_poller_sees_every_object_once_while_writers_run(self, hub: Hub) -> None:
        """3.4: with four writers committing concurrently, a poller resuming from the last
        header value collects exactly the collection's final contents, in order."""
        collection = _new_collection(hub)
        writers = [_Writer(hub, collection) for _ in range(4)]
        stop = threading.Event()

        def run(writer: _Writer) -> None:
            for _ in range(15):
                writer.write(3)

        threads = [threading.Thread(target=run, args=(w,)) for w in writers]
        for thread in threads:
            thread.start()
        seen: list[str] = []
        params: dict[str, Any] = {"limit": 7}
        while True:
            finished = not any(t.is_alive() for t in threads)
            r = _page(hub, collection, params)
            objects = r.json().get("objects", [])
            seen.extend(o["id"] for o in objects)
            if objects:
                params = {"limit": 7, "added_after": r.headers["X-TAXII-Date-Added-Last"]}
            elif finished:
                break
        stop.set()
        for thread in threads:
            thread.join()
        everything = [o["id"] for o in _page(hub, collection, {"limit": 10_000}).json()["objects"]]
        assert len(everything) == 4 * 15 * 3
        assert seen == everything
