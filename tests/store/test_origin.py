"""Where a mirrored object version came from (``objects.origin``), on SQLite and PostgreSQL."""

from typing import Any

import pytest

from stixhub.store import AddOutcome, NotFound, SqlStore, add_objects

SOURCE = "https://cert.example/api1/collections/91a7b528-80eb-42ed-a74d-c6fbd5a26116/"
OTHER = "https://other.example/taxii/collections/64993447-4d7e-4f70-b94d-d7f33742ee63/"
ID = "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"


def version(modified: str, **extra: Any) -> dict[str, Any]:
    """A valid indicator version of ID."""
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": ID,
        "created": "2024-03-01T10:00:00.000Z",
        "modified": modified,
        "pattern": "[ipv4-addr:value = '203.0.113.7']",
        "pattern_type": "stix",
        "valid_from": "2024-03-01T00:00:00Z",
        **extra,
    }


class TestOrigin:
    def test_origin_is_recorded_per_version(self, store: SqlStore, collection_id: str) -> None:
        """Each new version keeps the origin it was added with; a local one has none."""
        collection = store.find_collection(collection_id)
        add_objects(store, collection, [version("2024-03-01T10:00:00.000Z")], origin=SOURCE)
        add_objects(store, collection, [version("2024-03-02T10:00:00.000Z")])
        add_objects(store, collection, [version("2024-03-03T10:00:00.000Z")], origin=OTHER)
        assert store.get_origins(collection_id, ID) == {
            "2024-03-01T10:00:00.000Z": SOURCE,
            "2024-03-02T10:00:00.000Z": None,
            "2024-03-03T10:00:00.000Z": OTHER,
        }

    def test_unchanged_version_keeps_its_first_origin(
        self, store: SqlStore, collection_id: str
    ) -> None:
        """Adding the same version again from elsewhere neither duplicates it nor moves it."""
        collection = store.find_collection(collection_id)
        obj = version("2024-03-01T10:00:00.000Z")
        add_objects(store, collection, [obj], origin=SOURCE)
        again = add_objects(store, collection, [obj], origin=OTHER)
        assert [r.outcome for r in again] == [AddOutcome.UNCHANGED]
        assert store.get_origins(collection_id, ID) == {"2024-03-01T10:00:00.000Z": SOURCE}
        assert store.count_objects(collection_id) == 1

    def test_refused_version_records_nothing(self, store: SqlStore, collection_id: str) -> None:
        """An object the validator refuses is not stored, origin or not."""
        collection = store.find_collection(collection_id)
        results = add_objects(
            store,
            collection,
            [version("2024-03-01T10:00:00.000Z", pattern="[broken")],
            origin=SOURCE,
        )
        assert [r.outcome for r in results] == [AddOutcome.FAILED]
        with pytest.raises(NotFound):
            store.get_origins(collection_id, ID)

    def test_unknown_object_is_not_found(self, store: SqlStore, collection_id: str) -> None:
        """Asking for the origins of an object the collection lacks is a NotFound."""
        with pytest.raises(NotFound, match="no object"):
            store.get_origins(collection_id, ID)
