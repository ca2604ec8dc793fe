"""Interop with the OASIS taxii2-client (a peer nobody here wrote), over HTTP and HTTPS."""

from collections.abc import Callable

from taxii2client.v21 import Collection, Server, as_pages

from tests.interop.conftest import INTEL, PASSWORD, LiveHub


def _collection(hub: LiveHub) -> Collection:
    return Collection(hub.collection_url(), user="publisher", password=PASSWORD, verify=hub.verify)


class TestTaxii2Client:
    """taxii2-client 2.3 works against the hub end to end."""

    def test_discovery_and_collections(self, live_hub: LiveHub) -> None:
        """4.1, 4.2, 5.1: the client reads discovery, the API root and its collections."""
        server = Server(
            f"{live_hub.base_url}/taxii2/",
            user="publisher",
            password=PASSWORD,
            verify=live_hub.verify,
        )
        assert server.title == "stixhub"
        (root,) = server.api_roots
        assert root.url == f"{live_hub.base_url}/api1/"
        assert root.title == "Interop API root"
        assert "application/taxii+json;version=2.1" in root.versions
        assert root.max_content_length == 2_000_000
        (collection,) = root.collections
        assert collection.id == INTEL
        assert collection.can_read
        assert collection.can_write

    def test_add_objects_status_and_paged_get(
        self, live_hub: LiveHub, new_indicators: Callable[[int], list[dict[str, object]]]
    ) -> None:
        """5.5, 4.3, 5.4: add_objects returns a complete status, and as_pages walks every
        object exactly once through next."""
        collection = _collection(live_hub)
        objects = new_indicators(25)
        status = collection.add_objects({"objects": objects})
        assert status.status == "complete"
        assert status.total_count == 25
        assert status.success_count == 25
        assert status.failure_count == 0
        status.refresh()
        assert status.success_count == 25
        seen = []
        for envelope in as_pages(collection.get_objects, per_request=7):
            seen.extend(o["id"] for o in envelope.get("objects", []))
        assert seen == [o["id"] for o in objects]

    def test_manifest_versions_and_delete(
        self, live_hub: LiveHub, new_indicators: Callable[[int], list[dict[str, object]]]
    ) -> None:
        """5.3, 5.6, 5.7, 5.8: manifest, get_object, object_versions and delete_object."""
        collection = _collection(live_hub)
        (first,) = new_indicators(1)
        second = {**first, "modified": "2024-03-02T10:00:00.000Z", "name": "second"}
        collection.add_objects({"objects": [first, second]})
        manifest = collection.get_manifest(version="all")
        assert [r["version"] for r in manifest["objects"]] == [
            "2024-03-01T10:00:00.000Z",
            "2024-03-02T10:00:00.000Z",
        ]
        versions = collection.object_versions(first["id"])
        assert versions["versions"] == ["2024-03-01T10:00:00.000Z", "2024-03-02T10:00:00.000Z"]
        latest = collection.get_object(first["id"])
        assert [o["name"] for o in latest["objects"]] == ["second"]
        collection.delete_object(first["id"])
        assert "objects" not in collection.get_objects()
