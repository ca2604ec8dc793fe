"""Deleting an object: DELETE …/objects/{id}/ (TAXII 2.1 section 5.7)."""

from collections.abc import Callable
from typing import Any

import pytest

from stixhub.taxii.server import TAXII_21
from tests.taxii.server.conftest import HIDDEN, INTEL, PUBLIC, SIGHTINGS, Hub, indicator

T0 = 1_710_000_000_000_000
V1 = "2024-03-01T10:00:00.000Z"
V2 = "2024-03-02T10:00:00.000Z"
V3 = "2024-03-03T10:00:00.000Z"


def oid(n: int) -> str:
    return str(indicator(n)["id"])


def post_versions(hub: Hub, n: int = 1, collection: str = INTEL) -> None:
    for i, modified in enumerate((V1, V2, V3)):
        hub.clock[0] = T0 + 10 * i
        r = hub.post_objects([indicator(n, modified=modified)], collection=collection)
        assert r.json()["success_count"] == 1, r.text


def delete(hub: Hub, n: int = 1, who: str = "admin", collection: str = INTEL, **params: str) -> Any:
    return hub.client.delete(
        hub.url(collection, f"objects/{oid(n)}/"), headers=hub.headers[who], params=params
    )


def versions(hub: Hub, n: int = 1) -> list[str]:
    r = hub.get(hub.url(rest=f"objects/{oid(n)}/versions/"))
    if r.status_code == 404:
        return []
    return list(r.json().get("versions", []))


class TestDelete:
    """5.7: what a successful DELETE removes."""

    def test_without_match_version_removes_every_version(self, hub: Hub) -> None:
        """5.7 project choice: DELETE without match[version] removes all versions."""
        post_versions(hub)
        r = delete(hub)
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == TAXII_21
        assert hub.store.count_objects(INTEL) == 0

    def test_deleted_object_then_404s(self, hub: Hub) -> None:
        """5.7: after a 200 DELETE, getting the object and its versions gives 404."""
        post_versions(hub)
        assert delete(hub).status_code == 200
        assert hub.get(hub.url(rest=f"objects/{oid(1)}/")).status_code == 404
        assert hub.get(hub.url(rest=f"objects/{oid(1)}/versions/")).status_code == 404

    def test_deleted_object_leaves_objects_and_manifest(self, hub: Hub) -> None:
        """5.7: a deleted object no longer appears in the collection's objects or manifest."""
        post_versions(hub)
        hub.post_objects([indicator(2)])
        assert delete(hub).status_code == 200
        for rest in ("objects/", "manifest/"):
            r = hub.get(hub.url(rest=rest), params={"match[version]": "all"})
            assert [o["id"] for o in r.json()["objects"]] == [oid(2)]

    def test_match_version_removes_only_that_version(self, hub: Hub) -> None:
        """5.7: DELETE with a match[version] timestamp removes only that version."""
        post_versions(hub)
        assert delete(hub, **{"match[version]": V2}).status_code == 200
        assert versions(hub) == [V1, V3]
        r = hub.get(hub.url(rest=f"objects/{oid(1)}/"), params={"match[version]": V2})
        assert "objects" not in r.json()

    def test_match_version_last_recomputes_latest(self, hub: Hub) -> None:
        """5.7 / 3.4.1: deleting the last version makes the previous one the latest."""
        post_versions(hub)
        assert delete(hub, **{"match[version]": "last"}).status_code == 200
        objs = hub.get(hub.url(rest="objects/")).json()["objects"]
        assert [o["modified"] for o in objs] == [V2]

    def test_match_version_first(self, hub: Hub) -> None:
        """5.7: DELETE with match[version]=first removes the earliest version."""
        post_versions(hub)
        assert delete(hub, **{"match[version]": "first"}).status_code == 200
        assert versions(hub) == [V2, V3]

    def test_match_version_all(self, hub: Hub) -> None:
        """5.7: DELETE with match[version]=all removes every version."""
        post_versions(hub)
        assert delete(hub, **{"match[version]": "all"}).status_code == 200
        assert hub.get(hub.url(rest=f"objects/{oid(1)}/")).status_code == 404

    def test_match_spec_version(self, hub_factory: Callable[..., Hub]) -> None:
        """5.7: DELETE honours match[spec_version]: only the listed spec version goes."""
        hub = hub_factory(accept_stix20=True)
        hub.clock[0] = T0
        old = indicator(1, modified=V3, labels=["malicious-activity"])
        del old["spec_version"]
        del old["pattern_type"]
        hub.post_objects([indicator(1, modified=V1), old])
        assert delete(hub, **{"match[spec_version]": "2.1"}).status_code == 200
        r = hub.get(hub.url(rest="objects/"), params={"match[spec_version]": "2.0,2.1"})
        assert [("spec_version" in o, o["modified"]) for o in r.json()["objects"]] == [(False, V3)]

    def test_other_objects_and_collections_are_untouched(self, hub: Hub) -> None:
        """5.7: DELETE removes the object from this collection only."""
        post_versions(hub)
        post_versions(hub, collection=SIGHTINGS)
        hub.post_objects([indicator(2)])
        assert delete(hub).status_code == 200
        assert hub.store.count_objects(SIGHTINGS) == 3
        assert hub.store.count_objects(INTEL) == 1

    def test_unknown_object_is_404(self, hub: Hub) -> None:
        """5.7: deleting an object that is not stored gives 404."""
        r = delete(hub, 42)
        assert r.status_code == 404
        assert r.json()["http_status"] == "404"

    def test_second_delete_is_404(self, hub: Hub) -> None:
        """5.7: deleting an object twice gives 404 the second time."""
        post_versions(hub)
        assert delete(hub).status_code == 200
        assert delete(hub).status_code == 404

    @pytest.mark.parametrize(
        "params",
        [
            {"match[version]": "all,last"},
            {"match[version]": "first,first"},
            {"match[version]": "yesterday"},
            {"match[spec_version]": "two"},
        ],
    )
    def test_malformed_filter_is_400(self, hub: Hub, params: dict[str, str]) -> None:
        """5.7 / 3.4: a malformed DELETE filter gives 400 and deletes nothing."""
        post_versions(hub)
        r = delete(hub, **params)
        assert r.status_code == 400, r.text
        assert hub.store.count_objects(INTEL) == 3

    def test_repeated_match_version_is_400(self, hub: Hub) -> None:
        """5.7 / 3.4: match[version] given twice on DELETE gives 400."""
        post_versions(hub)
        r = hub.client.delete(
            hub.url(rest=f"objects/{oid(1)}/") + f"?match[version]={V1}&match[version]={V2}",
            headers=hub.headers["admin"],
        )
        assert r.status_code == 400
        assert hub.store.count_objects(INTEL) == 3


class TestDeleteRights:
    """5.7: the rights table decides the response once the caller is authenticated."""

    def test_both_rights_delete(self, hub: Hub) -> None:
        """5.7: read=true and write=true: the object is deleted with 200."""
        post_versions(hub)
        assert delete(hub, who="admin").status_code == 200

    def test_no_rights_is_404(self, hub: Hub) -> None:
        """5.7: read=false and write=false gives 404 and deletes nothing."""
        post_versions(hub)
        r = delete(hub, who="nobody")
        assert r.status_code == 404
        assert hub.store.count_objects(INTEL) == 3

    def test_no_rights_on_hidden_is_404(self, hub: Hub) -> None:
        """5.7: a user without rights in a collection gets 404 there, like for a missing one."""
        post_versions(hub, collection=HIDDEN)
        assert delete(hub, who="reader", collection=HIDDEN).status_code == 404

    def test_read_only_is_403(self, hub: Hub) -> None:
        """5.7: read=true and write=false gives 403 and deletes nothing."""
        post_versions(hub)
        r = delete(hub, who="reader")
        assert r.status_code == 403
        assert r.json()["http_status"] == "403"
        assert hub.store.count_objects(INTEL) == 3

    def test_write_only_is_403(self, hub: Hub) -> None:
        """5.7: read=false and write=true gives 403 and deletes nothing."""
        post_versions(hub)
        assert delete(hub, who="writer").status_code == 403
        assert hub.store.count_objects(INTEL) == 3

    def test_public_read_only_is_403(self, hub: Hub) -> None:
        """5.7: a user who can only read a public collection gets 403 on DELETE."""
        post_versions(hub, collection=PUBLIC)
        assert delete(hub, who="nobody", collection=PUBLIC).status_code == 403
        assert hub.store.count_objects(PUBLIC) == 3

    def test_anonymous_is_401(self, hub: Hub) -> None:
        """5.7: an unauthenticated DELETE gets 401 + WWW-Authenticate, even on a public one."""
        post_versions(hub, collection=PUBLIC)
        r = delete(hub, who="anonymous", collection=PUBLIC)
        assert r.status_code == 401, r.text
        assert "www-authenticate" in r.headers
        assert hub.store.count_objects(PUBLIC) == 3

    def test_anonymous_on_private_is_401(self, hub: Hub) -> None:
        """5.7: an unauthenticated DELETE on a private collection gets 401."""
        post_versions(hub)
        assert delete(hub, who="anonymous").status_code == 401
