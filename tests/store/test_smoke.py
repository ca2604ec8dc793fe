"""The SQL store stores and pages an envelope on both backends."""

from stixhub.stix import prepare_object
from stixhub.store import ObjectQuery, SqlStore


def test_added_objects_come_back_in_date_added_order(store: SqlStore, collection_id: str) -> None:
    """Objects added in one envelope are returned in the order they were added."""
    objs = [
        {"type": "x-test", "id": f"x-test--{i:08d}-0000-4000-8000-000000000000", "n": i}
        for i in range(5)
    ]
    store.add_objects(collection_id, [prepare_object(o) for o in objs])
    page = store.get_objects(collection_id, ObjectQuery(limit=10))
    assert [r.id for r in page.records] == [o["id"] for o in objs]
    assert not page.more
